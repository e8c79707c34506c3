//! Indexes of the HPKE and signature public keys in a tree, so that the
//! uniqueness checks of RFC 9420 §7.3 and §12.4.2 cost O(log N).

use alloc::boxed::Box;
use alloc::collections::BTreeSet;

use crate::{Node, TreeError};

/// The first eight bytes of a key, zero-padded, as an integer: the index
/// is ordered by it and the node index, so that it holds no copy of the
/// keys and compares integers; candidates sharing a prefix are told apart
/// by the keys in the tree itself.
fn prefix(key: &[u8]) -> u64 {
    let mut p = [0u8; 8];
    let n = key.len().min(8);
    if let (Some(dst), Some(src)) = (p.get_mut(..n), key.get(..n)) {
        dst.copy_from_slice(src);
    }
    u64::from_be_bytes(p)
}

/// Where each public key of the tree sits: (key prefix, node index) pairs.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    /// HPKE public keys, of leaves and parents.
    encryption: BTreeSet<(u64, u32)>,
    /// Signature public keys, of leaves (node indices).
    signature: BTreeSet<(u64, u32)>,
}

/// The first node of `set` whose key (per `key_of`) is `key`.
fn find(
    set: &BTreeSet<(u64, u32)>,
    key: &[u8],
    nodes: &[Option<Box<Node>>],
    key_of: impl Fn(&Node) -> Option<&[u8]>,
) -> Option<u32> {
    let p = prefix(key);
    set.range((p, 0)..=(p, u32::MAX))
        .map(|(_, at)| *at)
        .find(|at| {
            nodes
                .get(*at as usize)
                .and_then(|n| n.as_deref())
                .and_then(&key_of)
                .is_some_and(|k| k == key)
        })
}

fn encryption_key_of(node: &Node) -> Option<&[u8]> {
    Some(&node.encryption_key().0)
}

fn signature_key_of(node: &Node) -> Option<&[u8]> {
    node.as_leaf().map(|l| l.signature_key.0.as_slice())
}

impl KeyIndex {
    /// The node of `nodes` (the tree's) holding HPKE key `key`, if any.
    pub(crate) fn encryption_key_node(
        &self,
        key: &[u8],
        nodes: &[Option<Box<Node>>],
    ) -> Option<u32> {
        find(&self.encryption, key, nodes, encryption_key_of)
    }

    /// The node (leaf) of `nodes` holding signature key `key`, if any.
    pub(crate) fn signature_key_node(
        &self,
        key: &[u8],
        nodes: &[Option<Box<Node>>],
    ) -> Option<u32> {
        find(&self.signature, key, nodes, signature_key_of)
    }

    /// Fails if `node`'s keys already sit at another node than `at`.
    pub(crate) fn check(
        &self,
        at: u32,
        node: &Node,
        nodes: &[Option<Box<Node>>],
    ) -> Result<(), TreeError> {
        let elsewhere =
            |set: &BTreeSet<(u64, u32)>, key: &[u8], key_of: fn(&Node) -> Option<&[u8]>| {
                let p = prefix(key);
                set.range((p, 0)..=(p, u32::MAX)).any(|(_, n)| {
                    *n != at
                        && nodes
                            .get(*n as usize)
                            .and_then(|x| x.as_deref())
                            .and_then(key_of)
                            .is_some_and(|k| k == key)
                })
            };
        if elsewhere(
            &self.encryption,
            &node.encryption_key().0,
            encryption_key_of,
        ) {
            return Err(TreeError::DuplicateEncryptionKey { node: Some(at) });
        }
        if let Node::Leaf(leaf) = node {
            if elsewhere(&self.signature, &leaf.signature_key.0, signature_key_of) {
                return Err(TreeError::DuplicateSignatureKey { leaf: Some(at / 2) });
            }
        }
        Ok(())
    }

    /// Records `node`'s keys at `at`.
    pub(crate) fn insert(&mut self, at: u32, node: &Node) {
        self.encryption
            .insert((prefix(&node.encryption_key().0), at));
        if let Node::Leaf(leaf) = node {
            self.signature.insert((prefix(&leaf.signature_key.0), at));
        }
    }

    /// Forgets `node`'s keys, recorded at `at`.
    pub(crate) fn remove(&mut self, at: u32, node: &Node) {
        self.encryption
            .remove(&(prefix(&node.encryption_key().0), at));
        if let Node::Leaf(leaf) = node {
            self.signature.remove(&(prefix(&leaf.signature_key.0), at));
        }
    }
}
