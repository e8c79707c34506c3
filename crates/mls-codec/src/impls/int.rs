//! `uint8` .. `uint64`: fixed-size big-endian integers.

use alloc::vec::Vec;

use crate::{Decode, Encode, Error, Reader};

macro_rules! int_impl {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
                out.extend_from_slice(&self.to_be_bytes());
                Ok(())
            }

            fn encoded_len(&self) -> usize {
                core::mem::size_of::<$t>()
            }
        }

        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
                r.read_array().map(<$t>::from_be_bytes)
            }
        }
    )*};
}

int_impl!(u16, u32, u64);

/// `uint8`, and through the hidden slice methods `opaque x<V>` as a single
/// copy in each direction.
impl Encode for u8 {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(*self);
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        1
    }

    fn encode_slice(items: &[Self], out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(items);
        Ok(())
    }

    fn slice_encoded_len(items: &[Self]) -> usize {
        items.len()
    }
}

impl Decode for u8 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.read_u8()
    }

    fn decode_vec(r: &mut Reader<'_>) -> Result<Vec<Self>, Error> {
        // `r` is exactly the vector's bytes, already present in the input.
        r.read_bytes(r.remaining()).map(<[u8]>::to_vec)
    }
}

#[cfg(test)]
mod tests {
    use crate::{decode_exact, Encode, Error};

    #[test]
    fn big_endian() {
        assert_eq!(0xabu8.to_bytes().unwrap(), [0xab]);
        assert_eq!(0x0102u16.to_bytes().unwrap(), [1, 2]);
        assert_eq!(0x0102_0304u32.to_bytes().unwrap(), [1, 2, 3, 4]);
        assert_eq!(
            0x0102_0304_0506_0708u64.to_bytes().unwrap(),
            [1, 2, 3, 4, 5, 6, 7, 8]
        );
        assert_eq!(decode_exact::<u32>(&[1, 2, 3, 4]), Ok(0x0102_0304));
        assert_eq!(
            decode_exact::<u64>(&[1, 2, 3]),
            Err(Error::Truncated {
                needed: 8,
                remaining: 3
            })
        );
    }
}
