//! `UpdatePathNode` and `UpdatePath` (RFC 9420 §7.6).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{HpkeCiphertext, HpkePublicKey};

use crate::LeafNode;

/// `UpdatePathNode` (RFC 9420 §7.6): a new node key and the path secret encrypted to each copath resolution node.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct UpdatePathNode {
    /// `HPKEPublicKey encryption_key`
    pub encryption_key: HpkePublicKey,
    /// `HPKECiphertext encrypted_path_secret<V>`
    pub encrypted_path_secret: Vec<HpkeCiphertext>,
}

/// `UpdatePath` (RFC 9420 §7.6): the committer's new leaf and one node per filtered direct path node.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_treekem::UpdatePath;
/// let path = UpdatePath { leaf_node: mls_treekem::__doc_leaf(1), nodes: vec![] };
/// assert_eq!(decode_exact::<UpdatePath>(&path.to_bytes().unwrap()).unwrap(), path);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct UpdatePath {
    /// `LeafNode leaf_node` (source `commit`).
    pub leaf_node: LeafNode,
    /// `UpdatePathNode nodes<V>`, leaf upwards.
    pub nodes: Vec<UpdatePathNode>,
}
