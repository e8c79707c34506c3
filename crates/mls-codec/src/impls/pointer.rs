//! References and boxes encode as the value they point to.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::{Decode, Encode, Error, Reader};

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        (**self).encode(out)
    }

    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
}

impl<T: Encode + ?Sized> Encode for Box<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        (**self).encode(out)
    }

    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
}

impl<T: Decode> Decode for Box<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        T::decode(r).map(Box::new)
    }
}
