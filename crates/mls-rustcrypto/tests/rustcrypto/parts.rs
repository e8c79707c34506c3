//! The scatter/gather operations (`sign_parts`, `verify_parts`,
//! `hash_parts`, `hpke_*_parts`, `aead_seal_in_place`) give exactly what the
//! one-piece operations give on the concatenation, for every split of the
//! message; signatures are byte-identical to those of the signature crates'
//! one-message APIs; Ed25519 keeps `verify_strict`'s acceptance rules; and
//! the trait's default implementations (used by other providers) agree.

use crate::common;

use common::suites;
use mls_crypto::{
    labeled, BatchVerifyError, CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, Error,
    HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, Rng, Secret, SignatureItem,
    SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
};
use mls_rustcrypto::RustCryptoSuite;
use mls_test_support::TestRng;

/// A random split of `msg` into parts, empty parts included.
fn split<'a>(msg: &'a [u8], rng: &mut TestRng) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = msg;
    loop {
        let r = rng.bytes(2);
        if r[0].is_multiple_of(5) {
            parts.push(&rest[..0]);
        }
        if rest.is_empty() || r[0].is_multiple_of(7) {
            parts.push(rest);
            return parts;
        }
        let cut = usize::from(r[1]) % (rest.len() + 1);
        let (a, b) = rest.split_at(cut);
        parts.push(a);
        rest = b;
    }
}

/// Message lengths around hash block boundaries, and a large one.
const LENGTHS: [usize; 12] = [0, 1, 31, 63, 64, 65, 111, 127, 128, 129, 1000, 70_000];

#[test]
fn hash_parts_is_hash_of_the_concatenation() {
    let mut rng = TestRng::new(1);
    for s in suites() {
        for len in LENGTHS {
            let msg = rng.bytes(len);
            for _ in 0..4 {
                let parts = split(&msg, &mut rng);
                assert!(s.hash_parts(&parts) == s.hash(&msg), "len {len}");
            }
        }
        assert_eq!(s.hash_parts(&[]), s.hash(b""));
    }
}

#[test]
fn sign_parts_is_sign_of_the_concatenation_byte_for_byte() {
    let mut rng = TestRng::new(2);
    for s in suites() {
        let kp = s.signature_generate(&mut rng).unwrap();
        let key = s.signing_key(&kp.private).unwrap();
        for len in LENGTHS {
            let msg = rng.bytes(len);
            // Every scheme of the RFC suites signs deterministically
            // (EdDSA, and ECDSA with RFC 6979 nonces).
            let whole = s.sign(&key, &msg).unwrap();
            assert!(
                whole == reference_signature(s.cipher_suite(), &kp.private, &msg),
                "suite {} len {len}: sign differs from the crate's one-message API",
                s.cipher_suite()
            );
            for _ in 0..6 {
                let parts = split(&msg, &mut rng);
                let sig = s.sign_parts(&key, &parts).unwrap();
                assert!(sig == whole, "suite {} len {len}", s.cipher_suite());
                s.verify_parts(&kp.public, &parts, &whole).unwrap();
                s.verify(&kp.public, &msg, &sig).unwrap();
                let other = split(&msg, &mut rng);
                s.verify_parts(&kp.public, &other, &sig).unwrap();
            }
            // A changed byte in any part, or a byte moved across parts'
            // ends that changes the message, fails.
            if !msg.is_empty() {
                let mut bad = msg.clone();
                let i = usize::from(rng.bytes(1)[0]) % bad.len();
                bad[i] ^= 0x20;
                let parts = split(&bad, &mut rng);
                assert_eq!(
                    s.verify_parts(&kp.public, &parts, &whole),
                    Err(Error::InvalidSignature)
                );
                assert_eq!(
                    s.verify_parts(&kp.public, &[&msg[1..]], &whole),
                    Err(Error::InvalidSignature)
                );
            }
        }
        let other = s.signature_generate(&mut rng).unwrap();
        let sig = s.sign_parts(&key, &[b"a", b"b"]).unwrap();
        assert_eq!(
            s.verify_parts(&other.public, &[b"ab"], &sig),
            Err(Error::InvalidSignature)
        );
        assert_eq!(
            s.verify_parts(&SignaturePublicKey(vec![1, 2, 3]), &[b"ab"], &sig),
            Err(Error::InvalidPublicKey)
        );
    }
}

