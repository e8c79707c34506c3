//! The next epoch's state, computed by both the committer and the
//! receivers (RFC 9420 §8, §12.4.1, §12.4.2), and its installation.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_framing::{
    AuthenticatedContentRef, CustomProposal, EncodedTbs, KeyPackage, ReInit, Sender,
};
use mls_keyschedule::{
    InitSecret, KeyScheduleOutput, PreSharedKeyID, Psk, PskSecret, PskStore, ResumptionPskUsage,
};
use mls_treekem::{LeafNode, TreeChanges, TreePrivateKeys};
use mls_types::tree_math::LeafIndex;
use mls_types::Extension;
use mls_types::GroupContext;

use crate::group::PastEpoch;
use crate::proposals::ProposalStore;
use crate::{Group, GroupError};

/// A commit that has been validated and whose next epoch has been
/// computed, but not applied: inspect it, then
/// [`Group::merge_staged_commit`] or drop it.
#[derive(Debug, Clone)]
pub struct StagedCommit {
    /// The tree of the new epoch, as changes to the current one: computed
    /// once while staging, applied as they are when merging.
    pub(crate) tree_changes: TreeChanges,
    pub(crate) from_epoch: u64,
    pub(crate) context: GroupContext,
    pub(crate) key_schedule: KeyScheduleOutput,
    pub(crate) interim_transcript_hash: Vec<u8>,
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) private_keys: Option<TreePrivateKeys>,
    pub(crate) committer: Option<LeafIndex>,
    pub(crate) added: Vec<(LeafIndex, KeyPackage)>,
    pub(crate) removed: Vec<(LeafIndex, LeafNode)>,
    pub(crate) updated: Vec<LeafIndex>,
    pub(crate) new_extensions: Option<Vec<Extension>>,
    pub(crate) psks: Vec<PreSharedKeyID>,
    pub(crate) reinit: Option<ReInit>,
    pub(crate) custom: Vec<(Sender, CustomProposal)>,
    pub(crate) own: bool,
    pub(crate) external: bool,
}

impl StagedCommit {
    /// The members added, with their new leaf index.
    pub fn added(&self) -> &[(LeafIndex, KeyPackage)] {
        &self.added
    }

    /// The members removed, with their old leaf.
    pub fn removed(&self) -> &[(LeafIndex, LeafNode)] {
        &self.removed
    }

    /// The leaves updated by Update proposals.
    pub fn updated(&self) -> &[LeafIndex] {
        &self.updated
    }

    /// The new GroupContext extensions, if a GroupContextExtensions proposal was committed.
    pub fn new_extensions(&self) -> Option<&[Extension]> {
        self.new_extensions.as_deref()
    }

    /// The PSKs injected into the key schedule.
    pub fn psks(&self) -> &[PreSharedKeyID] {
        &self.psks
    }

    /// The committed ReInit, if any (§11.2).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// The custom proposals committed (by value or by reference), in
    /// commit order, with their senders. They change neither the tree nor
    /// the key schedule: acting on them is the application's job. Each was
    /// accepted by [`crate::GroupPolicy::check_proposal`] and its type is
    /// supported by every member of the new epoch.
    pub fn custom_proposals(&self) -> &[(Sender, CustomProposal)] {
        &self.custom
    }

    /// The committer's leaf index in the new epoch (`None` never happens
    /// for valid commits; an external joiner's new leaf for external commits).
    pub fn committer(&self) -> Option<LeafIndex> {
        self.committer
    }

    /// Whether this is our own commit.
    pub fn is_own(&self) -> bool {
        self.own
    }

    /// Whether this is an external commit (§12.4.3.2).
    pub fn is_external(&self) -> bool {
        self.external
    }

    /// Whether this commit removes us from the group.
    pub fn removes_us(&self) -> bool {
        self.private_keys.is_none()
    }

    /// The new epoch number.
    pub fn new_epoch(&self) -> u64 {
        self.context.epoch
    }

