//! MLS cipher suites (RFC 9420 §5.1, §17.1): the provider traits and the
//! labeled MLS primitives built on them.
//!
//! `no_std` + `alloc`. Randomness is supplied by the caller through [`Rng`].
//! This crate holds no cryptographic implementation: a provider implements
//! [`CryptoProvider`] and [`CipherSuiteProvider`] (the `mls-rustcrypto`
//! crate does, for the seven RFC suites; its crate documentation shows the
//! labeled primitives running on it). The single-message conveniences
//! (`hash`, `sign`, `verify`, `hpke_seal`, ...) are in
//! [`CipherSuiteProviderExt`], which every provider has.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod batch;
mod error;
mod keys;
pub mod labeled;
mod provider;
mod rng;
mod secret;
mod verifier;

pub use batch::SignatureItem;
pub use error::{BatchVerifyError, Error};
pub use keys::{
    HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, SignatureKeyPair,
    SignaturePrivateKey, SignaturePublicKey,
};
/// The cipher suite code points live in `mls-types`; re-exported because
/// the provider traits speak them.
pub use mls_types::{AeadId, CipherSuite, KdfId, KemId, SignatureScheme};
pub use provider::{CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider};
pub use rng::Rng;
pub use secret::Secret;
pub use verifier::{VerificationKey, Verifier};
