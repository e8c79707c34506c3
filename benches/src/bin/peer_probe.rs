//! Diagnostic for issue 16 ("an honest comparison table"): mls-rs
//! `commit_process` and `add_one` (with their partners `commit_create` and
//! `join_welcome`) at one N, sparse, under variations of the driver
//! (`PROBE_VARIANTS`, comma-separated): `1` in a one-thread rayon pool, `g`
//! in a pool of every core, `m` on the main thread; a `p` suffix makes both
//! members `write_to_storage` after every merge. `BENCH_CLOCK=cpu` times
//! with the thread's CPU time (meaningless for `g` and `m`, whose work may
//! run on other threads), `BENCH_SETTLE=0` skips the allocator settling
//! (`workload::settle_allocator`). `PROBE_TRIM=1` runs `malloc_trim(0)`
//! once after the setup (a heap without the setup's holes); `PROBE_ONLY`
//! (`commit` or `add`) runs one pair.
//!
//! ```sh
//! PROBE_N=10000 PROBE_SAMPLES=11 cargo run -p benches --release --bin peer_probe
//! ```

use std::time::{Duration, Instant};

use benches::mlsrs_peer;
use benches::workload::{Driver, Shape};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "min {:.2} med {:.2} max {:.2} ms",
        ms(v[0]),
        ms(v[v.len() / 2]),
        ms(v[v.len() - 1])
    )
}

fn probe(d: &mut dyn Driver, samples: usize) {
    if std::env::var("PROBE_TRIM").is_ok_and(|v| v == "1") {
        // SAFETY: no preconditions.
        unsafe { libc::malloc_trim(0) };
        println!("  malloc_trim(0) after setup");
    }
    let only = std::env::var("PROBE_ONLY").unwrap_or_default();
    if only.is_empty() || only == "commit" {
        let (mut cc, mut cp) = (vec![], vec![]);
        for _ in 0..samples {
            cc.push(d.commit_create());
            cp.push(d.commit_process());
        }
        println!("  commit_create  {}", stats(cc));
        println!("  commit_process {}", stats(cp));
    }
    if only.is_empty() || only == "add" {
        let (mut ad, mut jw) = (vec![], vec![]);
        for _ in 0..samples {
            ad.push(d.add_one());
            jw.push(d.join_welcome());
        }
        println!("  add_one        {}", stats(ad));
        println!("  join_welcome   {}", stats(jw));
    }
}

fn main() {
    let n = env_u64("PROBE_N", 10_000) as u32;
    let samples = env_u64("PROBE_SAMPLES", 11) as usize;
    let variants = std::env::var("PROBE_VARIANTS").unwrap_or_else(|_| "1,1p,g,gp".into());
    let cpu = std::env::var("BENCH_CLOCK").is_ok_and(|c| c == "cpu");
    benches::workload::use_thread_cpu_clock(cpu);
    let settle = std::env::var("BENCH_SETTLE").map_or(true, |v| v != "0");
    benches::workload::use_settle(settle);
    println!("settle allocator: {settle}");
    println!("clock: {}", if cpu { "thread CPU time" } else { "wall" });
    for v in variants.split(',') {
        if v.starts_with('m') {
            // On the main thread, outside any pool (mls-rs's parallel
            // iterators then use the global pool).
            let persist = v.ends_with('p');
            println!("mls-rs n={n} sparse, main thread, persist={persist}");
            let t = Instant::now();
            let mut d = mlsrs_peer::setup_with(n, Shape::Sparse, persist);
            println!("  setup {:.1} s", t.elapsed().as_secs_f64());
            probe(d.as_mut(), samples);
            continue;
        }
        let threads = if v.starts_with('g') { 0 } else { 1 };
        let persist = v.ends_with('p');
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        println!(
            "mls-rs n={n} sparse, pool of {} thread(s), persist={persist}",
            pool.current_num_threads()
        );
        pool.install(|| {
            let t = Instant::now();
            let mut d = mlsrs_peer::setup_with(n, Shape::Sparse, persist);
            println!("  setup {:.1} s", t.elapsed().as_secs_f64());
            probe(d.as_mut(), samples);
        });
    }
}
