//! The MIMI DS operations through `MimiDs::handle`, with real `mls-group`
//! clients: messages (draft §9.8), KeyPackages (§9.9), the joiner's tree,
//! deleting (§9.2) and reinitializing (§9.10) a group, the errors' data.

mod mimi_support;

use mimi_support::*;
use mls_ds::mimi::wire::*;
use mls_ds::mimi::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

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
