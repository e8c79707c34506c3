//! The capability checks of leaf validation and tree import (RFC 9420
//! §7.3, §12.4.3.1) cost O((R + C) log) per leaf for R required entries and
//! C listed ones, not R × C (issue 15, item 1), and still name the first
//! type a leaf lacks, in the order of the list that requires it.

use crate::common;

use std::time::{Duration, Instant};

use common::{client, suite, TestRng, GROUP_ID};
use mls_treekem::{
    validate_leaf_node, validate_leaf_node_contents, LeafNodeContext, LeafValidationOptions,
    RatchetTree, TreeError, TreeImportParams,
};
use mls_types::{
    CapabilityRequirements, CredentialType, Extension, ExtensionType, ProposalType,
    RequiredCapabilities,
};

/// Required entries: every one a duplicate of the last listed type, which
/// the old code found by scanning the whole list each time.
const R: usize = 1 << 17;

/// A generous bound: the new code takes well under a second here (debug
/// build); the old one ~10^11 comparisons, hours.
const BOUND: Duration = Duration::from_secs(20);

#[test]
fn item1_required_capabilities_cost_is_linear() {
    let cs = suite(1);
    let mut rng = TestRng::new(15);
    let mut c = client(&cs, &mut rng, 1);
    // C = 65,024 distinct non-default types of each kind, ascending.
    let codes: Vec<u16> = (0x0100u16..0xff00).collect();
    let last = *codes.last().unwrap();
    let caps = &mut c.leaf.capabilities;
    caps.extensions = codes.iter().map(|&t| ExtensionType(t)).collect();
    caps.proposals = codes.iter().map(|&t| ProposalType(t)).collect();
    // Credential types: basic first (the leaf's own), then the rest.
    caps.credentials = std::iter::once(1u16)
        .chain(codes.iter().copied())
        .map(CredentialType)
        .collect();
    // One extension of each listed type, in reverse: E × C before.
    c.leaf.extensions = codes
        .iter()
        .rev()
        .map(|&t| Extension::new(ExtensionType(t), Vec::new()))
        .collect();
    c.leaf.sign(&cs, &c.signing_key, None).unwrap();
    let required = RequiredCapabilities {
        extension_types: vec![ExtensionType(last); R],
        proposal_types: vec![ProposalType(last); R],
        credential_types: vec![CredentialType(last); R],
    };
    let options = LeafValidationOptions::without_lifetime();

    let start = Instant::now();
    let prepared = CapabilityRequirements::new(&required);
    validate_leaf_node(
        &cs,
        &c.leaf,
        LeafNodeContext::KeyPackage,
        Some(&prepared),
        None,
        &options,
    )
    .unwrap();
    // The tree import checks the leaf against the same requirements.
    let mut tree = RatchetTree::new(c.leaf.clone());
    let bytes = tree.to_extension_bytes().unwrap();
    let hash = tree.tree_hash(&cs).unwrap();
    let params = TreeImportParams {
        group_id: GROUP_ID,
        expected_tree_hash: &hash,
        required_capabilities: Some(&required),
        options,
    };
    RatchetTree::import(&cs, &bytes, &params).unwrap();
    // A second leaf against the tree: the credential types in use.
    let mut d = client(&cs, &mut rng, 2);
    d.leaf.capabilities = c.leaf.capabilities.clone();
    let ctx = LeafNodeContext::Tree {
        group_id: GROUP_ID,
        leaf_index: mls_types::tree_math::LeafIndex(1),
    };
    validate_leaf_node_contents(&d.leaf, ctx, Some(&prepared), Some(&tree), &options).unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed < BOUND, "{elapsed:?}");

    // A leaf that lacks a type is refused, naming it.
    let mut lacking = required.clone();
    lacking.proposal_types.push(ProposalType(0xff00));
    let params = TreeImportParams {
        required_capabilities: Some(&lacking),
        ..params
    };
    assert_eq!(
        RatchetTree::import(&cs, &bytes, &params).unwrap_err(),
        TreeError::RequiredProposalUnsupported(ProposalType(0xff00))
    );
}

/// The first missing type in the order of the required list, duplicates
/// and default types (always supported) included; a leaf's unsorted or
/// repeated listing is accepted as before.
#[test]
fn the_first_unsupported_type_is_named_in_list_order() {
    let cs = suite(1);
    let mut rng = TestRng::new(16);
    let mut c = client(&cs, &mut rng, 1);
    c.leaf.capabilities.extensions = [0xff07, 0xff01, 0xff07, 0xff03]
        .into_iter()
        .map(ExtensionType)
        .collect();
    c.leaf.extensions = vec![
        Extension::new(ExtensionType(0xff03), Vec::new()),
        Extension::new(ExtensionType::APPLICATION_ID, Vec::new()),
        Extension::new(ExtensionType(0xff07), Vec::new()),
    ];
    let options = LeafValidationOptions::without_lifetime();
    let check = |leaf: &mls_treekem::LeafNode, required: &RequiredCapabilities| {
        validate_leaf_node_contents(
            leaf,
            LeafNodeContext::KeyPackage,
            Some(&CapabilityRequirements::new(required)),
            None,
            &options,
        )
    };
    let required = |ext: &[u16], cred: &[u16]| RequiredCapabilities {
        extension_types: ext.iter().copied().map(ExtensionType).collect(),
        proposal_types: vec![ProposalType::ADD, ProposalType::ADD],
        credential_types: cred.iter().copied().map(CredentialType).collect(),
    };
    assert_eq!(
        check(&c.leaf, &required(&[0xff01, 2, 0xff07, 0xff01], &[1, 1])),
        Ok(())
    );
    assert_eq!(
        check(&c.leaf, &required(&[0xff09, 0xff01, 0xff05, 0xff09], &[1])),
        Err(TreeError::RequiredExtensionUnsupported(ExtensionType(
            0xff09
        )))
    );
    assert_eq!(
        check(&c.leaf, &required(&[0xff07, 0xff05, 0xff04], &[1])),
        Err(TreeError::RequiredExtensionUnsupported(ExtensionType(
            0xff05
        )))
    );
    assert_eq!(
        check(&c.leaf, &required(&[], &[1, 9, 2, 9])),
        Err(TreeError::RequiredCredentialUnsupported(CredentialType(9)))
    );
    // The leaf's own extensions: the first one not listed, in leaf order.
    c.leaf
        .extensions
        .push(Extension::new(ExtensionType(0xff05), Vec::new()));
    c.leaf
        .extensions
        .push(Extension::new(ExtensionType(0xff04), Vec::new()));
    assert_eq!(
        check(&c.leaf, &RequiredCapabilities::default()),
        Err(TreeError::ExtensionNotInCapabilities(ExtensionType(0xff05)))
    );
}
