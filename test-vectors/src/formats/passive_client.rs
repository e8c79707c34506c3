//! `passive-client-welcome.json`, `passive-client-handling-commit.json`,
//! `passive-client-random.json`: join with a Welcome, then follow every
//! commit (with the proposals it references) and compare the epoch
//! authenticators (RFC 9420 §12.4.3.1, §12.4.2, §8.7).

use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, Secret, SignaturePrivateKey};
use mls_framing::MlsMessage;
use mls_group::{
    ClientIdentity, Group, GroupConfig, JoinOptions, KeyPackageBundle, ProcessedMessage,
};
use mls_keyschedule::InMemoryPskStore;
use mls_treekem::RatchetTree;
use serde_json::Value;

use super::key_schedule::suite_of;
use crate::hexjson::{bytes, expect_eq, private_key};

fn hex_field(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    bytes(v, key)
}

fn message(hex: &Value, what: &str) -> Result<MlsMessage, String> {
    let s = hex
        .as_str()
        .ok_or_else(|| format!("{what}: not a string"))?;
    let raw = hex::decode(s).map_err(|e| format!("{what}: {e}"))?;
    MlsMessage::from_bytes(&raw).map_err(|e| format!("{what}: {e}"))
}

/// Every verification step of the format.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let cs = suite.cipher_suite();
    let kp = MlsMessage::from_bytes(&bytes(case, "key_package")?)
        .and_then(MlsMessage::into_key_package)
        .map_err(|e| format!("key_package: {e}"))?;
    let identity = ClientIdentity::from_private_key(
        &suite,
        kp.leaf_node.credential.clone(),
        SignaturePrivateKey::from_bytes(private_key(cs, case, "signature_priv")?),
    )
    .map_err(|e| format!("signature_priv: {e}"))?;
    let bundle = KeyPackageBundle::from_parts(
        &suite,
        kp,
        HpkePrivateKey::from_bytes(private_key(cs, case, "init_priv")?),
        HpkePrivateKey::from_bytes(private_key(cs, case, "encryption_priv")?),
        identity,
    )
    .map_err(|e| format!("key package private keys: {e}"))?;

    let mut psks = InMemoryPskStore::new();
    let external = case
        .get("external_psks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for p in &external {
        psks.insert_external(hex_field(p, "psk_id")?, Secret::from(hex_field(p, "psk")?));
    }
    let ratchet_tree = match case.get("ratchet_tree") {
        Some(Value::String(_)) => Some(
            RatchetTree::from_extension_bytes(&bytes(case, "ratchet_tree")?)
                .map_err(|e| format!("ratchet_tree: {e}"))?,
        ),
        _ => None,
    };
    let welcome = message(case.get("welcome").ok_or("welcome: missing")?, "welcome")?
        .into_welcome()
        .map_err(|e| format!("welcome: {e}"))?;
    let options = JoinOptions {
        ratchet_tree,
        psks: Some(&psks),
        config: GroupConfig {
            lifetimes: mls_group::LifetimeCheck::Off,
            ..GroupConfig::default()
        },
        ..JoinOptions::default()
    };
    let mut group =
        Group::join(suite, &welcome, &bundle, options).map_err(|e| format!("join: {e}"))?;
    for p in &external {
        group.insert_external_psk(hex_field(p, "psk_id")?, Secret::from(hex_field(p, "psk")?));
    }
    expect_eq(
        "initial epoch authenticator",
        group.epoch_authenticator(),
        &bytes(case, "initial_epoch_authenticator")?,
    )?;
    let epochs = case
        .get("epochs")
        .and_then(Value::as_array)
        .ok_or("epochs: missing")?;
    for (i, epoch) in epochs.iter().enumerate() {
        let proposals = epoch
            .get("proposals")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (j, p) in proposals.iter().enumerate() {
            let msg = message(p, "proposal")?;
            match group.process_message(&msg) {
                Ok(ProcessedMessage::Proposal(_)) => {}
                Ok(_) => return Err(format!("epoch {i} proposal {j}: not a proposal")),
                Err(e) => return Err(format!("epoch {i} proposal {j}: {e}")),
            }
        }
        let commit = message(epoch.get("commit").ok_or("commit: missing")?, "commit")?;
        let staged = match group.process_message(&commit) {
            Ok(ProcessedMessage::Commit(staged)) => staged,
            Ok(_) => return Err(format!("epoch {i}: commit is not a commit")),
            Err(e) => return Err(format!("epoch {i} commit: {e}")),
        };
        group
            .merge_staged_commit(staged)
            .map_err(|e| format!("epoch {i} merge: {e}"))?;
        expect_eq(
            &format!("epoch {i} authenticator"),
            group.epoch_authenticator(),
            &bytes(epoch, "epoch_authenticator")?,
        )?;
    }
    Ok(())
}
