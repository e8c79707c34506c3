//! The common operations as one call each: add members by KeyPackage,
//! remove them by leaf or identity, process bytes from the wire. Each is
//! a commit or `process_message` underneath, with the same checks.

use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, Rng};
use mls_framing::{Add, KeyPackage, MlsMessage, Proposal, Remove};
use mls_types::tree_math::LeafIndex;
use mls_types::Credential;

use crate::{CommitOptions, CommitOutput, Group, GroupError, ProcessedMessage};

impl<S: CipherSuiteProvider> Group<S> {
    /// Commits the Adds of `key_packages` (§12.1.1) with the proposals
    /// received this epoch; send the commit, and the Welcome to the new
    /// members, then [`merge_pending_commit`](Self::merge_pending_commit)
    /// once the Delivery Service accepts it.
    pub fn add_members(
        &mut self,
        key_packages: Vec<KeyPackage>,
        rng: &mut dyn Rng,
    ) -> Result<CommitOutput, GroupError> {
        let adds = key_packages
            .into_iter()
            .map(|key_package| Proposal::Add(Add { key_package }))
            .collect();
        self.commit(adds, &CommitOptions::default(), rng)
    }

    /// Commits the removal of the members at `leaves` (§12.1.3).
    pub fn remove_members(
        &mut self,
        leaves: &[LeafIndex],
        rng: &mut dyn Rng,
    ) -> Result<CommitOutput, GroupError> {
        let removes = leaves
            .iter()
            .map(|l| Proposal::Remove(Remove { removed: l.0 }))
            .collect();
        self.commit(removes, &CommitOptions::default(), rng)
    }

    /// Commits the removal of every member whose credential is
    /// `credential` (all devices of a basic identity, say). Refused with
    /// [`GroupError::InvalidArgument`] if there is none (or it is only us).
    pub fn remove_members_with(
        &mut self,
        credential: &Credential,
        rng: &mut dyn Rng,
    ) -> Result<CommitOutput, GroupError> {
        let me = self.own_leaf();
        let leaves: Vec<LeafIndex> = self
            .public
            .tree
            .members()
            .filter(|(l, leaf)| *l != me && &leaf.credential == credential)
            .map(|(l, _)| l)
            .collect();
        if leaves.is_empty() {
            return Err(GroupError::InvalidArgument(
                "no other member has that credential",
            ));
        }
        self.remove_members(&leaves, rng)
    }

    /// Decodes an `MLSMessage` received from the wire and processes it
    /// ([`process_message`](Self::process_message)).
    pub fn process_bytes(&mut self, bytes: &[u8]) -> Result<ProcessedMessage, GroupError> {
        let msg = MlsMessage::from_bytes(bytes)?;
        self.process_message(&msg)
    }
}

impl CommitOutput {
    /// The commit, encoded for the wire.
    pub fn commit_bytes(&self) -> Result<Vec<u8>, GroupError> {
        Ok(mls_codec::Encode::to_bytes(&self.commit)?)
    }

    /// The Welcome, if any, encoded for the wire.
    pub fn welcome_bytes(&self) -> Result<Option<Vec<u8>>, GroupError> {
        self.welcome
            .as_ref()
            .map(|w| Ok(mls_codec::Encode::to_bytes(w)?))
            .transpose()
    }
}