/// The signature the scheme's crate gives for `msg` through its
/// one-message API, from the serialized private key.
fn reference_signature(cs: CipherSuite, sk: &SignaturePrivateKey, msg: &[u8]) -> Vec<u8> {
    match cs.0 {
        #[cfg(any(feature = "suite-1", feature = "suite-3"))]
        1 | 3 => {
            use ed25519_dalek::Signer;
            let seed: [u8; 32] = sk.as_bytes().try_into().unwrap();
            ed25519_dalek::SigningKey::from_bytes(&seed)
                .sign(msg)
                .to_bytes()
                .to_vec()
        }
        #[cfg(any(feature = "suite-4", feature = "suite-6"))]
        4 | 6 => ed448_goldilocks_plus::SigningKey::try_from(sk.as_bytes())
            .unwrap()
            .sign_raw(msg)
            .to_bytes()
            .to_vec(),
        #[cfg(feature = "suite-2")]
        2 => {
            use p256::ecdsa::signature::Signer;
            let key = p256::ecdsa::SigningKey::from_slice(sk.as_bytes()).unwrap();
            let sig: p256::ecdsa::DerSignature = key.sign(msg);
            sig.as_bytes().to_vec()
        }
        #[cfg(feature = "suite-7")]
        7 => {
            use p384::ecdsa::signature::Signer;
            let key = p384::ecdsa::SigningKey::from_slice(sk.as_bytes()).unwrap();
            let sig: p384::ecdsa::DerSignature = key.sign(msg);
            sig.as_bytes().to_vec()
        }
        #[cfg(feature = "suite-5")]
        5 => {
            use p521::ecdsa::signature::Signer;
            let key = p521::ecdsa::SigningKey::from_slice(sk.as_bytes()).unwrap();
            let sig: p521::ecdsa::DerSignature = key.sign(msg);
            sig.as_bytes().to_vec()
        }
        other => panic!("no reference for suite {other}"),
    }
}

#[test]
fn ecdsa_signatures_verify_across_one_piece_and_parts() {
    let mut rng = TestRng::new(3);
    for s in suites() {
        let kp = s.signature_generate(&mut rng).unwrap();
        let key = s.signing_key(&kp.private).unwrap();
        for len in [0usize, 5, 200, 5000] {
            let msg = rng.bytes(len);
            let parts = split(&msg, &mut rng);
            let one = s.sign(&key, &msg).unwrap();
            let many = s.sign_parts(&key, &parts).unwrap();
            s.verify(&kp.public, &msg, &many).unwrap();
            s.verify_parts(&kp.public, &parts, &one).unwrap();
            s.verify_parts(&kp.public, &split(&msg, &mut rng), &many)
                .unwrap();
        }
    }
}

#[test]
fn labeled_signatures_are_over_sign_content() {
    let mut rng = TestRng::new(4);
    for s in suites() {
        let kp = s.signature_generate(&mut rng).unwrap();
        let key = s.signing_key(&kp.private).unwrap();
        for len in [0usize, 10, 300, 20_000] {
            let content = rng.bytes(len);
            let sig = labeled::sign_with_label(&s, &key, b"GroupInfoTBS", &content).unwrap();
            let sc = labeled::sign_content(b"GroupInfoTBS", &content).unwrap();
            assert!(sig == s.sign(&key, &sc).unwrap());
            labeled::verify_with_label(&s, &kp.public, b"GroupInfoTBS", &content, &sig).unwrap();
            s.verify(&kp.public, &sc, &sig).unwrap();
            assert_eq!(
                labeled::verify_with_label(&s, &kp.public, b"GroupInfoTBT", &content, &sig),
                Err(Error::InvalidSignature)
            );
        }
    }
}

