//! The key schedule (RFC 9420 §8): outputs bind every input, joiners and
//! external joiners reach the members' epoch.

use mls_codec::{decode_exact, Encode};
use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, Secret};
use mls_keyschedule::{
    external_init_sender, EpochSecrets, Error, InitSecret, JoinerSecret, KeyScheduleOutput,
    PskSecret, SecretTreeConfig,
};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::TestRng;
use mls_types::GroupContext;
use mls_types::{Extension, ExtensionType};

fn suite(id: u16) -> RustCryptoSuite {
    RustCrypto.cipher_suite_provider(CipherSuite(id)).unwrap()
}

/// Every output of a key schedule run, as bytes, for comparison.
fn outputs(out: &KeyScheduleOutput) -> Vec<Vec<u8>> {
    let e = &out.epoch_secrets;
    vec![
        out.joiner_secret.as_bytes().to_vec(),
        out.welcome_secret.as_bytes().to_vec(),
        e.sender_data_secret().as_bytes().to_vec(),
        e.encryption_secret().unwrap().as_bytes().to_vec(),
        e.exporter_secret().as_bytes().to_vec(),
        e.external_secret().as_bytes().to_vec(),
        e.confirmation_key().as_bytes().to_vec(),
        e.membership_key().as_bytes().to_vec(),
        e.resumption_psk().as_bytes().to_vec(),
        e.epoch_authenticator().as_bytes().to_vec(),
        e.init_secret().as_bytes().to_vec(),
    ]
}

