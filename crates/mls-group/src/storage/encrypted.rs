//! Authenticated encryption at rest (RFC 9750 §8.4.1.2) over any
//! [`Storage`]: every value is encrypted under a key the application
//! holds, bound to where it is stored, so a flipped byte, a value moved to
//! another record or group, or a value written under another key is
//! refused as [`StorageError::Corrupted`] before anything is decoded.

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt, Rng, Secret};
use zeroize::Zeroizing;

use super::{GroupWrite, ItemKind, Storage, StorageError, StoredRecords};
use crate::{StateChange, StateKey};

const LABEL: &[u8] = b"mls-group storage v1";
const VERSION: u8 = 1;
const SALT_LEN: usize = 32;

/// Wraps `St` so that every stored value is sealed with the suite's AEAD.
///
/// Each value gets a fresh random 32-byte salt; the AEAD key and nonce
/// are derived from the caller's key and that salt (the suite's KDF), so
/// no key–nonce pair is ever reused, whatever the number of writes. The
/// associated data names the record (group id and record key, or item
/// kind and id). What this does not detect: the whole store rolled back
/// to an earlier copy, and which records exist (their keys and sizes are
/// visible to whoever reads the backend).
///
/// ```
/// use mls_group::*;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let key = Secret::from(vec![7; 32]); // from the platform's key store
/// let mut storage = Encrypted::new(MemoryStorage::default(), suite.clone(), key, Box::new(OsRng));
/// storage.write_item(ItemKind::Psk, b"id", Some(b"secret")).unwrap();
/// assert_eq!(storage.read_item(ItemKind::Psk, b"id").unwrap().unwrap().as_slice(), b"secret");
/// // The backend only ever sees ciphertext.
/// let raw = storage.inner().read_item(ItemKind::Psk, b"id").unwrap().unwrap();
/// assert!(!raw.windows(6).any(|w| w == b"secret"));
/// ```
pub struct Encrypted<St: Storage, S: CipherSuiteProvider> {
    inner: St,
    suite: S,
    key: Secret,
    rng: Box<dyn Rng + Send + Sync>,
}

impl<St: Storage, S: CipherSuiteProvider> Encrypted<St, S> {
    /// Encrypts `inner`'s values under `key` (32 bytes or more advised)
    /// with `suite`'s KDF and AEAD; `rng` draws the salts.
    pub fn new(inner: St, suite: S, key: Secret, rng: Box<dyn Rng + Send + Sync>) -> Self {
        Encrypted {
            inner,
            suite,
            key,
            rng,
        }
    }

    /// The wrapped storage (which holds ciphertext).
    pub fn inner(&self) -> &St {
        &self.inner
    }

    /// The wrapped storage, mutably (e.g. to damage it in a test).
    pub fn inner_mut(&mut self) -> &mut St {
        &mut self.inner
    }

    fn key_and_nonce(&self, salt: &[u8]) -> Result<(Secret, Secret), StorageError> {
        let (kl, nl) = (self.suite.aead_key_len(), self.suite.aead_nonce_len());
        let prk = self
            .suite
            .kdf_extract(salt, self.key.as_bytes())
            .map_err(crypto)?;
        let okm = self
            .suite
            .kdf_expand(prk.as_bytes(), LABEL, kl + nl)
            .map_err(crypto)?;
        let (k, n) = okm.as_bytes().split_at(kl);
        Ok((Secret::from(k.to_vec()), Secret::from(n.to_vec())))
    }

