//! The net effect of a set of recorded changes, taken out of the tree so
//! that it can be applied later without redoing the work that produced it
//! (a staged commit is computed once, then merged or dropped).

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::{Decode, Encode};

use super::slot::Slot;
use super::{Change, RatchetTree};
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::{Node, TreeError};

/// A node's value after the changes, with its encoding if the tree had it
/// (see [`super::hash_cache::HashCache`]; empty otherwise). The encoding
/// is a cache: it is not part of the wire form, which is `node` and `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChangedNode {
    node: NodeIndex,
    value: Option<Node>,
    encoding: Vec<u8>,
}

impl Encode for ChangedNode {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), mls_codec::Error> {
        self.node.encode(out)?;
        self.value.encode(out)
    }

    fn encoded_len(&self) -> usize {
        self.node
            .encoded_len()
            .saturating_add(self.value.encoded_len())
    }
}

impl Decode for ChangedNode {
    fn decode(r: &mut mls_codec::Reader<'_>) -> Result<Self, mls_codec::Error> {
        Ok(ChangedNode {
            node: NodeIndex::decode(r)?,
            value: Option::<Node>::decode(r)?,
            encoding: Vec::new(),
        })
    }
}

/// A node's tree hash after the changes.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
struct CachedHash {
    node: NodeIndex,
    hash: Vec<u8>,
}

/// The changes made to a [`RatchetTree`] between
/// [`begin_changes`](RatchetTree::begin_changes) and
/// [`take_changes`](RatchetTree::take_changes): the tree's final size, the
/// final value of every node that changed, and the tree hashes computed
/// for them and their ancestors. [`RatchetTree::apply_changes`] puts them
/// back in O(changes), without re-validating or re-deriving anything.
///
/// They apply only to the tree they were taken from, in the state it had
/// when recording began (a size mismatch is refused; anything else is the
/// caller's to guarantee, e.g. by the epoch). Their wire form, for
/// persisting them, leaves out the node encodings cached with them.
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_treekem::RatchetTree;
/// use mls_types::tree_math::LeafIndex;
/// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
/// let before = tree.tree_hash(&cs).unwrap();
/// tree.begin_changes();
/// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
/// let after = tree.tree_hash(&cs).unwrap();
/// let changes = tree.take_changes(); // the tree is back as it was
/// assert_eq!(tree.tree_hash(&cs).unwrap(), before);
/// assert_eq!(changes.changed_leaves().collect::<Vec<_>>(), [LeafIndex(1)]);
/// tree.apply_changes(changes).unwrap();
/// assert_eq!(tree.tree_hash(&cs).unwrap(), after);
/// assert_eq!(tree.n_leaves(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct TreeChanges {
    base_leaves: u32,
    n_leaves: u32,
    nodes: Vec<ChangedNode>,
    hashes: Vec<CachedHash>,
}

impl TreeChanges {
    /// The leaves whose node changed (added, updated or blanked), ascending.
    pub fn changed_leaves(&self) -> impl Iterator<Item = LeafIndex> + '_ {
        self.nodes.iter().filter_map(|c| c.node.leaf())
    }

    /// The new value of `leaf` if the changes set it: `Some(None)` if they
    /// blank it, `None` if they leave it alone. O(changes).
    pub fn leaf(&self, leaf: LeafIndex) -> Option<Option<&crate::LeafNode>> {
        let node = leaf.node();
        self.nodes
            .iter()
            .rev()
            .find(|c| c.node == node)
            .map(|c| c.value.as_ref().and_then(Node::as_leaf))
    }

    /// The number of leaves of the tree after the changes.
    pub fn n_leaves(&self) -> u32 {
        self.n_leaves
    }

    /// The number of leaves of the tree they apply to.
    pub fn base_n_leaves(&self) -> u32 {
        self.base_leaves
    }
}

