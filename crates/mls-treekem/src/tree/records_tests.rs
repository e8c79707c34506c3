//! Node records kept up to date from the changed nodes, against a full
//! dump of the tree, over random sequences of tree operations with and
//! without the undo log; and the refusals of malformed records.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use mls_crypto::{CipherSuite, CryptoProvider};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};

use super::bookkeeping_tests::{check_bookkeeping, leaf, random_op, Xs};
use super::*;

type Store = BTreeMap<u32, Vec<u8>>;

fn suite() -> RustCryptoSuite {
    RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap()
}

/// Applies the changed nodes' records to `store`; returns how many there were.
fn sync(tree: &mut RatchetTree, store: &mut Store) -> usize {
    let changed = tree.changed_nodes();
    for &x in &changed {
        match tree.node_record(x).unwrap() {
            Some(r) => store.insert(x.0, r),
            None => store.remove(&x.0),
        };
    }
    tree.clear_changed_nodes();
    changed.len()
}

/// Every record of the tree.
fn dump(tree: &RatchetTree) -> Store {
    (0..tree.n_nodes())
        .filter_map(|i| Some((i, tree.node_record(NodeIndex(i)).unwrap()?)))
        .collect()
}

fn restore(n_leaves: u32, store: &Store) -> Result<RatchetTree, TreeError> {
    RatchetTree::from_node_records(
        n_leaves,
        store.iter().map(|(x, r)| (NodeIndex(*x), r.as_slice())),
    )
}

#[test]
fn records_follow_every_kind_of_change() {
    let cs = suite();
    let mut rng = Xs(0x0bad_cafe_f00d_1234);
    let mut id = 1;
    let mut tree = RatchetTree::new(leaf(1));
    let mut store = Store::new();
    for round in 0..150 {
        let before = tree.to_extension_bytes().unwrap();
        match rng.below(5) {
            // Plain changes.
            0 => random_op(&mut tree, &mut rng, &mut id),
            // Kept from the undo log.
            1 => {
                tree.begin_changes();
                random_op(&mut tree, &mut rng, &mut id);
                random_op(&mut tree, &mut rng, &mut id);
                tree.commit_changes();
            }
            // Rolled back, or taken and dropped (a refused commit): nothing changed.
            2 | 3 => {
                tree.tree_hash(&cs).unwrap();
                tree.begin_changes();
                random_op(&mut tree, &mut rng, &mut id);
                if round % 2 == 0 {
                    tree.rollback_changes();
                } else {
                    drop(tree.take_changes());
                }
                assert!(tree.to_extension_bytes().unwrap() == before);
                assert!(tree.changed_nodes().is_empty(), "round {round}");
            }
            // Staged, then merged.
            _ => {
                tree.begin_changes();
                random_op(&mut tree, &mut rng, &mut id);
                tree.tree_hash(&cs).unwrap();
                let changes = tree.take_changes();
                assert!(tree.changed_nodes().is_empty(), "round {round}");
                tree.apply_changes(changes).unwrap();
            }
        }
        sync(&mut tree, &mut store);
        assert!(store == dump(&tree), "records at round {round}");
        let mut back = restore(tree.n_leaves(), &store).unwrap();
        assert!(back.changed_nodes().is_empty());
        assert!(back.to_extension_bytes().unwrap() == tree.to_extension_bytes().unwrap());
        assert!(back.tree_hash(&cs).unwrap() == tree.tree_hash(&cs).unwrap());
        check_bookkeeping(&back);
    }
}

/// A path update in a full tree changes the leaf and its ancestors; a
/// removal that halves the tree deletes the dropped nodes' records.
#[test]
fn a_path_changes_log_n_records_and_truncation_deletes() {
    let mut tree = RatchetTree::new(leaf(1));
    for i in 2..=16 {
        tree.add_leaf(leaf(i)).unwrap();
    }
    // Fill every parent, as commits would.
    for p in (1..31).step_by(2) {
        tree.set_node(NodeIndex(p), Some(parent_of(p))).unwrap();
    }
    let mut store = Store::new();
    assert_eq!(sync(&mut tree, &mut store), 31);
    let sender = LeafIndex(5);
    let fdp = tree.filtered_direct_path(sender);
    assert_eq!(fdp.len(), 4);
    for (k, &(p, _)) in fdp.iter().enumerate() {
        tree.set_node(p, Some(parent_of(100 + k as u32))).unwrap();
    }
    tree.set_node(sender.node(), Some(Node::Leaf(leaf(100))))
        .unwrap();
    assert_eq!(tree.changed_nodes().len(), 5);
    sync(&mut tree, &mut store);
    // Remove the right half: the tree halves, its right half's records go.
    for l in (8..16).rev() {
        tree.remove_leaf(LeafIndex(l)).unwrap();
    }
    assert_eq!(tree.n_leaves(), 8);
    let changed = tree.changed_nodes();
    assert!(changed.iter().any(|x| x.0 >= 15));
    sync(&mut tree, &mut store);
    assert!(store.keys().all(|x| *x < 15));
    assert!(store == dump(&tree));
}

