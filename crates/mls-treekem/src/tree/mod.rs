//! The ratchet tree (RFC 9420 §4, §7): an array of optional nodes whose leaf
//! count is a power of two, with cached tree hashes, per-subtree occupancy
//! counts and an index of public keys.

#[cfg(test)]
mod bookkeeping_tests;
mod capability_index;
mod changes;
mod dirty;
mod evolution;
mod hash_cache;
mod journal;
mod key_index;
mod parent_hash;
mod records;
#[cfg(test)]
mod records_tests;
mod resolution;
mod slot;
mod tree_hash;

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_crypto::HpkePublicKey;

use self::capability_index::CapabilityIndex;
use self::dirty::ChangedNodes;
use self::hash_cache::HashCache;
use self::journal::Change;
use self::key_index::KeyIndex;
use self::slot::Slot;
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::{CredentialType, ExtensionType, LeafNode, Node, ParentNode, ProposalType, TreeError};

pub use self::changes::TreeChanges;
pub use self::records::NODE_RECORD_VERSION;

/// The public ratchet tree of a group (RFC 9420 §4, §7.7).
///
/// Every mutation keeps the bookkeeping up to date in O(log N): the
/// tree-hash cache (dirty marks along the changed path), the number of
/// non-blank nodes and leaves below each node, each node's resolution
/// length, the index of HPKE and signature public keys (which makes
/// duplicate keys an error), and per-type counts of the leaves'
/// credentials and capabilities. It also notes which nodes changed, so
/// that the tree can be saved one record per node, incrementally (see
/// [`RatchetTree::changed_nodes`], [`RatchetTree::node_record`]).
///
/// ```
/// use mls_treekem::RatchetTree;
/// use mls_types::tree_math::LeafIndex;
/// # let leaf = mls_test_support::treekem::leaf(1);
/// let mut tree = RatchetTree::new(leaf);
/// assert_eq!(tree.n_leaves(), 1);
/// let added = tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
/// assert_eq!(added, LeafIndex(1));
/// assert_eq!(tree.members().count(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct RatchetTree {
    /// `2 * n_leaves - 1` nodes, `n_leaves` a power of two, each decoded,
    /// encoded or both (see [`Slot`]). Boxed, so that a blank slot costs a
    /// pointer: a received tree is mostly blank slots at one byte each on
    /// the wire.
    pub(crate) nodes: Vec<Option<Box<Slot>>>,
    /// Per node: (non-blank nodes, non-blank leaves) in its subtree.
    counts: Vec<(u32, u32)>,
    /// Per node: the length of its resolution (RFC 9420 §4.1.1).
    res_len: Vec<u32>,
    hashes: HashCache,
    keys: KeyIndex,
    caps: CapabilityIndex,
    /// Undo log while recording (see [`RatchetTree::begin_changes`]).
    journal: Option<Vec<Change>>,
    /// The nodes changed since the last take (see [`RatchetTree::changed_nodes`]).
    changed: ChangedNodes,
}

impl RatchetTree {
    /// A one-member tree holding `leaf`.
    pub fn new(leaf: LeafNode) -> Self {
        let mut tree = Self::all_blank(1);
        // A single node cannot collide with anything.
        let _ = tree.set_node(NodeIndex(0), Some(Node::Leaf(leaf)));
        tree
    }

    /// Builds a tree from an array of nodes (in array order), padding it with
    /// blanks to `2^(d+1) - 1` nodes. Checks the structure (node types at the
    /// right positions, size) and key uniqueness, nothing else: use
    /// [`RatchetTree::import`] for a tree received from others.
    pub fn from_nodes(nodes: Vec<Option<Node>>) -> Result<Self, TreeError> {
        Self::from_boxed_nodes(nodes.into_iter().map(|n| n.map(Box::new)).collect())
    }

    /// A tree of `width` blank nodes with empty indexes, every node counted
    /// as changed (a new tree is saved whole); the constructors fill it.
    pub(crate) fn all_blank(width: usize) -> Self {
        Self::blank_over(alloc::vec![None; width])
    }

