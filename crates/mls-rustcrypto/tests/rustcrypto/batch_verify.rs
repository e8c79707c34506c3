//! `verify_batch` and `hpke_seal_batch`: the same answers as one-by-one
//! verification and sequential seals, for every suite; Ed25519 signatures
//! that satisfy `[S]B = R + [k]A` (up to torsion) but break a rule of
//! `verify_strict` are rejected as `verify` rejects them (the hostile
//! cases of issue 15 item 14 are in `ed25519_batch_agreement.rs`).

use crate::common;

use common::suites;
use mls_crypto::{
    batch, labeled, BatchVerifyError, CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt,
    Error, HpkePublicKey, SignatureItem, SignaturePublicKey,
};
use mls_rustcrypto::RustCryptoSuite;
use mls_test_support::{FailingRng, TestRng};

/// `n` valid (key, message, signature) triples; a few keys sign several messages.
fn signed(
    cs: &RustCryptoSuite,
    n: usize,
    rng: &mut TestRng,
) -> Vec<(SignaturePublicKey, Vec<u8>, Vec<u8>)> {
    let keys: Vec<_> = (0..n.div_ceil(3).max(1))
        .map(|_| cs.signature_generate(rng).unwrap())
        .collect();
    (0..n)
        .map(|i| {
            let kp = &keys[i % keys.len()];
            let sk = cs.signing_key(&kp.private).unwrap();
            let msg = rng.bytes(i % 97 + 1);
            let sig = cs.sign(&sk, &msg).unwrap();
            (kp.public.clone(), msg, sig)
        })
        .collect()
}

fn items(v: &[(SignaturePublicKey, Vec<u8>, Vec<u8>)]) -> Vec<SignatureItem<'_>> {
    v.iter()
        .map(|(pk, m, s)| SignatureItem {
            public_key: pk,
            message: m,
            signature: s,
        })
        .collect()
}

/// The batch answer equals the one-by-one answer.
fn same_as_one_by_one(cs: &RustCryptoSuite, v: &[(SignaturePublicKey, Vec<u8>, Vec<u8>)]) {
    let it = items(v);
    let got = cs.verify_batch(&it);
    let want = batch::verify_each(cs, &it);
    assert!(
        got == want,
        "suite {:?}: batch {got:?}, one by one {want:?}",
        cs.cipher_suite()
    );
}

#[test]
fn empty_batch_is_ok() {
    for cs in suites() {
        assert_eq!(cs.verify_batch(&[]), Ok(()));
        assert_eq!(labeled::verify_batch_with_label(&cs, b"x", &[]), Ok(()));
    }
}

#[test]
fn valid_batches_are_accepted_across_chunk_boundaries() {
    let mut rng = TestRng::new(1);
    for cs in suites() {
        let ed25519 = cs.cipher_suite() == CipherSuite(1) || cs.cipher_suite() == CipherSuite(3);
        let sizes: &[usize] = if ed25519 {
            &[1, 2, 255, 256, 257, 600]
        } else {
            &[1, 5]
        };
        for &n in sizes {
            let v = signed(&cs, n, &mut rng);
            assert_eq!(cs.verify_batch(&items(&v)), Ok(()), "n = {n}");
        }
    }
}

#[test]
fn one_bad_signature_anywhere_is_reported_with_its_index() {
    let mut rng = TestRng::new(2);
    for cs in suites() {
        let ed25519 = matches!(cs.cipher_suite().0, 1 | 3);
        let n = if ed25519 { 530 } else { 6 };
        let v = signed(&cs, n, &mut rng);
        let positions: Vec<usize> = if ed25519 {
            vec![0, 1, 100, 255, 256, 257, 511, 512, n - 1]
        } else {
            vec![0, 3, n - 1]
        };
        for &bad in &positions {
            for how in 0..3 {
                let mut w = v.clone();
                match how {
                    0 => w[bad].1.push(0),                      // other message
                    1 => w[bad].2[5] ^= 0x20,                   // damaged signature
                    _ => w[bad].0 = w[(bad + 1) % n].0.clone(), // other key
                }
                let single = cs.verify(&w[bad].0, &w[bad].1, &w[bad].2).unwrap_err();
                let got = cs.verify_batch(&items(&w));
                assert_eq!(
                    got,
                    Err(BatchVerifyError {
                        index: bad,
                        error: single
                    }),
                    "suite {:?}, bad item {bad}, damage {how}",
                    cs.cipher_suite()
                );
            }
        }
    }
}

