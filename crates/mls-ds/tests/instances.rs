//! Several DS instances over one store (as several servers over one
//! database): each rebuilds its view of a group from the store when
//! another instance moved the group on.

#[macro_use]
mod common;

use common::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

fn an_instance_rebuilds_its_view_from_the_store() {
    let rng = &mut TestRng::new(50);
    let a = ds();
    let b = instance_of(&a);
    // Created through A with the tree inside the GroupInfo.
    let mut alice = Client::new("alice", rng);
    let mut g = Group::create(
        suite(),
        alice.identity.clone(),
        GROUP.to_vec(),
        vec![],
        GroupConfig::default(),
        rng,
    )
    .unwrap();
    g.set_time(NOW);
    let info = g.group_info(true, true).unwrap();
    a.create_group(
        &alice.id(),
        NOW,
        NewGroup {
            group_info: &msg_bytes(&MlsMessage::new(MlsMessageBody::GroupInfo(info))),
            ratchet_tree: None,
        },
    )
    .unwrap();
    alice.group = Some(g);
    // B has never seen the group: it rebuilds it to take bob's addition.
    let mut bob = Client::new("bob", rng);
    let kp = bob.key_package(rng, false);
    let add = Proposal::Add(Add {
        key_package: MlsMessage::from_bytes(&kp)
            .unwrap()
            .into_key_package()
            .unwrap(),
    });
    let p = alice.commit(vec![add], &CommitOptions::default(), true, rng);
    alice.send(&b, &p).unwrap();
    bob.join_from_ds(&a);
    // A proposal through A, committed by reference through B: B's view
    // replays the epoch's proposals from the log.
    let upd = bob.g().propose_update(rng).unwrap();
    a.send_proposal(&bob.id(), NOW, &msg_bytes(&upd)).unwrap();
    alice.sync(&b);
    let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
    alice.send(&b, &p).unwrap();
    bob.sync(&a);
    // A's cached view is stale: the next commit through A rebuilds it.
    let p = bob.commit(vec![], &CommitOptions::default(), true, rng);
    bob.send(&a, &p).unwrap();
    alice.sync(&a);
    assert_converged(&a, &[&alice, &bob]);
    assert_converged(&b, &[&alice, &bob]);
}

// Each test on the memory store, SQLite and PostgreSQL.
on_every_store!(an_instance_rebuilds_its_view_from_the_store,);
