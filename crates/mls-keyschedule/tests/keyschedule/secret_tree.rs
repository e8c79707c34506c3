//! The secret tree's deletion schedule and out-of-order policy (RFC 9420 §9.2).

use mls_crypto::{CipherSuite, CryptoProvider, Secret};
use mls_keyschedule::{Error, RatchetType, SecretTree, SecretTreeConfig};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_types::tree_math::LeafIndex;

const APP: RatchetType = RatchetType::Application;
const HS: RatchetType = RatchetType::Handshake;

fn suite(id: u16) -> RustCryptoSuite {
    RustCrypto.cipher_suite_provider(CipherSuite(id)).unwrap()
}

fn tree(s: &RustCryptoSuite, n_leaves: u32, config: SecretTreeConfig) -> SecretTree {
    let secret = Secret::from(vec![0x42; s.kdf_len()]);
    SecretTree::new(s, secret, n_leaves, config).unwrap()
}

trait KdfLen {
    fn kdf_len(&self) -> usize;
}
impl KdfLen for RustCryptoSuite {
    fn kdf_len(&self) -> usize {
        mls_crypto::CipherSuiteProvider::kdf_extract_len(self)
    }
}

#[test]
fn a_key_decrypts_only_once() {
    for id in 1..=7 {
        let s = suite(id);
        let mut t = tree(&s, 4, SecretTreeConfig::default());
        t.key(&s, LeafIndex(1), APP, 0).unwrap();
        assert_eq!(
            t.key(&s, LeafIndex(1), APP, 0),
            Err(Error::KeyConsumed {
                leaf: 1,
                ratchet: APP,
                generation: 0
            })
        );
        // The other ratchet of the leaf is independent.
        t.key(&s, LeafIndex(1), HS, 0).unwrap();
        // Out of order: 3 then 2, then neither again.
        t.key(&s, LeafIndex(1), APP, 3).unwrap();
        t.key(&s, LeafIndex(1), APP, 2).unwrap();
        assert!(matches!(
            t.key(&s, LeafIndex(1), APP, 2),
            Err(Error::KeyConsumed { generation: 2, .. })
        ));
        assert!(matches!(
            t.key(&s, LeafIndex(1), APP, 3),
            Err(Error::KeyConsumed { generation: 3, .. })
        ));
    }
}

