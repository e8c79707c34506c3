//! Receiving a message (RFC 9420 §6, §12.4.2, §15): opening it, and
//! staging a commit through the one commit pipeline with the member's
//! secrets.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret};
use mls_framing::{
    AuthenticatedContent, AuthenticatedContentRef, Content, ContentType, EncodedTbs, MlsMessage,
    MlsMessageBody, PublicMessage, Sender,
};
use mls_keyschedule::{InMemoryPskStore, KeyUndo, PskStore};
use mls_treekem::{MergedUpdatePath, RatchetTree, TreePrivateKeys, UpdatePath};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

use crate::epoch::{next_epoch_secrets, psk_secret, EpochState};
use crate::public::pipeline::Applied;
use crate::public::{CommitContent, CommitSecrets, Committer};
use crate::staged::{CommitOrigin, NextEpoch, StagedCommit};
use crate::{Group, GroupError, StoredProposal};

/// A verified received message: a PublicMessage, whose content is used
/// where it was decoded, with the FramedContentTBS bytes its signature was
/// verified over, or a decrypted PrivateMessage's content.
#[allow(clippy::large_enum_variant)] // short-lived, never stored
enum Opened<'m> {
    Public(&'m PublicMessage, EncodedTbs),
    Private(AuthenticatedContent),
}

impl Opened<'_> {
    fn content(&self) -> AuthenticatedContentRef<'_> {
        match self {
            Opened::Public(pm, _) => pm.authenticated_content_ref(),
            Opened::Private(ac) => ac.view(),
        }
    }

    fn tbs(&self) -> Option<&EncodedTbs> {
        match self {
            Opened::Public(_, tbs) => Some(tbs),
            Opened::Private(_) => None,
        }
    }
}

/// A received message after [`Group::process_message`].
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum ProcessedMessage {
    /// Application data from a member.
    Application {
        /// The sender's leaf index.
        sender: LeafIndex,
        /// The epoch it was sent in (may be a retained past epoch).
        epoch: u64,
        /// The data.
        data: Vec<u8>,
        /// The message's `authenticated_data`.
        authenticated_data: Vec<u8>,
    },
    /// A proposal, now in the epoch's proposal store.
    Proposal(StoredProposal),
    /// A validated commit: inspect, then [`Group::merge_staged_commit`].
    Commit(StagedCommit),
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Processes a received Public or PrivateMessage: application data is
    /// returned, a proposal stored, a commit validated into a
    /// [`StagedCommit`]. A message that fails leaves the group unchanged.
    ///
    /// Once this member was removed or a ReInit was committed, only
    /// application messages of the epochs it was in are still opened;
    /// anything else is refused with [`GroupError::Removed`] or
    /// [`GroupError::GroupInactive`].
    pub fn process_message(&mut self, msg: &MlsMessage) -> Result<ProcessedMessage, GroupError> {
        self.check_readable(msg)?;
        let (opened, epoch, undo) = self.unprotect(msg)?;
        let result = self.process_content(&opened, epoch);
        if let (Err(_), Some(undo)) = (&result, undo) {
            // The message decrypted but is invalid: its key is not consumed.
            self.epoch.secret_tree.undo(undo);
        }
        result
    }

    /// An inactive group reads only its history: application messages of
    /// epochs it was in.
    fn check_readable(&self, msg: &MlsMessage) -> Result<(), GroupError> {
        if self.lifecycle.is_active() {
            return Ok(());
        }
        let history = match &msg.body {
            MlsMessageBody::PrivateMessage(pm) => {
                pm.content_type == ContentType::Application && pm.epoch <= self.epoch()
            }
            _ => false,
        };
        if history {
            Ok(())
        } else {
            self.lifecycle.check_active()
        }
    }

    /// Verifies and opens a Public or PrivateMessage of this group.
    /// Application messages may come from a retained past epoch; handshake
    /// messages must be of the current epoch. For a PrivateMessage of the
    /// current epoch, also the [`KeyUndo`] that puts its key back.
    fn unprotect<'m>(
        &mut self,
        msg: &'m MlsMessage,
    ) -> Result<(Opened<'m>, u64, Option<KeyUndo>), GroupError> {
        let current = self.public.context.epoch;
        match &msg.body {
            MlsMessageBody::PublicMessage(pm) => {
                let key = self.epoch.secrets.membership_key().as_bytes();
                let tbs =
                    self.public
                        .verify_public_cached(pm, Some(key), Some(&mut self.verifiers))?;
                Ok((Opened::Public(pm, tbs), current, None))
            }
            MlsMessageBody::PrivateMessage(pm) => {
                if pm.group_id != self.public.context.group_id {
                    return Err(GroupError::WrongGroupId);
                }
                if pm.epoch == current {
                    let tree = &self.public.tree;
                    let suite = &self.public.suite;
                    let verifiers = &mut self.verifiers;
                    let EpochState {
                        secrets,
                        secret_tree,
                    } = &mut self.epoch;
                    let (ac, undo) = pm.unprotect_staged(
                        suite,
                        secret_tree,
                        secrets.sender_data_secret().as_bytes(),
                        &self.public.context,
                        |l| {
                            let key = &tree.leaf(l)?.signature_key;
                            Some(verifiers.get(suite, l, tree.n_leaves(), key))
                        },
                    )?;
                    return Ok((Opened::Private(ac), pm.epoch, Some(undo)));
                }
                if pm.content_type != ContentType::Application || pm.epoch > current {
                    return Err(GroupError::WrongEpoch {
                        current,
                        got: pm.epoch,
                    });
                }
                let ac = self
                    .past_epochs
                    .decrypt(&self.public.suite, pm, &self.public.tree)?;
                Ok((Opened::Private(ac), pm.epoch, None))
            }
            _ => Err(GroupError::UnexpectedWireFormat),
        }
    }

    /// The content of an opened message, processed.
    fn process_content(
        &mut self,
        opened: &Opened<'_>,
        epoch: u64,
    ) -> Result<ProcessedMessage, GroupError> {
        let ac = opened.content();
        match &ac.content.content {
            Content::Application(data) => {
                let Sender::Member(sender) = ac.content.sender else {
                    return Err(GroupError::UnexpectedWireFormat);
                };
                Ok(ProcessedMessage::Application {
                    sender,
                    epoch,
                    data: data.clone(),
                    authenticated_data: ac.content.authenticated_data.clone(),
                })
            }
            Content::Proposal(_) => Ok(ProcessedMessage::Proposal(self.public.store_proposal(ac)?)),
            Content::Commit(_) => Ok(ProcessedMessage::Commit(
                self.stage_commit(ac, opened.tbs())?,
            )),
        }
    }

    /// Validates a received commit and computes the next epoch without
    /// changing the group (§12.4.2): the public pipeline with this
    /// member's secrets. `tbs` is the commit's FramedContentTBS as
    /// verified, if kept (for the transcript hash).
    fn stage_commit(
        &mut self,
        ac: AuthenticatedContentRef<'_>,
        tbs: Option<&EncodedTbs>,
    ) -> Result<StagedCommit, GroupError> {
        let committer = Committer::of(ac.content.sender)?;
        if committer == Committer::Member(self.own_leaf()) {
            return Err(GroupError::OwnCommit);
        }
        let token = self.staging_token()?;
        let mut secrets = Receiving {
            me: self.own_leaf(),
            keys: &self.private_keys,
            own_updates: &self.own_updates,
            epoch: &self.epoch,
            psks: &self.psks,
            next_keys: None,
            commit_secret: None,
            next: None,
        };
        let public = self
            .public
            .stage_received(CommitContent { content: ac, tbs }, &mut secrets)?;
        let origin = match committer {
            Committer::Member(l) => CommitOrigin::Member(l),
            Committer::External => CommitOrigin::External(public.committer()),
        };
        let next = secrets.next;
        Ok(StagedCommit {
            public,
            origin,
            next,
            token,
        })
    }
}

