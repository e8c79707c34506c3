//! Processing a received commit into a [`StagedCommit`] (RFC 9420 §12.4.2),
//! and merging staged and pending commits.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, HpkePublicKey};
use mls_framing::{AuthenticatedContentRef, Commit, Content, EncodedTbs, Sender};
use mls_keyschedule::{interim_transcript_hash, InitSecret};
use mls_treekem::{
    validate_leaf_node_contents, LeafNodeContext, LeafValidationOptions, TreeChanges,
};
use mls_types::tree_math::LeafIndex;
use mls_types::RequiredCapabilities;

use crate::epoch::{next_epoch, provisional_context, psk_secret, CommitContent, StagedCommit};
use crate::proposals::{apply, check_auth, resolve, validate_list, ApplyEnv, Committer, Resolved};
use crate::{Group, GroupError};

/// The encryption key of the placeholder leaf an external joiner occupies
/// while its UpdatePath is merged (replaced by the path's leaf).
pub(crate) const EXTERNAL_PLACEHOLDER_KEY: &[u8] = b"mls-group external join placeholder";

impl<S: CipherSuiteProvider> Group<S> {
    pub(crate) fn lifetime_now(&self) -> Option<u64> {
        if self.config.check_lifetimes {
            self.now
        } else {
            None
        }
    }

    /// Validates a received commit and computes the next epoch without
    /// changing the group: the tree is changed under the undo log, and the
    /// changes are taken out into the staged commit. `tbs` is the commit's
    /// FramedContentTBS as verified, if kept (for the transcript hash).
    pub(crate) fn stage_commit(
        &mut self,
        ac: AuthenticatedContentRef<'_>,
        tbs: Option<&EncodedTbs>,
    ) -> Result<StagedCommit, GroupError> {
        let Content::Commit(commit) = &ac.content.content else {
            return Err(GroupError::UnexpectedWireFormat);
        };
        let committer = match ac.content.sender {
            Sender::Member(l) if l == self.own_leaf() => return Err(GroupError::OwnCommit),
            Sender::Member(l) => Committer::Member(l),
            Sender::NewMemberCommit => Committer::External,
            _ => return Err(GroupError::UnexpectedWireFormat),
        };
        let list = resolve(&self.proposals, &commit.proposals, ac.content.sender)?;
        validate_list(&self.tree, committer, &list)?;
        self.tree.begin_changes();
        match self.stage_inner(CommitContent { content: ac, tbs }, commit, committer, &list) {
            Ok(mut staged) => {
                // Keep the new tree as changes; the group stays as it was.
                staged.tree_changes = self.tree.take_changes();
                Ok(staged)
            }
            Err(e) => {
                self.tree.rollback_changes();
                Err(e)
            }
        }
    }

