//! A non-blank node of the tree, held decoded, encoded, or both.
//!
//! The encoding (RFC 9420 §12.4.3.3 `Node`: type, then the `LeafNode` or
//! `ParentNode`) is what the tree hash, the `ratchet_tree` extension and
//! the node records are made of; the decoded node is what the protocol
//! reads. A node read from records is kept encoded only and decoded on
//! first use; a node set from a value is kept decoded and gets its
//! encoding from the first hash computation. [`RatchetTree::compact`]
//! drops the decoded form of every node whose encoding is known, so that
//! a long-lived view (a Delivery Service's) holds about the bytes of its
//! state: a decoded `LeafNode` takes 2.5 times its encoding.

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::{decode_exact, Encode};
use once_cell::race::OnceBox;

use super::RatchetTree;
use crate::Node;

/// A non-blank node: at least one of its decoded value and its encoding.
pub(crate) struct Slot {
    /// The decoded node: set from a value, or decoded from `encoding` on
    /// first use (through a shared reference: hence the once-cell).
    node: OnceBox<Node>,
    /// The node's encoding, if known: kept from the record it was read
    /// from or from a hash computation, dropped when the node changes.
    encoding: Option<Box<[u8]>>,
}

impl Slot {
    /// A slot holding `node`, decoded.
    pub(crate) fn new(node: Box<Node>) -> Box<Self> {
        Box::new(Slot {
            node: OnceBox::with_value(node),
            encoding: None,
        })
    }

    /// A slot holding only `encoding`, which must decode (as it just did
    /// for the caller): it is decoded again on first use.
    pub(crate) fn encoded(encoding: &[u8]) -> Box<Self> {
        Box::new(Slot {
            node: OnceBox::new(),
            encoding: Some(encoding.into()),
        })
    }

    /// The node, decoded now if it was not. `None` only if the kept
    /// encoding does not decode, which cannot happen: an encoding is kept
    /// without its decoded node only once it is known to decode to it.
    pub(crate) fn node(&self) -> Option<&Node> {
        if let Some(n) = self.node.get() {
            return Some(n);
        }
        let encoding = self.encoding.as_deref()?;
        self.node
            .get_or_try_init(|| decode_exact::<Node>(encoding).map(Box::new))
            .ok()
    }

    /// The node's encoding (type and body), if known.
    pub(crate) fn encoding(&self) -> Option<&[u8]> {
        self.encoding.as_deref()
    }

    /// The encoding of the node's `LeafNode` or `ParentNode` (without its
    /// type), if known.
    pub(crate) fn body(&self) -> Option<&[u8]> {
        self.encoding.as_deref().and_then(|e| e.get(1..))
    }

    /// Keeps `body`, the encoding of the node's `LeafNode` or
    /// `ParentNode`, unless an encoding is known already.
    pub(crate) fn keep_body(&mut self, leaf: bool, body: &[u8]) {
        if self.encoding.is_none() {
            let mut e = Vec::with_capacity(body.len().saturating_add(1));
            e.push(if leaf { 1 } else { 2 });
            e.extend_from_slice(body);
            self.encoding = Some(e.into_boxed_slice());
        }
    }

    /// Drops the decoded node if the encoding is known and decodes to it
    /// (encoding it first if needed); kept otherwise.
    fn shed(&mut self) {
        let Some(node) = self.node.get() else {
            return;
        };
        if self.encoding.is_none() {
            match node.to_bytes() {
                Ok(e) => self.encoding = Some(e.into_boxed_slice()),
                Err(_) => return,
            }
        }
        let round_trip = self
            .encoding
            .as_deref()
            .and_then(|e| decode_exact::<Node>(e).ok());
        if round_trip.as_ref() == Some(node) {
            self.node = OnceBox::new();
        }
    }

    /// Whether the decoded node is held.
    pub(crate) fn is_decoded(&self) -> bool {
        self.node.get().is_some()
    }
}

impl Clone for Slot {
    fn clone(&self) -> Self {
        Slot {
            node: self.node.clone(),
            encoding: self.encoding.clone(),
        }
    }
}

impl core::fmt::Debug for Slot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match (self.node.get(), &self.encoding) {
            (Some(n), _) => n.fmt(f),
            (None, Some(e)) => f.debug_tuple("Encoded").field(&e.len()).finish(),
            (None, None) => f.write_str("Empty"),
        }
    }
}

impl RatchetTree {
    /// Drops the decoded form of every node whose encoding decodes to it
    /// (encoding the others first), so that the tree holds its nodes as
    /// their encodings, decoded again on use. O(N); a node that would not
    /// encode, or whose encoding would not decode back to it (none does),
    /// stays decoded.
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_treekem::RatchetTree;
    /// use mls_types::tree_math::LeafIndex;
    /// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// let hash = tree.tree_hash(&cs).unwrap();
    /// let leaf = tree.leaf(LeafIndex(1)).unwrap().clone();
    /// tree.compact();
    /// assert_eq!(tree.leaf(LeafIndex(1)), Some(&leaf)); // decoded again
    /// assert_eq!(tree.tree_hash(&cs).unwrap(), hash);
    /// ```
    pub fn compact(&mut self) {
        for slot in self.nodes.iter_mut().flatten() {
            slot.shed();
        }
    }

    /// The number of nodes held decoded (see [`compact`](Self::compact)).
    #[doc(hidden)]
    pub fn decoded_node_count(&self) -> usize {
        self.nodes
            .iter()
            .flatten()
            .filter(|s| s.is_decoded())
            .count()
    }
}
