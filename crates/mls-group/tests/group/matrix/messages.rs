//! Rows: application messages, proposals and commits, to bob.

use super::*;

/// Alice's application message.
fn app() -> MlsMessage {
    application_by(0, b"hello bob")
}

pub(crate) fn application_rows() -> Vec<Row> {
    let k = "application";
    let ac = || content_of(&app());
    vec![
        row(
            k,
            "replayed",
            || replayed(app()),
            framing(F::KeySchedule(mls_keyschedule::Error::KeyConsumed {
                leaf: 0,
                ratchet: RatchetType::Application,
                generation: 0,
            })),
        ),
        row(
            k,
            "wrong epoch (future)",
            move || bob(edited(&ac(), |c| c.epoch = 2)),
            is(G::WrongEpoch { current: 1, got: 2 }),
        ),
        row(
            k,
            "past epoch not retained",
            move || bob(edited(&ac(), |c| c.epoch = 0)),
            is(G::EpochTooOld(0)),
        ),
        row(
            k,
            "wrong group",
            move || bob(edited(&ac(), |c| c.group_id = b"other".to_vec())),
            is(G::WrongGroupId),
        ),
        row(
            k,
            "bad signature",
            move || {
                let mut s = resigned(&ac());
                flip(&mut s.auth.signature, 7, 0);
                bob(frame(&s))
            },
            framing(F::InvalidSignature),
        ),
        row(
            k,
            "signed by another member",
            move || bob(frame(&resign(&ac(), &fx().members[2]))),
            framing(F::InvalidSignature),
        ),
        row(
            k,
            "tampered ciphertext (tag)",
            || {
                let mut pm = private(app());
                let last = pm.ciphertext.len() - 1;
                pm.ciphertext[last] ^= 1;
                bob(MlsMessage::from(pm))
            },
            framing(F::ContentDecryptionFailed),
        ),
        row(
            k,
            "tampered ciphertext (sample)",
            || {
                let mut pm = private(app());
                pm.ciphertext[0] ^= 1;
                bob(MlsMessage::from(pm))
            },
            framing(F::SenderDataDecryptionFailed),
        ),
        row(
            k,
            "tampered sender data",
            || {
                let mut pm = private(app());
                pm.encrypted_sender_data[3] ^= 1;
                bob(MlsMessage::from(pm))
            },
            framing(F::SenderDataDecryptionFailed),
        ),
        row(
            k,
            "tampered authenticated data",
            || {
                let mut pm = private(app());
                pm.authenticated_data = b"forged".to_vec();
                bob(MlsMessage::from(pm))
            },
            framing(F::ContentDecryptionFailed),
        ),
        row(
            k,
            "in a PublicMessage",
            move || bob(unchecked_public(ac().content, 0)),
            framing(F::ApplicationInPublicMessage),
        ),
        row(
            k,
            "from a new member proposal sender",
            move || {
                let mut c = ac().content;
                c.sender = mls_framing::Sender::NewMemberProposal;
                bob(unchecked_public(c, 0))
            },
            // The sender rule, before looking for an embedded signature key.
            framing(F::SenderCannotSend {
                sender_type: mls_framing::SenderType::NewMemberProposal,
                content_type: mls_framing::ContentType::Application,
            }),
        ),
        row(k, "truncated", || truncated(app()), undecodable()),
        row(
            k,
            "unknown protocol version",
            || {
                let mut bytes = app().to_bytes().expect("encode");
                bytes[1] = 2;
                bob_refuses_bytes(&bytes)
            },
            Box::new(|r| matches!(r, Refusal::Decode(F::UnsupportedVersion(_)))),
        ),
    ]
}

/// Carol's proposal to remove dave, public or private.
fn proposal(format: HandshakeFormat) -> MlsMessage {
    let config = mls_group::GroupConfig {
        handshake_format: format,
        ..config()
    };
    fx().group_with(2, config)
        .propose_remove(LeafIndex(3), &mut TestRng::new(30))
        .expect("proposal")
}

