//! What the trait's defaults, `CipherSuiteProviderExt` and the labeled
//! primitives ask of a provider, observed on a transparent provider that
//! records every call: the batch defaults are loops over the required
//! one-message operations (in order, stopping at the first failure), each
//! single-message form is exactly one call of its parts operation, and the
//! labeled operations hand over the RFC 9420 encodings as parts.

use std::sync::Mutex;

use mls_crypto::{
    batch, labeled, BatchVerifyError, CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt,
    Error, HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, Rng, Secret, SignatureItem,
    SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
};

/// A provider whose "hash" and "signature" are the concatenation of the
/// parts, whose HPKE ciphertext is one random byte plus `info || pt`, and
/// whose AEAD tag is the key repeated: insecure by design, so that every
/// output shows its inputs. Records `(operation, number of parts)`.
#[derive(Default)]
struct Transparent {
    calls: Mutex<Vec<(&'static str, usize)>>,
}

impl Transparent {
    fn record(&self, op: &'static str, parts: usize) {
        self.calls.lock().unwrap().push((op, parts));
    }

    fn take(&self) -> Vec<(&'static str, usize)> {
        core::mem::take(&mut *self.calls.lock().unwrap())
    }
}

const UNUSED: Error = Error::UnsupportedCipherSuite(0);

impl CipherSuiteProvider for Transparent {
    type SigningKey = Vec<u8>;
    type VerifyingKey = SignaturePublicKey;

