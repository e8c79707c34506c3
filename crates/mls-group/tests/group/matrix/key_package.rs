//! Rows: KeyPackages, to `validate_key_package` and inside an Add to bob.

use super::*;

/// When the KeyPackage lifetimes are checked.
const NOW: u64 = 1_700_000_000;

/// Frank's KeyPackage with `lifetime`, `edit` applied to its leaf node
/// (re-signed) and then to the KeyPackage (re-signed).
fn key_package(
    lifetime: Lifetime,
    edit_leaf: impl FnOnce(&mut mls_treekem::LeafNode),
    edit: impl FnOnce(&mut KeyPackage),
) -> KeyPackage {
    let fx = fx();
    let frank = fx.newcomer.identity();
    let bundle = KeyPackageBundle::create(
        &fx.suite,
        frank,
        KeyPackageOptions {
            lifetime,
            ..KeyPackageOptions::default()
        },
        &mut TestRng::new(60),
    )
    .expect("key package");
    let key = signing_key(&fx.suite, frank);
    let mut kp = bundle.key_package().clone();
    edit_leaf(&mut kp.leaf_node);
    kp.leaf_node.sign(&fx.suite, &key, None).expect("sign leaf");
    edit(&mut kp);
    kp.sign(&fx.suite, &key).expect("sign");
    kp
}

/// Low-order X25519 keys (the fixture's suite 1): `u = 0`, and the
/// non-canonical `u = p + 1` with the ignored top bit set.
fn low_order_key(which: usize) -> mls_crypto::HpkePublicKey {
    let mut key = [0u8; 32];
    if which == 1 {
        key = [0xff; 32];
        key[0] = 0xee;
    }
    mls_crypto::HpkePublicKey(key.to_vec())
}

fn forever() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

/// Bob, with the clock at [`NOW`], processes alice's commit adding `kp`.
fn added_by_commit(kp: KeyPackage) -> Result<Refusal, String> {
    let ac = content_of(&commit_by(
        0,
        vec![add(frank())],
        false,
        HandshakeFormat::Public,
    ));
    let msg = edited(&ac, |c| {
        commit_of(c).proposals = vec![ProposalOrRef::Proposal(add(kp))];
    });
    let mut g = fx().group(RECEIVER);
    g.set_time(NOW);
    refused_by(&mut g, &msg).map(Refusal::Group)
}

fn validated(kp: KeyPackage) -> Result<Refusal, String> {
    match validate_key_package(&fx().suite, &kp, Some(NOW)) {
        Ok(()) => Err("valid".into()),
        Err(e) => Ok(Refusal::Group(e)),
    }
}

