//! The MLS key schedule (RFC 9420 §8) and secret tree (§9).
//!
//! * [`GroupContext`] (§8.1), [`KeyScheduleOutput`], [`JoinerSecret`],
//!   [`WelcomeSecret`] and [`EpochSecrets`] (§8): one epoch's secrets from
//!   the previous `init_secret`, the `commit_secret`, the GroupContext and
//!   the `psk_secret`;
//! * [`TranscriptHashes`] and the confirmation tag (§8.2, §6.1);
//! * external initialization (§8.3): [`external_init_sender`],
//!   [`EpochSecrets::external_init_secret`];
//! * pre-shared keys (§8.4): [`PreSharedKeyID`], [`PskSecret`], [`PskStore`];
//! * the exporter (§8.5), resumption PSK (§8.6) and epoch authenticator (§8.7);
//! * the [`SecretTree`] (§9) with its ratchets, deletion schedule (§9.2)
//!   and out-of-order policy ([`SecretTreeConfig`]);
//! * the sender data key and nonce (§6.3.2).
//!
//! Every secret is a [`mls_crypto::Secret`], zeroized when dropped. Every
//! operation takes the suite's [`mls_crypto::CipherSuiteProvider`]; values
//! bound to a suite refuse another.
//!
//! `no_std` + `alloc`.
//!
//! ```
//! use mls_codec::Encode;
//! use mls_crypto::{CipherSuite, CryptoProvider, Secret};
//! use mls_rustcrypto::RustCrypto;
//! use mls_keyschedule::*;
//! use mls_types::GroupContext;
//! use mls_types::tree_math::LeafIndex;
//!
//! let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
//! let gc = GroupContext::new(CipherSuite(1), b"group".to_vec(), 0, vec![0; 32], Vec::new());
//! let init = InitSecret::new(Secret::from(vec![1; 32]));
//! let mut out = KeyScheduleOutput::derive(&suite, &init, None, &gc.to_bytes().unwrap(), &PskSecret::zero(&suite)).unwrap();
//!
//! let mut tree = out.epoch_secrets.secret_tree(&suite, 2, SecretTreeConfig::default()).unwrap();
//! let key = tree.next_key(&suite, LeafIndex(0), RatchetType::Application).unwrap();
//! assert_eq!((key.generation, key.key.len(), key.nonce.len()), (0, 16, 12));
//! let exported = out.epoch_secrets.export(&suite, b"label", b"context", 32).unwrap();
//! assert_eq!(exported.len(), 32);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod config;
mod error;
mod exporter;
mod external_init;
mod key_schedule;
mod lengths;
pub mod limits;
mod psk;
mod ratchet;
mod secret_tree;
mod sender_data;
mod transcript;

pub use config::SecretTreeConfig;
pub use error::Error;
pub use exporter::mls_exporter;
pub use external_init::{
    external_init_receiver, external_init_sender, EXTERNAL_INIT_EXPORTER_LABEL,
};
pub use key_schedule::{
    EpochSecrets, InitSecret, JoinerSecret, KeyAndNonce, KeyScheduleOutput, WelcomeSecret,
};
pub use psk::{
    InMemoryPskStore, PreSharedKeyID, Psk, PskLabel, PskSecret, PskStore, ResumptionPskUsage,
};
pub use ratchet::{RatchetKey, RatchetType};
pub use secret_tree::{KeyUndo, SecretTree};
pub use sender_data::{ciphertext_sample, sender_data_key_nonce};
pub use transcript::{
    confirmation_tag, confirmed_transcript_hash, confirmed_transcript_hash_of_parts,
    interim_transcript_hash, verify_confirmation_tag, TranscriptHashes,
};
