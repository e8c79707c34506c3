//! [`MemoryStore`]: the [`Store`] in one process's memory.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::ids::ClientId;
use crate::store::*;

#[derive(Default, Clone)]
struct State {
    groups: BTreeMap<Vec<u8>, GroupRecord>,
    states: BTreeMap<Vec<u8>, GroupStateRecord>,
    views: BTreeMap<(Vec<u8>, ViewKey), Vec<u8>>,
    messages: BTreeMap<(Vec<u8>, u64), MessageRecord>,
    members: BTreeMap<(Vec<u8>, ClientId), MemberRecord>,
    key_packages: BTreeMap<Vec<u8>, KeyPackageRecord>,
    by_owner: BTreeMap<(ClientId, Vec<u8>), ()>,
    welcomes: BTreeMap<(ClientId, Vec<u8>, u64), WelcomeRecord>,
    trees: BTreeMap<(Vec<u8>, u64), EpochTreeRecord>,
    rates: BTreeMap<RateKey, RateRecord>,
}

/// A [`Store`] in memory, behind one mutex. Transactions are optimistic:
/// each read takes the lock briefly, `commit` takes it, checks every
/// precondition, then applies every write — so concurrent requests race
/// exactly as they would on a shared SQL database, and lose with
/// [`StoreError::Conflict`].
///
/// ```
/// use mls_ds::{MemoryStore, Store, Transaction};
/// let store = MemoryStore::new();
/// let mut tx = store.begin().unwrap();
/// assert!(tx.group(b"g").unwrap().is_none());
/// tx.commit(vec![]).unwrap();
/// ```
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    conflicts: AtomicU64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Preconditions are checked before any write is applied and
        // applying cannot fail, so a lock poisoned by a panicking reader
        // guards a consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many commits failed a precondition ([`StoreError::Conflict`])
    /// so far (tests: races between instances really raced).
    pub fn conflicts(&self) -> u64 {
        self.conflicts.load(Ordering::Relaxed)
    }

    /// How many messages the store holds for a group (tests: fan-out by
    /// reference stores each message once).
    pub fn message_count(&self, group_id: &[u8]) -> usize {
        let s = self.lock();
        s.messages
            .range((group_id.to_vec(), 0)..=(group_id.to_vec(), u64::MAX))
            .count()
    }
}

/// A [`MemoryStore`] transaction.
pub struct MemoryTx<'a> {
    store: &'a MemoryStore,
}

impl Store for MemoryStore {
    type Tx<'a> = MemoryTx<'a>;

    fn begin(&self) -> Result<MemoryTx<'_>, StoreError> {
        Ok(MemoryTx { store: self })
    }
}

impl Transaction for MemoryTx<'_> {
    fn group(&mut self, group_id: &[u8]) -> Result<Option<GroupRecord>, StoreError> {
        Ok(self.store.lock().groups.get(group_id).cloned())
    }

    fn group_state(&mut self, group_id: &[u8]) -> Result<Option<GroupStateRecord>, StoreError> {
        Ok(self.store.lock().states.get(group_id).cloned())
    }

    fn view_records(&mut self, group_id: &[u8]) -> Result<Vec<(ViewKey, Vec<u8>)>, StoreError> {
        let s = self.store.lock();
        Ok(s.views
            .range((group_id.to_vec(), ViewKey::Public)..)
            .take_while(|((g, _), _)| g == group_id)
            .map(|((_, k), v)| (*k, v.clone()))
            .collect())
    }

    fn messages(
        &mut self,
        group_id: &[u8],
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.messages
            .range((group_id.to_vec(), from_seq)..=(group_id.to_vec(), u64::MAX))
            .take(limit)
            .map(|(_, m)| m.clone())
            .collect())
    }

    fn member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        Ok(self
            .store
            .lock()
            .members
            .get(&(group_id.to_vec(), client.clone()))
            .cloned())
    }

    fn members(&mut self, group_id: &[u8]) -> Result<Vec<MemberRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.members
            .iter()
            .filter(|((g, _), _)| g == group_id)
            .map(|(_, m)| m.clone())
            .collect())
    }

    fn key_packages(&mut self, owner: &ClientId) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.by_owner
            .range((owner.clone(), Vec::new())..)
            .take_while(|((o, _), _)| o == owner)
            .filter_map(|((_, r), _)| s.key_packages.get(r).cloned())
            .collect())
    }

    fn key_package(&mut self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StoreError> {
        Ok(self.store.lock().key_packages.get(reference).cloned())
    }

    fn welcomes(
        &mut self,
        client: &ClientId,
        limit: usize,
    ) -> Result<Vec<WelcomeRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.welcomes
            .range((client.clone(), Vec::new(), 0)..)
            .take_while(|((c, _, _), _)| c == client)
            .take(limit)
            .map(|(_, w)| w.clone())
            .collect())
    }

    fn epoch_tree(
        &mut self,
        group_id: &[u8],
        epoch: u64,
    ) -> Result<Option<EpochTreeRecord>, StoreError> {
        Ok(self
            .store
            .lock()
            .trees
            .get(&(group_id.to_vec(), epoch))
            .cloned())
    }

    fn epoch_tree_epochs(&mut self, group_id: &[u8]) -> Result<Vec<u64>, StoreError> {
        let s = self.store.lock();
        Ok(s.trees
            .range((group_id.to_vec(), 0)..=(group_id.to_vec(), u64::MAX))
            .map(|((_, e), _)| *e)
            .collect())
    }

    fn rate(&mut self, key: &RateKey) -> Result<Option<RateRecord>, StoreError> {
        Ok(self.store.lock().rates.get(key).cloned())
    }

    fn commit(self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut s = self.store.lock();
        // Every precondition first: nothing is applied unless all hold.
        let holds = |w: &Write| match w {
            Write::PutGroup {
                record,
                expected_version,
            } => s.groups.get(&record.group_id).map(|g| g.version) == *expected_version,
            Write::TakeKeyPackage { reference } => s.key_packages.contains_key(reference),
            Write::AppendMessage(m) => !s.messages.contains_key(&(m.group_id.clone(), m.seq)),
            _ => true,
        };
        if !writes.iter().all(holds) {
            self.store.conflicts.fetch_add(1, Ordering::Relaxed);
            return Err(StoreError::Conflict);
        }
        for w in writes {
            apply(&mut s, w);
        }
        Ok(())
    }
}

