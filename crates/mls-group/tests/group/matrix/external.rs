//! Rows: external commits, to bob and to a Delivery Service's PublicGroup.

use super::*;

/// Eve's external commit against bob's GroupInfo.
fn external(options: ExternalJoinOptions<'_>) -> MlsMessage {
    let fx = fx();
    Group::join_external(
        fx.suite.clone(),
        &fx.public_group_info,
        fx.joiner.clone(),
        options,
        &mut TestRng::new(50),
    )
    .expect("external join")
    .1
}

/// The variants of an external commit, each fed to bob (`who` "member")
/// or to a Delivery Service's PublicGroup ("DS").
pub(crate) fn external_commit_rows() -> Vec<Row> {
    let ac = || content_of(&external(ExternalJoinOptions::default()));
    let edit = move |f: fn(&mut mls_framing::FramedContent)| edited(&ac(), f);
    type Build = Box<dyn Fn() -> MlsMessage>;
    // (name, hostile message, error for bob and for the DS where it can tell)
    let cases: Vec<(&'static str, Build, G)> = vec![
        (
            "without ExternalInit",
            Box::new(move || {
                edit(|c| {
                    commit_of(c).proposals.retain(|p| {
                        !matches!(p, ProposalOrRef::Proposal(Proposal::ExternalInit(_)))
                    })
                })
            }),
            G::InvalidProposalList("external commit without exactly one ExternalInit"),
        ),
        (
            "two ExternalInits",
            Box::new(move || {
                edit(|c| {
                    let list = &mut commit_of(c).proposals;
                    list.push(list[0].clone());
                })
            }),
            G::InvalidProposalList("external commit without exactly one ExternalInit"),
        ),
        (
            "bad signature",
            Box::new(move || {
                let mut s = resigned(&ac());
                flip(&mut s.auth.signature, 2, 5);
                frame(&s)
            }),
            G::Framing(F::InvalidSignature),
        ),
        (
            "signed by another key than its leaf's",
            Box::new(move || frame(&resign(&ac(), fx().newcomer.identity()))),
            G::Framing(F::InvalidSignature),
        ),
        (
            "without path",
            Box::new(move || edit(|c| commit_of(c).path = None)),
            G::Framing(F::NoEmbeddedSignatureKey),
        ),
        (
            "a proposal by reference",
            Box::new(move || {
                edit(|c| {
                    let reference = update_ref();
                    commit_of(c)
                        .proposals
                        .push(ProposalOrRef::Reference(reference));
                })
            }),
            G::InvalidProposalList("external commit with a proposal by reference"),
        ),
        (
            "an Add",
            Box::new(move || {
                edit(|c| {
                    commit_of(c)
                        .proposals
                        .push(ProposalOrRef::Proposal(add(frank())))
                })
            }),
            G::InvalidProposalList("external commit with a disallowed proposal type"),
        ),
        (
            "two Removes",
            Box::new(move || {
                edit(|c| {
                    let list = &mut commit_of(c).proposals;
                    for removed in [2, 3] {
                        list.push(ProposalOrRef::Proposal(Proposal::Remove(Remove {
                            removed,
                        })));
                    }
                })
            }),
            G::InvalidProposalList("external commit with more than one Remove"),
        ),
        (
            // The DS cannot check a confirmation tag.
            "bad confirmation tag",
            Box::new(move || {
                let mut s = resigned(&ac());
                flip(s.auth.confirmation_tag.as_mut().expect("commit"), 3, 3);
                frame(&s)
            }),
            G::InvalidConfirmationTag,
        ),
        (
            "wrong epoch",
            Box::new(move || edit(|c| c.epoch = 7)),
            G::WrongEpoch { current: 1, got: 7 },
        ),
        (
            "wrong group",
            Box::new(move || edit(|c| c.group_id = b"other".to_vec())),
            G::WrongGroupId,
        ),
        (
            "path leaf with bad signature",
            Box::new(move || {
                edit(|c| {
                    let path = commit_of(c).path.as_mut().expect("path");
                    flip(&mut path.leaf_node.signature, 0, 0);
                })
            }),
            G::Tree(TreeError::InvalidLeafSignature { leaf: Some(4) }),
        ),
        (
            "resync removing a blank leaf",
            Box::new(move || {
                edit(|c| {
                    commit_of(c)
                        .proposals
                        .push(ProposalOrRef::Proposal(Proposal::Remove(Remove {
                            removed: 6,
                        })))
                })
            }),
            G::InvalidProposal("Remove of a blank leaf"),
        ),
    ];
    let mut rows = Vec::new();
    for (name, build, error) in cases {
        let build = std::rc::Rc::new(build);
        let b = build.clone();
        // The DS runs the same pipeline: the same refusal, but for what
        // only the epoch's secrets reveal (`bob` checks both verdicts too).
        if !needs_secrets(&error) {
            rows.push(row(
                "external commit (DS)",
                name,
                move || ds(build()),
                is(error.clone()),
            ));
        }
        rows.push(row("external commit", name, move || bob(b()), is(error)));
    }
    // Drift between the member and the DS pipelines once let the DS accept
    // this and move an epoch ahead: eve, unknown to the group, "resyncs"
    // as carol (removing her) — refused by both under a policy that keeps
    // identities.
    rows.push(row(
        "external commit",
        "resync by an unknown identity",
        || {
            // Eve builds it with a policy that lets her.
            let msg = external(ExternalJoinOptions {
                remove_prior: Some(LeafIndex(2)),
                policy: Some(Box::new(mls_group::AcceptAll)),
                ..ExternalJoinOptions::default()
            });
            bob_with(msg, || Box::new(mls_group::BasicCredentialAuth))
        },
        is(G::CredentialRejected {
            context: mls_group::CredentialContext::ExternalJoin,
            reason: mls_group::CredentialError::IdentityChanged,
        }),
    ));
    // Item 9 (issue 15): the default policy keeps identities too.
    rows.push(row(
        "external commit",
        "resync by an unknown identity (default policy)",
        || {
            bob(external(ExternalJoinOptions {
                remove_prior: Some(LeafIndex(2)),
                policy: Some(Box::new(mls_group::AcceptAll)),
                ..ExternalJoinOptions::default()
            }))
        },
        is(G::CredentialRejected {
            context: mls_group::CredentialContext::ExternalJoin,
            reason: mls_group::CredentialError::IdentityChanged,
        }),
    ));
    rows.push(row(
        "external commit",
        "replayed",
        || replayed(external(ExternalJoinOptions::default())),
        is(G::WrongEpoch { current: 2, got: 1 }),
    ));
    rows.push(row(
        "external commit",
        "truncated",
        || truncated(external(ExternalJoinOptions::default())),
        undecodable(),
    ));
    rows
}