#[test]
fn hpke_parts_equal_one_piece_info() {
    let mut rng = TestRng::new(5);
    for s in suites() {
        let kps: Vec<HpkeKeyPair> = (0..3)
            .map(|_| s.hpke_generate_key_pair(&mut rng).unwrap())
            .collect();
        for len in [0usize, 1, 64, 100_000] {
            let info = rng.bytes(len);
            let parts = split(&info, &mut rng);
            let seed = rng.bytes(1)[0].into();
            let a = s
                .hpke_seal_parts(
                    &kps[0].public,
                    &parts,
                    b"aad",
                    b"pt",
                    &mut TestRng::new(seed),
                )
                .unwrap();
            let b = s
                .hpke_seal(
                    &kps[0].public,
                    &info,
                    b"aad",
                    b"pt",
                    &mut TestRng::new(seed),
                )
                .unwrap();
            assert!(a == b);
            let pt = s
                .hpke_open_parts(&kps[0].private, &kps[0].public, &parts, b"aad", &a)
                .unwrap();
            assert_eq!(pt, b"pt");
            let other = split(&info, &mut rng);
            let pt = s
                .hpke_open_parts(&kps[0].private, &kps[0].public, &other, b"aad", &b)
                .unwrap();
            assert_eq!(pt, b"pt");
            let mut wrong = info.clone();
            wrong.push(0);
            assert_eq!(
                s.hpke_open_parts(&kps[0].private, &kps[0].public, &[&wrong], b"aad", &a),
                Err(Error::HpkeOpenFailed)
            );

            let items: Vec<(&HpkePublicKey, &[u8])> =
                kps.iter().map(|kp| (&kp.public, &b"secret"[..])).collect();
            let batch = s
                .hpke_seal_batch_parts(&parts, b"", &items, &mut TestRng::new(seed))
                .unwrap();
            let mut r = TestRng::new(seed);
            let each: Vec<HpkeCiphertext> = items
                .iter()
                .map(|(pk, pt)| s.hpke_seal(pk, &info, b"", pt, &mut r).unwrap())
                .collect();
            assert!(batch == each);
            assert!(
                s.hpke_seal_batch(&info, b"", &items, &mut TestRng::new(seed))
                    .unwrap()
                    == each
            );
        }
    }
}

#[test]
fn aead_seal_in_place_equals_aead_seal() {
    let mut rng = TestRng::new(6);
    for s in suites() {
        let key = rng.bytes(s.aead_key_len());
        let nonce = rng.bytes(s.aead_nonce_len());
        for len in [0usize, 1, 16, 17, 5000] {
            let pt = rng.bytes(len);
            let mut buffer = pt.clone();
            s.aead_seal_in_place(&key, &nonce, b"aad", &mut buffer)
                .unwrap();
            assert!(buffer == s.aead_seal(&key, &nonce, b"aad", &pt).unwrap());
            assert!(s.aead_open(&key, &nonce, b"aad", &buffer).unwrap() == pt);
        }
        let mut buffer = b"unchanged".to_vec();
        assert_eq!(
            s.aead_seal_in_place(&key[1..], &nonce, b"", &mut buffer),
            Err(Error::InvalidAeadKeyOrNonce)
        );
        assert_eq!(buffer, b"unchanged");
    }
}

/// Ed25519: whatever the split, `verify` and `verify_parts` accept exactly
/// what `ed25519_dalek`'s `verify_strict` accepts (given a key that
/// decodes and is not of small order, which both reject as
/// `InvalidPublicKey`).
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
mod ed25519_strict {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    use mls_crypto::CryptoProvider;
    use mls_rustcrypto::RustCrypto;
    use sha2::{Digest, Sha512};