    fn stage_inner(
        &mut self,
        ac: CommitContent<'_>,
        commit: &Commit,
        committer: Committer,
        list: &[Resolved],
    ) -> Result<StagedCommit, GroupError> {
        let suite = &self.suite;
        let env = ApplyEnv {
            suite,
            context: &self.context,
            now: self.lifetime_now(),
            policy: self.policy.as_ref(),
            new_group: false,
        };
        let fx = apply(&env, &mut self.tree, list)?;
        if (fx.path_required || committer == Committer::External) && commit.path.is_none() {
            return Err(GroupError::PathRequired);
        }
        let me = self.own_leaf();
        let mut private_keys = if fx.removed.iter().any(|(l, _)| *l == me) {
            None
        } else {
            Some(self.private_keys.clone())
        };
        if let (Some(keys), true) = (private_keys.as_mut(), fx.updated.contains(&me)) {
            let public = self
                .tree
                .leaf(me)
                .map(|l| l.encryption_key.clone())
                .ok_or(GroupError::InvalidState("own leaf missing"))?;
            let private = self
                .proposals
                .own_leaf_keys
                .iter()
                .find(|(p, _)| *p == public)
                .map(|(_, k)| k.clone())
                .ok_or(GroupError::InvalidState("no private key for our Update"))?;
            keys.insert(me.node(), public, private);
        }
        let extensions = fx.extensions.as_deref();
        let required = mls_framing::find_extension::<RequiredCapabilities>(
            extensions.unwrap_or(&self.context.extensions),
        )?;
        let group_id = self.context.group_id.clone();
        let new_members: Vec<LeafIndex> = fx.added.iter().map(|(l, _)| *l).collect();
        let (provisional, commit_secret, sender_leaf) = if let Some(path) = &commit.path {
            let sender_leaf = match committer {
                Committer::Member(l) => {
                    let old = self
                        .tree
                        .leaf(l)
                        .ok_or(GroupError::InvalidState("committer"))?;
                    if !self
                        .policy
                        .valid_successor(&old.credential, &path.leaf_node.credential)
                    {
                        return Err(GroupError::CredentialRejected);
                    }
                    l
                }
                Committer::External => {
                    if let Some((_, old)) = fx.removed.first() {
                        if !self
                            .policy
                            .valid_successor(&old.credential, &path.leaf_node.credential)
                        {
                            return Err(GroupError::CredentialRejected);
                        }
                    }
                    let mut placeholder = path.leaf_node.clone();
                    placeholder.encryption_key = HpkePublicKey(EXTERNAL_PLACEHOLDER_KEY.to_vec());
                    self.tree.add_leaf(placeholder)?
                }
            };
            check_auth(self.policy.as_ref(), &path.leaf_node)?;
            let options = match self.lifetime_now() {
                Some(t) => LeafValidationOptions::at(t),
                None => LeafValidationOptions::without_lifetime(),
            };
            // merge_update_path verifies the signature.
            validate_leaf_node_contents(
                &path.leaf_node,
                LeafNodeContext::Commit {
                    group_id: &group_id,
                    leaf_index: sender_leaf,
                },
                required.as_ref(),
                Some(&self.tree),
                &options,
            )?;
            let merged = self.tree.merge_update_path(
                &self.suite,
                sender_leaf,
                path,
                &group_id,
                &new_members,
            )?;
            let provisional =
                provisional_context(&self.context, self.tree.tree_hash(&self.suite)?, extensions)?;
            let commit_secret = match private_keys.as_mut() {
                Some(keys) => Some(
                    merged
                        .decrypt(
                            &self.suite,
                            &self.tree,
                            path,
                            keys,
                            &provisional.to_bytes()?,
                        )?
                        .commit_secret,
                ),
                None => None,
            };
            (provisional, commit_secret, sender_leaf)
        } else {
            let Committer::Member(l) = committer else {
                return Err(GroupError::PathRequired);
            };
            if let Some(keys) = private_keys.as_mut() {
                keys.prune(&self.tree);
            }
            let provisional =
                provisional_context(&self.context, self.tree.tree_hash(&self.suite)?, extensions)?;
            (provisional, None, l)
        };
        let init: InitSecret = match &fx.external_init {
            Some(kem_output) => self
                .epoch_secrets
                .external_init_secret(&self.suite, kem_output)?,
            None => self.epoch_secrets.init_secret().clone(),
        };
        let psk = psk_secret(self, None, &fx.psks)?;
        let removed_us = private_keys.is_none();
        let auth = ac.content.auth;
        let (context, key_schedule, tag) = next_epoch(
            &self.suite,
            &self.interim_transcript_hash,
            provisional,
            ac,
            &init,
            commit_secret.as_ref(),
            &psk,
        )?;
        let got = auth
            .confirmation_tag
            .as_ref()
            .ok_or(GroupError::InvalidConfirmationTag)?;
        if !removed_us && !mls_crypto::Secret::from(tag).ct_eq_bytes(got) {
            return Err(GroupError::InvalidConfirmationTag);
        }
        let interim =
            interim_transcript_hash(&self.suite, &context.confirmed_transcript_hash, got)?;
        Ok(StagedCommit {
            tree_changes: TreeChanges::default(),
            from_epoch: self.context.epoch,
            context,
            key_schedule,
            interim_transcript_hash: interim,
            confirmation_tag: got.clone(),
            private_keys,
            committer: Some(sender_leaf),
            added: fx.added,
            removed: fx.removed,
            updated: fx.updated,
            new_extensions: fx.extensions,
            psks: fx.psks,
            reinit: fx.reinit,
            custom: fx.custom,
            own: false,
            external: committer == Committer::External,
        })
    }

    /// Applies a commit staged by [`Group::process_message`]: the group
    /// moves to the new epoch.
    pub fn merge_staged_commit(&mut self, staged: StagedCommit) -> Result<(), GroupError> {
        if staged.own {
            return Err(GroupError::OwnCommit);
        }
        self.install(staged)
    }

    /// Applies our pending commit once the Delivery Service has accepted
    /// it (RFC 9750 §5.2.1).
    pub fn merge_pending_commit(&mut self) -> Result<(), GroupError> {
        let pending = self
            .pending_commit
            .take()
            .ok_or(GroupError::NoPendingCommit)?;
        let staged = pending.staged.clone();
        match self.install(staged) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.pending_commit = Some(pending);
                Err(e)
            }
        }
    }

    /// Drops our pending commit (another commit won the epoch).
    pub fn clear_pending_commit(&mut self) {
        self.pending_commit = None;
    }
}
