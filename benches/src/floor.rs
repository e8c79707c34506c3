//! The cryptographic floor: the cost of the raw suite-1 primitives, and
//! each workload's exact count of primitive calls (RFC 9420), from which
//! its floor is computed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt, HpkePublicKey, SignaturePublicKey};
use mls_test_support::TestRng;

use crate::suite;

/// Median cost of each primitive, in µs (per byte for the `_per_byte` ones).
#[derive(Debug, Clone, Default)]
pub struct Costs {
    /// X25519 key generation (scalar base multiplication).
    pub x25519_keygen: f64,
    /// X25519 Diffie-Hellman.
    pub x25519_dh: f64,
    /// HPKE SealBase of 32 bytes (ephemeral keygen, encap DH, key schedule, AEAD).
    pub hpke_seal: f64,
    /// HPKE SealBase of 32 bytes, per seal, in a batch of [`BATCH`] seals to
    /// distinct recipients (`hpke_seal_batch`, as an UpdatePath does).
    pub hpke_seal_batch: f64,
    /// HPKE OpenBase of 32 bytes.
    pub hpke_open: f64,
    /// HPKE DeriveKeyPair (RFC 9180 §7.1.3).
    pub hpke_derive: f64,
    /// Ed25519 sign of a 128-byte message (key already expanded).
    pub sign: f64,
    /// Ed25519 verify of a 128-byte message (public key from bytes).
    pub verify: f64,
    /// Ed25519 batch verify, per signature, batches of [`BATCH`], each
    /// public key decoded from its bytes (as a tree's keys must be).
    pub batch_verify: f64,
    /// Extra signing cost per message byte (two SHA-512 passes).
    pub sign_per_byte: f64,
    /// Extra verification cost per message byte (one SHA-512 pass).
    pub verify_per_byte: f64,
    /// SHA-256 of 128 bytes.
    pub sha256: f64,
    /// SHA-256 per byte (64 KiB input).
    pub sha256_per_byte: f64,
    /// HKDF-Extract (32-byte salt and ikm).
    pub hkdf_extract: f64,
    /// HKDF-Expand to 32 bytes, with a short label.
    pub hkdf_expand: f64,
    /// AES-128-GCM seal of 32 bytes.
    pub aead: f64,
    /// AES-128-GCM per byte (64 KiB input).
    pub aead_per_byte: f64,
}

/// Median time of `f` in µs, over `samples` batches of `batch` calls (wall
/// clock, or this thread's CPU time after
/// [`use_thread_cpu_clock`](crate::workload::use_thread_cpu_clock)).
pub fn median_of(samples: usize, batch: usize, mut f: impl FnMut()) -> f64 {
    use crate::workload::{thread_cpu_clock, thread_cpu_time};
    let cpu = thread_cpu_clock();
    let mut v: Vec<Duration> = (0..samples)
        .map(|_| {
            let (t, c) = (Instant::now(), cpu.then(thread_cpu_time));
            for _ in 0..batch {
                f();
            }
            let spent = match c {
                Some(c) => thread_cpu_time().saturating_sub(c),
                None => t.elapsed(),
            };
            spent / batch as u32
        })
        .collect();
    crate::workload::median_us(&mut v)
}

/// The primitives, each as a named closure, for criterion and for [`measure`].
pub struct Primitives {
    cs: mls_rustcrypto::RustCryptoSuite,
    rng: TestRng,
    hpke_pub: HpkePublicKey,
    hpke_priv: mls_crypto::HpkePrivateKey,
    ct: mls_crypto::HpkeCiphertext,
    sk: mls_rustcrypto::RustCryptoSigningKey,
    pk: SignaturePublicKey,
    small: Vec<u8>,
    big: Vec<u8>,
    sig_small: Vec<u8>,
    sig_big: Vec<u8>,
    batch_recipients: Vec<HpkePublicKey>,
    batch: (
        Vec<Vec<u8>>,
        Vec<ed25519_dalek::Signature>,
        Vec<[u8; ed25519_dalek::PUBLIC_KEY_LENGTH]>,
    ),
}

/// Batch size of the batch-verification measurement: the chunk size of
/// `mls-rustcrypto`'s Ed25519 batch verification.
pub const BATCH: usize = 256;

impl Default for Primitives {
    fn default() -> Self {
        Self::new()
    }
}

