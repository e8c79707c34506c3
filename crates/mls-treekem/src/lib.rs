//! The MLS ratchet tree (RFC 9420 §4, §7): tree math, nodes, leaf
//! validation, tree evolution, tree and parent hashes, and TreeKEM.
//!
//! * Nodes (§5.3, §7.1, §7.2): [`LeafNode`], [`ParentNode`], [`Node`],
//!   [`Credential`], [`Capabilities`], [`Lifetime`].
//! * Leaf validation (§7.3): [`validate_leaf_node`].
//! * The tree (§4, §7.7, §7.8, §7.9): [`RatchetTree`] — add, update and
//!   remove leaves, resolutions, filtered direct paths, cached tree hashes,
//!   parent-hash verification, the `ratchet_tree` extension and its import
//!   checks (§12.4.3).
//! * TreeKEM (§7.4–§7.6): [`RatchetTree::prepare_update_path`] →
//!   [`PendingUpdatePath::encrypt`] on the committer's side,
//!   [`RatchetTree::merge_update_path`] → [`MergedUpdatePath::decrypt`] on
//!   the receiver's, with the member's keys in [`TreePrivateKeys`]. Both
//!   sides are split in two so that the caller builds the provisional
//!   GroupContext from the updated tree's hash in between, as §12.4.1 and
//!   §12.4.2 require.
//!
//! * Undo: [`RatchetTree::begin_changes`] records every change so that
//!   [`RatchetTree::rollback_changes`] restores the tree if a commit fails
//!   half-way, without cloning the tree up front.
//!
//! `no_std` + `alloc`. No operation on a path does O(N) work: bookkeeping
//! (hash cache, occupancy counts, key index) is updated along changed paths.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

// The shared vocabulary (mls-types), under the paths this crate uses.
use mls_types::{
    tree_math, Capabilities, CapabilityRequirements, CodePointSet, Credential, CredentialType,
    Extension, ExtensionType, Lifetime, ProposalType, RequiredCapabilities, UnsupportedCapability,
};

mod error;
mod leaf_node;
mod leaf_validation;
pub mod limits;
mod node;
mod parent_node;
mod path_secret;
mod private_keys;
mod ratchet_tree_ext;
mod tree;
mod treekem;
mod update_path;

pub use error::TreeError;
pub use leaf_node::{LeafNode, LeafNodeSource};
pub use leaf_validation::{
    validate_leaf_node, validate_leaf_node_contents, LeafNodeContext, LeafValidationOptions,
};
pub use node::Node;
pub use parent_node::ParentNode;
pub use path_secret::{next_path_secret, node_key_pair};
pub use private_keys::TreePrivateKeys;
pub use ratchet_tree_ext::TreeImportParams;
pub use tree::{RatchetTree, TreeChanges, NODE_RECORD_VERSION};
pub use treekem::{MergedUpdatePath, PendingUpdatePath, ReceivedPathSecret, UpdatePathSecrets};
pub use update_path::{EncryptedPathSecrets, UpdatePath, UpdatePathNode};
