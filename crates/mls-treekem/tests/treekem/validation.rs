//! Leaf node validation (§7.3) and the import checks (§12.4.3.1).

use crate::common;

use common::{client, client_with_lifetime, suite, Group, TestRng, GROUP_ID};
use mls_codec::{decode_exact, Encode};
use mls_treekem::{
    validate_leaf_node, validate_leaf_node_contents, LeafNodeContext, LeafNodeSource,
    LeafValidationOptions, Node, RatchetTree, TreeError, TreeImportParams,
};
use mls_types::tree_math::{LeafIndex, NodeIndex};
use mls_types::{
    CapabilityRequirements, Certificate, Credential, CredentialType, Extension, ExtensionType,
    Lifetime, RequiredCapabilities,
};

const KP: LeafNodeContext<'static> = LeafNodeContext::KeyPackage;

fn no_lifetime() -> LeafValidationOptions {
    LeafValidationOptions::without_lifetime()
}

#[test]
fn good_key_package_leaf_validates() {
    let cs = suite(2);
    let mut rng = TestRng::new(21);
    let c = client(&cs, &mut rng, 1);
    validate_leaf_node(
        &cs,
        &c.leaf,
        KP,
        None,
        None,
        &LeafValidationOptions::at(1_700_000_000),
    )
    .unwrap();
}

#[test]
fn bad_leaf_signature_is_rejected() {
    let cs = suite(1);
    let mut rng = TestRng::new(22);
    let mut c = client(&cs, &mut rng, 1);
    c.leaf.signature[0] ^= 1;
    // A KeyPackage's leaf has no index yet.
    assert_eq!(
        validate_leaf_node(&cs, &c.leaf, KP, None, None, &no_lifetime()),
        Err(TreeError::InvalidLeafSignature { leaf: None })
    );
    assert_eq!(
        TreeError::InvalidLeafSignature { leaf: None }.to_string(),
        "invalid signature on a KeyPackage's leaf (not in the tree)"
    );
    // An Update leaf signed for another leaf index names the sender's leaf.
    let mut leaf = client(&cs, &mut rng, 3).leaf;
    leaf.leaf_node_source = LeafNodeSource::Update;
    leaf.sign(&cs, &c.signing_key, Some((GROUP_ID, LeafIndex(4))))
        .unwrap();
    let ctx = LeafNodeContext::Update {
        group_id: GROUP_ID,
        leaf_index: LeafIndex(5),
    };
    assert_eq!(
        validate_leaf_node(&cs, &leaf, ctx, None, None, &no_lifetime()),
        Err(TreeError::InvalidLeafSignature { leaf: Some(5) })
    );
    // A leaf signed as a KeyPackage does not verify in an Update context.
    let c = client(&cs, &mut rng, 2);
    let ctx = LeafNodeContext::Update {
        group_id: GROUP_ID,
        leaf_index: LeafIndex(0),
    };
    assert_eq!(
        validate_leaf_node(&cs, &c.leaf, ctx, None, None, &no_lifetime()),
        Err(TreeError::WrongLeafNodeSource)
    );
}

#[test]
fn expired_lifetime_accepted_only_without_lifetime_checks() {
    let cs = suite(1);
    let mut rng = TestRng::new(23);
    let c = client_with_lifetime(
        &cs,
        &mut rng,
        1,
        Lifetime {
            not_before: 100,
            not_after: 200,
        },
    );
    let now = LeafValidationOptions::at(1_000);
    assert_eq!(
        validate_leaf_node(&cs, &c.leaf, KP, None, None, &now),
        Err(TreeError::LifetimeExpired)
    );
    validate_leaf_node(&cs, &c.leaf, KP, None, None, &no_lifetime()).unwrap();
    validate_leaf_node(
        &cs,
        &c.leaf,
        KP,
        None,
        None,
        &LeafValidationOptions::at(150),
    )
    .unwrap();
    let bounded = LeafValidationOptions {
        max_lifetime: Some(50),
        ..LeafValidationOptions::at(150)
    };
    assert_eq!(
        validate_leaf_node(&cs, &c.leaf, KP, None, None, &bounded),
        Err(TreeError::LifetimeTooLong)
    );
}

