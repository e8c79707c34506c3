//! `deserialization.json`: MLS variable-length vector headers (RFC 9420 §2.1.2).

use mls_codec::{write_varint, Reader};
use serde_json::Value;

use crate::hexjson::{bytes, expect_eq, uint};

/// The header decodes to `length` consuming every byte, and `length`
/// encodes back to exactly the header; a vector of that length with the
/// header decodes.
pub fn check(case: &Value) -> Result<(), String> {
    let header = bytes(case, "vlbytes_header")?;
    let length = uint(case, "length")?;

    let mut reader = Reader::new(&header);
    let decoded = reader
        .read_varint()
        .map_err(|e| format!("decode header: {e}"))?;
    if !reader.is_empty() {
        return Err(format!("header has {} trailing bytes", reader.remaining()));
    }
    if u64::from(decoded) != length {
        return Err(format!("decoded length {decoded}, want {length}"));
    }

    let length = usize::try_from(length).map_err(|_| "length overflows usize".to_string())?;
    let mut encoded = Vec::new();
    write_varint(length, &mut encoded).map_err(|e| format!("encode length: {e}"))?;
    expect_eq("encoded header", &encoded, &header)?;

    let mut vector = header.clone();
    vector.resize(header.len() + length, 0xa5);
    let body = Reader::new(&vector)
        .read_vector_bytes()
        .map_err(|e| format!("decode vector: {e}"))?;
    if body.len() != length {
        return Err(format!(
            "vector body has {} bytes, want {length}",
            body.len()
        ));
    }
    Ok(())
}
