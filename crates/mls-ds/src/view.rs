//! The engine's view of each group, an `mls_group::PublicGroup`: cached
//! per engine instance, stored as records — one public record and one
//! per non-blank tree node, so that a commit rewrites O(log N) of them
//! ([`view_writes`]) — and restored from those records with the tree
//! hash checked but no signature verified (the DS verified everything
//! when it accepted it).

use std::sync::{Arc, Mutex, MutexGuard};

use mls_group::{CipherSuiteProvider, CryptoProvider, PublicGroup, StateKey};

use crate::config::SharedPolicy;
use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::store::{GroupRecord, Store, StoreError, Transaction, ViewKey, Write};

/// A group's view as this engine instance last knew it.
pub(crate) struct CachedView<S: CipherSuiteProvider> {
    pub view_version: u64,
    pub group: PublicGroup<S>,
}

pub(crate) type Slot<S> = Arc<Mutex<Option<CachedView<S>>>>;

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
    /// The lock on a group's cached view.
    pub(crate) fn slot(&self, group_id: &[u8]) -> Slot<C::Suite> {
        let mut views = self.views.lock().unwrap_or_else(|e| e.into_inner());
        if views.len() >= crate::limits::MAX_CACHED_VIEWS && !views.contains_key(group_id) {
            views.clear();
        }
        views.entry(group_id.to_vec()).or_default().clone()
    }

    /// Makes `slot` hold the view of `record`'s group at its
    /// `view_version`: kept if current, otherwise restored from the store.
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
            let group = self.stored_view(tx, record)?;
            **slot = Some(CachedView {
                view_version: record.view_version,
                group,
            });
        }
        let view = slot.as_mut().ok_or(DsError::Internal("view loaded"))?;
        view.group.set_time(now);
        // Held encoded: what the previous request read (a whole-tree walk
        // for a membership change) is dropped again.
        view.group.set_compact_tree(true);
        Ok(&mut view.group)
    }

    /// The view of `record`'s group as the store holds it at `record`'s
    /// version: its records, read in one go, then the group record read
    /// again — reads are not a snapshot, and records a concurrent request
    /// wrote meanwhile make this request a lost race
    /// ([`StoreError::Conflict`]: it runs again).
    pub(crate) fn stored_view(
        &self,
        tx: &mut St::Tx<'_>,
        record: &GroupRecord,
    ) -> Result<PublicGroup<C::Suite>, DsError> {
        let records = tx.view_records(&record.group_id)?;
        let again = tx.group(&record.group_id)?;
        if again.map(|g| g.version) != Some(record.version) {
            return Err(StoreError::Conflict.into());
        }
        let keyed = records.iter().map(|(k, v)| {
            let key = match *k {
                ViewKey::Public => StateKey::Group,
                ViewKey::Node(i) => StateKey::Node(i),
            };
            (key, v.as_slice())
        });
        let view = PublicGroup::from_state_records(
            self.suite(record.cipher_suite)?,
            keyed,
            Some(Box::new(SharedPolicy(self.config.group_policy.clone()))),
        )
        .map_err(|_| StoreError::Corrupt("stored view"))?;
        if view.epoch() != record.epoch || view.group_id() != record.group_id {
            return Err(StoreError::Corrupt("stored view of another epoch or group").into());
        }
        Ok(view)
    }
}

/// The writes of the view records that changed since the view was last
/// stored (or loaded): everything for a new view, the public record for
/// a proposal, the public record and O(log N) nodes for a commit.
pub(crate) fn view_writes<S: CipherSuiteProvider>(
    group_id: &[u8],
    view: &mut PublicGroup<S>,
) -> Result<Vec<Write>, DsError> {
    let changes = view
        .take_state_changes()
        .map_err(|_| DsError::Internal("view records"))?;
    Ok(changes
        .into_iter()
        .map(|c| Write::PutViewRecord {
            group_id: group_id.to_vec(),
            key: match c.key {
                StateKey::Group => ViewKey::Public,
                StateKey::Node(i) => ViewKey::Node(i),
            },
            value: c.value.map(|v| v.to_vec()),
        })
        .collect())
}

/// After the view moved ahead of the store: on success the view is the
/// store's at `view_version`; on failure it is dropped (restored from the
/// store by the next request).
pub(crate) fn settle<S: CipherSuiteProvider, T>(
    guard: &mut MutexGuard<'_, Option<CachedView<S>>>,
    view_version: u64,
    outcome: Result<T, DsError>,
) -> Result<T, DsError> {
    match &outcome {
        Ok(_) => {
            if let Some(v) = guard.as_mut() {
                v.view_version = view_version;
            }
        }
        Err(_) => **guard = None,
    }
    outcome
}
