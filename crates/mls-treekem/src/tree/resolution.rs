//! Resolutions (RFC 9420 §4.1.1) and their lengths, kept per node so that
//! the ciphertext count of an UpdatePath node (§7.6) and a receiver's slot
//! in it (§7.5) cost O(log N) rather than a walk over the copath subtree.

use alloc::vec::Vec;

use super::RatchetTree;
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::Node;

/// The number of leaves of `sorted` (sorted) in the half-open leaf range `(lo, hi)`.
fn count_in(sorted: &[LeafIndex], (lo, hi): (u32, u32)) -> usize {
    let start = sorted.partition_point(|l| l.0 < lo);
    let end = sorted.partition_point(|l| l.0 < hi);
    end.saturating_sub(start)
}

impl RatchetTree {
    /// The resolution of `x` (RFC 9420 §4.1.1): the node itself and its
    /// unmerged leaves if non-blank, else the resolutions of its children.
    ///
    /// ```
    /// use mls_treekem::RatchetTree;
    /// use mls_types::tree_math::NodeIndex;
    /// # let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// # tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// // Two leaves under a blank root.
    /// assert_eq!(tree.resolution(NodeIndex(1)), vec![NodeIndex(0), NodeIndex(2)]);
    /// assert_eq!(tree.resolution_len(NodeIndex(1)), 2);
    /// ```
    pub fn resolution(&self, x: NodeIndex) -> Vec<NodeIndex> {
        let mut out = Vec::with_capacity(self.resolution_len(x));
        self.resolve_into(x, &mut out);
        out
    }

    fn resolve_into(&self, x: NodeIndex, out: &mut Vec<NodeIndex>) {
        if self.subtree_is_blank(x) {
            return;
        }
        match self.node(x) {
            Some(Node::Parent(p)) => {
                out.push(x);
                out.extend(p.unmerged_leaves.iter().map(|l| l.node()));
            }
            Some(Node::Leaf(_)) => out.push(x),
            None => {
                if let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) {
                    self.resolve_into(l, out);
                    self.resolve_into(r, out);
                }
            }
        }
    }

    /// The length of the resolution of `x` (O(1)); 0 outside the tree.
    pub fn resolution_len(&self, x: NodeIndex) -> usize {
        self.res_len.get(x.0 as usize).map_or(0, |n| *n as usize)
    }

    /// The resolution length of `x` from its node and its children's stored lengths.
    fn computed_res_len(&self, x: NodeIndex) -> u32 {
        match self.node(x) {
            Some(Node::Parent(p)) => u32::try_from(p.unmerged_leaves.len())
                .unwrap_or(u32::MAX)
                .saturating_add(1),
            Some(Node::Leaf(_)) => 1,
            None => match (tree_math::left(x), tree_math::right(x)) {
                (Some(l), Some(r)) => {
                    let get = |y: NodeIndex| self.res_len.get(y.0 as usize).copied().unwrap_or(0);
                    get(l).saturating_add(get(r))
                }
                _ => 0,
            },
        }
    }

    /// Recomputes the stored resolution length of `x` and of its ancestors,
    /// stopping at the first that does not change.
    pub(crate) fn refresh_res_len(&mut self, x: NodeIndex) {
        let n = self.n_leaves();
        let mut cur = Some(x);
        while let Some(c) = cur {
            let value = self.computed_res_len(c);
            match self.res_len.get_mut(c.0 as usize) {
                Some(slot) if *slot != value => *slot = value,
                _ => return,
            }
            cur = tree_math::parent(c, n);
        }
    }

    /// The number of recipients of a path secret for copath node `s`: its
    /// resolution without the leaves of `new_members` (sorted), RFC 9420
    /// §7.6. Each new member is in that resolution exactly once: added by
    /// this commit, it is unmerged at every non-blank parent above it.
    pub(crate) fn recipient_count(&self, s: NodeIndex, new_members: &[LeafIndex]) -> usize {
        self.resolution_len(s)
            .saturating_sub(count_in(new_members, Self::leaf_range(s)))
    }

    /// The position, among the recipients of copath node `s` (see
    /// [`recipient_count`](Self::recipient_count)), of the first node for
    /// which `has_key` holds, looking only at `leaf` and its ancestors
    /// (the only nodes a member at `leaf` holds keys for), with that node.
    pub(crate) fn recipient_slot(
        &self,
        s: NodeIndex,
        leaf: LeafIndex,
        new_members: &[LeafIndex],
        has_key: impl Fn(NodeIndex) -> bool,
    ) -> Option<(usize, NodeIndex)> {
        let target = leaf.node();
        let (lo, hi) = Self::leaf_range(s);
        if leaf.0 < lo || leaf.0 >= hi {
            return None;
        }
        let mut offset = 0usize;
        let mut x = s;
        loop {
            match self.node(x) {
                Some(Node::Parent(p)) => {
                    if has_key(x) {
                        return Some((offset, x));
                    }
                    let mut i = 1usize;
                    for u in &p.unmerged_leaves {
                        if new_members.binary_search(u).is_ok() {
                            continue;
                        }
                        if *u == leaf && has_key(target) {
                            return Some((offset.saturating_add(i), target));
                        }
                        i = i.saturating_add(1);
                    }
                    return None;
                }
                Some(Node::Leaf(_)) => {
                    return (x == target && has_key(x)).then_some((offset, x));
                }
                None => {
                    let (l, r) = (tree_math::left(x)?, tree_math::right(x)?);
                    let (_, mid) = Self::leaf_range(l);
                    if leaf.0 < mid {
                        x = l;
                    } else {
                        offset = offset.saturating_add(self.recipient_count(l, new_members));
                        x = r;
                    }
                }
            }
        }
    }
}
