//! Three people chat through bytes; every client is dropped and reopened
//! from its SQLite store between steps; bob restarts between publishing
//! his KeyPackage and the Welcome; carol is removed; a damaged store is
//! refused with a clear error.

use std::path::PathBuf;

use downstream_chat::{ChatClient, Event};
use mls_group::{GroupError, GroupStatus, ItemKind, Storage, StorageError};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "downstream-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn db(&self, who: &str) -> PathBuf {
        self.0.join(format!("{who}.db"))
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn key(who: &str) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..who.len()].copy_from_slice(who.as_bytes());
    k
}

fn open(dir: &Dir, who: &str) -> ChatClient {
    ChatClient::open(&dir.db(who), who, key(who)).unwrap()
}

/// Drops the client and opens it again from its store.
fn restart(dir: &Dir, client: ChatClient) -> ChatClient {
    let who = client.name().to_string();
    drop(client);
    open(dir, &who)
}

fn message(from: &str, text: &str) -> Event {
    Event::Message {
        from: from.into(),
        text: text.into(),
    }
}

#[test]
fn three_people_with_restarts_and_a_removal() {
    let dir = Dir::new("flow");
    let g = b"friends".as_slice();
    let mut alice = open(&dir, "alice");
    alice.create_group(g).unwrap();

    // Bob and carol publish KeyPackages, then restart before the Welcome.
    let mut bob = open(&dir, "bob");
    let kp_bob = bob.publish_key_package().unwrap();
    let bob = restart(&dir, bob);
    let mut carol = open(&dir, "carol");
    let kp_carol = carol.publish_key_package().unwrap();
    let carol = restart(&dir, carol);

    let (_, welcome) = alice.add(g, &[&kp_bob, &kp_carol]).unwrap();
    let mut alice = restart(&dir, alice);
    let mut bob = restart(&dir, bob);
    let mut carol = restart(&dir, carol);
    assert_eq!(bob.join(&welcome).unwrap(), g);
    assert_eq!(carol.join(&welcome).unwrap(), g);
    // The used KeyPackage bundles are gone from the stores.
    assert!(bob
        .store_mut()
        .item_ids(ItemKind::KeyPackage)
        .unwrap()
        .is_empty());

    let hello = alice.send(g, "hello").unwrap();
    let mut bob = restart(&dir, bob);
    assert_eq!(bob.receive(g, &hello).unwrap(), message("alice", "hello"));
    assert_eq!(carol.receive(g, &hello).unwrap(), message("alice", "hello"));
    let reply = bob.send(g, "hi alice").unwrap();
    let mut alice = restart(&dir, alice);
    assert_eq!(
        alice.receive(g, &reply).unwrap(),
        message("bob", "hi alice")
    );

    // Alice removes carol.
    let commit = alice.remove(g, "carol").unwrap();
    let mut alice = restart(&dir, alice);
    assert_eq!(
        bob.receive(g, &commit).unwrap(),
        Event::Epoch {
            epoch: 2,
            members: vec!["alice".into(), "bob".into()]
        }
    );
    assert_eq!(carol.receive(g, &commit).unwrap(), Event::Removed);
    let mut carol = restart(&dir, carol);
    assert_eq!(carol.group(g).unwrap().status(), GroupStatus::Removed);
    let err = carol.send(g, "still here?").unwrap_err();
    assert_eq!(
        err.downcast_ref::<GroupError>(),
        Some(&GroupError::Removed),
        "{err}"
    );
    let after = alice.send(g, "just us").unwrap();
    let mut bob = restart(&dir, bob);
    assert_eq!(bob.receive(g, &after).unwrap(), message("alice", "just us"));
    assert!(carol.receive(g, &after).is_err());
}

#[test]
fn a_damaged_store_is_refused_with_a_clear_error() {
    let dir = Dir::new("damaged");
    let g = b"g".as_slice();
    let mut alice = open(&dir, "alice");
    alice.create_group(g).unwrap();
    let mut bob = open(&dir, "bob");
    let kp = bob.publish_key_package().unwrap();
    let (_, welcome) = alice.add(g, &[&kp]).unwrap();
    bob.join(&welcome).unwrap();

    // One byte of alice's group record flipped in the database.
    let inner = alice.store_mut().inner_mut();
    let records = inner.read_group(g).unwrap();
    let (k, v) = &records[0];
    let mut damaged = v.to_vec();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 1;
    let change = mls_group::StateChange {
        key: *k,
        value: Some(damaged.into()),
    };
    inner
        .write_group(
            g,
            mls_group::GroupWrite {
                replace: false,
                changes: &[change],
            },
        )
        .unwrap();
    drop(alice);
    let err = ChatClient::open(&dir.db("alice"), "alice", key("alice"))
        .err()
        .expect("refused");
    assert_eq!(
        err.downcast_ref::<StorageError>(),
        Some(&StorageError::Corrupted("group record"))
    );
    assert_eq!(
        err.to_string(),
        "stored group record is damaged or was not written with this key"
    );
    // The wrong key reads nothing either, and says so.
    let err = ChatClient::open(&dir.db("bob"), "bob", key("mallory"))
        .err()
        .expect("refused");
    assert_eq!(
        err.downcast_ref::<StorageError>(),
        Some(&StorageError::Corrupted("identity"))
    );
}
