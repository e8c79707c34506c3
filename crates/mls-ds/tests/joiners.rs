//! Group state for joiners (RFC 9750 §7, MIMI §7): the PartialGroupInfo
//! of every commit, the GroupInfo and tree the DS serves, the trees of
//! past epochs kept for their joiners, and ReInit freezing the group.

#[macro_use]
mod common;

use common::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

fn add(kp: &[u8]) -> Proposal {
    Proposal::Add(Add {
        key_package: MlsMessage::from_bytes(kp)
            .unwrap()
            .into_key_package()
            .unwrap(),
    })
}

fn empty() -> CommitOptions {
    CommitOptions::default()
}

fn the_served_group_info_verifies_and_a_client_joins_externally_from_it() {
    let rng = &mut TestRng::new(30);
    let ds = ds();
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    let mut bob = Client::new("bob", rng);
    let kp = bob.key_package(rng, false);
    let p = alice.commit(vec![add(&kp)], &empty(), true, rng);
    alice.send(&ds, &p).unwrap();
    bob.join_from_ds(&ds);
    assert_converged(&ds, &[&alice, &bob]);
    let mut carol = Client::new("carol", rng);
    let accepted = carol.join_external(&ds, rng).unwrap();
    assert_eq!(accepted.welcomed, Vec::<ClientId>::new());
    alice.sync(&ds);
    bob.sync(&ds);
    assert_converged(&ds, &[&alice, &bob, &carol]);
    // Carol receives what follows.
    let m = alice
        .g()
        .encrypt_application_message(b"welcome carol", b"", rng)
        .unwrap();
    ds.send_application(&alice.id(), NOW, &msg_bytes(&m))
        .unwrap();
    assert_eq!(carol.sync(&ds), vec![b"welcome carol".to_vec()]);
}

fn a_commit_needs_a_valid_partial_group_info() {
    let rng = &mut TestRng::new(31);
    let ds = ds();
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    let mut p = alice.commit(vec![], &empty(), true, rng);
    // A signature that does not verify with the committer's new leaf.
    p.partial.signature[5] ^= 1;
    assert_eq!(
        ds.send_commit(&alice.id(), NOW, p.update()).unwrap_err(),
        DsError::InvalidPartialGroupInfo("signature")
    );
    p.partial.signature[5] ^= 1;
    // Extensions that are not those signed.
    let signed = p.partial.extensions.clone();
    p.partial
        .extensions
        .push(Extension::new(ExtensionType(0xff00), vec![1]));
    assert_eq!(
        ds.send_commit(&alice.id(), NOW, p.update()).unwrap_err(),
        DsError::InvalidPartialGroupInfo("signature")
    );
    // External joins allowed: external_pub is required.
    p.partial.extensions.clear();
    assert!(matches!(
        ds.send_commit(&alice.id(), NOW, p.update()),
        Err(DsError::InvalidPartialGroupInfo(_))
    ));
    // The tree is the DS's to serve.
    p.partial.extensions = signed.clone();
    p.partial.extensions.push(Extension::new(
        ExtensionType::RATCHET_TREE,
        alice.g().tree().to_extension_bytes().unwrap(),
    ));
    assert!(matches!(
        ds.send_commit(&alice.id(), NOW, p.update()),
        Err(DsError::InvalidPartialGroupInfo(_))
    ));
    p.partial.extensions = signed;
    alice.send(&ds, &p).unwrap();
    assert_converged(&ds, &[&alice]);
}

