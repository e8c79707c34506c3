//! Structured mutations of valid messages (proptest): each picks a message
//! of a live group — a PublicMessage commit or proposal, a PrivateMessage
//! application message or commit — and one field to break, re-signs and
//! re-protects what the mutation does not target (the fixture knows the
//! epoch's secrets, see `hostile/mod.rs`), and checks that the receiver
//! refuses it with the error of exactly that check and an unchanged
//! state.

use crate::hostile;

use hostile::*;
use mls_framing::FramingError as F;
use mls_framing::{
    Add, Content, ContentType, ExternalInit, GroupContextExtensions, MlsMessage, PrivateMessage,
    Proposal, ProposalOrRef, ProposalRef, PublicMessage, ReInit, Remove, Update, WireFormat,
};
use mls_group::{GroupError, HandshakeFormat};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PublicCommit,
    PublicProposal,
    PrivateApplication,
    PrivateCommit,
}

impl Kind {
    fn is_commit(self) -> bool {
        matches!(self, Kind::PublicCommit | Kind::PrivateCommit)
    }

    fn is_private(self) -> bool {
        matches!(self, Kind::PrivateApplication | Kind::PrivateCommit)
    }

    /// The valid message the mutations start from.
    fn base(self) -> MlsMessage {
        match self {
            // Alice's and carol's commits with path and no proposal.
            Kind::PublicCommit => commit_by(0, Vec::new(), true, HandshakeFormat::Public),
            Kind::PrivateCommit => commit_by(2, Vec::new(), true, HandshakeFormat::Private),
            Kind::PublicProposal => fx()
                .group(2)
                .propose_remove(mls_types::tree_math::LeafIndex(3), &mut TestRng::new(5))
                .expect("proposal"),
            Kind::PrivateApplication => application_by(0, b"hello bob"),
        }
    }

    fn sender_leaf(self) -> u32 {
        match self {
            Kind::PublicCommit | Kind::PrivateApplication => 0,
            Kind::PublicProposal | Kind::PrivateCommit => 2,
        }
    }
}

/// One field broken. Bit flips are given as (index, bit), reduced modulo
/// the field's length.
#[derive(Debug, Clone)]
enum Mutation {
    GroupId(Vec<u8>),
    Epoch(u64),
    SenderLeaf(u32),
    Signature(usize, u8),
    MembershipTag(usize, u8),
    ConfirmationTag(usize, u8),
    /// Public: the content becomes application data. Private: the
    /// `content_type` field changes.
    ContentType,
    /// Private: the (unencrypted) authenticated data changes.
    AuthenticatedData(Vec<u8>),
    Ciphertext(usize, u8),
    SenderData(usize, u8),
    UnknownProposalRef(Vec<u8>),
    DuplicateAdd,
    UpdateByCommitter,
    RemoveCommitter,
    RemoveBlankLeaf(u32),
    ExternalInitByMember,
    TwoGroupContextExtensions,
    ReInitWithOthers,
    DropPath,
}

fn mutation(kind: Kind) -> BoxedStrategy<Mutation> {
    let bit = || (any::<usize>(), any::<u8>());
    let sender = kind.sender_leaf();
    let leaf = if kind.is_private() {
        // A PrivateMessage can only be encrypted for a leaf of the tree.
        (0u32..4).boxed()
    } else {
        prop_oneof![0u32..8, any::<u32>()].boxed()
    };
    let mut all = vec![
        prop::collection::vec(any::<u8>(), 0..16)
            .prop_filter("another group", |g| g.as_slice() != GROUP_ID)
            .prop_map(Mutation::GroupId)
            .boxed(),
        any::<u64>()
            .prop_filter("another epoch", |e| *e != 1)
            .prop_map(Mutation::Epoch)
            .boxed(),
        leaf.prop_filter("another sender", move |l| *l != sender)
            .prop_map(Mutation::SenderLeaf)
            .boxed(),
        bit().prop_map(|(i, b)| Mutation::Signature(i, b)).boxed(),
        Just(Mutation::ContentType).boxed(),
    ];
    if kind.is_private() {
        all.push(
            prop::collection::vec(any::<u8>(), 1..16)
                .prop_map(Mutation::AuthenticatedData)
                .boxed(),
        );
        all.push(bit().prop_map(|(i, b)| Mutation::Ciphertext(i, b)).boxed());
        all.push(bit().prop_map(|(i, b)| Mutation::SenderData(i, b)).boxed());
    } else {
        all.push(
            bit()
                .prop_map(|(i, b)| Mutation::MembershipTag(i, b))
                .boxed(),
        );
    }
    if kind.is_commit() {
        all.push(
            bit()
                .prop_map(|(i, b)| Mutation::ConfirmationTag(i, b))
                .boxed(),
        );
        all.push(
            prop::collection::vec(any::<u8>(), 0..40)
                .prop_map(Mutation::UnknownProposalRef)
                .boxed(),
        );
        all.push(
            prop_oneof![
                Just(Mutation::DuplicateAdd),
                Just(Mutation::UpdateByCommitter),
                Just(Mutation::RemoveCommitter),
                Just(Mutation::ExternalInitByMember),
                Just(Mutation::TwoGroupContextExtensions),
                Just(Mutation::ReInitWithOthers),
                Just(Mutation::DropPath),
            ]
            .boxed(),
        );
        all.push((4u32..1000).prop_map(Mutation::RemoveBlankLeaf).boxed());
    }
    proptest::strategy::Union::new(all).boxed()
}

