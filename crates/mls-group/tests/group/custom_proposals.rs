//! Custom proposal types (RFC 9420 §12.1, §7.2, §12.2, §17.4): committed by
//! value and by reference, refused when a member lacks the capability, and
//! the application's policy hook.

use crate::common;

use common::*;
use mls_codec::{decode_exact, Encode};
use mls_framing::{CustomProposal, MlsMessage, Proposal, Sender};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};
use mls_types::tree_math::LeafIndex;
use mls_types::{Capabilities, ProposalType};

/// A private-use proposal type (§17.4).
const CUSTOM: ProposalType = ProposalType(0xf0a1);

fn options(custom: bool) -> KeyPackageOptions {
    let mut capabilities = Capabilities::default();
    if custom {
        capabilities.proposals.push(CUSTOM);
    }
    KeyPackageOptions {
        capabilities,
        ..KeyPackageOptions::default()
    }
}

fn kp(s: &RustCryptoSuite, name: &str, custom: bool) -> KeyPackageBundle {
    KeyPackageBundle::create(s, &identity(s, name), options(custom), &mut OsRng).unwrap()
}

/// Alice (supporting `CUSTOM`) adds each of `members` (name, supports
/// `CUSTOM`) in turn.
fn group(members: &[(&str, bool)]) -> Vec<Group<RustCryptoSuite>> {
    let s = suite(1);
    let cfg = config(HandshakeFormat::Public);
    let mut groups = vec![Group::create_with_leaf(
        s.clone(),
        kp(&s, "alice", true),
        b"custom".to_vec(),
        Vec::new(),
        cfg,
        &mut OsRng,
    )
    .unwrap()];
    for (name, custom) in members {
        add_and_join(&mut groups, &kp(&s, name, *custom), cfg);
    }
    groups
}

fn custom(data: &[u8]) -> CustomProposal {
    CustomProposal::new(CUSTOM, data.to_vec()).unwrap()
}

fn staged(g: &mut Group<RustCryptoSuite>, msg: &MlsMessage) -> StagedCommit {
    match g.process_message(msg).unwrap() {
        ProcessedMessage::Commit(staged) => staged,
        _ => panic!("not a commit"),
    }
}

