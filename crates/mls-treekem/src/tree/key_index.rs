//! Indexes of the HPKE and signature public keys in a tree, so that the
//! uniqueness checks of RFC 9420 §7.3 and §12.4.2 cost O(log N).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::{Node, TreeError};

/// Where each public key of the tree sits.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    /// HPKE public key bytes → node index.
    encryption: BTreeMap<Vec<u8>, u32>,
    /// Signature public key bytes → node index of the leaf.
    signature: BTreeMap<Vec<u8>, u32>,
}

impl KeyIndex {
    /// The node holding HPKE key `key`, if any.
    pub(crate) fn encryption_key_node(&self, key: &[u8]) -> Option<u32> {
        self.encryption.get(key).copied()
    }

    /// The node (leaf) holding signature key `key`, if any.
    pub(crate) fn signature_key_node(&self, key: &[u8]) -> Option<u32> {
        self.signature.get(key).copied()
    }

    /// Fails if `node`'s keys already sit at another node than `at`.
    pub(crate) fn check(&self, at: u32, node: &Node) -> Result<(), TreeError> {
        if self
            .encryption_key_node(&node.encryption_key().0)
            .is_some_and(|n| n != at)
        {
            return Err(TreeError::DuplicateEncryptionKey { node: at });
        }
        if let Node::Leaf(leaf) = node {
            if self
                .signature_key_node(&leaf.signature_key.0)
                .is_some_and(|n| n != at)
            {
                return Err(TreeError::DuplicateSignatureKey { leaf: at / 2 });
            }
        }
        Ok(())
    }

    /// Records `node`'s keys at `at` (after [`check`](Self::check)).
    pub(crate) fn insert(&mut self, at: u32, node: &Node) {
        self.encryption.insert(node.encryption_key().0.clone(), at);
        if let Node::Leaf(leaf) = node {
            self.signature.insert(leaf.signature_key.0.clone(), at);
        }
    }

    /// Forgets `node`'s keys if they are recorded at `at`.
    pub(crate) fn remove(&mut self, at: u32, node: &Node) {
        if self.encryption.get(&node.encryption_key().0) == Some(&at) {
            self.encryption.remove(&node.encryption_key().0);
        }
        if let Node::Leaf(leaf) = node {
            if self.signature.get(&leaf.signature_key.0) == Some(&at) {
                self.signature.remove(&leaf.signature_key.0);
            }
        }
    }
}
