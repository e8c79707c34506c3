//! Cached tree hashes with dirty marks (RFC 9420 §7.8).
//!
//! Invariant: if a node is dirty, so are all its ancestors. A change marks
//! the changed node and its ancestors up to the first already-dirty one, and
//! a recomputation descends only into dirty nodes, so each node is rehashed
//! at most once per batch of changes.

use alloc::vec::Vec;

use crate::tree_math::{self, NodeIndex};

/// The tree hash of every node, flat (`hash_len` bytes per node). (The
/// nodes' encodings, which the hash computation makes or reads, are kept
/// with the nodes: see `Slot`.)
#[derive(Debug, Clone)]
pub(crate) struct HashCache {
    /// The suite's hash length the cache was filled with (0 before the first use).
    pub(crate) hash_len: usize,
    pub(crate) hashes: Vec<u8>,
    pub(crate) dirty: Vec<bool>,
}

impl HashCache {
    /// A cache for `width` nodes, all dirty.
    pub(crate) fn new(width: usize) -> Self {
        HashCache {
            hash_len: 0,
            hashes: Vec::new(),
            dirty: alloc::vec![true; width],
        }
    }

    /// The heap bytes of the hashes and the dirty marks.
    pub(crate) fn heap_breakdown(&self) -> [(&'static str, isize); 2] {
        [
            ("tree hashes", self.hashes.capacity() as isize),
            ("dirty marks", self.dirty.capacity() as isize),
        ]
    }

    /// Marks `x`, whose content changed, and its ancestors dirty.
    pub(crate) fn mark(&mut self, x: NodeIndex, n_leaves: u32) {
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
    }

    /// Drops every node from `width` on.
    pub(crate) fn truncate(&mut self, width: usize) {
        self.dirty.truncate(width);
        self.hashes.truncate(width.saturating_mul(self.hash_len));
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
