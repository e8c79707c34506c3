//! The stateful fuzz targets: hostile input against the live group of
//! [`crate::fixture`], built once per process.
//!
//! `group_process` and `external_commit` take one mode byte and then an
//! MLSMessage. The mode re-authenticates a PublicMessage after the fuzzer
//! mutated it, so that mutations get past the signature and membership
//! tag (the receiver still checks both; only confirmation tags stay out
//! of reach):
//!
//! | `mode & 3` | the message processed |
//! |---|---|
//! | 0 | the input as it is |
//! | 1 | its content re-signed by the sender's key, with a valid membership tag |
//! | 2 | its content re-signed and encrypted as a PrivateMessage of epoch 1 |
//! | 3 | its content re-signed, the input's membership tag kept |
//!
//! When re-authenticating fails (a sender without known key, say), the
//! input is processed as it is.

use std::sync::OnceLock;

use mls_codec::{Decode, Encode, Reader};
use mls_framing::{GroupInfo, GroupSecrets, MlsMessage, MlsMessageBody, PublicMessage, WireFormat};
use mls_group::{
    CommitOptions, Group, GroupError, JoinOptions, ProcessedMessage, PublicEvent, PublicGroup,
};
use mls_keyschedule::{JoinerSecret, PskSecret};
use mls_treekem::{LeafValidationOptions, RatchetTree, TreeImportParams};
use mls_types::GroupContext;
use mls_types::{ExtensionType, RequiredCapabilities};

use crate::fixture::{
    config, needs_secrets, reconfirm, signing_key, Fixture, MemberGroup, TestRng, RECEIVER,
};

/// The KeyPackage `welcome_join` joins with: dave's.
pub const JOINER_LEAF: usize = 3;

/// The fixture, built on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::build)
}

/// What a stateful target did with an input.
#[derive(Debug)]
pub enum Outcome {
    /// The input did not decode into what the target processes.
    Skipped,
    /// The group refused it (with the state unchanged).
    Rejected(GroupError),
    /// The group accepted it; the GroupContext it is in afterwards (`None`
    /// for a member the message removed: it stays in the old epoch).
    Accepted(Option<Box<GroupContext>>),
}

/// The message `msg` after re-authentication by `mode` (see the module docs).
pub fn reauthenticate(fx: &Fixture, mode: u8, msg: MlsMessage) -> MlsMessage {
    let MlsMessageBody::PublicMessage(pm) = &msg.body else {
        return msg;
    };
    let content = pm.content.clone();
    let tag = pm.auth.confirmation_tag.clone();
    let forged = match mode & 3 {
        1 => fx.public(content, tag),
        2 => fx.private(content, tag),
        3 => fx
            .identity_of(content.sender)
            .ok_or(GroupError::InvalidArgument("no key for this sender"))
            .and_then(|signer| fx.sign(signer, WireFormat::PUBLIC_MESSAGE, content, tag))
            .map(|ac| {
                MlsMessage::from(PublicMessage {
                    content: ac.content,
                    auth: ac.auth,
                    membership_tag: pm.membership_tag.clone(),
                })
            }),
        _ => return msg,
    };
    forged.unwrap_or(msg)
}

fn state(g: &MemberGroup) -> zeroize::Zeroizing<Vec<u8>> {
    g.to_state_bytes().expect("a group state encodes")
}

/// The contract of a member receiving `msg`: no panic; a refusal leaves
/// the persisted state byte-identical; a staged commit merges; an
/// accepted message leaves a state that persists and restores
/// identically, and processing the message again either works or, again,
/// changes nothing.
pub fn member_receives(fx: &Fixture, msg: &MlsMessage) -> Outcome {
    let mut g = fx.group(RECEIVER);
    let before = &fx.states[RECEIVER];
    match g.process_message(msg) {
        Err(e) => {
            assert!(
                state(&g).as_slice() == before.as_slice(),
                "state changed by a refused message ({e:?})"
            );
            Outcome::Rejected(e)
        }
        Ok(processed) => {
            let mut removed = false;
            if let ProcessedMessage::Commit(staged) = processed {
                removed = staged.removes_us();
                if let Err(e) = g.merge_staged_commit(staged) {
                    panic!("a staged commit does not merge: {e:?}");
                }
            }
            let after = state(&g);
            let back = Group::from_state_bytes(fx.suite.clone(), &after, config(), None)
                .unwrap_or_else(|e| panic!("the new state does not restore: {e:?}"));
            assert!(state(&back) == after, "the new state restores differently");
            let context = (!removed).then(|| Box::new(g.context().clone()));
            if let Err(e) = g.process_message(msg) {
                assert!(
                    state(&g) == after,
                    "state changed by a replay refused with {e:?}"
                );
            }
            Outcome::Accepted(context)
        }
    }
}

