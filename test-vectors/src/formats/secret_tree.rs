//! `secret-tree.json`: the sender data key and nonce (RFC 9420 §6.3.2) and
//! the keys and nonces of the secret tree's ratchets (§9).

use mls_crypto::Secret;
use mls_keyschedule::{sender_data_key_nonce, RatchetType, SecretTree, SecretTreeConfig};
use mls_types::tree_math::LeafIndex;
use serde_json::Value;

use super::key_schedule::suite_of;
use crate::hexjson::{bytes, expect_eq, object, uint};

/// The sender data derivation and every listed leaf and generation.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let sd = object(case, "sender_data")?;
    let kn = sender_data_key_nonce(
        &suite,
        &bytes(sd, "sender_data_secret")?,
        &bytes(sd, "ciphertext")?,
    )
    .map_err(|e| format!("sender_data: {e}"))?;
    expect_eq("sender_data.key", kn.key.as_bytes(), &bytes(sd, "key")?)?;
    expect_eq(
        "sender_data.nonce",
        kn.nonce.as_bytes(),
        &bytes(sd, "nonce")?,
    )?;

    let leaves = case
        .get("leaves")
        .and_then(Value::as_array)
        .ok_or("missing array field `leaves`")?;
    let n_leaves = u32::try_from(leaves.len()).map_err(|_| "too many leaves".to_string())?;
    let secret = Secret::from(bytes(case, "encryption_secret")?);
    let mut tree = SecretTree::new(&suite, secret, n_leaves, SecretTreeConfig::default())
        .map_err(|e| format!("secret tree: {e}"))?;
    for (i, entries) in leaves.iter().enumerate() {
        let leaf = LeafIndex(i as u32);
        let entries = entries
            .as_array()
            .ok_or_else(|| format!("leaves[{i}] is not an array"))?;
        for entry in entries {
            let generation = uint(entry, "generation")?;
            let generation = u32::try_from(generation)
                .map_err(|_| format!("generation {generation} exceeds uint32"))?;
            let at = |what: &str| format!("leaf {i} generation {generation} {what}");
            for (ratchet, name) in [
                (RatchetType::Handshake, "handshake"),
                (RatchetType::Application, "application"),
            ] {
                let key = tree
                    .key(&suite, leaf, ratchet, generation)
                    .map_err(|e| format!("{}: {e}", at(name)))?;
                expect_eq(
                    &at(&format!("{name}_key")),
                    key.key.as_bytes(),
                    &bytes(entry, &format!("{name}_key"))?,
                )?;
                expect_eq(
                    &at(&format!("{name}_nonce")),
                    key.nonce.as_bytes(),
                    &bytes(entry, &format!("{name}_nonce"))?,
                )?;
            }
        }
    }
    Ok(())
}
