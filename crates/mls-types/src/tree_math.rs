//! Array-based tree math (RFC 9420 §4.1, Appendix C).
//!
//! Nodes are numbered left to right, leaves at even indices. RFC 9420 trees
//! always have a power-of-two number of leaves, but every function here also
//! works for any leaf count (a left-balanced tree: the right subtree of a node
//! may be truncated), which is what the direct path of a truncated tree needs.
//!
//! ```
//! use mls_types::tree_math::{LeafIndex, NodeIndex, root, direct_path};
//! assert_eq!(root(4), NodeIndex(3));
//! assert_eq!(direct_path(LeafIndex(0).node(), 4), vec![NodeIndex(1), NodeIndex(3)]);
//! ```

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};

/// The index of a node in the array representation of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct NodeIndex(pub u32);

/// The index of a leaf, counting leaves only (`uint32 leaf_index` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct LeafIndex(pub u32);

impl LeafIndex {
    /// The node index of this leaf: `2 * leaf`. Leaf indices fit in 31 bits
    /// in any tree whose node count fits in a `u32`; a larger one (which no
    /// tree has) saturates to `u32::MAX`, an odd index outside every tree,
    /// so a lookup with it finds nothing. See [`LeafIndex::checked_node`].
    pub const fn node(self) -> NodeIndex {
        NodeIndex(self.0.saturating_mul(2))
    }

    /// `2 * leaf`, or `None` if it does not fit in a `u32`.
    pub const fn checked_node(self) -> Option<NodeIndex> {
        match self.0.checked_mul(2) {
            Some(x) => Some(NodeIndex(x)),
            None => None,
        }
    }
}

impl NodeIndex {
    /// Whether this node is a leaf (even index).
    pub const fn is_leaf(self) -> bool {
        self.0 & 1 == 0
    }

    /// The leaf index of this node, if it is a leaf.
    pub const fn leaf(self) -> Option<LeafIndex> {
        if self.is_leaf() {
            Some(LeafIndex(self.0 / 2))
        } else {
            None
        }
    }

    /// The node's level: 0 for leaves, the number of trailing one bits otherwise.
    pub const fn level(self) -> u32 {
        self.0.trailing_ones()
    }
}

/// The exponent of the largest power of two not above `x` (0 for 0).
pub const fn log2(x: u32) -> u32 {
    if x == 0 {
        0
    } else {
        31 - x.leading_zeros()
    }
}

/// The number of nodes in a tree with `n_leaves` leaves: `2 * (n - 1) + 1`.
/// `None` if it does not fit in a `u32`.
pub const fn node_width(n_leaves: u32) -> Option<u32> {
    if n_leaves == 0 {
        Some(0)
    } else if n_leaves > (1 << 31) {
        None
    } else {
        Some(2 * (n_leaves - 1) + 1)
    }
}

/// The root of a tree with `n_leaves` leaves (`n_leaves` ≥ 1, at most
/// 2^31; 0 gives node 0 and more than 2^31 the root of a 2^31-leaf tree).
pub const fn root(n_leaves: u32) -> NodeIndex {
    let w = match node_width(n_leaves) {
        Some(w) => w,
        None => u32::MAX,
    };
    // 1 <= 2^log2(w) <= 2^31 for w >= 1; w = 0 gives 2^0 - 1 = 0.
    NodeIndex((1u32 << log2(w)) - 1)
}

/// The left child of a parent node; `None` for a leaf.
pub const fn left(x: NodeIndex) -> Option<NodeIndex> {
    let k = x.level();
    if k == 0 {
        None
    } else {
        Some(NodeIndex(x.0 ^ (1 << (k - 1))))
    }
}

/// The right child of a parent node in a full tree: `x + 2^(level - 1)`;
/// `None` for a leaf, and for `u32::MAX` (level 32), whose right child
/// does not fit in a `u32`.
pub const fn right(x: NodeIndex) -> Option<NodeIndex> {
    let k = x.level();
    if k == 0 || k >= 32 {
        None
    } else {
        // A node of level k < 32 has bit k clear: the xor adds 2^(k-1).
        Some(NodeIndex(x.0 ^ (3 << (k - 1))))
    }
}

/// The right child of `x` in a (possibly truncated) tree with `n_leaves`
/// leaves: descend left while the child lies beyond the tree's width.
/// `None` for a leaf or a node outside the tree.
pub fn right_in(x: NodeIndex, n_leaves: u32) -> Option<NodeIndex> {
    let width = node_width(n_leaves)?;
    if x.0 >= width {
        return None;
    }
    let mut r = right(x)?;
    while r.0 >= width {
        r = left(r)?;
    }
    Some(r)
}

/// One step up in a full tree (may land outside a truncated tree); `None`
/// when the parent does not fit in a `u32` (for nodes of level 31 and 32).
const fn parent_step(x: NodeIndex) -> Option<NodeIndex> {
    let k = x.level();
    if k >= 31 {
        return None;
    }
    let b = (x.0 >> (k + 1)) & 1;
    Some(NodeIndex((x.0 | (1 << k)) ^ (b << (k + 1))))
}