    fn cipher_suite(&self) -> CipherSuite {
        CipherSuite(0xff00)
    }
    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.record("hash_parts", parts.len());
        parts.concat()
    }
    fn hash_len(&self) -> usize {
        32
    }
    fn mac(&self, _key: &[u8], _data: &[u8]) -> Result<Vec<u8>, Error> {
        Err(UNUSED)
    }
    fn kdf_extract(&self, _salt: &[u8], _ikm: &[u8]) -> Result<Secret, Error> {
        Err(UNUSED)
    }
    fn kdf_expand(&self, _prk: &[u8], _info: &[u8], _len: usize) -> Result<Secret, Error> {
        Err(UNUSED)
    }
    fn kdf_extract_len(&self) -> usize {
        32
    }
    fn aead_key_len(&self) -> usize {
        4
    }
    fn aead_nonce_len(&self) -> usize {
        12
    }
    fn aead_seal_in_place(
        &self,
        key: &[u8],
        _nonce: &[u8],
        _aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.record("aead_seal_in_place", 1);
        if key.len() != 4 {
            return Err(Error::InvalidAeadKeyOrNonce);
        }
        buffer.extend_from_slice(&key.repeat(4));
        Ok(())
    }
    fn aead_open(&self, _k: &[u8], _n: &[u8], _aad: &[u8], _ct: &[u8]) -> Result<Vec<u8>, Error> {
        Err(UNUSED)
    }
    fn hpke_seal_parts(
        &self,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        _aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error> {
        self.record("hpke_seal_parts", info_parts.len());
        let mut enc = [0u8];
        rng.fill_bytes(&mut enc)?;
        if public_key.0.is_empty() {
            return Err(Error::InvalidPublicKey);
        }
        Ok(HpkeCiphertext {
            kem_output: enc.to_vec(),
            ciphertext: [&info_parts.concat(), plaintext].concat(),
        })
    }
    fn hpke_open_parts(
        &self,
        _sk: &HpkePrivateKey,
        _pk: &HpkePublicKey,
        info_parts: &[&[u8]],
        _aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error> {
        self.record("hpke_open_parts", info_parts.len());
        let info = info_parts.concat();
        match ciphertext.ciphertext.strip_prefix(info.as_slice()) {
            Some(pt) => Ok(pt.to_vec()),
            None => Err(Error::HpkeOpenFailed),
        }
    }
    fn hpke_export_sender(
        &self,
        _pk: &HpkePublicKey,
        _info: &[u8],
        _ctx: &[u8],
        _len: usize,
        _rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, Secret), Error> {
        Err(UNUSED)
    }
    fn hpke_export_receiver(
        &self,
        _enc: &[u8],
        _sk: &HpkePrivateKey,
        _pk: &HpkePublicKey,
        _info: &[u8],
        _ctx: &[u8],
        _len: usize,
    ) -> Result<Secret, Error> {
        Err(UNUSED)
    }
    fn hpke_derive_key_pair(&self, _ikm: &[u8]) -> Result<HpkeKeyPair, Error> {
        Err(UNUSED)
    }
    fn hpke_generate_key_pair(&self, _rng: &mut dyn Rng) -> Result<HpkeKeyPair, Error> {
        Err(UNUSED)
    }
    fn hpke_validate_public_key(&self, _pk: &HpkePublicKey) -> Result<(), Error> {
        Err(UNUSED)
    }
    fn hpke_public_key(&self, _sk: &HpkePrivateKey) -> Result<HpkePublicKey, Error> {
        Err(UNUSED)
    }
    fn signature_generate(&self, _rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error> {
        Err(UNUSED)
    }
    fn signing_key(&self, sk: &SignaturePrivateKey) -> Result<Vec<u8>, Error> {
        Ok(sk.as_bytes().to_vec())
    }
    fn signing_public_key(&self, key: &Vec<u8>) -> SignaturePublicKey {
        SignaturePublicKey(key.clone())
    }
    fn sign_parts(&self, _key: &Vec<u8>, parts: &[&[u8]]) -> Result<Vec<u8>, Error> {
        self.record("sign_parts", parts.len());
        Ok(parts.concat())
    }
    fn verify_parts(
        &self,
        public_key: &SignaturePublicKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.record("verify_parts", parts.len());
        if public_key.0.is_empty() {
            Err(Error::InvalidPublicKey)
        } else if signature == parts.concat() {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }
    fn verifying_key(&self, public_key: &SignaturePublicKey) -> Result<SignaturePublicKey, Error> {
        Ok(public_key.clone())
    }
    fn verify_prepared(
        &self,
        key: &SignaturePublicKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.verify_parts(key, parts, signature)
    }
    fn signature_validate_public_key(&self, _pk: &SignaturePublicKey) -> Result<(), Error> {
        Err(UNUSED)
    }
}

/// Yields 1, 2, 3, ... A test double, not a stand-in for
/// `mls_test_support::TestRng`: with `Transparent`, whose KEM output is the
/// randomness it draws, these tests read the order of the draws off the
/// bytes.
struct Counter(u8);

impl Rng for Counter {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        for b in dest {
            self.0 += 1;
            *b = self.0;
        }
        Ok(())
    }
}

#[test]
fn default_verify_batch_verifies_in_order_and_stops_at_the_first_failure() {
    let p = Transparent::default();
    let (pk, no_pk) = (SignaturePublicKey(vec![1]), SignaturePublicKey(vec![]));
    let item = |public_key, message, signature| SignatureItem {
        public_key,
        message,
        signature,
    };
    let good = [item(&pk, b"a", b"a"), item(&pk, b"bc", b"bc")];
    assert_eq!(p.verify_batch(&good), Ok(()));
    assert_eq!(p.take(), [("verify_parts", 1), ("verify_parts", 1)]);

    let bad = [
        item(&pk, b"a", b"a"),
        item(&pk, b"b", b"x"),
        item(&no_pk, b"c", b"c"),
    ];
    let want = Err(BatchVerifyError {
        index: 1,
        error: Error::InvalidSignature,
    });
    assert_eq!(p.verify_batch(&bad), want);
    assert_eq!(p.take(), [("verify_parts", 1), ("verify_parts", 1)]);
    assert_eq!(batch::verify_each(&p, &bad), want);
    assert_eq!(
        p.verify_batch(&bad[2..]),
        Err(BatchVerifyError {
            index: 0,
            error: Error::InvalidPublicKey
        })
    );
    p.take();
    assert_eq!(p.verify_batch(&[]), Ok(()));
    assert!(p.take().is_empty());
}

#[test]
fn default_hpke_seal_batch_parts_seals_in_order_drawing_randomness_in_order() {
    let p = Transparent::default();
    let (a, b) = (HpkePublicKey(vec![1]), HpkePublicKey(vec![2]));
    let items = [(&a, &b"x"[..]), (&b, &b"y"[..]), (&a, &b"z"[..])];
    let out = p
        .hpke_seal_batch_parts(&[b"in", b"fo"], b"", &items, &mut Counter(0))
        .unwrap();
    assert_eq!(p.take(), [("hpke_seal_parts", 2); 3]);
    let got: Vec<(Vec<u8>, Vec<u8>)> = out
        .into_iter()
        .map(|c| (c.kem_output, c.ciphertext))
        .collect();
    assert_eq!(
        got,
        [
            (vec![1], b"infox".to_vec()),
            (vec![2], b"infoy".to_vec()),
            (vec![3], b"infoz".to_vec()),
        ]
    );
    // The single-message form and the reference loop give the same.
    let via_ext = p
        .hpke_seal_batch(b"info", b"", &items, &mut Counter(0))
        .unwrap();
    assert_eq!(p.take(), [("hpke_seal_parts", 1); 3]);
    assert_eq!(
        via_ext,
        batch::seal_each(&p, b"info", b"", &items, &mut Counter(0)).unwrap()
    );
    p.take();

    // The first failure ends the batch; later items are not sealed.
    let none = HpkePublicKey(vec![]);
    let failing = [(&a, &b"x"[..]), (&none, &b"y"[..]), (&a, &b"z"[..])];
    assert_eq!(
        p.hpke_seal_batch_parts(&[b"info"], b"", &failing, &mut Counter(0)),
        Err(Error::InvalidPublicKey)
    );
    assert_eq!(p.take(), [("hpke_seal_parts", 1); 2]);
}

#[test]
fn single_message_forms_are_one_call_of_the_parts_operation() {
    let p = Transparent::default();
    assert_eq!(p.hash(b"abc"), b"abc");
    assert_eq!(p.take(), [("hash_parts", 1)]);

    let key = p
        .signing_key(&SignaturePrivateKey::from_bytes(vec![7]))
        .unwrap();
    let pk = p.signing_public_key(&key);
    let sig = p.sign(&key, b"msg").unwrap();
    assert_eq!(sig, b"msg");
    assert_eq!(p.verify(&pk, b"msg", &sig), Ok(()));
    assert_eq!(p.verify(&pk, b"other", &sig), Err(Error::InvalidSignature));
    assert_eq!(
        p.take(),
        [("sign_parts", 1), ("verify_parts", 1), ("verify_parts", 1)]
    );

    let hpk = HpkePublicKey(vec![1]);
    let ct = p
        .hpke_seal(&hpk, b"info", b"", b"pt", &mut Counter(4))
        .unwrap();
    assert_eq!(
        (ct.kem_output.as_slice(), ct.ciphertext.as_slice()),
        (&[5u8][..], &b"infopt"[..])
    );
    let sk = HpkePrivateKey::from_bytes(vec![]);
    assert_eq!(p.hpke_open(&sk, &hpk, b"info", b"", &ct).unwrap(), b"pt");
    assert_eq!(
        p.hpke_open(&sk, &hpk, b"infx", b"", &ct),
        Err(Error::HpkeOpenFailed)
    );
    assert_eq!(
        p.take(),
        [
            ("hpke_seal_parts", 1),
            ("hpke_open_parts", 1),
            ("hpke_open_parts", 1)
        ]
    );

    let sealed = p.aead_seal(&[1, 2, 3, 4], &[0; 12], b"", b"pt").unwrap();
    assert_eq!(sealed, [&b"pt"[..], &[1, 2, 3, 4].repeat(4)].concat());
    assert_eq!(
        p.aead_seal(&[1], &[0; 12], b"", b"pt"),
        Err(Error::InvalidAeadKeyOrNonce)
    );
    assert_eq!(p.take(), [("aead_seal_in_place", 1); 2]);

    let s = p.random_secret(3, &mut Counter(0)).unwrap();
    assert_eq!(s.as_bytes(), [1, 2, 3]);
    assert!(p.take().is_empty());
}

#[test]
fn labeled_operations_pass_the_rfc_encodings_as_parts() {
    let p = Transparent::default();
    // RefHashInput: label<V> then value<V>, the value as its own part.
    let value = vec![0xab; 70];
    let mut want = vec![26];
    want.extend_from_slice(b"MLS 1.0 Proposal Reference");
    want.extend_from_slice(&[0x40, 70]);
    want.extend_from_slice(&value);
    assert_eq!(labeled::proposal_ref(&p, &value).unwrap(), want);
    assert_eq!(p.take(), [("hash_parts", 2)]);

    // SignWithLabel signs SignContent, given as head and content.
    let key = vec![1];
    let sig = labeled::sign_with_label(&p, &key, b"LeafNodeTBS", b"tbs").unwrap();
    assert_eq!(sig, labeled::sign_content(b"LeafNodeTBS", b"tbs").unwrap());
    let pk = SignaturePublicKey(key.clone());
    assert_eq!(
        labeled::verify_with_label(&p, &pk, b"LeafNodeTBS", b"tbs", &sig),
        Ok(())
    );
    assert_eq!(
        labeled::verify_with_label(&p, &pk, b"GroupInfoTBS", b"tbs", &sig),
        Err(Error::InvalidSignature)
    );
    assert_eq!(
        p.take(),
        [("sign_parts", 2), ("verify_parts", 2), ("verify_parts", 2)]
    );

    // EncryptWithLabel's EncryptContext, given as head and context.
    let hpk = HpkePublicKey(vec![1]);
    let ct =
        labeled::encrypt_with_label(&p, &hpk, b"Welcome", b"ctx", b"pt", &mut Counter(0)).unwrap();
    let info = [&[15u8][..], b"MLS 1.0 Welcome", &[3], b"ctx"].concat();
    assert_eq!(ct.ciphertext, [&info[..], b"pt"].concat());
    let out = labeled::encrypt_with_label_batch(
        &p,
        b"Welcome",
        b"ctx",
        &[(&hpk, &b"pt"[..])],
        &mut Counter(0),
    )
    .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0], ct);
    let sk = HpkePrivateKey::from_bytes(vec![]);
    assert_eq!(
        labeled::decrypt_with_label(&p, &sk, &hpk, b"Welcome", b"ctx", &ct).unwrap(),
        b"pt"
    );
    assert_eq!(
        p.take(),
        [
            ("hpke_seal_parts", 2),
            ("hpke_seal_parts", 2),
            ("hpke_open_parts", 2)
        ]
    );
}
