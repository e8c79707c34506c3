//! Encoding and decoding of the TLS presentation language (RFC 8446 §3) as
//! extended by MLS (RFC 9420 §2.1).
//!
//! The wire format covered here:
//!
//! | presentation language | Rust type |
//! |-----------------------|-----------|
//! | `uint8` .. `uint64`   | [`u8`], [`u16`], [`u32`], [`u64`] (big-endian) |
//! | `opaque x[N]`         | `[u8; N]` (raw bytes, no length prefix) |
//! | `opaque x<V>`         | `Vec<u8>` (variable-length integer byte count, then the bytes) |
//! | `T x<V>`              | `Vec<T>` (variable-length integer byte count, then the elements) |
//! | `optional<T>`         | `Option<T>` (presence octet 0 or 1, then the value) |
//! | `struct { .. }`       | `#[derive(Encode, Decode)]` on a struct (fields in order) |
//! | `select (tag) { .. }` | `#[derive(Encode, Decode)]` on an enum with `#[codec(tag = ..)]` |
//!
//! For persisted state (never on the wire) there are also `bool` (one octet,
//! 0 or 1), tuples (their fields in order), `BTreeMap<K, V>` (a vector of
//! key–value pairs in strictly ascending key order) and `VecDeque<T>` (as
//! `Vec<T>`).
//!
//! Decoding is strict: variable-length integers must use the minimal
//! encoding, presence octets must be 0 or 1, and [`decode_exact`] rejects
//! trailing bytes. Decoding never panics on any input, and the memory it
//! allocates is bounded by a small multiple of the input length: a length
//! prefix is checked against the bytes actually present before anything is
//! allocated, and vectors of non-byte elements grow as elements are decoded.
//!
//! # Example
//!
//! ```
//! use mls_codec::{decode_exact, Decode, Encode};
//!
//! #[derive(Debug, PartialEq, Encode, Decode)]
//! struct Credential {
//!     identity: Vec<u8>,
//!     epoch: u64,
//! }
//!
//! #[derive(Debug, PartialEq, Encode, Decode)]
//! #[codec(tag = u16)]
//! enum Body {
//!     #[codec(tag = 1)]
//!     Basic(Credential),
//!     #[codec(tag = 2)]
//!     Empty,
//! }
//!
//! let body = Body::Basic(Credential { identity: b"alice".to_vec(), epoch: 7 });
//! let bytes = body.to_bytes().unwrap();
//! assert_eq!(bytes.len(), body.encoded_len());
//! assert_eq!(&bytes[..3], &[0x00, 0x01, 0x05]);
//! assert_eq!(decode_exact::<Body>(&bytes).unwrap(), body);
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
// Lets the derive macros' `::mls_codec::..` paths resolve inside this crate.
extern crate self as mls_codec;

mod error;
mod impls;
mod reader;
mod traits;
mod varint;

pub use error::Error;
pub use reader::Reader;
pub use traits::{decode_exact, decode_vec_limited, Decode, Encode};
pub use varint::{varint_len, write_varint, write_vector_bytes, VarInt, VARINT_MAX};

/// Derive macros for [`Encode`](trait@Encode) and [`Decode`](trait@Decode).
///
/// Structs (named, tuple or unit) encode their fields in declaration order.
/// Enums are `select` structures: the enum carries `#[codec(tag = uN)]`
/// naming the discriminant type (`u8`, `u16`, `u32` or `u64`) and every
/// variant carries `#[codec(tag = EXPR)]`, a constant expression of that
/// type. A variant encodes as its tag followed by its fields in order;
/// decoding an unlisted tag fails with [`Error::UnknownDiscriminant`].
pub use mls_codec_derive::{Decode, Encode};

/// Items the derive macros refer to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use alloc::vec::Vec;
}
