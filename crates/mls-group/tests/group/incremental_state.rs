//! Incremental persistence: after every step of a group's life, the
//! records taken since the last save, applied to a key-value store,
//! restore a member identical to the live one (same `to_state_bytes`),
//! which goes on working; a commit in a full tree changes O(log N)
//! records; refused messages change none; damaged stores are refused.

use crate::common;

use mls_group::unix_time_now;
use std::collections::BTreeMap;

use common::*;
use mls_framing::{Add, MlsMessage, Proposal, PublicMessage, Remove};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};

type G = Group<RustCryptoSuite>;
type Store = BTreeMap<StateKey, Vec<u8>>;

/// What one save wrote.
#[derive(Debug, Default)]
struct Saved {
    group: bool,
    nodes_written: usize,
    nodes_deleted: usize,
    /// Values plus five bytes per key.
    bytes: usize,
}

/// Applies `g`'s changes to `store`.
fn save(g: &mut G, store: &mut Store) -> Saved {
    let mut saved = Saved::default();
    for c in g.take_state_changes().unwrap() {
        saved.bytes += StateKey::ENCODED_LEN + c.value.as_ref().map_or(0, |v| v.len());
        match (c.key, c.value) {
            (StateKey::Group, Some(v)) => {
                saved.group = true;
                store.insert(c.key, v.to_vec());
            }
            (StateKey::Group, None) => panic!("the group record is never deleted"),
            (StateKey::Node(_), Some(v)) => {
                saved.nodes_written += 1;
                store.insert(c.key, v.to_vec());
            }
            (StateKey::Node(_), None) => {
                saved.nodes_deleted += 1;
                store.remove(&c.key);
            }
        }
    }
    saved
}

fn load(store: &Store, format: HandshakeFormat) -> Result<G, GroupError> {
    G::from_state_records(
        suite(1),
        store.iter().map(|(k, v)| (*k, v.as_slice())),
        config(format),
        None,
    )
}

/// A member and its store.
struct Member {
    g: G,
    store: Store,
}

impl Member {
    fn new(mut g: G) -> Self {
        let mut store = Store::new();
        let first = save(&mut g, &mut store);
        // A new state: every record, writes only.
        assert!(first.group && first.nodes_deleted == 0);
        assert_eq!(first.nodes_written as u32, non_blank(&g));
        Member { g, store }
    }
}

fn non_blank(g: &G) -> u32 {
    g.tree().nodes().filter(Option::is_some).count() as u32
}

const FORMAT: HandshakeFormat = HandshakeFormat::Private;

/// Saves every member, restores it from its store, checks the restored
/// state is the live one, and continues with the restored member.
fn checkpoint(members: &mut [Member], step: &str) -> Vec<Saved> {
    let mut out = Vec::new();
    for (i, m) in members.iter_mut().enumerate() {
        let saved = save(&mut m.g, &mut m.store);
        let mut back = load(&m.store, FORMAT)
            .unwrap_or_else(|e| panic!("{step}: member {i} does not restore: {e:?}"));
        assert!(
            back.to_state_bytes().unwrap() == m.g.to_state_bytes().unwrap(),
            "{step}: member {i} restores differently"
        );
        assert!(back.take_state_changes().unwrap().is_empty());
        m.g = back;
        out.push(saved);
    }
    out
}

fn deliver_all(members: &mut [Member], from: usize, msg: &MlsMessage) {
    for (i, m) in members.iter_mut().enumerate() {
        if i != from {
            deliver(&mut [&mut m.g], msg);
        }
    }
}

fn commit(members: &mut [Member], from: usize, proposals: Vec<Proposal>) -> CommitOutput {
    members[from].g.set_time(unix_time_now());
    let out = members[from]
        .g
        .commit(
            proposals,
            &CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &mut OsRng,
        )
        .unwrap();
    members[from].g.merge_pending_commit().unwrap();
    deliver_all(members, from, &out.commit);
    out
}

