//! [`MemoryStore`]: the [`Store`] in one process's memory.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::ids::ClientId;
use crate::store::*;

/// A KeyPackage index of one owner, keyed (suite, last_resort, an
/// ordering field, reference).
type KpKey = (u16, bool, u64, Vec<u8>);

/// Per owner (looked up by reference: no key is built to read), `V` per
/// KeyPackage.
type KpIndex<V> = BTreeMap<ClientId, BTreeMap<KpKey, V>>;

/// What the expiry index says of a KeyPackage: its lifetime
/// (`not_before`, `not_after`), so that scans need not look it up.
type Lifetime = (u64, u64);

fn usable((not_before, not_after): Lifetime, now: u64) -> bool {
    not_before <= now && now <= not_after
}

fn kp_usable(k: &KeyPackageRecord, now: u64) -> bool {
    usable((k.not_before, k.not_after), now)
}

fn kp_key(k: &KeyPackageRecord, order: u64) -> KpKey {
    (k.cipher_suite, k.last_resort, order, k.reference.clone())
}

fn index_insert<V>(index: &mut KpIndex<V>, owner: &ClientId, key: KpKey, value: V) {
    match index.get_mut(owner) {
        Some(m) => {
            m.insert(key, value);
        }
        None => {
            index.insert(owner.clone(), BTreeMap::from([(key, value)]));
        }
    }
}

fn index_remove<V>(index: &mut KpIndex<V>, owner: &ClientId, key: &KpKey) -> Option<V> {
    let m = index.get_mut(owner)?;
    let removed = m.remove(key);
    if m.is_empty() {
        index.remove(owner);
    }
    removed
}

/// The entries of (owner, suite, last_resort) in `index` order.
fn kp_range<'s, V>(
    index: &'s KpIndex<V>,
    owner: &ClientId,
    suite: u16,
    last_resort: bool,
) -> impl Iterator<Item = (&'s KpKey, &'s V)> + 's {
    index.get(owner).into_iter().flat_map(move |m| {
        m.range((suite, last_resort, 0, Vec::new())..)
            .take_while(move |((s, l, _, _), _)| *s == suite && *l == last_resort)
    })
}

