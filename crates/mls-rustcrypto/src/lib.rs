//! An MLS (RFC 9420) crypto provider on the RustCrypto and dalek crates:
//! [`RustCrypto`] implements `mls-crypto`'s [`CryptoProvider`] for the seven
//! RFC suites, with HPKE base mode implemented here from RFC 9180.
//!
//! `no_std` + `alloc`. Each suite has a Cargo feature (`suite-1` …
//! `suite-7`, suites 1–3 by default, `all-suites`); `std` adds [`OsRng`]
//! and `parallel` adds `RustCryptoSuite::with_threads`.
//!
//! ```
//! use mls_crypto::{labeled, CipherSuite, CipherSuiteProvider, CryptoProvider};
//! use mls_rustcrypto::RustCrypto;
//!
//! // Any suite this build has (suites 1–3 by default).
//! let cs = RustCrypto.supported_cipher_suites()[0];
//! let suite = RustCrypto.cipher_suite_provider(cs).expect("listed as supported");
//! let secret = vec![7u8; suite.kdf_extract_len()];
//! let out = labeled::derive_secret(&suite, &secret, b"example").unwrap();
//! assert_eq!(out.len(), suite.kdf_extract_len());
//!
//! for cs in RustCrypto.supported_cipher_suites() {
//!     assert!(RustCrypto.cipher_suite_provider(cs).is_some());
//! }
//! // GREASE values are never implemented.
//! assert!(RustCrypto.cipher_suite_provider(CipherSuite(0x0a0a)).is_none());
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(doc)]
use mls_crypto::CryptoProvider;

/// The items below exist when at least one suite feature is enabled.
macro_rules! with_any_suite {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                feature = "suite-1",
                feature = "suite-2",
                feature = "suite-3",
                feature = "suite-4",
                feature = "suite-5",
                feature = "suite-6",
                feature = "suite-7"
            ))]
            $item
        )*
    };
}

with_any_suite! {
    mod aead;
    mod dhkem;
    mod hash;
    mod hpke;
    #[cfg(feature = "parallel")]
    mod parallel;
    mod signature;
    mod suite;
    pub use signature::{RustCryptoSigningKey, RustCryptoVerifyingKey};
    pub use suite::{RustCrypto, RustCryptoSuite};
}

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
mod ed25519_batch;
#[cfg(any(feature = "suite-2", feature = "suite-5", feature = "suite-7"))]
mod nist;
#[cfg(feature = "std")]
mod os_rng;
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
mod x25519;

#[cfg(feature = "std")]
pub use os_rng::OsRng;
#[cfg(all(
    feature = "parallel",
    any(
        feature = "suite-1",
        feature = "suite-2",
        feature = "suite-3",
        feature = "suite-4",
        feature = "suite-5",
        feature = "suite-6",
        feature = "suite-7"
    )
))]
pub use parallel::MAX_THREADS;