/// Every member sends an application message the others read.
fn chat(members: &mut [Member]) {
    for i in 0..members.len() {
        let m = members[i]
            .g
            .encrypt_application_message(b"hi", b"", &mut OsRng)
            .unwrap();
        for (j, other) in members.iter_mut().enumerate() {
            if j != i {
                let ProcessedMessage::Application { data, .. } =
                    other.g.process_message(&m).unwrap()
                else {
                    panic!("not an application message")
                };
                assert_eq!(data, b"hi");
            }
        }
    }
}

fn assert_all_agree(members: &[Member]) {
    let all: Vec<&G> = members.iter().map(|m| &m.g).collect();
    assert_agree(&all);
}

fn add(members: &mut Vec<Member>, from: usize, name: &str) {
    let bundle = key_package(&suite(1), name);
    let out = commit(
        members,
        from,
        vec![Proposal::Add(Add {
            key_package: bundle.key_package().clone(),
        })],
    );
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let joined = G::join(
        suite(1),
        &welcome,
        &bundle,
        JoinOptions {
            config: config(FORMAT),
            ..JoinOptions::default()
        },
    )
    .unwrap();
    members.push(Member::new(joined));
}

#[test]
fn records_follow_every_kind_of_commit() {
    let s = suite(1);
    let alice = G::create(
        s.clone(),
        identity(&s, "a"),
        b"incremental".to_vec(),
        Vec::new(),
        config(FORMAT),
        &mut OsRng,
    )
    .unwrap();
    let mut m = vec![Member::new(alice)];
    // Adds (Welcome joins), each by the newest member.
    add(&mut m, 0, "b");
    checkpoint(&mut m, "add b");
    add(&mut m, 1, "c");
    add(&mut m, 2, "d");
    checkpoint(&mut m, "add c, d");
    chat(&mut m);
    checkpoint(&mut m, "chat");
    // An Update proposal (PrivateMessage), stored, then committed by another.
    let update = m[1].g.propose_update(&mut OsRng).unwrap();
    deliver_all(&mut m, 1, &update);
    checkpoint(&mut m, "update proposal");
    let out = m[3]
        .g
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    // A pending commit is part of the group record.
    checkpoint(&mut m, "pending commit");
    assert!(m[3].g.has_pending_commit());
    m[3].g.merge_pending_commit().unwrap();
    deliver_all(&mut m, 3, &out.commit);
    checkpoint(&mut m, "update committed");
    // An empty commit with a path.
    commit(&mut m, 2, Vec::new());
    let saved = checkpoint(&mut m, "empty commit");
    assert!(saved.iter().all(|s| s.group && s.nodes_written > 0));
    chat(&mut m);
    // An external commit.
    let info = m[0].g.group_info(true, true).unwrap();
    let (eve, msg) = G::join_external(
        s.clone(),
        &info,
        identity(&s, "e"),
        ExternalJoinOptions {
            config: config(FORMAT),
            ..ExternalJoinOptions::default()
        },
        &mut OsRng,
    )
    .unwrap();
    deliver_all(&mut m, usize::MAX, &msg);
    m.push(Member::new(eve));
    checkpoint(&mut m, "external commit");
    assert_eq!(m[0].g.members().len(), 5);
    chat(&mut m);
    // Removing the last two leaves (5 members: leaves 0..=4, 8 leaves)
    // halves the tree: the dropped nodes' records are deleted.
    let before = m[0].g.tree().n_leaves();
    commit(
        &mut m,
        0,
        vec![
            Proposal::Remove(Remove { removed: 4 }),
            Proposal::Remove(Remove { removed: 3 }),
        ],
    );
    for gone in m.drain(3..) {
        assert!(!gone.g.is_active());
    }
    assert!(m[0].g.tree().n_leaves() < before);
    let saved = checkpoint(&mut m, "removes");
    assert!(saved.iter().all(|s| s.nodes_deleted > 0), "{saved:?}");
    for member in &m {
        let width = member.g.tree().n_nodes();
        assert!(member.store.keys().all(|k| match k {
            StateKey::Node(i) => *i < width,
            StateKey::Group => true,
        }));
    }
    // The restored members keep working together.
    chat(&mut m);
    commit(&mut m, 1, Vec::new());
    checkpoint(&mut m, "after removes");
    assert_all_agree(&m);
}

