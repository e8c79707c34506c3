//! The tests' store: the memory store, or (features `sqlite`,
//! `postgres`) a fresh SQLite file or PostgreSQL database — so that a test
//! written once runs on each ([`on_every_store!`](crate::on_every_store)).

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "postgres")]
use std::sync::Arc;

use mls_ds::store::*;
use mls_ds::*;

#[cfg(feature = "postgres")]
use super::pg::{self, PgCluster};

/// Which store the current test's DS instances are built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Memory,
    /// The memory store, recording every committed batch of writes.
    Recording,
    #[cfg(feature = "sqlite")]
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

thread_local! {
    static KIND: Cell<StoreKind> = const { Cell::new(StoreKind::Memory) };
}

/// The store kind of this thread's test.
pub fn store_kind() -> StoreKind {
    KIND.with(|k| k.get())
}

/// Runs `test` with every DS it builds on a new store of `kind`. A
/// PostgreSQL test is skipped (loudly) under `MLS_SKIP_POSTGRES=1`.
pub fn on(kind: StoreKind, test: impl FnOnce()) {
    #[cfg(feature = "postgres")]
    let _cluster = match kind {
        StoreKind::Postgres => match pg::cluster() {
            Some(c) => Some(c),
            None => return,
        },
        _ => None,
    };
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            KIND.with(|k| k.set(StoreKind::Memory));
        }
    }
    let _reset = Reset;
    KIND.with(|k| k.set(kind));
    test();
}

/// Runs each named test function (no arguments) once per store: as
/// `memory::name`, `sqlite::name` and `postgres::name` (with the
/// features).
#[macro_export]
macro_rules! on_every_store {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(#[test]
            fn $test() {
                $crate::common::stores::on($crate::common::stores::StoreKind::Memory, super::$test)
            })*
        }
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(#[test]
            fn $test() {
                $crate::common::stores::on($crate::common::stores::StoreKind::Sqlite, super::$test)
            })*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(#[test]
            fn $test() {
                $crate::common::stores::on(
                    $crate::common::stores::StoreKind::Postgres,
                    super::$test,
                )
            })*
        }
    };
}

/// Where the tests' databases live: `$MLS_DS_TEST_DIR` if set, else
/// `/dev/shm` when there is one (memory: the stores keep their durability
/// settings, but an fsync there costs nothing, and a test run makes
/// thousands of commits), else the system's temporary directory.
pub fn test_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MLS_DS_TEST_DIR") {
        return PathBuf::from(d);
    }
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() && std::fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly()) {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = test_dir().join(format!("mls-ds-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One of the stores (fields drop in order: the store before its file or
/// cluster).
pub enum AnyStore {
    Memory(MemoryStore),
    Recording(MemoryStore, std::sync::Mutex<Vec<Vec<Write>>>),
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteStore, TempDir),
    #[cfg(feature = "postgres")]
    Postgres(PostgresStore, Arc<PgCluster>),
}

impl AnyStore {
    /// A new empty store of the current test's kind.
    pub fn new() -> AnyStore {
        Self::of(store_kind())
    }

    pub fn of(kind: StoreKind) -> AnyStore {
        match kind {
            StoreKind::Memory => AnyStore::Memory(MemoryStore::new()),
            StoreKind::Recording => AnyStore::Recording(MemoryStore::new(), Default::default()),
            #[cfg(feature = "sqlite")]
            StoreKind::Sqlite => {
                let dir = TempDir::new("sqlite");
                let store = SqliteStore::open(dir.0.join("ds.sqlite")).unwrap();
                AnyStore::Sqlite(store, dir)
            }
            #[cfg(feature = "postgres")]
            StoreKind::Postgres => {
                let cluster = pg::cluster().expect("PostgreSQL tests run under `on`");
                let store = PostgresStore::connect(&cluster.new_database()).unwrap();
                AnyStore::Postgres(store, cluster)
            }
        }
    }

    /// Commits that lost a race in the store itself.
    pub fn conflicts(&self) -> u64 {
        match self {
            AnyStore::Memory(s) | AnyStore::Recording(s, _) => s.conflicts(),
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(s, _) => s.conflicts(),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s, _) => s.conflicts(),
        }
    }

    /// How many messages the store holds for a group.
    pub fn message_count(&self, group_id: &[u8]) -> usize {
        match self {
            AnyStore::Memory(s) | AnyStore::Recording(s, _) => s.message_count(group_id),
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(s, _) => s.message_count(group_id).unwrap(),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s, _) => s.message_count(group_id).unwrap(),
        }
    }
}

impl AnyStore {
    /// The batches committed so far (a recording store), emptied.
    pub fn take_commits(&self) -> Vec<Vec<Write>> {
        match self {
            AnyStore::Recording(_, log) => std::mem::take(&mut *log.lock().unwrap()),
            _ => panic!("not a recording store"),
        }
    }
}

