//! Rejected input leaves the group state byte-identical (compared through
//! the persisted state encoding).

use crate::common;

use common::*;
use mls_framing::{
    AuthenticatedContent, Commit, Content, ExternalInit, MlsMessage, MlsMessageBody, Proposal,
    ProposalOrRef, PublicMessage, WireFormat,
};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};
use mls_types::tree_math::LeafIndex;

type G = Group<RustCryptoSuite>;

/// Processes `msg` in `g`, expects `want` and an unchanged state.
fn rejected(g: &mut G, msg: &MlsMessage, want: impl Fn(&GroupError) -> bool) {
    let before = g.to_state_bytes().unwrap();
    let err = g.process_message(msg).unwrap_err();
    assert!(want(&err), "unexpected error {err:?}");
    assert_eq!(
        g.to_state_bytes().unwrap(),
        before,
        "state changed after {err:?}"
    );
}

fn public(msg: &MlsMessage) -> PublicMessage {
    msg.clone().into_public_message().unwrap()
}

#[test]
fn state_round_trips() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Private);
    let m = g[1]
        .encrypt_application_message(b"x", b"", &mut OsRng)
        .unwrap();
    g[0].process_message(&m).unwrap();
    let p = g[2].propose_update(&mut OsRng).unwrap();
    g[0].process_message(&p).unwrap();
    g[1].process_message(&p).unwrap();
    let bytes = g[0].to_state_bytes().unwrap();
    let back = G::from_state_bytes(suite(1), &bytes, *g[0].config(), None).unwrap();
    assert_eq!(back.to_state_bytes().unwrap(), bytes);
    // The restored state keeps working: it commits Charlie's update.
    let mut back = back;
    let out = back
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    back.merge_pending_commit().unwrap();
    for i in [1, 2] {
        let ProcessedMessage::Commit(st) = g[i].process_message(&out.commit).unwrap() else {
            panic!()
        };
        g[i].merge_staged_commit(st).unwrap();
    }
    assert_agree(&[&back, &g[1], &g[2]]);
    // Unknown version.
    let mut bad = bytes.clone();
    bad[1] ^= 0xff;
    assert!(matches!(
        G::from_state_bytes(suite(1), &bad, GroupConfig::default(), None),
        Err(GroupError::UnknownStateVersion(v)) if v == STATE_VERSION ^ 0xff
    ));
    // Truncated.
    assert!(G::from_state_bytes(
        suite(1),
        &bytes[..bytes.len() / 2],
        GroupConfig::default(),
        None
    )
    .is_err());
}

#[test]
fn wrong_epoch_group_id_membership_tag_unknown_ref() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    // A commit of the previous epoch.
    let out = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[1].merge_pending_commit().unwrap();
    for i in [0, 2] {
        let ProcessedMessage::Commit(st) = g[i].process_message(&out.commit).unwrap() else {
            panic!()
        };
        g[i].merge_staged_commit(st).unwrap();
    }
    rejected(&mut g[0], &out.commit, |e| {
        matches!(e, GroupError::WrongEpoch { .. })
    });

    // Wrong group id.
    let p = g[2].propose_update(&mut OsRng).unwrap();
    let mut pm = public(&p);
    pm.content.group_id = b"other".to_vec();
    rejected(&mut g[0], &MlsMessage::from(pm), |e| {
        *e == GroupError::WrongGroupId
    });

    // Bad membership tag.
    let mut pm = public(&p);
    if let Some(tag) = pm.membership_tag.as_mut() {
        tag[0] ^= 1;
    }
    rejected(&mut g[0], &MlsMessage::from(pm), |e| {
        matches!(
            e,
            GroupError::Framing(mls_framing::FramingError::InvalidMembershipTag)
        )
    });

    // A commit referencing a proposal Alice never received.
    g[1].process_message(&p).unwrap();
    let out = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    rejected(&mut g[0], &out.commit, |e| {
        matches!(e, GroupError::UnknownProposalRef(_))
    });
}

