//! PSKs, GroupContextExtensions, required capabilities, external senders,
//! external commits and resync, the policy hook.

use crate::common;

use common::*;
use mls_crypto::Secret;
use mls_framing::{
    ExtensionBody, ExternalSender, ExternalSenders, GroupContextExtensions, Proposal, Remove,
    Sender,
};
use mls_group::*;
use mls_rustcrypto::OsRng;
use mls_types::tree_math::LeafIndex;
use mls_types::{ExtensionType, RequiredCapabilities};

fn commit_and_deliver(
    g: &mut [Group<mls_rustcrypto::RustCryptoSuite>],
    from: usize,
    proposals: Vec<Proposal>,
) -> StagedCommit {
    let out = g[from]
        .commit(proposals, &CommitOptions::default(), &mut OsRng)
        .unwrap();
    let staged = g[from].pending_commit().unwrap().staged().clone();
    g[from].merge_pending_commit().unwrap();
    for (i, m) in g.iter_mut().enumerate() {
        if i == from || !m.is_active() {
            continue;
        }
        let ProcessedMessage::Commit(st) = m.process_message(&out.commit).unwrap() else {
            panic!()
        };
        m.merge_staged_commit(st).unwrap();
    }
    staged
}

#[test]
fn external_and_resumption_psks() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Private);
    for m in g.iter_mut() {
        m.insert_external_psk(b"shared".to_vec(), Secret::from(vec![3; 32]));
    }
    let ext = g[0].external_psk_proposal(b"shared", &mut OsRng).unwrap();
    let current = g[0].epoch();
    let res = g[0].resumption_psk_proposal(current, &mut OsRng).unwrap();
    let staged = commit_and_deliver(&mut g, 0, vec![ext, res]);
    assert_eq!(staged.psks().len(), 2);
    assert_agree(&g.iter().collect::<Vec<_>>());

    // A PSK one member lacks: the commit is rejected there.
    g[0].insert_external_psk(b"only-a".to_vec(), Secret::from(vec![4; 32]));
    let p = g[0].external_psk_proposal(b"only-a", &mut OsRng).unwrap();
    let out = g[0]
        .commit(vec![p], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert_eq!(
        g[1].process_message(&out.commit).unwrap_err(),
        GroupError::MissingPsk
    );
}

#[test]
fn group_context_extensions_and_required_capabilities() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Public);
    let req = RequiredCapabilities {
        extension_types: vec![ExtensionType::EXTERNAL_SENDERS],
        proposal_types: vec![],
        credential_types: vec![],
    };
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![req.to_extension().unwrap()],
    });
    let staged = commit_and_deliver(&mut g, 1, vec![gce]);
    assert_eq!(staged.new_extensions().unwrap().len(), 1);
    assert_eq!(g[0].extensions().len(), 1);
    assert_agree(&g.iter().collect::<Vec<_>>());

    // An unsupported non-default extension is refused.
    let bad = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![mls_types::Extension::new(ExtensionType(0xff00), vec![])],
    });
    assert!(matches!(
        g[0].commit(vec![bad], &CommitOptions::default(), &mut OsRng),
        Err(GroupError::InvalidProposal(_))
    ));
    assert!(!g[0].has_pending_commit());
}