    /// [`all_blank`](Self::all_blank) over `nodes`, a vector reused rather
    /// than allocated again: its bookkeeping is that of blank nodes, so
    /// any node in it must be taken out and put back with `set_slot`.
    fn blank_over(nodes: Vec<Option<Box<Slot>>>) -> Self {
        let width = nodes.len();
        RatchetTree {
            nodes,
            counts: alloc::vec![(0, 0); width],
            res_len: alloc::vec![0; width],
            hashes: HashCache::new(width),
            keys: KeyIndex::default(),
            caps: CapabilityIndex::default(),
            journal: None,
            changed: ChangedNodes::everything(),
        }
    }

    /// [`from_nodes`](Self::from_nodes) on boxed nodes, as decoded from a
    /// `ratchet_tree` extension.
    pub(crate) fn from_boxed_nodes(nodes: Vec<Option<Box<Node>>>) -> Result<Self, TreeError> {
        if nodes.is_empty() {
            return Err(TreeError::EmptyTree);
        }
        let n_leaves = u32::try_from(nodes.len().saturating_add(1).div_ceil(2))
            .ok()
            .and_then(|n| n.checked_next_power_of_two())
            .filter(|n| *n <= 1 << 30)
            .ok_or(TreeError::TreeTooLarge)?;
        let width = tree_math::node_width(n_leaves).ok_or(TreeError::TreeTooLarge)? as usize;
        // The received vector becomes the tree's rather than being copied
        // into a new one (8 bytes a node at the peak of a decode): each
        // node is taken out of its slot and put back through
        // `set_slot`, in array order, as into a blank tree. The
        // nodes still waiting in their slots are in no index, and the
        // counts leave them out; a resolution length computed meanwhile
        // over one of them is the one it gets when put back.
        let received = nodes.len();
        let mut slots: Vec<Option<Box<Slot>>> =
            nodes.into_iter().map(|n| n.map(Slot::new)).collect();
        slots.resize_with(width, || None);
        let mut tree = Self::blank_over(slots);
        for i in 0..received {
            let node = tree.nodes.get_mut(i).and_then(Option::take);
            let x = NodeIndex(i as u32);
            match node.as_deref().and_then(Slot::node) {
                Some(Node::Leaf(_)) if !x.is_leaf() => {
                    return Err(TreeError::NodeTypeMismatch { node: x.0 })
                }
                Some(Node::Parent(_)) if x.is_leaf() => {
                    return Err(TreeError::NodeTypeMismatch { node: x.0 })
                }
                _ => {}
            }
            if node.is_some() {
                tree.set_slot(x, node)?;
            }
        }
        Ok(tree)
    }

    /// The number of leaves (a power of two).
    pub fn n_leaves(&self) -> u32 {
        (self.nodes.len() as u32).div_ceil(2)
    }

    /// The number of nodes, `2 * n_leaves - 1`.
    pub fn n_nodes(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// The root node index.
    pub fn root(&self) -> NodeIndex {
        tree_math::root(self.n_leaves())
    }

    /// The node at `x`; `None` if blank or outside the tree.
    pub fn node(&self, x: NodeIndex) -> Option<&Node> {
        self.nodes
            .get(x.0 as usize)
            .and_then(|n| n.as_deref())
            .and_then(Slot::node)
    }

    /// The leaf node of `leaf`; `None` if blank or outside the tree.
    pub fn leaf(&self, leaf: LeafIndex) -> Option<&LeafNode> {
        if leaf.0 >= self.n_leaves() {
            return None;
        }
        self.node(leaf.node()).and_then(Node::as_leaf)
    }

    /// The parent node at `x`; `None` if blank, a leaf, or outside the tree.
    pub fn parent_node(&self, x: NodeIndex) -> Option<&ParentNode> {
        self.node(x).and_then(Node::as_parent)
    }

    /// Every node in array order, blanks as `None`.
    pub fn nodes(&self) -> impl Iterator<Item = Option<&Node>> + '_ {
        self.nodes.iter().map(|n| n.as_deref().and_then(Slot::node))
    }

