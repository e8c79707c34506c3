//! Commit and resumption options and the accessors a test driver (such as
//! the interop client) needs: chosen stored proposals, forced paths in a
//! resumed group, the pending commit's tree, external sender positions.

use crate::common;

use common::*;
use mls_framing::{ExtensionBody, ExternalSender, ExternalSenders, ProposalRef};
use mls_group::*;
use mls_keyschedule::ResumptionPskUsage;
use mls_rustcrypto::OsRng;
use mls_treekem::LeafNodeSource;

fn commit_and_deliver(g: &mut [Group<mls_rustcrypto::RustCryptoSuite>], options: &CommitOptions) {
    let out = g[0].commit(Vec::new(), options, &mut OsRng).unwrap();
    g[0].merge_pending_commit().unwrap();
    let (_, rest) = g.split_at_mut(1);
    let mut refs: Vec<_> = rest.iter_mut().collect();
    deliver(&mut refs, &out.commit);
}

#[test]
fn stored_proposals_commits_exactly_the_chosen_ones() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let s = suite(1);
    let by_b = g[1]
        .propose_add(key_package(&s, "x").key_package().clone(), &mut OsRng)
        .unwrap();
    let by_c = g[2]
        .propose_add(key_package(&s, "y").key_package().clone(), &mut OsRng)
        .unwrap();
    let mut refs = Vec::new();
    for (msg, others) in [(&by_b, [0, 2]), (&by_c, [0, 1])] {
        for i in others {
            let ProcessedMessage::Proposal(p) = g[i].process_message(msg).unwrap() else {
                panic!("a proposal")
            };
            if i == 0 {
                refs.push(p.reference.clone());
            }
        }
    }
    // Only c's proposal, although b's is stored too.
    let out = g[0]
        .commit(
            Vec::new(),
            &CommitOptions {
                stored_proposals: Some(vec![refs[1].clone()]),
                ..CommitOptions::default()
            },
            &mut OsRng,
        )
        .unwrap();
    let ProcessedMessage::Commit(st) = g[1].process_message(&out.commit).unwrap() else {
        panic!("a commit")
    };
    let added: Vec<_> = st.added().iter().map(|(_, kp)| kp.clone()).collect();
    assert_eq!(added.len(), 1);
    assert_eq!(
        added[0].leaf_node.credential,
        mls_types::Credential::Basic(b"y".to_vec())
    );
    // A reference nobody sent is refused and leaves nothing pending.
    g[0].clear_pending_commit();
    let unknown = CommitOptions {
        stored_proposals: Some(vec![ProposalRef(vec![7u8; 32])]),
        ..CommitOptions::default()
    };
    assert!(g[0].commit(Vec::new(), &unknown, &mut OsRng).is_err());
    assert!(!g[0].has_pending_commit());
}

#[test]
fn pending_ratchet_tree_is_the_next_epochs_tree() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Public);
    let s = suite(1);
    assert!(g[0].pending_ratchet_tree().unwrap().is_none());
    g[0].commit(
        vec![mls_framing::Proposal::Add(mls_framing::Add {
            key_package: key_package(&s, "c").key_package().clone(),
        })],
        &CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut OsRng,
    )
    .unwrap();
    let mut pending = g[0].pending_ratchet_tree().unwrap().expect("a tree");
    // Asking does not change the current epoch.
    assert_eq!(g[0].tree().member_count(), 2);
    g[0].merge_pending_commit().unwrap();
    let mut merged = g[0].tree().clone();
    assert_eq!(pending.member_count(), 3);
    assert_eq!(
        pending.tree_hash(&s).unwrap(),
        merged.tree_hash(&s).unwrap()
    );
    assert!(g[0].pending_ratchet_tree().unwrap().is_none());
}

#[test]
fn external_sender_index_finds_the_position() {
    let s = suite(1);
    let (one, two, stranger) = (identity(&s, "ds1"), identity(&s, "ds2"), identity(&s, "z"));
    let senders = ExternalSenders(
        [&one, &two]
            .iter()
            .map(|id| ExternalSender {
                signature_key: id.signature_key().clone(),
                credential: id.credential().clone(),
            })
            .collect(),
    );
    let g = Group::create(
        s.clone(),
        identity(&s, "a"),
        b"g".to_vec(),
        vec![senders.to_extension().unwrap()],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    assert_eq!(
        g.external_sender_index(two.signature_key()).unwrap(),
        Some(1)
    );
    assert_eq!(
        g.external_sender_index(one.signature_key()).unwrap(),
        Some(0)
    );
    assert_eq!(
        g.external_sender_index(stranger.signature_key()).unwrap(),
        None
    );
    let plain = group_of(1, &["a"], HandshakeFormat::Public);
    assert_eq!(
        plain[0].external_sender_index(one.signature_key()).unwrap(),
        None
    );
}

#[test]
fn resumed_group_with_forced_path() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Public);
    commit_and_deliver(&mut g, &CommitOptions::default());
    let info = g[0].resumption_info();
    for force_path in [false, true] {
        let kp_b = key_package(&suite(1), "b");
        let (new_a, out) = Group::create_resumed(
            suite(1),
            key_package(&suite(1), "a"),
            &info,
            ResumeOptions {
                usage: ResumptionPskUsage::BRANCH,
                branch_group_id: format!("side {force_path}").into_bytes(),
                key_packages: vec![kp_b.key_package().clone()],
                now: Some(unix_time_now()),
                force_path,
                ..ResumeOptions::branch(Vec::new())
            },
            &mut OsRng,
        )
        .unwrap();
        let source = &new_a.own_leaf_node().unwrap().leaf_node_source;
        assert_eq!(matches!(source, LeafNodeSource::Commit(_)), force_path);
        let b_info = g[1].resumption_info();
        let new_b = Group::join(
            suite(1),
            &out.welcome.unwrap().into_welcome().unwrap(),
            &kp_b,
            JoinOptions {
                resumption: Some(&b_info),
                ..JoinOptions::default()
            },
        )
        .unwrap();
        assert_agree(&[&new_a, &new_b]);
    }
}
