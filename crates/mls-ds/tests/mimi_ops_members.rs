//! The MIMI DS operations through `MimiDs::handle`, with real `mls-group`
//! clients: the membership commits (draft §9.3–§9.7) and the proposals a
//! commit must include (§8); one accepting and one refusing case per rule.

mod mimi_support;

use mimi_support::*;
use mls_ds::mimi::wire::*;
use mls_ds::mimi::*;
use mls_group::*;
use mls_test_support::TestRng;

// ---- add clients (§9.3) ----

#[test]
fn add_clients_takes_only_adds_by_value() {
    let rng = &mut TestRng::new(120);
    let hub = mimi(HUB, rng);
    let (mut alice, bob, _gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let kp = carol.key_package(rng);
    let (update, welcome) = alice.commit(
        vec![
            Proposal::Add(Add {
                key_package: kp.clone(),
            }),
            Proposal::Remove(Remove {
                removed: bob.leaf(),
            }),
        ],
        &CommitOptions::default(),
        rng,
    );
    let req = alice.as_member(DsRequestBody::AddClients(AddClientsRequest {
        group_update: update,
        welcome_messages: vec![welcome.unwrap()],
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
    let (req, _) = add_request(&mut alice, vec![kp], rng);
    alice.send_commit(&hub, &req).unwrap();
}

#[test]
fn add_clients_needs_exactly_one_welcome() {
    let rng = &mut TestRng::new(121);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let kp = carol.key_package(rng);
    let (update, _) = alice.commit(
        vec![Proposal::Add(Add { key_package: kp })],
        &CommitOptions::default(),
        rng,
    );
    let req = alice.as_member(DsRequestBody::AddClients(AddClientsRequest {
        group_update: update,
        welcome_messages: vec![],
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
}

#[test]
fn joiners_key_packages_carry_a_fanout_token() {
    let rng = &mut TestRng::new(122);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let o = carol.options(true, true, false);
    let kp = carol.bundle_with(o, rng);
    let (req, _) = add_request(&mut alice, vec![kp], rng);
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::MISSING_FANOUT_AUTH
    );
    let kp = carol.key_package(rng);
    let (req, _) = add_request(&mut alice, vec![kp], rng);
    alice.send_commit(&hub, &req).unwrap();
    assert_eq!(
        hub.mimi_store().tokens(&gid).unwrap().get(&carol.id()),
        Some(&carol.token)
    );
}

#[test]
fn joiners_support_the_groups_ds_version() {
    let rng = &mut TestRng::new(123);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let o = carol.options(false, true, true);
    let kp = carol.bundle_with(o, rng);
    let (req, _) = add_request(&mut alice, vec![kp], rng);
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::UNSUPPORTED_DS_VERSION
    );
}

/// Draft §9.3, §9.4: a commit of add_clients, remove_clients or
/// delete_group with a path keeps the sender's credential; a new
/// signature key under the same credential is fine.
#[test]
fn add_clients_keeps_the_senders_credential() {
    let rng = &mut TestRng::new(124);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let kp = carol.key_package(rng);
    let with_path = |id: ClientIdentity| CommitOptions {
        force_path: true,
        new_identity: Some(id),
        ratchet_tree_in_welcome: Some(false),
        ..CommitOptions::default()
    };
    let request = |alice: &mut MClient, id: ClientIdentity, rng: &mut TestRng| {
        let add = Proposal::Add(Add {
            key_package: kp.clone(),
        });
        let (update, welcome) = alice.commit(vec![add], &with_path(id), rng);
        alice.as_member(DsRequestBody::AddClients(AddClientsRequest {
            group_update: update,
            welcome_messages: vec![welcome.unwrap()],
        }))
    };
    let renamed = ClientIdentity::generate(
        &suite(),
        Credential::Basic(format!("alice-renamed@{HUB}").into_bytes()),
        rng,
    )
    .unwrap();
    // Alice's own policy would refuse the rename before the DS sees it.
    alice.g().set_policy(Box::new(AcceptAll));
    let req = request(&mut alice, renamed, rng);
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
    let rotated =
        ClientIdentity::generate(&suite(), alice.identity.credential().clone(), rng).unwrap();
    let req = request(&mut alice, rotated, rng);
    alice.send_commit(&hub, &req).unwrap();
}

/// Draft §4.8: the group's DS version never changes; a
/// GroupContextExtensions proposal that changes it is refused whatever
/// the operation (no operation takes one by value, so it is refused as a
/// rule violation or as an unsupported version — never accepted).
#[test]
fn the_groups_ds_version_cannot_be_changed() {
    let rng = &mut TestRng::new(126);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    let extensions = alice.g().context().extensions.clone();
    let changed: Vec<Extension> = extensions
        .iter()
        .map(|e| {
            if e.extension_type == extension_types::DS_VERSION {
                group_version_ext(DsProtocolVersion(0xfffe))
            } else {
                e.clone()
            }
        })
        .collect();
    assert_ne!(changed, extensions);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: changed,
    });
    let (update, _) = alice.commit(vec![gce], &CommitOptions::default(), rng);
    let req = alice.as_member(DsRequestBody::UpdateClient(UpdateClientRequest {
        group_update: update,
        token: None,
    }));
    let refused = code(alice.send_commit(&hub, &req).unwrap_err());
    assert!(
        refused == DsErrorCode::RULE_VIOLATED || refused == DsErrorCode::UNSUPPORTED_DS_VERSION,
        "{refused:?}"
    );
}

// ---- remove clients (§9.4) ----

#[test]
fn remove_clients_takes_only_removes_by_value() {
    let rng = &mut TestRng::new(130);
    let hub = mimi(HUB, rng);
    let (mut alice, bob, _gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let kp = carol.key_package(rng);
    let (update, _) = alice.commit(
        vec![
            Proposal::Remove(Remove {
                removed: bob.leaf(),
            }),
            Proposal::Add(Add { key_package: kp }),
        ],
        &CommitOptions::default(),
        rng,
    );
    let req = alice.as_member(DsRequestBody::RemoveClients(RemoveClientsRequest {
        group_update: update,
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
    // No proposal at all is not a removal either.
    let (update, _) = alice.commit(vec![], &CommitOptions::default(), rng);
    let req = alice.as_member(DsRequestBody::RemoveClients(RemoveClientsRequest {
        group_update: update,
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
    let (update, _) = alice.commit(
        vec![Proposal::Remove(Remove {
            removed: bob.leaf(),
        })],
        &CommitOptions::default(),
        rng,
    );
    let req = alice.as_member(DsRequestBody::RemoveClients(RemoveClientsRequest {
        group_update: update,
    }));
    alice.send_commit(&hub, &req).unwrap();
}

// ---- self remove (§9.5) and stored proposals (§8) ----

#[test]
fn self_remove_targets_the_sender_and_must_then_be_committed() {
    let rng = &mut TestRng::new(140);
    let hub = mimi(HUB, rng);
    let (mut alice, mut bob, gid) = alice_and_bob(&hub, rng);
    // Bob proposing alice's removal is not a self-removal.
    let alice_leaf = alice.leaf();
    let p = bob.g().propose_remove(LeafIndex(alice_leaf), rng).unwrap();
    let req = bob.as_member(DsRequestBody::SelfRemoveClient(SelfRemoveClientRequest {
        proposal: p,
    }));
    assert_eq!(code(expect_err(&hub, &req)), DsErrorCode::RULE_VIOLATED);
    // Bob removes himself.
    // (Bob's own store keeps his refused proposal; he never commits.)
    let bob_leaf = bob.leaf();
    let p = bob.g().propose_remove(LeafIndex(bob_leaf), rng).unwrap();
    let req = bob.as_member(DsRequestBody::SelfRemoveClient(SelfRemoveClientRequest {
        proposal: p,
    }));
    expect_ok(&hub, &req);
    alice.sync_local(&hub, &gid);
    // A commit that leaves it out is refused.
    let (update, _) = alice.commit(
        vec![],
        &CommitOptions {
            include_stored_proposals: false,
            force_path: true,
            ..CommitOptions::default()
        },
        rng,
    );
    let req = alice.as_member(DsRequestBody::UpdateClient(UpdateClientRequest {
        group_update: update,
        token: None,
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::MISSING_STORED_PROPOSAL
    );
    // One that includes it is accepted, and bob is out.
    let (update, _) = alice.commit(
        vec![],
        &CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        rng,
    );
    let req = alice.as_member(DsRequestBody::UpdateClient(UpdateClientRequest {
        group_update: update,
        token: None,
    }));
    alice.send_commit(&hub, &req).unwrap();
    assert_eq!(alice.g().members().len(), 1);
}

#[test]
fn the_ds_remove_proposal_must_be_committed() {
    let rng = &mut TestRng::new(141);
    let hub = mimi(HUB, rng);
    let (mut alice, bob, gid) = alice_and_bob(&hub, rng);
    let out = hub
        .ds_propose(
            &gid,
            Proposal::Remove(Remove {
                removed: bob.leaf(),
            }),
            NOW,
        )
        .unwrap();
    assert!(out.fanout.is_empty()); // everyone is local
    alice.sync_local(&hub, &gid);
    let mut carol = MClient::new("carol", &hub, rng);
    let kp = carol.key_package(rng);
    // An add that leaves out the DS's Remove is refused...
    let (update, welcome) = alice.commit(
        vec![Proposal::Add(Add {
            key_package: kp.clone(),
        })],
        &CommitOptions {
            include_stored_proposals: false,
            ratchet_tree_in_welcome: Some(false),
            ..CommitOptions::default()
        },
        rng,
    );
    let req = alice.as_member(DsRequestBody::AddClients(AddClientsRequest {
        group_update: update,
        welcome_messages: vec![welcome.unwrap()],
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::MISSING_STORED_PROPOSAL
    );
    // ...one that includes it by reference is accepted (a Remove by
    // reference beside the Adds, §9.3).
    let (req, _) = add_request(&mut alice, vec![kp], rng);
    alice.send_commit(&hub, &req).unwrap();
    assert!(alice
        .g()
        .members()
        .iter()
        .all(|m| m.credential != Credential::Basic(b"bob@hub.example".to_vec())));
}

#[test]
fn the_ds_adds_only_key_packages_with_a_token() {
    let rng = &mut TestRng::new(142);
    let hub = mimi(HUB, rng);
    let (_alice, _bob, gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let o = carol.options(true, true, false);
    let kp = carol.bundle_with(o, rng);
    assert_eq!(
        hub.ds_propose(&gid, Proposal::Add(Add { key_package: kp }), NOW),
        Err(MimiError::MissingFanoutAuth)
    );
    let kp = carol.key_package(rng);
    hub.ds_propose(&gid, Proposal::Add(Add { key_package: kp }), NOW)
        .unwrap();
}

// ---- update client (§9.6) ----

#[test]
fn update_client_has_a_path_and_no_proposal_by_value() {
    let rng = &mut TestRng::new(150);
    let hub = mimi(HUB, rng);
    let (mut alice, bob, gid) = alice_and_bob(&hub, rng);
    let (update, _) = alice.commit(
        vec![Proposal::Remove(Remove {
            removed: bob.leaf(),
        })],
        &CommitOptions::default(),
        rng,
    );
    let req = alice.as_member(DsRequestBody::UpdateClient(UpdateClientRequest {
        group_update: update,
        token: None,
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
    // Accepted, with a new token that replaces the old one.
    let new_token = hub
        .issue_fanout_token(&alice.id(), NOW, Some(NOW + DAY))
        .unwrap();
    let (update, _) = alice.commit(
        vec![],
        &CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        rng,
    );
    let req = alice.as_member(DsRequestBody::UpdateClient(UpdateClientRequest {
        group_update: update,
        token: Some(new_token.clone()),
    }));
    alice.send_commit(&hub, &req).unwrap();
    assert_eq!(
        hub.mimi_store().tokens(&gid).unwrap().get(&alice.id()),
        Some(&new_token)
    );
}

// ---- external join (§9.7) ----

#[test]
fn external_join_is_signed_as_the_joiners_new_leaf() {
    let rng = &mut TestRng::new(160);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let req = external_join_request(&mut carol, &hub, &gid, true, 1, rng);
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::AUTHENTICATION_FAILED
    );
    let req = external_join_request(&mut carol, &hub, &gid, true, 0, rng);
    expect_ok(&hub, &req);
    alice.sync_local(&hub, &gid);
    assert_eq!(alice.g().members().len(), 3);
    assert_eq!(
        alice.g().epoch_authenticator(),
        carol.g().epoch_authenticator()
    );
}

#[test]
fn an_external_joiner_carries_a_fanout_token_in_its_leaf() {
    let rng = &mut TestRng::new(161);
    let hub = mimi(HUB, rng);
    let (_alice, _bob, gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let req = external_join_request(&mut carol, &hub, &gid, false, 0, rng);
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::MISSING_FANOUT_AUTH
    );
}

#[test]
fn only_external_join_takes_external_commits() {
    let rng = &mut TestRng::new(162);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    // A member's commit sent as external_join.
    let (update, _) = alice.commit(
        vec![],
        &CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        rng,
    );
    let req = alice.as_member(DsRequestBody::ExternalJoin(ExternalJoinRequest {
        group_update: update,
    }));
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
}

#[test]
fn external_commit_info_of_an_unknown_group_is_refused() {
    let rng = &mut TestRng::new(163);
    let hub = mimi(HUB, rng);
    let c = MClient::new("carol", &hub, rng);
    let req = c.as_client(DsRequestBody::ExternalCommitInfo(
        ExternalCommitInfoRequest {
            group_id: b"nope@hub.example".to_vec(),
        },
    ));
    assert_eq!(code(expect_err(&hub, &req)), DsErrorCode::UNKNOWN_GROUP);
}
