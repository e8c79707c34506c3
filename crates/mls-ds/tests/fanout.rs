//! Fan-out (RFC 9750 §3.3, §5.2, §7): every member receives every accepted
//! message from its cursor, at least once until acknowledged, in order;
//! application messages are accepted without being decrypted.

#[macro_use]
mod common;

use common::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

/// Alice with bob and carol, added by one commit through the DS.
fn three(ds: &Ds, rng: &mut TestRng) -> (Client, Client, Client) {
    let mut alice = Client::new("alice", rng);
    let mut bob = Client::new("bob", rng);
    let mut carol = Client::new("carol", rng);
    alice.create_group(ds, None, rng);
    let mut adds = Vec::new();
    for c in [&mut bob, &mut carol] {
        let kp = c.key_package(rng, false);
        adds.push(Proposal::Add(Add {
            key_package: MlsMessage::from_bytes(&kp)
                .unwrap()
                .into_key_package()
                .unwrap(),
        }));
    }
    let p = alice.commit(adds, &CommitOptions::default(), true, rng);
    alice.send(ds, &p).unwrap();
    bob.join_from_ds(ds);
    carol.join_from_ds(ds);
    (alice, bob, carol)
}

fn app(c: &mut Client, text: &str, rng: &mut TestRng) -> Vec<u8> {
    msg_bytes(
        &c.g()
            .encrypt_application_message(text.as_bytes(), b"", rng)
            .unwrap(),
    )
}

fn every_member_but_the_sender_receives_each_message_in_order() {
    let rng = &mut TestRng::new(20);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    for i in 0..5 {
        let m = app(&mut alice, &format!("a{i}"), rng);
        ds.send_application(&alice.id(), NOW, &m).unwrap();
        let m = app(&mut bob, &format!("b{i}"), rng);
        ds.send_application(&bob.id(), NOW, &m).unwrap();
    }
    let got = carol.sync(&ds);
    let text: Vec<String> = got
        .iter()
        .map(|d| String::from_utf8(d.clone()).unwrap())
        .collect();
    assert_eq!(
        text,
        ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"]
    );
    // The sender does not get its own back (per-sender FIFO for the others).
    let a: Vec<Vec<u8>> = alice.sync(&ds);
    assert_eq!(a.len(), 5);
    assert!(a.iter().all(|d| d.starts_with(b"b")));
    // Stored once, however many recipients (and the commit adding bob
    // and carol).
    assert_eq!(ds.store().message_count(GROUP), 11);
    let _ = bob.sync(&ds);
}

fn the_sender_gets_its_own_messages_when_configured() {
    let rng = &mut TestRng::new(21);
    let ds = ds_with(DsConfig {
        echo_to_sender: true,
        ..DsConfig::default()
    });
    let (mut alice, _bob, _carol) = three(&ds, rng);
    let m = app(&mut alice, "hi", rng);
    ds.send_application(&alice.id(), NOW, &m).unwrap();
    // Her own commit (adding bob and carol), then her message.
    let f = ds.fetch(&alice.id(), GROUP, NOW).unwrap();
    assert_eq!(f.messages.len(), 2);
    assert_eq!(f.messages[0].kind, MessageKind::Commit);
    assert_eq!(f.messages[1].message, m);
}

fn delivery_is_at_least_once_until_acknowledged() {
    let rng = &mut TestRng::new(22);
    let ds = ds();
    let (mut alice, bob, _carol) = three(&ds, rng);
    let m = app(&mut alice, "hi", rng);
    let accepted = ds.send_application(&alice.id(), NOW, &m).unwrap();
    let f1 = ds.fetch(&bob.id(), GROUP, NOW).unwrap();
    let f2 = ds.fetch(&bob.id(), GROUP, NOW).unwrap();
    assert_eq!(f1, f2);
    assert_eq!(f1.messages[0].seq, accepted.seq);
    ds.ack(&bob.id(), GROUP, f1.next_cursor, NOW).unwrap();
    assert!(ds.fetch(&bob.id(), GROUP, NOW).unwrap().messages.is_empty());
    // Cursors only move forward; acknowledging the future is refused.
    ds.ack(&bob.id(), GROUP, 0, NOW).unwrap();
    assert!(ds.fetch(&bob.id(), GROUP, NOW).unwrap().messages.is_empty());
    assert!(matches!(
        ds.ack(&bob.id(), GROUP, 1000, NOW),
        Err(DsError::Malformed(_))
    ));
}

