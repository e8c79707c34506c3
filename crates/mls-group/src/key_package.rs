//! KeyPackage creation and validation (RFC 9420 §10, §10.1).

use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, Rng};
use mls_framing::KeyPackage;
use mls_treekem::{
    validate_leaf_node, LeafNode, LeafNodeContext, LeafNodeSource, LeafValidationOptions,
};
use mls_types::{Capabilities, Extension, ExtensionType, Lifetime, ProtocolVersion};

use crate::{ClientIdentity, GroupError};

/// The `last_resort` KeyPackage extension type (MLS extensions registry):
/// a KeyPackage marked with it may be used more than once.
pub const LAST_RESORT: ExtensionType = ExtensionType(0x000a);

/// What to put into a new KeyPackage.
///
/// ```
/// use mls_group::KeyPackageOptions;
/// let options = KeyPackageOptions { last_resort: true, ..KeyPackageOptions::default() };
/// assert_eq!(options.lifetime.not_before, 0);
/// ```
#[derive(Debug, Clone)]
pub struct KeyPackageOptions {
    /// The leaf's capabilities. The suite of the KeyPackage is added to
    /// `cipher_suites` if missing.
    pub capabilities: Capabilities,
    /// The leaf's lifetime.
    pub lifetime: Lifetime,
    /// Extensions of the LeafNode.
    pub leaf_extensions: Vec<Extension>,
    /// Extensions of the KeyPackage itself.
    pub extensions: Vec<Extension>,
    /// Adds the `last_resort` extension (and declares support for it).
    pub last_resort: bool,
}

impl Default for KeyPackageOptions {
    fn default() -> Self {
        KeyPackageOptions {
            capabilities: Capabilities::default(),
            lifetime: Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
            leaf_extensions: Vec::new(),
            extensions: Vec::new(),
            last_resort: false,
        }
    }
}

/// A KeyPackage with its private keys. The private keys stay here until
/// the KeyPackage is used to join a group; then the caller drops the bundle
/// (unless it is a last-resort KeyPackage).
///
/// ```
/// use mls_group::{validate_key_package, CipherSuite, ClientIdentity, Credential, CryptoProvider};
/// use mls_group::{KeyPackageBundle, KeyPackageOptions, OsRng, RustCrypto};
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let bob = ClientIdentity::generate(&suite, Credential::Basic(b"bob".to_vec()), &mut OsRng).unwrap();
/// let bundle = KeyPackageBundle::create(&suite, &bob, KeyPackageOptions::default(), &mut OsRng).unwrap();
/// validate_key_package(&suite, bundle.key_package(), Some(1_700_000_000)).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct KeyPackageBundle {
    pub(crate) key_package: KeyPackage,
    pub(crate) init_private: HpkePrivateKey,
    pub(crate) encryption_private: HpkePrivateKey,
    pub(crate) identity: ClientIdentity,
}

