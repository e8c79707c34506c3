//! Past epochs kept to decrypt late application messages (RFC 9420 §15.3,
//! [`GroupConfig::secret_tree`](crate::GroupConfig)`.max_past_epochs`).

use alloc::collections::{BTreeMap, VecDeque};
use mls_codec::{Decode, Encode};
use mls_crypto::{CipherSuiteProvider, Secret, SignaturePublicKey};
use mls_framing::{AuthenticatedContent, PrivateMessage};
use mls_keyschedule::SecretTree;
use mls_treekem::RatchetTree;
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

use crate::GroupError;

/// One retained past epoch.
#[derive(Debug, Encode, Decode)]
pub(crate) struct PastEpoch {
    pub context: GroupContext,
    pub secret_tree: SecretTree,
    pub sender_data_secret: Secret,
    /// The number of leaves of that epoch's tree.
    pub n_leaves: u32,
    /// The leaves whose signature key changed when this epoch ended, with
    /// their key in this epoch (`None`: blank). A leaf not listed had the
    /// key it has in the next epoch, so a commit records O(changes), not
    /// the whole roster.
    pub changed_keys: BTreeMap<u32, Option<SignaturePublicKey>>,
}

/// The retained past epochs, most recent first.
#[derive(Debug, Default, Encode, Decode)]
pub(crate) struct PastEpochs {
    epochs: VecDeque<PastEpoch>,
}

impl PastEpochs {
    /// Keeps `epoch` as the most recent past epoch, and at most `max` in all.
    pub fn push(&mut self, epoch: PastEpoch, max: u32) {
        self.epochs.push_front(epoch);
        self.epochs.truncate(max as usize);
    }

    /// Decrypts an application message of a retained past epoch, its
    /// sender's signature key looked up in that epoch's tree: `tree` (the
    /// current one) with the keys each later commit changed put back.
    /// Fails with [`GroupError::EpochTooOld`] if the epoch is not retained.
    pub fn decrypt<S: CipherSuiteProvider>(
        &mut self,
        suite: &S,
        pm: &PrivateMessage,
        tree: &RatchetTree,
    ) -> Result<AuthenticatedContent, GroupError> {
        let k = self
            .epochs
            .iter()
            .position(|p| p.context.epoch == pm.epoch)
            .ok_or(GroupError::EpochTooOld(pm.epoch))?;
        let (later, rest) = self.epochs.make_contiguous().split_at_mut(k);
        let later: &[PastEpoch] = later;
        let [epoch, ..] = rest else {
            return Err(GroupError::EpochTooOld(pm.epoch));
        };
        let PastEpoch {
            context,
            secret_tree,
            sender_data_secret,
            changed_keys,
            n_leaves,
        } = epoch;
        let (changed_keys, n_leaves) = (&*changed_keys, *n_leaves);
        let lookup = |leaf: LeafIndex| {
            signature_key_in(n_leaves, changed_keys, later, leaf, |l| {
                tree.leaf(l).map(|n| n.signature_key.clone())
            })
        };
        Ok(pm.unprotect(
            suite,
            secret_tree,
            sender_data_secret.as_bytes(),
            context,
            lookup,
        )?)
    }
}

/// The signature key of `leaf` in a past epoch with `n_leaves` leaves and
/// `changed` keys, where `later` are the past epochs after it (most recent
/// first) and `current` looks a leaf up in the current tree.
fn signature_key_in(
    n_leaves: u32,
    changed: &BTreeMap<u32, Option<SignaturePublicKey>>,
    later: &[PastEpoch],
    leaf: LeafIndex,
    current: impl Fn(LeafIndex) -> Option<SignaturePublicKey>,
) -> Option<SignaturePublicKey> {
    if leaf.0 >= n_leaves {
        return None;
    }
    if let Some(k) = changed.get(&leaf.0) {
        return k.clone();
    }
    for e in later.iter().rev() {
        if let Some(k) = e.changed_keys.get(&leaf.0) {
            return k.clone();
        }
    }
    current(leaf)
}
