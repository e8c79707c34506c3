//! The private keys a member holds for its leaf and its direct path (RFC 9420 §4.2).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Reader};
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret};

use crate::path_secret::{next_path_secret, node_key_pair};
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::{RatchetTree, TreeError};

/// A member's HPKE private keys: its leaf's and those of the nodes of its
/// direct path it knows. Each key is stored with the public key it belongs
/// to, and is only used while the tree still holds that public key, so keys
/// made stale by a Remove or an Update are never used. Zeroized on drop.
///
/// ```
/// use mls_crypto::{HpkePrivateKey, HpkePublicKey};
/// use mls_treekem::TreePrivateKeys;
/// use mls_types::tree_math::LeafIndex;
/// let keys = TreePrivateKeys::new(LeafIndex(3), HpkePublicKey(vec![1]), HpkePrivateKey::from_bytes(vec![2]));
/// assert_eq!(keys.own_leaf(), LeafIndex(3));
/// ```
#[derive(Clone, PartialEq, Eq, Encode)]
pub struct TreePrivateKeys {
    own_leaf: LeafIndex,
    keys: Vec<(NodeIndex, HpkePublicKey, HpkePrivateKey)>,
}

impl core::fmt::Debug for TreePrivateKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TreePrivateKeys")
            .field("own_leaf", &self.own_leaf)
            .field("nodes", &self.keys.iter().map(|k| k.0).collect::<Vec<_>>())
            .finish()
    }
}

impl TreePrivateKeys {
    /// The keys of a member at `own_leaf` knowing only its leaf key pair.
    pub fn new(
        own_leaf: LeafIndex,
        leaf_public: HpkePublicKey,
        leaf_private: HpkePrivateKey,
    ) -> Self {
        TreePrivateKeys {
            own_leaf,
            keys: alloc::vec![(own_leaf.node(), leaf_public, leaf_private)],
        }
    }

    /// The member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// The nodes with a stored key.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.keys.iter().map(|k| k.0)
    }

    /// Every stored key pair, as (node, public key, private key), whether
    /// or not it still matches a tree (for persisting keys of a tree not
    /// yet built, such as a pending commit's).
    pub fn entries(&self) -> impl Iterator<Item = (NodeIndex, &HpkePublicKey, &HpkePrivateKey)> {
        self.keys
            .iter()
            .map(|(x, public, private)| (*x, public, private))
    }

    /// The private key of node `x`, if known and still matching the tree.
    pub fn private_key(&self, tree: &RatchetTree, x: NodeIndex) -> Option<&HpkePrivateKey> {
        let public = tree.node(x)?.encryption_key();
        self.keys
            .iter()
            .find(|k| k.0 == x && &k.1 == public)
            .map(|k| &k.2)
    }

    /// Stores (or replaces) the key pair of node `x`.
    pub fn insert(&mut self, x: NodeIndex, public: HpkePublicKey, private: HpkePrivateKey) {
        self.keys.retain(|k| k.0 != x);
        self.keys.push((x, public, private));
    }

    /// Drops every key whose public key is no longer in the tree at its node.
    pub fn prune(&mut self, tree: &RatchetTree) {
        self.keys
            .retain(|k| tree.node(k.0).is_some_and(|n| n.encryption_key() == &k.1));
    }

    /// Sets the key of node `x` from `path_secret`, then of every non-blank
    /// ancestor from successive path secrets (a Welcome's `path_secret`,
    /// RFC 9420 §12.4.3.1). Each derived public key must match the tree.
    pub fn set_path_secret<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        tree: &RatchetTree,
        x: NodeIndex,
        path_secret: &Secret,
    ) -> Result<(), TreeError> {
        let n = tree.n_leaves();
        let mut secret = path_secret.clone();
        let mut cur = Some(x);
        let mut first = true;
        while let Some(c) = cur {
            if first || tree.node(c).is_some() {
                if !first {
                    secret = next_path_secret(cs, &secret)?;
                }
                first = false;
                let kp = node_key_pair(cs, &secret)?;
                if tree.node(c).map(|n| n.encryption_key()) != Some(&kp.public) {
                    return Err(TreeError::PrivateKeyMismatch { node: c.0 });
                }
                self.insert(c, kp.public, kp.private);
            }
            cur = tree_math::parent(c, n);
        }
        Ok(())
    }

    /// Sets the key of node `x` from `path_secret` only (no ancestors).
    pub fn set_node_secret<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        tree: &RatchetTree,
        x: NodeIndex,
        path_secret: &Secret,
    ) -> Result<(), TreeError> {
        let kp = node_key_pair(cs, path_secret)?;
        if tree.node(x).map(|n| n.encryption_key()) != Some(&kp.public) {
            return Err(TreeError::PrivateKeyMismatch { node: x.0 });
        }
        self.insert(x, kp.public, kp.private);
        Ok(())
    }
}

/// Persisted as the own leaf and the stored key pairs; the own leaf's key
/// must be among them, with no node twice.
impl Decode for TreePrivateKeys {
    fn decode(r: &mut Reader<'_>) -> Result<Self, mls_codec::Error> {
        let own_leaf = LeafIndex::decode(r)?;
        let keys = Vec::<(NodeIndex, HpkePublicKey, HpkePrivateKey)>::decode(r)?;
        let mut nodes: Vec<u32> = keys.iter().map(|k| k.0 .0).collect();
        nodes.sort_unstable();
        let unique = nodes.windows(2).all(|w| w[0] != w[1]);
        if !unique || !keys.iter().any(|k| k.0 == own_leaf.node()) {
            return Err(mls_codec::Error::InvalidValue);
        }
        Ok(TreePrivateKeys { own_leaf, keys })
    }
}
