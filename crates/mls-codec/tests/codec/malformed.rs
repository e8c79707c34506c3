//! Malformed input is rejected with the right error and never panics.

use crate::common;

use common::*;
use mls_codec::{decode_exact, Decode, Encode, Error, Reader};

#[test]
fn optional_presence() {
    for b in [2u8, 3, 0x80, 0xff] {
        assert_eq!(
            decode_exact::<Option<u8>>(&[b, 0]),
            Err(Error::InvalidOptionalPresence(b))
        );
        assert_eq!(
            decode_exact::<Option<Vec<u8>>>(&[b]),
            Err(Error::InvalidOptionalPresence(b))
        );
    }
    assert_eq!(
        decode_exact::<Option<u16>>(&[1, 0]),
        Err(Error::Truncated {
            needed: 2,
            remaining: 1
        })
    );
}

/// Every strict prefix of a valid encoding fails to decode.
fn every_prefix_fails<T: Encode + Decode + core::fmt::Debug>(value: &T) {
    let bytes = value.to_bytes().unwrap();
    for n in 0..bytes.len() {
        let result = decode_exact::<T>(&bytes[..n]);
        assert!(
            result.is_err(),
            "prefix {n} of {value:?} decoded: {result:?}"
        );
    }
    // The full encoding followed by anything is TrailingBytes.
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        decode_exact::<T>(&longer).unwrap_err(),
        Error::TrailingBytes { remaining: 1 }
    );
}

#[test]
fn truncation_at_every_prefix() {
    every_prefix_fails(&sample_leaf());
    every_prefix_fails(&vec![sample_leaf(), sample_leaf()]);
    every_prefix_fails(&Credential::Basic {
        identity: vec![1; 70],
    });
    every_prefix_fails(&Some(vec![vec![1u8, 2], vec![]]));
    every_prefix_fails(&0x0102_0304_0506_0708u64);
    every_prefix_fails(&[1u8; 5]);
    every_prefix_fails(&Small::Pair(1, 2));
}

#[test]
fn vector_length_beyond_input() {
    assert_eq!(
        decode_exact::<Vec<u8>>(&[3, 1, 2]),
        Err(Error::LengthExceedsInput {
            length: 3,
            remaining: 2
        })
    );
    // A huge declared length is rejected without allocating it.
    assert_eq!(
        decode_exact::<Vec<u8>>(&[0xbf, 0xff, 0xff, 0xff]),
        Err(Error::LengthExceedsInput {
            length: (1 << 30) - 1,
            remaining: 0
        })
    );
    assert_eq!(
        decode_exact::<Vec<Vec<u8>>>(&[0xbf, 0xff, 0xff, 0xff, 0]),
        Err(Error::LengthExceedsInput {
            length: (1 << 30) - 1,
            remaining: 1
        })
    );
    // An inner vector may not extend past its outer vector, even though the
    // bytes exist after it.
    let mut r = Reader::new(&[2, 2, 1, 1]);
    assert_eq!(
        Vec::<Vec<u8>>::decode(&mut r),
        Err(Error::LengthExceedsInput {
            length: 2,
            remaining: 1
        })
    );
}

#[test]
fn element_overrunning_the_vector() {
    // Three bytes of u16 elements: the second element runs past the end.
    assert_eq!(
        decode_exact::<Vec<u16>>(&[3, 0, 1, 0, 2]),
        Err(Error::Truncated {
            needed: 2,
            remaining: 1
        })
    );
    assert_eq!(
        decode_exact::<Vec<[u8; 4]>>(&[2, 0, 1]),
        Err(Error::Truncated {
            needed: 4,
            remaining: 2
        })
    );
}

#[test]
fn zero_sized_elements_cannot_fill_a_vector() {
    assert_eq!(decode_exact::<Vec<Unit>>(&[0]), Ok(vec![]));
    assert_eq!(
        decode_exact::<Vec<Unit>>(&[1, 0]),
        Err(Error::VectorElementOverrun)
    );
}

#[test]
fn varint_errors_inside_vectors() {
    assert_eq!(
        decode_exact::<Vec<u8>>(&[0x40, 0x01, 0]),
        Err(Error::VarintNotMinimal)
    );
    assert_eq!(
        decode_exact::<Vec<u8>>(&[0xc0, 0, 0, 0, 0, 0, 0, 1, 0]),
        Err(Error::VarintReservedPrefix)
    );
}

#[test]
fn unknown_discriminant() {
    assert_eq!(
        decode_exact::<Credential>(&[0, 3]),
        Err(Error::UnknownDiscriminant(3))
    );
    assert_eq!(
        decode_exact::<Credential>(&[0xff, 0x01]),
        Err(Error::UnknownDiscriminant(0xff01))
    );
    assert_eq!(
        decode_exact::<Small>(&[0]),
        Err(Error::UnknownDiscriminant(0))
    );
    assert_eq!(
        decode_exact::<Credential>(&[0]),
        Err(Error::Truncated {
            needed: 2,
            remaining: 1
        })
    );
}

#[test]
fn trailing_bytes() {
    assert_eq!(
        decode_exact::<u8>(&[1, 2, 3]),
        Err(Error::TrailingBytes { remaining: 2 })
    );
    assert_eq!(
        decode_exact::<Unit>(&[0]),
        Err(Error::TrailingBytes { remaining: 1 })
    );
}

#[test]
fn oversized_vector_cannot_be_encoded() {
    let big = vec![0u8; 1 << 30];
    assert_eq!(
        big.to_bytes(),
        Err(Error::LengthTooLarge { length: 1 << 30 })
    );
    let mut out = Vec::new();
    assert_eq!(
        big.encode(&mut out),
        Err(Error::LengthTooLarge { length: 1 << 30 })
    );
    assert!(out.is_empty());
    assert_eq!(
        Some(vec![big]).to_bytes(),
        Err(Error::LengthTooLarge {
            length: 4 + (1 << 30)
        })
    );
}

#[test]
fn error_display() {
    let errors = [
        Error::Truncated {
            needed: 2,
            remaining: 1,
        },
        Error::VarintReservedPrefix,
        Error::VarintNotMinimal,
        Error::LengthExceedsInput {
            length: 5,
            remaining: 1,
        },
        Error::VectorElementOverrun,
        Error::InvalidOptionalPresence(2),
        Error::TrailingBytes { remaining: 1 },
        Error::UnknownDiscriminant(9),
        Error::InvalidValue,
        Error::LengthTooLarge { length: 1 << 30 },
    ];
    for e in errors {
        let text = e.to_string();
        assert!(!text.is_empty());
        let _: &dyn std::error::Error = &e;
    }
    assert_eq!(
        Error::InvalidOptionalPresence(2).to_string(),
        "invalid optional presence octet 0x02"
    );
}