#[test]
fn capability_checks() {
    let cs = suite(1);
    let mut rng = TestRng::new(24);
    let c = client(&cs, &mut rng, 1);
    let key = &c.signing_key;

    let mut leaf = c.leaf.clone();
    leaf.extensions
        .push(Extension::new(ExtensionType(0xff00), vec![]));
    leaf.sign(&cs, key, None).unwrap();
    assert_eq!(
        validate_leaf_node(&cs, &leaf, KP, None, None, &no_lifetime()),
        Err(TreeError::ExtensionNotInCapabilities(ExtensionType(0xff00)))
    );
    leaf.capabilities.extensions.push(ExtensionType(0xff00));
    leaf.sign(&cs, key, None).unwrap();
    validate_leaf_node(&cs, &leaf, KP, None, None, &no_lifetime()).unwrap();

    let mut leaf = c.leaf.clone();
    leaf.capabilities.credentials = vec![CredentialType::X509];
    leaf.sign(&cs, key, None).unwrap();
    assert_eq!(
        validate_leaf_node(&cs, &leaf, KP, None, None, &no_lifetime()),
        Err(TreeError::CredentialTypeNotInCapabilities(
            CredentialType::BASIC
        ))
    );

    let required = CapabilityRequirements::new(&RequiredCapabilities {
        extension_types: vec![ExtensionType(0xff01)],
        ..Default::default()
    });
    assert_eq!(
        validate_leaf_node(&cs, &c.leaf, KP, Some(&required), None, &no_lifetime()),
        Err(TreeError::RequiredExtensionUnsupported(ExtensionType(
            0xff01
        )))
    );
}

/// RFC 9420 §13.4: a list of extensions MUST NOT have more than one
/// extension of any given type, a leaf's included.
#[test]
fn duplicate_leaf_extension_is_rejected() {
    let cs = suite(1);
    let mut rng = TestRng::new(25);
    let c = client(&cs, &mut rng, 1);
    let mut leaf = c.leaf.clone();
    leaf.capabilities.extensions.push(ExtensionType(0xff00));
    leaf.extensions
        .push(Extension::new(ExtensionType(0xff00), vec![1]));
    leaf.sign(&cs, &c.signing_key, None).unwrap();
    validate_leaf_node(&cs, &leaf, KP, None, None, &no_lifetime()).unwrap();
    leaf.extensions
        .push(Extension::new(ExtensionType(0xff00), vec![2]));
    leaf.sign(&cs, &c.signing_key, None).unwrap();
    assert_eq!(
        validate_leaf_node(&cs, &leaf, KP, None, None, &no_lifetime()),
        Err(TreeError::DuplicateExtension(ExtensionType(0xff00)))
    );
    // A default type (application_id) twice is refused as well.
    let mut leaf = c.leaf.clone();
    for v in [1u8, 2] {
        leaf.extensions
            .push(Extension::new(ExtensionType::APPLICATION_ID, vec![1, v]));
    }
    leaf.sign(&cs, &c.signing_key, None).unwrap();
    assert_eq!(
        validate_leaf_node(&cs, &leaf, KP, None, None, &no_lifetime()),
        Err(TreeError::DuplicateExtension(ExtensionType::APPLICATION_ID))
    );
}

