//! Shared helpers: members with real keys, commits (randomness from
//! `mls_test_support::TestRng`).
#![allow(dead_code)]

use mls_codec::Encode;
use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey};
use mls_rustcrypto::{RustCrypto, RustCryptoSigningKey, RustCryptoSuite};
pub use mls_test_support::TestRng;
use mls_treekem::{LeafNode, LeafNodeSource, RatchetTree, TreePrivateKeys};
use mls_types::tree_math::LeafIndex;
use mls_types::{Capabilities, Credential, Lifetime};

pub fn suite(id: u16) -> RustCryptoSuite {
    RustCrypto
        .cipher_suite_provider(CipherSuite(id))
        .expect("suite built")
}

pub const GROUP_ID: &[u8] = b"test group";

/// A client: its KeyPackage leaf and private keys.
pub struct Client {
    pub leaf: LeafNode,
    pub hpke_private: HpkePrivateKey,
    pub signing_key: RustCryptoSigningKey,
}

/// A client whose KeyPackage leaf has `lifetime`.
pub fn client_with_lifetime(
    cs: &RustCryptoSuite,
    rng: &mut TestRng,
    id: u32,
    lifetime: Lifetime,
) -> Client {
    let sig = cs.signature_generate(rng).unwrap();
    let signing_key = cs.signing_key(&sig.private).unwrap();
    let hpke = cs.hpke_generate_key_pair(rng).unwrap();
    let mut leaf = LeafNode {
        encryption_key: hpke.public,
        signature_key: sig.public,
        credential: Credential::Basic(id.to_be_bytes().to_vec()),
        capabilities: Capabilities {
            cipher_suites: vec![cs.cipher_suite()],
            ..Capabilities::default()
        },
        leaf_node_source: LeafNodeSource::KeyPackage(lifetime),
        extensions: vec![],
        signature: vec![],
    };
    leaf.sign(cs, &signing_key, None).unwrap();
    Client {
        leaf,
        hpke_private: hpke.private,
        signing_key,
    }
}

pub fn client(cs: &RustCryptoSuite, rng: &mut TestRng, id: u32) -> Client {
    client_with_lifetime(
        cs,
        rng,
        id,
        Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        },
    )
}

/// A member of a simulated group.
pub struct Member {
    pub signing_key: RustCryptoSigningKey,
    pub keys: TreePrivateKeys,
}

/// A group simulation: one shared tree (all members agree) and each member's keys.
pub struct Group {
    pub cs: RustCryptoSuite,
    pub tree: RatchetTree,
    pub members: Vec<Option<Member>>,
    pub rng: TestRng,
    pub epoch: u64,
}

pub fn group_context(cs: &RustCryptoSuite, epoch: u64, tree_hash: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    1u16.encode(&mut out).unwrap();
    cs.cipher_suite().0.encode(&mut out).unwrap();
    GROUP_ID.encode(&mut out).unwrap();
    epoch.encode(&mut out).unwrap();
    tree_hash.encode(&mut out).unwrap();
    Vec::<u8>::new().encode(&mut out).unwrap();
    Vec::<u8>::new().encode(&mut out).unwrap();
    out
}

impl Group {
    pub fn new(suite_id: u16, seed: u64) -> Self {
        let cs = suite(suite_id);
        let mut rng = TestRng::new(seed);
        let c = client(&cs, &mut rng, 0);
        let keys =
            TreePrivateKeys::new(LeafIndex(0), c.leaf.encryption_key.clone(), c.hpke_private);
        let tree = RatchetTree::new(c.leaf);
        Group {
            cs,
            tree,
            members: vec![Some(Member {
                signing_key: c.signing_key,
                keys,
            })],
            rng,
            epoch: 0,
        }
    }

    /// Adds `n` new clients (without a commit); returns their leaves.
    pub fn add(&mut self, n: u32) -> Vec<LeafIndex> {
        let mut added = Vec::new();
        for _ in 0..n {
            let id = self.members.len() as u32 + 1000;
            let c = client(&self.cs, &mut self.rng, id);
            let public = c.leaf.encryption_key.clone();
            let leaf = self.tree.add_leaf(c.leaf).unwrap();
            let keys = TreePrivateKeys::new(leaf, public, c.hpke_private);
            let slot = leaf.0 as usize;
            if self.members.len() <= slot {
                self.members.resize_with(slot + 1, || None);
            }
            self.members[slot] = Some(Member {
                signing_key: c.signing_key,
                keys,
            });
            added.push(leaf);
        }
        added
    }

    pub fn remove(&mut self, leaf: LeafIndex) {
        self.tree.remove_leaf(leaf).unwrap();
        self.members[leaf.0 as usize] = None;
    }

    /// `sender` commits with an UpdatePath; `new_members` (just added) join
    /// through the Welcome path secret; every other member processes the
    /// path. Returns the commit secret all agree on.
    pub fn commit(&mut self, sender: LeafIndex, new_members: &[LeafIndex]) -> Vec<u8> {
        self.epoch += 1;
        let before = self.tree.clone();
        let member = self.members[sender.0 as usize].as_ref().unwrap();
        let template = self.tree.leaf(sender).unwrap().clone();
        let pending = self
            .tree
            .prepare_update_path(
                &self.cs,
                sender,
                template,
                &member.signing_key,
                GROUP_ID,
                &mut self.rng,
            )
            .unwrap();
        let tree_hash = self.tree.tree_hash(&self.cs).unwrap();
        let gc = group_context(&self.cs, self.epoch, &tree_hash);
        let (path, secrets) = pending
            .encrypt(&self.cs, &self.tree, &gc, new_members, &mut self.rng)
            .unwrap();
        let commit_secret = secrets.commit_secret.as_bytes().to_vec();

        let mut theirs = before;
        let merged = theirs
            .merge_update_path(&self.cs, sender, &path, GROUP_ID, new_members)
            .unwrap();
        assert_eq!(theirs.tree_hash(&self.cs).unwrap(), tree_hash);
        for (i, m) in self.members.iter_mut().enumerate() {
            let Some(m) = m else { continue };
            let leaf = LeafIndex(i as u32);
            if leaf == sender {
                m.keys = secrets.private_keys.clone();
            } else if new_members.contains(&leaf) {
                let (node, secret) = secrets.path_secret_for(leaf).unwrap();
                m.keys.prune(&self.tree);
                m.keys
                    .set_path_secret(&self.cs, &self.tree, node, secret)
                    .unwrap();
            } else {
                let got = merged
                    .decrypt(&self.cs, &theirs, &path, &mut m.keys, &gc)
                    .unwrap();
                assert_eq!(got.commit_secret.as_bytes(), &commit_secret[..], "leaf {i}");
            }
        }
        commit_secret
    }
}
