//! The incremental bookkeeping (resolution lengths, capability counts, node
//! encodings, taken changes) against direct recomputation, over random
//! sequences of tree operations.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuite, CryptoProvider, HpkePublicKey};
use mls_rustcrypto::RustCrypto;

use super::*;
use crate::{CredentialType, ExtensionType, ProposalType};

pub(super) struct Xs(pub(super) u64);

impl Xs {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A leaf with unique keys (from `id`) and capabilities that vary with it.
pub(super) fn leaf(id: u32) -> LeafNode {
    let mut l = super::tests::leaf(0);
    l.encryption_key = HpkePublicKey(id.to_be_bytes().repeat(8));
    l.signature_key = mls_crypto::SignaturePublicKey(id.to_be_bytes().repeat(8));
    if id.is_multiple_of(3) {
        l.capabilities.credentials.push(CredentialType::X509);
        l.capabilities.extensions.push(ExtensionType(0xff01));
    }
    if id.is_multiple_of(5) {
        l.credential = crate::Credential::X509(alloc::vec![]);
        l.capabilities.credentials = alloc::vec![CredentialType::X509, CredentialType::X509];
        l.capabilities.proposals.push(ProposalType(0xff02));
    }
    l
}

fn parent(id: u32) -> Node {
    Node::Parent(ParentNode::new(HpkePublicKey(
        (id | 0x8000_0000).to_be_bytes().repeat(8),
    )))
}

/// One random change: add, update or remove a leaf, or set a random direct
/// path (as a commit does).
pub(super) fn random_op(tree: &mut RatchetTree, rng: &mut Xs, next_id: &mut u32) {
    *next_id += 1;
    let id = *next_id;
    let members: Vec<LeafIndex> = tree.members().map(|(i, _)| i).collect();
    let pick = |rng: &mut Xs| members[rng.below(members.len() as u64) as usize];
    match rng.below(4) {
        0 => {
            tree.add_leaf(leaf(id)).unwrap();
        }
        1 if members.len() > 1 => {
            tree.remove_leaf(pick(rng)).unwrap();
        }
        2 => {
            tree.update_leaf(pick(rng), leaf(id)).unwrap();
        }
        _ => {
            let sender = pick(rng);
            let fdp = tree.filtered_direct_path(sender);
            tree.blank_direct_path_except(sender, &fdp);
            for (k, &(p, _)) in fdp.iter().enumerate() {
                tree.set_node(p, Some(parent(id * 64 + k as u32))).unwrap();
            }
            tree.set_node(sender.node(), Some(Node::Leaf(leaf(id))))
                .unwrap();
        }
    }
}

pub(super) fn check_bookkeeping(tree: &RatchetTree) {
    let n = tree.n_nodes();
    for x in 0..n {
        let x = NodeIndex(x);
        let full = tree.resolution(x);
        assert_eq!(
            tree.resolution_len(x),
            full.len(),
            "resolution length of {x:?}"
        );
    }
    let members: Vec<&LeafNode> = tree.members().map(|(_, l)| l).collect();
    for t in [
        CredentialType::BASIC,
        CredentialType::X509,
        CredentialType(7),
    ] {
        let supporting = members
            .iter()
            .filter(|l| l.capabilities.supports_credential(t))
            .count();
        assert_eq!(tree.members_supporting_credential(t) as usize, supporting);
        let using = members
            .iter()
            .filter(|l| l.credential.credential_type() == t)
            .count();
        let got = tree
            .credential_types_in_use()
            .find(|(u, _)| *u == t)
            .map_or(0, |(_, c)| c);
        assert_eq!(got as usize, using);
    }
    for t in [ExtensionType(0xff01), ExtensionType::APPLICATION_ID] {
        let s = members
            .iter()
            .filter(|l| l.capabilities.supports_extension(t))
            .count();
        assert_eq!(tree.members_supporting_extension(t) as usize, s);
    }
    for t in [ProposalType(0xff02), ProposalType(0x0001)] {
        let s = members
            .iter()
            .filter(|l| l.capabilities.supports_proposal(t))
            .count();
        assert_eq!(tree.members_supporting_proposal(t) as usize, s);
    }
}

#[test]
fn incremental_bookkeeping_matches_recomputation() {
    let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut rng = Xs(0x2545_f491_4f6c_dd1d);
    let mut id = 1;
    let mut tree = RatchetTree::new(leaf(1));
    for step in 0..300 {
        random_op(&mut tree, &mut rng, &mut id);
        check_bookkeeping(&tree);
        if step % 7 == 0 {
            // Node encodings kept by the hash computation, or not.
            tree.tree_hash(&cs).unwrap();
        }
        if step % 5 == 0 {
            // Nodes kept encoded only, decoded again on use.
            tree.compact();
            assert_eq!(tree.decoded_node_count(), 0);
        }
        let end = tree
            .nodes
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1);
        let direct = tree
            .nodes()
            .take(end)
            .map(|n| n.cloned())
            .collect::<Vec<Option<Node>>>()
            .to_bytes()
            .unwrap();
        assert!(
            tree.encode_nodes(end).unwrap() == direct,
            "encoding at step {step}"
        );
    }
}

