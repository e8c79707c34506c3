//! Ordering with strong consistency (RFC 9750 §5.2.1, §5.3): the first
//! valid commit of an epoch wins; proposals precede the commits that
//! reference them; only the winning commit's Welcome is delivered.

#[macro_use]
mod common;

use common::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

/// Alice creates the group and adds bob and carol through the DS
/// (KeyPackages from the directory, Welcomes and trees from the DS).
pub fn three(ds: &Ds, rng: &mut TestRng) -> (Client, Client, Client) {
    let mut alice = Client::new("alice", rng);
    let mut bob = Client::new("bob", rng);
    let mut carol = Client::new("carol", rng);
    alice.create_group(ds, None, rng);
    for c in [&mut bob, &mut carol] {
        let kp = c.key_package(rng, false);
        ds.upload_key_packages(&c.id(), NOW, &[kp]).unwrap();
    }
    let served = ds
        .fetch_key_packages(
            &alice.id(),
            NOW,
            &[
                KeyPackageQuery {
                    client: bob.id(),
                    cipher_suite: CipherSuite(1),
                },
                KeyPackageQuery {
                    client: carol.id(),
                    cipher_suite: CipherSuite(1),
                },
            ],
        )
        .unwrap();
    let adds = served
        .key_packages
        .iter()
        .map(|s| {
            let kp = MlsMessage::from_bytes(s.key_package.as_ref().unwrap())
                .unwrap()
                .into_key_package()
                .unwrap();
            Proposal::Add(Add { key_package: kp })
        })
        .collect();
    let p = alice.commit(adds, &CommitOptions::default(), true, rng);
    let accepted = alice.send(ds, &p).unwrap();
    assert_eq!(accepted.welcomed, vec![bob.id(), carol.id()]);
    bob.join_from_ds(ds);
    carol.join_from_ds(ds);
    assert_converged(ds, &[&alice, &bob, &carol]);
    (alice, bob, carol)
}

fn first_valid_commit_wins_and_the_other_is_stale() {
    let rng = &mut TestRng::new(1);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    let epoch = alice.g().epoch();
    let forced = CommitOptions {
        force_path: true,
        ..CommitOptions::default()
    };
    let a = alice.commit(vec![], &forced, true, rng);
    let b = bob.commit(vec![], &forced, true, rng);
    let won = bob.send(&ds, &b).unwrap();
    assert_eq!(won.epoch, epoch + 1);
    assert_eq!(
        alice.send(&ds, &a).unwrap_err(),
        DsError::StaleEpoch { current: epoch + 1 }
    );
    assert_eq!(
        DsError::StaleEpoch { current: 1 }.fault(),
        DsFault::OutOfSync
    );
    alice.sync(&ds);
    carol.sync(&ds);
    assert_converged(&ds, &[&alice, &bob, &carol]);
}

fn an_invalid_commit_never_advances_the_ds() {
    let rng = &mut TestRng::new(2);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    let epoch = alice.g().epoch();
    let mut p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    // Flip a bit of the signature: the DS refuses, as a member would.
    let mut msg = MlsMessage::from_bytes(&p.commit).unwrap();
    if let MlsMessageBody::PublicMessage(pm) = &mut msg.body {
        pm.auth.signature[3] ^= 1;
    }
    let good = std::mem::replace(&mut p.commit, msg_bytes(&msg));
    let err = ds.send_commit(&alice.id(), NOW, p.update()).unwrap_err();
    assert!(matches!(err, DsError::Invalid(_)), "{err:?}");
    assert_eq!(err.fault(), DsFault::Sender);
    assert_eq!(ds.group_info(&alice.id(), GROUP, NOW).unwrap().epoch, epoch);
    // Nothing was fanned out.
    assert!(ds.fetch(&bob.id(), GROUP, NOW).unwrap().messages.is_empty());
    // The same epoch's valid commit is still accepted.
    p.commit = good;
    alice.send(&ds, &p).unwrap();
    bob.sync(&ds);
    carol.sync(&ds);
    assert_converged(&ds, &[&alice, &bob, &carol]);
}

