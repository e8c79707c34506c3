//! Shared fixtures: a suite, signers, KeyPackages and messages of every kind.
#![allow(dead_code)]

use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkeCiphertext, HpkePublicKey, Secret,
    SignaturePublicKey,
};
use mls_framing::*;
use mls_keyschedule::{JoinerSecret, PskSecret, SecretTree, SecretTreeConfig};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::{framing as fixtures, TestRng};
use mls_treekem::{LeafNodeSource, Node, ParentNode, UpdatePath, UpdatePathNode};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;
use mls_types::{Extension, ExtensionType};

pub type Key = <RustCryptoSuite as CipherSuiteProvider>::SigningKey;

pub fn suite(cs: u16) -> RustCryptoSuite {
    RustCrypto
        .cipher_suite_provider(CipherSuite(cs))
        .expect("suite supported")
}

pub fn signer(suite: &RustCryptoSuite, seed: u64) -> (Key, SignaturePublicKey) {
    fixtures::signer(suite, seed)
}

pub fn context(suite: &RustCryptoSuite) -> GroupContext {
    fixtures::group_context(suite.cipher_suite())
}

pub const MEMBERSHIP_KEY: [u8; 32] = [0x4d; 32];
pub const SENDER_DATA_SECRET: [u8; 32] = [0x5d; 32];
pub const ENCRYPTION_SECRET: [u8; 32] = [0xe5; 32];

pub fn secret_tree(suite: &RustCryptoSuite) -> SecretTree {
    SecretTree::new(
        suite,
        Secret::from(vec![ENCRYPTION_SECRET[0]; suite.kdf_extract_len()]),
        4,
        SecretTreeConfig::default(),
    )
    .expect("secret tree")
}

pub fn framed(gc: &GroupContext, sender: Sender, content: Content) -> FramedContent {
    FramedContent {
        group_id: gc.group_id.clone(),
        epoch: gc.epoch,
        sender,
        authenticated_data: b"authenticated".to_vec(),
        content,
    }
}

pub fn remove(leaf: u32) -> Content {
    Content::Proposal(Proposal::Remove(Remove { removed: leaf }))
}

/// A KeyPackage and its keys.
pub fn key_package(
    suite: &RustCryptoSuite,
    seed: u64,
) -> (Key, mls_crypto::HpkeKeyPair, KeyPackage) {
    fixtures::key_package(suite, seed)
}

/// A Commit with a path whose leaf carries `kp`'s signature key.
pub fn commit_with_path(kp: &KeyPackage) -> Commit {
    let mut leaf_node = kp.leaf_node.clone();
    leaf_node.leaf_node_source = LeafNodeSource::Commit(vec![0xab; 32]);
    Commit {
        proposals: vec![
            ProposalOrRef::Reference(ProposalRef(vec![1; 32])),
            ProposalOrRef::Proposal(Proposal::Add(Add {
                key_package: kp.clone(),
            })),
        ],
        path: Some(UpdatePath {
            leaf_node,
            nodes: vec![UpdatePathNode {
                encryption_key: HpkePublicKey(vec![9; 32]),
                encrypted_path_secret: vec![HpkeCiphertext {
                    kem_output: vec![8; 32],
                    ciphertext: vec![7; 48],
                }]
                .try_into()
                .unwrap(),
            }],
        }),
    }
}

/// Every proposal type once.
pub fn all_proposals(kp: &KeyPackage) -> Vec<Proposal> {
    let mut update_leaf = kp.leaf_node.clone();
    update_leaf.leaf_node_source = LeafNodeSource::Update;
    vec![
        Proposal::Add(Add {
            key_package: kp.clone(),
        }),
        Proposal::Update(Update {
            leaf_node: update_leaf,
        }),
        Proposal::Remove(Remove { removed: 2 }),
        Proposal::PreSharedKey(PreSharedKey {
            psk: mls_keyschedule::PreSharedKeyID {
                psk: mls_keyschedule::Psk::External {
                    psk_id: b"psk".to_vec(),
                },
                psk_nonce: vec![3; 32],
            },
        }),
        Proposal::ReInit(ReInit {
            group_id: b"new".to_vec(),
            version: mls_types::ProtocolVersion::MLS10,
            cipher_suite: CipherSuite(2),
            extensions: vec![Extension::new(ExtensionType(0xff00), vec![1, 2])],
        }),
        Proposal::ExternalInit(ExternalInit {
            kem_output: vec![4; 32],
        }),
        Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![ApplicationId(b"app".to_vec())
                .to_extension()
                .expect("extension")],
        }),
    ]
}

