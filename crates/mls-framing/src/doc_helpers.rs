//! Helpers for the documentation examples; not part of the public API.

use alloc::vec;
use alloc::vec::Vec;
use mls_crypto::{Error, HpkeKeyPair, Rng};
use mls_treekem::{LeafNode, LeafNodeSource};
use mls_types::GroupContext;
use mls_types::{Capabilities, Credential, Lifetime};

pub use crate::*;
pub use mls_crypto::{CipherSuite, CipherSuiteProvider, Secret, SignaturePublicKey};
pub use mls_keyschedule::{JoinerSecret, PskSecret, SecretTree, SecretTreeConfig};
pub use mls_types::tree_math::LeafIndex;
pub use mls_types::ProtocolVersion;

/// A deterministic, insecure random source for examples.
#[derive(Debug, Clone)]
pub struct DocRng(pub u64);

impl Rng for DocRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        for b in dest {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (self.0 >> 33) as u8;
        }
        Ok(())
    }
}

/// A signature key pair derived from `seed`.
pub fn signer<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    seed: u64,
) -> (S::SigningKey, SignaturePublicKey) {
    let pair = suite
        .signature_generate(&mut DocRng(seed))
        .expect("signature key generation");
    let key = suite.signing_key(&pair.private).expect("signing key");
    (key, pair.public)
}

/// A signed KeyPackage for `suite`, with its signing key and init key pair.
pub fn key_package<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    seed: u64,
) -> (S::SigningKey, HpkeKeyPair, KeyPackage) {
    let (key, public) = signer(suite, seed);
    let mut rng = DocRng(seed.wrapping_add(1000));
    let init = suite.hpke_generate_key_pair(&mut rng).expect("init key");
    let enc = suite
        .hpke_generate_key_pair(&mut rng)
        .expect("encryption key");
    let mut leaf_node = LeafNode {
        encryption_key: enc.public,
        signature_key: public,
        credential: Credential::Basic(seed.to_be_bytes().to_vec()),
        capabilities: Capabilities {
            cipher_suites: vec![suite.cipher_suite()],
            ..Capabilities::default()
        },
        leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        }),
        extensions: Vec::new(),
        signature: Vec::new(),
    };
    leaf_node.sign(suite, &key, None).expect("leaf signature");
    let mut kp = KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: suite.cipher_suite(),
        init_key: init.public.clone(),
        leaf_node,
        extensions: Vec::new(),
        signature: Vec::new(),
    };
    kp.sign(suite, &key).expect("key package signature");
    (key, init, kp)
}

/// A GroupContext of `cipher_suite` for group `"group"` at epoch 3.
pub fn group_context(cipher_suite: CipherSuite) -> GroupContext {
    GroupContext::new(cipher_suite, b"group".to_vec(), 3, vec![1; 32], vec![2; 32])
}
