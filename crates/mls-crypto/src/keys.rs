//! Key and ciphertext types shared by every provider (RFC 9420 §5.1, §7.6).

use alloc::vec::Vec;
use core::fmt;
use mls_codec::{Decode, Encode};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// `opaque HPKEPublicKey<V>` (RFC 9420 §5.1.1): the suite KEM's serialized public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct HpkePublicKey(pub Vec<u8>);

/// `opaque SignaturePublicKey<V>` (RFC 9420 §5.1.1): RFC 8032 for EdDSA, an
/// uncompressed point for ECDSA.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct SignaturePublicKey(pub Vec<u8>);

/// An HPKE private key in the KEM's `SerializePrivateKey` form (RFC 9180 §7.1.2).
/// Zeroized on drop; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop, Encode, Decode)]
pub struct HpkePrivateKey(pub Vec<u8>);

/// A signature private key in its serialized form: the RFC 8032 seed for
/// EdDSA, the big-endian scalar for ECDSA. Zeroized on drop; `Debug` hides it.
///
/// To sign, expand it once with [`crate::CipherSuiteProvider::signing_key`].
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop, Encode, Decode)]
pub struct SignaturePrivateKey(pub Vec<u8>);

impl fmt::Debug for HpkePrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HpkePrivateKey(..)")
    }
}

impl fmt::Debug for SignaturePrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignaturePrivateKey(..)")
    }
}

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