/// A small ratchet tree extension: two leaves and their parent.
pub fn ratchet_tree(kp: &KeyPackage) -> RatchetTreeExtension {
    let mut parent = ParentNode::new(HpkePublicKey(vec![6; 32]));
    parent.unmerged_leaves.push(LeafIndex(1));
    let mut second = kp.leaf_node.clone();
    second.encryption_key = HpkePublicKey(vec![0x22; 32]);
    second.signature_key = SignaturePublicKey(vec![0x23; 32]);
    RatchetTreeExtension(vec![
        Some(Node::Leaf(kp.leaf_node.clone())),
        Some(Node::Parent(parent)),
        Some(Node::Leaf(second)),
    ])
}

/// A signed GroupInfo with extensions.
pub fn group_info(suite: &RustCryptoSuite, key: &Key, kp: &KeyPackage) -> GroupInfo {
    let mut gi = GroupInfo {
        group_context: context(suite),
        extensions: vec![
            ratchet_tree(kp).to_extension().expect("tree extension"),
            ExternalPub {
                external_pub: HpkePublicKey(vec![5; 32]),
            }
            .to_extension()
            .expect("external_pub"),
        ],
        confirmation_tag: vec![1; 32],
        signer: LeafIndex(0),
        signature: vec![],
    };
    gi.sign(suite, key).expect("sign");
    gi
}

/// One valid encoding of each MLSMessage kind, plus the inner structures.
pub struct Samples {
    pub messages: Vec<Vec<u8>>,
    pub key_package: Vec<u8>,
    pub welcome: Vec<u8>,
    pub group_info: Vec<u8>,
    pub proposals: Vec<Vec<u8>>,
    pub commit: Vec<u8>,
    pub ratchet_tree: Vec<u8>,
}

pub fn samples() -> Samples {
    use mls_codec::Encode;
    let suite = suite(1);
    let gc = context(&suite);
    let (key, _, kp) = key_package(&suite, 11);
    let commit = commit_with_path(&kp);
    let mut messages = Vec::new();

    let mut ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(
            &gc,
            Sender::Member(LeafIndex(0)),
            Content::Commit(commit.clone()),
        ),
        Some(&gc),
    )
    .expect("sign");
    ac.set_confirmation_tag(vec![2; 32]).expect("tag");
    let pm = PublicMessage::protect(&suite, ac, Some(&MEMBERSHIP_KEY), Some(&gc)).expect("protect");
    messages.push(MlsMessage::from(pm).to_bytes().expect("encode"));

    let ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PUBLIC_MESSAGE,
        framed(&gc, Sender::External(0), remove(1)),
        None,
    )
    .expect("sign");
    let pm = PublicMessage::protect(&suite, ac, None, None).expect("protect");
    messages.push(MlsMessage::from(pm).to_bytes().expect("encode"));

    let ac = AuthenticatedContent::sign(
        &suite,
        &key,
        WireFormat::PRIVATE_MESSAGE,
        framed(
            &gc,
            Sender::Member(LeafIndex(1)),
            Content::Application(b"hello".to_vec()),
        ),
        Some(&gc),
    )
    .expect("sign");
    let pm = PrivateMessage::protect(
        &suite,
        &ac,
        &mut secret_tree(&suite),
        &SENDER_DATA_SECRET,
        Padding::PadTo(16),
        &mut TestRng::new(5),
    )
    .expect("protect");
    messages.push(MlsMessage::from(pm).to_bytes().expect("encode"));

    let gi = group_info(&suite, &key, &kp);
    let joiner = JoinerSecret::new(&suite, Secret::from(vec![3; 32])).expect("joiner");
    let secrets = GroupSecrets {
        joiner_secret: joiner.as_bytes().to_vec(),
        path_secret: Some(PathSecret {
            path_secret: vec![4; 32],
        }),
        psks: vec![],
    };
    let welcome = Welcome::seal(
        &suite,
        &gi,
        &joiner,
        &PskSecret::zero(&suite),
        [(&kp, &secrets)],
        &mut TestRng::new(6),
    )
    .expect("welcome");
    let welcome_bytes = MlsMessage::from(welcome).to_bytes().expect("encode");
    let gi_bytes = MlsMessage::from(gi).to_bytes().expect("encode");
    let kp_bytes = MlsMessage::from(kp.clone()).to_bytes().expect("encode");
    messages.push(welcome_bytes.clone());
    messages.push(gi_bytes.clone());
    messages.push(kp_bytes.clone());

    Samples {
        messages,
        key_package: kp.to_bytes().expect("encode"),
        welcome: welcome_bytes,
        group_info: gi_bytes,
        proposals: all_proposals(&kp)
            .iter()
            .map(|p| p.to_bytes().expect("encode"))
            .collect(),
        commit: commit.to_bytes().expect("encode"),
        ratchet_tree: ratchet_tree(&kp).to_bytes().expect("encode"),
    }
}
