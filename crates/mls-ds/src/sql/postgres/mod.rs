//! [`PostgresStore`]: the [`Store`] in a PostgreSQL database, shared by
//! any number of DS instances.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ::postgres::error::SqlState;
use ::postgres::types::ToSql;
use ::postgres::{Client, Config, GenericClient, NoTls, Row, Statement};
use std::collections::HashMap;

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

/// The advisory lock migrations hold, so that instances starting together
/// migrate once.
const MIGRATION_LOCK: i64 = 0x6d6c_732d_6473; // "mls-ds"

/// A [`Store`] in PostgreSQL: for several DS instances sharing one
/// database. Requests on one group are serialised across instances by the
/// group row's compare-and-swap (`UPDATE ... WHERE version = $n`: a
/// concurrent transaction that updated the row first makes it match no
/// row once that one commits), a KeyPackage is taken once by `DELETE ...
/// WHERE reference = $1` matching one row; transactions run at PostgreSQL's
/// default READ COMMITTED. A deadlock or serialisation failure reported by
/// the server is a [`StoreError::Conflict`] too (the engine retries).
///
/// Durability: the store relies on the server's defaults —
/// `synchronous_commit = on` and `fsync = on` — under which a commit that
/// returned is on disk (on the standby too with synchronous replication
/// configured); it sets nothing that weakens them.
///
/// Each transaction takes a connection from a small pool (connecting
/// when none is idle); a broken connection is dropped.
pub struct PostgresStore {
    config: Config,
    idle: Mutex<Vec<Conn>>,
    conflicts: AtomicU64,
}

fn err(e: ::postgres::Error) -> StoreError {
    match e.code() {
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE => StoreError::Conflict,
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => StoreError::Conflict,
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => StoreError::Conflict,
        _ => StoreError::Unavailable(e.to_string()),
    }
}

impl PostgresStore {
    /// Connects to the database `params` names (a libpq-style string,
    /// e.g. `host=/run/postgresql user=ds dbname=ds`; no TLS: use a Unix
    /// socket or a trusted network) and brings its schema up to date;
    /// refuses a database with a newer schema.
    pub fn connect(params: &str) -> Result<Self, StoreError> {
        let config: Config = params
            .parse()
            .map_err(|e: ::postgres::Error| StoreError::Unavailable(e.to_string()))?;
        let mut client = config.connect(NoTls).map_err(err)?;
        migrate(&mut client)?;
        Ok(PostgresStore {
            config,
            idle: Mutex::new(vec![Conn {
                client,
                statements: Statements::new(),
            }]),
            conflicts: AtomicU64::new(0),
        })
    }

    /// How many commits failed a precondition ([`StoreError::Conflict`])
    /// so far (by this process).
    pub fn conflicts(&self) -> u64 {
        self.conflicts.load(Ordering::Relaxed)
    }

    /// How many messages the store holds for a group.
    pub fn message_count(&self, group_id: &[u8]) -> Result<usize, StoreError> {
        let mut tx = self.begin()?;
        let row = tx
            .client()
            .query_one(
                "SELECT COUNT(*) FROM ds_messages WHERE group_id = $1",
                &[&group_id],
            )
            .map_err(err)?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let mut tx = self.begin()?;
        schema_version(tx.client())
    }
}

fn schema_version(client: &mut impl ::postgres::GenericClient) -> Result<i64, StoreError> {
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM ds_schema_version",
            &[],
        )
        .map_err(err)?;
    Ok(row.get(0))
}

fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(err)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS ds_schema_version (version BIGINT PRIMARY KEY)")
        .map_err(err)?;
    let found = schema_version(&mut tx)?;
    if found > SCHEMA_VERSION {
        return Err(newer_schema(found));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO ds_schema_version (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// A [`PostgresStore`] transaction: reads on a pooled connection, then
/// one PostgreSQL transaction at [`Transaction::commit`].
pub struct PostgresTx<'a> {
    store: &'a PostgresStore,
    client: Option<Box<Conn>>,
}

/// A pooled connection and the statements prepared on it, by SQL text:
/// each statement is parsed once per connection, then every run of it is
/// one round trip (bind and execute), not two (prepare, then run).
pub(crate) struct Conn {
    client: Client,
    statements: Statements,
}

/// Prepared statements of one connection.
pub(crate) type Statements = HashMap<String, Statement>;

/// The statement of `sql` on the connection of `client`, prepared on
/// first use. Named statements are not transactional: one prepared in a
/// transaction that rolls back stays prepared.
pub(crate) fn prepared(
    client: &mut impl GenericClient,
    statements: &mut Statements,
    sql: &str,
) -> std::result::Result<Statement, ::postgres::Error> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = client.prepare(sql)?;
    statements.insert(sql.to_owned(), s.clone());
    Ok(s)
}