#[test]
fn the_first_of_several_bad_signatures_is_reported() {
    let mut rng = TestRng::new(3);
    for cs in suites() {
        let n = if matches!(cs.cipher_suite().0, 1 | 3) {
            600
        } else {
            6
        };
        let mut v = signed(&cs, n, &mut rng);
        let (a, b) = (n / 2 + 1, n - 2);
        v[b].2 = vec![1, 2, 3]; // malformed: rejected before any arithmetic
        v[a].1.push(1);
        let got = cs.verify_batch(&items(&v)).unwrap_err();
        assert_eq!(got.index, a);
        assert_eq!(batch::verify_each(&cs, &items(&v)), Err(got));
    }
}

#[test]
fn malformed_inputs_give_the_single_verification_errors() {
    let mut rng = TestRng::new(4);
    for cs in suites() {
        let v = signed(&cs, 4, &mut rng);
        let mut cases = Vec::new();
        let mut w = v.clone();
        w[1].0 = SignaturePublicKey(vec![]);
        cases.push(w);
        let mut w = v.clone();
        w[2].2.truncate(10);
        cases.push(w);
        let mut w = v.clone();
        w[3].2.push(0);
        cases.push(w);
        let mut w = v.clone();
        w[0].0 .0[0] ^= 0xff;
        cases.push(w);
        for w in cases {
            same_as_one_by_one(&cs, &w);
            assert!(cs.verify_batch(&items(&w)).is_err());
        }
    }
}

#[test]
fn random_damage_gives_the_one_by_one_answer() {
    let mut rng = TestRng::new(5);
    for cs in suites() {
        let n = if matches!(cs.cipher_suite().0, 1 | 3) {
            40
        } else {
            4
        };
        let v = signed(&cs, n, &mut rng);
        for round in 0..60 {
            let mut w = v.clone();
            let hits = 1 + (round % 3);
            for _ in 0..hits {
                let r = rng.bytes(4);
                let i = usize::from(r[0]) % n;
                match r[1] % 3 {
                    0 => {
                        let s = &mut w[i].2;
                        let j = usize::from(r[2]) % s.len();
                        s[j] ^= 1 << (r[3] % 8);
                    }
                    1 => {
                        let m = &mut w[i].1;
                        let j = usize::from(r[2]) % m.len();
                        m[j] ^= 1 << (r[3] % 8);
                    }
                    _ => {
                        let k = &mut w[i].0 .0;
                        let j = usize::from(r[2]) % k.len();
                        k[j] ^= 1 << (r[3] % 8);
                    }
                }
            }
            same_as_one_by_one(&cs, &w);
        }
    }
}

#[test]
fn labeled_batch_matches_verify_with_label() {
    let mut rng = TestRng::new(6);
    for cs in suites() {
        let kp = cs.signature_generate(&mut rng).unwrap();
        let sk = cs.signing_key(&kp.private).unwrap();
        let contents: Vec<Vec<u8>> = (0..5).map(|i| rng.bytes(10 + i)).collect();
        let sigs: Vec<Vec<u8>> = contents
            .iter()
            .map(|c| labeled::sign_with_label(&cs, &sk, b"LeafNodeTBS", c).unwrap())
            .collect();
        let mut it: Vec<SignatureItem<'_>> = contents
            .iter()
            .zip(&sigs)
            .map(|(c, s)| SignatureItem {
                public_key: &kp.public,
                message: c,
                signature: s,
            })
            .collect();
        assert_eq!(
            labeled::verify_batch_with_label(&cs, b"LeafNodeTBS", &it),
            Ok(())
        );
        // Signed under another label: fails as verify_with_label does.
        let other = labeled::sign_with_label(&cs, &sk, b"Other", &contents[3]).unwrap();
        it[3].signature = &other;
        let single =
            labeled::verify_with_label(&cs, &kp.public, b"LeafNodeTBS", &contents[3], &other)
                .unwrap_err();
        assert_eq!(
            labeled::verify_batch_with_label(&cs, b"LeafNodeTBS", &it),
            Err(BatchVerifyError {
                index: 3,
                error: single
            })
        );
    }
}

