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
use mls_types::{
    CapabilityRequirements, CodePointSet, Extension, ExtensionType, RequiredCapabilities,
};

use super::store::Resolved;
use crate::policy::Auth;
use crate::{validate_key_package, CredentialContext, GroupError, GroupPolicy};

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
    /// The caller's time, for the policy.
    pub now: Option<u64>,
    /// The time lifetimes are checked at, if they are.
    pub lifetime_now: Option<u64>,
    pub policy: &'a dyn GroupPolicy,
    /// Whether this is the first commit of a new group (ReInit/branch PSKs allowed).
    pub new_group: bool,
}

impl<S: CipherSuiteProvider> ApplyEnv<'_, S> {
    /// The policy, asked at the caller's time in the group's suite.
    pub fn auth(&self) -> Auth<'_> {
        Auth {
            policy: self.policy,
            cipher_suite: self.context.cipher_suite,
            now: self.now,
        }
    }
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
/// applies to, in the RFC's order: GroupContextExtensions, Updates,
/// Removes, Adds, then the proposals that do not change the tree.
pub(crate) fn apply<S: CipherSuiteProvider>(
    env: &ApplyEnv<'_, S>,
    tree: &mut RatchetTree,
    list: &[Resolved],
) -> Result<Effects, GroupError> {
    let mut fx = Effects {
        path_required: list.is_empty(),
        ..Effects::default()
    };
    for r in list {
        env.policy
            .check_proposal(&r.proposal, &r.sender)
            .map_err(GroupError::PolicyRejected)?;
        let needs_path = match &r.proposal {
            Proposal::Add(_) | Proposal::PreSharedKey(_) | Proposal::ReInit(_) => false,
            // §12.4: each new type's registration says; the application
            // knows the types it supports (a path, by default).
            Proposal::Custom(c) => env.policy.custom_proposal_requires_path(c.proposal_type),
            _ => true,
        };
        if needs_path {
            fx.path_required = true;
        }
    }
    for r in list {
        if let Proposal::GroupContextExtensions(gce) = &r.proposal {
            check_group_context_extensions(env, tree, &gce.extensions, list)?;
            fx.extensions = Some(gce.extensions.clone());
        }
    }
    let extensions = fx
        .extensions
        .as_deref()
        .unwrap_or(env.context.extensions.as_slice());
    let required = find_extension::<RequiredCapabilities>(extensions)?;
    // Prepared once for every leaf this commit brings in.
    let leaves = LeafRules {
        env,
        extensions: CodePointSet::of_extensions(extensions),
        required: required.as_ref().map(CapabilityRequirements::new),
        options: leaf_options(env.lifetime_now),
    };
    for r in list {
        if let Proposal::Update(u) = &r.proposal {
            fx.updated
                .push(leaves.update(tree, r.sender, &u.leaf_node)?);
        }
    }
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
    for r in list {
        if let Proposal::Add(add) = &r.proposal {
            let index = leaves.add(tree, &add.key_package)?;
            fx.added.push((index, add.key_package.clone()));
        }
    }
    apply_tree_neutral(env, tree, list, &mut fx)?;
    Ok(fx)
}

/// §12.1.7: every member that stays supports the new extensions and the
/// new required capabilities. O(log N) from the tree's capability counts
/// when everyone does; otherwise each member is looked at. The policy
/// accepts every external sender the extensions list.
fn check_group_context_extensions<S: CipherSuiteProvider>(
    env: &ApplyEnv<'_, S>,
    tree: &RatchetTree,
    extensions: &[Extension],
    list: &[Resolved],
) -> Result<(), GroupError> {
    mls_framing::check_unique_extensions(extensions)?;
    env.auth()
        .external_senders(extensions, CredentialContext::GroupContextExtensions)?;
    let required = find_extension::<RequiredCapabilities>(extensions)?;
    let all = tree.member_count();
    let everyone = extensions
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
    if everyone {
        return Ok(());
    }
    let removed: BTreeSet<u32> = list
        .iter()
        .filter_map(|r| match r.proposal {
            Proposal::Remove(rm) => Some(rm.removed),
            _ => None,
        })
        .collect();
    // Prepared once: each member then costs O(C log C) in what it lists.
    let new_extensions = CodePointSet::of_extensions(extensions);
    let required = required.as_ref().map(CapabilityRequirements::new);
    for (i, leaf) in tree.members() {
        if removed.contains(&i.0) {
            continue;
        }
        if new_extensions
            .first_missing_from(&leaf.capabilities.extensions)
            .is_some()
        {
            return Err(GroupError::InvalidProposal(
                "GroupContextExtensions: extension unsupported by a member",
            ));
        }
        if required
            .as_ref()
            .is_some_and(|req| !req.supported_by(&leaf.capabilities))
        {
            return Err(GroupError::InvalidProposal(
                "GroupContextExtensions: required capabilities unsupported by a member",
            ));
        }
    }
    Ok(())
}