pub(crate) fn proposal_rows() -> Vec<Row> {
    let k = "proposal";
    let ac = || content_of(&proposal(HandshakeFormat::Public));
    let ds_content = || {
        fx().content(
            mls_framing::Sender::External(0),
            mls_framing::Content::Proposal(Proposal::Remove(Remove { removed: 3 })),
        )
    };
    vec![
        row(
            k,
            "replayed (PrivateMessage)",
            || replayed(proposal(HandshakeFormat::Private)),
            framing(F::KeySchedule(mls_keyschedule::Error::KeyConsumed {
                leaf: 2,
                ratchet: RatchetType::Handshake,
                generation: 0,
            })),
        ),
        row(
            k,
            "wrong epoch",
            move || bob(edited(&ac(), |c| c.epoch = 5)),
            is(G::WrongEpoch { current: 1, got: 5 }),
        ),
        row(
            k,
            "wrong group",
            move || bob(edited(&ac(), |c| c.group_id = b"other".to_vec())),
            is(G::WrongGroupId),
        ),
        row(
            k,
            "bad signature",
            move || {
                let mut s = resigned(&ac());
                flip(&mut s.auth.signature, 0, 3);
                bob(frame(&s))
            },
            framing(F::InvalidSignature),
        ),
        row(
            k,
            "bad membership tag",
            || {
                let mut pm = public(proposal(HandshakeFormat::Public));
                flip(pm.membership_tag.as_mut().expect("member"), 4, 1);
                bob(MlsMessage::from(pm))
            },
            framing(F::InvalidMembershipTag),
        ),
        row(
            k,
            "missing membership tag",
            || {
                let mut pm = public(proposal(HandshakeFormat::Public));
                pm.membership_tag = None;
                bob(MlsMessage::from(pm))
            },
            framing(F::MissingMembershipTag),
        ),
        row(
            k,
            "unknown member sender",
            move || bob(edited(&ac(), |c| c.sender = member(9))),
            framing(F::UnknownSender(9)),
        ),
        row(
            k,
            "blank leaf sender",
            move || bob(edited(&ac(), |c| c.sender = member(4))),
            framing(F::UnknownSender(4)),
        ),
        row(
            k,
            "external sender not listed",
            move || {
                let mut c = ds_content();
                c.sender = mls_framing::Sender::External(3);
                bob(unchecked_public(c, 0))
            },
            framing(F::UnknownExternalSender(3)),
        ),
        row(
            k,
            "external sender with bad signature",
            move || bob(unchecked_public(ds_content(), 0)),
            framing(F::InvalidSignature),
        ),
        row(
            k,
            "Update from an external sender",
            move || {
                let mut c = ds_content();
                let leaf = fx().group(0).own_leaf_node().expect("leaf").clone();
                c.content = mls_framing::Content::Proposal(Proposal::Update(mls_framing::Update {
                    leaf_node: leaf,
                }));
                bob(unchecked_public(c, 0))
            },
            framing(F::ProposalNotAllowedForExternalSender(
                mls_types::ProposalType::UPDATE,
            )),
        ),
        row(
            k,
            "new member proposal that is not an Add",
            move || {
                let mut c = ds_content();
                c.sender = mls_framing::Sender::NewMemberProposal;
                bob(unchecked_public(c, 0))
            },
            // The sender rule, before looking for the Add's signature key.
            framing(F::NewMemberProposalNotAdd(mls_types::ProposalType::REMOVE)),
        ),
        row(
            k,
            "Update from an external sender not listed",
            move || {
                let mut c = ds_content();
                c.sender = mls_framing::Sender::External(3);
                let leaf = fx().group(0).own_leaf_node().expect("leaf").clone();
                c.content = mls_framing::Content::Proposal(Proposal::Update(mls_framing::Update {
                    leaf_node: leaf,
                }));
                bob(unchecked_public(c, 0))
            },
            // The sender rule, before looking up the external sender.
            framing(F::ProposalNotAllowedForExternalSender(
                mls_types::ProposalType::UPDATE,
            )),
        ),
        row(
            k,
            "proposal from a new member commit sender",
            move || {
                let mut c = ds_content();
                c.sender = mls_framing::Sender::NewMemberCommit;
                bob(unchecked_public(c, 0))
            },
            framing(F::SenderCannotSend {
                sender_type: mls_framing::SenderType::NewMemberCommit,
                content_type: mls_framing::ContentType::Proposal,
            }),
        ),
        row(
            k,
            "new member proposal signed by another key",
            || {
                let fx = fx();
                let c = fx.content(
                    mls_framing::Sender::NewMemberProposal,
                    mls_framing::Content::Proposal(add(frank())),
                );
                let s = fx
                    .sign(&fx.joiner, mls_framing::WireFormat::PUBLIC_MESSAGE, c, None)
                    .expect("sign");
                bob(frame(&s))
            },
            framing(F::InvalidSignature),
        ),
        row(
            k,
            "tampered ciphertext (PrivateMessage)",
            || {
                let mut pm = private(proposal(HandshakeFormat::Private));
                let last = pm.ciphertext.len() - 1;
                pm.ciphertext[last] ^= 0x80;
                bob(MlsMessage::from(pm))
            },
            framing(F::ContentDecryptionFailed),
        ),
        row(
            k,
            "truncated",
            || truncated(proposal(HandshakeFormat::Public)),
            undecodable(),
        ),
    ]
}

