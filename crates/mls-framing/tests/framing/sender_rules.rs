//! Which error a sender type gets for content it may not send (RFC 9420
//! §6.1, §12.1.8): the sender rules come before the signature key lookup
//! and before the wire-format rules, so each case gets its own error.

use crate::common;

use common::*;
use mls_framing::*;
use mls_types::tree_math::LeafIndex;
use mls_types::ProposalType;

fn cannot_send(sender_type: SenderType, content_type: ContentType) -> FramingError {
    FramingError::SenderCannotSend {
        sender_type,
        content_type,
    }
}

/// Content a non-member may not send, with the error each gets: the same
/// from [`signature_key_for`] (whatever the keys) and [`check_sender_rules`].
fn forbidden(kp: &KeyPackage) -> Vec<(Sender, Content, FramingError)> {
    let mut proposals = all_proposals(kp);
    proposals.push(Proposal::Custom(CustomProposal {
        proposal_type: ProposalType(0xff00),
        data: vec![1],
    }));
    let commit = || Content::Commit(commit_with_path(kp));
    let app = || Content::Application(b"x".to_vec());
    let mut rows = Vec::new();
    for p in &proposals {
        if !matches!(p, Proposal::Add(_)) {
            rows.push((
                Sender::NewMemberProposal,
                Content::Proposal(p.clone()),
                FramingError::NewMemberProposalNotAdd(p.proposal_type()),
            ));
        }
        if !p.allowed_for_external_sender() {
            rows.push((
                Sender::External(0),
                Content::Proposal(p.clone()),
                FramingError::ProposalNotAllowedForExternalSender(p.proposal_type()),
            ));
        }
        rows.push((
            Sender::NewMemberCommit,
            Content::Proposal(p.clone()),
            cannot_send(SenderType::NewMemberCommit, ContentType::Proposal),
        ));
    }
    rows.extend([
        (
            Sender::NewMemberProposal,
            commit(),
            cannot_send(SenderType::NewMemberProposal, ContentType::Commit),
        ),
        (
            Sender::NewMemberProposal,
            app(),
            cannot_send(SenderType::NewMemberProposal, ContentType::Application),
        ),
        (
            Sender::NewMemberCommit,
            app(),
            cannot_send(SenderType::NewMemberCommit, ContentType::Application),
        ),
        (
            Sender::External(0),
            commit(),
            cannot_send(SenderType::External, ContentType::Commit),
        ),
        (
            Sender::External(0),
            app(),
            cannot_send(SenderType::External, ContentType::Application),
        ),
    ]);
    rows
}

#[test]
fn forbidden_content_gets_its_sender_rule_error() {
    let suite = suite(1);
    let (_, public) = signer(&suite, 40);
    let (_, _, kp) = key_package(&suite, 41);
    let with_senders = {
        let mut gc = context(&suite);
        gc.extensions.push(
            ExternalSenders(vec![ExternalSender {
                signature_key: public.clone(),
                credential: mls_types::Credential::Basic(b"ds".to_vec()),
            }])
            .to_extension()
            .unwrap(),
        );
        gc
    };
    let no_senders = context(&suite);
    let rows = forbidden(&kp);
    // Every non-Add proposal type for new_member_proposal, and more.
    assert!(rows.len() >= 23, "{} rows", rows.len());
    for (sender, content, expected) in rows {
        let fc = framed(&no_senders, sender, content);
        let members = |_: LeafIndex| Some(public.clone());
        // Without the external_senders extension, and with it: the
        // sender rule is reported, not the missing key.
        for gc in [&no_senders, &with_senders] {
            assert_eq!(
                signature_key_for(&fc, Some(gc), members),
                Err(expected.clone()),
                "{:?} sending {:?}",
                fc.sender,
                fc.content_type()
            );
        }
        assert_eq!(signature_key_for(&fc, None, members), Err(expected.clone()));
        for wire_format in [WireFormat::PUBLIC_MESSAGE, WireFormat::PRIVATE_MESSAGE] {
            assert_eq!(
                check_sender_rules(wire_format, &fc),
                Err(expected.clone()),
                "{:?} sending {:?} as {wire_format:?}",
                fc.sender,
                fc.content_type()
            );
        }
    }
}

#[test]
fn allowed_content_reaches_the_key_lookup() {
    let suite = suite(1);
    let gc = context(&suite);
    let (_, public) = signer(&suite, 42);
    let (_, _, kp) = key_package(&suite, 43);
    let no_members = |_: LeafIndex| None;
    // An external sender may send a Remove; it is looked up next.
    let external = framed(&gc, Sender::External(3), remove(0));
    assert_eq!(
        signature_key_for(&external, Some(&gc), no_members),
        Err(FramingError::UnknownExternalSender(3))
    );
    // A new member's Add carries its key.
    let add = Content::Proposal(Proposal::Add(Add {
        key_package: kp.clone(),
    }));
    let fc = framed(&gc, Sender::NewMemberProposal, add);
    assert_eq!(
        signature_key_for(&fc, Some(&gc), no_members),
        Ok(kp.leaf_node.signature_key.clone())
    );
    // A new member's commit without a path carries none.
    let mut commit = commit_with_path(&kp);
    commit.path = None;
    let fc = framed(&gc, Sender::NewMemberCommit, Content::Commit(commit));
    assert_eq!(
        signature_key_for(&fc, Some(&gc), no_members),
        Err(FramingError::NoEmbeddedSignatureKey)
    );
    // A member may send anything, including a custom proposal.
    let custom = Content::Proposal(Proposal::Custom(CustomProposal {
        proposal_type: ProposalType(0xff00),
        data: vec![1],
    }));
    let fc = framed(&gc, Sender::Member(LeafIndex(1)), custom);
    assert_eq!(
        signature_key_for(&fc, Some(&gc), |_| Some(public.clone())),
        Ok(public.clone())
    );
}

#[test]
fn wire_format_rules_follow_the_sender_rules() {
    let suite = suite(1);
    let gc = context(&suite);
    // Not a content-carrying wire format: reported first.
    let fc = framed(&gc, Sender::NewMemberProposal, remove(0));
    assert_eq!(
        check_sender_rules(WireFormat::WELCOME, &fc),
        Err(FramingError::WrongWireFormat {
            expected: WireFormat::PUBLIC_MESSAGE,
            got: WireFormat::WELCOME
        })
    );
    // Allowed content, but a non-member in a PrivateMessage.
    let fc = framed(&gc, Sender::External(0), remove(0));
    assert_eq!(check_sender_rules(WireFormat::PUBLIC_MESSAGE, &fc), Ok(()));
    assert_eq!(
        check_sender_rules(WireFormat::PRIVATE_MESSAGE, &fc),
        Err(FramingError::SenderCannotUseWireFormat {
            sender_type: SenderType::External,
            wire_format: WireFormat::PRIVATE_MESSAGE
        })
    );
    // A member's application data in a PublicMessage.
    let fc = framed(
        &gc,
        Sender::Member(LeafIndex(0)),
        Content::Application(b"x".to_vec()),
    );
    assert_eq!(
        check_sender_rules(WireFormat::PUBLIC_MESSAGE, &fc),
        Err(FramingError::ApplicationInPublicMessage)
    );
    assert_eq!(check_sender_rules(WireFormat::PRIVATE_MESSAGE, &fc), Ok(()));
}