impl RatchetTree {
    /// Undoes the changes recorded since
    /// [`begin_changes`](Self::begin_changes), like
    /// [`rollback_changes`](Self::rollback_changes), and returns them for
    /// [`apply_changes`](Self::apply_changes). Empty if not recording.
    /// Work: O(changes · log N).
    pub fn take_changes(&mut self) -> TreeChanges {
        let n = self.n_leaves();
        let Some(journal) = &self.journal else {
            return TreeChanges {
                base_leaves: n,
                n_leaves: n,
                ..TreeChanges::default()
            };
        };
        let width = self.nodes.len();
        let mut base_leaves = n;
        let mut touched: Vec<u32> = Vec::new();
        for change in journal.iter().rev() {
            match change {
                Change::Node(x, _) => touched.push(x.0),
                Change::Extended => base_leaves /= 2,
                Change::Truncated(dropped) => {
                    base_leaves = base_leaves.saturating_mul(2);
                    let start = dropped.len().saturating_sub(1);
                    touched.extend(
                        dropped
                            .iter()
                            .enumerate()
                            .filter(|(_, d)| d.is_some())
                            .map(|(i, _)| start.saturating_add(i) as u32),
                    );
                }
            }
        }
        touched.retain(|x| (*x as usize) < width);
        touched.sort_unstable();
        touched.dedup();
        // The touched nodes and their ancestors: the hashes the rollback dirties.
        let mut hashed: Vec<u32> = Vec::with_capacity(touched.len().saturating_mul(2));
        for &x in &touched {
            let mut cur = Some(NodeIndex(x));
            while let Some(c) = cur {
                hashed.push(c.0);
                cur = tree_math::parent(c, n);
            }
        }
        hashed.sort_unstable();
        hashed.dedup();
        let hashes = hashed
            .into_iter()
            .filter_map(|x| {
                let hash = self.hashes.get(NodeIndex(x))?.to_vec();
                Some(CachedHash {
                    node: NodeIndex(x),
                    hash,
                })
            })
            .collect();
        let nodes = touched
            .into_iter()
            .map(|x| ChangedNode {
                node: NodeIndex(x),
                value: self.node(NodeIndex(x)).cloned(),
                encoding: self
                    .nodes
                    .get(x as usize)
                    .and_then(|n| n.as_deref())
                    .and_then(Slot::body)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            })
            .collect();
        self.rollback_changes();
        TreeChanges {
            base_leaves,
            n_leaves: n,
            nodes,
            hashes,
        }
    }

    /// Fails unless `changes` apply to this tree as it is: taken from a
    /// tree of this size ([`TreeError::ChangesDoNotApply`]) and well formed.
    /// [`apply_changes`](Self::apply_changes) checks the same first.
    pub fn check_changes(&self, changes: &TreeChanges) -> Result<(), TreeError> {
        let target = changes.n_leaves;
        if changes.base_leaves != self.n_leaves() || !target.is_power_of_two() || target > 1 << 30 {
            return Err(TreeError::ChangesDoNotApply);
        }
        let width = tree_math::node_width(target).ok_or(TreeError::TreeTooLarge)?;
        for c in &changes.nodes {
            if c.node.0 >= width {
                return Err(TreeError::NodeIndexOutOfRange(c.node.0));
            }
            match &c.value {
                Some(Node::Leaf(_)) if !c.node.is_leaf() => {
                    return Err(TreeError::NodeTypeMismatch { node: c.node.0 })
                }
                Some(Node::Parent(_)) if c.node.is_leaf() => {
                    return Err(TreeError::NodeTypeMismatch { node: c.node.0 })
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Applies changes taken from this tree with
    /// [`take_changes`](Self::take_changes) (journaled if recording).
    /// Fails, changing nothing, if the tree's size is not the one they were
    /// taken from ([`TreeError::ChangesDoNotApply`]) or they are malformed
    /// (see [`check_changes`](Self::check_changes)).
    pub fn apply_changes(&mut self, changes: TreeChanges) -> Result<(), TreeError> {
        self.check_changes(&changes)?;
        let target = changes.n_leaves;
        while self.n_leaves() < target {
            self.extend()?;
        }
        for c in changes.nodes {
            // Inside the tree (checked above), so this cannot fail. No
            // uniqueness check: the final state had unique keys, and the
            // index heals from transient duplicates (see `KeyIndex::remove`).
            let mut slot = c.value.map(|v| Slot::new(Box::new(v)));
            if let Some(s) = slot.as_deref_mut().filter(|_| !c.encoding.is_empty()) {
                s.keep_body(c.node.is_leaf(), &c.encoding);
            }
            let old = self.replace_slot(c.node, slot)?;
            self.note_replaced(c.node, old);
        }
        while self.n_leaves() > target {
            self.halve();
        }
        let mut hashes = changes.hashes;
        if hashes.iter().all(|h| h.hash.len() == self.hashes.hash_len) {
            // Children before parents; a hash is kept only over clean
            // children, so that dirty nodes keep dirty ancestors.
            hashes.sort_by_key(|h| (h.node.level(), h.node.0));
            for h in hashes {
                let clean = |y: Option<NodeIndex>| y.is_none_or(|y| self.hashes.get(y).is_some());
                if clean(tree_math::left(h.node)) && clean(tree_math::right(h.node)) {
                    self.hashes.set(h.node, &h.hash);
                }
            }
        }
        Ok(())
    }
}
