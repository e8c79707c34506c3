//! Durable storage for a client's MLS state (RFC 9750 §8.4.1.2: state at
//! rest): its groups as incremental records, and its key material
//! (KeyPackage bundles, PSKs, identities).
//!
//! [`Storage`] is the one trait; [`MemoryStorage`] keeps everything in
//! memory, `SqliteStorage` (feature `sqlite`) in an SQLite database, and
//! [`Encrypted`] wraps any storage to encrypt every value under a key the
//! application holds. A group is saved with [`Group::save`] after every
//! operation that changed it and restored with [`Group::load`].
//!
//! **Atomicity.** One [`Storage::write_group`] call is one message's
//! changes and must be applied all or none: a crash (or an error) leaves
//! the group at its previous epoch or at the new one, never between. The
//! restore checks the records form one whole state (counts, tree hash),
//! so a backend that breaks this promise is caught rather than trusted.
//!
//! ```
//! use mls_group::*;
//! # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
//! # let alice = ClientIdentity::generate(&suite, Credential::Basic(b"alice".to_vec()), &mut OsRng).unwrap();
//! let mut storage = MemoryStorage::default();
//! let mut group = Group::create(suite.clone(), alice, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
//! group.save(&mut storage).unwrap();
//! group.commit(vec![], &CommitOptions::default(), &mut OsRng).unwrap();
//! group.merge_pending_commit().unwrap();
//! group.save(&mut storage).unwrap(); // the group record and our new leaf
//! let back = Group::load(suite, &storage, b"g", GroupConfig::default(), None).unwrap().unwrap();
//! assert_eq!(back.epoch_authenticator(), group.epoch_authenticator());
//! ```

mod encrypted;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use mls_crypto::CipherSuiteProvider;
use zeroize::Zeroizing;

use crate::{Group, GroupConfig, GroupError, GroupPolicy, KeyPackageBundle, StateChange, StateKey};

pub use encrypted::Encrypted;
pub use memory::MemoryStorage;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;

/// Key material kept beside the groups, by an application-chosen id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    /// A [`KeyPackageBundle`] (its `to_bytes`), by its KeyPackageRef.
    KeyPackage,
    /// An external PSK (§8.4), by its `psk_id`.
    Psk,
    /// A [`crate::ClientIdentity`] (its `to_bytes`), by a name.
    Identity,
}

impl ItemKind {
    /// A stable one-byte code, for backends that store the kind.
    pub fn code(self) -> u8 {
        match self {
            ItemKind::KeyPackage => 1,
            ItemKind::Psk => 2,
            ItemKind::Identity => 3,
        }
    }
}

/// What went wrong in storage. Says whose fault it is: the backend (I/O,
/// the database), the stored bytes (damaged or not ours), or the restored
/// state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The backend failed (I/O, database error); the message is its own.
    Backend(String),
    /// A stored value failed authentication or decryption: damaged,
    /// replaced, or written under another key. Names what was read.
    Corrupted(&'static str),
    /// The stored records did not restore to a valid group (or key
    /// material did not decode).
    Group(GroupError),
}

impl core::fmt::Display for StorageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StorageError::Backend(e) => write!(f, "storage backend: {e}"),
            StorageError::Corrupted(what) => {
                write!(
                    f,
                    "stored {what} is damaged or was not written with this key"
                )
            }
            StorageError::Group(e) => write!(f, "stored state refused: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StorageError::Group(e) => Some(e),
            _ => None,
        }
    }
}

impl From<GroupError> for StorageError {
    fn from(e: GroupError) -> Self {
        StorageError::Group(e)
    }
}

/// A group's records as read back: each key with its current value.
pub type StoredRecords = Vec<(StateKey, Zeroizing<Vec<u8>>)>;

/// One group's changes, written by [`Storage::write_group`].
#[derive(Debug, Clone, Copy)]
pub struct GroupWrite<'a> {
    /// Drop every record the group had before applying `changes` (its
    /// first save, or a save after a failed one).
    pub replace: bool,
    /// The records to write (`value` is `Some`) or delete.
    pub changes: &'a [StateChange],
}

