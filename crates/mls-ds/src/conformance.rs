//! The [`Store`] contract as a test any store runs on itself: an SQL
//! store's tests call [`check`] on an empty database, as this crate's do
//! on a [`crate::MemoryStore`].

use crate::ids::ClientId;
use crate::store::*;

fn group(version: u64, next_seq: u64) -> GroupRecord {
    GroupRecord {
        group_id: b"conformance".to_vec(),
        version,
        view_version: version,
        cipher_suite: 1,
        epoch: 0,
        next_seq,
        epoch_start_seq: 0,
        frozen: false,
        created_at: 0,
    }
}

fn message(seq: u64) -> MessageRecord {
    MessageRecord {
        group_id: b"conformance".to_vec(),
        seq,
        epoch: 0,
        kind: MessageKind::Application,
        sender: Some(ClientId::from("a")),
        message: vec![seq as u8],
        accepted_at: 0,
    }
}

fn view_record(key: ViewKey, value: Option<&[u8]>) -> Write {
    Write::PutViewRecord {
        group_id: b"conformance".to_vec(),
        key,
        value: value.map(<[u8]>::to_vec),
    }
}

fn key_package(reference: &[u8]) -> KeyPackageRecord {
    KeyPackageRecord {
        reference: reference.to_vec(),
        owner: ClientId::from("a"),
        cipher_suite: 1,
        version: 1,
        not_before: 0,
        not_after: u64::MAX,
        last_resort: false,
        key_package: vec![1, 2, 3],
        uploaded_at: 0,
    }
}

