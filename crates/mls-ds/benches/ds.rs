//! The Delivery Service benchmark (issue 18): the engine alone against
//! the same operations on the raw store, with the same durability
//! setting (the physical limit).
//!
//! * (a) `send_application` into a group of 1,000 vs the raw store doing
//!   the same writes in one transaction (`begin` + the same `Write`s +
//!   `commit`): throughput.
//! * (b) `send_commit` of a real commit with path (made by a real
//!   `mls_group::Group` member, with its PartialGroupInfo) in a group of
//!   10,000 vs `PublicGroup::stage_commit` alone on the same commit, and
//!   vs the physical limit of a durable commit: `stage_commit` plus the
//!   raw store writing the records the engine wrote for it (the same
//!   `Write`s in one transaction, but the rate counts).
//! * (c) `fetch_key_packages` claiming one KeyPackage vs the raw take.
//! * (d) `fetch` of a client's queue of 100 messages vs the raw read.
//! * (e) memory per hosted group: the heap of the engine's cached view
//!   and the bytes of its stored records vs
//!   `PublicGroup::to_state_bytes().len()` (a counting allocator).
//!
//! For `MemoryStore`, `SqliteStore` (WAL, `synchronous = FULL`) and, with
//! feature `postgres`, `PostgresStore` on a throwaway cluster (fsync and
//! `synchronous_commit` on), started as the tests start theirs. Files go
//! under `DSBENCH_DIR` (default: the system's temporary directory, on
//! disk: fsync is real). `DSBENCH_QUICK=1`: fewer rounds;
//! `DSBENCH_BIG=N`: the large group's size (default 10,000);
//! `DSBENCH_STORES=memory,sqlite,postgres`: the stores to measure;
//! `DSBENCH_SECTION=memory`: section (e) alone.
//!
//! `cargo bench -p mls-ds --features sqlite,postgres --bench ds`

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use mls_ds::store::{GroupRecord, GroupStateRecord, MemberRecord, ViewKey, Write};
use mls_ds::*;
use mls_group::framing::Proposal;
use mls_group::*;

// ---------------------------------------------------------------- memory

/// Counts the bytes live on the heap.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only the sizes
// are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

// ------------------------------------------------------- the PG cluster

/// Where the stores' files go (the PostgreSQL helper asks for it).
mod stores {
    pub fn test_dir() -> std::path::PathBuf {
        super::bench_dir()
    }
}

#[cfg(feature = "postgres")]
#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

