//! Tree evolution, resolution, the extension encoding and key uniqueness.

use crate::common;

use common::{client, suite, Group, TestRng};
use mls_codec::Encode;
use mls_treekem::{Node, RatchetTree, TreeError};
use mls_types::tree_math::{LeafIndex, NodeIndex};

fn nodes(v: &[u32]) -> Vec<NodeIndex> {
    v.iter().map(|x| NodeIndex(*x)).collect()
}

#[test]
fn add_extends_by_doubling_and_fills_leftmost_blank() {
    let mut g = Group::new(1, 5);
    assert_eq!(g.tree.n_leaves(), 1);
    g.add(1);
    assert_eq!(g.tree.n_leaves(), 2);
    g.add(1);
    assert_eq!((g.tree.n_leaves(), g.tree.n_nodes()), (4, 7));
    g.add(2);
    assert_eq!(g.tree.n_leaves(), 8);
    assert_eq!(g.tree.member_count(), 5);
    // Remove leaf 1, then an add takes its place.
    g.remove(LeafIndex(1));
    assert_eq!(g.tree.leftmost_blank_leaf(), Some(LeafIndex(1)));
    assert_eq!(g.add(1), vec![LeafIndex(1)]);
    assert_eq!(g.tree.leftmost_blank_leaf(), Some(LeafIndex(5)));
}

#[test]
fn remove_truncates_trailing_blank_halves() {
    let mut g = Group::new(1, 6);
    g.add(4); // 5 members, 8 leaves
    g.remove(LeafIndex(2)); // internal: no truncation
    assert_eq!(g.tree.n_leaves(), 8);
    g.remove(LeafIndex(4)); // right half empty: 8 -> 4
    assert_eq!(g.tree.n_leaves(), 4);
    g.remove(LeafIndex(3)); // leaves 0,1 left: 4 -> 2
    assert_eq!(g.tree.n_leaves(), 2);
    g.remove(LeafIndex(1));
    assert_eq!((g.tree.n_leaves(), g.tree.n_nodes()), (1, 1));
    assert!(matches!(
        g.tree.remove_leaf(LeafIndex(3)),
        Err(TreeError::LeafIndexOutOfRange(3))
    ));
    g.add(2);
    g.remove(LeafIndex(1));
    assert!(matches!(
        g.tree.remove_leaf(LeafIndex(1)),
        Err(TreeError::BlankLeaf(1))
    ));
}

#[test]
fn remove_blanks_the_direct_path() {
    let mut g = Group::new(1, 7);
    g.add(3);
    g.commit(LeafIndex(0), &[]);
    assert!(g.tree.node(NodeIndex(1)).is_some() && g.tree.node(NodeIndex(3)).is_some());
    g.remove(LeafIndex(1));
    assert!(g.tree.node(NodeIndex(1)).is_none() && g.tree.node(NodeIndex(3)).is_none());
}

#[test]
fn resolution_with_unmerged_leaves() {
    let mut g = Group::new(1, 8);
    g.add(2); // leaves 0,1,2
    g.commit(LeafIndex(0), &[]); // nodes 1 and 3 set
    let added = g.add(1); // leaf 3: unmerged at 3 (node 5 blank)
    assert_eq!(added, vec![LeafIndex(3)]);
    let root = g.tree.parent_node(NodeIndex(3)).unwrap();
    assert_eq!(root.unmerged_leaves, vec![LeafIndex(3)]);
    assert_eq!(g.tree.resolution(NodeIndex(3)), nodes(&[3, 6]));
    assert_eq!(g.tree.resolution(NodeIndex(5)), nodes(&[4, 6]));
    assert_eq!(g.tree.resolution(NodeIndex(1)), nodes(&[1]));
    // A blank leaf has an empty resolution.
    g.remove(LeafIndex(2));
    assert_eq!(g.tree.resolution(NodeIndex(4)), nodes(&[]));
    assert_eq!(g.tree.resolution(NodeIndex(5)), nodes(&[6]));
    // Filtered direct path of leaf 3: node 5's copath child (leaf 2) is blank.
    let fdp: Vec<_> = g
        .tree
        .filtered_direct_path(LeafIndex(3))
        .iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(fdp, nodes(&[3]));
}

#[test]
fn extension_round_trip_without_trailing_blanks() {
    let mut g = Group::new(1, 9);
    g.add(4);
    g.commit(LeafIndex(4), &[]);
    g.remove(LeafIndex(3));
    let bytes = g.tree.to_extension_bytes().unwrap();
    let back = RatchetTree::from_extension_bytes(&bytes).unwrap();
    assert_eq!(back.n_leaves(), g.tree.n_leaves());
    assert_eq!(back.to_extension_bytes().unwrap(), bytes);
    let mut back = back;
    assert_eq!(
        back.tree_hash(&g.cs).unwrap(),
        g.tree.tree_hash(&g.cs).unwrap()
    );
    // The encoding ends with the last non-blank node.
    let list: Vec<Option<Node>> = mls_codec::decode_exact(&bytes).unwrap();
    assert!(list.last().unwrap().is_some());
    assert!(list.len() <= g.tree.n_nodes() as usize);
}