/// How the leaves an Update or an Add brings in are checked (§7.3, §12.1.1,
/// §12.1.2): against the group's required capabilities (new ones if the
/// commit changes them), the policy, and lifetimes if a time is given.
struct LeafRules<'a, S: CipherSuiteProvider> {
    env: &'a ApplyEnv<'a, S>,
    /// The non-default types of the GroupContext extensions of the new epoch.
    extensions: CodePointSet<ExtensionType>,
    /// The new epoch's required capabilities.
    required: Option<CapabilityRequirements>,
    options: LeafValidationOptions,
}

impl<S: CipherSuiteProvider> LeafRules<'_, S> {
    /// An Update from `sender`: its new leaf replaces the old one.
    fn update(
        &self,
        tree: &mut RatchetTree,
        sender: Sender,
        leaf_node: &LeafNode,
    ) -> Result<LeafIndex, GroupError> {
        let leaf = self.check_update(tree, sender, leaf_node, true)?;
        tree.update_leaf(leaf, leaf_node.clone())?;
        Ok(leaf)
    }

    /// §12.1.2: an Update's leaf, from a member, acceptable to the policy
    /// as its successor, valid (§7.3) — against the other members' keys
    /// and credential types if `against_members`.
    fn check_update(
        &self,
        tree: &RatchetTree,
        sender: Sender,
        leaf_node: &LeafNode,
        against_members: bool,
    ) -> Result<LeafIndex, GroupError> {
        let Sender::Member(leaf) = sender else {
            return Err(GroupError::InvalidProposal("Update from a non-member"));
        };
        let old = tree
            .leaf(leaf)
            .ok_or(GroupError::InvalidProposal("Update from a blank leaf"))?;
        self.env
            .auth()
            .successor(&old.credential, leaf_node, CredentialContext::Update)?;
        validate_leaf_node(
            self.env.suite,
            leaf_node,
            LeafNodeContext::Update {
                group_id: &self.env.context.group_id,
                leaf_index: leaf,
            },
            self.required.as_ref(),
            against_members.then_some(tree),
            &self.options,
        )?;
        Ok(leaf)
    }

    /// An Add of `kp`'s owner: its leaf goes into the leftmost free slot.
    fn add(&self, tree: &mut RatchetTree, kp: &KeyPackage) -> Result<LeafIndex, GroupError> {
        self.check_add(tree, kp, true)?;
        Ok(tree.add_leaf(kp.leaf_node.clone())?)
    }

    /// §12.1.1: an Add's KeyPackage, of the group's version and suite,
    /// supporting its extensions (§13.4), valid (§10.1, §7.3), acceptable
    /// to the policy — against the members' keys and credential types if
    /// `against_members`.
    fn check_add(
        &self,
        tree: &RatchetTree,
        kp: &KeyPackage,
        against_members: bool,
    ) -> Result<(), GroupError> {
        let context = self.env.context;
        if kp.cipher_suite != context.cipher_suite || kp.version != context.version {
            return Err(GroupError::InvalidKeyPackage(
                "version or cipher suite differs from the group's",
            ));
        }
        // §13.4: a new member supports every extension of the GroupContext.
        // Cheap, so before the signatures.
        if self
            .extensions
            .first_missing_from(&kp.leaf_node.capabilities.extensions)
            .is_some()
        {
            return Err(GroupError::InvalidKeyPackage(
                "leaf does not support a GroupContext extension",
            ));
        }
        // Verifies both signatures, the leaf's included.
        validate_key_package(self.env.suite, kp, self.env.lifetime_now)?;
        self.env
            .auth()
            .leaf(&kp.leaf_node, CredentialContext::KeyPackage)?;
        validate_leaf_node_contents(
            &kp.leaf_node,
            LeafNodeContext::KeyPackage,
            self.required.as_ref(),
            against_members.then_some(tree),
            &self.options,
        )?;
        Ok(())
    }
}

