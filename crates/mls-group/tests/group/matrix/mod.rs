//! The rows of the bad-input matrix (`bad_input_matrix.rs`), one file
//! per kind of input, and what they share.

pub mod external;
pub mod key_package;
pub mod messages;
pub mod welcome;

use crate::hostile::*;
use mls_codec::Encode;
use mls_crypto::{CipherSuite, Secret};
use mls_framing::FramingError as F;
use mls_framing::{
    Add, ExternalInit, GroupContextExtensions, GroupInfo, GroupSecrets, KeyPackage, MlsMessage,
    PathSecret, PreSharedKey, Proposal, ProposalOrRef, Remove, Welcome,
};
use mls_group::GroupError as G;
use mls_group::{
    validate_key_package, ExternalJoinOptions, Group, HandshakeFormat, KeyPackageBundle,
    KeyPackageOptions, ProcessedMessage,
};
use mls_keyschedule::{JoinerSecret, PreSharedKeyID, Psk, PskSecret, RatchetType};
use mls_treekem::{LeafNodeSource, TreeError};
use mls_types::tree_math::LeafIndex;
use mls_types::{ExtensionType, Lifetime, ProtocolVersion};

/// What a row must be refused with.
pub(crate) type Want = Box<dyn Fn(&Refusal) -> bool>;

pub(crate) struct Row {
    pub(crate) kind: &'static str,
    pub(crate) name: &'static str,
    /// Feeds the hostile input: the refusal, or what went wrong instead.
    pub(crate) run: Box<dyn Fn() -> Result<Refusal, String>>,
    pub(crate) want: Want,
}

fn row(
    kind: &'static str,
    name: &'static str,
    run: impl Fn() -> Result<Refusal, String> + 'static,
    want: Want,
) -> Row {
    Row {
        kind,
        name,
        run: Box::new(run),
        want,
    }
}

fn is(e: G) -> Want {
    Box::new(move |r| *r == Refusal::Group(e.clone()))
}

fn framing(e: F) -> Want {
    is(G::Framing(e))
}

fn tree(e: TreeError) -> Want {
    is(G::Tree(e))
}

fn invalid_list() -> Want {
    Box::new(|r| matches!(r, Refusal::Group(G::InvalidProposalList(_))))
}

fn undecodable() -> Want {
    Box::new(|r| matches!(r, Refusal::Decode(F::Codec(_))))
}

/// Bob refuses `msg`, and a Delivery Service's view of the group, which
/// runs the same pipeline, reaches the same verdict on it where it can
/// (see [`same_verdict`]).
fn bob(msg: MlsMessage) -> Result<Refusal, String> {
    let refusal = bob_refuses(&msg)?;
    same_verdict(&mut ds_group(None), &msg, &refusal)?;
    Ok(Refusal::Group(refusal))
}

/// As [`bob`], with `policy` installed on bob and on the DS's view.
fn bob_with(
    msg: MlsMessage,
    policy: impl Fn() -> Box<dyn mls_group::GroupPolicy>,
) -> Result<Refusal, String> {
    let mut g = fx().group(RECEIVER);
    g.set_policy(policy());
    let refusal = refused_by(&mut g, &msg)?;
    same_verdict(&mut ds_group(Some(policy())), &msg, &refusal)?;
    Ok(Refusal::Group(refusal))
}

/// A Delivery Service's PublicGroup refuses `msg`.
fn ds(msg: MlsMessage) -> Result<Refusal, String> {
    ds_refuses(&msg).map(Refusal::Group)
}

/// Bob accepts `msg` (merging a commit), then refuses it again.
fn replayed(msg: MlsMessage) -> Result<Refusal, String> {
    let mut g = fx().group(RECEIVER);
    let first = g
        .process_message(&msg)
        .map_err(|e| format!("first: {e:?}"))?;
    if let ProcessedMessage::Commit(staged) = first {
        g.merge_staged_commit(staged)
            .map_err(|e| format!("merge: {e:?}"))?;
    }
    refused_by(&mut g, &msg).map(Refusal::Group)
}

/// The first `len - 1` bytes of `msg`, decoded and processed by bob.
fn truncated(msg: MlsMessage) -> Result<Refusal, String> {
    let bytes = msg.to_bytes().map_err(|e| format!("{e:?}"))?;
    bob_refuses_bytes(&bytes[..bytes.len() - 1])
}

fn private(msg: MlsMessage) -> mls_framing::PrivateMessage {
    msg.into_private_message().expect("a PrivateMessage")
}

fn public(msg: MlsMessage) -> mls_framing::PublicMessage {
    msg.into_public_message().expect("a PublicMessage")
}

fn add(kp: KeyPackage) -> Proposal {
    Proposal::Add(Add { key_package: kp })
}

fn frank() -> KeyPackage {
    fx().newcomer.key_package().clone()
}

fn psk_proposal(id: &[u8], nonce: u64) -> Proposal {
    Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyID::new(
            &fx().suite,
            Psk::External {
                psk_id: id.to_vec(),
            },
            &mut TestRng::new(nonce),
        )
        .expect("psk id"),
    })
}
