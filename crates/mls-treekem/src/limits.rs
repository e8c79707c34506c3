//! Resource limits on received trees (RFC 9420 is silent on them).
//!
//! One place for every maximum this crate enforces on hostile input:
//!
//! | limit | default | enforced by | error |
//! |---|---|---|---|
//! | leaves of a received `ratchet_tree` | [`MAX_TREE_LEAVES`] = 2^18 | [`RatchetTree::from_extension_bytes`](crate::RatchetTree::from_extension_bytes), [`RatchetTree::import`](crate::RatchetTree::import) | [`TreeError::TreeTooLarge`](crate::TreeError::TreeTooLarge) |
//! | leaves of any tree | 2^30 | [`RatchetTree::from_nodes`](crate::RatchetTree::from_nodes), adding leaves | [`TreeError::TreeTooLarge`](crate::TreeError::TreeTooLarge) |
//!
//! Memory: a tree stores one pointer-sized slot per node (nodes are boxed),
//! so a received tree of `n` nodes costs about `17 n` bytes of bookkeeping
//! plus its nodes' own contents, which are bounded by the input length. A
//! mostly blank hostile tree therefore cannot amplify its one byte per blank
//! node into a whole `Node` per node.

/// The most leaves a received `ratchet_tree` extension may describe:
/// 262,144, well above the group sizes MLS deployments target, small enough
/// that a tree of blanks costs at most a few MiB and a tree hash well under
/// a second. Use [`RatchetTree::from_extension_bytes_with_max_leaves`](crate::RatchetTree::from_extension_bytes_with_max_leaves)
/// for another bound.
pub const MAX_TREE_LEAVES: u32 = 1 << 18;