#[test]
fn batch_seals_equal_sequential_seals() {
    let mut rng = TestRng::new(7);
    for cs in suites() {
        let keys: Vec<HpkePublicKey> = (0..20)
            .map(|_| cs.hpke_generate_key_pair(&mut rng).unwrap().public)
            .collect();
        let pts: Vec<Vec<u8>> = (0..20).map(|i| rng.bytes(i + 1)).collect();
        let it: Vec<(&HpkePublicKey, &[u8])> = keys
            .iter()
            .zip(&pts)
            .map(|(k, p)| (k, p.as_slice()))
            .collect();
        let got = cs
            .hpke_seal_batch(b"info", b"aad", &it, &mut TestRng::new(99))
            .unwrap();
        let want = batch::seal_each(&cs, b"info", b"aad", &it, &mut TestRng::new(99)).unwrap();
        assert!(got == want, "suite {:?}", cs.cipher_suite());
        assert_eq!(
            cs.hpke_seal_batch(b"info", b"aad", &it, &mut FailingRng),
            Err(Error::RandomFailure)
        );
    }
}

#[test]
fn batch_seals_fail_like_sequential_seals() {
    // A bad recipient key in the middle of a batch: the batch returns the
    // error the one-by-one seals return first (for X25519 the batch path
    // shares work between seals, so a bad key must not disturb the rest).
    let mut rng = TestRng::new(8);
    for cs in suites() {
        let good: Vec<HpkePublicKey> = (0..6)
            .map(|_| cs.hpke_generate_key_pair(&mut rng).unwrap().public)
            .collect();
        let len = good[0].0.len();
        let mut bads = vec![HpkePublicKey(vec![1; len + 1]), HpkePublicKey(vec![])];
        if len == 32 {
            // X25519: the all-zero point gives an all-zero DH output.
            bads.push(HpkePublicKey(vec![0; 32]));
        }
        for bad in &bads {
            let mut keys = good.clone();
            keys.insert(3, bad.clone());
            let it: Vec<(&HpkePublicKey, &[u8])> =
                keys.iter().map(|k| (k, b"pt".as_slice())).collect();
            let got = cs.hpke_seal_batch(b"info", b"aad", &it, &mut TestRng::new(3));
            let want = batch::seal_each(&cs, b"info", b"aad", &it, &mut TestRng::new(3));
            assert!(want.is_err());
            assert_eq!(got, want, "suite {:?}", cs.cipher_suite());
        }
    }
}

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
mod ed25519 {
    //! Signatures built by hand on curve25519-dalek: each satisfies
    //! `[S]B = R + [k]A` up to torsion but breaks one rule of
    //! `verify_strict`.

    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use mls_crypto::CryptoProvider;
    use mls_crypto::Rng;
    use mls_rustcrypto::RustCrypto;
    use sha2::{Digest, Sha512};

    fn suite() -> RustCryptoSuite {
        RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap()
    }

