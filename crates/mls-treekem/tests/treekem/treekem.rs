//! Creating and applying UpdatePaths (§7.4–§7.6), with new members and tampering.

use crate::common;

use common::{group_context, Group, GROUP_ID};
use mls_treekem::{LeafNodeSource, RatchetTree, TreeError, UpdatePath};
use mls_types::tree_math::LeafIndex;

#[test]
fn every_member_agrees_in_every_suite() {
    for suite in 1..=7 {
        let mut g = Group::new(suite, 14);
        let added = g.add(4);
        g.commit(LeafIndex(0), &added);
        g.commit(LeafIndex(3), &[]);
        g.remove(LeafIndex(1));
        let added = g.add(2);
        g.commit(LeafIndex(4), &added);
    }
}

#[test]
fn long_run_with_blanks_unmerged_leaves_and_truncation() {
    let mut g = Group::new(1, 15);
    let added = g.add(12);
    g.commit(LeafIndex(0), &added);
    for (i, sender) in [5u32, 12, 1, 7, 9].into_iter().enumerate() {
        if i % 2 == 0 {
            g.remove(LeafIndex(3 + i as u32));
        }
        let added = g.add(1);
        g.commit(LeafIndex(sender), &added);
        g.tree.verify_parent_hashes(&g.cs).unwrap();
        g.tree.check_unmerged_leaves().unwrap();
    }
    g.remove(LeafIndex(12));
    g.remove(LeafIndex(11));
    g.commit(LeafIndex(2), &[]);
    g.tree.verify_parent_hashes(&g.cs).unwrap();
}

#[test]
fn welcome_path_secret_is_that_of_the_common_ancestor() {
    let mut g = Group::new(1, 16);
    g.add(3);
    g.commit(LeafIndex(0), &[]);
    let added = g.add(1); // leaf 4
    let sender = LeafIndex(1);
    let template = g.tree.leaf(sender).unwrap().clone();
    let key = &g.members[1].as_ref().unwrap().signing_key;
    let pending = g
        .tree
        .prepare_update_path(&g.cs, sender, template, key, GROUP_ID, &mut g.rng)
        .unwrap();
    let hash = g.tree.tree_hash(&g.cs).unwrap();
    let gc = group_context(&g.cs, 1, &hash);
    let (path, secrets) = pending
        .encrypt(&g.cs, &g.tree, &gc, &added, &mut g.rng)
        .unwrap();
    let (node, _) = secrets.path_secret_for(LeafIndex(4)).unwrap();
    assert_eq!(node.0, 7);
    // The new member's leaf got no ciphertext: the root's copath child (node 11)
    // resolves to leaf 4 only.
    assert_eq!(path.nodes.last().unwrap().encrypted_path_secret.len(), 0);
    assert!(secrets.commit_secret.len() == 32);
}

/// A group of 5 and an UpdatePath from leaf 0 not yet applied.
fn pending_path() -> (Group, RatchetTree, UpdatePath, Vec<u8>) {
    let mut g = Group::new(1, 17);
    g.add(4);
    g.commit(LeafIndex(2), &[]);
    let before = g.tree.clone();
    let template = g.tree.leaf(LeafIndex(0)).unwrap().clone();
    let key = &g.members[0].as_ref().unwrap().signing_key;
    let pending = g
        .tree
        .prepare_update_path(&g.cs, LeafIndex(0), template, key, GROUP_ID, &mut g.rng)
        .unwrap();
    let hash = g.tree.tree_hash(&g.cs).unwrap();
    let gc = group_context(&g.cs, 2, &hash);
    let (path, _) = pending
        .encrypt(&g.cs, &g.tree, &gc, &[], &mut g.rng)
        .unwrap();
    (g, before, path, gc)
}

#[test]
fn tampered_update_paths_are_rejected() {
    let (g, before, path, gc) = pending_path();
    let merge = |p: &UpdatePath| {
        before
            .clone()
            .merge_update_path(&g.cs, LeafIndex(0), p, GROUP_ID, &[])
    };

    // Untampered: merges, and a tampered node key is caught on decryption.
    merge(&path).unwrap();

    let mut p = path.clone();
    p.nodes.pop();
    assert!(matches!(
        merge(&p),
        Err(TreeError::UpdatePathLengthMismatch {
            expected: 3,
            got: 2
        })
    ));

    let mut p = path.clone();
    let extra = p.nodes[0].encrypted_path_secret.get(0).unwrap();
    p.nodes[0].encrypted_path_secret.push(&extra).unwrap();
    assert!(matches!(
        merge(&p),
        Err(TreeError::CiphertextCountMismatch { .. })
    ));

    // A changed node key changes the parent hash the leaf signed.
    let mut p = path.clone();
    p.nodes[1].encryption_key = before.leaf(LeafIndex(3)).unwrap().encryption_key.clone();
    assert!(matches!(
        merge(&p),
        Err(TreeError::DuplicateEncryptionKey { .. })
    ));
    let mut p = path.clone();
    p.nodes[1].encryption_key.0[0] ^= 1;
    assert_eq!(merge(&p).unwrap_err(), TreeError::LeafParentHashMismatch);

    let mut p = path.clone();
    p.leaf_node.leaf_node_source = LeafNodeSource::Update;
    assert_eq!(merge(&p).unwrap_err(), TreeError::WrongLeafNodeSource);

    let mut p = path.clone();
    p.leaf_node.signature[0] ^= 1;
    assert!(matches!(
        merge(&p),
        Err(TreeError::InvalidLeafSignature { .. })
    ));

    let mut p = path.clone();
    p.leaf_node.encryption_key = before.leaf(LeafIndex(0)).unwrap().encryption_key.clone();
    assert_eq!(merge(&p).unwrap_err(), TreeError::EncryptionKeyUnchanged);

    // Wrong GroupContext: decryption fails.
    let mut tree = before.clone();
    let merged = tree
        .merge_update_path(&g.cs, LeafIndex(0), &path, GROUP_ID, &[])
        .unwrap();
    let mut keys = g.members[3].as_ref().unwrap().keys.clone();
    let mut bad_gc = gc.clone();
    bad_gc[0] ^= 1;
    assert!(matches!(
        merged.decrypt(&g.cs, &tree, &path, &mut keys, &bad_gc),
        Err(TreeError::Crypto(_))
    ));
    merged.decrypt(&g.cs, &tree, &path, &mut keys, &gc).unwrap();
    // The sender cannot process its own path.
    let mut own = g.members[0].as_ref().unwrap().keys.clone();
    assert_eq!(
        merged
            .decrypt(&g.cs, &tree, &path, &mut own, &gc)
            .unwrap_err(),
        TreeError::OwnUpdatePath
    );
}
