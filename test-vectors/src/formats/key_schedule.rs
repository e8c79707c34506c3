//! `key-schedule.json`: the key schedule of RFC 9420 §8 over several
//! epochs, with the exporter (§8.5) and the external key pair (§8.3).

use mls_codec::Encode;
use mls_crypto::{CipherSuite, CryptoProvider, Secret};
use mls_keyschedule::{InitSecret, JoinerSecret, KeyScheduleOutput, PskSecret};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_types::GroupContext;
use serde_json::Value;

use crate::hexjson::{bytes, expect_eq, object, string, uint};

/// The provider of the case's `cipher_suite`.
pub(crate) fn suite_of(case: &Value) -> Result<RustCryptoSuite, String> {
    let id = uint(case, "cipher_suite")?;
    let id = u16::try_from(id).map_err(|_| format!("suite {id} out of range"))?;
    RustCrypto
        .cipher_suite_provider(CipherSuite(id))
        .ok_or_else(|| format!("cipher suite {id} not supported by this build"))
}

/// Every epoch of the case, each from the previous one's `init_secret`.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let group_id = bytes(case, "group_id")?;
    let mut init = InitSecret::new(Secret::from(bytes(case, "initial_init_secret")?));
    let epochs = case
        .get("epochs")
        .and_then(Value::as_array)
        .ok_or("missing array field `epochs`")?;
    for (i, epoch) in epochs.iter().enumerate() {
        init = check_epoch(&suite, &group_id, i as u64, &init, epoch)
            .map_err(|e| format!("epoch {i}: {e}"))?;
    }
    Ok(())
}

/// One epoch; returns its `init_secret` for the next.
fn check_epoch(
    suite: &RustCryptoSuite,
    group_id: &[u8],
    epoch: u64,
    init: &InitSecret,
    v: &Value,
) -> Result<InitSecret, String> {
    let gc = GroupContext::new(
        suite_id(suite),
        group_id.to_vec(),
        epoch,
        bytes(v, "tree_hash")?,
        bytes(v, "confirmed_transcript_hash")?,
    );
    let gc = gc.to_bytes().map_err(|e| e.to_string())?;
    expect_eq("group_context", &gc, &bytes(v, "group_context")?)?;

    let commit_secret = Secret::from(bytes(v, "commit_secret")?);
    let psk = PskSecret::from_secret(Secret::from(bytes(v, "psk_secret")?));
    let out = KeyScheduleOutput::derive(suite, init, Some(&commit_secret), &gc, &psk)
        .map_err(|e| e.to_string())?;
    let e = &out.epoch_secrets;
    expect_eq(
        "joiner_secret",
        out.joiner_secret.as_bytes(),
        &bytes(v, "joiner_secret")?,
    )?;
    expect_eq(
        "welcome_secret",
        out.welcome_secret.as_bytes(),
        &bytes(v, "welcome_secret")?,
    )?;
    expect_eq(
        "init_secret",
        e.init_secret().as_bytes(),
        &bytes(v, "init_secret")?,
    )?;
    expect_eq(
        "sender_data_secret",
        e.sender_data_secret().as_bytes(),
        &bytes(v, "sender_data_secret")?,
    )?;
    let encryption = e.encryption_secret().ok_or("encryption_secret missing")?;
    expect_eq(
        "encryption_secret",
        encryption.as_bytes(),
        &bytes(v, "encryption_secret")?,
    )?;
    expect_eq(
        "exporter_secret",
        e.exporter_secret().as_bytes(),
        &bytes(v, "exporter_secret")?,
    )?;
    expect_eq(
        "epoch_authenticator",
        e.epoch_authenticator().as_bytes(),
        &bytes(v, "epoch_authenticator")?,
    )?;
    expect_eq(
        "external_secret",
        e.external_secret().as_bytes(),
        &bytes(v, "external_secret")?,
    )?;
    expect_eq(
        "confirmation_key",
        e.confirmation_key().as_bytes(),
        &bytes(v, "confirmation_key")?,
    )?;
    expect_eq(
        "membership_key",
        e.membership_key().as_bytes(),
        &bytes(v, "membership_key")?,
    )?;
    expect_eq(
        "resumption_psk",
        e.resumption_psk().as_bytes(),
        &bytes(v, "resumption_psk")?,
    )?;

    let external_pub = e
        .external_pub(suite)
        .map_err(|e| format!("external_pub: {e}"))?;
    expect_eq("external_pub", &external_pub.0, &bytes(v, "external_pub")?)?;

    let exporter = object(v, "exporter")?;
    let length = uint(exporter, "length")?;
    let length =
        u16::try_from(length).map_err(|_| format!("exporter length {length} exceeds uint16"))?;
    // The label is a string (`test-vectors.md`): its bytes are the label, even
    // though the generator happens to write hex digits.
    let label = string(exporter, "label")?.as_bytes();
    let exported = e
        .export(suite, label, &bytes(exporter, "context")?, length)
        .map_err(|e| format!("exporter: {e}"))?;
    expect_eq(
        "exporter.secret",
        exported.as_bytes(),
        &bytes(exporter, "secret")?,
    )?;

    // A joiner starting from the joiner_secret (the Welcome path) reaches the same epoch.
    let joiner = JoinerSecret::new(suite, Secret::from(out.joiner_secret.as_bytes()))
        .map_err(|e| format!("joiner: {e}"))?;
    let welcome = joiner
        .welcome_secret(suite, &psk)
        .map_err(|e| format!("joiner: {e}"))?;
    expect_eq(
        "joiner's welcome_secret",
        welcome.as_bytes(),
        out.welcome_secret.as_bytes(),
    )?;
    let joined = joiner
        .epoch_secrets(suite, &psk, &gc)
        .map_err(|e| format!("joiner: {e}"))?;
    if &joined != e {
        return Err("joiner's epoch secrets differ from the member's".into());
    }
    Ok(e.init_secret().clone())
}

fn suite_id(suite: &RustCryptoSuite) -> CipherSuite {
    use mls_crypto::CipherSuiteProvider;
    suite.cipher_suite()
}
