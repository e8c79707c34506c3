//! `Lifetime` (RFC 9420 §7.2).

use mls_codec::{Decode, Encode};

/// `struct { uint64 not_before; uint64 not_after; } Lifetime` (RFC 9420 §7.2), in Unix seconds.
///
/// ```
/// use mls_types::Lifetime;
/// let l = Lifetime { not_before: 10, not_after: 20 };
/// assert!(l.contains(15) && !l.contains(21));
/// assert_eq!(l.duration(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Lifetime {
    /// First second of validity.
    pub not_before: u64,
    /// Last second of validity.
    pub not_after: u64,
}

impl Lifetime {
    /// Whether `now` (Unix seconds) lies in `[not_before, not_after]`.
    pub fn contains(&self, now: u64) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// `not_after - not_before`, 0 if inverted.
    pub fn duration(&self) -> u64 {
        self.not_after.saturating_sub(self.not_before)
    }
}
