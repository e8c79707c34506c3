//! Key and ciphertext types shared by every provider (RFC 9420 §5.1, §7.6).

use alloc::vec::Vec;
use core::fmt;
use mls_codec::{Decode, Encode};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// `opaque HPKEPublicKey<V>` (RFC 9420 §5.1.1): the suite KEM's serialized public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct HpkePublicKey(pub Vec<u8>);

/// `opaque SignaturePublicKey<V>` (RFC 9420 §5.1.1): RFC 8032 for EdDSA, an
/// uncompressed point for ECDSA.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct SignaturePublicKey(pub Vec<u8>);

/// An HPKE private key in the KEM's `SerializePrivateKey` form (RFC 9180 §7.1.2).
/// Zeroized on drop; `Debug` hides it; `==` runs in constant time (for
/// keys of equal length).
///
/// ```
/// use mls_crypto::HpkePrivateKey;
/// let key = HpkePrivateKey::from_bytes(vec![1, 2, 3]);
/// assert_eq!(key.as_bytes(), &[1, 2, 3]);
/// assert_eq!(key, HpkePrivateKey::from_bytes(vec![1, 2, 3]));
/// assert_ne!(key, HpkePrivateKey::from_bytes(vec![1, 2, 4]));
/// ```
///
/// The bytes are reachable only through [`as_bytes`](Self::as_bytes):
///
/// ```compile_fail
/// let key = mls_crypto::HpkePrivateKey(vec![1, 2, 3]);
/// let _ = key.0;
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop, Encode, Decode)]
pub struct HpkePrivateKey(Vec<u8>);

/// A signature private key in its serialized form: the RFC 8032 seed for
/// EdDSA, the big-endian scalar for ECDSA. Zeroized on drop; `Debug` hides
/// it; `==` runs in constant time (for keys of equal length).
///
/// To sign, expand it once with [`crate::CipherSuiteProvider::signing_key`].
///
/// ```
/// use mls_crypto::SignaturePrivateKey;
/// let key = SignaturePrivateKey::from_bytes(vec![9; 32]);
/// assert_eq!(key.as_bytes(), &[9; 32]);
/// ```
///
/// ```compile_fail
/// let key = mls_crypto::SignaturePrivateKey(vec![9; 32]);
/// let _ = key.0;
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop, Encode, Decode)]
pub struct SignaturePrivateKey(Vec<u8>);

/// The constructor, accessor and constant-time equality of a private key type.
macro_rules! private_key_impls {
    ($name:ident) => {
        impl $name {
            /// The key in its serialized form (not checked: the provider
            /// checks it where it is used).
            pub fn from_bytes(bytes: Vec<u8>) -> Self {
                $name(bytes)
            }

            /// The serialized key.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }
        }

        /// Constant time in the content: a key is never compared byte by
        /// byte with an early exit. (Keys of different lengths compare
        /// unequal at once; the length of a key is not secret.)
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                bool::from(self.0.as_slice().ct_eq(other.0.as_slice()))
            }
        }

        impl Eq for $name {}

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(..)"))
            }
        }
    };
}

private_key_impls!(HpkePrivateKey);
private_key_impls!(SignaturePrivateKey);

/// An HPKE key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpkeKeyPair {
    /// The private key.
    pub private: HpkePrivateKey,
    /// The matching public key.
    pub public: HpkePublicKey,
}

/// A signature key pair in serialized form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureKeyPair {
    /// The private key.
    pub private: SignaturePrivateKey,
    /// The matching public key.
    pub public: SignaturePublicKey,
}

/// `HPKECiphertext` (RFC 9420 §7.6): the KEM output and the AEAD ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct HpkeCiphertext {
    /// The encapsulated key (`enc` in RFC 9180).
    pub kem_output: Vec<u8>,
    /// The AEAD ciphertext, tag included.
    pub ciphertext: Vec<u8>,
}
