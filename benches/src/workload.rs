//! The comparative workloads (issue 8), one driver per library.
//!
//! Every driver holds two members of one group: the *committer* (leaf 0,
//! the creator) and the *processor* (the last leaf). Each timed step
//! returns the duration of the measured operation only; the bookkeeping
//! that keeps the group in the same shape between samples (merging our own
//! commit, clearing an add commit that only served the join, making a fresh
//! KeyPackage) is done outside the timed region. So a sample chain is:
//!
//! * `commit_create` then `commit_process`: leaf 0 creates an empty commit
//!   with path (serialised); it merges it untimed; the last leaf
//!   deserialises, processes and merges it (timed). The tree keeps its
//!   shape: leaf 0's copath nodes are the same before and after.
//! * `add_one` then `join_welcome`: a fresh KeyPackage (made untimed) is
//!   parsed from bytes, validated and committed as one Add (no path) with
//!   a Welcome carrying the ratchet tree (timed); the new member joins from
//!   the Welcome bytes (timed); the committer then drops the pending commit.
//! * `app_encrypt` / `app_decrypt`: leaf 0 encrypts 1 KiB, the last leaf
//!   decrypts it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The two tree shapes of the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The creator adds N−1 members in one commit: every parent node blank.
    Sparse,
    /// Every parent node set, no unmerged leaves. Built as a chain: member
    /// k commits "Add(k+1)" with a path, member k+1 joins from the Welcome
    /// and commits the next add, and so on; leaf 0 processes every commit.
    /// Only leaf 0 and the newest member hold state, so the build costs N
    /// joins (each validating a tree of k leaves) rather than N² commit
    /// processings.
    Full,
}

impl Shape {
    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Sparse => "sparse",
            Shape::Full => "full",
        }
    }
}

/// The workloads, in table order.
pub const WORKLOADS: [&str; 8] = [
    "commit_create",
    "commit_process",
    "add_one",
    "join_welcome",
    "app_encrypt",
    "app_decrypt",
    "state_bytes",
    "state_delta",
];

/// One library's driver (see the module documentation).
pub trait Driver {
    /// Leaf 0 creates (and serialises) an empty commit with path.
    fn commit_create(&mut self) -> Duration;
    /// Leaf 0 merges the commit (untimed); the last leaf parses, processes
    /// and merges it (timed).
    fn commit_process(&mut self) -> Duration;
    /// Leaf 0 adds one member from its KeyPackage bytes: commit + Welcome.
    fn add_one(&mut self) -> Duration;
    /// The new member joins from the Welcome bytes; leaf 0 drops the add.
    fn join_welcome(&mut self) -> Duration;
    /// Leaf 0 encrypts a 1 KiB application message.
    fn app_encrypt(&mut self) -> Duration;
    /// The last leaf decrypts it.
    fn app_decrypt(&mut self) -> Duration;
    /// The last leaf's persisted state in bytes, and how many bytes of it
    /// are written when it merges one more commit.
    fn state_bytes(&mut self) -> (usize, usize);
    /// The sizes of the last commit and Welcome, when the driver records
    /// them (ours, for the floor's per-byte terms).
    fn message_sizes(&self) -> Option<(usize, usize)> {
        None
    }
}

/// The 1 KiB application payload.
pub const APP_MESSAGE: [u8; 1024] = [0x42; 1024];

/// Sampling: at least `min` and at most `max` samples, stopping early once
/// `budget` is spent.
#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    /// Minimum samples.
    pub min: usize,
    /// Maximum samples.
    pub max: usize,
    /// Time budget per pair of workloads.
    pub budget: Duration,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            min: 3,
            max: 21,
            budget: Duration::from_secs(2),
        }
    }
}

/// Medians and minima (µs) of every timed workload, and the state sizes.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// (workload, median µs or bytes).
    pub values: Vec<(&'static str, f64)>,
    /// (workload, minimum µs) of the timed workloads.
    pub mins: Vec<(&'static str, f64)>,
}

impl Results {
    /// The value (median) of `workload`.
    pub fn get(&self, workload: &str) -> Option<f64> {
        self.values
            .iter()
            .find(|(w, _)| *w == workload)
            .map(|(_, v)| *v)
    }

    /// The minimum of `workload`'s samples.
    pub fn min(&self, workload: &str) -> Option<f64> {
        self.mins
            .iter()
            .find(|(w, _)| *w == workload)
            .map(|(_, v)| *v)
    }

    fn push(&mut self, workload: &'static str, m: Measured) {
        self.values.push((workload, m.median));
        self.mins.push((workload, m.min));
    }
}

/// The median and minimum of one workload's samples, in µs.
#[derive(Debug, Clone, Copy)]
struct Measured {
    median: f64,
    min: f64,
}

/// The median of `samples`, in µs.
pub fn median_us(samples: &mut [Duration]) -> f64 {
    samples.sort();
    let n = samples.len();
    let mid = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2
    };
    mid.as_secs_f64() * 1e6
}

fn measured(samples: &mut [Duration]) -> Measured {
    let median = median_us(samples);
    Measured {
        median,
        min: samples[0].as_secs_f64() * 1e6,
    }
}

