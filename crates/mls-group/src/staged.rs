//! A member's staged commit (RFC 9420 §12.4.2) and merging it: the public
//! part through the embedded [`PublicGroup`](crate::PublicGroup), the
//! secrets of the next epoch here.

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_framing::{CustomProposal, KeyPackage, ReInit, Sender};
use mls_keyschedule::{KeyScheduleOutput, PreSharedKeyID};
use mls_treekem::{LeafNode, TreePrivateKeys};
use mls_types::tree_math::LeafIndex;
use mls_types::Extension;

use crate::epoch::EpochState;
use crate::lifecycle::Lifecycle;
use crate::past_epochs::PastEpoch;
use crate::public::PublicStagedCommit;
use crate::{ClientIdentity, Group, GroupError};

/// Who made a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u8)]
pub enum CommitOrigin {
    /// This member.
    #[codec(tag = 0)]
    Own,
    /// Another member, at this leaf.
    #[codec(tag = 1)]
    Member(LeafIndex),
    /// An external joiner (§12.4.3.2), at its new leaf.
    #[codec(tag = 2)]
    External(LeafIndex),
}

/// What a member needs to enter the next epoch.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub(crate) struct NextEpoch {
    pub key_schedule: KeyScheduleOutput,
    pub private_keys: TreePrivateKeys,
}

/// What [`Group::prepare_merge`] computed: the next epoch's state and the
/// signers of the identities our leaf may rotate to.
struct Prepared<S: CipherSuiteProvider> {
    epoch: EpochState,
    rotations: Vec<(ClientIdentity, S::SigningKey)>,
}

/// A commit that has been validated and whose next epoch has been
/// computed, but not applied: inspect it, then
/// [`Group::merge_staged_commit`] or drop it. It can only be merged into
/// the group state that staged it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StagedCommit {
    pub(crate) public: PublicStagedCommit,
    pub(crate) origin: CommitOrigin,
    /// `None` if the commit removes us (§12.4.2): we cannot follow it.
    pub(crate) next: Option<NextEpoch>,
    /// Binds the staged commit to the state that staged it (see
    /// [`Group::staging_token`]).
    pub(crate) token: Secret,
}

impl StagedCommit {
    /// The public part: what the commit does to the group, as the Delivery
    /// Service's view computes it.
    pub fn public(&self) -> &PublicStagedCommit {
        &self.public
    }

    /// Who made the commit.
    pub fn origin(&self) -> CommitOrigin {
        self.origin
    }

    /// The members added, with their new leaf index.
    pub fn added(&self) -> &[(LeafIndex, KeyPackage)] {
        self.public.added()
    }

    /// The members removed, with their old leaf.
    pub fn removed(&self) -> &[(LeafIndex, LeafNode)] {
        self.public.removed()
    }

    /// The leaves updated by Update proposals.
    pub fn updated(&self) -> &[LeafIndex] {
        self.public.updated()
    }

    /// The new GroupContext extensions, if a GroupContextExtensions proposal was committed.
    pub fn new_extensions(&self) -> Option<&[Extension]> {
        self.public.new_extensions()
    }

    /// The PSKs injected into the key schedule.
    pub fn psks(&self) -> &[PreSharedKeyID] {
        self.public.psks()
    }

