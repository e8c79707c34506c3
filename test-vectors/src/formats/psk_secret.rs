//! `psk_secret.json`: the chain of external PSKs of RFC 9420 §8.4.

use mls_crypto::Secret;
use mls_keyschedule::{InMemoryPskStore, PreSharedKeyID, Psk, PskSecret};
use serde_json::Value;

use super::key_schedule::suite_of;
use crate::hexjson::{bytes, expect_eq};

/// `psk_secret` from the listed external PSKs, through a PSK store and
/// from the values directly.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let psks = case
        .get("psks")
        .and_then(Value::as_array)
        .ok_or("missing array field `psks`")?;
    let mut store = InMemoryPskStore::new();
    let mut ids = Vec::new();
    let mut values = Vec::new();
    for (i, p) in psks.iter().enumerate() {
        let psk_id = bytes(p, "psk_id").map_err(|e| format!("psk {i}: {e}"))?;
        let psk = Secret::from(bytes(p, "psk").map_err(|e| format!("psk {i}: {e}"))?);
        let id = PreSharedKeyID {
            psk: Psk::External {
                psk_id: psk_id.clone(),
            },
            psk_nonce: bytes(p, "psk_nonce").map_err(|e| format!("psk {i}: {e}"))?,
        };
        store.insert_external(psk_id, psk.clone());
        ids.push(id.clone());
        values.push((id, psk));
    }
    let want = bytes(case, "psk_secret")?;
    let from_store = PskSecret::compute(&suite, &ids, &store).map_err(|e| e.to_string())?;
    expect_eq("psk_secret (store)", from_store.as_bytes(), &want)?;
    let from_values = PskSecret::from_values(&suite, &values).map_err(|e| e.to_string())?;
    expect_eq("psk_secret (values)", from_values.as_bytes(), &want)
}
