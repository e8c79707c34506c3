//! [`SqliteStore`]: the [`Store`] in an SQLite database file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ::rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior};

use super::*;
use writes::apply;

mod writes;
use crate::ids::ClientId;
use crate::store::*;

/// The migrations, in order: `MIGRATIONS[i]` takes the schema from version
/// `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("001_schema.sql"),
    include_str!("002_claims_welcomes.sql"),
];

/// A [`Store`] in an SQLite database file: the embedded default, no server
/// to run. Several engines in one process share it (`Arc<SqliteStore>`);
/// several processes may open the same file (SQLite's locking serialises
/// their commits), on one machine.
///
/// Durability: the database is in WAL mode with `synchronous = FULL`, so
/// a commit that returned is on disk (it survives a power loss, not only
/// a crash of the process). Commits take the write lock at their start
/// (`BEGIN IMMEDIATE`) and wait for it up to the busy timeout (10 s),
/// after which they fail with [`StoreError::Conflict`] and the engine
/// retries.
///
/// Each transaction takes a connection from a small pool (opening one
/// when none is idle).
///
/// ```
/// use mls_ds::{SqliteStore, Store, Transaction};
/// let dir = std::env::temp_dir().join(format!("mls-ds-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let store = SqliteStore::open(dir.join("ds.sqlite")).unwrap();
/// let mut tx = store.begin().unwrap();
/// assert!(tx.group(b"g").unwrap().is_none());
/// # drop(tx); drop(store); std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct SqliteStore {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    conflicts: AtomicU64,
}

fn err(e: ::rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Conflict,
        _ => StoreError::Unavailable(e.to_string()),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date; refuses a database with a newer schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Self::connect(&path)?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            path,
            idle: Mutex::new(vec![conn]),
            conflicts: AtomicU64::new(0),
        })
    }

    fn connect(path: &Path) -> Result<Connection, StoreError> {
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "SQLite refused WAL mode (journal_mode {mode})"
            )));
        }
        conn.execute_batch("PRAGMA synchronous = FULL")
            .map_err(err)?;
        Ok(conn)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many commits failed a precondition ([`StoreError::Conflict`])
    /// so far.
    pub fn conflicts(&self) -> u64 {
        self.conflicts.load(Ordering::Relaxed)
    }

    /// How many messages the store holds for a group.
    pub fn message_count(&self, group_id: &[u8]) -> Result<usize, StoreError> {
        let tx = self.begin()?;
        let n: i64 = tx
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM ds_messages WHERE group_id = ?",
                [group_id],
                |r| r.get(0),
            )
            .map_err(err)?;
        Ok(n as usize)
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let tx = self.begin()?;
        schema_version(tx.conn())
    }
}

fn schema_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM ds_schema_version",
        [],
        |r| r.get(0),
    )
    .map_err(err)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS ds_schema_version (version INTEGER PRIMARY KEY)")
        .map_err(err)?;
    let found = schema_version(&tx)?;
    if found > SCHEMA_VERSION {
        return Err(newer_schema(found));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO ds_schema_version (version) VALUES (?)",
            [i as i64 + 1],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// A [`SqliteStore`] transaction: reads on a pooled connection, then one
/// SQLite transaction at [`Transaction::commit`].
pub struct SqliteTx<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl SqliteTx<'_> {
    fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("a connection until dropped")
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if conn.is_autocommit() {
                let mut idle = self.store.idle.lock().unwrap_or_else(|e| e.into_inner());
                idle.push(conn);
            }
        }
    }
}

impl Store for SqliteStore {
    type Tx<'a> = SqliteTx<'a>;

    fn begin(&self) -> Result<SqliteTx<'_>, StoreError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => Self::connect(&self.path)?,
        };
        Ok(SqliteTx {
            store: self,
            conn: Some(conn),
        })
    }
}

