//! Exactly RFC 9420, no less (issue 15, item 7): input that RFC 9420
//! allows and an honest implementation can send is accepted. Each test is
//! named after the check that refused it before the audit of refusals
//! (README, "Checks beyond RFC 9420"), or after the RFC rule it exercises.

use crate::common;

use common::*;
use mls_codec::{decode_exact, Encode};
use mls_crypto::CipherSuiteProvider;
use mls_framing::{
    Add, Content, CustomProposal, GroupContextExtensions, GroupInfo, KeyPackage, MlsMessage,
    MlsMessageBody, Proposal,
};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};
use mls_types::{
    Capabilities, CipherSuite, CredentialType, Extension, ExtensionType, ProposalType,
};

/// A private-use proposal type (§17.4).
const CUSTOM: ProposalType = ProposalType(0xf0a1);
/// A private-use extension type.
const UNLISTED: ExtensionType = ExtensionType(0xff42);

fn bundle(s: &RustCryptoSuite, name: &str, capabilities: Capabilities) -> KeyPackageBundle {
    let options = KeyPackageOptions {
        capabilities,
        ..KeyPackageOptions::default()
    };
    KeyPackageBundle::create(s, &identity(s, name), options, &mut OsRng).unwrap()
}

fn with_proposal(t: ProposalType) -> Capabilities {
    Capabilities {
        proposals: vec![t],
        ..Capabilities::default()
    }
}

fn with_extension(t: ExtensionType) -> Capabilities {
    Capabilities {
        extensions: vec![t],
        ..Capabilities::default()
    }
}

/// Alice (with `alice`'s capabilities and `extensions` in the
/// GroupContext) creates a group and adds each of `others` in turn.
fn group(
    alice: Capabilities,
    extensions: Vec<Extension>,
    others: &[(&str, Capabilities)],
) -> Vec<Group<RustCryptoSuite>> {
    let s = suite(1);
    let cfg = config(HandshakeFormat::Public);
    let mut g = Group::create_with_leaf(
        s.clone(),
        bundle(&s, "alice", alice),
        b"rfc-valid".to_vec(),
        extensions,
        cfg,
        &mut OsRng,
    )
    .unwrap();
    g.set_time(unix_time_now());
    let mut groups = vec![g];
    for (name, caps) in others {
        add_and_join(&mut groups, &bundle(&s, name, caps.clone()), cfg);
    }
    groups
}

fn commit_body(msg: &MlsMessage) -> &mls_framing::Commit {
    let MlsMessageBody::PublicMessage(pm) = &msg.body else {
        panic!("not a PublicMessage");
    };
    let Content::Commit(c) = &pm.content.content else {
        panic!("not a commit");
    };
    c
}

fn join(welcome: &MlsMessage, who: &KeyPackageBundle) -> Group<RustCryptoSuite> {
    Group::join(
        suite(1),
        &welcome.clone().into_welcome().unwrap(),
        who,
        JoinOptions {
            now: Some(unix_time_now()),
            ..JoinOptions::default()
        },
    )
    .unwrap()
}

