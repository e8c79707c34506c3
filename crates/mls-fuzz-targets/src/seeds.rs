//! The seed corpora of the stateful targets: real messages made by the
//! fixture's members (and outsiders) in epoch 1, from a fixed seed.
//!
//! Written to `fuzz/corpus/<target>/` by
//! `cargo test -p mls-fuzz-targets --test stateful_seeds -- --ignored`;
//! a seed named `ok-*` is accepted by its target, `err-*` refused. The
//! seeds are only valid for the fixture they were made in: if the setup
//! draws its randomness differently, regenerate them (the test
//! `committed_seeds_are_live` notices).

use mls_codec::Encode;
use mls_framing::{
    Add, GroupContextExtensions, GroupInfo, GroupSecrets, MlsMessage, PathSecret, PreSharedKey,
    Proposal, ReInit, Remove,
};
use mls_group::{
    external_proposal, new_member_add_proposal, CommitOptions, ExternalJoinOptions, Group,
    GroupConfig, HandshakeFormat,
};
use mls_keyschedule::{PreSharedKeyID, Psk};
use mls_types::tree_math::LeafIndex;
use mls_types::{ExtensionType, ProposalType, ProtocolVersion};

use crate::fixture::{config, Fixture, MemberGroup, TestRng, GROUP_ID, PSK_ID};
use crate::stateful::fixture;

/// One seed input.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The target it is for.
    pub target: &'static str,
    /// Its file name: `ok-*` if the target accepts it, `err-*` if not.
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
}

impl Seed {
    /// Whether the target is expected to accept it.
    pub fn accepted(&self) -> bool {
        self.name.starts_with("ok-")
    }
}

/// What went wrong while making a seed: the fixture does not behave as
/// this generator expects.
fn made<T, E: core::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("seed {what}: {e:?}"))
}

struct Seeds {
    target: &'static str,
    out: Vec<Seed>,
}

impl Seeds {
    fn push(&mut self, ok: bool, name: &str, data: Vec<u8>) {
        let prefix = if ok { "ok" } else { "err" };
        self.out.push(Seed {
            target: self.target,
            name: format!("{prefix}-{name}"),
            data,
        });
    }

    /// The message behind a mode byte (see [`crate::stateful`]).
    fn message(&mut self, ok: bool, name: &str, mode: u8, msg: &MlsMessage) {
        let mut data = vec![mode];
        data.extend(made(msg.to_bytes(), name));
        self.push(ok, name, data);
    }
}

fn no_stored() -> CommitOptions {
    CommitOptions {
        include_stored_proposals: false,
        ..CommitOptions::default()
    }
}

fn private() -> GroupConfig {
    GroupConfig {
        handshake_format: HandshakeFormat::Private,
        ..config()
    }
}

fn psk_proposal(fx: &Fixture, rng: &mut TestRng) -> Proposal {
    let id = made(
        PreSharedKeyID::new(
            &fx.suite,
            Psk::External {
                psk_id: PSK_ID.to_vec(),
            },
            rng,
        ),
        "psk id",
    );
    Proposal::PreSharedKey(PreSharedKey { psk: id })
}

fn add_frank(fx: &Fixture) -> Proposal {
    Proposal::Add(Add {
        key_package: fx.newcomer.key_package().clone(),
    })
}

fn commit(
    g: &mut MemberGroup,
    proposals: Vec<Proposal>,
    options: &CommitOptions,
    rng: &mut TestRng,
) -> MlsMessage {
    made(g.commit(proposals, options, rng), "commit").commit
}

/// Every seed of the three stateful targets.
pub fn seeds() -> Vec<Seed> {
    let mut all = group_process_seeds();
    all.extend(external_commit_seeds());
    all.extend(welcome_join_seeds());
    all
}