/// An external commit re-signed after `edit` (external commits carry no
/// membership tag, so the joiner can sign any content).
fn edited_external_commit(
    g: &G,
    edit: impl Fn(&mut Commit),
    edit_auth: impl Fn(&mut AuthenticatedContent),
) -> MlsMessage {
    let s = suite(1);
    let info = g.group_info(true, true).unwrap();
    let joiner = identity(&s, "joiner");
    let (_, msg) = G::join_external(
        s.clone(),
        &info,
        joiner.clone(),
        ExternalJoinOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    let pm = public(&msg);
    let mut content = pm.content.clone();
    let Content::Commit(commit) = &mut content.content else {
        panic!()
    };
    edit(commit);
    let mut ac = AuthenticatedContent::sign(
        &s,
        &mls_crypto::CipherSuiteProvider::signing_key(&s, joiner.signature_private_key()).unwrap(),
        WireFormat::PUBLIC_MESSAGE,
        content,
        Some(g.context()),
    )
    .unwrap();
    ac.set_confirmation_tag(pm.auth.confirmation_tag.clone().unwrap())
        .unwrap();
    edit_auth(&mut ac);
    MlsMessage::from(PublicMessage::protect(&s, ac, None, Some(g.context())).unwrap())
}

#[test]
fn bad_signature_confirmation_tag_and_proposal_list() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Public);
    // Untouched: accepted (sanity check of the helper).
    let ok = edited_external_commit(&g[1], |_| {}, |_| {});
    assert!(matches!(
        g[0].process_message(&ok).unwrap(),
        ProcessedMessage::Commit(_)
    ));

    let bad_sig = edited_external_commit(&g[1], |_| {}, |ac| ac.auth.signature[0] ^= 1);
    rejected(&mut g[0], &bad_sig, |e| {
        matches!(
            e,
            GroupError::Framing(mls_framing::FramingError::InvalidSignature)
        )
    });

    let bad_tag = edited_external_commit(
        &g[1],
        |_| {},
        |ac| {
            if let Some(t) = ac.auth.confirmation_tag.as_mut() {
                t[0] ^= 1;
            }
        },
    );
    rejected(&mut g[0], &bad_tag, |e| {
        *e == GroupError::InvalidConfirmationTag
    });

    let two_inits = edited_external_commit(
        &g[1],
        |c| {
            c.proposals
                .push(ProposalOrRef::Proposal(Proposal::ExternalInit(
                    ExternalInit {
                        kem_output: vec![1; 32],
                    },
                )))
        },
        |_| {},
    );
    rejected(&mut g[0], &two_inits, |e| {
        matches!(e, GroupError::InvalidProposalList(_))
    });

    let no_path = edited_external_commit(&g[1], |c| c.path = None, |_| {});
    // Without a path, an external commit has no signature key at all.
    rejected(&mut g[0], &no_path, |e| {
        *e == GroupError::Framing(mls_framing::FramingError::NoEmbeddedSignatureKey)
    });
}

#[test]
fn tampered_ciphertext_and_replay() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Private);
    let first = g[1]
        .encrypt_application_message(b"1", b"", &mut OsRng)
        .unwrap();
    g[0].process_message(&first).unwrap();
    // Replayed generation.
    rejected(&mut g[0], &first, |e| {
        matches!(
            e,
            GroupError::Framing(mls_framing::FramingError::KeySchedule(_))
        )
    });

    let msg = g[1]
        .encrypt_application_message(b"2", b"", &mut OsRng)
        .unwrap();
    let MlsMessageBody::PrivateMessage(pm) = &msg.body else {
        panic!()
    };
    // Tampered in the sample (the sender data cannot be decrypted).
    let mut t = pm.clone();
    t.ciphertext[0] ^= 1;
    rejected(&mut g[0], &MlsMessage::from(t), |_| true);
    // Tampered sender data.
    let mut t = pm.clone();
    t.encrypted_sender_data[0] ^= 1;
    rejected(&mut g[0], &MlsMessage::from(t), |_| true);
    // Tampered authenticated data.
    let mut t = pm.clone();
    t.authenticated_data = b"forged".to_vec();
    assert!(g[0].process_message(&MlsMessage::from(t)).is_err());
    // Tampered tag: refused without stepping the ratchet, and the genuine
    // message still decrypts.
    let mut t = pm.clone();
    let last = t.ciphertext.len() - 1;
    t.ciphertext[last] ^= 1;
    rejected(&mut g[0], &MlsMessage::from(t), |e| {
        matches!(
            e,
            GroupError::Framing(mls_framing::FramingError::ContentDecryptionFailed)
        )
    });
    let ProcessedMessage::Application { data, .. } = g[0].process_message(&msg).unwrap() else {
        panic!()
    };
    assert_eq!(data, b"2");
}

/// A commit that decrypts and verifies but is invalid does not consume its
/// handshake key: once the missing proposal arrives, the same commit is
/// processed.
#[test]
fn invalid_private_commit_keeps_its_key() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Private);
    let proposal = g[1].propose_remove(LeafIndex(2), &mut OsRng).unwrap();
    let out = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert_eq!(out.commit.wire_format(), WireFormat::PRIVATE_MESSAGE);
    // The proposal was not delivered: the commit refers to an unknown proposal.
    rejected(&mut g[0], &out.commit, |e| {
        matches!(e, GroupError::UnknownProposalRef(_))
    });
    g[0].process_message(&proposal).unwrap();
    let ProcessedMessage::Commit(st) = g[0].process_message(&out.commit).unwrap() else {
        panic!()
    };
    g[0].merge_staged_commit(st).unwrap();
    g[1].merge_pending_commit().unwrap();
    assert_agree(&[&g[0], &g[1]]);
}

#[test]
fn own_commit_is_not_processed() {
    let mut g = group_of(1, &["a", "b"], HandshakeFormat::Public);
    let out = g[0]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert_eq!(
        g[0].process_message(&out.commit).unwrap_err(),
        GroupError::OwnCommit
    );
    g[0].merge_pending_commit().unwrap();
    assert_eq!(
        g[0].merge_pending_commit().unwrap_err(),
        GroupError::NoPendingCommit
    );
}
