//! The [`Encode`] and [`Decode`] traits.

use alloc::vec::Vec;

use crate::error::Error;
use crate::reader::Reader;

/// A value with a TLS presentation language wire form.
///
/// Implement it with `#[derive(Encode)]` or by hand; a hand-written impl
/// must make [`encoded_len`](Encode::encoded_len) return exactly the number
/// of bytes [`encode`](Encode::encode) appends.
///
/// # Example
///
/// ```
/// use mls_codec::{Encode, Error};
///
/// /// `uint16 epoch_delta;` written by hand.
/// struct EpochDelta(u16);
///
/// impl Encode for EpochDelta {
///     fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
///         self.0.encode(out)
///     }
///     fn encoded_len(&self) -> usize {
///         2
///     }
/// }
///
/// assert_eq!(EpochDelta(0x0102).to_bytes().unwrap(), [0x01, 0x02]);
/// assert_eq!(vec![1u8, 2, 3].to_bytes().unwrap(), [0x03, 1, 2, 3]);
/// ```
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    ///
    /// Fails only if some vector inside is longer than 2^30 - 1 bytes
    /// ([`Error::LengthTooLarge`]), or for reasons of a hand-written impl.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error>;

    /// The exact number of bytes [`encode`](Encode::encode) appends.
    fn encoded_len(&self) -> usize;

    /// Encodes `self` into a new vector sized with
    /// [`encoded_len`](Encode::encoded_len).
    fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        // Only a hint: an unencodable (oversized) value would make this fail,
        // and encode() reports that properly.
        let _ = out.try_reserve_exact(self.encoded_len());
        self.encode(&mut out)?;
        Ok(out)
    }

    /// Appends the encodings of `items` one after another (the body of a
    /// vector). `u8` overrides it with a single copy.
    #[doc(hidden)]
    fn encode_slice(items: &[Self], out: &mut Vec<u8>) -> Result<(), Error>
    where
        Self: Sized,
    {
        items.iter().try_for_each(|item| item.encode(out))
    }

    /// The total encoded length of `items` (the body of a vector). `u8`
    /// overrides it with the slice length.
    #[doc(hidden)]
    fn slice_encoded_len(items: &[Self]) -> usize
    where
        Self: Sized,
    {
        items
            .iter()
            .fold(0usize, |sum, item| sum.saturating_add(item.encoded_len()))
    }
}

/// A value that can be read from its TLS presentation language wire form.
///
/// Implement it with `#[derive(Decode)]` or by hand. A decoder must not
/// panic on any input and must not allocate memory in proportion to a length
/// read from the input before checking that the input holds that many bytes.
///
/// # Example
///
/// ```
/// use mls_codec::{decode_exact, Decode, Error, Reader};
///
/// /// `uint8 version;` that must be 1.
/// #[derive(Debug, PartialEq)]
/// struct Version1;
///
/// impl Decode for Version1 {
///     fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
///         match u8::decode(r)? {
///             1 => Ok(Version1),
///             _ => Err(Error::InvalidValue),
///         }
///     }
/// }
///
/// assert_eq!(decode_exact::<Version1>(&[1]), Ok(Version1));
/// assert_eq!(decode_exact::<Version1>(&[2]), Err(Error::InvalidValue));
/// assert_eq!(decode_exact::<Vec<u16>>(&[0x04, 0, 1, 0, 2]), Ok(vec![1, 2]));
/// ```
pub trait Decode: Sized {
    /// Reads one value from `r`, consuming exactly its bytes.
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error>;

