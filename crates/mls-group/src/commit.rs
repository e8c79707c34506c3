//! Creating a commit (RFC 9420 §12.4.1) and its Welcome (§12.4.3).

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, Rng};
use mls_framing::{
    Commit, Content, GroupInfo, GroupSecrets, MlsMessage, PathSecret, Proposal, ProposalOrRef,
    Sender, Welcome, WireFormat,
};
use mls_keyschedule::interim_transcript_hash;
use mls_treekem::LeafNodeSource;
use mls_types::tree_math::LeafIndex;
use mls_types::{Extension, ExtensionType};

use crate::epoch::{next_epoch, provisional_context, psk_secret, CommitContent, StagedCommit};
use crate::group::FirstEpoch;
use crate::proposals::{apply, resolve, validate_list, ApplyEnv, Committer};
use crate::{Group, GroupError, HandshakeFormat};

/// How to build a commit.
///
/// ```
/// use mls_group::{CommitOptions, HandshakeFormat};
/// let options = CommitOptions { force_path: true, wire_format: Some(HandshakeFormat::Private), ..CommitOptions::default() };
/// assert!(options.include_stored_proposals);
/// ```
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// Include an UpdatePath even if no proposal requires one.
    pub force_path: bool,
    /// Commit (by reference) every proposal received this epoch, except
    /// our own Updates (§12.2 forbids them).
    pub include_stored_proposals: bool,
    /// Override [`crate::GroupConfig::handshake_format`] for this commit.
    pub wire_format: Option<HandshakeFormat>,
    /// Override [`crate::GroupConfig::ratchet_tree_in_welcome`].
    pub ratchet_tree_in_welcome: Option<bool>,
    /// The commit's `authenticated_data`.
    pub authenticated_data: Vec<u8>,
}

impl Default for CommitOptions {
    fn default() -> Self {
        CommitOptions {
            force_path: false,
            include_stored_proposals: true,
            wire_format: None,
            ratchet_tree_in_welcome: None,
            authenticated_data: Vec::new(),
        }
    }
}

/// What [`Group::commit`] returns. The commit is also kept as the group's
/// pending commit until [`Group::merge_pending_commit`] or
/// [`Group::clear_pending_commit`].
#[derive(Debug, Clone)]
pub struct CommitOutput {
    /// The commit, to send to the group.
    pub commit: MlsMessage,
    /// The Welcome for the added members, if any.
    pub welcome: Option<MlsMessage>,
    /// The signed GroupInfo of the new epoch (the one inside the Welcome).
    pub group_info: Option<GroupInfo>,
}

/// Our commit awaiting the Delivery Service's confirmation.
#[derive(Debug, Clone)]
pub struct PendingCommit {
    pub(crate) staged: StagedCommit,
    pub(crate) message: MlsMessage,
}

impl PendingCommit {
    /// The commit message sent.
    pub fn message(&self) -> &MlsMessage {
        &self.message
    }

