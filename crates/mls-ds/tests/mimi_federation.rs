//! Federation (MIMI DS draft §4, §6.2, §10): a hub and a guest DS, clients
//! on both. The hub fans each accepted message out to the guest, one
//! `DSFanoutRequest` with only the guest's recipients and their tokens;
//! the guest checks it and enqueues for its clients.

mod mimi_support;

use mimi_support::*;
use mls_codec::{decode_exact, Encode};
use mls_ds::mimi::wire::*;
use mls_ds::mimi::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

struct World {
    hub: Mimi,
    guest: Mimi,
    alice: MClient,
    bob: MClient,
    gina: MClient,
    gus: MClient,
    gid: Vec<u8>,
    /// The fan-out the hub produced for the message under test.
    app_fanout: Vec<Fanout>,
}

/// alice and bob on the hub, gina and gus on the guest; alice creates the
/// group and adds bob and gina (gina's KeyPackage fetched from the guest
/// with a KeyPackages request); gina joins from the Welcome the guest
/// enqueued; then alice sends an application message.
fn world(rng: &mut TestRng) -> World {
    let hub = mimi(HUB, rng);
    let guest = mimi(GUEST, rng);
    let mut alice = MClient::new("alice", &hub, rng);
    let mut bob = MClient::new("bob", &hub, rng);
    let mut gina = MClient::new("gina", &guest, rng);
    let gus = MClient::new("gus", &guest, rng);
    let gid = alice.create_group(&hub, rng);

    // gina publishes a KeyPackage at her DS; alice fetches it from there.
    let kp = gina.key_package(rng);
    guest
        .engine()
        .upload_key_packages(&gina.id(), NOW, &[key_package_message(&kp).unwrap()])
        .unwrap();
    let h = expect_ok(
        &guest,
        &alice.as_client(DsRequestBody::KeyPackages(KeyPackagesRequest {
            cipher_suite: CipherSuite(1),
            client_identifiers: vec![gina.id().0],
        })),
    );
    let DsResponseBody::KeyPackages { key_packages } = response(&h) else {
        panic!()
    };
    assert_eq!(key_packages, vec![kp]);

    let bob_kp = bob.key_package(rng);
    let (req, welcome) = add_request(&mut alice, vec![bob_kp, key_packages[0].clone()], rng);
    let h = alice.send_commit(&hub, &req).unwrap();
    // The commit goes to nobody remote (gina was not a member yet); the
    // Welcome goes to the guest, for gina only, with her token.
    assert_eq!(h.fanout.len(), 1);
    let f = &h.fanout[0];
    assert_eq!(f.domain, DomainName::new(GUEST));
    assert_eq!(f.request.recipient_ids, vec![gina.id().0]);
    assert_eq!(f.request.fanout_auth_tokens, vec![gina.token.clone()]);
    assert!(matches!(
        f.request.mls_message.body,
        MlsMessageBody::Welcome(_)
    ));
    let resp = guest.receive_fanout(&DomainName::new(HUB), &f.to_bytes().unwrap(), NOW);
    assert_eq!(
        decode_exact::<DsFanoutResponse>(&resp)
            .unwrap()
            .response_body,
        DsFanoutResponseBody::Ok
    );
    let epoch = alice.g().epoch();
    bob.join(&hub, &welcome, &gid, epoch);
    // gina's Welcome is in her inbox at the guest.
    let inbox = guest.fetch_inbox(&gina.id(), 10);
    assert_eq!(inbox.len(), 1);
    let w = MlsMessage::from_bytes(&inbox[0].message).unwrap();
    guest.ack_inbox(&gina.id(), inbox[0].seq + 1).unwrap();
    gina.join(&hub, &w, &gid, epoch);

    let m = alice.app("hello from the hub", rng);
    let h = expect_ok(
        &hub,
        &alice.as_member(DsRequestBody::SendMessage(SendMessageRequest {
            application_message: m,
        })),
    );
    World {
        hub,
        guest,
        alice,
        bob,
        gina,
        gus,
        gid,
        app_fanout: h.fanout,
    }
}

#[test]
fn a_hub_message_reaches_guest_clients_through_one_fanout_request() {
    let rng = &mut TestRng::new(9001);
    let mut w = world(rng);
    // One request, to the guest, for gina only (bob and alice are local).
    assert_eq!(w.app_fanout.len(), 1);
    let f = &w.app_fanout[0];
    assert_eq!(f.domain, DomainName::new(GUEST));
    assert_eq!(f.request.recipient_ids, vec![w.gina.id().0]);
    let bytes = f.to_bytes().unwrap();
    // The wire round trip of what goes over mTLS.
    assert_eq!(decode_exact::<DsFanoutRequest>(&bytes).unwrap(), f.request);
    let resp = w.guest.receive_fanout(&DomainName::new(HUB), &bytes, NOW);
    assert_eq!(
        decode_exact::<DsFanoutResponse>(&resp)
            .unwrap()
            .response_body,
        DsFanoutResponseBody::Ok
    );
    assert_eq!(
        w.gina.sync_inbox(&w.guest),
        vec![b"hello from the hub".to_vec()]
    );
    assert_eq!(
        w.bob.sync_local(&w.hub, &w.gid),
        vec![b"hello from the hub".to_vec()]
    );
    // Nothing for gus, who is not in the group.
    assert!(w.guest.fetch_inbox(&w.gus.id(), 10).is_empty());

    // And back: gina's message (sent to the hub) fans out to nobody
    // remote but herself excluded; alice and bob read it at the hub.
    let m = w.gina.app("hello from the guest", rng);
    let h = expect_ok(
        &w.hub,
        &w.gina
            .as_member(DsRequestBody::SendMessage(SendMessageRequest {
                application_message: m,
            })),
    );
    assert!(h.fanout.is_empty());
    assert_eq!(
        w.alice.sync_local(&w.hub, &w.gid),
        vec![b"hello from the guest".to_vec()]
    );
}

