//! Per-suite behaviour of the RustCrypto provider: lengths, KDF limits, AEAD,
//! HPKE round trips and rejections, signatures and key handling.

use crate::common;

use common::suites;
use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider, Error,
    HpkeCiphertext, HpkePrivateKey, HpkePublicKey, SignaturePrivateKey, SignaturePublicKey,
};
use mls_rustcrypto::RustCrypto;
use mls_test_support::{FailingRng, TestRng, ZeroRng};

/// What each RFC suite must report.
struct Expect {
    hash_len: usize,
    key_len: usize,
    nonce_len: usize,
    hpke_sk_len: usize,
    hpke_pk_len: usize,
    sig_sk_len: usize,
    sig_pk_len: usize,
    /// Fixed signature length (EdDSA), `None` for DER.
    sig_len: Option<usize>,
    nist: bool,
}

fn expect(cs: CipherSuite) -> Expect {
    let x25519 = (32, 32);
    let x448 = (56, 56);
    let p256 = (32, 65);
    let p384 = (48, 97);
    let p521 = (66, 133);
    let (hash_len, key_len, (hpke_sk_len, hpke_pk_len), (sig_sk_len, sig_pk_len), sig_len, nist) =
        match cs.0 {
            1 => (32, 16, x25519, (32, 32), Some(64), false),
            2 => (32, 16, p256, p256, None, true),
            3 => (32, 32, x25519, (32, 32), Some(64), false),
            4 => (64, 32, x448, (57, 57), Some(114), false),
            5 => (64, 32, p521, p521, None, true),
            6 => (64, 32, x448, (57, 57), Some(114), false),
            7 => (48, 32, p384, p384, None, true),
            _ => unreachable!(),
        };
    Expect {
        hash_len,
        key_len,
        nonce_len: 12,
        hpke_sk_len,
        hpke_pk_len,
        sig_sk_len,
        sig_pk_len,
        sig_len,
        nist,
    }
}

fn flip(v: &[u8], i: usize) -> Vec<u8> {
    let mut v = v.to_vec();
    v[i] ^= 0x01;
    v
}

#[test]
fn supported_suites_match_features() {
    let expected: Vec<u16> = [
        (1, cfg!(feature = "suite-1")),
        (2, cfg!(feature = "suite-2")),
        (3, cfg!(feature = "suite-3")),
        (4, cfg!(feature = "suite-4")),
        (5, cfg!(feature = "suite-5")),
        (6, cfg!(feature = "suite-6")),
        (7, cfg!(feature = "suite-7")),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(cs, _)| cs)
    .collect();
    let got: Vec<u16> = RustCrypto
        .supported_cipher_suites()
        .into_iter()
        .map(|cs| cs.0)
        .collect();
    assert_eq!(got, expected);
    for cs in [0u16, 8, 0x0a0a, 0xffff] {
        assert!(RustCrypto.cipher_suite_provider(CipherSuite(cs)).is_none());
    }
    for s in suites() {
        assert!(RustCrypto.cipher_suite_provider(s.cipher_suite()).is_some());
    }
}

#[test]
fn lengths() {
    for s in suites() {
        let e = expect(s.cipher_suite());
        assert_eq!(s.hash_len(), e.hash_len);
        assert_eq!(s.kdf_extract_len(), e.hash_len);
        assert_eq!(s.hash(b"abc").len(), e.hash_len);
        assert_eq!(s.mac(b"key", b"data").unwrap().len(), e.hash_len);
        assert_eq!(s.kdf_extract(b"salt", b"ikm").unwrap().len(), e.hash_len);
        assert_eq!(s.aead_key_len(), e.key_len);
        assert_eq!(s.aead_nonce_len(), e.nonce_len);
    }
}