pub(crate) fn key_package_rows() -> Vec<Row> {
    type Build = fn() -> KeyPackage;
    // (name, KeyPackage, error of validate_key_package, error of a commit adding it)
    let cases: Vec<(&'static str, Build, G, G)> = vec![
        (
            "bad signature",
            || {
                let mut kp = key_package(forever(), |_| {}, |_| {});
                flip(&mut kp.signature, 1, 1);
                kp
            },
            G::Framing(F::InvalidSignature),
            G::Framing(F::InvalidSignature),
        ),
        (
            "wrong cipher suite",
            || key_package(forever(), |_| {}, |kp| kp.cipher_suite = CipherSuite(3)),
            G::Framing(F::CipherSuiteMismatch {
                expected: CipherSuite(1),
                got: CipherSuite(3),
            }),
            G::InvalidKeyPackage("version or cipher suite differs from the group's"),
        ),
        (
            "wrong version",
            || key_package(forever(), |_| {}, |kp| kp.version = ProtocolVersion(2)),
            G::Framing(F::KeyPackageVersionMismatch {
                expected: ProtocolVersion::MLS10,
                got: ProtocolVersion(2),
            }),
            G::InvalidKeyPackage("version or cipher suite differs from the group's"),
        ),
        (
            "init key equals encryption key",
            || {
                key_package(
                    forever(),
                    |_| {},
                    |kp| kp.init_key = kp.leaf_node.encryption_key.clone(),
                )
            },
            G::Framing(F::InitKeyEqualsEncryptionKey),
            G::Framing(F::InitKeyEqualsEncryptionKey),
        ),
        (
            "init key of low order (u = 0)",
            || key_package(forever(), |_| {}, |kp| kp.init_key = low_order_key(0)),
            G::Framing(F::InvalidInitKey),
            G::Framing(F::InvalidInitKey),
        ),
        (
            "leaf encryption key of low order (u = p + 1)",
            || key_package(forever(), |l| l.encryption_key = low_order_key(1), |_| {}),
            // Not in the tree yet: the leaf has no node.
            G::Tree(TreeError::InvalidEncryptionKey { node: None }),
            G::Tree(TreeError::InvalidEncryptionKey { node: None }),
        ),
        (
            "expired lifetime",
            || {
                key_package(
                    Lifetime {
                        not_before: 0,
                        not_after: NOW - 1,
                    },
                    |_| {},
                    |_| {},
                )
            },
            G::Tree(TreeError::LifetimeExpired),
            G::Tree(TreeError::LifetimeExpired),
        ),
        (
            "lifetime not started",
            || {
                key_package(
                    Lifetime {
                        not_before: NOW + 1,
                        not_after: u64::MAX,
                    },
                    |_| {},
                    |_| {},
                )
            },
            G::Tree(TreeError::LifetimeExpired),
            G::Tree(TreeError::LifetimeExpired),
        ),
        (
            "leaf of source update",
            || {
                key_package(
                    forever(),
                    |_| {},
                    |kp| kp.leaf_node.leaf_node_source = LeafNodeSource::Update,
                )
            },
            G::Framing(F::KeyPackageLeafSourceNotKeyPackage),
            G::Framing(F::KeyPackageLeafSourceNotKeyPackage),
        ),
        (
            "leaf with bad signature",
            || {
                key_package(
                    forever(),
                    |_| {},
                    |kp| flip(&mut kp.leaf_node.signature, 0, 0),
                )
            },
            // A KeyPackage's leaf has no index (not in the tree yet).
            G::Tree(TreeError::InvalidLeafSignature { leaf: None }),
            G::Tree(TreeError::InvalidLeafSignature { leaf: None }),
        ),
    ];
    let mut rows = Vec::new();
    for (name, build, validate_error, commit_error) in cases {
        rows.push(row(
            "KeyPackage",
            name,
            move || validated(build()),
            is(validate_error),
        ));
        rows.push(row(
            "KeyPackage in a commit",
            name,
            move || added_by_commit(build()),
            is(commit_error),
        ));
    }
    rows.push(row(
        "KeyPackage in a commit",
        "a member's KeyPackage again",
        || added_by_commit(fx().bundles[3].key_package().clone()),
        is(G::InvalidProposalList(
            "Add of a client already in the group",
        )),
    ));
    rows.push(row(
        "KeyPackage in a commit",
        "leaf with a member's encryption key",
        || {
            let member = fx().group(0).own_leaf_node().expect("leaf").clone();
            added_by_commit(key_package(
                forever(),
                |l| l.encryption_key = member.encryption_key,
                |_| {},
            ))
        },
        // Not in the tree yet: the new leaf has no index.
        is(G::Tree(TreeError::DuplicateEncryptionKey { node: None })),
    ));
    rows.push(row(
        "KeyPackage",
        "truncated",
        || {
            let bytes = frank().to_bytes().expect("encode");
            match mls_codec::decode_exact::<KeyPackage>(&bytes[..bytes.len() - 1]) {
                Err(e) => Ok(Refusal::Decode(F::Codec(e))),
                Ok(_) => Err("decoded".into()),
            }
        },
        undecodable(),
    ));
    rows
}
