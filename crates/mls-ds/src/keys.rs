//! The KeyPackage directory (RFC 9750 §5.1; MIMI §4.5, §9.9): many
//! KeyPackages per client (version × suite × device), uploaded only by
//! their owner, validated on upload, each served once; the last-resort
//! one only when the regular ones are gone, and never consumed.

use mls_group::codec::Encode;
use mls_group::{
    validate_key_package, CipherSuite, CryptoProvider, KeyPackage, KeyPackageRef, MlsMessage,
    MlsMessageBody, LAST_RESORT,
};

use crate::engine::{Counts, DeliveryService};
use crate::error::DsError;
use crate::ids::ClientId;
use crate::store::{KeyPackageRecord, Store, Transaction, Write};
use mls_group::treekem::LeafNodeSource;

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The references of the KeyPackages stored, in upload order.
    pub references: Vec<KeyPackageRef>,
    /// The uploader's stock afterwards, per suite.
    pub stock: Vec<Stock>,
}

/// A client's KeyPackages of one suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stock {
    /// The suite.
    pub cipher_suite: CipherSuite,
    /// Regular (single-use) KeyPackages left, unexpired.
    pub regular: usize,
    /// Whether a last-resort KeyPackage is stored.
    pub last_resort: bool,
    /// `regular` is below [`crate::Limits::key_package_low_stock`]: the
    /// owner should upload more.
    pub low: bool,
}

/// One (client, suite) of a KeyPackage query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackageQuery {
    /// The client.
    pub client: ClientId,
    /// The suite wanted.
    pub cipher_suite: CipherSuite,
}

/// The answer for one [`KeyPackageQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedKeyPackage {
    /// The client asked for.
    pub client: ClientId,
    /// The suite asked for.
    pub cipher_suite: CipherSuite,
    /// The KeyPackage (an encoded `MLSMessage`), or `None` if the client
    /// has none of that suite.
    pub key_package: Option<Vec<u8>>,
    /// Whether it is the client's last-resort KeyPackage.
    pub last_resort: bool,
}

