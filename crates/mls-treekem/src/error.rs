//! The error type of `mls-treekem`.

use core::fmt;

use crate::{CredentialType, ExtensionType, ProposalType};

/// Everything that can go wrong with a ratchet tree, a leaf node or an UpdatePath.
///
/// Node and leaf indices are those of the tree in question. A leaf that is
/// not in a tree yet (a KeyPackage's, validated with
/// [`LeafNodeContext::KeyPackage`](crate::LeafNodeContext::KeyPackage)) has
/// no index: its errors carry `None`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeError {
    /// Encoding or decoding failed.
    Codec(mls_codec::Error),
    /// A cryptographic operation failed.
    Crypto(mls_crypto::Error),

    // ---- structure (§4, §12.4.3.3) ----
    /// A `ratchet_tree` with no nodes.
    EmptyTree,
    /// The last node of an encoded `ratchet_tree` is blank (§12.4.3.3).
    TrailingBlankNode,
    /// The tree would have more than 2^30 leaves, or a received tree more
    /// than [`MAX_TREE_LEAVES`](crate::limits::MAX_TREE_LEAVES) (see
    /// [`crate::limits`]).
    TreeTooLarge,
    /// A leaf node at an odd index or a parent node at an even index.
    NodeTypeMismatch {
        /// The node index.
        node: u32,
    },
    /// A leaf index beyond the tree's width.
    LeafIndexOutOfRange(u32),
    /// A node index beyond the tree's width.
    NodeIndexOutOfRange(u32),
    /// The provider's hash output is not `hash_len()` bytes long.
    InvalidHashLength,
    /// The leaf is blank where a member was expected.
    BlankLeaf(u32),
    /// [`crate::TreeChanges`] taken from a tree of another size, or malformed.
    ChangesDoNotApply,

    // ---- persisted node records ([`crate::RatchetTree::node_record`]) ----
    /// A node record of an unknown format version.
    UnknownNodeRecordVersion {
        /// The node index.
        node: u32,
        /// The version found.
        version: u8,
    },
    /// A node record that does not decode, or whose content does not fit
    /// (the reason says which).
    InvalidNodeRecord {
        /// The node index.
        node: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// Node records that do not make a tree of the given number of leaves
    /// (not a power of two, or the root's right subtree is empty).
    NodeRecordsDoNotFit {
        /// The number of leaves given.
        n_leaves: u32,
    },

    // ---- leaf node validation (§7.3) ----
    /// The LeafNode's signature does not verify.
    InvalidLeafSignature {
        /// The leaf index; `None` for a KeyPackage's leaf.
        leaf: Option<u32>,
    },
    /// `leaf_node_source` is not the one the context requires.
    WrongLeafNodeSource,
    /// The leaf's credential type is not in its own capabilities.
    CredentialTypeNotInCapabilities(CredentialType),
    /// A non-default extension of the leaf is not in its capabilities.
    ExtensionNotInCapabilities(ExtensionType),
    /// The leaf lists an extension type twice (RFC 9420 §13.4: a list of
    /// extensions MUST NOT have more than one of any type).
    DuplicateExtension(ExtensionType),
    /// A `required_capabilities` extension type is missing from the capabilities.
    RequiredExtensionUnsupported(ExtensionType),
    /// A `required_capabilities` proposal type is missing from the capabilities.
    RequiredProposalUnsupported(ProposalType),
    /// A `required_capabilities` credential type is missing from the capabilities.
    RequiredCredentialUnsupported(CredentialType),
    /// A member does not support this leaf's credential type, or this leaf
    /// does not support a credential type in use by the members.
    CredentialTypeUnsupported {
        /// The leaf lacking support; `None` for the KeyPackage leaf being
        /// validated.
        leaf: Option<u32>,
        /// The credential type it does not support.
        credential_type: CredentialType,
    },
    /// The current time is outside the leaf's lifetime.
    LifetimeExpired,
    /// The lifetime's range exceeds the application's maximum.
    LifetimeTooLong,
    /// An Update or commit leaf did not change the encryption key.
    EncryptionKeyUnchanged,
    /// An HPKE public key appears twice in the tree.
    DuplicateEncryptionKey {
        /// The node that would hold the second copy; `None` for a
        /// KeyPackage's leaf, which is not in the tree yet.
        node: Option<u32>,
    },
    /// An HPKE public key the suite refuses
    /// ([`hpke_validate_public_key`](mls_crypto::CipherSuiteProvider::hpke_validate_public_key)):
    /// for X25519 and X448 a low-order encoding, to which every encryption
    /// fails, so that every commit that must encrypt to it would fail.
    InvalidEncryptionKey {
        /// The node holding it (a leaf's node, or an UpdatePath's or
        /// imported tree's parent node); `None` for a KeyPackage's leaf.
        node: Option<u32>,
    },
    /// A signature public key appears in two leaves.
    DuplicateSignatureKey {
        /// The leaf that would hold the second copy; `None` for a
        /// KeyPackage's leaf, which is not in the tree yet.
        leaf: Option<u32>,
    },

    // ---- hashes (§7.8, §7.9) ----
    /// The computed tree hash is not the expected one.
    TreeHashMismatch,
    /// A non-blank parent node is not parent-hash valid (§7.9.2).
    ParentHashInvalid {
        /// The parent node.
        node: u32,
    },
    /// The committer's leaf `parent_hash` does not match its path (§7.9.2).
    LeafParentHashMismatch,
    /// An `unmerged_leaves` list is not strictly increasing (§7.1).
    UnmergedLeavesNotSorted {
        /// The parent node.
        node: u32,
    },
    /// An unmerged leaf is blank, outside the node's subtree, or missing from
    /// a non-blank node between it and the parent (§12.4.3.1).
    InvalidUnmergedLeaf {
        /// The parent node.
        node: u32,
        /// The unmerged leaf.
        leaf: u32,
    },

    // ---- UpdatePath (§7.4–7.6) ----
    /// The sender's leaf is not in the tree or blank.
    InvalidSender(u32),
    /// The number of UpdatePathNodes differs from the filtered direct path.
    UpdatePathLengthMismatch {
        /// The length of the filtered direct path.
        expected: usize,
        /// The number of nodes given.
        got: usize,
    },
    /// An UpdatePathNode carries the wrong number of ciphertexts.
    CiphertextCountMismatch {
        /// The filtered direct path node.
        node: u32,
        /// The size of the copath resolution (new members excluded).
        expected: usize,
        /// The number of ciphertexts.
        got: usize,
    },
    /// The receiver holds no private key for the copath resolution.
    NoDecryptionKey,
    /// A public key derived from a path secret differs from the one sent.
    PathKeyMismatch {
        /// The node whose key differs.
        node: u32,
    },
    /// A private key does not match the public key in the tree.
    PrivateKeyMismatch {
        /// The node.
        node: u32,
    },
    /// The receiver is the sender of the UpdatePath.
    OwnUpdatePath,
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TreeError::*;
        match self {
            Codec(e) => write!(f, "codec: {e}"),
            Crypto(e) => write!(f, "crypto: {e}"),
            EmptyTree => f.write_str("ratchet tree has no nodes"),
            TrailingBlankNode => f.write_str("ratchet tree ends with a blank node"),
            TreeTooLarge => f.write_str("ratchet tree too large"),
            NodeTypeMismatch { node } => write!(f, "node {node} has the wrong node type"),
            LeafIndexOutOfRange(l) => write!(f, "leaf index {l} out of range"),
            NodeIndexOutOfRange(x) => write!(f, "node index {x} out of range"),
            InvalidHashLength => f.write_str("hash output length differs from hash_len()"),
            BlankLeaf(l) => write!(f, "leaf {l} is blank"),
            ChangesDoNotApply => f.write_str("tree changes taken from another tree state"),
            UnknownNodeRecordVersion { node, version } => {
                write!(f, "node record {node} has unknown version {version}")
            }
            InvalidNodeRecord { node, reason } => write!(f, "node record {node}: {reason}"),
            NodeRecordsDoNotFit { n_leaves } => {
                write!(f, "node records do not make a tree of {n_leaves} leaves")
            }
            InvalidLeafSignature { leaf } => write!(f, "invalid signature on {}", Leaf(*leaf)),
            WrongLeafNodeSource => f.write_str("wrong leaf_node_source"),
            CredentialTypeNotInCapabilities(t) => {
                write!(f, "credential type {} not in capabilities", t.0)
            }
            ExtensionNotInCapabilities(t) => write!(f, "extension {} not in capabilities", t.0),
            DuplicateExtension(t) => write!(f, "leaf lists extension type {} twice", t.0),
            RequiredExtensionUnsupported(t) => write!(f, "required extension {} unsupported", t.0),
            RequiredProposalUnsupported(t) => write!(f, "required proposal {} unsupported", t.0),
            RequiredCredentialUnsupported(t) => {
                write!(f, "required credential type {} unsupported", t.0)
            }
            CredentialTypeUnsupported {
                leaf,
                credential_type,
            } => write!(
                f,
                "{} does not support credential type {}",
                Leaf(*leaf),
                credential_type.0
            ),
            LifetimeExpired => f.write_str("current time outside the leaf's lifetime"),
            LifetimeTooLong => f.write_str("leaf lifetime longer than allowed"),
            EncryptionKeyUnchanged => f.write_str("encryption key unchanged"),
            DuplicateEncryptionKey { node: Some(node) } => {
                write!(f, "duplicate encryption key at node {node}")
            }
            DuplicateEncryptionKey { node: None } => {
                write!(f, "duplicate encryption key in {}", Leaf(None))
            }
            InvalidEncryptionKey { node: Some(node) } => {
                write!(f, "invalid encryption key at node {node}")
            }
            InvalidEncryptionKey { node: None } => {
                write!(f, "invalid encryption key in {}", Leaf(None))
            }
            DuplicateSignatureKey { leaf } => {
                write!(f, "duplicate signature key in {}", Leaf(*leaf))
            }
            TreeHashMismatch => f.write_str("tree hash mismatch"),
            ParentHashInvalid { node } => write!(f, "parent node {node} is not parent-hash valid"),
            LeafParentHashMismatch => f.write_str("leaf parent_hash does not match its path"),
            UnmergedLeavesNotSorted { node } => {
                write!(f, "unmerged leaves of node {node} not sorted")
            }
            InvalidUnmergedLeaf { node, leaf } => {
                write!(f, "invalid unmerged leaf {leaf} at node {node}")
            }
            InvalidSender(l) => write!(f, "invalid UpdatePath sender {l}"),
            UpdatePathLengthMismatch { expected, got } => {
                write!(
                    f,
                    "UpdatePath has {got} nodes, filtered direct path {expected}"
                )
            }
            CiphertextCountMismatch {
                node,
                expected,
                got,
            } => write!(
                f,
                "UpdatePathNode for node {node} has {got} ciphertexts, expected {expected}"
            ),
            NoDecryptionKey => f.write_str("no private key to decrypt the UpdatePath"),
            PathKeyMismatch { node } => write!(f, "derived public key differs at node {node}"),
            PrivateKeyMismatch { node } => write!(f, "private key does not match node {node}"),
            OwnUpdatePath => f.write_str("cannot process one's own UpdatePath"),
        }
    }
}

/// Names a leaf in a message: by index, or as a KeyPackage's leaf (`None`).
struct Leaf(Option<u32>);

impl fmt::Display for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(l) => write!(f, "leaf {l}"),
            None => f.write_str("a KeyPackage's leaf (not in the tree)"),
        }
    }
}

impl core::error::Error for TreeError {}

impl From<mls_codec::Error> for TreeError {
    fn from(e: mls_codec::Error) -> Self {
        TreeError::Codec(e)
    }
}

impl From<mls_crypto::Error> for TreeError {
    fn from(e: mls_crypto::Error) -> Self {
        TreeError::Crypto(e)
    }
}
