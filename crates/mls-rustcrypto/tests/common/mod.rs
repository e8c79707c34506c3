//! Test helpers: every enabled suite's provider, and deterministic random
//! sources for our `Rng` and for the `hpke` crate's `rand_core` 0.10.

#![allow(dead_code)]

use mls_crypto::{CryptoProvider, Error, Rng};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};

/// The provider of every suite this build supports.
pub fn suites() -> Vec<RustCryptoSuite> {
    RustCrypto
        .supported_cipher_suites()
        .into_iter()
        .map(|cs| RustCrypto.cipher_suite_provider(cs).unwrap())
        .collect()
}

/// SplitMix64: deterministic, NOT cryptographic — tests only.
#[derive(Debug, Clone)]
pub struct TestRng(u64);

impl TestRng {
    pub fn new(seed: u64) -> Self {
        TestRng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.fill(&mut v);
        v
    }

    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let x = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
    }
}

impl Rng for TestRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.fill(dest);
        Ok(())
    }
}

/// An `Rng` that always fails.
pub struct FailingRng;

impl Rng for FailingRng {
    fn fill_bytes(&mut self, _dest: &mut [u8]) -> Result<(), Error> {
        Err(Error::RandomFailure)
    }
}

/// An `Rng` that only ever yields zero bytes (a broken source).
pub struct ZeroRng;

impl Rng for ZeroRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        dest.fill(0);
        Ok(())
    }
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
