//! `Node` (RFC 9420 §7.8, §12.4.3.3): a leaf or a parent.

use mls_codec::{Decode, Encode};
use mls_crypto::HpkePublicKey;

use crate::{LeafNode, ParentNode};

/// `struct { NodeType node_type; select { leaf: LeafNode; parent: ParentNode } } Node`
/// (RFC 9420 §12.4.3.3), `NodeType` being `leaf(1)`, `parent(2)`.
///
/// ```
/// use mls_codec::Encode;
/// use mls_crypto::HpkePublicKey;
/// use mls_treekem::{Node, ParentNode};
/// let n = Node::Parent(ParentNode::new(HpkePublicKey(vec![1])));
/// assert_eq!(n.to_bytes().unwrap(), [2, 1, 1, 0, 0]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
#[codec(tag = u8)]
#[allow(clippy::large_enum_variant)]
pub enum Node {
    /// `leaf(1)`
    #[codec(tag = 1)]
    Leaf(LeafNode),
    /// `parent(2)`
    #[codec(tag = 2)]
    Parent(ParentNode),
}

impl Node {
    /// The node's HPKE public key.
    pub fn encryption_key(&self) -> &HpkePublicKey {
        match self {
            Node::Leaf(l) => &l.encryption_key,
            Node::Parent(p) => &p.encryption_key,
        }
    }

    /// The leaf node, if this is a leaf.
    pub fn as_leaf(&self) -> Option<&LeafNode> {
        match self {
            Node::Leaf(l) => Some(l),
            Node::Parent(_) => None,
        }
    }

    /// The parent node, if this is a parent.
    pub fn as_parent(&self) -> Option<&ParentNode> {
        match self {
            Node::Parent(p) => Some(p),
            Node::Leaf(_) => None,
        }
    }

    /// The `parent_hash` field: the parent node's, or a commit leaf's.
    pub fn parent_hash(&self) -> Option<&[u8]> {
        match self {
            Node::Leaf(l) => l.parent_hash(),
            Node::Parent(p) => Some(&p.parent_hash),
        }
    }
}