/// §12.1: the checks of one proposal that depend neither on the other
/// proposals of a commit nor on who commits it, made when the proposal is
/// received (or sent), so that an invalid proposal is never stored and
/// never blocks a commit. [`apply`] makes them again, with the rest, when
/// the proposal is committed.
///
/// `group_extensions`: the GroupContext extensions an Add's or Update's
/// leaf is checked against (support for each, §13.4, and the
/// `required_capabilities`, §7.3), or `None` to leave that to the commit:
/// a GroupContextExtensions proposal committed with it may change them
/// (§12.3: "The new `extensions` MUST be used when evaluating other
/// proposals in this list"), so a receiver cannot refuse it yet.
pub(crate) fn check_alone<S: CipherSuiteProvider>(
    env: &ApplyEnv<'_, S>,
    tree: &RatchetTree,
    proposal: &Proposal,
    sender: Sender,
    group_extensions: Option<&[Extension]>,
) -> Result<(), GroupError> {
    env.policy
        .check_proposal(proposal, &sender)
        .map_err(GroupError::PolicyRejected)?;
    let (extensions, required) = match group_extensions {
        Some(ext) => (
            CodePointSet::of_extensions(ext),
            find_extension::<RequiredCapabilities>(ext)?,
        ),
        None => (CodePointSet::default(), None),
    };
    let leaves = LeafRules {
        env,
        extensions,
        required: required.as_ref().map(CapabilityRequirements::new),
        options: leaf_options(env.lifetime_now),
    };
    match proposal {
        Proposal::Add(add) => leaves.check_add(tree, &add.key_package, false),
        Proposal::Update(u) => leaves
            .check_update(tree, sender, &u.leaf_node, false)
            .map(|_| ()),
        Proposal::Remove(rm) => match tree.leaf(LeafIndex(rm.removed)) {
            Some(_) => Ok(()),
            None => Err(GroupError::InvalidProposal("Remove of a blank leaf")),
        },
        Proposal::PreSharedKey(p) => check_psk(env, &p.psk),
        Proposal::ReInit(ri) => check_reinit(env, ri),
        Proposal::ExternalInit(_) => Err(GroupError::InvalidProposalList(
            "ExternalInit in a regular commit",
        )),
        Proposal::GroupContextExtensions(gce) => {
            mls_framing::check_unique_extensions(&gce.extensions)?;
            env.auth()
                .external_senders(&gce.extensions, CredentialContext::GroupContextExtensions)
        }
        Proposal::Custom(c) => check_custom_type(c),
    }
}

/// What the GroupContext extensions of a commit ask of the leaves its Adds
/// and Updates bring in (§13.4, §7.3), prepared once: for a committer
/// choosing among stored proposals, which were stored without these checks
/// (see [`check_alone`]).
pub(crate) struct GroupLeafRules {
    extensions: CodePointSet<ExtensionType>,
    required: Option<CapabilityRequirements>,
    malformed: bool,
}

impl GroupLeafRules {
    pub(crate) fn new(extensions: &[Extension]) -> Self {
        let (required, malformed) = match find_extension::<RequiredCapabilities>(extensions) {
            Ok(r) => (r.as_ref().map(CapabilityRequirements::new), false),
            Err(_) => (None, true),
        };
        GroupLeafRules {
            extensions: CodePointSet::of_extensions(extensions),
            required,
            malformed,
        }
    }

