//! The engine: [`DeliveryService`], rate limits and the retry loop around
//! store transactions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use mls_group::{CipherSuite, CryptoProvider, LeafIndex, MlsMessage, PublicGroup};

use crate::config::DsConfig;
use crate::error::DsError;
use crate::ids::ClientId;
use crate::limits::Rate;
use crate::store::{RateKey, Store, StoreError, Transaction, Write};
use crate::view::Slot;

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
    pub(crate) views: Mutex<HashMap<Vec<u8>, Slot<C::Suite>>>,
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
            self.rate_check(keys, now)?;
            let counts = Counts { keys, now };
            let mut writes = Vec::with_capacity(keys.len());
            counts.push_to(&mut writes);
            self.store.begin()?.commit(writes)?;
            Ok(())
        })
    }

    /// Checks `keys`' rates, refusing with the time until the fullest
    /// window ends: nothing is written.
    fn rate_check(&self, keys: &[(RateKey, Rate)], now: u64) -> Result<(), DsError> {
        let mut tx = self.store.begin()?;
        for (key, rate) in keys {
            let window = rate.window.max(1);
            let start = now - now % window;
            let count = match tx.rate_window(key)? {
                Some((window_start, count)) if window_start == start => count,
                _ => 0,
            };
            if count >= rate.max {
                return Err(DsError::RateLimited {
                    retry_after: start + window - now,
                });
            }
        }
        Ok(())
    }

    /// Runs `request` counted against `keys`' rates (as
    /// [`rate_limit`](Self::rate_limit) then `request`), in one
    /// transaction when it succeeds: `request` puts the counting writes
    /// into its own batch ([`Counts::push_to`]; they commute, so a retried
    /// request is counted once, when its commit lands). A request that
    /// fails is counted on its own, as every request that passed the rate
    /// check is.
    pub(crate) fn counted<T>(
        &self,
        keys: &[(RateKey, Rate)],
        now: u64,
        request: impl FnOnce(&Counts<'_>) -> Result<T, DsError>,
    ) -> Result<T, DsError> {
        self.with_retries(|| self.rate_check(keys, now))?;
        let counts = Counts { keys, now };
        let outcome = request(&counts);
        if outcome.is_err() {
            // The request's own error is the answer; a failure to count
            // it is not.
            let _ = self.with_retries(|| {
                let mut writes = Vec::with_capacity(keys.len());
                counts.push_to(&mut writes);
                self.store.begin()?.commit(writes)?;
                Ok(())
            });
        }
        outcome
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
        view.external_sender_index(ds.identity.signature_key())
            .ok()
            .flatten()
    }

    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<MlsMessage, DsError> {
        if bytes.len() > self.config.limits.max_message_size {
            return Err(DsError::LimitExceeded("message size"));
        }
        MlsMessage::from_bytes(bytes).map_err(|_| DsError::Malformed("not an MLSMessage"))
    }
}

/// The writes that count one request against its rates: made where the
/// request's batch is, pushed into it ([`push_to`](Self::push_to)).
pub(crate) struct Counts<'a> {
    keys: &'a [(RateKey, Rate)],
    now: u64,
}

impl Counts<'_> {
    /// How many writes [`push_to`](Self::push_to) adds.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Adds one `CountRate` per rate to `writes`.
    pub(crate) fn push_to(&self, writes: &mut Vec<Write>) {
        for (key, rate) in self.keys {
            let window = rate.window.max(1);
            writes.push(Write::CountRate {
                key: key.clone(),
                window_start: self.now - self.now % window,
            });
        }
    }
}

/// Compile-time: the engine is `Send + Sync` over the memory store.
#[allow(dead_code)]
fn send_and_sync<C: CryptoProvider>() {
    fn is<T: Send + Sync>() {}
    is::<DeliveryService<crate::MemoryStore, C>>();
}