/// The contract of a Delivery Service's [`PublicGroup`] following `msg`:
/// no panic; a refusal changes neither the GroupContext nor the tree; after
/// an accepted commit the tree is one a joiner would import.
pub fn public_group_receives(fx: &Fixture, msg: &MlsMessage) -> Outcome {
    if msg.wire_format() != WireFormat::PUBLIC_MESSAGE {
        return Outcome::Skipped;
    }
    let mut pg =
        PublicGroup::from_group_info(fx.suite.clone(), &fx.public_group_info, Default::default())
            .expect("the fixture's GroupInfo imports");
    // What bob holds too.
    pg.process_message(&fx.update_proposal)
        .expect("the DS follows carol's proposal");
    let tree_bytes = |pg: &PublicGroup<_>| pg.tree().to_extension_bytes().expect("tree encodes");
    let (context, tree) = (pg.context().clone(), tree_bytes(&pg));
    match pg.process_message(msg) {
        Err(e) => {
            assert!(
                pg.context() == &context && tree_bytes(&pg) == tree,
                "public group changed by a refused message ({e:?})"
            );
            Outcome::Rejected(e)
        }
        Ok(event) => {
            if let PublicEvent::Commit { .. } = event {
                let context = pg.context();
                let required =
                    mls_framing::find_extension::<RequiredCapabilities>(&context.extensions)
                        .ok()
                        .flatten();
                let params = TreeImportParams {
                    group_id: &context.group_id,
                    expected_tree_hash: &context.tree_hash,
                    required_capabilities: required.as_ref(),
                    options: LeafValidationOptions::without_lifetime(),
                };
                if let Err(e) = RatchetTree::import(&fx.suite, &tree_bytes(&pg), &params) {
                    panic!("a followed commit leads to a tree that does not import: {e:?}");
                }
            }
            Outcome::Accepted(Some(Box::new(pg.context().clone())))
        }
    }
}

/// Splits a `group_process` / `external_commit` input into its mode and
/// (re-authenticated) message.
fn message_input(data: &[u8]) -> Option<MlsMessage> {
    let (&mode, rest) = data.split_first()?;
    let msg = MlsMessage::from_bytes(rest).ok()?;
    Some(reauthenticate(fixture(), mode, msg))
}

/// `fuzz_targets/group_process.rs`: bob processes the message (see
/// [`member_receives`]); a PublicMessage he accepts, a Delivery Service's
/// [`PublicGroup`] must accept too, reaching the same GroupContext.
pub fn group_process(data: &[u8]) {
    group_process_outcome(data);
}

/// [`group_process`], with what became of the input.
pub fn group_process_outcome(data: &[u8]) -> Outcome {
    let Some(msg) = message_input(data) else {
        return Outcome::Skipped;
    };
    let fx = fixture();
    let member = member_receives(fx, &msg);
    agree(&member, &public_group_receives(fx, &msg));
    member
}

/// Bob and a Delivery Service's [`PublicGroup`], which run the same
/// commit pipeline, reach the same verdict on a PublicMessage: what bob
/// accepts the DS accepts, ending in the same GroupContext; what bob
/// refuses the DS refuses with the same error, unless only a member can
/// tell ([`needs_secrets`]).
fn agree(member: &Outcome, public: &Outcome) {
    match (member, public) {
        (Outcome::Accepted(Some(m)), Outcome::Accepted(Some(p))) => assert!(
            m == p,
            "bob and the DS disagree on the GroupContext:\n bob: {m:?}\n DS:  {p:?}"
        ),
        (Outcome::Accepted(_), Outcome::Rejected(e)) => {
            panic!("bob accepted a message the DS refuses: {e:?}")
        }
        (Outcome::Rejected(m), Outcome::Rejected(p)) => assert!(
            m == p || needs_secrets(m),
            "bob and the DS refuse differently:\n bob: {m:?}\n DS:  {p:?}"
        ),
        (Outcome::Rejected(m), Outcome::Accepted(_)) => assert!(
            needs_secrets(m),
            "the DS accepted a message bob refuses with {m:?}"
        ),
        _ => {}
    }
}

/// `fuzz_targets/external_commit.rs`: bob and a Delivery Service's
/// [`PublicGroup`] both process the message (each with the contract of
/// [`member_receives`] / [`public_group_receives`], and what bob accepts
/// the DS accepts, reaching the same GroupContext); seeded with external
/// commits.
pub fn external_commit(data: &[u8]) {
    external_commit_outcome(data);
}

/// [`external_commit`], with what became of the input in bob's group
/// ([`Outcome::Accepted`] if either accepted it).
pub fn external_commit_outcome(data: &[u8]) -> Outcome {
    let Some(msg) = message_input(data) else {
        return Outcome::Skipped;
    };
    let fx = fixture();
    let public = public_group_receives(fx, &msg);
    let member = member_receives(fx, &msg);
    agree(&member, &public);
    match (member, public) {
        (Outcome::Accepted(c), _) | (_, Outcome::Accepted(c)) => Outcome::Accepted(c),
        (member, _) => member,
    }
}

