//! A validated commit's effect on the public state, computed but not yet
//! applied (RFC 9420 §12.4.2: stage, then merge).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::CipherSuiteProvider;
use mls_framing::{CustomProposal, KeyPackage, ReInit, Sender};
use mls_keyschedule::PreSharedKeyID;
use mls_treekem::{LeafNode, TreeChanges};
use mls_types::tree_math::LeafIndex;
use mls_types::{Extension, GroupContext};

use super::apply::Effects;
use super::PublicGroup;
use crate::GroupError;

/// What a validated commit does to the public group state: the new tree
/// (as changes to the current one), GroupContext and transcript hashes,
/// and what its proposals did. Members embed it in their
/// [`StagedCommit`](crate::StagedCommit); the Delivery Service's view
/// merges it with [`PublicGroup::merge_staged_commit`].
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PublicStagedCommit {
    pub(crate) changes: TreeChanges,
    pub(crate) from_epoch: u64,
    pub(crate) context: GroupContext,
    pub(crate) interim_transcript_hash: Vec<u8>,
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) committer: LeafIndex,
    pub(crate) external: bool,
    pub(crate) effects: Effects,
}

impl PublicStagedCommit {
    /// The commit's confirmation tag (§6.1), the new epoch's: what a
    /// GroupInfo of that epoch carries.
    pub fn confirmation_tag(&self) -> &[u8] {
        &self.confirmation_tag
    }

    /// The epoch the commit was made in.
    pub fn from_epoch(&self) -> u64 {
        self.from_epoch
    }

    /// The GroupContext of the new epoch.
    pub fn context(&self) -> &GroupContext {
        &self.context
    }

    /// The new epoch number.
    pub fn new_epoch(&self) -> u64 {
        self.context.epoch
    }

    /// The committer's leaf in the new epoch (an external joiner's new leaf).
    pub fn committer(&self) -> LeafIndex {
        self.committer
    }

    /// Whether this is an external commit (§12.4.3.2).
    pub fn is_external(&self) -> bool {
        self.external
    }

    /// The members added, with their new leaf index.
    pub fn added(&self) -> &[(LeafIndex, KeyPackage)] {
        &self.effects.added
    }

    /// The members removed, with their old leaf.
    pub fn removed(&self) -> &[(LeafIndex, LeafNode)] {
        &self.effects.removed
    }

    /// The leaves updated by Update proposals.
    pub fn updated(&self) -> &[LeafIndex] {
        &self.effects.updated
    }

    /// The new GroupContext extensions, if a GroupContextExtensions
    /// proposal was committed.
    pub fn new_extensions(&self) -> Option<&[Extension]> {
        self.effects.extensions.as_deref()
    }

    /// The PSKs injected into the key schedule.
    pub fn psks(&self) -> &[PreSharedKeyID] {
        &self.effects.psks
    }

    /// The committed ReInit, if any (§11.2).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.effects.reinit.as_ref()
    }

    /// The custom proposals committed (by value or by reference), in
    /// commit order, with their senders. They change neither the tree nor
    /// the key schedule: acting on them is the application's job. Each was
    /// accepted by [`crate::GroupPolicy::check_proposal`] and its type is
    /// supported by every member of the new epoch.
    pub fn custom_proposals(&self) -> &[(Sender, CustomProposal)] {
        &self.effects.custom
    }
}

impl<S: CipherSuiteProvider> PublicGroup<S> {
    /// Fails, changing nothing, unless `staged` was staged from this
    /// group's current epoch and its tree changes apply to the tree.
    pub(crate) fn check_staged(&self, staged: &PublicStagedCommit) -> Result<(), GroupError> {
        if staged.context.group_id != self.context.group_id {
            return Err(GroupError::WrongGroupId);
        }
        if staged.from_epoch != self.context.epoch {
            return Err(GroupError::WrongEpoch {
                current: self.context.epoch,
                got: staged.from_epoch,
            });
        }
        self.tree.check_changes(&staged.changes)?;
        Ok(())
    }

    /// Moves the public state to the staged commit's epoch (after
    /// [`check_staged`](Self::check_staged)): O(changes).
    pub(crate) fn merge_checked(&mut self, staged: PublicStagedCommit) -> Result<(), GroupError> {
        self.tree.apply_changes(staged.changes)?;
        self.context = staged.context;
        self.interim_transcript_hash = staged.interim_transcript_hash;
        self.confirmation_tag = staged.confirmation_tag;
        self.proposals.clear();
        self.settle_tree();
        Ok(())
    }

    /// Enters the epoch a commit with `confirmation_tag` started, whose
    /// GroupContext is `context` (the tree already changed): an external
    /// joiner's first epoch.
    pub(crate) fn enter_epoch(
        &mut self,
        context: GroupContext,
        confirmation_tag: Vec<u8>,
    ) -> Result<(), GroupError> {
        self.interim_transcript_hash = mls_keyschedule::interim_transcript_hash(
            &self.suite,
            &context.confirmed_transcript_hash,
            &confirmation_tag,
        )?;
        self.context = context;
        self.confirmation_tag = confirmation_tag;
        self.proposals.clear();
        Ok(())
    }

    /// Applies a commit staged by [`PublicGroup::stage_commit`]: the view
    /// moves to the next epoch. Refused, changing nothing, if the group
    /// has moved on since it was staged.
    pub fn merge_staged_commit(&mut self, staged: PublicStagedCommit) -> Result<(), GroupError> {
        self.check_staged(&staged)?;
        self.merge_checked(staged)
    }
}
