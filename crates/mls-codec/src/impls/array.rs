//! `opaque x[N]`: fixed-size byte arrays, no length prefix.

use alloc::vec::Vec;

use crate::{Decode, Encode, Error, Reader};

impl<const N: usize> Encode for [u8; N] {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(self);
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        N
    }
}

impl<const N: usize> Decode for [u8; N] {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.read_array()
    }
}
