//! `Welcome`, `EncryptedGroupSecrets`, `GroupSecrets` and `PathSecret`
//! (RFC 9420 §12.4.3), and their encryption (§12.4.3.1).

use alloc::vec::Vec;
use core::fmt;
use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{
    labeled, CipherSuite, CipherSuiteProvider, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, Rng,
};
use mls_keyschedule::{JoinerSecret, KeyAndNonce, PreSharedKeyID, PskSecret};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{FramingError, GroupInfo, KeyPackage, KeyPackageRef};

/// The encryption label of GroupSecrets (RFC 9420 §12.4.3.1).
const WELCOME_LABEL: &[u8] = b"Welcome";

/// Room left after an encoded GroupInfo for the AEAD tag. Only a capacity
/// hint: more costs one reallocation.
const TAG_ROOM: usize = 64;

/// `struct { opaque path_secret<V>; } PathSecret` (RFC 9420 §12.4.3).
/// Zeroized on drop; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Zeroize, ZeroizeOnDrop)]
pub struct PathSecret {
    /// The path secret of the lowest common ancestor of committer and joiner.
    pub path_secret: Vec<u8>,
}

impl fmt::Debug for PathSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PathSecret(..)")
    }
}

/// `struct GroupSecrets` (RFC 9420 §12.4.3): what a Welcome encrypts to
/// each new member. The secrets are zeroized on drop; `Debug` hides them.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_framing::{GroupSecrets, PathSecret};
/// let gs = GroupSecrets {
///     joiner_secret: vec![1; 32],
///     path_secret: Some(PathSecret { path_secret: vec![2; 32] }),
///     psks: vec![],
/// };
/// let bytes = gs.to_bytes().unwrap();
/// assert_eq!(decode_exact::<GroupSecrets>(&bytes).unwrap(), gs);
/// assert!(!format!("{gs:?}").contains("1, 1"));
/// ```
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
pub struct GroupSecrets {
    /// `opaque joiner_secret<V>`
    pub joiner_secret: Vec<u8>,
    /// `optional<PathSecret> path_secret`
    pub path_secret: Option<PathSecret>,
    /// `PreSharedKeyID psks<V>`
    pub psks: Vec<PreSharedKeyID>,
}

impl Drop for GroupSecrets {
    fn drop(&mut self) {
        self.joiner_secret.zeroize();
    }
}

impl fmt::Debug for GroupSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupSecrets")
            .field("joiner_secret", &"..")
            .field("path_secret", &self.path_secret)
            .field("psks", &self.psks)
            .finish()
    }
}

/// `struct { KeyPackageRef new_member; HPKECiphertext encrypted_group_secrets; }
/// EncryptedGroupSecrets` (RFC 9420 §12.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct EncryptedGroupSecrets {
    /// The new member's KeyPackageRef.
    pub new_member: KeyPackageRef,
    /// `EncryptWithLabel(init_key, "Welcome", encrypted_group_info, group_secrets)`.
    pub encrypted_group_secrets: HpkeCiphertext,
}

/// `struct Welcome` (RFC 9420 §12.4.3): the secrets and GroupInfo new
/// members join with.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let (sig_key, sig_pub) = signer(&suite, 1);
/// let (_, init, kp) = key_package(&suite, 2);
/// let mut gi = GroupInfo {
///     group_context: group_context(CipherSuite(1)),
///     extensions: vec![],
///     confirmation_tag: vec![1; 32],
///     signer: LeafIndex(0),
///     signature: vec![],
/// };
/// gi.sign(&suite, &sig_key).unwrap();
/// let joiner = JoinerSecret::new(&suite, Secret::from(vec![4u8; 32])).unwrap();
/// let secrets = GroupSecrets { joiner_secret: joiner.as_bytes().to_vec(), path_secret: None, psks: vec![] };
/// let psk = PskSecret::zero(&suite);
/// let welcome = Welcome::seal(&suite, &gi, &joiner, &psk, [(&kp, &secrets)], &mut TestRng::new(1)).unwrap();
///
/// let kp_ref = kp.reference(&suite).unwrap();
/// let got = welcome.decrypt_group_secrets(&suite, &kp_ref, &init.private, &init.public).unwrap();
/// assert_eq!(got, secrets);
/// let got_joiner = JoinerSecret::new(&suite, Secret::from(got.joiner_secret.clone())).unwrap();
/// let got_gi = welcome.decrypt_group_info(&suite, &got_joiner, &psk).unwrap();
/// got_gi.verify_signature(&suite, &sig_pub).unwrap();
/// assert_eq!(got_gi, gi);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Welcome {
    /// `CipherSuite cipher_suite`
    pub cipher_suite: CipherSuite,
    /// `EncryptedGroupSecrets secrets<V>`
    pub secrets: Vec<EncryptedGroupSecrets>,
    /// `opaque encrypted_group_info<V>`
    pub encrypted_group_info: Vec<u8>,
}

