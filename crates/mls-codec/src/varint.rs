//! MLS variable-length integers (RFC 9420 §2.1.2) and `opaque<V>` helpers.

use alloc::vec::Vec;

use crate::error::Error;
use crate::reader::Reader;
use crate::traits::{Decode, Encode};

/// The largest value a variable-length integer can carry: 2^30 - 1.
pub const VARINT_MAX: u32 = (1 << 30) - 1;

/// Largest value of the one-byte form (prefix `0b00`).
const MAX_1: usize = (1 << 6) - 1;
/// Largest value of the two-byte form (prefix `0b01`).
const MAX_2: usize = (1 << 14) - 1;

/// The number of bytes the minimal encoding of `value` takes: 1, 2 or 4.
///
/// Values above [`VARINT_MAX`] cannot be encoded; for them this returns 4,
/// the size of the widest form, and [`write_varint`] fails.
pub fn varint_len(value: usize) -> usize {
    if value <= MAX_1 {
        1
    } else if value <= MAX_2 {
        2
    } else {
        4
    }
}

/// Appends the minimal variable-length integer encoding of `value`.
///
/// Fails with [`Error::LengthTooLarge`] if `value` exceeds [`VARINT_MAX`].
///
/// # Example
///
/// ```
/// let mut out = Vec::new();
/// mls_codec::write_varint(15293, &mut out).unwrap();
/// assert_eq!(out, [0x7b, 0xbd]);
/// ```
pub fn write_varint(value: usize, out: &mut Vec<u8>) -> Result<(), Error> {
    let v = match u32::try_from(value) {
        Ok(v) if v <= VARINT_MAX => v,
        _ => return Err(Error::LengthTooLarge { length: value }),
    };
    match varint_len(value) {
        1 => out.push(v as u8),                                           // v <= 63
        2 => out.extend_from_slice(&((v as u16) | 0x4000).to_be_bytes()), // v <= 16383
        _ => out.extend_from_slice(&(v | 0x8000_0000).to_be_bytes()),
    }
    Ok(())
}

/// Appends `bytes` as `opaque x<V>`: a variable-length integer byte count,
/// then the bytes.
///
/// Fails with [`Error::LengthTooLarge`] if `bytes` is longer than
/// [`VARINT_MAX`].
pub fn write_vector_bytes(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    write_varint(bytes.len(), out)?;
    out.extend_from_slice(bytes);
    Ok(())
}

/// Reads a variable-length integer, strictly (see [`Reader::read_varint`]).
pub(crate) fn read_varint(r: &mut Reader<'_>) -> Result<u32, Error> {
    let first = *r.rest().first().ok_or(Error::Truncated {
        needed: 1,
        remaining: 0,
    })?;
    match first >> 6 {
        0 => Ok(u32::from(r.read_u8()?)),
        1 => {
            let v = u32::from(u16::from_be_bytes(r.read_array::<2>()?) & 0x3fff);
            if v as usize <= MAX_1 {
                return Err(Error::VarintNotMinimal);
            }
            Ok(v)
        }
        2 => {
            let v = u32::from_be_bytes(r.read_array::<4>()?) & VARINT_MAX;
            if v as usize <= MAX_2 {
                return Err(Error::VarintNotMinimal);
            }
            Ok(v)
        }
        _ => Err(Error::VarintReservedPrefix),
    }
}

/// A bare variable-length integer, for lengths and counts written by hand.
///
/// Unlike `u32`, which always takes four bytes, a `VarInt` encodes in 1, 2 or
/// 4 bytes and only values up to [`VARINT_MAX`] are encodable.
///
/// # Example
///
/// ```
/// use mls_codec::{decode_exact, Encode, VarInt};
///
/// assert_eq!(VarInt(37).to_bytes().unwrap(), [0x25]);
/// assert_eq!(decode_exact::<VarInt>(&[0x9d, 0x7f, 0x3e, 0x7d]).unwrap(), VarInt(494878333));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VarInt(pub u32);

impl Encode for VarInt {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        write_varint(usize::try_from(self.0).unwrap_or(usize::MAX), out)
    }

    fn encoded_len(&self) -> usize {
        varint_len(usize::try_from(self.0).unwrap_or(usize::MAX))
    }
}

impl Decode for VarInt {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.read_varint().map(VarInt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: usize) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(v, &mut out).unwrap();
        out
    }

    fn dec(bytes: &[u8]) -> Result<u32, Error> {
        let mut r = Reader::new(bytes);
        let v = r.read_varint()?;
        assert!(r.is_empty());
        Ok(v)
    }

    #[test]
    fn encode_lengths_match() {
        for v in [0, 1, 63, 64, 16383, 16384, VARINT_MAX as usize] {
            assert_eq!(enc(v).len(), varint_len(v), "value {v}");
            assert_eq!(dec(&enc(v)), Ok(v as u32));
        }
    }

    #[test]
    fn too_large() {
        let mut out = Vec::new();
        assert_eq!(
            write_varint(1 << 30, &mut out),
            Err(Error::LengthTooLarge { length: 1 << 30 })
        );
        assert_eq!(
            write_varint(usize::MAX, &mut out),
            Err(Error::LengthTooLarge { length: usize::MAX })
        );
        assert!(out.is_empty());
        assert_eq!(
            VarInt(1 << 30).encode(&mut out),
            Err(Error::LengthTooLarge { length: 1 << 30 })
        );
    }

    #[test]
    fn every_two_byte_value_is_checked_for_minimality() {
        for v in 0u16..=0x3fff {
            let bytes = (v | 0x4000).to_be_bytes();
            let expected = if v < 64 {
                Err(Error::VarintNotMinimal)
            } else {
                Ok(u32::from(v))
            };
            assert_eq!(dec(&bytes), expected);
        }
    }
}
