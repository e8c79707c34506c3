//! The policy knobs (RFC 9750 §6, §7, §8.2.2): who may add and remove,
//! the GroupPolicy hook, idle eviction by the DS's own Remove proposals,
//! rate limits.

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

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

fn only(names: &[&str]) -> Who {
    Who::Only(names.iter().map(|n| id(n)).collect::<BTreeSet<_>>())
}

/// Alice (creator) and bob, bob added by alice.
fn pair(ds: &Ds, ds_sender: Option<&ClientIdentity>, rng: &mut TestRng) -> (Client, Client) {
    let mut alice = Client::new("alice", rng);
    alice.create_group(ds, ds_sender, rng);
    let mut bob = Client::new("bob", rng);
    let kp = bob.key_package(rng, false);
    let p = alice.commit(vec![add(&kp)], &CommitOptions::default(), true, rng);
    alice.send(ds, &p).unwrap();
    bob.join_from_ds(ds);
    (alice, bob)
}

fn only_listed_clients_may_add() {
    let rng = &mut TestRng::new(40);
    let ds = ds_with(DsConfig {
        may_add: only(&["alice"]),
        ..DsConfig::default()
    });
    let (mut alice, mut bob) = pair(&ds, None, rng);
    let mut carol = Client::new("carol", rng);
    let kp = carol.key_package(rng, false);
    // Bob may not add, by value or by proposal.
    let p = bob.commit(vec![add(&kp)], &CommitOptions::default(), true, rng);
    assert_eq!(
        bob.send(&ds, &p).unwrap_err(),
        DsError::PolicyRefused("this client may not add")
    );
    let proposal = bob.g().propose_add(
        MlsMessage::from_bytes(&kp)
            .unwrap()
            .into_key_package()
            .unwrap(),
        rng,
    );
    assert!(matches!(
        ds.send_proposal(&bob.id(), NOW, &msg_bytes(&proposal.unwrap())),
        Err(DsError::PolicyRefused(_))
    ));
    // Alice may.
    let p = alice.commit(vec![add(&kp)], &CommitOptions::default(), true, rng);
    alice.send(&ds, &p).unwrap();
}

fn only_listed_clients_may_remove_others_but_anyone_may_leave() {
    let rng = &mut TestRng::new(41);
    let ds = ds_with(DsConfig {
        may_remove: only(&["alice"]),
        ..DsConfig::default()
    });
    let (mut alice, mut bob) = pair(&ds, None, rng);
    let alice_leaf = alice.g().own_leaf();
    let p = bob.commit(
        vec![Proposal::Remove(Remove {
            removed: alice_leaf.0,
        })],
        &CommitOptions::default(),
        true,
        rng,
    );
    assert_eq!(
        bob.send(&ds, &p).unwrap_err(),
        DsError::PolicyRefused("this client may not remove")
    );
    // Bob proposes his own removal; alice commits it.
    let bob_leaf = bob.g().own_leaf();
    let leave = bob.g().propose_remove(bob_leaf, rng).unwrap();
    ds.send_proposal(&bob.id(), NOW, &msg_bytes(&leave))
        .unwrap();
    alice.sync(&ds);
    let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    let accepted = alice.send(&ds, &p).unwrap();
    assert_eq!(accepted.removed, vec![bob.id()]);
}

fn the_group_policy_hook_is_the_ds_verdict_too() {
    struct NoCustom;
    impl GroupPolicy for NoCustom {
        fn check_proposal(&self, p: &Proposal, _: &Sender) -> Result<(), &'static str> {
            match p {
                Proposal::GroupContextExtensions(_) => Err("no extension changes"),
                _ => Ok(()),
            }
        }
    }
    let rng = &mut TestRng::new(42);
    let ds = ds_with(DsConfig {
        group_policy: Arc::new(NoCustom),
        ..DsConfig::default()
    });
    let (mut alice, _bob) = pair(&ds, None, rng);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions { extensions: vec![] });
    let p = alice.commit(vec![gce], &CommitOptions::default(), true, rng);
    let err = alice.send(&ds, &p).unwrap_err();
    assert_eq!(
        err,
        DsError::Invalid(GroupError::PolicyRejected("no extension changes"))
    );
    assert_eq!(err.fault(), DsFault::Sender);
    let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    alice.send(&ds, &p).unwrap();
}

