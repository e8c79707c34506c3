//! The one error type of the group layer.

use core::fmt;
use mls_framing::{FramingError, ProposalRef};
use mls_treekem::TreeError;
use mls_types::ProposalType;

/// Why a group operation failed. A failed operation never changes the
/// group state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    /// Encoding or decoding failed.
    Codec(mls_codec::Error),
    /// A cryptographic primitive failed.
    Crypto(mls_crypto::Error),
    /// A ratchet-tree operation or leaf validation failed.
    Tree(TreeError),
    /// A key-schedule operation failed.
    KeySchedule(mls_keyschedule::Error),
    /// Message framing or protection failed (signature, membership tag,
    /// decryption, sender rules, ...).
    Framing(FramingError),
    /// The cipher suite is not supported by the crypto provider, or does
    /// not match the group's.
    UnsupportedCipherSuite(u16),
    /// The message is for another group.
    WrongGroupId,
    /// The message is for another epoch (and not a retained past epoch).
    WrongEpoch {
        /// The group's current epoch.
        current: u64,
        /// The message's epoch.
        got: u64,
    },
    /// A message of this wire format was not expected here.
    UnexpectedWireFormat,
    /// The wire format is not allowed by the group's policy for handshake messages.
    WireFormatPolicy,
    /// The epoch's proposal store is full
    /// ([`crate::limits::MAX_STORED_PROPOSALS`]): the proposal is refused.
    TooManyProposals,
    /// A commit referenced a proposal the group has not received this epoch.
    UnknownProposalRef(ProposalRef),
    /// §12.2: the proposal list of a commit is invalid; the reason names the rule.
    InvalidProposalList(&'static str),
    /// §12.1: an individual proposal is invalid; the reason names the rule.
    InvalidProposal(&'static str),
    /// A proposal of this (custom) type is not listed in the
    /// `capabilities.proposals` of some member that processes the commit
    /// (§7.2, §12.2; members the commit adds or removes need not list
    /// it): the proposal list is invalid.
    UnsupportedProposal(ProposalType),
    /// §12.4.2: the commit must carry an UpdatePath but does not.
    PathRequired,
    /// The commit's confirmation tag does not match.
    InvalidConfirmationTag,
    /// A KeyPackage failed validation (§10.1); the reason names the rule.
    InvalidKeyPackage(&'static str),
    /// A Welcome or GroupInfo failed a §12.4.3.1 / §12.4.3.2 check.
    InvalidWelcome(&'static str),
    /// The Welcome holds no secrets for this client's KeyPackage.
    WelcomeNotForUs,
    /// No ratchet tree: neither in the GroupInfo nor supplied.
    MissingRatchetTree,
    /// A PSK named by a proposal or Welcome is not available.
    MissingPsk,
    /// Own commit processed while none is pending, or the pending commit does not match.
    NoPendingCommit,
    /// A commit of ours is pending: merge or clear it first.
    CommitPending,
    /// The commit was created by this member and must be merged with
    /// [`crate::Group::merge_pending_commit`].
    OwnCommit,
    /// A ReInit was committed (§11.2): this group can no longer send or
    /// follow handshake messages; only its history is readable.
    GroupInactive,
    /// This member was removed from the group (§12.4.2): it can no longer
    /// send, follow or export; only its history is readable.
    Removed,
    /// The staged commit was staged by another group state (another
    /// member, another epoch or another group) and cannot be merged here.
    StagedElsewhere,
    /// A message from a past epoch that is no longer retained, or a
    /// handshake message from a past epoch.
    EpochTooOld(u64),
    /// The application's policy hook refused the operation.
    PolicyRejected(&'static str),
    /// The authentication service (the group's policy, see
    /// [`crate::CredentialValidator`]) refused a credential where it
    /// entered the group.
    CredentialRejected {
        /// The entry point.
        context: crate::CredentialContext,
        /// Why.
        reason: crate::CredentialError,
    },
    /// An argument given by the caller is invalid.
    InvalidArgument(&'static str),
    /// Lifetimes must be checked (§7.3) but no time is set: call
    /// [`crate::Group::set_time`] (or choose another
    /// [`crate::LifetimeCheck`]).
    TimeRequired,
    /// The persisted state could not be decoded or is inconsistent:
    /// corrupted local state.
    InvalidState(&'static str),
    /// An invariant of this library broke: a bug, never the peer's doing.
    Internal(&'static str),
    /// The persisted state (blob or group record) has a version this
    /// library does not read (see [`crate::STATE_VERSION`]).
    UnknownStateVersion(u16),
    /// Sealed state whose MAC is wrong ([`crate::StateSealer`]): damaged,
    /// moved or not sealed with this key.
    StateAuthentication,
    /// The configuration given to restore a state is not the one it was
    /// saved with (see [`crate::Group::set_config`] to change it).
    ConfigMismatch,
    /// No group record among the state records.
    MissingGroupRecord,
    /// The number of node records is not the group record's count of
    /// non-blank nodes (a record missing or left over).
    NodeRecordCount {
        /// The count in the group record.
        expected: u32,
        /// The number of node records given.
        found: usize,
    },
    /// The node records do not make the tree of the group record's epoch
    /// (its tree hash differs): a record is stale, damaged or from another
    /// group.
    NodeRecordsMismatch,
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Codec(e) => write!(f, "codec: {e}"),
            GroupError::Crypto(e) => write!(f, "crypto: {e}"),
            GroupError::Tree(e) => write!(f, "tree: {e}"),
            GroupError::KeySchedule(e) => write!(f, "key schedule: {e}"),
            GroupError::Framing(e) => write!(f, "framing: {e}"),
            GroupError::UnsupportedCipherSuite(s) => write!(f, "unsupported cipher suite {s}"),
            GroupError::WrongGroupId => f.write_str("message for another group"),
            GroupError::WrongEpoch { current, got } => {
                write!(f, "message for epoch {got}, group is at {current}")
            }
            GroupError::UnexpectedWireFormat => f.write_str("unexpected wire format"),
            GroupError::WireFormatPolicy => f.write_str("wire format refused by policy"),
            GroupError::UnknownProposalRef(_) => f.write_str("unknown proposal reference"),
            GroupError::TooManyProposals => f.write_str("the epoch's proposal store is full"),
            GroupError::InvalidProposalList(r) => write!(f, "invalid proposal list: {r}"),
            GroupError::InvalidProposal(r) => write!(f, "invalid proposal: {r}"),
            GroupError::UnsupportedProposal(t) => write!(f, "unsupported proposal type {}", t.0),
            GroupError::PathRequired => f.write_str("commit requires a path"),
            GroupError::InvalidConfirmationTag => f.write_str("invalid confirmation tag"),
            GroupError::InvalidKeyPackage(r) => write!(f, "invalid key package: {r}"),
            GroupError::InvalidWelcome(r) => write!(f, "invalid welcome: {r}"),
            GroupError::WelcomeNotForUs => f.write_str("welcome has no secrets for us"),
            GroupError::MissingRatchetTree => f.write_str("no ratchet tree"),
            GroupError::MissingPsk => f.write_str("PSK not available"),
            GroupError::NoPendingCommit => f.write_str("no matching pending commit"),
            GroupError::CommitPending => f.write_str("a commit is pending"),
            GroupError::OwnCommit => f.write_str("own commit: merge the pending commit"),
            GroupError::GroupInactive => f.write_str("group inactive after a ReInit"),
            GroupError::Removed => f.write_str("removed from the group"),
            GroupError::StagedElsewhere => {
                f.write_str("staged commit belongs to another group state")
            }
            GroupError::EpochTooOld(e) => write!(f, "epoch {e} not retained"),
            GroupError::PolicyRejected(r) => write!(f, "rejected by policy: {r}"),
            GroupError::CredentialRejected { context, reason } => {
                write!(f, "credential rejected ({context:?}): {reason}")
            }
            GroupError::InvalidArgument(r) => write!(f, "invalid argument: {r}"),
            GroupError::TimeRequired => f.write_str("no time set for the lifetime checks"),
            GroupError::InvalidState(r) => write!(f, "invalid state: {r}"),
            GroupError::Internal(r) => write!(f, "internal error (a bug): {r}"),
            GroupError::UnknownStateVersion(v) => write!(f, "unknown state version {v}"),
            GroupError::MissingGroupRecord => f.write_str("no group record"),
            GroupError::ConfigMismatch => {
                f.write_str("the configuration differs from the one saved with the state")
            }
            GroupError::StateAuthentication => f.write_str("sealed state fails authentication"),
            GroupError::NodeRecordCount { expected, found } => {
                write!(
                    f,
                    "{found} node records, the group record counts {expected}"
                )
            }
            GroupError::NodeRecordsMismatch => {
                f.write_str("node records do not match the group record's tree hash")
            }
        }
    }
}

/// The inner error of the layer that failed, if any.
impl core::error::Error for GroupError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            GroupError::Codec(e) => Some(e),
            GroupError::Crypto(e) => Some(e),
            GroupError::Tree(e) => Some(e),
            GroupError::KeySchedule(e) => Some(e),
            GroupError::Framing(e) => Some(e),
            _ => None,
        }
    }
}

/// Who is at fault when an operation fails ([`GroupError::fault`]): what
/// the caller should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The peer sent what RFC 9420 forbids (a bad signature, tag or
    /// hash, an invalid proposal list, a malformed message) or what the
    /// application's policy refuses: drop it; the sender misbehaves.
    Peer,
    /// The peer uses something this build does not support (a cipher
    /// suite, a proposal type): the sender may be right, we cannot follow.
    Unsupported,
    /// The message belongs to another epoch, another group or another
    /// client, or needs what this member does not hold (a proposal it
    /// missed, a PSK it was not given): nobody misbehaved; ignore it or
    /// resynchronise.
    OutOfSync,
    /// The call does not fit the group's state or its arguments are wrong
    /// (a commit while one is pending, a removed member sending, our own
    /// commit processed instead of merged): a bug or a missing step in
    /// the application.
    Caller,
    /// The persisted state is damaged or of another version.
    LocalState,
    /// An invariant of this library broke: a bug to report.
    Internal,
}

impl GroupError {
    /// Who is at fault (see [`Fault`]).
    ///
    /// ```
    /// use mls_group::{Fault, GroupError};
    /// assert_eq!(GroupError::InvalidConfirmationTag.fault(), Fault::Peer);
    /// assert_eq!(GroupError::WrongEpoch { current: 3, got: 4 }.fault(), Fault::OutOfSync);
    /// assert_eq!(GroupError::CommitPending.fault(), Fault::Caller);
    /// assert_eq!(GroupError::NodeRecordsMismatch.fault(), Fault::LocalState);
    /// ```
    pub fn fault(&self) -> Fault {
        use GroupError as G;
        match self {
            // A key pair that does not match is the group's own external
            // key pair (derived locally), never a peer's.
            G::Crypto(mls_crypto::Error::RandomFailure | mls_crypto::Error::KeyPairMismatch)
            | G::Internal(_) => Fault::Internal,
            G::Tree(e) => tree_fault(e),
            G::Codec(_)
            | G::Crypto(_)
            | G::KeySchedule(_)
            | G::Framing(_)
            | G::UnexpectedWireFormat
            | G::WireFormatPolicy
            | G::InvalidProposalList(_)
            | G::InvalidProposal(_)
            | G::PathRequired
            | G::InvalidConfirmationTag
            | G::InvalidKeyPackage(_)
            | G::InvalidWelcome(_)
            | G::MissingRatchetTree
            | G::PolicyRejected(_)
            | G::CredentialRejected { .. }
            | G::TooManyProposals => Fault::Peer,
            G::UnsupportedCipherSuite(_) | G::UnsupportedProposal(_) => Fault::Unsupported,
            G::WrongGroupId
            | G::WrongEpoch { .. }
            | G::EpochTooOld(_)
            | G::UnknownProposalRef(_)
            | G::MissingPsk
            | G::WelcomeNotForUs => Fault::OutOfSync,
            G::NoPendingCommit
            | G::CommitPending
            | G::OwnCommit
            | G::GroupInactive
            | G::Removed
            | G::StagedElsewhere
            | G::ConfigMismatch
            | G::TimeRequired
            | G::InvalidArgument(_) => Fault::Caller,
            G::InvalidState(_)
            | G::UnknownStateVersion(_)
            | G::StateAuthentication
            | G::MissingGroupRecord
            | G::NodeRecordCount { .. }
            | G::NodeRecordsMismatch => Fault::LocalState,
        }
    }
}

/// A tree error's fault: stored node records are local state, changes
/// that do not apply are ours; everything else came with a message.
fn tree_fault(e: &TreeError) -> Fault {
    match e {
        TreeError::UnknownNodeRecordVersion { .. }
        | TreeError::InvalidNodeRecord { .. }
        | TreeError::NodeRecordsDoNotFit { .. } => Fault::LocalState,
        TreeError::ChangesDoNotApply => Fault::Internal,
        _ => Fault::Peer,
    }
}

macro_rules! from_err {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for GroupError {
            fn from(e: $t) -> Self {
                GroupError::$v(e)
            }
        }
    )*};
}

from_err!(
    mls_codec::Error => Codec,
    mls_crypto::Error => Crypto,
    TreeError => Tree,
    mls_keyschedule::Error => KeySchedule,
    FramingError => Framing
);