/// Alice's commit with path of `proposals`.
fn commit(proposals: Vec<Proposal>) -> MlsMessage {
    commit_by(0, proposals, true, HandshakeFormat::Public)
}

/// Alice's empty commit (with path), with `extra` proposals by value added
/// to its list and then re-authenticated.
fn commit_plus(extra: Vec<Proposal>) -> MlsMessage {
    edited(&content_of(&commit(Vec::new())), |c| {
        commit_of(c)
            .proposals
            .extend(extra.into_iter().map(ProposalOrRef::Proposal))
    })
}

/// Alice's commit whose path leaf carries carol's credential (re-signed
/// by alice, so that only the identity is wrong).
fn renamed_committer() -> MlsMessage {
    let fx = fx();
    edited(&content_of(&commit(Vec::new())), |c| {
        let group_id = c.group_id.clone();
        let leaf = &mut commit_of(c).path.as_mut().expect("path").leaf_node;
        leaf.credential = fx.members[2].credential().clone();
        let key = signing_key(&fx.suite, &fx.members[0]);
        leaf.sign(&fx.suite, &key, Some((&group_id, LeafIndex(0))))
            .expect("sign leaf");
    })
}

pub(crate) fn commit_rows() -> Vec<Row> {
    let k = "commit";
    let ac = || content_of(&commit(Vec::new()));
    vec![
        // Drift between the member and the DS pipelines once let the DS
        // accept this: refused by both under a policy that keeps identities.
        row(
            k,
            "path leaf renames the committer",
            || {
                bob_with(renamed_committer(), || {
                    Box::new(mls_group::BasicCredentialAuth)
                })
            },
            is(G::CredentialRejected {
                context: mls_group::CredentialContext::CommitPath,
                reason: mls_group::CredentialError::IdentityChanged,
            }),
        ),
        // Item 9 (issue 15): the default policy keeps identities too.
        row(
            k,
            "path leaf renames the committer (default policy)",
            || bob(renamed_committer()),
            is(G::CredentialRejected {
                context: mls_group::CredentialContext::CommitPath,
                reason: mls_group::CredentialError::IdentityChanged,
            }),
        ),
        row(
            k,
            "replayed",
            || replayed(commit(Vec::new())),
            is(G::WrongEpoch { current: 2, got: 1 }),
        ),
        row(
            k,
            "wrong epoch",
            move || bob(edited(&ac(), |c| c.epoch = 0)),
            is(G::WrongEpoch { current: 1, got: 0 }),
        ),
        row(
            k,
            "wrong group",
            move || bob(edited(&ac(), |c| c.group_id = b"other".to_vec())),
            is(G::WrongGroupId),
        ),
        row(
            k,
            "bad signature",
            move || {
                let mut s = resigned(&ac());
                flip(&mut s.auth.signature, 63, 7);
                bob(frame(&s))
            },
            framing(F::InvalidSignature),
        ),
        row(
            k,
            "bad membership tag",
            || {
                let mut pm = public(commit(Vec::new()));
                flip(pm.membership_tag.as_mut().expect("member"), 0, 0);
                bob(MlsMessage::from(pm))
            },
            framing(F::InvalidMembershipTag),
        ),
        row(
            k,
            "bad confirmation tag",
            move || {
                let mut s = resigned(&ac());
                flip(s.auth.confirmation_tag.as_mut().expect("commit"), 9, 2);
                bob(frame(&s))
            },
            is(G::InvalidConfirmationTag),
        ),
        row(
            k,
            "missing confirmation tag",
            || {
                let mut pm = public(commit(Vec::new()));
                pm.auth.confirmation_tag = None;
                bob(MlsMessage::from(pm))
            },
            framing(F::MissingConfirmationTag),
        ),
        row(
            k,
            "unknown proposal ref",
            move || {
                bob(edited(&ac(), |c| {
                    commit_of(c)
                        .proposals
                        .push(ProposalOrRef::Reference(mls_framing::ProposalRef(vec![
                            7;
                            16
                        ])))
                }))
            },
            is(G::UnknownProposalRef(mls_framing::ProposalRef(vec![7; 16]))),
        ),
        row(
            k,
            "duplicate Add",
            || bob(commit_plus(vec![add(frank()), add(frank())])),
            invalid_list(),
        ),
        row(
            k,
            "Remove of a blank leaf",
            || bob(commit_plus(vec![Proposal::Remove(Remove { removed: 7 })])),
            is(G::InvalidProposal("Remove of a blank leaf")),
        ),
        row(
            k,
            "Update from the committer",
            || {
                let leaf = fx().group(0).own_leaf_node().expect("leaf").clone();
                bob(commit_plus(vec![Proposal::Update(mls_framing::Update {
                    leaf_node: leaf,
                })]))
            },
            invalid_list(),
        ),
        row(
            k,
            "Remove of the committer",
            || bob(commit_plus(vec![Proposal::Remove(Remove { removed: 0 })])),
            invalid_list(),
        ),
        row(
            k,
            "Update and Remove of one leaf",
            || {
                // Carol's stored Update, and a Remove of carol.
                bob(edited(&content_of(&commit(Vec::new())), |c| {
                    let reference = update_ref();
                    let list = &mut commit_of(c).proposals;
                    list.push(ProposalOrRef::Reference(reference));
                    list.push(ProposalOrRef::Proposal(Proposal::Remove(Remove {
                        removed: 2,
                    })));
                }))
            },
            invalid_list(),
        ),
        row(
            k,
            "ExternalInit in a member's commit",
            || {
                bob(commit_plus(vec![Proposal::ExternalInit(ExternalInit {
                    kem_output: vec![1; 32],
                })]))
            },
            invalid_list(),
        ),
        row(
            k,
            "two GroupContextExtensions",
            || {
                let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
                    extensions: Vec::new(),
                });
                bob(commit_plus(vec![gce.clone(), gce]))
            },
            invalid_list(),
        ),
        row(
            k,
            "ReInit with other proposals",
            || {
                let fx = fx();
                let reinit = Proposal::ReInit(mls_framing::ReInit {
                    group_id: b"next".to_vec(),
                    version: fx.context.version,
                    cipher_suite: fx.context.cipher_suite,
                    extensions: Vec::new(),
                });
                bob(commit_plus(vec![reinit, add(frank())]))
            },
            invalid_list(),
        ),
        row(
            k,
            "one PSK twice",
            || {
                let p = psk_proposal(PSK_ID, 1);
                bob(commit_plus(vec![p.clone(), p]))
            },
            invalid_list(),
        ),
        row(
            k,
            "unknown PSK",
            || bob(commit_plus(vec![psk_proposal(b"no such psk", 1)])),
            is(G::MissingPsk),
        ),
        row(
            k,
            "missing path when required (Remove)",
            || {
                let ac = content_of(&commit(vec![Proposal::Remove(Remove { removed: 3 })]));
                bob(edited(&ac, |c| commit_of(c).path = None))
            },
            is(G::PathRequired),
        ),
        row(
            k,
            "missing path when required (empty commit)",
            move || bob(edited(&ac(), |c| commit_of(c).path = None)),
            is(G::PathRequired),
        ),
        row(
            k,
            "path leaf with bad signature",
            move || {
                bob(edited(&ac(), |c| {
                    let path = commit_of(c).path.as_mut().expect("path");
                    flip(&mut path.leaf_node.signature, 1, 1);
                }))
            },
            tree(TreeError::InvalidLeafSignature { leaf: Some(0) }),
        ),
        row(
            k,
            "path one node short",
            move || {
                bob(edited(&ac(), |c| {
                    commit_of(c).path.as_mut().expect("path").nodes.pop();
                }))
            },
            tree(TreeError::UpdatePathLengthMismatch {
                expected: 2,
                got: 1,
            }),
        ),
        row(
            k,
            "bob's own leaf as sender",
            || {
                let fx = fx();
                let ac = content_of(&commit(Vec::new()));
                bob(edited_by(&ac, &fx.members[1], |c| c.sender = member(1)))
            },
            is(G::OwnCommit),
        ),
        row(
            k,
            "from an external sender",
            move || {
                let mut c = ac().content;
                c.sender = mls_framing::Sender::External(0);
                bob(unchecked_public(c, 0))
            },
            framing(F::SenderCannotSend {
                sender_type: mls_framing::SenderType::External,
                content_type: mls_framing::ContentType::Commit,
            }),
        ),
        row(
            k,
            "from an external sender not listed",
            move || {
                let mut c = ac().content;
                c.sender = mls_framing::Sender::External(3);
                bob(unchecked_public(c, 0))
            },
            // The sender rule, before looking up the external sender.
            framing(F::SenderCannotSend {
                sender_type: mls_framing::SenderType::External,
                content_type: mls_framing::ContentType::Commit,
            }),
        ),
        row(
            k,
            "from a new member proposal sender",
            move || {
                let mut c = ac().content;
                c.sender = mls_framing::Sender::NewMemberProposal;
                bob(unchecked_public(c, 0))
            },
            framing(F::SenderCannotSend {
                sender_type: mls_framing::SenderType::NewMemberProposal,
                content_type: mls_framing::ContentType::Commit,
            }),
        ),
        row(
            k,
            "tampered ciphertext (PrivateMessage)",
            || {
                let mut pm = private(commit_by(2, Vec::new(), true, HandshakeFormat::Private));
                pm.ciphertext[nh() + 1] ^= 4;
                bob(MlsMessage::from(pm))
            },
            framing(F::ContentDecryptionFailed),
        ),
        row(
            k,
            "bad confirmation tag (PrivateMessage)",
            || {
                let ac = content_of(&commit_by(2, Vec::new(), true, HandshakeFormat::Private));
                let mut s = resigned(&ac);
                flip(s.auth.confirmation_tag.as_mut().expect("commit"), 0, 0);
                bob(frame(&s))
            },
            is(G::InvalidConfirmationTag),
        ),
        row(
            k,
            "truncated",
            || truncated(commit(Vec::new())),
            undecodable(),
        ),
    ]
}
