//! `KeyPackage` and `KeyPackageTBS` (RFC 9420 §10), `KeyPackageRef` (§5.2).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{labeled, CipherSuite, CipherSuiteProvider, HpkePublicKey};
use mls_treekem::{LeafNode, LeafNodeSource};
use mls_types::{Extension, ProtocolVersion};

use crate::FramingError;

/// The signature label of a KeyPackage (RFC 9420 §10).
const KEY_PACKAGE_TBS_LABEL: &[u8] = b"KeyPackageTBS";

/// `opaque HashReference<V>; HashReference KeyPackageRef;` (RFC 9420 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct KeyPackageRef(pub Vec<u8>);

/// `struct KeyPackage` (RFC 9420 §10): a client's offer to be added to a group.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let (_key, _init, kp) = key_package(&suite, 1);
/// kp.verify_signature(&suite).unwrap();
/// kp.validate(&suite, ProtocolVersion::MLS10, CipherSuite(1)).unwrap();
/// let r = kp.reference(&suite).unwrap();
/// assert_eq!(r.0.len(), 32);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct KeyPackage {
    /// `ProtocolVersion version`
    pub version: ProtocolVersion,
    /// `CipherSuite cipher_suite`
    pub cipher_suite: CipherSuite,
    /// `HPKEPublicKey init_key`: the key a Welcome is encrypted to.
    pub init_key: HpkePublicKey,
    /// `LeafNode leaf_node` (source `key_package`).
    pub leaf_node: LeafNode,
    /// `Extension extensions<V>`
    pub extensions: Vec<Extension>,
    /// `opaque signature<V>`: SignWithLabel(., "KeyPackageTBS", KeyPackageTBS).
    pub signature: Vec<u8>,
}

/// `struct KeyPackageTBS` (RFC 9420 §10): every KeyPackage field but the signature.
#[derive(Debug, Clone, Copy, Encode)]
pub struct KeyPackageTBS<'a> {
    /// `ProtocolVersion version`
    pub version: ProtocolVersion,
    /// `CipherSuite cipher_suite`
    pub cipher_suite: CipherSuite,
    /// `HPKEPublicKey init_key`
    pub init_key: &'a HpkePublicKey,
    /// `LeafNode leaf_node`
    pub leaf_node: &'a LeafNode,
    /// `Extension extensions<V>`
    pub extensions: &'a [Extension],
}

impl KeyPackage {
    /// The KeyPackageTBS view of this KeyPackage.
    pub fn tbs(&self) -> KeyPackageTBS<'_> {
        KeyPackageTBS {
            version: self.version,
            cipher_suite: self.cipher_suite,
            init_key: &self.init_key,
            leaf_node: &self.leaf_node,
            extensions: &self.extensions,
        }
    }

    /// Sets `signature` to SignWithLabel(key, "KeyPackageTBS", KeyPackageTBS).
    pub fn sign<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        key: &S::SigningKey,
    ) -> Result<(), FramingError> {
        let tbs = self.tbs().to_bytes()?;
        self.signature = labeled::sign_with_label(suite, key, KEY_PACKAGE_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Verifies `signature` with `leaf_node.signature_key`.
    pub fn verify_signature<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<(), FramingError> {
        let tbs = self.tbs().to_bytes()?;
        labeled::verify_with_label(
            suite,
            &self.leaf_node.signature_key,
            KEY_PACKAGE_TBS_LABEL,
            &tbs,
            &self.signature,
        )
        .map_err(|_| FramingError::InvalidSignature)
    }

    /// `MakeKeyPackageRef(KeyPackage)` (RFC 9420 §5.2).
    pub fn reference<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<KeyPackageRef, FramingError> {
        let bytes = self.to_bytes()?;
        Ok(KeyPackageRef(labeled::key_package_ref(suite, &bytes)?))
    }

    /// The checks of RFC 9420 §10.1 this crate can make: version and cipher
    /// suite as expected (and `suite` is that suite), leaf source
    /// `key_package`, the signature, `init_key` a valid HPKE public key of
    /// the suite ([`FramingError::InvalidInitKey`]: for X25519/X448 not a
    /// low-order encoding) and distinct from the leaf's `encryption_key`.
    /// Leaf node validation (§7.3, the leaf's `encryption_key` included) is
    /// [`mls_treekem::validate_leaf_node`]'s.
    pub fn validate<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        version: ProtocolVersion,
        cipher_suite: CipherSuite,
    ) -> Result<(), FramingError> {
        if self.version != version {
            return Err(FramingError::KeyPackageVersionMismatch {
                expected: version,
                got: self.version,
            });
        }
        for got in [self.cipher_suite, suite.cipher_suite()] {
            if got != cipher_suite {
                return Err(FramingError::CipherSuiteMismatch {
                    expected: cipher_suite,
                    got,
                });
            }
        }
        if !matches!(
            self.leaf_node.leaf_node_source,
            LeafNodeSource::KeyPackage(_)
        ) {
            return Err(FramingError::KeyPackageLeafSourceNotKeyPackage);
        }
        self.verify_signature(suite)?;
        suite
            .hpke_validate_public_key(&self.init_key)
            .map_err(|_| FramingError::InvalidInitKey)?;
        if self.init_key == self.leaf_node.encryption_key {
            return Err(FramingError::InitKeyEqualsEncryptionKey);
        }
        Ok(())
    }
}
