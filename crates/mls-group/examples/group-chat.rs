//! The RFC 9750 §3 story: Alice creates a group, adds Bob then Charlie,
//! they talk, Bob updates, Charlie is removed, and Alice's new device joins
//! by external commit. After every epoch, each member prints its epoch
//! authenticator: they agree.
//!
//! `cargo run -p mls-group --example group-chat`

use mls_group::*;

type G = Group<RustCryptoSuite>;

fn hex(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}

fn show(step: &str, members: &[(&str, &G)]) {
    println!("{step}");
    for (name, g) in members {
        println!(
            "  {name:<14} epoch {} authenticator {}…",
            g.epoch(),
            hex(g.epoch_authenticator())
        );
    }
    let first = members[0].1.epoch_authenticator();
    assert!(members
        .iter()
        .all(|(_, g)| g.epoch_authenticator() == first));
}

/// The Delivery Service fans a message out; commits are merged.
fn fan_out(msg: &MlsMessage, to: &mut [&mut G]) {
    for g in to.iter_mut() {
        match g.process_message(msg).expect("valid message") {
            ProcessedMessage::Commit(staged) => g.merge_staged_commit(staged).unwrap(),
            ProcessedMessage::Application { sender, data, .. } => println!(
                "  member {} reads from {}: {}",
                g.own_leaf().0,
                sender.0,
                String::from_utf8_lossy(&data)
            ),
            ProcessedMessage::Proposal(_) => {}
        }
    }
}

fn main() {
    let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    let rng = &mut OsRng;
    let who = |name: &str| {
        ClientIdentity::generate(
            &suite,
            Credential::Basic(name.as_bytes().to_vec()),
            &mut OsRng,
        )
        .unwrap()
    };
    let kp = |id: &ClientIdentity| {
        KeyPackageBundle::create(&suite, id, KeyPackageOptions::default(), &mut OsRng).unwrap()
    };
    let config = GroupConfig {
        handshake_format: HandshakeFormat::Private,
        ..GroupConfig::default()
    };

    // Alice creates the group.
    let mut alice = G::create(
        suite.clone(),
        who("alice"),
        b"chat".to_vec(),
        vec![],
        config,
        rng,
    )
    .unwrap();
    // The caller's clock: KeyPackage lifetimes are checked against it.
    alice.set_time(unix_time_now());
    show("Alice creates the group", &[("alice", &alice)]);

    // Alice adds Bob.
    let bob_kp = kp(&who("bob"));
    let add = Proposal::Add(Add {
        key_package: bob_kp.key_package().clone(),
    });
    let out = alice
        .commit(vec![add], &CommitOptions::default(), rng)
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let mut bob = G::join(
        suite.clone(),
        &welcome,
        &bob_kp,
        JoinOptions {
            config,
            ..JoinOptions::default()
        },
    )
    .unwrap();
    show("Alice adds Bob", &[("alice", &alice), ("bob", &bob)]);

    // Alice adds Charlie.
    let charlie_kp = kp(&who("charlie"));
    let add = Proposal::Add(Add {
        key_package: charlie_kp.key_package().clone(),
    });
    let out = alice
        .commit(vec![add], &CommitOptions::default(), rng)
        .unwrap();
    alice.merge_pending_commit().unwrap();
    fan_out(&out.commit, &mut [&mut bob]);
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let mut charlie = G::join(
        suite.clone(),
        &welcome,
        &charlie_kp,
        JoinOptions {
            config,
            ..JoinOptions::default()
        },
    )
    .unwrap();
    show(
        "Alice adds Charlie",
        &[("alice", &alice), ("bob", &bob), ("charlie", &charlie)],
    );

    // They talk.
    let msg = charlie
        .encrypt_application_message(b"hi all", b"", rng)
        .unwrap();
    fan_out(&msg, &mut [&mut alice, &mut bob]);

    // Bob updates his leaf with an empty commit (path forced).
    let out = bob.commit(vec![], &CommitOptions::default(), rng).unwrap();
    bob.merge_pending_commit().unwrap();
    fan_out(&out.commit, &mut [&mut alice, &mut charlie]);
    show(
        "Bob updates",
        &[("alice", &alice), ("bob", &bob), ("charlie", &charlie)],
    );

    // Alice removes Charlie.
    let remove = Proposal::Remove(Remove {
        removed: charlie.own_leaf().0,
    });
    let out = alice
        .commit(vec![remove], &CommitOptions::default(), rng)
        .unwrap();
    alice.merge_pending_commit().unwrap();
    fan_out(&out.commit, &mut [&mut bob, &mut charlie]);
    assert!(!charlie.is_active());
    show("Alice removes Charlie", &[("alice", &alice), ("bob", &bob)]);

    // Alice's new device joins through the published GroupInfo.
    let info = bob.group_info(true, true).unwrap();
    let (mut phone, commit) = G::join_external(
        suite.clone(),
        &info,
        who("alice"),
        ExternalJoinOptions {
            config,
            ..ExternalJoinOptions::default()
        },
        rng,
    )
    .unwrap();
    fan_out(&commit, &mut [&mut alice, &mut bob]);
    show(
        "Alice's phone joins by external commit",
        &[("alice", &alice), ("bob", &bob), ("alice (phone)", &phone)],
    );
    let msg = phone
        .encrypt_application_message(b"hello from my phone", b"", rng)
        .unwrap();
    fan_out(&msg, &mut [&mut alice, &mut bob]);
}
