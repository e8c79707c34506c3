//! The MIMI DS operations (draft §6.1, §8, §9) through `MimiDs::handle`:
//! one accepting and one refusing case per rule and per authentication
//! rule, with real `mls-group` clients.

mod mimi_support;

use mimi_support::*;
use mls_codec::Encode;
use mls_ds::mimi::wire::*;
use mls_ds::mimi::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

fn code(e: DsErrorBody) -> DsErrorCode {
    e.code
}

// ---- versions and authentication (§6.1) ----

#[test]
fn an_unknown_protocol_version_is_refused() {
    let rng = &mut TestRng::new(100);
    let hub = mimi(HUB, rng);
    let c = MClient::new("alice", &hub, rng);
    let req = mls_ds::mimi::auth::sign_with_credential(
        &suite(),
        &c.identity,
        DsProtocolVersion(0x0A0A),
        DsRequestBody::RequestGroupId(RequestGroupIdRequest),
    )
    .unwrap();
    let e = expect_err(&hub, &req.to_bytes().unwrap());
    assert_eq!(e.code, DsErrorCode::UNSUPPORTED_VERSION);
    assert_eq!(e.as_number(), Some(0x0A0A));
    // The version spoken is accepted.
    request_group_id(&hub, &c);
}

#[test]
fn client_signature_by_the_senders_leaf_is_required() {
    let rng = &mut TestRng::new(101);
    let hub = mimi(HUB, rng);
    let (mut alice, bob, _gid) = alice_and_bob(&hub, rng);
    // Accepted: alice signs as her leaf.
    let m = alice.app("hi", rng);
    expect_ok(&hub, &send_message_request(&alice, m));
    // Bob signs a request claiming alice's leaf: the signature fails.
    let m = alice.app("forged", rng);
    let forged = bob.as_leaf(
        DsRequestBody::SendMessage(SendMessageRequest {
            application_message: m,
        }),
        alice.leaf(),
    );
    assert_eq!(
        code(expect_err(&hub, &forged)),
        DsErrorCode::AUTHENTICATION_FAILED
    );
    // No member at that index.
    let m = alice.app("nobody", rng);
    let req = alice.as_leaf(
        DsRequestBody::SendMessage(SendMessageRequest {
            application_message: m,
        }),
        9,
    );
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::AUTHENTICATION_FAILED
    );
}

#[test]
fn anonymous_and_the_wrong_auth_type_are_refused() {
    let rng = &mut TestRng::new(102);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    let m = alice.app("hi", rng);
    let anonymous = DsRequest {
        version: V,
        request_body: DsRequestBody::SendMessage(SendMessageRequest {
            application_message: m.clone(),
        }),
        authentication_data: DsAuthData::Anonymous,
    };
    assert_eq!(
        code(expect_err(&hub, &anonymous.to_bytes().unwrap())),
        DsErrorCode::AUTHENTICATION_FAILED
    );
    // A member operation signed with the credential only.
    let req = alice.as_client(DsRequestBody::SendMessage(SendMessageRequest {
        application_message: m,
    }));
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::AUTHENTICATION_FAILED
    );
    // And the other way: request_group_id takes a credential.
    let req = alice.as_member(DsRequestBody::RequestGroupId(RequestGroupIdRequest));
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::AUTHENTICATION_FAILED
    );
}

#[test]
fn the_sender_index_must_be_the_commits_sender() {
    let rng = &mut TestRng::new(103);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    let (update, _) = alice.commit(vec![], &CommitOptions::default(), rng);
    let body = DsRequestBody::UpdateClient(UpdateClientRequest {
        group_update: update,
        token: None,
    });
    let wrong = alice.as_leaf(body.clone(), 1);
    assert_eq!(
        code(alice.send_commit(&hub, &wrong).unwrap_err()),
        DsErrorCode::AUTHENTICATION_FAILED
    );
    // The same commit, rebuilt, signed as the right leaf is accepted.
    let (update, _) = alice.commit(vec![], &CommitOptions::default(), rng);
    let body = DsRequestBody::UpdateClient(UpdateClientRequest {
        group_update: update,
        token: None,
    });
    alice.send_commit(&hub, &alice.as_member(body)).unwrap();
}

// ---- request group id (§9.1) and create group ----

#[test]
fn group_ids_are_minted_unique_under_the_hubs_domain() {
    let rng = &mut TestRng::new(110);
    let hub = mimi(HUB, rng);
    let c = MClient::new("alice", &hub, rng);
    let a = request_group_id(&hub, &c);
    let b = request_group_id(&hub, &c);
    assert_ne!(a, b);
    assert!(a.ends_with(b"@hub.example"));
    assert_eq!(domain_of(&a), Some(DomainName::new(HUB)));
}