impl PostgresTx<'_> {
    fn conn(&mut self) -> &mut Box<Conn> {
        self.client.as_mut().expect("a connection until dropped")
    }

    fn client(&mut self) -> &mut Client {
        &mut self.conn().client
    }

    fn query(&mut self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
        let Conn { client, statements } = &mut **self.conn();
        let s = prepared(client, statements, sql).map_err(err)?;
        client.query(&s, p).map_err(err)
    }

    fn query_opt(
        &mut self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let Conn { client, statements } = &mut **self.conn();
        let s = prepared(client, statements, sql).map_err(err)?;
        client.query_opt(&s, p).map_err(err)
    }
}

impl Drop for PostgresTx<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.client.take() {
            if !conn.client.is_closed() {
                let mut idle = self.store.idle.lock().unwrap_or_else(|e| e.into_inner());
                idle.push(*conn);
            }
        }
    }
}

impl Store for PostgresStore {
    type Tx<'a> = PostgresTx<'a>;

    fn begin(&self) -> Result<PostgresTx<'_>, StoreError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let client = match pooled {
            Some(c) => Box::new(c),
            None => Box::new(Conn {
                client: self.config.connect(NoTls).map_err(err)?,
                statements: Statements::new(),
            }),
        };
        Ok(PostgresTx {
            store: self,
            client: Some(client),
        })
    }
}

fn u64_at(r: &Row, i: usize) -> u64 {
    dec(r.get(i))
}

fn group_of(r: &Row) -> Result<GroupRecord, StoreError> {
    Ok(GroupRecord {
        group_id: r.get(0),
        version: u64_at(r, 1),
        view_version: u64_at(r, 2),
        cipher_suite: u16_of(r.get::<_, i32>(3).into(), "cipher suite")?,
        epoch: u64_at(r, 4),
        next_seq: u64_at(r, 5),
        epoch_start_seq: u64_at(r, 6),
        frozen: r.get(7),
        created_at: u64_at(r, 8),
    })
}

fn member_of(r: &Row) -> MemberRecord {
    MemberRecord {
        group_id: r.get(0),
        client: ClientId(r.get(1)),
        from_seq: u64_at(r, 2),
        until_seq: r.get::<_, Option<i64>>(3).map(dec),
        cursor: u64_at(r, 4),
        last_active: u64_at(r, 5),
    }
}

fn key_package_of(r: &Row) -> Result<KeyPackageRecord, StoreError> {
    Ok(KeyPackageRecord {
        reference: r.get(0),
        owner: ClientId(r.get(1)),
        cipher_suite: u16_of(r.get::<_, i32>(2).into(), "cipher suite")?,
        version: u16_of(r.get::<_, i32>(3).into(), "protocol version")?,
        not_before: u64_at(r, 4),
        not_after: u64_at(r, 5),
        last_resort: r.get(6),
        key_package: r.get(7),
        uploaded_at: u64_at(r, 8),
    })
}

const GROUP_COLUMNS: &str = "group_id, version, view_version, cipher_suite, epoch, next_seq, \
                             epoch_start_seq, frozen, created_at";
const GROUP_AND_MEMBER_COLUMNS: &str = "g.group_id, g.version, g.view_version, \
    g.cipher_suite, g.epoch, g.next_seq, g.epoch_start_seq, g.frozen, g.created_at, \
    m.from_seq, m.until_seq, m.cursor_seq, m.last_active";