fn pair(
    s: Sampling,
    d: &mut dyn Driver,
    a: fn(&mut dyn Driver) -> Duration,
    b: fn(&mut dyn Driver) -> Duration,
) -> (Measured, Measured) {
    let start = Instant::now();
    let (mut xa, mut xb) = (Vec::new(), Vec::new());
    while xa.len() < s.max && (xa.len() < s.min || start.elapsed() < s.budget) {
        xa.push(a(d));
        xb.push(b(d));
    }
    (measured(&mut xa), measured(&mut xb))
}

/// Whether the pair `name` (`commit`, `add`, `app` or `state`) is to be
/// run: every pair unless `BENCH_ONLY` (a comma-separated list of them)
/// says otherwise.
pub fn wanted(name: &str) -> bool {
    match std::env::var("BENCH_ONLY") {
        Ok(only) => only.split(',').any(|x| x.trim() == name),
        Err(_) => true,
    }
}

/// Runs every workload on `d` (those `BENCH_ONLY` selects, see [`wanted`]).
pub fn run(d: &mut dyn Driver, s: Sampling) -> Results {
    let mut r = Results::default();
    if wanted("commit") {
        let (a, b) = pair(s, d, |d| d.commit_create(), |d| d.commit_process());
        r.push("commit_create", a);
        r.push("commit_process", b);
    }
    if wanted("add") {
        let (a, b) = pair(s, d, |d| d.add_one(), |d| d.join_welcome());
        r.push("add_one", a);
        r.push("join_welcome", b);
    }
    if wanted("app") {
        let app = Sampling {
            min: s.min.max(11),
            max: s.max.max(101),
            ..s
        };
        let (a, b) = pair(app, d, |d| d.app_encrypt(), |d| d.app_decrypt());
        r.push("app_encrypt", a);
        r.push("app_decrypt", b);
    }
    if wanted("state") {
        let (size, delta) = d.state_bytes();
        r.values.push(("state_bytes", size as f64));
        r.values.push(("state_delta", delta as f64));
    }
    r
}

/// Runs only the workloads that the parallel mode can speed up:
/// `commit_create`/`commit_process` and `add_one`/`join_welcome`.
pub fn run_commit_and_join(d: &mut dyn Driver, s: Sampling) -> Results {
    let mut r = Results::default();
    let (a, b) = pair(s, d, |d| d.commit_create(), |d| d.commit_process());
    r.push("commit_create", a);
    r.push("commit_process", b);
    let (a, b) = pair(s, d, |d| d.add_one(), |d| d.join_welcome());
    r.push("add_one", a);
    r.push("join_welcome", b);
    r
}

/// Whether [`timed`] reads the calling thread's CPU time rather than the
/// wall clock (see [`use_thread_cpu_clock`]).
static THREAD_CPU_CLOCK: AtomicBool = AtomicBool::new(false);

/// Makes [`timed`] measure the CPU time of the calling thread
/// (`CLOCK_THREAD_CPUTIME_ID`: user and system time, page faults included)
/// instead of the wall clock. Only for single-threaded runs: on a shared
/// machine it leaves out the time other processes take the core, but it
/// does not see work done on other threads.
pub fn use_thread_cpu_clock(on: bool) {
    THREAD_CPU_CLOCK.store(on, Ordering::Relaxed);
}

/// Whether [`timed`] measures thread CPU time.
pub fn thread_cpu_clock() -> bool {
    THREAD_CPU_CLOCK.load(Ordering::Relaxed)
}

/// The CPU time the calling thread has run.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Whether [`timed`] settles the allocator first (see [`settle_allocator`]).
static SETTLE: AtomicBool = AtomicBool::new(true);

/// Turns [`settle_allocator`] before each timed region on or off (on by
/// default; `BENCH_SETTLE=0` in `compare` turns it off).
pub fn use_settle(on: bool) {
    SETTLE.store(on, Ordering::Relaxed);
}

/// Makes glibc's malloc consolidate the small chunks freed so far on this
/// thread's arena, before the clock starts: one 64 KiB allocation (below
/// the mmap threshold, in the large-bin range) runs `malloc_consolidate`
/// when the fast bins hold chunks.
///
/// Both members of a driver live in one process, and the bookkeeping
/// between timed regions frees whole group states: mls-rs's
/// `apply_pending_commit` decodes and drops a copy of the committer's
/// state, every driver drops the joined group after `join_welcome`. Left
/// alone, glibc defers the consolidation of those tens of thousands of
/// freed chunks to the next large allocation — inside the next timed
/// region, which then pays for another member's work (in a real
/// deployment, another process). Measured on mls-rs at N = 10,000 sparse:
/// `malloc_consolidate` was 20% of `commit_process`'s samples.
pub fn settle_allocator() {
    let v: Vec<u8> = Vec::with_capacity(64 * 1024);
    std::hint::black_box(&v);
    drop(v);
}

/// Times `f` (wall clock, or thread CPU time after
/// [`use_thread_cpu_clock`]), after [`settle_allocator`].
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    if SETTLE.load(Ordering::Relaxed) {
        settle_allocator();
    }
    if thread_cpu_clock() {
        let start = thread_cpu_time();
        let out = f();
        return (out, thread_cpu_time().saturating_sub(start));
    }
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}
