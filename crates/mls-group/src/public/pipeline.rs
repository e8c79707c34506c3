//! The one commit pipeline (RFC 9420 §12.4): every commit — created by
//! us, received by a member, followed by the Delivery Service's view, or
//! made by an external joiner — resolves, validates and applies its
//! proposals, checks the committer's path leaf and computes the
//! provisional GroupContext and transcript hashes here. Only what needs
//! secrets (path encryption and decryption, the key schedule, the
//! confirmation tag) happens outside, through [`CommitSecrets`].

use mls_crypto::{CipherSuiteProvider, HpkePublicKey};
use mls_framing::{AuthenticatedContentRef, Content, EncodedTbs, ProposalOrRef, Sender};
use mls_keyschedule::interim_transcript_hash;
use mls_treekem::{
    validate_leaf_node_contents, LeafNode, LeafNodeContext, MergedUpdatePath, RatchetTree,
    TreeChanges, UpdatePath,
};
use mls_types::tree_math::LeafIndex;
use mls_types::{CapabilityRequirements, GroupContext, RequiredCapabilities};

use super::apply::{apply, leaf_options, ApplyEnv, Effects};
use super::staged::PublicStagedCommit;
use super::store::resolve;
use super::validate::validate_list;
use super::PublicGroup;
use crate::{CredentialContext, GroupError};

/// The encryption key of the placeholder leaf an external joiner occupies
/// while its UpdatePath is merged (replaced by the path's leaf).
const EXTERNAL_PLACEHOLDER_KEY: &[u8] = b"mls-group external join placeholder";

/// Who commits: a member, or an external joiner (§12.4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Committer {
    Member(LeafIndex),
    External,
}

impl Committer {
    /// The committer a commit's sender names (§6: only members and new
    /// members can commit).
    pub(crate) fn of(sender: Sender) -> Result<Self, GroupError> {
        match sender {
            Sender::Member(l) => Ok(Committer::Member(l)),
            Sender::NewMemberCommit => Ok(Committer::External),
            _ => Err(GroupError::UnexpectedWireFormat),
        }
    }

    fn sender(self) -> Sender {
        match self {
            Committer::Member(l) => Sender::Member(l),
            Committer::External => Sender::NewMemberCommit,
        }
    }
}

/// The leaf a commit's UpdatePath gives the committer.
#[derive(Clone, Copy)]
pub(crate) enum PathLeaf<'a> {
    /// The commit has no path.
    Absent,
    /// A received path's leaf: the policy and every §7.3 check (its
    /// signature is verified with the path).
    Received(&'a LeafNode),
    /// The leaf we are about to sign into our own path: the policy only.
    Own(&'a LeafNode),
}

impl PathLeaf<'_> {
    fn leaf(&self) -> Option<&LeafNode> {
        match self {
            PathLeaf::Absent => None,
            PathLeaf::Received(l) | PathLeaf::Own(l) => Some(l),
        }
    }
}

/// A commit's proposals applied to the tree (under its journal).
#[derive(Debug)]
pub(crate) struct Applied {
    pub fx: Effects,
    pub committer: Committer,
    /// The committer's leaf in the new tree (an external joiner's
    /// placeholder once [`PublicGroup::admit_committer`] has run).
    pub leaf: Option<LeafIndex>,
}

/// What a member adds to the pipeline for a received commit: everything
/// that needs its private keys or the epoch's secrets. The Delivery
/// Service's view runs the same pipeline with [`NoSecrets`].
pub(crate) trait CommitSecrets<S> {
    /// The commit's path was merged: `tree` is the new tree and
    /// `provisional` the provisional GroupContext (§12.4.2).
    fn path_merged(
        &mut self,
        suite: &S,
        tree: &RatchetTree,
        applied: &Applied,
        path: &UpdatePath,
        merged: &MergedUpdatePath,
        provisional: &GroupContext,
    ) -> Result<(), GroupError>;

    /// The commit has no path; `tree` is the new tree.
    fn no_path(&mut self, tree: &RatchetTree, applied: &Applied) -> Result<(), GroupError>;

