//! `crypto-basics.json`: the labeled primitives of RFC 9420 §5.1–§5.2 and §8.

use mls_crypto::{
    labeled, CipherSuite, CipherSuiteProvider, CryptoProvider, HpkeCiphertext, HpkePrivateKey,
    HpkePublicKey, SignaturePrivateKey, SignaturePublicKey,
};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::TestRng;
use serde_json::Value;

use crate::hexjson::{bytes, expect_eq, object, private_key, string, uint};

/// Every verification step of the format, for the case's suite.
pub fn check(case: &Value) -> Result<(), String> {
    let suite_id = uint(case, "cipher_suite")?;
    let suite_id = u16::try_from(suite_id).map_err(|_| format!("suite {suite_id} out of range"))?;
    let suite = RustCrypto
        .cipher_suite_provider(CipherSuite(suite_id))
        .ok_or_else(|| format!("cipher suite {suite_id} not supported by this build"))?;

    ref_hash(&suite, object(case, "ref_hash")?).map_err(|e| format!("ref_hash: {e}"))?;
    expand_with_label(&suite, object(case, "expand_with_label")?)
        .map_err(|e| format!("expand_with_label: {e}"))?;
    derive_secret(&suite, object(case, "derive_secret")?)
        .map_err(|e| format!("derive_secret: {e}"))?;
    derive_tree_secret(&suite, object(case, "derive_tree_secret")?)
        .map_err(|e| format!("derive_tree_secret: {e}"))?;
    sign_with_label(&suite, object(case, "sign_with_label")?)
        .map_err(|e| format!("sign_with_label: {e}"))?;
    encrypt_with_label(&suite, object(case, "encrypt_with_label")?)
        .map_err(|e| format!("encrypt_with_label: {e}"))?;
    Ok(())
}

fn length(v: &Value) -> Result<u16, String> {
    let n = uint(v, "length")?;
    u16::try_from(n).map_err(|_| format!("length {n} exceeds uint16"))
}

fn ref_hash(suite: &RustCryptoSuite, v: &Value) -> Result<(), String> {
    let out = labeled::ref_hash(suite, string(v, "label")?.as_bytes(), &bytes(v, "value")?)
        .map_err(|e| e.to_string())?;
    expect_eq("out", &out, &bytes(v, "out")?)
}

fn expand_with_label(suite: &RustCryptoSuite, v: &Value) -> Result<(), String> {
    let out = labeled::expand_with_label(
        suite,
        &bytes(v, "secret")?,
        string(v, "label")?.as_bytes(),
        &bytes(v, "context")?,
        length(v)?,
    )
    .map_err(|e| e.to_string())?;
    expect_eq("out", out.as_bytes(), &bytes(v, "out")?)
}

fn derive_secret(suite: &RustCryptoSuite, v: &Value) -> Result<(), String> {
    let out = labeled::derive_secret(suite, &bytes(v, "secret")?, string(v, "label")?.as_bytes())
        .map_err(|e| e.to_string())?;
    expect_eq("out", out.as_bytes(), &bytes(v, "out")?)
}

fn derive_tree_secret(suite: &RustCryptoSuite, v: &Value) -> Result<(), String> {
    let generation = uint(v, "generation")?;
    let generation =
        u32::try_from(generation).map_err(|_| format!("generation {generation} exceeds uint32"))?;
    let out = labeled::derive_tree_secret(
        suite,
        &bytes(v, "secret")?,
        string(v, "label")?.as_bytes(),
        generation,
        length(v)?,
    )
    .map_err(|e| e.to_string())?;
    expect_eq("out", out.as_bytes(), &bytes(v, "out")?)
}

fn sign_with_label(suite: &RustCryptoSuite, v: &Value) -> Result<(), String> {
    let label = string(v, "label")?.as_bytes();
    let content = bytes(v, "content")?;
    let public = SignaturePublicKey(bytes(v, "pub")?);
    let signature = bytes(v, "signature")?;
    labeled::verify_with_label(suite, &public, label, &content, &signature)
        .map_err(|e| format!("given signature: {e}"))?;

    let key = suite
        .signing_key(&SignaturePrivateKey::from_bytes(private_key(
            suite.cipher_suite(),
            v,
            "priv",
        )?))
        .map_err(|e| format!("priv: {e}"))?;
    expect_eq(
        "public key of priv",
        &suite.signing_public_key(&key).0,
        &public.0,
    )?;
    let ours = labeled::sign_with_label(suite, &key, label, &content).map_err(|e| e.to_string())?;
    labeled::verify_with_label(suite, &public, label, &content, &ours)
        .map_err(|e| format!("our signature: {e}"))
}

fn encrypt_with_label(suite: &RustCryptoSuite, v: &Value) -> Result<(), String> {
    let label = string(v, "label")?.as_bytes();
    let context = bytes(v, "context")?;
    let plaintext = bytes(v, "plaintext")?;
    let private = HpkePrivateKey::from_bytes(private_key(suite.cipher_suite(), v, "priv")?);
    let public = HpkePublicKey(bytes(v, "pub")?);
    let given = HpkeCiphertext {
        kem_output: bytes(v, "kem_output")?,
        ciphertext: bytes(v, "ciphertext")?,
    };

    let opened = labeled::decrypt_with_label(suite, &private, &public, label, &context, &given)
        .map_err(|e| format!("given ciphertext: {e}"))?;
    expect_eq("decrypted", &opened, &plaintext)?;

    let ours = labeled::encrypt_with_label(
        suite,
        &public,
        label,
        &context,
        &plaintext,
        &mut TestRng::new(1),
    )
    .map_err(|e| format!("encrypt: {e}"))?;
    let opened = labeled::decrypt_with_label(suite, &private, &public, label, &context, &ours)
        .map_err(|e| format!("our ciphertext: {e}"))?;
    expect_eq("round trip", &opened, &plaintext)
}