/// A chain of `n` members in which every parent node is set (member k
/// adds member k+1 with a path): returns leaf 0 and the last member.
fn full_tree(n: usize) -> (G, G) {
    let s = suite(1);
    let mut first = G::create(
        s.clone(),
        identity(&s, "m0000"),
        b"full".to_vec(),
        Vec::new(),
        config(HandshakeFormat::Public),
        &mut OsRng,
    )
    .unwrap();
    let mut newest: Option<G> = None;
    for i in 1..n {
        let bundle = key_package(&s, &format!("m{i:04}"));
        let adder = newest.as_mut().unwrap_or(&mut first);
        adder.set_time(unix_time_now());
        let out = adder
            .commit(
                vec![Proposal::Add(Add {
                    key_package: bundle.key_package().clone(),
                })],
                &CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut OsRng,
            )
            .unwrap();
        adder.merge_pending_commit().unwrap();
        if newest.is_some() {
            deliver(&mut [&mut first], &out.commit);
        }
        let welcome = out.welcome.unwrap().into_welcome().unwrap();
        newest = Some(G::join(s.clone(), &welcome, &bundle, JoinOptions::default()).unwrap());
    }
    (first, newest.unwrap())
}

/// An empty commit with a path in a full tree changes the committer's leaf
/// and its log₂ N parents: the records written grow with log N, not N.
#[test]
fn a_commit_in_a_full_tree_changes_log_n_records() {
    let mut bytes = Vec::new();
    for n in [64usize, 256] {
        let (mut committer, mut last) = full_tree(n);
        assert_eq!(non_blank(&last), 2 * n as u32 - 1, "a full tree");
        let mut store = Store::new();
        save(&mut last, &mut store);
        let out = committer
            .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
            .unwrap();
        committer.merge_pending_commit().unwrap();
        deliver(&mut [&mut last], &out.commit);
        let saved = save(&mut last, &mut store);
        let log_n = n.ilog2() as usize;
        assert!(saved.group);
        assert_eq!(saved.nodes_deleted, 0);
        assert!(
            saved.nodes_written <= 2 * (log_n + 1),
            "{} node records changed at {n} members",
            saved.nodes_written
        );
        let back = load(&store, HandshakeFormat::Public).unwrap();
        assert!(back.to_state_bytes().unwrap() == last.to_state_bytes().unwrap());
        bytes.push(saved.bytes);
    }
    // 4× the members: the bytes written grow by the extra path nodes only.
    let ratio = bytes[1] as f64 / bytes[0] as f64;
    assert!(
        ratio < 1.5,
        "bytes written at 64 and 256 members: {bytes:?}"
    );
}

/// A refused message — an external commit whose confirmation tag was
/// altered, refused after its tree changes were staged — changes no
/// record, nor does a commit staged and dropped.
#[test]
fn a_refused_message_changes_no_record() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let mut store = Store::new();
    save(&mut g[0], &mut store);
    let info = g[1].group_info(true, true).unwrap();
    let s = suite(1);
    let (_, msg) = G::join_external(
        s.clone(),
        &info,
        identity(&s, "e"),
        ExternalJoinOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    // Not signed: the confirmation tag of an external commit.
    let mut pm: PublicMessage = msg.clone().into_public_message().unwrap();
    pm.auth.confirmation_tag.as_mut().unwrap()[0] ^= 1;
    let before = g[0].to_state_bytes().unwrap();
    assert_eq!(
        g[0].process_message(&MlsMessage::from(pm)).unwrap_err(),
        GroupError::InvalidConfirmationTag
    );
    assert!(g[0].to_state_bytes().unwrap() == before);
    assert!(g[0].take_state_changes().unwrap().is_empty());
    // Staged but not merged: nothing changed either.
    let ProcessedMessage::Commit(staged) = g[0].process_message(&msg).unwrap() else {
        panic!("not a commit")
    };
    drop(staged);
    assert!(g[0].take_state_changes().unwrap().is_empty());
    // Merged: records change.
    deliver(&mut [&mut g[0]], &msg);
    let saved = save(&mut g[0], &mut store);
    assert!(saved.group && saved.nodes_written > 0);
}

