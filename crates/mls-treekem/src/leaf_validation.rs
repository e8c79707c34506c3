//! Leaf node validation (RFC 9420 §7.3).

use alloc::borrow::Cow;
use mls_crypto::{CipherSuiteProvider, HpkePublicKey};

use crate::tree_math::{LeafIndex, NodeIndex};
use crate::{
    CapabilityRequirements, CodePointSet, LeafNode, LeafNodeSource, RatchetTree, TreeError,
    UnsupportedCapability,
};

/// Where a LeafNode appears, which fixes the `leaf_node_source` it must
/// have and the context its signature binds (RFC 9420 §7.2, §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafNodeContext<'a> {
    /// In a KeyPackage: source `key_package`, no group context.
    KeyPackage,
    /// In an Update proposal from `leaf_index`: source `update`.
    Update {
        /// The group id.
        group_id: &'a [u8],
        /// The sender's leaf.
        leaf_index: LeafIndex,
    },
    /// In an UpdatePath from `leaf_index`: source `commit`.
    Commit {
        /// The group id.
        group_id: &'a [u8],
        /// The committer's leaf.
        leaf_index: LeafIndex,
    },
    /// Already in a ratchet tree at `leaf_index` (e.g. when joining): any source.
    Tree {
        /// The group id.
        group_id: &'a [u8],
        /// The leaf's position.
        leaf_index: LeafIndex,
    },
}

impl LeafNodeContext<'_> {
    fn group(&self) -> Option<(&[u8], LeafIndex)> {
        match *self {
            LeafNodeContext::KeyPackage => None,
            LeafNodeContext::Update {
                group_id,
                leaf_index,
            }
            | LeafNodeContext::Commit {
                group_id,
                leaf_index,
            }
            | LeafNodeContext::Tree {
                group_id,
                leaf_index,
            } => Some((group_id, leaf_index)),
        }
    }

    fn source_ok(&self, source: &LeafNodeSource) -> bool {
        match self {
            LeafNodeContext::KeyPackage => matches!(source, LeafNodeSource::KeyPackage(_)),
            LeafNodeContext::Update { .. } => matches!(source, LeafNodeSource::Update),
            LeafNodeContext::Commit { .. } => matches!(source, LeafNodeSource::Commit(_)),
            LeafNodeContext::Tree { .. } => true,
        }
    }
}

/// Caller policy for [`validate_leaf_node`]: the current time and the lifetime checks.
///
/// ```
/// use mls_treekem::LeafValidationOptions;
/// let strict = LeafValidationOptions::at(1_700_000_000);
/// assert!(strict.check_lifetime);
/// assert!(!LeafValidationOptions::without_lifetime().check_lifetime);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafValidationOptions {
    /// Whether to check `lifetime` against `now` (and `max_lifetime`).
    pub check_lifetime: bool,
    /// The current time, Unix seconds.
    pub now: u64,
    /// The longest acceptable `not_after - not_before`, if bounded.
    pub max_lifetime: Option<u64>,
}

impl LeafValidationOptions {
    /// Lifetime checks on, at time `now`, no maximum lifetime.
    pub fn at(now: u64) -> Self {
        LeafValidationOptions {
            check_lifetime: true,
            now,
            max_lifetime: None,
        }
    }

    /// Lifetime checks off.
    pub fn without_lifetime() -> Self {
        LeafValidationOptions {
            check_lifetime: false,
            now: 0,
            max_lifetime: None,
        }
    }
}

/// Validates `leaf` per RFC 9420 §7.3, except the credential's validation
/// with the Authentication Service, which is the application's:
///
/// * the signature, with the `LeafNodeTBS` the context calls for;
/// * `leaf_node_source` matches the context;
/// * the `encryption_key` is a valid HPKE public key of the suite
///   ([`TreeError::InvalidEncryptionKey`]: for X25519/X448, not a
///   low-order encoding);
/// * `required` (a group's `required_capabilities`, prepared once with
///   [`CapabilityRequirements::new`]) is supported;
/// * the credential type and every non-default extension are in the capabilities;
/// * the lifetime, if `options` say so and the source is `key_package`;
/// * with `tree`: every member supports this credential type and this leaf
///   supports every credential type in use; the signature and encryption
///   keys are unique (the leaf being replaced, for Update/Commit/Tree, is
///   not counted); an Update or Commit changes the encryption key.
///
/// ```
/// use mls_treekem::{validate_leaf_node, LeafNodeContext, LeafValidationOptions, TreeError};
/// use mls_crypto::{CipherSuite, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let leaf = mls_test_support::treekem::leaf(1); // unsigned
/// let ctx = LeafNodeContext::KeyPackage;
/// let err = validate_leaf_node(&cs, &leaf, ctx, None, None, &LeafValidationOptions::without_lifetime());
/// assert!(err.is_err());
/// ```
pub fn validate_leaf_node<S: CipherSuiteProvider + ?Sized>(
    cs: &S,
    leaf: &LeafNode,
    context: LeafNodeContext<'_>,
    required: Option<&CapabilityRequirements>,
    tree: Option<&RatchetTree>,
    options: &LeafValidationOptions,
) -> Result<(), TreeError> {
    if !context.source_ok(&leaf.leaf_node_source) {
        return Err(TreeError::WrongLeafNodeSource);
    }
    leaf.verify_signature(cs, context.group())?;
    let node = context.group().map(|(_, l)| l.node());
    check_encryption_key(cs, &leaf.encryption_key, node)?;
    validate_leaf_node_contents(leaf, context, required, tree, options)
}

