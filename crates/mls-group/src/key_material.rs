//! Key material that must survive a restart: an identity, and a published
//! KeyPackage's private keys until a Welcome uses them (RFC 9750 §5.1),
//! as versioned bytes in buffers zeroized on drop.

use alloc::vec::Vec;
use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey};
use mls_framing::{KeyPackage, KeyPackageRef, MlsMessage, MlsMessageBody, Welcome};
use zeroize::Zeroizing;

use crate::{ClientIdentity, GroupError, KeyPackageBundle};

/// The version tag of [`ClientIdentity::to_bytes`] and
/// [`KeyPackageBundle::to_bytes`], their first two bytes.
pub const KEY_MATERIAL_VERSION: u16 = 1;

fn versioned(value: &impl Encode) -> Result<Zeroizing<Vec<u8>>, GroupError> {
    let mut out = Zeroizing::new(Vec::with_capacity(2 + value.encoded_len()));
    KEY_MATERIAL_VERSION.encode(&mut out)?;
    value.encode(&mut out)?;
    Ok(out)
}

fn unversioned<T: Decode>(bytes: &[u8]) -> Result<T, GroupError> {
    let (version, rest) = match bytes {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => return Err(GroupError::InvalidState("truncated")),
    };
    if version != KEY_MATERIAL_VERSION {
        return Err(GroupError::UnknownStateVersion(version));
    }
    decode_exact(rest).map_err(|_| GroupError::InvalidState("malformed key material"))
}

impl ClientIdentity {
    /// The credential and signature key pair as versioned bytes (secret:
    /// store them encrypted). Restore with [`ClientIdentity::from_bytes`].
    ///
    /// ```
    /// use mls_group::*;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let alice = ClientIdentity::generate(&suite, Credential::Basic(b"alice".to_vec()), &mut OsRng).unwrap();
    /// let back = ClientIdentity::from_bytes(&suite, &alice.to_bytes().unwrap()).unwrap();
    /// assert_eq!(back, alice);
    /// ```
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        versioned(self)
    }

    /// An identity saved with [`ClientIdentity::to_bytes`], for `suite`'s
    /// signature scheme: the private key must give the public key.
    pub fn from_bytes<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        bytes: &[u8],
    ) -> Result<Self, GroupError> {
        let identity: ClientIdentity = unversioned(bytes)?;
        let signer = identity.signer(suite)?;
        if suite.signing_public_key(&signer) != *identity.signature_key() {
            return Err(GroupError::InvalidState(
                "signature key pair does not match",
            ));
        }
        Ok(identity)
    }
}

/// A bundle as saved: the KeyPackage, its two private keys, its identity.
#[derive(Encode, Decode)]
struct SavedBundle {
    key_package: KeyPackage,
    init_private: HpkePrivateKey,
    encryption_private: HpkePrivateKey,
    identity: ClientIdentity,
}

impl KeyPackageBundle {
    /// The KeyPackage with its private keys and identity as versioned
    /// bytes (secret: store them encrypted), so that a client that
    /// restarts between publishing the KeyPackage and receiving the
    /// Welcome can still join. Restore with [`KeyPackageBundle::from_bytes`].
    ///
    /// ```
    /// use mls_group::*;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let bob = ClientIdentity::generate(&suite, Credential::Basic(b"bob".to_vec()), &mut OsRng).unwrap();
    /// let bundle = KeyPackageBundle::create(&suite, &bob, KeyPackageOptions::default(), &mut OsRng).unwrap();
    /// let back = KeyPackageBundle::from_bytes(&suite, &bundle.to_bytes().unwrap()).unwrap();
    /// assert_eq!(back.key_package(), bundle.key_package());
    /// ```
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        versioned(&SavedBundle {
            key_package: self.key_package.clone(),
            init_private: self.init_private.clone(),
            encryption_private: self.encryption_private.clone(),
            identity: self.identity.clone(),
        })
    }

    /// A bundle saved with [`KeyPackageBundle::to_bytes`]: the keys are
    /// checked against the KeyPackage (as [`KeyPackageBundle::from_parts`]).
    pub fn from_bytes<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        bytes: &[u8],
    ) -> Result<Self, GroupError> {
        let saved: SavedBundle = unversioned(bytes)?;
        Self::from_parts(
            suite,
            saved.key_package,
            saved.init_private,
            saved.encryption_private,
            saved.identity,
        )
        .map_err(|_| GroupError::InvalidState("key package bundle keys do not match"))
    }

    /// The KeyPackageRef (§5.2) a Welcome names this KeyPackage by.
    pub fn reference<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<KeyPackageRef, GroupError> {
        Ok(self.key_package.reference(suite)?)
    }

    /// The KeyPackage as an `MLSMessage` to publish (§6: wire format
    /// `mls_key_package`), encoded.
    pub fn to_message_bytes(&self) -> Result<Vec<u8>, GroupError> {
        Ok(MlsMessage::new(MlsMessageBody::KeyPackage(self.key_package.clone())).to_bytes()?)
    }

    /// Whether to delete this bundle once a Welcome has used it: a
    /// KeyPackage is used once (RFC 9420 §10), unless it is last-resort.
    pub fn delete_after_join(&self) -> bool {
        !self.is_last_resort()
    }
}

/// Which of `bundles` a Welcome is for (§12.4.3.1: it names its new
/// members' KeyPackageRefs): the bundle to join with, and to delete after
/// joining unless it is last-resort ([`KeyPackageBundle::delete_after_join`]).
///
/// ```
/// use mls_group::*;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let id = |n: &str| ClientIdentity::generate(&suite, Credential::Basic(n.into()), &mut OsRng).unwrap();
/// let bundles: Vec<_> = (0..3)
///     .map(|_| KeyPackageBundle::create(&suite, &id("bob"), KeyPackageOptions::default(), &mut OsRng).unwrap())
///     .collect();
/// let mut alice = Group::create(suite.clone(), id("alice"), b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
/// alice.set_time(unix_time_now());
/// let out = alice.add_members(vec![bundles[1].key_package().clone()], &mut OsRng).unwrap();
/// let welcome = out.welcome.unwrap().into_welcome().unwrap();
/// let used = welcome_bundle(&suite, &welcome, &bundles).unwrap().unwrap();
/// assert_eq!(used.key_package(), bundles[1].key_package());
/// ```
pub fn welcome_bundle<'a, S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    welcome: &Welcome,
    bundles: impl IntoIterator<Item = &'a KeyPackageBundle>,
) -> Result<Option<&'a KeyPackageBundle>, GroupError> {
    for bundle in bundles {
        if welcome.secrets_for(&bundle.reference(suite)?).is_some() {
            return Ok(Some(bundle));
        }
    }
    Ok(None)
}
