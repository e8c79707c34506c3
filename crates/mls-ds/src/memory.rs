//! [`MemoryStore`]: the [`Store`] in one process's memory.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::ids::ClientId;
use crate::store::*;

/// A KeyPackage index key: (owner, suite, last_resort, an ordering
/// field, reference).
type KpKey = (ClientId, u16, bool, u64, Vec<u8>);

fn by_age(k: &KeyPackageRecord) -> KpKey {
    (
        k.owner.clone(),
        k.cipher_suite,
        k.last_resort,
        k.uploaded_at,
        k.reference.clone(),
    )
}

fn by_expiry(k: &KeyPackageRecord) -> KpKey {
    (
        k.owner.clone(),
        k.cipher_suite,
        k.last_resort,
        k.not_after,
        k.reference.clone(),
    )
}

fn usable(k: &KeyPackageRecord, now: u64) -> bool {
    k.not_before <= now && now <= k.not_after
}

impl State {
    /// The KeyPackages of (owner, suite, last_resort) in `index` order.
    fn kp_range<'s>(
        &'s self,
        index: &'s BTreeMap<KpKey, ()>,
        owner: &ClientId,
        suite: u16,
        last_resort: bool,
    ) -> impl Iterator<Item = &'s KeyPackageRecord> + 's {
        let owner = owner.clone();
        index
            .range((owner.clone(), suite, last_resort, 0, Vec::new())..)
            .take_while(move |((o, s, l, _, _), _)| *o == owner && *s == suite && *l == last_resort)
            .filter_map(|((_, _, _, _, r), _)| self.key_packages.get(r))
    }
}

#[derive(Default, Clone)]
struct State {
    groups: BTreeMap<Vec<u8>, GroupRecord>,
    states: BTreeMap<Vec<u8>, GroupStateRecord>,
    views: BTreeMap<(Vec<u8>, ViewKey), Vec<u8>>,
    messages: BTreeMap<(Vec<u8>, u64), MessageRecord>,
    members: BTreeMap<(Vec<u8>, ClientId), MemberRecord>,
    key_packages: BTreeMap<Vec<u8>, KeyPackageRecord>,
    /// (owner, suite, last_resort, uploaded_at, reference): oldest first.
    kp_by_age: BTreeMap<KpKey, ()>,
    /// (owner, suite, last_resort, not_after, reference): soonest expired
    /// first.
    kp_by_expiry: BTreeMap<KpKey, ()>,
    /// Each Welcome once per (group, epoch), with how many joiners wait
    /// for it.
    welcome_messages: BTreeMap<(Vec<u8>, u64), (Vec<u8>, usize)>,
    /// (joiner, group, epoch): a joiner waiting for a Welcome.
    welcomes: BTreeMap<(ClientId, Vec<u8>, u64), ()>,
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

impl MemoryStore {
    /// The bytes of the Welcomes the store holds, each counted once
    /// (tests: a commit adding k clients stores its Welcome once).
    pub fn welcome_bytes(&self) -> usize {
        let s = self.lock();
        s.welcome_messages.values().map(|(w, _)| w.len()).sum()
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

    fn group_and_member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<(Option<GroupRecord>, Option<MemberRecord>), StoreError> {
        let s = self.store.lock();
        let Some(group) = s.groups.get(group_id) else {
            return Ok((None, None));
        };
        let member = s
            .members
            .get(&(group.group_id.clone(), client.clone()))
            .cloned();
        Ok((Some(group.clone()), member))
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
        Ok(s.kp_by_age
            .range((owner.clone(), 0, false, 0, Vec::new())..)
            .take_while(|((o, _, _, _, _), _)| o == owner)
            .filter_map(|((_, _, _, _, r), _)| s.key_packages.get(r).cloned())
            .collect())
    }

    fn oldest_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.kp_range(&s.kp_by_age, owner, cipher_suite, false)
            .filter(|k| usable(k, now))
            .take(limit)
            .cloned()
            .collect())
    }

