//! Criterion version of the comparison (issue 8): the groups `floor` (raw
//! suite-1 primitives), `ours` and `peers` (OpenMLS, mls-rs) on the same
//! workloads as `cargo run -p benches --release --bin compare`, which adds
//! the floor and ratio table.
//!
//! ```sh
//! cargo bench -p benches --bench compare -- floor
//! BENCH_MAX_N=1000 cargo bench -p benches --bench compare -- ours/commit_process
//! ```
//!
//! `BENCH_MAX_N` (default 100 here: criterion's warm-up and sample counts
//! make N = 10,000 take long) and `BENCH_FULL_MAX_N` (default 1000) limit
//! the group sizes.

use std::time::Duration;

use benches::floor::Primitives;
use benches::workload::{Driver, Shape};
use benches::{mlsrs_peer, openmls_peer::OpenMls, ours::Ours};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn floor(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    g.sample_size(20).measurement_time(Duration::from_secs(2));
    let mut p = Primitives::new();
    let prims: [(&str, Prim); 16] = [
        ("x25519_keygen", Primitives::x25519_keygen),
        ("x25519_dh", Primitives::x25519_dh),
        ("hpke_seal", Primitives::hpke_seal),
        ("hpke_open", Primitives::hpke_open),
        ("hpke_derive_key_pair", Primitives::hpke_derive),
        ("ed25519_sign_128B", Primitives::sign),
        ("ed25519_sign_64KiB", Primitives::sign_big),
        ("ed25519_verify_128B", Primitives::verify),
        ("ed25519_verify_64KiB", Primitives::verify_big),
        ("ed25519_batch_verify_64", Primitives::batch_verify),
        ("sha256_128B", Primitives::sha256),
        ("sha256_64KiB", Primitives::sha256_big),
        ("hkdf_extract", Primitives::hkdf_extract),
        ("hkdf_expand_32B", Primitives::hkdf_expand),
        ("aes128gcm_32B", Primitives::aead),
        ("aes128gcm_64KiB", Primitives::aead_big),
    ];
    for (name, f) in prims {
        g.bench_function(name, |b| b.iter(|| f(&mut p)));
    }
    g.finish();
}

type Setup = fn(u32, Shape) -> Box<dyn Driver>;
type Op = fn(&mut dyn Driver) -> Duration;
type Prim = fn(&mut Primitives);

fn libs() -> [(&'static str, &'static str, Setup); 3] {
    [
        ("ours", "ours", |n, s| Box::new(Ours::setup(n, s))),
        ("peers", "openmls", |n, s| Box::new(OpenMls::setup(n, s))),
        ("peers", "mls-rs", mlsrs_peer::setup),
    ]
}

/// Runs `first` then `second` per iteration and reports the time of `which`.
fn pair(d: &mut dyn Driver, iters: u64, which: usize, ops: [Op; 2]) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let a = ops[0](d);
        let b = ops[1](d);
        total += if which == 0 { a } else { b };
    }
    total
}

fn workloads(c: &mut Criterion, group: &str) {
    let max_n = env_u32("BENCH_MAX_N", 100);
    let full_max = env_u32("BENCH_FULL_MAX_N", 1000);
    let pairs: [(&str, &str, [Op; 2]); 3] = [
        (
            "commit_create",
            "commit_process",
            [|d| d.commit_create(), |d| d.commit_process()],
        ),
        (
            "add_one",
            "join_welcome",
            [|d| d.add_one(), |d| d.join_welcome()],
        ),
        (
            "app_encrypt",
            "app_decrypt",
            [|d| d.app_encrypt(), |d| d.app_decrypt()],
        ),
    ];
    for (g_name, lib, setup) in libs() {
        if g_name != group {
            continue;
        }
        let mut g = c.benchmark_group(format!("{group}/{lib}"));
        g.sample_size(10).measurement_time(Duration::from_secs(3));
        for n in [2u32, 10, 100, 1000, 10_000]
            .into_iter()
            .filter(|&n| n <= max_n)
        {
            for shape in [Shape::Sparse, Shape::Full] {
                if shape == Shape::Full && n > full_max {
                    continue;
                }
                let mut d = setup(n, shape);
                for (a, b, ops) in pairs {
                    for (which, name) in [a, b].into_iter().enumerate() {
                        let id = BenchmarkId::new(name, format!("{}/{n}", shape.name()));
                        g.bench_function(id, |bch| {
                            bch.iter_custom(|iters| pair(d.as_mut(), iters, which, ops))
                        });
                    }
                }
            }
        }
        g.finish();
    }
}

fn ours(c: &mut Criterion) {
    workloads(c, "ours");
}

fn peers(c: &mut Criterion) {
    // One thread, as for our library: both peers parallelise with rayon
    // (see `src/bin/compare.rs`). Ignored if the global pool already exists.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
    workloads(c, "peers");
}

criterion_group!(benches, floor, ours, peers);
criterion_main!(benches);