/// The answer to a KeyPackage query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedKeyPackages {
    /// One answer per query, in order.
    pub key_packages: Vec<ServedKeyPackage>,
    /// Owners whose stock of a suite fell below the threshold by this
    /// query: the server tells them to upload more (the low-stock signal).
    pub low_stock: Vec<(ClientId, Stock)>,
}

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
    /// Uploads KeyPackages (each an encoded `MLSMessage`) of `client`,
    /// which must own them (their leaf credential maps to `client`).
    /// Each is validated (RFC 9420 §10.1 at `now`) and its lifetime
    /// bounded. A KeyPackage marked `last_resort` replaces the client's
    /// previous last-resort one of the same suite. All or nothing.
    pub fn upload_key_packages(
        &self,
        client: &ClientId,
        now: u64,
        key_packages: &[Vec<u8>],
    ) -> Result<Uploaded, DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        let limits = &self.config.limits;
        if key_packages.len() > limits.max_key_packages_per_upload {
            return Err(DsError::LimitExceeded("KeyPackages per upload"));
        }
        let mut records = Vec::with_capacity(key_packages.len());
        for bytes in key_packages {
            records.push(self.check_key_package(client, now, bytes)?);
        }
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let mut existing = tx.key_packages(client)?;
            let mut writes = Vec::new();
            for r in &records {
                if r.last_resort {
                    for old in existing.iter().filter(|o| {
                        o.last_resort
                            && o.cipher_suite == r.cipher_suite
                            && o.reference != r.reference
                    }) {
                        writes.push(Write::DeleteKeyPackage {
                            reference: old.reference.clone(),
                        });
                    }
                    existing.retain(|o| !(o.last_resort && o.cipher_suite == r.cipher_suite));
                }
                if !existing.iter().any(|o| o.reference == r.reference) {
                    existing.push(r.clone());
                }
                writes.push(Write::PutKeyPackage(r.clone()));
            }
            if existing.len() > limits.max_key_packages_per_client {
                return Err(DsError::LimitExceeded("KeyPackages per client"));
            }
            tx.commit(writes)?;
            Ok(())
        })?;
        Ok(Uploaded {
            references: records
                .iter()
                .map(|r| KeyPackageRef(r.reference.clone()))
                .collect(),
            stock: self.key_package_stock(client, now)?,
        })
    }

    /// Validates one uploaded KeyPackage and makes its record.
    fn check_key_package(
        &self,
        client: &ClientId,
        now: u64,
        bytes: &[u8],
    ) -> Result<KeyPackageRecord, DsError> {
        let msg = self.decode(bytes)?;
        let MlsMessageBody::KeyPackage(kp) = &msg.body else {
            return Err(DsError::WireFormat("expected a KeyPackage"));
        };
        let suite = self.suite(kp.cipher_suite.0)?;
        validate_key_package(&suite, kp, Some(now)).map_err(|e| match e {
            mls_group::GroupError::Tree(mls_group::treekem::TreeError::LifetimeExpired) => {
                DsError::KeyPackageLifetime("not valid now")
            }
            e => DsError::InvalidKeyPackage(e),
        })?;
        let LeafNodeSource::KeyPackage(lifetime) = &kp.leaf_node.leaf_node_source else {
            return Err(DsError::Malformed("KeyPackage leaf without lifetime"));
        };
        if lifetime.not_after < now || lifetime.not_before > now {
            return Err(DsError::KeyPackageLifetime("not valid now"));
        }
        if lifetime.not_after.saturating_sub(lifetime.not_before)
            > self.config.limits.max_key_package_lifetime
        {
            return Err(DsError::KeyPackageLifetime("longer than the DS allows"));
        }
        if self.config.directory.client_of(&kp.leaf_node.credential) != Some(client.clone()) {
            return Err(DsError::NotOwner);
        }
        let reference = kp
            .reference(&suite)
            .map_err(|e| DsError::InvalidKeyPackage(e.into()))?;
        Ok(KeyPackageRecord {
            reference: reference.0,
            owner: client.clone(),
            cipher_suite: kp.cipher_suite.0,
            version: kp.version.0,
            not_before: lifetime.not_before,
            not_after: lifetime.not_after,
            last_resort: is_last_resort(kp),
            key_package: msg
                .to_bytes()
                .map_err(|_| DsError::Malformed("KeyPackage re-encoding"))?,
            uploaded_at: now,
        })
    }

    /// Deletes one of `client`'s KeyPackages (a last-resort one too).
    pub fn delete_key_package(
        &self,
        client: &ClientId,
        now: u64,
        reference: &KeyPackageRef,
    ) -> Result<(), DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let kp = tx
                .key_package(&reference.0)?
                .ok_or(DsError::UnknownKeyPackage)?;
            if &kp.owner != client {
                return Err(DsError::NotOwner);
            }
            tx.commit(vec![Write::TakeKeyPackage {
                reference: reference.0.clone(),
            }])?;
            Ok(())
        })
    }

    /// Replaces one of `client`'s KeyPackages by a new one, atomically.
    pub fn replace_key_package(
        &self,
        client: &ClientId,
        now: u64,
        old: &KeyPackageRef,
        new: &[u8],
    ) -> Result<KeyPackageRef, DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        let record = self.check_key_package(client, now, new)?;
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let kp = tx.key_package(&old.0)?.ok_or(DsError::UnknownKeyPackage)?;
            if &kp.owner != client {
                return Err(DsError::NotOwner);
            }
            tx.commit(vec![
                Write::TakeKeyPackage {
                    reference: old.0.clone(),
                },
                Write::PutKeyPackage(record.clone()),
            ])?;
            Ok(())
        })?;
        Ok(KeyPackageRef(record.reference))
    }

    /// `client`'s unexpired KeyPackages at `now`, per suite.
    pub fn key_package_stock(&self, client: &ClientId, now: u64) -> Result<Vec<Stock>, DsError> {
        let mut tx = self.store.begin()?;
        let all = tx.key_packages(client)?;
        Ok(self.stock_of(&all, now, &[]))
    }

    /// The stock of every suite of `all`, and of `also`.
    fn stock_of(&self, all: &[KeyPackageRecord], now: u64, also: &[u16]) -> Vec<Stock> {
        let mut suites: Vec<u16> = all.iter().map(|k| k.cipher_suite).collect();
        suites.extend_from_slice(also);
        suites.sort_unstable();
        suites.dedup();
        suites
            .into_iter()
            .map(|s| {
                let live = |k: &&KeyPackageRecord| k.cipher_suite == s && usable(k, now);
                let regular = all.iter().filter(live).filter(|k| !k.last_resort).count();
                Stock {
                    cipher_suite: CipherSuite(s),
                    regular,
                    last_resort: all.iter().filter(live).any(|k| k.last_resort),
                    low: regular < self.config.limits.key_package_low_stock,
                }
            })
            .collect()
    }

    /// Serves one KeyPackage per (client, suite) asked for: a regular one
    /// (the oldest), consumed so it is never served again; if none is
    /// left, the client's last-resort one (kept); expired ones are never
    /// served (and are deleted). `requester` is the authenticated client
    /// asking (rate-limited; who may ask for whom is the caller's
    /// business, MIMI §9.9).
    pub fn fetch_key_packages(
        &self,
        requester: &ClientId,
        now: u64,
        queries: &[KeyPackageQuery],
    ) -> Result<FetchedKeyPackages, DsError> {
        if queries.len() > self.config.limits.max_key_package_queries {
            self.rate_limit(&[self.client_rate(requester)], now)?;
            return Err(DsError::LimitExceeded("KeyPackage queries"));
        }
        // One transaction: the rate is counted with the claims.
        self.counted(&[self.client_rate(requester)], now, |count| {
            self.with_retries(|| self.claim(now, queries, count))
        })
    }

    /// One attempt at [`fetch_key_packages`](Self::fetch_key_packages):
    /// per (owner, suite) asked, O(log stock) reads — the oldest usable
    /// regular KeyPackages (as many as asked), the last-resort one only
    /// when they run out, the count of usable regular ones up to what the
    /// low-stock signal needs, and the expired ones met (deleted, at most
    /// [`EXPIRED_PER_CLAIM`] per claim) — never the owner's whole stock.
    fn claim(
        &self,
        now: u64,
        queries: &[KeyPackageQuery],
        count: &Counts<'_>,
    ) -> Result<FetchedKeyPackages, DsError> {
        let low = self.config.limits.key_package_low_stock;
        let same = |a: &KeyPackageQuery, b: &KeyPackageQuery| {
            a.client == b.client && a.cipher_suite == b.cipher_suite
        };
        let mut tx = self.store.begin()?;
        let mut answers: Vec<ServedKeyPackage> = queries
            .iter()
            .map(|q| ServedKeyPackage {
                client: q.client.clone(),
                cipher_suite: q.cipher_suite,
                key_package: None,
                last_resort: false,
            })
            .collect();
        let mut writes = Vec::with_capacity(queries.len() + count.len());
        let mut low_stock = Vec::new();
        // Each (owner, suite) asked, at its first query: read once for
        // all its queries.
        for (i, q) in queries.iter().enumerate() {
            if queries[..i].iter().any(|p| same(p, q)) {
                continue;
            }
            let (owner, suite) = (&q.client, q.cipher_suite.0);
            let asked = queries[i..].iter().filter(|p| same(p, q)).count();
            // Counted far enough to tell whether the stock crosses the
            // threshold.
            let reads = tx.claim_reads(
                owner,
                suite,
                now,
                asked,
                low.saturating_add(asked),
                EXPIRED_PER_CLAIM,
            )?;
            for reference in reads.expired {
                writes.push(Write::DeleteKeyPackage { reference });
            }
            let before = reads.usable;
            let after = before - reads.oldest.len().min(before);
            if after < low && before >= low {
                let has_last_resort = match &reads.last_resort {
                    Some(_) => true,
                    None => tx.last_resort_key_package(owner, suite, now)?.is_some(),
                };
                low_stock.push((
                    owner.clone(),
                    Stock {
                        cipher_suite: q.cipher_suite,
                        regular: after,
                        last_resort: has_last_resort,
                        low: true,
                    },
                ));
            }
            // This pair's queries, in order: the regular ones oldest
            // first (each taken), then the last resort (kept).
            let mut regular = reads.oldest.into_iter();
            let last_resort = reads.last_resort.map(|k| k.key_package);
            for (j, p) in queries.iter().enumerate().skip(i) {
                if !same(p, q) {
                    continue;
                }
                let answer = &mut answers[j];
                match regular.next() {
                    Some(k) => {
                        writes.push(Write::TakeKeyPackage {
                            reference: k.reference,
                        });
                        answer.key_package = Some(k.key_package);
                    }
                    None => {
                        answer.key_package = last_resort.clone();
                        answer.last_resort = last_resort.is_some();
                    }
                }
            }
        }
        count.push_to(&mut writes);
        tx.commit(writes)?;
        Ok(FetchedKeyPackages {
            key_packages: answers,
            low_stock,
        })
    }
}

