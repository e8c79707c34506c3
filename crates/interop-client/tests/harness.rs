//! Two instances of our interop client (one in this process, one the
//! `interop-client` binary), driven over gRPC through the call sequences
//! of every scenario family of the MLS working group's interop harness.
//!
//! # Where the call sequences come from
//!
//! The published harness (`mlswg/mls-implementations`, `interop/`) has a
//! test-runner (`interop/test-runner/main.go`) that reads scenario configs
//! (`interop/configs/*.json`): scripts of steps such as `createGroup`,
//! `fullCommit`, `externalJoin`, `reinit`, `branch`, each run for every
//! cipher suite, both handshake encodings and every assignment of clients
//! to the script's actors. The runner turns each step into a fixed
//! sequence of RPCs; [`Driver::step`] turns the same steps into the same
//! sequences, step for step:
//!
//! * `createGroup` → `CreateGroup` (with `members`: then for each member
//!   `CreateKeyPackage` + `AddProposal`, and a `fullCommit` adding them);
//! * `fullCommit` → `Commit` at the committer, `HandlePendingCommit` at the
//!   committer, `HandleCommit` (with the by-reference proposals) at each
//!   other member, `JoinGroup` (with the tree if `external_tree`) at each
//!   joiner; every epoch authenticator must equal the committer's;
//! * `externalJoin` → `GroupInfo` at the actor (tree inside or not),
//!   `ExternalJoin` at the joiner (PSKs, `remove_prior`), `HandleCommit` at
//!   the actor and the members;
//! * `installExternalPSK` → `StorePSK` at each client, on its state or,
//!   before it joined, its transaction;
//! * `protect` / `unprotect` → `Protect` / `Unprotect`, the plaintext and
//!   authenticated data compared;
//! * the proposal steps → `AddProposal`, `UpdateProposal`,
//!   `RemoveProposal`, `ExternalPSKProposal`, `ResumptionPSKProposal`,
//!   `GroupContextExtensionsProposal`;
//! * `reinit` → `ReInitProposal` at the proposer (or an earlier external
//!   proposal), `ReInitCommit` + `HandlePendingReInitCommit` at the
//!   committer, `HandleReInitCommit` at the others, `ReInitWelcome` at the
//!   welcomer (with everyone else's new KeyPackages), `HandleReInitWelcome`
//!   at the others; a new group id is the old one plus `++`, a new suite
//!   another one both clients support;
//! * `branch` → `CreateKeyPackage` at each member, `CreateBranch` at the
//!   actor, `HandleBranch` at each member;
//! * `newMemberAddProposal` → `GroupInfo` + `NewMemberAddProposal`;
//!   `addExternalSigner` → `CreateExternalSigner` + `AddExternalSigner`;
//!   `externalSignerProposal` → `GroupInfo` (tree outside) +
//!   `ExternalSignerProposal`;
//! * at the end of a script the runner calls `Free` on every state.
//!
//! The scripts below are those of the published configs (`welcome_join`,
//! `external_join`, `application`, `commit`, `reinit`, `branch`,
//! `external_proposals`), with the published step indices, and for
//! `deep_random` a generator following `interop/deep.py` (random commits
//! of adds and removes by value and updates by reference, external joins
//! and resyncs) with a fixed seed, a smaller group and a few dozen steps.
//! Each script runs in suites 1–3 with handshakes as PublicMessage and as
//! PrivateMessage; the actors are spread over the two clients (which half
//! depends on the run). Beyond the runner's checks, after every step all
//! current members must agree on `StateAuth` and on an `Export`.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use interop_client::proto::mls_client_client::MlsClientClient;
use interop_client::proto::*;
use tokio::io::AsyncBufReadExt;
use tonic::transport::Channel;

type Client = MlsClientClient<Channel>;

// ---------------------------------------------------------------------
// Scripts: the harness' steps.