#[test]
fn create_group_needs_a_reserved_id() {
    let rng = &mut TestRng::new(111);
    let hub = mimi(HUB, rng);
    let mut alice = MClient::new("alice", &hub, rng);
    let req = alice.create_request(&hub, b"mine@hub.example".to_vec(), true, true, rng);
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::GROUP_ID_NOT_RESERVED
    );
    // Reserved by someone else.
    let bob = MClient::new("bob", &hub, rng);
    let bobs = request_group_id(&hub, &bob);
    let req = alice.create_request(&hub, bobs, true, true, rng);
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::GROUP_ID_NOT_RESERVED
    );
    // Reserved by alice: accepted.
    alice.create_group(&hub, rng);
}

#[test]
fn create_group_needs_the_ds_as_external_sender() {
    let rng = &mut TestRng::new(112);
    let hub = mimi(HUB, rng);
    let mut alice = MClient::new("alice", &hub, rng);
    let gid = request_group_id(&hub, &alice);
    let req = alice.create_request(&hub, gid.clone(), false, true, rng);
    assert_eq!(code(expect_err(&hub, &req)), DsErrorCode::RULE_VIOLATED);
    let req = alice.create_request(&hub, gid, true, true, rng);
    expect_ok(&hub, &req);
}

#[test]
fn create_group_needs_the_ds_version_extension() {
    let rng = &mut TestRng::new(113);
    let hub = mimi(HUB, rng);
    let mut alice = MClient::new("alice", &hub, rng);
    let gid = request_group_id(&hub, &alice);
    let req = alice.create_request(&hub, gid.clone(), true, false, rng);
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::UNSUPPORTED_DS_VERSION
    );
    // A creator whose leaf does not list the version.
    let o = alice.options(false, true, true);
    let req = alice.create_request_with(&hub, gid.clone(), true, true, o, rng);
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::UNSUPPORTED_DS_VERSION
    );
    let req = alice.create_request(&hub, gid, true, true, rng);
    expect_ok(&hub, &req);
}

#[test]
fn the_creator_carries_a_fanout_token_in_its_leaf() {
    let rng = &mut TestRng::new(114);
    let hub = mimi(HUB, rng);
    let mut alice = MClient::new("alice", &hub, rng);
    let gid = request_group_id(&hub, &alice);
    let o = alice.options(true, false, true);
    let req = alice.create_request_with(&hub, gid.clone(), true, true, o, rng);
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::MISSING_FANOUT_AUTH
    );
    let req = alice.create_request(&hub, gid.clone(), true, true, rng);
    expect_ok(&hub, &req);
    assert!(hub
        .mimi_store()
        .tokens(&gid)
        .unwrap()
        .contains_key(&alice.id()));
}

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

// ---- send message (§9.8) ----

#[test]
fn send_message_takes_an_application_private_message() {
    let rng = &mut TestRng::new(170);
    let hub = mimi(HUB, rng);
    let (mut alice, mut bob, gid) = alice_and_bob(&hub, rng);
    let p = alice.g().propose_update(rng).unwrap();
    let req = send_message_request(&alice, p);
    assert_eq!(code(expect_err(&hub, &req)), DsErrorCode::RULE_VIOLATED);
    let m = alice.app("ok", rng);
    expect_ok(&hub, &send_message_request(&alice, m));
    assert_eq!(bob.sync_local(&hub, &gid), vec![b"ok".to_vec()]);
}

// ---- key packages (§9.9) ----

#[test]
fn key_packages_of_native_clients_only_and_all_or_nothing() {
    let rng = &mut TestRng::new(180);
    let hub = mimi(HUB, rng);
    let mut bob = MClient::new("bob", &hub, rng);
    let carol = MClient::new("carol", &hub, rng);
    let alice = MClient::new("alice", &hub, rng);
    let kp = bob.key_package(rng);
    hub.engine()
        .upload_key_packages(&bob.id(), NOW, &[key_package_message(&kp).unwrap()])
        .unwrap();
    let ask = |ids: Vec<Vec<u8>>| {
        alice.as_client(DsRequestBody::KeyPackages(KeyPackagesRequest {
            cipher_suite: CipherSuite(1),
            client_identifiers: ids,
        }))
    };
    assert_eq!(
        code(expect_err(&hub, &ask(vec![b"gina@guest.example".to_vec()]))),
        DsErrorCode::NOT_NATIVE
    );
    // carol has none: refused, and bob's is not consumed.
    assert_eq!(
        code(expect_err(&hub, &ask(vec![bob.id().0, carol.id().0]))),
        DsErrorCode::NO_KEY_PACKAGE
    );
    let h = expect_ok(&hub, &ask(vec![bob.id().0]));
    assert_eq!(
        response(&h),
        DsResponseBody::KeyPackages {
            key_packages: vec![kp]
        }
    );
}

// ---- welcome info ----