    fn seal(&mut self, slot: &[u8], value: &[u8]) -> Result<Zeroizing<Vec<u8>>, StorageError> {
        let mut salt = [0u8; SALT_LEN];
        self.rng.fill_bytes(&mut salt).map_err(crypto)?;
        let (key, nonce) = self.key_and_nonce(&salt)?;
        let sealed = self
            .suite
            .aead_seal(key.as_bytes(), nonce.as_bytes(), slot, value)
            .map_err(crypto)?;
        let mut out = Zeroizing::new(Vec::with_capacity(1 + SALT_LEN + sealed.len()));
        out.push(VERSION);
        out.extend_from_slice(&salt);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(
        &self,
        slot: &[u8],
        sealed: &[u8],
        what: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, StorageError> {
        let (version, rest) = sealed.split_first().ok_or(StorageError::Corrupted(what))?;
        if *version != VERSION || rest.len() < SALT_LEN {
            return Err(StorageError::Corrupted(what));
        }
        let (salt, ciphertext) = rest.split_at(SALT_LEN);
        let (key, nonce) = self.key_and_nonce(salt)?;
        self.suite
            .aead_open(key.as_bytes(), nonce.as_bytes(), slot, ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| StorageError::Corrupted(what))
    }
}

fn crypto(e: mls_crypto::Error) -> StorageError {
    StorageError::Group(e.into())
}

/// The associated data of a group record: which group, which record.
fn group_slot(group_id: &[u8], key: StateKey) -> Vec<u8> {
    let mut slot = Vec::with_capacity(10 + group_id.len());
    slot.push(b'g');
    slot.extend_from_slice(&(group_id.len() as u64).to_be_bytes());
    slot.extend_from_slice(group_id);
    slot.extend_from_slice(&key.to_bytes());
    slot
}

/// The associated data of an item: its kind and id.
fn item_slot(kind: ItemKind, id: &[u8]) -> Vec<u8> {
    let mut slot = Vec::with_capacity(10 + id.len());
    slot.push(b'i');
    slot.push(kind.code());
    slot.extend_from_slice(id);
    slot
}

fn record_name(key: StateKey) -> &'static str {
    match key {
        StateKey::Group => "group record",
        StateKey::Node(_) => "tree node record",
    }
}

fn item_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::KeyPackage => "KeyPackage bundle",
        ItemKind::Psk => "PSK",
        ItemKind::Identity => "identity",
    }
}

impl<St: Storage, S: CipherSuiteProvider> Storage for Encrypted<St, S> {
    fn write_group(&mut self, group_id: &[u8], write: GroupWrite<'_>) -> Result<(), StorageError> {
        let mut sealed = Vec::with_capacity(write.changes.len());
        for change in write.changes {
            let value = match &change.value {
                Some(v) => Some(self.seal(&group_slot(group_id, change.key), v)?),
                None => None,
            };
            sealed.push(StateChange {
                key: change.key,
                value,
            });
        }
        self.inner.write_group(
            group_id,
            GroupWrite {
                replace: write.replace,
                changes: &sealed,
            },
        )
    }

    fn read_group(&self, group_id: &[u8]) -> Result<StoredRecords, StorageError> {
        self.inner
            .read_group(group_id)?
            .into_iter()
            .map(|(key, v)| {
                let plain = self.open(&group_slot(group_id, key), &v, record_name(key))?;
                Ok((key, plain))
            })
            .collect()
    }

    fn delete_group(&mut self, group_id: &[u8]) -> Result<(), StorageError> {
        self.inner.delete_group(group_id)
    }

    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.group_ids()
    }

    fn write_item(
        &mut self,
        kind: ItemKind,
        id: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), StorageError> {
        match value {
            Some(v) => {
                let sealed = self.seal(&item_slot(kind, id), v)?;
                self.inner.write_item(kind, id, Some(&sealed))
            }
            None => self.inner.write_item(kind, id, None),
        }
    }

    fn read_item(
        &self,
        kind: ItemKind,
        id: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StorageError> {
        match self.inner.read_item(kind, id)? {
            Some(v) => Ok(Some(self.open(
                &item_slot(kind, id),
                &v,
                item_name(kind),
            )?)),
            None => Ok(None),
        }
    }

    fn item_ids(&self, kind: ItemKind) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.item_ids(kind)
    }
}