impl Primitives {
    /// Keys and inputs for the primitives.
    pub fn new() -> Self {
        let cs = suite();
        let mut rng = TestRng::new(2);
        let kp = cs.hpke_generate_key_pair(&mut rng).unwrap();
        let ct = cs
            .hpke_seal(&kp.public, b"info", b"", &[7; 32], &mut rng)
            .unwrap();
        let sig = cs.signature_generate(&mut rng).unwrap();
        let sk = cs.signing_key(&sig.private).unwrap();
        let small = vec![1u8; 128];
        let big = vec![2u8; 65536];
        let sig_small = cs.sign(&sk, &small).unwrap();
        let sig_big = cs.sign(&sk, &big).unwrap();
        let batch_recipients = (0..BATCH)
            .map(|_| cs.hpke_generate_key_pair(&mut rng).unwrap().public)
            .collect();
        let mut msgs = Vec::new();
        let mut sigs = Vec::new();
        let mut keys = Vec::new();
        for i in 0..BATCH {
            let s = cs.signature_generate(&mut rng).unwrap();
            let k = cs.signing_key(&s.private).unwrap();
            let m = vec![i as u8; 128];
            let sg = cs.sign(&k, &m).unwrap();
            sigs.push(ed25519_dalek::Signature::from_slice(&sg).unwrap());
            keys.push(s.public.0.as_slice().try_into().expect("32 bytes"));
            msgs.push(m);
        }
        Primitives {
            cs,
            rng,
            hpke_pub: kp.public,
            hpke_priv: kp.private,
            ct,
            sk,
            pk: sig.public,
            small,
            big,
            sig_small,
            sig_big,
            batch_recipients,
            batch: (msgs, sigs, keys),
        }
    }

    /// X25519 keygen.
    pub fn x25519_keygen(&mut self) {
        let mut s = [0u8; 32];
        mls_crypto::Rng::fill_bytes(&mut self.rng, &mut s).unwrap();
        let sk = x25519_dalek::StaticSecret::from(s);
        black_box(x25519_dalek::PublicKey::from(&sk));
    }

    /// X25519 DH.
    pub fn x25519_dh(&mut self) {
        let sk = x25519_dalek::StaticSecret::from([9u8; 32]);
        let pk = x25519_dalek::PublicKey::from([9u8; 32]);
        black_box(sk.diffie_hellman(&pk));
    }

    /// HPKE seal.
    pub fn hpke_seal(&mut self) {
        black_box(
            self.cs
                .hpke_seal(&self.hpke_pub, b"info", b"", &[7; 32], &mut self.rng)
                .unwrap(),
        );
    }

    /// HPKE seal of 32 bytes to each of [`BATCH`] recipients, one batch.
    pub fn hpke_seal_batch(&mut self) {
        let pt = [7u8; 32];
        let items: Vec<(&HpkePublicKey, &[u8])> = self
            .batch_recipients
            .iter()
            .map(|k| (k, pt.as_slice()))
            .collect();
        black_box(
            self.cs
                .hpke_seal_batch(b"info", b"", &items, &mut self.rng)
                .unwrap(),
        );
    }

    /// HPKE open.
    pub fn hpke_open(&mut self) {
        black_box(
            self.cs
                .hpke_open(&self.hpke_priv, &self.hpke_pub, b"info", b"", &self.ct)
                .unwrap(),
        );
    }

    /// HPKE DeriveKeyPair.
    pub fn hpke_derive(&mut self) {
        black_box(self.cs.hpke_derive_key_pair(&[3; 32]).unwrap());
    }

    /// Ed25519 sign (128 B).
    pub fn sign(&mut self) {
        black_box(self.cs.sign(&self.sk, &self.small).unwrap());
    }

    /// Ed25519 sign (64 KiB).
    pub fn sign_big(&mut self) {
        black_box(self.cs.sign(&self.sk, &self.big).unwrap());
    }

    /// Ed25519 verify (128 B).
    pub fn verify(&mut self) {
        self.cs
            .verify(&self.pk, &self.small, &self.sig_small)
            .unwrap();
    }

    /// Ed25519 verify (64 KiB).
    pub fn verify_big(&mut self) {
        self.cs.verify(&self.pk, &self.big, &self.sig_big).unwrap();
    }