#[test]
fn welcome_info_only_for_a_leaf_of_the_group() {
    let rng = &mut TestRng::new(190);
    let hub = mimi(HUB, rng);
    let (alice, _bob, gid) = alice_and_bob(&hub, rng); // bob got it
    let mallory = MClient::new("mallory", &hub, rng);
    let req = mallory.as_client(DsRequestBody::WelcomeInfo(WelcomeInfoRequest {
        group_id: gid.clone(),
        epoch: 1,
    }));
    assert_eq!(
        code(expect_err(&hub, &req)),
        DsErrorCode::AUTHENTICATION_FAILED
    );
    let req = alice.as_client(DsRequestBody::WelcomeInfo(WelcomeInfoRequest {
        group_id: gid,
        epoch: 1,
    }));
    expect_ok(&hub, &req);
}

// ---- delete group (§9.2) ----

#[test]
fn delete_group_removes_every_other_member_then_closes_the_group() {
    let rng = &mut TestRng::new(200);
    let hub = mimi(HUB, rng);
    let (mut alice, bob, gid) = alice_and_bob(&hub, rng);
    let mut carol = MClient::new("carol", &hub, rng);
    let kp = carol.key_package(rng);
    let (req, _) = add_request(&mut alice, vec![kp], rng);
    alice.send_commit(&hub, &req).unwrap();
    let carol_leaf = alice
        .g()
        .members()
        .iter()
        .find(|m| m.credential == Credential::Basic(b"carol@hub.example".to_vec()))
        .unwrap()
        .index;
    let delete = |alice: &mut MClient, removed: Vec<u32>, rng: &mut TestRng| {
        let (update, _) = alice.commit(
            removed
                .into_iter()
                .map(|removed| Proposal::Remove(Remove { removed }))
                .collect(),
            &CommitOptions::default(),
            rng,
        );
        alice.as_member(DsRequestBody::DeleteGroup(DeleteGroupRequest {
            group_update: update,
        }))
    };
    let req = delete(&mut alice, vec![bob.leaf()], rng);
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
    let req = delete(&mut alice, vec![bob.leaf(), carol_leaf.0], rng);
    alice.send_commit(&hub, &req).unwrap();
    // Closed: nothing more is accepted, the tokens are gone.
    let m = alice.app("anyone?", rng);
    assert_eq!(
        code(expect_err(&hub, &send_message_request(&alice, m))),
        DsErrorCode::GROUP_FROZEN
    );
    assert!(hub.mimi_store().tokens(&gid).unwrap().is_empty());
}

// ---- reinitialize (§9.10) ----

#[test]
fn reinit_targets_a_group_of_this_hub_with_no_lower_version() {
    let rng = &mut TestRng::new(210);
    let hub = mimi(HUB, rng);
    let (mut alice, _bob, _gid) = alice_and_bob(&hub, rng);
    let reinit = |alice: &mut MClient, target: Vec<u8>, v: DsProtocolVersion, rng: &mut TestRng| {
        let p = alice
            .g()
            .reinit_proposal(target, CipherSuite(1), vec![group_version_ext(v)]);
        let (update, _) = alice.commit(vec![p], &CommitOptions::default(), rng);
        alice.as_member(DsRequestBody::ReInitialize(ReInitializeGroupRequest {
            commit: update,
        }))
    };
    let req = reinit(&mut alice, b"x@elsewhere.example".to_vec(), V, rng);
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::RULE_VIOLATED
    );
    let target = request_group_id(&hub, &alice);
    let req = reinit(&mut alice, target.clone(), DsProtocolVersion(0x0001), rng);
    assert_eq!(
        code(alice.send_commit(&hub, &req).unwrap_err()),
        DsErrorCode::UNSUPPORTED_DS_VERSION
    );
    let m = alice.app("late", rng);
    let req = reinit(&mut alice, target, V, rng);
    alice.send_commit(&hub, &req).unwrap();
    // The group is frozen by the ReInit.
    assert_eq!(
        code(expect_err(&hub, &send_message_request(&alice, m))),
        DsErrorCode::GROUP_FROZEN
    );
}

// ---- errors ----

#[test]
fn a_stale_commit_says_the_current_epoch() {
    let rng = &mut TestRng::new(220);
    let hub = mimi(HUB, rng);
    let (mut alice, mut bob, _gid) = alice_and_bob(&hub, rng);
    let opts = CommitOptions {
        force_path: true,
        ..CommitOptions::default()
    };
    let (a, _) = alice.commit(vec![], &opts, rng);
    let (b, _) = bob.commit(vec![], &opts, rng);
    let body = |u| {
        DsRequestBody::UpdateClient(UpdateClientRequest {
            group_update: u,
            token: None,
        })
    };
    alice.send_commit(&hub, &alice.as_member(body(a))).unwrap();
    let e = bob.send_commit(&hub, &bob.as_member(body(b))).unwrap_err();
    assert_eq!(e.code, DsErrorCode::STALE_EPOCH);
    assert_eq!(e.as_number(), Some(alice.g().epoch()));
}
