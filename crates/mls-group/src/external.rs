//! Joining by external commit (RFC 9420 §12.4.3.2) and proposals from
//! outside the group (§12.1.8): external senders and new-member Adds.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, HpkePublicKey, Rng};
use mls_framing::{
    AuthenticatedContent, Commit, Content, ExternalInit, ExternalPub, FramedContent, GroupInfo,
    MlsMessage, PreSharedKey, Proposal, ProposalOrRef, PublicMessage, Remove, Sender, WireFormat,
};
use mls_keyschedule::{external_init_sender, InMemoryPskStore, PreSharedKeyID, PskStore};
use mls_treekem::{LeafNode, LeafNodeSource, RatchetTree};
use mls_types::tree_math::LeafIndex;

use crate::epoch::{next_epoch_secrets, psk_secret};
use crate::group::FirstEpoch;
use crate::public::{
    check_joiner_supports, CommitContent, Committer, PathLeaf, PublicGroup, PublicGroupOptions,
};
use crate::{ClientIdentity, Group, GroupConfig, GroupError, GroupPolicy, KeyPackageOptions};

/// Options of an external join.
#[derive(Default)]
pub struct ExternalJoinOptions<'a> {
    /// The tree, if the GroupInfo carries no `ratchet_tree` extension.
    pub ratchet_tree: Option<RatchetTree>,
    /// Resync (§12.4.3.2): remove this leaf, an earlier version of ourselves.
    pub remove_prior: Option<LeafIndex>,
    /// PSKs to inject, looked up in `psks`.
    pub psk_ids: Vec<PreSharedKeyID>,
    /// The PSK store.
    pub psks: Option<&'a dyn PskStore>,
    /// Our leaf's capabilities, lifetime and extensions (lifetime unused).
    pub leaf: KeyPackageOptions,
    /// The new group state's configuration.
    pub config: GroupConfig,
    /// The policy / authentication service.
    pub policy: Option<alloc::boxed::Box<dyn GroupPolicy>>,
    /// The commit's `authenticated_data`.
    pub authenticated_data: Vec<u8>,
    /// The current time (Unix seconds), for the policy's credential
    /// validation of the imported tree and our leaf, and for lifetime
    /// checks of the imported tree (unless `config.lifetimes` is off);
    /// also the new group state's time.
    pub now: Option<u64>,
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Joins a group from its published GroupInfo (with `external_pub`)
    /// by an external commit, built through the same commit pipeline its
    /// members will run on it. Returns our new group state (already in the
    /// new epoch) and the commit to send. If the Delivery Service rejects
    /// the commit, drop the returned group and retry.
    pub fn join_external(
        suite: S,
        group_info: &GroupInfo,
        identity: ClientIdentity,
        options: ExternalJoinOptions<'_>,
        rng: &mut dyn Rng,
    ) -> Result<(Self, MlsMessage), GroupError> {
        let gc = &group_info.group_context;
        if gc.cipher_suite != suite.cipher_suite() {
            return Err(GroupError::UnsupportedCipherSuite(gc.cipher_suite.0));
        }
        check_joiner_supports(&options.leaf.capabilities, gc)?;
        let mut public = PublicGroup::from_group_info_checked(
            suite,
            group_info,
            PublicGroupOptions {
                ratchet_tree: options.ratchet_tree,
                policy: options.policy,
                now: options.now,
            },
            options.config.lifetimes != crate::LifetimeCheck::Off,
            |_, _| Ok(()),
        )?;
        let external_pub = mls_framing::find_extension::<ExternalPub>(&group_info.extensions)?
            .ok_or(GroupError::InvalidWelcome("GroupInfo has no external_pub"))?;
        if let Some(prior) = options.remove_prior {
            if public.tree.leaf(prior).is_none() {
                return Err(GroupError::InvalidArgument("no member to resync"));
            }
        }
        let (kem_output, init_secret) =
            external_init_sender(&public.suite, &external_pub.external_pub, rng)?;
        let proposals = external_proposals(kem_output, options.remove_prior, &options.psk_ids);
        let empty = InMemoryPskStore::new();
        let store: &dyn PskStore = options.psks.unwrap_or(&empty);
        let psk = psk_secret(&public.suite, &options.psk_ids, |id| store.psk(id))?;

        let mut applied = public.apply_commit(Committer::External, &proposals)?;
        let template = joiner_leaf(&public.suite, &identity, options.leaf);
        public.admit_committer(&mut applied, PathLeaf::Own(&template))?;
        let me = applied
            .leaf
            .ok_or(GroupError::Internal("external joiner placed"))?;
        let signer = identity.signer(&public.suite)?;
        let group_id = gc.group_id.clone();
        let pending = public.tree.prepare_update_path(
            &public.suite,
            me,
            template,
            &signer,
            &group_id,
            rng,
        )?;
        let provisional = public.provisional_context(&applied.fx)?;
        let (path, secrets) = pending.encrypt(
            &public.suite,
            &public.tree,
            &provisional.to_bytes()?,
            &[],
            rng,
        )?;
        let content = FramedContent {
            group_id,
            epoch: gc.epoch,
            sender: Sender::NewMemberCommit,
            authenticated_data: options.authenticated_data,
            content: Content::Commit(Commit {
                proposals,
                path: Some(path),
            }),
        };
        let (mut ac, tbs) = AuthenticatedContent::sign_keeping_tbs(
            &public.suite,
            &signer,
            WireFormat::PUBLIC_MESSAGE,
            content,
            Some(gc),
        )?;
        let context = public.next_context(
            provisional,
            &CommitContent {
                content: ac.view(),
                tbs: Some(&tbs),
            },
        )?;
        let (ks, tag) = next_epoch_secrets(
            &public.suite,
            &init_secret,
            Some(&secrets.commit_secret),
            &context,
            &psk,
        )?;
        ac.set_confirmation_tag(tag.clone())?;
        let message = MlsMessage::from(PublicMessage::protect(&public.suite, ac, None, Some(gc))?);
        public.enter_epoch(context, tag)?;
        let group = Group::enter_first_epoch(FirstEpoch {
            public,
            config: options.config,
            identity,
            signer,
            private_keys: secrets.private_keys,
            epoch_secrets: ks.epoch_secrets,
        })?;
        Ok((group, message))
    }
}

