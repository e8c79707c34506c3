//! Randomness supplied by the caller.

use crate::Error;

/// A cryptographically secure random source, supplied by the caller.
///
/// The protocol crates hold no global state and read no OS facility, so every
/// operation that needs randomness takes one of these.
///
/// ```
/// use mls_crypto::{Error, Rng};
/// struct Counter(u8);
/// impl Rng for Counter {
///     fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
///         for b in dest { self.0 = self.0.wrapping_add(1); *b = self.0; }
///         Ok(())
///     }
/// }
/// let mut buf = [0u8; 3];
/// Counter(0).fill_bytes(&mut buf).unwrap();
/// assert_eq!(buf, [1, 2, 3]);
/// ```
pub trait Rng {
    /// Fill `dest` with random bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error>;
}

impl<R: Rng + ?Sized> Rng for &mut R {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        (**self).fill_bytes(dest)
    }
}
