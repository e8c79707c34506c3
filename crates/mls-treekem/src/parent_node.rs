//! `ParentNode` (RFC 9420 §7.1).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::HpkePublicKey;

use crate::tree_math::LeafIndex;

/// `ParentNode` (RFC 9420 §7.1): a key shared by the leaves below it.
///
/// ```
/// use mls_crypto::HpkePublicKey;
/// use mls_treekem::ParentNode;
/// let p = ParentNode::new(HpkePublicKey(vec![7; 32]));
/// assert!(p.parent_hash.is_empty() && p.unmerged_leaves.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ParentNode {
    /// `HPKEPublicKey encryption_key`
    pub encryption_key: HpkePublicKey,
    /// `opaque parent_hash<V>`
    pub parent_hash: Vec<u8>,
    /// `uint32 unmerged_leaves<V>`, strictly increasing.
    pub unmerged_leaves: Vec<LeafIndex>,
}

impl ParentNode {
    /// A parent node with `encryption_key`, no parent hash and no unmerged leaves.
    pub fn new(encryption_key: HpkePublicKey) -> Self {
        ParentNode {
            encryption_key,
            parent_hash: Vec::new(),
            unmerged_leaves: Vec::new(),
        }
    }

    /// Inserts `leaf` into `unmerged_leaves`, keeping the list sorted.
    pub fn add_unmerged(&mut self, leaf: LeafIndex) {
        if let Err(pos) = self.unmerged_leaves.binary_search(&leaf) {
            self.unmerged_leaves.insert(pos, leaf);
        }
    }
}