/// The parent of `x` in a tree with `n_leaves` leaves; `None` for the root
/// or a node outside the tree.
pub fn parent(x: NodeIndex, n_leaves: u32) -> Option<NodeIndex> {
    let width = node_width(n_leaves)?;
    let r = root(n_leaves);
    if x == r || x.0 >= width {
        return None;
    }
    // x < width and the root, an ancestor of x, is below width: the
    // climb ends at the root at the latest, before any overflow.
    let mut p = parent_step(x)?;
    while p.0 >= width {
        p = parent_step(p)?;
    }
    Some(p)
}

/// The other child of `x`'s parent; `None` for the root or a node outside the tree.
pub fn sibling(x: NodeIndex, n_leaves: u32) -> Option<NodeIndex> {
    let p = parent(x, n_leaves)?;
    if x < p {
        right_in(p, n_leaves)
    } else {
        left(p)
    }
}

/// The direct path of `x`, from its parent up to the root.
pub fn direct_path(x: NodeIndex, n_leaves: u32) -> Vec<NodeIndex> {
    let mut path = Vec::with_capacity(log2(n_leaves.max(1)) as usize + 1);
    let mut cur = x;
    while let Some(p) = parent(cur, n_leaves) {
        path.push(p);
        cur = p;
    }
    path
}

/// The copath of `x`: the sibling of `x` and of each node of its direct path
/// below the root, from the leaf upwards.
pub fn copath(x: NodeIndex, n_leaves: u32) -> Vec<NodeIndex> {
    let mut out = Vec::with_capacity(log2(n_leaves.max(1)) as usize + 1);
    let mut cur = x;
    while let Some(s) = sibling(cur, n_leaves) {
        out.push(s);
        match parent(cur, n_leaves) {
            Some(p) => cur = p,
            None => break,
        }
    }
    out
}

/// The lowest node that is `x`, `y`, or an ancestor of both, in the
/// infinite full tree (for nodes of one tree: their lowest common ancestor
/// there). Total: the result always fits in a `u32`, since every `u32` node
/// lies in the subtree of `u32::MAX` (level 32).
pub fn common_ancestor(x: NodeIndex, y: NodeIndex) -> NodeIndex {
    // The ancestor of level k of a node n (level <= k) is the node whose
    // bits above k equal n's, bit k is 0 and bits below k are 1. So x and y
    // share the ancestor of level k iff they agree above bit k and both
    // have level <= k: the lowest such k is the answer.
    let (x64, y64) = (u64::from(x.0), u64::from(y.0));
    let mut k = x.level().max(y.level());
    while k < 32 && (x64 >> (k + 1)) != (y64 >> (k + 1)) {
        k += 1;
    }
    let ancestor = ((x64 >> (k + 1)) << (k + 1)) | ((1u64 << k) - 1);
    // k <= 32 and the bits above k agree with a u32: at most u32::MAX.
    NodeIndex(u32::try_from(ancestor).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn small_trees() {
        // 4 leaves: nodes 0..=6, root 3.
        assert_eq!(node_width(4), Some(7));
        assert_eq!(root(4), NodeIndex(3));
        assert_eq!(left(NodeIndex(3)), Some(NodeIndex(1)));
        assert_eq!(right(NodeIndex(3)), Some(NodeIndex(5)));
        assert_eq!(parent(NodeIndex(0), 4), Some(NodeIndex(1)));
        assert_eq!(parent(NodeIndex(3), 4), None);
        assert_eq!(sibling(NodeIndex(4), 4), Some(NodeIndex(6)));
        assert_eq!(copath(NodeIndex(0), 4), vec![NodeIndex(2), NodeIndex(5)]);
        assert_eq!(common_ancestor(NodeIndex(0), NodeIndex(6)), NodeIndex(3));
        assert_eq!(common_ancestor(NodeIndex(4), NodeIndex(6)), NodeIndex(5));
        assert_eq!(common_ancestor(NodeIndex(1), NodeIndex(2)), NodeIndex(1));
    }

    #[test]
    fn truncated_tree() {
        // 3 leaves: nodes 0..=4, root 3; node 3's right child is leaf 4.
        assert_eq!(root(3), NodeIndex(3));
        assert_eq!(right_in(NodeIndex(3), 3), Some(NodeIndex(4)));
        assert_eq!(parent(NodeIndex(4), 3), Some(NodeIndex(3)));
        assert_eq!(direct_path(NodeIndex(4), 3), vec![NodeIndex(3)]);
        assert_eq!(sibling(NodeIndex(4), 3), Some(NodeIndex(1)));
    }

    #[test]
    fn one_leaf_and_out_of_range() {
        assert_eq!(root(1), NodeIndex(0));
        assert!(direct_path(NodeIndex(0), 1).is_empty());
        assert_eq!(parent(NodeIndex(9), 4), None);
        assert_eq!(node_width((1 << 31) + 1), None);
    }
}
