//! The error type shared by encoding and decoding.

use core::fmt;

/// Why encoding or decoding failed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The input ended before a fixed-size item or the declared bytes.
    Truncated {
        /// How many bytes the item needed.
        needed: usize,
        /// How many bytes were left.
        remaining: usize,
    },
    /// A variable-length integer started with the reserved prefix `0b11`.
    VarintReservedPrefix,
    /// A variable-length integer used more bytes than its value needs
    /// (RFC 9420 §2.1.2 requires the minimal encoding).
    VarintNotMinimal,
    /// A vector's length prefix is larger than the input left after it.
    /// Checked before anything is allocated.
    LengthExceedsInput {
        /// The declared length in bytes.
        length: usize,
        /// How many bytes were left.
        remaining: usize,
    },
    /// The elements of a vector did not exactly fill its declared length
    /// (for instance an element that decodes from zero bytes inside a
    /// non-empty vector).
    VectorElementOverrun,
    /// An `optional<T>` presence octet other than 0 or 1.
    InvalidOptionalPresence(u8),
    /// [`decode_exact`](crate::decode_exact) found input left over.
    TrailingBytes {
        /// How many bytes were left.
        remaining: usize,
    },
    /// A `select` discriminant with a code point the type does not list.
    UnknownDiscriminant(u64),
    /// A decoded value that the type forbids (for hand-written impls).
    InvalidValue,
    /// A vector holds more elements than its decoder allows (a resource
    /// limit, checked while decoding, before the excess is allocated).
    TooManyElements {
        /// The most elements allowed.
        max: usize,
    },
    /// Encoding a vector longer than 2^30 - 1 bytes, the largest length a
    /// variable-length integer can carry.
    LengthTooLarge {
        /// The length in bytes that could not be encoded.
        length: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated { needed, remaining } => write!(
                f,
                "input truncated: needed {needed} bytes, {remaining} remaining"
            ),
            Error::VarintReservedPrefix => {
                f.write_str("variable-length integer uses the reserved prefix 0b11")
            }
            Error::VarintNotMinimal => {
                f.write_str("variable-length integer is not minimally encoded")
            }
            Error::LengthExceedsInput { length, remaining } => write!(
                f,
                "vector length {length} exceeds the {remaining} bytes remaining"
            ),
            Error::VectorElementOverrun => {
                f.write_str("vector elements do not exactly fill the declared length")
            }
            Error::InvalidOptionalPresence(b) => {
                write!(f, "invalid optional presence octet {b:#04x}")
            }
            Error::TrailingBytes { remaining } => {
                write!(f, "{remaining} trailing bytes after the decoded value")
            }
            Error::UnknownDiscriminant(t) => write!(f, "unknown discriminant {t}"),
            Error::InvalidValue => f.write_str("invalid value"),
            Error::TooManyElements { max } => {
                write!(f, "vector holds more than the {max} elements allowed")
            }
            Error::LengthTooLarge { length } => write!(
                f,
                "vector length {length} exceeds the variable-length integer maximum 2^30-1"
            ),
        }
    }
}

impl core::error::Error for Error {}