    fn suite() -> RustCryptoSuite {
        RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap()
    }

    fn scalar(rng: &mut TestRng) -> Scalar {
        let b: [u8; 64] = rng.bytes(64).try_into().unwrap();
        Scalar::from_bytes_mod_order_wide(&b)
    }

    fn k(r: &[u8; 32], a: &[u8; 32], m: &[u8]) -> Scalar {
        let h: [u8; 64] = Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(m)
            .finalize()
            .into();
        Scalar::from_bytes_mod_order_wide(&h)
    }

    /// Our answer equals `verify_strict`'s, for the message whole and split.
    fn agrees(pk: &[u8; 32], msg: &[u8], sig: &[u8; 64], rng: &mut TestRng) -> bool {
        let cs = suite();
        let key = SignaturePublicKey(pk.to_vec());
        let ours = cs.verify(&key, msg, sig);
        let strict = match ed25519_dalek::VerifyingKey::from_bytes(pk) {
            Err(_) => Err(Error::InvalidPublicKey),
            Ok(vk) if vk.is_weak() => Err(Error::InvalidPublicKey),
            Ok(vk) => vk
                .verify_strict(msg, &ed25519_dalek::Signature::from_bytes(sig))
                .map_err(|_| Error::InvalidSignature),
        };
        assert_eq!(ours, strict, "verify vs verify_strict");
        for _ in 0..3 {
            let parts = split(msg, rng);
            assert_eq!(cs.verify_parts(&key, &parts, sig), strict, "verify_parts");
        }
        strict.is_ok()
    }

    fn sig(r: [u8; 32], s: [u8; 32]) -> [u8; 64] {
        [r, s].concat().try_into().unwrap()
    }

    #[test]
    fn honest_signatures_are_accepted() {
        let mut rng = TestRng::new(20);
        let cs = suite();
        for len in LENGTHS {
            let kp: SignatureKeyPair = cs.signature_generate(&mut rng).unwrap();
            let key = cs.signing_key(&kp.private).unwrap();
            let msg = rng.bytes(len);
            let s: [u8; 64] = cs.sign(&key, &msg).unwrap().try_into().unwrap();
            let pk: [u8; 32] = kp.public.0.as_slice().try_into().unwrap();
            assert!(agrees(&pk, &msg, &s, &mut rng));
        }
    }

    #[test]
    fn small_order_keys_and_r_are_rejected() {
        let mut rng = TestRng::new(21);
        let msg = rng.bytes(40);
        for t in EIGHT_TORSION {
            // Key of small order: S = r satisfies the equation up to torsion.
            let a = t.compress().to_bytes();
            let r = scalar(&mut rng);
            let r_enc = EdwardsPoint::mul_base(&r).compress().to_bytes();
            assert!(!agrees(&a, &msg, &sig(r_enc, r.to_bytes()), &mut rng));
            // R of small order: S = k·a satisfies [S]B = R + [k]A up to torsion.
            let a = scalar(&mut rng);
            let a_enc = EdwardsPoint::mul_base(&a).compress().to_bytes();
            let r_enc = t.compress().to_bytes();
            let s = k(&r_enc, &a_enc, &msg) * a;
            assert!(!agrees(&a_enc, &msg, &sig(r_enc, s.to_bytes()), &mut rng));
        }
    }

    #[test]
    fn torsion_in_r_and_non_canonical_s_are_rejected() {
        let mut rng = TestRng::new(22);
        let ell: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        for t in EIGHT_TORSION {
            let a = scalar(&mut rng);
            let a_enc = EdwardsPoint::mul_base(&a).compress().to_bytes();
            let msg = rng.bytes(33);
            let r = scalar(&mut rng);
            // R = [r]B + T: valid under the cofactored equation only.
            let r_enc = (EdwardsPoint::mul_base(&r) + t).compress().to_bytes();
            let s = r + k(&r_enc, &a_enc, &msg) * a;
            let torsion_free = t == EdwardsPoint::default();
            assert_eq!(
                agrees(&a_enc, &msg, &sig(r_enc, s.to_bytes()), &mut rng),
                torsion_free
            );
            // S + ℓ: the same scalar, not reduced.
            let mut big = [0u8; 32];
            let mut carry = 0u16;
            for (i, b) in big.iter_mut().enumerate() {
                let x = u16::from(s.to_bytes()[i]) + u16::from(ell[i]) + carry;
                *b = x as u8;
                carry = x >> 8;
            }
            assert!(!agrees(&a_enc, &msg, &sig(r_enc, big), &mut rng));
        }
    }