fn bench_dir() -> PathBuf {
    std::env::var_os("DSBENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

// ------------------------------------------------------------- fixtures

const NOW: u64 = 1_700_000_000;
const DAY: u64 = 24 * 3600;

type Suite = RustCryptoSuite;
type Ds<St> = DeliveryService<St, RustCrypto>;

fn suite() -> Suite {
    RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap()
}

fn config() -> DsConfig {
    let unlimited = Rate {
        max: u32::MAX,
        window: 60,
    };
    DsConfig {
        limits: Limits {
            // Rates are still counted (one transaction per request), never
            // reached.
            client_rate: unlimited,
            group_rate: unlimited,
            // The commit with path in a tree built by one commit of Adds
            // encrypts to ~N leaves.
            max_message_size: 16 << 20,
            ..Limits::default()
        },
        ..DsConfig::default()
    }
}

fn identity(name: &str) -> ClientIdentity {
    ClientIdentity::generate(
        &suite(),
        Credential::Basic(name.as_bytes().to_vec()),
        &mut OsRng,
    )
    .unwrap()
}

fn key_package(id: &ClientIdentity) -> KeyPackage {
    KeyPackageBundle::create(
        &suite(),
        id,
        KeyPackageOptions {
            lifetime: Lifetime {
                not_before: NOW - DAY,
                not_after: NOW + 30 * DAY,
            },
            ..KeyPackageOptions::default()
        },
        &mut OsRng,
    )
    .unwrap()
    .key_package()
    .clone()
}

fn msg_bytes(m: &MlsMessage) -> Vec<u8> {
    m.to_bytes().unwrap()
}

/// A group of `n` members (`m0` the creator, who holds the state) built
/// by one commit of Adds, registered at a DS by its GroupInfo and tree.
struct Fixture {
    group_id: Vec<u8>,
    alice: Group<Suite>,
    info: Vec<u8>,
    tree: Vec<u8>,
}

fn fixture(n: usize, group_id: &[u8]) -> Fixture {
    let t = Instant::now();
    // Two threads: identities and KeyPackages are the slow part.
    let names: Vec<String> = (1..n).map(|i| format!("m{i}")).collect();
    let half = names.len() / 2;
    let (a, b) = names.split_at(half);
    let kps: Vec<KeyPackage> = std::thread::scope(|s| {
        let h = s.spawn(|| {
            a.iter()
                .map(|n| key_package(&identity(n)))
                .collect::<Vec<_>>()
        });
        let mut second: Vec<KeyPackage> = b.iter().map(|n| key_package(&identity(n))).collect();
        let mut first = h.join().unwrap();
        first.append(&mut second);
        first
    });
    let mut alice = Group::create(
        suite(),
        identity("m0"),
        group_id.to_vec(),
        vec![],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    alice.set_time(NOW);
    if !kps.is_empty() {
        let adds = kps
            .into_iter()
            .map(|key_package| Proposal::Add(framing::Add { key_package }))
            .collect();
        let options = CommitOptions {
            ratchet_tree_in_welcome: Some(false),
            ..CommitOptions::default()
        };
        alice.commit(adds, &options, &mut OsRng).unwrap();
        alice.merge_pending_commit().unwrap();
    }
    let info = msg_bytes(&MlsMessage::new(MlsMessageBody::GroupInfo(
        alice.group_info(false, true).unwrap(),
    )));
    let tree = alice.tree().to_extension_bytes().unwrap();
    eprintln!(
        "  fixture: group of {n} built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Fixture {
        group_id: group_id.to_vec(),
        alice,
        info,
        tree,
    }
}

impl Fixture {
    fn host<St: Store>(&self, ds: &Ds<St>) {
        ds.create_group(
            &ClientId::from("m0"),
            NOW,
            NewGroup {
                group_info: &self.info,
                ratchet_tree: Some(&self.tree),
            },
        )
        .unwrap();
    }
}

// ------------------------------------------------------------ statistics

/// Median, min and max of samples.
#[derive(Clone, Copy, Debug)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Stats {
        median,
        min: v[0],
        max: v[n - 1],
    }
}

fn fmt_rate(s: Stats) -> String {
    format!("{:.0} /s [{:.0}–{:.0}]", s.median, s.min, s.max)
}

fn fmt_ms(s: Stats) -> String {
    format!("{:.3} ms [{:.3}–{:.3}]", s.median, s.min, s.max)
}

/// Runs `op` `n` times; operations per second.
fn throughput(n: usize, mut op: impl FnMut(usize)) -> f64 {
    let t = Instant::now();
    for i in 0..n {
        op(i);
    }
    n as f64 / t.elapsed().as_secs_f64()
}

struct Sizes {
    rounds: usize,
    ops: usize,
    commits: usize,
}

// --------------------------------------------------------------- results

#[derive(Default)]
struct Row {
    store: String,
    what: String,
    engine: String,
    raw: String,
    ratio: String,
    target: String,
}

fn row(
    rows: &mut Vec<Row>,
    store: &str,
    what: &str,
    engine: String,
    raw: String,
    ratio: String,
    target: String,
) {
    let r = Row {
        store: store.into(),
        what: what.into(),
        engine,
        raw,
        ratio,
        target,
    };
    println!(
        "| {} | {} | {} | {} | {} | {} |",
        r.store, r.what, r.engine, r.raw, r.ratio, r.target
    );
    rows.push(r);
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

// ----------------------------------------------------- (a), (c), (d)

/// (d) then (a) on a group of 1,000, then (c).
fn messages_and_claims<St: Store>(
    name: &str,
    store: St,
    g1k: &Fixture,
    app: &[u8],
    sz: &Sizes,
    rows: &mut Vec<Row>,
) {
    let ds = DeliveryService::new(store, RustCrypto, config());
    g1k.host(&ds);
    let gid = &g1k.group_id;
    let alice = ClientId::from("m0");
    let bob = ClientId::from("m1");

    // (d): bob's queue holds 100 of alice's messages.
    for _ in 0..100 {
        ds.send_application(&alice, NOW, app).unwrap();
    }
    let f = ds.fetch(&bob, gid, NOW).unwrap();
    assert_eq!(f.messages.len(), 100);
    let (mut eng, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..sz.rounds {
        eng.push(throughput(sz.ops, |_| {
            let f = ds.fetch(&bob, gid, NOW).unwrap();
            assert_eq!(f.messages.len(), 100);
        }));
        raw.push(throughput(sz.ops, |_| {
            let mut tx = ds.store().begin().unwrap();
            let m = tx.member(gid, &bob).unwrap().unwrap();
            let batch = tx.messages(gid, m.cursor.max(m.from_seq), 101).unwrap();
            assert_eq!(batch.len(), 100);
        }));
    }
    let (e, r) = (stats(eng), stats(raw));
    row(
        rows,
        name,
        "(d) fetch a queue of 100",
        fmt_rate(e),
        fmt_rate(r),
        format!("{:.0}%", 100.0 * e.median / r.median),
        "none".into(),
    );

    // (a): alice's messages into the group of 1,000.
    let (mut eng, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..sz.rounds {
        eng.push(throughput(sz.ops, |_| {
            ds.send_application(&alice, NOW, app).unwrap();
        }));
        let mut rec = {
            let mut tx = ds.store().begin().unwrap();
            tx.group(gid).unwrap().unwrap()
        };
        raw.push(throughput(sz.ops, |_| {
            let tx = ds.store().begin().unwrap();
            let seq = rec.next_seq;
            let new = GroupRecord {
                version: rec.version + 1,
                next_seq: seq + 1,
                ..rec.clone()
            };
            tx.commit(vec![
                Write::PutGroup {
                    record: new.clone(),
                    expected_version: Some(rec.version),
                },
                Write::AppendMessage(store::MessageRecord {
                    group_id: gid.clone(),
                    seq,
                    epoch: rec.epoch,
                    kind: MessageKind::Application,
                    sender: Some(alice.clone()),
                    message: app.to_vec(),
                    accepted_at: NOW,
                }),
                Write::Touch {
                    group_id: gid.clone(),
                    client: alice.clone(),
                    cursor_to: 0,
                    now: NOW,
                },
            ])
            .unwrap();
            rec = new;
        }));
    }
    let (e, r) = (stats(eng), stats(raw));
    let share = e.median / r.median;
    row(
        rows,
        name,
        "(a) send_application, group of 1,000",
        fmt_rate(e),
        fmt_rate(r),
        format!("{:.0}%", 100.0 * share),
        format!("≥ 50%: {}", verdict(share >= 0.5)),
    );

    // (c): carol's stock of `ops` KeyPackages, claimed one at a time.
    let carol = identity("carol");
    let carol_id = ClientId::from("carol");
    let mut records = Vec::new();
    let kps: Vec<Vec<u8>> = (0..sz.ops)
        .map(|_| key_package_message(&key_package(&carol)).unwrap())
        .collect();
    for chunk in kps.chunks(200) {
        ds.upload_key_packages(&carol_id, NOW, chunk).unwrap();
    }
    {
        let mut tx = ds.store().begin().unwrap();
        records.extend(tx.key_packages(&carol_id).unwrap());
    }
    assert_eq!(records.len(), sz.ops);
    let refill = || {
        let tx = ds.store().begin().unwrap();
        tx.commit(records.iter().cloned().map(Write::PutKeyPackage).collect())
            .unwrap();
    };
    let query = [KeyPackageQuery {
        client: carol_id.clone(),
        cipher_suite: CipherSuite(1),
    }];
    let (mut eng, mut raw) = (Vec::new(), Vec::new());
    let mut taken = 0;
    for _ in 0..sz.rounds {
        eng.push(throughput(sz.ops, |_| {
            let f = ds.fetch_key_packages(&bob, NOW, &query).unwrap();
            assert!(f.key_packages[0].key_package.is_some());
        }));
        refill();
        raw.push(throughput(sz.ops, |i| {
            let tx = ds.store().begin().unwrap();
            tx.commit(vec![Write::TakeKeyPackage {
                reference: records[i].reference.clone(),
            }])
            .unwrap();
            taken += 1;
        }));
        refill();
    }
    assert_eq!(taken, sz.rounds * sz.ops);
    let (e, r) = (stats(eng), stats(raw));
    let share = e.median / r.median;
    row(
        rows,
        name,
        &format!("(c) claim a KeyPackage (stock {} → 1)", sz.ops),
        fmt_rate(e),
        fmt_rate(r),
        format!("{:.0}%", 100.0 * share),
        format!("≥ 50%: {}", verdict(share >= 0.5)),
    );
}

// ------------------------------------------------------------------ (b)

/// A store that can record the batch of the next commit it applies (the
/// physical limit of a commit: the raw store writing the engine's own
/// records). Off, it only forwards.
struct Recorder<St> {
    inner: St,
    record: std::sync::atomic::AtomicBool,
    batch: std::sync::Mutex<Option<Vec<Write>>>,
    /// How long the last `commit` took in the store.
    last_commit: std::sync::Mutex<f64>,
}

struct RecorderTx<'a, T> {
    inner: T,
    record: &'a std::sync::atomic::AtomicBool,
    batch: &'a std::sync::Mutex<Option<Vec<Write>>>,
    last_commit: &'a std::sync::Mutex<f64>,
}

impl<St: Store> Store for Recorder<St> {
    type Tx<'a>
        = RecorderTx<'a, St::Tx<'a>>
    where
        Self: 'a;

    fn begin(&self) -> Result<Self::Tx<'_>, StoreError> {
        Ok(RecorderTx {
            inner: self.inner.begin()?,
            record: &self.record,
            batch: &self.batch,
            last_commit: &self.last_commit,
        })
    }
}

impl<St> Recorder<St> {
    fn new(inner: St) -> Self {
        Recorder {
            inner,
            record: false.into(),
            batch: Default::default(),
            last_commit: Default::default(),
        }
    }
}

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $name(&mut self, $($arg: $ty),*) -> Result<$ret, StoreError> {
            self.inner.$name($($arg),*)
        }
    )*};
}