    /// What the commit does.
    pub fn staged(&self) -> &StagedCommit {
        &self.staged
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Our pending commit, if any.
    pub fn pending_commit(&self) -> Option<&PendingCommit> {
        self.pending_commit.as_ref()
    }

    /// Creates a commit of `proposals` (by value) plus, if
    /// `options.include_stored_proposals`, the proposals received this
    /// epoch (by reference). The path is included when required (§12.4)
    /// or forced. Nothing changes until [`Group::merge_pending_commit`].
    pub fn commit(
        &mut self,
        proposals: Vec<Proposal>,
        options: &CommitOptions,
        rng: &mut dyn Rng,
    ) -> Result<CommitOutput, GroupError> {
        if !self.is_active() {
            return Err(GroupError::GroupInactive);
        }
        if self.pending_commit.is_some() {
            return Err(GroupError::CommitPending);
        }
        let me = self.own_leaf();
        let mut refs = Vec::new();
        if options.include_stored_proposals {
            refs = self.stored_proposals_to_commit(&proposals);
        }
        refs.extend(proposals.into_iter().map(ProposalOrRef::Proposal));
        let list = resolve(&self.proposals, &refs, Sender::Member(me))?;
        validate_list(&self.tree, Committer::Member(me), &list)?;
        self.tree.begin_changes();
        let (output, mut staged) = match self.commit_inner(refs, &list, options, rng) {
            Ok(r) => r,
            Err(e) => {
                self.tree.rollback_changes();
                return Err(e);
            }
        };
        staged.tree_changes = self.tree.take_changes();
        self.pending_commit = Some(PendingCommit {
            staged,
            message: output.commit.clone(),
        });
        Ok(output)
    }

    /// The stored proposals a commit can include (§12.2's SHOULDs): not
    /// our own Updates nor our removal; for a leaf, a Remove wins over
    /// Updates and the most recent Update over older ones; one Remove per
    /// leaf; a ReInit only if nothing else is committed.
    fn stored_proposals_to_commit(&self, by_value: &[Proposal]) -> Vec<ProposalOrRef> {
        let me = self.own_leaf();
        let removed: alloc::collections::BTreeSet<u32> = self
            .proposals
            .entries
            .iter()
            .map(|e| &e.proposal)
            .chain(by_value.iter())
            .filter_map(|p| match p {
                Proposal::Remove(r) => Some(r.removed),
                _ => None,
            })
            .collect();
        let mut seen_update = alloc::collections::BTreeSet::new();
        let mut seen_remove = alloc::collections::BTreeSet::new();
        let mut chosen = Vec::new();
        for e in self.proposals.entries.iter().rev() {
            let keep = match (&e.proposal, e.sender) {
                (Proposal::Update(_), Sender::Member(l)) => {
                    l != me && !removed.contains(&l.0) && seen_update.insert(l.0)
                }
                (Proposal::Remove(r), _) => r.removed != me.0 && seen_remove.insert(r.removed),
                _ => true,
            };
            if keep {
                chosen.push(e);
            }
        }
        chosen.reverse();
        let others = chosen
            .iter()
            .filter(|e| !matches!(e.proposal, Proposal::ReInit(_)))
            .count()
            + by_value.len();
        chosen
            .into_iter()
            .filter(|e| others == 0 || !matches!(e.proposal, Proposal::ReInit(_)))
            .map(|e| ProposalOrRef::Reference(e.reference.clone()))
            .collect()
    }

    fn commit_inner(
        &mut self,
        refs: Vec<ProposalOrRef>,
        list: &[crate::proposals::Resolved],
        options: &CommitOptions,
        rng: &mut dyn Rng,
    ) -> Result<(CommitOutput, StagedCommit), GroupError> {
        let me = self.own_leaf();
        let env = ApplyEnv {
            suite: &self.suite,
            context: &self.context,
            now: self.lifetime_now(),
            policy: self.policy.as_ref(),
            new_group: self.context.epoch == 0,
        };
        let fx = apply(&env, &mut self.tree, list)?;
        let new_members: Vec<LeafIndex> = fx.added.iter().map(|(l, _)| *l).collect();
        let group_id = self.context.group_id.clone();
        let (path, secrets, provisional) = if fx.path_required || options.force_path {
            let leaf = self
                .own_leaf_node()
                .cloned()
                .ok_or(GroupError::GroupInactive)?;
            let pending = self.tree.prepare_update_path(
                &self.suite,
                me,
                leaf,
                &self.signer,
                &group_id,
                rng,
            )?;
            let provisional = provisional_context(
                &self.context,
                self.tree.tree_hash(&self.suite)?,
                fx.extensions.as_deref(),
            )?;
            let (path, secrets) = pending.encrypt(
                &self.suite,
                &self.tree,
                &provisional.to_bytes()?,
                &new_members,
                rng,
            )?;
            (Some(path), Some(secrets), provisional)
        } else {
            let provisional = provisional_context(
                &self.context,
                self.tree.tree_hash(&self.suite)?,
                fx.extensions.as_deref(),
            )?;
            (None, None, provisional)
        };
        let private_keys = match &secrets {
            Some(s) => s.private_keys.clone(),
            None => {
                let mut k = self.private_keys.clone();
                k.prune(&self.tree);
                k
            }
        };
        let wire_format = match options.wire_format.unwrap_or(self.config.handshake_format) {
            HandshakeFormat::Public => WireFormat::PUBLIC_MESSAGE,
            HandshakeFormat::Private => WireFormat::PRIVATE_MESSAGE,
        };
        let commit = Commit {
            proposals: refs,
            path,
        };
        // The signed TBS is reused for the transcript hash and the
        // membership tag: a large commit is encoded once.
        let (mut ac, tbs) = self.sign_content_keeping_tbs(
            wire_format,
            Content::Commit(commit),
            options.authenticated_data.clone(),
        )?;
        let init = self.epoch_secrets.init_secret().clone();
        let psk = psk_secret(self, None, &fx.psks)?;
        let (context, key_schedule, tag) = next_epoch(
            &self.suite,
            &self.interim_transcript_hash,
            provisional,
            CommitContent {
                content: ac.view(),
                tbs: Some(&tbs),
            },
            &init,
            secrets.as_ref().map(|s| &s.commit_secret),
            &psk,
        )?;
        ac.set_confirmation_tag(tag.clone())?;
        let interim =
            interim_transcript_hash(&self.suite, &context.confirmed_transcript_hash, &tag)?;

        let (welcome, group_info) = if fx.added.is_empty() {
            (None, None)
        } else {
            let mut extensions = Vec::new();
            if options
                .ratchet_tree_in_welcome
                .unwrap_or(self.config.ratchet_tree_in_welcome)
            {
                extensions.push(Extension::new(
                    ExtensionType::RATCHET_TREE,
                    self.tree.to_extension_bytes()?,
                ));
            }
            let mut info = GroupInfo {
                group_context: context.clone(),
                extensions,
                confirmation_tag: tag.clone(),
                signer: me,
                signature: Vec::new(),
            };
            // Encoded once (with the tree), signed, and encrypted in place.
            let encoded_info = info.sign_encoded(&self.suite, &self.signer)?;
            let group_secrets: Vec<GroupSecrets> = fx
                .added
                .iter()
                .map(|(leaf, _)| GroupSecrets {
                    joiner_secret: key_schedule.joiner_secret.as_bytes().to_vec(),
                    path_secret: secrets.as_ref().and_then(|s| s.path_secret_for(*leaf)).map(
                        |(_, p)| PathSecret {
                            path_secret: p.as_bytes().to_vec(),
                        },
                    ),
                    psks: fx.psks.clone(),
                })
                .collect();
            let welcome = Welcome::seal_encoded(
                &self.suite,
                encoded_info,
                &key_schedule.joiner_secret,
                &psk,
                fx.added.iter().map(|(_, kp)| kp).zip(group_secrets.iter()),
                rng,
            )?;
            (Some(MlsMessage::from(welcome)), Some(info))
        };
        let message = self.protect_with_tbs(ac, Some(tbs), rng)?;
        let staged = StagedCommit {
            tree_changes: mls_treekem::TreeChanges::default(),
            from_epoch: self.context.epoch,
            context,
            key_schedule,
            interim_transcript_hash: interim,
            confirmation_tag: tag,
            private_keys: Some(private_keys),
            committer: Some(me),
            added: fx.added,
            removed: fx.removed,
            updated: fx.updated,
            new_extensions: fx.extensions,
            psks: fx.psks,
            reinit: fx.reinit,
            custom: fx.custom,
            own: true,
            external: false,
        };
        Ok((
            CommitOutput {
                commit: message,
                welcome,
                group_info,
            },
            staged,
        ))
    }

    /// Creates a new one-member group (§11) with `extensions` in its
    /// GroupContext. Epoch 0; add members with [`Group::commit`].
    pub fn create(
        suite: S,
        identity: crate::ClientIdentity,
        group_id: Vec<u8>,
        extensions: Vec<Extension>,
        config: crate::GroupConfig,
        rng: &mut dyn Rng,
    ) -> Result<Self, GroupError> {
        let kp = crate::KeyPackageBundle::create(
            &suite,
            &identity,
            crate::KeyPackageOptions::default(),
            rng,
        )?;
        Self::create_with_leaf(suite, kp, group_id, extensions, config, rng)
    }

    /// Like [`Group::create`], with the creator's leaf taken from one of
    /// its KeyPackages (its capabilities, lifetime and extensions).
    pub fn create_with_leaf(
        suite: S,
        bundle: crate::KeyPackageBundle,
        group_id: Vec<u8>,
        extensions: Vec<Extension>,
        config: crate::GroupConfig,
        rng: &mut dyn Rng,
    ) -> Result<Self, GroupError> {
        use mls_keyschedule::{InitSecret, KeyScheduleOutput, PskSecret};
        use mls_treekem::{RatchetTree, TreePrivateKeys};
        use mls_types::GroupContext;
        let leaf = bundle.key_package.leaf_node.clone();
        if !matches!(leaf.leaf_node_source, LeafNodeSource::KeyPackage(_)) {
            return Err(GroupError::InvalidArgument(
                "leaf must come from a KeyPackage",
            ));
        }
        mls_framing::check_unique_extensions(&extensions)?;
        if let Some(req) =
            mls_framing::find_extension::<mls_types::RequiredCapabilities>(&extensions)?
        {
            let caps = &leaf.capabilities;
            if !req
                .extension_types
                .iter()
                .all(|t| caps.supports_extension(*t))
                || !req
                    .proposal_types
                    .iter()
                    .all(|t| caps.supports_proposal(*t))
                || !req
                    .credential_types
                    .iter()
                    .all(|t| caps.supports_credential(*t))
            {
                return Err(GroupError::InvalidArgument(
                    "creator does not support the required capabilities",
                ));
            }
        }
        let mut tree = RatchetTree::new(leaf.clone());
        let private_keys = TreePrivateKeys::new(
            LeafIndex(0),
            leaf.encryption_key.clone(),
            bundle.encryption_private.clone(),
        );
        let mut context = GroupContext::new(
            suite.cipher_suite(),
            group_id,
            0,
            tree.tree_hash(&suite)?,
            Vec::new(),
        );
        context.extensions = extensions;
        let init = InitSecret::random(&suite, rng)?;
        let ks = KeyScheduleOutput::derive(
            &suite,
            &init,
            None,
            &context.to_bytes()?,
            &PskSecret::zero(&suite),
        )?;
        let tag = ks
            .epoch_secrets
            .confirmation_tag(&suite, &context.confirmed_transcript_hash)?;
        let signer = bundle.identity.signer(&suite)?;
        Group::enter_first_epoch(FirstEpoch {
            suite,
            config,
            identity: bundle.identity.clone(),
            signer,
            tree,
            private_keys,
            context,
            confirmation_tag: tag,
            epoch_secrets: ks.epoch_secrets,
            now: None,
            policy: Self::default_policy(),
        })
    }
}
