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
//! so a mostly blank hostile tree cannot amplify its one byte per blank
//! node into a whole `Node` per node; but every node, blank or not, has
//! about 29 bytes of bookkeeping once decoded (slot, subtree counts,
//! resolution length, dirty flag, encoding slot) and 32 more for its cached
//! hash once hashed: 61 bytes a node, so a received tree costs up to about
//! 64 times its encoded length (README "Resource limits", Memory).

/// The most leaves a received `ratchet_tree` extension may describe:
/// 262,144, well above the group sizes MLS deployments target, small enough
/// that a tree of blanks (512 KiB) costs about 32 MiB once imported and its
/// tree hash about a quarter of a second. Use [`RatchetTree::from_extension_bytes_with_max_leaves`](crate::RatchetTree::from_extension_bytes_with_max_leaves)
/// for another bound.
pub const MAX_TREE_LEAVES: u32 = 1 << 18;