impl<T: Transaction> Transaction for RecorderTx<'_, T> {
    forward! {
        group(group_id: &[u8]) -> Option<GroupRecord>;
        group_state(group_id: &[u8]) -> Option<GroupStateRecord>;
        view_records(group_id: &[u8]) -> Vec<(ViewKey, Vec<u8>)>;
        messages(group_id: &[u8], from_seq: u64, limit: usize) -> Vec<store::MessageRecord>;
        member(group_id: &[u8], client: &ClientId) -> Option<MemberRecord>;
        group_and_member(group_id: &[u8], client: &ClientId) -> (Option<GroupRecord>, Option<store::Membership>);
        members(group_id: &[u8]) -> Vec<MemberRecord>;
        key_packages(owner: &ClientId) -> Vec<store::KeyPackageRecord>;
        key_package(reference: &[u8]) -> Option<store::KeyPackageRecord>;
        oldest_key_packages(owner: &ClientId, cipher_suite: u16, now: u64, limit: usize) -> Vec<store::KeyPackageRecord>;
        last_resort_key_package(owner: &ClientId, cipher_suite: u16, now: u64) -> Option<store::KeyPackageRecord>;
        count_key_packages(owner: &ClientId, cipher_suite: u16, now: u64, cap: usize) -> usize;
        expired_key_packages(owner: &ClientId, cipher_suite: u16, now: u64, limit: usize) -> Vec<Vec<u8>>;
        welcomes(client: &ClientId, limit: usize) -> Vec<store::WelcomeRecord>;
        welcome_count(client: &ClientId, cap: usize) -> usize;
        epoch_tree(group_id: &[u8], epoch: u64) -> Option<store::EpochTreeRecord>;
        epoch_tree_epochs(group_id: &[u8]) -> Vec<u64>;
        rate(key: &store::RateKey) -> Option<store::RateRecord>;
        rate_window(key: &store::RateKey) -> Option<(u64, u32)>;
    }

    fn commit(self, writes: Vec<Write>) -> Result<(), StoreError> {
        if self.record.load(Ordering::Relaxed) {
            *self.batch.lock().unwrap() = Some(writes.clone());
        }
        let t = Instant::now();
        let r = self.inner.commit(writes);
        *self.last_commit.lock().unwrap() = t.elapsed().as_secs_f64() * 1e3;
        r
    }
}