    /// The new epoch's GroupContext is known: derive its secrets and check
    /// the commit's confirmation tag `tag` (§8.1, §12.4.2).
    fn new_epoch(
        &mut self,
        suite: &S,
        context: &GroupContext,
        applied: &Applied,
        tag: &[u8],
    ) -> Result<(), GroupError>;
}

/// The secrets of a follower without any: the Delivery Service's view.
pub(crate) struct NoSecrets;

impl<S> CommitSecrets<S> for NoSecrets {
    fn path_merged(
        &mut self,
        _: &S,
        _: &RatchetTree,
        _: &Applied,
        _: &UpdatePath,
        _: &MergedUpdatePath,
        _: &GroupContext,
    ) -> Result<(), GroupError> {
        Ok(())
    }

    fn no_path(&mut self, _: &RatchetTree, _: &Applied) -> Result<(), GroupError> {
        Ok(())
    }

    fn new_epoch(
        &mut self,
        _: &S,
        _: &GroupContext,
        _: &Applied,
        _: &[u8],
    ) -> Result<(), GroupError> {
        Ok(())
    }
}

/// A commit's content and, if kept from signing or verifying it, its
/// encoded FramedContentTBS (whose content bytes the confirmed transcript
/// hash reuses).
pub(crate) struct CommitContent<'a> {
    pub content: AuthenticatedContentRef<'a>,
    pub tbs: Option<&'a EncodedTbs>,
}