/// After any of the ways a member's state begins, the first save holds
/// every record; after a restore from the blob too.
#[test]
fn first_save_holds_every_record() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let bytes = g[2].to_state_bytes().unwrap();
    let mut store = Store::new();
    let saved = save(&mut g[2], &mut store);
    assert_eq!(saved.nodes_written as u32, non_blank(&g[2]));
    let mut back = G::from_state_bytes(suite(1), &bytes, GroupConfig::default(), None).unwrap();
    let mut again = Store::new();
    save(&mut back, &mut again);
    assert!(again == store, "records after from_state_bytes");
    // Taking does not change the blob.
    assert!(g[2].to_state_bytes().unwrap() == bytes);
}

#[test]
fn damaged_stores_are_refused() {
    let mut g = group_of(1, &["a", "b", "c", "d", "e"], HandshakeFormat::Public);
    let mut store = Store::new();
    save(&mut g[0], &mut store);
    commit_empty(&mut g);
    save(&mut g[0], &mut store);
    let old = store.clone();
    commit_empty(&mut g);
    save(&mut g[0], &mut store);
    assert!(load(&store, HandshakeFormat::Public).is_ok());
    let with = |f: &dyn Fn(&mut Store)| {
        let mut s = store.clone();
        f(&mut s);
        load(&s, HandshakeFormat::Public).map(|_| ())
    };
    let nodes: Vec<u32> = store
        .keys()
        .filter_map(|k| match k {
            StateKey::Node(i) => Some(*i),
            StateKey::Group => None,
        })
        .collect();
    let n = nodes.len() as u32;
    let some_node = StateKey::Node(nodes[1]);
    assert_eq!(
        with(&|s| {
            s.remove(&some_node);
        }),
        Err(GroupError::NodeRecordCount {
            expected: n,
            found: nodes.len() - 1
        })
    );
    assert_eq!(
        with(&|s| {
            s.remove(&StateKey::Group);
        }),
        Err(GroupError::MissingGroupRecord)
    );
    assert_eq!(
        with(&|s| s.get_mut(&StateKey::Group).unwrap()[1] ^= 0x80),
        Err(GroupError::UnknownStateVersion(STATE_VERSION ^ 0x80))
    );
    assert_eq!(
        with(&|s| s.get_mut(&some_node).unwrap()[0] = 7),
        Err(GroupError::Tree(
            mls_treekem::TreeError::UnknownNodeRecordVersion {
                node: nodes[1],
                version: 7
            }
        ))
    );
    // A record from the previous epoch (a save applied in part): the tree
    // hash is not the group context's.
    let changed = nodes
        .iter()
        .map(|i| StateKey::Node(*i))
        .find(|k| old.get(k).is_some_and(|v| *v != store[k]))
        .expect("the commit changed a node");
    assert_eq!(
        with(&|s| {
            s.insert(changed, old[&changed].clone());
        }),
        Err(GroupError::NodeRecordsMismatch)
    );
    // The previous epoch's group record with the new node records.
    assert!(with(&|s| {
        s.insert(StateKey::Group, old[&StateKey::Group].clone());
    })
    .is_err());
    // Every truncation of every record: an error, never a panic.
    for key in store.keys() {
        for len in 0..store[key].len() {
            let r = with(&|s| s.get_mut(key).unwrap().truncate(len));
            assert!(r.is_err(), "{key:?} cut at {len}");
        }
    }
    // A flipped byte in a node record: refused (it changes the tree hash).
    for key in store.keys().filter(|k| **k != StateKey::Group) {
        for at in 0..store[key].len() {
            let r = with(&|s| s.get_mut(key).unwrap()[at] ^= 0x55);
            assert!(r.is_err(), "{key:?} flipped at {at}");
        }
    }
    // In the group record: refused or, where the byte is free (a secret,
    // say), a different state; never a panic.
    for at in 0..store[&StateKey::Group].len() {
        let _ = with(&|s| s.get_mut(&StateKey::Group).unwrap()[at] ^= 0x55);
    }
}

fn commit_empty(g: &mut [G]) {
    let out = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[1].merge_pending_commit().unwrap();
    for (i, other) in g.iter_mut().enumerate() {
        if i != 1 {
            deliver(&mut [other], &out.commit);
        }
    }
}
