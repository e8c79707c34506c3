//! Saving and restoring our pending commit with the group state, so that a
//! client that stops between sending a commit and the Delivery Service's
//! answer can still merge or drop it (RFC 9750 §5.2.1).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret};
use mls_framing::{CustomProposal, KeyPackage, MlsMessage, ReInit, Sender};
use mls_keyschedule::{
    EpochSecrets, JoinerSecret, KeyScheduleOutput, PreSharedKeyID, WelcomeSecret,
};
use mls_treekem::{LeafNode, TreeChanges, TreePrivateKeys};
use mls_types::tree_math::{LeafIndex, NodeIndex};
use mls_types::Extension;
use mls_types::GroupContext;

use crate::epoch::StagedCommit;
use crate::{GroupError, PendingCommit};

#[derive(Encode, Decode)]
struct KeyState {
    node: u32,
    public: HpkePublicKey,
    private: HpkePrivateKey,
}

#[derive(Encode, Decode)]
struct PrivateKeysState {
    own_leaf: u32,
    keys: Vec<KeyState>,
}

#[derive(Encode, Decode)]
struct AddedState {
    leaf: u32,
    key_package: KeyPackage,
}

#[derive(Encode, Decode)]
struct RemovedState {
    leaf: u32,
    leaf_node: LeafNode,
}

#[derive(Encode, Decode)]
struct CustomState {
    sender: Sender,
    proposal: CustomProposal,
}

/// A [`PendingCommit`] as plain data (secret: it holds the next epoch's
/// secrets and path keys).
#[derive(Encode, Decode)]
pub(crate) struct PendingState {
    message: MlsMessage,
    tree_changes: TreeChanges,
    from_epoch: u64,
    context: GroupContext,
    joiner_secret: Vec<u8>,
    welcome_secret: Vec<u8>,
    epoch_secrets: Vec<u8>,
    interim_transcript_hash: Vec<u8>,
    confirmation_tag: Vec<u8>,
    private_keys: Option<PrivateKeysState>,
    committer: Option<u32>,
    added: Vec<AddedState>,
    removed: Vec<RemovedState>,
    updated: Vec<u32>,
    new_extensions: Option<Vec<Extension>>,
    psks: Vec<PreSharedKeyID>,
    reinit: Option<ReInit>,
    custom: Vec<CustomState>,
    external: u8,
}

fn bad(_: impl core::fmt::Debug) -> GroupError {
    GroupError::InvalidState("malformed pending commit")
}

impl PendingState {
    pub(crate) fn from_pending(p: &PendingCommit) -> Result<Self, GroupError> {
        let s = &p.staged;
        Ok(PendingState {
            message: p.message.clone(),
            tree_changes: s.tree_changes.clone(),
            from_epoch: s.from_epoch,
            context: s.context.clone(),
            joiner_secret: s.key_schedule.joiner_secret.as_bytes().to_vec(),
            welcome_secret: s.key_schedule.welcome_secret.as_bytes().to_vec(),
            epoch_secrets: s.key_schedule.epoch_secrets.to_state_bytes()?,
            interim_transcript_hash: s.interim_transcript_hash.clone(),
            confirmation_tag: s.confirmation_tag.clone(),
            private_keys: s.private_keys.as_ref().map(|k| {
                let mut keys: Vec<KeyState> = k
                    .entries()
                    .map(|(x, public, private)| KeyState {
                        node: x.0,
                        public: public.clone(),
                        private: private.clone(),
                    })
                    .collect();
                // One canonical order, so saving a restored state gives the same bytes.
                keys.sort_by_key(|k| k.node);
                PrivateKeysState {
                    own_leaf: k.own_leaf().0,
                    keys,
                }
            }),
            committer: s.committer.map(|l| l.0),
            added: s
                .added
                .iter()
                .map(|(l, kp)| AddedState {
                    leaf: l.0,
                    key_package: kp.clone(),
                })
                .collect(),
            removed: s
                .removed
                .iter()
                .map(|(l, n)| RemovedState {
                    leaf: l.0,
                    leaf_node: n.clone(),
                })
                .collect(),
            updated: s.updated.iter().map(|l| l.0).collect(),
            new_extensions: s.new_extensions.clone(),
            psks: s.psks.clone(),
            reinit: s.reinit.clone(),
            custom: s
                .custom
                .iter()
                .map(|(sender, proposal)| CustomState {
                    sender: *sender,
                    proposal: proposal.clone(),
                })
                .collect(),
            external: u8::from(s.external),
        })
    }

    pub(crate) fn into_pending<S: CipherSuiteProvider>(
        self,
        suite: &S,
    ) -> Result<PendingCommit, GroupError> {
        let private_keys = match self.private_keys {
            None => None,
            Some(k) => {
                let own = LeafIndex(k.own_leaf);
                let mut keys = k.keys;
                let at = keys
                    .iter()
                    .position(|k| k.node == own.node().0)
                    .ok_or(bad("no leaf key"))?;
                let leaf = keys.swap_remove(at);
                let mut out = TreePrivateKeys::new(own, leaf.public, leaf.private);
                for k in keys {
                    out.insert(NodeIndex(k.node), k.public, k.private);
                }
                Some(out)
            }
        };
        let key_schedule = KeyScheduleOutput {
            joiner_secret: JoinerSecret::new(suite, Secret::from(self.joiner_secret))
                .map_err(bad)?,
            welcome_secret: WelcomeSecret::new(Secret::from(self.welcome_secret)),
            epoch_secrets: EpochSecrets::from_state_bytes(&self.epoch_secrets).map_err(bad)?,
        };
        let staged = StagedCommit {
            tree_changes: self.tree_changes,
            from_epoch: self.from_epoch,
            context: self.context,
            key_schedule,
            interim_transcript_hash: self.interim_transcript_hash,
            confirmation_tag: self.confirmation_tag,
            private_keys,
            committer: self.committer.map(LeafIndex),
            added: self
                .added
                .into_iter()
                .map(|a| (LeafIndex(a.leaf), a.key_package))
                .collect(),
            removed: self
                .removed
                .into_iter()
                .map(|r| (LeafIndex(r.leaf), r.leaf_node))
                .collect(),
            updated: self.updated.into_iter().map(LeafIndex).collect(),
            new_extensions: self.new_extensions,
            psks: self.psks,
            reinit: self.reinit,
            custom: self
                .custom
                .into_iter()
                .map(|c| (c.sender, c.proposal))
                .collect(),
            own: true,
            external: self.external != 0,
        };
        Ok(PendingCommit {
            staged,
            message: self.message,
        })
    }
}