#[test]
fn external_sender_proposal() {
    let s = suite(1);
    let ds = identity(&s, "ds");
    let senders = ExternalSenders(vec![ExternalSender {
        signature_key: ds.signature_key().clone(),
        credential: ds.credential().clone(),
    }]);
    let mut a = Group::create(
        s.clone(),
        identity(&s, "a"),
        b"g".to_vec(),
        vec![senders.to_extension().unwrap()],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    a.set_time(unix_time_now());
    let kp = key_package(&s, "b");
    let add = Proposal::Add(mls_framing::Add {
        key_package: kp.key_package().clone(),
    });
    let out = a
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    a.merge_pending_commit().unwrap();
    let mut b = Group::join(
        s.clone(),
        &out.welcome.unwrap().into_welcome().unwrap(),
        &kp,
        JoinOptions::default(),
    )
    .unwrap();
    b.set_time(unix_time_now());
    let remove = external_proposal(
        &s,
        &ds,
        0,
        a.group_id(),
        a.epoch(),
        Proposal::Remove(Remove { removed: 1 }),
    )
    .unwrap();
    let ProcessedMessage::Proposal(p) = a.process_message(&remove).unwrap() else {
        panic!()
    };
    assert_eq!(p.sender, Sender::External(0));
    b.process_message(&remove).unwrap();
    let out = a
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    a.merge_pending_commit().unwrap();
    let ProcessedMessage::Commit(st) = b.process_message(&out.commit).unwrap() else {
        panic!()
    };
    assert!(st.removes_us());
    // An unknown external sender index is refused.
    let bogus = external_proposal(
        &s,
        &ds,
        5,
        a.group_id(),
        a.epoch(),
        Proposal::Remove(Remove { removed: 0 }),
    )
    .unwrap();
    assert!(a.process_message(&bogus).is_err());

    // A new member asks to join.
    let kp2 = key_package(&s, "c");
    let ask = new_member_add_proposal(&s, &kp2, a.group_id(), a.epoch()).unwrap();
    let ProcessedMessage::Proposal(p) = a.process_message(&ask).unwrap() else {
        panic!()
    };
    assert_eq!(p.sender, Sender::NewMemberProposal);
    let out = a
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    a.merge_pending_commit().unwrap();
    let c = Group::join(
        s,
        &out.welcome.unwrap().into_welcome().unwrap(),
        &kp2,
        JoinOptions::default(),
    )
    .unwrap();
    assert_agree(&[&a, &c]);
}

#[test]
fn external_commit_join_and_resync() {
    for format in [HandshakeFormat::Public, HandshakeFormat::Private] {
        let s = suite(1);
        let mut g = group_of(1, &["a", "b", "c"], format);
        let info = g[0].group_info(true, true).unwrap();
        let (d, commit) = Group::join_external(
            s.clone(),
            &info,
            identity(&s, "d"),
            ExternalJoinOptions::default(),
            &mut OsRng,
        )
        .unwrap();
        for m in g.iter_mut() {
            let ProcessedMessage::Commit(st) = m.process_message(&commit).unwrap() else {
                panic!()
            };
            assert!(st.is_external());
            m.merge_staged_commit(st).unwrap();
        }
        g.push(d);
        assert_agree(&g.iter().collect::<Vec<_>>());
        assert_eq!(g[0].members().len(), 4);

        // Bob lost his state and resyncs.
        let info = g[2].group_info(false, true).unwrap();
        let bob = g[1].identity().clone();
        let (new_bob, commit) = Group::join_external(
            s.clone(),
            &info,
            bob,
            ExternalJoinOptions {
                ratchet_tree: Some(g[2].tree().clone()),
                remove_prior: Some(LeafIndex(1)),
                ..ExternalJoinOptions::default()
            },
            &mut OsRng,
        )
        .unwrap();
        for i in [0, 2, 3] {
            let ProcessedMessage::Commit(st) = g[i].process_message(&commit).unwrap() else {
                panic!()
            };
            assert_eq!(st.removed().len(), 1);
            g[i].merge_staged_commit(st).unwrap();
        }
        g[1] = new_bob;
        assert_agree(&g.iter().collect::<Vec<_>>());
        let msg = g[1]
            .encrypt_application_message(b"back", b"", &mut OsRng)
            .unwrap();
        let ProcessedMessage::Application { data, .. } = g[3].process_message(&msg).unwrap() else {
            panic!()
        };
        assert_eq!(data, b"back");
    }
}

struct OnlyAdminAdds;
impl GroupPolicy for OnlyAdminAdds {
    fn check_proposal(&self, p: &Proposal, sender: &Sender) -> Result<(), &'static str> {
        match (p, sender) {
            (Proposal::Add(_), Sender::Member(l)) if l.0 != 0 => Err("only the admin adds"),
            _ => Ok(()),
        }
    }
}

#[test]
fn policy_hook_refuses() {
    let s = suite(1);
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Public);
    let kp = key_package(&s, "c");
    let add = Proposal::Add(mls_framing::Add {
        key_package: kp.key_package().clone(),
    });
    // Bob commits an Add; Alice's policy refuses it.
    g[0].set_policy(Box::new(OnlyAdminAdds));
    let out = g[1]
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert_eq!(
        g[0].process_message(&out.commit).unwrap_err(),
        GroupError::PolicyRejected("only the admin adds")
    );
}

