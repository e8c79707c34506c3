//! Shared by the hostile-input tests (`mutations.rs`, `bad_input_matrix.rs`):
//! the stateful fuzz targets' fixture — a four-member group in epoch 1
//! whose secrets are known, so a mutated message can be re-signed and
//! re-protected and reach the check it is meant for — and helpers to feed
//! hostile input to bob (leaf 1) and check that a refusal changes nothing.
#![allow(dead_code)]

use std::sync::OnceLock;

use mls_crypto::CipherSuiteProvider;
use mls_framing::{
    AuthenticatedContent, Content, FramingError, MlsMessage, MlsMessageBody, Proposal, Sender,
    WireFormat,
};
pub use mls_fuzz_targets::fixture::*;
use mls_group::{CommitOptions, GroupError, ProcessedMessage};

/// The fixture, built once per test binary.
pub fn fx() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::build)
}

/// Why hostile input was refused: it did not decode, or the group refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `MlsMessage::from_bytes` (or another decoder) refused the bytes.
    Decode(FramingError),
    /// The group refused the message.
    Group(GroupError),
}

/// `g` processes `msg`: the error if it was refused with `g`'s persisted
/// state byte-identical; a description if it was accepted or the state
/// changed.
pub fn refused_by(g: &mut MemberGroup, msg: &MlsMessage) -> Result<GroupError, String> {
    let before = g.to_state_bytes().map_err(|e| format!("{e:?}"))?;
    match g.process_message(msg) {
        Ok(p) => Err(format!("accepted: {}", describe(&p))),
        Err(e) => {
            let after = g.to_state_bytes().map_err(|e| format!("{e:?}"))?;
            if after == before {
                Ok(e)
            } else {
                Err(format!("state changed by the refusal {e:?}"))
            }
        }
    }
}

fn describe(p: &ProcessedMessage) -> &'static str {
    match p {
        ProcessedMessage::Application { .. } => "application",
        ProcessedMessage::Proposal(_) => "proposal",
        ProcessedMessage::Commit(_) => "commit",
    }
}

/// Bob, fresh from the fixture, processes `msg` (see [`refused_by`]).
pub fn bob_refuses(msg: &MlsMessage) -> Result<GroupError, String> {
    refused_by(&mut fx().group(RECEIVER), msg)
}

/// Bob decodes and processes `bytes` (see [`refused_by`]).
pub fn bob_refuses_bytes(bytes: &[u8]) -> Result<Refusal, String> {
    match MlsMessage::from_bytes(bytes) {
        Err(e) => Ok(Refusal::Decode(e)),
        Ok(msg) => bob_refuses(&msg).map(Refusal::Group),
    }
}

/// The signed content inside a Public or PrivateMessage of epoch 1
/// (decrypted with the epoch's secrets).
pub fn content_of(msg: &MlsMessage) -> AuthenticatedContent {
    let fx = fx();
    match &msg.body {
        MlsMessageBody::PublicMessage(pm) => pm.authenticated_content(),
        MlsMessageBody::PrivateMessage(pm) => {
            let mut tree = fx.secret_tree().expect("secret tree");
            pm.unprotect(
                &fx.suite,
                &mut tree,
                fx.epoch_secrets.sender_data_secret().as_bytes(),
                &fx.context,
                |l| {
                    fx.members
                        .get(l.0 as usize)
                        .map(|m| m.signature_key().clone())
                },
            )
            .expect("a fixture message decrypts")
        }
        _ => panic!("not a framed message"),
    }
}

/// `ac` re-signed by `signer` (its content and confirmation tag as they are).
pub fn resign(
    ac: &AuthenticatedContent,
    signer: &mls_group::ClientIdentity,
) -> AuthenticatedContent {
    fx().sign(
        signer,
        ac.wire_format,
        ac.content.clone(),
        ac.auth.confirmation_tag.clone(),
    )
    .expect("sign")
}

/// `ac` re-signed by its sender's key.
pub fn resigned(ac: &AuthenticatedContent) -> AuthenticatedContent {
    let signer = fx()
        .identity_of(ac.content.sender)
        .expect("a sender of the fixture");
    resign(ac, signer)
}

