//! Secret byte strings: zeroized on drop, compared in constant time.

use alloc::vec::Vec;
use core::fmt;
use mls_codec::{Decode, Encode, Reader};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret value of suite-dependent length (never a hard-coded size).
///
/// Zeroized when dropped; `==` runs in constant time for equal lengths;
/// `Debug` never prints the bytes.
///
/// ```
/// use mls_crypto::Secret;
/// let a = Secret::from(vec![1, 2, 3]);
/// assert_eq!(a, Secret::from(vec![1, 2, 3]));
/// assert_eq!(format!("{a:?}"), "Secret(3 bytes)");
/// ```
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// A secret of `len` zero bytes (the "0" of RFC 9420 §8).
    pub fn zero(len: usize) -> Self {
        Secret(alloc::vec![0u8; len])
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret's bytes, mutable (to fill it in place).
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// The secret's length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time comparison with a byte string.
    pub fn ct_eq_bytes(&self, other: &[u8]) -> bool {
        self.0.len() == other.len() && bool::from(self.0.as_slice().ct_eq(other))
    }
}

impl From<Vec<u8>> for Secret {
    fn from(v: Vec<u8>) -> Self {
        Secret(v)
    }
}

impl From<&[u8]> for Secret {
    fn from(v: &[u8]) -> Self {
        Secret(v.to_vec())
    }
}

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq_bytes(&other.0)
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

/// `opaque secret<V>`, for persisted state (a secret never goes on the
/// wire in the clear). Decoding moves the decoded bytes into the secret
/// without a copy.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_crypto::Secret;
/// let s = Secret::from(vec![1, 2, 3]);
/// assert_eq!(s.to_bytes().unwrap(), [3, 1, 2, 3]);
/// assert_eq!(decode_exact::<Secret>(&[3, 1, 2, 3]).unwrap(), s);
/// ```
impl Encode for Secret {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), mls_codec::Error> {
        self.0.as_slice().encode(out)
    }

    fn encoded_len(&self) -> usize {
        self.0.as_slice().encoded_len()
    }
}

impl Decode for Secret {
    fn decode(r: &mut Reader<'_>) -> Result<Self, mls_codec::Error> {
        Vec::<u8>::decode(r).map(Secret)
    }
}
