//! A Delivery Service's view of a group (RFC 9750 §5): the public tree
//! and GroupContext, followed through PublicMessage proposals and commits,
//! without any private key or epoch secret.

use alloc::boxed::Box;
use alloc::vec::Vec;

use mls_crypto::{CipherSuiteProvider, HpkePublicKey};
use mls_framing::{
    signature_key_for, Content, GroupInfo, KeyPackage, MlsMessage, MlsMessageBody, Sender,
};
use mls_keyschedule::interim_transcript_hash;
use mls_treekem::{
    validate_leaf_node_contents, LeafNode, LeafNodeContext, LeafValidationOptions, RatchetTree,
};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

use crate::join::{import_tree, verify_group_info_signature};
use crate::process::EXTERNAL_PLACEHOLDER_KEY;
use crate::proposals::{
    apply, resolve, validate_list, ApplyEnv, Committer, ProposalStore, StoredProposal,
};
use crate::{GroupError, GroupPolicy};

/// What [`PublicGroup::process_message`] saw.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum PublicEvent {
    /// A proposal, stored for this epoch.
    Proposal(StoredProposal),
    /// A commit, applied: the view is in the next epoch.
    Commit {
        /// Members added, with their leaf index.
        added: Vec<(LeafIndex, KeyPackage)>,
        /// Members removed, with their old leaf.
        removed: Vec<(LeafIndex, LeafNode)>,
        /// The committer's leaf (an external joiner's new leaf).
        committer: LeafIndex,
    },
}

/// The public state of a group: what a Delivery Service can verify
/// (signatures, proposal-list validity, tree and parent hashes, the
/// transcript) without being a member. Membership tags and confirmation
/// tags cannot be checked without the epoch's secrets.
///
/// ```
/// # use mls_crypto::{CipherSuite, CryptoProvider}; use mls_rustcrypto::{OsRng, RustCrypto};
/// # use mls_group::*;
/// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// # let a = ClientIdentity::generate(&suite, mls_types::Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
/// let mut alice = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
/// let mut ds = PublicGroup::from_group_info(suite, &alice.group_info(true, false).unwrap(), None).unwrap();
/// let out = alice.commit(vec![], &CommitOptions::default(), &mut OsRng).unwrap();
/// ds.process_message(&out.commit).unwrap();
/// alice.merge_pending_commit().unwrap();
/// assert_eq!(ds.context(), alice.context());
/// ```
pub struct PublicGroup<S: CipherSuiteProvider> {
    suite: S,
    tree: RatchetTree,
    context: GroupContext,
    interim_transcript_hash: Vec<u8>,
    proposals: ProposalStore,
    policy: Box<dyn GroupPolicy>,
}

impl<S: CipherSuiteProvider> PublicGroup<S> {
    /// Starts following a group from a GroupInfo (verified: tree
    /// integrity, signature).
    pub fn from_group_info(
        suite: S,
        info: &GroupInfo,
        ratchet_tree: Option<RatchetTree>,
    ) -> Result<Self, GroupError> {
        let tree = import_tree(&suite, info, ratchet_tree, None)?;
        verify_group_info_signature(&suite, info, &tree)?;
        let interim = interim_transcript_hash(
            &suite,
            &info.group_context.confirmed_transcript_hash,
            &info.confirmation_tag,
        )?;
        Ok(PublicGroup {
            suite,
            tree,
            context: info.group_context.clone(),
            interim_transcript_hash: interim,
            proposals: ProposalStore::default(),
            policy: Box::new(crate::AcceptAll),
        })
    }

    /// Installs the policy / authentication hook.
    pub fn set_policy(&mut self, policy: Box<dyn GroupPolicy>) {
        self.policy = policy;
    }

    /// The GroupContext.
    pub fn context(&self) -> &GroupContext {
        &self.context
    }

