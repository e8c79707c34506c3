//! What the MIMI layer keeps beside the engine's [`crate::Store`]: the
//! members' fan-out tokens (hub side), reserved group ids (hub side) and
//! the inboxes of local clients for messages fanned out by other hubs
//! (guest side).
//!
//! A separate trait so that the engine's store contract stays as it is;
//! its writes are not in the engine's transaction (see `docs/mimi-ds.md`,
//! "Not implemented").

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use crate::ids::ClientId;
use crate::mimi::wire::FanoutAuthToken;
use crate::mimi::DomainName;
use crate::store::StoreError;

/// A message another DS fanned out to a local client (guest side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    /// Its position in the client's inbox: acknowledge up to it.
    pub seq: u64,
    /// The hub that sent it (the caller's mTLS peer).
    pub from_domain: DomainName,
    /// The encoded `MLSMessage`.
    pub message: Vec<u8>,
}

/// Storage of the MIMI layer. Every method is one atomic step.
pub trait MimiStore: Send + Sync {
    /// Sets the fan-out tokens of these members of a group.
    fn put_tokens(
        &self,
        group_id: &[u8],
        tokens: &[(ClientId, FanoutAuthToken)],
    ) -> Result<(), StoreError>;
    /// Forgets the tokens of these clients (removed from the group).
    fn delete_tokens(&self, group_id: &[u8], clients: &[ClientId]) -> Result<(), StoreError>;
    /// Forgets every token of a group.
    fn delete_group_tokens(&self, group_id: &[u8]) -> Result<(), StoreError>;
    /// The tokens of a group's members.
    fn tokens(&self, group_id: &[u8]) -> Result<BTreeMap<ClientId, FanoutAuthToken>, StoreError>;
    /// Reserves a group id for `client`; `false` if it is reserved already.
    fn reserve_group_id(&self, group_id: &[u8], client: &ClientId) -> Result<bool, StoreError>;
    /// Who reserved a group id.
    fn reservation(&self, group_id: &[u8]) -> Result<Option<ClientId>, StoreError>;
    /// Appends to a client's inbox; returns the item's `seq`.
    fn enqueue(
        &self,
        client: &ClientId,
        from_domain: &DomainName,
        message: &[u8],
    ) -> Result<u64, StoreError>;
    /// The first `limit` items of a client's inbox.
    fn inbox(&self, client: &ClientId, limit: usize) -> Result<Vec<InboxItem>, StoreError>;
    /// Drops a client's inbox items below `up_to`.
    fn ack_inbox(&self, client: &ClientId, up_to: u64) -> Result<(), StoreError>;
}

#[derive(Default)]
struct State {
    tokens: BTreeMap<(Vec<u8>, ClientId), FanoutAuthToken>,
    reserved: BTreeMap<Vec<u8>, ClientId>,
    inboxes: BTreeMap<ClientId, (u64, VecDeque<InboxItem>)>,
}

/// [`MimiStore`] in memory.
#[derive(Default)]
pub struct MemoryMimiStore {
    state: Mutex<State>,
}

impl MemoryMimiStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MimiStore for MemoryMimiStore {
    fn put_tokens(
        &self,
        group_id: &[u8],
        tokens: &[(ClientId, FanoutAuthToken)],
    ) -> Result<(), StoreError> {
        let mut s = self.lock();
        for (c, t) in tokens {
            s.tokens.insert((group_id.to_vec(), c.clone()), t.clone());
        }
        Ok(())
    }

    fn delete_tokens(&self, group_id: &[u8], clients: &[ClientId]) -> Result<(), StoreError> {
        let mut s = self.lock();
        for c in clients {
            s.tokens.remove(&(group_id.to_vec(), c.clone()));
        }
        Ok(())
    }

    fn delete_group_tokens(&self, group_id: &[u8]) -> Result<(), StoreError> {
        self.lock().tokens.retain(|(g, _), _| g != group_id);
        Ok(())
    }

    fn tokens(&self, group_id: &[u8]) -> Result<BTreeMap<ClientId, FanoutAuthToken>, StoreError> {
        Ok(self
            .lock()
            .tokens
            .iter()
            .filter(|((g, _), _)| g == group_id)
            .map(|((_, c), t)| (c.clone(), t.clone()))
            .collect())
    }

    fn reserve_group_id(&self, group_id: &[u8], client: &ClientId) -> Result<bool, StoreError> {
        let mut s = self.lock();
        if s.reserved.contains_key(group_id) {
            return Ok(false);
        }
        s.reserved.insert(group_id.to_vec(), client.clone());
        Ok(true)
    }

    fn reservation(&self, group_id: &[u8]) -> Result<Option<ClientId>, StoreError> {
        Ok(self.lock().reserved.get(group_id).cloned())
    }

    fn enqueue(
        &self,
        client: &ClientId,
        from_domain: &DomainName,
        message: &[u8],
    ) -> Result<u64, StoreError> {
        let mut s = self.lock();
        let (next, queue) = s.inboxes.entry(client.clone()).or_default();
        let seq = *next;
        *next += 1;
        queue.push_back(InboxItem {
            seq,
            from_domain: from_domain.clone(),
            message: message.to_vec(),
        });
        Ok(seq)
    }

    fn inbox(&self, client: &ClientId, limit: usize) -> Result<Vec<InboxItem>, StoreError> {
        Ok(self
            .lock()
            .inboxes
            .get(client)
            .map(|(_, q)| q.iter().take(limit).cloned().collect())
            .unwrap_or_default())
    }

    fn ack_inbox(&self, client: &ClientId, up_to: u64) -> Result<(), StoreError> {
        if let Some((_, q)) = self.lock().inboxes.get_mut(client) {
            while q.front().is_some_and(|i| i.seq < up_to) {
                q.pop_front();
            }
        }
        Ok(())
    }
}
