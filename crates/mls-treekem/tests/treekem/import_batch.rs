//! Tree import verifies the leaf signatures in batches (§12.4.3.1): the
//! error is still the one validating leaf by leaf gives, naming the
//! failing leaf, in trees larger than one batch chunk.

use crate::common;

use common::{client, client_with_lifetime, Group, GROUP_ID};
use mls_codec::{decode_exact, Encode};
use mls_treekem::{
    validate_leaf_node, LeafNodeContext, LeafValidationOptions, Node, RatchetTree, TreeError,
    TreeImportParams,
};
use mls_types::tree_math::LeafIndex;
use mls_types::Lifetime;

const NOW: u64 = 1_700_000_000;

fn params(hash: &[u8]) -> TreeImportParams<'_> {
    TreeImportParams {
        group_id: GROUP_ID,
        expected_tree_hash: hash,
        required_capabilities: None,
        options: LeafValidationOptions::at(NOW),
    }
}

/// 600 leaves (more than two 256-signature chunks) with a few blanks, so
/// that leaf indices and positions among the members differ; leaf 40's
/// KeyPackage lifetime has expired (its signature is valid).
fn large_group() -> Group {
    let mut g = Group::new(1, 1);
    g.add(39);
    let expired = client_with_lifetime(
        &g.cs,
        &mut g.rng,
        40,
        Lifetime {
            not_before: 0,
            not_after: NOW - 1,
        },
    );
    assert_eq!(g.tree.add_leaf(expired.leaf).unwrap(), LeafIndex(40));
    for id in 41..600 {
        let c = client(&g.cs, &mut g.rng, id);
        g.tree.add_leaf(c.leaf).unwrap();
    }
    for blank in [7, 300, 301, 555] {
        g.tree.remove_leaf(LeafIndex(blank)).unwrap();
    }
    g
}

/// The tree's encoding and hash after `f` changes its node list.
fn tampered(g: &Group, f: impl FnOnce(&mut Vec<Option<Node>>)) -> (Vec<u8>, Vec<u8>) {
    let mut list: Vec<Option<Node>> = decode_exact(&g.tree.to_extension_bytes().unwrap()).unwrap();
    f(&mut list);
    let bytes = list.to_bytes().unwrap();
    let hash = RatchetTree::from_extension_bytes(&bytes)
        .unwrap()
        .tree_hash(&g.cs)
        .unwrap();
    (bytes, hash)
}

fn damage_signature(list: &mut [Option<Node>], leaf: u32) {
    let Some(Some(Node::Leaf(l))) = list.get_mut(2 * leaf as usize) else {
        panic!("leaf {leaf} is set")
    };
    l.signature[10] ^= 0x04;
}

/// The first error of `validate_leaf_node` leaf by leaf: the reference.
fn leaf_by_leaf(g: &Group, bytes: &[u8], options: LeafValidationOptions) -> Result<(), TreeError> {
    let tree = RatchetTree::from_extension_bytes(bytes).unwrap();
    for (i, leaf) in tree.members() {
        let ctx = LeafNodeContext::Tree {
            group_id: GROUP_ID,
            leaf_index: i,
        };
        validate_leaf_node(&g.cs, leaf, ctx, None, None, &options)?;
    }
    Ok(())
}

#[test]
fn one_bad_leaf_signature_in_a_large_tree_is_named() {
    let g = large_group();
    let no_lifetime = LeafValidationOptions::without_lifetime();
    for bad in [0u32, 1, 255, 256, 257, 299, 302, 511, 599] {
        let (bytes, hash) = tampered(&g, |list| damage_signature(list, bad));
        let p = TreeImportParams {
            options: no_lifetime,
            ..params(&hash)
        };
        let got = RatchetTree::import(&g.cs, &bytes, &p).unwrap_err();
        assert_eq!(got, TreeError::InvalidLeafSignature { leaf: Some(bad) });
        assert_eq!(Err(got), leaf_by_leaf(&g, &bytes, no_lifetime));
    }
}

#[test]
fn the_first_failing_leaf_wins_whatever_its_check() {
    let g = large_group();
    let opts = LeafValidationOptions::at(NOW);
    // A later bad signature: leaf 40's expired lifetime comes first.
    let (bytes, hash) = tampered(&g, |list| damage_signature(list, 450));
    let got = RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap_err();
    assert_eq!(got, TreeError::LifetimeExpired);
    assert_eq!(Err(got), leaf_by_leaf(&g, &bytes, opts));
    // An earlier bad signature comes before it.
    let (bytes, hash) = tampered(&g, |list| {
        damage_signature(list, 450);
        damage_signature(list, 39);
    });
    let got = RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap_err();
    assert_eq!(got, TreeError::InvalidLeafSignature { leaf: Some(39) });
    assert_eq!(Err(got), leaf_by_leaf(&g, &bytes, opts));
}

#[test]
fn a_valid_large_tree_imports() {
    let g = large_group();
    let hash = g.tree.clone().tree_hash(&g.cs).unwrap();
    let bytes = g.tree.to_extension_bytes().unwrap();
    let p = TreeImportParams {
        options: LeafValidationOptions::without_lifetime(),
        ..params(&hash)
    };
    let mut tree = RatchetTree::import(&g.cs, &bytes, &p).unwrap();
    assert_eq!(tree.tree_hash(&g.cs).unwrap(), hash);
    // With lifetimes checked, leaf 40 is the only problem.
    assert_eq!(
        RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap_err(),
        TreeError::LifetimeExpired
    );
}
