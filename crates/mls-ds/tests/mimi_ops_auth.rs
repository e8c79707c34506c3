//! The MIMI DS operations through `MimiDs::handle`, with real `mls-group`
//! clients: versions and authentication (draft §6.1), group ids (§9.1) and
//! creating a group.

mod mimi_support;

use mimi_support::*;
use mls_codec::Encode;
use mls_ds::mimi::wire::*;
use mls_ds::mimi::*;
use mls_group::*;
use mls_test_support::TestRng;

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
