//! Tree import in two phases (issue 15, item 5): the structure and the
//! tree hash first, with no signature verified, so that a joiner can check
//! the GroupInfo's signature and find its own leaf before verifying a
//! signature per member; then the leaves and parent hashes. The one-call
//! import is their composition.

use crate::common;

use common::{suite, Group, GROUP_ID};
use mls_codec::{decode_exact, Encode};
use mls_test_support::CountingSuite;
use mls_treekem::{LeafValidationOptions, Node, RatchetTree, TreeError, TreeImportParams};
use mls_types::tree_math::LeafIndex;

fn params(hash: &[u8]) -> TreeImportParams<'_> {
    TreeImportParams {
        group_id: GROUP_ID,
        expected_tree_hash: hash,
        required_capabilities: None,
        options: LeafValidationOptions::without_lifetime(),
    }
}

/// 40 members after two commits (parent nodes, an unmerged leaf).
fn group() -> Group {
    let mut g = Group::new(1, 55);
    g.add(32);
    g.commit(LeafIndex(3), &[]);
    g.add(7);
    g.commit(LeafIndex(20), &[]);
    g
}

/// The encoding and hash of `g`'s tree with leaf `bad`'s signature damaged.
fn with_bad_signature(g: &Group, bad: u32) -> (Vec<u8>, Vec<u8>) {
    let mut list: Vec<Option<Node>> = decode_exact(&g.tree.to_extension_bytes().unwrap()).unwrap();
    let Some(Some(Node::Leaf(l))) = list.get_mut(2 * bad as usize) else {
        panic!("leaf {bad} is set")
    };
    l.signature[5] ^= 1;
    let bytes = list.to_bytes().unwrap();
    let hash = RatchetTree::from_extension_bytes(&bytes)
        .unwrap()
        .tree_hash(&g.cs)
        .unwrap();
    (bytes, hash)
}

#[test]
fn item5_phased_import_verifies_no_signature_before_phase_two() {
    let g = group();
    let cs = CountingSuite::new(suite(1));
    let hash = g.tree.clone().tree_hash(&g.cs).unwrap();
    let bytes = g.tree.to_extension_bytes().unwrap();
    let members = u64::from(g.tree.member_count());

    // Phase 1: hashing only.
    let mut tree = RatchetTree::import_structure(&cs, &bytes, &hash).unwrap();
    let phase1 = cs.take_counts();
    assert_eq!(phase1.signature_verifications, 0);
    assert!(phase1.hash > 0);
    assert_eq!(
        RatchetTree::import_structure(&cs, &bytes, &[0; 32]).unwrap_err(),
        TreeError::TreeHashMismatch
    );
    assert_eq!(cs.take_counts().signature_verifications, 0);

    // In between, the caller's cheap checks read the tree: a signer's key,
    // its own leaf.
    assert!(tree.leaf(LeafIndex(20)).is_some());

    // Phase 2: one signature per member.
    tree.validate_members(&cs, &params(&hash)).unwrap();
    assert_eq!(cs.take_counts().signature_verifications, members);

    // A bad leaf signature passes phase 1 and is named in phase 2; the
    // one-call import gives the same error.
    let (bad_bytes, bad_hash) = with_bad_signature(&g, 17);
    let mut bad = RatchetTree::import_structure(&cs, &bad_bytes, &bad_hash).unwrap();
    assert_eq!(cs.take_counts().signature_verifications, 0);
    let expected = TreeError::InvalidLeafSignature { leaf: Some(17) };
    assert_eq!(
        bad.validate_members(&cs, &params(&bad_hash)).unwrap_err(),
        expected
    );
    assert_eq!(
        RatchetTree::import(&cs, &bad_bytes, &params(&bad_hash)).unwrap_err(),
        expected
    );
    // With the GroupInfo's hash (of the genuine tree), phase 1 refuses it.
    assert_eq!(
        RatchetTree::import_structure(&cs, &bad_bytes, &hash).unwrap_err(),
        TreeError::TreeHashMismatch
    );

    // The phases on a tree already built, and the composition.
    let mut built = RatchetTree::from_extension_bytes(&bytes).unwrap();
    built.validate_structure(&cs, &hash).unwrap();
    built.validate_members(&cs, &params(&hash)).unwrap();
    let mut whole = RatchetTree::import(&cs, &bytes, &params(&hash)).unwrap();
    assert_eq!(whole.tree_hash(&cs).unwrap(), built.tree_hash(&cs).unwrap());
}
