//! The `ratchet_tree` extension (RFC 9420 §12.4.3.3) and the checks of a
//! tree received when joining (§12.4.3.1).

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::decode_exact;
use mls_crypto::{labeled, CipherSuiteProvider, SignatureItem};

use crate::leaf_node::LEAF_NODE_TBS_LABEL;
use crate::leaf_validation::{check_encryption_key, LeafNodeContext};
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::{
    CapabilityRequirements, CodePointSet, LeafNode, LeafValidationOptions, Node, RatchetTree,
    RequiredCapabilities, TreeError,
};

/// What a joiner knows about the group whose tree it imports (RFC 9420 §12.4.3.1).
#[derive(Debug, Clone, Copy)]
pub struct TreeImportParams<'a> {
    /// The group id (leaf signatures of update/commit leaves bind it).
    pub group_id: &'a [u8],
    /// The `tree_hash` of the GroupInfo's GroupContext.
    pub expected_tree_hash: &'a [u8],
    /// The group's `required_capabilities`, if any.
    pub required_capabilities: Option<&'a RequiredCapabilities>,
    /// Lifetime policy for the leaves.
    pub options: LeafValidationOptions,
}

impl RatchetTree {
    /// Encodes `optional<Node> ratchet_tree<V>` without trailing blank nodes
    /// (RFC 9420 §12.4.3.3).
    ///
    /// ```
    /// use mls_treekem::RatchetTree;
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// tree.add_leaf(mls_test_support::treekem::leaf(2)).unwrap();
    /// let bytes = tree.to_extension_bytes().unwrap();
    /// let back = RatchetTree::from_extension_bytes(&bytes).unwrap();
    /// assert_eq!(back.to_extension_bytes().unwrap(), bytes);
    /// ```
    pub fn to_extension_bytes(&self) -> Result<Vec<u8>, TreeError> {
        let end = self
            .nodes
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1);
        self.encode_nodes(end)
    }

    /// Decodes a `ratchet_tree` (RFC 9420 §12.4.3.3): the last node must be
    /// non-blank, node types must match positions, keys must be unique; the
    /// tree is padded with blanks to a power of two leaves. No other check:
    /// see [`RatchetTree::import`] and its phases. At most
    /// [`MAX_TREE_LEAVES`](crate::limits::MAX_TREE_LEAVES) leaves
    /// ([`TreeError::TreeTooLarge`]).
    pub fn from_extension_bytes(bytes: &[u8]) -> Result<Self, TreeError> {
        Self::from_extension_bytes_with_max_leaves(bytes, crate::limits::MAX_TREE_LEAVES)
    }

    /// [`from_extension_bytes`](Self::from_extension_bytes) with another
    /// bound on the number of leaves.
    pub fn from_extension_bytes_with_max_leaves(
        bytes: &[u8],
        max_leaves: u32,
    ) -> Result<Self, TreeError> {
        // Boxed: a blank node is one byte on the wire and should not cost a
        // whole `Node` in memory.
        let nodes: Vec<Option<Box<Node>>> = decode_exact(bytes)?;
        match nodes.last() {
            None => Err(TreeError::EmptyTree),
            Some(None) => Err(TreeError::TrailingBlankNode),
            Some(Some(_)) if nodes.len().div_ceil(2) > max_leaves as usize => {
                Err(TreeError::TreeTooLarge)
            }
            Some(Some(_)) => RatchetTree::from_boxed_nodes(nodes),
        }
    }

    /// Decodes and fully validates a tree received when joining (RFC 9420
    /// §12.4.3.1): tree hash, parent hashes, every leaf (§7.3, signature
    /// with its leaf index and the group id), unique HPKE and signature
    /// keys, every HPKE key (leaf or parent) valid for the suite
    /// ([`TreeError::InvalidEncryptionKey`], O(1) per key), sorted and
    /// consistent unmerged leaves.
    ///
    /// The composition of the two phases a caller can also run apart, with
    /// its own cheap checks in between: [`import_structure`](Self::import_structure)
    /// then [`validate_members`](Self::validate_members).
    pub fn import<S: CipherSuiteProvider + ?Sized>(
        cs: &S,
        bytes: &[u8],
        params: &TreeImportParams<'_>,
    ) -> Result<Self, TreeError> {
        let mut tree = RatchetTree::import_structure(cs, bytes, params.expected_tree_hash)?;
        tree.validate_members(cs, params)?;
        Ok(tree)
    }

    /// Phase 1 of [`import`](Self::import): decodes the tree and checks
    /// its structure ([`from_extension_bytes`](Self::from_extension_bytes):
    /// node types and positions, size, unique keys), its unmerged leaves
    /// and its tree hash against `expected_tree_hash` (the GroupInfo's).
    /// O(N) decoding and hashing, no signature verified: a joiner can then
    /// verify the GroupInfo's signature with the signer's key from this
    /// tree and find its own leaf in it before phase 2,
    /// [`validate_members`](Self::validate_members), verifies a signature
    /// per member. The tree is not to be used before phase 2 succeeds.
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_treekem::{RatchetTree, TreeError};
    /// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
    /// let (bytes, hash) = (tree.to_extension_bytes().unwrap(), tree.tree_hash(&cs).unwrap());
    /// // Structure and hash hold (the placeholder leaf's signature is not looked at)...
    /// let received = RatchetTree::import_structure(&cs, &bytes, &hash).unwrap();
    /// assert_eq!(received.member_count(), 1);
    /// // ...or not, before any signature is verified.
    /// let err = RatchetTree::import_structure(&cs, &bytes, &[0; 32]).unwrap_err();
    /// assert_eq!(err, TreeError::TreeHashMismatch);
    /// ```
    pub fn import_structure<S: CipherSuiteProvider + ?Sized>(
        cs: &S,
        bytes: &[u8],
        expected_tree_hash: &[u8],
    ) -> Result<Self, TreeError> {
        let mut tree = RatchetTree::from_extension_bytes(bytes)?;
        tree.validate_structure(cs, expected_tree_hash)?;
        Ok(tree)
    }

    /// The checks of [`import`](Self::import) on a tree already built (the
    /// two phases, [`validate_structure`](Self::validate_structure) then
    /// [`validate_members`](Self::validate_members)).
    pub fn validate<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        params: &TreeImportParams<'_>,
    ) -> Result<(), TreeError> {
        self.validate_structure(cs, params.expected_tree_hash)?;
        self.validate_members(cs, params)
    }

    /// Phase 1 on a tree already built (decoded with
    /// [`from_extension_bytes`](Self::from_extension_bytes), or supplied
    /// out of band): the tree hash against `expected_tree_hash`, then the
    /// unmerged leaves. No signature. See [`import_structure`](Self::import_structure).
    pub fn validate_structure<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        expected_tree_hash: &[u8],
    ) -> Result<(), TreeError> {
        if self.tree_hash(cs)? != expected_tree_hash {
            return Err(TreeError::TreeHashMismatch);
        }
        self.check_unmerged_leaves()
    }

    /// Phase 2 of [`import`](Self::import), after
    /// [`validate_structure`](Self::validate_structure): every HPKE key
    /// valid for the suite, every leaf valid per §7.3 (its signature among
    /// them, all verified in one batch) and supporting the credential types
    /// in use, then the parent hashes (§7.9.2). `params.expected_tree_hash`
    /// is not looked at again.
    pub fn validate_members<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        params: &TreeImportParams<'_>,
    ) -> Result<(), TreeError> {
        self.check_encryption_keys(cs)?;
        self.validate_leaves(cs, params)?;
        self.verify_parent_hashes(cs)
    }

    /// Every leaf valid per §7.3 in the `Tree` context, the credential-type
    /// support checked once for the whole tree.
    ///
    /// The leaf signatures are verified first, all in one
    /// [`verify_batch`](CipherSuiteProvider::verify_batch); then each leaf,
    /// in order, gets the rest of [`validate_leaf_node`](crate::validate_leaf_node)
    /// — all of it, signature included, from the first leaf whose signature
    /// the batch rejects — so the error is the one validating leaf by leaf
    /// gives.
    fn validate_leaves<S: CipherSuiteProvider + ?Sized>(
        &self,
        cs: &S,
        params: &TreeImportParams<'_>,
    ) -> Result<(), TreeError> {
        let members: Vec<(LeafIndex, &LeafNode)> = self.members().collect();
        let verified = verified_prefix(cs, &members, params.group_id);
        // Prepared once: each leaf then costs O(C log C) in what it lists,
        // however long the required lists are.
        let required = params
            .required_capabilities
            .map(CapabilityRequirements::new);
        for (pos, &(i, leaf)) in members.iter().enumerate() {
            let context = LeafNodeContext::Tree {
                group_id: params.group_id,
                leaf_index: i,
            };
            let required = required.as_ref();
            if pos < verified {
                crate::validate_leaf_node_contents(leaf, context, required, None, &params.options)?;
            } else {
                crate::validate_leaf_node(cs, leaf, context, required, None, &params.options)?;
            }
        }
        let in_use = CodePointSet::new(self.credential_types_in_use().map(|(t, _)| t));
        for (i, leaf) in self.members() {
            if let Some(t) = in_use.first_missing_from(&leaf.capabilities.credentials) {
                return Err(TreeError::CredentialTypeUnsupported {
                    leaf: Some(i.0),
                    credential_type: t,
                });
            }
        }
        Ok(())
    }

    /// Every node's `encryption_key` is a valid HPKE public key of the
    /// suite (for X25519/X448, not a low-order encoding), in node order.
    fn check_encryption_keys<S: CipherSuiteProvider + ?Sized>(
        &self,
        cs: &S,
    ) -> Result<(), TreeError> {
        for (i, node) in self.nodes().enumerate() {
            if let Some(node) = node {
                let index = NodeIndex(u32::try_from(i).map_err(|_| TreeError::TreeTooLarge)?);
                check_encryption_key(cs, node.encryption_key(), Some(index))?;
            }
        }
        Ok(())
    }

    /// For each parent node, `unmerged_leaves` is strictly increasing and each
    /// entry is a non-blank leaf below it, listed by every non-blank node in
    /// between (RFC 9420 §7.1, §12.4.3.1).
    pub fn check_unmerged_leaves(&self) -> Result<(), TreeError> {
        let n = self.n_leaves();
        for i in (1..self.nodes.len()).step_by(2) {
            let p = NodeIndex(i as u32);
            let Some(parent) = self.parent_node(p) else {
                continue;
            };
            if parent
                .unmerged_leaves
                .windows(2)
                .any(|w| matches!(w, [a, b] if a >= b))
            {
                return Err(TreeError::UnmergedLeavesNotSorted { node: p.0 });
            }
            let (lo, hi) = Self::leaf_range(p);
            for &u in &parent.unmerged_leaves {
                let bad = TreeError::InvalidUnmergedLeaf {
                    node: p.0,
                    leaf: u.0,
                };
                if u.0 < lo || u.0 >= hi || self.leaf(u).is_none() {
                    return Err(bad);
                }
                let mut cur = u.node();
                while let Some(q) = tree_math::parent(cur, n) {
                    if q == p {
                        break;
                    }
                    if let Some(mid) = self.parent_node(q) {
                        if mid.unmerged_leaves.binary_search(&u).is_err() {
                            return Err(bad);
                        }
                    }
                    cur = q;
                }
            }
        }
        Ok(())
    }
}

/// How many of `members`, from the first, have a valid signature over
/// their `LeafNodeTBS` in the `Tree` context (RFC 9420 §7.2, §7.3): all
/// of them, or the position of the first leaf whose signature fails (or
/// whose TBS cannot be encoded). One batch verification.
fn verified_prefix<S: CipherSuiteProvider + ?Sized>(
    cs: &S,
    members: &[(LeafIndex, &LeafNode)],
    group_id: &[u8],
) -> usize {
    let mut tbs = Vec::with_capacity(members.len());
    for &(i, leaf) in members {
        match leaf.tbs_bytes(Some((group_id, i))) {
            Ok(t) => tbs.push(t),
            Err(_) => break,
        }
    }
    let items: Vec<SignatureItem<'_>> = members
        .iter()
        .zip(&tbs)
        .map(|(&(_, leaf), t)| SignatureItem {
            public_key: &leaf.signature_key,
            message: t,
            signature: &leaf.signature,
        })
        .collect();
    match labeled::verify_batch_with_label(cs, LEAF_NODE_TBS_LABEL, &items) {
        Ok(()) => items.len(),
        Err(e) => e.index,
    }
}
