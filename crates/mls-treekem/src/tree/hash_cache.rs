//! Cached tree hashes with dirty marks (RFC 9420 §7.8).
//!
//! Invariant: if a node is dirty, so are all its ancestors. A change marks
//! the changed node and its ancestors up to the first already-dirty one, and
//! a recomputation descends only into dirty nodes, so each node is rehashed
//! at most once per batch of changes.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::tree_math::{self, NodeIndex};

/// The tree hash of every node, flat (`hash_len` bytes per node), and the
/// encoding of every non-blank node (its `LeafNode` or `ParentNode`), kept
/// from the hash computation, which encodes it anyway, until the node
/// changes: encoding the whole tree for a `ratchet_tree` extension is then
/// mostly copies.
#[derive(Debug, Clone)]
pub(crate) struct HashCache {
    /// The suite's hash length the cache was filled with (0 before the first use).
    pub(crate) hash_len: usize,
    pub(crate) hashes: Vec<u8>,
    pub(crate) dirty: Vec<bool>,
    /// Per node: its encoding, `None` if unknown (or blank). Boxed twice,
    /// so that a node without one costs a thin pointer (8 bytes, not the
    /// 16 of a `Box<[u8]>`): a received tree is mostly blank nodes.
    encodings: Vec<Option<Box<Box<[u8]>>>>,
}

impl HashCache {
    /// A cache for `width` nodes, all dirty.
    pub(crate) fn new(width: usize) -> Self {
        HashCache {
            hash_len: 0,
            hashes: Vec::new(),
            dirty: alloc::vec![true; width],
            encodings: alloc::vec![None; width],
        }
    }

    /// The heap bytes of the hashes, the dirty marks and the encodings.
    pub(crate) fn heap_breakdown(&self, live: &dyn Fn() -> isize) -> [(&'static str, isize); 3] {
        let before = live();
        let copy = self.encodings.clone();
        let encodings = live().saturating_sub(before);
        drop(copy);
        [
            ("tree hashes", self.hashes.capacity() as isize),
            ("dirty marks", self.dirty.capacity() as isize),
            ("encoding cache", encodings),
        ]
    }

    /// The cached encoding of node `x`, if known.
    pub(crate) fn encoding(&self, x: usize) -> Option<&[u8]> {
        self.encodings
            .get(x)
            .and_then(|e| e.as_deref())
            .map(|e| &e[..])
            .filter(|e| !e.is_empty())
    }

    /// Caches the encoding of node `x` unless known already.
    pub(crate) fn keep_encoding(&mut self, x: NodeIndex, bytes: &[u8]) {
        if let Some(e) = self.encodings.get_mut(x.0 as usize) {
            if e.is_none() {
                *e = Some(Box::new(bytes.into()));
            }
        }
    }

    /// Marks `x`, whose content changed, and its ancestors dirty.
    pub(crate) fn mark(&mut self, x: NodeIndex, n_leaves: u32) {
        if let Some(e) = self.encodings.get_mut(x.0 as usize) {
            *e = None;
        }
        let mut cur = Some(x);
        while let Some(c) = cur {
            match self.dirty.get_mut(c.0 as usize) {
                Some(d) if !*d => *d = true,
                // Already dirty (so are its ancestors), or outside the tree.
                _ => return,
            }
            cur = tree_math::parent(c, n_leaves);
        }
    }

    /// Resizes to `width` nodes; new nodes are dirty.
    pub(crate) fn resize(&mut self, width: usize) {
        self.dirty.resize(width, true);
        self.hashes.resize(width.saturating_mul(self.hash_len), 0);
        self.encodings.resize(width, None);
    }

    /// Drops every node from `width` on.
    pub(crate) fn truncate(&mut self, width: usize) {
        self.dirty.truncate(width);
        self.hashes.truncate(width.saturating_mul(self.hash_len));
        self.encodings.truncate(width);
    }

    /// Everything dirty, for a new hash length.
    pub(crate) fn reset(&mut self, hash_len: usize) {
        self.hash_len = hash_len;
        let width = self.dirty.len();
        self.dirty.iter_mut().for_each(|d| *d = true);
        self.hashes = alloc::vec![0; width.saturating_mul(hash_len)];
    }

    /// The cached hash of `x`, if clean.
    pub(crate) fn get(&self, x: NodeIndex) -> Option<&[u8]> {
        let i = x.0 as usize;
        if *self.dirty.get(i)? {
            return None;
        }
        let start = i.checked_mul(self.hash_len)?;
        self.hashes.get(start..start.checked_add(self.hash_len)?)
    }

    /// Stores the hash of `x` and marks it clean; false if `hash` has the
    /// wrong length or `x` is outside the tree.
    pub(crate) fn set(&mut self, x: NodeIndex, hash: &[u8]) -> bool {
        let i = x.0 as usize;
        if hash.len() != self.hash_len {
            return false;
        }
        let Some(start) = i.checked_mul(self.hash_len) else {
            return false;
        };
        let end = start.saturating_add(self.hash_len);
        match (self.hashes.get_mut(start..end), self.dirty.get_mut(i)) {
            (Some(slot), Some(d)) => {
                slot.copy_from_slice(hash);
                *d = false;
                true
            }
            _ => false,
        }
    }
}
