//! [`VerifierCache`]: each member's signature key as the provider prepared
//! it for verification ([`CipherSuiteProvider::verifying_key`]), so that a
//! member's messages do not decode and check its key again each time.
//! Not state: never persisted, rebuilt as messages arrive.

use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, SignaturePublicKey, VerificationKey};
use mls_types::tree_math::LeafIndex;

/// Per leaf, the key it was prepared from and the prepared key. An entry
/// is used only while the leaf's key is byte-for-byte the one it was
/// prepared from, so nothing needs invalidating when the tree changes;
/// the table never grows past the tree's leaf count at the time of use.
pub(crate) struct VerifierCache<S: CipherSuiteProvider> {
    entries: Vec<Option<(SignaturePublicKey, S::VerifyingKey)>>,
}

impl<S: CipherSuiteProvider> Default for VerifierCache<S> {
    fn default() -> Self {
        VerifierCache {
            entries: Vec::new(),
        }
    }
}

impl<S: CipherSuiteProvider> VerifierCache<S> {
    /// The verification key of `leaf`, whose signature key is `key`, in a
    /// tree of `leaf_count` leaves: prepared (once per key) if the
    /// provider accepts the key, else the key itself, so that verifying
    /// with it fails exactly as [`CipherSuiteProvider::verify_parts`]
    /// would.
    pub(crate) fn get<'a>(
        &'a mut self,
        suite: &S,
        leaf: LeafIndex,
        leaf_count: u32,
        key: &'a SignaturePublicKey,
    ) -> VerificationKey<'a, S> {
        let Ok(index) = usize::try_from(leaf.0) else {
            return VerificationKey::Public(key);
        };
        let bound = usize::try_from(leaf_count).unwrap_or(usize::MAX);
        if index >= bound {
            return VerificationKey::Public(key);
        }
        self.entries.truncate(bound);
        if self.entries.len() <= index {
            self.entries.resize_with(index + 1, || None);
        }
        let Some(slot) = self.entries.get_mut(index) else {
            return VerificationKey::Public(key);
        };
        let fresh = !matches!(slot, Some((k, _)) if k == key);
        if fresh {
            *slot = match suite.verifying_key(key) {
                Ok(prepared) => Some((key.clone(), prepared)),
                Err(_) => None,
            };
        }
        match slot {
            Some((_, prepared)) => VerificationKey::Prepared(prepared),
            None => VerificationKey::Public(key),
        }
    }
}