#[test]
fn outputs_differ_when_any_input_differs() {
    for id in 1..=7 {
        let s = suite(id);
        let nh = s.kdf_extract_len();
        let init = InitSecret::new(Secret::from(vec![1; nh]));
        let commit = Secret::from(vec![2; nh]);
        let gc = GroupContext::new(
            CipherSuite(id),
            b"group".to_vec(),
            3,
            vec![3; nh],
            vec![4; nh],
        );
        let gc_bytes = gc.to_bytes().unwrap();
        let psk = PskSecret::from_secret(Secret::from(vec![5; nh]));
        let base =
            outputs(&KeyScheduleOutput::derive(&s, &init, Some(&commit), &gc_bytes, &psk).unwrap());

        let mut gc2 = gc.clone();
        gc2.epoch = 4;
        let mut gc3 = gc.clone();
        gc3.extensions
            .push(Extension::new(ExtensionType(0xff00), vec![1]));
        let variants = [
            KeyScheduleOutput::derive(
                &s,
                &InitSecret::new(Secret::from(vec![9; nh])),
                Some(&commit),
                &gc_bytes,
                &psk,
            ),
            KeyScheduleOutput::derive(&s, &init, None, &gc_bytes, &psk),
            KeyScheduleOutput::derive(&s, &init, Some(&commit), &gc2.to_bytes().unwrap(), &psk),
            KeyScheduleOutput::derive(&s, &init, Some(&commit), &gc3.to_bytes().unwrap(), &psk),
            KeyScheduleOutput::derive(&s, &init, Some(&commit), &gc_bytes, &PskSecret::zero(&s)),
        ];
        for (v, variant) in variants.into_iter().enumerate() {
            let other = outputs(&variant.unwrap());
            for (i, (a, b)) in base.iter().zip(&other).enumerate() {
                // The joiner secret is derived before the PSKs enter.
                if (v, i) == (4, 0) {
                    assert_eq!(a, b);
                    continue;
                }
                assert_ne!(a, b, "suite {id}, variant {v}, output {i}");
            }
        }
        // All outputs of one run are distinct and of length Nh.
        for (i, a) in base.iter().enumerate() {
            assert_eq!(a.len(), nh);
            for b in &base[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}

#[test]
fn none_commit_secret_is_the_zero_vector() {
    let s = suite(1);
    let init = InitSecret::new(Secret::from(vec![1; 32]));
    let a = JoinerSecret::derive(&s, &init, None, b"gc").unwrap();
    let b = JoinerSecret::derive(&s, &init, Some(&Secret::zero(32)), b"gc").unwrap();
    assert_eq!(a, b);
}

#[test]
fn joiner_reaches_the_members_epoch() {
    for id in 1..=7 {
        let s = suite(id);
        let nh = s.kdf_extract_len();
        let gc = GroupContext::new(CipherSuite(id), b"g".to_vec(), 1, vec![7; nh], vec![8; nh])
            .to_bytes()
            .unwrap();
        let psk = PskSecret::from_secret(Secret::from(vec![6; nh]));
        let out = KeyScheduleOutput::derive(
            &s,
            &InitSecret::random(&s, &mut TestRng::new(0)).unwrap(),
            None,
            &gc,
            &psk,
        )
        .unwrap();
        let joiner = JoinerSecret::new(&s, Secret::from(out.joiner_secret.as_bytes())).unwrap();
        assert_eq!(joiner.welcome_secret(&s, &psk).unwrap(), out.welcome_secret);
        assert_eq!(
            joiner.epoch_secrets(&s, &psk, &gc).unwrap(),
            out.epoch_secrets
        );
        let kn = out.welcome_secret.key_nonce(&s).unwrap();
        assert_eq!(
            (kn.key.len(), kn.nonce.len()),
            (s.aead_key_len(), s.aead_nonce_len())
        );
        assert_eq!(
            JoinerSecret::new(&s, Secret::from(vec![0; nh + 1])).err(),
            Some(Error::InvalidSecretLength {
                expected: nh,
                got: nh + 1
            })
        );
    }
}

#[test]
fn external_init_both_sides_agree() {
    for id in 1..=7 {
        let s = suite(id);
        let nh = s.kdf_extract_len();
        let epoch = EpochSecrets::from_epoch_secret(&s, &Secret::from(vec![id as u8; nh])).unwrap();
        let (kem_output, joiner_init) = external_init_sender(
            &s,
            &epoch.external_pub(&s).unwrap(),
            &mut TestRng::new(u64::from(id)),
        )
        .unwrap();
        assert_eq!(joiner_init.as_bytes().len(), nh);
        assert_eq!(
            epoch.external_init_secret(&s, &kem_output).unwrap(),
            joiner_init
        );
        // A corrupted kem_output gives another secret or an error, never the same one.
        let mut bad = kem_output.clone();
        bad[0] ^= 1;
        if let Ok(other) = epoch.external_init_secret(&s, &bad) {
            assert_ne!(other, joiner_init);
        }
        assert!(epoch.external_init_secret(&s, &[]).is_err());
    }
}

#[test]
fn encryption_secret_moves_into_the_secret_tree_once() {
    let s = suite(1);
    let mut epoch = EpochSecrets::from_epoch_secret(&s, &Secret::from(vec![1; 32])).unwrap();
    // A bad leaf count does not consume the secret.
    assert!(matches!(
        epoch.secret_tree(&s, 0, SecretTreeConfig::default()),
        Err(Error::InvalidLeafCount { n_leaves: 0 })
    ));
    assert!(epoch.encryption_secret().is_some());
    epoch
        .secret_tree(&s, 4, SecretTreeConfig::default())
        .unwrap();
    assert!(epoch.encryption_secret().is_none());
    assert!(matches!(
        epoch.secret_tree(&s, 4, SecretTreeConfig::default()),
        Err(Error::EncryptionSecretConsumed)
    ));
}

#[test]
fn values_bound_to_a_suite_refuse_another() {
    let s1 = suite(1);
    let s3 = suite(3);
    let epoch = EpochSecrets::from_epoch_secret(&s1, &Secret::from(vec![1; 32])).unwrap();
    assert_eq!(
        epoch.export(&s3, b"l", b"c", 16),
        Err(Error::CipherSuiteMismatch {
            expected: CipherSuite(1),
            got: CipherSuite(3)
        })
    );
    assert!(epoch.sender_data_key_nonce(&s3, b"ct").is_err());
    assert!(epoch.confirmation_tag(&s3, b"h").is_err());
}

#[test]
fn exporter_binds_label_context_and_length() {
    let s = suite(1);
    let epoch = EpochSecrets::from_epoch_secret(&s, &Secret::from(vec![1; 32])).unwrap();
    let a = epoch.export(&s, b"a", b"ctx", 32).unwrap();
    assert_ne!(a, epoch.export(&s, b"b", b"ctx", 32).unwrap());
    assert_ne!(a, epoch.export(&s, b"a", b"ctx2", 32).unwrap());
    assert_ne!(
        a.as_bytes(),
        &epoch.export(&s, b"a", b"ctx", 33).unwrap().as_bytes()[..32]
    );
    // More than 255 * Nh bytes cannot be expanded: an error, not a panic.
    assert!(epoch.export(&s, b"a", b"ctx", u16::MAX).is_err());
}

#[test]
fn sender_data_sample_is_at_most_nh_bytes() {
    let s = suite(1);
    let epoch = EpochSecrets::from_epoch_secret(&s, &Secret::from(vec![1; 32])).unwrap();
    let long = [7u8; 100];
    let a = epoch.sender_data_key_nonce(&s, &long).unwrap();
    let b = epoch.sender_data_key_nonce(&s, &long[..32]).unwrap();
    let c = epoch.sender_data_key_nonce(&s, &long[..31]).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    epoch.sender_data_key_nonce(&s, &[]).unwrap();
}

#[test]
fn group_context_round_trips() {
    let mut gc = GroupContext::new(
        CipherSuite(7),
        b"id".to_vec(),
        u64::MAX,
        vec![1; 48],
        vec![2; 48],
    );
    gc.extensions.push(Extension::new(
        ExtensionType::REQUIRED_CAPABILITIES,
        vec![0],
    ));
    let bytes = gc.to_bytes().unwrap();
    assert_eq!(decode_exact::<GroupContext>(&bytes).unwrap(), gc);
    assert!(decode_exact::<GroupContext>(&bytes[..bytes.len() - 1]).is_err());
}
