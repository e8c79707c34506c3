//! Indexes of the HPKE and signature public keys in a tree, so that the
//! uniqueness checks of RFC 9420 §7.3 and §12.4.2 cost O(log N).
//!
//! Each key is indexed by a 64-bit SipHash-2-4 of the whole key, with the
//! node holding it: the index keeps no copy of the keys (16 bytes an
//! entry, as with the key prefixes it replaced), and candidates sharing a
//! hash are told apart by comparing the keys in the tree itself. Keys with
//! a long common prefix land in unrelated buckets; a bucket of k keys
//! needs a k-way collision of the hash, about 2^(64 (k-1)/k) evaluations,
//! so buckets stay at one or two entries whatever the keys. (Bucketing by
//! the first eight bytes let a received tree of 65,536 keys sharing them
//! cost 2^31 key comparisons while it was decoded.)

use alloc::boxed::Box;
use alloc::collections::BTreeSet;

use super::slot::Slot;
use crate::{Node, TreeError};

/// The SipHash key: fixed, so that the index is deterministic. The hash
/// does not need to be secret, only free of cheap multi-collisions.
const SIP_KEY: (u64, u64) = (0x6d6c_732d_7472_6565, 0x6b65_792d_696e_6478);

/// SipHash-2-4 (Aumasson and Bernstein, 2012) of `data` under `key`.
fn siphash24(key: (u64, u64), data: &[u8]) -> u64 {
    let mut v = [
        key.0 ^ 0x736f_6d65_7073_6575,
        key.1 ^ 0x646f_7261_6e64_6f6d,
        key.0 ^ 0x6c79_6765_6e65_7261,
        key.1 ^ 0x7465_6462_7974_6573,
    ];
    fn round(v: &mut [u64; 4]) {
        let [v0, v1, v2, v3] = v;
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    }
    let mut compress = |m: u64| {
        v[3] ^= m;
        round(&mut v);
        round(&mut v);
        v[0] ^= m;
    };
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut block = [0u8; 8];
        block.copy_from_slice(chunk);
        compress(u64::from_le_bytes(block));
    }
    // The last block: the remaining bytes and the length mod 256 on top.
    let mut block = [0u8; 8];
    for (dst, src) in block.iter_mut().zip(chunks.remainder()) {
        *dst = *src;
    }
    block[7] = data.len() as u8;
    compress(u64::from_le_bytes(block));
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// The index position of a key: the hash of the whole key.
fn hash(key: &[u8]) -> u64 {
    siphash24(SIP_KEY, key)
}

/// Where each public key of the tree sits: (key hash, node index) pairs.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    /// HPKE public keys, of leaves and parents.
    encryption: BTreeSet<(u64, u32)>,
    /// Signature public keys, of leaves (node indices).
    signature: BTreeSet<(u64, u32)>,
    /// Full-key comparisons made (tests: the work a lookup costs).
    #[cfg(test)]
    pub(crate) comparisons: core::cell::Cell<u64>,
}

impl KeyIndex {
    /// Counts one full-key comparison (tests only).
    fn compared(&self) {
        #[cfg(test)]
        self.comparisons.set(self.comparisons.get() + 1);
    }
}

/// The first node of `set` whose key (per `key_of`) is `key`, other than
/// `except`.
fn find(
    index: &KeyIndex,
    set: &BTreeSet<(u64, u32)>,
    key: &[u8],
    nodes: &[Option<Box<Slot>>],
    key_of: fn(&Node) -> Option<&[u8]>,
    except: Option<u32>,
) -> Option<u32> {
    let h = hash(key);
    set.range((h, 0)..=(h, u32::MAX))
        .map(|(_, at)| *at)
        .filter(|at| Some(*at) != except)
        .find(|at| {
            index.compared();
            nodes
                .get(*at as usize)
                .and_then(|n| n.as_deref())
                .and_then(Slot::node)
                .and_then(key_of)
                .is_some_and(|k| k == key)
        })
}

fn encryption_key_of(node: &Node) -> Option<&[u8]> {
    Some(&node.encryption_key().0)
}

fn signature_key_of(node: &Node) -> Option<&[u8]> {
    node.as_leaf().map(|l| l.signature_key.0.as_slice())
}

impl KeyIndex {
    /// The node of `nodes` (the tree's) holding HPKE key `key`, if any.
    pub(crate) fn encryption_key_node(
        &self,
        key: &[u8],
        nodes: &[Option<Box<Slot>>],
    ) -> Option<u32> {
        find(self, &self.encryption, key, nodes, encryption_key_of, None)
    }

    /// The node (leaf) of `nodes` holding signature key `key`, if any.
    pub(crate) fn signature_key_node(
        &self,
        key: &[u8],
        nodes: &[Option<Box<Slot>>],
    ) -> Option<u32> {
        find(self, &self.signature, key, nodes, signature_key_of, None)
    }

