//! Framing for the group: signing and protecting our messages, unprotecting
//! received ones (RFC 9420 §6), application messages (§15), proposals.

use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, Rng};
use mls_framing::{
    signature_key_for, AuthenticatedContent, AuthenticatedContentRef, Content, EncodedTbs,
    FramedContent, MlsMessage, MlsMessageBody, PrivateMessage, Proposal, PublicMessage, Remove,
    Sender, Update, WireFormat,
};
use mls_treekem::{LeafNode, LeafNodeSource};
use mls_types::tree_math::LeafIndex;

use crate::proposals::StoredProposal;
use crate::{Group, GroupError, HandshakeFormat};
use mls_keyschedule::KeyUndo;

/// A verified received message: a PublicMessage, whose content is used
/// where it was decoded, with the FramedContentTBS bytes its signature was
/// verified over, or a decrypted PrivateMessage's content.
#[allow(clippy::large_enum_variant)] // short-lived, never stored
pub(crate) enum Opened<'m> {
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
    Commit(crate::StagedCommit),
}

impl<S: CipherSuiteProvider> Group<S> {
    pub(crate) fn handshake_wire_format(&self) -> WireFormat {
        match self.config.handshake_format {
            HandshakeFormat::Public => WireFormat::PUBLIC_MESSAGE,
            HandshakeFormat::Private => WireFormat::PRIVATE_MESSAGE,
        }
    }

    /// Signs `content` as this member with the current GroupContext.
    pub(crate) fn sign_content(
        &self,
        wire_format: WireFormat,
        content: Content,
        authenticated_data: Vec<u8>,
    ) -> Result<AuthenticatedContent, GroupError> {
        self.sign_content_keeping_tbs(wire_format, content, authenticated_data)
            .map(|(ac, _)| ac)
    }