/// `ac` (already signed) framed in its wire format: a PublicMessage with a
/// valid membership tag, or a PrivateMessage that decrypts.
pub fn frame(ac: &AuthenticatedContent) -> MlsMessage {
    let fx = fx();
    if ac.wire_format == WireFormat::PRIVATE_MESSAGE {
        fx.frame_private(ac).expect("frame private")
    } else {
        fx.frame_public(ac.clone()).expect("frame public")
    }
}

/// The content of `ac` changed by `edit`, then re-signed by the original
/// sender and framed so that it authenticates.
pub fn edited(
    ac: &AuthenticatedContent,
    edit: impl FnOnce(&mut mls_framing::FramedContent),
) -> MlsMessage {
    let signer = fx()
        .identity_of(ac.content.sender)
        .expect("a sender of the fixture");
    let mut content = ac.content.clone();
    edit(&mut content);
    let signed = fx()
        .sign(
            signer,
            ac.wire_format,
            content,
            ac.auth.confirmation_tag.clone(),
        )
        .expect("sign");
    frame(&signed)
}

/// The commit's proposal list and path, for editing.
pub fn commit_of(content: &mut mls_framing::FramedContent) -> &mut mls_framing::Commit {
    match &mut content.content {
        Content::Commit(c) => c,
        _ => panic!("not a commit"),
    }
}

/// Flips bit `bit % 8` of byte `index % len` (no-op on empty input).
pub fn flip(bytes: &mut [u8], index: usize, bit: u8) {
    if bytes.is_empty() {
        return;
    }
    let i = index % bytes.len();
    bytes[i] ^= 1 << (bit % 8);
}

/// Member `leaf`'s commit of `proposals` (not stored ones) in epoch 1,
/// in its handshake format `format`, with a path if `force_path`.
pub fn commit_by(
    leaf: usize,
    proposals: Vec<Proposal>,
    force_path: bool,
    format: mls_group::HandshakeFormat,
) -> MlsMessage {
    let fx = fx();
    let mut g = fx.group(leaf);
    let options = CommitOptions {
        include_stored_proposals: false,
        force_path,
        wire_format: Some(format),
        ..CommitOptions::default()
    };
    g.commit(proposals, &options, &mut TestRng::new(10 + leaf as u64))
        .expect("commit")
        .commit
}

/// A member's application message in epoch 1.
pub fn application_by(leaf: usize, data: &[u8]) -> MlsMessage {
    fx().group(leaf)
        .encrypt_application_message(data, b"", &mut TestRng::new(20 + leaf as u64))
        .expect("application message")
}

/// The Sender of member `leaf`.
pub fn member(leaf: u32) -> Sender {
    Sender::Member(mls_types::tree_math::LeafIndex(leaf))
}

/// The length of the suite's `KDF.Nh` (the ciphertext sample of §6.3.2).
pub fn nh() -> usize {
    fx().suite.kdf_extract_len()
}

/// `content` changed by `edit`, signed by `signer` (whoever the content
/// claims to be from) and framed so that it authenticates.
pub fn edited_by(
    ac: &AuthenticatedContent,
    signer: &mls_group::ClientIdentity,
    edit: impl FnOnce(&mut mls_framing::FramedContent),
) -> MlsMessage {
    let mut content = ac.content.clone();
    edit(&mut content);
    let signed = fx()
        .sign(
            signer,
            ac.wire_format,
            content,
            ac.auth.confirmation_tag.clone(),
        )
        .expect("sign");
    frame(&signed)
}

