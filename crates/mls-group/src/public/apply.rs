//! §12.1 and §12.3 of RFC 9420: each proposal of a valid list checked
//! against the state it applies to, and applied to the tree.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::CipherSuiteProvider;
use mls_framing::{find_extension, CustomProposal, KeyPackage, Proposal, ReInit, Sender};
use mls_keyschedule::{PreSharedKeyID, Psk, ResumptionPskUsage};
use mls_treekem::{
    validate_leaf_node, validate_leaf_node_contents, LeafNode, LeafNodeContext,
    LeafValidationOptions, RatchetTree,
};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;
use mls_types::{Extension, RequiredCapabilities};

use super::store::Resolved;
use crate::{validate_key_package, GroupError, GroupPolicy};

/// What a valid proposal list does: the public effects of a commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub(crate) struct Effects {
    pub extensions: Option<Vec<Extension>>,
    pub added: Vec<(LeafIndex, KeyPackage)>,
    pub removed: Vec<(LeafIndex, LeafNode)>,
    pub updated: Vec<LeafIndex>,
    pub psks: Vec<PreSharedKeyID>,
    pub external_init: Option<Vec<u8>>,
    pub reinit: Option<ReInit>,
    pub path_required: bool,
    pub custom: Vec<(Sender, CustomProposal)>,
}

impl Effects {
    /// The leaves of the members this commit adds.
    pub fn new_members(&self) -> Vec<LeafIndex> {
        self.added.iter().map(|(l, _)| *l).collect()
    }
}

/// What applying a proposal list depends on besides the tree.
pub(crate) struct ApplyEnv<'a, S: CipherSuiteProvider> {
    pub suite: &'a S,
    pub context: &'a GroupContext,
    pub now: Option<u64>,
    pub policy: &'a dyn GroupPolicy,
    /// Whether this is the first commit of a new group (ReInit/branch PSKs allowed).
    pub new_group: bool,
}

/// Lifetimes are checked when the caller gave a time.
pub(crate) fn leaf_options(now: Option<u64>) -> LeafValidationOptions {
    match now {
        Some(t) => LeafValidationOptions::at(t),
        None => LeafValidationOptions::without_lifetime(),
    }
}

