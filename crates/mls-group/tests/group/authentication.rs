//! Every place a credential enters a group asks the policy (the
//! credential-validation interface), with its entry point: a refused
//! credential is refused there — by a member `Group` and by a
//! `PublicGroup` where one follows — and the state is unchanged.

use crate::common;

use common::*;
use mls_crypto::SignaturePublicKey;
use mls_framing::{
    Add, ExtensionBody, ExternalSender, ExternalSenders, GroupContextExtensions, MlsMessage,
    Proposal, Remove, Update,
};
use mls_group::*;
use mls_rustcrypto::{OsRng, RustCryptoSuite};
use std::sync::{Arc, Mutex};

/// Refuses the listed signature keys, wherever they enter; records the
/// contexts it was asked about.
#[derive(Clone, Default)]
struct RefuseKeys {
    keys: Arc<Mutex<Vec<SignaturePublicKey>>>,
    asked: Arc<Mutex<Vec<CredentialContext>>>,
}

impl RefuseKeys {
    fn refuse(&self, key: &SignaturePublicKey) {
        self.keys.lock().unwrap().push(key.clone());
    }
}

impl GroupPolicy for RefuseKeys {
    fn authenticate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        self.asked.lock().unwrap().push(input.context);
        if self.keys.lock().unwrap().contains(input.signature_key) {
            return Err(CredentialError::Refused("test"));
        }
        Ok(())
    }
}

fn refused(context: CredentialContext) -> GroupError {
    GroupError::CredentialRejected {
        context,
        reason: CredentialError::Refused("test"),
    }
}

