//! Tree math is total: every function returns, without panicking or
//! wrapping, for every `u32` input, and agrees with a slow reference that
//! computes in `u64` from the definitions (RFC 9420 §4.1, Appendix C).
//!
//! Inputs are drawn from the whole `u32` range, with extra weight on the
//! edges where the fast code shifts by 31 or 32 bits or doubles past 2^32.

use mls_types::tree_math::{self, LeafIndex, NodeIndex};
use proptest::prelude::*;

/// The slow reference, from the definitions: a node of level `k` is
/// `m * 2^(k+1) + 2^k - 1` and covers `[m * 2^(k+1), m * 2^(k+1) + 2^(k+1) - 2]`.
mod reference {
    pub fn level(x: u64) -> u32 {
        let mut k = 0;
        while (x >> k) & 1 == 1 {
            k += 1;
        }
        k
    }

    pub fn node_width(n: u32) -> Option<u32> {
        if n == 0 {
            return Some(0);
        }
        u32::try_from(2 * u64::from(n) - 1).ok()
    }

    /// Whether the subtree of `z` holds `x`.
    pub fn covers(z: u64, x: u64) -> bool {
        let half = (1u64 << level(z)) - 1;
        z - half <= x && x <= z + half
    }

    pub fn left(x: u64) -> Option<u64> {
        let k = level(x);
        (k > 0).then(|| x - (1 << (k - 1)))
    }

    pub fn right(x: u64) -> Option<u64> {
        let k = level(x);
        (k > 0).then(|| x + (1 << (k - 1)))
    }

    /// The parent in the infinite full tree: a left child (even position
    /// among its level) sits `2^k` below its parent, a right child above.
    pub fn parent_full(x: u64) -> u64 {
        let k = level(x);
        let position = x >> (k + 1);
        if position.is_multiple_of(2) {
            x + (1 << k)
        } else {
            x - (1 << k)
        }
    }

    pub fn root(n: u32) -> u64 {
        let w = u64::from(node_width(n.min(1 << 31)).unwrap());
        let mut r = 0u64;
        while 2 * r + 1 < w {
            r = 2 * r + 1;
        }
        r
    }

    pub fn parent(x: u64, n: u32) -> Option<u64> {
        let w = u64::from(node_width(n)?);
        if x >= w || x == root(n) {
            return None;
        }
        let mut p = parent_full(x);
        while p >= w {
            p = parent_full(p);
        }
        Some(p)
    }

    pub fn right_in(x: u64, n: u32) -> Option<u64> {
        let w = u64::from(node_width(n)?);
        if x >= w {
            return None;
        }
        let mut r = right(x)?;
        while r >= w {
            r = left(r)?;
        }
        Some(r)
    }

    pub fn sibling(x: u64, n: u32) -> Option<u64> {
        let p = parent(x, n)?;
        if x < p {
            right_in(p, n)
        } else {
            left(p)
        }
    }

    pub fn direct_path(x: u64, n: u32) -> Vec<u64> {
        let mut out = Vec::new();
        let mut cur = x;
        while let Some(p) = parent(cur, n) {
            out.push(p);
            cur = p;
        }
        out
    }

    pub fn copath(x: u64, n: u32) -> Vec<u64> {
        let mut out = Vec::new();
        let mut cur = x;
        while let Some(s) = sibling(cur, n) {
            out.push(s);
            cur = parent(cur, n).unwrap();
        }
        out
    }

    /// Climb from `x` until the subtree covers `y`.
    pub fn common_ancestor(x: u64, y: u64) -> u64 {
        let mut z = x;
        while !covers(z, y) {
            z = parent_full(z);
        }
        z
    }
}

/// Any `u32`, often one near 0, 2^30, 2^31 or 2^32.
fn any_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        (0u32..64),
        (0u32..64).prop_map(|d| (1u32 << 30).wrapping_add(d).wrapping_sub(32)),
        (0u32..64).prop_map(|d| (1u32 << 31).wrapping_add(d).wrapping_sub(32)),
        (0u32..64).prop_map(|d| u32::MAX - d),
    ]
}

/// A leaf count: any `u32`, or a power of two and its neighbours.
fn any_n_leaves() -> impl Strategy<Value = u32> {
    prop_oneof![
        any_u32(),
        (0u32..=31, 0u32..3).prop_map(|(e, d)| (1u32 << e).wrapping_add(d).wrapping_sub(1)),
    ]
}

fn idx(v: Option<u64>) -> Option<NodeIndex> {
    v.map(|x| NodeIndex(u32::try_from(x).expect("the reference stays in u32")))
}

