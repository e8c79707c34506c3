//! A received tree whose keys share long prefixes is decoded (and refused
//! for its tree hash) in time linear in its size (issue 15, item 2): the
//! key index used to bucket keys by their first eight bytes, so 65,536
//! leaves with one bucket cost 2^31 key comparisons before the tree hash
//! was even computed (84 s in a release build).

use std::time::{Duration, Instant};

use mls_codec::Encode;
use mls_crypto::{CipherSuite, CryptoProvider, HpkePublicKey, SignaturePublicKey};
use mls_rustcrypto::RustCrypto;
use mls_treekem::{
    LeafNode, LeafNodeSource, LeafValidationOptions, Node, RatchetTree, TreeError, TreeImportParams,
};
use mls_types::{Capabilities, Credential};

const LEAVES: u32 = 1 << 16;

/// Far above the new code's time (about a second, debug build), far
/// below the old one's (minutes).
const BOUND: Duration = Duration::from_secs(30);

/// A minimal leaf whose 10-byte keys share their first 8 bytes.
fn leaf(i: u32) -> Node {
    let key = |tag: u8| {
        let mut k = vec![tag; 8];
        k.extend_from_slice(&(i as u16).to_be_bytes());
        k
    };
    Node::Leaf(LeafNode {
        encryption_key: HpkePublicKey(key(0xaa)),
        signature_key: SignaturePublicKey(key(0xbb)),
        credential: Credential::Basic(Vec::new()),
        capabilities: Capabilities::default(),
        leaf_node_source: LeafNodeSource::Update,
        extensions: Vec::new(),
        signature: Vec::new(),
    })
}

#[test]
fn item2_shared_key_prefixes_are_refused_in_linear_time() {
    let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    let nodes: Vec<Option<Node>> = (0..2 * LEAVES - 1)
        .map(|x| x.is_multiple_of(2).then(|| leaf(x / 2)))
        .collect();
    let bytes = nodes.to_bytes().unwrap();
    assert!(bytes.len() > 2 << 20, "{} bytes", bytes.len());
    let params = TreeImportParams {
        group_id: b"group",
        expected_tree_hash: &[0; 32],
        required_capabilities: None,
        options: LeafValidationOptions::without_lifetime(),
    };
    let start = Instant::now();
    let refused = RatchetTree::import(&cs, &bytes, &params).unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(refused, TreeError::TreeHashMismatch);
    assert!(elapsed < BOUND, "{elapsed:?}");
}