/// `key`, held at `node` (`None`: a KeyPackage's leaf), is a valid HPKE
/// public key of the suite: [`TreeError::InvalidEncryptionKey`] if not.
/// O(1) (a few comparisons, or one point decoding for the NIST curves).
pub(crate) fn check_encryption_key<S: CipherSuiteProvider + ?Sized>(
    cs: &S,
    key: &HpkePublicKey,
    node: Option<NodeIndex>,
) -> Result<(), TreeError> {
    cs.hpke_validate_public_key(key)
        .map_err(|_| TreeError::InvalidEncryptionKey {
            node: node.map(|n| n.0),
        })
}

/// [`validate_leaf_node`] without the signature and `encryption_key`
/// checks, for a leaf that had them elsewhere: the leaf of a KeyPackage
/// that was validated on its own, an UpdatePath's leaf, which
/// [`RatchetTree::merge_update_path`] checks, or an imported tree's leaf
/// ([`RatchetTree::validate`]). Work with `tree`: O(log N) (per-type
/// counts and the key index of the tree), plus O(C log C) in the entries
/// C the leaf lists in its capabilities and extensions, whatever the size
/// of `required`.
///
/// ```
/// use mls_treekem::{validate_leaf_node_contents, LeafNodeContext, LeafValidationOptions, RatchetTree};
/// let tree = RatchetTree::new(mls_test_support::treekem::leaf(1));
/// let options = LeafValidationOptions::without_lifetime();
/// // An unsigned leaf with fresh keys and a supported credential type passes...
/// let ctx = LeafNodeContext::Tree { group_id: b"g", leaf_index: mls_types::tree_math::LeafIndex(1) };
/// assert!(validate_leaf_node_contents(&mls_test_support::treekem::leaf(2), ctx, None, Some(&tree), &options).is_ok());
/// // ...but not with the keys of a member.
/// assert!(validate_leaf_node_contents(&mls_test_support::treekem::leaf(1), ctx, None, Some(&tree), &options).is_err());
/// ```
pub fn validate_leaf_node_contents(
    leaf: &LeafNode,
    context: LeafNodeContext<'_>,
    required: Option<&CapabilityRequirements>,
    tree: Option<&RatchetTree>,
    options: &LeafValidationOptions,
) -> Result<(), TreeError> {
    if !context.source_ok(&leaf.leaf_node_source) {
        return Err(TreeError::WrongLeafNodeSource);
    }
    check_leaf_after_signature(leaf, required, options)?;
    if let Some(tree) = tree {
        let own = context.group().map(|(_, l)| l);
        check_against_members(tree, leaf, own)?;
        check_unique_keys(tree, leaf, own)?;
        if matches!(
            context,
            LeafNodeContext::Update { .. } | LeafNodeContext::Commit { .. }
        ) {
            let replaced = own.and_then(|l| tree.leaf(l));
            if replaced.is_some_and(|old| old.encryption_key == leaf.encryption_key) {
                return Err(TreeError::EncryptionKeyUnchanged);
            }
        }
    }
    Ok(())
}

/// The checks of RFC 9420 §7.3 that involve only the leaf, the group's
/// `required_capabilities` and the time: capabilities and lifetime.
pub(crate) fn check_leaf_after_signature(
    leaf: &LeafNode,
    required: Option<&CapabilityRequirements>,
    options: &LeafValidationOptions,
) -> Result<(), TreeError> {
    check_capabilities(leaf, required)?;
    if options.check_lifetime {
        if let LeafNodeSource::KeyPackage(lifetime) = &leaf.leaf_node_source {
            if !lifetime.contains(options.now) {
                return Err(TreeError::LifetimeExpired);
            }
            if options
                .max_lifetime
                .is_some_and(|max| lifetime.duration() > max)
            {
                return Err(TreeError::LifetimeTooLong);
            }
        }
    }
    Ok(())
}

