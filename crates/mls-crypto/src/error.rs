//! The error type of `mls-crypto`.

use core::fmt;

/// Everything that can go wrong in a cryptographic operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The provider does not implement this cipher suite.
    UnsupportedCipherSuite(u16),
    /// A public key (HPKE or signature) is malformed or not on the curve.
    InvalidPublicKey,
    /// A private key is malformed or out of range.
    InvalidPrivateKey,
    /// A signature did not verify, or is malformed.
    InvalidSignature,
    /// AEAD decryption failed (wrong key, nonce, AAD or tampered ciphertext).
    AeadOpenFailed,
    /// An AEAD key or nonce has the wrong length for the suite.
    InvalidAeadKeyOrNonce,
    /// HPKE decapsulation or decryption failed.
    HpkeOpenFailed,
    /// The KEM output (encapsulated key) is malformed.
    InvalidKemOutput,
    /// A Diffie-Hellman result was the identity / all-zero (RFC 9180 §7.1.4).
    DhFailed,
    /// DeriveKeyPair exhausted its candidate counter (RFC 9180 §7.1.3).
    DeriveKeyPairFailed,
    /// KDF.Expand asked for more output than the KDF can produce (255 * Nh),
    /// or a MAC key was rejected.
    InvalidKdfLength,
    /// The caller's random source failed.
    RandomFailure,
    /// A public key given with a private key is not that key's public key
    /// (e.g. to `hpke_export_receiver`, where a wrong one would silently
    /// give a wrong secret).
    KeyPairMismatch,
    /// A label or context could not be encoded (longer than 2^30 - 1 bytes).
    Encoding(mls_codec::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnsupportedCipherSuite(cs) => write!(f, "unsupported cipher suite 0x{cs:04x}"),
            Error::InvalidPublicKey => f.write_str("invalid public key"),
            Error::InvalidPrivateKey => f.write_str("invalid private key"),
            Error::InvalidSignature => f.write_str("invalid signature"),
            Error::AeadOpenFailed => f.write_str("AEAD decryption failed"),
            Error::InvalidAeadKeyOrNonce => f.write_str("AEAD key or nonce has the wrong length"),
            Error::HpkeOpenFailed => f.write_str("HPKE decryption failed"),
            Error::InvalidKemOutput => f.write_str("invalid KEM output"),
            Error::DhFailed => f.write_str("Diffie-Hellman produced an invalid shared secret"),
            Error::DeriveKeyPairFailed => f.write_str("DeriveKeyPair failed"),
            Error::InvalidKdfLength => f.write_str("invalid KDF output length or MAC key"),
            Error::RandomFailure => f.write_str("random source failed"),
            Error::KeyPairMismatch => f.write_str("public key does not match the private key"),
            Error::Encoding(e) => write!(f, "encoding failed: {e}"),
        }
    }
}

impl core::error::Error for Error {}

/// The outcome of a failed batch verification
/// ([`CipherSuiteProvider::verify_batch`](crate::CipherSuiteProvider::verify_batch)):
/// the first item, in input order, that verification rejects, and the
/// error that verifying it alone gives.
///
/// ```
/// use mls_crypto::{BatchVerifyError, Error};
/// let e = BatchVerifyError { index: 3, error: Error::InvalidSignature };
/// assert_eq!(e.to_string(), "item 3: invalid signature");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchVerifyError {
    /// The position of the failing item in the input.
    pub index: usize,
    /// Why it fails (as [`CipherSuiteProvider::verify_parts`](crate::CipherSuiteProvider::verify_parts) reports it).
    pub error: Error,
}

impl fmt::Display for BatchVerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {}: {}", self.index, self.error)
    }
}

impl core::error::Error for BatchVerifyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<mls_codec::Error> for Error {
    fn from(e: mls_codec::Error) -> Self {
        Error::Encoding(e)
    }
}
