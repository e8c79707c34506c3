//! The error type of `mls-keyschedule`.

use core::fmt;

use mls_crypto::CipherSuite;

use crate::RatchetType;

/// Everything that can go wrong in the key schedule or the secret tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A cryptographic primitive failed.
    Crypto(mls_crypto::Error),
    /// A structure could not be encoded.
    Codec(mls_codec::Error),
    /// A value was created for one cipher suite and used with another.
    CipherSuiteMismatch {
        /// The suite the value belongs to.
        expected: CipherSuite,
        /// The suite of the provider passed in.
        got: CipherSuite,
    },
    /// A secret does not have the suite's length (`KDF.Nh`).
    InvalidSecretLength {
        /// The suite's `KDF.Nh`.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A suite length (`KDF.Nh`, `AEAD.Nk`, `AEAD.Nn`) does not fit the
    /// `uint16 length` of a KDFLabel.
    SuiteLengthTooLarge,
    /// More PSKs than a PSKLabel's `uint16 count` can number (RFC 9420 §8.4).
    TooManyPsks {
        /// The number of PSKs given.
        count: usize,
    },
    /// A PSK referenced by a PreSharedKeyID is not known (RFC 9420 §8.4).
    MissingPsk {
        /// The position of the PSK in the list.
        index: usize,
    },
    /// A `psk_nonce` is not `KDF.Nh` bytes long (RFC 9420 §12.1.4).
    InvalidPskNonceLength {
        /// The position of the PSK in the list.
        index: usize,
        /// The nonce's length.
        got: usize,
    },
    /// A confirmation tag did not verify (RFC 9420 §6.1).
    ConfirmationTagMismatch,
    /// The `encryption_secret` was already moved into a secret tree.
    EncryptionSecretConsumed,
    /// A secret tree needs between 1 and 2^31 leaves.
    InvalidLeafCount {
        /// The leaf count given.
        n_leaves: u32,
    },
    /// A leaf index is outside the secret tree.
    LeafOutOfRange {
        /// The leaf index given.
        leaf: u32,
        /// The number of leaves of the tree.
        n_leaves: u32,
    },
    /// A generation lies further ahead of the ratchet than the configured
    /// maximum forward distance.
    GenerationTooFarAhead {
        /// The sender's leaf.
        leaf: u32,
        /// The ratchet.
        ratchet: RatchetType,
        /// The generation asked for.
        generation: u32,
        /// The next generation the ratchet would produce.
        next_generation: u64,
    },
    /// The key of this generation was already used (and deleted).
    KeyConsumed {
        /// The sender's leaf.
        leaf: u32,
        /// The ratchet.
        ratchet: RatchetType,
        /// The generation asked for.
        generation: u32,
    },
    /// The key of this generation is older than every retained skipped key:
    /// it was deleted by the retention limit (or consumed before that).
    KeyExpired {
        /// The sender's leaf.
        leaf: u32,
        /// The ratchet.
        ratchet: RatchetType,
        /// The generation asked for.
        generation: u32,
    },
    /// A secret the tree needs is not held: the tree's internal state is
    /// inconsistent (never happens through this API).
    TreeSecretMissing {
        /// The leaf whose secret was sought.
        leaf: u32,
    },
    /// The ratchet has produced its last generation (2^32 - 1).
    RatchetExhausted {
        /// The sender's leaf.
        leaf: u32,
        /// The ratchet.
        ratchet: RatchetType,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Crypto(e) => write!(f, "crypto: {e}"),
            Error::Codec(e) => write!(f, "encoding: {e}"),
            Error::CipherSuiteMismatch { expected, got } => {
                write!(f, "cipher suite mismatch: value is for suite {expected}, provider is suite {got}")
            }
            Error::InvalidSecretLength { expected, got } => {
                write!(f, "secret has {got} bytes, the suite needs {expected}")
            }
            Error::SuiteLengthTooLarge => f.write_str("suite length does not fit a uint16"),
            Error::TooManyPsks { count } => write!(f, "{count} PSKs exceed the uint16 count"),
            Error::MissingPsk { index } => write!(f, "PSK {index} is not known"),
            Error::InvalidPskNonceLength { index, got } => {
                write!(f, "psk_nonce of PSK {index} has {got} bytes, not KDF.Nh")
            }
            Error::ConfirmationTagMismatch => f.write_str("confirmation tag does not verify"),
            Error::EncryptionSecretConsumed => {
                f.write_str("encryption_secret already moved into a secret tree")
            }
            Error::InvalidLeafCount { n_leaves } => {
                write!(f, "a secret tree cannot have {n_leaves} leaves")
            }
            Error::LeafOutOfRange { leaf, n_leaves } => {
                write!(f, "leaf {leaf} is outside a tree of {n_leaves} leaves")
            }
            Error::GenerationTooFarAhead { leaf, ratchet, generation, next_generation } => write!(
                f,
                "{ratchet:?} generation {generation} of leaf {leaf} is too far ahead of {next_generation}"
            ),
            Error::KeyConsumed { leaf, ratchet, generation } => write!(
                f,
                "{ratchet:?} key {generation} of leaf {leaf} was already used"
            ),
            Error::KeyExpired { leaf, ratchet, generation } => write!(
                f,
                "{ratchet:?} key {generation} of leaf {leaf} is no longer retained"
            ),
            Error::TreeSecretMissing { leaf } => {
                write!(f, "secret tree holds no secret on the path of leaf {leaf}")
            }
            Error::RatchetExhausted { leaf, ratchet } => {
                write!(f, "{ratchet:?} ratchet of leaf {leaf} is exhausted")
            }
        }
    }
}

impl core::error::Error for Error {}

impl From<mls_crypto::Error> for Error {
    fn from(e: mls_crypto::Error) -> Self {
        Error::Crypto(e)
    }
}

impl From<mls_codec::Error> for Error {
    fn from(e: mls_codec::Error) -> Self {
        Error::Codec(e)
    }
}
