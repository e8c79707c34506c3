//! Groups whose members hold X.509 credentials, end to end in suites 1–3:
//! create, add by Welcome, commit, application messages, a Delivery
//! Service's view, an external join, credential rotation (by Update and
//! by resync: same identity accepted, another refused).

mod common;

use common::*;
use mls_as::{review_members, Action, InvalidCredentialPolicy, X509Validator};
use mls_group::*;

fn join(
    s: &RustCryptoSuite,
    welcome: &MlsMessage,
    kp: &KeyPackageBundle,
    v: &X509Validator,
) -> Group<RustCryptoSuite> {
    Group::join(
        s.clone(),
        &welcome.clone().into_welcome().unwrap(),
        kp,
        JoinOptions {
            now: Some(NOW),
            policy: Some(x509_policy(v.clone())),
            ..JoinOptions::default()
        },
    )
    .unwrap()
}

/// Processes a handshake message and merges a commit.
fn apply(g: &mut Group<RustCryptoSuite>, msg: &MlsMessage) -> Result<(), GroupError> {
    if let ProcessedMessage::Commit(staged) = g.process_message(msg)? {
        g.merge_staged_commit(staged)?;
    }
    Ok(())
}

/// A new leaf for `g`'s member with `identity`'s credential and key
/// (signed by the new key): a credential rotation by Update.
fn rotated_leaf(g: &Group<RustCryptoSuite>, identity: &ClientIdentity) -> LeafNode {
    let s = g.suite();
    let mut leaf = g.own_leaf_node().unwrap().clone();
    leaf.credential = identity.credential().clone();
    leaf.signature_key = identity.signature_key().clone();
    leaf.encryption_key = s.hpke_generate_key_pair(&mut OsRng).unwrap().public;
    leaf.leaf_node_source = mls_group::treekem::LeafNodeSource::Update;
    let key = s.signing_key(identity.signature_private_key()).unwrap();
    leaf.sign(s, &key, Some((g.group_id(), g.own_leaf())))
        .unwrap();
    leaf
}

