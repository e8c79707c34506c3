//! `Commit` (RFC 9420 §12.4).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_treekem::UpdatePath;

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
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Commit {
    /// The proposals covered, by value or by reference.
    pub proposals: Vec<ProposalOrRef>,
    /// The committer's UpdatePath, if any.
    pub path: Option<UpdatePath>,
}

impl Commit {
    /// Whether the proposals *given by value* require a path (RFC 9420
    /// §12.4): an empty Commit always does. Proposals by reference must be
    /// resolved by the caller and checked with
    /// [`crate::Proposal::requires_path`].
    pub fn path_required(&self) -> bool {
        self.proposals.is_empty()
            || self.proposals.iter().any(|p| match p {
                ProposalOrRef::Proposal(p) => p.requires_path(),
                ProposalOrRef::Reference(_) => false,
            })
    }
}