/// The records of a hosted group, to put it back as it was.
struct Snapshot {
    group: GroupRecord,
    state: GroupStateRecord,
    view: Vec<(ViewKey, Vec<u8>)>,
}

fn snapshot<St: Store>(ds: &Ds<St>, gid: &[u8]) -> Snapshot {
    let mut tx = ds.store().begin().unwrap();
    Snapshot {
        group: tx.group(gid).unwrap().unwrap(),
        state: tx.group_state(gid).unwrap().unwrap(),
        view: tx.view_records(gid).unwrap(),
    }
}

/// Puts the group back at the snapshot (with new versions: an engine's
/// cached view is stale after it).
fn reset<St: Store>(ds: &Ds<St>, snap: &Snapshot) {
    let gid = &snap.group.group_id;
    let mut tx = ds.store().begin().unwrap();
    let now = tx.group(gid).unwrap().unwrap();
    let current = tx.view_records(gid).unwrap();
    let mut writes = vec![
        Write::PutGroup {
            record: GroupRecord {
                version: now.version + 1,
                view_version: now.view_version + 1,
                ..snap.group.clone()
            },
            expected_version: Some(now.version),
        },
        Write::PutGroupState(snap.state.clone()),
        Write::DeleteMessages {
            group_id: gid.clone(),
            below_seq: u64::MAX,
        },
    ];
    for (k, _) in &current {
        if !snap.view.iter().any(|(s, _)| s == k) {
            writes.push(Write::PutViewRecord {
                group_id: gid.clone(),
                key: *k,
                value: None,
            });
        }
    }
    // Only the records that differ (the committer's path and the public
    // record): the others are as in the snapshot.
    for (k, v) in &snap.view {
        if !current.iter().any(|(c, cv)| c == k && cv == v) {
            writes.push(Write::PutViewRecord {
                group_id: gid.clone(),
                key: *k,
                value: Some(v.clone()),
            });
        }
    }
    tx.commit(writes).unwrap();
}