fn refused(w: &World, from: &str, req: &DsFanoutRequest) -> DsFanoutErrorCode {
    let resp = w
        .guest
        .receive_fanout(&DomainName::new(from), &req.to_bytes().unwrap(), NOW);
    match decode_exact::<DsFanoutResponse>(&resp)
        .unwrap()
        .response_body
    {
        DsFanoutResponseBody::Error(e) => {
            assert!(w.guest.fetch_inbox(&w.gina.id(), 10).is_empty());
            e.code
        }
        DsFanoutResponseBody::Ok => panic!("accepted"),
    }
}

#[test]
fn a_bad_token_is_refused() {
    let rng = &mut TestRng::new(9002);
    let w = world(rng);
    let mut req = w.app_fanout[0].request.clone();
    req.fanout_auth_tokens[0].token[3] ^= 1;
    assert_eq!(refused(&w, HUB, &req), DsFanoutErrorCode::INVALID_TOKEN);
    // Another client's token (gus's) is not gina's.
    let mut req = w.app_fanout[0].request.clone();
    req.fanout_auth_tokens[0] = w.gus.token.clone();
    assert_eq!(refused(&w, HUB, &req), DsFanoutErrorCode::INVALID_TOKEN);
    // A token of another DS (the hub's, for a client named like gina).
    let mut req = w.app_fanout[0].request.clone();
    req.fanout_auth_tokens[0] = w
        .hub
        .issue_fanout_token(&ClientId::from("alice@hub.example"), NOW, None)
        .unwrap();
    assert_eq!(refused(&w, HUB, &req), DsFanoutErrorCode::INVALID_TOKEN);
}

#[test]
fn an_expired_token_is_refused() {
    let rng = &mut TestRng::new(9003);
    let w = world(rng);
    let mut req = w.app_fanout[0].request.clone();
    req.fanout_auth_tokens[0] = w
        .guest
        .issue_fanout_token(&w.gina.id(), NOW, Some(NOW - 1))
        .unwrap();
    assert_eq!(refused(&w, HUB, &req), DsFanoutErrorCode::INVALID_TOKEN);
}

#[test]
fn a_missing_token_is_refused() {
    let rng = &mut TestRng::new(9004);
    let w = world(rng);
    let mut req = w.app_fanout[0].request.clone();
    req.fanout_auth_tokens.clear();
    assert_eq!(refused(&w, HUB, &req), DsFanoutErrorCode::TOKEN_COUNT);
}

#[test]
fn a_recipient_of_another_ds_is_refused() {
    let rng = &mut TestRng::new(9005);
    let w = world(rng);
    let mut req = w.app_fanout[0].request.clone();
    req.recipient_ids.push(w.bob.id().0);
    req.fanout_auth_tokens.push(w.bob.token.clone());
    assert_eq!(refused(&w, HUB, &req), DsFanoutErrorCode::NOT_OUR_CLIENT);
}

#[test]
fn only_the_groups_hub_may_fan_out_its_messages() {
    let rng = &mut TestRng::new(9006);
    let w = world(rng);
    let req = w.app_fanout[0].request.clone();
    assert_eq!(
        refused(&w, "elsewhere.example", &req),
        DsFanoutErrorCode::WRONG_HUB
    );
}

#[test]
fn a_blocked_hub_and_an_unknown_version_are_refused() {
    let rng = &mut TestRng::new(9007);
    let mut w = world(rng);
    let mut req = w.app_fanout[0].request.clone();
    req.protocol_version = DsProtocolVersion(0x0A0A);
    assert_eq!(
        refused(&w, HUB, &req),
        DsFanoutErrorCode::UNSUPPORTED_VERSION
    );
    let mut cfg = w.guest.config().clone();
    cfg.blocked_domains.push(DomainName::new(HUB));
    let guest = MimiDs::new(
        DeliveryService::new(
            std::sync::Arc::new(MemoryStore::new()),
            RustCrypto,
            DsConfig::default(),
        ),
        MemoryMimiStore::new(),
        cfg,
    );
    w.guest = guest;
    let req = w.app_fanout[0].request.clone();
    assert_eq!(refused(&w, HUB, &req), DsFanoutErrorCode::BLOCKED);
}

#[test]
fn removed_guest_clients_get_the_commit_and_nothing_after() {
    let rng = &mut TestRng::new(9008);
    let mut w = world(rng);
    // gina reads alice's message first.
    let f = w.app_fanout[0].to_bytes().unwrap();
    w.guest.receive_fanout(&DomainName::new(HUB), &f, NOW);
    w.gina.sync_inbox(&w.guest);
    let gina_leaf = w.gina.leaf();
    let (update, _) = w.alice.commit(
        vec![Proposal::Remove(Remove { removed: gina_leaf })],
        &CommitOptions::default(),
        rng,
    );
    let req = w
        .alice
        .as_member(DsRequestBody::RemoveClients(RemoveClientsRequest {
            group_update: update,
        }));
    let h = w.alice.send_commit(&w.hub, &req).unwrap();
    assert_eq!(h.fanout.len(), 1);
    assert_eq!(h.fanout[0].request.recipient_ids, vec![w.gina.id().0]);
    // Her token is forgotten: the next message does not go to the guest.
    let m = w.alice.app("after", rng);
    let h = expect_ok(
        &w.hub,
        &w.alice
            .as_member(DsRequestBody::SendMessage(SendMessageRequest {
                application_message: m,
            })),
    );
    assert!(h.fanout.is_empty());
    assert!(h.undeliverable.is_empty());
}
