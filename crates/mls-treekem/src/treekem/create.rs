//! Creating an UpdatePath (RFC 9420 §7.4, §7.5, §7.6), in two phases: the
//! tree update, then — once the caller has the provisional GroupContext,
//! which contains the new tree hash — the encryption of the path secrets.

use alloc::vec::Vec;
use mls_crypto::{
    labeled, CipherSuiteProvider, CipherSuiteProviderExt, HpkePublicKey, Rng, Secret,
};

use super::{recipients, sorted, UPDATE_PATH_NODE_LABEL};
use crate::path_secret::{next_path_secret, node_key_pair};
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::{
    EncryptedPathSecrets, LeafNode, LeafNodeSource, Node, ParentNode, RatchetTree, TreeError,
    TreePrivateKeys, UpdatePath, UpdatePathNode,
};

/// An UpdatePath whose keys are in the tree but whose path secrets are not
/// yet encrypted; finish it with [`encrypt`](Self::encrypt).
pub struct PendingUpdatePath {
    sender: LeafIndex,
    leaf_node: LeafNode,
    fdp: Vec<(NodeIndex, NodeIndex)>,
    path_secrets: Vec<Secret>,
    public_keys: Vec<HpkePublicKey>,
    private_keys: TreePrivateKeys,
    commit_secret: Secret,
}

impl core::fmt::Debug for PendingUpdatePath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingUpdatePath")
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// The committer's secrets from an UpdatePath.
pub struct UpdatePathSecrets {
    /// `commit_secret`: `DeriveSecret(path_secret[n], "path")` of the last path secret (RFC 9420 §12.4).
    pub commit_secret: Secret,
    /// The path secret of each filtered direct path node, leaf upwards.
    pub path_secrets: Vec<(NodeIndex, Secret)>,
    /// The committer's private keys: the new leaf key and the path keys.
    pub private_keys: TreePrivateKeys,
}

impl core::fmt::Debug for UpdatePathSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UpdatePathSecrets")
            .field("private_keys", &self.private_keys)
            .finish_non_exhaustive()
    }
}

impl UpdatePathSecrets {
    /// The path secret for a new member at `joiner` (the Welcome's
    /// `path_secret`, RFC 9420 §12.4.3.1): that of the lowest common
    /// ancestor of the committer and the joiner.
    pub fn path_secret_for(&self, joiner: LeafIndex) -> Option<(NodeIndex, &Secret)> {
        let ancestor =
            tree_math::common_ancestor(self.private_keys.own_leaf().node(), joiner.node());
        self.path_secrets
            .iter()
            .find(|(x, _)| *x == ancestor)
            .map(|(x, s)| (*x, s))
    }
}

impl RatchetTree {
    /// Phase 1 of creating an UpdatePath for `sender` (RFC 9420 §7.4, §7.5):
    /// blanks the direct path, draws a leaf secret from `rng`, derives the
    /// leaf key and the path secrets and node keys of the filtered direct
    /// path, sets the parent hashes, and replaces the leaf with `leaf_node`
    /// (the caller's new leaf contents: credential, capabilities,
    /// extensions, signature key) given the new encryption key, the source
    /// `commit` with its parent hash, and signed with `signing_key` over
    /// `group_id` and `sender`.
    ///
    /// Then compute [`tree_hash`](Self::tree_hash), build the provisional
    /// GroupContext with it and call [`PendingUpdatePath::encrypt`].
    /// Work: O(log N) hashes and key derivations; no other node is touched.
    ///
    /// On error the tree may be partly updated (only for failures of the
    /// crypto provider or the random source).
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_test_support::TestRng; // deterministic; real code passes a secure Rng (OsRng)
    /// use mls_treekem::{LeafNode, LeafNodeSource, RatchetTree, TreePrivateKeys};
    /// use mls_types::{tree_math::LeafIndex, Capabilities, Credential, Lifetime};
    /// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut rng = TestRng::new(1);
    /// let member = |id: u8, rng: &mut TestRng| {
    ///     let sig = cs.signature_generate(rng).unwrap();
    ///     let key = cs.signing_key(&sig.private).unwrap();
    ///     let hpke = cs.hpke_generate_key_pair(rng).unwrap();
    ///     let mut leaf = LeafNode {
    ///         encryption_key: hpke.public, signature_key: sig.public,
    ///         credential: Credential::Basic(vec![id]), capabilities: Capabilities::default(),
    ///         leaf_node_source: LeafNodeSource::KeyPackage(Lifetime { not_before: 0, not_after: u64::MAX }),
    ///         extensions: vec![], signature: vec![],
    ///     };
    ///     leaf.sign(&cs, &key, None).unwrap();
    ///     (leaf, hpke.private, key)
    /// };
    /// let (alice, _, alice_key) = member(0, &mut rng);
    /// let (bob, bob_private, _) = member(1, &mut rng);
    /// let mut tree = RatchetTree::new(alice);
    /// let bob_leaf = tree.add_leaf(bob.clone()).unwrap();
    /// let mut bobs_tree = tree.clone();
    /// let mut bob_keys = TreePrivateKeys::new(bob_leaf, bob.encryption_key, bob_private);
    ///
    /// // Alice commits: tree update, then the GroupContext with the new tree hash, then encryption.
    /// let template = tree.leaf(LeafIndex(0)).unwrap().clone();
    /// let pending = tree.prepare_update_path(&cs, LeafIndex(0), template, &alice_key, b"group", &mut rng).unwrap();
    /// let group_context = tree.tree_hash(&cs).unwrap(); // stands in for the encoded GroupContext
    /// let (path, secrets) = pending.encrypt(&cs, &tree, &group_context, &[], &mut rng).unwrap();
    ///
    /// // Bob merges, computes the same GroupContext, and decrypts.
    /// let merged = bobs_tree.merge_update_path(&cs, LeafIndex(0), &path, b"group", &[]).unwrap();
    /// assert_eq!(bobs_tree.tree_hash(&cs).unwrap(), group_context);
    /// let got = merged.decrypt(&cs, &bobs_tree, &path, &mut bob_keys, &group_context).unwrap();
    /// assert_eq!(got.commit_secret, secrets.commit_secret);
    /// ```
    pub fn prepare_update_path<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        sender: LeafIndex,
        mut leaf_node: LeafNode,
        signing_key: &S::SigningKey,
        group_id: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<PendingUpdatePath, TreeError> {
        if self.leaf(sender).is_none() {
            return Err(TreeError::InvalidSender(sender.0));
        }
        let fdp = self.filtered_direct_path(sender);

        let leaf_secret = cs.random_secret(cs.kdf_extract_len(), rng)?;
        let leaf_keys = node_key_pair(cs, &leaf_secret)?;
        let mut private_keys =
            TreePrivateKeys::new(sender, leaf_keys.public.clone(), leaf_keys.private);
        let mut secret = next_path_secret(cs, &leaf_secret)?;
        let mut path_secrets = Vec::with_capacity(fdp.len());
        let mut public_keys = Vec::with_capacity(fdp.len());
        for &(p, _) in &fdp {
            let kp = node_key_pair(cs, &secret)?;
            private_keys.insert(p, kp.public.clone(), kp.private);
            public_keys.push(kp.public);
            let next = next_path_secret(cs, &secret)?;
            path_secrets.push(core::mem::replace(&mut secret, next));
        }
        let commit_secret = secret;

        let (fields, leaf_parent_hash) = self.path_parent_hashes(cs, &fdp, &public_keys)?;
        leaf_node.encryption_key = leaf_keys.public;
        leaf_node.leaf_node_source = LeafNodeSource::Commit(leaf_parent_hash);
        leaf_node.sign(cs, signing_key, Some((group_id, sender)))?;

        // Blank the direct path; the filtered one is overwritten below.
        self.blank_direct_path_except(sender, &fdp);
        for ((&(p, _), key), parent_hash) in fdp.iter().zip(&public_keys).zip(fields) {
            let node = ParentNode {
                encryption_key: key.clone(),
                parent_hash,
                unmerged_leaves: Vec::new(),
            };
            self.set_node(p, Some(Node::Parent(node)))?;
        }
        self.set_node(sender.node(), Some(Node::Leaf(leaf_node.clone())))?;

        Ok(PendingUpdatePath {
            sender,
            leaf_node,
            fdp,
            path_secrets,
            public_keys,
            private_keys,
            commit_secret,
        })
    }
}

