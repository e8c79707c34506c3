//! The engine: [`DeliveryService`], its per-group view cache, rate limits
//! and the retry loop around store transactions.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use mls_group::codec::decode_exact;
use mls_group::framing::ExternalSenders;
use mls_group::{
    CipherSuite, CryptoProvider, GroupInfo, LeafIndex, MlsMessage, PublicGroup, PublicGroupOptions,
    RatchetTree,
};

use crate::config::{DsConfig, SharedPolicy};
use crate::error::DsError;
use crate::ids::ClientId;
use crate::limits::Rate;
use crate::store::{GroupRecord, MessageKind, RateKey, Store, StoreError, Transaction, Write};

/// A group's view as this engine instance last knew it.
pub(crate) struct CachedView<S: mls_group::CipherSuiteProvider> {
    pub view_version: u64,
    pub group: PublicGroup<S>,
}

pub(crate) type Slot<S> = Arc<Mutex<Option<CachedView<S>>>>;

/// The Delivery Service engine (RFC 9750 §5–§7, MIMI DS): sans-IO over a
/// [`Store`], with a [`CryptoProvider`] to verify what it is given. Every
/// operation takes the authenticated client (from the caller's
/// authentication) and the time (Unix seconds) as arguments and returns a
/// typed response or a [`DsError`] that says who is at fault.
///
/// `Send + Sync`: one engine serves every thread; requests on one group
/// are serialised by the store's compare-and-swap (and, within this
/// instance, by the group's cached view's lock).
pub struct DeliveryService<St: Store, C: CryptoProvider> {
    pub(crate) store: St,
    pub(crate) crypto: C,
    pub(crate) config: DsConfig,
    views: Mutex<HashMap<Vec<u8>, Slot<C::Suite>>>,
}

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
    /// An engine over `store`, verifying with `crypto`, under `config`.
    pub fn new(store: St, crypto: C, config: DsConfig) -> Self {
        DeliveryService {
            store,
            crypto,
            config,
            views: Mutex::new(HashMap::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DsConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &St {
        &self.store
    }

    pub(crate) fn suite(&self, suite: u16) -> Result<C::Suite, DsError> {
        self.crypto
            .cipher_suite_provider(CipherSuite(suite))
            .ok_or(DsError::UnsupportedCipherSuite(suite))
    }

    /// Runs `attempt` until it does not lose a store race, at most
    /// `store_retries + 1` times.
    pub(crate) fn with_retries<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T, DsError>,
    ) -> Result<T, DsError> {
        for _ in 0..=self.config.limits.store_retries {
            match attempt() {
                Err(DsError::Store(StoreError::Conflict)) => continue,
                other => return other,
            }
        }
        Err(DsError::Contention)
    }

    /// Counts one request against each of `keys`' rates, or refuses it
    /// with the time until the fullest window ends.
    pub(crate) fn rate_limit(&self, keys: &[(RateKey, Rate)], now: u64) -> Result<(), DsError> {
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let mut writes = Vec::new();
            for (key, rate) in keys {
                let window = rate.window.max(1);
                let start = now - now % window;
                let count = match tx.rate(key)? {
                    Some(r) if r.window_start == start => r.count,
                    _ => 0,
                };
                if count >= rate.max {
                    return Err(DsError::RateLimited {
                        retry_after: start + window - now,
                    });
                }
                writes.push(Write::CountRate {
                    key: key.clone(),
                    window_start: start,
                });
            }
            tx.commit(writes)?;
            Ok(())
        })
    }

    pub(crate) fn client_rate(&self, client: &ClientId) -> (RateKey, Rate) {
        (
            RateKey::Client(client.clone()),
            self.config.limits.client_rate,
        )
    }

    pub(crate) fn group_rate(&self, group_id: &[u8]) -> (RateKey, Rate) {
        (
            RateKey::Group(group_id.to_vec()),
            self.config.limits.group_rate,
        )
    }

    /// The lock on a group's cached view.
    pub(crate) fn slot(&self, group_id: &[u8]) -> Slot<C::Suite> {
        let mut views = self.views.lock().unwrap_or_else(|e| e.into_inner());
        if views.len() >= crate::limits::MAX_CACHED_VIEWS && !views.contains_key(group_id) {
            views.clear();
        }
        views.entry(group_id.to_vec()).or_default().clone()
    }

    /// Makes `slot` hold the view of `record`'s group at its
    /// `view_version`: kept if current, otherwise rebuilt from the stored
    /// GroupInfo and tree and the epoch's proposals.
    pub(crate) fn load_view<'s>(
        &self,
        tx: &mut St::Tx<'_>,
        slot: &'s mut MutexGuard<'_, Option<CachedView<C::Suite>>>,
        record: &GroupRecord,
        now: u64,
    ) -> Result<&'s mut PublicGroup<C::Suite>, DsError> {
        let current = matches!(&**slot, Some(v) if v.view_version == record.view_version);
        if !current {
            **slot = None;
            let group = match self.rebuild_view(tx, record) {
                Ok(g) => g,
                // Reads are not a snapshot: a rebuild that fails on what
                // a concurrent request changed meanwhile is a lost race.
                Err(DsError::Store(StoreError::Corrupt(_)))
                    if tx.group(&record.group_id)?.map(|g| g.version) != Some(record.version) =>
                {
                    return Err(StoreError::Conflict.into())
                }
                Err(e) => return Err(e),
            };
            **slot = Some(CachedView {
                view_version: record.view_version,
                group,
            });
        }
        let view = slot.as_mut().ok_or(DsError::Internal("view loaded"))?;
        view.group.set_time(now);
        Ok(&mut view.group)
    }

    /// The view of `record`'s group rebuilt from the stored GroupInfo and
    /// tree, then the proposals of the epoch the record knows (its log
    /// from `epoch_start_seq` to `next_seq`).
    fn rebuild_view(
        &self,
        tx: &mut St::Tx<'_>,
        record: &GroupRecord,
    ) -> Result<PublicGroup<C::Suite>, DsError> {
        let state = tx
            .group_state(&record.group_id)?
            .ok_or(StoreError::Corrupt("group without state"))?;
        if state.epoch != record.epoch {
            return Err(StoreError::Corrupt("group state of another epoch").into());
        }
        let info: GroupInfo =
            decode_exact(&state.group_info).map_err(|_| StoreError::Corrupt("stored GroupInfo"))?;
        let tree = RatchetTree::from_extension_bytes(&state.tree)
            .map_err(|_| StoreError::Corrupt("stored ratchet tree"))?;
        // Lifetimes were checked when each leaf was accepted; a
        // rebuilt view does not check them again.
        let mut group = PublicGroup::from_group_info(
            self.suite(record.cipher_suite)?,
            &info,
            PublicGroupOptions {
                ratchet_tree: Some(tree),
                policy: Some(Box::new(SharedPolicy(self.config.group_policy.clone()))),
                now: None,
            },
        )
        .map_err(|_| StoreError::Corrupt("stored group state does not verify"))?;
        let mut from = record.epoch_start_seq;
        while from < record.next_seq {
            let n = usize::try_from(record.next_seq - from).unwrap_or(usize::MAX);
            let batch = tx.messages(&record.group_id, from, n.min(1024))?;
            let Some(last) = batch.last() else { break };
            from = last.seq + 1;
            for m in batch.iter().filter(|m| m.kind == MessageKind::Proposal) {
                if m.seq >= record.next_seq {
                    break;
                }
                let msg = MlsMessage::from_bytes(&m.message)
                    .map_err(|_| StoreError::Corrupt("stored proposal"))?;
                group
                    .process_message(&msg)
                    .map_err(|_| StoreError::Corrupt("stored proposal does not verify"))?;
            }
        }
        Ok(group)
    }

    /// The client of the member at `leaf`.
    pub(crate) fn client_at(
        &self,
        view: &PublicGroup<C::Suite>,
        leaf: LeafIndex,
    ) -> Option<ClientId> {
        view.tree()
            .leaf(leaf)
            .and_then(|l| self.config.directory.client_of(&l.credential))
    }

    /// How many leaves each client has in `view`'s tree.
    pub(crate) fn leaf_counts(&self, view: &PublicGroup<C::Suite>) -> BTreeMap<ClientId, u32> {
        let mut counts = BTreeMap::new();
        for (_, leaf) in view.tree().members() {
            if let Some(c) = self.config.directory.client_of(&leaf.credential) {
                *counts.entry(c).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The DS's position in the group's `external_senders` extension.
    pub(crate) fn ds_sender_index(&self, view: &PublicGroup<C::Suite>) -> Option<u32> {
        let ds = self.config.ds_identity.as_ref()?;
        let senders =
            mls_group::framing::find_extension::<ExternalSenders>(&view.context().extensions)
                .ok()??;
        senders
            .0
            .iter()
            .position(|s| &s.signature_key == ds.identity.signature_key())
            .and_then(|i| u32::try_from(i).ok())
    }

    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<MlsMessage, DsError> {
        if bytes.len() > self.config.limits.max_message_size {
            return Err(DsError::LimitExceeded("message size"));
        }
        MlsMessage::from_bytes(bytes).map_err(|_| DsError::Malformed("not an MLSMessage"))
    }
}

/// Compile-time: the engine is `Send + Sync` over the memory store.
#[allow(dead_code)]
fn send_and_sync<C: CryptoProvider>() {
    fn is<T: Send + Sync>() {}
    is::<DeliveryService<crate::MemoryStore, C>>();
}
