//! KeyPackage (RFC 9420 §10), GroupInfo and Welcome (§12.4.3), extensions (§13).

use crate::common;

use common::*;
use mls_codec::{decode_exact, Encode};
use mls_crypto::{CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, HpkePublicKey, Secret};
use mls_framing::*;
use mls_keyschedule::{JoinerSecret, PskSecret};
use mls_test_support::TestRng;
use mls_treekem::{LeafNodeSource, RatchetTree};
use mls_types::{Extension, ExtensionType, ProtocolVersion, RequiredCapabilities};

/// Issue 15, item 15: a KeyPackage whose `init_key` is a low-order
/// X25519/X448 encoding (no Welcome can be encrypted to it) is refused.
#[test]
fn item15_low_order_init_keys_are_refused() {
    for (id, npk) in [(1u16, 32usize), (3, 32), (4, 56), (6, 56)] {
        let suite = suite(id);
        let cs = CipherSuite(id);
        let (key, _, kp) = key_package(&suite, 15);
        kp.validate(&suite, ProtocolVersion::MLS10, cs).unwrap();
        let low = mls_test_support::hpke::low_order_public_keys(npk);
        assert!(low.len() >= 5);
        for init in low {
            let mut bad = kp.clone();
            bad.init_key = init;
            bad.sign(&suite, &key).unwrap();
            assert_eq!(
                bad.validate(&suite, ProtocolVersion::MLS10, cs),
                Err(FramingError::InvalidInitKey),
                "suite {id}"
            );
        }
    }
    assert_eq!(
        FramingError::InvalidInitKey.to_string(),
        "KeyPackage init_key is not a valid HPKE public key"
    );
}

#[test]
fn key_package_checks() {
    let suite = suite(1);
    let (key, _, kp) = key_package(&suite, 1);
    kp.validate(&suite, ProtocolVersion::MLS10, CipherSuite(1))
        .unwrap();
    assert_eq!(
        kp.validate(&suite, ProtocolVersion(2), CipherSuite(1)),
        Err(FramingError::KeyPackageVersionMismatch {
            expected: ProtocolVersion(2),
            got: ProtocolVersion::MLS10
        })
    );
    assert_eq!(
        kp.validate(&suite, ProtocolVersion::MLS10, CipherSuite(3)),
        Err(FramingError::CipherSuiteMismatch {
            expected: CipherSuite(3),
            got: CipherSuite(1)
        })
    );

    let mut bad = kp.clone();
    bad.signature[0] ^= 1;
    assert_eq!(
        bad.verify_signature(&suite),
        Err(FramingError::InvalidSignature)
    );

    let mut bad = kp.clone();
    bad.extensions
        .push(Extension::new(ExtensionType(0x0a0a), vec![]));
    assert_eq!(
        bad.verify_signature(&suite),
        Err(FramingError::InvalidSignature)
    );
    bad.sign(&suite, &key).unwrap();
    bad.verify_signature(&suite).unwrap();

    let mut bad = kp.clone();
    bad.init_key = bad.leaf_node.encryption_key.clone();
    bad.sign(&suite, &key).unwrap();
    assert_eq!(
        bad.validate(&suite, ProtocolVersion::MLS10, CipherSuite(1)),
        Err(FramingError::InitKeyEqualsEncryptionKey)
    );

    let mut bad = kp.clone();
    bad.leaf_node.leaf_node_source = LeafNodeSource::Update;
    bad.sign(&suite, &key).unwrap();
    assert_eq!(
        bad.validate(&suite, ProtocolVersion::MLS10, CipherSuite(1)),
        Err(FramingError::KeyPackageLeafSourceNotKeyPackage)
    );

    // A KeyPackage in an MLSMessage must carry the message's version.
    let mut other = kp.clone();
    other.version = ProtocolVersion(2);
    let bytes = MlsMessage::from(other).to_bytes().unwrap();
    assert!(matches!(
        MlsMessage::from_bytes(&bytes),
        Err(FramingError::KeyPackageVersionMismatch { .. })
    ));
    let mut msg = MlsMessage::from(kp);
    msg.version = ProtocolVersion(7);
    assert_eq!(
        MlsMessage::from_bytes(&msg.to_bytes().unwrap()),
        Err(FramingError::UnsupportedVersion(ProtocolVersion(7)))
    );
}

