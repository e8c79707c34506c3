//! A refused message's derivations are kept aside (issue 15, item 4): a
//! PrivateMessage claiming a generation far ahead with a garbage
//! ciphertext made the receiver step the sender's ratchet to it, and undo
//! it all; replaying the same bytes cost the same again, forever. Now the
//! replay costs no ratchet derivation, and nothing else changes: the same
//! keys, the same errors, the same persisted state.

use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, Secret};
use mls_keyschedule::limits::MAX_LOOKAHEAD_RATCHETS;
use mls_keyschedule::{Error, RatchetKey, RatchetType, SecretTree, SecretTreeConfig};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::{CountingSuite, TestRng};
use mls_types::tree_math::LeafIndex;

const APP: RatchetType = RatchetType::Application;
const HS: RatchetType = RatchetType::Handshake;

fn suite() -> CountingSuite<RustCryptoSuite> {
    CountingSuite::new(RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap())
}

fn tree<S: CipherSuiteProvider>(s: &S, n_leaves: u32, config: SecretTreeConfig) -> SecretTree {
    SecretTree::new(s, Secret::from(vec![0x42; 32]), n_leaves, config).unwrap()
}

/// An open that fails as an AEAD open of garbage would.
fn forged(_: &RatchetKey) -> Result<(), Error> {
    Err(Error::ConfirmationTagMismatch)
}

#[test]
fn item4_replayed_forged_message_costs_no_ratchet_work() {
    let s = suite();
    let mut t = tree(&s, 16, SecretTreeConfig::default());
    let (leaf, generation) = (LeafIndex(5), 1000);
    let before = t.to_state_bytes().unwrap();
    s.take_counts();

    assert!(t.open_with(&s, leaf, APP, generation, forged).is_err());
    let first = s.take_counts().kdf_expand;
    assert!(first > 1000, "{first}");
    assert_eq!(t.to_state_bytes().unwrap(), before);

    const REPLAYS: u64 = 1000;
    for _ in 0..REPLAYS {
        assert_eq!(
            t.open_with(&s, leaf, APP, generation, forged),
            Err(Error::ConfirmationTagMismatch)
        );
    }
    // The old code: `first` each time, a million KDF calls here.
    assert_eq!(s.take_counts().kdf_expand, 0);
    assert_eq!(t.to_state_bytes().unwrap(), before);

    // Another forged generation in the window: at most a checkpoint
    // spacing of steps (63 with the default distance) and the key.
    assert!(t.open_with(&s, leaf, APP, 998, forged).is_err());
    assert!(s.take_counts().kdf_expand <= 63 + 2);
    assert!(t.open_with(&s, leaf, APP, 1000, forged).is_err());
    assert!(s.take_counts().kdf_expand <= 63 + 2);
    assert_eq!(t.to_state_bytes().unwrap(), before);

    // The genuine message still opens, with the key a fresh tree derives,
    // and leaves the state a fresh tree reaches.
    let mut fresh = tree(&s, 16, SecretTreeConfig::default());
    let expected = fresh.key(&s, leaf, APP, generation).unwrap();
    let got = t
        .open_with(&s, leaf, APP, generation, |k| Ok::<_, Error>(k.clone()))
        .unwrap();
    assert_eq!(got, expected);
    assert_eq!(t.to_state_bytes().unwrap(), fresh.to_state_bytes().unwrap());
    // Then the replay is refused as consumed, still without derivation.
    s.take_counts();
    assert!(matches!(
        t.open_with(&s, leaf, APP, generation, forged),
        Err(Error::KeyConsumed { .. })
    ));
    assert_eq!(s.take_counts().kdf_expand, 0);
    // Nothing below the ratchet is kept.
    assert_eq!(t.lookahead_ratchets(), 0);
}

