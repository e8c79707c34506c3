//! Reading typed fields out of a vector case.

use serde_json::Value;

/// The hex-decoded bytes of field `key`.
pub fn bytes(case: &Value, key: &str) -> Result<Vec<u8>, String> {
    let s = case
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing hex field `{key}`"))?;
    hex::decode(s).map_err(|e| format!("field `{key}` is not hex: {e}"))
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
