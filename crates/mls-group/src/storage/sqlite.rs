//! [`Storage`] in an SQLite database (feature `sqlite`, the bundled SQLite
//! of `rusqlite`): the embedded default for applications.

use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use zeroize::Zeroizing;

use super::{GroupWrite, ItemKind, Storage, StorageError, StoredRecords};
use crate::StateKey;

/// The schema version this code writes and reads.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mls_meta (
    name TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mls_group_records (
    group_id BLOB NOT NULL,
    record_key BLOB NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (group_id, record_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mls_items (
    kind INTEGER NOT NULL,
    id BLOB NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
";

/// A client's state in one SQLite database file.
///
/// Every [`Storage`] call is one transaction (`BEGIN IMMEDIATE` …
/// `COMMIT`), so one message's changes land all or none, even if the
/// process is killed mid-write; the database runs in WAL mode with
/// `synchronous = FULL` (a committed save survives a power loss) and
/// `secure_delete` (deleted secrets are overwritten in the file). Values
/// are stored as given: wrap the storage in [`super::Encrypted`] to
/// encrypt them.
///
/// ```
/// use mls_group::*;
/// let dir = std::env::temp_dir().join(format!("mls-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("client.db");
/// let mut storage = SqliteStorage::open(&path).unwrap();
/// storage.write_item(ItemKind::Psk, b"id", Some(b"psk")).unwrap();
/// drop(storage);
/// let storage = SqliteStorage::open(&path).unwrap();
/// assert_eq!(storage.read_item(ItemKind::Psk, b"id").unwrap().unwrap().as_slice(), b"psk");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Connection,
}

fn backend(e: rusqlite::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        Self::with_connection(Connection::open(path).map_err(backend)?)
    }

    /// A database in memory (gone when dropped): for tests.
    pub fn open_in_memory() -> Result<Self, StorageError> {
        Self::with_connection(Connection::open_in_memory().map_err(backend)?)
    }

    fn with_connection(conn: Connection) -> Result<Self, StorageError> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend)?;
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        let version: Option<i64> = conn
            .query_row(
                "SELECT value FROM mls_meta WHERE name = 'schema'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        match version {
            None => {
                conn.execute(
                    "INSERT INTO mls_meta (name, value) VALUES ('schema', ?1)",
                    params![SCHEMA_VERSION],
                )
                .map_err(backend)?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(StorageError::Backend(std::format!(
                    "database schema version {v}, this library reads {SCHEMA_VERSION}"
                )))
            }
        }
        Ok(SqliteStorage { conn })
    }
}

impl Storage for SqliteStorage {
    fn write_group(&mut self, group_id: &[u8], write: GroupWrite<'_>) -> Result<(), StorageError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        if write.replace {
            tx.execute(
                "DELETE FROM mls_group_records WHERE group_id = ?1",
                params![group_id],
            )
            .map_err(backend)?;
        }
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO mls_group_records (group_id, record_key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (group_id, record_key) DO UPDATE SET value = excluded.value",
                )
                .map_err(backend)?;
            let mut delete = tx
                .prepare_cached(
                    "DELETE FROM mls_group_records WHERE group_id = ?1 AND record_key = ?2",
                )
                .map_err(backend)?;
            for change in write.changes {
                let key = change.key.to_bytes();
                match &change.value {
                    Some(v) => upsert.execute(params![group_id, &key[..], v.as_slice()]),
                    None => delete.execute(params![group_id, &key[..]]),
                }
                .map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)
    }

    fn read_group(&self, group_id: &[u8]) -> Result<StoredRecords, StorageError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT record_key, value FROM mls_group_records WHERE group_id = ?1
                 ORDER BY record_key",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![group_id], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    Zeroizing::new(r.get::<_, Vec<u8>>(1)?),
                ))
            })
            .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, value) = row.map_err(backend)?;
            let key =
                StateKey::from_bytes(&key).ok_or(StorageError::Corrupted("group record key"))?;
            out.push((key, value));
        }
        Ok(out)
    }

    fn delete_group(&mut self, group_id: &[u8]) -> Result<(), StorageError> {
        self.conn
            .execute(
                "DELETE FROM mls_group_records WHERE group_id = ?1",
                params![group_id],
            )
            .map(|_| ())
            .map_err(backend)
    }

    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT group_id FROM mls_group_records ORDER BY group_id")
            .map_err(backend)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn write_item(
        &mut self,
        kind: ItemKind,
        id: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), StorageError> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO mls_items (kind, id, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value",
                params![kind.code(), id, v],
            ),
            None => self.conn.execute(
                "DELETE FROM mls_items WHERE kind = ?1 AND id = ?2",
                params![kind.code(), id],
            ),
        }
        .map(|_| ())
        .map_err(backend)
    }

    fn read_item(
        &self,
        kind: ItemKind,
        id: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StorageError> {
        self.conn
            .query_row(
                "SELECT value FROM mls_items WHERE kind = ?1 AND id = ?2",
                params![kind.code(), id],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
            .map(|v| v.map(Zeroizing::new))
            .map_err(backend)
    }

    fn item_ids(&self, kind: ItemKind) -> Result<Vec<Vec<u8>>, StorageError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM mls_items WHERE kind = ?1 ORDER BY id")
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![kind.code()], |r| r.get(0))
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }
}
