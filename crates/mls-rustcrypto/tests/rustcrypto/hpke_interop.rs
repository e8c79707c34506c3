//! Our HPKE base mode against the independent `hpke` crate (X25519 and
//! P-256/384/521; the crate has no X448), plus an RFC 9180 known answer.

#![cfg(any(
    feature = "suite-1",
    feature = "suite-2",
    feature = "suite-3",
    feature = "suite-5",
    feature = "suite-7"
))]

use crate::common;

use common::HpkeRng;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider, HpkeCiphertext,
};
use mls_rustcrypto::RustCrypto;
use mls_test_support::TestRng;

macro_rules! interop_test {
    ($name:ident, $feature:literal, $suite:expr, $kem:ty, $kdf:ty, $aead:ty) => {
        #[cfg(feature = $feature)]
        #[test]
        fn $name() {
            type Kem = $kem;
            type Kdf = $kdf;
            type Aead = $aead;
            let s = RustCrypto
                .cipher_suite_provider(CipherSuite($suite))
                .unwrap();
            let mut rng = TestRng::new(0x1000 + $suite);
            let mut their_rng = HpkeRng(TestRng::new(0x2000 + $suite));
            let nh = s.kdf_extract_len();

            for round in 0..8usize {
                // DeriveKeyPair agrees, for several IKM lengths.
                let ikm = rng.bytes(16 + 8 * round);
                let ours = s.hpke_derive_key_pair(&ikm).unwrap();
                let (their_sk, their_pk) = Kem::derive_keypair(&ikm);
                assert_eq!(
                    clamp_x25519($suite, &ours.private.as_bytes()),
                    their_sk.to_bytes().to_vec(),
                    "sk, round {round}"
                );
                assert_eq!(
                    ours.public.0,
                    their_pk.to_bytes().to_vec(),
                    "pk, round {round}"
                );
                // The other side accepts our serialized private key as is.
                let our_sk =
                    <Kem as hpke::Kem>::PrivateKey::from_bytes(&ours.private.as_bytes()).unwrap();
                assert_eq!(Kem::sk_to_pk(&our_sk), their_pk);

                let info = rng.bytes(round * 7);
                let aad = rng.bytes(round * 3);
                let pt = rng.bytes(round * 33 + 1);

                // Our seal, their open.
                let ct = s
                    .hpke_seal(&ours.public, &info, &aad, &pt, &mut rng)
                    .unwrap();
                let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&ct.kem_output).unwrap();
                let opened = hpke::single_shot_open::<Aead, Kdf, Kem>(
                    &OpModeR::Base,
                    &their_sk,
                    &enc,
                    &info,
                    &ct.ciphertext,
                    &aad,
                )
                .unwrap();
                assert_eq!(opened, pt);

                // Their seal, our open.
                let (enc, ciphertext) = hpke::single_shot_seal_with_rng::<Aead, Kdf, Kem>(
                    &OpModeS::Base,
                    &their_pk,
                    &info,
                    &pt,
                    &aad,
                    &mut their_rng,
                )
                .unwrap();
                let ct = HpkeCiphertext {
                    kem_output: enc.to_bytes().to_vec(),
                    ciphertext,
                };
                assert_eq!(
                    s.hpke_open(&ours.private, &ours.public, &info, &aad, &ct)
                        .unwrap(),
                    pt
                );

                // Export: their sender, our receiver.
                let exp_ctx = rng.bytes(round * 5);
                let len = [1, nh, 2 * nh + 3, 255 * nh][round % 4];
                let (enc, ctx) = hpke::setup_sender_with_rng::<Aead, Kdf, Kem>(
                    &OpModeS::Base,
                    &their_pk,
                    &info,
                    &mut their_rng,
                )
                .unwrap();
                let mut theirs = vec![0u8; len];
                ctx.export(&exp_ctx, &mut theirs).unwrap();
                let ours_exp = s
                    .hpke_export_receiver(
                        &enc.to_bytes(),
                        &ours.private,
                        &ours.public,
                        &info,
                        &exp_ctx,
                        len,
                    )
                    .unwrap();
                assert_eq!(ours_exp.as_bytes(), &theirs[..]);

                // Export: our sender, their receiver.
                let (enc, ours_exp) = s
                    .hpke_export_sender(&ours.public, &info, &exp_ctx, len, &mut rng)
                    .unwrap();
                let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc).unwrap();
                let ctx =
                    hpke::setup_receiver::<Aead, Kdf, Kem>(&OpModeR::Base, &their_sk, &enc, &info)
                        .unwrap();
                let mut theirs = vec![0u8; len];
                ctx.export(&exp_ctx, &mut theirs).unwrap();
                assert_eq!(ours_exp.as_bytes(), &theirs[..]);

                // Generated keys are accepted by the other side too.
                let kp = s.hpke_generate_key_pair(&mut rng).unwrap();
                let sk =
                    <Kem as hpke::Kem>::PrivateKey::from_bytes(&kp.private.as_bytes()).unwrap();
                assert_eq!(
                    Kem::sk_to_pk(&sk).to_bytes().to_vec(),
                    kp.public.0,
                    "generated key, round {round}"
                );
            }
        }
    };
}

