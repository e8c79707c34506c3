//! Where a member is in a group's life: operational, waiting for the
//! Delivery Service to confirm its commit (RFC 9750 §5.2.1), waiting to
//! move to the group a committed ReInit starts (RFC 9420 §11.2), or
//! removed (§12.4.2).

use alloc::boxed::Box;
use mls_codec::{Decode, Encode};
use mls_framing::{MlsMessage, ReInit};

use crate::staged::StagedCommit;
use crate::GroupError;

/// Our commit awaiting the Delivery Service's confirmation.
#[derive(Debug, Clone, Encode, Decode)]
pub struct PendingCommit {
    pub(crate) staged: StagedCommit,
    pub(crate) message: MlsMessage,
}

impl PendingCommit {
    /// The commit message sent.
    pub fn message(&self) -> &MlsMessage {
        &self.message
    }

    /// What the commit does.
    pub fn staged(&self) -> &StagedCommit {
        &self.staged
    }
}

/// A member's lifecycle state, as [`Group::status`](crate::Group::status)
/// reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStatus {
    /// A member that can send and receive.
    Operational,
    /// A commit of ours awaits confirmation: merge or clear it before
    /// committing again.
    PendingCommit,
    /// A ReInit was committed (§11.2): the group only serves its history
    /// and the resumption PSK for the group that replaces it.
    AwaitingReInit,
    /// This member was removed: the group only serves its history.
    Removed,
}

/// The lifecycle with what each state holds.
#[derive(Debug, Clone, Encode, Decode)]
#[codec(tag = u8)]
pub(crate) enum Lifecycle {
    #[codec(tag = 0)]
    Operational,
    #[codec(tag = 1)]
    PendingCommit(Box<PendingCommit>),
    #[codec(tag = 2)]
    AwaitingReInit(ReInit),
    #[codec(tag = 3)]
    Removed,
}

impl Lifecycle {
    pub fn status(&self) -> GroupStatus {
        match self {
            Lifecycle::Operational => GroupStatus::Operational,
            Lifecycle::PendingCommit(_) => GroupStatus::PendingCommit,
            Lifecycle::AwaitingReInit(_) => GroupStatus::AwaitingReInit,
            Lifecycle::Removed => GroupStatus::Removed,
        }
    }

    /// Whether the member can send: operational or with a commit pending.
    pub fn is_active(&self) -> bool {
        matches!(self, Lifecycle::Operational | Lifecycle::PendingCommit(_))
    }

    /// Fails unless the member can send ([`GroupError::Removed`] or
    /// [`GroupError::GroupInactive`] after a ReInit).
    pub fn check_active(&self) -> Result<(), GroupError> {
        match self {
            Lifecycle::Removed => Err(GroupError::Removed),
            Lifecycle::AwaitingReInit(_) => Err(GroupError::GroupInactive),
            _ => Ok(()),
        }
    }

    /// Fails once the member was removed: it no longer holds this group's
    /// current secrets for anyone but its own history.
    pub fn check_not_removed(&self) -> Result<(), GroupError> {
        match self {
            Lifecycle::Removed => Err(GroupError::Removed),
            _ => Ok(()),
        }
    }

    pub fn pending(&self) -> Option<&PendingCommit> {
        match self {
            Lifecycle::PendingCommit(p) => Some(p),
            _ => None,
        }
    }

    pub fn reinit(&self) -> Option<&ReInit> {
        match self {
            Lifecycle::AwaitingReInit(r) => Some(r),
            _ => None,
        }
    }
}
