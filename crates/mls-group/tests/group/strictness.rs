//! Exactly RFC 9420: MUSTs that are enforced, each named after the issue
//! item it closes.

use crate::common;

use common::*;
use mls_group::*;

const UNLISTED: ExtensionType = ExtensionType(0xff42);

/// A KeyPackage of `id` whose leaf lists `UNLISTED`.
fn listing_unlisted(id: &ClientIdentity) -> KeyPackageBundle {
    let options = KeyPackageOptions {
        capabilities: Capabilities {
            extensions: vec![UNLISTED],
            ..Capabilities::default()
        },
        ..KeyPackageOptions::default()
    };
    KeyPackageBundle::create(&suite(1), id, options, &mut OsRng).unwrap()
}

/// A group whose GroupContext carries the non-default extension `UNLISTED`
/// (its creator supports it), at epoch 0.
fn group_with_extension() -> Group<RustCryptoSuite> {
    let s = suite(1);
    let id = identity(&s, "alice");
    let bundle = listing_unlisted(&id);
    let mut g = Group::create_with_leaf(
        s,
        bundle,
        b"extended".to_vec(),
        vec![Extension::new(UNLISTED, b"on".to_vec())],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    g.set_time(unix_time_now());
    g
}

/// Item 6 (§13.4): a new member must support every GroupContext
/// extension; a committer refuses to add one that does not, changing
/// nothing.
#[test]
fn item6_add_of_a_leaf_without_a_group_context_extension_is_refused() {
    let mut alice = group_with_extension();
    let s = suite(1);
    let bob = key_package(&s, "bob"); // lists no extension
    let before = alice.to_state_bytes().unwrap();
    let add = Proposal::Add(Add {
        key_package: bob.key_package().clone(),
    });
    assert_eq!(
        alice
            .commit(vec![add], &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        GroupError::InvalidKeyPackage("leaf does not support a GroupContext extension")
    );
    assert_eq!(alice.to_state_bytes().unwrap(), before);
    // A KeyPackage that lists it is added.
    let carol = listing_unlisted(&identity(&s, "carol"));
    let add = Proposal::Add(Add {
        key_package: carol.key_package().clone(),
    });
    alice
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
}

/// Item 8 (§7.3): the lifetime of a KeyPackage a client sends in an Add is
/// checked; without a time that is refused rather than skipped, unless the
/// configuration says lifetimes are checked only when a time is set.
#[test]
fn item8_an_add_needs_a_time_and_an_expired_key_package_is_refused() {
    let s = suite(1);
    let make = |lifetimes| {
        Group::create(
            s.clone(),
            identity(&s, "alice"),
            b"g".to_vec(),
            vec![],
            GroupConfig {
                lifetimes,
                ..GroupConfig::default()
            },
            &mut OsRng,
        )
        .unwrap()
    };
    let add = |kp: &KeyPackageBundle| {
        vec![Proposal::Add(Add {
            key_package: kp.key_package().clone(),
        })]
    };
    let bob = key_package(&s, "bob");
    let mut alice = make(LifetimeCheck::Required);
    let before = alice.to_state_bytes().unwrap();
    assert_eq!(
        alice
            .commit(add(&bob), &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        GroupError::TimeRequired
    );
    assert_eq!(
        alice.propose(add(&bob).remove(0), &mut OsRng).unwrap_err(),
        GroupError::TimeRequired
    );
    assert_eq!(alice.to_state_bytes().unwrap(), before);

    // A KeyPackage that expired in 1970.
    let expired = KeyPackageBundle::create(
        &s,
        &identity(&s, "old"),
        KeyPackageOptions {
            lifetime: Lifetime {
                not_before: 0,
                not_after: 1,
            },
            ..KeyPackageOptions::default()
        },
        &mut OsRng,
    )
    .unwrap();
    alice.set_time(unix_time_now());
    assert!(matches!(
        alice
            .commit(add(&expired), &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        GroupError::InvalidKeyPackage(_) | GroupError::Tree(_) | GroupError::Framing(_)
    ));
    alice
        .commit(add(&bob), &CommitOptions::default(), &mut OsRng)
        .unwrap();

    // Explicitly weaker: checked only when a time is set.
    let mut lax = make(LifetimeCheck::WhenTimeSet);
    lax.commit(add(&expired), &CommitOptions::default(), &mut OsRng)
        .unwrap();
}

/// Item 9: the default policy keeps identities — a member cannot take
/// another identity by Update; `AcceptAll` is the explicit permissive
/// choice.
#[test]
fn item9_the_default_policy_keeps_identities() {
    let s = suite(1);
    let imposter = KeyPackageBundle::create(
        &s,
        &identity(&s, "alice"),
        KeyPackageOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let mut update = g[1].own_leaf_node().unwrap().clone();
    update.credential = imposter.key_package().leaf_node.credential.clone();
    let policy = DefaultPolicy;
    let input = mls_group::CredentialInput {
        credential: &update.credential,
        signature_key: &update.signature_key,
        cipher_suite: CipherSuite(1),
        now: None,
        context: mls_group::CredentialContext::Update,
    };
    assert_eq!(
        policy.valid_successor(&g[1].own_leaf_node().unwrap().credential, &input),
        Err(mls_group::CredentialError::IdentityChanged)
    );
    assert!(AcceptAll
        .valid_successor(&g[1].own_leaf_node().unwrap().credential, &input)
        .is_ok());
    // What a group applies by default.
    let proposal = Proposal::Update(Update { leaf_node: update });
    let before = g[0].to_state_bytes().unwrap();
    assert!(g[0]
        .commit(vec![proposal], &CommitOptions::default(), &mut OsRng)
        .is_err());
    assert_eq!(g[0].to_state_bytes().unwrap(), before);
}

/// Item 10: a proposal that is invalid on its own is refused when sent or
/// received, so it never sits in the store; proposals the list rules allow
/// only one of are left out of the default commit and reported.
#[test]
fn item10_invalid_proposals_are_not_stored_and_do_not_block_commits() {
    let mut g = group_of(1, &["alice", "bob", "carol"], HandshakeFormat::Public);
    let before = g[1].to_state_bytes().unwrap();
    // A Remove of a blank leaf.
    assert_eq!(
        g[1].propose(Proposal::Remove(Remove { removed: 7 }), &mut OsRng)
            .unwrap_err(),
        GroupError::InvalidProposal("Remove of a blank leaf")
    );
    // An Add of a KeyPackage whose signature is wrong.
    let s = suite(1);
    let mut bad = key_package(&s, "dave").key_package().clone();
    bad.signature[0] ^= 1;
    assert!(g[1]
        .propose(Proposal::Add(Add { key_package: bad }), &mut OsRng)
        .is_err());
    assert_eq!(
        g[1].to_state_bytes().unwrap(),
        before,
        "nothing stored or consumed"
    );

    // Bob and carol both propose adding dave: one Add is committed, the
    // other left out.
    let dave = key_package(&s, "dave");
    let add = || {
        Proposal::Add(Add {
            key_package: dave.key_package().clone(),
        })
    };
    let from_bob = g[1].propose(add(), &mut OsRng).unwrap();
    let from_carol = g[2]
        .propose_remove(mls_types::tree_math::LeafIndex(1), &mut OsRng)
        .unwrap();
    let again = g[2].propose(add(), &mut OsRng);
    let from_carol_add = again.unwrap();
    for m in [&from_bob, &from_carol, &from_carol_add] {
        g[0].process_message(m).unwrap();
    }
    let out = g[0]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert_eq!(out.left_out.len(), 1, "one of the two Adds of dave");
    g[0].merge_pending_commit().unwrap();
    assert_eq!(g[0].members().len(), 3, "bob removed, dave added");
}

/// Item 11: a sender refuses what every receiver would refuse, before
/// consuming a key — here an application message beyond the 16 MiB
/// message limit.
#[test]
fn item11_a_sender_refuses_what_receivers_refuse() {
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Private);
    let before = g[0].to_state_bytes().unwrap();
    let aad = vec![0u8; 17 << 20];
    assert!(matches!(
        g[0].encrypt_application_message(b"hi", &aad, &mut OsRng)
            .unwrap_err(),
        GroupError::Framing(mls_framing::FramingError::LimitExceeded { .. })
    ));
    assert_eq!(g[0].to_state_bytes().unwrap(), before, "no key consumed");
    // A message within the limit still goes through.
    let msg = g[0]
        .encrypt_application_message(b"hi", b"", &mut OsRng)
        .unwrap();
    g[1].process_message(&msg).unwrap();
}

/// Item 12: sealed state — any single-byte change is refused before
/// anything is decoded.
#[test]
fn item12_every_flipped_byte_of_a_sealed_state_is_refused() {
    let g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let s = suite(1);
    let sealer = StateSealer::new(s.clone(), Secret::from(vec![7; 32]));
    let sealed = sealer
        .seal(StateSlot::Blob, &g[0].to_state_bytes().unwrap())
        .unwrap();
    for i in 0..sealed.len() {
        let mut flipped = sealed.to_vec();
        flipped[i] ^= 0x01;
        assert_eq!(
            sealer.open(StateSlot::Blob, &flipped).unwrap_err(),
            GroupError::StateAuthentication,
            "byte {i}"
        );
    }
    // A record sealed for one slot does not open in another.
    let record = sealer
        .seal(StateSlot::Record(StateKey::Node(0)), b"node")
        .unwrap();
    assert!(sealer
        .open(StateSlot::Record(StateKey::Node(2)), &record)
        .is_err());
    let opened = sealer.open(StateSlot::Blob, &sealed).unwrap();
    Group::from_state_bytes(s, opened, GroupConfig::default(), None).unwrap();
}

/// Item 12: a pending commit whose tree changes claim 2^24 leaves (a
/// two-byte change of a saved state) is refused on restore instead of
/// allocating a gigabyte when merged.
#[test]
fn item12_a_pending_commit_that_grows_the_tree_absurdly_is_refused() {
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let s = suite(1);
    let carol = key_package(&s, "carol");
    g[0].commit(
        vec![Proposal::Add(Add {
            key_package: carol.key_package().clone(),
        })],
        &CommitOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    let bytes = g[0].to_state_bytes().unwrap();
    // The tree changes of the pending commit: from 2 leaves to 4.
    let needle = [0, 0, 0, 2, 0, 0, 0, 4];
    let places: Vec<usize> = (0..bytes.len() - needle.len())
        .filter(|&i| bytes[i..i + needle.len()] == needle)
        .collect();
    assert!(!places.is_empty());
    let mut refused = 0;
    for at in places {
        let mut patched = bytes.to_vec();
        patched[at + 4..at + 8].copy_from_slice(&(1u32 << 24).to_be_bytes());
        match Group::from_state_bytes(s.clone(), &patched, GroupConfig::default(), None) {
            Err(GroupError::InvalidState(_)) => refused += 1,
            Err(_) => {}
            Ok(mut back) => {
                // Whatever else it changed, it cannot grow the tree.
                let _ = back.merge_pending_commit();
                assert!(back.tree().n_leaves() <= 4);
            }
        }
    }
    assert!(refused >= 1);
}

/// Item 12: a saved state whose tree does not hash to its GroupContext's
/// tree hash is refused as damaged.
#[test]
fn item12_a_state_whose_tree_is_not_its_context_is_refused() {
    let g = group_of(1, &["alice", "bob", "carol"], HandshakeFormat::Public);
    let other = group_of(1, &["alice", "bob", "carol"], HandshakeFormat::Public);
    // Two states of the same shape; swap their trees: the group record of
    // one with the tree of the other.
    let records = |g: &Group<RustCryptoSuite>| {
        let mut copy = Group::from_state_bytes(
            suite(1),
            &g.to_state_bytes().unwrap(),
            GroupConfig::default(),
            None,
        )
        .unwrap();
        copy.take_state_changes().unwrap()
    };
    let mine = records(&g[0]);
    let theirs = records(&other[0]);
    let group_record = mine
        .iter()
        .find(|c| c.key == StateKey::Group)
        .and_then(|c| c.value.clone())
        .unwrap();
    let nodes: Vec<(StateKey, Vec<u8>)> = theirs
        .iter()
        .filter(|c| c.key != StateKey::Group)
        .map(|c| (c.key, c.value.clone().unwrap().to_vec()))
        .collect();
    let all = std::iter::once((StateKey::Group, group_record.as_slice()))
        .chain(nodes.iter().map(|(k, v)| (*k, v.as_slice())));
    assert!(Group::from_state_records(suite(1), all, GroupConfig::default(), None).is_err());
}

/// Item 3: the epoch's proposal store is bounded; beyond the bound a
/// proposal is refused before a key is consumed, sent or received.
#[test]
fn item3_the_proposal_store_is_bounded() {
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let custom = ProposalType(0xff07);
    for i in 0..mls_group::limits::MAX_STORED_PROPOSALS {
        g[0].propose_custom(custom, (i as u32).to_be_bytes().to_vec(), &mut OsRng)
            .unwrap();
    }
    let before = g[0].to_state_bytes().unwrap();
    assert_eq!(
        g[0].propose_custom(custom, b"one more".to_vec(), &mut OsRng)
            .unwrap_err(),
        GroupError::TooManyProposals
    );
    assert_eq!(g[0].to_state_bytes().unwrap(), before);
    // A restored full store stays full and usable.
    let back = Group::from_state_bytes(suite(1), &before, GroupConfig::default(), None).unwrap();
    assert_eq!(
        back.public_group().proposals().len(),
        mls_group::limits::MAX_STORED_PROPOSALS
    );
}

/// Item 7: RFC 9420 does not require a KeyPackage's leaf to list its own
/// cipher suite, and other implementations produce such KeyPackages: a
/// receiver validates it and a member adds its owner.
#[test]
fn item7_a_key_package_not_listing_its_own_suite_is_accepted() {
    let s = suite(1);
    let bob = identity(&s, "bob");
    let signer = s.signing_key(bob.signature_private_key()).unwrap();
    let init = s.hpke_generate_key_pair(&mut OsRng).unwrap();
    let enc = s.hpke_generate_key_pair(&mut OsRng).unwrap();
    let mut leaf = LeafNode {
        encryption_key: enc.public.clone(),
        signature_key: bob.signature_key().clone(),
        credential: bob.credential().clone(),
        capabilities: Capabilities {
            cipher_suites: vec![CipherSuite(7)], // not suite 1
            ..Capabilities::default()
        },
        leaf_node_source: mls_treekem::LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        }),
        extensions: vec![],
        signature: vec![],
    };
    leaf.sign(&s, &signer, None).unwrap();
    let mut kp = KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(1),
        init_key: init.public.clone(),
        leaf_node: leaf,
        extensions: vec![],
        signature: vec![],
    };
    kp.sign(&s, &signer).unwrap();
    validate_key_package(&s, &kp, Some(unix_time_now())).unwrap();
    let bundle =
        KeyPackageBundle::from_parts(&s, kp.clone(), init.private, enc.private, bob).unwrap();
    let mut g = group_of(1, &["alice"], HandshakeFormat::Public);
    let out = g[0]
        .commit(
            vec![Proposal::Add(Add { key_package: kp })],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let joined = Group::join(
        s,
        &out.welcome.unwrap().into_welcome().unwrap(),
        &bundle,
        JoinOptions::default(),
    )
    .unwrap();
    assert_eq!(joined.epoch_authenticator(), g[0].epoch_authenticator());
}

/// Item 5: a GroupInfo with a bad tree hash or a bad signature costs at
/// most one signature check, not one per member: the cheap checks run
/// before the leaves' signatures.
#[test]
fn item5_a_bad_group_info_costs_one_signature_not_one_per_member() {
    use mls_test_support::CountingSuite;
    let names: Vec<String> = (0..24).map(|i| format!("m{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let g = group_of(1, &names, HandshakeFormat::Public);
    let info = g[0].group_info(true, false).unwrap();
    let follow = |info: &GroupInfo| {
        let counting = CountingSuite::new(suite(1));
        let r = PublicGroup::from_group_info(counting.clone(), info, Default::default());
        (r.map(|_| ()), counting.counts().signature_verifications)
    };
    let (ok, honest) = follow(&info);
    ok.unwrap();
    assert!(honest >= 24, "every leaf's signature is checked: {honest}");

    let mut bad_signature = info.clone();
    bad_signature.signature[3] ^= 1;
    let (r, checks) = follow(&bad_signature);
    assert_eq!(
        r.unwrap_err(),
        GroupError::Framing(mls_framing::FramingError::InvalidSignature)
    );
    assert!(checks <= 1, "{checks} signature checks");

    let mut bad_hash = info.clone();
    bad_hash.group_context.tree_hash[0] ^= 1;
    let (r, checks) = follow(&bad_hash);
    assert_eq!(
        r.unwrap_err(),
        GroupError::Tree(mls_treekem::TreeError::TreeHashMismatch)
    );
    assert_eq!(checks, 0);
}

/// §13.4: "Any field containing a list of extensions MUST NOT have more
/// than one extension of any given type" — a KeyPackage's own extensions
/// and its leaf's.
#[test]
fn rfc13_4_a_key_package_with_a_duplicate_extension_is_refused() {
    let s = suite(1);
    let id = identity(&s, "bob");
    let twice = |t: ExtensionType| {
        vec![
            Extension::new(t, b"one".to_vec()),
            Extension::new(t, b"two".to_vec()),
        ]
    };
    let with = |extensions: Vec<Extension>, leaf_extensions: Vec<Extension>| {
        let options = KeyPackageOptions {
            capabilities: Capabilities {
                extensions: vec![UNLISTED],
                ..Capabilities::default()
            },
            extensions,
            leaf_extensions,
            ..KeyPackageOptions::default()
        };
        KeyPackageBundle::create(&s, &id, options, &mut OsRng).unwrap()
    };
    let once = with(vec![Extension::new(UNLISTED, vec![])], vec![]);
    validate_key_package(&s, once.key_package(), None).unwrap();
    let kp = with(twice(UNLISTED), vec![]);
    assert_eq!(
        validate_key_package(&s, kp.key_package(), None),
        Err(GroupError::Framing(
            framing::FramingError::DuplicateExtension(UNLISTED)
        ))
    );
    let kp = with(vec![], twice(UNLISTED));
    assert_eq!(
        validate_key_package(&s, kp.key_package(), None),
        Err(GroupError::Tree(treekem::TreeError::DuplicateExtension(
            UNLISTED
        )))
    );
}

/// §13.4 for the GroupContext a joiner imports: refused before the
/// signature is checked.
#[test]
fn rfc13_4_a_group_context_with_a_duplicate_extension_is_refused() {
    let alice = group_with_extension();
    let s = suite(1);
    let info = alice.group_info(true, false).unwrap();
    let options = || PublicGroupOptions {
        now: Some(unix_time_now()),
        ..Default::default()
    };
    PublicGroup::from_group_info(s.clone(), &info, options()).unwrap();
    let mut bad = info.clone();
    bad.group_context
        .extensions
        .push(Extension::new(UNLISTED, b"again".to_vec()));
    assert_eq!(
        PublicGroup::from_group_info(s, &bad, options()).unwrap_err(),
        GroupError::Framing(framing::FramingError::DuplicateExtension(UNLISTED))
    );
}
