//! Issue 15, item 15: an HPKE key that no one can encrypt to (a low-order
//! X25519 or X448 encoding) is refused wherever a leaf or a path brings
//! one — KeyPackage, Update, Commit and tree leaves, an UpdatePath's leaf
//! and nodes, an imported tree's leaves and parent nodes — with
//! `TreeError::InvalidEncryptionKey` naming the node.

use crate::common;

use common::{client, group_context, Group, TestRng, GROUP_ID};
use mls_codec::{decode_exact, Encode};
use mls_crypto::HpkePublicKey;
use mls_test_support::hpke::low_order_public_keys;
use mls_treekem::{
    validate_leaf_node, LeafNodeContext, LeafNodeSource, LeafValidationOptions, Node, RatchetTree,
    TreeError, TreeImportParams, UpdatePath,
};
use mls_types::tree_math::LeafIndex;

/// The suites with a Montgomery KEM: X25519 (1) and X448 (4).
const SUITES: [u16; 2] = [1, 4];

fn low_keys(suite: u16) -> Vec<HpkePublicKey> {
    let keys = low_order_public_keys(if suite == 1 { 32 } else { 56 });
    assert!(keys.len() >= 5);
    keys
}

#[test]
fn item15_low_order_keys_are_refused_in_leaf_validation() {
    let options = LeafValidationOptions::without_lifetime();
    for suite in SUITES {
        let cs = common::suite(suite);
        let mut rng = TestRng::new(1500 + u64::from(suite));
        let c = client(&cs, &mut rng, 1);
        // The honest leaf passes in every context.
        validate_leaf_node(
            &cs,
            &c.leaf,
            LeafNodeContext::KeyPackage,
            None,
            None,
            &options,
        )
        .unwrap();
        for key in low_keys(suite) {
            // KeyPackage leaf: no node yet.
            let mut leaf = c.leaf.clone();
            leaf.encryption_key = key.clone();
            leaf.sign(&cs, &c.signing_key, None).unwrap();
            assert_eq!(
                validate_leaf_node(
                    &cs,
                    &leaf,
                    LeafNodeContext::KeyPackage,
                    None,
                    None,
                    &options
                ),
                Err(TreeError::InvalidEncryptionKey { node: None })
            );
            // Update, Commit and Tree leaves at leaf 3 (node 6).
            let at = LeafIndex(3);
            for (source, context) in [
                (
                    LeafNodeSource::Update,
                    LeafNodeContext::Update {
                        group_id: GROUP_ID,
                        leaf_index: at,
                    },
                ),
                (
                    LeafNodeSource::Commit(vec![1; 32]),
                    LeafNodeContext::Commit {
                        group_id: GROUP_ID,
                        leaf_index: at,
                    },
                ),
                (
                    LeafNodeSource::Update,
                    LeafNodeContext::Tree {
                        group_id: GROUP_ID,
                        leaf_index: at,
                    },
                ),
            ] {
                let mut leaf = c.leaf.clone();
                leaf.leaf_node_source = source;
                leaf.encryption_key = key.clone();
                leaf.sign(&cs, &c.signing_key, Some((GROUP_ID, at)))
                    .unwrap();
                assert_eq!(
                    validate_leaf_node(&cs, &leaf, context, None, None, &options),
                    Err(TreeError::InvalidEncryptionKey { node: Some(6) }),
                    "suite {suite}, {context:?}"
                );
            }
        }
    }
    assert_eq!(
        TreeError::InvalidEncryptionKey { node: Some(6) }.to_string(),
        "invalid encryption key at node 6"
    );
}

#[test]
fn item15_low_order_keys_are_refused_in_update_paths() {
    for suite in SUITES {
        let mut g = Group::new(suite, 1510);
        g.add(4);
        g.commit(LeafIndex(2), &[]);
        let before = g.tree.clone();
        let sender = LeafIndex(0);
        let template = g.tree.leaf(sender).unwrap().clone();
        let key = &g.members[0].as_ref().unwrap().signing_key;
        let pending = g
            .tree
            .prepare_update_path(&g.cs, sender, template, key, GROUP_ID, &mut g.rng)
            .unwrap();
        let hash = g.tree.tree_hash(&g.cs).unwrap();
        let gc = group_context(&g.cs, 2, &hash);
        let (path, _) = pending
            .encrypt(&g.cs, &g.tree, &gc, &[], &mut g.rng)
            .unwrap();
        let fdp = before.filtered_direct_path(sender);
        assert_eq!(fdp.len(), path.nodes.len());
        let merge = |p: &UpdatePath| {
            before
                .clone()
                .merge_update_path(&g.cs, sender, p, GROUP_ID, &[])
        };
        merge(&path).unwrap();
        for low in low_keys(suite) {
            // The leaf's key, re-signed so that only the key is wrong.
            let mut p = path.clone();
            p.leaf_node.encryption_key = low.clone();
            p.leaf_node
                .sign(&g.cs, key, Some((GROUP_ID, sender)))
                .unwrap();
            assert_eq!(
                merge(&p).unwrap_err(),
                TreeError::InvalidEncryptionKey { node: Some(0) }
            );
            // Each path node's key (checked before the parent hash).
            for (i, &(node, _)) in fdp.iter().enumerate() {
                let mut p = path.clone();
                p.nodes[i].encryption_key = low.clone();
                assert_eq!(
                    merge(&p).unwrap_err(),
                    TreeError::InvalidEncryptionKey { node: Some(node.0) }
                );
            }
        }
    }
}

#[test]
fn item15_low_order_keys_are_refused_in_imported_trees() {
    for suite in SUITES {
        let mut g = Group::new(suite, 1520);
        let added = g.add(5);
        g.commit(LeafIndex(0), &added);
        g.commit(LeafIndex(3), &[]);
        let bytes = g.tree.to_extension_bytes().unwrap();
        let list: Vec<Option<Node>> = decode_exact(&bytes).unwrap();
        let occupied: Vec<usize> = (0..list.len()).filter(|&i| list[i].is_some()).collect();
        assert!(occupied.iter().any(|i| i % 2 == 1)); // parent nodes too
        for low in low_keys(suite) {
            for &i in &occupied {
                let mut tampered = list.clone();
                match tampered[i].as_mut().unwrap() {
                    Node::Leaf(l) => l.encryption_key = low.clone(),
                    Node::Parent(p) => p.encryption_key = low.clone(),
                }
                let bytes = tampered.to_bytes().unwrap();
                let hash = RatchetTree::from_extension_bytes(&bytes)
                    .unwrap()
                    .tree_hash(&g.cs)
                    .unwrap();
                let params = TreeImportParams {
                    group_id: GROUP_ID,
                    expected_tree_hash: &hash,
                    required_capabilities: None,
                    options: LeafValidationOptions::without_lifetime(),
                };
                assert_eq!(
                    RatchetTree::import(&g.cs, &bytes, &params).unwrap_err(),
                    TreeError::InvalidEncryptionKey {
                        node: Some(i as u32)
                    },
                    "suite {suite}, node {i}"
                );
            }
        }
    }
}
