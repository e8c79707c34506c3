//! Prints one table comparing our library with OpenMLS and mls-rs on the
//! workloads of issue 8 (suite 1, one thread), with the cryptographic
//! floor of each workload.
//!
//! ```sh
//! cargo run -p benches --release --bin compare
//! BENCH_MAX_N=100 cargo run -p benches --release --bin compare   # quick run
//! ```
//!
//! Environment (all optional):
//! * `BENCH_MAX_N` — largest N (default 10000; N runs over 2, 10, 100, 1000, 10000);
//! * `BENCH_MIN_N` — smallest N (default 2), to repeat only the large rows;
//! * `BENCH_FULL_MAX_N` — largest N of the full shape (default 1000);
//! * `BENCH_LIBS` — comma-separated subset of `ours,openmls,mls-rs`;
//! * `BENCH_SAMPLES` — maximum samples per workload (default 21, at least 3
//!   are always taken), `BENCH_BUDGET_MS` — time budget per workload pair
//!   after the first 3 samples (default 2000);
//! * `BENCH_ONLY` — comma-separated subset of the workload pairs `commit`
//!   (`commit_create`, `commit_process`), `add` (`add_one`,
//!   `join_welcome`), `app` (`app_encrypt`, `app_decrypt`) and `state`;
//! * `BENCH_THREADS` — with a value k > 1, a second table: `commit_create`
//!   (HPKE seals) and `join_welcome` (batch verification of the tree's leaf
//!   signatures) with our suite on k threads (`RustCryptoSuite::with_threads`,
//!   `parallel` feature of `mls-rustcrypto`) and the peers in a k-thread rayon
//!   pool, next to our one-thread numbers. Sets up a second group of each
//!   size per library.
//!
//! * `BENCH_CLOCK` — `wall` (default) or `cpu`: the one-thread table is
//!   timed with the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which a
//!   busy machine does not inflate; the parallel table is always wall time;
//! * `BENCH_SETTLE=0` — do not settle the allocator before each timed
//!   region (see `workload::settle_allocator`).
//!
//! One thread means one thread for the peers too: openmls (always) and
//! mls-rs (default `rayon` feature) parallelise HPKE seals, tree hashing and
//! signature checks with rayon, whose global pool would use every core. All
//! three libraries' setup and workloads therefore run inside one one-thread
//! rayon pool (`ThreadPool::install`: the same kind of thread and malloc
//! arena for all), and inside a k-thread pool for the parallel table, whose
//! rows are `commit_create`, `commit_process`, `add_one` and `join_welcome`.
//!
//! Every timed cell is the median of the samples with the minimum in
//! brackets.
//!
//! `--max-n N` overrides `BENCH_MAX_N`. Progress goes to stderr, the
//! Markdown table to stdout.

use std::time::{Duration, Instant};

use benches::floor::{self, Costs, Sizes};
use benches::mlsrs_peer;
use benches::openmls_peer::OpenMls;
use benches::ours::Ours;
use benches::workload::{
    self, run, run_commit_and_join, Driver, Results, Sampling, Shape, WORKLOADS,
};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `median [min]`.
fn fmt_med_min(med: Option<f64>, min: Option<f64>) -> String {
    match min {
        Some(_) => format!("{} [{}]", fmt_us(med), fmt_us(min)),
        None => fmt_us(med),
    }
}

fn fmt_us(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 10_000.0 => format!("{:.1} ms", v / 1000.0),
        Some(v) if v >= 1000.0 => format!("{:.2} ms", v / 1000.0),
        Some(v) => format!("{v:.1} µs"),
    }
}

fn fmt_bytes(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 1e6 => format!("{:.2} MB", v / 1e6),
        Some(v) if v >= 1e4 => format!("{:.1} kB", v / 1e3),
        Some(v) => format!("{v:.0} B"),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".into(),
    }
}

struct Row {
    workload: &'static str,
    n: u32,
    shape: Shape,
    ours: Option<f64>,
    openmls: Option<f64>,
    mlsrs: Option<f64>,
    /// Minima of ours, openmls, mls-rs.
    mins: [Option<f64>; 3],
    floor: Option<f64>,
    floor_batch: Option<f64>,
}

/// A row of the parallel-mode table: workload, N, shape, our median on
/// one thread and on `BENCH_THREADS` threads.
struct ParallelRow {
    workload: &'static str,
    n: u32,
    shape: Shape,
    ours_one: Option<f64>,
    ours: Option<f64>,
    openmls: Option<f64>,
    mlsrs: Option<f64>,
    /// Minima of ours (k threads), openmls, mls-rs.
    mins: [Option<f64>; 3],
}

/// A rayon pool of `threads` threads (the peers' parallelism).
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool")
}