/// A client's durable state. Every method is one transaction.
///
/// Values are secret (group records hold private keys and epoch secrets;
/// bundles hold private keys): a backend that does not encrypt should be
/// wrapped in [`Encrypted`].
pub trait Storage {
    /// Applies one group's changes, all or none.
    fn write_group(&mut self, group_id: &[u8], write: GroupWrite<'_>) -> Result<(), StorageError>;
    /// Every record of the group (empty if there is none).
    fn read_group(&self, group_id: &[u8]) -> Result<StoredRecords, StorageError>;
    /// Deletes the group's records.
    fn delete_group(&mut self, group_id: &[u8]) -> Result<(), StorageError>;
    /// The ids of the stored groups.
    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError>;
    /// Writes (`Some`) or deletes (`None`) an item.
    fn write_item(
        &mut self,
        kind: ItemKind,
        id: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), StorageError>;
    /// An item, if stored.
    fn read_item(
        &self,
        kind: ItemKind,
        id: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StorageError>;
    /// The ids of the stored items of `kind`.
    fn item_ids(&self, kind: ItemKind) -> Result<Vec<Vec<u8>>, StorageError>;
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Saves what changed since the last save (or everything, the first
    /// time) in one [`Storage::write_group`]. If the write fails, the next
    /// save rewrites the whole group, so nothing is lost.
    pub fn save(&mut self, storage: &mut dyn Storage) -> Result<(), StorageError> {
        let replace = self.taken_group_record.is_none();
        let changes = self.take_state_changes()?;
        if changes.is_empty() {
            return Ok(());
        }
        let write = GroupWrite {
            replace,
            changes: &changes,
        };
        let group_id = self.public.context.group_id.clone();
        storage.write_group(&group_id, write).inspect_err(|_| {
            self.taken_group_record = None;
            self.public.tree.mark_all_changed();
        })
    }

    /// Restores the group `group_id` from `storage` (`None` if it has no
    /// records), with [`Group::from_state_records`]' checks.
    pub fn load(
        suite: S,
        storage: &dyn Storage,
        group_id: &[u8],
        config: GroupConfig,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Option<Self>, StorageError> {
        let records = storage.read_group(group_id)?;
        if records.is_empty() {
            return Ok(None);
        }
        let group = Self::from_state_records(
            suite,
            records.iter().map(|(k, v)| (*k, v.as_slice())),
            config,
            policy,
        )?;
        if group.group_id() != group_id {
            return Err(StorageError::Corrupted("group record (another group's)"));
        }
        Ok(Some(group))
    }
}

impl KeyPackageBundle {
    /// Stores the bundle under its KeyPackageRef, so that it survives a
    /// restart between publishing the KeyPackage and the Welcome.
    pub fn save<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        storage: &mut dyn Storage,
    ) -> Result<(), StorageError> {
        let reference = self.reference(suite)?;
        storage.write_item(ItemKind::KeyPackage, &reference.0, Some(&self.to_bytes()?))
    }

    /// The stored bundle a Welcome is addressed to (§12.4.3.1: by
    /// KeyPackageRef), if any.
    pub fn load_for_welcome<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        storage: &dyn Storage,
        welcome: &mls_framing::Welcome,
    ) -> Result<Option<KeyPackageBundle>, StorageError> {
        for secrets in &welcome.secrets {
            if let Some(bytes) = storage.read_item(ItemKind::KeyPackage, &secrets.new_member.0)? {
                return Ok(Some(KeyPackageBundle::from_bytes(suite, &bytes)?));
            }
        }
        Ok(None)
    }

    /// Deletes the stored bundle if it should go after a join (not
    /// last-resort: [`KeyPackageBundle::delete_after_join`]).
    pub fn forget_after_join<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        storage: &mut dyn Storage,
    ) -> Result<(), StorageError> {
        if self.delete_after_join() {
            storage.write_item(ItemKind::KeyPackage, &self.reference(suite)?.0, None)?;
        }
        Ok(())
    }
}
