//! The storage layer: incremental saves restore to the same state, a
//! failed write is repaired by the next save, encryption at rest refuses
//! damaged, moved and foreign values, and key material is found again for
//! a Welcome.

use crate::common;

use common::*;
use mls_crypto::Secret;
use mls_framing::{Add, Proposal};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};

type G = Group<RustCryptoSuite>;

fn reload(storage: &dyn Storage, g: &G) -> G {
    G::load(suite(1), storage, g.group_id(), *g.config(), None)
        .unwrap()
        .expect("stored")
}

fn assert_same(a: &G, b: &G) {
    assert_eq!(*a.to_state_bytes().unwrap(), *b.to_state_bytes().unwrap());
}

/// Alice in a group of `n`, saving after every change; returns the
/// groups (alice first).
fn saved_group(storage: &mut dyn Storage, names: &[&str]) -> Vec<G> {
    let mut g = group_of(1, &names[..1], HandshakeFormat::Public);
    g[0].save(storage).unwrap();
    for name in &names[1..] {
        add_and_join(
            &mut g,
            &key_package(&suite(1), name),
            GroupConfig::default(),
        );
        g[0].save(storage).unwrap();
    }
    g
}

#[test]
fn saves_restore_the_same_state_through_adds_updates_and_removes() {
    let mut storage = MemoryStorage::default();
    let mut g = saved_group(&mut storage, &["a", "b", "c", "d", "e"]);
    assert_same(&reload(&storage, &g[0]), &g[0]);
    // Removes blank nodes: their records go.
    let out = g[0]
        .remove_members(&[mls_types::tree_math::LeafIndex(2)], &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let _ = out;
    g[0].save(&mut storage).unwrap();
    assert_same(&reload(&storage, &g[0]), &g[0]);
    for _ in 0..3 {
        g[0].commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
            .unwrap();
        g[0].merge_pending_commit().unwrap();
        g[0].save(&mut storage).unwrap();
        assert_same(&reload(&storage, &g[0]), &g[0]);
    }
    assert_eq!(storage.group_ids().unwrap(), vec![g[0].group_id().to_vec()]);
    storage.delete_group(g[0].group_id()).unwrap();
    assert!(G::load(
        suite(1),
        &storage,
        g[0].group_id(),
        GroupConfig::default(),
        None
    )
    .unwrap()
    .is_none());
}

/// Fails the next `fail` group writes, then passes them through.
struct Flaky {
    inner: MemoryStorage,
    fail: usize,
}

impl Storage for Flaky {
    fn write_group(&mut self, id: &[u8], w: GroupWrite<'_>) -> Result<(), StorageError> {
        if self.fail > 0 {
            self.fail -= 1;
            return Err(StorageError::Backend("disk full".into()));
        }
        self.inner.write_group(id, w)
    }
    fn read_group(&self, id: &[u8]) -> Result<StoredRecords, StorageError> {
        self.inner.read_group(id)
    }
    fn delete_group(&mut self, id: &[u8]) -> Result<(), StorageError> {
        self.inner.delete_group(id)
    }
    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.group_ids()
    }
    fn write_item(&mut self, k: ItemKind, id: &[u8], v: Option<&[u8]>) -> Result<(), StorageError> {
        self.inner.write_item(k, id, v)
    }
    fn read_item(
        &self,
        k: ItemKind,
        id: &[u8],
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, StorageError> {
        self.inner.read_item(k, id)
    }
    fn item_ids(&self, k: ItemKind) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.item_ids(k)
    }
}

