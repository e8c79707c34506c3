//! Applying a received UpdatePath (RFC 9420 §7.5, §12.4.2), in two phases:
//! the merge into the tree, then — once the caller has the provisional
//! GroupContext — the decryption of the path secret.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use mls_crypto::{labeled, CipherSuiteProvider, Secret};

use super::{sorted, UPDATE_PATH_NODE_LABEL};
use crate::leaf_validation::check_encryption_key;
use crate::path_secret::{next_path_secret, node_key_pair};
use crate::tree_math::{LeafIndex, NodeIndex};
use crate::{
    LeafNodeSource, Node, ParentNode, RatchetTree, TreeError, TreePrivateKeys, UpdatePath,
};

/// An UpdatePath merged into the tree; decrypt it with [`decrypt`](Self::decrypt).
#[derive(Debug, Clone)]
pub struct MergedUpdatePath {
    sender: LeafIndex,
    fdp: Vec<(NodeIndex, NodeIndex)>,
    new_members: Vec<LeafIndex>,
}

/// What a receiver learns from an UpdatePath.
pub struct ReceivedPathSecret {
    /// `commit_secret`: `DeriveSecret(path_secret[n], "path")` of the last path secret (RFC 9420 §12.4.2).
    pub commit_secret: Secret,
    /// The filtered direct path node whose path secret was decrypted.
    pub node: NodeIndex,
    /// That node's path secret.
    pub path_secret: Secret,
}

impl core::fmt::Debug for ReceivedPathSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReceivedPathSecret")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

impl RatchetTree {
    /// Phase 1 of processing an UpdatePath from `sender` (RFC 9420 §7.5,
    /// §12.4.2): checks, before changing anything, that the leaf has source
    /// `commit`, a valid signature over `group_id` and `sender`, a new
    /// encryption key, and the parent hash of the path; that the path has
    /// one node per filtered direct path node, each with one ciphertext per
    /// copath resolution node except `new_members`; that every HPKE key of
    /// the path, the leaf's included, is valid for the suite
    /// ([`TreeError::InvalidEncryptionKey`]) and not already in the tree.
    /// Then blanks the direct path, sets the
    /// new keys and parent hashes, and replaces the leaf.
    ///
    /// The leaf's other §7.3 checks (capabilities, credential) are the
    /// caller's: [`crate::validate_leaf_node`] with
    /// [`crate::LeafNodeContext::Commit`]. Then compute the tree hash, build
    /// the provisional GroupContext and call [`MergedUpdatePath::decrypt`].
    /// Nothing changes if this fails; to undo a successful merge when a
    /// later step fails, wrap the commit in [`RatchetTree::begin_changes`]
    /// and [`RatchetTree::rollback_changes`].
    pub fn merge_update_path<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        sender: LeafIndex,
        path: &UpdatePath,
        group_id: &[u8],
        new_members: &[LeafIndex],
    ) -> Result<MergedUpdatePath, TreeError> {
        let old = self
            .leaf(sender)
            .ok_or(TreeError::InvalidSender(sender.0))?;
        let leaf = &path.leaf_node;
        let LeafNodeSource::Commit(leaf_parent_hash) = &leaf.leaf_node_source else {
            return Err(TreeError::WrongLeafNodeSource);
        };
        if old.encryption_key == leaf.encryption_key {
            return Err(TreeError::EncryptionKeyUnchanged);
        }
        leaf.verify_signature(cs, Some((group_id, sender)))?;
        check_encryption_key(cs, &leaf.encryption_key, Some(sender.node()))?;
        if self
            .leaf_with_signature_key(&leaf.signature_key.0)
            .is_some_and(|l| l != sender)
        {
            return Err(TreeError::DuplicateSignatureKey {
                leaf: Some(sender.0),
            });
        }

        let fdp = self.filtered_direct_path(sender);
        if fdp.len() != path.nodes.len() {
            return Err(TreeError::UpdatePathLengthMismatch {
                expected: fdp.len(),
                got: path.nodes.len(),
            });
        }
        let new_members = sorted(new_members);
        let mut seen = BTreeSet::new();
        seen.insert(&leaf.encryption_key);
        if self
            .node_with_encryption_key(&leaf.encryption_key)
            .is_some()
        {
            return Err(TreeError::DuplicateEncryptionKey {
                node: Some(sender.node().0),
            });
        }
        for (&(p, s), node) in fdp.iter().zip(&path.nodes) {
            check_encryption_key(cs, &node.encryption_key, Some(p))?;
            if self
                .node_with_encryption_key(&node.encryption_key)
                .is_some()
                || !seen.insert(&node.encryption_key)
            {
                return Err(TreeError::DuplicateEncryptionKey { node: Some(p.0) });
            }
            let expected = self.recipient_count(s, &new_members);
            if expected != node.encrypted_path_secret.len() {
                return Err(TreeError::CiphertextCountMismatch {
                    node: p.0,
                    expected,
                    got: node.encrypted_path_secret.len(),
                });
            }
        }
        let keys: Vec<_> = path
            .nodes
            .iter()
            .map(|n| n.encryption_key.clone())
            .collect();
        let (fields, computed) = self.path_parent_hashes(cs, &fdp, &keys)?;
        if &computed != leaf_parent_hash {
            return Err(TreeError::LeafParentHashMismatch);
        }

        // Blank the direct path; the filtered one is overwritten below.
        self.blank_direct_path_except(sender, &fdp);
        for ((&(p, _), key), parent_hash) in fdp.iter().zip(keys).zip(fields) {
            let node = ParentNode {
                encryption_key: key,
                parent_hash,
                unmerged_leaves: Vec::new(),
            };
            self.set_node(p, Some(Node::Parent(node)))?;
        }
        self.set_node(sender.node(), Some(Node::Leaf(leaf.clone())))?;
        Ok(MergedUpdatePath {
            sender,
            fdp,
            new_members,
        })
    }
}