    /// Whether `proposal`'s leaf (an Add's or an Update's) meets them;
    /// other proposals always do.
    pub(crate) fn admit(&self, proposal: &Proposal) -> bool {
        let leaf = match proposal {
            Proposal::Add(add) => {
                let leaf = &add.key_package.leaf_node;
                if self
                    .extensions
                    .first_missing_from(&leaf.capabilities.extensions)
                    .is_some()
                {
                    return false;
                }
                leaf
            }
            Proposal::Update(u) => &u.leaf_node,
            _ => return true,
        };
        !self.malformed
            && self
                .required
                .as_ref()
                .is_none_or(|req| req.supported_by(&leaf.capabilities))
    }
}

/// §8.4, §12.1.4: a PSK's nonce is `KDF.Nh` bytes; a resumption PSK of
/// usage reinit or branch only in a new group's first commit.
fn check_psk<S: CipherSuiteProvider>(
    env: &ApplyEnv<'_, S>,
    psk: &PreSharedKeyID,
) -> Result<(), GroupError> {
    if !psk.nonce_is_valid(env.suite) {
        return Err(GroupError::InvalidProposal(
            "PSK nonce length is not KDF.Nh",
        ));
    }
    if let Psk::Resumption { usage, .. } = &psk.psk {
        if *usage != ResumptionPskUsage::APPLICATION && !env.new_group {
            return Err(GroupError::InvalidProposal(
                "resumption PSK with usage reinit/branch outside a new group",
            ));
        }
    }
    Ok(())
}

/// §12.1.5: a ReInit does not go back to an older version.
fn check_reinit<S: CipherSuiteProvider>(
    env: &ApplyEnv<'_, S>,
    ri: &ReInit,
) -> Result<(), GroupError> {
    if ri.version < env.context.version {
        return Err(GroupError::InvalidProposal("ReInit to an older version"));
    }
    Ok(())
}

/// A custom proposal does not use an RFC 9420 proposal type.
fn check_custom_type(c: &CustomProposal) -> Result<(), GroupError> {
    if c.proposal_type.is_default() {
        return Err(GroupError::InvalidProposal(
            "custom proposal with an RFC 9420 proposal type",
        ));
    }
    Ok(())
}

/// The proposals that change neither the tree nor, but for PSKs and
/// external init, the key schedule: custom proposals (§7.2, §12.2: only if
/// every member that processes the commit lists the type — members it
/// adds or removes need not; surfaced in the staged commit), PSKs (§8.4),
/// ExternalInit and ReInit.
fn apply_tree_neutral<S: CipherSuiteProvider>(
    env: &ApplyEnv<'_, S>,
    tree: &RatchetTree,
    list: &[Resolved],
    fx: &mut Effects,
) -> Result<(), GroupError> {
    for r in list {
        if let Proposal::Custom(c) = &r.proposal {
            check_custom_type(c)?;
            // The tree already holds the joiners and no longer the removed.
            let t = c.proposal_type;
            let joiners = fx.added.len() as u32;
            let joiners_supporting = fx
                .added
                .iter()
                .filter(|(_, kp)| kp.leaf_node.capabilities.supports_proposal(t))
                .count() as u32;
            let processing = tree.member_count().saturating_sub(joiners);
            let supporting = tree
                .members_supporting_proposal(t)
                .saturating_sub(joiners_supporting);
            if supporting < processing {
                return Err(GroupError::UnsupportedProposal(t));
            }
            fx.custom.push((r.sender, c.clone()));
        }
    }
    for r in list {
        if let Proposal::PreSharedKey(p) = &r.proposal {
            check_psk(env, &p.psk)?;
            fx.psks.push(p.psk.clone());
        }
    }
    for r in list {
        match &r.proposal {
            Proposal::ExternalInit(e) => fx.external_init = Some(e.kem_output.clone()),
            Proposal::ReInit(ri) => {
                check_reinit(env, ri)?;
                fx.reinit = Some(ri.clone());
            }
            _ => {}
        }
    }
    Ok(())
}
