//! Types that persistence needs beyond the wire format: `bool`, tuples,
//! ordered maps and deques. None of them appears in an MLS message; they
//! let a state encoding be derived from the types that hold the state.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use crate::{Decode, Encode, Error, Reader};

/// One octet, 0 or 1 (any other value is [`Error::InvalidValue`]).
impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(u8::from(*self));
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        1
    }
}

impl Decode for bool {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.read_u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::InvalidValue),
        }
    }
}

macro_rules! tuple_impl {
    ($($name:ident),+) => {
        /// The fields in order, like a struct.
        impl<$($name: Encode),+> Encode for ($($name,)+) {
            #[allow(non_snake_case)]
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
                let ($($name,)+) = self;
                $($name.encode(out)?;)+
                Ok(())
            }

            #[allow(non_snake_case)]
            fn encoded_len(&self) -> usize {
                let ($($name,)+) = self;
                0usize$(.saturating_add($name.encoded_len()))+
            }
        }

        impl<$($name: Decode),+> Decode for ($($name,)+) {
            fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
                Ok(($($name::decode(r)?,)+))
            }
        }
    };
}

tuple_impl!(A, B);
tuple_impl!(A, B, C);
tuple_impl!(A, B, C, D);

/// The same wire form as a `Vec<(K, V)>` in ascending key order. Decoding
/// requires strictly ascending keys ([`Error::InvalidValue`] otherwise),
/// so every map has exactly one encoding.
///
/// ```
/// use std::collections::BTreeMap;
/// use mls_codec::{decode_exact, Encode, Error};
/// let map = BTreeMap::from([(2u16, true), (1, false)]);
/// let bytes = map.to_bytes().unwrap();
/// assert_eq!(bytes, [6, 0, 1, 0, 0, 2, 1]);
/// assert_eq!(decode_exact::<BTreeMap<u16, bool>>(&bytes).unwrap(), map);
/// // Keys out of order are refused.
/// assert_eq!(decode_exact::<BTreeMap<u16, bool>>(&[6, 0, 2, 1, 0, 1, 0]), Err(Error::InvalidValue));
/// ```
impl<K: Encode + Ord, V: Encode> Encode for BTreeMap<K, V> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let length = self.iter().fold(0usize, |n, (k, v)| {
            n.saturating_add(k.encoded_len())
                .saturating_add(v.encoded_len())
        });
        crate::write_varint(length, out)?;
        for (k, v) in self {
            k.encode(out)?;
            v.encode(out)?;
        }
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        let length = self.iter().fold(0usize, |n, (k, v)| {
            n.saturating_add(k.encoded_len())
                .saturating_add(v.encoded_len())
        });
        crate::varint_len(length).saturating_add(length)
    }
}

impl<K: Decode + Ord, V: Decode> Decode for BTreeMap<K, V> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let pairs = Vec::<(K, V)>::decode(r)?;
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            if map.last_key_value().is_some_and(|(last, _)| *last >= k) {
                return Err(Error::InvalidValue);
            }
            map.insert(k, v);
        }
        Ok(map)
    }
}

/// The same wire form as a `Vec<T>`, front first.
impl<T: Encode> Encode for VecDeque<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let (a, b) = self.as_slices();
        let length = T::slice_encoded_len(a).saturating_add(T::slice_encoded_len(b));
        crate::write_varint(length, out)?;
        T::encode_slice(a, out)?;
        T::encode_slice(b, out)
    }

    fn encoded_len(&self) -> usize {
        let (a, b) = self.as_slices();
        let length = T::slice_encoded_len(a).saturating_add(T::slice_encoded_len(b));
        crate::varint_len(length).saturating_add(length)
    }
}

impl<T: Decode> Decode for VecDeque<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        Vec::<T>::decode(r).map(VecDeque::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_exact;

    #[test]
    fn bool_is_one_strict_octet() {
        assert_eq!(true.to_bytes().unwrap(), [1]);
        assert_eq!(decode_exact::<bool>(&[0]), Ok(false));
        assert_eq!(decode_exact::<bool>(&[2]), Err(Error::InvalidValue));
    }

    #[test]
    fn tuples_are_their_fields_in_order() {
        let t = (7u8, 0x0102u16, alloc::vec![9u8]);
        let bytes = t.to_bytes().unwrap();
        assert_eq!(bytes, [7, 1, 2, 1, 9]);
        assert_eq!(bytes.len(), t.encoded_len());
        assert_eq!(decode_exact::<(u8, u16, Vec<u8>)>(&bytes).unwrap(), t);
    }

    #[test]
    fn maps_refuse_duplicate_keys() {
        // (1, 0), (1, 1): a repeated key.
        assert_eq!(
            decode_exact::<BTreeMap<u8, u8>>(&[4, 1, 0, 1, 1]),
            Err(Error::InvalidValue)
        );
        let empty: BTreeMap<u8, u8> = BTreeMap::new();
        assert_eq!(empty.to_bytes().unwrap(), [0]);
    }

    #[test]
    fn deques_encode_as_vectors_across_the_wrap() {
        let mut d: VecDeque<u16> = VecDeque::with_capacity(4);
        d.extend([1, 2, 3]);
        d.pop_front();
        d.push_back(4);
        d.push_back(5); // wraps inside the ring buffer
        let bytes = d.to_bytes().unwrap();
        assert_eq!(bytes, [8, 0, 2, 0, 3, 0, 4, 0, 5]);
        assert_eq!(bytes.len(), d.encoded_len());
        assert_eq!(decode_exact::<VecDeque<u16>>(&bytes).unwrap(), d);
    }
}
