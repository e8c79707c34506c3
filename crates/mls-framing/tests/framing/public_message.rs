//! Content authentication (RFC 9420 §6.1) and PublicMessage (§6.2): each
//! sender type, the sender rules, and tampering.

use crate::common;

use common::*;
use mls_codec::{decode_exact, Encode};
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt};
use mls_framing::*;
use mls_keyschedule::TranscriptHashes;
use mls_types::tree_math::LeafIndex;
use mls_types::ProposalType;

/// Protects, encodes, decodes and unprotects; returns the received content.
fn public_roundtrip(
    suite: &mls_rustcrypto::RustCryptoSuite,
    ac: AuthenticatedContent,
    membership_key: Option<&[u8]>,
    gc: Option<&mls_types::GroupContext>,
    public: &mls_crypto::SignaturePublicKey,
) -> Result<AuthenticatedContent, FramingError> {
    let pm = PublicMessage::protect(suite, ac, membership_key, gc)?;
    let bytes = MlsMessage::from(pm).to_bytes()?;
    let pm = MlsMessage::from_bytes(&bytes)?.into_public_message()?;
    pm.unprotect(suite, membership_key, gc, public)
}

#[test]
fn member_sender_every_suite() {
    for cs in 1..=7 {
        let suite = suite(cs);
        let gc = context(&suite);
        let (key, public) = signer(&suite, cs.into());
        let ac = AuthenticatedContent::sign(
            &suite,
            &key,
            WireFormat::PUBLIC_MESSAGE,
            framed(&gc, Sender::Member(LeafIndex(2)), remove(1)),
            Some(&gc),
        )
        .unwrap();
        let got = public_roundtrip(
            &suite,
            ac.clone(),
            Some(&MEMBERSHIP_KEY),
            Some(&gc),
            &public,
        )
        .unwrap();
        assert_eq!(got, ac, "suite {cs}");
    }
}

#[test]
fn external_sender() {
    let suite = suite(1);
    let gc = context(&suite);
    let (key, public) = signer(&suite, 1);
    let senders = ExternalSenders(vec![ExternalSender {
        signature_key: public.clone(),
        credential: mls_types::Credential::Basic(b"ds".to_vec()),
    }]);
    // No GroupContext in the TBS of an external sender.
    let ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(&gc, Sender::External(0), remove(1)),
        None,
    )
    .unwrap();
    let pm = PublicMessage::protect(&suite, ac.clone(), None, None).unwrap();
    assert_eq!(pm.membership_tag, None);
    let Sender::External(index) = pm.content.sender else {
        panic!("not external")
    };
    let key_of_sender = senders.signature_key(index).unwrap();
    assert_eq!(pm.unprotect(&suite, None, None, key_of_sender).unwrap(), ac);
    // A GroupContext given for an external sender is not signed over.
    assert_eq!(
        pm.unprotect(&suite, None, Some(&gc), key_of_sender)
            .unwrap(),
        ac
    );
}

#[test]
fn new_member_proposal_sender() {
    let suite = suite(2);
    let gc = context(&suite);
    let (key, _, kp) = key_package(&suite, 3);
    let ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(
            &gc,
            Sender::NewMemberProposal,
            Content::Proposal(Proposal::Add(Add {
                key_package: kp.clone(),
            })),
        ),
        None,
    )
    .unwrap();
    let signature_key = embedded_signature_key(&ac.content).unwrap().clone();
    assert_eq!(signature_key, kp.leaf_node.signature_key);
    let got = public_roundtrip(&suite, ac.clone(), None, None, &signature_key).unwrap();
    assert_eq!(got, ac);
}