/// Expired KeyPackages of one (owner, suite) a claim deletes as it meets
/// them, at most: the rest go with the next claims.
pub(crate) const EXPIRED_PER_CLAIM: usize = 64;

fn usable(k: &KeyPackageRecord, now: u64) -> bool {
    k.not_before <= now && now <= k.not_after
}

fn is_last_resort(kp: &KeyPackage) -> bool {
    kp.extensions
        .iter()
        .any(|e| e.extension_type == LAST_RESORT)
}

/// A KeyPackage as the `MLSMessage` the directory takes.
///
/// ```
/// # use mls_group::*;
/// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// # let id = ClientIdentity::generate(&suite, Credential::Basic(b"bob".to_vec()), &mut OsRng).unwrap();
/// let bundle = KeyPackageBundle::create(&suite, &id, KeyPackageOptions::default(), &mut OsRng).unwrap();
/// let bytes = mls_ds::key_package_message(bundle.key_package()).unwrap();
/// assert!(MlsMessage::from_bytes(&bytes).is_ok());
/// ```
pub fn key_package_message(kp: &KeyPackage) -> Result<Vec<u8>, DsError> {
    MlsMessage::new(MlsMessageBody::KeyPackage(kp.clone()))
        .to_bytes()
        .map_err(|_| DsError::Malformed("KeyPackage encoding"))
}