    /// [`sign_content`](Self::sign_content), also returning the signed
    /// FramedContentTBS bytes (for the transcript hash and membership tag
    /// of a commit).
    pub(crate) fn sign_content_keeping_tbs(
        &self,
        wire_format: WireFormat,
        content: Content,
        authenticated_data: Vec<u8>,
    ) -> Result<(AuthenticatedContent, EncodedTbs), GroupError> {
        let fc = FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(self.own_leaf()),
            authenticated_data,
            content,
        };
        Ok(AuthenticatedContent::sign_keeping_tbs(
            &self.suite,
            &self.signer,
            wire_format,
            fc,
            Some(&self.context),
        )?)
    }

    /// Protects signed content as a PublicMessage or PrivateMessage of the current epoch.
    pub(crate) fn protect(
        &mut self,
        ac: AuthenticatedContent,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        self.protect_with_tbs(ac, None, rng)
    }

    /// [`protect`](Self::protect), with the FramedContentTBS kept from
    /// [`sign_content_keeping_tbs`](Self::sign_content_keeping_tbs) for
    /// the membership tag of a PublicMessage.
    pub(crate) fn protect_with_tbs(
        &mut self,
        ac: AuthenticatedContent,
        tbs: Option<EncodedTbs>,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        if ac.wire_format == WireFormat::PRIVATE_MESSAGE {
            let pm = PrivateMessage::protect(
                &self.suite,
                &ac,
                &mut self.secret_tree,
                self.epoch_secrets.sender_data_secret().as_bytes(),
                self.config.padding,
                rng,
            )?;
            Ok(MlsMessage::from(pm))
        } else {
            let key = Some(self.epoch_secrets.membership_key().as_bytes());
            let pm = match tbs {
                Some(tbs) => {
                    PublicMessage::protect_with_tbs(&self.suite, ac, tbs, key, Some(&self.context))?
                }
                None => PublicMessage::protect(&self.suite, ac, key, Some(&self.context))?,
            };
            Ok(MlsMessage::from(pm))
        }
    }

    /// Encrypts application data (§15) as a PrivateMessage of the current
    /// epoch, padded per [`crate::GroupConfig::padding`].
    ///
    /// ```
    /// # use mls_crypto::{CipherSuite, CryptoProvider}; use mls_rustcrypto::{OsRng, RustCrypto};
    /// # use mls_group::{ClientIdentity, Group, GroupConfig};
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let alice = ClientIdentity::generate(&suite, mls_types::Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// # let mut group = Group::create(suite, alice, b"g".to_vec(), Vec::new(), GroupConfig::default(), &mut OsRng).unwrap();
    /// let msg = group.encrypt_application_message(b"hello", b"aad", &mut OsRng).unwrap();
    /// assert_eq!(msg.wire_format(), mls_framing::WireFormat::PRIVATE_MESSAGE);
    /// ```
    pub fn encrypt_application_message(
        &mut self,
        data: &[u8],
        authenticated_data: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        if !self.is_active() {
            return Err(GroupError::GroupInactive);
        }
        let ac = self.sign_content(
            WireFormat::PRIVATE_MESSAGE,
            Content::Application(data.to_vec()),
            authenticated_data.to_vec(),
        )?;
        self.protect(ac, rng)
    }

    /// Sends a proposal: signs and protects it, and stores it in the
    /// epoch's proposal store (so that our next commit can include it).
    pub fn propose(
        &mut self,
        proposal: Proposal,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        if !self.is_active() {
            return Err(GroupError::GroupInactive);
        }
        let ac = self.sign_content(
            self.handshake_wire_format(),
            Content::Proposal(proposal.clone()),
            Vec::new(),
        )?;
        let reference = ac.proposal_ref(&self.suite)?;
        let msg = self.protect(ac, rng)?;
        self.proposals.insert(StoredProposal {
            reference,
            proposal,
            sender: Sender::Member(self.own_leaf()),
        });
        Ok(msg)
    }

    /// Proposes to remove the member at `leaf` (§12.1.3).
    pub fn propose_remove(
        &mut self,
        leaf: LeafIndex,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        if self.tree.leaf(leaf).is_none() {
            return Err(GroupError::InvalidArgument("no member at that leaf"));
        }
        self.propose(Proposal::Remove(Remove { removed: leaf.0 }), rng)
    }

    /// Proposes a custom proposal of `proposal_type` with an
    /// application-defined body (see [`mls_framing::CustomProposal`] for
    /// its framing). `proposal_type` must not be an RFC 9420 type.
    /// Whether it can be committed depends on the members' capabilities
    /// (§7.2) and on the application's [`crate::GroupPolicy::check_proposal`],
    /// checked at commit time. To commit one by value, pass
    /// `Proposal::Custom(..)` to [`Group::commit`].
    pub fn propose_custom(
        &mut self,
        proposal_type: mls_types::ProposalType,
        data: Vec<u8>,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        let custom = mls_framing::CustomProposal::new(proposal_type, data).ok_or(
            GroupError::InvalidArgument("custom proposal with an RFC 9420 proposal type"),
        )?;
        self.propose(Proposal::Custom(custom), rng)
    }

    /// Proposes to add the owner of `key_package` (§12.1.1).
    pub fn propose_add(
        &mut self,
        key_package: mls_framing::KeyPackage,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        self.propose(Proposal::Add(mls_framing::Add { key_package }), rng)
    }

    /// Proposes an Update of our leaf with a fresh encryption key
    /// (§12.1.2). The private key is kept until the epoch ends.
    pub fn propose_update(&mut self, rng: &mut dyn Rng) -> Result<MlsMessage, GroupError> {
        let (leaf, private) = self.fresh_leaf(LeafNodeSource::Update, rng)?;
        let msg = self.propose(
            Proposal::Update(Update {
                leaf_node: leaf.clone(),
            }),
            rng,
        )?;
        self.proposals
            .own_leaf_keys
            .push((leaf.encryption_key, private));
        Ok(msg)
    }

    /// A new leaf node for us: fresh encryption key, same credential,
    /// capabilities and extensions, signed for `source`.
    pub(crate) fn fresh_leaf(
        &self,
        source: LeafNodeSource,
        rng: &mut dyn Rng,
    ) -> Result<(LeafNode, HpkePrivateKey), GroupError> {
        let mut leaf = self
            .own_leaf_node()
            .cloned()
            .ok_or(GroupError::GroupInactive)?;
        let kp = self.suite.hpke_generate_key_pair(rng)?;
        leaf.encryption_key = kp.public;
        leaf.leaf_node_source = source;
        leaf.sign(
            &self.suite,
            &self.signer,
            Some((&self.context.group_id, self.own_leaf())),
        )?;
        Ok((leaf, kp.private))
    }

    /// Verifies and opens a Public or PrivateMessage of this group.
    /// Application messages may come from a retained past epoch; handshake
    /// messages must be of the current epoch. For a PrivateMessage of the
    /// current epoch, also the [`KeyUndo`] that puts its key back.
    pub(crate) fn unprotect<'m>(
        &mut self,
        msg: &'m MlsMessage,
    ) -> Result<(Opened<'m>, u64, Option<KeyUndo>), GroupError> {
        match &msg.body {
            MlsMessageBody::PublicMessage(pm) => {
                if pm.content.group_id != self.context.group_id {
                    return Err(GroupError::WrongGroupId);
                }
                if pm.content.epoch != self.context.epoch {
                    return Err(GroupError::WrongEpoch {
                        current: self.context.epoch,
                        got: pm.content.epoch,
                    });
                }
                let key = signature_key_for(&pm.content, Some(&self.context), |l| {
                    self.signature_key_of(l)
                })?;
                // Verified where it was decoded: a large commit is not copied.
                let tbs = pm.verify(
                    &self.suite,
                    Some(self.epoch_secrets.membership_key().as_bytes()),
                    Some(&self.context),
                    &key,
                )?;
                Ok((Opened::Public(pm, tbs), self.context.epoch, None))
            }
            MlsMessageBody::PrivateMessage(pm) => {
                if pm.group_id != self.context.group_id {
                    return Err(GroupError::WrongGroupId);
                }
                if pm.epoch == self.context.epoch {
                    let tree = &self.tree;
                    let (ac, undo) = pm.unprotect_staged(
                        &self.suite,
                        &mut self.secret_tree,
                        self.epoch_secrets.sender_data_secret().as_bytes(),
                        &self.context,
                        |l| tree.leaf(l).map(|n| n.signature_key.clone()),
                    )?;
                    return Ok((Opened::Private(ac), pm.epoch, Some(undo)));
                }
                if pm.content_type != mls_framing::ContentType::Application {
                    return Err(GroupError::WrongEpoch {
                        current: self.context.epoch,
                        got: pm.epoch,
                    });
                }
                let k = self
                    .past_epochs
                    .iter()
                    .position(|p| p.context.epoch == pm.epoch)
                    .ok_or(if pm.epoch > self.context.epoch {
                        GroupError::WrongEpoch {
                            current: self.context.epoch,
                            got: pm.epoch,
                        }
                    } else {
                        GroupError::EpochTooOld(pm.epoch)
                    })?;
                let tree = &self.tree;
                let (later, rest) = self.past_epochs.make_contiguous().split_at_mut(k);
                let later: &[crate::group::PastEpoch] = later;
                let crate::group::PastEpoch {
                    context,
                    secret_tree,
                    sender_data_secret,
                    changed_keys,
                    n_leaves,
                } = &mut rest[0];
                let (changed_keys, n_leaves) = (&*changed_keys, *n_leaves);
                let ac = pm.unprotect(
                    &self.suite,
                    secret_tree,
                    sender_data_secret.as_bytes(),
                    context,
                    |l| {
                        crate::group::past_signature_key(
                            n_leaves,
                            changed_keys,
                            later.iter(),
                            l,
                            |l| tree.leaf(l).map(|n| n.signature_key.clone()),
                        )
                    },
                )?;
                Ok((Opened::Private(ac), pm.epoch, None))
            }
            _ => Err(GroupError::UnexpectedWireFormat),
        }
    }

    /// Processes a received Public or PrivateMessage: application data is
    /// returned, a proposal stored, a commit validated into a
    /// [`crate::StagedCommit`]. A message that fails leaves the group unchanged.
    pub fn process_message(&mut self, msg: &MlsMessage) -> Result<ProcessedMessage, GroupError> {
        let (opened, epoch, undo) = self.unprotect(msg)?;
        let result = self.process_content(&opened, epoch);
        if let (Err(_), Some(undo)) = (&result, undo) {
            // The message decrypted but is invalid: its key is not consumed.
            self.secret_tree.undo(undo);
        }
        result
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
            Content::Proposal(p) => {
                let stored = StoredProposal {
                    reference: ac.proposal_ref(&self.suite)?,
                    proposal: p.clone(),
                    sender: ac.content.sender,
                };
                self.proposals.insert(stored.clone());
                Ok(ProcessedMessage::Proposal(stored))
            }
            Content::Commit(_) => Ok(ProcessedMessage::Commit(
                self.stage_commit(ac, opened.tbs())?,
            )),
        }
    }
}