fn without_external_joins_no_external_pub_and_the_group_info_is_for_members() {
    let rng = &mut TestRng::new(32);
    let ds = ds_with(DsConfig {
        allow_external_joins: false,
        ..DsConfig::default()
    });
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    // A PartialGroupInfo with external_pub would let anyone in.
    let p = alice.commit(vec![], &empty(), true, rng);
    assert!(matches!(
        ds.send_commit(&alice.id(), NOW, p.update()),
        Err(DsError::PolicyRefused(_))
    ));
    alice.g().clear_pending_commit();
    let p = alice.commit(vec![], &empty(), false, rng);
    alice.send(&ds, &p).unwrap();
    assert_eq!(
        ds.group_info(&id("mallory"), GROUP, NOW).unwrap_err(),
        DsError::NotAMember
    );
    ds.group_info(&alice.id(), GROUP, NOW).unwrap();
    // An external commit (made from a GroupInfo obtained elsewhere) is refused.
    let info = alice.g().group_info(true, true).unwrap();
    let mut mallory = Client::new("mallory", rng);
    let (g, commit) = Group::join_external(
        suite(),
        &info,
        mallory.identity.clone(),
        ExternalJoinOptions::default(),
        rng,
    )
    .unwrap();
    let gi = g.group_info(false, false).unwrap();
    assert_eq!(
        ds.send_commit(
            &mallory.id(),
            NOW,
            GroupUpdate {
                commit: &msg_bytes(&commit),
                partial_group_info: &PartialGroupInfo::of(&gi),
                welcome: None,
            }
        )
        .unwrap_err(),
        DsError::PolicyRefused("external joins are not allowed")
    );
    mallory.group = None;
}

fn a_client_added_in_epoch_k_gets_epoch_ks_tree_later_once() {
    let rng = &mut TestRng::new(33);
    let ds = ds();
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    let mut bob = Client::new("bob", rng);
    let kp = bob.key_package(rng, false);
    let p = alice.commit(vec![add(&kp)], &empty(), true, rng);
    let added = alice.send(&ds, &p).unwrap();
    // The group moves on twice before bob comes online.
    for _ in 0..2 {
        let p = alice.commit(vec![], &empty(), true, rng);
        alice.send(&ds, &p).unwrap();
    }
    bob.join_from_ds(&ds);
    assert_eq!(bob.g().epoch(), added.epoch);
    // The tree of that epoch was fetched by its only joiner: gone.
    assert!(matches!(
        ds.ratchet_tree(&bob.id(), GROUP, Some(added.epoch), NOW),
        Err(DsError::NotFound(_))
    ));
    // Bob catches up from his cursor.
    bob.sync(&ds);
    assert_converged(&ds, &[&alice, &bob]);
}