#[test]
fn hash_known_answers() {
    // FIPS 180-2 "abc" digests (prefixes are enough to pin the function).
    for s in suites() {
        let h = hex::encode(s.hash(b"abc"));
        let prefix = match s.hash_len() {
            32 => "ba7816bf8f01cfea414140de5dae2223",
            48 => "cb00753f45a35e8bb5a03d699ac65007",
            64 => "ddaf35a193617abacc417349ae204131",
            _ => unreachable!(),
        };
        assert!(h.starts_with(prefix), "suite {}", s.cipher_suite());
    }
}

#[test]
fn kdf_expand_limits() {
    let mut rng = TestRng::new(1);
    for s in suites() {
        let nh = s.kdf_extract_len();
        let prk = s.kdf_extract(&rng.bytes(nh), &rng.bytes(nh)).unwrap();
        let max = s.kdf_expand(prk.as_bytes(), b"info", 255 * nh).unwrap();
        assert_eq!(max.len(), 255 * nh);
        assert_eq!(
            s.kdf_expand(prk.as_bytes(), b"info", 255 * nh + 1),
            Err(Error::InvalidKdfLength)
        );
        assert_eq!(s.kdf_expand(prk.as_bytes(), b"info", 0).unwrap().len(), 0);
        // Prefix property of HKDF-Expand.
        let short = s.kdf_expand(prk.as_bytes(), b"info", nh + 3).unwrap();
        assert_eq!(short.as_bytes(), &max.as_bytes()[..nh + 3]);
        // A short PRK is accepted (HMAC takes any key).
        assert_eq!(s.kdf_expand(b"k", b"", 10).unwrap().len(), 10);
    }
}