#[test]
fn uniqueness_against_the_tree() {
    let mut g = Group::new(1, 18);
    g.add(2);
    let mut rng = TestRng::new(25);
    let mut c = client(&g.cs, &mut rng, 9);
    validate_leaf_node(&g.cs, &c.leaf, KP, None, Some(&g.tree), &no_lifetime()).unwrap();
    let fresh = c.leaf.clone();
    c.leaf.encryption_key = g.tree.leaf(LeafIndex(1)).unwrap().encryption_key.clone();
    c.leaf.sign(&g.cs, &c.signing_key, None).unwrap();
    // A KeyPackage's leaf is not in the tree: no index.
    assert_eq!(
        validate_leaf_node(&g.cs, &c.leaf, KP, None, Some(&g.tree), &no_lifetime()),
        Err(TreeError::DuplicateEncryptionKey { node: None })
    );
    let mut leaf = fresh.clone();
    leaf.signature_key = g.tree.leaf(LeafIndex(2)).unwrap().signature_key.clone();
    assert_eq!(
        validate_leaf_node_contents(&leaf, KP, None, Some(&g.tree), &no_lifetime()),
        Err(TreeError::DuplicateSignatureKey { leaf: None })
    );
    // An Update from leaf 1 with leaf 2's keys names leaf 1 (node 2).
    leaf.leaf_node_source = LeafNodeSource::Update;
    let update = LeafNodeContext::Update {
        group_id: GROUP_ID,
        leaf_index: LeafIndex(1),
    };
    assert_eq!(
        validate_leaf_node_contents(&leaf, update, None, Some(&g.tree), &no_lifetime()),
        Err(TreeError::DuplicateSignatureKey { leaf: Some(1) })
    );
    leaf.signature_key = fresh.signature_key.clone();
    leaf.encryption_key = g.tree.leaf(LeafIndex(2)).unwrap().encryption_key.clone();
    assert_eq!(
        validate_leaf_node_contents(&leaf, update, None, Some(&g.tree), &no_lifetime()),
        Err(TreeError::DuplicateEncryptionKey { node: Some(2) })
    );
}

#[test]
fn credential_type_support_against_the_tree() {
    let mut g = Group::new(1, 19);
    g.add(2);
    let mut rng = TestRng::new(26);
    let x509 = Credential::X509(vec![Certificate {
        cert_data: vec![1, 2, 3],
    }]);
    // A new leaf of a type no member supports: the first member is named.
    let mut leaf = client(&g.cs, &mut rng, 9).leaf;
    leaf.credential = x509.clone();
    leaf.capabilities.credentials = vec![CredentialType::BASIC, CredentialType::X509];
    assert_eq!(
        validate_leaf_node_contents(&leaf, KP, None, Some(&g.tree), &no_lifetime()),
        Err(TreeError::CredentialTypeUnsupported {
            leaf: Some(0),
            credential_type: CredentialType::X509,
        })
    );
    // A member using X509 (and supporting both): a new leaf without X509
    // support is at fault, and has no index.
    g.tree.add_leaf(leaf).unwrap();
    let basic_only = client(&g.cs, &mut rng, 10).leaf;
    assert_eq!(
        validate_leaf_node_contents(&basic_only, KP, None, Some(&g.tree), &no_lifetime()),
        Err(TreeError::CredentialTypeUnsupported {
            leaf: None,
            credential_type: CredentialType::X509,
        })
    );
    assert_eq!(
        TreeError::CredentialTypeUnsupported {
            leaf: None,
            credential_type: CredentialType::X509,
        }
        .to_string(),
        "a KeyPackage's leaf (not in the tree) does not support credential type 2"
    );
    // The same leaf as an Update from leaf 1 names leaf 1.
    let mut update = basic_only;
    update.leaf_node_source = LeafNodeSource::Update;
    let ctx = LeafNodeContext::Update {
        group_id: GROUP_ID,
        leaf_index: LeafIndex(1),
    };
    assert_eq!(
        validate_leaf_node_contents(&update, ctx, None, Some(&g.tree), &no_lifetime()),
        Err(TreeError::CredentialTypeUnsupported {
            leaf: Some(1),
            credential_type: CredentialType::X509,
        })
    );
}

fn grown_group() -> Group {
    let mut g = Group::new(1, 20);
    let added = g.add(5);
    g.commit(LeafIndex(0), &added);
    g.commit(LeafIndex(3), &[]);
    g.add(1); // unmerged leaf
    g.commit(LeafIndex(5), &[]);
    g.add(1);
    g
}

