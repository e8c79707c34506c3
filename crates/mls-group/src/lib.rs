//! The MLS group state machine (RFC 9420 §10–§16, RFC 9750 §4, §5.2.1).
//!
//! * Identities and KeyPackages (§10, §10.1): [`ClientIdentity`],
//!   [`KeyPackageBundle`] (the private keys stay with the bundle until it
//!   is used), [`validate_key_package`].
//! * A member's state: [`Group`] — creation (§11), proposals (§12.1) kept
//!   in a per-epoch store, proposal-list validation (§12.2) and
//!   application (§12.3), commits with or without path as PublicMessage
//!   or PrivateMessage (§12.4.1) kept pending until the Delivery Service
//!   confirms them, received commits staged as a [`StagedCommit`] to
//!   inspect then merge (§12.4.2), Welcome creation and joining
//!   (§12.4.3.1), application messages (§15) with past-epoch decryption,
//!   exporter and epoch authenticator (§8.5, §8.7).
//! * Persistence: [`Group::to_state_bytes`] (one blob) or, incrementally,
//!   [`Group::take_state_changes`] (the [`StateChange`]s of one group
//!   record and one record per tree node, O(log N) bytes per commit) and
//!   [`Group::from_state_records`].
//! * Hooks: [`GroupPolicy`] for application rules and authentication
//!   (RFC 9750 §4); the credential-validation interface
//!   [`CredentialValidator`] (time, credential, signature key, entry point
//!   [`CredentialContext`] in; a [`CredentialError`] out), asked wherever a
//!   credential enters a group (see the `policy` module's table),
//!   [`ValidatorPolicy`], [`BasicCredentialAuth`]. X.509 chains and a
//!   directory of basic identities are in the `mls-as` crate.
//!
//! Sans-IO: every operation takes the randomness it needs and returns the
//! messages to send. A failed operation leaves the group unchanged: tree
//! changes are made under the ratchet tree's undo log and rolled back.
//!
//! One crate to depend on: what an application names is re-exported here
//! (cipher suites, credentials, messages and proposals, the codec traits,
//! with the default `rustcrypto` feature the RustCrypto provider, with
//! `std` also `OsRng` and `unix_time_now`); everything else is under
//! [`codec`], [`types`], [`crypto`], [`treekem`], [`keyschedule`] and
//! [`framing`].
//!
//! `no_std` + `alloc` without the default features (bring a provider and
//! a random source).
//!
//! ```
//! use mls_group::*;
//!
//! let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
//! let rng = &mut OsRng;
//! let alice = ClientIdentity::generate(&suite, Credential::Basic(b"alice".to_vec()), rng).unwrap();
//! let bob = ClientIdentity::generate(&suite, Credential::Basic(b"bob".to_vec()), rng).unwrap();
//! let bob_kp = KeyPackageBundle::create(&suite, &bob, KeyPackageOptions::default(), rng).unwrap();
//!
//! let mut a = Group::create(suite.clone(), alice, b"chat".to_vec(), vec![], GroupConfig::default(), rng).unwrap();
//! a.set_time(unix_time_now()); // the added KeyPackage's lifetime is checked
//! let add = Proposal::Add(Add { key_package: bob_kp.key_package().clone() });
//! let out = a.commit(vec![add], &CommitOptions::default(), rng).unwrap();
//! a.merge_pending_commit().unwrap();
//!
//! // Bytes on the wire.
//! let welcome = MlsMessage::from_bytes(&out.welcome.unwrap().to_bytes().unwrap()).unwrap();
//! let mut b = Group::join(suite, &welcome.into_welcome().unwrap(), &bob_kp, JoinOptions::default()).unwrap();
//! assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
//!
//! let msg = a.encrypt_application_message(b"hi Bob", b"", rng).unwrap();
//! match b.process_message(&msg).unwrap() {
//!     ProcessedMessage::Application { data, .. } => assert_eq!(data, b"hi Bob"),
//!     _ => unreachable!(),
//! }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod commit;
mod config;
mod create;
mod epoch;
mod error;
mod external;
mod group;
mod identity;
mod join;
mod key_material;
mod key_package;
mod lifecycle;
pub mod limits;
mod messages;
mod operations;
mod past_epochs;
mod persist;
mod persist_check;
mod persist_records;
mod persist_seal;
mod persist_state;
mod policy;
mod process;
mod psk;
mod public;
mod resumption;
mod send;
mod staged;
mod storage;
mod verifiers;