fn case() -> impl Strategy<Value = (Kind, Mutation)> {
    prop_oneof![
        Just(Kind::PublicCommit),
        Just(Kind::PublicProposal),
        Just(Kind::PrivateApplication),
        Just(Kind::PrivateCommit),
    ]
    .prop_flat_map(|k| (Just(k), mutation(k)))
}

fn add_frank() -> Proposal {
    Proposal::Add(Add {
        key_package: fx().newcomer.key_package().clone(),
    })
}

/// The base message of `kind` with `m` applied.
fn mutated(kind: Kind, m: &Mutation) -> MlsMessage {
    let fx = fx();
    let ac = content_of(&kind.base());
    let proposals = |list: Vec<Proposal>| {
        edited(&ac, |c| {
            commit_of(c)
                .proposals
                .extend(list.into_iter().map(ProposalOrRef::Proposal))
        })
    };
    match m {
        Mutation::GroupId(g) => edited(&ac, |c| c.group_id = g.clone()),
        Mutation::Epoch(e) => edited(&ac, |c| c.epoch = *e),
        // Signed with the real sender's key, framed as the other one's.
        Mutation::SenderLeaf(l) => edited(&ac, |c| c.sender = member(*l)),
        Mutation::Signature(i, b) => {
            let mut signed = resigned(&ac);
            flip(&mut signed.auth.signature, *i, *b);
            frame(&signed)
        }
        Mutation::ConfirmationTag(i, b) => {
            let mut signed = resigned(&ac);
            flip(
                signed.auth.confirmation_tag.as_mut().expect("a commit"),
                *i,
                *b,
            );
            frame(&signed)
        }
        Mutation::MembershipTag(i, b) => {
            let mut pm = public(frame(&resigned(&ac)));
            flip(pm.membership_tag.as_mut().expect("a member"), *i, *b);
            MlsMessage::from(pm)
        }
        Mutation::ContentType if kind.is_private() => {
            let mut pm = private(frame(&resigned(&ac)));
            pm.content_type = match pm.content_type {
                ContentType::Application => ContentType::Proposal,
                _ => ContentType::Application,
            };
            MlsMessage::from(pm)
        }
        Mutation::ContentType => {
            let mut content = ac.content.clone();
            content.content = Content::Application(b"in the clear".to_vec());
            unchecked_public(content, kind.sender_leaf() as usize)
        }
        Mutation::AuthenticatedData(a) => {
            let mut pm = private(frame(&resigned(&ac)));
            pm.authenticated_data = a.clone();
            MlsMessage::from(pm)
        }
        Mutation::Ciphertext(i, b) => {
            let mut pm = private(frame(&resigned(&ac)));
            flip(&mut pm.ciphertext, *i, *b);
            MlsMessage::from(pm)
        }
        Mutation::SenderData(i, b) => {
            let mut pm = private(frame(&resigned(&ac)));
            flip(&mut pm.encrypted_sender_data, *i, *b);
            MlsMessage::from(pm)
        }
        Mutation::UnknownProposalRef(r) => edited(&ac, |c| {
            commit_of(c)
                .proposals
                .push(ProposalOrRef::Reference(ProposalRef(r.clone())))
        }),
        Mutation::DuplicateAdd => proposals(vec![add_frank(), add_frank()]),
        Mutation::UpdateByCommitter => {
            let leaf = fx
                .group(kind.sender_leaf() as usize)
                .own_leaf_node()
                .expect("leaf")
                .clone();
            proposals(vec![Proposal::Update(Update { leaf_node: leaf })])
        }
        Mutation::RemoveCommitter => proposals(vec![Proposal::Remove(Remove {
            removed: kind.sender_leaf(),
        })]),
        Mutation::RemoveBlankLeaf(l) => proposals(vec![Proposal::Remove(Remove { removed: *l })]),
        Mutation::ExternalInitByMember => proposals(vec![Proposal::ExternalInit(ExternalInit {
            kem_output: vec![1; 32],
        })]),
        Mutation::TwoGroupContextExtensions => {
            let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: Vec::new(),
            });
            proposals(vec![gce.clone(), gce])
        }
        Mutation::ReInitWithOthers => proposals(vec![
            Proposal::ReInit(ReInit {
                group_id: b"next".to_vec(),
                version: fx.context.version,
                cipher_suite: fx.context.cipher_suite,
                extensions: Vec::new(),
            }),
            add_frank(),
        ]),
        Mutation::DropPath => edited(&ac, |c| commit_of(c).path = None),
    }
}