/// A tree decoded from its nodes (the received vector reused, nodes put
/// back in array order) has the bookkeeping of one built by operations.
#[test]
fn decoded_trees_match_recomputation() {
    let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut rng = Xs(0x2545_f491_4f6c_dd1d);
    for round in 0..40 {
        let mut tree = RatchetTree::new(leaf(0));
        let mut next_id = 0;
        for _ in 0..(5 + round * 3) {
            random_op(&mut tree, &mut rng, &mut next_id);
        }
        let bytes = tree.to_extension_bytes().unwrap();
        let mut decoded = RatchetTree::from_extension_bytes(&bytes).unwrap();
        check_bookkeeping(&decoded);
        assert_eq!(decoded.counts, tree.counts);
        assert_eq!(decoded.res_len, tree.res_len);
        assert_eq!(
            decoded.tree_hash(&cs).unwrap(),
            tree.tree_hash(&cs).unwrap()
        );
        assert_eq!(decoded.to_extension_bytes().unwrap(), bytes);
    }
}

#[test]
fn recipient_count_and_slot_match_the_resolution() {
    let mut rng = Xs(0x9e37_79b9_7f4a_7c15);
    let mut id = 1;
    let mut tree = RatchetTree::new(leaf(1));
    for _ in 0..200 {
        random_op(&mut tree, &mut rng, &mut id);
        // The members a commit adds before its path is checked.
        let mut new = Vec::new();
        for _ in 0..rng.below(3) {
            id += 1;
            new.push(tree.add_leaf(leaf(id)).unwrap());
        }
        new.sort_unstable();
        let members: Vec<LeafIndex> = tree.members().map(|(i, _)| i).collect();
        for &me in &members {
            if new.contains(&me) {
                continue;
            }
            // The nodes "we" hold keys for: our leaf and some ancestors.
            let mut ours = alloc::vec![me.node()];
            let mut cur = me.node();
            while let Some(p) = tree_math::parent(cur, tree.n_leaves()) {
                if rng.below(2) == 0 {
                    ours.push(p);
                }
                cur = p;
            }
            // Every copath node a sender on the other side encrypts to
            // that holds `me`: `me`'s leaf and its ancestors below the root.
            let mut cur = me.node();
            while let Some(p) = tree_math::parent(cur, tree.n_leaves()) {
                let expected = crate::treekem::recipients(&tree, cur, &new);
                assert_eq!(tree.recipient_count(cur, &new), expected.len());
                let slow = expected
                    .iter()
                    .enumerate()
                    .find(|(_, t)| ours.contains(t))
                    .map(|(i, t)| (i, *t));
                let fast = tree.recipient_slot(cur, me, &new, |t| ours.contains(&t));
                assert_eq!(fast, slow, "slot under {cur:?} for {me:?}");
                cur = p;
            }
        }
    }
}

