//! Round trips and exact wire bytes for every impl and for derived types.

use crate::common;

use common::*;
use mls_codec::{decode_exact, Decode, Encode, Error, Reader, VarInt};

/// Encodes, checks `encoded_len` and the expected bytes, decodes back.
fn check<T: Encode + Decode + PartialEq + core::fmt::Debug>(value: &T, expected: &[u8]) {
    let bytes = value.to_bytes().unwrap();
    assert_eq!(bytes, expected, "bytes of {value:?}");
    assert_eq!(value.encoded_len(), bytes.len(), "encoded_len of {value:?}");
    assert_eq!(&decode_exact::<T>(&bytes).unwrap(), value);
    // encode() appends after existing content.
    let mut out = vec![0xee];
    value.encode(&mut out).unwrap();
    assert_eq!(&out[1..], expected);
}

/// Round trip without fixed expected bytes.
fn round_trip<T: Encode + Decode + PartialEq + core::fmt::Debug>(value: &T) -> Vec<u8> {
    let bytes = value.to_bytes().unwrap();
    assert_eq!(value.encoded_len(), bytes.len(), "encoded_len of {value:?}");
    assert_eq!(&decode_exact::<T>(&bytes).unwrap(), value);
    bytes
}

#[test]
fn integers() {
    check(&0u8, &[0]);
    check(&0xffu8, &[0xff]);
    check(&0x1234u16, &[0x12, 0x34]);
    check(&0xdead_beefu32, &[0xde, 0xad, 0xbe, 0xef]);
    check(&0x0102_0304_0506_0708u64, &[1, 2, 3, 4, 5, 6, 7, 8]);
    check(&u64::MAX, &[0xff; 8]);
}

#[test]
fn arrays() {
    check(&[1u8, 2, 3], &[1, 2, 3]);
    check(&[0u8; 0], &[]);
    check(&[9u8; 32], &[9; 32]);
}

#[test]
fn opaque_vectors() {
    check(&Vec::<u8>::new(), &[0]);
    check(&vec![1u8, 2, 3], &[3, 1, 2, 3]);
    let mut expected = vec![0x40, 0x40];
    expected.extend([5u8; 64]);
    check(&vec![5u8; 64], &expected);
    let big = vec![0x11u8; 20_000];
    let bytes = round_trip(&big);
    assert_eq!(&bytes[..4], &[0x80, 0x00, 0x4e, 0x20]);
}

#[test]
fn vectors_of_non_bytes() {
    // The prefix counts bytes, not elements.
    check(&vec![1u16, 2], &[4, 0, 1, 0, 2]);
    check(&vec![vec![1u8], vec![], vec![2, 3]], &[6, 1, 1, 0, 2, 2, 3]);
    check(&Vec::<Vec<u8>>::new(), &[0]);
    check(&vec![[1u8, 2], [3, 4]], &[4, 1, 2, 3, 4]);
    check(&vec![VarInt(1), VarInt(64)], &[3, 1, 0x40, 0x40]);
    check(&vec![vec![vec![1u8]], vec![]], &[4, 2, 1, 1, 0]);
    // Long element lists get a two-byte prefix.
    let many = vec![0x0102u16; 100];
    let bytes = round_trip(&many);
    assert_eq!(&bytes[..2], &[0x40, 200]);
}

#[test]
fn slices_and_pointers() {
    let data: &[u8] = &[1, 2];
    assert_eq!(data.to_bytes().unwrap(), [2, 1, 2]);
    assert_eq!(data.encoded_len(), 3);
    let by_ref: &u16 = &5;
    assert_eq!(Encode::to_bytes(&by_ref).unwrap(), [0, 5]);
    assert_eq!(<&u16 as Encode>::encoded_len(&by_ref), 2);
    assert_eq!([1u16, 2][..].to_bytes().unwrap(), [4, 0, 1, 0, 2]);
    check(&Box::new(7u32), &[0, 0, 0, 7]);
    let boxed: Box<[u8]> = vec![1, 2].into_boxed_slice();
    assert_eq!(boxed.to_bytes().unwrap(), [2, 1, 2]);
}

#[test]
fn options() {
    check(&None::<u8>, &[0]);
    check(&Some(3u8), &[1, 3]);
    check(&None::<Vec<u8>>, &[0]);
    check(&Some(Vec::<u8>::new()), &[1, 0]);
    check(&Some(vec![1u8, 2]), &[1, 2, 1, 2]);
    check(&Some(Some(1u8)), &[1, 1, 1]);
    check(&vec![Some(1u8), None], &[3, 1, 1, 0]);
}

#[test]
fn code_point_newtypes() {
    check(&CredentialType::BASIC, &[0, 1]);
    check(&CredentialType(0x0a0a), &[0x0a, 0x0a]);
    check(&Unit, &[]);
    check(&Pair(1, vec![2]), &[0, 0, 0, 1, 1, 2]);
}

#[test]
fn select_enums() {
    check(
        &Credential::Basic {
            identity: b"bob".to_vec(),
        },
        &[0, 1, 3, b'b', b'o', b'b'],
    );
    check(
        &Credential::X509(vec![Certificate {
            cert_data: vec![0xcc],
        }]),
        &[0, 2, 2, 1, 0xcc],
    );
    check(&Credential::Empty, &[0xff, 0x00]);
    check(&Small::Pair(1, 2), &[1, 1, 0, 0, 0, 2]);
    check(&Small::Nothing, &[2]);
}

#[test]
fn structs_with_nested_enum() {
    let leaf = sample_leaf();
    let bytes = round_trip(&leaf);
    // Field order is declaration order.
    assert_eq!(&bytes[..2], &[32, 0xaa]);
    let mut r = Reader::new(&bytes);
    assert_eq!(Vec::<u8>::decode(&mut r).unwrap(), vec![0xaa; 32]);
    assert!(matches!(
        Credential::decode(&mut r),
        Ok(Credential::X509(_))
    ));
    round_trip(&vec![leaf.clone(), leaf]);
}

#[test]
fn generic_structs() {
    check(
        &Wrapper {
            items: vec![1u16],
            last: Some(2u16),
        },
        &[2, 0, 1, 1, 0, 2],
    );
    round_trip(&Wrapper {
        items: vec![Credential::Empty],
        last: None,
    });
}

#[test]
fn decoding_leaves_reader_after_value() {
    let bytes = [2, 1, 2, 0xaa];
    let mut r = Reader::new(&bytes);
    assert_eq!(Vec::<u8>::decode(&mut r), Ok(vec![1, 2]));
    assert_eq!(r.position(), 3);
    assert_eq!(r.rest(), &[0xaa]);
    assert_eq!(
        decode_exact::<Vec<u8>>(&bytes),
        Err(Error::TrailingBytes { remaining: 1 })
    );
}