impl GroupSecrets {
    /// `EncryptWithLabel(init_key, "Welcome", encrypted_group_info,
    /// group_secrets)` (RFC 9420 §12.4.3.1).
    pub fn encrypt<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        init_key: &HpkePublicKey,
        encrypted_group_info: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, FramingError> {
        let plain = zeroize::Zeroizing::new(self.to_bytes()?);
        Ok(labeled::encrypt_with_label(
            suite,
            init_key,
            WELCOME_LABEL,
            encrypted_group_info,
            &plain,
            rng,
        )?)
    }
}

impl EncryptedGroupSecrets {
    /// `DecryptWithLabel(init_key_priv, "Welcome", encrypted_group_info, ..)`
    /// (RFC 9420 §12.4.3.1). `init_public` is the KeyPackage's `init_key`.
    pub fn decrypt<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        init_private: &HpkePrivateKey,
        init_public: &HpkePublicKey,
        encrypted_group_info: &[u8],
    ) -> Result<GroupSecrets, FramingError> {
        let plain = labeled::decrypt_with_label(
            suite,
            init_private,
            init_public,
            WELCOME_LABEL,
            encrypted_group_info,
            &self.encrypted_group_secrets,
        )
        .map_err(|_| FramingError::GroupSecretsDecryptionFailed)?;
        let plain = zeroize::Zeroizing::new(plain);
        let secrets = decode_exact(&plain)?;
        crate::DecodeLimits::DEFAULT.check_group_secrets(&secrets)?;
        Ok(secrets)
    }
}

/// `welcome_key` and `welcome_nonce` from `joiner_secret` and `psk_secret`
/// (RFC 9420 §8, §12.4.3.1).
fn welcome_key_nonce<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    joiner_secret: &JoinerSecret,
    psk_secret: &PskSecret,
) -> Result<KeyAndNonce, FramingError> {
    Ok(joiner_secret
        .welcome_secret(suite, psk_secret)?
        .key_nonce(suite)?)
}