pub use commit::{CommitOptions, CommitOutput};
pub use config::{GroupConfig, HandshakeFormat, LifetimeCheck};
pub use error::{Fault, GroupError};
pub use external::{external_proposal, new_member_add_proposal, ExternalJoinOptions};
pub use group::Group;
pub use identity::ClientIdentity;
pub use join::JoinOptions;
pub use key_material::{welcome_bundle, KEY_MATERIAL_VERSION};
pub use key_package::{
    validate_key_package, validate_key_package_with, KeyPackageBundle, KeyPackageOptions,
    LAST_RESORT,
};
pub use lifecycle::{GroupStatus, PendingCommit};
pub use persist::STATE_VERSION;
pub use persist_records::{StateChange, StateKey};
pub use persist_seal::{StateSealer, StateSlot};
pub use policy::{
    AcceptAll, BasicCredentialAuth, CredentialContext, CredentialError, CredentialInput,
    CredentialValidator, DefaultPolicy, GroupPolicy, ValidatorPolicy,
};
pub use process::ProcessedMessage;
pub use public::{
    Member, PublicEvent, PublicGroup, PublicGroupOptions, PublicStagedCommit, SecretCheck,
    StoredProposal, PUBLIC_STATE_VERSION,
};
pub use resumption::{ResumeOptions, ResumptionInfo};
pub use staged::{CommitOrigin, StagedCommit};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use storage::SqliteStorage;
pub use storage::{
    Encrypted, GroupWrite, ItemKind, MemoryStorage, Storage, StorageError, StoredRecords,
};

#[cfg(feature = "std")]
extern crate std;

/// The operating system's RNG (`std` and `rustcrypto` features).
#[cfg(all(feature = "std", feature = "rustcrypto"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "std", feature = "rustcrypto"))))]
pub use mls_rustcrypto::OsRng;

// The layers below, for what is not re-exported by name.
pub use mls_codec as codec;
pub use mls_crypto as crypto;
pub use mls_framing as framing;
pub use mls_keyschedule as keyschedule;
/// The RustCrypto provider (`rustcrypto` feature).
#[cfg(feature = "rustcrypto")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustcrypto")))]
pub use mls_rustcrypto as rustcrypto;
pub use mls_treekem as treekem;
pub use mls_types as types;

// What the basic flow names: identities and suites, KeyPackages and
// messages on the wire, proposals, bytes.
pub use mls_codec::{Decode, Encode};
pub use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider, Rng, Secret,
    SignatureKeyPair, SignaturePublicKey,
};
pub use mls_framing::{
    Add, CustomProposal, GroupContextExtensions, GroupInfo, KeyPackage, KeyPackageRef, MlsMessage,
    MlsMessageBody, Padding, PreSharedKey, Proposal, ProposalRef, ReInit, Remove, Sender, Update,
    Welcome, WireFormat,
};
pub use mls_keyschedule::{
    InMemoryPskStore, PreSharedKeyID, Psk, PskStore, ResumptionPskUsage, SecretTreeConfig,
};
#[cfg(feature = "rustcrypto")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustcrypto")))]
pub use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
pub use mls_treekem::{LeafNode, RatchetTree};
pub use mls_types::{
    Capabilities, Certificate, Credential, CredentialType, Extension, ExtensionType, GroupContext,
    LeafIndex, Lifetime, ProposalType, ProtocolVersion, RequiredCapabilities,
};

/// Seconds since the Unix epoch from the system clock, for
/// [`Group::set_time`] (`std` feature; 0 if the clock is before 1970).
///
/// ```
/// # #[cfg(feature = "std")]
/// assert!(mls_group::unix_time_now() > 1_600_000_000);
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub fn unix_time_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Compile-time: the group types are `Send + Sync` for every provider (the
/// provider traits and the policy require it), so a server can hold them
/// across `.await` and move them between threads.
#[allow(dead_code)]
fn send_and_sync<S: CipherSuiteProvider>() {
    fn is<T: Send + Sync>() {}
    is::<Group<S>>();
    is::<PublicGroup<S>>();
    is::<StagedCommit>();
    is::<PublicStagedCommit>();
    is::<KeyPackageBundle>();
    is::<ClientIdentity>();
}