/// A node's record holds the node only: changing a leaf under a
/// non-blank parent changes the leaf's record alone.
#[test]
fn a_changed_node_changes_its_record_only() {
    let mut tree = RatchetTree::new(leaf(1));
    for i in 2..=4 {
        tree.add_leaf(leaf(i)).unwrap();
    }
    tree.set_node(NodeIndex(3), Some(parent_of(1))).unwrap();
    let mut store = Store::new();
    sync(&mut tree, &mut store);
    let before = store.clone();
    tree.set_node(NodeIndex(4), Some(Node::Leaf(leaf(9))))
        .unwrap();
    assert_eq!(tree.changed_nodes(), [NodeIndex(4)]);
    sync(&mut tree, &mut store);
    assert!(store == dump(&tree));
    assert!(store[&3] == before[&3]);
}

fn parent_of(id: u32) -> Node {
    Node::Parent(ParentNode::new(HpkePublicKey(
        (id | 0x4000_0000).to_be_bytes().repeat(8),
    )))
}

#[test]
fn unread_changes_stay_within_the_tree_size() {
    let mut tree = RatchetTree::new(leaf(1));
    for i in 2..=8 {
        tree.add_leaf(leaf(i)).unwrap();
    }
    tree.clear_changed_nodes();
    for i in 0..5000u32 {
        tree.update_leaf(LeafIndex(i % 8), leaf(1000 + i)).unwrap();
    }
    assert!(tree.changed.list.len() <= 2 * 15 + 64);
    assert_eq!(tree.changed_nodes().len(), 8);
}

#[test]
fn malformed_records_are_refused() {
    let mut tree = RatchetTree::new(leaf(1));
    tree.add_leaf(leaf(2)).unwrap();
    tree.add_leaf(leaf(3)).unwrap();
    let store = dump(&tree);
    assert_eq!(store.keys().copied().collect::<Vec<_>>(), [0, 2, 4]);
    assert!(restore(4, &store).is_ok());
    let with = |f: &dyn Fn(&mut Store)| {
        let mut s = store.clone();
        f(&mut s);
        restore(4, &s).map(|_| ())
    };
    assert_eq!(
        with(&|s| s.get_mut(&2).unwrap()[0] = 9),
        Err(TreeError::UnknownNodeRecordVersion {
            node: 2,
            version: 9
        })
    );
    let invalid = |node, reason| Err(TreeError::InvalidNodeRecord { node, reason });
    assert_eq!(
        with(&|s| s.get_mut(&2).unwrap().clear()),
        invalid(2, "empty record")
    );
    assert_eq!(
        with(&|s| s.get_mut(&2).unwrap().truncate(20)),
        invalid(2, "malformed node")
    );
    assert_eq!(
        with(&|s| s.get_mut(&4).unwrap().push(0)),
        invalid(4, "trailing bytes")
    );
    assert_eq!(
        with(&|s| {
            let r = s[&0].clone();
            s.insert(1, r);
        }),
        Err(TreeError::NodeTypeMismatch { node: 1 })
    );
    assert_eq!(
        with(&|s| {
            let r = s[&0].clone();
            s.insert(7, r);
        }),
        Err(TreeError::NodeIndexOutOfRange(7))
    );
    assert_eq!(
        with(&|s| {
            let r = s[&0].clone();
            s.insert(6, r);
        }),
        Err(TreeError::DuplicateEncryptionKey { node: Some(6) })
    );
    assert_eq!(with(&|s| s.clear()), Err(TreeError::EmptyTree));
    // Too many leaves for the records, or not a power of two.
    assert_eq!(
        restore(8, &store).map(|_| ()),
        Err(TreeError::NodeRecordsDoNotFit { n_leaves: 8 })
    );
    assert_eq!(
        restore(3, &store).map(|_| ()),
        Err(TreeError::NodeRecordsDoNotFit { n_leaves: 3 })
    );
    // Two records for one node.
    let twice = RatchetTree::from_node_records(
        4,
        [0, 2, 4, 2].map(|x| (NodeIndex(x), store[&x].as_slice())),
    );
    assert_eq!(twice.map(|_| ()), invalid(2, "duplicate record"));
}
