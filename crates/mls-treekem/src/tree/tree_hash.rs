//! Tree hashes (RFC 9420 §7.8): `TreeHashInput` and the cached computation.

use alloc::vec::Vec;
use core::ops::Range;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt};

use super::slot::Slot;
use super::RatchetTree;
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::{LeafNode, Node, ParentNode, TreeError};

/// Appends `optional<T>`, returning where the value's encoding lies in `out`.
fn optional<T: Encode>(
    out: &mut Vec<u8>,
    node: Option<&T>,
) -> Result<Option<Range<usize>>, TreeError> {
    let Some(node) = node else {
        out.push(0);
        return Ok(None);
    };
    out.push(1);
    let start = out.len();
    node.encode(out)?;
    Ok(Some(start..out.len()))
}

/// Appends `TreeHashInput` for a leaf: `leaf(1)`, `uint32 leaf_index`,
/// `optional<LeafNode>`; returns where the LeafNode's encoding lies.
fn leaf_input(
    out: &mut Vec<u8>,
    leaf: LeafIndex,
    node: Option<&LeafNode>,
) -> Result<Option<Range<usize>>, TreeError> {
    out.push(1);
    leaf.0.encode(out)?;
    optional(out, node)
}

/// Appends `TreeHashInput` for a parent: `parent(2)`,
/// `optional<ParentNode>`, `left_hash<V>`, `right_hash<V>`; returns where
/// the ParentNode's encoding lies.
fn parent_input(
    out: &mut Vec<u8>,
    node: Option<&ParentNode>,
    left: &[u8],
    right: &[u8],
) -> Result<Option<Range<usize>>, TreeError> {
    out.push(2);
    let range = optional(out, node)?;
    left.encode(out)?;
    right.encode(out)?;
    Ok(range)
}

/// [`leaf_input`] for a present leaf given as its encoding `body`.
fn leaf_input_encoded(
    out: &mut Vec<u8>,
    leaf: LeafIndex,
    body: &[u8],
) -> Result<Option<Range<usize>>, TreeError> {
    out.push(1);
    leaf.0.encode(out)?;
    out.push(1);
    out.extend_from_slice(body);
    Ok(None)
}

/// [`parent_input`] for a present parent given as its encoding `body`.
fn parent_input_encoded(
    out: &mut Vec<u8>,
    body: &[u8],
    left: &[u8],
    right: &[u8],
) -> Result<Option<Range<usize>>, TreeError> {
    out.extend_from_slice(&[2, 1]);
    out.extend_from_slice(body);
    left.encode(out)?;
    right.encode(out)?;
    Ok(None)
}