fn params(hash: &[u8]) -> TreeImportParams<'_> {
    TreeImportParams {
        group_id: GROUP_ID,
        expected_tree_hash: hash,
        required_capabilities: None,
        options: LeafValidationOptions::at(1_700_000_000),
    }
}

#[test]
fn import_accepts_a_valid_tree() {
    let mut g = grown_group();
    let hash = g.tree.tree_hash(&g.cs).unwrap();
    let bytes = g.tree.to_extension_bytes().unwrap();
    let mut tree = RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap();
    assert_eq!(tree.tree_hash(&g.cs).unwrap(), hash);
    assert!(tree
        .parent_node(NodeIndex(7))
        .is_some_and(|p| !p.unmerged_leaves.is_empty()));
    // Wrong expected hash.
    assert_eq!(
        RatchetTree::import(&g.cs, &bytes, &params(&[0; 32])).unwrap_err(),
        TreeError::TreeHashMismatch
    );
}

/// Re-encodes the tree after `f` changes its node list.
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

#[test]
fn tampered_parent_hash_is_rejected() {
    let g = grown_group();
    let (bytes, hash) = tampered(&g, |list| {
        let Some(Some(Node::Parent(p))) = list.get_mut(3) else {
            panic!("node 3 set")
        };
        p.parent_hash[0] ^= 1;
    });
    assert_eq!(
        RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap_err(),
        TreeError::ParentHashInvalid { node: 3 }
    );
    // A replaced parent key breaks the chain too.
    let (bytes, hash) = tampered(&g, |list| {
        let Some(Some(Node::Parent(p))) = list.get_mut(7) else {
            panic!("root set")
        };
        p.encryption_key.0[0] ^= 1;
    });
    assert!(matches!(
        RatchetTree::import(&g.cs, &bytes, &params(&hash)),
        Err(TreeError::ParentHashInvalid { .. })
    ));
}

#[test]
fn bad_leaf_in_tree_is_rejected() {
    let g = grown_group();
    let (bytes, hash) = tampered(&g, |list| {
        let Some(Some(Node::Leaf(l))) = list.get_mut(4) else {
            panic!("leaf 2 set")
        };
        l.signature[3] ^= 1;
    });
    assert_eq!(
        RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap_err(),
        TreeError::InvalidLeafSignature { leaf: Some(2) }
    );
}

#[test]
fn inconsistent_unmerged_leaves_are_rejected() {
    let g = grown_group();
    let root = g.tree.root().0 as usize;
    // Unsorted list.
    let (bytes, hash) = tampered(&g, |list| {
        let Some(Some(Node::Parent(p))) = list.get_mut(root) else {
            panic!("root set")
        };
        p.unmerged_leaves.push(LeafIndex(0));
    });
    assert!(matches!(
        RatchetTree::import(&g.cs, &bytes, &params(&hash)),
        Err(TreeError::UnmergedLeavesNotSorted { .. })
    ));
    // A leaf outside the node's subtree listed as unmerged.
    let (bytes, hash) = tampered(&g, |list| {
        let Some(Some(Node::Parent(p))) = list.get_mut(3) else {
            panic!("node 3 set")
        };
        p.add_unmerged(LeafIndex(7));
    });
    assert_eq!(
        RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap_err(),
        TreeError::InvalidUnmergedLeaf { node: 3, leaf: 7 }
    );
    // An unmerged leaf missing from a non-blank node in between.
    let (bytes, hash) = tampered(&g, |list| {
        let Some(Some(Node::Parent(p))) = list.get_mut(root) else {
            panic!("root set")
        };
        p.add_unmerged(LeafIndex(1));
    });
    assert_eq!(
        RatchetTree::import(&g.cs, &bytes, &params(&hash)).unwrap_err(),
        TreeError::InvalidUnmergedLeaf { node: 7, leaf: 1 }
    );
}