/// Checks the transaction contract on an empty store, panicking on the
/// first violation: compare-and-swap on the group version, a taken
/// KeyPackage must exist, all writes or none, view records replaced and
/// deleted by key and read in key order, cursors and activity only move
/// forward, rate counters add within a window and restart in a new
/// one, deletions by range.
pub fn check<S: Store>(store: &S) {
    let g = b"conformance".as_slice();
    let a = ClientId::from("a");
    // Create: only if absent.
    store
        .begin()
        .unwrap()
        .commit(vec![Write::PutGroup {
            record: group(0, 0),
            expected_version: None,
        }])
        .unwrap();
    assert_eq!(
        store.begin().unwrap().commit(vec![Write::PutGroup {
            record: group(0, 0),
            expected_version: None,
        }]),
        Err(StoreError::Conflict)
    );
    // Compare-and-swap, and nothing of a refused batch is written.
    let refused = store.begin().unwrap().commit(vec![
        Write::AppendMessage(message(0)),
        Write::PutKeyPackage(key_package(b"kp1")),
        view_record(ViewKey::Public, Some(b"refused")),
        Write::PutGroup {
            record: group(8, 1),
            expected_version: Some(7),
        },
    ]);
    assert_eq!(refused, Err(StoreError::Conflict));
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.group(g).unwrap().unwrap().version, 0);
    assert!(tx.messages(g, 0, 10).unwrap().is_empty());
    assert!(tx.key_package(b"kp1").unwrap().is_none());
    assert!(tx.view_records(g).unwrap().is_empty());
    drop(tx);
    // View records: written, replaced, deleted, read in key order.
    store
        .begin()
        .unwrap()
        .commit(vec![
            view_record(ViewKey::Node(7), Some(b"n7")),
            view_record(ViewKey::Node(2), Some(b"n2")),
            view_record(ViewKey::Public, Some(b"p0")),
            view_record(ViewKey::Node(u32::MAX), Some(b"last")),
        ])
        .unwrap();
    store
        .begin()
        .unwrap()
        .commit(vec![
            view_record(ViewKey::Public, Some(b"p1")),
            view_record(ViewKey::Node(7), None),
            view_record(ViewKey::Node(9), None),
        ])
        .unwrap();
    let records = store.begin().unwrap().view_records(g).unwrap();
    let expected: Vec<(ViewKey, Vec<u8>)> = vec![
        (ViewKey::Public, b"p1".to_vec()),
        (ViewKey::Node(2), b"n2".to_vec()),
        (ViewKey::Node(u32::MAX), b"last".to_vec()),
    ];
    assert_eq!(records, expected);
    assert!(store
        .begin()
        .unwrap()
        .view_records(b"another group")
        .unwrap()
        .is_empty());
    for seq in 0..3 {
        store
            .begin()
            .unwrap()
            .commit(vec![
                Write::AppendMessage(message(seq)),
                Write::PutGroup {
                    record: group(seq + 1, seq + 1),
                    expected_version: Some(seq),
                },
            ])
            .unwrap();
    }
    let mut tx = store.begin().unwrap();
    let log = tx.messages(g, 1, 10).unwrap();
    assert_eq!(log.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(tx.messages(g, 0, 2).unwrap().len(), 2);
    drop(tx);
    // Memberships: cursors and activity only move forward.
    store
        .begin()
        .unwrap()
        .commit(vec![Write::PutMember(MemberRecord {
            group_id: g.to_vec(),
            client: a.clone(),
            from_seq: 0,
            until_seq: None,
            cursor: 0,
            last_active: 10,
        })])
        .unwrap();
    for (cursor_to, now) in [(2, 20), (1, 5)] {
        store
            .begin()
            .unwrap()
            .commit(vec![Write::Touch {
                group_id: g.to_vec(),
                client: a.clone(),
                cursor_to,
                now,
            }])
            .unwrap();
    }
    store
        .begin()
        .unwrap()
        .commit(vec![Write::EndMember {
            group_id: g.to_vec(),
            client: a.clone(),
            until_seq: 2,
        }])
        .unwrap();
    let m = store.begin().unwrap().member(g, &a).unwrap().unwrap();
    assert_eq!((m.cursor, m.last_active, m.until_seq), (2, 20, Some(2)));
    // The group and a membership in one read.
    let mut tx = store.begin().unwrap();
    let group_now = tx.group(g).unwrap();
    assert!(group_now.is_some());
    assert_eq!(
        tx.group_and_member(g, &a).unwrap(),
        (group_now.clone(), Some(Membership::from(&m)))
    );
    assert_eq!(
        tx.group_and_member(g, &ClientId::from("nobody")).unwrap(),
        (group_now, None)
    );
    drop(tx);
    // KeyPackages: taken once.
    store
        .begin()
        .unwrap()
        .commit(vec![Write::PutKeyPackage(key_package(b"kp1"))])
        .unwrap();
    assert_eq!(store.begin().unwrap().key_packages(&a).unwrap().len(), 1);
    let take = || {
        store.begin().unwrap().commit(vec![Write::TakeKeyPackage {
            reference: b"kp1".to_vec(),
        }])
    };
    take().unwrap();
    assert_eq!(take(), Err(StoreError::Conflict));
    assert!(store.begin().unwrap().key_packages(&a).unwrap().is_empty());
    key_package_claims(store);
    // Rate counters.
    let key = RateKey::Client(a.clone());
    for window_start in [60, 60, 120] {
        store
            .begin()
            .unwrap()
            .commit(vec![Write::CountRate {
                key: key.clone(),
                window_start,
            }])
            .unwrap();
    }
    let r = store.begin().unwrap().rate(&key).unwrap().unwrap();
    assert_eq!((r.window_start, r.count), (120, 1));
    assert_eq!(
        store.begin().unwrap().rate_window(&key).unwrap(),
        Some((120, 1))
    );
    // Two counters in one batch (a message counts its client's and its
    // group's), after another write.
    let group_key = RateKey::Group(g.to_vec());
    store
        .begin()
        .unwrap()
        .commit(vec![
            Write::Touch {
                group_id: g.to_vec(),
                client: a.clone(),
                cursor_to: 0,
                now: 0,
            },
            Write::CountRate {
                key: key.clone(),
                window_start: 120,
            },
            Write::CountRate {
                key: group_key.clone(),
                window_start: 120,
            },
        ])
        .unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.rate_window(&key).unwrap(), Some((120, 2)));
    assert_eq!(tx.rate_window(&group_key).unwrap(), Some((120, 1)));
    drop(tx);
    assert_eq!(
        store
            .begin()
            .unwrap()
            .rate_window(&RateKey::Group(b"none".to_vec()))
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .begin()
            .unwrap()
            .group_and_member(b"no such group", &a)
            .unwrap(),
        (None, None)
    );
    // Deletions by range; a read-out membership goes.
    store
        .begin()
        .unwrap()
        .commit(vec![
            Write::DeleteMessages {
                group_id: g.to_vec(),
                below_seq: 2,
            },
            Write::DeleteEndedMembers {
                group_id: g.to_vec(),
                below_seq: 3,
            },
        ])
        .unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.messages(g, 0, 10).unwrap().len(), 1);
    assert!(tx.member(g, &a).unwrap().is_some(), "seq 2 is not read yet");
    tx.commit(vec![
        Write::Touch {
            group_id: g.to_vec(),
            client: a.clone(),
            cursor_to: 3,
            now: 30,
        },
        Write::DeleteEndedMembers {
            group_id: g.to_vec(),
            below_seq: 3,
        },
    ])
    .unwrap();
    assert_eq!(store.begin().unwrap().member(g, &a).unwrap(), None);
    // Welcomes and epoch trees, keyed by what identifies them.
    store
        .begin()
        .unwrap()
        .commit(vec![
            Write::PutWelcome(WelcomeMessageRecord {
                group_id: g.to_vec(),
                epoch: 4,
                welcome: vec![4],
                joiners: vec![a.clone()],
            }),
            Write::PutEpochTree(EpochTreeRecord {
                group_id: g.to_vec(),
                epoch: 4,
                tree: vec![4],
                waiting: vec![a.clone()],
            }),
        ])
        .unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.welcomes(&a, 10).unwrap().len(), 1);
    assert_eq!(tx.epoch_tree_epochs(g).unwrap(), [4]);
    tx.commit(vec![
        Write::DeleteWelcome {
            client: a.clone(),
            group_id: g.to_vec(),
            epoch: 4,
        },
        Write::DeleteEpochTree {
            group_id: g.to_vec(),
            epoch: 4,
        },
    ])
    .unwrap();
    let mut tx = store.begin().unwrap();
    assert!(tx.welcomes(&a, 10).unwrap().is_empty());
    assert!(tx.epoch_tree(g, 4).unwrap().is_none());
    drop(tx);
    shared_welcomes(store);
}