    /// The non-blank leaves with their indices, left to right.
    pub fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> + '_ {
        self.nodes
            .iter()
            .step_by(2)
            .enumerate()
            .filter_map(|(i, n)| Some((LeafIndex(i as u32), n.as_deref()?.node()?.as_leaf()?)))
    }

    /// The number of non-blank leaves.
    pub fn member_count(&self) -> u32 {
        self.counts.get(self.root().0 as usize).map_or(0, |c| c.1)
    }

    /// The number of non-blank nodes, leaves and parents (O(1)).
    pub fn non_blank_count(&self) -> u32 {
        self.counts.get(self.root().0 as usize).map_or(0, |c| c.0)
    }

    /// The leaf whose signature key is `key`, if any (O(log N)).
    pub fn leaf_with_signature_key(&self, key: &[u8]) -> Option<LeafIndex> {
        self.keys
            .signature_key_node(key, &self.nodes)
            .and_then(|n| NodeIndex(n).leaf())
    }

    /// The node whose HPKE public key is `key`, if any (O(log N)).
    pub fn node_with_encryption_key(&self, key: &HpkePublicKey) -> Option<NodeIndex> {
        self.keys
            .encryption_key_node(&key.0, &self.nodes)
            .map(NodeIndex)
    }

    /// Whether the subtree under `x` holds no non-blank node (its resolution is empty).
    pub fn subtree_is_blank(&self, x: NodeIndex) -> bool {
        self.counts.get(x.0 as usize).is_none_or(|c| c.0 == 0)
    }

    /// The filtered direct path of `leaf` (RFC 9420 §4.1.2) with, for each
    /// node, its child on the copath of `leaf`: from the leaf upwards.
    pub fn filtered_direct_path(&self, leaf: LeafIndex) -> Vec<(NodeIndex, NodeIndex)> {
        let n = self.n_leaves();
        let mut out = Vec::with_capacity(tree_math::log2(n) as usize);
        let mut cur = leaf.node();
        while let Some(p) = tree_math::parent(cur, n) {
            if let Some(s) = tree_math::sibling(cur, n) {
                if !self.subtree_is_blank(s) {
                    out.push((p, s));
                }
            }
            cur = p;
        }
        out
    }

    /// The leaves under `x`, as a half-open range of leaf indices.
    pub(crate) fn leaf_range(x: NodeIndex) -> (u32, u32) {
        let k = x.level();
        let half = (1u64 << k) - 1;
        let first = u64::from(x.0).saturating_sub(half) / 2;
        (
            first as u32,
            (first + (1u64 << k)).min(u64::from(u32::MAX)) as u32,
        )
    }

    /// Replaces the node at `x`, keeping the key index, the counts and the
    /// hash cache up to date. Fails, changing nothing, on a duplicate key or
    /// an index outside the tree.
    pub(crate) fn set_node(&mut self, x: NodeIndex, node: Option<Node>) -> Result<(), TreeError> {
        self.set_slot(x, node.map(|n| Slot::new(Box::new(n))))
    }

    /// [`set_node`](Self::set_node) with the node in its slot.
    fn set_slot(&mut self, x: NodeIndex, slot: Option<Box<Slot>>) -> Result<(), TreeError> {
        if let Some(new) = slot.as_deref().and_then(Slot::node) {
            self.keys.check(x.0, new, &self.nodes)?;
        }
        let old = self.replace_slot(x, slot)?;
        self.note_replaced(x, old);
        Ok(())
    }

    /// Journals (or notes as changed) the replacement of node `x`, which held `old`.
    fn note_replaced(&mut self, x: NodeIndex, old: Option<Box<Slot>>) {
        match &mut self.journal {
            Some(journal) => journal.push(Change::Node(x, old)),
            None => self.changed.mark(x.0),
        }
    }

    /// Puts `slot` at `x` without a uniqueness check or journaling and
    /// returns the old one.
    fn replace_slot(
        &mut self,
        x: NodeIndex,
        slot: Option<Box<Slot>>,
    ) -> Result<Option<Box<Slot>>, TreeError> {
        let place = self
            .nodes
            .get_mut(x.0 as usize)
            .ok_or(TreeError::NodeIndexOutOfRange(x.0))?;
        let is = slot.is_some();
        let old = core::mem::replace(place, slot);
        if let Some(old) = old.as_deref().and_then(Slot::node) {
            self.keys.remove(x.0, old);
            if let Node::Leaf(leaf) = old {
                self.caps.update(leaf, false);
            }
        }
        if let Some(new) = self
            .nodes
            .get(x.0 as usize)
            .and_then(|n| n.as_deref())
            .and_then(Slot::node)
        {
            self.keys.insert(x.0, new);
            if let Node::Leaf(leaf) = new {
                self.caps.update(leaf, true);
            }
        }
        if old.is_some() != is {
            self.adjust_counts(x, is);
        }
        self.refresh_res_len(x);
        self.hashes.mark(x, self.n_leaves());
        Ok(old)
    }

    /// Replaces the parent node at `x` by `f` of it (its keys unchanged);
    /// nothing if `x` is not a parent node.
    pub(crate) fn update_parent(&mut self, x: NodeIndex, f: impl FnOnce(&mut ParentNode)) {
        let Some(mut parent) = self.parent_node(x).cloned() else {
            return;
        };
        f(&mut parent);
        let Some(place) = self.nodes.get_mut(x.0 as usize) else {
            return;
        };
        let old = place.replace(Slot::new(Box::new(Node::Parent(parent))));
        self.refresh_res_len(x);
        self.hashes.mark(x, self.n_leaves());
        self.note_replaced(x, old);
    }

    /// Forgets the keys and capabilities of the node of `slot`, which
    /// left the tree from `at`.
    fn forget(&mut self, at: u32, slot: &Slot) {
        let Some(node) = slot.node() else {
            return;
        };
        self.keys.remove(at, node);
        if let Node::Leaf(leaf) = node {
            self.caps.update(leaf, false);
        }
    }

    /// The number of members listing credential type `t` in their
    /// capabilities (O(log N)).
    ///
    /// ```
    /// use mls_treekem::RatchetTree;
    /// use mls_types::{CredentialType, ExtensionType, ProposalType};
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// assert_eq!(tree.members_supporting_credential(CredentialType::BASIC), 2);
    /// assert_eq!(tree.credential_types_in_use().collect::<Vec<_>>(), [(CredentialType::BASIC, 2)]);
    /// assert_eq!(tree.members_supporting_extension(ExtensionType(0xff00)), 0);
    /// assert_eq!(tree.members_supporting_proposal(ProposalType(0x0001)), 2); // a default type
    /// ```
    pub fn members_supporting_credential(&self, t: CredentialType) -> u32 {
        self.caps.supporting_credential(t)
    }

    /// The credential types of the members, ascending, with how many members use each.
    pub fn credential_types_in_use(&self) -> impl Iterator<Item = (CredentialType, u32)> + '_ {
        self.caps.credentials_in_use()
    }

    /// The number of members supporting extension type `t` (RFC 9420
    /// §7.2: listed, or a default type).
    pub fn members_supporting_extension(&self, t: ExtensionType) -> u32 {
        self.caps.supporting_extension(t, self.member_count())
    }

    /// The number of members supporting proposal type `t` (RFC 9420
    /// §7.2: listed, or a default type).
    pub fn members_supporting_proposal(&self, t: ProposalType) -> u32 {
        self.caps.supporting_proposal(t, self.member_count())
    }

    /// The heap bytes held by each part of the tree, measured with `live`
    /// (the bytes currently allocated, from the caller's counting
    /// allocator) around a clone of each part: for benchmarks.
    #[doc(hidden)]
    pub fn heap_breakdown(&self, live: &dyn Fn() -> isize) -> Vec<(&'static str, isize)> {
        fn cloned<T: Clone>(live: &dyn Fn() -> isize, t: &T) -> isize {
            let before = live();
            let copy = t.clone();
            let bytes = live().saturating_sub(before);
            drop(copy);
            bytes
        }
        let slot = core::mem::size_of::<Option<Box<Slot>>>();
        let slots = self.nodes.iter().flatten();
        let of_kind = |leaves: bool| {
            let picked: Vec<&Node> = slots
                .clone()
                .filter(|s| s.is_decoded())
                .filter_map(|s| s.node())
                .filter(|n| matches!(n, Node::Leaf(_)) == leaves)
                .collect();
            let before = live();
            let copy: Vec<Box<Node>> = picked.iter().map(|n| Box::new((*n).clone())).collect();
            let bytes = live().saturating_sub(before);
            let vec = (copy.capacity() * core::mem::size_of::<Box<Node>>()) as isize;
            drop(copy);
            bytes.saturating_sub(vec)
        };
        let headers = slots.clone().count() * core::mem::size_of::<Slot>();
        let encodings: usize = slots
            .clone()
            .filter_map(|s| s.encoding())
            .map(<[u8]>::len)
            .sum();
        let mut out = alloc::vec![
            ("node slots", (self.nodes.capacity() * slot) as isize),
            ("node headers (Slot)", headers as isize),
            ("node encodings", encodings as isize),
            ("leaf nodes, decoded", of_kind(true)),
            ("parent nodes, decoded", of_kind(false)),
        ];
        out.extend(self.hashes.heap_breakdown());
        out.extend([
            ("counts", cloned(live, &self.counts)),
            ("resolution lengths", cloned(live, &self.res_len)),
            ("key index", cloned(live, &self.keys)),
            ("capability index", cloned(live, &self.caps)),
            ("changed nodes", cloned(live, &self.changed)),
            ("undo log", cloned(live, &self.journal)),
        ]);
        out
    }

    fn adjust_counts(&mut self, x: NodeIndex, added: bool) {
        let n = self.n_leaves();
        let leaf = x.is_leaf();
        let mut cur = Some(x);
        while let Some(c) = cur {
            if let Some(cnt) = self.counts.get_mut(c.0 as usize) {
                if added {
                    cnt.0 += 1;
                    cnt.1 += u32::from(leaf);
                } else {
                    cnt.0 = cnt.0.saturating_sub(1);
                    cnt.1 = cnt.1.saturating_sub(u32::from(leaf));
                }
            }
            cur = tree_math::parent(c, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unsigned leaf with placeholder keys (32 bytes `seed`).
    pub(super) fn leaf(seed: u8) -> LeafNode {
        LeafNode {
            encryption_key: HpkePublicKey(alloc::vec![seed; 32]),
            signature_key: mls_crypto::SignaturePublicKey(alloc::vec![seed; 32]),
            credential: crate::Credential::Basic(alloc::vec![seed]),
            capabilities: crate::Capabilities::default(),
            leaf_node_source: crate::LeafNodeSource::Update,
            extensions: Vec::new(),
            signature: Vec::new(),
        }
    }

    fn dirty_count(tree: &RatchetTree) -> usize {
        tree.hashes.dirty.iter().filter(|d| **d).count()
    }

    #[test]
    fn one_change_dirties_only_its_path() {
        let mut tree = RatchetTree::new(leaf(0));
        for i in 1..16 {
            tree.add_leaf(leaf(i)).unwrap();
        }
        assert_eq!(tree.n_leaves(), 16);
        // Fill the hash cache with a stand-in hash: only the dirty marks matter here.
        tree.hashes.reset(4);
        for i in 0..tree.nodes.len() {
            tree.hashes.set(NodeIndex(i as u32), &[0; 4]);
        }
        assert_eq!(dirty_count(&tree), 0);
        tree.update_leaf(LeafIndex(5), leaf(100)).unwrap();
        // Leaf 5 and its 4 ancestors.
        assert_eq!(dirty_count(&tree), 5);
        tree.update_leaf(LeafIndex(4), leaf(101)).unwrap();
        // Leaf 4 shares all ancestors with leaf 5.
        assert_eq!(dirty_count(&tree), 6);
    }

    #[test]
    fn counts_follow_changes() {
        let mut tree = RatchetTree::new(leaf(0));
        tree.add_leaf(leaf(1)).unwrap();
        tree.add_leaf(leaf(2)).unwrap();
        assert_eq!(tree.member_count(), 3);
        assert!(!tree.subtree_is_blank(NodeIndex(5)));
        tree.remove_leaf(LeafIndex(2)).unwrap();
        assert_eq!((tree.member_count(), tree.n_leaves()), (2, 2));
        assert_eq!(tree.leftmost_blank_leaf(), None);
        assert_eq!(RatchetTree::leaf_range(NodeIndex(1)), (0, 2));
        assert_eq!(RatchetTree::leaf_range(NodeIndex(11)), (4, 8));
    }
}
