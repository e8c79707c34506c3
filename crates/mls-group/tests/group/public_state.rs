//! What a Delivery Service needs from the public view: the committer's
//! GroupInfo for the epoch its pending commit starts, a staged commit's
//! confirmation tag, and a `PublicGroup` saved and restored as a blob or
//! as incremental records.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};

type P = PublicGroup<RustCryptoSuite>;

fn ds_view(g: &Group<RustCryptoSuite>) -> P {
    let info = g.group_info(true, false).unwrap();
    P::from_group_info(suite(1), &info, PublicGroupOptions::default()).unwrap()
}

#[test]
fn pending_group_info_is_the_next_epochs() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    assert!(g[0].pending_group_info(true, true).unwrap().is_none());
    let mut ds = ds_view(&g[0]);
    let out = g[0]
        .commit(
            Vec::new(),
            &CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &mut OsRng,
        )
        .unwrap();
    let info = g[0]
        .pending_group_info(true, true)
        .unwrap()
        .expect("pending");
    assert_eq!(info.group_context.epoch, g[0].epoch() + 1);
    // The DS stages the commit and finds the same context and tag.
    let staged = ds.stage_commit(&out.commit).unwrap();
    assert_eq!(staged.context(), &info.group_context);
    assert_eq!(staged.confirmation_tag(), info.confirmation_tag.as_slice());
    ds.merge_staged_commit(staged).unwrap();
    // It verifies against the new tree, and a joiner can use it.
    P::from_group_info(suite(1), &info, PublicGroupOptions::default()).unwrap();
    g[0].merge_pending_commit().unwrap();
    let (_, rest) = g.split_at_mut(1);
    let mut others: Vec<_> = rest.iter_mut().collect();
    deliver(&mut others, &out.commit);
    assert_eq!(
        g[0].group_info(false, false).unwrap().group_context,
        info.group_context
    );
    let (mut joiner, commit) = Group::join_external(
        suite(1),
        &info,
        identity(&suite(1), "d"),
        ExternalJoinOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    let mut all: Vec<_> = g.iter_mut().collect();
    deliver(&mut all, &commit);
    joiner.set_time(unix_time_now());
    assert_agree(&[&g[0], &g[1], &joiner]);
}

#[test]
fn a_public_group_survives_a_blob_save() {
    let g = group_of(1, &["a", "b", "c", "d"], HandshakeFormat::Public);
    let ds = ds_view(&g[0]);
    let saved = ds.to_state_bytes().unwrap();
    let back = P::from_state_bytes(suite(1), &saved, None).unwrap();
    assert_eq!(back.to_state_bytes().unwrap(), saved);
    assert_eq!(back.members(), ds.members());
    // Another suite, a damaged byte, or a member's saved state: refused.
    assert!(P::from_state_bytes(suite(2), &saved, None).is_err());
    let mut damaged = saved.clone();
    let last = damaged.len() - 40;
    damaged[last] ^= 1;
    assert!(P::from_state_bytes(suite(1), &damaged, None).is_err());
    assert!(matches!(
        P::from_state_bytes(suite(1), &g[0].to_state_bytes().unwrap(), None),
        Err(GroupError::UnknownStateVersion(_))
    ));
}

#[test]
fn a_public_group_saved_as_records_follows_commits() {
    let mut g = group_of(1, &["a", "b", "c", "d", "e", "f"], HandshakeFormat::Public);
    let mut ds = ds_view(&g[0]);
    let mut store: BTreeMap<StateKey, Vec<u8>> = BTreeMap::new();
    let apply = |ds: &mut P, store: &mut BTreeMap<StateKey, Vec<u8>>| {
        let changes = ds.take_state_changes().unwrap();
        let n = changes.len();
        for c in changes {
            match c.value {
                Some(v) => store.insert(c.key, v.to_vec()),
                None => store.remove(&c.key),
            };
        }
        n
    };
    let first = apply(&mut ds, &mut store);
    assert!(first > 6, "everything the first time");
    for round in 0..4 {
        let out = if round == 2 {
            g[0].remove_members(&[mls_types::tree_math::LeafIndex(3)], &mut OsRng)
                .unwrap()
        } else {
            g[0].commit(
                Vec::new(),
                &CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut OsRng,
            )
            .unwrap()
        };
        g[0].merge_pending_commit().unwrap();
        ds.process_message(&out.commit).unwrap();
        let changed = apply(&mut ds, &mut store);
        assert!(
            changed <= 6,
            "a commit changes O(log N) records, not {changed}"
        );
        let back = P::from_state_records(
            suite(1),
            store.iter().map(|(k, v)| (*k, v.as_slice())),
            None,
        )
        .unwrap();
        assert_eq!(back.to_state_bytes().unwrap(), ds.to_state_bytes().unwrap());
    }
    assert!(ds.take_state_changes().unwrap().is_empty());
    // A node record missing is refused.
    let partial: Vec<_> = store
        .iter()
        .skip(1)
        .map(|(k, v)| (*k, v.as_slice()))
        .collect();
    assert!(P::from_state_records(suite(1), partial, None).is_err());
}
