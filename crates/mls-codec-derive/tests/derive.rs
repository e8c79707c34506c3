//! The derives on the shapes RFC 9420 structures take.

use mls_codec::{decode_exact, Decode, Encode, Error};

#[derive(Debug, PartialEq, Encode, Decode)]
struct Named {
    a: u8,
    r#type: u16,
    data: Vec<u8>,
}

#[derive(Debug, PartialEq, Encode, Decode)]
struct Tuple(u8, [u8; 2]);

#[derive(Debug, PartialEq, Encode, Decode)]
struct Unit;

#[derive(Debug, PartialEq, Encode, Decode)]
struct Empty {}

/// Lifetimes and where clauses pass through; borrowed fields encode like
/// their owned counterparts.
#[derive(Encode)]
struct Borrowed<'a, T>
where
    T: Clone,
{
    label: &'a [u8],
    value: &'a T,
}

#[derive(Debug, PartialEq, Encode, Decode)]
struct Generic<A, B> {
    a: A,
    b: Option<B>,
}

const WIDE: u32 = 0x0102_0304;

#[derive(Debug, PartialEq, Encode, Decode)]
#[codec(tag = u32)]
enum Wide {
    #[codec(tag = WIDE)]
    A,
    #[codec(tag = WIDE + 1)]
    B { x: u8 },
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[codec(tag = u64)]
enum Widest {
    #[codec(tag = u64::MAX)]
    Max(u8),
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[codec(tag = u8)]
enum Never {}

/// A recursive type through `Box` and `Vec`.
#[derive(Debug, PartialEq, Encode, Decode)]
#[codec(tag = u8)]
enum Tree {
    #[codec(tag = 0)]
    Leaf(u8),
    #[codec(tag = 1)]
    Node(Box<Tree>, Vec<Tree>),
}

fn check<T: Encode + Decode + PartialEq + core::fmt::Debug>(value: T, expected: &[u8]) {
    let bytes = value.to_bytes().unwrap();
    assert_eq!(bytes, expected);
    assert_eq!(value.encoded_len(), expected.len());
    assert_eq!(decode_exact::<T>(&bytes).unwrap(), value);
}

#[test]
fn structs() {
    check(
        Named {
            a: 1,
            r#type: 2,
            data: vec![3],
        },
        &[1, 0, 2, 1, 3],
    );
    check(Tuple(1, [2, 3]), &[1, 2, 3]);
    check(Unit, &[]);
    check(Empty {}, &[]);
    check(
        Generic {
            a: vec![1u8],
            b: Some(2u16),
        },
        &[1, 1, 1, 0, 2],
    );
    let value = 5u16;
    let borrowed = Borrowed {
        label: b"ab",
        value: &value,
    };
    assert_eq!(borrowed.to_bytes().unwrap(), [2, b'a', b'b', 0, 5]);
    assert_eq!(borrowed.encoded_len(), 5);
}

#[test]
fn enums() {
    check(Wide::A, &[1, 2, 3, 4]);
    check(Wide::B { x: 9 }, &[1, 2, 3, 5, 9]);
    assert_eq!(
        decode_exact::<Wide>(&[1, 2, 3, 6]),
        Err(Error::UnknownDiscriminant(0x0102_0306))
    );
    check(
        Widest::Max(1),
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1],
    );
    assert_eq!(
        decode_exact::<Never>(&[0]),
        Err(Error::UnknownDiscriminant(0))
    );
    check(
        Tree::Node(Box::new(Tree::Leaf(1)), vec![Tree::Leaf(2), Tree::Leaf(3)]),
        &[1, 0, 1, 4, 0, 2, 0, 3],
    );
}