/// The claim reads: oldest usable regular ones first, the last resort
/// apart, expired and not-yet-valid ones never usable, counts capped,
/// expired ones listed soonest first; per owner and suite.
fn key_package_claims<S: Store>(store: &S) {
    let b = ClientId::from("b");
    let kp = |r: &str, suite: u16, uploaded_at: u64, life: (u64, u64), last_resort: bool| {
        KeyPackageRecord {
            reference: r.as_bytes().to_vec(),
            owner: b.clone(),
            cipher_suite: suite,
            version: 1,
            not_before: life.0,
            not_after: life.1,
            last_resort,
            key_package: r.as_bytes().to_vec(),
            uploaded_at,
        }
    };
    let live = (0, u64::MAX);
    let writes = vec![
        kp("r3", 1, 30, live, false),
        kp("r1b", 1, 10, live, false),
        kp("r1a", 1, 10, live, false),
        kp("old", 1, 5, (0, 99), false),
        kp("older", 1, 4, (0, 50), false),
        kp("future", 1, 1, (200, u64::MAX), false),
        kp("r2", 1, 20, live, false),
        kp("lr", 1, 0, live, true),
        kp("other suite", 2, 0, live, false),
    ];
    store
        .begin()
        .unwrap()
        .commit(writes.into_iter().map(Write::PutKeyPackage).collect())
        .unwrap();
    // Replacing one keeps one record under the reference (indexes too).
    store
        .begin()
        .unwrap()
        .commit(vec![Write::PutKeyPackage(kp("r3", 1, 40, live, false))])
        .unwrap();
    let refs = |v: Vec<KeyPackageRecord>| {
        v.into_iter()
            .map(|k| String::from_utf8(k.reference).unwrap())
            .collect::<Vec<_>>()
    };
    let mut tx = store.begin().unwrap();
    let now = 100;
    assert_eq!(
        refs(tx.oldest_key_packages(&b, 1, now, 10).unwrap()),
        ["r1a", "r1b", "r2", "r3"]
    );
    assert_eq!(
        refs(tx.oldest_key_packages(&b, 1, now, 2).unwrap()),
        ["r1a", "r1b"]
    );
    assert_eq!(refs(tx.oldest_key_packages(&b, 1, 60, 1).unwrap()), ["old"]);
    assert_eq!(
        refs(tx.oldest_key_packages(&b, 2, now, 5).unwrap()),
        ["other suite"]
    );
    assert!(tx.oldest_key_packages(&b, 3, now, 5).unwrap().is_empty());
    assert!(tx
        .oldest_key_packages(&ClientId::from("a"), 1, now, 5)
        .unwrap()
        .is_empty());
    let lr = tx.last_resort_key_package(&b, 1, now).unwrap().unwrap();
    assert_eq!(lr.reference, b"lr");
    assert!(lr.last_resort);
    assert!(tx.last_resort_key_package(&b, 2, now).unwrap().is_none());
    assert_eq!(tx.count_key_packages(&b, 1, now, 100).unwrap(), 4);
    assert_eq!(tx.count_key_packages(&b, 1, now, 3).unwrap(), 3);
    assert_eq!(
        tx.count_key_packages(&b, 1, 300, 100).unwrap(),
        5,
        "future is valid"
    );
    assert_eq!(tx.count_key_packages(&b, 1, 40, 100).unwrap(), 6);
    assert_eq!(tx.count_key_packages(&b, 2, now, 100).unwrap(), 1);
    let expired = |tx: &mut S::Tx<'_>, now, limit| {
        tx.expired_key_packages(&b, 1, now, limit)
            .unwrap()
            .into_iter()
            .map(|r| String::from_utf8(r).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(expired(&mut tx, now, 10), ["older", "old"]);
    assert_eq!(expired(&mut tx, now, 1), ["older"]);
    assert!(expired(&mut tx, 50, 10).is_empty());
    // The four reads in one call agree with them.
    let mut reads = tx.claim_reads(&b, 1, now, 2, 3, 10).unwrap();
    reads.expired.sort();
    assert_eq!(reads.expired, [b"old".to_vec(), b"older".to_vec()]);
    assert_eq!(reads.usable, 3, "capped");
    assert_eq!(refs(reads.oldest), ["r1a", "r1b"]);
    assert_eq!(reads.last_resort, None, "regular ones are left");
    let reads = tx.claim_reads(&b, 1, now, 5, 100, 1).unwrap();
    assert_eq!(reads.expired.len(), 1);
    assert_eq!(reads.usable, 4);
    assert_eq!(refs(reads.oldest), ["r1a", "r1b", "r2", "r3"]);
    assert_eq!(reads.last_resort.unwrap().reference, b"lr");
    let reads = tx.claim_reads(&b, 3, now, 1, 9, 10).unwrap();
    assert_eq!(reads, ClaimReads::default());
    assert_eq!(tx.key_packages(&b).unwrap().len(), 9);
    drop(tx);
    // Taken: gone from every read.
    store
        .begin()
        .unwrap()
        .commit(
            [
                "r1a",
                "r1b",
                "r2",
                "r3",
                "old",
                "older",
                "future",
                "lr",
                "other suite",
            ]
            .iter()
            .map(|r| Write::TakeKeyPackage {
                reference: r.as_bytes().to_vec(),
            })
            .collect(),
        )
        .unwrap();
    let mut tx = store.begin().unwrap();
    assert!(tx.oldest_key_packages(&b, 1, now, 10).unwrap().is_empty());
    assert!(tx.last_resort_key_package(&b, 1, now).unwrap().is_none());
    assert_eq!(tx.count_key_packages(&b, 1, now, 10).unwrap(), 0);
    assert!(expired(&mut tx, now, 10).is_empty());
    assert!(tx.key_packages(&b).unwrap().is_empty());
}

/// A Welcome stored once for several joiners: each reads it until it
/// acknowledges it; counts per client, capped.
fn shared_welcomes<S: Store>(store: &S) {
    let g = b"conformance".as_slice();
    let (a, b) = (ClientId::from("a"), ClientId::from("b"));
    let put = |epoch: u64, joiners: &[&ClientId]| {
        store
            .begin()
            .unwrap()
            .commit(vec![Write::PutWelcome(WelcomeMessageRecord {
                group_id: g.to_vec(),
                epoch,
                welcome: vec![epoch as u8; 3],
                joiners: joiners.iter().map(|c| (*c).clone()).collect(),
            })])
            .unwrap()
    };
    let ack = |c: &ClientId, epoch: u64| {
        store
            .begin()
            .unwrap()
            .commit(vec![Write::DeleteWelcome {
                client: c.clone(),
                group_id: g.to_vec(),
                epoch,
            }])
            .unwrap()
    };
    put(5, &[&a, &b]);
    put(6, &[&a]);
    let mut tx = store.begin().unwrap();
    let of_a = tx.welcomes(&a, 10).unwrap();
    assert_eq!(
        of_a.iter()
            .map(|w| (w.epoch, w.welcome.clone()))
            .collect::<Vec<_>>(),
        [(5, vec![5; 3]), (6, vec![6; 3])]
    );
    assert_eq!(of_a[0].client, a);
    assert_eq!(tx.welcomes(&a, 1).unwrap().len(), 1);
    assert_eq!(tx.welcome_count(&a, 10).unwrap(), 2);
    assert_eq!(tx.welcome_count(&a, 1).unwrap(), 1);
    assert_eq!(tx.welcome_count(&b, 10).unwrap(), 1);
    drop(tx);
    // a acknowledges epoch 5 (twice: the second is a no-op): b still
    // reads it.
    ack(&a, 5);
    ack(&a, 5);
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.welcomes(&a, 10).unwrap().len(), 1);
    let of_b = tx.welcomes(&b, 10).unwrap();
    assert_eq!((of_b.len(), of_b[0].welcome.clone()), (1, vec![5; 3]));
    drop(tx);
    ack(&b, 5);
    ack(&a, 6);
    let mut tx = store.begin().unwrap();
    assert!(tx.welcomes(&a, 10).unwrap().is_empty());
    assert!(tx.welcomes(&b, 10).unwrap().is_empty());
    assert_eq!(tx.welcome_count(&a, 10).unwrap(), 0);
    drop(tx);
    // Stored again for (group, epoch) after every joiner acknowledged it.
    put(5, &[&b]);
    assert_eq!(
        store.begin().unwrap().welcomes(&b, 10).unwrap()[0].welcome,
        vec![5; 3]
    );
    ack(&b, 5);
}