fn restored(snap: &Snapshot) -> PublicGroup<Suite> {
    let records = snap.view.iter().map(|(k, v)| {
        let key = match *k {
            ViewKey::Public => StateKey::Group,
            ViewKey::Node(i) => StateKey::Node(i),
        };
        (key, v.as_slice())
    });
    let mut g = PublicGroup::from_state_records(suite(), records, None).unwrap();
    g.set_time(NOW);
    g
}

struct CommitFixture {
    commit: Vec<u8>,
    partial: PartialGroupInfo,
    /// A commit of an older epoch (refused before the view is loaded).
    stale: Vec<u8>,
}

fn commit_fixture(f: &mut Fixture) -> CommitFixture {
    let t = Instant::now();
    let out = f
        .alice
        .commit(
            vec![],
            &CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &mut OsRng,
        )
        .unwrap();
    let info = f.alice.pending_group_info(false, true).unwrap().unwrap();
    let commit = msg_bytes(&out.commit);
    f.alice.clear_pending_commit();
    // A stale commit: the same with its epoch lowered, refused before
    // the view is loaded (after the rates are counted).
    let mut stale_msg = MlsMessage::from_bytes(&commit).unwrap();
    if let MlsMessageBody::PublicMessage(pm) = &mut stale_msg.body {
        pm.content.epoch -= 1;
    }
    eprintln!(
        "  commit with path: {} bytes, made in {:.1} s",
        commit.len(),
        t.elapsed().as_secs_f64()
    );
    CommitFixture {
        commit,
        partial: PartialGroupInfo::of(&info),
        stale: msg_bytes(&stale_msg),
    }
}