#[test]
fn welcome_round_trip_every_suite() {
    for cs in 1..=7 {
        let suite = suite(cs);
        let (committer, committer_pub) = signer(&suite, 50);
        let (_, init, kp) = key_package(&suite, 51);
        let (_, init2, kp2) = key_package(&suite, 52);
        let gi = group_info(&suite, &committer, &kp);
        let nh = suite.kdf_extract_len();
        let joiner = JoinerSecret::new(&suite, Secret::from(vec![8; nh])).unwrap();
        let psk = PskSecret::zero(&suite);
        let secrets = GroupSecrets {
            joiner_secret: joiner.as_bytes().to_vec(),
            path_secret: Some(PathSecret {
                path_secret: vec![1; 32],
            }),
            psks: vec![],
        };
        let welcome = Welcome::seal(
            &suite,
            &gi,
            &joiner,
            &psk,
            [(&kp, &secrets), (&kp2, &secrets)],
            &mut TestRng::new(cs.into()),
        )
        .unwrap();
        let bytes = MlsMessage::from(welcome).to_bytes().unwrap();
        let welcome = MlsMessage::from_bytes(&bytes)
            .unwrap()
            .into_welcome()
            .unwrap();

        for (kp, init) in [(&kp, &init), (&kp2, &init2)] {
            let r = kp.reference(&suite).unwrap();
            let got = welcome
                .decrypt_group_secrets(&suite, &r, &init.private, &init.public)
                .unwrap();
            assert_eq!(got, secrets);
        }
        let got_gi = welcome.decrypt_group_info(&suite, &joiner, &psk).unwrap();
        assert_eq!(got_gi, gi);
        got_gi.verify_signature(&suite, &committer_pub).unwrap();

        // The wrong key package, wrong init key, wrong PSK secret, a
        // tampered GroupInfo (it is the HPKE context of the secrets).
        let (_, init3, kp3) = key_package(&suite, 53);
        let r3 = kp3.reference(&suite).unwrap();
        assert_eq!(
            welcome.decrypt_group_secrets(&suite, &r3, &init3.private, &init3.public),
            Err(FramingError::NoSecretsForKeyPackage)
        );
        let r = kp.reference(&suite).unwrap();
        assert_eq!(
            welcome.decrypt_group_secrets(&suite, &r, &init2.private, &init2.public),
            Err(FramingError::GroupSecretsDecryptionFailed)
        );
        let other_psk = PskSecret::from_secret(Secret::from(vec![1; nh]));
        assert_eq!(
            welcome.decrypt_group_info(&suite, &joiner, &other_psk),
            Err(FramingError::GroupInfoDecryptionFailed)
        );
        let mut tampered = welcome.clone();
        tampered.encrypted_group_info[0] ^= 1;
        assert_eq!(
            tampered.decrypt_group_secrets(&suite, &r, &init.private, &init.public),
            Err(FramingError::GroupSecretsDecryptionFailed)
        );
        assert_eq!(
            tampered.decrypt_group_info(&suite, &joiner, &psk),
            Err(FramingError::GroupInfoDecryptionFailed)
        );
        let other_suite = common::suite(if cs == 1 { 2 } else { 1 });
        assert!(matches!(
            welcome.decrypt_group_info(&other_suite, &joiner, &psk),
            Err(FramingError::CipherSuiteMismatch { .. })
        ));
    }
}

