//! The usage examples of `mls-crypto`'s provider traits, batch helpers and
//! labeled primitives, run on the RustCrypto provider (`mls-crypto` has no
//! provider of its own to run them on). Each test is named after the item
//! whose documentation points here.

#![cfg(feature = "suite-1")]

use mls_crypto::{
    batch, labeled, CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider,
    SignatureItem, SignaturePublicKey,
};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::TestRng;

fn suite_1() -> RustCryptoSuite {
    RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap()
}

#[test]
fn hash_parts() {
    let cs = suite_1();
    assert_eq!(cs.hash_parts(&[b"ab", b"", b"cd"]), cs.hash(b"abcd"));
}

#[test]
fn aead_seal_in_place() {
    let cs = suite_1();
    let (key, nonce) = (vec![1; cs.aead_key_len()], vec![2; cs.aead_nonce_len()]);
    let mut buffer = b"plaintext".to_vec();
    cs.aead_seal_in_place(&key, &nonce, b"aad", &mut buffer)
        .unwrap();
    assert_eq!(
        buffer,
        cs.aead_seal(&key, &nonce, b"aad", b"plaintext").unwrap()
    );
}

#[test]
fn hpke_seal_parts() {
    let cs = suite_1();
    let kp = cs.hpke_generate_key_pair(&mut TestRng::new(9)).unwrap();
    let ct = cs
        .hpke_seal_parts(
            &kp.public,
            &[b"in", b"fo"],
            b"",
            b"pt",
            &mut TestRng::new(0),
        )
        .unwrap();
    assert_eq!(
        ct,
        cs.hpke_seal(&kp.public, b"info", b"", b"pt", &mut TestRng::new(0))
            .unwrap()
    );
    let pt = cs
        .hpke_open_parts(&kp.private, &kp.public, &[b"i", b"nfo"], b"", &ct)
        .unwrap();
    assert_eq!(pt, b"pt");
}

#[test]
fn hpke_seal_batch() {
    let cs = suite_1();
    let kp = cs.hpke_generate_key_pair(&mut TestRng::new(9)).unwrap();
    let items = [(&kp.public, &b"one"[..]), (&kp.public, &b"two"[..])];
    let batch = cs
        .hpke_seal_batch(b"info", b"", &items, &mut TestRng::new(0))
        .unwrap();
    let mut rng = TestRng::new(0);
    let first = cs
        .hpke_seal(&kp.public, b"info", b"", b"one", &mut rng)
        .unwrap();
    let second = cs
        .hpke_seal(&kp.public, b"info", b"", b"two", &mut rng)
        .unwrap();
    assert_eq!(batch, vec![first, second]);
}

#[test]
fn sign_parts() {
    let cs = suite_1();
    let kp = cs.signature_generate(&mut TestRng::new(0)).unwrap();
    let key = cs.signing_key(&kp.private).unwrap();
    let sig = cs.sign_parts(&key, &[b"hel", b"", b"lo"]).unwrap();
    assert_eq!(sig, cs.sign(&key, b"hello").unwrap()); // Ed25519 is deterministic
    assert!(cs.verify_parts(&kp.public, &[b"h", b"ello"], &sig).is_ok());
    assert!(cs.verify_parts(&kp.public, &[b"h", b"allo"], &sig).is_err());
}

#[test]
fn verify_batch() {
    let cs = suite_1();
    let kp = cs.signature_generate(&mut TestRng::new(0)).unwrap();
    let key = cs.signing_key(&kp.private).unwrap();
    let sig = cs.sign(&key, b"hello").unwrap();
    let good = SignatureItem {
        public_key: &kp.public,
        message: b"hello",
        signature: &sig,
    };
    let bad = SignatureItem {
        message: b"bye",
        ..good
    };
    assert!(cs.verify_batch(&[good, good]).is_ok());
    assert_eq!(cs.verify_batch(&[good, bad]).unwrap_err().index, 1);
}