/// RFC 5869 Appendix A.1 (HKDF-SHA256, basic test case).
#[test]
fn hkdf_sha256_rfc5869_case1() {
    let Some(s) = suites().into_iter().find(|s| s.hash_len() == 32) else {
        return;
    };
    let ikm = [0x0bu8; 22];
    let salt = hex::decode("000102030405060708090a0b0c").unwrap();
    let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
    let prk = s.kdf_extract(&salt, &ikm).unwrap();
    assert_eq!(
        hex::encode(prk.as_bytes()),
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
    );
    let okm = s.kdf_expand(prk.as_bytes(), &info, 42).unwrap();
    assert_eq!(
        hex::encode(okm.as_bytes()),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
}

#[test]
fn aead_round_trip_and_rejections() {
    let mut rng = TestRng::new(2);
    for s in suites() {
        let key = rng.bytes(s.aead_key_len());
        let nonce = rng.bytes(s.aead_nonce_len());
        let pt = rng.bytes(37);
        let ct = s.aead_seal(&key, &nonce, b"aad", &pt).unwrap();
        assert_eq!(ct.len(), pt.len() + 16);
        assert_eq!(s.aead_open(&key, &nonce, b"aad", &ct).unwrap(), pt);
        assert_eq!(
            s.aead_open(&key, &nonce, b"aad", &flip(&ct, 3)),
            Err(Error::AeadOpenFailed)
        );
        assert_eq!(
            s.aead_open(&key, &nonce, b"aaD", &ct),
            Err(Error::AeadOpenFailed)
        );
        assert_eq!(
            s.aead_open(&key, &flip(&nonce, 0), b"aad", &ct),
            Err(Error::AeadOpenFailed)
        );
        assert_eq!(
            s.aead_open(&key, &nonce, b"aad", &ct[..15]),
            Err(Error::AeadOpenFailed)
        );
        assert_eq!(
            s.aead_open(&key, &nonce, b"aad", &[]),
            Err(Error::AeadOpenFailed)
        );
        assert_eq!(
            s.aead_seal(&key[1..], &nonce, b"", b""),
            Err(Error::InvalidAeadKeyOrNonce)
        );
        assert_eq!(
            s.aead_seal(&key, &nonce[1..], b"", b""),
            Err(Error::InvalidAeadKeyOrNonce)
        );
        assert_eq!(
            s.aead_open(&key, &[0u8; 16], b"", &ct),
            Err(Error::InvalidAeadKeyOrNonce)
        );
        // Empty plaintext.
        let ct = s.aead_seal(&key, &nonce, b"", b"").unwrap();
        assert_eq!(s.aead_open(&key, &nonce, b"", &ct).unwrap(), b"");
    }
}

#[test]
fn hpke_keys() {
    let mut rng = TestRng::new(3);
    for s in suites() {
        let e = expect(s.cipher_suite());
        let kp = s.hpke_generate_key_pair(&mut rng).unwrap();
        assert_eq!(kp.private.as_bytes().len(), e.hpke_sk_len);
        assert_eq!(kp.public.0.len(), e.hpke_pk_len);
        if e.nist {
            assert_eq!(kp.public.0[0], 0x04);
        }
        assert_eq!(s.hpke_public_key(&kp.private).unwrap(), kp.public);
        s.hpke_validate_public_key(&kp.public).unwrap();

        let ikm = rng.bytes(32);
        let a = s.hpke_derive_key_pair(&ikm).unwrap();
        let b = s.hpke_derive_key_pair(&ikm).unwrap();
        assert_eq!(a, b);
        assert_eq!(s.hpke_public_key(&a.private).unwrap(), a.public);
        assert_ne!(s.hpke_derive_key_pair(b"other ikm").unwrap(), a);
        // Empty IKM is allowed by RFC 9180 (SHOULD, not MUST, have entropy).
        s.hpke_derive_key_pair(b"").unwrap();

        // Malformed keys.
        let short = HpkePublicKey(kp.public.0[1..].to_vec());
        assert_eq!(
            s.hpke_validate_public_key(&short),
            Err(Error::InvalidPublicKey)
        );
        assert_eq!(
            s.hpke_validate_public_key(&HpkePublicKey(vec![])),
            Err(Error::InvalidPublicKey)
        );
        assert_eq!(
            s.hpke_public_key(&HpkePrivateKey::from_bytes(
                kp.private.as_bytes()[1..].to_vec()
            )),
            Err(Error::InvalidPrivateKey)
        );
        assert_eq!(
            s.hpke_public_key(&HpkePrivateKey::from_bytes(vec![])),
            Err(Error::InvalidPrivateKey)
        );
        if e.nist {
            // Zero and out-of-range scalars.
            assert_eq!(
                s.hpke_public_key(&HpkePrivateKey::from_bytes(vec![0; e.hpke_sk_len])),
                Err(Error::InvalidPrivateKey)
            );
            assert_eq!(
                s.hpke_public_key(&HpkePrivateKey::from_bytes(vec![0xff; e.hpke_sk_len])),
                Err(Error::InvalidPrivateKey)
            );
            // Identity, compressed form, off-curve point.
            assert_eq!(
                s.hpke_validate_public_key(&HpkePublicKey(vec![0x00])),
                Err(Error::InvalidPublicKey)
            );
            let mut compressed = kp.public.0[..1 + e.hpke_sk_len].to_vec();
            compressed[0] = 0x02 | (kp.public.0[e.hpke_pk_len - 1] & 1);
            assert_eq!(
                s.hpke_validate_public_key(&HpkePublicKey(compressed)),
                Err(Error::InvalidPublicKey)
            );
            let off_curve = flip(&kp.public.0, e.hpke_pk_len - 1);
            assert_eq!(
                s.hpke_validate_public_key(&HpkePublicKey(off_curve)),
                Err(Error::InvalidPublicKey)
            );
            let mut zeros = vec![0u8; e.hpke_pk_len];
            zeros[0] = 0x04;
            assert_eq!(
                s.hpke_validate_public_key(&HpkePublicKey(zeros)),
                Err(Error::InvalidPublicKey)
            );
        }
    }
}

#[test]
fn hpke_round_trip_and_rejections() {
    let mut rng = TestRng::new(4);
    for s in suites() {
        let e = expect(s.cipher_suite());
        let kp = s.hpke_generate_key_pair(&mut rng).unwrap();
        let other = s.hpke_generate_key_pair(&mut rng).unwrap();
        let pt = rng.bytes(100);
        let ct = s
            .hpke_seal(&kp.public, b"info", b"aad", &pt, &mut rng)
            .unwrap();
        assert_eq!(ct.kem_output.len(), e.hpke_pk_len);
        assert_eq!(ct.ciphertext.len(), pt.len() + 16);
        let open = |sk: &HpkePrivateKey,
                    pk: &HpkePublicKey,
                    info: &[u8],
                    aad: &[u8],
                    c: &HpkeCiphertext| { s.hpke_open(sk, pk, info, aad, c) };
        assert_eq!(
            open(&kp.private, &kp.public, b"info", b"aad", &ct).unwrap(),
            pt
        );

        // Two seals to the same key differ (fresh ephemeral key).
        let ct2 = s
            .hpke_seal(&kp.public, b"info", b"aad", &pt, &mut rng)
            .unwrap();
        assert_ne!(ct2.kem_output, ct.kem_output);

        let tampered_ct = HpkeCiphertext {
            kem_output: ct.kem_output.clone(),
            ciphertext: flip(&ct.ciphertext, 5),
        };
        assert_eq!(
            open(&kp.private, &kp.public, b"info", b"aad", &tampered_ct),
            Err(Error::HpkeOpenFailed)
        );
        assert_eq!(
            open(&kp.private, &kp.public, b"info", b"AAD", &ct),
            Err(Error::HpkeOpenFailed)
        );
        assert_eq!(
            open(&kp.private, &kp.public, b"INFO", b"aad", &ct),
            Err(Error::HpkeOpenFailed)
        );
        assert_eq!(
            open(&other.private, &other.public, b"info", b"aad", &ct),
            Err(Error::HpkeOpenFailed)
        );
        // The recipient public key is part of the KEM context.
        assert_eq!(
            open(&kp.private, &other.public, b"info", b"aad", &ct),
            Err(Error::HpkeOpenFailed)
        );
        let truncated = HpkeCiphertext {
            kem_output: ct.kem_output.clone(),
            ciphertext: ct.ciphertext[..10].to_vec(),
        };
        assert_eq!(
            open(&kp.private, &kp.public, b"info", b"aad", &truncated),
            Err(Error::HpkeOpenFailed)
        );

        // Tampered KEM output: off-curve for NIST, a different key otherwise.
        let tampered_kem = HpkeCiphertext {
            kem_output: flip(&ct.kem_output, e.hpke_pk_len - 1),
            ciphertext: ct.ciphertext.clone(),
        };
        let expected = if e.nist {
            Error::InvalidKemOutput
        } else {
            Error::HpkeOpenFailed
        };
        assert_eq!(
            open(&kp.private, &kp.public, b"info", b"aad", &tampered_kem),
            Err(expected)
        );
        let short_kem = HpkeCiphertext {
            kem_output: ct.kem_output[1..].to_vec(),
            ciphertext: ct.ciphertext.clone(),
        };
        assert_eq!(
            open(&kp.private, &kp.public, b"info", b"aad", &short_kem),
            Err(Error::InvalidKemOutput)
        );
        let empty_kem = HpkeCiphertext {
            kem_output: vec![],
            ciphertext: ct.ciphertext.clone(),
        };
        assert_eq!(
            open(&kp.private, &kp.public, b"info", b"aad", &empty_kem),
            Err(Error::InvalidKemOutput)
        );
        let wrong_key = open(
            &HpkePrivateKey::from_bytes(vec![1, 2, 3]),
            &kp.public,
            b"info",
            b"aad",
            &ct,
        );
        // Too short for every KEM (NIST scalars too: exactly Nsk bytes).
        assert_eq!(wrong_key, Err(Error::InvalidPrivateKey));

        // All-zero DH (RFC 9180 §7.1.4) for X25519/X448: the zero point is
        // of small order.
        if !e.nist {
            let zero = HpkePublicKey(vec![0u8; e.hpke_pk_len]);
            assert_eq!(
                s.hpke_seal(&zero, b"", b"", b"", &mut rng),
                Err(Error::DhFailed)
            );
            let zero_kem = HpkeCiphertext {
                kem_output: vec![0u8; e.hpke_pk_len],
                ciphertext: ct.ciphertext.clone(),
            };
            assert_eq!(
                open(&kp.private, &kp.public, b"info", b"aad", &zero_kem),
                Err(Error::DhFailed)
            );
        }

        // Invalid recipient key.
        assert_eq!(
            s.hpke_seal(&HpkePublicKey(vec![4; 3]), b"", b"", b"", &mut rng),
            Err(Error::InvalidPublicKey)
        );
        // Random-source failure.
        assert_eq!(
            s.hpke_seal(&kp.public, b"", b"", b"", &mut FailingRng),
            Err(Error::RandomFailure)
        );

        // Empty plaintext / info / aad.
        let ct = s.hpke_seal(&kp.public, b"", b"", b"", &mut rng).unwrap();
        assert_eq!(open(&kp.private, &kp.public, b"", b"", &ct).unwrap(), b"");
    }
}

#[test]
fn hpke_export() {
    let mut rng = TestRng::new(5);
    for s in suites() {
        let kp = s.hpke_generate_key_pair(&mut rng).unwrap();
        let nh = s.kdf_extract_len();
        let (enc, secret) = s
            .hpke_export_sender(&kp.public, b"info", b"ctx", nh, &mut rng)
            .unwrap();
        assert_eq!(secret.len(), nh);
        let received = s
            .hpke_export_receiver(&enc, &kp.private, &kp.public, b"info", b"ctx", nh)
            .unwrap();
        assert_eq!(secret, received);
        let other_ctx = s
            .hpke_export_receiver(&enc, &kp.private, &kp.public, b"info", b"CTX", nh)
            .unwrap();
        assert_ne!(secret, other_ctx);
        assert_eq!(
            s.hpke_export_receiver(&enc, &kp.private, &kp.public, b"info", b"ctx", 255 * nh + 1),
            Err(Error::InvalidKdfLength)
        );
        assert_eq!(
            s.hpke_export_sender(&kp.public, b"info", b"ctx", 255 * nh + 1, &mut rng)
                .map(|_| ()),
            Err(Error::InvalidKdfLength)
        );
        assert_eq!(
            s.hpke_export_receiver(&enc[1..], &kp.private, &kp.public, b"info", b"ctx", nh),
            Err(Error::InvalidKemOutput)
        );
    }
}

#[test]
fn signatures() {
    let mut rng = TestRng::new(6);
    for s in suites() {
        let e = expect(s.cipher_suite());
        let kp = s.signature_generate(&mut rng).unwrap();
        assert_eq!(kp.private.as_bytes().len(), e.sig_sk_len);
        assert_eq!(kp.public.0.len(), e.sig_pk_len);
        let key = s.signing_key(&kp.private).unwrap();
        assert_eq!(s.signing_public_key(&key), kp.public);
        s.signature_validate_public_key(&kp.public).unwrap();
        assert!(!format!("{key:?}").contains(&hex::encode(kp.private.as_bytes())));

        let msg = rng.bytes(77);
        let sig = s.sign(&key, &msg).unwrap();
        match e.sig_len {
            Some(len) => assert_eq!(sig.len(), len),
            None => assert_eq!(sig[0], 0x30, "DER SEQUENCE"),
        }
        s.verify(&kp.public, &msg, &sig).unwrap();
        s.verify(&kp.public, b"", &s.sign(&key, b"").unwrap())
            .unwrap();

        assert_eq!(
            s.verify(&kp.public, &flip(&msg, 0), &sig),
            Err(Error::InvalidSignature)
        );
        for i in [0, sig.len() / 2, sig.len() - 1] {
            assert_eq!(
                s.verify(&kp.public, &msg, &flip(&sig, i)),
                Err(Error::InvalidSignature),
                "suite {} byte {i}",
                s.cipher_suite()
            );
        }
        assert_eq!(
            s.verify(&kp.public, &msg, &sig[..sig.len() - 1]),
            Err(Error::InvalidSignature)
        );
        let mut long = sig.clone();
        long.push(0);
        assert_eq!(
            s.verify(&kp.public, &msg, &long),
            Err(Error::InvalidSignature)
        );
        assert_eq!(
            s.verify(&kp.public, &msg, &[]),
            Err(Error::InvalidSignature)
        );

        let other = s.signature_generate(&mut rng).unwrap();
        assert_eq!(
            s.verify(&other.public, &msg, &sig),
            Err(Error::InvalidSignature)
        );
        assert_eq!(
            s.verify(&SignaturePublicKey(vec![1, 2, 3]), &msg, &sig),
            Err(Error::InvalidPublicKey)
        );
        assert_eq!(
            s.signature_validate_public_key(&SignaturePublicKey(kp.public.0[1..].to_vec())),
            Err(Error::InvalidPublicKey)
        );
        assert_eq!(
            s.signing_key(&SignaturePrivateKey::from_bytes(
                kp.private.as_bytes()[1..].to_vec()
            ))
            .map(|_| ()),
            Err(Error::InvalidPrivateKey)
        );
        if e.nist {
            for bad in [vec![0u8; e.sig_sk_len], vec![0xffu8; e.sig_sk_len]] {
                assert_eq!(
                    s.signing_key(&SignaturePrivateKey::from_bytes(bad))
                        .map(|_| ()),
                    Err(Error::InvalidPrivateKey)
                );
            }
            // A broken (all-zero) random source cannot produce an ECDSA key.
            assert_eq!(
                s.signature_generate(&mut ZeroRng).map(|_| ()),
                Err(Error::RandomFailure)
            );
        } else {
            // EdDSA: deterministic signatures.
            assert_eq!(s.sign(&key, &msg).unwrap(), sig);
        }
        assert_eq!(
            s.signature_generate(&mut FailingRng).map(|_| ()),
            Err(Error::RandomFailure)
        );
    }
}

#[test]
fn signing_key_of_another_scheme_is_rejected() {
    let all = suites();
    let mut rng = TestRng::new(7);
    for a in &all {
        for b in &all {
            let kp = a.signature_generate(&mut rng).unwrap();
            let key = a.signing_key(&kp.private).unwrap();
            let same_scheme = expect(a.cipher_suite()).sig_pk_len
                == expect(b.cipher_suite()).sig_pk_len
                && expect(a.cipher_suite()).nist == expect(b.cipher_suite()).nist;
            if same_scheme {
                b.sign(&key, b"m").unwrap();
            } else {
                assert_eq!(b.sign(&key, b"m"), Err(Error::InvalidPrivateKey));
            }
        }
    }
}

/// Every operation taking caller bytes must return an error, never panic.
#[test]
fn garbage_inputs_do_not_panic() {
    let mut rng = TestRng::new(8);
    for s in suites() {
        let kp = s.hpke_generate_key_pair(&mut rng).unwrap();
        let skp = s.signature_generate(&mut rng).unwrap();
        for len in [
            0usize, 1, 2, 31, 32, 33, 48, 56, 57, 64, 65, 66, 97, 114, 133, 200,
        ] {
            for fill in [0x00u8, 0x04, 0x30, 0xff] {
                let mut g = rng.bytes(len);
                if let Some(first) = g.first_mut() {
                    *first = fill;
                }
                let _ = s.hpke_validate_public_key(&HpkePublicKey(g.clone()));
                let _ = s.hpke_public_key(&HpkePrivateKey::from_bytes(g.clone()));
                let _ = s.hpke_seal(&HpkePublicKey(g.clone()), b"", b"", b"", &mut rng);
                let c = HpkeCiphertext {
                    kem_output: g.clone(),
                    ciphertext: g.clone(),
                };
                let _ = s.hpke_open(&kp.private, &kp.public, b"", b"", &c);
                let _ = s.hpke_open(
                    &HpkePrivateKey::from_bytes(g.clone()),
                    &HpkePublicKey(g.clone()),
                    b"",
                    b"",
                    &c,
                );
                let _ = s.hpke_export_receiver(&g, &kp.private, &kp.public, b"", b"", 10);
                let _ = s.signing_key(&SignaturePrivateKey::from_bytes(g.clone()));
                let _ = s.signature_validate_public_key(&SignaturePublicKey(g.clone()));
                let _ = s.verify(&SignaturePublicKey(g.clone()), b"m", &g);
                let _ = s.verify(&skp.public, b"m", &g);
                let _ = s.aead_open(&g, &g, &g, &g);
                let _ = s.aead_seal(&g, &g, &g, &g);
                let _ = s.mac(&g, &g);
                let _ = s.kdf_expand(&g, &g, len);
            }
        }
    }
}

/// NIST private keys (ECDSA and HPKE) are exactly `Nsk` bytes: the
/// scalar written with its leading zero bytes stripped (as some official
/// vectors do for P-521; the vector runner pads those) is refused, as are
/// longer or empty encodings (issue 15, item 17).
#[test]
fn nist_private_keys_must_have_exactly_nsk_bytes() {
    for suite in suites() {
        let e = expect(suite.cipher_suite());
        if !e.nist {
            continue;
        }
        let mut full = vec![0u8; e.sig_sk_len];
        *full.last_mut().unwrap() = 7;
        full[1] = 0x42;
        let short = full[1..].to_vec();
        suite
            .signing_key(&SignaturePrivateKey::from_bytes(full.clone()))
            .unwrap();
        let mut long = vec![0u8];
        long.extend_from_slice(&full);
        for bad in [short.clone(), long.clone(), Vec::new()] {
            assert_eq!(
                suite
                    .signing_key(&SignaturePrivateKey::from_bytes(bad.clone()))
                    .err(),
                Some(Error::InvalidPrivateKey)
            );
            assert_eq!(
                suite.hpke_public_key(&HpkePrivateKey::from_bytes(bad)),
                Err(Error::InvalidPrivateKey)
            );
        }
        suite
            .hpke_public_key(&HpkePrivateKey::from_bytes(full))
            .unwrap();
    }
}

/// Issue 15, item 18: `hpke_export_receiver` checks the recipient public
/// key against the private key (a wrong one would silently give another
/// exporter secret, as external init uses it).
#[test]
fn item18_export_receiver_checks_the_public_key() {
    let mut rng = TestRng::new(18);
    for s in suites() {
        let kp = s.hpke_generate_key_pair(&mut rng).unwrap();
        let other = s.hpke_generate_key_pair(&mut rng).unwrap();
        let nh = s.kdf_extract_len();
        let (enc, secret) = s
            .hpke_export_sender(&kp.public, b"info", b"ctx", nh, &mut rng)
            .unwrap();
        let got = s
            .hpke_export_receiver(&enc, &kp.private, &kp.public, b"info", b"ctx", nh)
            .unwrap();
        assert_eq!(got.as_bytes(), secret.as_bytes());
        assert_eq!(
            s.hpke_export_receiver(&enc, &kp.private, &other.public, b"info", b"ctx", nh)
                .map(|_| ()),
            Err(Error::KeyPairMismatch),
            "suite {:?}",
            s.cipher_suite()
        );
    }
}
