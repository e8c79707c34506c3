//! `messages.json`: every wire structure decodes with its type and
//! re-encodes to the same bytes (RFC 9420 §6, §10, §12).

use mls_codec::{decode_exact, Decode, Encode};
use mls_framing::{
    Add, Commit, ExternalInit, GroupContextExtensions, GroupSecrets, MlsMessage, PreSharedKey,
    RatchetTreeExtension, ReInit, Remove, Update, WireFormat,
};
use serde_json::Value;

use crate::hexjson::{bytes, expect_eq};

/// Decodes field `key` as a `T` and re-encodes it.
fn roundtrip<T: Decode + Encode>(case: &Value, key: &str) -> Result<T, String> {
    let input = bytes(case, key)?;
    let value: T = decode_exact(&input).map_err(|e| format!("{key}: decode: {e}"))?;
    let output = value
        .to_bytes()
        .map_err(|e| format!("{key}: encode: {e}"))?;
    expect_eq(&format!("{key} re-encoded"), &output, &input)?;
    Ok(value)
}

/// Decodes field `key` as an MLSMessage of `wire_format` and re-encodes it.
fn message(case: &Value, key: &str, wire_format: WireFormat) -> Result<MlsMessage, String> {
    let msg: MlsMessage = roundtrip(case, key)?;
    MlsMessage::from_bytes(&bytes(case, key)?).map_err(|e| format!("{key}: {e}"))?;
    if msg.wire_format() != wire_format {
        return Err(format!(
            "{key}: wire format {}, want {}",
            msg.wire_format().0,
            wire_format.0
        ));
    }
    Ok(msg)
}

/// Every field of the case.
pub fn check(case: &Value) -> Result<(), String> {
    message(case, "mls_welcome", WireFormat::WELCOME)?;
    message(case, "mls_group_info", WireFormat::GROUP_INFO)?;
    message(case, "mls_key_package", WireFormat::KEY_PACKAGE)?;
    roundtrip::<RatchetTreeExtension>(case, "ratchet_tree")?;
    roundtrip::<GroupSecrets>(case, "group_secrets")?;
    roundtrip::<Add>(case, "add_proposal")?;
    roundtrip::<Update>(case, "update_proposal")?;
    roundtrip::<Remove>(case, "remove_proposal")?;
    roundtrip::<PreSharedKey>(case, "pre_shared_key_proposal")?;
    roundtrip::<ReInit>(case, "re_init_proposal")?;
    roundtrip::<ExternalInit>(case, "external_init_proposal")?;
    roundtrip::<GroupContextExtensions>(case, "group_context_extensions_proposal")?;
    roundtrip::<Commit>(case, "commit")?;
    for key in [
        "public_message_application",
        "public_message_proposal",
        "public_message_commit",
    ] {
        message(case, key, WireFormat::PUBLIC_MESSAGE)?;
    }
    message(case, "private_message", WireFormat::PRIVATE_MESSAGE)?;
    Ok(())
}