    /// The epoch authenticator of the new epoch.
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.key_schedule
            .epoch_secrets
            .epoch_authenticator()
            .as_bytes()
    }
}

/// Looks PSKs up: resumption PSKs of this group from its history, the rest
/// from `store`.
pub(crate) fn psk_secret<S: CipherSuiteProvider>(
    group: &Group<S>,
    extra: Option<&dyn PskStore>,
    ids: &[PreSharedKeyID],
) -> Result<PskSecret, GroupError> {
    let mut values = Vec::with_capacity(ids.len());
    for id in ids {
        let value = match &id.psk {
            Psk::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } if psk_group_id == &group.context.group_id => group
                .resumption_psk_at(*psk_epoch)
                .or_else(|| extra.and_then(|s| s.psk(id))),
            Psk::External { psk_id } => group
                .external_psks
                .get(psk_id)
                .cloned()
                .or_else(|| extra.and_then(|s| s.psk(id))),
            Psk::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } => group
                .foreign_resumption_psks
                .get(&(psk_group_id.clone(), *psk_epoch))
                .cloned()
                .or_else(|| extra.and_then(|s| s.psk(id))),
        }
        .ok_or(GroupError::MissingPsk)?;
        values.push((id.clone(), value));
    }
    Ok(PskSecret::from_values(&group.suite, &values)?)
}

/// The provisional GroupContext (§12.4.2): new epoch, tree hash and
/// extensions, old confirmed transcript hash.
pub(crate) fn provisional_context(
    old: &GroupContext,
    tree_hash: Vec<u8>,
    extensions: Option<&[Extension]>,
) -> Result<GroupContext, GroupError> {
    let mut gc = old.clone();
    gc.epoch = old
        .epoch
        .checked_add(1)
        .ok_or(GroupError::InvalidState("epoch overflow"))?;
    gc.tree_hash = tree_hash;
    if let Some(ext) = extensions {
        gc.extensions = ext.to_vec();
    }
    Ok(gc)
}

/// The commit whose epoch [`next_epoch`] computes: its AuthenticatedContent
/// and, if kept from signing or verifying it, its encoded FramedContentTBS
/// (whose content bytes the confirmed transcript hash then reuses).
pub(crate) struct CommitContent<'a> {
    pub(crate) content: AuthenticatedContentRef<'a>,
    pub(crate) tbs: Option<&'a EncodedTbs>,
}

/// The rest of the key schedule once the commit's AuthenticatedContent is
/// known: new confirmed transcript hash, GroupContext, epoch secrets.
/// Returns the new context, the key schedule output and the confirmation tag.
pub(crate) fn next_epoch<S: CipherSuiteProvider>(
    suite: &S,
    interim_before: &[u8],
    mut provisional: GroupContext,
    commit: CommitContent<'_>,
    init_secret: &InitSecret,
    commit_secret: Option<&Secret>,
    psk: &PskSecret,
) -> Result<(GroupContext, KeyScheduleOutput, Vec<u8>), GroupError> {
    provisional.confirmed_transcript_hash =
        commit
            .content
            .confirmed_transcript_hash(suite, interim_before, commit.tbs)?;
    let ks = KeyScheduleOutput::derive(
        suite,
        init_secret,
        commit_secret,
        &provisional.to_bytes()?,
        psk,
    )?;
    let tag = ks
        .epoch_secrets
        .confirmation_tag(suite, &provisional.confirmed_transcript_hash)?;
    Ok((provisional, ks, tag))
}

