//! Typed bodies of the RFC 9420 extensions (§5.3.3, §12.1.8.1, §11.1,
//! §12.4.3.2, §12.4.3.3, §13) over the opaque [`Extension`].

use alloc::vec::Vec;
use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{HpkePublicKey, SignaturePublicKey};
use mls_treekem::Node;
use mls_types::{Credential, Extension, ExtensionType, RequiredCapabilities};

use crate::FramingError;

/// An extension body with a fixed type: parse it out of an [`Extension`]
/// and build one from it. Unknown extension types stay opaque
/// [`Extension`]s.
///
/// ```
/// use mls_framing::{find_extension, ApplicationId, ExtensionBody};
/// let ext = ApplicationId(b"app".to_vec()).to_extension().unwrap();
/// assert_eq!(ext.extension_data, [3, b'a', b'p', b'p']);
/// assert_eq!(ApplicationId::from_extension(&ext).unwrap().0, b"app");
/// assert_eq!(find_extension::<ApplicationId>(&[ext]).unwrap().unwrap().0, b"app");
/// ```
pub trait ExtensionBody: Encode + Decode {
    /// The extension type this body belongs to.
    const EXTENSION_TYPE: ExtensionType;

    /// Parses the body of `ext`, which must be of [`Self::EXTENSION_TYPE`]
    /// and hold exactly one encoded body.
    fn from_extension(ext: &Extension) -> Result<Self, FramingError> {
        if ext.extension_type != Self::EXTENSION_TYPE {
            return Err(FramingError::ExtensionTypeMismatch {
                expected: Self::EXTENSION_TYPE,
                got: ext.extension_type,
            });
        }
        Ok(decode_exact(&ext.extension_data)?)
    }

    /// The [`Extension`] carrying this body.
    fn to_extension(&self) -> Result<Extension, FramingError> {
        Ok(Extension::new(Self::EXTENSION_TYPE, self.to_bytes()?))
    }
}

/// Parses the extension of type `T` in `extensions`, if present (the first
/// one; see [`check_unique_extensions`]).
pub fn find_extension<T: ExtensionBody>(
    extensions: &[Extension],
) -> Result<Option<T>, FramingError> {
    extensions
        .iter()
        .find(|e| e.extension_type == T::EXTENSION_TYPE)
        .map(T::from_extension)
        .transpose()
}

/// `Err` if an extension type appears more than once (RFC 9420 §13.4).
pub fn check_unique_extensions(extensions: &[Extension]) -> Result<(), FramingError> {
    match mls_types::first_duplicate_extension(extensions) {
        Some(t) => Err(FramingError::DuplicateExtension(t)),
        None => Ok(()),
    }
}

/// `opaque application_id<V>` (RFC 9420 §5.3.3): a LeafNode extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ApplicationId(pub Vec<u8>);

impl ExtensionBody for ApplicationId {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::APPLICATION_ID;
}

/// `optional<Node> ratchet_tree<V>` (RFC 9420 §12.4.3.3): a GroupInfo
/// extension carrying the tree. Import it with
/// [`mls_treekem::RatchetTree::import`] on `extension_data`.
///
/// ```
/// use mls_framing::{ExtensionBody, RatchetTreeExtension};
/// use mls_treekem::{Node, RatchetTree};
/// let ext = RatchetTreeExtension(vec![Some(Node::Leaf(mls_test_support::treekem::leaf(1)))])
///     .to_extension()
///     .unwrap();
/// let tree = RatchetTree::from_extension_bytes(&ext.extension_data).unwrap();
/// assert_eq!(tree.n_leaves(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RatchetTreeExtension(pub Vec<Option<Node>>);

impl ExtensionBody for RatchetTreeExtension {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::RATCHET_TREE;
}

impl ExtensionBody for RequiredCapabilities {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::REQUIRED_CAPABILITIES;
}

/// `struct { HPKEPublicKey external_pub; } ExternalPub` (RFC 9420
/// §12.4.3.2): a GroupInfo extension for external commits.
///
/// ```
/// use mls_crypto::HpkePublicKey;
/// use mls_framing::{ExtensionBody, ExternalPub};
/// let ext = ExternalPub { external_pub: HpkePublicKey(vec![1, 2]) }.to_extension().unwrap();
/// assert_eq!(ext.extension_data, [2, 1, 2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ExternalPub {
    /// The public key of the epoch's `external_secret` (§8.3).
    pub external_pub: HpkePublicKey,
}

impl ExtensionBody for ExternalPub {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_PUB;
}

/// `struct { SignaturePublicKey signature_key; Credential credential; }
/// ExternalSender` (RFC 9420 §12.1.8.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ExternalSender {
    /// The key the sender's proposals are verified with.
    pub signature_key: SignaturePublicKey,
    /// The sender's credential.
    pub credential: Credential,
}

/// `ExternalSender external_senders<V>` (RFC 9420 §12.1.8.1): a
/// GroupContext extension listing who may send `external` proposals.
///
/// ```
/// use mls_crypto::SignaturePublicKey;
/// use mls_framing::{ExtensionBody, ExternalSender, ExternalSenders};
/// use mls_types::Credential;
/// let senders = ExternalSenders(vec![ExternalSender {
///     signature_key: SignaturePublicKey(vec![1; 32]),
///     credential: Credential::Basic(b"ds".to_vec()),
/// }]);
/// let ext = senders.to_extension().unwrap();
/// let back = ExternalSenders::from_extension(&ext).unwrap();
/// assert_eq!(back.signature_key(0), Some(&SignaturePublicKey(vec![1; 32])));
/// assert_eq!(back.signature_key(1), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ExternalSenders(pub Vec<ExternalSender>);

impl ExternalSenders {
    /// The signature key of `sender_index` (`Sender::External`), if listed.
    pub fn signature_key(&self, sender_index: u32) -> Option<&SignaturePublicKey> {
        let i = usize::try_from(sender_index).ok()?;
        self.0.get(i).map(|s| &s.signature_key)
    }
}

impl ExtensionBody for ExternalSenders {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_SENDERS;
}
