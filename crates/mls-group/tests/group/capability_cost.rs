//! The group layer's capability checks — creating a group with required
//! capabilities, adding a member, joining from the Welcome, a
//! GroupContextExtensions proposal whose check has to look at each member
//! — cost O((R + C) log) per leaf for R required entries and C listed ones,
//! not R × C (issue 15, item 1): a member could make every later Add cost
//! R × C by requiring one type R times.

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use mls_framing::{Add, ExtensionBody, GroupContextExtensions, Proposal, Remove};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};
use mls_types::{Capabilities, ExtensionType, RequiredCapabilities};

/// Required entries: duplicates of a type listed near the end.
const R: usize = 1 << 17;

/// A generous bound: the new code takes about a second here (debug
/// build); the old one ~10^10 comparisons per check, many minutes.
const BOUND: Duration = Duration::from_secs(60);

/// Listed: C = 65,024 non-default extension types, ascending.
fn all_types() -> Vec<ExtensionType> {
    (0x0100u16..0xff00).map(ExtensionType).collect()
}

const LAST: ExtensionType = ExtensionType(0xfeff);
const SECOND_LAST: ExtensionType = ExtensionType(0xfefe);

fn kp(s: &RustCryptoSuite, name: &str, extensions: Vec<ExtensionType>) -> KeyPackageBundle {
    let options = KeyPackageOptions {
        capabilities: Capabilities {
            extensions,
            ..Capabilities::default()
        },
        ..KeyPackageOptions::default()
    };
    KeyPackageBundle::create(s, &identity(s, name), options, &mut OsRng).unwrap()
}

fn required(t: ExtensionType) -> mls_types::Extension {
    RequiredCapabilities {
        extension_types: vec![t; R],
        ..RequiredCapabilities::default()
    }
    .to_extension()
    .unwrap()
}

#[test]
fn item1_group_capability_checks_cost_is_linear() {
    let s = suite(1);
    let cfg = config(HandshakeFormat::Public);
    let start = Instant::now();

    // Created requiring LAST R times; alice lists all C types.
    let mut alice = Group::create_with_leaf(
        s.clone(),
        kp(&s, "alice", all_types()),
        b"capability cost".to_vec(),
        vec![required(LAST)],
        cfg,
        &mut OsRng,
    )
    .unwrap();
    let mut groups = vec![alice];
    // Bob lists all C types: the Add and his join check his leaf.
    add_and_join(&mut groups, &kp(&s, "bob", all_types()), cfg);
    // Carol lists only LAST.
    add_and_join(&mut groups, &kp(&s, "carol", vec![LAST]), cfg);

    // Require SECOND_LAST, which carol lacks, while removing her: the
    // counts do not settle it, so each remaining member is checked.
    let proposals = vec![
        Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![required(SECOND_LAST)],
        }),
        Proposal::Remove(Remove { removed: 2 }),
    ];
    let out = groups[0]
        .commit(proposals, &CommitOptions::default(), &mut OsRng)
        .unwrap();
    groups[0].merge_pending_commit().unwrap();
    deliver(&mut [&mut groups[1]], &out.commit);
    assert_agree(&[&groups[0], &groups[1]]);
    let elapsed = start.elapsed();
    assert!(elapsed < BOUND, "{elapsed:?}");

    // A KeyPackage lacking the new requirement is refused, naming it.
    alice = groups.swap_remove(0);
    let add = |kp: &KeyPackageBundle| {
        vec![Proposal::Add(Add {
            key_package: kp.key_package().clone(),
        })]
    };
    let lacking = kp(&s, "dave", vec![LAST]);
    let err = alice
        .commit(add(&lacking), &CommitOptions::default(), &mut OsRng)
        .unwrap_err();
    assert_eq!(
        err,
        GroupError::Tree(mls_treekem::TreeError::RequiredExtensionUnsupported(
            SECOND_LAST
        ))
    );
    let dave = kp(&s, "dave", vec![SECOND_LAST]);
    alice
        .commit(add(&dave), &CommitOptions::default(), &mut OsRng)
        .unwrap();
}