#[test]
fn new_member_commit_sender() {
    let suite = suite(3);
    let gc = context(&suite);
    let (key, _, kp) = key_package(&suite, 4);
    let mut ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(
            &gc,
            Sender::NewMemberCommit,
            Content::Commit(commit_with_path(&kp)),
        ),
        Some(&gc),
    )
    .unwrap();
    ac.set_confirmation_tag(vec![0x11; 32]).unwrap();
    let signature_key = embedded_signature_key(&ac.content).unwrap().clone();
    let got = public_roundtrip(&suite, ac.clone(), None, Some(&gc), &signature_key).unwrap();
    assert_eq!(got, ac);
    // The GroupContext is part of the signed content for this sender.
    assert_eq!(
        AuthenticatedContent::sign(
            &suite,
            &key,
            WireFormat::PUBLIC_MESSAGE,
            ac.content.clone(),
            None
        ),
        Err(FramingError::MissingGroupContext)
    );
    let mut other = gc.clone();
    other.tree_hash[0] ^= 1;
    let pm = PublicMessage::protect(&suite, ac, None, Some(&gc)).unwrap();
    assert_eq!(
        pm.unprotect(&suite, None, Some(&other), &signature_key),
        Err(FramingError::InvalidSignature)
    );
}

#[test]
fn sender_rules() {
    let suite = suite(1);
    let gc = context(&suite);
    let (key, _, kp) = key_package(&suite, 5);
    let sign = |wf, sender, content| {
        AuthenticatedContent::sign(&suite, &key, wf, framed(&gc, sender, content), Some(&gc))
    };
    let update = all_proposals(&kp).swap_remove(1);
    assert_eq!(
        sign(
            WireFormat::PUBLIC_MESSAGE,
            Sender::External(0),
            Content::Proposal(update.clone())
        ),
        Err(FramingError::ProposalNotAllowedForExternalSender(
            ProposalType::UPDATE
        ))
    );
    assert_eq!(
        sign(
            WireFormat::PUBLIC_MESSAGE,
            Sender::External(0),
            Content::Commit(commit_with_path(&kp))
        ),
        Err(FramingError::SenderCannotSend {
            sender_type: SenderType::External,
            content_type: ContentType::Commit
        })
    );
    assert_eq!(
        sign(
            WireFormat::PUBLIC_MESSAGE,
            Sender::NewMemberProposal,
            remove(0)
        ),
        Err(FramingError::NewMemberProposalNotAdd(ProposalType::REMOVE))
    );
    assert_eq!(
        sign(
            WireFormat::PUBLIC_MESSAGE,
            Sender::NewMemberCommit,
            remove(0)
        ),
        Err(FramingError::SenderCannotSend {
            sender_type: SenderType::NewMemberCommit,
            content_type: ContentType::Proposal
        })
    );
    assert_eq!(
        sign(WireFormat::PRIVATE_MESSAGE, Sender::External(0), remove(0)),
        Err(FramingError::SenderCannotUseWireFormat {
            sender_type: SenderType::External,
            wire_format: WireFormat::PRIVATE_MESSAGE
        })
    );
    assert_eq!(
        sign(WireFormat::WELCOME, Sender::Member(LeafIndex(0)), remove(0)),
        Err(FramingError::WrongWireFormat {
            expected: WireFormat::PUBLIC_MESSAGE,
            got: WireFormat::WELCOME
        })
    );
    assert_eq!(
        sign(
            WireFormat::PUBLIC_MESSAGE,
            Sender::Member(LeafIndex(0)),
            Content::Application(b"x".to_vec())
        ),
        Err(FramingError::ApplicationInPublicMessage)
    );
}

/// A PublicMessage carrying application data decodes (messages.json has
/// one) but never unprotects, even when correctly signed and tagged.
#[test]
fn application_data_in_public_message_is_rejected() {
    let suite = suite(1);
    let gc = context(&suite);
    let (key, public) = signer(&suite, 6);
    // Signed as a private message, then reframed by hand as public.
    let mut ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PRIVATE_MESSAGE,
        framed(
            &gc,
            Sender::Member(LeafIndex(0)),
            Content::Application(b"secret".to_vec()),
        ),
        Some(&gc),
    )
    .unwrap();
    ac.wire_format = WireFormat::PUBLIC_MESSAGE;
    let tag = ac
        .membership_tag(&suite, &MEMBERSHIP_KEY, Some(&gc))
        .unwrap();
    let pm = PublicMessage {
        content: ac.content.clone(),
        auth: ac.auth.clone(),
        membership_tag: Some(tag),
    };
    let bytes = MlsMessage::from(pm).to_bytes().unwrap();
    let pm = MlsMessage::from_bytes(&bytes)
        .unwrap()
        .into_public_message()
        .unwrap();
    assert_eq!(
        pm.unprotect(&suite, Some(&MEMBERSHIP_KEY), Some(&gc), &public),
        Err(FramingError::ApplicationInPublicMessage)
    );
    assert_eq!(
        PublicMessage::protect(&suite, ac, Some(&MEMBERSHIP_KEY), Some(&gc)),
        Err(FramingError::ApplicationInPublicMessage)
    );
}

