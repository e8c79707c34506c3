//! MLS cipher suites (RFC 9420 §5.1, §17.1): the provider trait, the labeled
//! MLS primitives, and a RustCrypto provider for the seven RFC suites.
//!
//! `no_std` + `alloc`. Randomness is supplied by the caller through [`Rng`];
//! the `std` feature adds `OsRng`.
//!
//! ```
//! use mls_crypto::{labeled, CipherSuiteProvider, CryptoProvider, RustCrypto};
//!
//! // Any suite this build has (suites 1–3 by default).
//! let cs = RustCrypto.supported_cipher_suites()[0];
//! let suite = RustCrypto.cipher_suite_provider(cs).expect("listed as supported");
//! let secret = vec![7u8; suite.kdf_extract_len()];
//! let out = labeled::derive_secret(&suite, &secret, b"example").unwrap();
//! assert_eq!(out.len(), suite.kdf_extract_len());
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "parallel")]
extern crate std;

pub mod batch;
mod error;
mod keys;
pub mod labeled;
mod provider;
mod rng;
#[cfg(any(
    feature = "suite-1",
    feature = "suite-2",
    feature = "suite-3",
    feature = "suite-4",
    feature = "suite-5",
    feature = "suite-6",
    feature = "suite-7"
))]
mod rust_crypto;
mod secret;

pub use batch::SignatureItem;
pub use error::{BatchVerifyError, Error};
pub use keys::{
    HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, SignatureKeyPair,
    SignaturePrivateKey, SignaturePublicKey,
};
/// The cipher suite code points live in `mls-types`; re-exported because
/// the provider traits speak them.
pub use mls_types::{AeadId, CipherSuite, KdfId, KemId, SignatureScheme};
pub use provider::{CipherSuiteProvider, CryptoProvider};
#[cfg(feature = "std")]
pub use rng::OsRng;
pub use rng::Rng;
#[cfg(any(
    feature = "suite-1",
    feature = "suite-2",
    feature = "suite-3",
    feature = "suite-4",
    feature = "suite-5",
    feature = "suite-6",
    feature = "suite-7"
))]
pub use rust_crypto::{RustCrypto, RustCryptoSigningKey, RustCryptoSuite};
pub use secret::Secret;