impl KeyPackageBundle {
    /// Creates and signs a KeyPackage for `identity` in `suite`'s cipher suite.
    pub fn create<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        identity: &ClientIdentity,
        options: KeyPackageOptions,
        rng: &mut dyn Rng,
    ) -> Result<Self, GroupError> {
        let init = suite.hpke_generate_key_pair(rng)?;
        let enc = suite.hpke_generate_key_pair(rng)?;
        let mut capabilities = options.capabilities;
        if !capabilities.cipher_suites.contains(&suite.cipher_suite()) {
            capabilities.cipher_suites.push(suite.cipher_suite());
        }
        let mut extensions = options.extensions;
        if options.last_resort {
            if !capabilities.extensions.contains(&LAST_RESORT) {
                capabilities.extensions.push(LAST_RESORT);
            }
            extensions.push(Extension::new(LAST_RESORT, Vec::new()));
        }
        let signer = identity.signer(suite)?;
        let mut leaf = LeafNode {
            encryption_key: enc.public,
            signature_key: identity.signature_key().clone(),
            credential: identity.credential().clone(),
            capabilities,
            leaf_node_source: LeafNodeSource::KeyPackage(options.lifetime),
            extensions: options.leaf_extensions,
            signature: Vec::new(),
        };
        leaf.sign(suite, &signer, None)?;
        let mut key_package = KeyPackage {
            version: ProtocolVersion::MLS10,
            cipher_suite: suite.cipher_suite(),
            init_key: init.public,
            leaf_node: leaf,
            extensions,
            signature: Vec::new(),
        };
        key_package.sign(suite, &signer)?;
        Ok(KeyPackageBundle {
            key_package,
            init_private: init.private,
            encryption_private: enc.private,
            identity: identity.clone(),
        })
    }

    /// A bundle from parts held elsewhere (for example test vectors). The
    /// keys are checked against the KeyPackage.
    pub fn from_parts<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        key_package: KeyPackage,
        init_private: HpkePrivateKey,
        encryption_private: HpkePrivateKey,
        identity: ClientIdentity,
    ) -> Result<Self, GroupError> {
        if suite.hpke_public_key(&init_private)? != key_package.init_key {
            return Err(GroupError::InvalidArgument("init key does not match"));
        }
        if suite.hpke_public_key(&encryption_private)? != key_package.leaf_node.encryption_key {
            return Err(GroupError::InvalidArgument("encryption key does not match"));
        }
        if identity.signature_key() != &key_package.leaf_node.signature_key {
            return Err(GroupError::InvalidArgument("signature key does not match"));
        }
        Ok(KeyPackageBundle {
            key_package,
            init_private,
            encryption_private,
            identity,
        })
    }

    /// The public KeyPackage, to publish.
    pub fn key_package(&self) -> &KeyPackage {
        &self.key_package
    }

    /// Whether the KeyPackage is marked `last_resort`.
    pub fn is_last_resort(&self) -> bool {
        self.key_package
            .extensions
            .iter()
            .any(|e| e.extension_type == LAST_RESORT)
    }

    /// The private key of the KeyPackage's `init_key` (secret: it opens
    /// the Welcome's group secrets).
    pub fn init_private_key(&self) -> &HpkePrivateKey {
        &self.init_private
    }

    /// The private key of the leaf's `encryption_key` (secret).
    pub fn encryption_private_key(&self) -> &HpkePrivateKey {
        &self.encryption_private
    }

    /// The identity the KeyPackage belongs to.
    pub fn identity(&self) -> &ClientIdentity {
        &self.identity
    }
}

/// The group-independent checks of §10.1: version, cipher suite, signature,
/// the leaf node (§7.3, source `key_package`, lifetime if `now` is given),
/// and `init_key != encryption_key`. The group-dependent checks (required
/// capabilities, credential support, unique keys) are done when the Add is
/// validated.
pub fn validate_key_package<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    key_package: &KeyPackage,
    now: Option<u64>,
) -> Result<(), GroupError> {
    key_package.validate(suite, ProtocolVersion::MLS10, suite.cipher_suite())?;
    mls_framing::check_unique_extensions(&key_package.extensions)?;
    let options = match now {
        Some(t) => LeafValidationOptions::at(t),
        None => LeafValidationOptions::without_lifetime(),
    };
    validate_leaf_node(
        suite,
        &key_package.leaf_node,
        LeafNodeContext::KeyPackage,
        None,
        None,
        &options,
    )?;
    // Not checked: that the leaf's capabilities list the KeyPackage's own
    // suite. RFC 9420 does not require it of a receiver, and KeyPackages
    // without it exist in the wild (we list it in ours).
    Ok(())
}

/// [`validate_key_package`], then the application's authentication
/// service: `policy` asked about the leaf's credential at `now`
/// ([`crate::CredentialContext::KeyPackage`]) — what a Delivery Service
/// checks on a KeyPackage upload, or a client before adding it.
pub fn validate_key_package_with<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    key_package: &KeyPackage,
    now: Option<u64>,
    policy: &dyn crate::GroupPolicy,
) -> Result<(), GroupError> {
    validate_key_package(suite, key_package, now)?;
    crate::policy::Auth {
        policy,
        cipher_suite: key_package.cipher_suite,
        now,
    }
    .leaf(&key_package.leaf_node, crate::CredentialContext::KeyPackage)
}