/// Re-encodes a message and checks it decodes to itself.
fn round_trip(msg: &MlsMessage) -> MlsMessage {
    let bytes = msg.to_bytes().unwrap();
    let back: MlsMessage = decode_exact(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    back
}

#[test]
fn custom_proposal_by_value() {
    let mut g = group(&[("bob", true), ("charlie", true)]);
    let before = g[0].context().tree_hash.clone();
    let out = g[0]
        .commit(
            vec![Proposal::Custom(custom(b"hello"))],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    let expected = [(Sender::Member(LeafIndex(0)), custom(b"hello"))];
    assert_eq!(
        g[0].pending_commit().unwrap().staged().custom_proposals(),
        expected
    );
    assert!(out.welcome.is_none());
    g[0].merge_pending_commit().unwrap();
    let msg = round_trip(&out.commit);
    for member in g.iter_mut().skip(1) {
        let st = staged(member, &msg);
        assert_eq!(st.custom_proposals(), expected);
        assert!(st.added().is_empty() && st.removed().is_empty() && st.updated().is_empty());
        member.merge_staged_commit(st).unwrap();
    }
    assert_agree(&[&g[0], &g[1], &g[2]]);
    assert_eq!(g[0].epoch(), 3);
    // Custom types require a path by default (the policy's
    // `custom_proposal_requires_path`), so the tree changed only
    // by the committer's path.
    assert_ne!(g[0].context().tree_hash, before);
}

#[test]
fn custom_proposal_by_reference() {
    let mut g = group(&[("bob", true), ("charlie", true)]);
    let proposal = g[1]
        .propose_custom(CUSTOM, b"by ref".to_vec(), &mut OsRng)
        .unwrap();
    let proposal = round_trip(&proposal);
    for i in [0, 2] {
        match g[i].process_message(&proposal).unwrap() {
            ProcessedMessage::Proposal(p) => {
                assert_eq!(p.proposal, Proposal::Custom(custom(b"by ref")));
                assert_eq!(p.sender, Sender::Member(LeafIndex(1)));
            }
            _ => panic!("not a proposal"),
        }
    }
    let out = g[0]
        .commit(vec![], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let expected = [(Sender::Member(LeafIndex(1)), custom(b"by ref"))];
    for member in g.iter_mut().skip(1) {
        let st = staged(member, &out.commit);
        assert_eq!(st.custom_proposals(), expected);
        member.merge_staged_commit(st).unwrap();
    }
    assert_agree(&[&g[0], &g[1], &g[2]]);
}

#[test]
fn custom_proposal_of_a_default_type_is_refused() {
    let mut g = group(&[("bob", true)]);
    assert!(matches!(
        g[0].propose_custom(ProposalType::REMOVE, vec![], &mut OsRng),
        Err(GroupError::InvalidArgument(_))
    ));
    let bad = Proposal::Custom(CustomProposal {
        proposal_type: ProposalType::ADD,
        data: vec![],
    });
    assert!(g[0]
        .commit(vec![bad], &CommitOptions::default(), &mut OsRng)
        .is_err());
}

#[test]
fn custom_proposal_needs_every_members_capability() {
    let mut g = group(&[("bob", true), ("charlie", false)]);
    let state = g[0].to_state_bytes().unwrap();
    // By value: Charlie does not list the type.
    assert_eq!(
        g[0].commit(
            vec![Proposal::Custom(custom(b"x"))],
            &CommitOptions::default(),
            &mut OsRng
        )
        .unwrap_err(),
        GroupError::UnsupportedProposal(CUSTOM)
    );
    assert_eq!(g[0].to_state_bytes().unwrap(), state);
    // By reference, from Bob.
    let p = g[1]
        .propose_custom(CUSTOM, b"y".to_vec(), &mut OsRng)
        .unwrap();
    g[0].process_message(&p).unwrap();
    let state = g[0].to_state_bytes().unwrap();
    assert_eq!(
        g[0].commit(vec![], &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        GroupError::UnsupportedProposal(CUSTOM)
    );
    assert_eq!(g[0].to_state_bytes().unwrap(), state);
    // Removing Charlie in the same commit makes it valid.
    let out = g[0]
        .commit(
            vec![Proposal::Remove(mls_framing::Remove { removed: 2 })],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    assert_eq!(
        g[0].pending_commit().unwrap().staged().custom_proposals(),
        [(Sender::Member(LeafIndex(1)), custom(b"y"))]
    );
    g[0].merge_pending_commit().unwrap();
    let st = staged(&mut g[1], &out.commit);
    g[1].merge_staged_commit(st).unwrap();
    assert_agree(&[&g[0], &g[1]]);
}

/// Refuses custom proposals whose body is not "ok".
struct OnlyOk;

impl GroupPolicy for OnlyOk {
    fn check_proposal(&self, p: &Proposal, _sender: &Sender) -> Result<(), &'static str> {
        match p {
            Proposal::Custom(c) if c.data != b"ok" => Err("custom body refused"),
            _ => Ok(()),
        }
    }
}

#[test]
fn custom_proposal_hook_on_commit() {
    let mut g = group(&[("bob", true)]);
    g[0].set_policy(Box::new(OnlyOk));
    let state = g[0].to_state_bytes().unwrap();
    assert_eq!(
        g[0].commit(
            vec![Proposal::Custom(custom(b"nope"))],
            &CommitOptions::default(),
            &mut OsRng
        )
        .unwrap_err(),
        GroupError::PolicyRejected("custom body refused")
    );
    assert_eq!(g[0].to_state_bytes().unwrap(), state);
    assert!(g[0].pending_commit().is_none());
    let out = g[0]
        .commit(
            vec![Proposal::Custom(custom(b"ok"))],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let st = staged(&mut g[1], &out.commit);
    g[1].merge_staged_commit(st).unwrap();
    assert_agree(&[&g[0], &g[1]]);
}

#[test]
fn custom_proposal_hook_on_process() {
    let mut g = group(&[("bob", true), ("charlie", true)]);
    g[2].set_policy(Box::new(OnlyOk));
    // By value.
    let out = g[0]
        .commit(
            vec![Proposal::Custom(custom(b"nope"))],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    let state = g[2].to_state_bytes().unwrap();
    assert_eq!(
        g[2].process_message(&out.commit).unwrap_err(),
        GroupError::PolicyRejected("custom body refused")
    );
    assert_eq!(g[2].to_state_bytes().unwrap(), state);
    g[0].clear_pending_commit();

    // By reference: the hook already refuses the proposal when it arrives
    // (issue 15 item 10: proposals are validated when stored), so charlie
    // cannot follow a commit that references it.
    let p = g[1]
        .propose_custom(CUSTOM, b"bad".to_vec(), &mut OsRng)
        .unwrap();
    g[0].process_message(&p).unwrap();
    let state = g[2].to_state_bytes().unwrap();
    assert_eq!(
        g[2].process_message(&p).unwrap_err(),
        GroupError::PolicyRejected("custom body refused")
    );
    assert_eq!(g[2].to_state_bytes().unwrap(), state);
    let out = g[0]
        .commit(vec![], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert!(matches!(
        g[2].process_message(&out.commit).unwrap_err(),
        GroupError::UnknownProposalRef(_)
    ));
    assert_eq!(g[2].to_state_bytes().unwrap(), state);
    // Bob, with the default policy, accepts it.
    g[0].merge_pending_commit().unwrap();
    let st = staged(&mut g[1], &out.commit);
    assert_eq!(
        st.custom_proposals(),
        [(Sender::Member(LeafIndex(1)), custom(b"bad"))]
    );
    g[1].merge_staged_commit(st).unwrap();
    assert_agree(&[&g[0], &g[1]]);
}

#[test]
fn custom_proposal_from_an_external_sender_is_refused() {
    use mls_framing::{check_sender_rules, Content, FramedContent, FramingError, WireFormat};
    let fc = FramedContent {
        group_id: b"custom".to_vec(),
        epoch: 1,
        sender: Sender::External(0),
        authenticated_data: vec![],
        content: Content::Proposal(Proposal::Custom(custom(b"ext"))),
    };
    assert_eq!(
        check_sender_rules(WireFormat::PUBLIC_MESSAGE, &fc),
        Err(FramingError::ProposalNotAllowedForExternalSender(CUSTOM))
    );
    let fc = FramedContent {
        sender: Sender::Member(LeafIndex(1)),
        ..fc
    };
    assert_eq!(check_sender_rules(WireFormat::PUBLIC_MESSAGE, &fc), Ok(()));
}