/// The capability checks of RFC 9420 §7.3 that involve only the leaf and
/// the group's `required_capabilities`. O(C log C) in the entries C the
/// leaf lists (capabilities and extensions) when it passes, since a leaf
/// lists at least as many entries as the distinct types it must support.
pub(crate) fn check_capabilities(
    leaf: &LeafNode,
    required: Option<&CapabilityRequirements>,
) -> Result<(), TreeError> {
    if let Some(t) = mls_types::first_duplicate_extension(&leaf.extensions) {
        return Err(TreeError::DuplicateExtension(t));
    }
    let caps = &leaf.capabilities;
    let ct = leaf.credential.credential_type();
    if !caps.supports_credential(ct) {
        return Err(TreeError::CredentialTypeNotInCapabilities(ct));
    }
    if let Some(t) =
        CodePointSet::of_extensions(&leaf.extensions).first_missing_from(&caps.extensions)
    {
        return Err(TreeError::ExtensionNotInCapabilities(t));
    }
    match required.and_then(|req| req.first_unsupported(caps)) {
        None => Ok(()),
        Some(UnsupportedCapability::Extension(t)) => {
            Err(TreeError::RequiredExtensionUnsupported(t))
        }
        Some(UnsupportedCapability::Proposal(t)) => Err(TreeError::RequiredProposalUnsupported(t)),
        Some(UnsupportedCapability::Credential(t)) => {
            Err(TreeError::RequiredCredentialUnsupported(t))
        }
    }
}

/// Every other member supports `leaf`'s credential type, and `leaf` supports
/// theirs (RFC 9420 §7.3). O(log N) from the tree's per-type counts; the
/// members are walked only to name the one at fault.
fn check_against_members(
    tree: &RatchetTree,
    leaf: &LeafNode,
    own: Option<LeafIndex>,
) -> Result<(), TreeError> {
    let ct = leaf.credential.credential_type();
    // The member being replaced, if any, does not count.
    let replaced = own.and_then(|l| tree.leaf(l));
    let others = tree
        .member_count()
        .saturating_sub(u32::from(replaced.is_some()));
    let supporting = tree
        .members_supporting_credential(ct)
        .saturating_sub(u32::from(
            replaced.is_some_and(|r| r.capabilities.supports_credential(ct)),
        ));
    if supporting < others {
        // The walk is authoritative: it finds the member the counts point at.
        if let Some((i, _)) = tree
            .members()
            .filter(|(i, _)| Some(*i) != own)
            .find(|(_, m)| !m.capabilities.supports_credential(ct))
        {
            return Err(TreeError::CredentialTypeUnsupported {
                leaf: Some(i.0),
                credential_type: ct,
            });
        }
    }
    // The types in use by the others (ascending) against this leaf's list,
    // sorted: a merge that stops at the first type the leaf lacks, so
    // O(C log C) for the C types the leaf lists however many are in use.
    let replaced_type = replaced.map(|r| r.credential.credential_type());
    let mut in_use = tree
        .credential_types_in_use()
        .filter(|(t, users)| *users > u32::from(replaced_type == Some(*t)));
    let listed = sorted(&leaf.capabilities.credentials);
    let mut rest = listed.iter().copied().peekable();
    if let Some((t, _)) = in_use.find(|(t, _)| {
        while rest.next_if(|l| l < t).is_some() {}
        rest.peek() != Some(t)
    }) {
        return Err(TreeError::CredentialTypeUnsupported {
            leaf: own.map(|l| l.0),
            credential_type: t,
        });
    }
    Ok(())
}

/// `items`, sorted: borrowed when it already is (the usual case).
fn sorted<T: Copy + Ord>(items: &[T]) -> Cow<'_, [T]> {
    if items.is_sorted() {
        return Cow::Borrowed(items);
    }
    let mut v = items.to_vec();
    v.sort_unstable();
    Cow::Owned(v)
}

/// `leaf`'s signature and encryption keys appear nowhere else in `tree` (RFC 9420 §7.3). O(log N).
fn check_unique_keys(
    tree: &RatchetTree,
    leaf: &LeafNode,
    own: Option<LeafIndex>,
) -> Result<(), TreeError> {
    let own_node = own.map(|l| l.node());
    if let Some(l) = tree.leaf_with_signature_key(&leaf.signature_key.0) {
        if Some(l) != own {
            return Err(TreeError::DuplicateSignatureKey {
                leaf: own.map(|l| l.0),
            });
        }
    }
    if let Some(n) = tree.node_with_encryption_key(&leaf.encryption_key) {
        if Some(n) != own_node {
            return Err(TreeError::DuplicateEncryptionKey {
                node: own_node.map(|n| n.0),
            });
        }
    }
    Ok(())
}
