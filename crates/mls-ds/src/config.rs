//! The Delivery Service's policy knobs (RFC 9750 §6, §7), in one struct.

use std::collections::BTreeSet;
use std::sync::Arc;

use mls_group::{ClientIdentity, DefaultPolicy, GroupPolicy};

use crate::ids::{BasicClientDirectory, ClientDirectory, ClientId};
use crate::limits::Limits;

/// Who may do something in a group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Who {
    /// Every member.
    #[default]
    AnyMember,
    /// Only these clients (for example a group's admins).
    Only(BTreeSet<ClientId>),
    /// Nobody.
    Nobody,
}

impl Who {
    /// Whether `client` is allowed.
    pub fn allows(&self, client: &ClientId) -> bool {
        match self {
            Who::AnyMember => true,
            Who::Only(set) => set.contains(client),
            Who::Nobody => false,
        }
    }
}

/// Which wire format handshake messages (proposals, commits) must use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandshakeWireFormat {
    /// PublicMessage (MIMI §4): the DS verifies every handshake message
    /// and follows the group's state. The only mode of this engine: it
    /// orders commits by validity, which needs to see them.
    #[default]
    Public,
}

/// The DS's own identity: its credential and key, listed in the groups'
/// `external_senders` extension (RFC 9420 §12.1.8.1, MIMI §8), to
/// propose Removes (idle eviction, RFC 9750 §8.2.2).
#[derive(Debug, Clone)]
pub struct DsIdentity {
    /// The identity.
    pub identity: ClientIdentity,
}

/// Every policy knob of the Delivery Service.
#[derive(Clone)]
pub struct DsConfig {
    /// Who may propose or commit an Add (a member adding another client).
    pub may_add: Who,
    /// Who may propose or commit a Remove of another member. Removing
    /// oneself (a self-Remove proposal) and the DS's own Removes are
    /// always allowed.
    pub may_remove: Who,
    /// Whether clients may join by external commit (RFC 9750 §6.5
    /// "explicit group policy setting the conditions under which external
    /// joins are allowed"). If so, every commit's PartialGroupInfo must
    /// carry `external_pub` and the DS serves the GroupInfo to any
    /// authenticated client; if not, it must not, and only members get it.
    pub allow_external_joins: bool,
    /// The wire format of handshake messages.
    pub handshake_format: HandshakeWireFormat,
    /// Whether a message is also delivered back to its sender.
    pub echo_to_sender: bool,
    /// Evict (propose the Remove of) a member idle for this many seconds
    /// (RFC 9750 §8.2.2); needs `ds_identity`. `None`: never.
    pub idle_eviction_after: Option<u64>,
    /// The DS's identity for its own proposals.
    pub ds_identity: Option<DsIdentity>,
    /// Whether a new group must list `ds_identity` in its
    /// `external_senders` extension (MIMI §8).
    pub require_ds_external_sender: bool,
    /// The policy / credential validation hook run on every proposal and
    /// leaf, as the members run it (`mls_group::GroupPolicy`).
    pub group_policy: Arc<dyn GroupPolicy>,
    /// How credentials map to client ids.
    pub directory: Arc<dyn ClientDirectory>,
    /// Every limit.
    pub limits: Limits,
}

impl Default for DsConfig {
    fn default() -> Self {
        DsConfig {
            may_add: Who::AnyMember,
            may_remove: Who::AnyMember,
            allow_external_joins: true,
            handshake_format: HandshakeWireFormat::Public,
            echo_to_sender: false,
            idle_eviction_after: None,
            ds_identity: None,
            require_ds_external_sender: false,
            group_policy: Arc::new(DefaultPolicy),
            directory: Arc::new(BasicClientDirectory),
            limits: Limits::default(),
        }
    }
}

impl core::fmt::Debug for DsConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DsConfig")
            .field("may_add", &self.may_add)
            .field("may_remove", &self.may_remove)
            .field("allow_external_joins", &self.allow_external_joins)
            .field("handshake_format", &self.handshake_format)
            .field("echo_to_sender", &self.echo_to_sender)
            .field("idle_eviction_after", &self.idle_eviction_after)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// The configured [`GroupPolicy`], shared by every group's view.
pub(crate) struct SharedPolicy(pub Arc<dyn GroupPolicy>);

impl GroupPolicy for SharedPolicy {
    fn check_proposal(
        &self,
        proposal: &mls_group::Proposal,
        sender: &mls_group::Sender,
    ) -> Result<(), &'static str> {
        self.0.check_proposal(proposal, sender)
    }

    fn authenticate(
        &self,
        input: &mls_group::CredentialInput<'_>,
    ) -> Result<(), mls_group::CredentialError> {
        self.0.authenticate(input)
    }

    fn valid_successor(
        &self,
        old: &mls_group::Credential,
        new: &mls_group::CredentialInput<'_>,
    ) -> Result<(), mls_group::CredentialError> {
        self.0.valid_successor(old, new)
    }

    fn custom_proposal_requires_path(&self, proposal_type: mls_group::ProposalType) -> bool {
        self.0.custom_proposal_requires_path(proposal_type)
    }
}
