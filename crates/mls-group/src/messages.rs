//! What a member sends besides commits: application messages (RFC 9420
//! §15) and proposals (§12.1).

use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, Rng};
use mls_framing::{Content, MlsMessage, Proposal, Remove, Sender, Update, WireFormat};
use mls_treekem::{LeafNode, LeafNodeSource};
use mls_types::tree_math::LeafIndex;

use crate::send::handshake_wire_format;
use crate::StoredProposal;
use crate::{ClientIdentity, Group, GroupError};

impl<S: CipherSuiteProvider> Group<S> {
    /// Encrypts application data (§15) as a PrivateMessage of the current
    /// epoch, padded per [`crate::GroupConfig::padding`].
    ///
    /// ```
    /// # use mls_group::*;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let alice = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// # let mut group = Group::create(suite, alice, b"g".to_vec(), Vec::new(), GroupConfig::default(), &mut OsRng).unwrap();
    /// let msg = group.encrypt_application_message(b"hello", b"aad", &mut OsRng).unwrap();
    /// assert_eq!(msg.wire_format(), WireFormat::PRIVATE_MESSAGE);
    /// ```
    pub fn encrypt_application_message(
        &mut self,
        data: &[u8],
        authenticated_data: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        self.lifecycle.check_active()?;
        let signed = self.sign_content(
            WireFormat::PRIVATE_MESSAGE,
            Content::Application(data.to_vec()),
            authenticated_data.to_vec(),
        )?;
        self.protect_content(signed, rng)
    }

    /// Sends a proposal: signs and protects it, and stores it in the
    /// epoch's proposal store (so that our next commit can include it).
    pub fn propose(
        &mut self,
        proposal: Proposal,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        self.lifecycle.check_active()?;
        // Refused before a key is consumed: what receivers would refuse.
        if self.public.proposals.is_full() {
            return Err(GroupError::TooManyProposals);
        }
        let me = Sender::Member(self.own_leaf());
        self.check_time_for(core::iter::once(&proposal))?;
        self.public.check_proposal_alone(&proposal, me)?;
        let signed = self.sign_content(
            handshake_wire_format(self.config.handshake_format),
            Content::Proposal(proposal.clone()),
            Vec::new(),
        )?;
        let stored = StoredProposal {
            reference: signed.0.proposal_ref(&self.public.suite)?,
            proposal,
            sender: me,
        };
        let msg = self.protect_content(signed, rng)?;
        self.public.proposals.insert(stored)?;
        Ok(msg)
    }

    /// Proposes to remove the member at `leaf` (§12.1.3).
    pub fn propose_remove(
        &mut self,
        leaf: LeafIndex,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        if self.public.tree.leaf(leaf).is_none() {
            return Err(GroupError::InvalidArgument("no member at that leaf"));
        }
        self.propose(Proposal::Remove(Remove { removed: leaf.0 }), rng)
    }

    /// Proposes a custom proposal of `proposal_type` with an
    /// application-defined body (see [`CustomProposal`](crate::CustomProposal) for
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
        self.propose_update_inner(None, rng)
    }

    /// Proposes an Update that rotates our credential and/or signature
    /// key to `identity` (§5.3.1, §12.1.2; RFC 9750 §6.5), with a fresh
    /// encryption key. The proposal is signed with our current key; if a
    /// commit applies it, the group signs with the new key from the next
    /// epoch on. Receivers accept it only as a valid successor of our
    /// credential ([`crate::GroupPolicy::valid_successor`]).
    pub fn propose_update_with(
        &mut self,
        identity: ClientIdentity,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        self.propose_update_inner(Some(identity), rng)
    }

    fn propose_update_inner(
        &mut self,
        identity: Option<ClientIdentity>,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        let (leaf, private) = self.fresh_leaf(LeafNodeSource::Update, identity.as_ref(), rng)?;
        let msg = self.propose(
            Proposal::Update(Update {
                leaf_node: leaf.clone(),
            }),
            rng,
        )?;
        self.own_updates.push((leaf.encryption_key, private));
        self.rotations.extend(identity);
        Ok(msg)
    }

    /// A new leaf node for us: fresh encryption key, same credential,
    /// capabilities and extensions, signed for `source`.
    pub(crate) fn fresh_leaf(
        &self,
        source: LeafNodeSource,
        identity: Option<&ClientIdentity>,
        rng: &mut dyn Rng,
    ) -> Result<(LeafNode, HpkePrivateKey), GroupError> {
        let mut leaf = self
            .own_leaf_node()
            .cloned()
            .ok_or(GroupError::GroupInactive)?;
        let kp = self.public.suite.hpke_generate_key_pair(rng)?;
        leaf.encryption_key = kp.public;
        leaf.leaf_node_source = source;
        let rotated;
        let signer = match identity {
            Some(id) => {
                leaf.credential = id.credential().clone();
                leaf.signature_key = id.signature_key().clone();
                rotated = id.signer(&self.public.suite)?;
                &rotated
            }
            None => &self.signer,
        };
        leaf.sign(
            &self.public.suite,
            signer,
            Some((&self.public.context.group_id, self.own_leaf())),
        )?;
        Ok((leaf, kp.private))
    }
}