    /// Ed25519 batch verify of [`BATCH`] signatures (ed25519-dalek's
    /// `verify_batch`), the public keys decoded from bytes first: a
    /// joiner gets every key as bytes, and the single `verify` price
    /// includes the decoding too.
    pub fn batch_verify(&mut self) {
        let (m, s, k) = &self.batch;
        let msgs: Vec<&[u8]> = m.iter().map(|m| m.as_slice()).collect();
        let keys: Vec<ed25519_dalek::VerifyingKey> = k
            .iter()
            .map(|k| ed25519_dalek::VerifyingKey::from_bytes(k).unwrap())
            .collect();
        ed25519_dalek::verify_batch(&msgs, s, &keys).unwrap();
    }

    /// SHA-256 (128 B).
    pub fn sha256(&mut self) {
        black_box(self.cs.hash(&self.small));
    }

    /// SHA-256 (64 KiB).
    pub fn sha256_big(&mut self) {
        black_box(self.cs.hash(&self.big));
    }

    /// HKDF-Extract.
    pub fn hkdf_extract(&mut self) {
        black_box(self.cs.kdf_extract(&[1; 32], &[2; 32]).unwrap());
    }

    /// HKDF-Expand (32 B).
    pub fn hkdf_expand(&mut self) {
        black_box(self.cs.kdf_expand(&[1; 32], b"MLS 1.0 label", 32).unwrap());
    }

    /// AES-128-GCM seal (32 B).
    pub fn aead(&mut self) {
        black_box(
            self.cs
                .aead_seal(&[1; 16], &[2; 12], b"", &[3; 32])
                .unwrap(),
        );
    }

    /// AES-128-GCM seal (64 KiB).
    pub fn aead_big(&mut self) {
        black_box(
            self.cs
                .aead_seal(&[1; 16], &[2; 12], b"", &self.big)
                .unwrap(),
        );
    }
}

/// Measures every primitive (about two seconds).
pub fn measure() -> Costs {
    let mut p = Primitives::new();
    let s = 31;
    let sign = median_of(s, 50, || p.sign());
    let verify = median_of(s, 50, || p.verify());
    let sha256 = median_of(s, 500, || p.sha256());
    let aead = median_of(s, 500, || p.aead());
    let big = p.big.len() as f64;
    Costs {
        x25519_keygen: median_of(s, 50, || p.x25519_keygen()),
        x25519_dh: median_of(s, 50, || p.x25519_dh()),
        hpke_seal: median_of(s, 30, || p.hpke_seal()),
        hpke_seal_batch: median_of(11, 1, || p.hpke_seal_batch()) / BATCH as f64,
        hpke_open: median_of(s, 30, || p.hpke_open()),
        hpke_derive: median_of(s, 50, || p.hpke_derive()),
        sign,
        verify,
        batch_verify: median_of(s, 1, || p.batch_verify()) / BATCH as f64,
        sign_per_byte: ((median_of(s, 5, || p.sign_big()) - sign) / big).max(0.0),
        verify_per_byte: ((median_of(s, 5, || p.verify_big()) - verify) / big).max(0.0),
        sha256,
        sha256_per_byte: median_of(s, 5, || p.sha256_big()) / big,
        hkdf_extract: median_of(s, 500, || p.hkdf_extract()),
        hkdf_expand: median_of(s, 500, || p.hkdf_expand()),
        aead,
        aead_per_byte: ((median_of(s, 5, || p.aead_big()) - aead) / big).max(0.0),
    }
}

/// What a workload needs, in primitive calls (see [`counts`]).
#[derive(Debug, Clone, Default)]
pub struct Count {
    /// HPKE seals.
    pub seal: f64,
    /// HPKE seals that can be batched (an UpdatePath's, one per copath
    /// resolution node).
    pub seal_batchable: f64,
    /// HPKE opens.
    pub open: f64,
    /// HPKE DeriveKeyPair.
    pub derive: f64,
    /// Signatures, and the signed bytes beyond 128 per signature.
    pub sign: f64,
    /// Bytes signed (beyond the base cost).
    pub sign_bytes: f64,
    /// Single verifications.
    pub verify: f64,
    /// Verifications that can be batched (the tree's leaf signatures).
    pub verify_batchable: f64,
    /// Bytes verified (beyond the base cost).
    pub verify_bytes: f64,
    /// SHA-256 calls on short inputs.
    pub hash: f64,
    /// Bytes hashed in bulk (tree hash over a whole tree).
    pub hash_bytes: f64,
    /// HKDF-Extract calls.
    pub extract: f64,
    /// HKDF-Expand calls (ExpandWithLabel, DeriveSecret, MAC-sized).
    pub expand: f64,
    /// AEAD calls on short inputs.
    pub aead: f64,
    /// AEAD bytes in bulk.
    pub aead_bytes: f64,
}