#[test]
fn verify_prepared() {
    let cs = suite_1();
    let kp = cs.signature_generate(&mut TestRng::new(0)).unwrap();
    let key = cs.signing_key(&kp.private).unwrap();
    let sig = cs.sign_parts(&key, &[b"hel", b"lo"]).unwrap();
    let prepared = cs.verifying_key(&kp.public).unwrap();
    assert!(cs.verify_prepared(&prepared, &[b"hello"], &sig).is_ok());
    assert!(cs.verify_prepared(&prepared, &[b"bye"], &sig).is_err());
    // A small-order key is refused once, at preparation, as verify_parts
    // refuses it for every message.
    let weak = SignaturePublicKey(vec![0; 32]);
    assert_eq!(
        cs.verifying_key(&weak).unwrap_err(),
        cs.verify_parts(&weak, &[b"hello"], &sig).unwrap_err()
    );
    // A small-order R is refused by both forms.
    let mut small_r = sig.clone();
    small_r[..32].copy_from_slice(&[0; 32]);
    assert!(cs
        .verify_prepared(&prepared, &[b"hello"], &small_r)
        .is_err());
    assert!(cs.verify_parts(&kp.public, &[b"hello"], &small_r).is_err());
}

#[test]
fn batch_verify_each() {
    let cs = suite_1();
    assert!(batch::verify_each(&cs, &[]).is_ok());
}

#[test]
fn batch_seal_each() {
    let cs = suite_1();
    let out = batch::seal_each(&cs, b"info", b"", &[], &mut TestRng::new(0)).unwrap();
    assert!(out.is_empty());
}

#[test]
fn labeled_expand_with_label() {
    let cs = RustCrypto
        .cipher_suite_provider(RustCrypto.supported_cipher_suites()[0])
        .unwrap();
    let key = labeled::expand_with_label(&cs, &[0u8; 32], b"key", b"", 16).unwrap();
    assert_eq!(key.len(), 16);
}

#[test]
fn labeled_verify_with_label() {
    let cs = suite_1();
    let kp = cs.signature_generate(&mut TestRng::new(0)).unwrap();
    let key = cs.signing_key(&kp.private).unwrap();
    let sig = labeled::sign_with_label(&cs, &key, b"GroupInfoTBS", b"tbs").unwrap();
    let sign_content = labeled::sign_content(b"GroupInfoTBS", b"tbs").unwrap();
    assert!(cs.verify(&kp.public, &sign_content, &sig).is_ok());
    assert!(labeled::verify_with_label(&cs, &kp.public, b"GroupInfoTBS", b"tbs", &sig).is_ok());
    assert!(labeled::verify_with_label(&cs, &kp.public, b"LeafNodeTBS", b"tbs", &sig).is_err());
}

#[test]
fn labeled_verify_batch_with_label() {
    let cs = suite_1();
    let kp = cs.signature_generate(&mut TestRng::new(0)).unwrap();
    let key = cs.signing_key(&kp.private).unwrap();
    let sig = labeled::sign_with_label(&cs, &key, b"LeafNodeTBS", b"content").unwrap();
    let item = SignatureItem {
        public_key: &kp.public,
        message: b"content",
        signature: &sig,
    };
    assert!(labeled::verify_batch_with_label(&cs, b"LeafNodeTBS", &[item]).is_ok());
    let err = labeled::verify_batch_with_label(&cs, b"KeyPackageTBS", &[item]).unwrap_err();
    assert_eq!(err.index, 0);
}

#[test]
fn labeled_encrypt_with_label() {
    let cs = suite_1();
    let kp = cs.hpke_generate_key_pair(&mut TestRng::new(7)).unwrap();
    let ct = labeled::encrypt_with_label(
        &cs,
        &kp.public,
        b"Welcome",
        b"ctx",
        b"pt",
        &mut TestRng::new(0),
    )
    .unwrap();
    // EncryptContext: "MLS 1.0 Welcome" and "ctx", each with its length.
    let info = [&[15u8][..], b"MLS 1.0 Welcome", &[3], b"ctx"].concat();
    assert_eq!(
        cs.hpke_open(&kp.private, &kp.public, &info, b"", &ct)
            .unwrap(),
        b"pt"
    );
}

#[test]
fn labeled_encrypt_with_label_batch() {
    let cs = suite_1();
    let kp = cs.hpke_generate_key_pair(&mut TestRng::new(7)).unwrap();
    let out = labeled::encrypt_with_label_batch(
        &cs,
        b"label",
        b"ctx",
        &[(&kp.public, &b"secret"[..])],
        &mut TestRng::new(0),
    )
    .unwrap();
    let pt = labeled::decrypt_with_label(&cs, &kp.private, &kp.public, b"label", b"ctx", &out[0])
        .unwrap();
    assert_eq!(pt, b"secret");
}