    /// Fails if `node`'s keys already sit at another node than `at`.
    pub(crate) fn check(
        &self,
        at: u32,
        node: &Node,
        nodes: &[Option<Box<Slot>>],
    ) -> Result<(), TreeError> {
        let elsewhere =
            |set: &BTreeSet<(u64, u32)>, key: &[u8], key_of: fn(&Node) -> Option<&[u8]>| {
                find(self, set, key, nodes, key_of, Some(at)).is_some()
            };
        if elsewhere(
            &self.encryption,
            &node.encryption_key().0,
            encryption_key_of,
        ) {
            return Err(TreeError::DuplicateEncryptionKey { node: Some(at) });
        }
        if let Node::Leaf(leaf) = node {
            if elsewhere(&self.signature, &leaf.signature_key.0, signature_key_of) {
                return Err(TreeError::DuplicateSignatureKey { leaf: Some(at / 2) });
            }
        }
        Ok(())
    }

    /// Records `node`'s keys at `at`.
    pub(crate) fn insert(&mut self, at: u32, node: &Node) {
        self.encryption.insert((hash(&node.encryption_key().0), at));
        if let Node::Leaf(leaf) = node {
            self.signature.insert((hash(&leaf.signature_key.0), at));
        }
    }

    /// Forgets `node`'s keys, recorded at `at`.
    pub(crate) fn remove(&mut self, at: u32, node: &Node) {
        self.encryption
            .remove(&(hash(&node.encryption_key().0), at));
        if let Node::Leaf(leaf) = node {
            self.signature.remove(&(hash(&leaf.signature_key.0), at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::tests::leaf;
    use crate::tree::RatchetTree;
    use alloc::vec::Vec;

    /// The test vector of the SipHash paper (Appendix A): key 00..0f,
    /// message 00..0e; and the empty message.
    #[test]
    fn siphash_test_vectors() {
        let key = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908);
        let message: Vec<u8> = (0u8..15).collect();
        assert_eq!(siphash24(key, &message), 0xa129_ca61_49be_45e5);
        assert_eq!(siphash24(key, &[]), 0x726f_db47_dd0e_0e31);
    }

    /// A leaf whose keys are 40 bytes sharing their first 32 (and the
    /// old eight-byte bucket), distinct in the last ones.
    fn colliding_leaf(i: u32) -> Node {
        let mut l = leaf(0);
        let key = |tag: u8| {
            let mut k = alloc::vec![tag; 32];
            k.extend_from_slice(&u64::from(i).to_be_bytes());
            k
        };
        l.encryption_key.0 = key(0xaa);
        l.signature_key.0 = key(0xbb);
        Node::Leaf(l)
    }

    /// The regression of item 2: a tree of N leaves whose keys share a
    /// prefix took N^2/2 full-key comparisons to build (its uniqueness
    /// checks scanned one bucket); now about one per key and lookup.
    #[test]
    fn item2_key_prefix_collisions_cost_is_linear() {
        const N: u32 = 1 << 12;
        let nodes: Vec<Option<Node>> = (0..2 * N - 1)
            .map(|x| x.is_multiple_of(2).then(|| colliding_leaf(x / 2)))
            .collect();
        let tree = RatchetTree::from_nodes(nodes).unwrap();
        let built = tree.keys.comparisons.get();
        // The old index: 2 * N^2 / 2 = 16.7 million here.
        assert!(built <= 4 * u64::from(N), "{built} comparisons");
        for i in 0..N {
            let Some(Node::Leaf(l)) = tree.node(crate::tree_math::NodeIndex(2 * i)) else {
                panic!("leaf {i}");
            };
            assert_eq!(
                tree.leaf_with_signature_key(&l.signature_key.0),
                Some(crate::tree_math::LeafIndex(i))
            );
            assert_eq!(
                tree.node_with_encryption_key(&l.encryption_key),
                Some(crate::tree_math::NodeIndex(2 * i))
            );
        }
        let looked_up = tree.keys.comparisons.get() - built;
        assert!(looked_up <= 4 * u64::from(N), "{looked_up} comparisons");
        // Absent keys with the same prefix cost no comparison of keys.
        let before = tree.keys.comparisons.get();
        let Node::Leaf(absent) = colliding_leaf(N) else {
            unreachable!()
        };
        assert_eq!(tree.leaf_with_signature_key(&absent.signature_key.0), None);
        assert!(tree.keys.comparisons.get() - before <= 2);
        // A duplicate is still found.
        let dup: Vec<Option<Node>> =
            alloc::vec![Some(colliding_leaf(7)), None, Some(colliding_leaf(7)),];
        assert!(matches!(
            RatchetTree::from_nodes(dup),
            Err(TreeError::DuplicateEncryptionKey { node: Some(2) })
        ));
    }

    /// Equal hashes of different keys (forced here by indexing a key
    /// under another's hash) are told apart by comparing the keys.
    #[test]
    fn a_hash_collision_is_not_a_match() {
        let mut index = KeyIndex::default();
        let a = colliding_leaf(1);
        let b = colliding_leaf(2);
        let nodes: Vec<Option<Box<Slot>>> = alloc::vec![
            Some(Slot::new(Box::new(a.clone()))),
            None,
            Some(Slot::new(Box::new(b.clone())))
        ];
        // Node 2 recorded in the bucket of node 0's key.
        index.encryption.insert((hash(&a.encryption_key().0), 2));
        assert_eq!(
            index.encryption_key_node(&a.encryption_key().0, &nodes),
            None
        );
        index.insert(0, &a);
        assert_eq!(
            index.encryption_key_node(&a.encryption_key().0, &nodes),
            Some(0)
        );
        assert!(index.check(2, &b, &nodes).is_ok());
        assert!(index.check(2, &a, &nodes).is_err());
    }
}