impl Count {
    /// The floor in µs; with `batch`, batchable verifications cost the
    /// batch per-signature price.
    pub fn cost(&self, c: &Costs, batch: bool) -> f64 {
        let v = if batch { c.batch_verify } else { c.verify };
        self.seal * c.hpke_seal
            + self.seal_batchable
                * if batch {
                    c.hpke_seal_batch
                } else {
                    c.hpke_seal
                }
            + self.open * c.hpke_open
            + self.derive * c.hpke_derive
            + self.sign * c.sign
            + self.sign_bytes * c.sign_per_byte
            + self.verify * c.verify
            + self.verify_batchable * v
            + self.verify_bytes * c.verify_per_byte
            + self.hash * c.sha256
            + self.hash_bytes * c.sha256_per_byte
            + self.extract * c.hkdf_extract
            + self.expand * c.hkdf_expand
            + self.aead * c.aead
            + self.aead_bytes * c.aead_per_byte
    }
}

/// The key schedule of one epoch (RFC 9420 §8): joiner, epoch and the
/// epoch secrets (sender_data, encryption, exporter, external, confirm,
/// membership, resumption, authentication, init), the confirmation tag and
/// the two transcript hashes.
fn key_schedule() -> Count {
    Count {
        extract: 3.0,            // joiner (init, commit), epoch (psk), member
        expand: 2.0 + 9.0 + 1.0, // ExpandWithLabel/DeriveSecret chain, 9 secrets, confirmation MAC
        hash: 2.0,               // confirmed and interim transcript hashes
        ..Count::default()
    }
}

fn add(a: Count, b: Count) -> Count {
    Count {
        seal: a.seal + b.seal,
        seal_batchable: a.seal_batchable + b.seal_batchable,
        open: a.open + b.open,
        derive: a.derive + b.derive,
        sign: a.sign + b.sign,
        sign_bytes: a.sign_bytes + b.sign_bytes,
        verify: a.verify + b.verify,
        verify_batchable: a.verify_batchable + b.verify_batchable,
        verify_bytes: a.verify_bytes + b.verify_bytes,
        hash: a.hash + b.hash,
        hash_bytes: a.hash_bytes + b.hash_bytes,
        extract: a.extract + b.extract,
        expand: a.expand + b.expand,
        aead: a.aead + b.aead,
        aead_bytes: a.aead_bytes + b.aead_bytes,
    }
}

/// Sizes the floor needs besides N and the shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sizes {
    /// The encoded commit (empty commit with path), bytes.
    pub commit: f64,
    /// The encoded Welcome of `add_one` (GroupInfo with the ratchet tree).
    pub welcome: f64,
}