/// Check: a custom proposal was refused unless every member of the group
/// after the commit listed its type, joiners included
/// (`GroupError::UnsupportedProposal`). §12.2: "members being added or
/// removed by the Commit do not need to support the proposal type".
#[test]
fn unsupported_proposal_check_does_not_count_joiners() {
    let s = suite(1);
    let mut g = group(
        with_proposal(CUSTOM),
        Vec::new(),
        &[("bob", with_proposal(CUSTOM))],
    );
    let dave = bundle(&s, "dave", Capabilities::default());
    let out = g[0]
        .commit(
            vec![
                Proposal::Add(Add {
                    key_package: dave.key_package().clone(),
                }),
                Proposal::Custom(CustomProposal::new(CUSTOM, b"z".to_vec()).unwrap()),
            ],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    match g[1].process_message(&out.commit).unwrap() {
        ProcessedMessage::Commit(st) => {
            assert_eq!(st.custom_proposals().len(), 1);
            g[1].merge_staged_commit(st).unwrap();
        }
        _ => panic!("not a commit"),
    }
    let dave = join(out.welcome.as_ref().unwrap(), &dave);
    assert_agree(&[&g[0], &g[1], &dave]);

    // A member that stays and lacks the type still makes it invalid.
    let mut g = group(
        with_proposal(CUSTOM),
        Vec::new(),
        &[("carol", Capabilities::default())],
    );
    assert_eq!(
        g[0].commit(
            vec![Proposal::Custom(
                CustomProposal::new(CUSTOM, b"z".to_vec()).unwrap()
            )],
            &CommitOptions::default(),
            &mut OsRng
        )
        .unwrap_err(),
        GroupError::UnsupportedProposal(CUSTOM)
    );
}

/// Check: a received Add (or Update) was refused when stored if its leaf
/// did not meet the current GroupContext extensions
/// (`InvalidKeyPackage("leaf does not support a GroupContext
/// extension")`, required capabilities). §12.3: a GroupContextExtensions
/// proposal in the same commit replaces them first, and "the new
/// `extensions` MUST be used when evaluating other proposals". Stored
/// now, and checked under the extensions of the commit that covers it; a
/// commit that keeps the extensions leaves it out instead of failing.
#[test]
fn stored_proposal_group_extension_check_waits_for_the_commit() {
    let s = suite(1);
    let mut g = group(
        with_extension(UNLISTED),
        vec![Extension::new(UNLISTED, b"on".to_vec())],
        &[("bob", with_extension(UNLISTED))],
    );
    // Carol does not support UNLISTED and asks to be added.
    let carol = bundle(&s, "carol", Capabilities::default());
    let ask = new_member_add_proposal(&s, &carol, &g[0].context().group_id, g[0].epoch()).unwrap();
    let mut reference = None;
    for m in g.iter_mut() {
        match m.process_message(&ask).unwrap() {
            ProcessedMessage::Proposal(p) => reference = Some(p.reference),
            _ => panic!("not a proposal"),
        }
    }
    let reference = reference.unwrap();

    // A commit that keeps UNLISTED leaves her Add out rather than failing.
    let out = g[1]
        .commit(Vec::new(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert_eq!(out.left_out, vec![reference.clone()]);
    assert!(out.welcome.is_none());
    g[1].clear_pending_commit();

    // One that drops UNLISTED covers it, and every member accepts it.
    let out = g[1]
        .commit(
            vec![Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: Vec::new(),
            })],
            &CommitOptions::default(),
            &mut OsRng,
        )
        .unwrap();
    assert!(out.left_out.is_empty());
    assert!(commit_body(&out.commit)
        .proposals
        .iter()
        .any(|p| matches!(p, mls_framing::ProposalOrRef::Reference(r) if *r == reference)));
    g[1].merge_pending_commit().unwrap();
    deliver(&mut [&mut g[0]], &out.commit);
    let carol = join(out.welcome.as_ref().unwrap(), &carol);
    assert_agree(&[&g[0], &g[1], &carol]);
    assert_eq!(carol.members().len(), 3);
}

/// A policy for which `CUSTOM` does not require a path (its "Path
/// Required" registration, §12.4).
struct NoPathForCustom;

impl GroupPolicy for NoPathForCustom {
    fn custom_proposal_requires_path(&self, t: ProposalType) -> bool {
        t != CUSTOM
    }
}

/// Check: a commit without a path covering a custom proposal was always
/// refused (`GroupError::PathRequired`). §12.4: a type's registration
/// says whether it requires a path; the application, which supports the
/// type, says so through its policy (by default a path is required).
#[test]
fn path_required_check_follows_the_custom_types_registration() {
    let mut g = group(
        with_proposal(CUSTOM),
        Vec::new(),
        &[("bob", with_proposal(CUSTOM))],
    );
    let custom = || {
        vec![Proposal::Custom(
            CustomProposal::new(CUSTOM, b"no path".to_vec()).unwrap(),
        )]
    };
    g[0].set_policy(Box::new(NoPathForCustom));
    let out = g[0]
        .commit(custom(), &CommitOptions::default(), &mut OsRng)
        .unwrap();
    assert!(commit_body(&out.commit).path.is_none());
    // Bob, by default, requires a path for a type he knows nothing of...
    assert_eq!(
        g[1].process_message(&out.commit).unwrap_err(),
        GroupError::PathRequired
    );
    // ...and accepts the commit once his policy says what the type's
    // registration says.
    g[1].set_policy(Box::new(NoPathForCustom));
    deliver(&mut [&mut g[1]], &out.commit);
    g[0].merge_pending_commit().unwrap();
    assert_agree(&[&g[0], &g[1]]);
}

/// `value` decodes from its encoding and encodes to the same bytes.
fn round_trips<T: Encode + mls_codec::Decode + PartialEq + core::fmt::Debug>(value: &T) {
    let bytes = value.to_bytes().unwrap();
    let back: T = decode_exact(&bytes).unwrap();
    assert_eq!(&back, value);
    assert_eq!(back.to_bytes().unwrap(), bytes);
}

/// §13.5 (GREASE): unknown values — here GREASE values — in every field
/// where the RFC says to ignore them round-trip unchanged and are not
/// refused: a KeyPackage's `capabilities.cipher_suites`, `.extensions`,
/// `.proposals`, `.credentials`, `leaf_node.extensions` and `extensions`
/// (validated, added, its leaf imported by later joiners), and a
/// GroupInfo's `extensions` (an external join and a Delivery Service's
/// `PublicGroup` from it).
#[test]
fn grease_in_every_open_field_round_trips_and_is_ignored() {
    let s = suite(1);
    let now = unix_time_now();
    let grease_caps = Capabilities {
        cipher_suites: vec![CipherSuite(0x0a0a), CipherSuite(1)],
        extensions: vec![ExtensionType(0x1a1a)],
        proposals: vec![ProposalType(0x2a2a)],
        credentials: vec![CredentialType::BASIC, CredentialType(0x3a3a)],
        ..Capabilities::default()
    };
    let options = KeyPackageOptions {
        capabilities: grease_caps,
        leaf_extensions: vec![Extension::new(ExtensionType(0x1a1a), vec![0xa0; 7])],
        extensions: vec![Extension::new(ExtensionType(0x4a4a), vec![0x5b; 33])],
        ..KeyPackageOptions::default()
    };
    let bob = KeyPackageBundle::create(&s, &identity(&s, "bob"), options, &mut OsRng).unwrap();
    round_trips::<KeyPackage>(bob.key_package());
    let as_message = MlsMessage::from(bob.key_package().clone());
    let decoded = MlsMessage::from_bytes(&as_message.to_bytes().unwrap()).unwrap();
    assert_eq!(decoded, as_message);
    validate_key_package(&s, bob.key_package(), Some(now)).unwrap();

    // Added (the Add's KeyPackage validated by alice and by every
    // receiver), then joined; carol's join imports bob's leaf.
    let mut g = group(Capabilities::default(), Vec::new(), &[]);
    add_and_join(&mut g, &bob, config(HandshakeFormat::Public));
    add_and_join(
        &mut g,
        &key_package(&s, "carol"),
        config(HandshakeFormat::Public),
    );
    assert_agree(&[&g[0], &g[1], &g[2]]);
    assert_eq!(
        g[2].own_leaf_node()
            .unwrap()
            .capabilities
            .cipher_suites
            .len(),
        1,
        "carol lists only her own suite"
    );

    // A GroupInfo with a GREASE extension: round-trips, and is accepted
    // for an external join and by a Delivery Service.
    let mut info = g[0].group_info(true, true).unwrap();
    info.extensions
        .push(Extension::new(ExtensionType(0x5a5a), vec![0x77; 19]));
    let key = s
        .signing_key(g[0].identity().signature_private_key())
        .unwrap();
    info.sign(&s, &key).unwrap();
    round_trips::<GroupInfo>(&info);
    PublicGroup::from_group_info(s.clone(), &info, PublicGroupOptions::default()).unwrap();
    let (dave, commit) = Group::join_external(
        s.clone(),
        &info,
        identity(&s, "dave"),
        ExternalJoinOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    {
        let (first, rest) = g.split_at_mut(1);
        let mut all: Vec<&mut Group<RustCryptoSuite>> = vec![&mut first[0]];
        all.extend(rest.iter_mut());
        deliver(&mut all, &commit);
    }
    assert_agree(&[&g[0], &g[1], &g[2], &dave]);
}
