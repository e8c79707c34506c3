//! Which nodes changed since the last take, so that a tree persisted as
//! one record per non-blank node (see [`RatchetTree::node_record`]) is
//! saved incrementally: a commit rewrites O(log N) records, not the tree.
//!
//! Only kept changes count: while the undo log records (a commit being
//! staged), nothing is marked; [`RatchetTree::commit_changes`] marks what
//! the log holds, a rollback or [`RatchetTree::take_changes`] marks nothing.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::journal::Change;
use super::slot::Slot;
use super::RatchetTree;
use crate::tree_math::NodeIndex;

/// Below this many entries the list is never compacted.
const MIN_COMPACT: usize = 64;

/// The node indices changed since the last take: a list with repeats,
/// sorted and deduplicated when it doubles (so that a tree whose changes
/// are never taken stays within O(nodes) memory) and at take time.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChangedNodes {
    /// Every node counts as changed: a new tree, never taken.
    all: bool,
    /// Changed node indices, possibly repeated, possibly outside the tree
    /// (dropped by a truncation).
    pub(super) list: Vec<u32>,
    /// The length at which `list` is next compacted.
    compact_at: usize,
}

impl ChangedNodes {
    /// Every node changed.
    pub(crate) fn everything() -> Self {
        ChangedNodes {
            all: true,
            ..ChangedNodes::default()
        }
    }

    /// Notes that node `x` changed.
    pub(crate) fn mark(&mut self, x: u32) {
        if self.all {
            return;
        }
        self.list.push(x);
        if self.list.len() >= self.compact_at.max(MIN_COMPACT) {
            self.list.sort_unstable();
            self.list.dedup();
            self.compact_at = self.list.len().saturating_mul(2);
        }
    }

    /// Notes the non-blank nodes of `dropped`, the nodes from `start` on
    /// that a truncation removed.
    pub(crate) fn mark_dropped(&mut self, start: usize, dropped: &[Option<Box<Slot>>]) {
        for (i, node) in dropped.iter().enumerate() {
            if node.is_some() {
                self.mark(start.saturating_add(i) as u32);
            }
        }
    }
}

impl RatchetTree {
    /// Notes every change held by an undo log whose changes are kept.
    pub(crate) fn note_kept(&mut self, journal: &[Change]) {
        for change in journal {
            match change {
                Change::Node(x, _) => self.changed.mark(x.0),
                Change::Extended => {}
                Change::Truncated(dropped) => {
                    let start = dropped.len().saturating_sub(1);
                    self.changed.mark_dropped(start, dropped);
                }
            }
        }
    }

    /// The nodes whose persisted record (see
    /// [`node_record`](Self::node_record)) changed since the last
    /// [`clear_changed_nodes`](Self::clear_changed_nodes), ascending. A
    /// node now blank or outside the tree has lost its record. For a tree
    /// never cleared (new, built from nodes or decoded), every non-blank
    /// node. Work: O(changes · log changes).
    ///
    /// Changes made while recording (see
    /// [`begin_changes`](Self::begin_changes)) count once kept with
    /// [`commit_changes`](Self::commit_changes), never if rolled back or
    /// taken out with [`take_changes`](Self::take_changes).
    ///
    /// ```
    /// use mls_treekem::RatchetTree;
    /// use mls_types::tree_math::{LeafIndex, NodeIndex};
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// assert_eq!(tree.changed_nodes(), [NodeIndex(0), NodeIndex(2)]); // new: everything
    /// tree.clear_changed_nodes();
    /// tree.begin_changes();
    /// tree.add_leaf(mls_test_support::treekem::leaf(3)).unwrap();
    /// tree.rollback_changes();
    /// assert!(tree.changed_nodes().is_empty());
    /// tree.remove_leaf(LeafIndex(1)).unwrap(); // blanks leaf 1, truncates
    /// assert_eq!(tree.changed_nodes(), [NodeIndex(2)]);
    /// assert!(tree.node(NodeIndex(2)).is_none());
    /// ```
    pub fn changed_nodes(&self) -> Vec<NodeIndex> {
        if self.changed.all {
            return (0..self.nodes.len())
                .filter(|i| self.nodes.get(*i).is_some_and(Option::is_some))
                .map(|i| NodeIndex(i as u32))
                .collect();
        }
        let mut list = self.changed.list.clone();
        list.sort_unstable();
        list.dedup();
        list.into_iter().map(NodeIndex).collect()
    }

    /// Forgets the changes: [`changed_nodes`](Self::changed_nodes) is
    /// empty until the next change.
    pub fn clear_changed_nodes(&mut self) {
        self.changed = ChangedNodes::default();
    }

    /// Counts every non-blank node as changed, as for a new tree.
    pub fn mark_all_changed(&mut self) {
        self.changed = ChangedNodes::everything();
    }
}
