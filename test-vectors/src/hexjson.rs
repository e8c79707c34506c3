//! Reading typed fields out of a vector case.

use mls_crypto::CipherSuite;
use serde_json::Value;

/// The hex-decoded bytes of field `key`.
pub fn bytes(case: &Value, key: &str) -> Result<Vec<u8>, String> {
    let s = case
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing hex field `{key}`"))?;
    hex::decode(s).map_err(|e| format!("field `{key}` is not hex: {e}"))
}

/// The private key field `key` of a vector of suite `cs` (HPKE or
/// signature key), in the provider's form: for the NIST suites (2, 5, 7)
/// left-padded with zero bytes to `Nsk` (32, 66, 48). Some official
/// vectors write these keys as big integers with their leading zero bytes
/// stripped (a P-521 key one byte short); the provider, like the `hpke`
/// crate, accepts only exactly `Nsk` bytes (RFC 9180 §7.1.2), so the
/// runner pads them here — only here, and only what is shorter. Other
/// suites' keys are returned as they are.
pub fn private_key(cs: CipherSuite, case: &Value, key: &str) -> Result<Vec<u8>, String> {
    let raw = bytes(case, key)?;
    let nsk = match cs.0 {
        2 => 32,
        5 => 66,
        7 => 48,
        _ => return Ok(raw),
    };
    if raw.len() >= nsk {
        return Ok(raw);
    }
    let mut padded = vec![0u8; nsk - raw.len()];
    padded.extend_from_slice(&raw);
    Ok(padded)
}

/// The string field `key`.
pub fn string<'a>(case: &'a Value, key: &str) -> Result<&'a str, String> {
    case.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string field `{key}`"))
}

/// The unsigned integer field `key`.
pub fn uint(case: &Value, key: &str) -> Result<u64, String> {
    case.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing integer field `{key}`"))
}

/// The object field `key`.
pub fn object<'a>(case: &'a Value, key: &str) -> Result<&'a Value, String> {
    case.get(key)
        .filter(|v| v.is_object())
        .ok_or_else(|| format!("missing object field `{key}`"))
}

/// `Err` naming `what` unless `got == want`.
pub fn expect_eq(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: got {}, want {}",
            hex::encode(got),
            hex::encode(want)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_are_padded_only_for_nist_suites() {
        let case = serde_json::json!({ "k": "0102" });
        let padded = private_key(CipherSuite(5), &case, "k").unwrap();
        assert_eq!(padded.len(), 66);
        assert_eq!(&padded[64..], &[1, 2]);
        assert!(padded[..64].iter().all(|&b| b == 0));
        assert_eq!(private_key(CipherSuite(2), &case, "k").unwrap().len(), 32);
        assert_eq!(private_key(CipherSuite(7), &case, "k").unwrap().len(), 48);
        assert_eq!(private_key(CipherSuite(1), &case, "k").unwrap(), vec![1, 2]);
        let full = serde_json::json!({ "k": "11".repeat(32) });
        assert_eq!(
            private_key(CipherSuite(2), &full, "k").unwrap(),
            vec![0x11; 32]
        );
    }
}