/// `Welcome::seal` (one encoding of the GroupInfo, encrypted in place;
/// the GroupSecrets sealed as one batch) and `seal_encoded` produce exactly
/// the Welcome of RFC 9420 §12.4.3.1 built step by step: the encoded
/// GroupInfo AEAD-sealed, then for each recipient in order its
/// KeyPackageRef and `EncryptWithLabel(init_key, "Welcome",
/// encrypted_group_info, GroupSecrets)` with the same random source.
#[test]
fn sealing_equals_the_step_by_step_welcome() {
    for cs in 1..=7 {
        let suite = suite(cs);
        let (committer, _) = signer(&suite, 80);
        let kps: Vec<KeyPackage> = (81..85).map(|i| key_package(&suite, i).2).collect();
        let mut gi = group_info(&suite, &committer, &kps[0]);
        let nh = suite.kdf_extract_len();
        let joiner = JoinerSecret::new(&suite, Secret::from(vec![8; nh])).unwrap();
        let psk = PskSecret::zero(&suite);
        let secrets: Vec<GroupSecrets> = (0..kps.len())
            .map(|i| GroupSecrets {
                joiner_secret: joiner.as_bytes().to_vec(),
                path_secret: (i % 2 == 0).then(|| PathSecret {
                    path_secret: vec![i as u8; nh],
                }),
                psks: vec![],
            })
            .collect();

        let kn = joiner
            .welcome_secret(&suite, &psk)
            .unwrap()
            .key_nonce(&suite)
            .unwrap();
        let encrypted_group_info = suite
            .aead_seal(
                kn.key.as_bytes(),
                kn.nonce.as_bytes(),
                b"",
                &gi.to_bytes().unwrap(),
            )
            .unwrap();
        let mut rng = TestRng::new(u64::from(cs));
        let expected = Welcome {
            cipher_suite: CipherSuite(cs),
            secrets: kps
                .iter()
                .zip(&secrets)
                .map(|(kp, gs)| EncryptedGroupSecrets {
                    new_member: kp.reference(&suite).unwrap(),
                    encrypted_group_secrets: gs
                        .encrypt(&suite, &kp.init_key, &encrypted_group_info, &mut rng)
                        .unwrap(),
                })
                .collect(),
            encrypted_group_info,
        };

        let recipients = || kps.iter().zip(secrets.iter());
        let sealed = Welcome::seal(
            &suite,
            &gi,
            &joiner,
            &psk,
            recipients(),
            &mut TestRng::new(u64::from(cs)),
        )
        .unwrap();
        assert!(sealed == expected, "suite {cs}: seal");
        let encoded = gi.sign_encoded(&suite, &committer).unwrap();
        assert!(encoded == gi.to_bytes().unwrap());
        let sealed = Welcome::seal_encoded(
            &suite,
            encoded,
            &joiner,
            &psk,
            recipients(),
            &mut TestRng::new(u64::from(cs)),
        )
        .unwrap();
        assert!(sealed == expected, "suite {cs}: seal_encoded");
    }
}

#[test]
fn group_info_signature_and_confirmation_tag() {
    let suite = suite(1);
    let (key, public) = signer(&suite, 60);
    let (_, _, kp) = key_package(&suite, 61);
    let mut gi = group_info(&suite, &key, &kp);
    gi.verify_signature(&suite, &public).unwrap();

    let joiner = JoinerSecret::new(&suite, Secret::from(vec![2; 32])).unwrap();
    let psk = PskSecret::zero(&suite);
    let epoch = joiner
        .epoch_secrets(&suite, &psk, &gi.group_context.to_bytes().unwrap())
        .unwrap();
    assert_eq!(
        gi.verify_confirmation_tag(&suite, &epoch),
        Err(FramingError::InvalidConfirmationTag)
    );
    gi.confirmation_tag = epoch
        .confirmation_tag(&suite, &gi.group_context.confirmed_transcript_hash)
        .unwrap();
    gi.verify_confirmation_tag(&suite, &epoch).unwrap();
    assert_eq!(
        gi.verify_signature(&suite, &public),
        Err(FramingError::InvalidSignature)
    );
    gi.sign(&suite, &key).unwrap();
    gi.verify_signature(&suite, &public).unwrap();
}

