//! The RFC 9750 §3 story, as an application does it with `mls-group`
//! alone: bytes on the wire, names from credentials, key material and group
//! state that survive restarts, and refusals that say who is at fault.
//!
//! Alice creates a group and adds Bob (who restarted between publishing
//! his KeyPackage and receiving the Welcome) and Charlie; they talk; Bob
//! restarts from his saved state and updates; a tampered message is
//! refused; Charlie is removed and his group says so; Alice's phone joins
//! by external commit. After every epoch each member prints its epoch
//! authenticator: they agree.
//!
//! `cargo run -p mls-group --example group-chat`

use mls_group::*;

type G = Group<RustCryptoSuite>;

fn hex(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}

/// A member's display name: its basic credential.
fn name_of(g: &G, leaf: LeafIndex) -> String {
    match g.member(leaf).map(|m| m.credential) {
        Some(Credential::Basic(id)) => String::from_utf8_lossy(&id).into_owned(),
        _ => format!("leaf {}", leaf.0),
    }
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

/// The Delivery Service fans bytes out; each member processes them.
fn fan_out(bytes: &[u8], to: &mut [(&str, &mut G)]) {
    for (me, g) in to.iter_mut() {
        match g.process_bytes(bytes).expect("valid message") {
            ProcessedMessage::Commit(staged) => g.merge_staged_commit(staged).unwrap(),
            ProcessedMessage::Application { sender, data, .. } => println!(
                "  {me} reads from {}: {}",
                name_of(g, sender),
                String::from_utf8_lossy(&data)
            ),
            ProcessedMessage::Proposal(_) => {}
        }
    }
}

fn main() -> Result<(), GroupError> {
    let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    let rng = &mut OsRng;
    let who = |name: &str| {
        ClientIdentity::generate(&suite, Credential::Basic(name.into()), &mut OsRng).unwrap()
    };
    let config = GroupConfig {
        handshake_format: HandshakeFormat::Private,
        ..GroupConfig::default()
    };
    let joining = || JoinOptions {
        config,
        now: Some(unix_time_now()),
        ..JoinOptions::default()
    };

    // Bob publishes a KeyPackage and keeps its private keys on "disk".
    let bob_id = who("bob");
    let bob_bundle = KeyPackageBundle::create(&suite, &bob_id, KeyPackageOptions::default(), rng)?;
    let published = bob_bundle.to_message_bytes()?;
    let bob_disk = bob_bundle.to_bytes()?;
    drop(bob_bundle); // Bob's client restarts.

    // Alice creates the group; the caller's clock checks KeyPackage lifetimes.
    let mut alice = G::create(
        suite.clone(),
        who("alice"),
        b"chat".to_vec(),
        vec![],
        config,
        rng,
    )?;
    alice.set_time(unix_time_now());
    show("Alice creates the group", &[("alice", &alice)]);

    // Alice adds Bob from the bytes he published.
    let bob_kp = MlsMessage::from_bytes(&published)?.into_key_package()?;
    let out = alice.add_members(vec![bob_kp], rng)?;
    alice.merge_pending_commit()?;
    let welcome =
        MlsMessage::from_bytes(&out.welcome_bytes()?.expect("a Welcome"))?.into_welcome()?;
    // Bob, restarted, finds the bundle the Welcome is for and joins.
    let bundles = [KeyPackageBundle::from_bytes(&suite, &bob_disk)?];
    let used = welcome_bundle(&suite, &welcome, &bundles)?.expect("a Welcome for Bob");
    let mut bob = G::join(suite.clone(), &welcome, used, joining())?;
    println!(
        "  bob deletes his used KeyPackage: {}",
        used.delete_after_join()
    );
    show("Alice adds Bob", &[("alice", &alice), ("bob", &bob)]);

    // Alice adds Charlie.
    let charlie_bundle =
        KeyPackageBundle::create(&suite, &who("charlie"), KeyPackageOptions::default(), rng)?;
    let out = alice.add_members(vec![charlie_bundle.key_package().clone()], rng)?;
    alice.merge_pending_commit()?;
    fan_out(&out.commit_bytes()?, &mut [("bob", &mut bob)]);
    let welcome = out.welcome.expect("a Welcome").into_welcome()?;
    let mut charlie = G::join(suite.clone(), &welcome, &charlie_bundle, joining())?;
    show(
        "Alice adds Charlie",
        &[("alice", &alice), ("bob", &bob), ("charlie", &charlie)],
    );

    // They talk.
    let msg = charlie
        .encrypt_application_message(b"hi all", b"", rng)?
        .to_bytes()?;
    fan_out(&msg, &mut [("alice", &mut alice), ("bob", &mut bob)]);

    // Bob's client restarts from its saved state, then updates its leaf.
    let saved = bob.to_state_bytes()?;
    let mut bob = G::from_state_bytes(suite.clone(), &saved, config, None)?;
    bob.set_time(unix_time_now());
    let out = bob.commit(vec![], &CommitOptions::default(), rng)?;
    bob.merge_pending_commit()?;
    fan_out(
        &out.commit_bytes()?,
        &mut [("alice", &mut alice), ("charlie", &mut charlie)],
    );
    show(
        "Bob restarts and updates",
        &[("alice", &alice), ("bob", &bob), ("charlie", &charlie)],
    );

    // A message tampered with on the way is refused, and nothing changes.
    let mut tampered = alice
        .encrypt_application_message(b"pay 10", b"", rng)?
        .to_bytes()?;
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let refusal = bob.process_bytes(&tampered).unwrap_err();
    println!(
        "  bob refuses a tampered message: {refusal} (fault: {:?})",
        refusal.fault()
    );

    // Alice removes Charlie, by identity.
    let out = alice.remove_members_with(&Credential::Basic("charlie".into()), rng)?;
    alice.merge_pending_commit()?;
    fan_out(
        &out.commit_bytes()?,
        &mut [("bob", &mut bob), ("charlie", &mut charlie)],
    );
    assert_eq!(charlie.status(), GroupStatus::Removed);
    let next = alice
        .encrypt_application_message(b"bye", b"", rng)?
        .to_bytes()?;
    println!(
        "  charlie, removed: {}",
        charlie.process_bytes(&next).unwrap_err()
    );
    fan_out(&next, &mut [("bob", &mut bob)]);
    show("Alice removes Charlie", &[("alice", &alice), ("bob", &bob)]);

    // Alice's new device joins through the published GroupInfo.
    let info = bob.group_info(true, true)?;
    let options = ExternalJoinOptions {
        config,
        ..ExternalJoinOptions::default()
    };
    let (mut phone, commit) = G::join_external(suite.clone(), &info, who("alice"), options, rng)?;
    fan_out(
        &commit.to_bytes()?,
        &mut [("alice", &mut alice), ("bob", &mut bob)],
    );
    show(
        "Alice's phone joins by external commit",
        &[("alice", &alice), ("bob", &bob), ("alice (phone)", &phone)],
    );
    let msg = phone
        .encrypt_application_message(b"hello from my phone", b"", rng)?
        .to_bytes()?;
    fan_out(&msg, &mut [("alice", &mut alice), ("bob", &mut bob)]);
    Ok(())
}
