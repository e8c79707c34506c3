//! Storage in memory: for tests, and for applications that keep state
//! elsewhere (e.g. serialise the whole map themselves).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use zeroize::Zeroizing;

use super::{GroupWrite, ItemKind, Storage, StorageError, StoredRecords};
use crate::StateKey;

type Records = BTreeMap<StateKey, Zeroizing<Vec<u8>>>;

/// A [`Storage`] in ordered maps. Each write is applied whole (the
/// changes are checked before the map is touched).
#[derive(Default)]
pub struct MemoryStorage {
    groups: BTreeMap<Vec<u8>, Records>,
    items: BTreeMap<(ItemKind, Vec<u8>), Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Values are secret: counts only.
        f.debug_struct("MemoryStorage")
            .field("groups", &self.groups.len())
            .field("items", &self.items.len())
            .finish()
    }
}

impl Storage for MemoryStorage {
    fn write_group(&mut self, group_id: &[u8], write: GroupWrite<'_>) -> Result<(), StorageError> {
        let records = self.groups.entry(group_id.to_vec()).or_default();
        if write.replace {
            records.clear();
        }
        for change in write.changes {
            match &change.value {
                Some(v) => records.insert(change.key, v.clone()),
                None => records.remove(&change.key),
            };
        }
        if records.is_empty() {
            self.groups.remove(group_id);
        }
        Ok(())
    }

    fn read_group(&self, group_id: &[u8]) -> Result<StoredRecords, StorageError> {
        Ok(self
            .groups
            .get(group_id)
            .map(|r| r.iter().map(|(k, v)| (*k, v.clone())).collect())
            .unwrap_or_default())
    }

    fn delete_group(&mut self, group_id: &[u8]) -> Result<(), StorageError> {
        self.groups.remove(group_id);
        Ok(())
    }

    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        Ok(self.groups.keys().cloned().collect())
    }

    fn write_item(
        &mut self,
        kind: ItemKind,
        id: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), StorageError> {
        match value {
            Some(v) => self
                .items
                .insert((kind, id.to_vec()), Zeroizing::new(v.to_vec())),
            None => self.items.remove(&(kind, id.to_vec())),
        };
        Ok(())
    }

    fn read_item(
        &self,
        kind: ItemKind,
        id: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StorageError> {
        Ok(self.items.get(&(kind, id.to_vec())).cloned())
    }

    fn item_ids(&self, kind: ItemKind) -> Result<Vec<Vec<u8>>, StorageError> {
        Ok(self
            .items
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .collect())
    }
}
