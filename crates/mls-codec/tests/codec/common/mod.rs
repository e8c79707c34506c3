//! Types shaped like RFC 9420 structures, shared by the integration tests.
#![allow(dead_code)]

use mls_codec::{Decode, Encode};

/// An open code point: `uint16 CredentialType;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct CredentialType(pub u16);

impl CredentialType {
    pub const BASIC: Self = Self(1);
    pub const X509: Self = Self(2);
}

/// `struct { opaque cert_data<V>; } Certificate;`
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Certificate {
    pub cert_data: Vec<u8>,
}

/// `select (Credential.credential_type) { .. }` with named, tuple and unit
/// variants.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u16)]
pub enum Credential {
    #[codec(tag = CredentialType::BASIC.0)]
    Basic { identity: Vec<u8> },
    #[codec(tag = CredentialType::X509.0)]
    X509(Vec<Certificate>),
    #[codec(tag = 0xff00)]
    Empty,
}

/// A struct holding a nested enum, options, nested vectors and arrays.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct LeafLike {
    pub encryption_key: Vec<u8>,
    pub credential: Credential,
    pub parent_hash: Option<Vec<u8>>,
    pub extensions: Vec<Vec<u8>>,
    pub nonce: [u8; 12],
    pub lifetime: Option<Lifetime>,
    pub epoch: u64,
    pub credential_type: CredentialType,
}

/// `struct { uint64 not_before; uint64 not_after; } Lifetime;`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Lifetime {
    pub not_before: u64,
    pub not_after: u64,
}

/// A `uint8` select with a tuple variant of several fields.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u8)]
pub enum Small {
    #[codec(tag = 1)]
    Pair(u8, u32),
    #[codec(tag = 2)]
    Nothing,
}

/// A generic struct; the derive adds the bounds.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Wrapper<T> {
    pub items: Vec<T>,
    pub last: Option<T>,
}

/// Unit and tuple structs.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Unit;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Pair(pub u32, pub Vec<u8>);

pub fn sample_leaf() -> LeafLike {
    LeafLike {
        encryption_key: vec![0xaa; 32],
        credential: Credential::X509(vec![
            Certificate {
                cert_data: vec![1, 2, 3],
            },
            Certificate { cert_data: vec![] },
        ]),
        parent_hash: Some(vec![0x55; 70]),
        extensions: vec![vec![], vec![9; 100], vec![1]],
        nonce: [7; 12],
        lifetime: Some(Lifetime {
            not_before: 1,
            not_after: u64::MAX,
        }),
        epoch: 42,
        credential_type: CredentialType::X509,
    }
}