impl Welcome {
    /// Builds a Welcome (RFC 9420 §12.4.3.1): `group_info` encrypted with
    /// the welcome key and nonce of `joiner_secret` and `psk_secret`, and
    /// each recipient's GroupSecrets encrypted to its KeyPackage's
    /// `init_key`.
    pub fn seal<'a, S, I>(
        suite: &S,
        group_info: &GroupInfo,
        joiner_secret: &JoinerSecret,
        psk_secret: &PskSecret,
        recipients: I,
        rng: &mut dyn Rng,
    ) -> Result<Self, FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        I: IntoIterator<Item = (&'a KeyPackage, &'a GroupSecrets)>,
    {
        let mut encoded = Vec::new();
        // Only a hint, as in `Encode::to_bytes`.
        let _ = encoded.try_reserve_exact(group_info.encoded_len().saturating_add(TAG_ROOM));
        group_info.encode(&mut encoded)?;
        Self::seal_encoded(suite, encoded, joiner_secret, psk_secret, recipients, rng)
    }

    /// [`seal`](Self::seal) of an already encoded GroupInfo (as
    /// [`GroupInfo::sign_encoded`] returns it), which is encrypted in
    /// place and becomes `encrypted_group_info`: the GroupInfo, with the
    /// ratchet tree possibly large, is not copied. The GroupSecrets are
    /// sealed as one batch ([`labeled::encrypt_with_label_batch`]), so the
    /// encrypted GroupInfo, their EncryptWithLabel context, is hashed once
    /// for all recipients; the result equals sealing them one by one.
    ///
    /// ```
    /// # use mls_test_support::framing::*;
    /// # use mls_crypto::CryptoProvider;
    /// # use mls_rustcrypto::RustCrypto;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let (sig_key, _) = signer(&suite, 1);
    /// let (_, _, kp) = key_package(&suite, 2);
    /// let mut gi = GroupInfo {
    ///     group_context: group_context(CipherSuite(1)),
    ///     extensions: vec![],
    ///     confirmation_tag: vec![1; 32],
    ///     signer: LeafIndex(0),
    ///     signature: vec![],
    /// };
    /// let encoded = gi.sign_encoded(&suite, &sig_key).unwrap();
    /// let joiner = JoinerSecret::new(&suite, Secret::from(vec![4u8; 32])).unwrap();
    /// let secrets = GroupSecrets { joiner_secret: joiner.as_bytes().to_vec(), path_secret: None, psks: vec![] };
    /// let psk = PskSecret::zero(&suite);
    /// let a = Welcome::seal_encoded(&suite, encoded, &joiner, &psk, [(&kp, &secrets)], &mut TestRng::new(1)).unwrap();
    /// let b = Welcome::seal(&suite, &gi, &joiner, &psk, [(&kp, &secrets)], &mut TestRng::new(1)).unwrap();
    /// assert_eq!(a, b);
    /// ```
    pub fn seal_encoded<'a, S, I>(
        suite: &S,
        group_info: Vec<u8>,
        joiner_secret: &JoinerSecret,
        psk_secret: &PskSecret,
        recipients: I,
        rng: &mut dyn Rng,
    ) -> Result<Self, FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        I: IntoIterator<Item = (&'a KeyPackage, &'a GroupSecrets)>,
    {
        let kn = welcome_key_nonce(suite, joiner_secret, psk_secret)?;
        let mut encrypted_group_info = group_info;
        suite.aead_seal_in_place(
            kn.key.as_bytes(),
            kn.nonce.as_bytes(),
            b"",
            &mut encrypted_group_info,
        )?;
        let mut refs = Vec::new();
        let mut plaintexts = Vec::new();
        for (kp, gs) in recipients {
            refs.push((kp.reference(suite)?, &kp.init_key));
            plaintexts.push(zeroize::Zeroizing::new(gs.to_bytes()?));
        }
        let items: Vec<(&HpkePublicKey, &[u8])> = refs
            .iter()
            .zip(&plaintexts)
            .map(|((_, init_key), plain)| (*init_key, plain.as_slice()))
            .collect();
        let sealed = labeled::encrypt_with_label_batch(
            suite,
            WELCOME_LABEL,
            &encrypted_group_info,
            &items,
            rng,
        )?;
        let secrets = refs
            .into_iter()
            .zip(sealed)
            .map(
                |((new_member, _), encrypted_group_secrets)| EncryptedGroupSecrets {
                    new_member,
                    encrypted_group_secrets,
                },
            )
            .collect();
        Ok(Welcome {
            cipher_suite: suite.cipher_suite(),
            secrets,
            encrypted_group_info,
        })
    }

    /// The entry for the KeyPackage `key_package_ref`, if any.
    pub fn secrets_for(&self, key_package_ref: &KeyPackageRef) -> Option<&EncryptedGroupSecrets> {
        self.secrets
            .iter()
            .find(|s| &s.new_member == key_package_ref)
    }

    /// Finds the entry of `key_package_ref` and decrypts it with the
    /// KeyPackage's init key pair (RFC 9420 §12.4.3.1). Fails with
    /// [`FramingError::CipherSuiteMismatch`] if `suite` is not the
    /// Welcome's suite.
    pub fn decrypt_group_secrets<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        key_package_ref: &KeyPackageRef,
        init_private: &HpkePrivateKey,
        init_public: &HpkePublicKey,
    ) -> Result<GroupSecrets, FramingError> {
        self.check_suite(suite)?;
        self.secrets_for(key_package_ref)
            .ok_or(FramingError::NoSecretsForKeyPackage)?
            .decrypt(suite, init_private, init_public, &self.encrypted_group_info)
    }

    /// Decrypts the GroupInfo with the welcome key and nonce of
    /// `joiner_secret` and `psk_secret` (RFC 9420 §12.4.3.1). The caller
    /// then verifies its signature and confirmation tag.
    pub fn decrypt_group_info<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        joiner_secret: &JoinerSecret,
        psk_secret: &PskSecret,
    ) -> Result<GroupInfo, FramingError> {
        self.check_suite(suite)?;
        let kn = welcome_key_nonce(suite, joiner_secret, psk_secret)?;
        let plain = suite
            .aead_open(
                kn.key.as_bytes(),
                kn.nonce.as_bytes(),
                b"",
                &self.encrypted_group_info,
            )
            .map_err(|_| FramingError::GroupInfoDecryptionFailed)?;
        let group_info = decode_exact(&plain)?;
        crate::DecodeLimits::DEFAULT.check_group_info(&group_info)?;
        Ok(group_info)
    }

    fn check_suite<S: CipherSuiteProvider + ?Sized>(&self, suite: &S) -> Result<(), FramingError> {
        if suite.cipher_suite() == self.cipher_suite {
            Ok(())
        } else {
            Err(FramingError::CipherSuiteMismatch {
                expected: self.cipher_suite,
                got: suite.cipher_suite(),
            })
        }
    }
}