#[test]
fn malformed_extensions_are_rejected() {
    let mut g = Group::new(1, 10);
    g.add(1);
    let mut list: Vec<Option<Node>> =
        mls_codec::decode_exact(&g.tree.to_extension_bytes().unwrap()).unwrap();
    // Trailing blank.
    let mut trailing = list.clone();
    trailing.push(None);
    assert_eq!(
        RatchetTree::from_extension_bytes(&trailing.to_bytes().unwrap()).unwrap_err(),
        TreeError::TrailingBlankNode
    );
    // Empty.
    assert_eq!(
        RatchetTree::from_extension_bytes(&Vec::<Option<Node>>::new().to_bytes().unwrap())
            .unwrap_err(),
        TreeError::EmptyTree
    );
    // A leaf at a parent position.
    list.insert(1, list[0].clone());
    assert!(matches!(
        RatchetTree::from_extension_bytes(&list.to_bytes().unwrap()),
        Err(TreeError::NodeTypeMismatch { node: 1 })
    ));
    // Garbage.
    assert!(matches!(
        RatchetTree::from_extension_bytes(&[0x05, 1, 2]),
        Err(TreeError::Codec(_))
    ));
}

#[test]
fn duplicate_keys_are_rejected() {
    let cs = suite(1);
    let mut rng = TestRng::new(13);
    let a = client(&cs, &mut rng, 1);
    let b = client(&cs, &mut rng, 2);
    let mut tree = RatchetTree::new(a.leaf.clone());
    let mut same_hpke = b.leaf.clone();
    same_hpke.encryption_key = a.leaf.encryption_key.clone();
    assert!(matches!(
        tree.add_leaf(same_hpke),
        Err(TreeError::DuplicateEncryptionKey { .. })
    ));
    let mut same_sig = b.leaf.clone();
    same_sig.signature_key = a.leaf.signature_key.clone();
    assert!(matches!(
        tree.add_leaf(same_sig),
        Err(TreeError::DuplicateSignatureKey { .. })
    ));
    // Nothing changed.
    assert_eq!(tree.n_leaves(), 1);
    tree.add_leaf(b.leaf.clone()).unwrap();
    // A decoded tree with the same leaf twice.
    let dup = vec![
        Some(Node::Leaf(a.leaf.clone())),
        None,
        Some(Node::Leaf(a.leaf)),
    ];
    assert!(matches!(
        RatchetTree::from_extension_bytes(&dup.to_bytes().unwrap()),
        Err(TreeError::DuplicateEncryptionKey { .. })
    ));
}

#[test]
fn cached_tree_hash_matches_a_fresh_computation() {
    let mut g = Group::new(1, 11);
    g.add(6);
    let first = g.tree.tree_hash(&g.cs).unwrap();
    g.commit(LeafIndex(2), &[]);
    g.remove(LeafIndex(5));
    let added = g.add(3);
    g.commit(LeafIndex(6), &added);
    g.remove(LeafIndex(8));
    for _ in 0..2 {
        let cached = g.tree.tree_hash(&g.cs).unwrap();
        assert_ne!(cached, first);
        let mut fresh =
            RatchetTree::from_extension_bytes(&g.tree.to_extension_bytes().unwrap()).unwrap();
        assert_eq!(fresh.tree_hash(&g.cs).unwrap(), cached);
        for x in 0..g.tree.n_nodes() {
            assert_eq!(
                fresh.node_tree_hash(&g.cs, NodeIndex(x)).unwrap(),
                g.tree.node_tree_hash(&g.cs, NodeIndex(x)).unwrap()
            );
        }
        // A suite with another hash length recomputes everything.
        let cs5 = suite(5);
        assert_eq!(
            g.tree.tree_hash(&cs5).unwrap(),
            fresh.tree_hash(&cs5).unwrap()
        );
    }
}

#[test]
fn mutated_encodings_never_panic() {
    let mut g = Group::new(1, 12);
    let added = g.add(5);
    g.commit(LeafIndex(1), &added);
    g.add(1);
    let hash = g.tree.tree_hash(&g.cs).unwrap();
    let bytes = g.tree.to_extension_bytes().unwrap();
    let params = mls_treekem::TreeImportParams {
        group_id: common::GROUP_ID,
        expected_tree_hash: &hash,
        required_capabilities: None,
        options: mls_treekem::LeafValidationOptions::without_lifetime(),
    };
    RatchetTree::import(&g.cs, &bytes, &params).unwrap();
    let step = (bytes.len() / 300).max(1);
    for i in (0..bytes.len()).step_by(step) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut m = bytes.clone();
            m[i] ^= flip;
            // Any outcome but a panic; a change is never accepted as the same tree.
            assert!(RatchetTree::import(&g.cs, &m, &params).is_err());
        }
        // Truncations.
        assert!(RatchetTree::import(&g.cs, &bytes[..i], &params).is_err());
    }
}
