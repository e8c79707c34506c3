//! The operating system's random source (`std` feature).

use mls_crypto::{Error, Rng};

/// The operating system's random source (`std` feature): `getrandom`.
///
/// ```
/// use mls_crypto::Rng;
/// use mls_rustcrypto::OsRng;
/// let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
/// OsRng.fill_bytes(&mut a).unwrap();
/// OsRng.fill_bytes(&mut b).unwrap();
/// assert_ne!(a, b);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRng;

impl Rng for OsRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(dest).map_err(|_| Error::RandomFailure)
    }
}