fn commits<St: Store>(
    name: &str,
    store: St,
    g10k: &Fixture,
    c: &CommitFixture,
    sz: &Sizes,
    rows: &mut Vec<Row>,
) {
    let ds = DeliveryService::new(Recorder::new(store), RustCrypto, config());
    g10k.host(&ds);
    let snap = snapshot(&ds, &g10k.group_id);
    let alice = ClientId::from("m0");
    let other = ClientId::from("m1");
    let update = GroupUpdate {
        commit: &c.commit,
        partial_group_info: &c.partial,
        welcome: None,
    };
    let msg = MlsMessage::from_bytes(&c.commit).unwrap();
    // The writes of an accepted commit, recorded once: the raw store
    // writes the same records (but the rate counts, as in (a) and (c)).
    reset(&ds, &snap);
    ds.store().record.store(true, Ordering::Relaxed);
    ds.send_commit(&alice, NOW, update).unwrap();
    ds.store().record.store(false, Ordering::Relaxed);
    let batch: Vec<Write> = ds
        .store()
        .batch
        .lock()
        .unwrap()
        .take()
        .unwrap()
        .into_iter()
        .filter(|w| !matches!(w, Write::CountRate { .. }))
        .collect();
    let bytes: usize = batch.iter().map(write_bytes).sum();
    eprintln!(
        "  {name}: an accepted commit writes {} records, {bytes} bytes",
        batch.len()
    );
    let (mut warm, mut cold, mut stage, mut decode, mut write) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // The store commit inside each warm `send_commit`.
    let mut own_commit = Vec::new();
    for _ in 0..sz.commits {
        // The raw store writing the commit's records in one transaction,
        // on the group as it was (the physical part of a durable commit).
        reset(&ds, &snap);
        let now = {
            let mut tx = ds.store().begin().unwrap();
            tx.group(&g10k.group_id).unwrap().unwrap()
        };
        let mut writes = batch.clone();
        for w in &mut writes {
            if let Write::PutGroup {
                record,
                expected_version,
            } = w
            {
                *expected_version = Some(now.version);
                record.version = now.version + 1;
                record.view_version = now.view_version + 1;
            }
        }
        let t = Instant::now();
        ds.store().begin().unwrap().commit(writes).unwrap();
        write.push(t.elapsed().as_secs_f64() * 1e3);
        // Warm: the engine holds the group's view (as it does between
        // commits): a refused commit (wrong sender) loads it.
        reset(&ds, &snap);
        let r = ds.send_commit(&other, NOW, update);
        assert!(matches!(r, Err(DsError::SenderMismatch)), "{r:?}");
        let t = Instant::now();
        ds.send_commit(&alice, NOW, update).unwrap();
        warm.push(t.elapsed().as_secs_f64() * 1e3);
        own_commit.push(*ds.store().last_commit.lock().unwrap());
        // Cold: restored from the store's records first.
        reset(&ds, &snap);
        let t = Instant::now();
        ds.send_commit(&alice, NOW, update).unwrap();
        cold.push(t.elapsed().as_secs_f64() * 1e3);
        // The validation alone.
        let mut view = restored(&snap);
        let t = Instant::now();
        let staged = view.stage_commit(&msg).unwrap();
        stage.push(t.elapsed().as_secs_f64() * 1e3);
        drop(staged);
        let t = Instant::now();
        let m = MlsMessage::from_bytes(&c.commit).unwrap();
        decode.push(t.elapsed().as_secs_f64() * 1e3);
        drop(m);
    }
    let (w, cl, s, d) = (stats(warm), stats(cold), stats(stage), stats(decode));
    let wr = stats(write);
    let ratio = w.median / s.median;
    row(
        rows,
        name,
        "(b) send_commit with path, group of 10,000 (view cached)",
        fmt_ms(w),
        format!("stage_commit {}", fmt_ms(s)),
        format!("{ratio:.2}×"),
        format!("≤ 1.5×: {}", verdict(ratio <= 1.5)),
    );
    let limit = s.median + wr.median;
    row(
        rows,
        name,
        "(b) same, against the physical limit: stage_commit + the raw store writing the same records",
        fmt_ms(w),
        format!(
            "{limit:.3} ms = stage_commit {:.3} + raw write {}",
            s.median,
            fmt_ms(wr)
        ),
        format!("{:.2}×", w.median / limit),
        format!(
            "engine's own: {:.3} ms (its store commit: {})",
            w.median - limit,
            fmt_ms(stats(own_commit))
        ),
    );
    row(
        rows,
        name,
        "(b) same, view restored from records",
        fmt_ms(cl),
        format!("(+ decode {})", fmt_ms(d)),
        format!("{:.2}×", cl.median / s.median),
        "(not a target)".into(),
    );
}

