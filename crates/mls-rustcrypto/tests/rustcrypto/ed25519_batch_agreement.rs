//! Issue 15, item 14: Ed25519 `verify_batch` gives the answer of one-by-one
//! verification (`verify_strict` semantics) on every input, including the
//! hostile ones that a random-linear-combination batch equation accepts:
//! keys and `R` with a torsion component, small-order keys and `R`,
//! non-canonical encodings, and pairs whose torsion components cancel.
//! The ground truth is checked three ways: the batch, `batch::verify_each`
//! (our single verification) and ed25519-dalek's own `verify_strict`.

#![cfg(feature = "suite-1")]

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use mls_crypto::{
    batch, CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, SignatureItem,
    SignaturePublicKey,
};
use mls_rustcrypto::RustCryptoSuite;
use mls_test_support::TestRng;
use sha2::{Digest, Sha512};

/// `ℓ`, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `p = 2^255 − 19`, little-endian.
const P: [u8; 32] = [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// One (key, message, signature) triple.
#[derive(Clone, Debug)]
struct Case {
    key: SignaturePublicKey,
    msg: Vec<u8>,
    sig: Vec<u8>,
}

fn scalar(rng: &mut TestRng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

fn hram(r: &[u8; 32], a: &[u8; 32], m: &[u8]) -> Scalar {
    let mut h = Sha512::new();
    h.update(r);
    h.update(a);
    h.update(m);
    Scalar::from_bytes_mod_order_wide(&h.finalize().into())
}

/// A signature by the secret `a` with nonce `r`, under the key encoded as
/// `a_enc` (whose point is `[a]B` plus some torsion) and with `R`
/// encoded as `r_enc` (`[r]B` plus some torsion): `S = r + k·a`.
fn sign_raw(a: Scalar, a_enc: [u8; 32], r: Scalar, r_enc: [u8; 32], msg: &[u8]) -> Case {
    let k = hram(&r_enc, &a_enc, msg);
    let s = r + k * a;
    let mut sig = r_enc.to_vec();
    sig.extend_from_slice(s.as_bytes());
    Case {
        key: SignaturePublicKey(a_enc.to_vec()),
        msg: msg.to_vec(),
        sig,
    }
}

/// A signature whose key is `[a]B + T[ta]` and whose `R` is
/// `[r]B + T[tr]` (`T` the eight torsion points).
fn torsion_case(rng: &mut TestRng, ta: usize, tr: usize) -> Case {
    let a = scalar(rng);
    let r = scalar(rng);
    let a_enc = (B * a + EIGHT_TORSION[ta]).compress().to_bytes();
    let r_enc = (B * r + EIGHT_TORSION[tr]).compress().to_bytes();
    let len = 1 + (rng.next_u64() % 60) as usize;
    let msg = rng.bytes(len);
    sign_raw(a, a_enc, r, r_enc, &msg)
}

/// Like [`torsion_case`] with a mixed-order key, but with `R`'s torsion
/// chosen (by retrying the nonce) so that `T[tr] + [k]T[ta] = 0`: valid
/// under `verify_strict` although both points have torsion components.
fn cancelling_case(rng: &mut TestRng, ta: usize) -> Case {
    let a = scalar(rng);
    let a_enc = (B * a + EIGHT_TORSION[ta]).compress().to_bytes();
    let msg = rng.bytes(20);
    loop {
        let r = scalar(rng);
        let tr = (rng.next_u64() % 8) as usize;
        let r_enc = (B * r + EIGHT_TORSION[tr]).compress().to_bytes();
        let k = hram(&r_enc, &a_enc, &msg);
        let k_mod_8 = usize::from(k.as_bytes()[0] & 7);
        if (tr + k_mod_8 * ta).is_multiple_of(8) {
            return sign_raw(a, a_enc, r, r_enc, &msg);
        }
    }
}

/// An honest signature.
fn honest(cs: &RustCryptoSuite, rng: &mut TestRng) -> Case {
    let kp = cs.signature_generate(rng).unwrap();
    let sk = cs.signing_key(&kp.private).unwrap();
    let len = 1 + (rng.next_u64() % 80) as usize;
    let msg = rng.bytes(len);
    let sig = cs.sign(&sk, &msg).unwrap();
    Case {
        key: kp.public,
        msg,
        sig,
    }
}

/// `x + ℓ` as 32 little-endian bytes (`x < ℓ`, so no overflow).
fn plus_ell(x: &[u8; 32]) -> [u8; 32] {
    add_le(x, &ELL)
}

fn add_le(x: &[u8; 32], y: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(x[i]) + u16::from(y[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    out
}

/// Every kind of hostile or unusual signature, with honest ones mixed in.
fn zoo(cs: &RustCryptoSuite, rng: &mut TestRng) -> Vec<Case> {
    let mut v = Vec::new();
    for _ in 0..4 {
        v.push(honest(cs, rng));
    }
    // Mixed-order keys and R, every torsion component on each side.
    for ta in 0..8 {
        for tr in 0..8 {
            v.push(torsion_case(rng, ta, tr));
        }
    }
    // Valid despite torsion: the components cancel within the signature.
    for ta in 1..8 {
        v.push(cancelling_case(rng, ta));
    }
    // Small-order keys (secret 0, so S = r) and small-order R (nonce 0).
    for t in EIGHT_TORSION {
        let r = scalar(rng);
        let a_enc = t.compress().to_bytes();
        let r_enc = (B * r).compress().to_bytes();
        v.push(sign_raw(Scalar::ZERO, a_enc, r, r_enc, b"small key"));
        let a = scalar(rng);
        let a_enc = (B * a).compress().to_bytes();
        let r_enc = t.compress().to_bytes();
        v.push(sign_raw(a, a_enc, Scalar::ZERO, r_enc, b"small R"));
    }
    // Non-canonical S: S + ℓ, and S with the top bit set.
    for _ in 0..3 {
        let mut c = honest(cs, rng);
        let s: [u8; 32] = c.sig[32..].try_into().unwrap();
        c.sig[32..].copy_from_slice(&plus_ell(&s));
        v.push(c);
        let mut c = honest(cs, rng);
        c.sig[63] |= 0x80;
        v.push(c);
    }
    // Non-canonical R and key encodings: the sign bit set on x = 0 points
    // and y ≥ p for the points whose y is below 19, each as R and as key.
    let mut odd: Vec<[u8; 32]> = Vec::new();
    for y in 0u8..19 {
        let mut e = [0u8; 32];
        e[0] = y;
        if let Some(point) = CompressedEdwardsY(e).decompress() {
            let mut sign = point.compress().to_bytes();
            sign[31] |= 0x80;
            odd.push(sign);
            let mut big = P;
            big[0] = 0xed + y;
            odd.push(big);
        }
    }
    for enc in &odd {
        let r = scalar(rng);
        let a = scalar(rng);
        // As R: S computed for the encoding given.
        let a_enc = (B * a).compress().to_bytes();
        v.push(sign_raw(a, a_enc, r, *enc, b"odd R"));
        // As key (its point is whatever it decodes to; S for secret a).
        let r_enc = (B * r).compress().to_bytes();
        v.push(sign_raw(a, *enc, r, r_enc, b"odd key"));
    }
    // Malformed: short signature, short key, a key that does not decode.
    let mut c = honest(cs, rng);
    c.sig.truncate(63);
    v.push(c);
    let mut c = honest(cs, rng);
    c.key.0.pop();
    v.push(c);
    let mut c = honest(cs, rng);
    c.key.0 = vec![0xff; 32];
    c.key.0[0] = 2; // y = 2 is not on the curve
    v.push(c);
    v
}

/// Two signatures that are each invalid, with `R`'s torsion components
/// (order 2, or order 4 and its negation) cancelling in any batch sum
/// whose coefficients agree on them.
fn cancelling_pair(rng: &mut TestRng, t1: usize, t2: usize) -> [Case; 2] {
    [torsion_case(rng, 0, t1), torsion_case(rng, 0, t2)]
}

fn items(v: &[Case]) -> Vec<SignatureItem<'_>> {
    v.iter()
        .map(|c| SignatureItem {
            public_key: &c.key,
            message: &c.msg,
            signature: &c.sig,
        })
        .collect()
}

/// ed25519-dalek's `verify_strict` on one case.
fn dalek_strict(c: &Case) -> bool {
    let Ok(key) = <[u8; 32]>::try_from(c.key.0.as_slice()) else {
        return false;
    };
    let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(&key) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&c.sig) else {
        return false;
    };
    vk.verify_strict(&c.msg, &sig).is_ok()
}

/// Suite 1 on one thread, and on three with the `parallel` feature.
fn suites() -> Vec<RustCryptoSuite> {
    let one = RustCryptoSuite::new(CipherSuite(1)).unwrap();
    #[cfg(feature = "parallel")]
    return vec![one.clone(), one.with_threads(3)];
    #[cfg(not(feature = "parallel"))]
    vec![one]
}

/// The batch answer is the one-by-one answer, and each item's verdict is
/// ed25519-dalek's `verify_strict` verdict.
fn agree(cs: &RustCryptoSuite, v: &[Case]) {
    let it = items(v);
    let got = cs.verify_batch(&it);
    let want = batch::verify_each(cs, &it);
    assert_eq!(got, want, "{} items", v.len());
    let first_bad = v.iter().position(|c| !dalek_strict(c));
    assert_eq!(got.err().map(|e| e.index), first_bad, "{} items", v.len());
}

/// The reproduction of the finding: a key with a torsion component, and
/// a signature that only the cofactored equation accepts.
#[test]
fn item14_batch_and_single_verification_agree() {
    let cs = RustCryptoSuite::new(CipherSuite(1)).unwrap();
    let key = SignaturePublicKey(
        hex::decode("0fc3f1e576d27d8ecc5dba469a5d06c56b8dcb9a7900f67687588c4b13ce2a8b").unwrap(),
    );
    let sig = hex::decode(
        "e5f9ebdd85fe370fc5dd8667be01517d39470bd2061dcfd1646a0db5e99149ce\
         3fcc2520b0b60f4c6b14007b2af079b824e8fd28d08b710c52cf76becadadc04",
    )
    .unwrap();
    let msg = b"PoC B message 1";
    let point = CompressedEdwardsY(key.0.as_slice().try_into().unwrap())
        .decompress()
        .unwrap();
    assert!(!point.is_torsion_free() && !point.is_small_order());
    let single = cs.verify(&key, msg, &sig);
    assert!(single.is_err());
    let item = [SignatureItem {
        public_key: &key,
        message: msg,
        signature: &sig,
    }];
    for cs in suites() {
        assert_eq!(
            cs.verify_batch(&item),
            batch::verify_each(&cs, &item),
            "the reported signature"
        );
    }
    // Pairs whose R torsion components cancel (order 2 twice, order 4
    // and its negation): each signature is invalid, so is the pair.
    let mut rng = TestRng::new(14);
    for cs in suites() {
        for _ in 0..50 {
            for (t1, t2) in [(4, 4), (2, 6), (6, 2), (1, 7), (3, 5)] {
                let pair = cancelling_pair(&mut rng, t1, t2);
                agree(&cs, &pair);
                assert!(cs.verify_batch(&items(&pair)).is_err());
            }
        }
    }
}

/// Differential test: every case of the zoo, alone, in pairs and in
/// batches of 300 (honest signatures around it), gets the one-by-one and
/// `verify_strict` answer.
#[test]
fn item14_differential_batches_of_1_2_and_300() {
    let mut rng = TestRng::new(1414);
    let reference = RustCryptoSuite::new(CipherSuite(1)).unwrap();
    let v = zoo(&reference, &mut rng);
    // The zoo has both verdicts, including valid signatures on
    // mixed-order points.
    assert!(v.iter().any(dalek_strict));
    assert!(v.iter().filter(|c| !dalek_strict(c)).count() > 60);
    let honest_pool: Vec<Case> = (0..300).map(|_| honest(&reference, &mut rng)).collect();
    for cs in suites() {
        for c in &v {
            agree(&cs, std::slice::from_ref(c));
        }
        for w in v.windows(2) {
            agree(&cs, w);
        }
        for (i, c) in v.iter().enumerate() {
            // One case at a varying position among honest signatures.
            let mut batch: Vec<Case> = honest_pool.clone();
            batch[(i * 37) % 300] = c.clone();
            agree(&cs, &batch);
        }
        // Only the cases that verify, 300 of them: the batch accepts.
        let valid: Vec<Case> = v.iter().filter(|c| dalek_strict(c)).cloned().collect();
        let mut batch: Vec<Case> = (0..300).map(|i| valid[i % valid.len()].clone()).collect();
        agree(&cs, &batch);
        assert_eq!(cs.verify_batch(&items(&batch)), Ok(()));
        // The whole zoo shuffled into 300.
        for (i, c) in v.iter().enumerate() {
            batch[(i * 7 + 3) % 300] = c.clone();
        }
        agree(&cs, &batch);
    }
}

/// Random honest signatures under one, several and many keys: accepted,
/// and a batch with one damaged signature names it.
#[test]
fn item14_honest_batches_are_accepted() {
    let mut rng = TestRng::new(141414);
    let reference = RustCryptoSuite::new(CipherSuite(1)).unwrap();
    let kp = reference.signature_generate(&mut rng).unwrap();
    let sk = reference.signing_key(&kp.private).unwrap();
    let mut v: Vec<Case> = (0..300)
        .map(|i| {
            if i % 2 == 0 {
                honest(&reference, &mut rng)
            } else {
                let msg = rng.bytes(i % 50 + 1);
                let sig = reference.sign(&sk, &msg).unwrap();
                Case {
                    key: kp.public.clone(),
                    msg,
                    sig,
                }
            }
        })
        .collect();
    for cs in suites() {
        assert_eq!(cs.verify_batch(&items(&v)), Ok(()));
        agree(&cs, &v);
    }
    v[257].msg.push(1);
    for cs in suites() {
        agree(&cs, &v);
        assert_eq!(cs.verify_batch(&items(&v)).unwrap_err().index, 257);
    }
}