fn group_process_seeds() -> Vec<Seed> {
    let fx = fixture();
    let rng = &mut TestRng::new(2);
    let mut s = Seeds {
        target: "group_process",
        out: Vec::new(),
    };
    let g = |i| fx.group(i);

    let m = made(
        g(0).encrypt_application_message(b"hello bob", b"", rng),
        "app",
    );
    s.message(true, "application", 0, &m);
    let m = made(
        g(3).encrypt_application_message(b"hi", b"with aad", rng),
        "app",
    );
    s.message(true, "application-aad", 0, &m);

    let m = made(g(0).propose_update(rng), "update");
    s.message(true, "proposal-update", 0, &m);
    let m = made(g(2).propose_remove(LeafIndex(3), rng), "remove");
    s.message(true, "proposal-remove", 0, &m);
    s.message(true, "proposal-remove-reauth", 1, &m);
    s.message(true, "proposal-remove-as-private", 2, &m);
    s.message(true, "proposal-remove-resigned", 3, &m);
    let m = made(
        g(0).propose_add(fx.newcomer.key_package().clone(), rng),
        "add",
    );
    s.message(true, "proposal-add", 0, &m);
    let m = made(g(0).propose(psk_proposal(fx, rng), rng), "psk");
    s.message(true, "proposal-psk", 0, &m);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: Vec::new(),
    });
    let m = made(g(0).propose(gce.clone(), rng), "gce");
    s.message(true, "proposal-gce", 0, &m);
    let m = made(
        g(0).propose_custom(ProposalType(0xf0f0), b"custom".to_vec(), rng),
        "custom",
    );
    s.message(true, "proposal-custom", 0, &m);
    let m = made(
        fx.group_with(0, private())
            .propose_remove(LeafIndex(2), rng),
        "private remove",
    );
    s.message(true, "proposal-private", 0, &m);
    let remove_dave = Proposal::Remove(Remove { removed: 3 });
    let m = made(
        external_proposal(&fx.suite, &fx.ds, 0, GROUP_ID, 1, remove_dave.clone()),
        "external proposal",
    );
    s.message(true, "proposal-external-sender", 0, &m);
    let m = made(
        new_member_add_proposal(&fx.suite, &fx.newcomer, GROUP_ID, 1),
        "new member proposal",
    );
    s.message(true, "proposal-new-member", 0, &m);

    let m = commit(&mut g(0), Vec::new(), &no_stored(), rng);
    s.message(true, "commit-empty", 0, &m);
    s.message(true, "commit-empty-reauth", 1, &m);
    // The confirmed transcript covers the wire format: refused.
    s.message(false, "commit-empty-as-private", 2, &m);
    let m = commit(&mut g(0), Vec::new(), &CommitOptions::default(), rng);
    s.message(true, "commit-stored-update", 0, &m);
    let m = commit(&mut g(0), vec![add_frank(fx)], &no_stored(), rng);
    s.message(true, "commit-add", 0, &m);
    let m = commit(
        &mut g(0),
        vec![remove_dave.clone(), add_frank(fx)],
        &no_stored(),
        rng,
    );
    s.message(true, "commit-remove-add", 0, &m);
    let forced = CommitOptions {
        force_path: true,
        authenticated_data: b"forced".to_vec(),
        ..no_stored()
    };
    let m = commit(&mut fx.group_with(2, private()), Vec::new(), &forced, rng);
    s.message(true, "commit-private", 0, &m);
    let m = commit(&mut g(0), vec![psk_proposal(fx, rng)], &no_stored(), rng);
    s.message(true, "commit-psk", 0, &m);
    let m = commit(&mut g(0), vec![gce], &no_stored(), rng);
    s.message(true, "commit-gce", 0, &m);
    let m = commit(
        &mut g(2),
        vec![Proposal::Remove(Remove { removed: 1 })],
        &no_stored(),
        rng,
    );
    s.message(true, "commit-removes-receiver", 0, &m);
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"fuzz group 2".to_vec(),
        version: ProtocolVersion::MLS10,
        cipher_suite: fx.context.cipher_suite,
        extensions: Vec::new(),
    });
    let m = commit(&mut g(0), vec![reinit], &no_stored(), rng);
    s.message(true, "commit-reinit", 0, &m);

    let (_, m) = made(
        Group::join_external(
            fx.suite.clone(),
            &fx.public_group_info,
            fx.joiner.clone(),
            ExternalJoinOptions::default(),
            rng,
        ),
        "external commit",
    );
    s.message(true, "external-commit", 0, &m);
    s.out
}