/// `fuzz_targets/welcome_join.rs`: dave joins from a Welcome.
///
/// If the first byte is even, the rest is an MLSMessage holding the
/// Welcome. If it is odd, the rest is `GroupSecrets` followed by a
/// `GroupInfo`, sealed here into a Welcome for dave's KeyPackage (the
/// GroupInfo encrypted under the welcome key of that joiner secret and
/// the PSKs named), after these fix-ups chosen by the first byte's bits:
/// 2 sets the GroupContext's `tree_hash` to the hash of the tree in the
/// `ratchet_tree` extension, 4 recomputes the confirmation tag, 8
/// re-signs with the key of the member at `signer`. So mutations of the
/// GroupInfo reach tree import, the signature and confirmation checks and
/// what follows them.
///
/// Contract: no panic; a refusal is a typed error; a joined group
/// persists and restores identically, and can send and commit.
pub fn welcome_join(data: &[u8]) {
    welcome_join_outcome(data);
}

/// [`welcome_join`], with what became of the input.
pub fn welcome_join_outcome(data: &[u8]) -> Outcome {
    let fx = fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return Outcome::Skipped;
    };
    let welcome = if mode & 1 == 0 {
        match MlsMessage::from_bytes(rest).and_then(MlsMessage::into_welcome) {
            Ok(w) => w,
            Err(_) => return Outcome::Skipped,
        }
    } else {
        let mut r = Reader::new(rest);
        let (Ok(secrets), Ok(info)) = (GroupSecrets::decode(&mut r), GroupInfo::decode(&mut r))
        else {
            return Outcome::Skipped;
        };
        if !r.is_empty() {
            return Outcome::Skipped;
        }
        match sealed_welcome(fx, mode, &secrets, info) {
            Some(w) => w,
            None => return Outcome::Skipped,
        }
    };
    let store = fx.psk_store();
    let joined = Group::join(
        fx.suite.clone(),
        &welcome,
        &fx.bundles[JOINER_LEAF],
        JoinOptions {
            psks: Some(&store),
            config: config(),
            ..JoinOptions::default()
        },
    );
    let mut g = match joined {
        Err(e) => return Outcome::Rejected(e),
        Ok(g) => g,
    };
    let bytes = state(&g);
    let back = Group::from_state_bytes(fx.suite.clone(), &bytes, config(), None)
        .unwrap_or_else(|e| panic!("a joined state does not restore: {e:?}"));
    assert!(state(&back) == bytes, "a joined state restores differently");
    let rng = &mut TestRng::new(1);
    if let Err(e) = g.encrypt_application_message(b"joined", b"", rng) {
        panic!("a joined member cannot send: {e:?}");
    }
    if let Err(e) = g.commit(Vec::new(), &CommitOptions::default(), rng) {
        panic!("a joined member cannot commit: {e:?}");
    }
    Outcome::Accepted(Some(Box::new(g.context().clone())))
}

/// The Welcome the odd modes of [`welcome_join`] build.
fn sealed_welcome(
    fx: &Fixture,
    mode: u8,
    secrets: &GroupSecrets,
    mut info: GroupInfo,
) -> Option<mls_framing::Welcome> {
    let suite = &fx.suite;
    let psk = PskSecret::compute(suite, &secrets.psks, &fx.psk_store())
        .unwrap_or_else(|_| PskSecret::zero(suite));
    if mode & 2 != 0 {
        let tree = info
            .extensions
            .iter()
            .find(|e| e.extension_type == ExtensionType::RATCHET_TREE)
            .and_then(|e| RatchetTree::from_extension_bytes(&e.extension_data).ok());
        if let Some(hash) = tree.and_then(|mut t| t.tree_hash(suite).ok()) {
            info.group_context.tree_hash = hash;
        }
    }
    if mode & 4 != 0 {
        if let Ok(joiner) = JoinerSecret::new(
            suite,
            mls_crypto::Secret::from(secrets.joiner_secret.clone()),
        ) {
            reconfirm(suite, &mut info, &joiner, &psk).ok()?;
        }
    }
    if mode & 8 != 0 {
        if let Some(signer) = usize::try_from(info.signer.0)
            .ok()
            .and_then(|i| fx.members.get(i))
        {
            info.sign(suite, &signing_key(suite, signer)).ok()?;
        }
    }
    // Only what re-encodes can be sealed.
    info.to_bytes().ok()?;
    fx.seal(
        &info,
        secrets,
        &[fx.bundles[JOINER_LEAF].key_package()],
        &psk,
    )
    .ok()
}