#[derive(Default, Clone)]
struct State {
    groups: BTreeMap<Vec<u8>, GroupRecord>,
    states: BTreeMap<Vec<u8>, GroupStateRecord>,
    views: BTreeMap<(Vec<u8>, ViewKey), Vec<u8>>,
    messages: BTreeMap<(Vec<u8>, u64), MessageRecord>,
    /// Per group, per client: looked up by reference, no key built.
    members: BTreeMap<Vec<u8>, BTreeMap<ClientId, MemberRecord>>,
    /// Each KeyPackage's owner and key in `kp_by_age`, by reference.
    key_packages: BTreeMap<Vec<u8>, (ClientId, KpKey)>,
    /// The KeyPackages: by owner, then (suite, last_resort, uploaded_at,
    /// reference), oldest first (a claim reads the record it finds).
    kp_by_age: KpIndex<KeyPackageRecord>,
    /// By owner, then (suite, last_resort, not_after, reference): soonest
    /// expired first.
    kp_by_expiry: KpIndex<Lifetime>,
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
        let s = self.store.lock();
        Ok(s.members.get(group_id).and_then(|g| g.get(client)).cloned())
    }

    fn group_and_member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<(Option<GroupRecord>, Option<Membership>), StoreError> {
        let s = self.store.lock();
        let Some(group) = s.groups.get(group_id) else {
            return Ok((None, None));
        };
        let member = s
            .members
            .get(group_id)
            .and_then(|g| g.get(client))
            .map(Membership::from);
        Ok((Some(group.clone()), member))
    }

    fn members(&mut self, group_id: &[u8]) -> Result<Vec<MemberRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.members
            .get(group_id)
            .map(|g| g.values().cloned().collect())
            .unwrap_or_default())
    }

    fn key_packages(&mut self, owner: &ClientId) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.kp_by_age
            .get(owner)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default())
    }

    fn key_package(&mut self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StoreError> {
        let s = self.store.lock();
        Ok(s.key_packages
            .get(reference)
            .and_then(|(owner, age)| s.kp_by_age.get(owner)?.get(age))
            .cloned())
    }

    fn oldest_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let s = self.store.lock();
        Ok(kp_range(&s.kp_by_age, owner, cipher_suite, false)
            .map(|(_, k)| k)
            .filter(|k| kp_usable(k, now))
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
        let found = kp_range(&s.kp_by_age, owner, cipher_suite, true)
            .map(|(_, k)| k)
            .find(|k| kp_usable(k, now))
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
        Ok(kp_range(&s.kp_by_expiry, owner, cipher_suite, false)
            .filter(|(_, life)| usable(**life, now))
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
        Ok(kp_range(&s.kp_by_expiry, owner, cipher_suite, false)
            .take_while(|(_, (_, not_after))| *not_after < now)
            .take(limit)
            .map(|((_, _, _, r), _)| r.clone())
            .collect())
    }

    fn claim_reads(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        asked: usize,
        count_cap: usize,
        expired_limit: usize,
    ) -> Result<ClaimReads, StoreError> {
        // One lock, one scan of each index.
        let s = self.store.lock();
        let mut expired = Vec::new();
        let mut usable_count = 0;
        for ((_, _, _, r), life) in kp_range(&s.kp_by_expiry, owner, cipher_suite, false) {
            if life.1 < now {
                if expired.len() < expired_limit {
                    expired.push(r.clone());
                }
            } else if usable(*life, now) {
                usable_count += 1;
                if usable_count >= count_cap {
                    break;
                }
            }
        }
        let oldest: Vec<KeyPackageRecord> = kp_range(&s.kp_by_age, owner, cipher_suite, false)
            .map(|(_, k)| k)
            .filter(|k| kp_usable(k, now))
            .take(asked)
            .cloned()
            .collect();
        let last_resort = if oldest.len() < asked {
            kp_range(&s.kp_by_age, owner, cipher_suite, true)
                .map(|(_, k)| k)
                .find(|k| kp_usable(k, now))
                .cloned()
        } else {
            None
        };
        Ok(ClaimReads {
            expired,
            usable: usable_count.min(count_cap),
            oldest,
            last_resort,
        })
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

    fn rate_window(&mut self, key: &RateKey) -> Result<Option<(u64, u32)>, StoreError> {
        let s = self.store.lock();
        Ok(s.rates.get(key).map(|r| (r.window_start, r.count)))
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

/// Removes a KeyPackage from the map and both indexes, if stored.
fn remove_key_package(s: &mut State, reference: &[u8]) {
    if let Some((owner, age)) = s.key_packages.remove(reference) {
        if let Some(k) = index_remove(&mut s.kp_by_age, &owner, &age) {
            // The expiry key from the references in hand: no copy.
            let (suite, last_resort, _, reference) = age;
            let expiry = (suite, last_resort, k.not_after, reference);
            index_remove(&mut s.kp_by_expiry, &owner, &expiry);
        }
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
            if let Some(g) = s.members.get_mut(&group_id) {
                g.retain(|_, m| !matches!(m.until_seq, Some(u) if u < below_seq && m.cursor > u));
            }
        }
        Write::PutMember(m) => {
            s.members
                .entry(m.group_id.clone())
                .or_default()
                .insert(m.client.clone(), m);
        }
        Write::EndMember {
            group_id,
            client,
            until_seq,
        } => {
            if let Some(m) = s
                .members
                .get_mut(&group_id)
                .and_then(|g| g.get_mut(&client))
            {
                m.until_seq = Some(until_seq);
            }
        }
        Write::Touch {
            group_id,
            client,
            cursor_to,
            now,
        } => {
            if let Some(m) = s
                .members
                .get_mut(&group_id)
                .and_then(|g| g.get_mut(&client))
            {
                m.cursor = m.cursor.max(cursor_to);
                m.last_active = m.last_active.max(now);
            }
        }
        Write::PutKeyPackage(k) => {
            remove_key_package(s, &k.reference);
            let age = kp_key(&k, k.uploaded_at);
            let expiry = kp_key(&k, k.not_after);
            index_insert(
                &mut s.kp_by_expiry,
                &k.owner,
                expiry,
                (k.not_before, k.not_after),
            );
            s.key_packages
                .insert(k.reference.clone(), (k.owner.clone(), age.clone()));
            let owner = k.owner.clone();
            index_insert(&mut s.kp_by_age, &owner, age, k);
        }
        Write::TakeKeyPackage { reference } | Write::DeleteKeyPackage { reference } => {
            remove_key_package(s, &reference);
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
