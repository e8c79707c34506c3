//! The MIMI DS protocol (draft-robert-mimi-delivery-service-05) over the
//! engine: the wire types ([`wire`]), a sans-IO request handler
//! ([`MimiDs::handle`]: `DSRequest` bytes in, `DSResponse` bytes and the
//! `DSFanoutRequest`s to send out), `ClientSignature` authentication
//! ([`auth`]), fan-out tokens ([`MimiDs::issue_fanout_token`]) and
//! federation: a hub fans every accepted message out to the guest DSs of
//! its recipients, one `DSFanoutRequest` per guest domain with only that
//! domain's recipients and their tokens; a guest checks and enqueues them
//! ([`MimiDs::receive_fanout`]).
//!
//! Domains: a client id is `name@domain` (the part after the last `@`,
//! [`domain_of`]); a group id minted by a hub is `hex@hub-domain`.
//!
//! The decisions on the draft's errata and gaps are in `docs/mimi-ds.md`.

pub mod auth;
mod commit_rules;
mod fanout;
mod federation;
mod group_ops;
mod ops;
mod store;
pub mod wire;

use core::fmt;

use mls_group::{CipherSuite, CryptoProvider};

use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::ids::ClientId;
use crate::store::{Store, StoreError};

pub use fanout::Fanout;
pub use store::{InboxItem, MemoryMimiStore, MimiStore};
use wire::{DsErrorBody, DsErrorCode, DsProtocolVersion, DsResponseBody};

/// A DS domain (the part of a client id after its last `@`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(pub String);