/// A message that decrypts but is then refused (the group layer undoes
/// the open with the `KeyUndo`): its replay no longer walks the window,
/// only re-derives the retained keys.
#[test]
fn an_undone_open_replays_cheaply() {
    let s = suite();
    let mut t = tree(&s, 4, SecretTreeConfig::default());
    let before = t.to_state_bytes().unwrap();
    s.take_counts();
    let (_, undo) = t
        .open_staged(&s, LeafIndex(2), HS, 1000, |_| Ok::<_, Error>(()))
        .unwrap();
    t.undo(undo);
    assert_eq!(t.to_state_bytes().unwrap(), before);
    let first = s.take_counts().kdf_expand;
    assert!(first > 1000, "{first}");
    for _ in 0..10 {
        let (_, undo) = t
            .open_staged(&s, LeafIndex(2), HS, 1000, |_| Ok::<_, Error>(()))
            .unwrap();
        t.undo(undo);
        assert_eq!(t.to_state_bytes().unwrap(), before);
        // 32 retained keys (3 KDF calls each), a spacing of steps, the
        // leaf's path: ~170, against ~1,100 the first time.
        let replay = s.take_counts().kdf_expand;
        assert!(replay <= 200, "{replay}");
    }
}

/// Random genuine, forged, undone and sending operations on many
/// ratchets (more than the lookahead keeps): every key and every error
/// is the one a tree that saw only the genuine operations gives, and the
/// persisted state after each operation is that tree's.
#[test]
fn kept_derivations_change_no_key_error_or_state() {
    let s = suite();
    let config = SecretTreeConfig {
        max_forward_distance: 40,
        max_retained_keys: 3,
        max_past_epochs: 2,
    };
    let n_leaves = 48; // 96 ratchets
    let mut t = tree(&s, n_leaves, config);
    let mut reference = tree(&s, n_leaves, config);
    let mut rng = TestRng::new(4);
    let mut sent = vec![0u32; 2 * n_leaves as usize];
    for step in 0..6000 {
        let r = rng.next_u64();
        let leaf = LeafIndex((r % u64::from(n_leaves)) as u32);
        let ratchet = if (r >> 8) & 1 == 0 { APP } else { HS };
        let slot = 2 * leaf.0 as usize + usize::from(ratchet == HS);
        // Around the sender's next generation, sometimes beyond the window.
        let offset = ((r >> 16) % 50) as u32;
        let generation = (sent[slot] + offset).saturating_sub(6);
        let before = t.to_state_bytes().unwrap();
        match (r >> 32) % 8 {
            0..=3 => {
                assert!(t.open_with(&s, leaf, ratchet, generation, forged).is_err());
                assert_eq!(t.to_state_bytes().unwrap(), before, "step {step}");
            }
            4 => {
                if let Ok((_, undo)) =
                    t.open_staged(&s, leaf, ratchet, generation, |_| Ok::<_, Error>(()))
                {
                    t.undo(undo);
                }
                assert_eq!(t.to_state_bytes().unwrap(), before, "step {step}");
            }
            5 | 6 => {
                let got = t.open_with(&s, leaf, ratchet, generation, |k| Ok::<_, Error>(k.clone()));
                // The old open: `key`, and the tree as it was on error.
                let saved = reference.to_state_bytes().unwrap();
                let expected = reference.key(&s, leaf, ratchet, generation);
                if expected.is_err() {
                    reference = SecretTree::from_state_bytes(&saved).unwrap();
                }
                assert_eq!(got, expected, "step {step}");
                if got.is_ok() {
                    sent[slot] = sent[slot].max(generation + 1);
                }
            }
            _ => {
                let got = t.next_key(&s, leaf, ratchet).unwrap();
                assert_eq!(got, reference.next_key(&s, leaf, ratchet).unwrap());
                sent[slot] = got.generation + 1;
            }
        }
        assert_eq!(
            t.to_state_bytes().unwrap(),
            reference.to_state_bytes().unwrap(),
            "step {step}"
        );
        assert!(t.lookahead_ratchets() <= MAX_LOOKAHEAD_RATCHETS);
    }
}
