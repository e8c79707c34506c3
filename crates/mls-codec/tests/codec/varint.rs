//! Variable-length integers, RFC 9420 §2.1.2.

use mls_codec::{
    decode_exact, varint_len, write_varint, write_vector_bytes, Encode, Error, Reader, VarInt,
    VARINT_MAX,
};

fn encode(value: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    write_varint(value, &mut out).map(|()| out)
}

fn decode(bytes: &[u8]) -> Result<u32, Error> {
    let mut r = Reader::new(bytes);
    let v = r.read_varint()?;
    match r.remaining() {
        0 => Ok(v),
        remaining => Err(Error::TrailingBytes { remaining }),
    }
}

#[test]
fn rfc_examples() {
    assert_eq!(decode(&[0x25]), Ok(37));
    assert_eq!(decode(&[0x7b, 0xbd]), Ok(15293));
    assert_eq!(decode(&[0x9d, 0x7f, 0x3e, 0x7d]), Ok(494_878_333));
    assert_eq!(encode(37).unwrap(), [0x25]);
    assert_eq!(encode(15293).unwrap(), [0x7b, 0xbd]);
    assert_eq!(encode(494_878_333).unwrap(), [0x9d, 0x7f, 0x3e, 0x7d]);
}

#[test]
fn boundaries() {
    let cases: &[(usize, &[u8])] = &[
        (0, &[0x00]),
        (63, &[0x3f]),
        (64, &[0x40, 0x40]),
        (16383, &[0x7f, 0xff]),
        (16384, &[0x80, 0x00, 0x40, 0x00]),
        (VARINT_MAX as usize, &[0xbf, 0xff, 0xff, 0xff]),
    ];
    for &(value, bytes) in cases {
        assert_eq!(encode(value).unwrap(), bytes, "encode {value}");
        assert_eq!(varint_len(value), bytes.len(), "varint_len {value}");
        assert_eq!(decode(bytes), Ok(value as u32), "decode {value}");
        let v = VarInt(value as u32);
        assert_eq!(v.to_bytes().unwrap(), bytes);
        assert_eq!(v.encoded_len(), bytes.len());
        assert_eq!(decode_exact::<VarInt>(bytes), Ok(v));
    }
}

#[test]
fn too_large_to_encode() {
    assert_eq!(
        encode(1 << 30),
        Err(Error::LengthTooLarge { length: 1 << 30 })
    );
    assert_eq!(
        VarInt(1 << 30).to_bytes(),
        Err(Error::LengthTooLarge { length: 1 << 30 })
    );
    assert_eq!(
        VarInt(u32::MAX).to_bytes(),
        Err(Error::LengthTooLarge {
            length: u32::MAX as usize
        })
    );
}

#[test]
fn reserved_prefix() {
    for bytes in [
        &[0xc0][..],
        &[0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x25],
        &[0xff, 0xff, 0xff, 0xff],
        &[0xc0, 0x00],
    ] {
        assert_eq!(
            decode(bytes),
            Err(Error::VarintReservedPrefix),
            "{bytes:02x?}"
        );
    }
}

#[test]
fn not_minimal() {
    for bytes in [
        &[0x40, 0x25][..],
        &[0x80, 0x00, 0x00, 0x25],
        &[0x40, 0x00],
        &[0x40, 0x3f],
        &[0x80, 0x00, 0x00, 0x00],
        &[0x80, 0x00, 0x3f, 0xff],
    ] {
        assert_eq!(decode(bytes), Err(Error::VarintNotMinimal), "{bytes:02x?}");
    }
}

#[test]
fn truncated() {
    assert_eq!(
        decode(&[]),
        Err(Error::Truncated {
            needed: 1,
            remaining: 0
        })
    );
    assert_eq!(
        decode(&[0x7b]),
        Err(Error::Truncated {
            needed: 2,
            remaining: 1
        })
    );
    for n in 1..4 {
        assert_eq!(
            decode(&[0x9d, 0x7f, 0x3e, 0x7d][..n]),
            Err(Error::Truncated {
                needed: 4,
                remaining: n
            })
        );
    }
}

#[test]
fn every_one_byte_value() {
    for b in 0u8..=0xff {
        let expected = match b >> 6 {
            0 => Ok(u32::from(b)),
            1 => Err(Error::Truncated {
                needed: 2,
                remaining: 1,
            }),
            2 => Err(Error::Truncated {
                needed: 4,
                remaining: 1,
            }),
            _ => Err(Error::VarintReservedPrefix),
        };
        assert_eq!(decode(&[b]), expected);
    }
}

#[test]
fn vector_bytes() {
    let mut out = Vec::new();
    write_vector_bytes(b"abc", &mut out).unwrap();
    assert_eq!(out, [3, b'a', b'b', b'c']);
    let mut r = Reader::new(&out);
    assert_eq!(r.read_vector_bytes(), Ok(&b"abc"[..]));
    assert!(r.is_empty());

    let long = vec![7u8; 64];
    let mut out = Vec::new();
    write_vector_bytes(&long, &mut out).unwrap();
    assert_eq!(&out[..2], &[0x40, 0x40]);
    assert_eq!(out.len(), 66);

    let mut r = Reader::new(&[0x05, 1, 2]);
    assert_eq!(
        r.read_vector_bytes(),
        Err(Error::LengthExceedsInput {
            length: 5,
            remaining: 2
        })
    );
}