/// The bytes a write carries (records' values and messages).
fn write_bytes(w: &Write) -> usize {
    match w {
        Write::PutGroupState(s) => s.group_info.len(),
        Write::PutViewRecord { value, .. } => value.as_ref().map_or(0, Vec::len),
        Write::AppendMessage(m) => m.message.len(),
        Write::PutWelcome(m) => m.welcome.len(),
        Write::PutEpochTree(t) => t.tree.len(),
        Write::PutKeyPackage(k) => k.key_package.len(),
        _ => 0,
    }
}

// ------------------------------------------------------------------ (e)

fn memory(f: &Fixture, n: usize, c: Option<&CommitFixture>, rows: &mut Vec<Row>) {
    let ds = DeliveryService::new(MemoryStore::new(), RustCrypto, config());
    f.host(&ds);
    let snap = snapshot(&ds, &f.group_id);
    let view = restored(&snap);
    let state = view.to_state_bytes().unwrap().len();
    drop(view);
    let records: usize =
        snap.view.iter().map(|(_, v)| v.len()).sum::<usize>() + snap.state.group_info.len();
    let members: usize = {
        let mut tx = ds.store().begin().unwrap();
        let m: Vec<MemberRecord> = tx.members(&f.group_id).unwrap();
        m.iter()
            .map(|m| m.group_id.len() + m.client.0.len() + 4 * 8)
            .sum()
    };
    // The heap of one restored view.
    let before = live();
    let mut view = restored(&snap);
    // As the engine keeps it.
    view.set_compact_tree(true);
    let view_heap = live() - before;
    breakdown(n, &view, view_heap);
    compaction_costs(n, &mut view);
    drop(view);
    // The engine's cache: what a view loaded by a request keeps.
    let other = ClientId::from("m1");
    let cached = c.map(|c| {
        let update = GroupUpdate {
            commit: &c.stale,
            partial_group_info: &c.partial,
            welcome: None,
        };
        // Counts the rates once (their records exist afterwards).
        let _ = ds.send_commit(&other, NOW, update);
        let update = GroupUpdate {
            commit: &c.commit,
            ..update
        };
        let before = live();
        let r = ds.send_commit(&other, NOW, update);
        assert!(matches!(r, Err(DsError::SenderMismatch)), "{r:?}");
        live() - before
    });
    let heap = cached.unwrap_or(view_heap) as f64;
    let ratio = heap / state as f64;
    row(
        rows,
        "memory",
        &format!("(e) group of {n}: state {state} B; stored view + GroupInfo {records} B; memberships ≈ {members} B"),
        format!(
            "cached view {:.0} B{}",
            heap,
            if cached.is_some() { "" } else { " (restored view)" }
        ),
        format!("restored PublicGroup {view_heap} B"),
        format!("{ratio:.2}× state"),
        format!("≤ 2×: {}", verdict(ratio <= 2.0)),
    );
}

/// Where the bytes of a view go, per component and per member (stderr).
fn breakdown(n: usize, view: &PublicGroup<Suite>, total: isize) {
    let parts = view.heap_breakdown(&live);
    let per = |b: isize| b as f64 / n as f64;
    eprintln!(
        "\nview of a group of {n}: {total} B, {:.1} B per member",
        per(total)
    );
    eprintln!("| component | bytes | per member |");
    eprintln!("| --- | --- | --- |");
    let mut counted = 0;
    for (name, bytes) in parts {
        counted += bytes;
        eprintln!("| {name} | {bytes} | {:.1} |", per(bytes));
    }
    let rest = total - counted;
    eprintln!("| the rest (policy, struct) | {rest} | {:.1} |", per(rest));
}

