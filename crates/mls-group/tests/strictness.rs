//! Exactly RFC 9420: MUSTs that are enforced, each named after the issue
//! item it closes.

mod common;

use common::*;
use mls_group::*;

const UNLISTED: ExtensionType = ExtensionType(0xff42);

/// A group whose GroupContext carries the non-default extension `UNLISTED`
/// (its creator supports it), at epoch 0.
fn group_with_extension() -> Group<RustCryptoSuite> {
    let s = suite(1);
    let id = identity(&s, "alice");
    let bundle = KeyPackageBundle::create(
        &s,
        &id,
        KeyPackageOptions {
            capabilities: Capabilities {
                extensions: vec![UNLISTED],
                ..Capabilities::default()
            },
            ..KeyPackageOptions::default()
        },
        &mut OsRng,
    )
    .unwrap();
    Group::create_with_leaf(
        s,
        bundle,
        b"extended".to_vec(),
        vec![Extension::new(UNLISTED, b"on".to_vec())],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap()
}

/// Item 6 (§13.4): a new member must support every GroupContext
/// extension; a committer refuses to add one that does not, changing
/// nothing.
#[test]
fn item6_add_of_a_leaf_without_a_group_context_extension_is_refused() {
    let mut alice = group_with_extension();
    let s = suite(1);
    let bob = key_package(&s, "bob"); // lists no extension
    let before = alice.to_state_bytes().unwrap();
    let add = Proposal::Add(Add {
        key_package: bob.key_package().clone(),
    });
    assert_eq!(
        alice
            .commit(vec![add], &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        GroupError::InvalidKeyPackage("leaf does not support a GroupContext extension")
    );
    assert_eq!(alice.to_state_bytes().unwrap(), before);
    // A KeyPackage that lists it is added.
    let carol = KeyPackageBundle::create(
        &s,
        &identity(&s, "carol"),
        KeyPackageOptions {
            capabilities: Capabilities {
                extensions: vec![UNLISTED],
                ..Capabilities::default()
            },
            ..KeyPackageOptions::default()
        },
        &mut OsRng,
    )
    .unwrap();
    let add = Proposal::Add(Add {
        key_package: carol.key_package().clone(),
    });
    alice
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
}