/// A member's part of receiving a commit: its path secret, the next
/// epoch's key schedule and the confirmation tag check.
struct Receiving<'a> {
    me: LeafIndex,
    keys: &'a TreePrivateKeys,
    own_updates: &'a [(HpkePublicKey, HpkePrivateKey)],
    epoch: &'a EpochState,
    psks: &'a InMemoryPskStore,
    /// Our keys for the new tree; `None` if the commit removes us.
    next_keys: Option<TreePrivateKeys>,
    commit_secret: Option<Secret>,
    next: Option<NextEpoch>,
}

impl Receiving<'_> {
    /// Our private keys for the new tree: `None` if the commit removes
    /// us; with our committed Update's key if it updates us.
    fn keys_for(
        &self,
        tree: &RatchetTree,
        applied: &Applied,
    ) -> Result<Option<TreePrivateKeys>, GroupError> {
        if applied.fx.removed.iter().any(|(l, _)| *l == self.me) {
            return Ok(None);
        }
        let mut keys = self.keys.clone();
        if applied.fx.updated.contains(&self.me) {
            let public = tree
                .leaf(self.me)
                .map(|l| l.encryption_key.clone())
                .ok_or(GroupError::Internal("own leaf missing"))?;
            let private = self
                .own_updates
                .iter()
                .find(|(p, _)| *p == public)
                .map(|(_, k)| k.clone())
                .ok_or(GroupError::Internal("no private key for our Update"))?;
            keys.insert(self.me.node(), public, private);
        }
        Ok(Some(keys))
    }
}

impl<S: CipherSuiteProvider> CommitSecrets<S> for Receiving<'_> {
    fn path_merged(
        &mut self,
        suite: &S,
        tree: &RatchetTree,
        applied: &Applied,
        path: &UpdatePath,
        merged: &MergedUpdatePath,
        provisional: &GroupContext,
    ) -> Result<(), GroupError> {
        self.next_keys = self.keys_for(tree, applied)?;
        if let Some(keys) = self.next_keys.as_mut() {
            let context = provisional.to_bytes()?;
            let received = merged.decrypt(suite, tree, path, keys, &context)?;
            self.commit_secret = Some(received.commit_secret);
        }
        Ok(())
    }

    fn no_path(&mut self, tree: &RatchetTree, applied: &Applied) -> Result<(), GroupError> {
        self.next_keys = self.keys_for(tree, applied)?;
        if let Some(keys) = self.next_keys.as_mut() {
            keys.prune(tree);
        }
        Ok(())
    }

    fn new_epoch(
        &mut self,
        suite: &S,
        context: &GroupContext,
        applied: &Applied,
        tag: &[u8],
    ) -> Result<(), GroupError> {
        // Removed: we cannot derive the new epoch, nor check its tag.
        let Some(private_keys) = self.next_keys.take() else {
            return Ok(());
        };
        let init = match &applied.fx.external_init {
            Some(kem_output) => self.epoch.secrets.external_init_secret(suite, kem_output)?,
            None => self.epoch.secrets.init_secret().clone(),
        };
        let psk = psk_secret(suite, &applied.fx.psks, |id| self.psks.psk(id))?;
        let (key_schedule, expected) =
            next_epoch_secrets(suite, &init, self.commit_secret.as_ref(), context, &psk)?;
        if !Secret::from(expected).ct_eq_bytes(tag) {
            return Err(GroupError::InvalidConfirmationTag);
        }
        self.next = Some(NextEpoch {
            key_schedule,
            private_keys,
        });
        Ok(())
    }
}