impl PendingUpdatePath {
    /// The committer's new leaf node.
    pub fn leaf_node(&self) -> &LeafNode {
        &self.leaf_node
    }

    /// Phase 2: encrypts each path secret with `EncryptWithLabel(pk,
    /// "UpdatePathNode", group_context, path_secret)` to every node of the
    /// copath child's resolution except the leaves of `new_members` (those
    /// added by the same Commit) (RFC 9420 §7.5, §7.6). `group_context` is
    /// the encoded provisional GroupContext, whose tree hash is that of
    /// `tree` after phase 1.
    pub fn encrypt<S: CipherSuiteProvider + ?Sized>(
        self,
        cs: &S,
        tree: &RatchetTree,
        group_context: &[u8],
        new_members: &[LeafIndex],
        rng: &mut dyn Rng,
    ) -> Result<(UpdatePath, UpdatePathSecrets), TreeError> {
        let new_members = sorted(new_members);
        // Every (recipient key, path secret), level by level: one batch of
        // seals, which the provider may run in parallel with the same result.
        let mut counts = Vec::with_capacity(self.fdp.len());
        let mut seals: Vec<(&HpkePublicKey, &[u8])> = Vec::new();
        for (&(_, s), secret) in self.fdp.iter().zip(&self.path_secrets) {
            let targets = recipients(tree, s, &new_members);
            counts.push(targets.len());
            seals.reserve(targets.len());
            for t in targets {
                let pk = tree
                    .node(t)
                    .ok_or(TreeError::InvalidSender(self.sender.0))?
                    .encryption_key();
                seals.push((pk, secret.as_bytes()));
            }
        }
        let mut ciphertexts = labeled::encrypt_with_label_batch(
            cs,
            UPDATE_PATH_NODE_LABEL,
            group_context,
            &seals,
            rng,
        )?
        .into_iter();
        let mut nodes = Vec::with_capacity(counts.len());
        for (count, key) in counts.into_iter().zip(self.public_keys) {
            let mut encrypted_path_secret = EncryptedPathSecrets::new();
            for ct in ciphertexts.by_ref().take(count) {
                encrypted_path_secret.push(&ct)?;
            }
            nodes.push(UpdatePathNode {
                encryption_key: key,
                encrypted_path_secret,
            });
        }
        let path = UpdatePath {
            leaf_node: self.leaf_node,
            nodes,
        };
        let secrets = UpdatePathSecrets {
            commit_secret: self.commit_secret,
            path_secrets: self
                .fdp
                .iter()
                .map(|f| f.0)
                .zip(self.path_secrets)
                .collect(),
            private_keys: self.private_keys,
        };
        Ok((path, secrets))
    }
}
