//! A deterministic random source for round-trip checks.

use mls_crypto::{CipherSuite, CipherSuiteProviderExt, CryptoProvider, Rng};
use mls_rustcrypto::RustCrypto;

/// A deterministic random source for the round trips: SHA-256 in counter
/// mode over a seed. For tests only: it is predictable by design.
pub struct SeededRng {
    seed: Vec<u8>,
    counter: u64,
}

impl SeededRng {
    pub fn new(seed: &[u8]) -> Self {
        SeededRng {
            seed: seed.to_vec(),
            counter: 0,
        }
    }
}

impl Rng for SeededRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), mls_crypto::Error> {
        let hasher = RustCrypto
            .cipher_suite_provider(CipherSuite(1))
            .ok_or(mls_crypto::Error::RandomFailure)?;
        for chunk in dest.chunks_mut(32) {
            let mut input = self.seed.clone();
            input.extend_from_slice(&self.counter.to_be_bytes());
            self.counter += 1;
            let block = hasher.hash(&input);
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}