/// What keeping the view compact costs (stderr): the scan each request
/// makes over a compact tree, a walk over every leaf (decoding each), and
/// compacting it again.
fn compaction_costs(n: usize, view: &mut PublicGroup<Suite>) {
    let t = Instant::now();
    for _ in 0..100 {
        view.set_compact_tree(true);
    }
    let scan = t.elapsed().as_secs_f64() * 1e6 / 100.0;
    let t = Instant::now();
    let walked = view.tree().members().count();
    let walk = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let _ = view.tree().members().count();
    let walk_decoded = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    view.set_compact_tree(true);
    let again = t.elapsed().as_secs_f64() * 1e3;
    eprintln!(
        "group of {n}: compact-tree scan {scan:.1} µs; walk over {walked} leaves decoding each \
         {walk:.2} ms (decoded: {walk_decoded:.3} ms); compacting them again {again:.2} ms"
    );
}

// ----------------------------------------------------------------- main

fn main() {
    let quick = std::env::var("DSBENCH_QUICK").as_deref() == Ok("1");
    let big: usize = std::env::var("DSBENCH_BIG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mem = Sizes {
        rounds: if quick { 3 } else { 7 },
        ops: if quick { 200 } else { 1000 },
        commits: if quick { 3 } else { 11 },
    };
    let sql = Sizes {
        rounds: if quick { 3 } else { 7 },
        ops: if quick { 50 } else { 200 },
        commits: if quick { 3 } else { 11 },
    };
    eprintln!("DS benchmark: files under {}", bench_dir().display());
    eprintln!("building fixtures");
    let mut g1k = fixture(1000, b"group of 1000");
    let mut gbig = fixture(big, b"group of 10000");
    let cbig = commit_fixture(&mut gbig);
    let app = msg_bytes(
        &g1k.alice
            .encrypt_application_message(&[7u8; 100], b"", &mut OsRng)
            .unwrap(),
    );
    eprintln!("application message: {} bytes", app.len());

    let mut rows = Vec::new();
    println!("| store | operation | engine | raw store | engine / raw | target |");
    println!("| --- | --- | --- | --- | --- | --- |");

    // DSBENCH_SECTION=memory: section (e) alone.
    if std::env::var("DSBENCH_SECTION").as_deref() == Ok("memory") {
        memory(&g1k, 1000, None, &mut rows);
        memory(&gbig, big, Some(&cbig), &mut rows);
        return;
    }

    let dir = bench_dir().join(format!("dsbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // DSBENCH_STORES: the stores to measure (default all:
    // "memory,sqlite,postgres").
    let only = std::env::var("DSBENCH_STORES").unwrap_or_default();
    let on = |s: &str| only.is_empty() || only.split(',').any(|o| o == s);
    if on("memory") {
        messages_and_claims(
            "MemoryStore",
            MemoryStore::new(),
            &g1k,
            &app,
            &mem,
            &mut rows,
        );
        commits(
            "MemoryStore",
            MemoryStore::new(),
            &gbig,
            &cbig,
            &mem,
            &mut rows,
        );
    }

    let sqlite = |name: &str| SqliteStore::open(dir.join(name)).unwrap();
    if on("sqlite") {
        messages_and_claims("SqliteStore", sqlite("a.db"), &g1k, &app, &sql, &mut rows);
        commits("SqliteStore", sqlite("b.db"), &gbig, &cbig, &sql, &mut rows);
    }

    #[cfg(feature = "postgres")]
    if on("postgres") {
        std::env::remove_var("MLS_SKIP_POSTGRES");
        let cluster = pg::cluster().expect("a PostgreSQL cluster");
        let pgs = || PostgresStore::connect(&cluster.new_database()).unwrap();
        messages_and_claims("PostgresStore", pgs(), &g1k, &app, &sql, &mut rows);
        commits("PostgresStore", pgs(), &gbig, &cbig, &sql, &mut rows);
    }
    #[cfg(not(feature = "postgres"))]
    eprintln!("PostgresStore: not measured (build with feature `postgres`)");

    if on("memory") {
        memory(&g1k, 1000, None, &mut rows);
        memory(&gbig, big, Some(&cbig), &mut rows);
    }

    let _ = std::fs::remove_dir_all(&dir);
    let missed = rows.iter().filter(|r| r.target.contains("MISSED")).count();
    println!("\n{missed} target(s) missed");
}