    #[test]
    fn non_canonical_and_garbage_encodings_agree() {
        let mut rng = TestRng::new(23);
        let cs = suite();
        let kp = cs.signature_generate(&mut rng).unwrap();
        let key = cs.signing_key(&kp.private).unwrap();
        let pk: [u8; 32] = kp.public.0.as_slice().try_into().unwrap();
        let msg = rng.bytes(50);
        let good: [u8; 64] = cs.sign(&key, &msg).unwrap().try_into().unwrap();
        // R with y = p + j (both sign bits) and "-0".
        for j in 0u8..19 {
            for top in [0x7f, 0xff] {
                let mut r = [0xffu8; 32];
                r[0] = 0xed + j;
                r[31] = top;
                let mut s = good;
                s[..32].copy_from_slice(&r);
                assert!(!agrees(&pk, &msg, &s, &mut rng));
            }
        }
        // Random signatures and random keys.
        for _ in 0..200 {
            let s: [u8; 64] = rng.bytes(64).try_into().unwrap();
            let k: [u8; 32] = rng.bytes(32).try_into().unwrap();
            assert!(!agrees(&pk, &msg, &s, &mut rng));
            assert!(!agrees(&k, &msg, &good, &mut rng));
        }
        // Each bit of a valid signature flipped.
        for i in 0..512 {
            let mut s = good;
            s[i / 8] ^= 1 << (i % 8);
            assert!(!agrees(&pk, &msg, &s, &mut rng));
        }
    }
}

/// A provider with only the required methods: the batch operations take
/// the trait's default (one-by-one) implementations, and the
/// single-message forms come from `CipherSuiteProviderExt`.
struct Defaults(RustCryptoSuite);

impl CipherSuiteProvider for Defaults {
    type SigningKey = <RustCryptoSuite as CipherSuiteProvider>::SigningKey;
    type VerifyingKey = <RustCryptoSuite as CipherSuiteProvider>::VerifyingKey;

