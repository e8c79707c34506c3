//! `Commit` (RFC 9420 §12.4).

use alloc::vec::Vec;
use mls_codec::{decode_vec_limited, Decode, Encode, Error, Reader};
use mls_treekem::UpdatePath;

use crate::limits::MAX_PROPOSALS_PER_COMMIT;
use crate::ProposalOrRef;

/// `struct { ProposalOrRef proposals<V>; optional<UpdatePath> path; } Commit`
/// (RFC 9420 §12.4).
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_framing::Commit;
/// let empty = Commit { proposals: vec![], path: None };
/// assert_eq!(empty.to_bytes().unwrap(), [0, 0]);
/// assert_eq!(decode_exact::<Commit>(&[0, 0]).unwrap(), empty);
/// assert!(empty.path_required());
/// ```
///
/// Decoding stops with [`mls_codec::Error::TooManyElements`] past
/// [`MAX_PROPOSALS_PER_COMMIT`] proposals, before allocating them: a
/// reference can be two bytes on the wire but a `ProposalOrRef` takes a few
/// hundred in memory.
#[derive(Debug, Clone, PartialEq, Eq, Encode)]
pub struct Commit {
    /// The proposals covered, by value or by reference.
    pub proposals: Vec<ProposalOrRef>,
    /// The committer's UpdatePath, if any.
    pub path: Option<UpdatePath>,
}

impl Decode for Commit {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Commit {
            proposals: decode_vec_limited(r, MAX_PROPOSALS_PER_COMMIT)?,
            path: Option::decode(r)?,
        })
    }
}

impl Commit {
    /// Whether the proposals *given by value* require a path (RFC 9420
    /// §12.4): an empty Commit always does. Proposals by reference must be
    /// resolved by the caller and checked with
    /// [`crate::Proposal::requires_path`]. Custom proposals count as
    /// requiring a path (conservative: their registry entry is unknown).
    pub fn path_required(&self) -> bool {
        self.proposals.is_empty()
            || self.proposals.iter().any(|p| match p {
                ProposalOrRef::Proposal(p) => p.requires_path(),
                ProposalOrRef::Reference(_) => false,
            })
    }
}
