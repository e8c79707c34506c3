//! Tree evolution (RFC 9420 §7.7, §12.1.1–§12.1.3): add, update, remove,
//! extend and truncate.

use super::{Change, RatchetTree};
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::{LeafNode, Node, TreeError};

impl RatchetTree {
    /// The leftmost blank leaf, if any (O(log N)).
    pub fn leftmost_blank_leaf(&self) -> Option<LeafIndex> {
        let n = self.n_leaves();
        let full = |x: NodeIndex| {
            let size = 1u32 << x.level();
            self.counts.get(x.0 as usize).is_some_and(|c| c.1 >= size)
        };
        let mut x = self.root();
        if full(x) {
            return None;
        }
        while let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) {
            x = if full(l) { r } else { l };
        }
        x.leaf().filter(|l| l.0 < n)
    }

    /// Adds `leaf` as in an Add proposal (RFC 9420 §12.1.1): at the leftmost
    /// blank leaf, else after doubling the tree; the new leaf becomes
    /// unmerged at every non-blank parent above it. Fails, changing
    /// nothing, if one of its keys is already in the tree.
    pub fn add_leaf(&mut self, leaf: LeafNode) -> Result<LeafIndex, TreeError> {
        let target = match self.leftmost_blank_leaf() {
            Some(l) => l,
            None => LeafIndex(self.n_leaves()),
        };
        let node = Node::Leaf(leaf);
        self.keys.check(target.node().0, &node, &self.nodes)?;
        if target.0 >= self.n_leaves() {
            self.extend()?;
        }
        self.set_node(target.node(), Some(node))?;
        let n = self.n_leaves();
        let mut cur = target.node();
        while let Some(p) = tree_math::parent(cur, n) {
            self.update_parent(p, |parent| parent.add_unmerged(target));
            cur = p;
        }
        Ok(target)
    }

    /// Replaces the leaf of `leaf` and blanks its direct path, as in an
    /// Update proposal (RFC 9420 §12.1.2). The leaf must be non-blank.
    pub fn update_leaf(&mut self, leaf: LeafIndex, node: LeafNode) -> Result<(), TreeError> {
        if leaf.0 >= self.n_leaves() {
            return Err(TreeError::LeafIndexOutOfRange(leaf.0));
        }
        if self.leaf(leaf).is_none() {
            return Err(TreeError::BlankLeaf(leaf.0));
        }
        self.set_node(leaf.node(), Some(Node::Leaf(node)))?;
        self.blank_direct_path(leaf);
        Ok(())
    }

    /// Blanks the leaf of `leaf` and its direct path, then truncates the
    /// tree, as in a Remove proposal (RFC 9420 §12.1.3). The leaf must be non-blank.
    pub fn remove_leaf(&mut self, leaf: LeafIndex) -> Result<(), TreeError> {
        if leaf.0 >= self.n_leaves() {
            return Err(TreeError::LeafIndexOutOfRange(leaf.0));
        }
        if self.leaf(leaf).is_none() {
            return Err(TreeError::BlankLeaf(leaf.0));
        }
        self.set_node(leaf.node(), None)?;
        self.blank_direct_path(leaf);
        self.truncate();
        Ok(())
    }

    /// Blanks every node on the direct path of `leaf`.
    pub(crate) fn blank_direct_path(&mut self, leaf: LeafIndex) {
        self.blank_direct_path_except(leaf, &[]);
    }

    /// Blanks every node on the direct path of `leaf` but those of `fdp`
    /// (a filtered direct path, about to be overwritten).
    pub(crate) fn blank_direct_path_except(
        &mut self,
        leaf: LeafIndex,
        fdp: &[(NodeIndex, NodeIndex)],
    ) {
        let n = self.n_leaves();
        let mut cur = leaf.node();
        while let Some(p) = tree_math::parent(cur, n) {
            if self.node(p).is_some() && !fdp.iter().any(|(x, _)| *x == p) {
                // Blanking never collides and p is inside the tree.
                let _ = self.set_node(p, None);
            }
            cur = p;
        }
    }

    /// Doubles the tree: a new blank root whose right subtree is blank (RFC 9420 §7.7).
    pub(crate) fn extend(&mut self) -> Result<(), TreeError> {
        let old_root = self.root();
        let n = self
            .n_leaves()
            .checked_mul(2)
            .filter(|n| *n <= 1 << 30)
            .ok_or(TreeError::TreeTooLarge)?;
        let width = tree_math::node_width(n).ok_or(TreeError::TreeTooLarge)? as usize;
        let root_counts = self
            .counts
            .get(old_root.0 as usize)
            .copied()
            .unwrap_or((0, 0));
        let root_res_len = self.resolution_len(old_root) as u32;
        self.nodes.resize(width, None);
        self.counts.resize(width, (0, 0));
        self.res_len.resize(width, 0);
        let new_root = self.root().0 as usize;
        if let Some(c) = self.counts.get_mut(new_root) {
            *c = root_counts;
        }
        if let Some(r) = self.res_len.get_mut(new_root) {
            *r = root_res_len;
        }
        self.hashes.resize(width);
        if let Some(journal) = &mut self.journal {
            journal.push(Change::Extended);
        }
        Ok(())
    }

    /// Halves the tree while the right subtree of the root holds no leaf (RFC 9420 §7.7).
    pub(crate) fn truncate(&mut self) {
        while self.n_leaves() > 1 {
            let root = self.root();
            let Some(right) = tree_math::right(root) else {
                return;
            };
            if self.counts.get(right.0 as usize).is_some_and(|c| c.1 > 0) {
                return;
            }
            self.halve();
        }
    }

    /// Drops the right half of the tree and its root (whatever they hold),
    /// journaled; the root's left child becomes the root.
    pub(crate) fn halve(&mut self) {
        let keep = self.root().0 as usize;
        let dropped = self.nodes.split_off(keep);
        for (i, node) in dropped.iter().enumerate() {
            if let Some(slot) = node {
                self.forget(keep.saturating_add(i) as u32, slot);
            }
        }
        match &mut self.journal {
            Some(journal) => journal.push(Change::Truncated(dropped)),
            None => self.changed.mark_dropped(keep, &dropped),
        }
        self.counts.truncate(keep);
        self.res_len.truncate(keep);
        self.hashes.truncate(keep);
    }
}
