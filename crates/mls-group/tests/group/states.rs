//! Lifecycle and staged commits as types: a staged commit merges only into
//! the state that staged it, a removed member refuses everything but its
//! history, and the group types can cross threads.

use crate::common;

use common::*;
use mls_framing::{Proposal, Remove};
use mls_group::*;
use mls_rustcrypto::OsRng;

/// Compile-time: the group types can be held across `.await` in a
/// multi-threaded runtime and moved to worker threads.
#[test]
fn group_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    type S = mls_rustcrypto::RustCryptoSuite;
    send_sync::<Group<S>>();
    send_sync::<PublicGroup<S>>();
    send_sync::<StagedCommit>();
    send_sync::<PublicStagedCommit>();
    send_sync::<PendingCommit>();
    send_sync::<KeyPackageBundle>();
    send_sync::<ClientIdentity>();
    send_sync::<Box<dyn GroupPolicy>>();
    send_sync::<GroupError>();
    // And a group really moves to another thread and back.
    let g = group_of(1, &["alice", "bob"], HandshakeFormat::Public).remove(0);
    let epoch = std::thread::spawn(move || g.epoch()).join().unwrap();
    assert_eq!(epoch, 1);
}

/// Dave cannot merge the commit carol staged (it once made his leaf
/// carol's while he kept his own signing key); his own staging of the
/// same commit merges.
#[test]
fn a_staged_commit_merges_only_where_it_was_staged() {
    let mut g = group_of(
        1,
        &["alice", "bob", "carol", "dave"],
        HandshakeFormat::Public,
    );
    let out = g[0]
        .commit(
            Vec::new(),
            &CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &mut OsRng,
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let staged_by = |g: &mut Group<_>| match g.process_message(&out.commit).unwrap() {
        ProcessedMessage::Commit(s) => s,
        other => panic!("not a commit: {other:?}"),
    };
    let carols = staged_by(&mut g[2]);
    let before = g[3].to_state_bytes().unwrap();
    assert_eq!(
        g[3].merge_staged_commit(carols.clone()),
        Err(GroupError::StagedElsewhere)
    );
    assert_eq!(
        g[3].to_state_bytes().unwrap(),
        before,
        "a refusal changes nothing"
    );
    let daves = staged_by(&mut g[3]);
    g[3].merge_staged_commit(daves).unwrap();
    g[2].merge_staged_commit(carols).unwrap();
    assert_agree(&[&g[0], &g[2], &g[3]]);
    assert_eq!(g[3].own_leaf(), mls_types::tree_math::LeafIndex(3));
}

/// A staged commit of an epoch the group has left does not merge either.
#[test]
fn a_staged_commit_of_a_past_epoch_does_not_merge() {
    let mut g = group_of(1, &["alice", "bob", "carol"], HandshakeFormat::Public);
    let first = g[0]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[0].clear_pending_commit();
    let second = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[1].merge_pending_commit().unwrap();
    let ProcessedMessage::Commit(stale) = g[2].process_message(&first.commit).unwrap() else {
        panic!("a commit")
    };
    deliver(&mut [&mut g[2]], &second.commit);
    assert_eq!(
        g[2].merge_staged_commit(stale),
        Err(GroupError::StagedElsewhere),
        "the epoch it was staged in is over"
    );
}

/// Once its removal is merged, a member reads only its history: late
/// application messages of the epochs it was in. It cannot merge a
/// competing commit of its old epoch, send, export or sign a GroupInfo.
#[test]
fn a_removed_member_only_reads_its_history() {
    let mut g = group_of(1, &["alice", "bob", "carol"], HandshakeFormat::Public);
    let late = g[0]
        .encrypt_application_message(b"before the removal", b"", &mut OsRng)
        .unwrap();
    let competing = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[1].clear_pending_commit();
    let removal = g[0]
        .commit(
            vec![Proposal::Remove(Remove { removed: 2 })],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let ProcessedMessage::Commit(staged) = g[2].process_message(&removal.commit).unwrap() else {
        panic!("a commit")
    };
    assert!(staged.removes_us());
    assert_eq!(staged.epoch_authenticator(), None);
    g[2].merge_staged_commit(staged).unwrap();
    let carol = &mut g[2];
    assert_eq!(carol.status(), GroupStatus::Removed);
    assert!(!carol.is_active());

    // The competing commit of the epoch it was removed in.
    assert_eq!(
        carol.process_message(&competing.commit).unwrap_err(),
        GroupError::Removed
    );
    assert_eq!(
        carol.export_secret(b"label", b"", 32).unwrap_err(),
        GroupError::Removed
    );
    assert_eq!(
        carol.group_info(true, false).unwrap_err(),
        GroupError::Removed
    );
    assert_eq!(
        carol
            .encrypt_application_message(b"hi", b"", &mut OsRng)
            .unwrap_err(),
        GroupError::Removed
    );
    assert_eq!(
        carol
            .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        GroupError::Removed
    );
    // History: the application message of the epoch it was in.
    match carol.process_message(&late).unwrap() {
        ProcessedMessage::Application { data, .. } => assert_eq!(data, b"before the removal"),
        other => panic!("not application data: {other:?}"),
    }
    // The state persists as removed.
    let back = Group::from_state_bytes(
        carol.suite().clone(),
        &carol.to_state_bytes().unwrap(),
        GroupConfig::default(),
        None,
    )
    .unwrap();
    assert_eq!(back.status(), GroupStatus::Removed);
}

/// The lifecycle as the status reports it: pending while our commit
/// awaits the Delivery Service, operational once merged or cleared.
#[test]
fn status_follows_the_pending_commit() {
    let mut g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    assert_eq!(g[0].status(), GroupStatus::Operational);
    g[0].commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert_eq!(g[0].status(), GroupStatus::PendingCommit);
    assert_eq!(
        g[0].commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        GroupError::CommitPending
    );
    g[0].clear_pending_commit();
    assert_eq!(g[0].status(), GroupStatus::Operational);
    g[0].commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    assert_eq!(g[0].status(), GroupStatus::Operational);
    assert_eq!(
        g[0].merge_pending_commit().unwrap_err(),
        GroupError::NoPendingCommit
    );
}

/// A refusal from a lower layer keeps that layer's error as its source.
#[test]
fn errors_chain_to_their_source() {
    use std::error::Error;
    let e = GroupError::Framing(mls_framing::FramingError::InvalidMembershipTag);
    let source = e.source().expect("the framing error");
    assert_eq!(
        source.to_string(),
        mls_framing::FramingError::InvalidMembershipTag.to_string()
    );
    assert_eq!(e.fault(), Fault::Peer);
    assert!(GroupError::CommitPending.source().is_none());
}

/// A Delivery Service's view authenticates every member of the tree it
/// imports, as a joiner does (it once did not).
#[test]
fn a_public_group_authenticates_the_imported_tree() {
    struct RefuseBob;
    impl GroupPolicy for RefuseBob {
        fn authenticate(
            &self,
            input: &mls_group::CredentialInput<'_>,
        ) -> Result<(), mls_group::CredentialError> {
            if input.credential == &Credential::Basic(b"bob".to_vec()) {
                return Err(mls_group::CredentialError::UnknownIdentity);
            }
            Ok(())
        }
    }
    let g = group_of(1, &["alice", "bob"], HandshakeFormat::Public);
    let info = g[0].group_info(true, false).unwrap();
    let options = |policy: Option<Box<dyn GroupPolicy>>| PublicGroupOptions {
        policy,
        ..PublicGroupOptions::default()
    };
    assert_eq!(
        PublicGroup::from_group_info(
            g[0].suite().clone(),
            &info,
            options(Some(Box::new(RefuseBob)))
        )
        .unwrap_err(),
        GroupError::CredentialRejected {
            context: mls_group::CredentialContext::TreeImport,
            reason: mls_group::CredentialError::UnknownIdentity
        }
    );
    PublicGroup::from_group_info(g[0].suite().clone(), &info, options(None)).unwrap();
}