interop_test!(
    suite1_x25519_aes128,
    "suite-1",
    1,
    hpke::kem::X25519HkdfSha256,
    hpke::kdf::HkdfSha256,
    hpke::aead::AesGcm128
);
interop_test!(
    suite2_p256_aes128,
    "suite-2",
    2,
    hpke::kem::DhP256HkdfSha256,
    hpke::kdf::HkdfSha256,
    hpke::aead::AesGcm128
);
interop_test!(
    suite3_x25519_chacha,
    "suite-3",
    3,
    hpke::kem::X25519HkdfSha256,
    hpke::kdf::HkdfSha256,
    hpke::aead::ChaCha20Poly1305
);
interop_test!(
    suite5_p521_aes256,
    "suite-5",
    5,
    hpke::kem::DhP521HkdfSha512,
    hpke::kdf::HkdfSha512,
    hpke::aead::AesGcm256
);
interop_test!(
    suite7_p384_aes256,
    "suite-7",
    7,
    hpke::kem::DhP384HkdfSha384,
    hpke::kdf::HkdfSha384,
    hpke::aead::AesGcm256
);

/// The `hpke` crate clamps X25519 private keys when serializing them
/// (RFC 9180 §7.1.2 as published); we keep DeriveKeyPair's bytes unclamped,
/// as RFC 9180 Appendix A and the MLS test vectors do. The two encodings
/// name the same key, since X25519 clamps its scalar input.
fn clamp_x25519(suite: u16, sk: &[u8]) -> Vec<u8> {
    let mut sk = sk.to_vec();
    if matches!(suite, 1 | 3) {
        sk[0] &= 248;
        sk[31] &= 127;
        sk[31] |= 64;
    }
    sk
}

/// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
/// AES-128-GCM, base mode — MLS suite 1.
#[cfg(feature = "suite-1")]
mod rfc9180 {
    use super::*;
    use mls_crypto::{HpkePrivateKey, HpkePublicKey};

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn rfc9180_a_1_1_base_x25519_aes128() {
        let s = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
        let info = h("4f6465206f6e2061204772656369616e2055726e");
        let ikm_e = h("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234");
        let ikm_r = h("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037");
        let sk_em = h("52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736");
        let pk_em = h("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
        let sk_rm = h("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8");

        let e = s.hpke_derive_key_pair(&ikm_e).unwrap();
        assert_eq!(e.private.as_bytes(), sk_em);
        assert_eq!(e.public.0, pk_em);
        let r = s.hpke_derive_key_pair(&ikm_r).unwrap();
        assert_eq!(r.private.as_bytes(), sk_rm);
        // pkRm is taken from DeriveKeyPair; the AEAD tag below authenticates
        // it (it is part of the KEM context).
        let pk_rm = r.public.0.clone();
        assert!(hex::encode(&pk_rm).starts_with("3948cfe0ad1ddb695d780e59077195da"));

        // Sequence number 0.
        let pt = h("4265617574792069732074727574682c20747275746820626561757479");
        let aad = h("436f756e742d30");
        let ct = h("f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a");
        let opened = s
            .hpke_open(
                &HpkePrivateKey::from_bytes(sk_rm),
                &HpkePublicKey(pk_rm),
                &info,
                &aad,
                &HpkeCiphertext {
                    kem_output: pk_em,
                    ciphertext: ct,
                },
            )
            .unwrap();
        assert_eq!(opened, pt);
    }
}
