//! Members through add, update, remove with both handshake wire formats;
//! every member agrees on the epoch authenticator after every epoch.

#![allow(clippy::needless_range_loop)]

use crate::common;

use common::*;
use mls_framing::{Proposal, Remove};
use mls_group::*;
use mls_rustcrypto::OsRng;
use mls_types::tree_math::LeafIndex;

fn lifecycle(suite_id: u16, format: HandshakeFormat) {
    let mut g = group_of(suite_id, &["alice", "bob", "charlie", "dave"], format);

    // Bob proposes an update; Charlie commits it (with a path).
    let prop = g[1].propose_update(&mut OsRng).unwrap();
    for i in [0, 2, 3] {
        g[i].process_message(&prop).unwrap();
    }
    let out = g[2]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[2].merge_pending_commit().unwrap();
    for i in [0, 1, 3] {
        match g[i].process_message(&out.commit).unwrap() {
            ProcessedMessage::Commit(staged) => {
                assert_eq!(staged.updated(), &[LeafIndex(1)]);
                g[i].merge_staged_commit(staged).unwrap();
            }
            other => panic!("{other:?}"),
        }
    }
    assert_agree(&g.iter().collect::<Vec<_>>());

    // Empty commit by Dave (path forced by the RFC).
    let out = g[3]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[3].merge_pending_commit().unwrap();
    for i in 0..3 {
        let m = g[i].process_message(&out.commit).unwrap();
        let ProcessedMessage::Commit(s) = m else {
            panic!()
        };
        g[i].merge_staged_commit(s).unwrap();
    }
    assert_agree(&g.iter().collect::<Vec<_>>());

    // Alice removes Charlie by value.
    let out = g[0]
        .commit(
            vec![Proposal::Remove(Remove { removed: 2 })],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    for i in 1..4 {
        let ProcessedMessage::Commit(s) = g[i].process_message(&out.commit).unwrap() else {
            panic!()
        };
        if i == 2 {
            assert!(s.removes_us());
        }
        g[i].merge_staged_commit(s).unwrap();
    }
    assert!(!g[2].is_active());
    let remaining = [&g[0], &g[1], &g[3]];
    assert_agree(&remaining);
    assert_eq!(g[0].members().len(), 3);

    // Application messages among the remaining members.
    let msg = g[3]
        .encrypt_application_message(b"hello", b"ad", &mut OsRng)
        .unwrap();
    for i in [0, 1] {
        match g[i].process_message(&msg).unwrap() {
            ProcessedMessage::Application {
                sender,
                data,
                authenticated_data,
                ..
            } => {
                assert_eq!(sender, LeafIndex(3));
                assert_eq!(data, b"hello");
                assert_eq!(authenticated_data, b"ad");
            }
            other => panic!("{other:?}"),
        }
    }
    // Exporters agree.
    assert_eq!(
        g[0].export_secret(b"x", b"y", 16).unwrap(),
        g[1].export_secret(b"x", b"y", 16).unwrap()
    );
}

#[test]
fn lifecycle_public_handshakes() {
    lifecycle(1, HandshakeFormat::Public);
}

#[test]
fn lifecycle_private_handshakes() {
    lifecycle(1, HandshakeFormat::Private);
}

#[test]
fn lifecycle_other_suites() {
    lifecycle(3, HandshakeFormat::Private);
    lifecycle(2, HandshakeFormat::Public);
}

#[test]
fn proposal_by_reference_remove_and_add() {
    let s = suite(1);
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let kp = key_package(&s, "d");
    let p1 = g[1].propose_remove(LeafIndex(2), &mut OsRng).unwrap();
    let p2 = g[1]
        .propose_add(kp.key_package().clone(), &mut OsRng)
        .unwrap();
    for p in [&p1, &p2] {
        for i in [0, 2] {
            g[i].process_message(p).unwrap();
        }
    }
    let out = g[0]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    for i in [1, 2] {
        let ProcessedMessage::Commit(st) = g[i].process_message(&out.commit).unwrap() else {
            panic!()
        };
        assert_eq!(st.added().len(), 1);
        assert_eq!(st.removed().len(), 1);
        g[i].merge_staged_commit(st).unwrap();
    }
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let d = Group::join(s, &welcome, &kp, JoinOptions::default()).unwrap();
    assert_agree(&[&g[0], &g[1], &d]);
    // The removed member took the leaf 2 slot back: the new member is in it.
    assert_eq!(d.own_leaf(), LeafIndex(2));
}

#[test]
fn welcome_without_ratchet_tree_needs_the_tree() {
    let s = suite(1);
    let mut a = Group::create(
        s.clone(),
        identity(&s, "a"),
        b"g".to_vec(),
        Vec::new(),
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    a.set_time(unix_time_now());
    let kp = key_package(&s, "b");
    let options = CommitOptions {
        ratchet_tree_in_welcome: Some(false),
        ..CommitOptions::default()
    };
    let add = Proposal::Add(mls_framing::Add {
        key_package: kp.key_package().clone(),
    });
    let out = a.commit(vec![add], &options, &mut OsRng).unwrap();
    a.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    assert_eq!(
        Group::join(s.clone(), &welcome, &kp, JoinOptions::default()).unwrap_err(),
        GroupError::MissingRatchetTree
    );
    let b = Group::join(
        s,
        &welcome,
        &kp,
        JoinOptions {
            ratchet_tree: Some(a.tree().clone()),
            ..JoinOptions::default()
        },
    )
    .unwrap();
    assert_agree(&[&a, &b]);
}

#[test]
fn pending_commit_dropped_when_another_wins() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let _mine = g[0]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    let theirs = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[1].merge_pending_commit().unwrap();
    // Alice's commit lost: she processes Bob's.
    let ProcessedMessage::Commit(st) = g[0].process_message(&theirs.commit).unwrap() else {
        panic!()
    };
    g[0].merge_staged_commit(st).unwrap();
    assert!(!g[0].has_pending_commit());
    let ProcessedMessage::Commit(st) = g[2].process_message(&theirs.commit).unwrap() else {
        panic!()
    };
    g[2].merge_staged_commit(st).unwrap();
    assert_agree(&g.iter().collect::<Vec<_>>());
}

#[test]
fn past_epoch_application_messages_and_out_of_order() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Private);
    let m1 = g[1]
        .encrypt_application_message(b"1", b"", &mut OsRng)
        .unwrap();
    let m2 = g[1]
        .encrypt_application_message(b"2", b"", &mut OsRng)
        .unwrap();
    // New epoch before delivery.
    let out = g[0]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let (a, b) = g.split_at_mut(1);
    deliver(&mut [&mut b[0]], &out.commit);
    // Out of order, from the past epoch.
    for (m, want) in [(&m2, b"2"), (&m1, b"1")] {
        match a[0].process_message(m).unwrap() {
            ProcessedMessage::Application { data, epoch, .. } => {
                assert_eq!(&data, want);
                assert_eq!(epoch, 1);
            }
            other => panic!("{other:?}"),
        }
    }
    // Replay refused.
    assert!(a[0].process_message(&m1).is_err());
}

