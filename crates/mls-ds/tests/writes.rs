//! Writes per request: a commit rewrites O(log N) records of the group's
//! view (the public record and the nodes on the committer's path), not
//! the tree; a proposal rewrites the public record only.

mod common;

use common::stores::{on, StoreKind};
use common::*;
use mls_ds::store::{ViewKey, Write};
use mls_ds::{DsConfig, DsError, KeyPackageQuery, Limits, Rate};
use mls_group::*;
use mls_test_support::TestRng;

/// The view records of the batch that moved the group on (the one with
/// a `PutGroup`), and the batch's size.
fn view_writes(ds: &Ds) -> (Vec<ViewKey>, usize) {
    let commits = ds.store().take_commits();
    let batch = commits
        .iter()
        .rev()
        .find(|b| b.iter().any(|w| matches!(w, Write::PutGroup { .. })))
        .expect("a group write");
    let keys = batch
        .iter()
        .filter_map(|w| match w {
            Write::PutViewRecord { key, .. } => Some(*key),
            _ => None,
        })
        .collect();
    (keys, batch.len())
}

#[test]
fn a_commit_writes_log_n_view_records() {
    on(StoreKind::Recording, || {
        let rng = &mut TestRng::new(90);
        let ds = ds_with(unlimited());
        let mut alice = Client::new("alice", rng);
        alice.create_group(&ds, None, rng);
        let (created, _) = view_writes(&ds);
        assert_eq!(created.len(), 2, "the public record and alice's leaf");
        // 63 more members in one commit: 64 leaves, 127 nodes.
        let adds: Vec<Proposal> = (1..64)
            .map(|i| {
                let mut c = Client::new(&format!("m{i}"), rng);
                let kp = c.key_package(rng, false);
                Proposal::Add(Add {
                    key_package: MlsMessage::from_bytes(&kp)
                        .unwrap()
                        .into_key_package()
                        .unwrap(),
                })
            })
            .collect();
        let p = alice.commit(adds, &CommitOptions::default(), true, rng);
        alice.send(&ds, &p).unwrap();
        let (added, _) = view_writes(&ds);
        assert!(added.len() > 63, "every new leaf: {}", added.len());
        let nodes = alice.g().tree().n_leaves() * 2 - 1;
        // A full-path update: the public record, alice's leaf and the
        // log2(64) = 6 parents on her path.
        let p = alice.commit(
            vec![],
            &CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            true,
            rng,
        );
        alice.send(&ds, &p).unwrap();
        let (update, batch) = view_writes(&ds);
        println!(
            "a full-path commit in a group of 64: {} view records of {nodes} nodes, \
             {batch} writes in all",
            update.len()
        );
        assert_eq!(update.len(), 8, "{update:?}");
        assert!(update.contains(&ViewKey::Public));
        // A removal blanks the leaf and its path: still O(log N).
        let p = {
            let g = alice.g();
            let out = g.remove_members(&[LeafIndex(37)], rng).unwrap();
            let info = g.pending_group_info(false, true).unwrap().unwrap();
            Pending {
                commit: msg_bytes(&out.commit),
                partial: mls_ds::PartialGroupInfo::of(&info),
                welcome: None,
            }
        };
        alice.send(&ds, &p).unwrap();
        let (removal, batch) = view_writes(&ds);
        println!(
            "a removal: {} view records, {batch} writes in all",
            removal.len()
        );
        assert!(removal.len() <= 2 + 2 * 6, "{removal:?}");
        // A proposal: the public record only.
        let m = alice.g().propose_update(rng).unwrap();
        ds.send_proposal(&alice.id(), NOW, &msg_bytes(&m)).unwrap();
        let (proposal, _) = view_writes(&ds);
        assert_eq!(proposal, [ViewKey::Public]);
    });
}

/// The rate counters of a batch.
fn counts(batch: &[Write]) -> usize {
    batch
        .iter()
        .filter(|w| matches!(w, Write::CountRate { .. }))
        .count()
}

#[test]
fn an_accepted_request_is_one_transaction_and_a_refused_one_still_counts() {
    on(StoreKind::Recording, || {
        let rng = &mut TestRng::new(91);
        let ds = ds_with(DsConfig {
            limits: Limits {
                client_rate: Rate { max: 6, window: 60 },
                ..Limits::default()
            },
            ..DsConfig::default()
        });
        let mut alice = Client::new("alice", rng);
        alice.create_group(&ds, None, rng);
        let mut carol = Client::new("carol", rng);
        let kp = carol.key_package(rng, false);
        ds.upload_key_packages(&carol.id(), NOW, &[kp]).unwrap();
        ds.store().take_commits();
        let t = NOW - NOW % 60 + 10;

        // Accepted: one batch each, its rates counted in it.
        let m = alice
            .g()
            .encrypt_application_message(b"hi", b"", rng)
            .unwrap();
        ds.send_application(&alice.id(), t, &msg_bytes(&m)).unwrap();
        let commits = ds.store().take_commits();
        assert_eq!(commits.len(), 1, "{commits:?}");
        assert_eq!(counts(&commits[0]), 2, "the client's and the group's");
        assert!(commits[0]
            .iter()
            .any(|w| matches!(w, Write::AppendMessage(_))));

        ds.fetch(&alice.id(), GROUP, t).unwrap();
        let q = [KeyPackageQuery {
            client: carol.id(),
            cipher_suite: CipherSuite(1),
        }];
        let served = ds.fetch_key_packages(&alice.id(), t, &q).unwrap();
        assert!(served.key_packages[0].key_package.is_some());
        let p = alice.commit(vec![], &CommitOptions::default(), true, rng);
        alice.send(&ds, &p).unwrap();
        let commits = ds.store().take_commits();
        assert_eq!(commits.len(), 3, "{commits:?}");
        assert!(commits
            .iter()
            .all(|b| counts(b) >= 1 && b.len() > counts(b)));

        // Refused after the rate check: counted on its own.
        let m = alice
            .g()
            .encrypt_application_message(b"hi", b"", rng)
            .unwrap();
        assert_eq!(
            ds.send_application(&carol.id(), t, &msg_bytes(&m)),
            Err(DsError::NotAMember)
        );
        let commits = ds.store().take_commits();
        assert_eq!(commits.len(), 1);
        assert_eq!(counts(&commits[0]), commits[0].len());

        // Alice's 6th request in the window was her last (the upload was
        // carol's): the rate still holds, every request counted once.
        ds.fetch(&alice.id(), GROUP, t).unwrap();
        assert!(matches!(
            ds.fetch(&alice.id(), GROUP, t),
            Err(DsError::RateLimited { retry_after: 50 })
        ));
    });
}