#[test]
fn x509_group_end_to_end_in_suites_1_to_3() {
    for n in [1u16, 2, 3] {
        let s = suite(n);
        let mut pki = Pki::new(n);
        let v = pki.validator();
        let alice_id = pki.identity(&s, "mls://example.com/alice");
        let bob_id = pki.identity(&s, "mls://example.com/bob");
        let charlie_id = pki.identity(&s, "mls://example.com/charlie");

        let mut alice = create(&s, &alice_id, x509_policy(v.clone()));
        let mut ds = PublicGroup::from_group_info(
            s.clone(),
            &alice.group_info(true, false).unwrap(),
            PublicGroupOptions {
                policy: Some(x509_policy(v.clone())),
                now: Some(NOW),
                ..Default::default()
            },
        )
        .unwrap();

        // Add Bob by Welcome.
        let bob_kp = key_package(&s, &bob_id);
        let out = alice
            .add_members(vec![bob_kp.key_package().clone()], &mut OsRng)
            .unwrap();
        ds.process_message(&out.commit).unwrap();
        alice.merge_pending_commit().unwrap();
        let mut bob = join(&s, out.welcome.as_ref().unwrap(), &bob_kp, &v);
        bob.set_time(NOW);
        assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());

        // A commit by Bob, and application messages both ways.
        let out = bob
            .commit(
                vec![],
                &CommitOptions {
                    force_path: true,
                    ..Default::default()
                },
                &mut OsRng,
            )
            .unwrap();
        ds.process_message(&out.commit).unwrap();
        apply(&mut alice, &out.commit).unwrap();
        bob.merge_pending_commit().unwrap();
        let msg = alice
            .encrypt_application_message(b"hi Bob", b"", &mut OsRng)
            .unwrap();
        let ProcessedMessage::Application { data, .. } = bob.process_message(&msg).unwrap() else {
            panic!()
        };
        assert_eq!(data, b"hi Bob");

        // Charlie joins by external commit, validating the tree at NOW.
        let info = alice.group_info(true, true).unwrap();
        let (mut charlie, commit) = Group::join_external(
            s.clone(),
            &info,
            charlie_id.clone(),
            ExternalJoinOptions {
                leaf: kp_options(),
                policy: Some(x509_policy(v.clone())),
                now: Some(NOW),
                ..ExternalJoinOptions::default()
            },
            &mut OsRng,
        )
        .unwrap();
        ds.process_message(&commit).unwrap();
        apply(&mut alice, &commit).unwrap();
        apply(&mut bob, &commit).unwrap();
        charlie.set_time(NOW);
        assert_eq!(alice.epoch_authenticator(), charlie.epoch_authenticator());
        assert_eq!(ds.context(), charlie.context());
        let msg = charlie
            .encrypt_application_message(b"hello", b"", &mut OsRng)
            .unwrap();
        let ProcessedMessage::Application { data, .. } = bob.process_message(&msg).unwrap() else {
            panic!()
        };
        assert_eq!(data, b"hello");

        // Rotation by Update, another identity: refused by Bob himself
        // and, sent anyway, by Alice and the DS; nothing changes.
        let mallory_id = pki.identity(&s, "mls://example.com/mallory");
        let bad = Proposal::Update(Update {
            leaf_node: rotated_leaf(&bob, &mallory_id),
        });
        let refused = GroupError::CredentialRejected {
            context: CredentialContext::Update,
            reason: CredentialError::IdentityChanged,
        };
        assert_eq!(bob.propose(bad.clone(), &mut OsRng).unwrap_err(), refused);
        bob.set_policy(Box::new(AcceptAll));
        let sent = bob.propose(bad, &mut OsRng).unwrap();
        bob.set_policy(x509_policy(v.clone()));
        let before = alice.to_state_bytes().unwrap();
        assert_eq!(apply(&mut alice, &sent).unwrap_err(), refused);
        assert_eq!(alice.to_state_bytes().unwrap(), before);
        assert_eq!(ds.process_message(&sent).unwrap_err(), refused);
        assert!(ds.proposals().is_empty());

        // Rotation by Update, same identity (new key, new certificate):
        // accepted and committed by Alice, followed by Charlie and the DS.
        let bob_new_keys = s.signature_generate(&mut OsRng).unwrap();
        let bob_new = ClientIdentity::new(
            pki.issue(&s, &bob_new_keys, "mls://example.com/bob"),
            bob_new_keys,
        );
        // Bob's stale proposal of this epoch is gone with the next one:
        let out = alice
            .commit(
                vec![],
                &CommitOptions {
                    force_path: true,
                    ..Default::default()
                },
                &mut OsRng,
            )
            .unwrap();
        for g in [&mut bob, &mut charlie] {
            apply(g, &out.commit).unwrap();
        }
        ds.process_message(&out.commit).unwrap();
        alice.merge_pending_commit().unwrap();
        let good = Proposal::Update(Update {
            leaf_node: rotated_leaf(&bob, &bob_new),
        });
        let sent = bob.propose(good, &mut OsRng).unwrap();
        apply(&mut alice, &sent).unwrap();
        apply(&mut charlie, &sent).unwrap();
        ds.process_message(&sent).unwrap();
        let out = alice
            .commit(
                vec![],
                &CommitOptions {
                    include_stored_proposals: true,
                    ..Default::default()
                },
                &mut OsRng,
            )
            .unwrap();
        apply(&mut charlie, &out.commit).unwrap();
        ds.process_message(&out.commit).unwrap();
        alice.merge_pending_commit().unwrap();
        assert_eq!(
            alice.member(bob.own_leaf()).unwrap().signature_key,
            *bob_new.signature_key()
        );
        assert_eq!(alice.epoch_authenticator(), charlie.epoch_authenticator());

        // Bob (who had no API to keep the new key's private half for an
        // Update of his own) rotates end to end by resync: an external
        // commit replacing his leaf with the new credential. Another
        // identity is refused there too.
        let info = alice.group_info(true, true).unwrap();
        let resync = |who: ClientIdentity| {
            Group::join_external(
                s.clone(),
                &info,
                who,
                ExternalJoinOptions {
                    leaf: kp_options(),
                    remove_prior: Some(bob.own_leaf()),
                    policy: Some(x509_policy(v.clone())),
                    now: Some(NOW),
                    ..ExternalJoinOptions::default()
                },
                &mut OsRng,
            )
        };
        let (_, bad_commit) = {
            let mut lax = ExternalJoinOptions {
                leaf: kp_options(),
                remove_prior: Some(bob.own_leaf()),
                policy: Some(Box::new(AcceptAll)),
                now: Some(NOW),
                ..ExternalJoinOptions::default()
            };
            lax.config = GroupConfig::default();
            Group::join_external(s.clone(), &info, mallory_id.clone(), lax, &mut OsRng).unwrap()
        };
        let before = charlie.to_state_bytes().unwrap();
        let refused = GroupError::CredentialRejected {
            context: CredentialContext::ExternalJoin,
            reason: CredentialError::IdentityChanged,
        };
        assert_eq!(apply(&mut charlie, &bad_commit).unwrap_err(), refused);
        assert_eq!(charlie.to_state_bytes().unwrap(), before);
        assert_eq!(resync(mallory_id.clone()).unwrap_err(), refused);

        let (mut bob2, commit) = resync(bob_new.clone()).unwrap();
        apply(&mut alice, &commit).unwrap();
        apply(&mut charlie, &commit).unwrap();
        ds.process_message(&commit).unwrap();
        bob2.set_time(NOW);
        assert_eq!(alice.epoch_authenticator(), bob2.epoch_authenticator());
        let msg = bob2
            .encrypt_application_message(b"new key", b"", &mut OsRng)
            .unwrap();
        let ProcessedMessage::Application { data, .. } = charlie.process_message(&msg).unwrap()
        else {
            panic!()
        };
        assert_eq!(data, b"new key");
    }
}