impl Default for AnyStore {
    fn default() -> Self {
        Self::new()
    }
}

pub enum AnyTx<'a> {
    Memory(MemoryTx<'a>),
    Recording(MemoryTx<'a>, &'a std::sync::Mutex<Vec<Vec<Write>>>),
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteTx<'a>),
    #[cfg(feature = "postgres")]
    Postgres(PostgresTx<'a>),
}

impl Store for AnyStore {
    type Tx<'a> = AnyTx<'a>;

    fn begin(&self) -> Result<AnyTx<'_>, StoreError> {
        Ok(match self {
            AnyStore::Memory(s) => AnyTx::Memory(s.begin()?),
            AnyStore::Recording(s, log) => AnyTx::Recording(s.begin()?, log),
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(s, _) => AnyTx::Sqlite(s.begin()?),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s, _) => AnyTx::Postgres(s.begin()?),
        })
    }
}

macro_rules! each {
    ($self:expr, $tx:ident => $e:expr) => {
        match $self {
            AnyTx::Memory($tx) | AnyTx::Recording($tx, _) => $e,
            #[cfg(feature = "sqlite")]
            AnyTx::Sqlite($tx) => $e,
            #[cfg(feature = "postgres")]
            AnyTx::Postgres($tx) => $e,
        }
    };
}

impl Transaction for AnyTx<'_> {
    fn group(&mut self, group_id: &[u8]) -> Result<Option<GroupRecord>, StoreError> {
        each!(self, t => t.group(group_id))
    }
    fn group_state(&mut self, group_id: &[u8]) -> Result<Option<GroupStateRecord>, StoreError> {
        each!(self, t => t.group_state(group_id))
    }
    fn view_records(&mut self, group_id: &[u8]) -> Result<Vec<(ViewKey, Vec<u8>)>, StoreError> {
        each!(self, t => t.view_records(group_id))
    }
    fn messages(
        &mut self,
        group_id: &[u8],
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        each!(self, t => t.messages(group_id, from_seq, limit))
    }
    fn member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        each!(self, t => t.member(group_id, client))
    }
    fn group_and_member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<(Option<GroupRecord>, Option<Membership>), StoreError> {
        each!(self, t => t.group_and_member(group_id, client))
    }
    fn members(&mut self, group_id: &[u8]) -> Result<Vec<MemberRecord>, StoreError> {
        each!(self, t => t.members(group_id))
    }
    fn key_packages(&mut self, owner: &ClientId) -> Result<Vec<KeyPackageRecord>, StoreError> {
        each!(self, t => t.key_packages(owner))
    }
    fn key_package(&mut self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StoreError> {
        each!(self, t => t.key_package(reference))
    }
    fn oldest_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<KeyPackageRecord>, StoreError> {
        each!(self, t => t.oldest_key_packages(owner, cipher_suite, now, limit))
    }
    fn last_resort_key_package(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
    ) -> Result<Option<KeyPackageRecord>, StoreError> {
        each!(self, t => t.last_resort_key_package(owner, cipher_suite, now))
    }
    fn count_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        cap: usize,
    ) -> Result<usize, StoreError> {
        each!(self, t => t.count_key_packages(owner, cipher_suite, now, cap))
    }
    fn expired_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        each!(self, t => t.expired_key_packages(owner, cipher_suite, now, limit))
    }
    fn welcomes(
        &mut self,
        client: &ClientId,
        limit: usize,
    ) -> Result<Vec<WelcomeRecord>, StoreError> {
        each!(self, t => t.welcomes(client, limit))
    }
    fn welcome_count(&mut self, client: &ClientId, cap: usize) -> Result<usize, StoreError> {
        each!(self, t => t.welcome_count(client, cap))
    }
    fn epoch_tree(
        &mut self,
        group_id: &[u8],
        epoch: u64,
    ) -> Result<Option<EpochTreeRecord>, StoreError> {
        each!(self, t => t.epoch_tree(group_id, epoch))
    }
    fn epoch_tree_epochs(&mut self, group_id: &[u8]) -> Result<Vec<u64>, StoreError> {
        each!(self, t => t.epoch_tree_epochs(group_id))
    }
    fn rate(&mut self, key: &RateKey) -> Result<Option<RateRecord>, StoreError> {
        each!(self, t => t.rate(key))
    }
    fn rate_window(&mut self, key: &RateKey) -> Result<Option<(u64, u32)>, StoreError> {
        each!(self, t => t.rate_window(key))
    }
    fn commit(self, writes: Vec<Write>) -> Result<(), StoreError> {
        if let AnyTx::Recording(t, log) = self {
            let batch = writes.clone();
            t.commit(writes)?;
            log.lock().unwrap().push(batch);
            return Ok(());
        }
        each!(self, t => t.commit(writes))
    }
}