fn retained_trees_are_bounded() {
    let rng = &mut TestRng::new(34);
    let ds = ds_with(DsConfig {
        limits: Limits {
            max_retained_trees: 1,
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    let mut bob = Client::new("bob", rng);
    let mut carol = Client::new("carol", rng);
    let kp = bob.key_package(rng, false);
    let p = alice_commit(&mut alice, &kp, rng);
    let first = alice.send(&ds, &p).unwrap();
    let kp = carol.key_package(rng, false);
    let p = alice_commit(&mut alice, &kp, rng);
    let second = alice.send(&ds, &p).unwrap();
    assert!(matches!(
        ds.ratchet_tree(&bob.id(), GROUP, Some(first.epoch), NOW),
        Err(DsError::NotFound(_))
    ));
    ds.ratchet_tree(&carol.id(), GROUP, Some(second.epoch), NOW)
        .unwrap();
}

fn alice_commit(alice: &mut Client, kp: &[u8], rng: &mut TestRng) -> Pending {
    alice.commit(vec![add(kp)], &empty(), true, rng)
}

fn a_committed_reinit_freezes_the_group() {
    let rng = &mut TestRng::new(35);
    let ds = ds();
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"next".to_vec(),
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(1),
        extensions: vec![],
    });
    let p = alice.commit(vec![reinit], &empty(), true, rng);
    let accepted = alice.send(&ds, &p).unwrap();
    assert!(accepted.frozen);
    // No more messages of any kind.
    let mut bob = Client::new("bob", rng);
    assert_eq!(
        bob.join_external(&ds, rng).unwrap_err(),
        DsError::GroupFrozen
    );
    // Its history is still readable.
    ds.group_info(&alice.id(), GROUP, NOW).unwrap();
}

fn an_unfrozen_group_accepts_commits() {
    let rng = &mut TestRng::new(36);
    let ds = ds();
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    let p = alice.commit(vec![], &empty(), true, rng);
    assert!(!alice.send(&ds, &p).unwrap().frozen);
}

fn waiting_welcomes_are_bounded_per_client() {
    let rng = &mut TestRng::new(37);
    let ds = ds_with(DsConfig {
        limits: Limits {
            max_waiting_welcomes: 1,
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    let mut alice = Client::new("alice", rng);
    alice.create_group(&ds, None, rng);
    let mut bob = Client::new("bob", rng);
    // Accepted: bob has no Welcome waiting.
    let kp = bob.key_package(rng, false);
    let p = alice_commit(&mut alice, &kp, rng);
    let first = alice.send(&ds, &p).unwrap();
    assert_eq!(first.welcomed, [bob.id()]);
    // Bob never collects it; alice removes him and adds him again: his
    // one waiting Welcome is the limit, the commit is refused.
    let kp = bob.key_package(rng, false);
    let readd = |alice: &mut Client, rng: &mut TestRng| {
        alice.commit(
            vec![Proposal::Remove(Remove { removed: 1 }), add(&kp)],
            &empty(),
            true,
            rng,
        )
    };
    let p = readd(&mut alice, rng);
    assert_eq!(
        alice.send(&ds, &p).unwrap_err(),
        DsError::LimitExceeded("Welcomes waiting for a client")
    );
    // The group did not move on.
    assert_eq!(
        ds.group_info(&alice.id(), GROUP, NOW).unwrap().epoch,
        first.epoch
    );
    // Once bob acknowledged it, the same commit is accepted.
    ds.ack_welcome(&bob.id(), GROUP, first.epoch, NOW).unwrap();
    let p = readd(&mut alice, rng);
    let second = alice.send(&ds, &p).unwrap();
    assert_eq!(second.welcomed, [bob.id()]);
    assert_eq!(ds.fetch_welcomes(&bob.id(), NOW).unwrap().len(), 1);
}

// Each test on the memory store, SQLite and PostgreSQL.
on_every_store!(
    the_served_group_info_verifies_and_a_client_joins_externally_from_it,
    a_commit_needs_a_valid_partial_group_info,
    without_external_joins_no_external_pub_and_the_group_info_is_for_members,
    a_client_added_in_epoch_k_gets_epoch_ks_tree_later_once,
    retained_trees_are_bounded,
    a_committed_reinit_freezes_the_group,
    an_unfrozen_group_accepts_commits,
    waiting_welcomes_are_bounded_per_client,
);

/// A commit adding k clients stores its Welcome once (not once per
/// joiner): one write carries its bytes, the store holds them once, each
/// joiner reads them, and they go with the last acknowledgement.
#[test]
fn a_welcome_is_stored_once_for_all_its_joiners() {
    use common::stores::{on, AnyStore, StoreKind};
    use mls_ds::store::Write;
    on(StoreKind::Recording, || {
        let rng = &mut TestRng::new(38);
        let ds = ds();
        let memory = || match &**ds.store() {
            AnyStore::Recording(m, _) => m.welcome_bytes(),
            _ => unreachable!("a recording store"),
        };
        let mut alice = Client::new("alice", rng);
        alice.create_group(&ds, None, rng);
        let mut joiners: Vec<Client> = (0..4)
            .map(|i| Client::new(&format!("joiner{i}"), rng))
            .collect();
        let adds = joiners
            .iter_mut()
            .map(|c| add(&c.key_package(rng, false)))
            .collect();
        let p = alice.commit(adds, &empty(), true, rng);
        let welcome = p.welcome.clone().expect("a Welcome");
        ds.store().take_commits();
        let accepted = alice.send(&ds, &p).unwrap();
        assert_eq!(accepted.welcomed.len(), 4);
        let batch = ds.store().take_commits().pop().unwrap();
        let puts: Vec<_> = batch
            .iter()
            .filter_map(|w| match w {
                Write::PutWelcome(m) => Some(m),
                _ => None,
            })
            .collect();
        assert_eq!(puts.len(), 1, "one write for the four joiners");
        assert_eq!(puts[0].welcome, welcome);
        assert_eq!(puts[0].joiners.len(), 4);
        assert_eq!(memory(), welcome.len(), "the store holds it once");
        for (i, c) in joiners.iter_mut().enumerate() {
            assert_eq!(ds.fetch_welcomes(&c.id(), NOW).unwrap()[0].welcome, welcome);
            c.join_from_ds(&ds);
            let left = if i < 3 { welcome.len() } else { 0 };
            assert_eq!(memory(), left, "gone with the last acknowledgement");
        }
        let mut all: Vec<&Client> = vec![&alice];
        all.extend(joiners.iter());
        assert_converged(&ds, &all);
    });
}
