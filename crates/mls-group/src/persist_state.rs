//! The group record: a member's whole state but the ratchet tree's nodes
//! (saved as the whole tree or one record per node), encoded from the
//! structures that hold it. It holds nothing that grows with the group:
//! the private keys of one direct path, the epoch's secrets, the secret
//! trees' used ratchets, proposals, PSKs, past epochs as the keys their
//! commit changed, and the lifecycle (with a pending commit).
//!
//! Not persisted: the configuration and policy (given again on restore)
//! and the time (the caller's, set again with [`Group::set_time`]).

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{CipherSuite, CipherSuiteProvider, HpkePrivateKey, HpkePublicKey};
use mls_keyschedule::InMemoryPskStore;
use mls_treekem::{RatchetTree, TreePrivateKeys};
use mls_types::GroupContext;

use crate::epoch::EpochState;
use crate::lifecycle::Lifecycle;
use crate::past_epochs::PastEpochs;
use crate::persist::STATE_VERSION;
use crate::public::{ProposalStore, PublicGroup};
use crate::{ClientIdentity, Group, GroupConfig, GroupError, GroupPolicy};

/// The group record as saved: the current state's parts, borrowed.
#[derive(Encode)]
pub(crate) struct GroupRecordRef<'a> {
    version: u16,
    cipher_suite: CipherSuite,
    n_leaves: u32,
    n_nodes: u32,
    context: &'a GroupContext,
    confirmation_tag: &'a [u8],
    proposals: &'a ProposalStore,
    identity: &'a ClientIdentity,
    private_keys: &'a TreePrivateKeys,
    epoch: &'a EpochState,
    own_updates: &'a [(HpkePublicKey, HpkePrivateKey)],
    rotations: &'a [ClientIdentity],
    past_epochs: &'a PastEpochs,
    psks: &'a InMemoryPskStore,
    lifecycle: &'a Lifecycle,
    /// The configuration's encoding, compared on restore.
    config: &'a [u8],
}

/// The group record as restored: the same fields, owned. The interim
/// transcript hash is not saved: it is derived from the confirmed
/// transcript hash and the confirmation tag.
#[derive(Decode)]
pub(crate) struct GroupRecord {
    /// Checked by [`check_version`] before the rest is decoded.
    #[allow(dead_code)]
    version: u16,
    pub(crate) cipher_suite: CipherSuite,
    pub(crate) n_leaves: u32,
    pub(crate) n_nodes: u32,
    pub(crate) context: GroupContext,
    confirmation_tag: Vec<u8>,
    proposals: ProposalStore,
    identity: ClientIdentity,
    private_keys: TreePrivateKeys,
    epoch: EpochState,
    own_updates: Vec<(HpkePublicKey, HpkePrivateKey)>,
    rotations: Vec<ClientIdentity>,
    past_epochs: PastEpochs,
    psks: InMemoryPskStore,
    lifecycle: Lifecycle,
    config: Vec<u8>,
}

/// A saved state that does not decode: corrupted local state.
pub(crate) fn bad(_: impl core::fmt::Debug) -> GroupError {
    GroupError::InvalidState("malformed state")
}

/// The version in the first two bytes of `bytes`, if it is ours.
pub(crate) fn check_version(bytes: &[u8]) -> Result<(), GroupError> {
    let version = match bytes {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => return Err(GroupError::InvalidState("truncated")),
    };
    if version != STATE_VERSION {
        return Err(GroupError::UnknownStateVersion(version));
    }
    Ok(())
}

impl GroupRecord {
    /// Decodes a group record on its own.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, GroupError> {
        check_version(bytes)?;
        decode_exact(bytes).map_err(bad)
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    pub(crate) fn group_record<'a>(&'a self, config: &'a [u8]) -> GroupRecordRef<'a> {
        GroupRecordRef {
            version: STATE_VERSION,
            cipher_suite: self.public.suite.cipher_suite(),
            n_leaves: self.public.tree.n_leaves(),
            n_nodes: self.public.tree.non_blank_count(),
            context: &self.public.context,
            confirmation_tag: &self.public.confirmation_tag,
            proposals: &self.public.proposals,
            identity: &self.identity,
            private_keys: &self.private_keys,
            epoch: &self.epoch,
            own_updates: &self.own_updates,
            rotations: &self.rotations,
            past_epochs: &self.past_epochs,
            psks: &self.psks,
            lifecycle: &self.lifecycle,
            config,
        }
    }

    /// Fails unless `suite` is the record's cipher suite.
    pub(crate) fn check_suite(suite: &S, s: &GroupRecord) -> Result<(), GroupError> {
        if s.cipher_suite != suite.cipher_suite() || s.context.cipher_suite != s.cipher_suite {
            return Err(GroupError::UnsupportedCipherSuite(s.cipher_suite.0));
        }
        Ok(())
    }

    /// The group of a group record and its `tree`, which must have the
    /// record's size and number of nodes.
    pub(crate) fn from_group_record(
        suite: S,
        s: GroupRecord,
        tree: RatchetTree,
        config: GroupConfig,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        Self::check_suite(&suite, &s)?;
        if config.to_bytes()? != s.config {
            return Err(GroupError::ConfigMismatch);
        }
        if tree.n_leaves() != s.n_leaves || tree.non_blank_count() != s.n_nodes {
            return Err(GroupError::InvalidState(
                "tree does not match the group record",
            ));
        }
        let signer = s.identity.signer(&suite)?;
        if suite.signing_public_key(&signer) != *s.identity.signature_key() {
            return Err(GroupError::InvalidState(
                "signature key pair does not match",
            ));
        }
        let mut public = PublicGroup::from_parts(
            suite,
            tree,
            s.context,
            s.confirmation_tag,
            policy.unwrap_or_else(crate::policy::default_policy),
            None,
        )?;
        public.proposals = s.proposals;
        public.check_lifetimes = config.lifetimes != crate::LifetimeCheck::Off;
        let mut group = Group {
            public,
            config,
            identity: s.identity,
            signer,
            private_keys: s.private_keys,
            epoch: s.epoch,
            own_updates: s.own_updates,
            rotations: s.rotations,
            past_epochs: s.past_epochs,
            psks: s.psks,
            lifecycle: s.lifecycle,
            taken_group_record: None,
            verifiers: crate::verifiers::VerifierCache::default(),
        };
        group.check_restored()?;
        Ok(group)
    }
}