#[test]
fn encryption_keys_match_decryption_keys_and_are_consumed() {
    let s = suite(1);
    let mut sender = tree(&s, 8, SecretTreeConfig::default());
    let mut receiver = tree(&s, 8, SecretTreeConfig::default());
    let sent: Vec<_> = (0..5)
        .map(|_| sender.next_key(&s, LeafIndex(5), HS).unwrap())
        .collect();
    assert_eq!(
        sent.iter().map(|k| k.generation).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    // Delivered out of order.
    for g in [4, 0, 3, 1, 2] {
        assert_eq!(
            receiver.key(&s, LeafIndex(5), HS, g).unwrap(),
            sent[g as usize]
        );
    }
    assert_eq!(receiver.retained_keys(LeafIndex(5), HS), 0);
    // Keys are distinct across generations, leaves and ratchets.
    let other_leaf = sender.next_key(&s, LeafIndex(4), HS).unwrap();
    let other_ratchet = sender.next_key(&s, LeafIndex(5), APP).unwrap();
    assert_ne!(other_leaf.key, sent[0].key);
    assert_ne!(other_ratchet.key, sent[0].key);
    assert_ne!(sent[0].key, sent[1].key);
    assert_ne!(sent[0].nonce, sent[1].nonce);
}

#[test]
fn generation_beyond_the_forward_limit_is_rejected() {
    let s = suite(2);
    let config = SecretTreeConfig {
        max_forward_distance: 10,
        ..SecretTreeConfig::default()
    };
    let mut t = tree(&s, 2, config);
    assert_eq!(
        t.key(&s, LeafIndex(0), APP, 11),
        Err(Error::GenerationTooFarAhead {
            leaf: 0,
            ratchet: APP,
            generation: 11,
            next_generation: 0
        })
    );
    assert_eq!(
        t.key(&s, LeafIndex(0), APP, u32::MAX),
        Err(Error::GenerationTooFarAhead {
            leaf: 0,
            ratchet: APP,
            generation: u32::MAX,
            next_generation: 0
        })
    );
    // Exactly at the limit is fine, and the limit is relative to the ratchet.
    t.key(&s, LeafIndex(0), APP, 10).unwrap();
    t.key(&s, LeafIndex(0), APP, 21).unwrap();
    assert!(matches!(
        t.key(&s, LeafIndex(0), APP, 33),
        Err(Error::GenerationTooFarAhead {
            next_generation: 22,
            ..
        })
    ));
}

#[test]
fn skipped_keys_beyond_retention_are_dropped_oldest_first() {
    let s = suite(3);
    let config = SecretTreeConfig {
        max_retained_keys: 4,
        ..SecretTreeConfig::default()
    };
    let mut reference = tree(&s, 2, config);
    let want: Vec<_> = (0..16)
        .map(|_| reference.next_key(&s, LeafIndex(1), APP).unwrap())
        .collect();

    let mut t = tree(&s, 2, config);
    // Jump to 10: generations 0..=9 are skipped, only 6..=9 are kept.
    assert_eq!(t.key(&s, LeafIndex(1), APP, 10).unwrap(), want[10]);
    assert_eq!(t.retained_keys(LeafIndex(1), APP), 4);
    assert_eq!(
        t.key(&s, LeafIndex(1), APP, 5),
        Err(Error::KeyExpired {
            leaf: 1,
            ratchet: APP,
            generation: 5
        })
    );
    assert!(matches!(
        t.key(&s, LeafIndex(1), APP, 0),
        Err(Error::KeyExpired { .. })
    ));
    // Jump to 12: 11 is retained, 6 (the oldest) is dropped.
    assert_eq!(t.key(&s, LeafIndex(1), APP, 12).unwrap(), want[12]);
    assert_eq!(t.retained_keys(LeafIndex(1), APP), 4);
    assert!(matches!(
        t.key(&s, LeafIndex(1), APP, 6),
        Err(Error::KeyExpired { generation: 6, .. })
    ));
    // The kept ones work, once.
    for g in [9, 7, 11, 8] {
        assert_eq!(t.key(&s, LeafIndex(1), APP, g).unwrap(), want[g as usize]);
    }
    assert_eq!(t.retained_keys(LeafIndex(1), APP), 0);
    assert!(matches!(
        t.key(&s, LeafIndex(1), APP, 8),
        Err(Error::KeyConsumed { generation: 8, .. })
    ));
    assert_eq!(t.key(&s, LeafIndex(1), APP, 13).unwrap(), want[13]);
}

#[test]
fn no_retention_means_in_order_only() {
    let s = suite(1);
    let config = SecretTreeConfig {
        max_retained_keys: 0,
        ..SecretTreeConfig::default()
    };
    let mut t = tree(&s, 2, config);
    t.key(&s, LeafIndex(0), HS, 3).unwrap();
    assert_eq!(t.retained_keys(LeafIndex(0), HS), 0);
    assert!(matches!(
        t.key(&s, LeafIndex(0), HS, 2),
        Err(Error::KeyExpired { .. })
    ));
    t.key(&s, LeafIndex(0), HS, 4).unwrap();
}

#[test]
fn failed_open_keeps_the_key() {
    let s = suite(1);
    let mut t = tree(&s, 2, SecretTreeConfig::default());
    let forged: Result<(), Error> = t.open_with(&s, LeafIndex(1), APP, 2, |_| {
        Err(Error::ConfirmationTagMismatch)
    });
    assert_eq!(forged, Err(Error::ConfirmationTagMismatch));
    let genuine: Result<u32, Error> = t.open_with(&s, LeafIndex(1), APP, 2, |k| Ok(k.generation));
    assert_eq!(genuine, Ok(2));
    let again: Result<u32, Error> = t.open_with(&s, LeafIndex(1), APP, 2, |k| Ok(k.generation));
    assert!(matches!(
        again,
        Err(Error::KeyConsumed { generation: 2, .. })
    ));
}

/// A failed open and an undone staged open leave the tree byte-identical,
/// whether the leaf was fresh, in use with retained keys, or at the
/// retention limit.
#[test]
fn failed_or_undone_opens_change_nothing() {
    let s = suite(1);
    let config = SecretTreeConfig {
        max_retained_keys: 3,
        ..SecretTreeConfig::default()
    };
    let mut t = tree(&s, 8, config);
    let forged = |_: &mls_keyschedule::RatchetKey| Err::<(), _>(Error::ConfirmationTagMismatch);
    let check = |t: &mut SecretTree, leaf: u32, ratchet: RatchetType, generation: u32| {
        let before = t.to_state_bytes().unwrap();
        assert!(t
            .open_with(&s, LeafIndex(leaf), ratchet, generation, forged)
            .is_err());
        assert_eq!(t.to_state_bytes().unwrap(), before);
        let (g, undo) = t
            .open_staged(&s, LeafIndex(leaf), ratchet, generation, |k| {
                Ok::<_, Error>(k.generation)
            })
            .unwrap();
        assert_eq!(g, generation);
        assert_ne!(t.to_state_bytes().unwrap(), before);
        t.undo(undo);
        assert_eq!(t.to_state_bytes().unwrap(), before);
    };
    // A fresh leaf: the path is derived, then undone.
    check(&mut t, 5, APP, 0);
    check(&mut t, 5, APP, 7);
    // A leaf in use, with retained keys; skipping past the retention limit.
    t.key(&s, LeafIndex(5), APP, 4).unwrap();
    assert_eq!(t.retained_keys(LeafIndex(5), APP), 3);
    check(&mut t, 5, APP, 2);
    check(&mut t, 5, APP, 9);
    check(&mut t, 5, HS, 0);
    // A neighbour whose path shares derived nodes.
    check(&mut t, 4, APP, 1);
    // Errors from the tree itself change nothing either.
    let before = t.to_state_bytes().unwrap();
    assert!(matches!(
        t.open_with(&s, LeafIndex(5), APP, 4, |_| Ok::<_, Error>(())),
        Err(Error::KeyConsumed { .. })
    ));
    assert!(matches!(
        t.open_with(&s, LeafIndex(6), APP, 5000, |_| Ok::<_, Error>(())),
        Err(Error::GenerationTooFarAhead { .. })
    ));
    assert_eq!(t.to_state_bytes().unwrap(), before);
}

#[test]
fn node_secrets_are_deleted_once_their_children_exist() {
    let s = suite(1);
    let mut t = tree(&s, 8, SecretTreeConfig::default());
    assert_eq!(t.held_node_secrets(), 1); // the root: encryption_secret
    t.next_key(&s, LeafIndex(0), APP).unwrap();
    // Root, node 3 and node 1 are gone, leaf 0 became ratchets: the
    // copath nodes 2, 5 and 11 remain.
    assert_eq!(t.held_node_secrets(), 3);
    t.next_key(&s, LeafIndex(1), APP).unwrap();
    assert_eq!(t.held_node_secrets(), 2);
    t.next_key(&s, LeafIndex(7), HS).unwrap();
    assert_eq!(t.held_node_secrets(), 3); // 5, 9 and 12
}

#[test]
fn epoch_start_does_no_per_leaf_work() {
    // 2^20 leaves: creating the tree and serving two senders touches only
    // their paths (20 derivations each), never the million leaves.
    let s = suite(1);
    let n = 1u32 << 20;
    let mut t = tree(&s, n, SecretTreeConfig::default());
    assert_eq!(t.held_node_secrets(), 1);
    let last = t.next_key(&s, LeafIndex(n - 1), APP).unwrap();
    assert_eq!(last.generation, 0);
    assert_eq!(t.held_node_secrets(), 20);
    t.key(&s, LeafIndex(12345), HS, 3).unwrap();
    assert!(t.held_node_secrets() <= 40);
    assert_eq!(
        t.key(&s, LeafIndex(n), APP, 0),
        Err(Error::LeafOutOfRange {
            leaf: n,
            n_leaves: n
        })
    );
}

#[test]
fn malformed_trees_and_suites_are_rejected() {
    let s1 = suite(1);
    let s4 = suite(4);
    assert_eq!(
        SecretTree::new(
            &s1,
            Secret::from(vec![0; 32]),
            0,
            SecretTreeConfig::default()
        )
        .err(),
        Some(Error::InvalidLeafCount { n_leaves: 0 })
    );
    assert_eq!(
        SecretTree::new(
            &s1,
            Secret::from(vec![0; 32]),
            (1 << 31) + 1,
            SecretTreeConfig::default()
        )
        .err(),
        Some(Error::InvalidLeafCount {
            n_leaves: (1 << 31) + 1
        })
    );
    assert_eq!(
        SecretTree::new(
            &s1,
            Secret::from(vec![0; 31]),
            2,
            SecretTreeConfig::default()
        )
        .err(),
        Some(Error::InvalidSecretLength {
            expected: 32,
            got: 31
        })
    );
    let mut t = tree(&s1, 3, SecretTreeConfig::default()); // not a power of two: left-balanced
    for leaf in 0..3 {
        t.next_key(&s1, LeafIndex(leaf), APP).unwrap();
    }
    assert_eq!(t.held_node_secrets(), 0);
    assert_eq!(
        t.next_key(&s4, LeafIndex(0), APP),
        Err(Error::CipherSuiteMismatch {
            expected: CipherSuite(1),
            got: CipherSuite(4)
        })
    );
}