#[test]
fn extensions() {
    let suite = suite(1);
    let (key, _, kp) = key_package(&suite, 70);
    let gi = group_info(&suite, &key, &kp);

    let tree: RatchetTreeExtension = find_extension(&gi.extensions).unwrap().unwrap();
    assert_eq!(tree, ratchet_tree(&kp));
    // The extension body is what the tree crate imports.
    let ext = tree.to_extension().unwrap();
    let imported = RatchetTree::from_extension_bytes(&ext.extension_data).unwrap();
    assert_eq!(imported.to_extension_bytes().unwrap(), ext.extension_data);

    let external_pub: ExternalPub = find_extension(&gi.extensions).unwrap().unwrap();
    assert_eq!(external_pub.external_pub, HpkePublicKey(vec![5; 32]));
    assert_eq!(find_extension::<ApplicationId>(&gi.extensions), Ok(None));

    let rc = RequiredCapabilities {
        extension_types: vec![ExtensionType(0xff00)],
        proposal_types: vec![],
        credential_types: vec![mls_types::CredentialType::BASIC],
    };
    let ext = rc.to_extension().unwrap();
    assert_eq!(ext.extension_type, ExtensionType::REQUIRED_CAPABILITIES);
    assert_eq!(RequiredCapabilities::from_extension(&ext).unwrap(), rc);
    assert_eq!(
        ExternalSenders::from_extension(&ext),
        Err(FramingError::ExtensionTypeMismatch {
            expected: ExtensionType::EXTERNAL_SENDERS,
            got: ExtensionType::REQUIRED_CAPABILITIES
        })
    );

    // Trailing bytes in a body are malformed; unknown types stay opaque.
    let mut long = ApplicationId(b"id".to_vec()).to_extension().unwrap();
    long.extension_data.push(0);
    assert!(matches!(
        ApplicationId::from_extension(&long),
        Err(FramingError::Codec(mls_codec::Error::TrailingBytes { .. }))
    ));
    let unknown = Extension::new(ExtensionType(0xf0f0), vec![0xde, 0xad]);
    let list = vec![unknown.clone(), ext.clone()];
    check_unique_extensions(&list).unwrap();
    assert_eq!(
        decode_exact::<Vec<Extension>>(&list.to_bytes().unwrap()).unwrap(),
        list
    );
    assert_eq!(
        check_unique_extensions(&[unknown.clone(), ext, unknown]),
        Err(FramingError::DuplicateExtension(ExtensionType(0xf0f0)))
    );
}

#[test]
fn every_structure_round_trips() {
    let s = samples();
    for m in &s.messages {
        let msg = MlsMessage::from_bytes(m).unwrap();
        assert_eq!(&msg.to_bytes().unwrap(), m);
        assert_eq!(msg.encoded_len(), m.len());
    }
    for p in &s.proposals {
        let proposal: Proposal = decode_exact(p).unwrap();
        assert_eq!(&proposal.to_bytes().unwrap(), p);
    }
    let commit: Commit = decode_exact(&s.commit).unwrap();
    assert_eq!(commit.to_bytes().unwrap(), s.commit);
    // An Add by value and a reference: no path required by value.
    assert!(!commit.path_required());
    let kp: KeyPackage = decode_exact(&s.key_package).unwrap();
    assert_eq!(kp.to_bytes().unwrap(), s.key_package);
    let tree: RatchetTreeExtension = decode_exact(&s.ratchet_tree).unwrap();
    assert_eq!(tree.to_bytes().unwrap(), s.ratchet_tree);

    // Unknown proposal types decode as custom proposals (`opaque data<V>`);
    // unknown wire formats do not decode.
    assert_eq!(
        decode_exact::<Proposal>(&[0x0a, 0x0a, 0]),
        Ok(Proposal::Custom(mls_framing::CustomProposal {
            proposal_type: mls_types::ProposalType(0x0a0a),
            data: vec![],
        }))
    );
    assert_eq!(
        decode_exact::<MlsMessage>(&[0, 1, 0xf0, 0x00]),
        Err(mls_codec::Error::UnknownDiscriminant(0xf000))
    );
    let gi = MlsMessage::from_bytes(&s.group_info).unwrap();
    assert_eq!(
        gi.into_welcome(),
        Err(FramingError::WrongWireFormat {
            expected: WireFormat::WELCOME,
            got: WireFormat::GROUP_INFO
        })
    );
}
