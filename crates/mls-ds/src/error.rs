//! Errors that say who is at fault.

use core::fmt;
use mls_group::GroupError;

use crate::store::StoreError;

/// Why the Delivery Service refused a request. A refused request changes
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DsError {
    /// The bytes are not a well-formed message of the expected kind, or
    /// are larger than [`crate::Limits::max_message_size`].
    Malformed(&'static str),
    /// A message of this wire format or content type is not accepted here
    /// (MIMI: handshake messages are PublicMessages, application messages
    /// PrivateMessages).
    WireFormat(&'static str),
    /// The message is invalid for the group (signature, tree, parent
    /// hashes, proposals, the policy hook, ...): the MLS verdict, with
    /// its own [`GroupError::fault`].
    Invalid(GroupError),
    /// The commit is for an epoch that another commit already ended
    /// (RFC 9750 §5.2.1): the first valid commit of an epoch wins.
    /// Process the group's messages and retry.
    StaleEpoch {
        /// The group's current epoch.
        current: u64,
    },
    /// The message is for an epoch the group has not reached.
    FutureEpoch {
        /// The group's current epoch.
        current: u64,
        /// The message's epoch.
        got: u64,
    },
    /// An application message of an epoch no longer accepted
    /// ([`crate::Limits::application_past_epochs`]).
    EpochTooOld {
        /// The group's current epoch.
        current: u64,
    },
    /// The commit references a proposal the DS has not accepted this
    /// epoch: proposals must precede the commits that reference them.
    UnknownProposal,
    /// No such group.
    UnknownGroup,
    /// A group with this id exists already.
    GroupExists,
    /// A ReInit was committed: the group takes no more messages
    /// (RFC 9750 §5.2.3).
    GroupFrozen,
    /// The authenticated client is not a member of the group.
    NotAMember,
    /// The message's sender (its leaf's credential) is not the
    /// authenticated client.
    SenderMismatch,
    /// The KeyPackage's credential does not belong to the uploading
    /// client, or the KeyPackage is someone else's.
    NotOwner,
    /// The DS's policy refuses the operation (who may add/remove, external
    /// joins, ...).
    PolicyRefused(&'static str),
    /// The commit's PartialGroupInfo (MIMI §7) does not make a valid
    /// GroupInfo for the new epoch.
    InvalidPartialGroupInfo(&'static str),
    /// The Welcome does not match the commit's Adds.
    InvalidWelcome(&'static str),
    /// The KeyPackage failed validation (RFC 9420 §10.1).
    InvalidKeyPackage(GroupError),
    /// The KeyPackage's lifetime is over (or not begun), or longer than
    /// [`crate::Limits::max_key_package_lifetime`].
    KeyPackageLifetime(&'static str),
    /// No KeyPackage with this reference.
    UnknownKeyPackage,
    /// The cipher suite is not supported by this DS's provider.
    UnsupportedCipherSuite(u16),
    /// Too many requests: try again in `retry_after` seconds.
    RateLimited {
        /// Seconds until the current window ends.
        retry_after: u64,
    },
    /// A limit of [`crate::Limits`] was reached; the field names it.
    LimitExceeded(&'static str),
    /// Nothing to return (no GroupInfo, no tree for this epoch, ...).
    NotFound(&'static str),
    /// The request lost [`crate::Limits::store_retries`] races in a row.
    Contention,
    /// The store failed.
    Store(StoreError),
    /// An invariant of this crate broke: a bug.
    Internal(&'static str),
}

/// Who is at fault when a request is refused ([`DsError::fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsFault {
    /// The sending client sent what MLS or the protocol forbids: drop it.
    Sender,
    /// The client is behind or ahead (another commit won the epoch, a
    /// proposal is missing): catch up and retry.
    OutOfSync,
    /// The client may not do this (not a member, not the owner, the
    /// DS's policy): nothing to retry.
    Unauthorized,
    /// The client must slow down (rate limit): retry later.
    RateLimited,
    /// Nothing is wrong with the request but what it asks for is not
    /// here (unknown group, no KeyPackage).
    NotFound,
    /// The DS failed (store, contention, a bug): retry later.
    Server,
}

impl DsError {
    /// Who is at fault.
    ///
    /// ```
    /// use mls_ds::{DsError, DsFault};
    /// assert_eq!(DsError::StaleEpoch { current: 4 }.fault(), DsFault::OutOfSync);
    /// assert_eq!(DsError::RateLimited { retry_after: 3 }.fault(), DsFault::RateLimited);
    /// ```
    pub fn fault(&self) -> DsFault {
        use DsError as E;
        match self {
            E::Invalid(e) => match e.fault() {
                mls_group::Fault::OutOfSync => DsFault::OutOfSync,
                mls_group::Fault::Internal | mls_group::Fault::LocalState => DsFault::Server,
                _ => DsFault::Sender,
            },
            E::Malformed(_)
            | E::WireFormat(_)
            | E::InvalidPartialGroupInfo(_)
            | E::InvalidWelcome(_)
            | E::InvalidKeyPackage(_)
            | E::KeyPackageLifetime(_)
            | E::UnsupportedCipherSuite(_)
            | E::LimitExceeded(_) => DsFault::Sender,
            E::StaleEpoch { .. }
            | E::FutureEpoch { .. }
            | E::EpochTooOld { .. }
            | E::UnknownProposal => DsFault::OutOfSync,
            E::NotAMember
            | E::SenderMismatch
            | E::NotOwner
            | E::PolicyRefused(_)
            | E::GroupFrozen
            | E::GroupExists => DsFault::Unauthorized,
            E::RateLimited { .. } => DsFault::RateLimited,
            E::UnknownGroup | E::UnknownKeyPackage | E::NotFound(_) => DsFault::NotFound,
            E::Contention | E::Store(_) | E::Internal(_) => DsFault::Server,
        }
    }
}

impl fmt::Display for DsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DsError::Malformed(r) => write!(f, "malformed: {r}"),
            DsError::WireFormat(r) => write!(f, "wire format: {r}"),
            DsError::Invalid(e) => write!(f, "invalid message: {e}"),
            DsError::StaleEpoch { current } => {
                write!(f, "stale epoch: the group is at epoch {current}")
            }
            DsError::FutureEpoch { current, got } => {
                write!(f, "message for epoch {got}, the group is at {current}")
            }
            DsError::EpochTooOld { current } => {
                write!(f, "epoch no longer accepted, the group is at {current}")
            }
            DsError::UnknownProposal => f.write_str("commit references an unknown proposal"),
            DsError::UnknownGroup => f.write_str("unknown group"),
            DsError::GroupExists => f.write_str("group exists"),
            DsError::GroupFrozen => f.write_str("group frozen by a ReInit"),
            DsError::NotAMember => f.write_str("not a member of the group"),
            DsError::SenderMismatch => f.write_str("sender is not the authenticated client"),
            DsError::NotOwner => f.write_str("not the owner"),
            DsError::PolicyRefused(r) => write!(f, "refused by policy: {r}"),
            DsError::InvalidPartialGroupInfo(r) => write!(f, "invalid PartialGroupInfo: {r}"),
            DsError::InvalidWelcome(r) => write!(f, "invalid Welcome: {r}"),
            DsError::InvalidKeyPackage(e) => write!(f, "invalid KeyPackage: {e}"),
            DsError::KeyPackageLifetime(r) => write!(f, "KeyPackage lifetime: {r}"),
            DsError::UnknownKeyPackage => f.write_str("unknown KeyPackage"),
            DsError::UnsupportedCipherSuite(s) => write!(f, "unsupported cipher suite {s}"),
            DsError::RateLimited { retry_after } => {
                write!(f, "rate limited: retry after {retry_after} s")
            }
            DsError::LimitExceeded(r) => write!(f, "limit exceeded: {r}"),
            DsError::NotFound(r) => write!(f, "not found: {r}"),
            DsError::Contention => f.write_str("too much contention, retry"),
            DsError::Store(e) => write!(f, "{e}"),
            DsError::Internal(r) => write!(f, "internal error (a bug): {r}"),
        }
    }
}

impl std::error::Error for DsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DsError::Invalid(e) | DsError::InvalidKeyPackage(e) => Some(e),
            DsError::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<StoreError> for DsError {
    fn from(e: StoreError) -> Self {
        DsError::Store(e)
    }
}
