//! An MLS Delivery Service engine (RFC 9750 §5–§7; the MIMI DS draft,
//! draft-robert-mimi-delivery-service-05): sans-IO over a storage trait,
//! so that a server is a thin async shell around it.
//!
//! * [`Store`] (module [`store`]): what the engine reads and writes, one
//!   transaction per request with a compare-and-swap on the group's
//!   version, O(1) writes per accepted message (each message stored once
//!   per group, each client reading from its own cursor; O(log N) per
//!   commit: the group's view is stored as records, restored with no
//!   signature to verify). [`MemoryStore`] implements it in memory,
//!   `SqliteStore` (feature `sqlite`: the embedded default, WAL and
//!   `synchronous = FULL`) in an SQLite file and `PostgresStore` (feature
//!   `postgres`) in PostgreSQL, shared by several DS instances (module
//!   `sql`). [`conformance::check`] tests a store against the contract.
//! * The KeyPackage directory (RFC 9750 §5.1; MIMI §4.5, §9.9):
//!   [`DeliveryService::upload_key_packages`],
//!   [`fetch_key_packages`](DeliveryService::fetch_key_packages) (each
//!   KeyPackage served once; the `last_resort` one only when no other is
//!   left, never consumed), [`delete_key_package`](DeliveryService::delete_key_package),
//!   [`replace_key_package`](DeliveryService::replace_key_package),
//!   [`key_package_stock`](DeliveryService::key_package_stock) and the
//!   low-stock signal.
//! * Ordering with strong consistency (RFC 9750 §5.2.1, §5.3): per group,
//!   handshake messages are ordered and the first *valid* commit of an
//!   epoch wins ([`DeliveryService::send_commit`]); later ones get
//!   [`DsError::StaleEpoch`]. Validity is the members' verdict, reached
//!   with `mls_group::PublicGroup` (signature, tree, parent hashes,
//!   proposals, the [`GroupPolicy`](mls_group::GroupPolicy) hook) but for
//!   what needs the epoch's secrets (`PublicGroup::UNCHECKED`). Proposals
//!   ([`send_proposal`](DeliveryService::send_proposal)) precede the
//!   commits that reference them; only the winning commit's Welcome is
//!   delivered.
//! * Fan-out (RFC 9750 §3.3, §5.2; MIMI §10): every accepted message
//!   reaches every member of the group at acceptance
//!   ([`fetch`](DeliveryService::fetch) from a cursor, then
//!   [`ack`](DeliveryService::ack): at-least-once, per-sender FIFO);
//!   Welcomes reach their joiners only ([`fetch_welcomes`](DeliveryService::fetch_welcomes)).
//!   Application messages ([`send_application`](DeliveryService::send_application))
//!   are PrivateMessages, never decrypted.
//! * Group state for joiners (RFC 9750 §7, MIMI §7): every commit comes
//!   with a [`PartialGroupInfo`]; the DS serves the GroupInfo of the
//!   current epoch ([`group_info`](DeliveryService::group_info)) and the
//!   ratchet tree, and keeps the tree of each epoch in which clients were
//!   added until each has fetched it ([`ratchet_tree`](DeliveryService::ratchet_tree)).
//!   A committed ReInit freezes the group (RFC 9750 §5.2.3).
//! * Policy (RFC 9750 §6, §7): [`DsConfig`] — who may add and remove,
//!   external joins, the handshake wire format, idle eviction by a DS
//!   Remove proposal (RFC 9750 §8.2.2, [`DeliveryService::evict_idle`]),
//!   and every limit in [`limits`], rate limits included.
//! * Errors that say who is at fault: [`DsError::fault`].
//!
//! Time is an argument of every operation (Unix seconds); so is the
//! authenticated client ([`ClientId`]), whose mapping from credentials is
//! the [`ClientDirectory`].
//!
//! * The MIMI DS protocol and federation ([`mimi`]): `DSRequest` in,
//!   `DSResponse` and `DSFanoutRequest`s out (`docs/mimi-ds.md`).
//!
//! Not here yet: handshake messages as PrivateMessages (an epoch-only
//! ordering mode the engine does not have: it orders commits by
//! validity).
//!
//! ```
//! use mls_ds::*;
//! use mls_group::*;
//!
//! let now = 1_700_000_000;
//! let ds = DeliveryService::new(MemoryStore::new(), RustCrypto, DsConfig::default());
//! let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
//! let alice = ClientIdentity::generate(&suite, Credential::Basic(b"alice".to_vec()), &mut OsRng).unwrap();
//! let mut group = Group::create(suite, alice, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
//! let info = MlsMessage::new(MlsMessageBody::GroupInfo(group.group_info(true, true).unwrap()));
//! ds.create_group(&ClientId::from("alice"), now, NewGroup { group_info: &info.to_bytes().unwrap(), ratchet_tree: None }).unwrap();
//!
//! let msg = group.encrypt_application_message(b"hi", b"", &mut OsRng).unwrap();
//! let accepted = ds.send_application(&ClientId::from("alice"), now, &msg.to_bytes().unwrap()).unwrap();
//! assert_eq!(accepted.seq, 0);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod application;
mod commit;
mod config;
pub mod conformance;
mod delivery;
mod engine;
mod error;
mod groups;
mod ids;
mod keys;
pub mod limits;
mod memory;
pub mod mimi;
mod proposals;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod sql;
pub mod store;
mod view;

pub use config::{DsConfig, DsIdentity, HandshakeWireFormat, Who};
pub use delivery::{Delivery, Fetched, GroupInfoResponse, WelcomeDelivery};
pub use engine::DeliveryService;
pub use error::{DsError, DsFault};
pub use groups::{
    Accepted, CommitAccepted, Evicted, GroupCreated, GroupUpdate, NewGroup, PartialGroupInfo,
};
pub use ids::{BasicClientDirectory, ClientDirectory, ClientId};
pub use keys::{
    key_package_message, FetchedKeyPackages, KeyPackageQuery, ServedKeyPackage, Stock, Uploaded,
};
pub use limits::{Limits, Rate};
pub use memory::{MemoryStore, MemoryTx};
pub use store::{MessageKind, Store, StoreError, Transaction};

#[cfg(feature = "postgres")]
pub use sql::postgres::{PostgresStore, PostgresTx};
#[cfg(feature = "sqlite")]
pub use sql::sqlite::{SqliteStore, SqliteTx};