    fn scalar(rng: &mut TestRng) -> Scalar {
        let mut b = [0u8; 64];
        rng.fill_bytes(&mut b).unwrap();
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

    /// `(R, S)` with `R = encode(R_point)`, `S = r + k·a` (as bytes).
    fn sig(r_enc: [u8; 32], s: [u8; 32]) -> Vec<u8> {
        [r_enc, s].concat()
    }

    /// Honest valid items to surround the odd one.
    fn honest(n: usize, rng: &mut TestRng) -> Vec<(SignaturePublicKey, Vec<u8>, Vec<u8>)> {
        signed(&suite(), n, rng)
    }

    fn check_rejected_like_single(odd: (SignaturePublicKey, Vec<u8>, Vec<u8>), rng: &mut TestRng) {
        let cs = suite();
        let single = cs.verify(&odd.0, &odd.1, &odd.2).unwrap_err();
        for at in [0usize, 7, 19] {
            let mut v = honest(20, rng);
            v[at] = odd.clone();
            assert_eq!(
                cs.verify_batch(&items(&v)),
                Err(BatchVerifyError {
                    index: at,
                    error: single
                })
            );
        }
    }

    #[test]
    fn small_order_key_is_rejected_like_verify() {
        let mut rng = TestRng::new(10);
        for t in EIGHT_TORSION {
            // A of small order: [S]B = R + [k]A holds up to torsion for any
            // message; with A = identity it holds exactly.
            let a = t.compress().to_bytes();
            let r = scalar(&mut rng);
            let r_enc = EdwardsPoint::mul_base(&r).compress().to_bytes();
            let s = r.to_bytes();
            let odd = (
                SignaturePublicKey(a.to_vec()),
                b"any".to_vec(),
                sig(r_enc, s),
            );
            check_rejected_like_single(odd, &mut rng);
        }
    }

    #[test]
    fn small_order_r_is_rejected_like_verify() {
        let mut rng = TestRng::new(11);
        let a = scalar(&mut rng);
        let a_enc = EdwardsPoint::mul_base(&a).compress().to_bytes();
        let msg = b"message".to_vec();
        // R = identity: S = k·a satisfies [S]B = R + [k]A exactly.
        let r_enc = EdwardsPoint::default().compress().to_bytes();
        let s = (k(&r_enc, &a_enc, &msg) * a).to_bytes();
        let odd = (SignaturePublicKey(a_enc.to_vec()), msg, sig(r_enc, s));
        assert_eq!(
            CompressedEdwardsY(r_enc)
                .decompress()
                .map(|p| p.is_small_order()),
            Some(true)
        );
        check_rejected_like_single(odd, &mut rng);
    }

    #[test]
    fn non_canonical_s_is_rejected_like_verify() {
        let mut rng = TestRng::new(12);
        let a = scalar(&mut rng);
        let a_enc = EdwardsPoint::mul_base(&a).compress().to_bytes();
        let msg = b"message".to_vec();
        let r = scalar(&mut rng);
        let r_enc = EdwardsPoint::mul_base(&r).compress().to_bytes();
        let s = r + k(&r_enc, &a_enc, &msg) * a;
        // S + ℓ: the same scalar mod ℓ, not reduced.
        let mut big = [0u8; 32];
        let ell: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for i in 0..32 {
            let x = u16::from(s.to_bytes()[i]) + u16::from(ell[i]) + carry;
            big[i] = x as u8;
            carry = x >> 8;
        }
        assert_eq!(carry, 0);
        assert_eq!(Scalar::from_bytes_mod_order(big), s);
        let odd = (SignaturePublicKey(a_enc.to_vec()), msg, sig(r_enc, big));
        check_rejected_like_single(odd, &mut rng);
    }

    #[test]
    fn non_canonical_r_encodings_are_rejected_like_verify() {
        let mut rng = TestRng::new(13);
        let v = honest(3, &mut rng);
        // y = p + j for small j (sign bit clear and set), and "-0" for x = 0.
        let mut encodings = Vec::new();
        for j in 0u8..19 {
            let mut y = [0xffu8; 32];
            y[0] = 0xed + j;
            y[31] = 0x7f;
            encodings.push(y);
            y[31] = 0xff;
            encodings.push(y);
        }
        let mut minus_zero = [0u8; 32];
        minus_zero[0] = 1;
        minus_zero[31] = 0x80;
        encodings.push(minus_zero);
        for r_enc in encodings {
            let mut s = v[1].2[32..].to_vec();
            let mut w = v.clone();
            let mut bad = r_enc.to_vec();
            bad.append(&mut s);
            w[1].2 = bad;
            same_as_one_by_one(&suite(), &w);
            assert!(suite().verify_batch(&items(&w)).is_err());
        }
    }

    #[test]
    fn a_lone_torsion_discrepancy_in_r_is_rejected() {
        // R = [r]B + T with T a non-zero torsion point, S = r + k·a: the
        // discrepancy R − [S]B + [k]A is T, so `verify_strict` rejects
        // while the cofactored equation holds; so does the batch.
        let mut rng = TestRng::new(14);
        let cs = suite();
        for t in EIGHT_TORSION.iter().skip(1) {
            let a = scalar(&mut rng);
            let a_enc = EdwardsPoint::mul_base(&a).compress().to_bytes();
            let msg = rng.bytes(12);
            let r = scalar(&mut rng);
            let r_enc = (EdwardsPoint::mul_base(&r) + t).compress().to_bytes();
            let s = (r + k(&r_enc, &a_enc, &msg) * a).to_bytes();
            let odd = (SignaturePublicKey(a_enc.to_vec()), msg, sig(r_enc, s));
            assert!(cs.verify(&odd.0, &odd.1, &odd.2).is_err());
            check_rejected_like_single(odd, &mut rng);
        }
    }
}

#[cfg(feature = "parallel")]
mod parallel {
    use super::*;
    use mls_crypto::CryptoProvider;
    use mls_rustcrypto::RustCrypto;

