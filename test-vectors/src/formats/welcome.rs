//! `welcome.json`: joining with a Welcome (RFC 9420 §12.4.3.1): decrypt the
//! group secrets and the GroupInfo, verify its signature and confirmation tag.

use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, Secret, SignaturePublicKey};
use mls_framing::MlsMessage;
use mls_keyschedule::{JoinerSecret, PskSecret};
use serde_json::Value;

use super::key_schedule::suite_of;
use crate::hexjson::{bytes, private_key};

/// Every verification step of the format.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let kp = MlsMessage::from_bytes(&bytes(case, "key_package")?)
        .and_then(MlsMessage::into_key_package)
        .map_err(|e| format!("key_package: {e}"))?;
    let welcome = MlsMessage::from_bytes(&bytes(case, "welcome")?)
        .and_then(MlsMessage::into_welcome)
        .map_err(|e| format!("welcome: {e}"))?;
    let kp_ref = kp
        .reference(&suite)
        .map_err(|e| format!("KeyPackageRef: {e}"))?;
    let init_priv =
        HpkePrivateKey::from_bytes(private_key(suite.cipher_suite(), case, "init_priv")?);
    let secrets = welcome
        .decrypt_group_secrets(&suite, &kp_ref, &init_priv, &kp.init_key)
        .map_err(|e| format!("group secrets: {e}"))?;
    if !secrets.psks.is_empty() {
        return Err("the group secrets name PSKs; the format has none".into());
    }
    let joiner = JoinerSecret::new(&suite, Secret::from(secrets.joiner_secret.clone()))
        .map_err(|e| format!("joiner_secret: {e}"))?;
    let psk = PskSecret::zero(&suite);
    let group_info = welcome
        .decrypt_group_info(&suite, &joiner, &psk)
        .map_err(|e| format!("group info: {e}"))?;
    group_info
        .verify_signature(&suite, &SignaturePublicKey(bytes(case, "signer_pub")?))
        .map_err(|e| format!("group info signature: {e}"))?;
    let context = group_info
        .group_context
        .to_bytes()
        .map_err(|e| format!("group context: {e}"))?;
    let epoch = joiner
        .epoch_secrets(&suite, &psk, &context)
        .map_err(|e| format!("key schedule: {e}"))?;
    group_info
        .verify_confirmation_tag(&suite, &epoch)
        .map_err(|e| format!("confirmation tag: {e}"))
}