fn idxs(v: Vec<u64>) -> Vec<NodeIndex> {
    v.into_iter().map(|x| idx(Some(x)).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// The regression of item 13: `common_ancestor` panicked (or wrapped)
    /// for node indices of 2^31 and above; every function is total now.
    #[test]
    fn item13_tree_math_is_total(x in any_u32(), y in any_u32(), n in any_n_leaves()) {
        let (nx, ny) = (NodeIndex(x), NodeIndex(y));
        let (x64, y64) = (u64::from(x), u64::from(y));

        prop_assert_eq!(tree_math::common_ancestor(nx, ny), idx(Some(reference::common_ancestor(x64, y64))).unwrap());
        prop_assert_eq!(tree_math::common_ancestor(nx, ny), tree_math::common_ancestor(ny, nx));

        prop_assert_eq!(nx.level(), reference::level(x64));
        prop_assert_eq!(tree_math::left(nx), idx(reference::left(x64)));
        let right = reference::right(x64).filter(|r| *r <= u64::from(u32::MAX));
        prop_assert_eq!(tree_math::right(nx), idx(right));

        prop_assert_eq!(tree_math::node_width(n), reference::node_width(n));
        prop_assert_eq!(tree_math::root(n), idx(Some(reference::root(n))).unwrap());
        prop_assert_eq!(tree_math::parent(nx, n), idx(reference::parent(x64, n)));
        prop_assert_eq!(tree_math::right_in(nx, n), idx(reference::right_in(x64, n)));
        prop_assert_eq!(tree_math::sibling(nx, n), idx(reference::sibling(x64, n)));
        prop_assert_eq!(tree_math::direct_path(nx, n), idxs(reference::direct_path(x64, n)));
        prop_assert_eq!(tree_math::copath(nx, n), idxs(reference::copath(x64, n)));
        prop_assert_eq!(tree_math::log2(x), if x == 0 { 0 } else { x.ilog2() });

        let leaf = LeafIndex(x);
        let doubled = u32::try_from(2 * x64).ok();
        prop_assert_eq!(leaf.checked_node(), doubled.map(NodeIndex));
        prop_assert_eq!(leaf.node(), NodeIndex(doubled.unwrap_or(u32::MAX)));
        prop_assert_eq!(nx.leaf(), x.is_multiple_of(2).then_some(LeafIndex(x / 2)));
    }

    /// For nodes of one tree, the common ancestor is the first node of
    /// `x`'s direct path (or `x` itself) whose subtree holds `y`.
    #[test]
    fn common_ancestor_is_on_the_direct_path(x in any_u32(), y in any_u32(), n in any_n_leaves()) {
        let Some(width) = tree_math::node_width(n) else { return Ok(()) };
        prop_assume!(width > 0);
        let (x, y) = (x % width, y % width);
        let ancestor = tree_math::common_ancestor(NodeIndex(x), NodeIndex(y));
        let expected = std::iter::once(NodeIndex(x))
            .chain(tree_math::direct_path(NodeIndex(x), n))
            .find(|z| reference::covers(u64::from(z.0), u64::from(y)));
        // Everything below a node and left of it lies in its left subtree,
        // so the lowest common ancestor is at most max(x, y): in the tree.
        prop_assert!(ancestor.0 < width);
        prop_assert_eq!(Some(ancestor), expected);
    }
}

/// The values the old code got wrong, pinned.
#[test]
fn edges() {
    let max = NodeIndex(u32::MAX);
    let top = NodeIndex((1 << 31) - 1); // the root of a 2^31-leaf tree
                                        // The old code shifted a u32 by 32 bits for these (a panic in debug).
    assert_eq!(
        tree_math::common_ancestor(NodeIndex(0), NodeIndex(1 << 31)),
        top
    );
    assert_eq!(
        tree_math::common_ancestor(NodeIndex(u32::MAX - 1), NodeIndex(0)),
        top
    );
    assert_eq!(tree_math::common_ancestor(NodeIndex(0), top), top);
    assert_eq!(tree_math::common_ancestor(NodeIndex(0), max), max);
    assert_eq!(tree_math::common_ancestor(max, max), max);
    assert_eq!(tree_math::right(max), None);
    assert_eq!(tree_math::left(max), Some(NodeIndex((1 << 31) - 1)));
    assert_eq!(tree_math::right_in(max, 1 << 31), None);
    assert_eq!(LeafIndex(1 << 31).node(), max);
    assert_eq!(LeafIndex(1 << 31).checked_node(), None);
    assert_eq!(tree_math::parent(NodeIndex((1 << 31) - 1), 1 << 31), None);
    assert_eq!(
        tree_math::parent(NodeIndex(u32::MAX - 1), 1 << 31),
        Some(NodeIndex(u32::MAX - 2))
    );
}