    fn cipher_suite(&self) -> CipherSuite {
        self.0.cipher_suite()
    }
    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.0.hash_parts(parts)
    }
    fn hash_len(&self) -> usize {
        self.0.hash_len()
    }
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
        self.0.mac(key, data)
    }
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, Error> {
        self.0.kdf_extract(salt, ikm)
    }
    fn kdf_expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, Error> {
        self.0.kdf_expand(prk, info, len)
    }
    fn kdf_extract_len(&self) -> usize {
        self.0.kdf_extract_len()
    }
    fn aead_key_len(&self) -> usize {
        self.0.aead_key_len()
    }
    fn aead_nonce_len(&self) -> usize {
        self.0.aead_nonce_len()
    }
    fn aead_seal_in_place(
        &self,
        k: &[u8],
        n: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.0.aead_seal_in_place(k, n, aad, buffer)
    }
    fn aead_open(&self, k: &[u8], n: &[u8], aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, Error> {
        self.0.aead_open(k, n, aad, ct)
    }
    fn hpke_seal_parts(
        &self,
        pk: &HpkePublicKey,
        info: &[&[u8]],
        aad: &[u8],
        pt: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error> {
        self.0.hpke_seal_parts(pk, info, aad, pt, rng)
    }
    fn hpke_open_parts(
        &self,
        sk: &HpkePrivateKey,
        pk: &HpkePublicKey,
        info: &[&[u8]],
        aad: &[u8],
        ct: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error> {
        self.0.hpke_open_parts(sk, pk, info, aad, ct)
    }
    fn hpke_export_sender(
        &self,
        pk: &HpkePublicKey,
        info: &[u8],
        ctx: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, Secret), Error> {
        self.0.hpke_export_sender(pk, info, ctx, len, rng)
    }
    fn hpke_export_receiver(
        &self,
        enc: &[u8],
        sk: &HpkePrivateKey,
        pk: &HpkePublicKey,
        info: &[u8],
        ctx: &[u8],
        len: usize,
    ) -> Result<Secret, Error> {
        self.0.hpke_export_receiver(enc, sk, pk, info, ctx, len)
    }
    fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, Error> {
        self.0.hpke_derive_key_pair(ikm)
    }
    fn hpke_generate_key_pair(&self, rng: &mut dyn Rng) -> Result<HpkeKeyPair, Error> {
        self.0.hpke_generate_key_pair(rng)
    }
    fn hpke_validate_public_key(&self, pk: &HpkePublicKey) -> Result<(), Error> {
        self.0.hpke_validate_public_key(pk)
    }
    fn hpke_public_key(&self, sk: &HpkePrivateKey) -> Result<HpkePublicKey, Error> {
        self.0.hpke_public_key(sk)
    }
    fn signature_generate(&self, rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error> {
        self.0.signature_generate(rng)
    }
    fn signing_key(&self, sk: &SignaturePrivateKey) -> Result<Self::SigningKey, Error> {
        self.0.signing_key(sk)
    }
    fn signing_public_key(&self, key: &Self::SigningKey) -> SignaturePublicKey {
        self.0.signing_public_key(key)
    }
    fn sign_parts(&self, key: &Self::SigningKey, parts: &[&[u8]]) -> Result<Vec<u8>, Error> {
        self.0.sign_parts(key, parts)
    }
    fn verify_parts(
        &self,
        pk: &SignaturePublicKey,
        parts: &[&[u8]],
        sig: &[u8],
    ) -> Result<(), Error> {
        self.0.verify_parts(pk, parts, sig)
    }
    fn verifying_key(&self, pk: &SignaturePublicKey) -> Result<Self::VerifyingKey, Error> {
        self.0.verifying_key(pk)
    }
    fn verify_prepared(
        &self,
        key: &Self::VerifyingKey,
        parts: &[&[u8]],
        sig: &[u8],
    ) -> Result<(), Error> {
        self.0.verify_prepared(key, parts, sig)
    }
    fn signature_validate_public_key(&self, pk: &SignaturePublicKey) -> Result<(), Error> {
        self.0.signature_validate_public_key(pk)
    }
}

#[test]
fn default_batch_operations_agree_with_the_overrides() {
    let mut rng = TestRng::new(7);
    for s in suites() {
        let d = Defaults(s.clone());
        let msg = rng.bytes(3000);
        let parts = split(&msg, &mut rng);

        // hpke_seal_batch_parts: the default (one seal after another) and
        // RustCrypto's (randomness drawn up front, one key schedule
        // context, batched encapsulation) give the same bytes, so they
        // draw the same randomness in the same order.
        let hkp = s.hpke_generate_key_pair(&mut rng).unwrap();
        let other = s.hpke_generate_key_pair(&mut rng).unwrap();
        let items = [
            (&hkp.public, &b"x"[..]),
            (&other.public, &b"y"[..]),
            (&hkp.public, &msg[..]),
        ];
        let by_default = d
            .hpke_seal_batch_parts(&parts, b"aad", &items, &mut TestRng::new(9))
            .unwrap();
        assert!(
            by_default
                == s.hpke_seal_batch_parts(&parts, b"aad", &items, &mut TestRng::new(9))
                    .unwrap()
        );
        let mut seq = TestRng::new(9);
        for ((pk, pt), ct) in items.iter().zip(&by_default) {
            assert!(*ct == s.hpke_seal(pk, &msg, b"aad", pt, &mut seq).unwrap());
        }
        assert_eq!(
            d.hpke_open_parts(
                &other.private,
                &other.public,
                &parts,
                b"aad",
                &by_default[1]
            )
            .unwrap(),
            b"y"
        );
        assert!(d
            .hpke_seal_batch_parts(&parts, b"", &[], &mut mls_test_support::FailingRng)
            .unwrap()
            .is_empty());
        assert_eq!(
            d.hpke_seal_batch_parts(&parts, b"", &items, &mut mls_test_support::FailingRng),
            Err(Error::RandomFailure)
        );
        let bad = HpkePublicKey(vec![1, 2, 3]);
        let with_bad = [(&hkp.public, &b"x"[..]), (&bad, &b"y"[..])];
        assert_eq!(
            d.hpke_seal_batch_parts(&parts, b"", &with_bad, &mut TestRng::new(1)),
            s.hpke_seal_batch_parts(&parts, b"", &with_bad, &mut TestRng::new(1)),
        );
        let ct = labeled::encrypt_with_label(&d, &hkp.public, b"Welcome", &msg, b"gs", &mut rng)
            .unwrap();
        let pt = labeled::decrypt_with_label(&s, &hkp.private, &hkp.public, b"Welcome", &msg, &ct)
            .unwrap();
        assert_eq!(pt, b"gs");

        // verify_batch: the default (one by one) and RustCrypto's (Ed25519
        // in batches) accept and reject alike, naming the same item.
        let kp = s.signature_generate(&mut rng).unwrap();
        let key = s.signing_key(&kp.private).unwrap();
        let sigs: Vec<Vec<u8>> = (0..5u8).map(|i| s.sign(&key, &[i; 40]).unwrap()).collect();
        let msgs: Vec<[u8; 40]> = (0..5u8).map(|i| [i; 40]).collect();
        let mut batch: Vec<SignatureItem<'_>> = msgs
            .iter()
            .zip(&sigs)
            .map(|(m, sig)| SignatureItem {
                public_key: &kp.public,
                message: m,
                signature: sig,
            })
            .collect();
        assert_eq!(d.verify_batch(&batch), Ok(()));
        assert_eq!(s.verify_batch(&batch), Ok(()));
        assert_eq!(d.verify_batch(&[]), Ok(()));
        batch[3].message = b"changed";
        batch[4].signature = &sigs[0];
        let want = Err(BatchVerifyError {
            index: 3,
            error: Error::InvalidSignature,
        });
        assert_eq!(d.verify_batch(&batch), want);
        assert_eq!(s.verify_batch(&batch), want);

        // The single-message forms are the one-part operations.
        let sig = d.sign(&key, &msg).unwrap();
        assert!(sig == s.sign_parts(&key, &parts).unwrap());
        d.verify(&kp.public, &msg, &sig).unwrap();
        let label_sig = labeled::sign_with_label(&d, &key, b"FramedContentTBS", &msg).unwrap();
        assert!(
            label_sig == labeled::sign_with_label(&s, &key, b"FramedContentTBS", &msg).unwrap()
        );
        labeled::verify_with_label(&d, &kp.public, b"FramedContentTBS", &msg, &label_sig).unwrap();
        assert!(d.hash(&msg) == s.hash_parts(&parts));

        let k = rng.bytes(s.aead_key_len());
        let n = rng.bytes(s.aead_nonce_len());
        let mut buffer = msg.clone();
        s.aead_seal_in_place(&k, &n, b"", &mut buffer).unwrap();
        assert!(buffer == d.aead_seal(&k, &n, b"", &msg).unwrap());
        assert_eq!(
            d.aead_seal(&k[1..], &n, b"", &msg),
            Err(Error::InvalidAeadKeyOrNonce)
        );
    }
}