/// A PublicMessage of `content`, which the sender rules may forbid (so it
/// cannot be signed for a PublicMessage: it is signed by member `signer`
/// as a PrivateMessage's would be), with a membership tag if the sender
/// is a member.
pub fn unchecked_public(content: mls_framing::FramedContent, signer: usize) -> MlsMessage {
    let fx = fx();
    let mut signed = fx
        .sign(
            &fx.members[signer],
            WireFormat::PRIVATE_MESSAGE,
            fx.content(member(signer as u32), Content::Application(Vec::new())),
            None,
        )
        .expect("sign");
    signed.content = content;
    signed.wire_format = WireFormat::PUBLIC_MESSAGE;
    let membership_tag = match signed.content.sender {
        Sender::Member(_) => Some(
            signed
                .membership_tag(
                    &fx.suite,
                    fx.epoch_secrets.membership_key().as_bytes(),
                    Some(&fx.context_for(&signed.content)),
                )
                .expect("membership tag"),
        ),
        _ => None,
    };
    MlsMessage::from(mls_framing::PublicMessage {
        content: signed.content,
        auth: signed.auth,
        membership_tag,
    })
}

/// A Delivery Service's view of the group as bob sees it: from bob's
/// GroupInfo, holding the proposal bob holds, with `policy`.
pub fn ds_group(policy: Option<Box<dyn mls_group::GroupPolicy>>) -> mls_group::PublicGroup<Suite> {
    let fx = fx();
    let mut pg = mls_group::PublicGroup::from_group_info(
        fx.suite.clone(),
        &fx.public_group_info,
        mls_group::PublicGroupOptions {
            policy,
            ..Default::default()
        },
    )
    .expect("the fixture's GroupInfo imports");
    pg.process_message(&fx.update_proposal)
        .expect("bob's proposal");
    pg
}

/// `pg` follows `msg`: `Ok(None)` if it accepted, `Ok(Some(e))` if it
/// refused with its GroupContext and tree unchanged; a description if a
/// refusal changed it.
pub fn ds_verdict(
    pg: &mut mls_group::PublicGroup<Suite>,
    msg: &MlsMessage,
) -> Result<Option<GroupError>, String> {
    let tree = |pg: &mls_group::PublicGroup<Suite>| pg.tree().to_extension_bytes().expect("tree");
    let (context, before) = (pg.context().clone(), tree(pg));
    match pg.process_message(msg) {
        Ok(_) => Ok(None),
        Err(e) if pg.context() == &context && tree(pg) == before => Ok(Some(e)),
        Err(e) => Err(format!("changed by the refusal {e:?}")),
    }
}

/// A Delivery Service's view of the group (see [`ds_group`]) follows
/// `msg`: the error if it refused with its state unchanged; a
/// description if it accepted or changed.
pub fn ds_refuses(msg: &MlsMessage) -> Result<GroupError, String> {
    match ds_verdict(&mut ds_group(None), msg)? {
        Some(e) => Ok(e),
        None => Err("accepted".into()),
    }
}

/// The verdict of a Delivery Service's view on a PublicMessage bob
/// refused with `member`: the same refusal, unless only the epoch's
/// secrets reveal it (then the DS may accept). `Err` describes a
/// mismatch.
pub fn same_verdict(
    pg: &mut mls_group::PublicGroup<Suite>,
    msg: &MlsMessage,
    member: &GroupError,
) -> Result<(), String> {
    if !matches!(msg.body, MlsMessageBody::PublicMessage(_)) {
        return Ok(());
    }
    let ds = ds_verdict(pg, msg)?;
    match ds {
        Some(e) if &e == member => Ok(()),
        _ if needs_secrets(member) => Ok(()),
        other => Err(format!(
            "the DS's verdict {other:?} differs from bob's {member:?}"
        )),
    }
}

/// Dave joins from `welcome` with his KeyPackage of the fixture and the
/// fixture's PSK store: the error, or a description if he joined.
pub fn dave_refuses(welcome: &mls_framing::Welcome) -> Result<GroupError, String> {
    let fx = fx();
    let store = fx.psk_store();
    match mls_group::Group::join(
        fx.suite.clone(),
        welcome,
        &fx.bundles[3],
        mls_group::JoinOptions {
            psks: Some(&store),
            ..mls_group::JoinOptions::default()
        },
    ) {
        Ok(_) => Err("joined".into()),
        Err(e) => Ok(e),
    }
}

/// The ProposalRef of carol's Update, which every member holds.
pub fn update_ref() -> mls_framing::ProposalRef {
    let fx = fx();
    content_of(&fx.update_proposal)
        .proposal_ref(&fx.suite)
        .expect("proposal ref")
}
