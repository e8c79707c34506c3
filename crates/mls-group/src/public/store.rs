//! The per-epoch proposal store (RFC 9420 §12.1, §12.4.2) and the
//! resolution of a commit's proposal list against it.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_framing::{Proposal, ProposalOrRef, ProposalRef, Sender};

use crate::limits::MAX_STORED_PROPOSALS;
use crate::GroupError;

/// A proposal received (or sent) in the current epoch.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StoredProposal {
    /// Its ProposalRef (§5.2).
    pub reference: ProposalRef,
    /// The proposal.
    pub proposal: Proposal,
    /// Who sent it.
    pub sender: Sender,
}

/// The proposals of the current epoch in arrival order, indexed by
/// reference. Emptied when the epoch changes. Public: members and the
/// Delivery Service's view hold the same store.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProposalStore {
    entries: Vec<StoredProposal>,
    /// Reference → position in `entries`.
    index: BTreeMap<ProposalRef, usize>,
}

impl ProposalStore {
    /// Stores `p` unless a proposal with its reference is stored already;
    /// refused once the store holds [`MAX_STORED_PROPOSALS`].
    pub fn insert(&mut self, p: StoredProposal) -> Result<(), GroupError> {
        if self.index.contains_key(&p.reference) {
            return Ok(());
        }
        if self.entries.len() >= MAX_STORED_PROPOSALS {
            return Err(GroupError::TooManyProposals);
        }
        self.index.insert(p.reference.clone(), self.entries.len());
        self.entries.push(p);
        Ok(())
    }

    /// Whether the store is full.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= MAX_STORED_PROPOSALS
    }

    /// The proposal with reference `r`: O(log n).
    pub fn get(&self, r: &ProposalRef) -> Option<&StoredProposal> {
        self.index.get(r).and_then(|&i| self.entries.get(i))
    }

    /// The stored proposals in arrival order.
    pub fn entries(&self) -> &[StoredProposal] {
        &self.entries
    }

    /// Empties the store (a new epoch).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
    }
}

/// Persisted as the proposals in arrival order; the index is rebuilt.
impl Encode for ProposalStore {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), mls_codec::Error> {
        self.entries.encode(out)
    }

    fn encoded_len(&self) -> usize {
        self.entries.encoded_len()
    }
}

impl Decode for ProposalStore {
    fn decode(r: &mut mls_codec::Reader<'_>) -> Result<Self, mls_codec::Error> {
        let mut store = ProposalStore::default();
        for p in Vec::<StoredProposal>::decode(r)? {
            if store.index.contains_key(&p.reference) || store.insert(p).is_err() {
                return Err(mls_codec::Error::InvalidValue);
            }
        }
        Ok(store)
    }
}

/// A proposal of a commit with its sender.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub proposal: Proposal,
    pub sender: Sender,
    pub by_ref: bool,
}

/// Looks up the proposals of a commit sent by `committer` (§12.4.2): by
/// value they are the committer's, by reference the store's.
pub(crate) fn resolve(
    store: &ProposalStore,
    list: &[ProposalOrRef],
    committer: Sender,
) -> Result<Vec<Resolved>, GroupError> {
    list.iter()
        .map(|p| match p {
            ProposalOrRef::Proposal(p) => Ok(Resolved {
                proposal: p.clone(),
                sender: committer,
                by_ref: false,
            }),
            ProposalOrRef::Reference(r) => store
                .get(r)
                .map(|s| Resolved {
                    proposal: s.proposal.clone(),
                    sender: s.sender,
                    by_ref: true,
                })
                .ok_or_else(|| GroupError::UnknownProposalRef(r.clone())),
        })
        .collect()
}