fn apply(s: &mut State, w: Write) {
    match w {
        Write::PutGroup { record, .. } => {
            s.groups.insert(record.group_id.clone(), record);
        }
        Write::PutGroupState(state) => {
            s.states.insert(state.group_id.clone(), state);
        }
        Write::PutViewRecord {
            group_id,
            key,
            value,
        } => match value {
            Some(v) => {
                s.views.insert((group_id, key), v);
            }
            None => {
                s.views.remove(&(group_id, key));
            }
        },
        Write::AppendMessage(m) => {
            s.messages.insert((m.group_id.clone(), m.seq), m);
        }
        Write::DeleteMessages {
            group_id,
            below_seq,
        } => {
            let doomed: Vec<(Vec<u8>, u64)> = s
                .messages
                .range((group_id.clone(), 0)..(group_id, below_seq))
                .map(|(k, _)| k.clone())
                .collect();
            for k in doomed {
                s.messages.remove(&k);
            }
        }
        Write::DeleteEndedMembers {
            group_id,
            below_seq,
        } => {
            s.members.retain(|(g, _), m| {
                g != &group_id || !matches!(m.until_seq, Some(u) if u < below_seq && m.cursor > u)
            });
        }
        Write::PutMember(m) => {
            s.members.insert((m.group_id.clone(), m.client.clone()), m);
        }
        Write::EndMember {
            group_id,
            client,
            until_seq,
        } => {
            if let Some(m) = s.members.get_mut(&(group_id, client)) {
                m.until_seq = Some(until_seq);
            }
        }
        Write::Touch {
            group_id,
            client,
            cursor_to,
            now,
        } => {
            if let Some(m) = s.members.get_mut(&(group_id, client)) {
                m.cursor = m.cursor.max(cursor_to);
                m.last_active = m.last_active.max(now);
            }
        }
        Write::PutKeyPackage(k) => {
            s.by_owner
                .insert((k.owner.clone(), k.reference.clone()), ());
            s.key_packages.insert(k.reference.clone(), k);
        }
        Write::TakeKeyPackage { reference } | Write::DeleteKeyPackage { reference } => {
            if let Some(k) = s.key_packages.remove(&reference) {
                s.by_owner.remove(&(k.owner, reference));
            }
        }
        Write::PutWelcome(w) => {
            s.welcomes
                .insert((w.client.clone(), w.group_id.clone(), w.epoch), w);
        }
        Write::DeleteWelcome {
            client,
            group_id,
            epoch,
        } => {
            s.welcomes.remove(&(client, group_id, epoch));
        }
        Write::PutEpochTree(t) => {
            s.trees.insert((t.group_id.clone(), t.epoch), t);
        }
        Write::DeleteEpochTree { group_id, epoch } => {
            s.trees.remove(&(group_id, epoch));
        }
        Write::CountRate { key, window_start } => {
            let r = s.rates.entry(key.clone()).or_insert(RateRecord {
                key,
                window_start,
                count: 0,
            });
            if r.window_start < window_start {
                r.window_start = window_start;
                r.count = 0;
            }
            r.count = r.count.saturating_add(1);
        }
    }
}
