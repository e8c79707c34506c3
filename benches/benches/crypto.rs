//! Micro-benchmarks of the provider's batch operations:
//! `cargo bench -p benches --bench crypto` (kept here, not in
//! `mls-rustcrypto`, so that criterion is not a dev-dependency of the
//! library crates: the README test command does not build it).
//!
//! - `verify_batch/{1000,10000}`: Ed25519 (suite 1) batch verification of
//!   honest signatures, each under its own key (as the leaves of a ratchet
//!   tree), with one-by-one verification of the same items for reference;
//!   divide by the item count for the cost per signature.
//! - `hpke_seal`: one X25519 SealBase of 100 bytes, and a batch of 64
//!   (the Encaps done as one batch).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mls_crypto::{
    batch, CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, HpkePublicKey, SignatureItem,
    SignaturePublicKey,
};
use mls_rustcrypto::RustCryptoSuite;
use mls_test_support::TestRng;
use std::hint::black_box;
use std::time::Duration;

fn signed(
    cs: &RustCryptoSuite,
    n: usize,
    rng: &mut TestRng,
) -> Vec<(SignaturePublicKey, Vec<u8>, Vec<u8>)> {
    (0..n)
        .map(|_| {
            let kp = cs.signature_generate(rng).unwrap();
            let sk = cs.signing_key(&kp.private).unwrap();
            let msg = rng.bytes(120);
            let sig = cs.sign(&sk, &msg).unwrap();
            (kp.public, msg, sig)
        })
        .collect()
}

fn verify(c: &mut Criterion) {
    let cs = RustCryptoSuite::new(CipherSuite(1)).unwrap();
    let mut rng = TestRng::new(1);
    let all = signed(&cs, 10_000, &mut rng);
    let mut g = c.benchmark_group("verify_batch");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    for n in [1_000usize, 10_000] {
        let items: Vec<SignatureItem<'_>> = all[..n]
            .iter()
            .map(|(pk, m, s)| SignatureItem {
                public_key: pk,
                message: m,
                signature: s,
            })
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("batch", n), &items, |b, items| {
            b.iter(|| cs.verify_batch(black_box(items)).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("one_by_one", n), &items, |b, items| {
            b.iter(|| batch::verify_each(&cs, black_box(items)).unwrap())
        });
    }
    g.finish();
}

fn seal(c: &mut Criterion) {
    let cs = RustCryptoSuite::new(CipherSuite(1)).unwrap();
    let mut rng = TestRng::new(2);
    let keys: Vec<HpkePublicKey> = (0..64)
        .map(|_| cs.hpke_generate_key_pair(&mut rng).unwrap().public)
        .collect();
    let pt = [7u8; 100];
    let mut g = c.benchmark_group("hpke_seal");
    g.sample_size(30);
    g.bench_function("one", |b| {
        b.iter(|| {
            cs.hpke_seal(&keys[0], b"info", b"aad", black_box(&pt), &mut rng)
                .unwrap()
        })
    });
    let items: Vec<(&HpkePublicKey, &[u8])> = keys.iter().map(|k| (k, &pt[..])).collect();
    g.throughput(Throughput::Elements(items.len() as u64));
    g.bench_function("batch_64", |b| {
        b.iter(|| {
            cs.hpke_seal_batch_parts(&[b"info"], b"aad", black_box(&items), &mut rng)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, verify, seal);
criterion_main!(benches);
