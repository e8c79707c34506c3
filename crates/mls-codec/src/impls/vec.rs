//! `T x<V>`: vectors with a variable-length integer byte-count prefix.

use alloc::vec::Vec;

use crate::varint::{varint_len, write_varint};
use crate::{Decode, Encode, Error, Reader};

/// The prefix counts bytes, not elements; `Vec<u8>` is `opaque x<V>`.
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.as_slice().encode(out)
    }

    fn encoded_len(&self) -> usize {
        self.as_slice().encoded_len()
    }
}

/// The same wire form as `Vec<T>`, for encoding borrowed data (`&[u8]` is
/// `opaque x<V>`).
impl<T: Encode> Encode for [T] {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let length = T::slice_encoded_len(self);
        write_varint(length, out)?;
        T::encode_slice(self, out)
    }

    fn encoded_len(&self) -> usize {
        let length = T::slice_encoded_len(self);
        varint_len(length).saturating_add(length)
    }
}

/// Checks the prefix against the input left before allocating anything,
/// then decodes elements from exactly the declared bytes.
impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let length = r.read_vector_length()?;
        let mut body = r.sub_reader(length)?;
        T::decode_vec(&mut body)
    }
}
