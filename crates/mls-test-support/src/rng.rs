//! The deterministic random source and the random-source test doubles.

use mls_crypto::{Error, Rng};

/// The deterministic random source of the tests: SplitMix64 over a 64-bit
/// seed. NOT cryptographically secure, and predictable by design: for
/// reproducible tests, examples, fixtures and benchmarks only.
///
/// The output depends only on the seed: each 64-bit word of the SplitMix64
/// sequence gives eight bytes, least significant first, and a request for a
/// length that is not a multiple of eight uses the first bytes of a word and
/// drops the rest. The committed fuzz seeds and the fuzz fixture's bytes
/// depend on exactly this stream: changing it invalidates them.
///
/// ```
/// use mls_crypto::Rng;
/// use mls_test_support::TestRng;
///
/// let mut a = TestRng::new(7);
/// let mut b = TestRng::new(7);
/// let mut buf = [0u8; 12];
/// a.fill_bytes(&mut buf).unwrap();
/// assert_eq!(buf[..8], b.next_u64().to_le_bytes());
/// assert_eq!(buf[8..], b.next_u64().to_le_bytes()[..4]);
/// assert_ne!(TestRng::new(8).bytes(12), buf);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRng {
    state: u64,
}

impl TestRng {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        TestRng { state: seed }
    }

    /// The next 64-bit word of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fills `dest` (the infallible form of [`Rng::fill_bytes`]).
    pub fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    /// The next `len` bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        self.fill(&mut out);
        out
    }
}

impl Rng for TestRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.fill(dest);
        Ok(())
    }
}

/// A random source that always fails with [`Error::RandomFailure`]: for the
/// error paths of operations that need randomness.
///
/// ```
/// use mls_crypto::{Error, Rng};
/// assert_eq!(mls_test_support::FailingRng.fill_bytes(&mut [0; 4]), Err(Error::RandomFailure));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct FailingRng;

impl Rng for FailingRng {
    fn fill_bytes(&mut self, _dest: &mut [u8]) -> Result<(), Error> {
        Err(Error::RandomFailure)
    }
}

/// A broken random source that only ever yields zero bytes, for checks that
/// refuse degenerate keys or nonces.
///
/// ```
/// use mls_crypto::Rng;
/// let mut buf = [1u8; 4];
/// mls_test_support::ZeroRng.fill_bytes(&mut buf).unwrap();
/// assert_eq!(buf, [0; 4]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ZeroRng;

impl Rng for ZeroRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        dest.fill(0);
        Ok(())
    }
}
