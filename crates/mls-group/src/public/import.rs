//! Importing a group's tree from its GroupInfo (RFC 9420 §12.4.3.1): what a
//! joiner by Welcome, an external joiner and a Delivery Service check
//! before following a group.

use mls_crypto::CipherSuiteProvider;
use mls_framing::{find_extension, GroupInfo, RatchetTreeExtension};
use mls_treekem::{LeafValidationOptions, RatchetTree, TreeImportParams};
use mls_types::tree_math::LeafIndex;
use mls_types::{ExtensionType, RequiredCapabilities};

use crate::GroupError;

/// The tree from the GroupInfo's `ratchet_tree` extension or `supplied`,
/// with the §12.4.3.1 checks that cost no signature: its structure and its
/// hash against the GroupContext's (O(N) hashing). The expensive ones,
/// [`validate_members`], come after the caller's cheap checks.
pub(crate) fn import_structure<S: CipherSuiteProvider>(
    suite: &S,
    info: &GroupInfo,
    supplied: Option<RatchetTree>,
) -> Result<RatchetTree, GroupError> {
    mls_framing::check_unique_extensions(&info.extensions)?;
    mls_framing::check_unique_extensions(&info.group_context.extensions)?;
    let from_ext = info
        .extensions
        .iter()
        .find(|e| e.extension_type == ExtensionType::RATCHET_TREE);
    let mut tree = match (from_ext, supplied) {
        (Some(ext), _) => match RatchetTree::from_extension_bytes(&ext.extension_data) {
            Ok(tree) => tree,
            Err(e) => {
                // The typed body has the same grammar, so it decodes
                // whenever the tree does; decoded only now, it still
                // reports its error before the tree's checks.
                let _: Option<RatchetTreeExtension> = find_extension(&info.extensions)?;
                return Err(e.into());
            }
        },
        (None, Some(t)) => t,
        (None, None) => return Err(GroupError::MissingRatchetTree),
    };
    tree.validate_structure(suite, &info.group_context.tree_hash)?;
    Ok(tree)
}

/// The rest of §12.4.3.1 on a tree [`import_structure`] accepted: every
/// leaf valid (§7.3, lifetimes at `now` if given, required capabilities),
/// their signatures (batched), parent hashes.
pub(crate) fn validate_members<S: CipherSuiteProvider>(
    suite: &S,
    info: &GroupInfo,
    tree: &mut RatchetTree,
    now: Option<u64>,
) -> Result<(), GroupError> {
    let required = find_extension::<RequiredCapabilities>(&info.group_context.extensions)?;
    let options = match now {
        Some(t) => LeafValidationOptions::at(t),
        None => LeafValidationOptions::without_lifetime(),
    };
    tree.validate_members(
        suite,
        &TreeImportParams {
            group_id: &info.group_context.group_id,
            expected_tree_hash: &info.group_context.tree_hash,
            required_capabilities: required.as_ref(),
            options,
        },
    )?;
    Ok(())
}

pub(crate) fn verify_group_info_signature<S: CipherSuiteProvider>(
    suite: &S,
    info: &GroupInfo,
    tree: &RatchetTree,
) -> Result<(), GroupError> {
    let signer = tree
        .leaf(LeafIndex(info.signer.0))
        .ok_or(GroupError::InvalidWelcome("GroupInfo signer is blank"))?;
    info.verify_signature(suite, &signer.signature_key)?;
    Ok(())
}

/// §13.4: a client joining a group supports every extension of its
/// GroupContext (as its leaf's `capabilities` say), or does not join.
pub(crate) fn check_joiner_supports(
    capabilities: &mls_types::Capabilities,
    context: &mls_types::GroupContext,
) -> Result<(), GroupError> {
    // O((E + C) log) rather than a scan of the C listed types per extension.
    if mls_types::CodePointSet::of_extensions(&context.extensions)
        .first_missing_from(&capabilities.extensions)
        .is_none()
    {
        Ok(())
    } else {
        Err(GroupError::InvalidWelcome(
            "the joiner does not support a GroupContext extension",
        ))
    }
}