/// §12.3: applies a validated list to `tree` (which the caller records for
/// rollback), validating each proposal (§12.1) against the state it
/// applies to.
pub(crate) fn apply<S: CipherSuiteProvider>(
    env: &ApplyEnv<'_, S>,
    tree: &mut RatchetTree,
    list: &[Resolved],
) -> Result<Effects, GroupError> {
    let mut fx = Effects {
        path_required: list.is_empty(),
        ..Effects::default()
    };
    let group_id = env.context.group_id.as_slice();
    let options = leaf_options(env.now);
    for r in list {
        env.policy
            .check_proposal(&r.proposal, &r.sender)
            .map_err(GroupError::PolicyRejected)?;
        if !matches!(
            r.proposal,
            Proposal::Add(_) | Proposal::PreSharedKey(_) | Proposal::ReInit(_)
        ) {
            fx.path_required = true;
        }
    }
    let removed_leaves: BTreeSet<u32> = list
        .iter()
        .filter_map(|r| match r.proposal {
            Proposal::Remove(rm) => Some(rm.removed),
            _ => None,
        })
        .collect();

    // GroupContextExtensions.
    for r in list {
        if let Proposal::GroupContextExtensions(gce) = &r.proposal {
            mls_framing::check_unique_extensions(&gce.extensions)?;
            let required = find_extension::<RequiredCapabilities>(&gce.extensions)?;
            // Every member supports everything (O(log N) from the tree's
            // counts), or look at each one but those removed.
            let all = tree.member_count();
            let everyone = gce
                .extensions
                .iter()
                .all(|e| tree.members_supporting_extension(e.extension_type) == all)
                && required.as_ref().is_none_or(|req| {
                    req.extension_types
                        .iter()
                        .all(|t| tree.members_supporting_extension(*t) == all)
                        && req
                            .proposal_types
                            .iter()
                            .all(|t| tree.members_supporting_proposal(*t) == all)
                        && req
                            .credential_types
                            .iter()
                            .all(|t| tree.members_supporting_credential(*t) == all)
                });
            for (i, leaf) in tree.members().filter(|_| !everyone) {
                if removed_leaves.contains(&i.0) {
                    continue;
                }
                if gce
                    .extensions
                    .iter()
                    .any(|e| !leaf.capabilities.supports_extension(e.extension_type))
                {
                    return Err(GroupError::InvalidProposal(
                        "GroupContextExtensions: extension unsupported by a member",
                    ));
                }
                if let Some(req) = &required {
                    if !supports_required(leaf, req) {
                        return Err(GroupError::InvalidProposal(
                            "GroupContextExtensions: required capabilities unsupported by a member",
                        ));
                    }
                }
            }
            fx.extensions = Some(gce.extensions.clone());
        }
    }
    let extensions = fx
        .extensions
        .as_deref()
        .unwrap_or(env.context.extensions.as_slice());
    let required = find_extension::<RequiredCapabilities>(extensions)?;

    // Updates.
    for r in list {
        if let Proposal::Update(u) = &r.proposal {
            let Sender::Member(leaf) = r.sender else {
                return Err(GroupError::InvalidProposal("Update from a non-member"));
            };
            let old = tree
                .leaf(leaf)
                .ok_or(GroupError::InvalidProposal("Update from a blank leaf"))?;
            if !env
                .policy
                .valid_successor(&old.credential, &u.leaf_node.credential)
            {
                return Err(GroupError::CredentialRejected);
            }
            check_auth(env.policy, &u.leaf_node)?;
            validate_leaf_node(
                env.suite,
                &u.leaf_node,
                LeafNodeContext::Update {
                    group_id,
                    leaf_index: leaf,
                },
                required.as_ref(),
                Some(tree),
                &options,
            )?;
            tree.update_leaf(leaf, u.leaf_node.clone())?;
            fx.updated.push(leaf);
        }
    }
    // Removes.
    for r in list {
        if let Proposal::Remove(rm) = &r.proposal {
            let leaf = LeafIndex(rm.removed);
            let old = tree
                .leaf(leaf)
                .cloned()
                .ok_or(GroupError::InvalidProposal("Remove of a blank leaf"))?;
            tree.remove_leaf(leaf)?;
            fx.removed.push((leaf, old));
        }
    }
    // Adds.
    for r in list {
        if let Proposal::Add(add) = &r.proposal {
            let kp = &add.key_package;
            if kp.cipher_suite != env.context.cipher_suite || kp.version != env.context.version {
                return Err(GroupError::InvalidKeyPackage(
                    "version or cipher suite differs from the group's",
                ));
            }
            // Verifies both signatures, the leaf's included.
            validate_key_package(env.suite, kp, env.now)?;
            check_auth(env.policy, &kp.leaf_node)?;
            validate_leaf_node_contents(
                &kp.leaf_node,
                LeafNodeContext::KeyPackage,
                required.as_ref(),
                Some(tree),
                &options,
            )?;
            let index = tree.add_leaf(kp.leaf_node.clone())?;
            fx.added.push((index, kp.clone()));
        }
    }
    // Custom proposals (§7.2, §12.2): a non-default proposal type may only
    // be committed if every member of the resulting group lists it in its
    // capabilities, joiners included (members removed by this commit do
    // not count). The application's hook already ran above. They change
    // neither the tree nor the secrets; they are surfaced in the
    // StagedCommit.
    for r in list {
        if let Proposal::Custom(c) = &r.proposal {
            if c.proposal_type.is_default() {
                return Err(GroupError::InvalidProposal(
                    "custom proposal with an RFC 9420 proposal type",
                ));
            }
            if tree.members_supporting_proposal(c.proposal_type) < tree.member_count() {
                return Err(GroupError::UnsupportedProposal(c.proposal_type));
            }
            fx.custom.push((r.sender, c.clone()));
        }
    }
    // PSKs.
    for r in list {
        if let Proposal::PreSharedKey(p) = &r.proposal {
            if !p.psk.nonce_is_valid(env.suite) {
                return Err(GroupError::InvalidProposal(
                    "PSK nonce length is not KDF.Nh",
                ));
            }
            if let Psk::Resumption { usage, .. } = &p.psk.psk {
                if *usage != ResumptionPskUsage::APPLICATION && !env.new_group {
                    return Err(GroupError::InvalidProposal(
                        "resumption PSK with usage reinit/branch outside a new group",
                    ));
                }
            }
            fx.psks.push(p.psk.clone());
        }
    }
    // ExternalInit and ReInit.
    for r in list {
        match &r.proposal {
            Proposal::ExternalInit(e) => fx.external_init = Some(e.kem_output.clone()),
            Proposal::ReInit(ri) => {
                if ri.version < env.context.version {
                    return Err(GroupError::InvalidProposal("ReInit to an older version"));
                }
                fx.reinit = Some(ri.clone());
            }
            _ => {}
        }
    }
    Ok(fx)
}

pub(crate) fn check_auth(policy: &dyn GroupPolicy, leaf: &LeafNode) -> Result<(), GroupError> {
    if policy.authenticate(&leaf.credential, &leaf.signature_key) {
        Ok(())
    } else {
        Err(GroupError::CredentialRejected)
    }
}

fn supports_required(leaf: &LeafNode, req: &RequiredCapabilities) -> bool {
    let caps = &leaf.capabilities;
    req.extension_types
        .iter()
        .all(|t| caps.supports_extension(*t))
        && req
            .proposal_types
            .iter()
            .all(|t| caps.supports_proposal(*t))
        && req
            .credential_types
            .iter()
            .all(|t| caps.supports_credential(*t))
}
