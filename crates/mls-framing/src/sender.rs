//! `Sender` and `SenderType` (RFC 9420 §6).

use mls_codec::{Decode, Encode};
use mls_types::tree_math::LeafIndex;

/// `enum { reserved(0), member(1), external(2), new_member_proposal(3),
/// new_member_commit(4), (255) } SenderType` (RFC 9420 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenderType {
    /// `member(1)`
    Member,
    /// `external(2)`
    External,
    /// `new_member_proposal(3)`
    NewMemberProposal,
    /// `new_member_commit(4)`
    NewMemberCommit,
}

/// `struct Sender` with its `select` on `sender_type` (RFC 9420 §6).
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_framing::{Sender, SenderType};
/// use mls_types::tree_math::LeafIndex;
/// let s = Sender::Member(LeafIndex(5));
/// assert_eq!(s.to_bytes().unwrap(), [1, 0, 0, 0, 5]);
/// assert_eq!(Sender::NewMemberCommit.to_bytes().unwrap(), [4]);
/// assert_eq!(decode_exact::<Sender>(&[2, 0, 0, 0, 1]).unwrap().sender_type(), SenderType::External);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Encode, Decode)]
#[codec(tag = u8)]
pub enum Sender {
    /// `member`: `uint32 leaf_index`.
    #[codec(tag = 1)]
    Member(LeafIndex),
    /// `external`: `uint32 sender_index` into the `external_senders` extension.
    #[codec(tag = 2)]
    External(u32),
    /// `new_member_proposal`: an external Add of the sender's own KeyPackage.
    #[codec(tag = 3)]
    NewMemberProposal,
    /// `new_member_commit`: an external Commit.
    #[codec(tag = 4)]
    NewMemberCommit,
}

impl Sender {
    /// The `sender_type`.
    pub fn sender_type(&self) -> SenderType {
        match self {
            Sender::Member(_) => SenderType::Member,
            Sender::External(_) => SenderType::External,
            Sender::NewMemberProposal => SenderType::NewMemberProposal,
            Sender::NewMemberCommit => SenderType::NewMemberCommit,
        }
    }

    /// Whether the FramedContentTBS of this sender includes the
    /// GroupContext (`member`, `new_member_commit`; RFC 9420 §6.1).
    pub fn signs_group_context(&self) -> bool {
        matches!(self, Sender::Member(_) | Sender::NewMemberCommit)
    }

    /// The leaf index of a `member` sender.
    pub fn leaf_index(&self) -> Option<LeafIndex> {
        match self {
            Sender::Member(l) => Some(*l),
            _ => None,
        }
    }
}