impl<S: CipherSuiteProvider> PublicGroup<S> {
    /// Runs `f` with the tree's changes journaled. Either way the tree is
    /// left as it was; on success `f`'s result comes with the changes, to
    /// apply when the commit is merged.
    pub(crate) fn staging<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, GroupError>,
    ) -> Result<(T, TreeChanges), GroupError> {
        self.tree.begin_changes();
        match f(self) {
            Ok(out) => Ok((out, self.tree.take_changes())),
            Err(e) => {
                self.tree.rollback_changes();
                Err(e)
            }
        }
    }

    /// Resolves a commit's proposals (§12.4.2), validates the list
    /// (§12.2) and applies it (§12.1, §12.3) to the tree.
    pub(crate) fn apply_commit(
        &mut self,
        committer: Committer,
        proposals: &[ProposalOrRef],
    ) -> Result<Applied, GroupError> {
        let list = resolve(&self.proposals, proposals, committer.sender())?;
        validate_list(&self.tree, committer, &list)?;
        let env = ApplyEnv {
            suite: &self.suite,
            context: &self.context,
            now: self.now,
            lifetime_now: self.lifetime_now(),
            policy: self.policy.as_ref(),
            new_group: self.context.epoch == 0,
        };
        let fx = apply(&env, &mut self.tree, &list)?;
        let leaf = match committer {
            Committer::Member(l) => Some(l),
            Committer::External => None,
        };
        Ok(Applied {
            fx,
            committer,
            leaf,
        })
    }

    /// The committer's path leaf (§12.4.2): required if the proposals or
    /// an external join need a path; acceptable to the policy as the
    /// successor of the leaf it replaces (the committer's, or for a
    /// resync the removed one); valid for §7.3 when received. An external
    /// joiner is placed in the tree here, under a placeholder key its
    /// path replaces.
    pub(crate) fn admit_committer(
        &mut self,
        applied: &mut Applied,
        path_leaf: PathLeaf<'_>,
    ) -> Result<(), GroupError> {
        let external = applied.committer == Committer::External;
        let Some(leaf) = path_leaf.leaf() else {
            if applied.fx.path_required || external {
                return Err(GroupError::PathRequired);
            }
            return Ok(());
        };
        let replaced = match applied.committer {
            Committer::Member(l) => self.tree.leaf(l),
            Committer::External => applied.fx.removed.first().map(|(_, old)| old),
        };
        let context = if external {
            CredentialContext::ExternalJoin
        } else {
            CredentialContext::CommitPath
        };
        match replaced {
            Some(old) => self.auth().successor(&old.credential, leaf, context)?,
            None => self.auth().leaf(leaf, context)?,
        }
        if external {
            let mut placeholder = leaf.clone();
            placeholder.encryption_key = HpkePublicKey(EXTERNAL_PLACEHOLDER_KEY.to_vec());
            applied.leaf = Some(self.tree.add_leaf(placeholder)?);
        }
        if let (PathLeaf::Received(leaf), Some(at)) = (path_leaf, applied.leaf) {
            let extensions = applied
                .fx
                .extensions
                .as_deref()
                .unwrap_or(&self.context.extensions);
            let required = mls_framing::find_extension::<RequiredCapabilities>(extensions)?
                .map(|r| CapabilityRequirements::new(&r));
            validate_leaf_node_contents(
                leaf,
                LeafNodeContext::Commit {
                    group_id: &self.context.group_id,
                    leaf_index: at,
                },
                required.as_ref(),
                Some(&self.tree),
                &leaf_options(self.lifetime_now()),
            )?;
        }
        Ok(())
    }

    /// The provisional GroupContext (§12.4.2): the next epoch, the tree
    /// hash of the tree as it is now, the new extensions if any, the old
    /// confirmed transcript hash.
    pub(crate) fn provisional_context(&mut self, fx: &Effects) -> Result<GroupContext, GroupError> {
        let mut gc = self.context.clone();
        gc.epoch = gc
            .epoch
            .checked_add(1)
            .ok_or(GroupError::Internal("epoch overflow"))?;
        gc.tree_hash = self.tree.tree_hash(&self.suite)?;
        if let Some(ext) = &fx.extensions {
            gc.extensions = ext.clone();
        }
        Ok(gc)
    }

    /// The new epoch's GroupContext: the provisional one with the
    /// confirmed transcript hash of `commit` (§8.2).
    pub(crate) fn next_context(
        &self,
        mut provisional: GroupContext,
        commit: &CommitContent<'_>,
    ) -> Result<GroupContext, GroupError> {
        provisional.confirmed_transcript_hash = commit.content.confirmed_transcript_hash(
            &self.suite,
            &self.interim_transcript_hash,
            commit.tbs,
        )?;
        Ok(provisional)
    }

    /// A received commit (§12.4.2), for a member and for the Delivery
    /// Service's view alike: everything of this group is checked and
    /// computed here, what needs secrets by `secrets`. Nothing changes;
    /// the result is merged with [`PublicGroup::merge_staged`].
    pub(crate) fn stage_received<H: CommitSecrets<S>>(
        &mut self,
        commit: CommitContent<'_>,
        secrets: &mut H,
    ) -> Result<PublicStagedCommit, GroupError> {
        let Content::Commit(body) = &commit.content.content.content else {
            return Err(GroupError::UnexpectedWireFormat);
        };
        let committer = Committer::of(commit.content.content.sender)?;
        let tag = commit
            .content
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(GroupError::InvalidConfirmationTag)?;
        let from_epoch = self.context.epoch;
        let ((applied, context), changes) = self.staging(|g| {
            let mut applied = g.apply_commit(committer, &body.proposals)?;
            let path_leaf = match &body.path {
                Some(path) => PathLeaf::Received(&path.leaf_node),
                None => PathLeaf::Absent,
            };
            g.admit_committer(&mut applied, path_leaf)?;
            let provisional = match (&body.path, applied.leaf) {
                (Some(path), Some(at)) => {
                    let merged = g.tree.merge_update_path(
                        &g.suite,
                        at,
                        path,
                        &g.context.group_id,
                        &applied.fx.new_members(),
                    )?;
                    let provisional = g.provisional_context(&applied.fx)?;
                    secrets.path_merged(
                        &g.suite,
                        &g.tree,
                        &applied,
                        path,
                        &merged,
                        &provisional,
                    )?;
                    provisional
                }
                _ => {
                    secrets.no_path(&g.tree, &applied)?;
                    g.provisional_context(&applied.fx)?
                }
            };
            let context = g.next_context(provisional, &commit)?;
            secrets.new_epoch(&g.suite, &context, &applied, tag)?;
            Ok((applied, context))
        })?;
        let interim_transcript_hash =
            interim_transcript_hash(&self.suite, &context.confirmed_transcript_hash, tag)?;
        Ok(PublicStagedCommit {
            changes,
            from_epoch,
            context,
            interim_transcript_hash,
            confirmation_tag: tag.clone(),
            committer: applied.leaf.ok_or(GroupError::Internal("committer leaf"))?,
            external: applied.committer == Committer::External,
            effects: applied.fx,
        })
    }
}
