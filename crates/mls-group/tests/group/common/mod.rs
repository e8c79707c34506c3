//! Shared helpers for the integration tests.
#![allow(dead_code)]

use mls_crypto::{CipherSuite, CryptoProvider};
use mls_framing::{Add, MlsMessage, Proposal};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCrypto, RustCryptoSuite};
use mls_types::Credential;

pub fn suite(id: u16) -> RustCryptoSuite {
    RustCrypto.cipher_suite_provider(CipherSuite(id)).unwrap()
}

pub fn identity(suite: &RustCryptoSuite, name: &str) -> ClientIdentity {
    ClientIdentity::generate(
        suite,
        Credential::Basic(name.as_bytes().to_vec()),
        &mut OsRng,
    )
    .unwrap()
}

pub fn key_package(suite: &RustCryptoSuite, name: &str) -> KeyPackageBundle {
    KeyPackageBundle::create(
        suite,
        &identity(suite, name),
        KeyPackageOptions::default(),
        &mut OsRng,
    )
    .unwrap()
}

pub fn config(format: HandshakeFormat) -> GroupConfig {
    GroupConfig {
        handshake_format: format,
        ..GroupConfig::default()
    }
}

/// Delivers `msg` to every group in `others`, merging commits.
pub fn deliver(others: &mut [&mut Group<RustCryptoSuite>], msg: &MlsMessage) {
    for g in others.iter_mut() {
        match g.process_message(msg).unwrap() {
            ProcessedMessage::Commit(staged) => g.merge_staged_commit(staged).unwrap(),
            ProcessedMessage::Proposal(_) => {}
            ProcessedMessage::Application { .. } => {}
        }
    }
}

pub fn assert_agree(groups: &[&Group<RustCryptoSuite>]) {
    let first = groups[0];
    for g in groups {
        assert_eq!(g.epoch(), first.epoch());
        assert_eq!(g.epoch_authenticator(), first.epoch_authenticator());
        assert_eq!(g.context(), first.context());
    }
}

/// Alice creates a group and adds `names` one by one; returns all groups.
pub fn group_of(
    suite_id: u16,
    names: &[&str],
    format: HandshakeFormat,
) -> Vec<Group<RustCryptoSuite>> {
    let s = suite(suite_id);
    let mut groups = vec![Group::create(
        s.clone(),
        identity(&s, names[0]),
        b"test group".to_vec(),
        Vec::new(),
        config(format),
        &mut OsRng,
    )
    .unwrap()];
    groups[0].set_time(unix_time_now());
    for name in &names[1..] {
        add_and_join(&mut groups, &key_package(&s, name), config(format));
        let all: Vec<&Group<RustCryptoSuite>> = groups.iter().collect();
        assert_agree(&all);
    }
    groups
}

/// `groups[0]` adds the holder of `bundle` in a commit that every other
/// member processes; the new member joins from the Welcome and is appended.
pub fn add_and_join(
    groups: &mut Vec<Group<RustCryptoSuite>>,
    bundle: &KeyPackageBundle,
    config: GroupConfig,
) {
    groups[0].set_time(unix_time_now());
    let out = groups[0]
        .commit(
            vec![Proposal::Add(Add {
                key_package: bundle.key_package().clone(),
            })],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    groups[0].merge_pending_commit().unwrap();
    let (_, rest) = groups.split_at_mut(1);
    let mut refs: Vec<&mut Group<RustCryptoSuite>> = rest.iter_mut().collect();
    deliver(&mut refs, &out.commit);
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let joined = Group::join(
        suite(groups[0].context().cipher_suite.0),
        &welcome,
        bundle,
        JoinOptions {
            config,
            ..JoinOptions::default()
        },
    )
    .unwrap();
    let mut joined = joined;
    joined.set_time(unix_time_now());
    groups.push(joined);
}