/// The leaf an external joiner's path will sign (keys filled in by the
/// path): its identity, with `options`' capabilities (the suite added)
/// and extensions.
fn joiner_leaf<S: CipherSuiteProvider>(
    suite: &S,
    identity: &ClientIdentity,
    options: KeyPackageOptions,
) -> LeafNode {
    let mut capabilities = options.capabilities;
    if !capabilities.cipher_suites.contains(&suite.cipher_suite()) {
        capabilities.cipher_suites.push(suite.cipher_suite());
    }
    LeafNode {
        encryption_key: HpkePublicKey(Vec::new()),
        signature_key: identity.signature_key().clone(),
        credential: identity.credential().clone(),
        capabilities,
        leaf_node_source: LeafNodeSource::Update,
        extensions: options.leaf_extensions,
        signature: Vec::new(),
    }
}

/// An external commit's proposals (§12.4.3.2), by value: the ExternalInit,
/// the Remove of our prior self for a resync, the PSKs.
fn external_proposals(
    kem_output: Vec<u8>,
    remove_prior: Option<LeafIndex>,
    psk_ids: &[PreSharedKeyID],
) -> Vec<ProposalOrRef> {
    let mut proposals = alloc::vec![Proposal::ExternalInit(ExternalInit { kem_output })];
    if let Some(prior) = remove_prior {
        proposals.push(Proposal::Remove(Remove { removed: prior.0 }));
    }
    for id in psk_ids {
        proposals.push(Proposal::PreSharedKey(PreSharedKey { psk: id.clone() }));
    }
    proposals.into_iter().map(ProposalOrRef::Proposal).collect()
}

/// Signs a proposal from an external sender (§12.1.8): `sender_index` is
/// the sender's position in the group's `external_senders` extension.
/// External senders do not sign the GroupContext and send PublicMessages
/// without membership tag.
///
/// ```
/// # use mls_group::*;
/// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// # let ds = ClientIdentity::generate(&suite, Credential::Basic(b"ds".to_vec()), &mut OsRng).unwrap();
/// let msg = external_proposal(&suite, &ds, 0, b"group", 3,
///     Proposal::Remove(Remove { removed: 1 })).unwrap();
/// assert_eq!(msg.wire_format(), WireFormat::PUBLIC_MESSAGE);
/// ```
pub fn external_proposal<S: CipherSuiteProvider>(
    suite: &S,
    sender: &ClientIdentity,
    sender_index: u32,
    group_id: &[u8],
    epoch: u64,
    proposal: Proposal,
) -> Result<MlsMessage, GroupError> {
    signed_outside_proposal(
        suite,
        sender,
        Sender::External(sender_index),
        group_id,
        epoch,
        proposal,
    )
}

/// A `new_member_proposal` Add (§12.1.8): a client asks to be added with
/// its own KeyPackage, signed with the KeyPackage's key.
pub fn new_member_add_proposal<S: CipherSuiteProvider>(
    suite: &S,
    bundle: &crate::KeyPackageBundle,
    group_id: &[u8],
    epoch: u64,
) -> Result<MlsMessage, GroupError> {
    signed_outside_proposal(
        suite,
        bundle.identity(),
        Sender::NewMemberProposal,
        group_id,
        epoch,
        Proposal::Add(mls_framing::Add {
            key_package: bundle.key_package().clone(),
        }),
    )
}

fn signed_outside_proposal<S: CipherSuiteProvider>(
    suite: &S,
    sender_identity: &ClientIdentity,
    sender: Sender,
    group_id: &[u8],
    epoch: u64,
    proposal: Proposal,
) -> Result<MlsMessage, GroupError> {
    let content = FramedContent {
        group_id: group_id.to_vec(),
        epoch,
        sender,
        authenticated_data: Vec::new(),
        content: Content::Proposal(proposal),
    };
    let ac = AuthenticatedContent::sign(
        suite,
        &sender_identity.signer(suite)?,
        WireFormat::PUBLIC_MESSAGE,
        content,
        None,
    )?;
    Ok(MlsMessage::from(PublicMessage::protect(
        suite, ac, None, None,
    )?))
}