#[test]
fn public_group_follows_the_group() {
    let s = suite(1);
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let mut ds = PublicGroup::from_group_info(
        s.clone(),
        &g[0].group_info(true, false).unwrap(),
        Default::default(),
    )
    .unwrap();
    // Proposal by reference + commit.
    let p = g[1].propose_update(&mut OsRng).unwrap();
    let r = g[2].propose_remove(LeafIndex(0), &mut OsRng).unwrap();
    for m in [&p, &r] {
        assert!(matches!(
            ds.process_message(m).unwrap(),
            PublicEvent::Proposal(_)
        ));
        for i in [0, 1, 2] {
            let _ = g[i].process_message(m);
        }
    }
    let out = g[2]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    let PublicEvent::Commit { removed, .. } = ds.process_message(&out.commit).unwrap() else {
        panic!()
    };
    assert_eq!(removed.len(), 1);
    g[2].merge_pending_commit().unwrap();
    assert_eq!(ds.context(), g[2].context());
    // External join seen by the DS.
    let (_, commit) = Group::join_external(
        s.clone(),
        &g[2].group_info(true, true).unwrap(),
        identity(&s, "d"),
        ExternalJoinOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    ds.process_message(&commit).unwrap();
    let ProcessedMessage::Commit(st) = g[2].process_message(&commit).unwrap() else {
        panic!()
    };
    g[2].merge_staged_commit(st).unwrap();
    assert_eq!(ds.context(), g[2].context());
    // Application messages are private: the DS cannot follow them.
    let m = g[2]
        .encrypt_application_message(b"x", b"", &mut OsRng)
        .unwrap();
    assert_eq!(
        ds.process_message(&m).unwrap_err(),
        GroupError::UnexpectedWireFormat
    );
}

#[test]
fn commit_prefers_remove_and_refuses_invalid_lists() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let upd = g[1].propose_update(&mut OsRng).unwrap();
    let rem = g[2].propose_remove(LeafIndex(1), &mut OsRng).unwrap();
    for m in [&upd, &rem] {
        g[0].process_message(m).unwrap();
        g[2].process_message(m).unwrap_or_else(|_| panic!());
    }
    let out = g[0]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    let staged = g[0].pending_commit().unwrap().staged();
    assert_eq!(staged.removed().len(), 1);
    assert!(staged.updated().is_empty());
    g[0].merge_pending_commit().unwrap();
    let ProcessedMessage::Commit(st) = g[2].process_message(&out.commit).unwrap() else {
        panic!()
    };
    g[2].merge_staged_commit(st).unwrap();
    assert_agree(&[&g[0], &g[2]]);

    // Removing ourselves by value, or the same leaf twice, is invalid (§12.2).
    let me = Proposal::Remove(Remove { removed: 0 });
    assert!(matches!(
        g[0].commit(vec![me], &CommitOptions::default(), &mut OsRng),
        Err(GroupError::InvalidProposalList(_))
    ));
    let twice = vec![
        Proposal::Remove(Remove { removed: 2 }),
        Proposal::Remove(Remove { removed: 2 }),
    ];
    assert!(matches!(
        g[0].commit(twice, &CommitOptions::default(), &mut OsRng),
        Err(GroupError::InvalidProposalList(_))
    ));
    assert!(!g[0].has_pending_commit());
}

#[test]
fn expired_key_package_is_refused_when_time_is_set() {
    let s = suite(1);
    let mut g = group_of(1, &["a"], HandshakeFormat::Public);
    let old = KeyPackageBundle::create(
        &s,
        &identity(&s, "b"),
        KeyPackageOptions {
            lifetime: mls_types::Lifetime {
                not_before: 0,
                not_after: 1000,
            },
            ..KeyPackageOptions::default()
        },
        &mut OsRng,
    )
    .unwrap();
    assert!(validate_key_package(&s, old.key_package(), Some(2000)).is_err());
    g[0].set_time(2000);
    let add = Proposal::Add(mls_framing::Add {
        key_package: old.key_package().clone(),
    });
    assert!(g[0]
        .commit(vec![add.clone()], &CommitOptions::default(), &mut OsRng)
        .is_err());
    g[0].set_time(500);
    g[0].commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
}
