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
            Write::PutWelcome(WelcomeRecord {
                client: a.clone(),
                group_id: g.to_vec(),
                epoch: 4,
                welcome: vec![4],
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
}