#[test]
fn tampering_is_detected() {
    let suite = suite(1);
    let gc = context(&suite);
    let (key, public) = signer(&suite, 7);
    let ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(&gc, Sender::Member(LeafIndex(1)), remove(0)),
        Some(&gc),
    )
    .unwrap();
    let pm = PublicMessage::protect(&suite, ac, Some(&MEMBERSHIP_KEY), Some(&gc)).unwrap();
    let open = |pm: &PublicMessage| pm.unprotect(&suite, Some(&MEMBERSHIP_KEY), Some(&gc), &public);
    assert!(open(&pm).is_ok());

    let mut bad = pm.clone();
    bad.membership_tag.as_mut().unwrap()[0] ^= 1;
    assert_eq!(open(&bad), Err(FramingError::InvalidMembershipTag));

    let mut bad = pm.clone();
    bad.membership_tag.as_mut().unwrap().pop();
    assert_eq!(open(&bad), Err(FramingError::InvalidMembershipTag));

    // A tampered signature also changes the TBM: recompute the tag so that
    // the signature check is what fails.
    let mut bad = pm.clone();
    bad.auth.signature[3] ^= 1;
    let tag = bad
        .authenticated_content()
        .membership_tag(&suite, &MEMBERSHIP_KEY, Some(&gc))
        .unwrap();
    bad.membership_tag = Some(tag);
    assert_eq!(open(&bad), Err(FramingError::InvalidSignature));

    let (_, other) = signer(&suite, 8);
    assert_eq!(
        pm.unprotect(&suite, Some(&MEMBERSHIP_KEY), Some(&gc), &other),
        Err(FramingError::InvalidSignature)
    );
    assert_eq!(
        pm.unprotect(&suite, None, Some(&gc), &public),
        Err(FramingError::MissingMembershipTag)
    );
    assert_eq!(
        pm.unprotect(&suite, Some(&MEMBERSHIP_KEY), None, &public),
        Err(FramingError::MissingGroupContext)
    );
    let mut later = gc.clone();
    later.epoch += 1;
    assert_eq!(
        pm.unprotect(&suite, Some(&MEMBERSHIP_KEY), Some(&later), &public),
        Err(FramingError::EpochMismatch {
            expected: later.epoch,
            got: gc.epoch
        })
    );
    let mut elsewhere = gc.clone();
    elsewhere.group_id = b"other".to_vec();
    assert_eq!(
        pm.unprotect(&suite, Some(&MEMBERSHIP_KEY), Some(&elsewhere), &public),
        Err(FramingError::GroupIdMismatch)
    );
}

#[test]
fn membership_tag_presence_follows_the_sender() {
    let suite = suite(1);
    let gc = context(&suite);
    let (key, _) = signer(&suite, 9);
    let ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(&gc, Sender::Member(LeafIndex(1)), remove(0)),
        Some(&gc),
    )
    .unwrap();
    assert_eq!(
        PublicMessage::protect(&suite, ac.clone(), None, Some(&gc)),
        Err(FramingError::MissingMembershipTag)
    );
    let mut pm = PublicMessage::protect(&suite, ac, Some(&MEMBERSHIP_KEY), Some(&gc)).unwrap();
    pm.membership_tag = None;
    assert_eq!(pm.to_bytes(), Err(mls_codec::Error::InvalidValue));
    pm.content.sender = Sender::External(0);
    pm.membership_tag = Some(vec![1]);
    assert_eq!(pm.to_bytes(), Err(mls_codec::Error::InvalidValue));
    assert_eq!(
        pm.verify_membership_tag(&suite, &MEMBERSHIP_KEY, &gc),
        Err(FramingError::UnexpectedMembershipTag)
    );
}