/// The exact primitive calls of `workload` on a group of `n` in `shape`
/// (suite 1), from RFC 9420. `d` = ⌈log2 n⌉ is the length of leaf 0's
/// filtered direct path (every copath resolution is non-empty in both
/// shapes).
///
/// * `commit_create` (§7.4, §7.5, §7.9, §12.4): one fresh leaf secret, then
///   per level DeriveSecret "path" and "node" (2 expands) and one
///   DeriveKeyPair per node (d parents + the leaf: d+1); one HPKE seal per
///   node of every copath resolution (full: d; sparse: n−1; batchable: the
///   batch price shares the Edwards→Montgomery inversions); the new
///   LeafNode signed, the FramedContent signed (its bytes ≈ the commit);
///   tree hash of the d+1 changed nodes and d parent hashes; membership
///   tag (1 MAC = expand-priced) and the confirmed transcript hash, both
///   over the whole commit (2 × its bytes of SHA-256); one key schedule.
/// * `commit_process` (§12.4.2): the FramedContent signature (commit
///   bytes) and the new LeafNode's signature verified; one HPKE open (the
///   last leaf's ciphertext sits at the root level, LCA of leaf 0 and the
///   last leaf); one DeriveSecret "node" and one DeriveKeyPair to check the
///   root's public key; tree hash of the d+1 changed nodes, d parent-hash
///   checks, membership tag and confirmed transcript hash (2 × the commit's
///   bytes of SHA-256); one key schedule.
/// * `add_one` (§10.1, §12.1.1, §12.4.3): KeyPackage and its LeafNode
///   signatures verified; KeyPackageRef hash; tree hash of the new leaf's
///   d+1 nodes; FramedContent signed; GroupInfo (with the tree, ≈ the
///   Welcome's bytes) signed; one key schedule, welcome secret (1 extract,
///   2 expands); one HPKE seal of GroupSecrets, whose EncryptWithLabel
///   context is the encrypted GroupInfo (§5.1.3), so HPKE's key schedule
///   hashes it as `info` (RFC 9180 §5.1 LabeledExtract "info_hash": the
///   Welcome's bytes of SHA-256); the GroupInfo AEAD-sealed.
/// * `join_welcome` (§12.4.3.1): one HPKE open (hashing the encrypted
///   GroupInfo as its `info`, as for `add_one`), welcome secret, the
///   GroupInfo AEAD-opened and its signature verified (Welcome bytes); each
///   of the n+1 leaves' signatures verified (batchable; the batch price
///   includes decoding each leaf's public key, as the single one does);
///   the tree hash over the whole tree (2w−1 nodes, blank ones included,
///   for w leaves = n+1 rounded up to a power of two; ≈ the Welcome's
///   bytes); every parent hash (full: n−1 nodes); one key schedule (no
///   path: no DeriveKeyPair).
/// * `app_encrypt` (§6.3, §9): the ratchet step (key, nonce, next secret:
///   3 expands), sender-data key and nonce (2 expands), signature of the
///   ~1.1 KiB content, AEAD of 1 KiB content and of the sender data.
/// * `app_decrypt`: the same with verify.
pub fn counts(workload: &str, n: u32, full: bool, sizes: Sizes) -> Option<Count> {
    // The tree's width after the join's Add: n+1 leaves, rounded up.
    let width = f64::from((n + 1).next_power_of_two());
    let n = n as f64;
    let d = n.log2().ceil();
    let ks = key_schedule();
    let c = match workload {
        "commit_create" => Count {
            seal_batchable: if full { d } else { n - 1.0 },
            derive: d + 1.0,
            sign: 2.0,
            sign_bytes: sizes.commit,
            hash: 2.0 * d + 1.0,
            hash_bytes: 2.0 * sizes.commit,
            expand: 2.0 * (d + 1.0) + 1.0,
            ..Count::default()
        },
        "commit_process" => Count {
            open: 1.0,
            derive: 1.0,
            verify: 2.0,
            verify_bytes: sizes.commit,
            hash: 2.0 * d + 1.0,
            hash_bytes: 2.0 * sizes.commit,
            expand: 2.0,
            ..Count::default()
        },
        "add_one" => Count {
            seal: 1.0,
            sign: 2.0,
            sign_bytes: sizes.welcome,
            verify: 2.0,
            hash: d + 2.0,
            hash_bytes: sizes.welcome,
            extract: 1.0,
            expand: 2.0,
            aead: 1.0,
            aead_bytes: sizes.welcome,
            ..Count::default()
        },
        "join_welcome" => Count {
            open: 1.0,
            verify: 1.0,
            verify_bytes: sizes.welcome,
            verify_batchable: n + 1.0,
            hash: 2.0 * width - 1.0 + if full { n - 1.0 } else { 0.0 },
            // tree hash input + the HPKE info hash of the encrypted GroupInfo
            hash_bytes: 2.0 * sizes.welcome,
            extract: 1.0,
            expand: 2.0,
            aead: 1.0,
            aead_bytes: sizes.welcome,
            ..Count::default()
        },
        "app_encrypt" => {
            return Some(Count {
                sign: 1.0,
                sign_bytes: 1100.0,
                expand: 5.0,
                aead: 2.0,
                aead_bytes: 1024.0,
                ..Count::default()
            })
        }
        "app_decrypt" => {
            return Some(Count {
                verify: 1.0,
                verify_bytes: 1100.0,
                expand: 5.0,
                aead: 2.0,
                aead_bytes: 1024.0,
                ..Count::default()
            })
        }
        _ => return None,
    };
    Some(add(c, ks))
}
