//! A member rotates its signature key (and credential) by an Update or by
//! its commit's path (§5.3.1, §12.1.2; RFC 9750 §6.5): the group signs
//! with the new key after the merge, a change of identity is refused by
//! the default policy, and a pending rotation survives a restart.

use crate::common;

use common::*;
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};

type G = Group<RustCryptoSuite>;

/// `from` sends an application message that everyone else opens.
fn talk(g: &mut [G], from: usize) {
    let msg = g[from]
        .encrypt_application_message(b"hi", b"", &mut OsRng)
        .unwrap();
    for (i, m) in g.iter_mut().enumerate() {
        if i != from {
            assert!(matches!(
                m.process_message(&msg).unwrap(),
                ProcessedMessage::Application { .. }
            ));
        }
    }
}

/// `from` commits (nothing but what is stored) and everyone merges.
fn commit_all(g: &mut [G], from: usize, options: &CommitOptions) {
    let out = g[from].commit(Vec::new(), options, &mut OsRng).unwrap();
    g[from].merge_pending_commit().unwrap();
    for (i, m) in g.iter_mut().enumerate() {
        if i != from {
            let ProcessedMessage::Commit(st) = m.process_message(&out.commit).unwrap() else {
                panic!("a commit")
            };
            m.merge_staged_commit(st).unwrap();
        }
    }
}

#[test]
fn rotation_by_update_switches_the_signing_key_after_the_merge() {
    let mut g = group_of(1, &["alice", "bob", "carol"], HandshakeFormat::Private);
    let new_bob = identity(&suite(1), "bob");
    let old_key = g[1].identity().signature_key().clone();
    let proposal = g[1]
        .propose_update_with(new_bob.clone(), &mut OsRng)
        .unwrap();
    // Until the commit, bob still signs with the old key.
    assert_eq!(g[1].identity().signature_key(), &old_key);
    for i in [0, 2] {
        g[i].process_message(&proposal).unwrap();
    }
    commit_all(&mut g, 0, &CommitOptions::default());
    assert_eq!(g[1].identity().signature_key(), new_bob.signature_key());
    let leaf = g[0].member(g[1].own_leaf()).unwrap();
    assert_eq!(&leaf.signature_key, new_bob.signature_key());
    talk(&mut g, 1);
    // Bob's next commit is signed with the new key and accepted.
    commit_all(&mut g, 1, &CommitOptions::default());
    talk(&mut g, 0);
    // The saved state restores with the new identity.
    let saved = g[1].to_state_bytes().unwrap();
    let back = G::from_state_bytes(suite(1), &saved, *g[1].config(), None).unwrap();
    assert_eq!(back.identity().signature_key(), new_bob.signature_key());
}

#[test]
fn rotation_to_another_identity_is_refused_by_the_default_policy() {
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let before = g[1].to_state_bytes().unwrap();
    let mallory = identity(&suite(1), "mallory");
    assert!(matches!(
        g[1].propose_update_with(mallory.clone(), &mut OsRng),
        Err(GroupError::CredentialRejected { .. })
    ));
    assert_eq!(*g[1].to_state_bytes().unwrap(), *before);
    let options = CommitOptions {
        new_identity: Some(mallory),
        ..CommitOptions::default()
    };
    assert!(matches!(
        g[1].commit(Vec::new(), &options, &mut OsRng),
        Err(GroupError::CredentialRejected { .. })
    ));
    assert!(!g[1].has_pending_commit());
}

#[test]
fn rotation_by_commit_path_survives_a_restart_while_pending() {
    let mut g = group_of(1, &["alice", "bob", "carol"], HandshakeFormat::Public);
    let new_alice = identity(&suite(1), "alice");
    let options = CommitOptions {
        new_identity: Some(new_alice.clone()),
        ..CommitOptions::default()
    };
    let out = g[0].commit(Vec::new(), &options, &mut OsRng).unwrap();
    // Restart while the commit is pending.
    let saved = g[0].to_state_bytes().unwrap();
    let mut alice = G::from_state_bytes(suite(1), &saved, *g[0].config(), None).unwrap();
    alice.set_time(unix_time_now());
    alice.merge_pending_commit().unwrap();
    g[0] = alice;
    for i in [1, 2] {
        let ProcessedMessage::Commit(st) = g[i].process_message(&out.commit).unwrap() else {
            panic!("a commit")
        };
        g[i].merge_staged_commit(st).unwrap();
    }
    assert_eq!(g[0].identity().signature_key(), new_alice.signature_key());
    assert_agree(&[&g[0], &g[1], &g[2]]);
    talk(&mut g, 0);
    commit_all(&mut g, 0, &CommitOptions::default());
    talk(&mut g, 2);
}

#[test]
fn a_dropped_rotating_commit_keeps_the_old_key() {
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let old = g[0].identity().clone();
    let options = CommitOptions {
        new_identity: Some(identity(&suite(1), "alice")),
        ..CommitOptions::default()
    };
    g[0].commit(Vec::new(), &options, &mut OsRng).unwrap();
    g[0].clear_pending_commit();
    // Bob's commit wins the epoch instead.
    commit_all(&mut g, 1, &CommitOptions::default());
    assert_eq!(g[0].identity(), &old);
    talk(&mut g, 0);
}

/// A commit that rotates its sender's key and adds a member: the new
/// epoch's GroupInfo (in the Welcome, and `pending_group_info`) is signed
/// with the key the committer's leaf carries in the new epoch, so the
/// joiner and a Delivery Service accept it.
#[test]
fn a_rotating_commit_signs_the_new_epochs_group_info_with_the_new_key() {
    let s = suite(1);
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let new_alice = identity(&s, "alice");
    let dave = key_package(&s, "dave");
    let options = CommitOptions {
        new_identity: Some(new_alice.clone()),
        ..CommitOptions::default()
    };
    let add = framing::Proposal::Add(framing::Add {
        key_package: dave.key_package().clone(),
    });
    let out = g[0].commit(vec![add], &options, &mut OsRng).unwrap();
    let info = g[0].pending_group_info(false, false).unwrap().unwrap();
    info.verify_signature(&s, new_alice.signature_key())
        .unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let joined = Group::join(
        s.clone(),
        &welcome,
        &dave,
        JoinOptions {
            now: Some(unix_time_now()),
            ..JoinOptions::default()
        },
    )
    .unwrap();
    g[0].merge_pending_commit().unwrap();
    assert_eq!(joined.epoch_authenticator(), g[0].epoch_authenticator());
}