fn external_commit_seeds() -> Vec<Seed> {
    let fx = fixture();
    let rng = &mut TestRng::new(3);
    let mut s = Seeds {
        target: "external_commit",
        out: Vec::new(),
    };
    let join =
        |options: ExternalJoinOptions<'_>, who: &mls_group::ClientIdentity, rng: &mut TestRng| {
            made(
                Group::join_external(
                    fx.suite.clone(),
                    &fx.public_group_info,
                    who.clone(),
                    options,
                    rng,
                ),
                "external commit",
            )
            .1
        };
    let m = join(ExternalJoinOptions::default(), &fx.joiner, rng);
    s.message(true, "external-commit", 0, &m);
    s.message(true, "external-commit-reauth", 1, &m);
    s.message(true, "external-commit-resigned", 3, &m);
    let m = join(
        ExternalJoinOptions {
            remove_prior: Some(LeafIndex(2)),
            authenticated_data: b"resync".to_vec(),
            ..ExternalJoinOptions::default()
        },
        &fx.members[2],
        rng,
    );
    s.message(true, "external-commit-resync", 0, &m);
    let store = fx.psk_store();
    let id = made(
        PreSharedKeyID::new(
            &fx.suite,
            Psk::External {
                psk_id: PSK_ID.to_vec(),
            },
            rng,
        ),
        "psk id",
    );
    let m = join(
        ExternalJoinOptions {
            psk_ids: vec![id],
            psks: Some(&store),
            ..ExternalJoinOptions::default()
        },
        &fx.joiner,
        rng,
    );
    s.message(true, "external-commit-psk", 0, &m);
    let m = made(
        new_member_add_proposal(&fx.suite, &fx.newcomer, GROUP_ID, 1),
        "new member proposal",
    );
    s.message(true, "new-member-proposal", 0, &m);
    let m = commit(&mut fx.group(0), vec![add_frank(fx)], &no_stored(), rng);
    s.message(true, "member-commit", 0, &m);
    s.out
}

fn welcome_join_seeds() -> Vec<Seed> {
    let fx = fixture();
    let rng = &mut TestRng::new(4);
    let mut s = Seeds {
        target: "welcome_join",
        out: Vec::new(),
    };
    s.message(
        true,
        "real-welcome",
        0,
        &MlsMessage::from(fx.real_welcome.clone()),
    );
    s.message(
        true,
        "forked-welcome",
        0,
        &MlsMessage::from(fx.welcome.clone()),
    );

    let secrets = GroupSecrets {
        joiner_secret: fx.joiner_secret.as_bytes().to_vec(),
        path_secret: None,
        psks: Vec::new(),
    };
    let mut sealed = |ok: bool, name: &str, mode: u8, secrets: &GroupSecrets, info: &GroupInfo| {
        let mut data = vec![mode];
        data.extend(made(secrets.to_bytes(), name));
        data.extend(made(info.to_bytes(), name));
        s.push(ok, name, data);
    };
    sealed(true, "sealed", 0x0f, &secrets, &fx.real_group_info);
    let mut with_psk = secrets.clone();
    with_psk.psks = vec![made(
        PreSharedKeyID::new(
            &fx.suite,
            Psk::External {
                psk_id: PSK_ID.to_vec(),
            },
            rng,
        ),
        "psk id",
    )];
    sealed(true, "sealed-psk", 0x0f, &with_psk, &fx.real_group_info);
    // Without the confirmation tag fix-up the fork's tag is wrong.
    sealed(
        false,
        "sealed-stale-tag",
        0x01,
        &secrets,
        &fx.real_group_info,
    );

    // Epoch 2 after a commit with path: parent nodes in the tree.
    let mut alice = fx.group(0);
    let forced = CommitOptions {
        force_path: true,
        ..no_stored()
    };
    commit(&mut alice, Vec::new(), &forced, rng);
    made(alice.merge_pending_commit(), "merge");
    let info = made(alice.group_info(true, false), "group info");
    sealed(true, "sealed-with-path", 0x0f, &secrets, &info);
    let mut no_tree = info.clone();
    no_tree
        .extensions
        .retain(|e| e.extension_type != ExtensionType::RATCHET_TREE);
    sealed(false, "sealed-without-tree", 0x0f, &secrets, &no_tree);
    let mut with_path_secret = secrets.clone();
    with_path_secret.path_secret = Some(PathSecret {
        path_secret: vec![7; fx.joiner_secret.as_bytes().len()],
    });
    sealed(
        false,
        "sealed-wrong-path-secret",
        0x0f,
        &with_path_secret,
        &info,
    );

    // Epoch 2 after removing bob and adding frank: a blank leaf, and
    // frank unmerged in the parent nodes.
    let mut alice = fx.group(0);
    commit(
        &mut alice,
        vec![Proposal::Remove(Remove { removed: 1 }), add_frank(fx)],
        &no_stored(),
        rng,
    );
    made(alice.merge_pending_commit(), "merge");
    let info = made(alice.group_info(true, false), "group info");
    sealed(true, "sealed-blank-and-unmerged", 0x0f, &secrets, &info);
    s.out
}