    #[test]
    fn threads_give_identical_results() {
        let mut rng = TestRng::new(20);
        for cs in suites() {
            let par = cs.clone().with_threads(3);
            let n = if matches!(cs.cipher_suite().0, 1 | 3) {
                900
            } else {
                9
            };
            let v = signed(&cs, n, &mut rng);
            assert_eq!(par.verify_batch(&items(&v)), Ok(()));
            for bad in [0, n / 2, n - 1] {
                let mut w = v.clone();
                w[bad].1.push(7);
                assert_eq!(par.verify_batch(&items(&w)), cs.verify_batch(&items(&w)));
                assert_eq!(par.verify_batch(&items(&w)).unwrap_err().index, bad);
            }
            let keys: Vec<HpkePublicKey> = (0..40)
                .map(|_| cs.hpke_generate_key_pair(&mut rng).unwrap().public)
                .collect();
            let it: Vec<(&HpkePublicKey, &[u8])> =
                keys.iter().map(|k| (k, &b"path secret"[..])).collect();
            let one = cs
                .hpke_seal_batch(b"i", b"", &it, &mut TestRng::new(5))
                .unwrap();
            let many = par
                .hpke_seal_batch(b"i", b"", &it, &mut TestRng::new(5))
                .unwrap();
            assert!(one == many, "suite {:?}", cs.cipher_suite());
        }
    }

    /// Issue 15, item 18: `with_threads(k)` is capped (at the cores and
    /// at `MAX_THREADS`), and a huge `k` changes no result.
    #[test]
    fn item18_with_threads_is_capped() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let mut rng = TestRng::new(22);
        for cs in suites() {
            for k in [0, 1, 2, 1000, usize::MAX] {
                let par = cs.clone().with_threads(k);
                assert!(par.threads() >= 1);
                assert!(par.threads() <= k.max(1));
                assert!(par.threads() <= cores.min(mls_rustcrypto::MAX_THREADS));
            }
            let par = cs.clone().with_threads(usize::MAX);
            let v = signed(&cs, 40, &mut rng);
            assert_eq!(par.verify_batch(&items(&v)), Ok(()));
            let keys: Vec<HpkePublicKey> = (0..40)
                .map(|_| cs.hpke_generate_key_pair(&mut rng).unwrap().public)
                .collect();
            let it: Vec<(&HpkePublicKey, &[u8])> = keys.iter().map(|k| (k, &b"x"[..])).collect();
            let one = cs.hpke_seal_batch(b"i", b"", &it, &mut TestRng::new(3));
            let many = par.hpke_seal_batch(b"i", b"", &it, &mut TestRng::new(3));
            assert!(one == many);
        }
    }

    #[test]
    fn parallel_seal_errors_are_those_of_the_first_failing_seal() {
        let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
        let par = cs.clone().with_threads(2);
        let mut rng = TestRng::new(21);
        let mut keys: Vec<HpkePublicKey> = (0..40)
            .map(|_| cs.hpke_generate_key_pair(&mut rng).unwrap().public)
            .collect();
        keys[30] = HpkePublicKey(vec![0; 32]); // X25519 low-order point: DH fails
        keys[33] = HpkePublicKey(vec![1; 5]); // malformed
        let it: Vec<(&HpkePublicKey, &[u8])> = keys.iter().map(|k| (k, &b"x"[..])).collect();
        let one = cs.hpke_seal_batch(b"i", b"", &it, &mut TestRng::new(1));
        let many = par.hpke_seal_batch(b"i", b"", &it, &mut TestRng::new(1));
        assert!(one.is_err());
        assert_eq!(one, many);
        assert_eq!(
            par.hpke_seal_batch(b"i", b"", &it, &mut FailingRng),
            Err(Error::RandomFailure)
        );
    }
}
