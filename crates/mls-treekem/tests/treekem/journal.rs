//! Rolling back recorded tree changes.

use crate::common;

use common::{client, Group, TestRng, GROUP_ID};
use mls_treekem::{RatchetTree, TreeError};
use mls_types::tree_math::LeafIndex;

/// Everything observable about a tree: its encoding, hash and counts.
fn snapshot(g: &mut Group) -> (Vec<u8>, Vec<u8>, u32, u32, Option<LeafIndex>) {
    (
        g.tree.to_extension_bytes().unwrap(),
        g.tree.tree_hash(&g.cs).unwrap(),
        g.tree.n_leaves(),
        g.tree.member_count(),
        g.tree.leftmost_blank_leaf(),
    )
}

#[test]
fn rollback_restores_adds_removes_commits_and_truncation() {
    let mut g = Group::new(1, 2);
    let added = g.add(5);
    g.commit(LeafIndex(0), &added);
    g.remove(LeafIndex(2));
    let before = snapshot(&mut g);
    let removed_leaf = g.tree.leaf(LeafIndex(4)).unwrap().clone();

    g.tree.begin_changes();
    assert!(g.tree.is_recording());
    // Extend to 16 leaves, commit, then remove back down to 4 leaves.
    let mut rng = TestRng::new(4);
    for i in 0..5 {
        g.tree
            .add_leaf(client(&g.cs, &mut rng, 100 + i).leaf)
            .unwrap();
    }
    assert_eq!(g.tree.n_leaves(), 16);
    let template = g.tree.leaf(LeafIndex(1)).unwrap().clone();
    let key = &g.members[1].as_ref().unwrap().signing_key;
    g.tree
        .prepare_update_path(&g.cs, LeafIndex(1), template, key, GROUP_ID, &mut g.rng)
        .unwrap();
    for leaf in (4..11).rev() {
        if g.tree.leaf(LeafIndex(leaf)).is_some() {
            g.tree.remove_leaf(LeafIndex(leaf)).unwrap();
        }
    }
    assert_eq!(g.tree.n_leaves(), 4);
    g.tree.rollback_changes();
    assert!(!g.tree.is_recording());

    assert_eq!(snapshot(&mut g), before);
    // The key index is restored too: leaf 4's keys are taken again.
    let mut dup = client(&g.cs, &mut rng, 7).leaf;
    dup.encryption_key = removed_leaf.encryption_key;
    assert!(matches!(
        g.tree.add_leaf(dup),
        Err(TreeError::DuplicateEncryptionKey { .. })
    ));
    // And the group still works.
    let added = g.add(2);
    g.commit(LeafIndex(5), &added);
    g.tree.verify_parent_hashes(&g.cs).unwrap();
}

#[test]
fn rollback_of_a_merged_path_then_merge_again() {
    let mut g = Group::new(1, 3);
    let added = g.add(6);
    g.commit(LeafIndex(0), &added);
    let mut sender_tree = g.tree.clone();
    let template = sender_tree.leaf(LeafIndex(6)).unwrap().clone();
    let key = &g.members[6].as_ref().unwrap().signing_key;
    let pending = sender_tree
        .prepare_update_path(&g.cs, LeafIndex(6), template, key, GROUP_ID, &mut g.rng)
        .unwrap();
    let hash = sender_tree.tree_hash(&g.cs).unwrap();
    let gc = common::group_context(&g.cs, 2, &hash);
    let (path, _) = pending
        .encrypt(&g.cs, &sender_tree, &gc, &[], &mut g.rng)
        .unwrap();

    let before = snapshot(&mut g);
    g.tree.begin_changes();
    g.tree
        .merge_update_path(&g.cs, LeafIndex(6), &path, GROUP_ID, &[])
        .unwrap();
    assert_eq!(g.tree.tree_hash(&g.cs).unwrap(), hash);
    g.tree.rollback_changes();
    assert_eq!(snapshot(&mut g), before);

    g.tree.begin_changes();
    let merged = g
        .tree
        .merge_update_path(&g.cs, LeafIndex(6), &path, GROUP_ID, &[])
        .unwrap();
    g.tree.commit_changes();
    let mut keys = g.members[2].as_ref().unwrap().keys.clone();
    merged
        .decrypt(&g.cs, &g.tree, &path, &mut keys, &gc)
        .unwrap();
    assert_eq!(g.tree.tree_hash(&g.cs).unwrap(), hash);
    // Nothing to roll back once committed.
    g.tree.rollback_changes();
    assert_eq!(g.tree.tree_hash(&g.cs).unwrap(), hash);
    let fresh = RatchetTree::from_extension_bytes(&g.tree.to_extension_bytes().unwrap()).unwrap();
    assert_eq!(fresh.n_leaves(), g.tree.n_leaves());
}