/// Whether every PSK of a Welcome is allowed: at most one resumption PSK
/// with usage reinit or branch (§12.4.3.1).
pub(crate) fn check_welcome_psks(
    ids: &[PreSharedKeyID],
) -> Result<Option<ResumptionPskUsage>, GroupError> {
    let special: Vec<_> = ids
        .iter()
        .filter_map(|id| match &id.psk {
            Psk::Resumption { usage, .. }
                if *usage == ResumptionPskUsage::REINIT || *usage == ResumptionPskUsage::BRANCH =>
            {
                Some(*usage)
            }
            _ => None,
        })
        .collect();
    if special.len() > 1 {
        return Err(GroupError::InvalidWelcome(
            "more than one reinit/branch resumption PSK",
        ));
    }
    Ok(special.first().copied())
}

impl<S: CipherSuiteProvider> Group<S> {
    pub(crate) fn resumption_psk_at(&self, epoch: u64) -> Option<Secret> {
        if epoch == self.context.epoch {
            return Some(self.epoch_secrets.resumption_psk().clone());
        }
        self.resumption_psks
            .iter()
            .find(|(e, _)| *e == epoch)
            .map(|(_, s)| s.clone())
    }

    /// The signature keys of the current members, by leaf index.
    /// The signature keys of `leaves` now (before a commit changes them).
    pub(crate) fn signature_keys_of(
        &self,
        leaves: impl Iterator<Item = LeafIndex>,
    ) -> alloc::collections::BTreeMap<u32, Option<mls_crypto::SignaturePublicKey>> {
        leaves.map(|l| (l.0, self.signature_key_of(l))).collect()
    }

    /// Applies a staged commit (ours or another member's): the tree
    /// changes computed when it was staged are applied (O(changes)), the
    /// new epoch's secrets installed, the old epoch kept for late
    /// application messages.
    pub(crate) fn install(&mut self, staged: StagedCommit) -> Result<(), GroupError> {
        if staged.context.group_id != self.context.group_id {
            return Err(GroupError::WrongGroupId);
        }
        if staged.from_epoch != self.context.epoch {
            return Err(GroupError::WrongEpoch {
                current: self.context.epoch,
                got: staged.from_epoch,
            });
        }
        if staged.private_keys.is_none() {
            // Removed (§12.4.2): we cannot follow the new epoch. Keep the
            // current one (for late application messages) and stop sending.
            self.removed = true;
            self.pending_commit = None;
            self.proposals = ProposalStore::default();
            return Ok(());
        }
        let StagedCommit {
            tree_changes,
            context,
            mut key_schedule,
            interim_transcript_hash,
            confirmation_tag,
            private_keys,
            reinit,
            ..
        } = staged;
        // The leaves whose signature key this commit changes, with their
        // key now: exactly the leaves whose node changes.
        let n_leaves = self.tree.n_leaves();
        let changed_keys = self.signature_keys_of(tree_changes.changed_leaves());
        let secret_tree = key_schedule.epoch_secrets.secret_tree(
            &self.suite,
            tree_changes.n_leaves(),
            self.config.secret_tree,
        )?;
        self.tree.apply_changes(tree_changes)?;
        // Keep the old epoch for late application messages.
        let old_tree = core::mem::replace(&mut self.secret_tree, secret_tree);
        self.past_epochs.push_front(PastEpoch {
            context: self.context.clone(),
            secret_tree: old_tree,
            sender_data_secret: self.epoch_secrets.sender_data_secret().clone(),
            changed_keys,
            n_leaves,
        });
        self.past_epochs
            .truncate(self.config.secret_tree.max_past_epochs as usize);
        let old_resumption = self.epoch_secrets.resumption_psk().clone();
        self.resumption_psks
            .push_front((self.context.epoch, old_resumption));
        self.resumption_psks
            .truncate(self.config.max_resumption_psks as usize);
        self.context = context;
        self.epoch_secrets = key_schedule.epoch_secrets;
        self.interim_transcript_hash = interim_transcript_hash;
        self.confirmation_tag = confirmation_tag;
        if let Some(k) = private_keys {
            self.private_keys = k;
        }
        self.proposals = ProposalStore::default();
        self.pending_commit = None;
        if reinit.is_some() {
            self.reinit = reinit;
        }
        Ok(())
    }
}
