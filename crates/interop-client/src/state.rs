//! The client's state: every object the runner names by a `u32` id.

use std::collections::HashMap;

use mls_group::framing::ProposalRef;
use mls_group::*;
use tonic::Status;

use crate::convert::Suite;

/// A member's group state.
pub(crate) struct MemberState {
    pub(crate) group: Group<Suite>,
    pub(crate) encrypt: bool,
    /// The proposals we sent this epoch, by their encoded message: a
    /// commit names them by message, and we cannot (or need not) process
    /// our own proposal to learn its reference.
    sent: HashMap<Vec<u8>, ProposalRef>,
    /// The epoch `sent` belongs to.
    sent_epoch: u64,
}

impl MemberState {
    /// Records the proposal we just sent as `bytes`: the last one in our
    /// store.
    pub(crate) fn record_sent(&mut self, bytes: &[u8]) -> Result<(), Status> {
        self.forget_old_epochs();
        let stored = self
            .group
            .public_group()
            .proposals()
            .last()
            .ok_or_else(|| Status::internal("a sent proposal is not in the store"))?;
        self.sent.insert(bytes.to_vec(), stored.reference.clone());
        Ok(())
    }

    /// The reference of a proposal we sent this epoch as `bytes`.
    pub(crate) fn sent_ref(&mut self, bytes: &[u8]) -> Option<ProposalRef> {
        self.forget_old_epochs();
        self.sent.get(bytes).cloned()
    }

    fn forget_old_epochs(&mut self) {
        if self.sent_epoch != self.group.epoch() {
            self.sent.clear();
            self.sent_epoch = self.group.epoch();
        }
    }
}

/// A KeyPackage waiting for a Welcome (`CreateKeyPackage`,
/// `NewMemberAddProposal`), with the external PSKs stored for it.
pub(crate) struct Transaction {
    pub(crate) suite: Suite,
    pub(crate) bundle: KeyPackageBundle,
    pub(crate) psks: Vec<(Vec<u8>, Secret)>,
}

/// A member of a group whose ReInit was committed, until the Welcome of
/// the new group: the old group's resumption data and the KeyPackage (in
/// the new suite) it published for the new group.
pub(crate) struct Reinit {
    pub(crate) suite: Suite,
    pub(crate) info: ResumptionInfo,
    pub(crate) bundle: KeyPackageBundle,
    pub(crate) encrypt: bool,
}

/// An external signer: an identity listed in a group's `external_senders`.
pub(crate) struct Signer {
    pub(crate) suite: Suite,
    pub(crate) identity: ClientIdentity,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) next_id: u32,
    pub(crate) members: HashMap<u32, MemberState>,
    pub(crate) transactions: HashMap<u32, Transaction>,
    pub(crate) reinits: HashMap<u32, Reinit>,
    pub(crate) signers: HashMap<u32, Signer>,
}

impl State {
    pub(crate) fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// A member state with the clock set on it.
    pub(crate) fn member(&mut self, id: u32) -> Result<&mut MemberState, Status> {
        let m = self
            .members
            .get_mut(&id)
            .ok_or_else(|| Status::not_found(format!("no group state {id}")))?;
        m.group.set_time(unix_time_now());
        Ok(m)
    }

    pub(crate) fn add_member(&mut self, group: Group<Suite>, encrypt: bool) -> u32 {
        let id = self.id();
        let sent_epoch = group.epoch();
        self.members.insert(
            id,
            MemberState {
                group,
                encrypt,
                sent: HashMap::new(),
                sent_epoch,
            },
        );
        id
    }
}