fn a_client_back_after_a_long_absence_reads_from_its_cursor() {
    let rng = &mut TestRng::new(23);
    let ds = ds_with(DsConfig {
        limits: Limits {
            max_fetch: 7,
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    // Carol is away while 30 messages and 3 commits go by.
    for round in 0..3 {
        for i in 0..10 {
            let m = app(&mut alice, &format!("{round}.{i}"), rng);
            ds.send_application(&alice.id(), NOW, &m).unwrap();
        }
        let p = alice.commit(
            vec![],
            &CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            true,
            rng,
        );
        alice.send(&ds, &p).unwrap();
        bob.sync(&ds);
    }
    let first = ds.fetch(&carol.id(), GROUP, NOW).unwrap();
    assert_eq!(first.messages.len(), 7);
    assert!(first.more);
    let got = carol.sync(&ds);
    assert_eq!(got.len(), 30);
    assert_converged(&ds, &[&alice, &bob, &carol]);
}

fn application_messages_of_the_current_and_recent_epochs_are_accepted() {
    let rng = &mut TestRng::new(24);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    // Bob writes in epoch e, then alice commits twice; the message of
    // epoch e is still accepted (application_past_epochs = 2), and
    // readable by carol from her retained past epoch.
    let old = app(&mut bob, "late", rng);
    for _ in 0..2 {
        let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
        alice.send(&ds, &p).unwrap();
    }
    carol.sync(&ds);
    ds.send_application(&bob.id(), NOW, &old).unwrap();
    assert_eq!(carol.sync(&ds), vec![b"late".to_vec()]);
    // A third commit: epoch e is too old now.
    let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    alice.send(&ds, &p).unwrap();
    assert!(matches!(
        ds.send_application(&bob.id(), NOW, &old),
        Err(DsError::EpochTooOld { .. })
    ));
}

fn application_messages_are_refused_from_non_members_and_in_clear() {
    let rng = &mut TestRng::new(25);
    let ds = ds();
    let (mut alice, _bob, _carol) = three(&ds, rng);
    let m = app(&mut alice, "hi", rng);
    assert_eq!(
        ds.send_application(&id("mallory"), NOW, &m).unwrap_err(),
        DsError::NotAMember
    );
    assert_eq!(
        ds.fetch(&id("mallory"), GROUP, NOW).unwrap_err(),
        DsError::NotAMember
    );
    // A handshake message is not an application message.
    let p = alice.g().propose_update(rng).unwrap();
    assert!(matches!(
        ds.send_application(&alice.id(), NOW, &msg_bytes(&p)),
        Err(DsError::WireFormat(_))
    ));
}

fn a_removed_client_reads_up_to_its_removal_then_nothing() {
    let rng = &mut TestRng::new(26);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    let carol_leaf = carol.g().own_leaf();
    let p = alice.commit(
        vec![Proposal::Remove(Remove {
            removed: carol_leaf.0,
        })],
        &CommitOptions::default(),
        true,
        rng,
    );
    let accepted = alice.send(&ds, &p).unwrap();
    assert_eq!(accepted.removed, vec![carol.id()]);
    let m = app(&mut alice, "after", rng);
    ds.send_application(&alice.id(), NOW, &m).unwrap();
    let f = ds.fetch(&carol.id(), GROUP, NOW).unwrap();
    assert!(f.removed);
    assert_eq!(f.messages.len(), 1);
    assert_eq!(f.messages[0].kind, MessageKind::Commit);
    carol.sync(&ds);
    assert_eq!(carol.g().status(), GroupStatus::Removed);
    assert_eq!(bob.sync(&ds), vec![b"after".to_vec()]);
    assert_eq!(
        ds.send_application(&carol.id(), NOW, &m).unwrap_err(),
        DsError::NotAMember
    );
}

fn welcomes_reach_their_joiners_only() {
    let rng = &mut TestRng::new(27);
    let ds = ds();
    let (_alice, bob, carol) = three(&ds, rng);
    // bob and carol acknowledged theirs when joining; alice never had one.
    for c in [&bob, &carol] {
        assert!(ds.fetch_welcomes(&c.id(), NOW).unwrap().is_empty());
    }
    assert!(ds.fetch_welcomes(&id("alice"), NOW).unwrap().is_empty());
}

fn acknowledged_messages_are_pruned_unread_ones_kept() {
    let rng = &mut TestRng::new(28);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    for i in 0..5 {
        let m = app(&mut alice, &format!("{i}"), rng);
        ds.send_application(&alice.id(), NOW, &m).unwrap();
    }
    // Alice's cursor never moved (she sent everything); everyone must
    // have acknowledged a message before it goes.
    alice.sync(&ds);
    bob.sync(&ds);
    let keep = ds.prune(GROUP).unwrap();
    assert_eq!(keep, 1, "carol has read nothing after the commit");
    assert_eq!(ds.store().message_count(GROUP), 5);
    assert_eq!(carol.sync(&ds).len(), 5);
    // A commit: the new epoch starts after it, and everything before is
    // acknowledged by all.
    let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    alice.send(&ds, &p).unwrap();
    bob.sync(&ds);
    carol.sync(&ds);
    // Alice's own commit is not delivered to her, but her cursor moves
    // past it only when she next reads.
    assert_eq!(ds.prune(GROUP).unwrap(), 6);
    alice.sync(&ds);
    assert_eq!(ds.prune(GROUP).unwrap(), 7);
    assert_eq!(ds.store().message_count(GROUP), 0);
    // Nothing is lost for anyone.
    let m = app(&mut bob, "after", rng);
    ds.send_application(&bob.id(), NOW, &m).unwrap();
    assert_eq!(carol.sync(&ds), vec![b"after".to_vec()]);
    assert_eq!(alice.sync(&ds), vec![b"after".to_vec()]);
    assert_converged(&ds, &[&alice, &bob, &carol]);
}

// Each test on the memory store, SQLite and PostgreSQL.
on_every_store!(
    every_member_but_the_sender_receives_each_message_in_order,
    the_sender_gets_its_own_messages_when_configured,
    delivery_is_at_least_once_until_acknowledged,
    a_client_back_after_a_long_absence_reads_from_its_cursor,
    application_messages_of_the_current_and_recent_epochs_are_accepted,
    application_messages_are_refused_from_non_members_and_in_clear,
    a_removed_client_reads_up_to_its_removal_then_nothing,
    welcomes_reach_their_joiners_only,
    acknowledged_messages_are_pruned_unread_ones_kept,
);
