//! TreeKEM benchmarks: UpdatePath creation and processing, the tree hash
//! after one path update, importing a full tree, and the crypto floor of one
//! path (log2 N HPKE seals + log2 N DeriveKeyPair + one signature).
//!
//! `cargo bench -p benches --bench treekem`; `BENCH_MAX_LOG2=14` (default 16)
//! caps the tree sizes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use benches::{build, group_context, suite, Fixture, GROUP_ID};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mls_crypto::{labeled, CipherSuiteProvider, CipherSuiteProviderExt, Secret};
use mls_test_support::TestRng;
use mls_treekem::{LeafValidationOptions, RatchetTree, TreeImportParams, TreePrivateKeys};
use mls_types::tree_math::LeafIndex;

const SENDER: LeafIndex = LeafIndex(0);
const RECEIVER: LeafIndex = LeafIndex(1);

fn sizes() -> Vec<u32> {
    let max: u32 = std::env::var("BENCH_MAX_LOG2")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    [4u32, 10, 14, 16]
        .into_iter()
        .filter(|k| *k <= max)
        .collect()
}

/// Phase 1 + tree hash + phase 2 of an UpdatePath from `SENDER`.
fn create(fx: &mut Fixture, rng: &mut TestRng) -> (mls_treekem::UpdatePath, Vec<u8>) {
    let cs = suite();
    let template = fx.tree.leaf(SENDER).unwrap().clone();
    let key = &fx.signing_keys[SENDER.0 as usize];
    let pending = fx
        .tree
        .prepare_update_path(&cs, SENDER, template, key, GROUP_ID, rng)
        .unwrap();
    let hash = fx.tree.tree_hash(&cs).unwrap();
    let gc = group_context(&cs, &hash);
    let (path, _) = pending.encrypt(&cs, &fx.tree, &gc, &[], rng).unwrap();
    (path, gc)
}

fn bench_size(c: &mut Criterion, k: u32, quarter_blank: bool) {
    let cs = suite();
    let n = 1u32 << k;
    let label = if quarter_blank {
        "quarter_blank"
    } else {
        "full"
    };
    let started = Instant::now();
    let mut fx = build(n, quarter_blank);
    eprintln!(
        "built {label} tree of 2^{k} leaves in {:.1?}",
        started.elapsed()
    );
    let mut rng = TestRng::new(1);
    let small = k >= 14;

    let mut group = c.benchmark_group(format!("treekem_{label}"));
    if small {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_millis(500));
    }

    group.bench_function(
        BenchmarkId::new("create_update_path", format!("2^{k}")),
        |b| b.iter(|| black_box(create(&mut fx, &mut rng))),
    );

    // The receiver's tree and keys follow the sender's tree.
    let mut receiver_tree = fx.tree.clone();
    let leaf_public = receiver_tree.leaf(RECEIVER).unwrap().encryption_key.clone();
    let mut receiver_keys = TreePrivateKeys::new(
        RECEIVER,
        leaf_public,
        fx.leaf_keys[RECEIVER.0 as usize].clone(),
    );
    group.bench_function(
        BenchmarkId::new("apply_update_path", format!("2^{k}")),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (path, gc) = create(&mut fx, &mut rng);
                    let start = Instant::now();
                    let merged = receiver_tree
                        .merge_update_path(&cs, SENDER, &path, GROUP_ID, &[])
                        .unwrap();
                    let hash = receiver_tree.tree_hash(&cs).unwrap();
                    assert_eq!(gc, group_context(&cs, &hash));
                    let got = merged
                        .decrypt(&cs, &receiver_tree, &path, &mut receiver_keys, &gc)
                        .unwrap();
                    total += start.elapsed();
                    black_box(got);
                }
                total
            })
        },
    );

    group.bench_function(
        BenchmarkId::new("tree_hash_after_path", format!("2^{k}")),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let template = fx.tree.leaf(SENDER).unwrap().clone();
                    let key = &fx.signing_keys[SENDER.0 as usize];
                    let pending = fx
                        .tree
                        .prepare_update_path(&cs, SENDER, template, key, GROUP_ID, &mut rng)
                        .unwrap();
                    let start = Instant::now();
                    black_box(fx.tree.tree_hash(&cs).unwrap());
                    total += start.elapsed();
                    drop(pending);
                }
                total
            })
        },
    );

    let hash = fx.tree.tree_hash(&cs).unwrap();
    let bytes = fx.tree.to_extension_bytes().unwrap();
    let params = TreeImportParams {
        group_id: GROUP_ID,
        expected_tree_hash: &hash,
        required_capabilities: None,
        options: LeafValidationOptions::at(1_700_000_000),
    };
    group.bench_function(BenchmarkId::new("import_validate", format!("2^{k}")), |b| {
        b.iter(|| black_box(RatchetTree::import(&cs, &bytes, &params).unwrap()))
    });
    group.finish();
}

/// log2 N HPKE seals of a path secret + log2 N (DeriveSecret "node",
/// DeriveKeyPair, DeriveSecret "path") + one signature.
fn crypto_floor(c: &mut Criterion) {
    let cs = suite();
    let mut rng = TestRng::new(2);
    let recipient = cs.hpke_generate_key_pair(&mut rng).unwrap().public;
    let sig = cs.signature_generate(&mut rng).unwrap();
    let key = cs.signing_key(&sig.private).unwrap();
    let context = group_context(&cs, &[0u8; 32]);
    let message = vec![7u8; 300];
    let mut group = c.benchmark_group("crypto_floor");
    for k in sizes() {
        group.bench_function(BenchmarkId::new("one_path", format!("2^{k}")), |b| {
            b.iter(|| {
                let mut secret = Secret::from(vec![1u8; cs.hash_len()]);
                for _ in 0..k {
                    let node = labeled::derive_secret(&cs, secret.as_bytes(), b"node").unwrap();
                    black_box(cs.hpke_derive_key_pair(node.as_bytes()).unwrap());
                    let ct = labeled::encrypt_with_label(
                        &cs,
                        &recipient,
                        b"UpdatePathNode",
                        &context,
                        secret.as_bytes(),
                        &mut rng,
                    )
                    .unwrap();
                    black_box(ct);
                    secret = labeled::derive_secret(&cs, secret.as_bytes(), b"path").unwrap();
                }
                black_box(cs.sign(&key, &message).unwrap())
            })
        });
    }
    group.finish();
}

fn treekem(c: &mut Criterion) {
    crypto_floor(c);
    for k in sizes() {
        bench_size(c, k, false);
        bench_size(c, k, true);
    }
}

criterion_group!(benches, treekem);
criterion_main!(benches);