#[test]
fn taken_changes_reapply_to_the_same_tree() {
    let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut rng = Xs(0x1234_5678_9abc_def1);
    let mut id = 1;
    let mut tree = RatchetTree::new(leaf(1));
    for _ in 0..40 {
        random_op(&mut tree, &mut rng, &mut id);
    }
    for round in 0..60 {
        let before_bytes = tree.to_extension_bytes().unwrap();
        let before_hash = tree.tree_hash(&cs).unwrap();
        tree.begin_changes();
        for _ in 0..1 + rng.below(4) {
            random_op(&mut tree, &mut rng, &mut id);
        }
        let after_bytes = tree.to_extension_bytes().unwrap();
        if round % 2 == 0 {
            tree.tree_hash(&cs).unwrap();
        }
        let changes = tree.take_changes();
        assert!(
            tree.to_extension_bytes().unwrap() == before_bytes,
            "rolled back"
        );
        assert!(tree.tree_hash(&cs).unwrap() == before_hash);
        tree.apply_changes(changes).unwrap();
        assert!(
            tree.to_extension_bytes().unwrap() == after_bytes,
            "round {round}"
        );
        check_bookkeeping(&tree);
        // The restored hashes agree with a full recomputation.
        let mut fresh =
            RatchetTree::from_nodes(tree.nodes().map(|n| n.cloned()).collect::<Vec<_>>()).unwrap();
        assert!(tree.tree_hash(&cs).unwrap() == fresh.tree_hash(&cs).unwrap());
    }
    // Changes taken from a tree of another size do not apply.
    tree.begin_changes();
    tree.add_leaf(leaf(1_000_000)).unwrap();
    let changes = tree.take_changes();
    while tree.leftmost_blank_leaf().is_some() {
        id += 1;
        tree.add_leaf(leaf(id)).unwrap();
    }
    tree.add_leaf(leaf(id + 1)).unwrap();
    assert_eq!(
        tree.apply_changes(changes),
        Err(TreeError::ChangesDoNotApply)
    );
}

#[test]
fn keys_sharing_a_prefix_are_told_apart() {
    let shared = |i: u8| {
        let mut l = leaf(u32::from(i) + 100);
        l.encryption_key = HpkePublicKey([[7u8; 8].as_slice(), &[i; 24]].concat());
        l.signature_key = mls_crypto::SignaturePublicKey([[9u8; 8].as_slice(), &[i; 24]].concat());
        l
    };
    let mut tree = RatchetTree::new(shared(1));
    for i in 2..6 {
        tree.add_leaf(shared(i)).unwrap();
    }
    for i in 1..6u8 {
        let l = shared(i);
        let at = LeafIndex(u32::from(i) - 1);
        assert_eq!(tree.leaf_with_signature_key(&l.signature_key.0), Some(at));
        assert_eq!(
            tree.node_with_encryption_key(&l.encryption_key),
            Some(at.node())
        );
    }
    assert_eq!(
        tree.node_with_encryption_key(&shared(9).encryption_key),
        None
    );
    assert!(matches!(
        tree.add_leaf(shared(3)),
        Err(TreeError::DuplicateEncryptionKey { .. })
    ));
    tree.remove_leaf(LeafIndex(2)).unwrap();
    assert_eq!(
        tree.node_with_encryption_key(&shared(3).encryption_key),
        None
    );
    assert_eq!(
        tree.leaf_with_signature_key(&shared(4).signature_key.0),
        Some(LeafIndex(3))
    );
    // Its keys are free again.
    assert_eq!(tree.add_leaf(shared(3)).unwrap(), LeafIndex(2));
}