impl RatchetTree {
    /// Recomputes the cached tree hash of every changed node (and of
    /// everything if `cs` has another hash length than the cache).
    pub fn update_tree_hashes<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
    ) -> Result<(), TreeError> {
        if self.hashes.hash_len != cs.hash_len() {
            self.hashes.reset(cs.hash_len());
        }
        let mut buf = Vec::new();
        self.rehash(cs, self.root(), &mut buf)
    }

    pub(crate) fn rehash<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        x: NodeIndex,
        buf: &mut Vec<u8>,
    ) -> Result<(), TreeError> {
        if self.hashes.get(x).is_some() {
            return Ok(());
        }
        buf.clear();
        // From the node's kept encoding if any, else from its value (whose
        // encoding is kept).
        let encoding = match (tree_math::left(x), tree_math::right(x)) {
            (Some(l), Some(r)) => {
                self.rehash(cs, l, buf)?;
                self.rehash(cs, r, buf)?;
                buf.clear();
                let (lh, rh) = (self.hashes.get(l), self.hashes.get(r));
                let (Some(lh), Some(rh)) = (lh, rh) else {
                    return Err(TreeError::InvalidHashLength);
                };
                let slot = self.nodes.get(x.0 as usize).and_then(|n| n.as_deref());
                match slot.and_then(Slot::body) {
                    Some(body) => parent_input_encoded(buf, body, lh, rh)?,
                    None => {
                        let node = slot.and_then(Slot::node).and_then(Node::as_parent);
                        parent_input(buf, node, lh, rh)?
                    }
                }
            }
            _ => {
                let leaf = x.leaf().ok_or(TreeError::NodeTypeMismatch { node: x.0 })?;
                let slot = self.nodes.get(x.0 as usize).and_then(|n| n.as_deref());
                match slot.and_then(Slot::body) {
                    Some(body) => leaf_input_encoded(buf, leaf, body)?,
                    None => {
                        let node = slot.and_then(Slot::node).and_then(Node::as_leaf);
                        leaf_input(buf, leaf, node)?
                    }
                }
            }
        };
        if let (Some(bytes), Some(Some(slot))) = (
            encoding.and_then(|r| buf.get(r)),
            self.nodes.get_mut(x.0 as usize),
        ) {
            slot.keep_body(x.is_leaf(), bytes);
        }
        let h = cs.hash(buf);
        if self.hashes.set(x, &h) {
            Ok(())
        } else {
            Err(TreeError::InvalidHashLength)
        }
    }

    /// The tree hash of the root (RFC 9420 §7.8), recomputing changed nodes.
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_treekem::RatchetTree;
    /// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// let before = tree.tree_hash(&cs).unwrap();
    /// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// assert_ne!(tree.tree_hash(&cs).unwrap(), before);
    /// ```
    pub fn tree_hash<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
    ) -> Result<Vec<u8>, TreeError> {
        self.node_tree_hash(cs, self.root())
    }

    /// The tree hash of the subtree under `x`.
    pub fn node_tree_hash<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        x: NodeIndex,
    ) -> Result<Vec<u8>, TreeError> {
        self.update_tree_hashes(cs)?;
        self.hashes
            .get(x)
            .map(<[u8]>::to_vec)
            .ok_or(TreeError::NodeIndexOutOfRange(x.0))
    }

    /// The cached hash of `x` (after [`update_tree_hashes`](Self::update_tree_hashes)).
    pub(crate) fn cached_hash(&self, x: NodeIndex) -> Result<&[u8], TreeError> {
        self.hashes
            .get(x)
            .ok_or(TreeError::NodeIndexOutOfRange(x.0))
    }

    /// The tree hash of `x` in the tree where each leaf of `excluded`
    /// (sorted) is blanked and removed from every `unmerged_leaves` list
    /// (the "original sibling tree hash" of RFC 9420 §7.9). Subtrees without
    /// an excluded leaf use the cache, which must be up to date.
    pub(crate) fn tree_hash_excluding<S: CipherSuiteProvider + ?Sized>(
        &self,
        cs: &S,
        x: NodeIndex,
        excluded: &[LeafIndex],
    ) -> Result<Vec<u8>, TreeError> {
        let (lo, hi) = Self::leaf_range(x);
        let start = excluded.partition_point(|l| l.0 < lo);
        let end = excluded.partition_point(|l| l.0 < hi);
        let inside = excluded.get(start..end).unwrap_or(&[]);
        if inside.is_empty() {
            return self.cached_hash(x).map(<[u8]>::to_vec);
        }
        let mut buf = Vec::new();
        match (tree_math::left(x), tree_math::right(x)) {
            (Some(l), Some(r)) => {
                let lh = self.tree_hash_excluding(cs, l, inside)?;
                let rh = self.tree_hash_excluding(cs, r, inside)?;
                let node = self.parent_node(x).map(|p| ParentNode {
                    encryption_key: p.encryption_key.clone(),
                    parent_hash: p.parent_hash.clone(),
                    unmerged_leaves: p
                        .unmerged_leaves
                        .iter()
                        .copied()
                        .filter(|u| inside.binary_search(u).is_err())
                        .collect(),
                });
                parent_input(&mut buf, node.as_ref(), &lh, &rh)?;
            }
            _ => {
                let leaf = x.leaf().ok_or(TreeError::NodeTypeMismatch { node: x.0 })?;
                leaf_input(&mut buf, leaf, None)?;
            }
        }
        Ok(cs.hash(&buf))
    }
}

impl RatchetTree {
    /// The encoding of `nodes` (this tree's first nodes) as `optional<Node>
    /// ratchet_tree<V>` (RFC 9420 §12.4.3.3), reusing the node encodings
    /// kept by the last tree-hash computation.
    pub(crate) fn encode_nodes(&self, count: usize) -> Result<Vec<u8>, TreeError> {
        let nodes = self.nodes.get(..count).unwrap_or(&[]);
        // optional<Node>: presence, then the node type and the LeafNode or
        // ParentNode.
        let entry_len = |slot: &Option<alloc::boxed::Box<Slot>>| match slot.as_deref() {
            None => 1usize,
            Some(s) => match (s.encoding(), s.node()) {
                (Some(e), _) => e.len().saturating_add(1),
                (None, Some(n)) => n.encoded_len().saturating_add(1),
                (None, None) => 1,
            },
        };
        let body = nodes
            .iter()
            .fold(0usize, |sum, n| sum.saturating_add(entry_len(n)));
        let mut out = Vec::with_capacity(mls_codec::varint_len(body).saturating_add(body));
        mls_codec::write_varint(body, &mut out)?;
        for slot in nodes {
            let Some(s) = slot.as_deref() else {
                out.push(0);
                continue;
            };
            match (s.encoding(), s.node()) {
                (Some(e), _) => {
                    out.push(1);
                    out.extend_from_slice(e);
                }
                (None, n) => n.encode(&mut out)?,
            }
        }
        Ok(out)
    }
}