#[test]
fn commits_carry_a_confirmation_tag_and_feed_the_transcript() {
    let suite = suite(1);
    let gc = context(&suite);
    let (key, public, kp) = {
        let (key, _, kp) = key_package(&suite, 10);
        let public = kp.leaf_node.signature_key.clone();
        (key, public, kp)
    };
    let mut ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(
            &gc,
            Sender::Member(LeafIndex(0)),
            Content::Commit(commit_with_path(&kp)),
        ),
        Some(&gc),
    )
    .unwrap();
    assert_eq!(ac.to_bytes(), Err(mls_codec::Error::InvalidValue));
    assert_eq!(
        PublicMessage::protect(&suite, ac.clone(), Some(&MEMBERSHIP_KEY), Some(&gc)),
        Err(FramingError::MissingConfirmationTag)
    );
    assert_eq!(
        ac.interim_transcript_hash_input(),
        Err(FramingError::MissingConfirmationTag)
    );

    // The transcript input does not depend on the tag.
    let confirmed_input = ac.confirmed_transcript_hash_input().unwrap();
    let tag = vec![0x77; 32];
    ac.set_confirmation_tag(tag.clone()).unwrap();
    let encoded = ac.to_bytes().unwrap();
    assert_eq!(encoded[..confirmed_input.len()], confirmed_input[..]);
    let interim_input = ac.interim_transcript_hash_input().unwrap();
    assert_eq!(encoded[confirmed_input.len()..], interim_input[..]);
    assert_eq!(decode_exact::<AuthenticatedContent>(&encoded).unwrap(), ac);

    let before = TranscriptHashes::default();
    let after = ac.next_transcript_hashes(&suite, &before).unwrap();
    assert_eq!(after.confirmed, suite.hash(&confirmed_input));
    let mut interim = after.confirmed.clone();
    interim.extend_from_slice(&interim_input);
    assert_eq!(after.interim, suite.hash(&interim));

    let got = public_roundtrip(&suite, ac, Some(&MEMBERSHIP_KEY), Some(&gc), &public).unwrap();
    assert_eq!(got.auth.confirmation_tag, Some(tag));

    // Not a commit: no transcript input, no confirmation tag.
    let mut proposal = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(&gc, Sender::Member(LeafIndex(0)), remove(1)),
        Some(&gc),
    )
    .unwrap();
    assert_eq!(
        proposal.confirmed_transcript_hash_input(),
        Err(FramingError::NotACommit)
    );
    assert_eq!(
        proposal.set_confirmation_tag(vec![1]),
        Err(FramingError::UnexpectedConfirmationTag)
    );
    let r1 = proposal.proposal_ref(&suite).unwrap();
    proposal.content.authenticated_data.push(0);
    assert_ne!(proposal.proposal_ref(&suite).unwrap(), r1);
}

#[test]
fn signature_key_resolution() {
    let suite = suite(1);
    let mut gc = context(&suite);
    let (key, public) = signer(&suite, 20);
    let (_, _, kp) = key_package(&suite, 21);
    let members = |leaf: LeafIndex| (leaf == LeafIndex(3)).then(|| public.clone());

    let member = framed(&gc, Sender::Member(LeafIndex(3)), remove(0));
    assert_eq!(
        signature_key_for(&member, Some(&gc), members),
        Ok(public.clone())
    );

    let external = framed(&gc, Sender::External(0), remove(0));
    assert_eq!(
        signature_key_for(&external, None, members),
        Err(FramingError::MissingGroupContext)
    );
    assert_eq!(
        signature_key_for(&external, Some(&gc), members),
        Err(FramingError::UnknownExternalSender(0))
    );
    gc.extensions.push(
        ExternalSenders(vec![ExternalSender {
            signature_key: public.clone(),
            credential: mls_types::Credential::Basic(b"ds".to_vec()),
        }])
        .to_extension()
        .unwrap(),
    );
    let resolved = signature_key_for(&external, Some(&gc), members).unwrap();
    let ac = AuthenticatedContent::sign(&suite, &key, WireFormat::PUBLIC_MESSAGE, external, None)
        .unwrap();
    ac.verify_signature(&suite, &resolved, None).unwrap();

    let mut commit = commit_with_path(&kp);
    let with_path = framed(
        &gc,
        Sender::NewMemberCommit,
        Content::Commit(commit.clone()),
    );
    assert_eq!(
        signature_key_for(&with_path, Some(&gc), members),
        Ok(kp.leaf_node.signature_key.clone())
    );
    commit.path = None;
    let without_path = framed(&gc, Sender::NewMemberCommit, Content::Commit(commit));
    assert_eq!(
        signature_key_for(&without_path, Some(&gc), members),
        Err(FramingError::NoEmbeddedSignatureKey)
    );
}