fn idle_members_are_proposed_for_removal_by_the_ds() {
    let rng = &mut TestRng::new(43);
    let ds_id = ds_identity(rng);
    let ds = ds_with(DsConfig {
        idle_eviction_after: Some(30 * DAY),
        ds_identity: Some(DsIdentity {
            identity: ds_id.clone(),
        }),
        require_ds_external_sender: true,
        ..DsConfig::default()
    });
    // A group that does not list the DS is refused.
    let mut other = Client::new("zed", rng);
    let mut g = Group::create(
        suite(),
        other.identity.clone(),
        b"other".to_vec(),
        vec![],
        GroupConfig::default(),
        rng,
    )
    .unwrap();
    let info = g.group_info(true, true).unwrap();
    assert!(matches!(
        ds.create_group(
            &other.id(),
            NOW,
            NewGroup {
                group_info: &msg_bytes(&MlsMessage::new(MlsMessageBody::GroupInfo(info))),
                ratchet_tree: None,
            }
        ),
        Err(DsError::PolicyRefused(_))
    ));
    g.set_time(NOW);
    other.group = Some(g);

    let (mut alice, mut bob) = pair(&ds, Some(&ds_id), rng);
    // Nobody is idle yet.
    assert!(ds.evict_idle(GROUP, NOW + DAY).unwrap().proposed.is_empty());
    // Alice stays active; bob does not.
    let later = NOW + 31 * DAY;
    ds.fetch(&alice.id(), GROUP, later).unwrap();
    let evicted = ds.evict_idle(GROUP, later).unwrap();
    assert_eq!(evicted.proposed.len(), 1);
    assert_eq!(evicted.proposed[0].0, bob.id());
    // Proposed once per epoch.
    assert!(ds.evict_idle(GROUP, later).unwrap().proposed.is_empty());
    // Alice receives the DS's proposal and commits it.
    alice.sync(&ds);
    let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    let accepted = alice.send(&ds, &p).unwrap();
    assert_eq!(accepted.removed, vec![bob.id()]);
    bob.sync(&ds);
    assert_eq!(bob.g().status(), GroupStatus::Removed);
}

fn rate_limits_refuse_with_retry_after() {
    let rng = &mut TestRng::new(44);
    let ds = ds_with(DsConfig {
        limits: Limits {
            client_rate: Rate { max: 3, window: 60 },
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    let mut bob = Client::new("bob", rng);
    let t = NOW - NOW % 60 + 10;
    for _ in 0..3 {
        ds.key_package_stock(&bob.id(), t).unwrap();
        let kp = bob.key_package(rng, false);
        let _ = ds.upload_key_packages(&bob.id(), t, &[kp]);
    }
    let kp = bob.key_package(rng, false);
    let err = ds
        .upload_key_packages(&bob.id(), t, std::slice::from_ref(&kp))
        .unwrap_err();
    assert_eq!(err, DsError::RateLimited { retry_after: 50 });
    assert_eq!(err.fault(), DsFault::RateLimited);
    // Another client is not affected; the next window is open again.
    let mut carol = Client::new("carol", rng);
    let ckp = carol.key_package(rng, false);
    ds.upload_key_packages(&carol.id(), t, &[ckp]).unwrap();
    ds.upload_key_packages(&bob.id(), t + 50, &[kp]).unwrap();
}

fn group_rate_limits_apply_to_every_sender() {
    let rng = &mut TestRng::new(45);
    let ds = ds_with(DsConfig {
        limits: Limits {
            group_rate: Rate { max: 3, window: 60 },
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    // The add commit counts as the first message.
    let (mut alice, mut bob) = pair(&ds, None, rng);
    let m = alice
        .g()
        .encrypt_application_message(b"1", b"", rng)
        .unwrap();
    ds.send_application(&alice.id(), NOW, &msg_bytes(&m))
        .unwrap();
    let m = bob.g().encrypt_application_message(b"2", b"", rng).unwrap();
    ds.send_application(&bob.id(), NOW, &msg_bytes(&m)).unwrap();
    let m = bob.g().encrypt_application_message(b"3", b"", rng).unwrap();
    assert!(matches!(
        ds.send_application(&bob.id(), NOW, &msg_bytes(&m)),
        Err(DsError::RateLimited { .. })
    ));
}

fn the_ds_stays_an_external_sender_when_required() {
    let rng = &mut TestRng::new(46);
    let ds_id = ds_identity(rng);
    let ds = ds_with(DsConfig {
        ds_identity: Some(DsIdentity {
            identity: ds_id.clone(),
        }),
        require_ds_external_sender: true,
        ..DsConfig::default()
    });
    let (mut alice, _bob) = pair(&ds, Some(&ds_id), rng);
    let drop_ds = Proposal::GroupContextExtensions(GroupContextExtensions { extensions: vec![] });
    let p = alice.commit(vec![drop_ds], &CommitOptions::default(), true, rng);
    assert_eq!(
        alice.send(&ds, &p).unwrap_err(),
        DsError::PolicyRefused("the group must keep the DS in external_senders")
    );
    let keep_ds = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: alice.g().extensions().to_vec(),
    });
    let p = alice.commit(vec![keep_ds], &CommitOptions::default(), true, rng);
    alice.send(&ds, &p).unwrap();
}

// Each test on the memory store, SQLite and PostgreSQL.
on_every_store!(
    only_listed_clients_may_add,
    only_listed_clients_may_remove_others_but_anyone_may_leave,
    the_group_policy_hook_is_the_ds_verdict_too,
    idle_members_are_proposed_for_removal_by_the_ds,
    rate_limits_refuse_with_retry_after,
    group_rate_limits_apply_to_every_sender,
    the_ds_stays_an_external_sender_when_required,
);