/// Alice and Bob, both under `policy`, and a DS's view under it.
fn setup(
    policy: &RefuseKeys,
    extensions: Vec<mls_types::Extension>,
) -> (Vec<Group<RustCryptoSuite>>, PublicGroup<RustCryptoSuite>) {
    let s = suite(1);
    let mut a = Group::create(
        s.clone(),
        identity(&s, "alice"),
        b"auth".to_vec(),
        extensions,
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    a.set_time(unix_time_now());
    let mut g = vec![a];
    add_and_join(
        &mut g,
        &key_package(&s, "bob"),
        config(HandshakeFormat::Public),
    );
    for m in g.iter_mut() {
        m.set_policy(Box::new(policy.clone()));
    }
    let ds = public_view(&g[0], policy);
    (g, ds)
}

fn public_view(g: &Group<RustCryptoSuite>, policy: &RefuseKeys) -> PublicGroup<RustCryptoSuite> {
    PublicGroup::from_group_info(
        g.suite().clone(),
        &g.group_info(true, false).unwrap(),
        PublicGroupOptions {
            policy: Some(Box::new(policy.clone())),
            now: Some(unix_time_now()),
            ..Default::default()
        },
    )
    .unwrap()
}

/// `msg` refused with `want` by member `g` and by `ds`, neither changed.
fn refused_by_both(
    g: &mut Group<RustCryptoSuite>,
    ds: &mut PublicGroup<RustCryptoSuite>,
    msg: &MlsMessage,
    want: GroupError,
) {
    let before = g.to_state_bytes().unwrap();
    assert_eq!(g.process_message(msg).unwrap_err(), want);
    assert_eq!(g.to_state_bytes().unwrap(), before);
    let (context, members, proposals) = (ds.context().clone(), ds.members(), ds.proposals().len());
    assert_eq!(ds.process_message(msg).unwrap_err(), want);
    assert_eq!(
        (ds.context(), ds.members(), ds.proposals().len()),
        (&context, members, proposals)
    );
}

/// Runs `f` with `policy` switched off (nothing refused) and back on.
fn lax<T>(policy: &RefuseKeys, f: impl FnOnce() -> T) -> T {
    let saved = std::mem::take(&mut *policy.keys.lock().unwrap());
    let out = f();
    *policy.keys.lock().unwrap() = saved;
    out
}

#[test]
fn add_key_package() {
    let policy = RefuseKeys::default();
    let (mut g, mut ds) = setup(&policy, vec![]);
    let s = suite(1);
    let eve = key_package(&s, "eve");
    policy.refuse(&eve.key_package().leaf_node.signature_key);
    let add = Proposal::Add(Add {
        key_package: eve.key_package().clone(),
    });
    // Sending: proposing and committing.
    let before = g[0].to_state_bytes().unwrap();
    assert_eq!(
        g[0].propose(add.clone(), &mut OsRng).unwrap_err(),
        refused(CredentialContext::KeyPackage)
    );
    assert_eq!(
        g[0].commit(vec![add.clone()], &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        refused(CredentialContext::KeyPackage)
    );
    assert_eq!(g[0].to_state_bytes().unwrap(), before);
    // Received as a proposal, and in a commit.
    let proposal = lax(&policy, || g[0].propose(add.clone(), &mut OsRng).unwrap());
    refused_by_both(
        &mut g[1],
        &mut ds,
        &proposal,
        refused(CredentialContext::KeyPackage),
    );
    g[0].set_policy(Box::new(AcceptAll));
    let out = g[0]
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    refused_by_both(
        &mut g[1],
        &mut ds,
        &out.commit,
        refused(CredentialContext::KeyPackage),
    );
    // Checked alone (a DS on upload).
    assert_eq!(
        validate_key_package_with(&s, eve.key_package(), None, &policy).unwrap_err(),
        refused(CredentialContext::KeyPackage)
    );
}

#[test]
fn update() {
    let policy = RefuseKeys::default();
    let (mut g, mut ds) = setup(&policy, vec![]);
    // Bob's new leaf under a key the policy refuses.
    let s = suite(1);
    let new = identity(&s, "bob");
    let mut leaf = g[1].own_leaf_node().unwrap().clone();
    leaf.signature_key = new.signature_key().clone();
    leaf.encryption_key = s.hpke_generate_key_pair(&mut OsRng).unwrap().public;
    leaf.leaf_node_source = mls_treekem::LeafNodeSource::Update;
    let key = s.signing_key(new.signature_private_key()).unwrap();
    leaf.sign(&s, &key, Some((g[1].group_id(), g[1].own_leaf())))
        .unwrap();
    policy.refuse(new.signature_key());
    let update = Proposal::Update(Update { leaf_node: leaf });
    let before = g[1].to_state_bytes().unwrap();
    assert_eq!(
        g[1].propose(update.clone(), &mut OsRng).unwrap_err(),
        refused(CredentialContext::Update)
    );
    assert_eq!(g[1].to_state_bytes().unwrap(), before);
    let sent = lax(&policy, || g[1].propose(update, &mut OsRng).unwrap());
    refused_by_both(
        &mut g[0],
        &mut ds,
        &sent,
        refused(CredentialContext::Update),
    );
}

#[test]
fn commit_path() {
    let policy = RefuseKeys::default();
    let (mut g, mut ds) = setup(&policy, vec![]);
    // Bob's key becomes unacceptable; his next path leaf carries it.
    let bob_key = g[1].identity().signature_key().clone();
    policy.refuse(&bob_key);
    let before = g[1].to_state_bytes().unwrap();
    let force = CommitOptions {
        force_path: true,
        ..Default::default()
    };
    assert_eq!(
        g[1].commit(vec![], &force, &mut OsRng).unwrap_err(),
        refused(CredentialContext::CommitPath)
    );
    assert_eq!(g[1].to_state_bytes().unwrap(), before);
    let out = lax(&policy, || g[1].commit(vec![], &force, &mut OsRng).unwrap());
    refused_by_both(
        &mut g[0],
        &mut ds,
        &out.commit,
        refused(CredentialContext::CommitPath),
    );
}

#[test]
fn tree_import_by_welcome_by_external_join_and_by_a_public_group() {
    let policy = RefuseKeys::default();
    let (g, _) = setup(&policy, vec![]);
    let s = suite(1);
    policy.refuse(g[1].identity().signature_key());
    // A DS starting to follow the group.
    let info = g[0].group_info(true, true).unwrap();
    let options = || PublicGroupOptions {
        policy: Some(Box::new(policy.clone())),
        ..Default::default()
    };
    assert_eq!(
        PublicGroup::from_group_info(s.clone(), &info, options()).unwrap_err(),
        refused(CredentialContext::TreeImport)
    );
    // An external joiner.
    let join = Group::join_external(
        s.clone(),
        &info,
        identity(&s, "carol"),
        ExternalJoinOptions {
            policy: Some(Box::new(policy.clone())),
            ..Default::default()
        },
        &mut OsRng,
    );
    assert_eq!(join.unwrap_err(), refused(CredentialContext::TreeImport));
    // A joiner by Welcome.
    let mut a = lax(&policy, || {
        let mut g = g;
        g.remove(0)
    });
    let carol = key_package(&s, "carol");
    let out = lax(&policy, || {
        a.add_members(vec![carol.key_package().clone()], &mut OsRng)
            .unwrap()
    });
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let joined = Group::join(
        s.clone(),
        &welcome,
        &carol,
        JoinOptions {
            policy: Some(Box::new(policy.clone())),
            ..Default::default()
        },
    );
    assert_eq!(joined.unwrap_err(), refused(CredentialContext::TreeImport));
}

#[test]
fn external_join() {
    let policy = RefuseKeys::default();
    let (mut g, mut ds) = setup(&policy, vec![]);
    let s = suite(1);
    let carol = identity(&s, "carol");
    let info = g[0].group_info(true, true).unwrap();
    // The joiner's own policy refuses its leaf before anything is sent.
    policy.refuse(carol.signature_key());
    let own = Group::join_external(
        s.clone(),
        &info,
        carol.clone(),
        ExternalJoinOptions {
            policy: Some(Box::new(policy.clone())),
            ..Default::default()
        },
        &mut OsRng,
    );
    assert_eq!(own.err().unwrap(), refused(CredentialContext::ExternalJoin));
    let (_, commit) = Group::join_external(
        s.clone(),
        &info,
        carol,
        ExternalJoinOptions::default(),
        &mut OsRng,
    )
    .unwrap();
    refused_by_both(
        &mut g[1],
        &mut ds,
        &commit,
        refused(CredentialContext::ExternalJoin),
    );
}

fn senders_extension(sender: &ClientIdentity) -> mls_types::Extension {
    ExternalSenders(vec![ExternalSender {
        signature_key: sender.signature_key().clone(),
        credential: sender.credential().clone(),
    }])
    .to_extension()
    .unwrap()
}

#[test]
fn external_senders_at_import_and_when_they_send() {
    let s = suite(1);
    let server = identity(&s, "server");
    let policy = RefuseKeys::default();
    let (mut g, mut ds) = setup(&policy, vec![senders_extension(&server)]);
    // Its proposal, once its credential is no longer acceptable.
    let remove = external_proposal(
        &s,
        &server,
        0,
        g[0].group_id(),
        g[0].epoch(),
        Proposal::Remove(Remove { removed: 1 }),
    )
    .unwrap();
    policy.refuse(server.signature_key());
    refused_by_both(
        &mut g[0],
        &mut ds,
        &remove,
        refused(CredentialContext::ExternalSender),
    );
    // Importing a GroupContext that lists it.
    let info = g[0].group_info(true, false).unwrap();
    let options = PublicGroupOptions {
        policy: Some(Box::new(policy.clone())),
        ..Default::default()
    };
    assert_eq!(
        PublicGroup::from_group_info(s, &info, options).unwrap_err(),
        refused(CredentialContext::ExternalSender)
    );
}

#[test]
fn group_context_extensions_installing_an_external_sender() {
    let s = suite(1);
    let policy = RefuseKeys::default();
    let (mut g, mut ds) = setup(&policy, vec![]);
    let server = identity(&s, "server");
    policy.refuse(server.signature_key());
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![senders_extension(&server)],
    });
    let before = g[0].to_state_bytes().unwrap();
    assert_eq!(
        g[0].propose(gce.clone(), &mut OsRng).unwrap_err(),
        refused(CredentialContext::GroupContextExtensions)
    );
    assert_eq!(
        g[0].commit(vec![gce.clone()], &CommitOptions::default(), &mut OsRng)
            .unwrap_err(),
        refused(CredentialContext::GroupContextExtensions)
    );
    assert_eq!(g[0].to_state_bytes().unwrap(), before);
    let out = lax(&policy, || {
        g[0].commit(vec![gce], &CommitOptions::default(), &mut OsRng)
            .unwrap()
    });
    refused_by_both(
        &mut g[1],
        &mut ds,
        &out.commit,
        refused(CredentialContext::GroupContextExtensions),
    );
}

/// The validator gets the caller's time, even with lifetime checks off.
#[test]
fn the_validator_gets_the_time() {
    struct NeedsTime;
    impl GroupPolicy for NeedsTime {
        fn authenticate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
            input.now.map(|_| ()).ok_or(CredentialError::TimeRequired)
        }
    }
    let s = suite(1);
    let mut a = Group::create(
        s.clone(),
        identity(&s, "alice"),
        b"t".to_vec(),
        vec![],
        GroupConfig {
            lifetimes: LifetimeCheck::Off,
            ..GroupConfig::default()
        },
        &mut OsRng,
    )
    .unwrap();
    a.set_policy(Box::new(NeedsTime));
    let kp = key_package(&s, "bob");
    assert_eq!(
        a.add_members(vec![kp.key_package().clone()], &mut OsRng)
            .unwrap_err(),
        GroupError::CredentialRejected {
            context: CredentialContext::KeyPackage,
            reason: CredentialError::TimeRequired
        }
    );
    a.set_time(unix_time_now());
    a.add_members(vec![kp.key_package().clone()], &mut OsRng)
        .unwrap();
}