    /// The public ratchet tree.
    pub fn tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// Verifies a PublicMessage and follows it: proposals are stored,
    /// commits applied. PrivateMessages cannot be followed
    /// ([`GroupError::UnexpectedWireFormat`]). A failure changes nothing.
    pub fn process_message(&mut self, msg: &MlsMessage) -> Result<PublicEvent, GroupError> {
        let MlsMessageBody::PublicMessage(pm) = &msg.body else {
            return Err(GroupError::UnexpectedWireFormat);
        };
        if pm.content.group_id != self.context.group_id {
            return Err(GroupError::WrongGroupId);
        }
        if pm.content.epoch != self.context.epoch {
            return Err(GroupError::WrongEpoch {
                current: self.context.epoch,
                got: pm.content.epoch,
            });
        }
        let tree = &self.tree;
        let key = signature_key_for(&pm.content, Some(&self.context), |l| {
            tree.leaf(l).map(|n| n.signature_key.clone())
        })?;
        mls_framing::check_sender_rules(mls_framing::WireFormat::PUBLIC_MESSAGE, &pm.content)?;
        // Verified where it was decoded: a large commit is not copied.
        let ac = pm.authenticated_content_ref();
        ac.check_confirmation_tag_presence()?;
        let context = pm
            .content
            .sender
            .signs_group_context()
            .then_some(&self.context);
        let tbs = ac.verify_signature(&self.suite, &key, context)?;
        match &ac.content.content {
            Content::Proposal(p) => {
                let stored = StoredProposal {
                    reference: ac.proposal_ref(&self.suite)?,
                    proposal: p.clone(),
                    sender: ac.content.sender,
                };
                self.proposals.insert(stored.clone());
                Ok(PublicEvent::Proposal(stored))
            }
            Content::Commit(commit) => {
                let committer = match ac.content.sender {
                    Sender::Member(l) => Committer::Member(l),
                    Sender::NewMemberCommit => Committer::External,
                    _ => return Err(GroupError::UnexpectedWireFormat),
                };
                let list = resolve(&self.proposals, &commit.proposals, ac.content.sender)?;
                validate_list(&self.tree, committer, &list)?;
                self.tree.begin_changes();
                match self.apply_commit(ac, &tbs, commit, committer, &list) {
                    Ok((event, context, interim)) => {
                        self.tree.commit_changes();
                        self.context = context;
                        self.interim_transcript_hash = interim;
                        self.proposals = ProposalStore::default();
                        Ok(event)
                    }
                    Err(e) => {
                        self.tree.rollback_changes();
                        Err(e)
                    }
                }
            }
            Content::Application(_) => Err(GroupError::UnexpectedWireFormat),
        }
    }

    fn apply_commit(
        &mut self,
        ac: mls_framing::AuthenticatedContentRef<'_>,
        tbs: &mls_framing::EncodedTbs,
        commit: &mls_framing::Commit,
        committer: Committer,
        list: &[crate::proposals::Resolved],
    ) -> Result<(PublicEvent, GroupContext, Vec<u8>), GroupError> {
        let env = ApplyEnv {
            suite: &self.suite,
            context: &self.context,
            now: None,
            policy: self.policy.as_ref(),
            new_group: false,
        };
        let fx = apply(&env, &mut self.tree, list)?;
        if (fx.path_required || committer == Committer::External) && commit.path.is_none() {
            return Err(GroupError::PathRequired);
        }
        let group_id = self.context.group_id.clone();
        let mut sender = match committer {
            Committer::Member(l) => l,
            Committer::External => LeafIndex(u32::MAX),
        };
        if let Some(path) = &commit.path {
            if committer == Committer::External {
                let mut placeholder = path.leaf_node.clone();
                placeholder.encryption_key = HpkePublicKey(EXTERNAL_PLACEHOLDER_KEY.to_vec());
                sender = self.tree.add_leaf(placeholder)?;
            }
            let required = mls_framing::find_extension::<mls_types::RequiredCapabilities>(
                fx.extensions.as_deref().unwrap_or(&self.context.extensions),
            )?;
            // merge_update_path verifies the signature.
            validate_leaf_node_contents(
                &path.leaf_node,
                LeafNodeContext::Commit {
                    group_id: &group_id,
                    leaf_index: sender,
                },
                required.as_ref(),
                Some(&self.tree),
                &LeafValidationOptions::without_lifetime(),
            )?;
            let new_members: Vec<LeafIndex> = fx.added.iter().map(|(l, _)| *l).collect();
            self.tree
                .merge_update_path(&self.suite, sender, path, &group_id, &new_members)?;
        }
        let mut context = crate::epoch::provisional_context(
            &self.context,
            self.tree.tree_hash(&self.suite)?,
            fx.extensions.as_deref(),
        )?;
        context.confirmed_transcript_hash =
            ac.confirmed_transcript_hash(&self.suite, &self.interim_transcript_hash, Some(tbs))?;
        let tag = ac
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(GroupError::InvalidConfirmationTag)?;
        let interim =
            interim_transcript_hash(&self.suite, &context.confirmed_transcript_hash, tag)?;
        Ok((
            PublicEvent::Commit {
                added: fx.added,
                removed: fx.removed,
                committer: sender,
            },
            context,
            interim,
        ))
    }
}
