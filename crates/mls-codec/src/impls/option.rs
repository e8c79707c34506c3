//! `optional<T>`: a presence octet, then the value if present.

use alloc::vec::Vec;

use crate::{Decode, Encode, Error, Reader};

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            None => {
                out.push(0);
                Ok(())
            }
            Some(value) => {
                out.push(1);
                value.encode(out)
            }
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            None => 1,
            Some(value) => value.encoded_len().saturating_add(1),
        }
    }
}

/// A presence octet other than 0 or 1 is rejected
/// ([`Error::InvalidOptionalPresence`]).
impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.read_u8()? {
            0 => Ok(None),
            1 => T::decode(r).map(Some),
            other => Err(Error::InvalidOptionalPresence(other)),
        }
    }
}