    /// The committed ReInit, if any (§11.2).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.public.reinit()
    }

    /// The custom proposals committed, in commit order, with their senders
    /// (see [`PublicStagedCommit::custom_proposals`]).
    pub fn custom_proposals(&self) -> &[(Sender, CustomProposal)] {
        self.public.custom_proposals()
    }

    /// The committer's leaf index in the new epoch (an external joiner's
    /// new leaf).
    pub fn committer(&self) -> LeafIndex {
        self.public.committer()
    }

    /// Whether this is our own commit.
    pub fn is_own(&self) -> bool {
        self.origin == CommitOrigin::Own
    }

    /// Whether this is an external commit (§12.4.3.2).
    pub fn is_external(&self) -> bool {
        matches!(self.origin, CommitOrigin::External(_))
    }

    /// Whether this commit removes us from the group.
    pub fn removes_us(&self) -> bool {
        self.next.is_none()
    }

    /// The new epoch number.
    pub fn new_epoch(&self) -> u64 {
        self.public.new_epoch()
    }

    /// The epoch authenticator of the new epoch (`None` if the commit
    /// removes us).
    pub fn epoch_authenticator(&self) -> Option<&[u8]> {
        self.next.as_ref().map(|n| {
            n.key_schedule
                .epoch_secrets
                .epoch_authenticator()
                .as_bytes()
        })
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    /// What binds a staged commit to the state that staged it: a hash of
    /// the epoch authenticator (a secret of the epoch), our leaf and our
    /// signature key. Another member's staged commit, one of another
    /// epoch or another group does not match.
    pub(crate) fn staging_token(&self) -> Result<Secret, GroupError> {
        let own = (
            self.own_leaf(),
            self.identity.signature_key(),
            self.public.context.group_id.as_slice(),
            self.public.context.epoch,
        )
            .to_bytes()?;
        Ok(Secret::from(self.public.suite.hash_parts(&[
            b"mls-group staged commit",
            self.epoch.secrets.epoch_authenticator().as_bytes(),
            &own,
        ])))
    }

    /// Applies a commit staged by [`Group::process_message`]: the group
    /// moves to the new epoch, or, if the commit removes us, becomes
    /// [`GroupStatus::Removed`](crate::GroupStatus::Removed). Refused,
    /// changing nothing, for a commit of ours (merge it with
    /// [`Group::merge_pending_commit`]), a commit another group state
    /// staged, or once the group has moved on.
    pub fn merge_staged_commit(&mut self, staged: StagedCommit) -> Result<(), GroupError> {
        self.lifecycle.check_active()?;
        if staged.is_own() {
            return Err(GroupError::OwnCommit);
        }
        let next = self.prepare_merge(&staged)?;
        self.finish_merge(staged, next)
    }

    /// Applies our pending commit once the Delivery Service has accepted
    /// it (RFC 9750 §5.2.1). On failure it stays pending.
    pub fn merge_pending_commit(&mut self) -> Result<(), GroupError> {
        let pending = self
            .lifecycle
            .pending()
            .ok_or(GroupError::NoPendingCommit)?;
        let next = self.prepare_merge(&pending.staged)?;
        let Lifecycle::PendingCommit(pending) =
            core::mem::replace(&mut self.lifecycle, Lifecycle::Operational)
        else {
            return Err(GroupError::NoPendingCommit);
        };
        self.finish_merge(pending.staged, next)
    }

    /// Drops our pending commit (another commit won the epoch).
    pub fn clear_pending_commit(&mut self) {
        if let Lifecycle::PendingCommit(_) = self.lifecycle {
            self.lifecycle = Lifecycle::Operational;
        }
    }

    /// Every check and fallible step of merging `staged`, changing
    /// nothing: it was staged by this group state, from the current epoch,
    /// its tree changes apply, and the new epoch's secret tree derives.
    /// `None` if the commit removes us.
    fn prepare_merge(&self, staged: &StagedCommit) -> Result<Option<Prepared<S>>, GroupError> {
        if !self.staging_token()?.ct_eq_bytes(staged.token.as_bytes()) {
            return Err(GroupError::StagedElsewhere);
        }
        self.public.check_staged(&staged.public)?;
        let Some(next) = &staged.next else {
            return Ok(None);
        };
        // The identities our leaf may carry after this commit, ready to
        // sign with (expanded now: nothing may fail once merging starts).
        let rotations = self
            .rotations
            .iter()
            .map(|id| Ok((id.clone(), id.signer(&self.public.suite)?)))
            .collect::<Result<Vec<_>, GroupError>>()?;
        // Derived from a copy, which then holds the epoch's secrets without
        // the encryption secret (deleted once the tree exists, §9.2).
        let mut secrets = next.key_schedule.epoch_secrets.clone();
        let secret_tree = secrets.secret_tree(
            &self.public.suite,
            staged.public.changes.n_leaves(),
            self.config.secret_tree,
        )?;
        Ok(Some(Prepared {
            epoch: EpochState {
                secrets,
                secret_tree,
            },
            rotations,
        }))
    }

    /// Merges a staged commit [`prepare_merge`](Self::prepare_merge)
    /// accepted: the public part through the embedded public group (the
    /// tree changes computed when it was staged, O(changes)), the new
    /// epoch's secrets, and the old epoch kept for late application
    /// messages. If the commit removes us (`epoch` is `None`), the group
    /// keeps its current epoch for its history and becomes
    /// [`GroupStatus::Removed`](crate::GroupStatus::Removed).
    fn finish_merge(
        &mut self,
        staged: StagedCommit,
        prepared: Option<Prepared<S>>,
    ) -> Result<(), GroupError> {
        match (staged.next, prepared) {
            (Some(next), Some(prepared)) => {
                self.enter_next_epoch(staged.public, prepared.epoch, next.private_keys)?;
                self.adopt_rotation(prepared.rotations);
                Ok(())
            }
            _ => {
                self.lifecycle = Lifecycle::Removed;
                Ok(())
            }
        }
    }

    /// After a merge: if our leaf now carries another credential or
    /// signature key, it is one we put there (a rotating Update or our
    /// commit's path); it becomes our identity.
    fn adopt_rotation(&mut self, rotations: Vec<(ClientIdentity, S::SigningKey)>) {
        let Some(leaf) = self.public.tree.leaf(self.own_leaf()) else {
            return;
        };
        if leaf.signature_key == *self.identity.signature_key()
            && leaf.credential == *self.identity.credential()
        {
            return;
        }
        let adopted = rotations.into_iter().find(|(id, _)| {
            *id.signature_key() == leaf.signature_key && *id.credential() == leaf.credential
        });
        if let Some((identity, signer)) = adopted {
            self.identity = identity;
            self.signer = signer;
        }
    }

    /// Moves to the next epoch after every check has passed. Applying the
    /// checked tree changes, first, is the only step that could fail, and
    /// cannot (`check_staged` ran): if it did, nothing else has changed.
    fn enter_next_epoch(
        &mut self,
        public: PublicStagedCommit,
        epoch: EpochState,
        private_keys: TreePrivateKeys,
    ) -> Result<(), GroupError> {
        // The leaves whose signature key this commit changes, with their
        // key now: exactly the leaves whose node changes.
        let n_leaves = self.public.tree.n_leaves();
        let changed_keys = public
            .changes
            .changed_leaves()
            .map(|l| (l.0, self.public.signature_key(l)))
            .collect();
        let reinit = public.effects.reinit.clone();
        let old_context = self.public.context.clone();
        self.public
            .merge_checked(public)
            .map_err(|_| GroupError::Internal("checked tree changes did not apply"))?;
        let old = core::mem::replace(&mut self.epoch, epoch);
        self.past_epochs.push(
            PastEpoch {
                context: old_context,
                secret_tree: old.secret_tree,
                sender_data_secret: old.secrets.sender_data_secret().clone(),
                n_leaves,
                changed_keys,
            },
            self.config.secret_tree.max_past_epochs,
        );
        let group_id = self.public.context.group_id.clone();
        let epoch = self.public.context.epoch;
        self.psks.insert_resumption(
            group_id.clone(),
            epoch,
            self.epoch.secrets.resumption_psk().clone(),
        );
        self.psks.prune_resumption(
            &group_id,
            epoch.saturating_sub(u64::from(self.config.max_resumption_psks)),
        );
        self.private_keys = private_keys;
        self.own_updates.clear();
        self.rotations.clear();
        self.lifecycle = match reinit {
            Some(ri) => Lifecycle::AwaitingReInit(ri),
            None => Lifecycle::Operational,
        };
        Ok(())
    }
}
