//! Fixtures for the benchmarks: ratchet trees of a given size built through
//! the public API, with real keys and signatures, so that they pass full
//! validation. Randomness comes from `mls_test_support::TestRng` (fixed
//! seeds, so every run measures the same trees).

use mls_codec::Encode;
use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey};
use mls_rustcrypto::{RustCrypto, RustCryptoSigningKey, RustCryptoSuite};
use mls_test_support::TestRng;
use mls_treekem::{LeafNode, LeafNodeSource, RatchetTree};
use mls_types::tree_math::LeafIndex;
use mls_types::{Capabilities, Credential, Lifetime};

/// The group id of every fixture.
pub const GROUP_ID: &[u8] = b"bench group";

/// Suite 1 (X25519, AES-128-GCM, SHA-256, Ed25519).
pub fn suite() -> RustCryptoSuite {
    RustCrypto
        .cipher_suite_provider(CipherSuite(1))
        .expect("suite 1")
}

/// A tree with its members' leaf private keys and signing keys.
pub struct Fixture {
    /// The public tree.
    pub tree: RatchetTree,
    /// Each leaf's original HPKE private key (valid for leaves that never committed).
    pub leaf_keys: Vec<HpkePrivateKey>,
    /// Each leaf's signing key.
    pub signing_keys: Vec<RustCryptoSigningKey>,
}

/// The encoded GroupContext for `tree_hash` (epoch 1, no extensions).
pub fn group_context(cs: &RustCryptoSuite, tree_hash: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    1u16.encode(&mut out).unwrap();
    cs.cipher_suite().0.encode(&mut out).unwrap();
    GROUP_ID.encode(&mut out).unwrap();
    1u64.encode(&mut out).unwrap();
    tree_hash.encode(&mut out).unwrap();
    Vec::<u8>::new().encode(&mut out).unwrap();
    Vec::<u8>::new().encode(&mut out).unwrap();
    out
}

/// Commits (tree side only) from `sender`, setting its whole filtered direct path.
fn commit(fx: &mut Fixture, cs: &RustCryptoSuite, rng: &mut TestRng, sender: u32) {
    let leaf = LeafIndex(sender);
    let template = fx.tree.leaf(leaf).expect("member").clone();
    let key = &fx.signing_keys[sender as usize];
    fx.tree
        .prepare_update_path(cs, leaf, template, key, GROUP_ID, rng)
        .expect("commit");
}

/// A tree of `n` leaves (a power of two ≥ 2), every leaf a member and
/// every parent node set (by commits from each even leaf, left to right).
/// With `quarter_blank`, the leaves `≡ 3 (mod 4)` are then removed and the
/// leaves `≡ 0 (mod 4)` commit again, so that only the level-1 parents
/// above a removed leaf stay blank.
pub fn build(n: u32, quarter_blank: bool) -> Fixture {
    let cs = suite();
    let mut rng = TestRng::new(u64::from(n));
    let mut leaf_keys = Vec::with_capacity(n as usize);
    let mut signing_keys = Vec::with_capacity(n as usize);
    let mut tree: Option<RatchetTree> = None;
    for i in 0..n {
        let sig = cs.signature_generate(&mut rng).unwrap();
        let signing_key = cs.signing_key(&sig.private).unwrap();
        let hpke = cs.hpke_generate_key_pair(&mut rng).unwrap();
        let mut leaf = LeafNode {
            encryption_key: hpke.public,
            signature_key: sig.public,
            credential: Credential::Basic(i.to_be_bytes().to_vec()),
            capabilities: Capabilities::default(),
            leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            }),
            extensions: vec![],
            signature: vec![],
        };
        leaf.sign(&cs, &signing_key, None).unwrap();
        match &mut tree {
            None => tree = Some(RatchetTree::new(leaf)),
            Some(t) => {
                t.add_leaf(leaf).unwrap();
            }
        }
        leaf_keys.push(hpke.private);
        signing_keys.push(signing_key);
    }
    let mut fx = Fixture {
        tree: tree.expect("n >= 1"),
        leaf_keys,
        signing_keys,
    };
    for sender in (0..n).step_by(2) {
        commit(&mut fx, &cs, &mut rng, sender);
    }
    if quarter_blank {
        for removed in (3..n).step_by(4) {
            fx.tree.remove_leaf(LeafIndex(removed)).unwrap();
        }
        for sender in (0..n).step_by(4) {
            commit(&mut fx, &cs, &mut rng, sender);
        }
    }
    fx
}

pub mod floor;
pub mod mlsrs_peer;
pub mod openmls_peer;
pub mod ours;
pub mod workload;
