//! Test helpers: every enabled suite's provider, and
//! `mls_test_support::TestRng` as a `rand_core` 0.10 `CryptoRng` for the
//! `hpke` crate.

#![allow(dead_code)]

use mls_crypto::CryptoProvider;
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::TestRng;

/// The provider of every suite this build supports.
pub fn suites() -> Vec<RustCryptoSuite> {
    RustCrypto
        .supported_cipher_suites()
        .into_iter()
        .map(|cs| RustCrypto.cipher_suite_provider(cs).unwrap())
        .collect()
}

/// The same generator as a `rand_core` 0.10 `CryptoRng` for the `hpke` crate.
pub struct HpkeRng(pub TestRng);

impl hpke::rand_core::TryRng for HpkeRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0.next_u64() as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill(dst);
        Ok(())
    }
}

impl hpke::rand_core::TryCryptoRng for HpkeRng {}