    /// Decodes the elements of a vector: `r` holds exactly the vector's
    /// bytes, and elements are read until it is empty. `u8` overrides it with
    /// a single copy.
    ///
    /// Fails with [`Error::VectorElementOverrun`] if an element consumes no
    /// bytes while bytes are left (it could never fill the vector), and with
    /// the element's error (typically [`Error::Truncated`]) if the last
    /// element runs past the vector's end.
    #[doc(hidden)]
    fn decode_vec(r: &mut Reader<'_>) -> Result<Vec<Self>, Error> {
        let total = r.remaining();
        let mut out = Vec::new();
        while !r.is_empty() {
            let before = r.remaining();
            let item = Self::decode(r)?;
            let left = r.remaining();
            if left >= before {
                return Err(Error::VectorElementOverrun);
            }
            if out.len() == out.capacity() {
                let consumed = total.saturating_sub(left);
                out.reserve_exact(vec_growth(out.len(), consumed, left));
            }
            out.push(item);
        }
        Ok(out)
    }
}

/// How many more elements to make room for when a vector being decoded is
/// full: `len` elements are stored, they and the element about to be pushed
/// took `consumed` bytes, and `left` bytes of the vector remain.
///
/// The room is bounded by the input actually present (each element takes at
/// least one byte), never by a length read off the wire. Within that bound
/// it is the number of elements expected if the rest are as large on average
/// as those so far, which is exact for vectors of equally sized elements, but
/// at least `len` (doubling), which keeps growth amortized linear.
fn vec_growth(len: usize, consumed: usize, left: usize) -> usize {
    let at_most = left.saturating_add(1);
    let expected = left
        .saturating_mul(len.saturating_add(1))
        .checked_div(consumed)
        .unwrap_or(left)
        .saturating_add(1);
    expected.max(len).min(at_most)
}

/// Decodes a `T` that must take up all of `bytes`.
///
/// Fails with [`Error::TrailingBytes`] if anything is left over.
///
/// # Example
///
/// ```
/// use mls_codec::{decode_exact, Error};
///
/// assert_eq!(decode_exact::<u16>(&[0x01, 0x02]), Ok(0x0102));
/// assert_eq!(decode_exact::<u16>(&[0x01, 0x02, 0x03]), Err(Error::TrailingBytes { remaining: 1 }));
/// ```
pub fn decode_exact<T: Decode>(bytes: &[u8]) -> Result<T, Error> {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r)?;
    match r.remaining() {
        0 => Ok(value),
        remaining => Err(Error::TrailingBytes { remaining }),
    }
}

/// Decodes `T x<V>` like `Vec<T>`, but fails with
/// [`Error::TooManyElements`] as soon as more than `max` elements are
/// found, so that a hostile vector of many tiny encodings of a large type
/// cannot allocate more than `max` elements' worth of memory.
///
/// For the same reason the vector is allocated once, at its exact size: a
/// first pass decodes and drops the elements to count them (only one
/// element is alive at a time), the second keeps them. Use it for vectors
/// whose elements can be much larger in memory than on the wire.
///
/// ```
/// use mls_codec::{decode_vec_limited, Error, Reader};
/// let bytes = [0x03, 1, 2, 3];
/// assert_eq!(decode_vec_limited::<u8>(&mut Reader::new(&bytes), 3), Ok(vec![1, 2, 3]));
/// assert_eq!(
///     decode_vec_limited::<u8>(&mut Reader::new(&bytes), 2),
///     Err(Error::TooManyElements { max: 2 })
/// );
/// ```
pub fn decode_vec_limited<T: Decode>(r: &mut Reader<'_>, max: usize) -> Result<Vec<T>, Error> {
    let length = r.read_vector_length()?;
    let body = r.sub_reader(length)?;
    let mut count = 0usize;
    let mut counting = body.clone();
    while !counting.is_empty() {
        if count >= max {
            return Err(Error::TooManyElements { max });
        }
        let before = counting.remaining();
        drop(T::decode(&mut counting)?);
        if counting.remaining() >= before {
            return Err(Error::VectorElementOverrun);
        }
        count += 1;
    }
    let mut out = Vec::with_capacity(count);
    let mut body = body;
    for _ in 0..count {
        out.push(T::decode(&mut body)?);
    }
    Ok(out)
}