/// Sets up and runs a library inside `pool`, printing progress. Ours runs
/// with `threads` threads of its own suite; `sizes` gets the sizes of its
/// last commit and Welcome (for the floor).
#[allow(clippy::too_many_arguments)]
fn run_lib(
    pool: &rayon::ThreadPool,
    label: &str,
    threads: usize,
    n: u32,
    shape: Shape,
    only_commit_and_join: bool,
    sampling: Sampling,
    sizes: &mut Sizes,
) -> Results {
    let lib = label.to_string();
    pool.install(move || {
        eprint!("{lib} n={n} {}: setup", shape.name());
        let t = Instant::now();
        let mut d: Box<dyn Driver> = if lib.starts_with("openmls") {
            Box::new(OpenMls::setup(n, shape))
        } else if lib.starts_with("ours") {
            Box::new(Ours::setup_with_threads(n, shape, threads))
        } else {
            mlsrs_peer::setup(n, shape)
        };
        eprint!(" {:.1}s, run", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let r = if only_commit_and_join {
            run_commit_and_join(d.as_mut(), sampling)
        } else {
            run(d.as_mut(), sampling)
        };
        eprintln!(" {:.1}s", t.elapsed().as_secs_f64());
        if let Some((commit, welcome)) = d.message_sizes() {
            *sizes = Sizes {
                commit: commit as f64,
                welcome: welcome as f64,
            };
        }
        r
    })
}

fn main() {
    let mut max_n = env_u64("BENCH_MAX_N", 10_000);
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--max-n") {
        max_n = args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .expect("--max-n N");
    }
    let min_n = env_u64("BENCH_MIN_N", 2);
    let full_max = env_u64("BENCH_FULL_MAX_N", 1000);
    let libs = std::env::var("BENCH_LIBS").unwrap_or_else(|_| "ours,openmls,mls-rs".into());
    let want = |l: &str| libs.split(',').any(|x| x.trim() == l);
    let sampling = Sampling {
        max: env_u64("BENCH_SAMPLES", 21) as usize,
        budget: Duration::from_millis(env_u64("BENCH_BUDGET_MS", 2000)),
        ..Sampling::default()
    };
    let threads = env_u64("BENCH_THREADS", 1) as usize;
    let cpu_clock = std::env::var("BENCH_CLOCK").is_ok_and(|c| c == "cpu");
    workload::use_settle(std::env::var("BENCH_SETTLE").map_or(true, |v| v != "0"));
    let started = Instant::now();
    let mut parallel_rows: Vec<ParallelRow> = Vec::new();
    let one = pool(1);
    let many = (threads > 1).then(|| pool(threads));

    eprintln!("measuring the primitives");
    workload::use_thread_cpu_clock(cpu_clock);
    let costs: Costs = floor::measure();
    let mut rows = Vec::new();
    for n in [2u32, 10, 100, 1000, 10_000] {
        if n as u64 > max_n {
            break;
        }
        if (n as u64) < min_n {
            continue;
        }
        for shape in [Shape::Sparse, Shape::Full] {
            if shape == Shape::Full && n as u64 > full_max {
                continue;
            }
            let mut sizes = Sizes::default();
            let mut res: [Option<Results>; 3] = [None, None, None];
            workload::use_thread_cpu_clock(cpu_clock);
            for (i, lib) in ["ours", "openmls", "mls-rs"].into_iter().enumerate() {
                if want(lib) {
                    let label = format!("{lib:<7}");
                    let r = run_lib(&one, &label, 1, n, shape, false, sampling, &mut sizes);
                    res[i] = Some(r);
                }
            }
            if threads > 1 {
                // Several threads: wall time.
                workload::use_thread_cpu_clock(false);
                let mut par: [Option<Results>; 3] = [None, None, None];
                let k = many.as_ref().expect("pool");
                let mut ignored = Sizes::default();
                for (i, lib) in ["ours", "openmls", "mls-rs"].into_iter().enumerate() {
                    if want(lib) {
                        let label = format!("{lib} ×{threads}");
                        let r = run_lib(k, &label, threads, n, shape, true, sampling, &mut ignored);
                        par[i] = Some(r);
                    }
                }
                for w in ["commit_create", "commit_process", "add_one", "join_welcome"] {
                    let get = |r: &Option<Results>| r.as_ref().and_then(|r| r.get(w));
                    let min = |r: &Option<Results>| r.as_ref().and_then(|r| r.min(w));
                    parallel_rows.push(ParallelRow {
                        workload: w,
                        n,
                        shape,
                        ours_one: get(&res[0]),
                        ours: get(&par[0]),
                        openmls: get(&par[1]),
                        mlsrs: get(&par[2]),
                        mins: [min(&par[0]), min(&par[1]), min(&par[2])],
                    });
                }
            }
            for w in WORKLOADS {
                if res.iter().flatten().all(|r| r.get(w).is_none()) {
                    continue;
                }
                let get = |i: usize| res[i].as_ref().and_then(|r| r.get(w));
                let min = |i: usize| res[i].as_ref().and_then(|r| r.min(w));
                let count = floor::counts(w, n, shape == Shape::Full, sizes);
                rows.push(Row {
                    workload: w,
                    n,
                    shape,
                    ours: get(0),
                    openmls: get(1),
                    mlsrs: get(2),
                    mins: [min(0), min(1), min(2)],
                    floor: count.as_ref().map(|c| c.cost(&costs, false)),
                    floor_batch: count.as_ref().map(|c| c.cost(&costs, true)),
                });
            }
        }
    }

    println!("## Primitives (suite 1, median µs)\n");
    println!("| primitive | µs |\n|---|---:|");
    for (name, v) in [
        ("X25519 keygen", costs.x25519_keygen),
        ("X25519 DH", costs.x25519_dh),
        ("HPKE seal (32 B)", costs.hpke_seal),
        (
            "HPKE seal, per seal in a batch of 256 (32 B each)",
            costs.hpke_seal_batch,
        ),
        ("HPKE open (32 B)", costs.hpke_open),
        ("HPKE DeriveKeyPair", costs.hpke_derive),
        ("Ed25519 sign (128 B)", costs.sign),
        ("Ed25519 verify (128 B)", costs.verify),
        (
            "Ed25519 batch verify, per signature (256, keys decoded)",
            costs.batch_verify,
        ),
        ("Ed25519 sign, per KiB more", costs.sign_per_byte * 1024.0),
        (
            "Ed25519 verify, per KiB more",
            costs.verify_per_byte * 1024.0,
        ),
        ("SHA-256 (128 B)", costs.sha256),
        ("SHA-256, per KiB", costs.sha256_per_byte * 1024.0),
        ("HKDF-Extract", costs.hkdf_extract),
        ("HKDF-Expand (32 B)", costs.hkdf_expand),
        ("AES-128-GCM seal (32 B)", costs.aead),
        ("AES-128-GCM, per KiB", costs.aead_per_byte * 1024.0),
    ] {
        println!("| {name} | {v:.2} |");
    }
    println!(
        "\n## Workloads (median [minimum]; one thread, {} clock)\n",
        if cpu_clock { "thread CPU time" } else { "wall" }
    );
    println!(
        "| workload | N | shape | ours | openmls | mls-rs | ours / best peer | floor | ours / floor |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let best = match (r.openmls, r.mlsrs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let bytes = r.workload.starts_with("state");
        let f = if bytes { fmt_bytes } else { fmt_us };
        let batched = matches!(r.workload, "join_welcome" | "commit_create");
        let (floor, vs_floor) = if batched {
            (
                format!("{} (batch {})", fmt_us(r.floor), fmt_us(r.floor_batch)),
                format!(
                    "{} (batch {})",
                    ratio(r.ours, r.floor),
                    ratio(r.ours, r.floor_batch)
                ),
            )
        } else {
            (
                if bytes { "–".into() } else { fmt_us(r.floor) },
                ratio(r.ours, r.floor),
            )
        };
        let cell = |v: Option<f64>, m: Option<f64>| {
            if bytes {
                f(v)
            } else {
                fmt_med_min(v, m)
            }
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.workload,
            r.n,
            r.shape.name(),
            cell(r.ours, r.mins[0]),
            cell(r.openmls, r.mins[1]),
            cell(r.mlsrs, r.mins[2]),
            ratio(r.ours, best),
            floor,
            vs_floor
        );
    }
    if !parallel_rows.is_empty() {
        println!(
            "\n## Parallel mode ({threads} threads, `BENCH_THREADS={threads}`; wall clock, \
             median [minimum])\n"
        );
        println!(
            "| workload | N | shape | ours, 1 thread | ours, {threads} threads | speed-up | \
             openmls, {threads} threads | mls-rs, {threads} threads | ours / best peer |"
        );
        println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        for r in &parallel_rows {
            let best = match (r.openmls, r.mlsrs) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.workload,
                r.n,
                r.shape.name(),
                fmt_us(r.ours_one),
                fmt_med_min(r.ours, r.mins[0]),
                ratio(r.ours_one, r.ours),
                fmt_med_min(r.openmls, r.mins[1]),
                fmt_med_min(r.mlsrs, r.mins[2]),
                ratio(r.ours, best)
            );
        }
    }
    println!(
        "\n`state_bytes`: the last leaf's persisted state; `state_delta`: the bytes written \
         when it merges one commit. Total time: {:.0} s.",
        started.elapsed().as_secs_f64()
    );
}