fn proposals_precede_the_commits_that_reference_them() {
    let rng = &mut TestRng::new(3);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    // Carol proposes an update but the DS never gets it: bob, who got it
    // out of band, commits it by reference and is refused.
    let update = carol.g().propose_update(rng).unwrap();
    bob.g().process_message(&update).unwrap();
    let p = bob.commit(vec![], &CommitOptions::default(), true, rng);
    assert_eq!(bob.send(&ds, &p).unwrap_err(), DsError::UnknownProposal);
    // Through the DS first, the same commit is accepted.
    ds.send_proposal(&carol.id(), NOW, &msg_bytes(&update))
        .unwrap();
    let p = bob.commit(vec![], &CommitOptions::default(), true, rng);
    bob.send(&ds, &p).unwrap();
    alice.sync(&ds);
    carol.sync(&ds);
    assert_converged(&ds, &[&alice, &bob, &carol]);
}

fn only_the_winning_commits_welcome_is_delivered() {
    let rng = &mut TestRng::new(4);
    let ds = ds();
    let (mut alice, mut bob, mut carol) = three(&ds, rng);
    let mut dave = Client::new("dave", rng);
    let mut erin = Client::new("erin", rng);
    let dave_kp = dave.key_package(rng, false);
    let erin_kp = erin.key_package(rng, false);
    let kp = |b: &[u8]| {
        Proposal::Add(Add {
            key_package: MlsMessage::from_bytes(b)
                .unwrap()
                .into_key_package()
                .unwrap(),
        })
    };
    let a = alice.commit(vec![kp(&dave_kp)], &CommitOptions::default(), true, rng);
    let b = bob.commit(vec![kp(&erin_kp)], &CommitOptions::default(), true, rng);
    let won = bob.send(&ds, &b).unwrap();
    assert_eq!(won.welcomed, vec![erin.id()]);
    assert!(matches!(
        alice.send(&ds, &a),
        Err(DsError::StaleEpoch { .. })
    ));
    assert!(ds.fetch_welcomes(&dave.id(), NOW).unwrap().is_empty());
    assert_eq!(ds.fetch_welcomes(&erin.id(), NOW).unwrap().len(), 1);
    erin.join_from_ds(&ds);
    alice.sync(&ds);
    carol.sync(&ds);
    assert_converged(&ds, &[&alice, &bob, &carol, &erin]);
}

fn a_welcome_must_match_the_commits_adds() {
    let rng = &mut TestRng::new(5);
    let ds = ds();
    let (mut alice, _bob, _carol) = three(&ds, rng);
    let mut dave = Client::new("dave", rng);
    let dave_kp = dave.key_package(rng, false);
    let add = Proposal::Add(Add {
        key_package: MlsMessage::from_bytes(&dave_kp)
            .unwrap()
            .into_key_package()
            .unwrap(),
    });
    let mut p = alice.commit(vec![add], &CommitOptions::default(), true, rng);
    let welcome = p.welcome.take();
    assert!(matches!(
        ds.send_commit(&alice.id(), NOW, p.update()),
        Err(DsError::InvalidWelcome(_))
    ));
    p.welcome = welcome;
    alice.send(&ds, &p).unwrap();
}

fn a_commit_for_another_client_or_as_private_message_is_refused() {
    let rng = &mut TestRng::new(6);
    let ds = ds();
    let (mut alice, bob, _carol) = three(&ds, rng);
    let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    assert_eq!(
        ds.send_commit(&bob.id(), NOW, p.update()).unwrap_err(),
        DsError::SenderMismatch
    );
    alice.g().clear_pending_commit();
    let private = CommitOptions {
        wire_format: Some(HandshakeFormat::Private),
        ..CommitOptions::default()
    };
    let p = alice.commit(vec![], &private, true, rng);
    assert!(matches!(
        ds.send_commit(&alice.id(), NOW, p.update()),
        Err(DsError::WireFormat(_))
    ));
}

// Each test on the memory store, SQLite and PostgreSQL.
on_every_store!(
    first_valid_commit_wins_and_the_other_is_stale,
    an_invalid_commit_never_advances_the_ds,
    proposals_precede_the_commits_that_reference_them,
    only_the_winning_commits_welcome_is_delivered,
    a_welcome_must_match_the_commits_adds,
    a_commit_for_another_client_or_as_private_message_is_refused,
);