    fn last_resort_key_package(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
    ) -> Result<Option<KeyPackageRecord>, StoreError> {
        let s = self.store.lock();
        let found = s
            .kp_range(&s.kp_by_age, owner, cipher_suite, true)
            .find(|k| usable(k, now))
            .cloned();
        Ok(found)
    }

    fn count_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let s = self.store.lock();
        // By expiry: the expired ones come first and are few (each claim
        // deletes those it meets), then every one is unexpired.
        Ok(s.kp_range(&s.kp_by_expiry, owner, cipher_suite, false)
            .filter(|k| usable(k, now))
            .take(cap)
            .count())
    }

    fn expired_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let s = self.store.lock();
        Ok(s.kp_range(&s.kp_by_expiry, owner, cipher_suite, false)
            .take_while(|k| k.not_after < now)
            .take(limit)
            .map(|k| k.reference.clone())
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
            .filter_map(|((c, g, e), _)| {
                let (welcome, _) = s.welcome_messages.get(&(g.clone(), *e))?;
                Some(WelcomeRecord {
                    client: c.clone(),
                    group_id: g.clone(),
                    epoch: *e,
                    welcome: welcome.clone(),
                })
            })
            .collect())
    }

    fn welcome_count(&mut self, client: &ClientId, cap: usize) -> Result<usize, StoreError> {
        let s = self.store.lock();
        Ok(s.welcomes
            .range((client.clone(), Vec::new(), 0)..)
            .take_while(|((c, _, _), _)| c == client)
            .take(cap)
            .count())
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
            s.kp_by_age.insert(by_age(&k), ());
            s.kp_by_expiry.insert(by_expiry(&k), ());
            if let Some(old) = s.key_packages.insert(k.reference.clone(), k) {
                let new = &s.key_packages[&old.reference];
                let (old_age, old_expiry) = (by_age(&old), by_expiry(&old));
                if old_age != by_age(new) {
                    s.kp_by_age.remove(&old_age);
                }
                if old_expiry != by_expiry(new) {
                    s.kp_by_expiry.remove(&old_expiry);
                }
            }
        }
        Write::TakeKeyPackage { reference } | Write::DeleteKeyPackage { reference } => {
            if let Some(k) = s.key_packages.remove(&reference) {
                s.kp_by_age.remove(&by_age(&k));
                s.kp_by_expiry.remove(&by_expiry(&k));
            }
        }
        Write::PutWelcome(w) => {
            let key = (w.group_id, w.epoch);
            let mut waiting = s.welcome_messages.get(&key).map_or(0, |(_, n)| *n);
            for c in w.joiners {
                if s.welcomes.insert((c, key.0.clone(), key.1), ()).is_none() {
                    waiting += 1;
                }
            }
            s.welcome_messages.insert(key, (w.welcome, waiting));
        }
        Write::DeleteWelcome {
            client,
            group_id,
            epoch,
        } => {
            if s.welcomes
                .remove(&(client, group_id.clone(), epoch))
                .is_some()
            {
                let key = (group_id, epoch);
                if let Some((_, waiting)) = s.welcome_messages.get_mut(&key) {
                    *waiting = waiting.saturating_sub(1);
                    if *waiting == 0 {
                        s.welcome_messages.remove(&key);
                    }
                }
            }
        }
        Write::PutEpochTree(t) => {
            s.trees.insert((t.group_id.clone(), t.epoch), t);
        }
        Write::DeleteEpochTree { group_id, epoch } => {
            s.trees.remove(&(group_id, epoch));
        }
        Write::CountRate { key, window_start } => {
            // A lookup, not a clone of the key, when the counter exists.
            if let Some(r) = s.rates.get_mut(&key) {
                if r.window_start < window_start {
                    r.window_start = window_start;
                    r.count = 0;
                }
                r.count = r.count.saturating_add(1);
            } else {
                s.rates.insert(
                    key.clone(),
                    RateRecord {
                        key,
                        window_start,
                        count: 1,
                    },
                );
            }
        }
    }
}
