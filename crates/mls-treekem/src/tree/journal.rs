//! An undo log of tree changes, so that a commit that fails half-way (a
//! bad path secret, a wrong confirmation tag) can be undone in O(changes)
//! instead of cloning the tree up front.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::slot::Slot;
use super::RatchetTree;
use crate::tree_math::NodeIndex;

/// One recorded change, with what is needed to undo it.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // the common case is `Node`
pub(crate) enum Change {
    /// The node at this index was replaced; the old value.
    Node(NodeIndex, Option<Box<Slot>>),
    /// The tree doubled.
    Extended,
    /// The tree halved; the nodes dropped (the old root and right half).
    Truncated(Vec<Option<Box<Slot>>>),
}

impl RatchetTree {
    /// Starts recording changes (dropping any earlier record), so that
    /// [`rollback_changes`](Self::rollback_changes) can undo them.
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_treekem::RatchetTree;
    /// use mls_types::tree_math::LeafIndex;
    /// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// let before = tree.tree_hash(&cs).unwrap();
    /// tree.begin_changes();
    /// tree.add_leaf(mls_test_support::treekem::leaf(3)).unwrap();
    /// tree.remove_leaf(LeafIndex(0)).unwrap();
    /// tree.rollback_changes();
    /// assert_eq!(tree.tree_hash(&cs).unwrap(), before);
    /// assert_eq!(tree.n_leaves(), 2);
    /// ```
    pub fn begin_changes(&mut self) {
        // An earlier record dropped: its changes are kept.
        self.commit_changes();
        self.journal = Some(Vec::new());
    }

    /// Keeps the changes made since [`begin_changes`](Self::begin_changes)
    /// and stops recording.
    pub fn commit_changes(&mut self) {
        if let Some(journal) = self.journal.take() {
            self.note_kept(&journal);
        }
    }

    /// Whether changes are being recorded.
    pub fn is_recording(&self) -> bool {
        self.journal.is_some()
    }

    /// Undoes every change made since [`begin_changes`](Self::begin_changes)
    /// (in reverse order) and stops recording. Does nothing if not recording.
    pub fn rollback_changes(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        for change in journal.into_iter().rev() {
            match change {
                Change::Node(x, old) => {
                    // Restores an earlier consistent state: cannot fail.
                    let _ = self.replace_slot(x, old);
                }
                Change::Extended => self.undo_extend(),
                Change::Truncated(dropped) => self.undo_truncate(dropped),
            }
        }
    }

    /// Halves the tree again; its right half is blank by now.
    fn undo_extend(&mut self) {
        let keep = self.root().0 as usize;
        let dropped = self.nodes.split_off(keep);
        for (i, node) in dropped.iter().enumerate() {
            if let Some(slot) = node {
                self.forget(keep.saturating_add(i) as u32, slot);
            }
        }
        self.counts.truncate(keep);
        self.res_len.truncate(keep);
        self.hashes.truncate(keep);
    }

    /// Doubles the tree and puts the dropped nodes back.
    fn undo_truncate(&mut self, dropped: Vec<Option<Box<Slot>>>) {
        let start = self.nodes.len();
        if self.extend().is_err() {
            return;
        }
        // extend() recorded nothing: the journal is taken.
        for (i, node) in dropped.into_iter().enumerate() {
            if node.is_some() {
                let _ = self.replace_slot(NodeIndex((start + i) as u32), node);
            }
        }
    }
}
