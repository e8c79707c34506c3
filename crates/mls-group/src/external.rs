//! Joining by external commit (RFC 9420 §12.4.3.2) and proposals from
//! outside the group (§12.1.8): external senders and new-member Adds.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, HpkePublicKey, Rng};
use mls_framing::{
    AuthenticatedContent, Commit, Content, ExternalInit, ExternalPub, FramedContent, GroupInfo,
    MlsMessage, PreSharedKey, Proposal, ProposalOrRef, PublicMessage, Remove, Sender, WireFormat,
};
use mls_keyschedule::{
    external_init_sender, interim_transcript_hash, InMemoryPskStore, PreSharedKeyID, PskSecret,
    PskStore,
};
use mls_treekem::{LeafNode, LeafNodeSource, RatchetTree};
use mls_types::tree_math::LeafIndex;

use crate::epoch::{next_epoch, provisional_context, CommitContent};
use crate::group::FirstEpoch;
use crate::join::{import_tree, verify_group_info_signature};
use crate::process::EXTERNAL_PLACEHOLDER_KEY;
use crate::proposals::check_auth;
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
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Joins a group from its published GroupInfo (with `external_pub`)
    /// by an external commit. Returns our new group state (already in the
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
        let mut tree = import_tree(&suite, group_info, options.ratchet_tree, None)?;
        verify_group_info_signature(&suite, group_info, &tree)?;
        let external_pub = mls_framing::find_extension::<ExternalPub>(&group_info.extensions)?
            .ok_or(GroupError::InvalidWelcome("GroupInfo has no external_pub"))?;
        let policy = options.policy.unwrap_or_else(Self::default_policy);
        let (kem_output, init_secret) =
            external_init_sender(&suite, &external_pub.external_pub, rng)?;

        let mut proposals = alloc::vec![Proposal::ExternalInit(ExternalInit { kem_output })];
        if let Some(prior) = options.remove_prior {
            let old = tree
                .leaf(prior)
                .ok_or(GroupError::InvalidArgument("no member to resync"))?;
            if !policy.valid_successor(&old.credential, identity.credential()) {
                return Err(GroupError::CredentialRejected);
            }
            proposals.push(Proposal::Remove(Remove { removed: prior.0 }));
            tree.remove_leaf(prior)?;
        }
        let empty = InMemoryPskStore::new();
        let store: &dyn PskStore = options.psks.unwrap_or(&empty);
        let mut values = Vec::new();
        for id in &options.psk_ids {
            values.push((id.clone(), store.psk(id).ok_or(GroupError::MissingPsk)?));
            proposals.push(Proposal::PreSharedKey(PreSharedKey { psk: id.clone() }));
        }
        let psk = PskSecret::from_values(&suite, &values)?;

        let mut caps = options.leaf.capabilities;
        if !caps.cipher_suites.contains(&suite.cipher_suite()) {
            caps.cipher_suites.push(suite.cipher_suite());
        }
        let placeholder = LeafNode {
            encryption_key: HpkePublicKey(EXTERNAL_PLACEHOLDER_KEY.to_vec()),
            signature_key: identity.signature_key().clone(),
            credential: identity.credential().clone(),
            capabilities: caps,
            leaf_node_source: LeafNodeSource::Update,
            extensions: options.leaf.leaf_extensions,
            signature: Vec::new(),
        };
        check_auth(policy.as_ref(), &placeholder)?;
        let me = tree.add_leaf(placeholder.clone())?;
        let signer = identity.signer(&suite)?;
        let pending =
            tree.prepare_update_path(&suite, me, placeholder, &signer, &gc.group_id, rng)?;
        let provisional = provisional_context(gc, tree.tree_hash(&suite)?, None)?;
        let (path, secrets) = pending.encrypt(&suite, &tree, &provisional.to_bytes()?, &[], rng)?;
        let content = FramedContent {
            group_id: gc.group_id.clone(),
            epoch: gc.epoch,
            sender: Sender::NewMemberCommit,
            authenticated_data: options.authenticated_data,
            content: Content::Commit(Commit {
                proposals: proposals.into_iter().map(ProposalOrRef::Proposal).collect(),
                path: Some(path),
            }),
        };
        let (mut ac, tbs) = AuthenticatedContent::sign_keeping_tbs(
            &suite,
            &signer,
            WireFormat::PUBLIC_MESSAGE,
            content,
            Some(gc),
        )?;
        let interim_before = interim_transcript_hash(
            &suite,
            &gc.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )?;
        let (context, ks, tag) = next_epoch(
            &suite,
            &interim_before,
            provisional,
            CommitContent {
                content: ac.view(),
                tbs: Some(&tbs),
            },
            &init_secret,
            Some(&secrets.commit_secret),
            &psk,
        )?;
        ac.set_confirmation_tag(tag.clone())?;
        let message = MlsMessage::from(PublicMessage::protect(&suite, ac, None, Some(gc))?);
        let group = Group::enter_first_epoch(FirstEpoch {
            suite,
            config: options.config,
            identity,
            signer,
            tree,
            private_keys: secrets.private_keys,
            context,
            confirmation_tag: tag,
            epoch_secrets: ks.epoch_secrets,
            now: None,
            policy,
        })?;
        Ok((group, message))
    }
}

/// Signs a proposal from an external sender (§12.1.8): `sender_index` is
/// the sender's position in the group's `external_senders` extension.
/// External senders do not sign the GroupContext and send PublicMessages
/// without membership tag.
///
/// ```
/// # use mls_crypto::{CipherSuite, CryptoProvider}; use mls_rustcrypto::{OsRng, RustCrypto};
/// # use mls_group::*;
/// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// # let ds = ClientIdentity::generate(&suite, mls_types::Credential::Basic(b"ds".to_vec()), &mut OsRng).unwrap();
/// let msg = external_proposal(&suite, &ds, 0, b"group", 3,
///     mls_framing::Proposal::Remove(mls_framing::Remove { removed: 1 })).unwrap();
/// assert_eq!(msg.wire_format(), mls_framing::WireFormat::PUBLIC_MESSAGE);
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