fn group_of(r: &Row<'_>) -> ::rusqlite::Result<GroupRecord> {
    Ok(GroupRecord {
        group_id: r.get(0)?,
        version: dec(r.get(1)?),
        view_version: dec(r.get(2)?),
        cipher_suite: r.get(3)?,
        epoch: dec(r.get(4)?),
        next_seq: dec(r.get(5)?),
        epoch_start_seq: dec(r.get(6)?),
        frozen: r.get(7)?,
        created_at: dec(r.get(8)?),
    })
}

fn member_of(r: &Row<'_>) -> ::rusqlite::Result<MemberRecord> {
    Ok(MemberRecord {
        group_id: r.get(0)?,
        client: ClientId(r.get(1)?),
        from_seq: dec(r.get(2)?),
        until_seq: r.get::<_, Option<i64>>(3)?.map(dec),
        cursor: dec(r.get(4)?),
        last_active: dec(r.get(5)?),
    })
}

fn key_package_of(r: &Row<'_>) -> ::rusqlite::Result<KeyPackageRecord> {
    Ok(KeyPackageRecord {
        reference: r.get(0)?,
        owner: ClientId(r.get(1)?),
        cipher_suite: r.get(2)?,
        version: r.get(3)?,
        not_before: dec(r.get(4)?),
        not_after: dec(r.get(5)?),
        last_resort: r.get(6)?,
        key_package: r.get(7)?,
        uploaded_at: dec(r.get(8)?),
    })
}

const GROUP_COLUMNS: &str = "group_id, version, view_version, cipher_suite, epoch, next_seq, \
                             epoch_start_seq, frozen, created_at";
fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

const GROUP_AND_MEMBER_COLUMNS: &str = "g.group_id, g.version, g.view_version, \
    g.cipher_suite, g.epoch, g.next_seq, g.epoch_start_seq, g.frozen, g.created_at, \
    m.from_seq, m.until_seq, m.cursor_seq, m.last_active";
const MEMBER_COLUMNS: &str = "group_id, client, from_seq, until_seq, cursor_seq, last_active";
const KEY_PACKAGE_COLUMNS: &str = "reference, owner, cipher_suite, version, not_before, \
                                   not_after, last_resort, key_package, uploaded_at";

