//! The scripts of the published configs, with their step indices.

use super::steps::*;

pub(crate) fn welcome_join() -> Vec<(&'static str, Vec<Step>)> {
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

pub(crate) fn external_join() -> Vec<(&'static str, Vec<Step>)> {
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

pub(crate) fn application() -> Vec<(&'static str, Vec<Step>)> {
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

pub(crate) fn commit_scripts() -> Vec<(&'static str, Vec<Step>)> {
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

pub(crate) fn reinit() -> Vec<(&'static str, Vec<Step>)> {
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

pub(crate) fn branch() -> Vec<(&'static str, Vec<Step>)> {
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

pub(crate) fn external_proposals() -> Vec<(&'static str, Vec<Step>)> {
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