const MEMBER_COLUMNS: &str = "group_id, client, from_seq, until_seq, cursor_seq, last_active";
const KEY_PACKAGE_COLUMNS: &str = "reference, owner, cipher_suite, version, not_before, \
                                   not_after, last_resort, key_package, uploaded_at";

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Transaction for PostgresTx<'_> {
    fn group(&mut self, group_id: &[u8]) -> Result<Option<GroupRecord>, StoreError> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM ds_groups WHERE group_id = $1");
        self.query_opt(&sql, &[&group_id])?
            .as_ref()
            .map(group_of)
            .transpose()
    }

    fn group_state(&mut self, group_id: &[u8]) -> Result<Option<GroupStateRecord>, StoreError> {
        let row = self.query_opt(
            "SELECT epoch, group_info FROM ds_group_states WHERE group_id = $1",
            &[&group_id],
        )?;
        Ok(row.map(|r| GroupStateRecord {
            group_id: group_id.to_vec(),
            epoch: u64_at(&r, 0),
            group_info: r.get(1),
        }))
    }

    fn view_records(&mut self, group_id: &[u8]) -> Result<Vec<(ViewKey, Vec<u8>)>, StoreError> {
        let rows = self.query(
            "SELECT record, value FROM ds_view_records WHERE group_id = $1 ORDER BY record",
            &[&group_id],
        )?;
        rows.iter()
            .map(|r| Ok((view_key_of(r.get(0))?, r.get(1))))
            .collect()
    }

    fn messages(
        &mut self,
        group_id: &[u8],
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let rows = self.query(
            "SELECT seq, epoch, kind, sender, message, accepted_at FROM ds_messages \
             WHERE group_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
            &[&group_id, &enc(from_seq), &limit_of(limit)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(MessageRecord {
                    group_id: group_id.to_vec(),
                    seq: u64_at(r, 0),
                    epoch: u64_at(r, 1),
                    kind: kind_of(r.get(2))?,
                    sender: r.get::<_, Option<Vec<u8>>>(3).map(ClientId),
                    message: r.get(4),
                    accepted_at: u64_at(r, 5),
                })
            })
            .collect()
    }

    fn member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        let sql =
            format!("SELECT {MEMBER_COLUMNS} FROM ds_members WHERE group_id = $1 AND client = $2");
        Ok(self
            .query_opt(&sql, &[&group_id, &client.0])?
            .as_ref()
            .map(member_of))
    }

    fn group_and_member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<(Option<GroupRecord>, Option<Membership>), StoreError> {
        // One statement (one round trip): the group row and the
        // membership, if any.
        let sql = format!(
            "SELECT {GROUP_AND_MEMBER_COLUMNS} FROM ds_groups g LEFT JOIN ds_members m \
             ON m.group_id = g.group_id AND m.client = $2 WHERE g.group_id = $1"
        );
        let Some(r) = self.query_opt(&sql, &[&group_id, &client.0])? else {
            return Ok((None, None));
        };
        let group = group_of(&r)?;
        let member = r.get::<_, Option<i64>>(9).map(|from_seq| Membership {
            from_seq: dec(from_seq),
            until_seq: r.get::<_, Option<i64>>(10).map(dec),
            cursor: u64_at(&r, 11),
            last_active: u64_at(&r, 12),
        });
        Ok((Some(group), member))
    }

    fn members(&mut self, group_id: &[u8]) -> Result<Vec<MemberRecord>, StoreError> {
        let sql =
            format!("SELECT {MEMBER_COLUMNS} FROM ds_members WHERE group_id = $1 ORDER BY client");
        Ok(self
            .query(&sql, &[&group_id])?
            .iter()
            .map(member_of)
            .collect())
    }

    fn key_packages(&mut self, owner: &ClientId) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let sql = format!(
            "SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages WHERE owner = $1 \
             ORDER BY reference"
        );
        self.query(&sql, &[&owner.0])?
            .iter()
            .map(key_package_of)
            .collect()
    }

    fn key_package(&mut self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StoreError> {
        let sql = format!("SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages WHERE reference = $1");
        self.query_opt(&sql, &[&reference])?
            .as_ref()
            .map(key_package_of)
            .transpose()
    }

    fn oldest_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<KeyPackageRecord>, StoreError> {
        let sql = format!(
            "SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages \
             WHERE owner = $1 AND cipher_suite = $2 AND NOT last_resort \
             AND not_before <= $3 AND not_after >= $3 \
             ORDER BY uploaded_at, reference LIMIT $4"
        );
        self.query(
            &sql,
            &[
                &owner.0,
                &i32::from(cipher_suite),
                &enc(now),
                &limit_of(limit),
            ],
        )?
        .iter()
        .map(key_package_of)
        .collect()
    }

    fn last_resort_key_package(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
    ) -> Result<Option<KeyPackageRecord>, StoreError> {
        let sql = format!(
            "SELECT {KEY_PACKAGE_COLUMNS} FROM ds_key_packages \
             WHERE owner = $1 AND cipher_suite = $2 AND last_resort \
             AND not_before <= $3 AND not_after >= $3 \
             ORDER BY uploaded_at, reference LIMIT 1"
        );
        self.query_opt(&sql, &[&owner.0, &i32::from(cipher_suite), &enc(now)])?
            .as_ref()
            .map(key_package_of)
            .transpose()
    }

    fn count_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let row = self.query_opt(
            "SELECT COUNT(*) FROM (SELECT 1 FROM ds_key_packages \
             WHERE owner = $1 AND cipher_suite = $2 AND NOT last_resort \
             AND not_after >= $3 AND not_before <= $3 LIMIT $4) AS usable",
            &[
                &owner.0,
                &i32::from(cipher_suite),
                &enc(now),
                &limit_of(cap),
            ],
        )?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0) as usize))
    }

    fn expired_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        Ok(self
            .query(
                "SELECT reference FROM ds_key_packages \
                 WHERE owner = $1 AND cipher_suite = $2 AND NOT last_resort \
                 AND not_after < $3 ORDER BY not_after LIMIT $4",
                &[
                    &owner.0,
                    &i32::from(cipher_suite),
                    &enc(now),
                    &limit_of(limit),
                ],
            )?
            .iter()
            .map(|r| r.get(0))
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
        // The four reads as one statement (one round trip): each row says
        // which part it answers (0 expired, 1 the count, 2 the oldest
        // regular ones, 3 the last resort).
        let sql = format!(
            "(SELECT 0::SMALLINT AS part, NULL::BIGINT AS n, {KEY_PACKAGE_COLUMNS} \
              FROM ds_key_packages WHERE owner = $1 AND cipher_suite = $2 AND NOT last_resort \
              AND not_after < $3 ORDER BY not_after LIMIT $4) \
             UNION ALL \
             (SELECT 1::SMALLINT, (SELECT COUNT(*) FROM (SELECT 1 FROM ds_key_packages \
              WHERE owner = $1 AND cipher_suite = $2 AND NOT last_resort \
              AND not_after >= $3 AND not_before <= $3 LIMIT $5) AS usable), \
              NULL::BYTEA, NULL::BYTEA, NULL::INTEGER, NULL::INTEGER, NULL::BIGINT, \
              NULL::BIGINT, NULL::BOOLEAN, NULL::BYTEA, NULL::BIGINT) \
             UNION ALL \
             (SELECT 2::SMALLINT, NULL::BIGINT, {KEY_PACKAGE_COLUMNS} FROM ds_key_packages \
              WHERE owner = $1 AND cipher_suite = $2 AND NOT last_resort \
              AND not_before <= $3 AND not_after >= $3 \
              ORDER BY uploaded_at, reference LIMIT $6) \
             UNION ALL \
             (SELECT 3::SMALLINT, NULL::BIGINT, {KEY_PACKAGE_COLUMNS} FROM ds_key_packages \
              WHERE owner = $1 AND cipher_suite = $2 AND last_resort \
              AND not_before <= $3 AND not_after >= $3 \
              ORDER BY uploaded_at, reference LIMIT 1)"
        );
        let rows = self.query(
            &sql,
            &[
                &owner.0,
                &i32::from(cipher_suite),
                &enc(now),
                &limit_of(expired_limit),
                &limit_of(count_cap),
                &limit_of(asked),
            ],
        )?;
        let mut reads = ClaimReads::default();
        let mut last_resort = None;
        for r in &rows {
            // The key package columns start after `part` and `n`.
            let record = || -> Result<KeyPackageRecord, StoreError> {
                Ok(KeyPackageRecord {
                    reference: r.get(2),
                    owner: ClientId(r.get(3)),
                    cipher_suite: u16_of(r.get::<_, i32>(4).into(), "cipher suite")?,
                    version: u16_of(r.get::<_, i32>(5).into(), "protocol version")?,
                    not_before: u64_at(r, 6),
                    not_after: u64_at(r, 7),
                    last_resort: r.get(8),
                    key_package: r.get(9),
                    uploaded_at: u64_at(r, 10),
                })
            };
            match r.get::<_, i16>(0) {
                0 => reads.expired.push(r.get(2)),
                1 => reads.usable = r.get::<_, i64>(1) as usize,
                2 => reads.oldest.push(record()?),
                _ => last_resort = Some(record()?),
            }
        }
        // Parts keep their order in PostgreSQL's Append, but SQL does not
        // promise it: the oldest first, as the contract says.
        reads
            .oldest
            .sort_by(|a, b| (a.uploaded_at, &a.reference).cmp(&(b.uploaded_at, &b.reference)));
        if reads.oldest.len() < asked {
            reads.last_resort = last_resort;
        }
        Ok(reads)
    }

    fn welcomes(
        &mut self,
        client: &ClientId,
        limit: usize,
    ) -> Result<Vec<WelcomeRecord>, StoreError> {
        let rows = self.query(
            "SELECT j.group_id, j.epoch, m.welcome FROM ds_welcome_joiners j \
             JOIN ds_welcome_messages m ON m.group_id = j.group_id AND m.epoch = j.epoch \
             WHERE j.client = $1 ORDER BY j.group_id, j.epoch LIMIT $2",
            &[&client.0, &limit_of(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| WelcomeRecord {
                client: client.clone(),
                group_id: r.get(0),
                epoch: u64_at(r, 1),
                welcome: r.get(2),
            })
            .collect())
    }

    fn welcome_count(&mut self, client: &ClientId, cap: usize) -> Result<usize, StoreError> {
        let row = self.query_opt(
            "SELECT COUNT(*) FROM (SELECT 1 FROM ds_welcome_joiners WHERE client = $1 LIMIT $2) \
             AS waiting",
            &[&client.0, &limit_of(cap)],
        )?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0) as usize))
    }

    fn epoch_tree(
        &mut self,
        group_id: &[u8],
        epoch: u64,
    ) -> Result<Option<EpochTreeRecord>, StoreError> {
        let row = self.query_opt(
            "SELECT tree, waiting FROM ds_epoch_trees WHERE group_id = $1 AND epoch = $2",
            &[&group_id, &enc(epoch)],
        )?;
        row.map(|r| {
            Ok(EpochTreeRecord {
                group_id: group_id.to_vec(),
                epoch,
                tree: r.get(0),
                waiting: decode_clients(r.get(1))?,
            })
        })
        .transpose()
    }

    fn epoch_tree_epochs(&mut self, group_id: &[u8]) -> Result<Vec<u64>, StoreError> {
        let rows = self.query(
            "SELECT epoch FROM ds_epoch_trees WHERE group_id = $1 ORDER BY epoch",
            &[&group_id],
        )?;
        Ok(rows.iter().map(|r| u64_at(r, 0)).collect())
    }

    fn rate(&mut self, key: &RateKey) -> Result<Option<RateRecord>, StoreError> {
        let (kind, k) = rate_key(key);
        let row = self.query_opt(
            "SELECT window_start, hits FROM ds_rates WHERE rate_kind = $1 AND rate_key = $2",
            &[&kind, &k],
        )?;
        row.map(|r| {
            Ok(RateRecord {
                key: key.clone(),
                window_start: u64_at(&r, 0),
                count: u32_of(r.get(1), "rate count")?,
            })
        })
        .transpose()
    }

    fn commit(mut self, writes: Vec<Write>) -> Result<(), StoreError> {
        let store = self.store;
        let Conn { client, statements } = &mut **self.conn();
        let mut tx = client.transaction().map_err(err)?;
        // A batch's last two writes counting two different rates (a
        // message's client and group) go in one statement, in their place
        // (last: the order of the row locks is the batch's).
        let mut writes = writes;
        let pair = match writes.as_slice() {
            [.., Write::CountRate { key: a, .. }, Write::CountRate { key: b, .. }] if a != b => {
                let b = writes.pop();
                let a = writes.pop();
                a.zip(b)
            }
            _ => None,
        };
        for w in writes {
            if !apply(&mut tx, statements, w).map_err(err)? {
                // Dropping `tx` rolls back.
                store.conflicts.fetch_add(1, Ordering::Relaxed);
                return Err(StoreError::Conflict);
            }
        }
        if let Some((
            Write::CountRate {
                key: a,
                window_start: wa,
            },
            Write::CountRate {
                key: b,
                window_start: wb,
            },
        )) = &pair
        {
            writes::count_two(&mut tx, statements, (a, *wa), (b, *wb)).map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}