/// The invalid-credential policy over a group's members: Bob's
/// certificate revoked, Charlie's expired.
#[test]
fn review_evicts_or_grants_grace() {
    let s = suite(1);
    let mut pki = Pki::new(1);
    let alice = pki.identity(&s, "mls://example.com/alice");
    let bob = pki.identity(&s, "mls://example.com/bob");
    let keys = s.signature_generate(&mut OsRng).unwrap();
    let c = pki.custom(
        &s,
        &keys,
        leaf_params("mls://example.com/charlie", NOW - 10 * DAY, NOW + DAY),
    );
    let charlie = ClientIdentity::new(c, keys);
    let mut v = pki.validator();
    let mut g = create(&s, &alice, x509_policy(v.clone()));
    let kps = [&bob, &charlie].map(|i| key_package(&s, i).key_package().clone());
    g.add_members(kps.to_vec(), &mut OsRng).unwrap();
    g.merge_pending_commit().unwrap();

    let Credential::X509(chain) = bob.credential() else {
        panic!()
    };
    v.revoke_certificate(&chain[0].cert_data).unwrap();
    let later = NOW + 2 * DAY; // Charlie's certificate expired a day ago
    let grace = review_members(
        &v,
        &g.members(),
        CipherSuite(1),
        later,
        InvalidCredentialPolicy::Grace { seconds: 7 * DAY },
    );
    assert_eq!(grace.len(), 2);
    assert_eq!(
        (grace[0].index, &grace[0].reason, &grace[0].action),
        (LeafIndex(1), &CredentialError::Revoked, &Action::Remove)
    );
    assert_eq!(grace[1].reason, CredentialError::Expired);
    assert_eq!(grace[1].action, Action::GraceUntil(NOW + DAY + 7 * DAY));
    let evict = review_members(
        &v,
        &g.members(),
        CipherSuite(1),
        later,
        InvalidCredentialPolicy::Evict,
    );
    let removes: Vec<_> = evict.iter().filter_map(|v| v.remove_proposal()).collect();
    assert_eq!(removes.len(), 2);
    g.set_time(later);
    g.set_policy(x509_policy(v));
    g.commit(removes, &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g.merge_pending_commit().unwrap();
    assert_eq!(g.members().len(), 1);
}

#[test]
fn rotation_helper() {
    let s = suite(1);
    let mut pki = Pki::new(1);
    pki.inter.lifetime = 30 * DAY;
    let bob = pki.identity(&s, "mls://example.com/bob");
    use mls_as::{rotation_status, Rotation};
    assert_eq!(
        rotation_status(bob.credential(), NOW, 7 * DAY).unwrap(),
        Rotation::Valid {
            remaining: 30 * DAY
        }
    );
    assert_eq!(
        rotation_status(bob.credential(), NOW + 25 * DAY, 7 * DAY).unwrap(),
        Rotation::RotateSoon { remaining: 5 * DAY }
    );
    assert_eq!(
        rotation_status(bob.credential(), NOW + 31 * DAY, 7 * DAY).unwrap(),
        Rotation::Expired
    );
}

#[test]
fn issuance_needs_the_key_and_a_fresh_challenge() {
    let s = suite(1);
    let mut ca = mls_as::Authority::new_root("CA", NOW, 365 * DAY).unwrap();
    let keys = s.signature_generate(&mut OsRng).unwrap();
    let other = s.signature_generate(&mut OsRng).unwrap();
    let ch = ca.challenge(vec![1; 32]);
    let name = "mls://example.com/bob";
    // Signed by another key than the one to certify.
    let proof = mls_as::prove_possession(&s, &other.private, &ch, name).unwrap();
    assert!(matches!(
        ca.issue(&s, &keys.public, name, &ch, &proof, NOW),
        Err(mls_as::IssueError::BadProof)
    ));
    // For another identity.
    let proof = mls_as::prove_possession(&s, &keys.private, &ch, "mls://example.com/eve").unwrap();
    assert!(matches!(
        ca.issue(&s, &keys.public, name, &ch, &proof, NOW),
        Err(mls_as::IssueError::BadProof)
    ));
    // Right, once.
    let proof = mls_as::prove_possession(&s, &keys.private, &ch, name).unwrap();
    let c = ca.issue(&s, &keys.public, name, &ch, &proof, NOW).unwrap();
    assert!(matches!(
        ca.issue(&s, &keys.public, name, &ch, &proof, NOW),
        Err(mls_as::IssueError::UnknownChallenge)
    ));
    let v = X509Validator::new([ca.root_certificate()]).unwrap();
    v.validate(&input(&c, &keys.public, 1, Some(NOW))).unwrap();
}

#[test]
fn directory_of_basic_credentials() {
    use mls_as::Directory;
    let s = suite(1);
    let alice =
        ClientIdentity::generate(&s, Credential::Basic(b"alice".to_vec()), &mut OsRng).unwrap();
    let phone =
        ClientIdentity::generate(&s, Credential::Basic(b"bob".to_vec()), &mut OsRng).unwrap();
    let laptop =
        ClientIdentity::generate(&s, Credential::Basic(b"bob".to_vec()), &mut OsRng).unwrap();
    let eve = ClientIdentity::generate(&s, Credential::Basic(b"eve".to_vec()), &mut OsRng).unwrap();
    let mut dir = Directory::new();
    dir.allow(b"alice", alice.signature_key());
    dir.allow(b"bob", phone.signature_key());
    dir.allow(b"bob", laptop.signature_key()); // two devices of one user
    let kp = |i: &ClientIdentity| {
        KeyPackageBundle::create(&s, i, KeyPackageOptions::default(), &mut OsRng)
            .unwrap()
            .key_package()
            .clone()
    };
    let mut g = Group::create(
        s.clone(),
        alice.clone(),
        b"dir".to_vec(),
        vec![],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    g.set_policy(Box::new(ValidatorPolicy::new(dir.clone())));
    g.set_time(NOW);
    g.add_members(vec![kp(&phone), kp(&laptop)], &mut OsRng)
        .unwrap();
    g.merge_pending_commit().unwrap();
    let before = g.to_state_bytes().unwrap();
    assert_eq!(
        g.add_members(vec![kp(&eve)], &mut OsRng).unwrap_err(),
        GroupError::CredentialRejected {
            context: CredentialContext::KeyPackage,
            reason: CredentialError::UnknownIdentity
        }
    );
    // Eve with Bob's name but her own key.
    let fake =
        ClientIdentity::generate(&s, Credential::Basic(b"bob".to_vec()), &mut OsRng).unwrap();
    assert_eq!(
        g.add_members(vec![kp(&fake)], &mut OsRng).unwrap_err(),
        GroupError::CredentialRejected {
            context: CredentialContext::KeyPackage,
            reason: CredentialError::KeyMismatch
        }
    );
    assert_eq!(g.to_state_bytes().unwrap(), before);
    // Revoking the laptop's key: the review evicts it.
    dir.revoke_key(laptop.signature_key());
    let verdicts = review_members(
        &dir,
        &g.members(),
        CipherSuite(1),
        NOW,
        InvalidCredentialPolicy::Evict,
    );
    assert_eq!(verdicts.len(), 1);
    assert_eq!(
        (verdicts[0].index, &verdicts[0].reason),
        (LeafIndex(2), &CredentialError::Revoked)
    );
}