impl MergedUpdatePath {
    /// Phase 2 (RFC 9420 §7.5): finds the filtered direct path node whose
    /// copath child holds the receiver, decrypts its path secret with a
    /// private key from `keys` and the encoded provisional `group_context`,
    /// derives the path secrets above, checks every derived public key
    /// against the path, and stores the new private keys in `keys`
    /// (dropping the stale ones). Returns the commit secret.
    pub fn decrypt<S: CipherSuiteProvider + ?Sized>(
        &self,
        cs: &S,
        tree: &RatchetTree,
        path: &UpdatePath,
        keys: &mut TreePrivateKeys,
        group_context: &[u8],
    ) -> Result<ReceivedPathSecret, TreeError> {
        let me = keys.own_leaf();
        if me == self.sender {
            return Err(TreeError::OwnUpdatePath);
        }
        let start = self
            .fdp
            .iter()
            .position(|&(_, s)| {
                let (lo, hi) = RatchetTree::leaf_range(s);
                lo <= me.0 && me.0 < hi
            })
            .ok_or(TreeError::NoDecryptionKey)?;
        let (node, copath) = self
            .fdp
            .get(start)
            .copied()
            .ok_or(TreeError::NoDecryptionKey)?;
        let update_node = path.nodes.get(start).ok_or(TreeError::NoDecryptionKey)?;
        // The first recipient we hold a key for: O(log N), without listing
        // the copath resolution.
        let (slot, target) = tree
            .recipient_slot(copath, me, &self.new_members, |t| {
                keys.private_key(tree, t).is_some()
            })
            .ok_or(TreeError::NoDecryptionKey)?;
        let private = keys
            .private_key(tree, target)
            .ok_or(TreeError::NoDecryptionKey)?;
        let ciphertext = update_node
            .encrypted_path_secret
            .get(slot)
            .ok_or(TreeError::NoDecryptionKey)?;
        let public = tree
            .node(target)
            .ok_or(TreeError::NoDecryptionKey)?
            .encryption_key();
        let path_secret = Secret::from(labeled::decrypt_with_label(
            cs,
            private,
            public,
            UPDATE_PATH_NODE_LABEL,
            group_context,
            &ciphertext,
        )?);

        let mut derived = Vec::new();
        let mut secret = path_secret.clone();
        for (&(p, _), sent) in self.fdp.iter().zip(&path.nodes).skip(start) {
            let kp = node_key_pair(cs, &secret)?;
            if kp.public != sent.encryption_key {
                return Err(TreeError::PathKeyMismatch { node: p.0 });
            }
            derived.push((p, kp));
            secret = next_path_secret(cs, &secret)?;
        }
        keys.prune(tree);
        for (p, kp) in derived {
            keys.insert(p, kp.public, kp.private);
        }
        Ok(ReceivedPathSecret {
            commit_secret: secret,
            node,
            path_secret,
        })
    }
}