/// The kept FramedContentTBS (from signing, and from verifying a received
/// PublicMessage) gives the same membership tag and confirmed transcript
/// hash as encoding the content again, for each wire format and for the
/// senders that do and do not sign the GroupContext.
#[test]
fn kept_tbs_gives_the_same_tag_and_transcript_hash() {
    for cs in [1u16, 2, 4] {
        let suite = suite(cs);
        let gc = context(&suite);
        let (key, public, kp) = {
            let (key, _, kp) = key_package(&suite, 30);
            let public = kp.leaf_node.signature_key.clone();
            (key, public, kp)
        };
        let interim = vec![0x11; suite.hash_len()];
        for (wire_format, sender) in [
            (WireFormat::PUBLIC_MESSAGE, Sender::Member(LeafIndex(0))),
            (WireFormat::PRIVATE_MESSAGE, Sender::Member(LeafIndex(0))),
            (WireFormat::PUBLIC_MESSAGE, Sender::NewMemberCommit),
        ] {
            let content = framed(&gc, sender, Content::Commit(commit_with_path(&kp)));
            let (mut ac, tbs) = AuthenticatedContent::sign_keeping_tbs(
                &suite,
                &key,
                wire_format,
                content,
                Some(&gc),
            )
            .unwrap();
            assert!(
                ac == AuthenticatedContent::sign(
                    &suite,
                    &key,
                    wire_format,
                    ac.content.clone(),
                    Some(&gc)
                )
                .unwrap()
            );
            let context = sender.signs_group_context().then_some(&gc);
            assert!(tbs.as_bytes() == ac.tbs_bytes(context).unwrap());
            let input = ac.confirmed_transcript_hash_input().unwrap();
            let expected = suite.hash(&[interim.as_slice(), &input].concat());
            let view = ac.view();
            assert!(
                view.confirmed_transcript_hash(&suite, &interim, Some(&tbs))
                    .unwrap()
                    == expected
            );
            assert!(
                view.confirmed_transcript_hash(&suite, &interim, None)
                    .unwrap()
                    == expected
            );
            if wire_format != WireFormat::PUBLIC_MESSAGE {
                continue;
            }
            ac.set_confirmation_tag(vec![0x77; suite.hash_len()])
                .unwrap();
            let key_for = |s: Sender| matches!(s, Sender::Member(_)).then_some(&MEMBERSHIP_KEY[..]);
            let pm = PublicMessage::protect_with_tbs(
                &suite,
                ac.clone(),
                tbs,
                key_for(sender),
                Some(&gc),
            )
            .unwrap();
            assert!(
                pm == PublicMessage::protect(&suite, ac.clone(), key_for(sender), Some(&gc))
                    .unwrap()
            );
            let received = MlsMessage::from_bytes(&MlsMessage::from(pm).to_bytes().unwrap())
                .unwrap()
                .into_public_message()
                .unwrap();
            let verified = received
                .verify(&suite, key_for(sender), Some(&gc), &public)
                .unwrap();
            let view = received.authenticated_content_ref();
            assert!(view == ac.view());
            assert!(
                view.confirmed_transcript_hash(&suite, &interim, Some(&verified))
                    .unwrap()
                    == expected
            );
            let tbs = view.verify_signature(&suite, &public, context).unwrap();
            assert!(tbs == verified);
            // A wrong key is refused by both paths.
            let (_, other) = signer(&suite, 31);
            assert_eq!(
                received.verify(&suite, key_for(sender), Some(&gc), &other),
                Err(FramingError::InvalidSignature)
            );
            assert_eq!(
                view.verify_signature(&suite, &other, context),
                Err(FramingError::InvalidSignature)
            );
        }
    }
}