impl DomainName {
    /// A domain name (lowercased).
    pub fn new(name: &str) -> Self {
        DomainName(name.to_ascii_lowercase())
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The domain of a client id `name@domain` (or of a group id minted by a
/// hub, `hex@domain`): the UTF-8 text after the last `@`, lowercased;
/// `None` without one.
///
/// ```
/// use mls_ds::{mimi::{domain_of, DomainName}, ClientId};
/// assert_eq!(domain_of(b"alice@Hub.example"), Some(DomainName::new("hub.example")));
/// assert_eq!(domain_of(b"alice"), None);
/// ```
pub fn domain_of(id: &[u8]) -> Option<DomainName> {
    let at = id.iter().rposition(|&b| b == b'@')?;
    let domain = core::str::from_utf8(&id[at + 1..]).ok()?;
    (!domain.is_empty() && at > 0).then(|| DomainName::new(domain))
}

/// The MIMI layer's configuration.
#[derive(Debug, Clone)]
pub struct MimiConfig {
    /// This DS's domain: its native clients are `name@domain`.
    pub domain: DomainName,
    /// The secret this DS's fan-out tokens and minted group ids are keyed
    /// with.
    pub token_key: Vec<u8>,
    /// The suite whose MAC computes tokens and group ids, and whose
    /// signature scheme verifies `client_credential` requests that name
    /// no group or suite.
    pub default_suite: CipherSuite,
    /// Lifetime of the tokens [`MimiDs::issue_fanout_token`] issues
    /// without an explicit end.
    pub token_lifetime: u64,
    /// Whether `create_group` takes only group ids the creator reserved
    /// with `request_group_id` (draft §9.1).
    pub require_reserved_group_ids: bool,
    /// Hubs whose fan-out this DS refuses (draft §11).
    pub blocked_domains: Vec<DomainName>,
}

impl MimiConfig {
    /// A configuration for `domain` with `token_key`.
    pub fn new(domain: &str, token_key: &[u8]) -> Self {
        MimiConfig {
            domain: DomainName::new(domain),
            token_key: token_key.to_vec(),
            default_suite: CipherSuite(1),
            token_lifetime: 90 * 24 * 3600,
            require_reserved_group_ids: true,
            blocked_domains: Vec::new(),
        }
    }
}

/// A MIMI DS: the engine, the MIMI layer's store and its configuration.
pub struct MimiDs<St: Store, C: CryptoProvider, M: MimiStore> {
    ds: DeliveryService<St, C>,
    store: M,
    config: MimiConfig,
}

impl<St: Store, C: CryptoProvider, M: MimiStore> MimiDs<St, C, M> {
    /// A MIMI DS over an engine.
    pub fn new(ds: DeliveryService<St, C>, store: M, config: MimiConfig) -> Self {
        MimiDs { ds, store, config }
    }

    /// The engine (local clients fetch and acknowledge through it).
    pub fn engine(&self) -> &DeliveryService<St, C> {
        &self.ds
    }

    /// The MIMI layer's store.
    pub fn mimi_store(&self) -> &M {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &MimiConfig {
        &self.config
    }

    /// Whether `client` is a client of this DS.
    pub fn is_native(&self, client: &ClientId) -> bool {
        domain_of(&client.0).as_ref() == Some(&self.config.domain)
    }
}

/// Why a `DSRequest` was refused: the engine's verdict or a MIMI rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MimiError {
    /// The engine refused it.
    Ds(DsError),
    /// Not a well-formed request.
    Malformed(&'static str),
    /// A protocol version this DS does not speak.
    UnsupportedVersion(DsProtocolVersion),
    /// The request's authentication failed or is of the wrong type.
    Authentication(&'static str),
    /// A rule of the operation (draft §9) is broken.
    Rule(&'static str),
    /// The commit leaves out a proposal the DS stored this epoch (draft §8).
    MissingStoredProposal,
    /// A client id that is not this DS's (KeyPackages, draft §9.9).
    NotNative,
    /// A joiner without a `fanout_auth` token (draft §4.6).
    MissingFanoutAuth,
    /// The group id was not reserved by the creator (draft §9.1).
    GroupIdNotReserved,
    /// A client has no KeyPackage of the suite.
    NoKeyPackage(ClientId),
    /// The group's or a member's DS protocol version is not acceptable
    /// (draft §4.7, §4.8).
    UnsupportedDsVersion(&'static str),
}

impl From<DsError> for MimiError {
    fn from(e: DsError) -> Self {
        MimiError::Ds(e)
    }
}

impl From<StoreError> for MimiError {
    fn from(e: StoreError) -> Self {
        MimiError::Ds(DsError::Store(e))
    }
}

impl fmt::Display for MimiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MimiError::Ds(e) => write!(f, "{e}"),
            MimiError::Malformed(r) => write!(f, "malformed request: {r}"),
            MimiError::UnsupportedVersion(v) => write!(f, "unsupported DS version {:#06x}", v.0),
            MimiError::Authentication(r) => write!(f, "authentication failed: {r}"),
            MimiError::Rule(r) => write!(f, "rule violated: {r}"),
            MimiError::MissingStoredProposal => {
                f.write_str("the commit leaves out a proposal stored by the DS")
            }
            MimiError::NotNative => f.write_str("not a client of this DS"),
            MimiError::MissingFanoutAuth => f.write_str("a joiner has no fanout_auth token"),
            MimiError::GroupIdNotReserved => f.write_str("group id not reserved by the creator"),
            MimiError::NoKeyPackage(c) => {
                write!(f, "no KeyPackage for {}", String::from_utf8_lossy(&c.0))
            }
            MimiError::UnsupportedDsVersion(r) => write!(f, "DS protocol version: {r}"),
        }
    }
}

impl std::error::Error for MimiError {}

impl MimiError {
    /// The `DSError` body sent for this error.
    pub fn to_body(&self) -> DsErrorBody {
        use DsErrorCode as K;
        let r = |code, reason: &str| DsErrorBody::reason(code, reason);
        match self {
            MimiError::Malformed(why) => r(K::MALFORMED, why),
            MimiError::UnsupportedVersion(v) => {
                DsErrorBody::number(K::UNSUPPORTED_VERSION, v.0.into())
            }
            MimiError::Authentication(why) => r(K::AUTHENTICATION_FAILED, why),
            MimiError::Rule(why) => r(K::RULE_VIOLATED, why),
            MimiError::MissingStoredProposal => r(K::MISSING_STORED_PROPOSAL, &self.to_string()),
            MimiError::NotNative => r(K::NOT_NATIVE, &self.to_string()),
            MimiError::MissingFanoutAuth => r(K::MISSING_FANOUT_AUTH, &self.to_string()),
            MimiError::GroupIdNotReserved => r(K::GROUP_ID_NOT_RESERVED, &self.to_string()),
            MimiError::NoKeyPackage(c) => DsErrorBody {
                code: K::NO_KEY_PACKAGE,
                data: c.0.clone(),
            },
            MimiError::UnsupportedDsVersion(why) => r(K::UNSUPPORTED_DS_VERSION, why),
            MimiError::Ds(e) => {
                let text = e.to_string();
                match e {
                    DsError::Malformed(_) | DsError::WireFormat(_) => r(K::MALFORMED, &text),
                    DsError::Invalid(_) => r(K::INVALID_MESSAGE, &text),
                    DsError::StaleEpoch { current } => {
                        DsErrorBody::number(K::STALE_EPOCH, *current)
                    }
                    DsError::FutureEpoch { current, .. } => {
                        DsErrorBody::number(K::FUTURE_EPOCH, *current)
                    }
                    DsError::EpochTooOld { current } => {
                        DsErrorBody::number(K::EPOCH_TOO_OLD, *current)
                    }
                    DsError::UnknownProposal => r(K::UNKNOWN_PROPOSAL, &text),
                    DsError::UnknownGroup => r(K::UNKNOWN_GROUP, &text),
                    DsError::GroupExists => r(K::GROUP_EXISTS, &text),
                    DsError::GroupFrozen => r(K::GROUP_FROZEN, &text),
                    DsError::NotAMember => r(K::NOT_A_MEMBER, &text),
                    DsError::SenderMismatch | DsError::NotOwner => r(K::SENDER_MISMATCH, &text),
                    DsError::PolicyRefused(_) => r(K::POLICY_REFUSED, &text),
                    DsError::InvalidPartialGroupInfo(_) => r(K::INVALID_PARTIAL_GROUP_INFO, &text),
                    DsError::InvalidWelcome(_) => r(K::INVALID_WELCOME, &text),
                    DsError::InvalidKeyPackage(_) | DsError::KeyPackageLifetime(_) => {
                        r(K::INVALID_KEY_PACKAGE, &text)
                    }
                    DsError::UnknownKeyPackage => r(K::NO_KEY_PACKAGE, &text),
                    DsError::UnsupportedCipherSuite(s) => {
                        DsErrorBody::number(K::UNSUPPORTED_CIPHER_SUITE, (*s).into())
                    }
                    DsError::RateLimited { retry_after } => {
                        DsErrorBody::number(K::RATE_LIMITED, *retry_after)
                    }
                    DsError::LimitExceeded(_) => r(K::LIMIT_EXCEEDED, &text),
                    DsError::NotFound(_) => r(K::NOT_FOUND, &text),
                    _ => r(K::SERVER_ERROR, &text),
                }
            }
        }
    }
}

/// What a request did, typed: the response body and the fan-out to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The `DSResponseBody` (never `Error`: errors are [`MimiError`]).
    pub response: DsResponseBody,
    /// One `DSFanoutRequest` per guest domain (and per message).
    pub fanout: Vec<Fanout>,
    /// Guest recipients left out for want of a token.
    pub undeliverable: Vec<ClientId>,
}

impl Outcome {
    fn ok() -> Self {
        Outcome {
            response: DsResponseBody::Ok,
            fanout: Vec::new(),
            undeliverable: Vec::new(),
        }
    }

    fn with(response: DsResponseBody) -> Self {
        Outcome {
            response,
            ..Outcome::ok()
        }
    }
}

/// What [`MimiDs::handle`] returns: the encoded `DSResponse`, and the
/// fan-out to send (each to its domain, over mTLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The encoded `DSResponse`.
    pub response: Vec<u8>,
    /// The fan-out.
    pub fanout: Vec<Fanout>,
    /// Guest recipients left out for want of a token.
    pub undeliverable: Vec<ClientId>,
}