#[derive(Debug, Clone)]
enum Desc {
    Add(usize),
    Remove(&'static str),
    ExternalPsk(usize),
    ResumptionPsk(u64),
    Gce(Vec<(u32, Vec<u8>)>),
    ReInit {
        change_group_id: bool,
        change_suite: bool,
        extensions: Vec<(u32, Vec<u8>)>,
    },
}

#[derive(Debug, Clone, Default)]
struct Commit {
    actor: String,
    by_ref: Vec<usize>,
    by_value: Vec<Desc>,
    members: Vec<String>,
    joiners: Vec<String>,
    force_path: bool,
    external_tree: bool,
}

#[derive(Debug, Clone, Default)]
struct ExtJoin {
    actor: String,
    joiner: String,
    members: Vec<String>,
    external_tree: bool,
    remove_prior: bool,
    psks: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
struct ReInitStep {
    proposer: Option<&'static str>,
    committer: &'static str,
    welcomer: &'static str,
    members: Vec<&'static str>,
    change_suite: bool,
    change_group_id: bool,
    extensions: Vec<(u32, Vec<u8>)>,
    force_path: bool,
    external_tree: bool,
    external_proposal: Option<usize>,
}

#[derive(Debug, Clone)]
enum Step {
    CreateGroup(&'static str, Vec<&'static str>),
    CreateKeyPackage(String),
    ExternalJoin(ExtJoin),
    InstallExternalPsk(Vec<&'static str>),
    AddProposal(&'static str, usize),
    UpdateProposal(String),
    RemoveProposal(&'static str, &'static str),
    ExternalPskProposal(&'static str, usize),
    ResumptionPskProposal(&'static str, u64),
    GceProposal(&'static str, Vec<(u32, Vec<u8>)>),
    FullCommit(Commit),
    Protect(&'static str, &'static str, &'static str),
    Unprotect(&'static str, usize),
    ReInit(ReInitStep),
    Branch {
        actor: &'static str,
        members: Vec<&'static str>,
        extensions: Vec<(u32, Vec<u8>)>,
        force_path: bool,
        external_tree: bool,
    },
    NewMemberAddProposal(&'static str, &'static str),
    AddExternalSigner(&'static str, &'static str),
    ExternalSignerProposal(&'static str, &'static str, Desc),
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn create(actor: &'static str) -> Step {
    Step::CreateGroup(actor, Vec::new())
}

fn create_with(actor: &'static str, members: &[&'static str]) -> Step {
    Step::CreateGroup(actor, members.to_vec())
}

fn kp(actor: &str) -> Step {
    Step::CreateKeyPackage(actor.to_string())
}

fn commit(actor: &str, by_ref: &[usize], members: &[&str], joiners: &[&str]) -> Commit {
    Commit {
        actor: actor.to_string(),
        by_ref: by_ref.to_vec(),
        members: names(members),
        joiners: names(joiners),
        ..Commit::default()
    }
}

fn full(c: Commit) -> Step {
    Step::FullCommit(c)
}

fn ext_join(actor: &str, joiner: &str, members: &[&str]) -> ExtJoin {
    ExtJoin {
        actor: actor.to_string(),
        joiner: joiner.to_string(),
        members: names(members),
        ..ExtJoin::default()
    }
}

/// `required_capabilities` with three empty lists (`"AAAA"` in the configs).
fn required_caps() -> (u32, Vec<u8>) {
    (3, vec![0, 0, 0])
}

/// An empty `external_senders` (`"AA=="`).
fn no_external_senders() -> (u32, Vec<u8>) {
    (5, vec![0])
}

fn welcome_join() -> Vec<(&'static str, Vec<Step>)> {
    vec![
        (
            "no_path_secret",
            vec![
                create("alice"),
                kp("bob"),
                Step::AddProposal("alice", 1),
                full(commit("alice", &[2], &[], &["bob"])),
            ],
        ),
        (
            "with_path_secret",
            vec![
                create("alice"),
                kp("bob"),
                Step::AddProposal("alice", 1),
                full(Commit {
                    force_path: true,
                    ..commit("alice", &[2], &[], &["bob"])
                }),
            ],
        ),
        (
            "with_psk",
            vec![
                create("alice"),
                kp("bob"),
                Step::AddProposal("alice", 1),
                Step::InstallExternalPsk(vec!["alice", "bob"]),
                Step::ExternalPskProposal("alice", 3),
                full(commit("alice", &[2, 4], &[], &["bob"])),
            ],
        ),
        (
            "with_external_tree",
            vec![
                create("alice"),
                kp("bob"),
                Step::AddProposal("alice", 1),
                full(Commit {
                    external_tree: true,
                    ..commit("alice", &[2], &[], &["bob"])
                }),
            ],
        ),
    ]
}

fn external_join() -> Vec<(&'static str, Vec<Step>)> {
    vec![
        (
            "normal",
            vec![
                create("alice"),
                Step::ExternalJoin(ext_join("alice", "bob", &[])),
            ],
        ),
        (
            "with_psk",
            vec![
                create("alice"),
                Step::InstallExternalPsk(vec!["alice"]),
                Step::ExternalJoin(ExtJoin {
                    psks: vec![1],
                    ..ext_join("alice", "bob", &[])
                }),
            ],
        ),
        (
            "removing_prior",
            vec![
                create("alice"),
                Step::ExternalJoin(ext_join("alice", "bob", &[])),
                Step::ExternalJoin(ExtJoin {
                    remove_prior: true,
                    ..ext_join("alice", "bob", &[])
                }),
            ],
        ),
        (
            "with_external_tree",
            vec![
                create("alice"),
                Step::ExternalJoin(ExtJoin {
                    external_tree: true,
                    ..ext_join("alice", "bob", &[])
                }),
            ],
        ),
        (
            "with_more_members",
            vec![
                create("alice"),
                kp("bob"),
                kp("charlie"),
                kp("diana"),
                Step::AddProposal("alice", 1),
                Step::AddProposal("alice", 2),
                Step::AddProposal("alice", 3),
                full(commit(
                    "alice",
                    &[4, 5, 6],
                    &[],
                    &["bob", "charlie", "diana"],
                )),
                Step::ExternalJoin(ext_join("diana", "ellen", &["alice", "bob", "charlie"])),
            ],
        ),
    ]
}

fn application() -> Vec<(&'static str, Vec<Step>)> {
    let protect = |n: usize| -> Step {
        let aad: &'static str = ["btw1", "btw2", "btw3", "btw4"][n - 1];
        let pt: &'static str = [
            "hello world 1",
            "hello world 2",
            "hello world 3",
            "hello world 4",
        ][n - 1];
        Step::Protect("alice", aad, pt)
    };
    vec![
        (
            "in_order",
            vec![
                create_with("alice", &["bob"]),
                protect(1),
                protect(2),
                protect(3),
                Step::Unprotect("bob", 1),
                Step::Unprotect("bob", 2),
                Step::Unprotect("bob", 3),
            ],
        ),
        (
            "out_of_order_within_epoch",
            vec![
                create_with("alice", &["bob"]),
                protect(1),
                protect(2),
                protect(3),
                Step::Unprotect("bob", 3),
                Step::Unprotect("bob", 2),
                Step::Unprotect("bob", 1),
            ],
        ),
        (
            "out_of_order_across_epochs",
            vec![
                create_with("alice", &["bob"]),
                protect(1),
                protect(2),
                full(commit("alice", &[], &["bob"], &[])),
                protect(3),
                protect(4),
                Step::Unprotect("bob", 5),
                Step::Unprotect("bob", 4),
                Step::Unprotect("bob", 2),
                Step::Unprotect("bob", 1),
            ],
        ),
    ]
}

fn commit_scripts() -> Vec<(&'static str, Vec<Step>)> {
    let start = || {
        vec![
            create("alice"),
            Step::ExternalJoin(ext_join("alice", "bob", &[])),
        ]
    };
    let with = |mut steps: Vec<Step>, more: Vec<Step>| {
        steps.extend(more);
        steps
    };
    vec![
        (
            "empty",
            with(start(), vec![full(commit("alice", &[], &["bob"], &[]))]),
        ),
        (
            "add",
            with(
                start(),
                vec![
                    kp("charlie1"),
                    kp("charlie2"),
                    kp("charlie3"),
                    Step::AddProposal("alice", 2),
                    Step::AddProposal("bob", 3),
                    full(Commit {
                        by_value: vec![Desc::Add(4)],
                        force_path: true,
                        ..commit(
                            "alice",
                            &[5, 6],
                            &["bob"],
                            &["charlie1", "charlie2", "charlie3"],
                        )
                    }),
                    kp("charlie4"),
                    kp("charlie5"),
                    kp("charlie6"),
                    Step::AddProposal("alice", 8),
                    Step::AddProposal("bob", 9),
                    full(Commit {
                        by_value: vec![Desc::Add(10)],
                        ..commit(
                            "alice",
                            &[11, 12],
                            &["bob", "charlie1", "charlie2", "charlie3"],
                            &["charlie4", "charlie5", "charlie6"],
                        )
                    }),
                ],
            ),
        ),
        (
            "remove",
            with(
                start(),
                vec![
                    kp("charlie1"),
                    kp("charlie2"),
                    kp("charlie3"),
                    Step::AddProposal("alice", 2),
                    Step::AddProposal("alice", 3),
                    Step::AddProposal("alice", 4),
                    full(commit(
                        "alice",
                        &[5, 6, 7],
                        &["bob"],
                        &["charlie1", "charlie2", "charlie3"],
                    )),
                    Step::RemoveProposal("alice", "charlie1"),
                    Step::RemoveProposal("bob", "charlie2"),
                    full(Commit {
                        by_value: vec![Desc::Remove("charlie3")],
                        ..commit("alice", &[9, 10], &["bob"], &[])
                    }),
                ],
            ),
        ),
        (
            "update",
            with(
                start(),
                vec![
                    Step::UpdateProposal("bob".into()),
                    full(commit("alice", &[2], &["bob"], &[])),
                ],
            ),
        ),
        (
            "group_context_extensions",
            with(
                start(),
                vec![
                    Step::GceProposal("alice", vec![required_caps(), no_external_senders()]),
                    full(commit("alice", &[2], &["bob"], &[])),
                    Step::GceProposal("bob", vec![]),
                    full(commit("alice", &[4], &["bob"], &[])),
                    full(Commit {
                        by_value: vec![Desc::Gce(vec![required_caps()])],
                        ..commit("alice", &[], &["bob"], &[])
                    }),
                ],
            ),
        ),
        (
            "external_psk",
            with(
                start(),
                vec![
                    Step::InstallExternalPsk(vec!["alice", "bob"]),
                    Step::InstallExternalPsk(vec!["alice", "bob"]),
                    Step::InstallExternalPsk(vec!["alice", "bob"]),
                    Step::ExternalPskProposal("alice", 2),
                    Step::ExternalPskProposal("bob", 3),
                    full(Commit {
                        by_value: vec![Desc::ExternalPsk(4)],
                        force_path: true,
                        ..commit("alice", &[5, 6], &["bob"], &[])
                    }),
                    Step::ExternalPskProposal("alice", 2),
                    Step::ExternalPskProposal("bob", 3),
                    full(Commit {
                        by_value: vec![Desc::ExternalPsk(4)],
                        ..commit("alice", &[8, 9], &["bob"], &[])
                    }),
                ],
            ),
        ),
        (
            "resumption_psk",
            with(
                start(),
                vec![
                    full(commit("alice", &[], &["bob"], &[])),
                    full(commit("alice", &[], &["bob"], &[])),
                    Step::ResumptionPskProposal("alice", 1),
                    Step::ResumptionPskProposal("bob", 2),
                    full(Commit {
                        by_value: vec![Desc::ResumptionPsk(3)],
                        force_path: true,
                        ..commit("alice", &[4, 5], &["bob"], &[])
                    }),
                    Step::ResumptionPskProposal("alice", 2),
                    Step::ResumptionPskProposal("bob", 3),
                    full(Commit {
                        by_value: vec![Desc::ResumptionPsk(4)],
                        force_path: true,
                        ..commit("alice", &[7, 8], &["bob"], &[])
                    }),
                ],
            ),
        ),
        (
            "all_together_bob_proposes",
            with(
                start(),
                vec![
                    kp("charlie1"),
                    kp("charlie2"),
                    Step::AddProposal("alice", 2),
                    Step::AddProposal("alice", 3),
                    full(commit(
                        "alice",
                        &[4, 5],
                        &["bob"],
                        &["charlie1", "charlie2"],
                    )),
                    Step::InstallExternalPsk(vec!["alice", "bob"]),
                    Step::InstallExternalPsk(vec!["alice", "bob"]),
                    kp("charlie3"),
                    Step::AddProposal("bob", 9),
                    Step::RemoveProposal("bob", "charlie1"),
                    Step::GceProposal("bob", vec![required_caps(), no_external_senders()]),
                    Step::ExternalPskProposal("bob", 7),
                    Step::ResumptionPskProposal("bob", 1),
                    Step::UpdateProposal("bob".into()),
                    kp("charlie4"),
                    full(Commit {
                        by_value: vec![
                            Desc::Add(16),
                            Desc::Remove("charlie2"),
                            Desc::ExternalPsk(8),
                            Desc::ResumptionPsk(2),
                        ],
                        ..commit("alice", &[10, 11, 12, 13, 14, 15], &["bob"], &[])
                    }),
                ],
            ),
        ),
    ]
}

fn reinit() -> Vec<(&'static str, Vec<Step>)> {
    let everyone = ["bob", "charlie", "diana", "eliza"];
    let base = ReInitStep {
        proposer: Some("alice"),
        committer: "bob",
        welcomer: "charlie",
        members: vec!["diana", "eliza"],
        ..ReInitStep::default()
    };
    let script = |r: ReInitStep| vec![create_with("alice", &everyone), Step::ReInit(r)];
    vec![
        (
            "change_ciphersuite",
            script(ReInitStep {
                change_suite: true,
                ..base.clone()
            }),
        ),
        (
            "change_group_id",
            script(ReInitStep {
                change_group_id: true,
                ..base.clone()
            }),
        ),
        (
            "change_extensions",
            script(ReInitStep {
                extensions: vec![required_caps(), no_external_senders()],
                ..base.clone()
            }),
        ),
        (
            "all_same_actor",
            script(ReInitStep {
                committer: "alice",
                welcomer: "alice",
                members: everyone.to_vec(),
                change_group_id: true,
                ..base.clone()
            }),
        ),
        (
            "external_tree",
            script(ReInitStep {
                change_group_id: true,
                external_tree: true,
                ..base.clone()
            }),
        ),
        (
            "force_path",
            script(ReInitStep {
                change_group_id: true,
                force_path: true,
                ..base
            }),
        ),
    ]
}

fn branch() -> Vec<(&'static str, Vec<Step>)> {
    let everyone = ["bob", "charlie", "diana", "eliza"];
    let script = |extensions: Vec<(u32, Vec<u8>)>, force_path, external_tree| {
        vec![
            create_with("alice", &everyone),
            Step::Branch {
                actor: "alice",
                members: everyone.to_vec(),
                extensions,
                force_path,
                external_tree,
            },
        ]
    };
    vec![
        ("base", script(vec![], false, false)),
        (
            "with_extensions",
            script(vec![required_caps(), no_external_senders()], false, false),
        ),
        ("external_tree", script(vec![], false, true)),
        ("force_path", script(vec![], true, false)),
    ]
}

fn external_proposals() -> Vec<(&'static str, Vec<Step>)> {
    let three = || {
        vec![
            create("alice"),
            Step::ExternalJoin(ext_join("alice", "bob", &[])),
            Step::ExternalJoin(ext_join("alice", "charlie", &["bob"])),
        ]
    };
    let with = |mut steps: Vec<Step>, more: Vec<Step>| {
        steps.extend(more);
        steps
    };
    let signed = |desc: Desc, ds_step: usize| {
        with(
            three(),
            vec![
                Step::AddExternalSigner("alice", "ds"),
                full(commit("alice", &[ds_step], &["bob", "charlie"], &[])),
                Step::ExternalSignerProposal("ds", "alice", desc),
                full(commit("alice", &[ds_step + 2], &["bob", "charlie"], &[])),
            ],
        )
    };
    vec![
        (
            "joiner_signed_add",
            vec![
                create("alice"),
                Step::NewMemberAddProposal("alice", "bob"),
                full(commit("alice", &[1], &[], &["bob"])),
            ],
        ),
        (
            "external_add",
            vec![
                create("alice"),
                Step::ExternalJoin(ext_join("alice", "bob", &[])),
                Step::AddExternalSigner("alice", "ds"),
                full(commit("alice", &[2], &["bob"], &[])),
                kp("charlie"),
                Step::ExternalSignerProposal("ds", "alice", Desc::Add(4)),
                full(commit("alice", &[5], &["bob"], &["charlie"])),
            ],
        ),
        (
            "external_remove",
            with(
                three(),
                vec![
                    Step::AddExternalSigner("alice", "ds"),
                    full(commit("alice", &[3], &["bob", "charlie"], &[])),
                    Step::ExternalSignerProposal("ds", "alice", Desc::Remove("bob")),
                    full(commit("alice", &[5], &["charlie"], &[])),
                ],
            ),
        ),
        (
            "external_psk",
            with(
                three(),
                vec![
                    Step::InstallExternalPsk(vec!["alice", "bob", "charlie"]),
                    Step::AddExternalSigner("alice", "ds"),
                    full(commit("alice", &[4], &["bob", "charlie"], &[])),
                    Step::ExternalSignerProposal("ds", "alice", Desc::ExternalPsk(3)),
                    full(commit("alice", &[6], &["bob", "charlie"], &[])),
                ],
            ),
        ),
        ("resumption_psk", signed(Desc::ResumptionPsk(2), 3)),
        (
            "group_context_extensions",
            signed(Desc::Gce(vec![required_caps()]), 3),
        ),
        (
            "multiple_external",
            with(
                three(),
                vec![
                    Step::InstallExternalPsk(vec!["alice", "bob", "charlie"]),
                    Step::InstallExternalPsk(vec!["alice", "bob", "charlie"]),
                    Step::AddExternalSigner("alice", "ds1"),
                    full(commit("alice", &[5], &["bob", "charlie"], &[])),
                    Step::AddExternalSigner("alice", "ds2"),
                    full(commit("alice", &[7], &["bob", "charlie"], &[])),
                    Step::ExternalSignerProposal("ds1", "alice", Desc::ExternalPsk(3)),
                    Step::ExternalSignerProposal("ds2", "alice", Desc::ExternalPsk(4)),
                    full(commit("alice", &[9, 10], &["bob", "charlie"], &[])),
                ],
            ),
        ),
        (
            "external_reinit",
            with(
                three(),
                vec![
                    Step::AddExternalSigner("alice", "ds"),
                    full(commit("alice", &[3], &["bob", "charlie"], &[])),
                    Step::ExternalSignerProposal(
                        "ds",
                        "alice",
                        Desc::ReInit {
                            change_group_id: true,
                            change_suite: true,
                            extensions: vec![required_caps()],
                        },
                    ),
                    Step::ReInit(ReInitStep {
                        proposer: None,
                        committer: "alice",
                        welcomer: "bob",
                        members: vec!["charlie"],
                        force_path: true,
                        external_proposal: Some(5),
                        ..ReInitStep::default()
                    }),
                ],
            ),
        ),
    ]
}

/// SplitMix64: the deterministic random source of `deep_random`.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max`.
    fn upto(&mut self, max: usize) -> usize {
        (self.next() % (max as u64 + 1)) as usize
    }

    fn coin(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, from: &'a [String]) -> &'a String {
        &from[self.upto(from.len() - 1)]
    }
}

/// `interop/deep.py`'s random session: a group created by one commit of
/// Adds by value, then random steps — an external join (10%; half of them
/// a resync, `removePrior`) or a commit of Updates (by reference, from
/// members who do not commit), Adds and Removes (by value).
fn deep_random(seed: u64, initial: usize, steps: usize) -> Vec<Step> {
    const MAX_GROUP: usize = 8;
    const MAX_ADDS: usize = 3;
    let mut rng = SplitMix(seed);
    let mut script = Vec::new();
    let mut next = 0;
    let mut new_actor = || {
        next += 1;
        format!("actor{}", next - 1)
    };
    let creator = new_actor();
    script.push(Step::CreateGroup(leak(&creator), Vec::new()));
    let joiners: Vec<String> = (1..initial).map(|_| new_actor()).collect();
    for j in &joiners {
        script.push(kp(j));
    }
    script.push(full(Commit {
        actor: creator.clone(),
        by_value: (1..initial).map(Desc::Add).collect(),
        joiners: joiners.clone(),
        ..Commit::default()
    }));
    let mut actors: Vec<String> = std::iter::once(creator).chain(joiners).collect();
    for _ in 0..steps {
        actors.sort();
        if rng.coin(10) {
            // A resync needs another member to take the commit.
            let resync = actors.len() > 1 && rng.coin(50);
            let joiner = if resync {
                rng.pick(&actors).clone()
            } else {
                new_actor()
            };
            let eligible: Vec<String> = actors.iter().filter(|a| **a != joiner).cloned().collect();
            let adder = rng.pick(&eligible).clone();
            let members: Vec<String> = eligible.iter().filter(|a| **a != adder).cloned().collect();
            script.push(Step::ExternalJoin(ExtJoin {
                actor: adder,
                joiner: joiner.clone(),
                members,
                remove_prior: resync,
                ..ExtJoin::default()
            }));
            if !resync {
                actors.push(joiner);
            }
            continue;
        }
        let n = actors.len();
        let n_add = rng.upto(MAX_ADDS.min(MAX_GROUP.saturating_sub(n)));
        let n_remove = rng.upto(n * 2 / 5);
        let n_update = rng.upto(n * 2 / 5);
        let joiners: Vec<String> = (0..n_add).map(|_| new_actor()).collect();
        let mut pool = actors.clone();
        let mut take = |k: usize, pool: &mut Vec<String>| -> Vec<String> {
            (0..k)
                .map(|_| {
                    let i = rng.upto(pool.len() - 1);
                    pool.remove(i)
                })
                .collect()
        };
        let leavers = take(n_remove, &mut pool);
        let remainers = pool.clone();
        let updaters = take(n_update.min(pool.len() - 1), &mut pool);
        let committer = pool[rng.upto(pool.len() - 1)].clone();
        let first = script.len();
        for u in &updaters {
            script.push(Step::UpdateProposal(u.clone()));
        }
        let kps = script.len();
        for j in &joiners {
            script.push(kp(j));
        }
        let mut by_value: Vec<Desc> = (kps..kps + n_add).map(Desc::Add).collect();
        by_value.extend(leavers.iter().map(|l| Desc::Remove(leak(l))));
        script.push(full(Commit {
            actor: committer.clone(),
            by_ref: (first..first + updaters.len()).collect(),
            by_value,
            members: remainers
                .iter()
                .filter(|a| **a != committer)
                .cloned()
                .collect(),
            joiners: joiners.clone(),
            ..Commit::default()
        }));
        actors = remainers.into_iter().chain(joiners).collect();
    }
    script
}

/// Actor names live as long as the test (a few dozen short strings).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

// ---------------------------------------------------------------------
// The driver: the runner's RPC sequence for each step.

trait Rpc<T> {
    fn ctx(self, what: &str, actor: &str) -> Result<T, String>;
}

impl<T> Rpc<T> for Result<tonic::Response<T>, tonic::Status> {
    fn ctx(self, what: &str, actor: &str) -> Result<T, String> {
        self.map(|r| r.into_inner())
            .map_err(|s| format!("{what} at {actor}: {:?} {}", s.code(), s.message()))
    }
}

type Cache = HashMap<&'static str, Vec<u8>>;

struct Driver {
    clients: Vec<Client>,
    variant: usize,
    suite: u32,
    encrypt: bool,
    state: HashMap<String, u32>,
    tx: HashMap<String, u32>,
    signer: HashMap<String, u32>,
    cache: Vec<Cache>,
    /// The actors in the group now (the scripts name every member that
    /// processes a commit).
    members: BTreeSet<String>,
    group_id: Vec<u8>,
    counter: u64,
}

impl Driver {
    fn new(clients: &[Client], suite: u32, encrypt: bool, variant: usize) -> Self {
        Driver {
            clients: clients.to_vec(),
            variant,
            suite,
            encrypt,
            state: HashMap::new(),
            tx: HashMap::new(),
            signer: HashMap::new(),
            cache: Vec::new(),
            members: BTreeSet::new(),
            group_id: Vec::new(),
            counter: u64::from(suite) << 32 | u64::from(encrypt) << 16 | variant as u64,
        }
    }

    /// Which client plays `actor`.
    fn client(&self, actor: &str) -> Client {
        let sum: usize = actor.bytes().map(usize::from).sum();
        self.clients[(sum + self.variant) % self.clients.len()].clone()
    }

    fn sid(&self, actor: &str) -> Result<u32, String> {
        self.state
            .get(actor)
            .copied()
            .ok_or_else(|| format!("{actor} has no state"))
    }

    fn get(&self, index: usize, key: &str) -> Result<Vec<u8>, String> {
        self.cache
            .get(index)
            .and_then(|c| c.get(key))
            .cloned()
            .ok_or_else(|| format!("no {key} at step {index}"))
    }

    fn fresh(&mut self, n: usize) -> Vec<u8> {
        let mut rng = SplitMix(self.counter);
        self.counter = self.counter.wrapping_add(0x1234_5678_9abc);
        (0..n).map(|_| rng.next() as u8).collect()
    }

    async fn run(&mut self, script: &[Step]) -> Result<(), String> {
        for (i, step) in script.iter().enumerate() {
            self.cache.push(Cache::new());
            self.step(i, step)
                .await
                .map_err(|e| format!("step {i} {step:?}: {e}"))?;
            self.check_agreement()
                .await
                .map_err(|e| format!("after step {i} {step:?}: {e}"))?;
        }
        // The runner frees every state at the end of a script.
        for (actor, id) in std::mem::take(&mut self.state) {
            self.client(&actor)
                .free(FreeRequest { state_id: id })
                .await
                .ctx("Free", &actor)?;
        }
        Ok(())
    }

    /// Every current member reports the same state authenticator and the
    /// same exported secret.
    async fn check_agreement(&mut self) -> Result<(), String> {
        let mut seen: Option<(String, Vec<u8>, Vec<u8>)> = None;
        for actor in self.members.clone() {
            let state_id = self.sid(&actor)?;
            let mut c = self.client(&actor);
            let auth = c
                .state_auth(StateAuthRequest { state_id })
                .await
                .ctx("StateAuth", &actor)?
                .state_auth_secret;
            let export = c
                .export(ExportRequest {
                    state_id,
                    label: "interop check".into(),
                    context: b"context".to_vec(),
                    key_length: 32,
                })
                .await
                .ctx("Export", &actor)?
                .exported_secret;
            if auth.is_empty() || export.len() != 32 {
                return Err(format!("{actor}: empty state auth or short export"));
            }
            match &seen {
                None => seen = Some((actor, auth, export)),
                Some((first, a, e)) => {
                    if *a != auth || *e != export {
                        return Err(format!("{actor} and {first} disagree"));
                    }
                }
            }
        }
        Ok(())
    }

    fn extensions(list: &[(u32, Vec<u8>)]) -> Vec<Extension> {
        list.iter()
            .map(|(t, d)| Extension {
                extension_type: *t,
                extension_data: d.clone(),
            })
            .collect()
    }

    /// Another suite both clients support (ours support all of 1–7; the
    /// test stays within 1–3).
    fn change_suite(&mut self) {
        self.suite = self.suite % 3 + 1;
    }

    fn new_group_id(&self, change: bool) -> Vec<u8> {
        let mut id = self.group_id.clone();
        if change {
            id.extend_from_slice(b"++");
        }
        id
    }

    fn description(&mut self, d: &Desc) -> Result<ProposalDescription, String> {
        let mut p = ProposalDescription::default();
        match d {
            Desc::Add(i) => {
                p.proposal_type = b"add".to_vec();
                p.key_package = self.get(*i, "key_package")?;
            }
            Desc::Remove(who) => {
                p.proposal_type = b"remove".to_vec();
                p.removed_id = who.as_bytes().to_vec();
            }
            Desc::ExternalPsk(i) => {
                p.proposal_type = b"externalPSK".to_vec();
                p.psk_id = self.get(*i, "psk_id")?;
            }
            Desc::ResumptionPsk(e) => {
                p.proposal_type = b"resumptionPSK".to_vec();
                p.epoch_id = *e;
            }
            Desc::Gce(list) => {
                p.proposal_type = b"groupContextExtensions".to_vec();
                p.extensions = Self::extensions(list);
            }
            Desc::ReInit {
                change_group_id,
                change_suite,
                extensions,
            } => {
                p.proposal_type = b"reinit".to_vec();
                p.extensions = Self::extensions(extensions);
                if *change_suite {
                    self.change_suite();
                }
                p.cipher_suite = self.suite;
                p.group_id = self.new_group_id(*change_group_id);
            }
        }
        Ok(p)
    }

    async fn step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        match step {
            Step::CreateGroup(actor, members) => {
                self.group_id = self.fresh(16);
                let resp = self
                    .client(actor)
                    .create_group(CreateGroupRequest {
                        group_id: self.group_id.clone(),
                        cipher_suite: self.suite,
                        encrypt_handshake: self.encrypt,
                        identity: actor.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("CreateGroup", actor)?;
                self.state.insert(actor.to_string(), resp.state_id);
                self.members = BTreeSet::from([actor.to_string()]);
                // With members: their KeyPackages, Adds, one commit.
                let mut adds = Vec::new();
                for m in members {
                    let kp = self.create_key_package(m).await?;
                    let add = self
                        .client(actor)
                        .add_proposal(AddProposalRequest {
                            state_id: self.sid(actor)?,
                            key_package: kp,
                        })
                        .await
                        .ctx("AddProposal", actor)?;
                    adds.push(add.proposal);
                }
                if !members.is_empty() {
                    let joiners = names(members);
                    self.full_commit(i, actor, adds, Vec::new(), &[], &joiners, false, false)
                        .await?;
                }
            }
            Step::CreateKeyPackage(actor) => {
                let kp = self.create_key_package(actor).await?;
                self.cache[i].insert("key_package", kp);
            }
            Step::ExternalJoin(j) => self.external_join(i, j).await?,
            Step::InstallExternalPsk(clients) => {
                let psk_id = self.fresh(32);
                let psk_secret = self.fresh(32);
                self.cache[i].insert("psk_id", psk_id.clone());
                self.cache[i].insert("psk_secret", psk_secret.clone());
                for c in clients {
                    let id = self
                        .state
                        .get(*c)
                        .or_else(|| self.tx.get(*c))
                        .copied()
                        .ok_or_else(|| format!("{c} has no state or transaction"))?;
                    self.client(c)
                        .store_psk(StorePskRequest {
                            state_or_transaction_id: id,
                            psk_id: psk_id.clone(),
                            psk_secret: psk_secret.clone(),
                        })
                        .await
                        .ctx("StorePSK", c)?;
                }
            }
            Step::AddProposal(actor, kp) => {
                let key_package = self.get(*kp, "key_package")?;
                let p = self
                    .client(actor)
                    .add_proposal(AddProposalRequest {
                        state_id: self.sid(actor)?,
                        key_package,
                    })
                    .await
                    .ctx("AddProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::UpdateProposal(actor) => {
                let p = self
                    .client(actor)
                    .update_proposal(UpdateProposalRequest {
                        state_id: self.sid(actor)?,
                    })
                    .await
                    .ctx("UpdateProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::RemoveProposal(actor, removed) => {
                let p = self
                    .client(actor)
                    .remove_proposal(RemoveProposalRequest {
                        state_id: self.sid(actor)?,
                        removed_id: removed.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("RemoveProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::ExternalPskProposal(actor, psk) => {
                let psk_id = self.get(*psk, "psk_id")?;
                let p = self
                    .client(actor)
                    .external_psk_proposal(ExternalPskProposalRequest {
                        state_id: self.sid(actor)?,
                        psk_id,
                    })
                    .await
                    .ctx("ExternalPSKProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::ResumptionPskProposal(actor, epoch) => {
                let p = self
                    .client(actor)
                    .resumption_psk_proposal(ResumptionPskProposalRequest {
                        state_id: self.sid(actor)?,
                        epoch_id: *epoch,
                    })
                    .await
                    .ctx("ResumptionPSKProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::GceProposal(actor, list) => {
                let p = self
                    .client(actor)
                    .group_context_extensions_proposal(GroupContextExtensionsProposalRequest {
                        state_id: self.sid(actor)?,
                        extensions: Self::extensions(list),
                    })
                    .await
                    .ctx("GroupContextExtensionsProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::FullCommit(c) => {
                let by_ref = c
                    .by_ref
                    .iter()
                    .map(|r| self.get(*r, "proposal"))
                    .collect::<Result<Vec<_>, _>>()?;
                let by_value = c
                    .by_value
                    .iter()
                    .map(|d| self.description(d))
                    .collect::<Result<Vec<_>, _>>()?;
                self.full_commit(
                    i,
                    &c.actor,
                    by_ref,
                    by_value,
                    &c.members,
                    &c.joiners,
                    c.force_path,
                    c.external_tree,
                )
                .await?;
            }
            Step::Protect(actor, aad, pt) => {
                let resp = self
                    .client(actor)
                    .protect(ProtectRequest {
                        state_id: self.sid(actor)?,
                        authenticated_data: aad.as_bytes().to_vec(),
                        plaintext: pt.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("Protect", actor)?;
                self.cache[i].insert("ciphertext", resp.ciphertext);
                self.cache[i].insert("authenticated_data", aad.as_bytes().to_vec());
                self.cache[i].insert("plaintext", pt.as_bytes().to_vec());
            }
            Step::Unprotect(actor, ct) => {
                let resp = self
                    .client(actor)
                    .unprotect(UnprotectRequest {
                        state_id: self.sid(actor)?,
                        ciphertext: self.get(*ct, "ciphertext")?,
                    })
                    .await
                    .ctx("Unprotect", actor)?;
                if resp.authenticated_data != self.get(*ct, "authenticated_data")? {
                    return Err("incorrect authenticated data".into());
                }
                if resp.plaintext != self.get(*ct, "plaintext")? {
                    return Err("incorrect plaintext".into());
                }
            }
            Step::ReInit(r) => self.reinit(i, r).await?,
            Step::Branch {
                actor,
                members,
                extensions,
                force_path,
                external_tree,
            } => {
                let mut txs = HashMap::new();
                let mut kps = Vec::new();
                for m in members {
                    kps.push(self.create_key_package(m).await?);
                    txs.insert(m.to_string(), self.tx[*m]);
                }
                let resp = self
                    .client(actor)
                    .create_branch(CreateBranchRequest {
                        state_id: self.sid(actor)?,
                        group_id: self.fresh(16),
                        extensions: Self::extensions(extensions),
                        key_packages: kps,
                        force_path: *force_path,
                        external_tree: *external_tree,
                    })
                    .await
                    .ctx("CreateBranch", actor)?;
                for m in members {
                    let r = self
                        .client(m)
                        .handle_branch(HandleBranchRequest {
                            state_id: self.sid(m)?,
                            transaction_id: txs[*m],
                            welcome: resp.welcome.clone(),
                            ratchet_tree: if *external_tree {
                                resp.ratchet_tree.clone()
                            } else {
                                Vec::new()
                            },
                        })
                        .await
                        .ctx("HandleBranch", m)?;
                    if r.epoch_authenticator != resp.epoch_authenticator {
                        return Err(format!("{m} disagrees on the branch's epoch authenticator"));
                    }
                    self.state.insert(m.to_string(), r.state_id);
                }
                self.state.insert(actor.to_string(), resp.state_id);
                self.members = std::iter::once(actor)
                    .chain(members)
                    .map(|s| s.to_string())
                    .collect();
            }
            Step::NewMemberAddProposal(actor, joiner) => {
                let gi = self
                    .client(actor)
                    .group_info(GroupInfoRequest {
                        state_id: self.sid(actor)?,
                        external_tree: false,
                    })
                    .await
                    .ctx("GroupInfo", actor)?;
                let resp = self
                    .client(joiner)
                    .new_member_add_proposal(NewMemberAddProposalRequest {
                        group_info: gi.group_info,
                        identity: joiner.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("NewMemberAddProposal", joiner)?;
                if resp.init_priv.is_empty()
                    || resp.encryption_priv.is_empty()
                    || resp.signature_priv.is_empty()
                {
                    return Err("NewMemberAddProposal: missing private keys".into());
                }
                self.tx.insert(joiner.to_string(), resp.transaction_id);
                self.cache[i].insert("proposal", resp.proposal);
            }
            Step::AddExternalSigner(actor, signer) => {
                let s = self
                    .client(signer)
                    .create_external_signer(CreateExternalSignerRequest {
                        cipher_suite: self.suite,
                        identity: signer.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("CreateExternalSigner", signer)?;
                self.signer.insert(signer.to_string(), s.signer_id);
                let p = self
                    .client(actor)
                    .add_external_signer(AddExternalSignerRequest {
                        state_id: self.sid(actor)?,
                        external_sender: s.external_sender,
                    })
                    .await
                    .ctx("AddExternalSigner", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::ExternalSignerProposal(actor, member, desc) => {
                let gi = self
                    .client(member)
                    .group_info(GroupInfoRequest {
                        state_id: self.sid(member)?,
                        external_tree: true,
                    })
                    .await
                    .ctx("GroupInfo", member)?;
                let description = self.description(desc)?;
                let signer_id = *self
                    .signer
                    .get(*actor)
                    .ok_or_else(|| format!("{actor} is no signer"))?;
                let p = self
                    .client(actor)
                    .external_signer_proposal(ExternalSignerProposalRequest {
                        signer_id,
                        signer_index: 0,
                        group_info: gi.group_info,
                        ratchet_tree: gi.ratchet_tree,
                        description: Some(description),
                    })
                    .await
                    .ctx("ExternalSignerProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
        }
        Ok(())
    }

    async fn create_key_package(&mut self, actor: &str) -> Result<Vec<u8>, String> {
        let resp = self
            .client(actor)
            .create_key_package(CreateKeyPackageRequest {
                cipher_suite: self.suite,
                identity: actor.as_bytes().to_vec(),
            })
            .await
            .ctx("CreateKeyPackage", actor)?;
        if resp.init_priv.is_empty()
            || resp.encryption_priv.is_empty()
            || resp.signature_priv.is_empty()
        {
            return Err("CreateKeyPackage: missing private keys".into());
        }
        self.tx.insert(actor.to_string(), resp.transaction_id);
        Ok(resp.key_package)
    }

    #[allow(clippy::too_many_arguments)]
    async fn full_commit(
        &mut self,
        i: usize,
        actor: &str,
        by_ref: Vec<Vec<u8>>,
        by_value: Vec<ProposalDescription>,
        members: &[String],
        joiners: &[String],
        force_path: bool,
        external_tree: bool,
    ) -> Result<(), String> {
        let mut committer = self.client(actor);
        let resp = committer
            .commit(CommitRequest {
                state_id: self.sid(actor)?,
                by_reference: by_ref.clone(),
                by_value,
                force_path,
                external_tree,
            })
            .await
            .ctx("Commit", actor)?;
        if external_tree == resp.ratchet_tree.is_empty() {
            return Err("ratchet_tree must be sent exactly when external_tree".into());
        }
        self.cache[i].insert("welcome", resp.welcome.clone());
        self.cache[i].insert("commit", resp.commit.clone());
        let pending = committer
            .handle_pending_commit(HandlePendingCommitRequest {
                state_id: self.sid(actor)?,
            })
            .await
            .ctx("HandlePendingCommit", actor)?;
        self.state.insert(actor.to_string(), pending.state_id);
        let ea = pending.epoch_authenticator;
        for m in members {
            let r = self
                .client(m)
                .handle_commit(HandleCommitRequest {
                    state_id: self.sid(m)?,
                    proposal: by_ref.clone(),
                    commit: resp.commit.clone(),
                })
                .await
                .ctx("HandleCommit", m)?;
            if r.epoch_authenticator != ea {
                return Err(format!("member {m} disagrees on the epoch authenticator"));
            }
            self.state.insert(m.clone(), r.state_id);
        }
        for j in joiners {
            let transaction_id = *self
                .tx
                .get(j)
                .ok_or_else(|| format!("no transaction for {j}"))?;
            let r = self
                .client(j)
                .join_group(JoinGroupRequest {
                    transaction_id,
                    welcome: resp.welcome.clone(),
                    encrypt_handshake: self.encrypt,
                    identity: j.as_bytes().to_vec(),
                    ratchet_tree: if external_tree {
                        resp.ratchet_tree.clone()
                    } else {
                        Vec::new()
                    },
                })
                .await
                .ctx("JoinGroup", j)?;
            if r.epoch_authenticator != ea {
                return Err(format!("joiner {j} disagrees on the epoch authenticator"));
            }
            self.state.insert(j.clone(), r.state_id);
        }
        self.members = std::iter::once(actor.to_string())
            .chain(members.iter().cloned())
            .chain(joiners.iter().cloned())
            .collect();
        Ok(())
    }

    async fn external_join(&mut self, i: usize, j: &ExtJoin) -> Result<(), String> {
        let gi = self
            .client(&j.actor)
            .group_info(GroupInfoRequest {
                state_id: self.sid(&j.actor)?,
                external_tree: j.external_tree,
            })
            .await
            .ctx("GroupInfo", &j.actor)?;
        if j.external_tree == gi.ratchet_tree.is_empty() {
            return Err("ratchet_tree must be sent exactly when external_tree".into());
        }
        let psks = j
            .psks
            .iter()
            .map(|p| {
                Ok(PreSharedKey {
                    psk_id: self.get(*p, "psk_id")?,
                    psk_secret: self.get(*p, "psk_secret")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let resp = self
            .client(&j.joiner)
            .external_join(ExternalJoinRequest {
                group_info: gi.group_info,
                ratchet_tree: gi.ratchet_tree,
                encrypt_handshake: self.encrypt,
                identity: j.joiner.as_bytes().to_vec(),
                remove_prior: j.remove_prior,
                psks,
            })
            .await
            .ctx("ExternalJoin", &j.joiner)?;
        self.state.insert(j.joiner.clone(), resp.state_id);
        self.cache[i].insert("commit", resp.commit.clone());
        for m in j.members.iter().chain([&j.actor]) {
            let r = self
                .client(m)
                .handle_commit(HandleCommitRequest {
                    state_id: self.sid(m)?,
                    proposal: Vec::new(),
                    commit: resp.commit.clone(),
                })
                .await
                .ctx("HandleCommit", m)?;
            if r.epoch_authenticator != resp.epoch_authenticator {
                return Err(format!("member {m} disagrees on the epoch authenticator"));
            }
            self.state.insert(m.clone(), r.state_id);
        }
        self.members = j
            .members
            .iter()
            .chain([&j.actor, &j.joiner])
            .cloned()
            .collect();
        Ok(())
    }

    async fn reinit(&mut self, _i: usize, r: &ReInitStep) -> Result<(), String> {
        let mut not_committer: BTreeSet<&str> = r.members.iter().copied().collect();
        not_committer.insert(r.welcomer);
        let mut not_welcomer: BTreeSet<&str> = r.members.iter().copied().collect();
        not_welcomer.insert(r.committer);
        if let Some(p) = r.proposer {
            not_committer.insert(p);
            not_welcomer.insert(p);
        }
        not_committer.remove(r.committer);
        not_welcomer.remove(r.welcomer);

        let proposal = match (r.proposer, r.external_proposal) {
            (Some(p), _) => {
                let group_id = self.new_group_id(r.change_group_id);
                if r.change_suite {
                    self.change_suite();
                }
                self.client(p)
                    .re_init_proposal(ReInitProposalRequest {
                        state_id: self.sid(p)?,
                        cipher_suite: self.suite,
                        group_id,
                        extensions: Self::extensions(&r.extensions),
                    })
                    .await
                    .ctx("ReInitProposal", p)?
                    .proposal
            }
            (None, Some(index)) => self.get(index, "proposal")?,
            (None, None) => return Err("reinit without a proposal".into()),
        };

        let mut committer = self.client(r.committer);
        let c = committer
            .re_init_commit(CommitRequest {
                state_id: self.sid(r.committer)?,
                by_reference: vec![proposal.clone()],
                ..CommitRequest::default()
            })
            .await
            .ctx("ReInitCommit", r.committer)?;
        let pending = committer
            .handle_pending_re_init_commit(HandlePendingCommitRequest {
                state_id: self.sid(r.committer)?,
            })
            .await
            .ctx("HandlePendingReInitCommit", r.committer)?;
        let ea = pending.epoch_authenticator.clone();
        let mut reinit_ids = HashMap::from([(r.committer, pending.reinit_id)]);
        let mut key_packages = HashMap::from([(r.committer, pending.key_package)]);
        for &m in &not_committer {
            let resp = self
                .client(m)
                .handle_re_init_commit(HandleCommitRequest {
                    state_id: self.sid(m)?,
                    proposal: vec![proposal.clone()],
                    commit: c.commit.clone(),
                })
                .await
                .ctx("HandleReInitCommit", m)?;
            if resp.epoch_authenticator != ea {
                return Err(format!("{m} disagrees on the epoch authenticator"));
            }
            reinit_ids.insert(m, resp.reinit_id);
            key_packages.insert(m, resp.key_package);
        }

        let w = self
            .client(r.welcomer)
            .re_init_welcome(ReInitWelcomeRequest {
                reinit_id: reinit_ids[r.welcomer],
                key_package: not_welcomer
                    .iter()
                    .map(|m| key_packages[m].clone())
                    .collect(),
                force_path: r.force_path,
                external_tree: r.external_tree,
            })
            .await
            .ctx("ReInitWelcome", r.welcomer)?;
        self.state.insert(r.welcomer.to_string(), w.state_id);
        for m in &not_welcomer {
            let resp = self
                .client(m)
                .handle_re_init_welcome(HandleReInitWelcomeRequest {
                    reinit_id: reinit_ids[m],
                    welcome: w.welcome.clone(),
                    ratchet_tree: if r.external_tree {
                        w.ratchet_tree.clone()
                    } else {
                        Vec::new()
                    },
                })
                .await
                .ctx("HandleReInitWelcome", m)?;
            if resp.epoch_authenticator != w.epoch_authenticator {
                return Err(format!(
                    "{m} disagrees on the new group's epoch authenticator"
                ));
            }
            self.state.insert(m.to_string(), resp.state_id);
        }
        self.members = not_committer
            .union(&not_welcomer)
            .map(|s| s.to_string())
            .collect();
        Ok(())
    }
}

// ---------------------------------------------------------------------
// Two client instances on loopback ports.

struct Clients {
    clients: Vec<Client>,
    _child: tokio::process::Child,
}

async fn connect(addr: String) -> Client {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("address")
        .connect_timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect to the interop client");
    MlsClientClient::new(channel)
}

/// One instance served in this process, one the binary, each on a free
/// loopback port.
async fn start_clients() -> Clients {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let in_process = listener.local_addr().expect("address").to_string();
    tokio::spawn(interop_client::serve(listener));

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_interop-client"))
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start interop-client");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("interop-client starts")
        .expect("read stdout")
        .expect("a line");
    let binary = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();

    Clients {
        clients: vec![connect(in_process).await, connect(binary).await],
        _child: child,
    }
}

/// Runs every script in suites 1–3, PublicMessage and PrivateMessage
/// handshakes, with the actors spread over the two clients.
async fn run_family(family: &str, scripts: Vec<(&'static str, Vec<Step>)>) {
    let clients = start_clients().await;
    let mut failures = Vec::new();
    let mut runs = 0;
    for suite in 1..=3u32 {
        for encrypt in [false, true] {
            let variant = (suite as usize + usize::from(encrypt)) % 2;
            for (name, script) in &scripts {
                runs += 1;
                let mut driver = Driver::new(&clients.clients, suite, encrypt, variant);
                if let Err(e) = driver.run(script).await {
                    failures.push(format!(
                        "{family}/{name} suite {suite} encrypt {encrypt}: {e}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_join_family() {
    run_family("welcome_join", welcome_join()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_join_family() {
    run_family("external_join", external_join()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_family() {
    run_family("application", application()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_family() {
    run_family("commit", commit_scripts()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinit_family() {
    run_family("reinit", reinit()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branch_family() {
    run_family("branch", branch()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_proposals_family() {
    run_family("external_proposals", external_proposals()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_random_family() {
    let script = deep_random(0x5EED_0019, 4, 30);
    // The seed gives every kind of random step.
    let count = |f: &dyn Fn(&Step) -> bool| script.iter().filter(|s| f(s)).count();
    let joins = count(&|s| matches!(s, Step::ExternalJoin(j) if !j.remove_prior));
    let resyncs = count(&|s| matches!(s, Step::ExternalJoin(j) if j.remove_prior));
    let updates = count(&|s| matches!(s, Step::UpdateProposal(_)));
    let removes = count(
        &|s| matches!(s, Step::FullCommit(c) if c.by_value.iter().any(|d| matches!(d, Desc::Remove(_)))),
    );
    let adds = count(&|s| matches!(s, Step::FullCommit(c) if !c.joiners.is_empty()));
    assert!(
        joins > 0 && resyncs > 0 && updates > 0 && removes > 0 && adds > 1,
        "joins {joins} resyncs {resyncs} updates {updates} removes {removes} adds {adds}"
    );
    run_family("deep_random", vec![("random", script)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_suites_and_unknown_states() {
    let clients = start_clients().await;
    for mut c in clients.clients {
        let name = c.name(NameRequest {}).await.expect("Name").into_inner();
        assert_eq!(name.name, interop_client::IMPLEMENTATION_NAME);
        let suites = c
            .supported_ciphersuites(SupportedCiphersuitesRequest {})
            .await
            .expect("SupportedCiphersuites")
            .into_inner()
            .ciphersuites;
        assert_eq!(suites, vec![1, 2, 3, 4, 5, 6, 7]);
        let err = c
            .state_auth(StateAuthRequest { state_id: 12345 })
            .await
            .expect_err("no such state");
        assert_eq!(err.code(), tonic::Code::NotFound);
        c.free(FreeRequest { state_id: 12345 }).await.expect("Free");
    }
}

/// A committer handed its own commit merges its pending commit (the
/// runner's older `stateProperties` step did that).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committer_handles_its_own_commit() {
    let clients = start_clients().await;
    for (mut c, encrypt) in clients.clients.into_iter().zip([false, true]) {
        let state_id = c
            .create_group(CreateGroupRequest {
                group_id: b"own".to_vec(),
                cipher_suite: 1,
                encrypt_handshake: encrypt,
                identity: b"alice".to_vec(),
            })
            .await
            .expect("CreateGroup")
            .into_inner()
            .state_id;
        let commit = c
            .commit(CommitRequest {
                state_id,
                force_path: true,
                ..CommitRequest::default()
            })
            .await
            .expect("Commit")
            .into_inner()
            .commit;
        let handled = c
            .handle_commit(HandleCommitRequest {
                state_id,
                proposal: Vec::new(),
                commit,
            })
            .await
            .expect("HandleCommit of our own commit")
            .into_inner();
        let auth = c
            .state_auth(StateAuthRequest { state_id })
            .await
            .expect("StateAuth")
            .into_inner();
        assert_eq!(handled.epoch_authenticator, auth.state_auth_secret);
        c.handle_pending_commit(HandlePendingCommitRequest { state_id })
            .await
            .expect_err("the pending commit was merged");
    }
}

#[test]
fn cli_help_and_busy_port() {
    let bin = env!("CARGO_BIN_EXE_interop-client");
    let help = std::process::Command::new(bin)
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--port"));

    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("address").port().to_string();
    let out = std::process::Command::new(bin)
        .args(["--port", &port])
        .output()
        .expect("run on a busy port");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot listen on") && !stderr.contains("panicked"),
        "{stderr}"
    );

    let bad = std::process::Command::new(bin)
        .args(["--port", "http"])
        .output()
        .expect("run with a bad port");
    assert_eq!(bad.status.code(), Some(2));
}
