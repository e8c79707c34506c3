//! `LeafNode`, `LeafNodeSource` and the `LeafNodeTBS` signature (RFC 9420 §7.2).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{labeled, CipherSuiteProvider, HpkePublicKey, SignaturePublicKey};

use crate::tree_math::LeafIndex;
use crate::{Capabilities, Credential, Extension, Lifetime, TreeError};

/// The signature label of a LeafNode (RFC 9420 §7.2).
pub(crate) const LEAF_NODE_TBS_LABEL: &[u8] = b"LeafNodeTBS";

/// `LeafNodeSource` with its `select` body (RFC 9420 §7.2): encodes the
/// `uint8` source followed by the lifetime, nothing, or the parent hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
#[codec(tag = u8)]
pub enum LeafNodeSource {
    /// `key_package(1)`: the leaf of a KeyPackage, with its lifetime.
    #[codec(tag = 1)]
    KeyPackage(Lifetime),
    /// `update(2)`: the leaf of an Update proposal.
    #[codec(tag = 2)]
    Update,
    /// `commit(3)`: the leaf of an UpdatePath, with its parent hash.
    #[codec(tag = 3)]
    Commit(Vec<u8>),
}

impl LeafNodeSource {
    /// Whether the signature binds a group id and leaf index (update, commit).
    pub fn in_group(&self) -> bool {
        !matches!(self, LeafNodeSource::KeyPackage(_))
    }
}

/// `LeafNode` (RFC 9420 §7.2): a member's keys, credential, capabilities and signature.
///
/// ```
/// use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePublicKey};
/// use mls_rustcrypto::RustCrypto;
/// use mls_treekem::{LeafNode, LeafNodeSource};
/// use mls_types::{Capabilities, Credential, Lifetime};
/// use mls_test_support::TestRng; // deterministic; real code passes a secure Rng (OsRng)
/// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let sig = cs.signature_generate(&mut TestRng::new(1)).unwrap();
/// let key = cs.signing_key(&sig.private).unwrap();
/// let mut leaf = LeafNode {
///     encryption_key: HpkePublicKey(vec![1; 32]),
///     signature_key: sig.public.clone(),
///     credential: Credential::Basic(b"alice".to_vec()),
///     capabilities: Capabilities::default(),
///     leaf_node_source: LeafNodeSource::KeyPackage(Lifetime { not_before: 0, not_after: u64::MAX }),
///     extensions: vec![],
///     signature: vec![],
/// };
/// leaf.sign(&cs, &key, None).unwrap();
/// leaf.verify_signature(&cs, None).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct LeafNode {
    /// `HPKEPublicKey encryption_key`
    pub encryption_key: HpkePublicKey,
    /// `SignaturePublicKey signature_key`
    pub signature_key: SignaturePublicKey,
    /// `Credential credential`
    pub credential: Credential,
    /// `Capabilities capabilities`
    pub capabilities: Capabilities,
    /// `leaf_node_source` and its body.
    pub leaf_node_source: LeafNodeSource,
    /// `Extension extensions<V>`
    pub extensions: Vec<Extension>,
    /// `opaque signature<V>`: SignWithLabel(., "LeafNodeTBS", LeafNodeTBS).
    pub signature: Vec<u8>,
}

impl LeafNode {
    /// The encoded `LeafNodeTBS` (RFC 9420 §7.2). `group` (group id, leaf
    /// index) is required for the `update` and `commit` sources and ignored
    /// for `key_package`.
    pub fn tbs_bytes(&self, group: Option<(&[u8], LeafIndex)>) -> Result<Vec<u8>, TreeError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encryption_key.encode(&mut out)?;
        self.signature_key.encode(&mut out)?;
        self.credential.encode(&mut out)?;
        self.capabilities.encode(&mut out)?;
        self.leaf_node_source.encode(&mut out)?;
        self.extensions.encode(&mut out)?;
        if self.leaf_node_source.in_group() {
            let (group_id, leaf) = group.ok_or(TreeError::WrongLeafNodeSource)?;
            group_id.encode(&mut out)?;
            leaf.0.encode(&mut out)?;
        }
        Ok(out)
    }

    /// Sets `signature` to SignWithLabel(key, "LeafNodeTBS", LeafNodeTBS).
    pub fn sign<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        key: &S::SigningKey,
        group: Option<(&[u8], LeafIndex)>,
    ) -> Result<(), TreeError> {
        let tbs = self.tbs_bytes(group)?;
        self.signature = labeled::sign_with_label(cs, key, LEAF_NODE_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Verifies `signature` with `signature_key` (RFC 9420 §7.3).
    pub fn verify_signature<S: CipherSuiteProvider + ?Sized>(
        &self,
        cs: &S,
        group: Option<(&[u8], LeafIndex)>,
    ) -> Result<(), TreeError> {
        let leaf = group.map(|(_, l)| l.0);
        let tbs = self.tbs_bytes(group)?;
        labeled::verify_with_label(
            cs,
            &self.signature_key,
            LEAF_NODE_TBS_LABEL,
            &tbs,
            &self.signature,
        )
        .map_err(|_| TreeError::InvalidLeafSignature { leaf })
    }

    /// The `parent_hash` of a `commit` leaf, else `None`.
    pub fn parent_hash(&self) -> Option<&[u8]> {
        match &self.leaf_node_source {
            LeafNodeSource::Commit(ph) => Some(ph),
            _ => None,
        }
    }
}