fn public(msg: MlsMessage) -> PublicMessage {
    msg.into_public_message().expect("a PublicMessage")
}

fn private(msg: MlsMessage) -> PrivateMessage {
    msg.into_private_message().expect("a PrivateMessage")
}

/// Whether `e` is the error that breaking `m` must cause.
fn expected(kind: Kind, m: &Mutation, e: &GroupError) -> bool {
    use GroupError as G;
    match m {
        Mutation::GroupId(_) => *e == G::WrongGroupId,
        // Application messages of a past epoch are looked for among the
        // retained epochs; bob joined in epoch 1 and retains none.
        Mutation::Epoch(0) if kind == Kind::PrivateApplication => *e == G::EpochTooOld(0),
        Mutation::Epoch(got) => {
            *e == G::WrongEpoch {
                current: 1,
                got: *got,
            }
        }
        Mutation::SenderLeaf(l) if *l < 4 => *e == G::Framing(F::InvalidSignature),
        Mutation::SenderLeaf(l) => *e == G::Framing(F::UnknownSender(*l)),
        Mutation::Signature(..) => *e == G::Framing(F::InvalidSignature),
        Mutation::MembershipTag(..) => *e == G::Framing(F::InvalidMembershipTag),
        Mutation::ConfirmationTag(..) => *e == G::InvalidConfirmationTag,
        // The content type is in the sender data's AAD.
        Mutation::ContentType if kind.is_private() => {
            *e == G::Framing(F::SenderDataDecryptionFailed)
        }
        Mutation::ContentType => *e == G::Framing(F::ApplicationInPublicMessage),
        Mutation::AuthenticatedData(_) => *e == G::Framing(F::ContentDecryptionFailed),
        // The first KDF.Nh bytes of the ciphertext are the sample the
        // sender data key is derived from.
        Mutation::Ciphertext(i, _) => {
            let len = private(kind.base()).ciphertext.len();
            if i % len < nh() {
                *e == G::Framing(F::SenderDataDecryptionFailed)
            } else {
                *e == G::Framing(F::ContentDecryptionFailed)
            }
        }
        Mutation::SenderData(..) => *e == G::Framing(F::SenderDataDecryptionFailed),
        Mutation::UnknownProposalRef(r) => *e == G::UnknownProposalRef(ProposalRef(r.clone())),
        Mutation::DuplicateAdd
        | Mutation::UpdateByCommitter
        | Mutation::RemoveCommitter
        | Mutation::ExternalInitByMember
        | Mutation::TwoGroupContextExtensions
        | Mutation::ReInitWithOthers => matches!(e, G::InvalidProposalList(_)),
        Mutation::RemoveBlankLeaf(_) => *e == G::InvalidProposal("Remove of a blank leaf"),
        Mutation::DropPath => *e == G::PathRequired,
    }
}

/// The mutations start from messages bob accepts.
#[test]
fn unmutated_messages_are_accepted() {
    for kind in [
        Kind::PublicCommit,
        Kind::PublicProposal,
        Kind::PrivateApplication,
        Kind::PrivateCommit,
    ] {
        let base = kind.base();
        assert_eq!(
            base.wire_format() == WireFormat::PRIVATE_MESSAGE,
            kind.is_private()
        );
        fx().group(RECEIVER)
            .process_message(&base)
            .unwrap_or_else(|e| panic!("{kind:?} refused: {e:?}"));
        // Re-signing and re-framing alone changes nothing that matters.
        let again = frame(&resigned(&content_of(&base)));
        fx().group(RECEIVER)
            .process_message(&again)
            .unwrap_or_else(|e| panic!("{kind:?} re-framed refused: {e:?}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_messages_are_refused_with_the_expected_error((kind, m) in case()) {
        let msg = mutated(kind, &m);
        match bob_refuses(&msg) {
            Ok(e) => {
                prop_assert!(expected(kind, &m, &e), "{kind:?} {m:?}: refused with {e:?}");
                // The DS's view reaches the same verdict where it can.
                let parity = same_verdict(&mut ds_group(None), &msg, &e);
                prop_assert!(parity.is_ok(), "{kind:?} {m:?}: {parity:?}");
            }
            Err(why) => prop_assert!(false, "{kind:?} {m:?}: {why}"),
        }
    }
}
