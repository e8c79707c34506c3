//! Fixtures for the examples of `mls-treekem`.

use mls_crypto::{HpkePublicKey, SignaturePublicKey};
use mls_treekem::{LeafNode, LeafNodeSource};
use mls_types::{Capabilities, Credential};

/// An unsigned placeholder leaf: encryption and signature keys of 32 bytes
/// `seed` (not valid keys), the basic credential `[seed]`, default
/// capabilities, source `update`, no extensions and an empty signature.
/// Distinct seeds give distinct keys. Enough for tree structure and tree
/// hashes; any signature or key check refuses it.
///
/// ```
/// use mls_treekem::RatchetTree;
/// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
/// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
/// assert_eq!(tree.n_leaves(), 2);
/// ```
pub fn leaf(seed: u8) -> LeafNode {
    LeafNode {
        encryption_key: HpkePublicKey(vec![seed; 32]),
        signature_key: SignaturePublicKey(vec![seed; 32]),
        credential: Credential::Basic(vec![seed]),
        capabilities: Capabilities::default(),
        leaf_node_source: LeafNodeSource::Update,
        extensions: Vec::new(),
        signature: Vec::new(),
    }
}