#[test]
fn welcome_for_someone_else_is_refused() {
    let s = suite(1);
    let mut a = Group::create(
        s.clone(),
        identity(&s, "a"),
        b"g".to_vec(),
        Vec::new(),
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    a.set_time(unix_time_now());
    let kp = key_package(&s, "b");
    let other = key_package(&s, "c");
    let add = Proposal::Add(mls_framing::Add {
        key_package: kp.key_package().clone(),
    });
    let out = a
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    assert_eq!(
        Group::join(s.clone(), &welcome, &other, JoinOptions::default()).unwrap_err(),
        GroupError::WelcomeNotForUs
    );
    // A tampered GroupInfo ciphertext is refused.
    let mut bad = welcome.clone();
    let last = bad.encrypted_group_info.len() - 1;
    bad.encrypted_group_info[last] ^= 1;
    assert!(Group::join(s, &bad, &kp, JoinOptions::default()).is_err());
}

/// A past epoch keeps only the signature keys a commit changed; a message
/// from a member removed since, and from a member whose leaf slot was
/// reused by a new member, still verifies against the key of its epoch,
/// also after the state went through persistence.
#[test]
fn past_epoch_signature_keys_after_remove_and_add() {
    let mut g = group_of(1, &["a", "b", "c", "d"], HandshakeFormat::Private);
    let from_b = g[1]
        .encrypt_application_message(b"b", b"", &mut OsRng)
        .unwrap();
    let from_c = g[2]
        .encrypt_application_message(b"c", b"", &mut OsRng)
        .unwrap();
    // Epoch +1: Alice removes Bob. Epoch +2: Alice adds Eve in Bob's slot.
    let rm = g[0]
        .commit(
            vec![Proposal::Remove(Remove { removed: 1 })],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    deliver(&mut [&mut g[3]], &rm.commit);
    let s = suite(1);
    let eve = key_package(&s, "eve");
    let add = Proposal::Add(mls_framing::Add {
        key_package: eve.key_package().clone(),
    });
    let out = g[0]
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    deliver(&mut [&mut g[3]], &out.commit);
    assert_eq!(
        g[3].member(LeafIndex(1)).unwrap().credential,
        mls_types::Credential::Basic(b"eve".to_vec())
    );
    let bytes = g[3].to_state_bytes().unwrap();
    let mut restored =
        Group::from_state_bytes(s, &bytes, config(HandshakeFormat::Private), None).unwrap();
    assert_eq!(restored.to_state_bytes().unwrap(), bytes);
    for d in [&mut g[3], &mut restored] {
        for (m, want) in [(&from_b, b"b"), (&from_c, b"c")] {
            match d.process_message(m).unwrap() {
                ProcessedMessage::Application { data, .. } => assert_eq!(&data, want),
                other => panic!("{other:?}"),
            }
        }
    }
}
