//! The tree persisted as one record per non-blank node, so that saving it
//! after a commit rewrites the O(log N) records the commit changed (see
//! [`RatchetTree::changed_nodes`]) instead of the whole tree.
//!
//! A record is the node's RFC 9420 §12.4.3.3 encoding behind a version
//! byte. The tree hashes are not stored: they cost a hash per node to
//! store and as much to check, and the owner of the records checks the
//! restored tree's hash against its GroupContext anyway, which catches a
//! record that is missing, stale or damaged.

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Reader};

use super::dirty::ChangedNodes;
use super::slot::Slot;
use super::RatchetTree;
use crate::tree_math::{self, NodeIndex};
use crate::{Node, TreeError};

/// The format version of a node record, its first byte: `uint8 version;
/// Node node;`.
pub const NODE_RECORD_VERSION: u8 = 1;

fn invalid(node: NodeIndex, reason: &'static str) -> TreeError {
    TreeError::InvalidNodeRecord {
        node: node.0,
        reason,
    }
}

fn decode_record(x: NodeIndex, bytes: &[u8]) -> Result<Node, TreeError> {
    let mut r = Reader::new(bytes);
    let version = r.read_u8().map_err(|_| invalid(x, "empty record"))?;
    if version != NODE_RECORD_VERSION {
        return Err(TreeError::UnknownNodeRecordVersion { node: x.0, version });
    }
    let node = Node::decode(&mut r).map_err(|_| invalid(x, "malformed node"))?;
    if !r.is_empty() {
        return Err(invalid(x, "trailing bytes"));
    }
    Ok(node)
}

impl RatchetTree {
    /// The persisted record of node `x`: `uint8 version`
    /// ([`NODE_RECORD_VERSION`]) then the `Node` (RFC 9420 §12.4.3.3);
    /// `None` if `x` is blank or outside the tree (no record).
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_treekem::RatchetTree;
    /// use mls_types::tree_math::NodeIndex;
    /// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// let records: Vec<_> = tree
    ///     .changed_nodes()
    ///     .into_iter()
    ///     .filter_map(|x| Some((x, tree.node_record(x).unwrap()?)))
    ///     .collect();
    /// assert_eq!(records.len(), 2); // two leaves, a blank root
    /// let mut back = RatchetTree::from_node_records(
    ///     tree.n_leaves(),
    ///     records.iter().map(|(x, r)| (*x, r.as_slice())),
    /// )
    /// .unwrap();
    /// assert_eq!(back.tree_hash(&cs).unwrap(), tree.tree_hash(&cs).unwrap());
    /// assert!(back.changed_nodes().is_empty());
    /// ```
    pub fn node_record(&self, x: NodeIndex) -> Result<Option<Vec<u8>>, TreeError> {
        let Some(slot) = self.nodes.get(x.0 as usize).and_then(|n| n.as_deref()) else {
            return Ok(None);
        };
        if let Some(encoding) = slot.encoding() {
            // The encoding kept from a record or a tree-hash computation.
            let mut out = Vec::with_capacity(encoding.len().saturating_add(1));
            out.push(NODE_RECORD_VERSION);
            out.extend_from_slice(encoding);
            return Ok(Some(out));
        }
        let Some(node) = slot.node() else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(node.encoded_len().saturating_add(1));
        out.push(NODE_RECORD_VERSION);
        node.encode(&mut out)?;
        Ok(Some(out))
    }

    /// Rebuilds a tree of `n_leaves` leaves from the records of its
    /// non-blank nodes (see [`node_record`](Self::node_record)), in any
    /// order. Checks what [`from_nodes`](Self::from_nodes) checks (node
    /// types at their positions, unique keys, size at most
    /// [`MAX_TREE_LEAVES`](crate::limits::MAX_TREE_LEAVES)), that each
    /// record decodes, that no node has two records, and that the root's
    /// right subtree holds a record (the tree is as small as its nodes
    /// allow, as [`from_extension_bytes`](Self::from_extension_bytes) makes
    /// it). Nothing counts as changed afterwards. Check the tree hash
    /// against a trusted one to catch a missing or stale record.
    pub fn from_node_records<'a>(
        n_leaves: u32,
        records: impl IntoIterator<Item = (NodeIndex, &'a [u8])>,
    ) -> Result<Self, TreeError> {
        if !n_leaves.is_power_of_two() {
            return Err(TreeError::NodeRecordsDoNotFit { n_leaves });
        }
        if n_leaves > crate::limits::MAX_TREE_LEAVES {
            return Err(TreeError::TreeTooLarge);
        }
        let width = tree_math::node_width(n_leaves).ok_or(TreeError::TreeTooLarge)? as usize;
        // Marks nothing while filling (cleared at the end).
        let mut tree = RatchetTree::all_blank(width);
        let mut last: Option<u32> = None;
        for (x, bytes) in records {
            if x.0 as usize >= width {
                return Err(TreeError::NodeIndexOutOfRange(x.0));
            }
            if tree.nodes.get(x.0 as usize).is_some_and(Option::is_some) {
                return Err(invalid(x, "duplicate record"));
            }
            let node = decode_record(x, bytes)?;
            if matches!(node, Node::Leaf(_)) != x.is_leaf() {
                return Err(TreeError::NodeTypeMismatch { node: x.0 });
            }
            tree.set_node(x, Some(node))?;
            // Kept encoded only (it decoded from these very bytes): decoded
            // again on first use.
            if let (Some(place), Some(encoding)) =
                (tree.nodes.get_mut(x.0 as usize), bytes.get(1..))
            {
                *place = Some(Slot::encoded(encoding));
            }
            last = last.max(Some(x.0));
        }
        match last {
            None => return Err(TreeError::EmptyTree),
            Some(l) if l < tree.root().0 => {
                return Err(TreeError::NodeRecordsDoNotFit { n_leaves })
            }
            Some(_) => {}
        }
        tree.changed = ChangedNodes::default();
        Ok(tree)
    }
}