#[test]
fn a_failed_write_is_repaired_by_the_next_save() {
    let mut storage = Flaky {
        inner: MemoryStorage::default(),
        fail: 0,
    };
    let mut g = saved_group(&mut storage, &["a", "b", "c", "d"]);
    // A remove (which deletes node records) whose save fails twice.
    g[0].remove_members(&[mls_types::tree_math::LeafIndex(1)], &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    storage.fail = 2;
    assert_eq!(
        g[0].save(&mut storage).unwrap_err(),
        StorageError::Backend("disk full".into())
    );
    // The store still holds the previous epoch, whole.
    assert_eq!(reload(&storage, &g[0]).epoch(), g[0].epoch() - 1);
    g[0].commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    assert!(g[0].save(&mut storage).is_err());
    g[0].save(&mut storage).unwrap();
    assert_same(&reload(&storage, &g[0]), &g[0]);
}

fn encrypted(key: u8) -> Encrypted<MemoryStorage, RustCryptoSuite> {
    Encrypted::new(
        MemoryStorage::default(),
        suite(1),
        Secret::from(vec![key; 32]),
        Box::new(OsRng),
    )
}

#[test]
fn encryption_at_rest_refuses_every_damaged_byte() {
    let mut storage = encrypted(1);
    let g = saved_group(&mut storage, &["a", "b", "c"]);
    assert_same(&reload(&storage, &g[0]), &g[0]);
    let id = g[0].group_id().to_vec();
    let records = storage.inner().read_group(&id).unwrap();
    assert!(records.len() >= 4, "a group record and node records");
    for (key, value) in &records {
        for at in [0, 1, 33, value.len() / 2, value.len() - 1] {
            let mut damaged = value.to_vec();
            damaged[at] ^= 0x10;
            let mut copy = encrypted(1);
            let all: Vec<StateChange> = records
                .iter()
                .map(|(k, v)| StateChange {
                    key: *k,
                    value: Some(zeroize::Zeroizing::new(if k == key {
                        damaged.clone()
                    } else {
                        v.to_vec()
                    })),
                })
                .collect();
            copy.inner_mut()
                .write_group(
                    &id,
                    GroupWrite {
                        replace: true,
                        changes: &all,
                    },
                )
                .unwrap();
            let err = G::load(suite(1), &copy, &id, GroupConfig::default(), None).unwrap_err();
            let expected = match key {
                StateKey::Group => "group record",
                StateKey::Node(_) => "tree node record",
            };
            assert_eq!(err, StorageError::Corrupted(expected), "{key:?} byte {at}");
            assert!(err.to_string().contains("damaged"));
        }
    }
}

#[test]
fn encryption_binds_values_to_their_record_and_key() {
    let mut storage = encrypted(1);
    let g = saved_group(&mut storage, &["a", "b"]);
    let id = g[0].group_id().to_vec();
    let records = storage.inner().read_group(&id).unwrap();
    // Two node records swapped.
    let nodes: Vec<_> = records
        .iter()
        .filter(|(k, _)| matches!(k, StateKey::Node(_)))
        .collect();
    let swapped = [
        StateChange {
            key: nodes[0].0,
            value: Some(nodes[1].1.clone()),
        },
        StateChange {
            key: nodes[1].0,
            value: Some(nodes[0].1.clone()),
        },
    ];
    let mut moved = encrypted(1);
    let all: Vec<StateChange> = records
        .iter()
        .map(|(k, v)| StateChange {
            key: *k,
            value: Some(v.clone()),
        })
        .chain(swapped)
        .collect();
    moved
        .inner_mut()
        .write_group(
            &id,
            GroupWrite {
                replace: true,
                changes: &all,
            },
        )
        .unwrap();
    assert_eq!(
        G::load(suite(1), &moved, &id, GroupConfig::default(), None).unwrap_err(),
        StorageError::Corrupted("tree node record")
    );
    // The same records under another group id.
    let mut elsewhere = encrypted(1);
    let plain: Vec<StateChange> = records
        .iter()
        .map(|(k, v)| StateChange {
            key: *k,
            value: Some(v.clone()),
        })
        .collect();
    elsewhere
        .inner_mut()
        .write_group(
            b"other",
            GroupWrite {
                replace: true,
                changes: &plain,
            },
        )
        .unwrap();
    assert!(matches!(
        G::load(suite(1), &elsewhere, b"other", GroupConfig::default(), None),
        Err(StorageError::Corrupted(_))
    ));
    // Read with another key.
    let mut other_key = encrypted(2);
    other_key
        .inner_mut()
        .write_group(
            &id,
            GroupWrite {
                replace: true,
                changes: &plain,
            },
        )
        .unwrap();
    assert_eq!(
        G::load(suite(1), &other_key, &id, GroupConfig::default(), None).unwrap_err(),
        StorageError::Corrupted("group record")
    );
}

#[test]
fn a_key_package_bundle_is_found_again_for_its_welcome() {
    let s = suite(1);
    let mut storage = encrypted(3);
    let bob = key_package(&s, "bob");
    let other = key_package(&s, "bob");
    bob.save(&s, &mut storage).unwrap();
    other.save(&s, &mut storage).unwrap();
    let last = KeyPackageBundle::create(
        &s,
        &identity(&s, "bob"),
        KeyPackageOptions {
            last_resort: true,
            ..KeyPackageOptions::default()
        },
        &mut OsRng,
    )
    .unwrap();
    last.save(&s, &mut storage).unwrap();
    assert_eq!(storage.item_ids(ItemKind::KeyPackage).unwrap().len(), 3);

    let mut alice = group_of(1, &["alice"], HandshakeFormat::Public);
    for bundle in [&bob, &last] {
        alice[0].set_time(unix_time_now());
        let out = alice[0]
            .commit(
                vec![Proposal::Add(Add {
                    key_package: bundle.key_package().clone(),
                })],
                &CommitOptions::default(),
                &mut OsRng,
            )
            .unwrap();
        alice[0].merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap().into_welcome().unwrap();
        // After a restart: the bundle comes from storage.
        let found = KeyPackageBundle::load_for_welcome(&s, &storage, &welcome)
            .unwrap()
            .expect("stored");
        assert_eq!(found.key_package(), bundle.key_package());
        Group::join(s.clone(), &welcome, &found, JoinOptions::default()).unwrap();
        found.forget_after_join(&s, &mut storage).unwrap();
    }
    // The used regular bundle is gone; the last-resort one and the unused
    // one stay.
    let left = storage.item_ids(ItemKind::KeyPackage).unwrap();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&bob.reference(&s).unwrap().0));
    assert!(left.contains(&last.reference(&s).unwrap().0));
}
