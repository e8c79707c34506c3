//! The bad-input matrix: for each kind of input a member receives
//! (application message, proposal, commit, Welcome, external commit,
//! KeyPackage), a table of hostile variants, each with the precise error
//! it must be refused with. Messages go to bob of the fixture
//! (`hostile/mod.rs`), whose persisted state must be byte-identical after
//! each refusal; external commits also to a Delivery Service's
//! `PublicGroup`; Welcomes to dave joining; KeyPackages to
//! `validate_key_package` and, inside an Add, to bob. Every row runs; the
//! table is printed, and the test fails if any row was not refused as
//! expected.

use crate::hostile;
use crate::matrix;

use hostile::fx;
use matrix::Row;
use mls_group::Group;
use mls_types::tree_math::LeafIndex;

#[test]
fn every_hostile_input_is_refused_as_expected() {
    let rows: Vec<Row> = [
        matrix::messages::application_rows(),
        matrix::messages::proposal_rows(),
        matrix::messages::commit_rows(),
        matrix::welcome::welcome_rows(),
        matrix::external::external_commit_rows(),
        matrix::key_package::key_package_rows(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut failures = Vec::new();
    let mut per_kind: Vec<(&str, usize)> = Vec::new();
    for r in &rows {
        let outcome = (r.run)();
        let verdict = match &outcome {
            Ok(refusal) if (r.want)(refusal) && blames_the_input(refusal) => "ok",
            _ => "UNEXPECTED",
        };
        eprintln!("{:<24} {:<48} {verdict:<10} {outcome:?}", r.kind, r.name);
        if verdict != "ok" {
            failures.push(format!("{} / {}: {outcome:?}", r.kind, r.name));
        }
        match per_kind.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, n)) => *n += 1,
            None => per_kind.push((r.kind, 1)),
        }
    }
    for (kind, n) in &per_kind {
        eprintln!("{kind}: {n} rows");
    }
    eprintln!("{} rows ran, {} unexpected", rows.len(), failures.len());
    assert!(failures.is_empty(), "unexpected outcomes: {failures:#?}");
    assert_eq!(per_kind.len(), 8, "every kind of input has rows");
}

/// A refusal of hostile input puts the fault on the input (the peer, a
/// feature it uses that we lack, or another epoch), never on the local
/// state or the library, nor on the caller — but for a commit in our own
/// name, which is normally the echo of ours: the caller merges its pending
/// commit instead.
fn blames_the_input(refusal: &hostile::Refusal) -> bool {
    use mls_group::{Fault, GroupError};
    match refusal {
        hostile::Refusal::Group(GroupError::OwnCommit) => true,
        hostile::Refusal::Group(e) => matches!(
            e.fault(),
            Fault::Peer | Fault::Unsupported | Fault::OutOfSync
        ),
        hostile::Refusal::Decode(_) => true,
    }
}

/// After every hostile Welcome, dave's KeyPackage still joins from the
/// genuine one: a bogus Welcome does not use it up.
#[test]
fn genuine_welcome_still_joins_after_hostile_ones() {
    for r in matrix::welcome::welcome_rows() {
        let _ = (r.run)();
    }
    let fx = fx();
    let joined = Group::join(
        fx.suite.clone(),
        &fx.real_welcome,
        &fx.bundles[3],
        mls_group::JoinOptions::default(),
    )
    .expect("the genuine Welcome joins");
    assert_eq!(joined.own_leaf(), LeafIndex(3));
}
