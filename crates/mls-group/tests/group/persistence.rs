//! Persisted group state: pending commits survive a restore, past epochs
//! are saved compactly, and the size grows linearly with the members.

use crate::common;

use common::*;
use mls_framing::{Add, Proposal, Remove};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};

type G = Group<RustCryptoSuite>;

fn restore(bytes: &[u8], format: HandshakeFormat) -> G {
    G::from_state_bytes(suite(1), bytes, config(format), None).unwrap()
}

/// A client that stops after sending a commit restores it as pending and
/// merges it when the Delivery Service confirms.
#[test]
fn a_pending_commit_survives_a_restore() {
    for format in [HandshakeFormat::Public, HandshakeFormat::Private] {
        let mut g = group_of(1, &["a", "b", "c"], format);
        let dave = key_package(&suite(1), "d");
        let out = g[0]
            .commit(
                vec![
                    Proposal::Add(Add {
                        key_package: dave.key_package().clone(),
                    }),
                    Proposal::Remove(Remove { removed: 2 }),
                ],
                &CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut OsRng,
            )
            .unwrap();
        let bytes = g[0].to_state_bytes().unwrap();
        let mut alice = G::from_state_bytes(suite(1), &bytes, config(format), None).unwrap();
        assert!(
            alice.to_state_bytes().unwrap() == bytes,
            "re-saved state differs"
        );
        assert!(alice.has_pending_commit());
        assert_eq!(
            alice.pending_commit().unwrap().message(),
            g[0].pending_commit().unwrap().message()
        );
        alice.merge_pending_commit().unwrap();
        let ProcessedMessage::Commit(st) = g[1].process_message(&out.commit).unwrap() else {
            panic!()
        };
        g[1].merge_staged_commit(st).unwrap();
        let welcome = out.welcome.unwrap().into_welcome().unwrap();
        let dave = G::join(suite(1), &welcome, &dave, JoinOptions::default()).unwrap();
        assert_agree(&[&alice, &g[1], &dave]);
        assert_eq!(alice.members().len(), 3);

        // The other outcome: another commit won, the restored pending
        // commit is dropped and the group commits again.
        let mut again = restore(&bytes, format);
        again.clear_pending_commit();
        assert!(!again.has_pending_commit());
        again
            .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
            .unwrap();
        again.merge_pending_commit().unwrap();
        assert_eq!(again.epoch(), g[0].epoch() + 1);
    }
}

/// Retained past epochs are saved with the signature keys their commit
/// changed, not the whole roster: a past epoch costs the same in a group of
/// 8 and of 64, and application messages of a past epoch still decrypt
/// after a restore.
#[test]
fn past_epochs_are_saved_without_the_roster() {
    let s = suite(1);
    let mut extra = Vec::new();
    for n in [8usize, 64] {
        let mut g = group_of(1, &["a", "b"], HandshakeFormat::Public);
        let adds: Vec<Proposal> = (2..n)
            .map(|i| {
                Proposal::Add(Add {
                    key_package: key_package(&s, &format!("m{i:04}")).key_package().clone(),
                })
            })
            .collect();
        let out = g[0]
            .commit(adds, &CommitOptions::default(), &mut OsRng)
            .unwrap();
        g[0].merge_pending_commit().unwrap();
        let (first, rest) = g.split_at_mut(1);
        deliver(&mut [&mut rest[0]], &out.commit);
        // A message of this epoch, delivered after the next commit.
        let late = first[0]
            .encrypt_application_message(b"late", b"", &mut OsRng)
            .unwrap();
        let before = rest[0].to_state_bytes().unwrap().len();
        // An Add-only commit: no path, so the tree grows by one leaf (and
        // the added leaf in the unmerged lists on its direct path) and the
        // receiver's private keys do not change.
        let add = Proposal::Add(Add {
            key_package: key_package(&s, "zzzzz").key_package().clone(),
        });
        let out = first[0]
            .commit(vec![add], &CommitOptions::default(), &mut OsRng)
            .unwrap();
        first[0].merge_pending_commit().unwrap();
        deliver(&mut [&mut rest[0]], &out.commit);
        let bytes = rest[0].to_state_bytes().unwrap();
        extra.push(bytes.len() as i64 - before as i64);
        let mut back = restore(&bytes, HandshakeFormat::Public);
        let ProcessedMessage::Application { data, .. } = back.process_message(&late).unwrap()
        else {
            panic!()
        };
        assert_eq!(data, b"late");
    }
    // Keeping one more past epoch costs the same whatever the group size
    // (it would cost ~34 bytes more per member if the roster were saved).
    assert!(
        (extra[0] - extra[1]).abs() < 64,
        "bytes added by one commit at 8 and 64 members: {extra:?}"
    );
}

/// The encoded state of a member grows linearly with the group size: the
/// bytes per added member are the same whether the group has 16 or 128
/// members.
#[test]
fn state_size_grows_linearly() {
    let s = suite(1);
    let mut sizes = Vec::new();
    for n in [16usize, 32, 64, 128] {
        let mut alice = Group::create(
            s.clone(),
            identity(&s, "a"),
            b"size".to_vec(),
            Vec::new(),
            GroupConfig::default(),
            &mut OsRng,
        )
        .unwrap();
        alice.set_time(unix_time_now());
        // Same-length names, so every member's leaf has the same size.
        let adds = (1..n)
            .map(|i| {
                Proposal::Add(Add {
                    key_package: key_package(&s, &format!("m{i:04}")).key_package().clone(),
                })
            })
            .collect();
        alice
            .commit(adds, &CommitOptions::default(), &mut OsRng)
            .unwrap();
        alice.merge_pending_commit().unwrap();
        // A path fills the creator's direct path too.
        alice
            .commit(
                Vec::new(),
                &CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut OsRng,
            )
            .unwrap();
        alice.merge_pending_commit().unwrap();
        sizes.push((n, alice.to_state_bytes().unwrap().len()));
    }
    let per_member: Vec<f64> = sizes
        .windows(2)
        .map(|w| (w[1].1 - w[0].1) as f64 / (w[1].0 - w[0].0) as f64)
        .collect();
    let (lo, hi) = per_member
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    assert!(
        hi <= lo * 1.1,
        "bytes per member vary: {per_member:?} (sizes {sizes:?})"
    );
    // And the fixed part is small: at 128 members, at most 10% over
    // 128 × the per-member bytes.
    let (n, size) = sizes[sizes.len() - 1];
    assert!((size as f64) < hi * n as f64 * 1.1, "sizes {sizes:?}");
}

/// The configuration is saved with the state: a group made with private
/// handshakes restored with another configuration is refused instead of
/// silently sending public ones (issue 16); `set_config` changes it.
#[test]
fn the_configuration_is_saved_with_the_state() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Private);
    let bytes = g[0].to_state_bytes().unwrap();
    assert_eq!(
        G::from_state_bytes(suite(1), &bytes, GroupConfig::default(), None).unwrap_err(),
        GroupError::ConfigMismatch
    );
    restore(&bytes, HandshakeFormat::Private);
    g[0].set_config(GroupConfig::default());
    restore(&g[0].to_state_bytes().unwrap(), HandshakeFormat::Public);
}