impl Transaction for SqliteTx<'_> {
    fn group(&mut self, group_id: &[u8]) -> Result<Option<GroupRecord>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {GROUP_COLUMNS} FROM ds_groups WHERE group_id = ?"
            ))
            .and_then(|mut s| s.query_row([group_id], group_of).optional())
            .map_err(err)
    }

    fn group_state(&mut self, group_id: &[u8]) -> Result<Option<GroupStateRecord>, StoreError> {
        self.conn()
            .prepare_cached("SELECT epoch, group_info FROM ds_group_states WHERE group_id = ?")
            .and_then(|mut s| {
                s.query_row([group_id], |r| {
                    Ok(GroupStateRecord {
                        group_id: group_id.to_vec(),
                        epoch: dec(r.get(0)?),
                        group_info: r.get(1)?,
                    })
                })
                .optional()
            })
            .map_err(err)
    }

    fn view_records(&mut self, group_id: &[u8]) -> Result<Vec<(ViewKey, Vec<u8>)>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached(
                "SELECT record, value FROM ds_view_records WHERE group_id = ? ORDER BY record",
            )
            .map_err(err)?;
        let rows = s
            .query_map([group_id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, value) = row.map_err(err)?;
            out.push((view_key_of(key)?, value));
        }
        Ok(out)
    }

    fn messages(
        &mut self,
        group_id: &[u8],
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached(
                "SELECT seq, epoch, kind, sender, message, accepted_at FROM ds_messages \
                 WHERE group_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
            )
            .map_err(err)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = s
            .query_map(params![group_id, enc(from_seq), limit], |r| {
                Ok((
                    dec(r.get(0)?),
                    dec(r.get(1)?),
                    r.get::<_, i16>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                    dec(r.get(5)?),
                ))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, epoch, kind, sender, message, accepted_at) = row.map_err(err)?;
            out.push(MessageRecord {
                group_id: group_id.to_vec(),
                seq,
                epoch,
                kind: kind_of(kind)?,
                sender: sender.map(ClientId),
                message,
                accepted_at,
            });
        }
        Ok(out)
    }

    fn member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {MEMBER_COLUMNS} FROM ds_members WHERE group_id = ? AND client = ?"
            ))
            .and_then(|mut s| {
                s.query_row(params![group_id, client.0], member_of)
                    .optional()
            })
            .map_err(err)
    }

    fn group_and_member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<(Option<GroupRecord>, Option<Membership>), StoreError> {
        // One statement: the group row and the membership, if any.
        self.conn()
            .prepare_cached(&format!(
                "SELECT {GROUP_AND_MEMBER_COLUMNS} FROM ds_groups g LEFT JOIN ds_members m \
                 ON m.group_id = g.group_id AND m.client = ?2 WHERE g.group_id = ?1"
            ))
            .and_then(|mut s| {
                s.query_row(params![group_id, client.0], |r| {
                    let group = group_of(r)?;
                    let member = match r.get::<_, Option<i64>>(9)? {
                        None => None,
                        Some(from_seq) => Some(Membership {
                            from_seq: dec(from_seq),
                            until_seq: r.get::<_, Option<i64>>(10)?.map(dec),
                            cursor: dec(r.get(11)?),
                            last_active: dec(r.get(12)?),
                        }),
                    };
                    Ok((group, member))
                })
                .optional()
            })
            .map(|row| row.map_or((None, None), |(g, m)| (Some(g), m)))
            .map_err(err)
    }

    fn members(&mut self, group_id: &[u8]) -> Result<Vec<MemberRecord>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {MEMBER_COLUMNS} FROM ds_members WHERE group_id = ? ORDER BY client"
            ))
            .map_err(err)?;
        let rows = s.query_map([group_id], member_of).map_err(err)?;
        rows.collect::<::rusqlite::Result<_>>().map_err(err)
    }

    fn key_packages(&mut self, owner: &ClientId) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages WHERE owner = ? \
                 ORDER BY reference"
            ))
            .map_err(err)?;
        let rows = s.query_map([&owner.0], key_package_of).map_err(err)?;
        rows.collect::<::rusqlite::Result<_>>().map_err(err)
    }

    fn key_package(&mut self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages WHERE reference = ?"
            ))
            .and_then(|mut s| s.query_row([reference], key_package_of).optional())
            .map_err(err)
    }

    fn oldest_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages \
                 INDEXED BY ds_key_packages_age \
                 WHERE owner = ? AND cipher_suite = ? AND last_resort = 0 \
                 AND not_before <= ? AND not_after >= ? \
                 ORDER BY uploaded_at, reference LIMIT ?"
            ))
            .map_err(err)?;
        let rows = s
            .query_map(
                params![owner.0, cipher_suite, enc(now), enc(now), limit_of(limit)],
                key_package_of,
            )
            .map_err(err)?;
        rows.collect::<::rusqlite::Result<_>>().map_err(err)
    }

    fn last_resort_key_package(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
    ) -> Result<Option<KeyPackageRecord>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages \
                 INDEXED BY ds_key_packages_age \
                 WHERE owner = ? AND cipher_suite = ? AND last_resort = 1 \
                 AND not_before <= ? AND not_after >= ? \
                 ORDER BY uploaded_at, reference LIMIT 1"
            ))
            .and_then(|mut s| {
                s.query_row(
                    params![owner.0, cipher_suite, enc(now), enc(now)],
                    key_package_of,
                )
                .optional()
            })
            .map_err(err)
    }

    fn count_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn()
            .prepare_cached(
                "SELECT COUNT(*) FROM (SELECT 1 FROM ds_key_packages \
                 INDEXED BY ds_key_packages_expiry \
                 WHERE owner = ? AND cipher_suite = ? AND last_resort = 0 \
                 AND not_after >= ? AND not_before <= ? LIMIT ?)",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![owner.0, cipher_suite, enc(now), enc(now), limit_of(cap)],
                    |r| r.get(0),
                )
            })
            .map_err(err)?;
        Ok(n as usize)
    }

    fn expired_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached(
                "SELECT reference FROM ds_key_packages INDEXED BY ds_key_packages_expiry \
                 WHERE owner = ? AND cipher_suite = ? AND last_resort = 0 AND not_after < ? \
                 ORDER BY not_after LIMIT ?",
            )
            .map_err(err)?;
        let rows = s
            .query_map(
                params![owner.0, cipher_suite, enc(now), limit_of(limit)],
                |r| r.get(0),
            )
            .map_err(err)?;
        rows.collect::<::rusqlite::Result<_>>().map_err(err)
    }

    fn welcomes(
        &mut self,
        client: &ClientId,
        limit: usize,
    ) -> Result<Vec<WelcomeRecord>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached(
                "SELECT j.group_id, j.epoch, m.welcome FROM ds_welcome_joiners j \
                 JOIN ds_welcome_messages m ON m.group_id = j.group_id AND m.epoch = j.epoch \
                 WHERE j.client = ? ORDER BY j.group_id, j.epoch LIMIT ?",
            )
            .map_err(err)?;
        let rows = s
            .query_map(params![client.0, limit_of(limit)], |r| {
                Ok(WelcomeRecord {
                    client: client.clone(),
                    group_id: r.get(0)?,
                    epoch: dec(r.get(1)?),
                    welcome: r.get(2)?,
                })
            })
            .map_err(err)?;
        rows.collect::<::rusqlite::Result<_>>().map_err(err)
    }

    fn welcome_count(&mut self, client: &ClientId, cap: usize) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn()
            .prepare_cached(
                "SELECT COUNT(*) FROM (SELECT 1 FROM ds_welcome_joiners WHERE client = ? LIMIT ?)",
            )
            .and_then(|mut s| s.query_row(params![client.0, limit_of(cap)], |r| r.get(0)))
            .map_err(err)?;
        Ok(n as usize)
    }

    fn epoch_tree(
        &mut self,
        group_id: &[u8],
        epoch: u64,
    ) -> Result<Option<EpochTreeRecord>, StoreError> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT tree, waiting FROM ds_epoch_trees WHERE group_id = ? AND epoch = ?",
            )
            .and_then(|mut s| {
                s.query_row(params![group_id, enc(epoch)], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .optional()
            })
            .map_err(err)?;
        row.map(|(tree, waiting)| {
            Ok(EpochTreeRecord {
                group_id: group_id.to_vec(),
                epoch,
                tree,
                waiting: decode_clients(&waiting)?,
            })
        })
        .transpose()
    }

    fn epoch_tree_epochs(&mut self, group_id: &[u8]) -> Result<Vec<u64>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached("SELECT epoch FROM ds_epoch_trees WHERE group_id = ? ORDER BY epoch")
            .map_err(err)?;
        let rows = s
            .query_map([group_id], |r| r.get::<_, i64>(0).map(dec))
            .map_err(err)?;
        rows.collect::<::rusqlite::Result<_>>().map_err(err)
    }

    fn rate(&mut self, key: &RateKey) -> Result<Option<RateRecord>, StoreError> {
        let (kind, k) = rate_key(key);
        let row = self
            .conn()
            .prepare_cached(
                "SELECT window_start, hits FROM ds_rates WHERE rate_kind = ? AND rate_key = ?",
            )
            .and_then(|mut s| {
                s.query_row(params![kind, k], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                })
                .optional()
            })
            .map_err(err)?;
        row.map(|(window_start, hits)| {
            Ok(RateRecord {
                key: key.clone(),
                window_start: dec(window_start),
                count: u32_of(hits, "rate count")?,
            })
        })
        .transpose()
    }

    fn commit(mut self, writes: Vec<Write>) -> Result<(), StoreError> {
        let conn = self.conn.as_mut().expect("a connection until dropped");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        for w in writes {
            if !apply(&tx, w).map_err(err)? {
                // Dropping `tx` rolls back.
                self.store.conflicts.fetch_add(1, Ordering::Relaxed);
                return Err(StoreError::Conflict);
            }
        }
        tx.commit().map_err(err)
    }
}
