//! The key schedule (RFC 9420 §8): from the previous `init_secret`, the
//! `commit_secret`, the GroupContext and the `psk_secret` to the epoch's
//! secrets.

use mls_codec::{Decode, Encode};
use mls_crypto::{labeled, CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, Rng, Secret};
use zeroize::Zeroizing;

use crate::lengths::{check_nh, check_suite, nh, nk, nn};
use crate::{Error, PskSecret};

/// An AEAD key and nonce (`AEAD.Nk` and `AEAD.Nn` bytes), zeroized on drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAndNonce {
    /// The AEAD key.
    pub key: Secret,
    /// The AEAD nonce.
    pub nonce: Secret,
}

/// `init_secret` (RFC 9420 §8): the previous epoch's last secret, random at
/// group creation (§11), or the output of external initialization (§8.3).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct InitSecret(Secret);

impl InitSecret {
    /// An `init_secret` from its bytes.
    pub fn new(secret: Secret) -> Self {
        InitSecret(secret)
    }

    /// A fresh random `KDF.Nh`-byte `init_secret` for a new group (§11).
    pub fn random<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        rng: &mut dyn Rng,
    ) -> Result<Self, Error> {
        Ok(InitSecret(
            suite.random_secret(suite.kdf_extract_len(), rng)?,
        ))
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// `joiner_secret` (RFC 9420 §8): what a Welcome's GroupSecrets carries, and
/// the starting point of a joiner's key schedule.
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::{InitSecret, JoinerSecret, PskSecret};
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let init = InitSecret::new(Secret::from(vec![1; 32]));
/// let group_context = b"serialized GroupContext";
///
/// // A member derives the joiner secret and sends it in a Welcome ...
/// let joiner = JoinerSecret::derive(&suite, &init, None, group_context).unwrap();
/// let member = joiner.epoch_secrets(&suite, &PskSecret::zero(&suite), group_context).unwrap();
///
/// // ... the new member starts from it and reaches the same epoch.
/// let received = JoinerSecret::new(&suite, Secret::from(joiner.as_bytes())).unwrap();
/// let psk = PskSecret::zero(&suite);
/// let welcome = received.welcome_secret(&suite, &psk).unwrap();
/// let _key_nonce = welcome.key_nonce(&suite).unwrap();
/// let joined = received.epoch_secrets(&suite, &psk, group_context).unwrap();
/// assert_eq!(joined.epoch_authenticator(), member.epoch_authenticator());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct JoinerSecret(Secret);

impl JoinerSecret {
    /// `ExpandWithLabel(KDF.Extract(init_secret, commit_secret), "joiner",
    /// GroupContext, KDF.Nh)`; `commit_secret` `None` is the all-zero
    /// vector (a Commit without a path).
    pub fn derive<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        init_secret: &InitSecret,
        commit_secret: Option<&Secret>,
        group_context: &[u8],
    ) -> Result<Self, Error> {
        let nh_len = nh(suite)?;
        let zero;
        let commit = match commit_secret {
            Some(c) => c,
            None => {
                zero = Secret::zero(usize::from(nh_len));
                &zero
            }
        };
        let prk = suite.kdf_extract(init_secret.as_bytes(), commit.as_bytes())?;
        let joiner =
            labeled::expand_with_label(suite, prk.as_bytes(), b"joiner", group_context, nh_len)?;
        Ok(JoinerSecret(joiner))
    }

    /// A `joiner_secret` received in a Welcome; it must be `KDF.Nh` bytes.
    pub fn new<S: CipherSuiteProvider + ?Sized>(suite: &S, secret: Secret) -> Result<Self, Error> {
        check_nh(suite, secret.as_bytes())?;
        Ok(JoinerSecret(secret))
    }

    /// The secret's bytes (for GroupSecrets).
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// `KDF.Extract(joiner_secret, psk_secret)`, the unnamed secret from
    /// which the welcome and epoch secrets are derived.
    fn member_secret<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        psk: &PskSecret,
    ) -> Result<Secret, Error> {
        Ok(suite.kdf_extract(self.as_bytes(), psk.as_bytes())?)
    }

    /// `welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome")`.
    pub fn welcome_secret<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        psk_secret: &PskSecret,
    ) -> Result<WelcomeSecret, Error> {
        let member = self.member_secret(suite, psk_secret)?;
        Ok(WelcomeSecret(labeled::derive_secret(
            suite,
            member.as_bytes(),
            b"welcome",
        )?))
    }

    /// `epoch_secret = ExpandWithLabel(KDF.Extract(joiner_secret,
    /// psk_secret), "epoch", GroupContext, KDF.Nh)` and every secret derived
    /// from it.
    pub fn epoch_secrets<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        psk_secret: &PskSecret,
        group_context: &[u8],
    ) -> Result<EpochSecrets, Error> {
        let member = self.member_secret(suite, psk_secret)?;
        epoch_secrets_from_member(suite, &member, group_context)
    }
}

fn epoch_secrets_from_member<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    member: &Secret,
    group_context: &[u8],
) -> Result<EpochSecrets, Error> {
    let epoch_secret = labeled::expand_with_label(
        suite,
        member.as_bytes(),
        b"epoch",
        group_context,
        nh(suite)?,
    )?;
    EpochSecrets::from_epoch_secret(suite, &epoch_secret)
}

/// `welcome_secret` (RFC 9420 §8), which protects a Welcome's GroupInfo.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WelcomeSecret(Secret);

impl WelcomeSecret {
    /// A `welcome_secret` from its bytes.
    pub fn new(secret: Secret) -> Self {
        WelcomeSecret(secret)
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// `welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)` and
    /// `welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)`
    /// (RFC 9420 §12.4.3.1).
    pub fn key_nonce<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<KeyAndNonce, Error> {
        Ok(KeyAndNonce {
            key: labeled::expand_with_label(suite, self.as_bytes(), b"key", b"", nk(suite)?)?,
            nonce: labeled::expand_with_label(suite, self.as_bytes(), b"nonce", b"", nn(suite)?)?,
        })
    }
}

/// Everything one step of the key schedule produces (RFC 9420 §8).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct KeyScheduleOutput {
    /// `joiner_secret`, for the Welcome's GroupSecrets.
    pub joiner_secret: JoinerSecret,
    /// `welcome_secret`, to encrypt the Welcome's GroupInfo.
    pub welcome_secret: WelcomeSecret,
    /// The epoch's secrets.
    pub epoch_secrets: EpochSecrets,
}

impl KeyScheduleOutput {
    /// Run the key schedule of RFC 9420 §8 for a new epoch: `init_secret`
    /// of the previous epoch, the Commit's `commit_secret` (`None` for the
    /// all-zero vector), the new epoch's serialized GroupContext and the
    /// Commit's `psk_secret`.
    ///
    /// ```
    /// use mls_codec::Encode;
    /// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_keyschedule::{InitSecret, KeyScheduleOutput, PskSecret};
    /// use mls_types::GroupContext;
    ///
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let gc = GroupContext::new(CipherSuite(1), b"g".to_vec(), 0, vec![0; 32], Vec::new());
    /// let out = KeyScheduleOutput::derive(
    ///     &suite,
    ///     &InitSecret::new(Secret::from(vec![3; 32])),
    ///     None,
    ///     &gc.to_bytes().unwrap(),
    ///     &PskSecret::zero(&suite),
    /// )
    /// .unwrap();
    /// assert_eq!(out.epoch_secrets.init_secret().as_bytes().len(), 32);
    /// ```
    pub fn derive<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        init_secret: &InitSecret,
        commit_secret: Option<&Secret>,
        group_context: &[u8],
        psk_secret: &PskSecret,
    ) -> Result<Self, Error> {
        let joiner_secret = JoinerSecret::derive(suite, init_secret, commit_secret, group_context)?;
        let member = joiner_secret.member_secret(suite, psk_secret)?;
        let welcome_secret = WelcomeSecret(labeled::derive_secret(
            suite,
            member.as_bytes(),
            b"welcome",
        )?);
        let epoch_secrets = epoch_secrets_from_member(suite, &member, group_context)?;
        Ok(KeyScheduleOutput {
            joiner_secret,
            welcome_secret,
            epoch_secrets,
        })
    }
}

/// The secrets derived from an epoch's `epoch_secret` (RFC 9420 §8, table
/// "Epoch-Derived Secrets"). The `epoch_secret` itself is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct EpochSecrets {
    cipher_suite: CipherSuite,
    sender_data_secret: Secret,
    encryption_secret: Option<Secret>,
    exporter_secret: Secret,
    external_secret: Secret,
    confirmation_key: Secret,
    membership_key: Secret,
    resumption_psk: Secret,
    epoch_authenticator: Secret,
    init_secret: InitSecret,
}

impl EpochSecrets {
    /// Every `DeriveSecret(epoch_secret, <label>)` of the epoch.
    pub fn from_epoch_secret<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        epoch_secret: &Secret,
    ) -> Result<Self, Error> {
        let derive = |label: &[u8]| labeled::derive_secret(suite, epoch_secret.as_bytes(), label);
        Ok(EpochSecrets {
            cipher_suite: suite.cipher_suite(),
            sender_data_secret: derive(b"sender data")?,
            encryption_secret: Some(derive(b"encryption")?),
            exporter_secret: derive(b"exporter")?,
            external_secret: derive(b"external")?,
            confirmation_key: derive(b"confirm")?,
            membership_key: derive(b"membership")?,
            resumption_psk: derive(b"resumption")?,
            epoch_authenticator: derive(b"authentication")?,
            init_secret: InitSecret(derive(b"init")?),
        })
    }

    /// The suite these secrets were derived with.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.cipher_suite
    }

    /// `sender_data_secret` ("sender data").
    pub fn sender_data_secret(&self) -> &Secret {
        &self.sender_data_secret
    }

    /// `encryption_secret` ("encryption"), until it is moved into the
    /// secret tree by [`EpochSecrets::take_encryption_secret`].
    pub fn encryption_secret(&self) -> Option<&Secret> {
        self.encryption_secret.as_ref()
    }

    /// Move the `encryption_secret` out (into a [`crate::SecretTree`]), so
    /// that no copy outlives the tree's deletion schedule (RFC 9420 §9.2).
    pub fn take_encryption_secret(&mut self) -> Result<Secret, Error> {
        self.encryption_secret
            .take()
            .ok_or(Error::EncryptionSecretConsumed)
    }

    /// `exporter_secret` ("exporter").
    pub fn exporter_secret(&self) -> &Secret {
        &self.exporter_secret
    }

    /// `external_secret` ("external").
    pub fn external_secret(&self) -> &Secret {
        &self.external_secret
    }

    /// `confirmation_key` ("confirm").
    pub fn confirmation_key(&self) -> &Secret {
        &self.confirmation_key
    }

    /// `membership_key` ("membership").
    pub fn membership_key(&self) -> &Secret {
        &self.membership_key
    }

    /// `resumption_psk` ("resumption", RFC 9420 §8.6): store it to inject
    /// this epoch into a later one.
    pub fn resumption_psk(&self) -> &Secret {
        &self.resumption_psk
    }

    /// `epoch_authenticator` ("authentication", RFC 9420 §8.7).
    pub fn epoch_authenticator(&self) -> &Secret {
        &self.epoch_authenticator
    }

    /// `init_secret_[n]` ("init"), the input of the next epoch.
    pub fn init_secret(&self) -> &InitSecret {
        &self.init_secret
    }

    /// `Err` unless `suite` is the suite of these secrets.
    pub(crate) fn check_suite<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<(), Error> {
        check_suite(suite, self.cipher_suite)
    }
}

impl EpochSecrets {
    /// Serializes the epoch's secrets for persisting a group's state (the
    /// bytes of its [`Encode`] impl) in a buffer zeroized on drop. Restore with
    /// [`EpochSecrets::from_state_bytes`].
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_keyschedule::EpochSecrets;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let e = EpochSecrets::from_epoch_secret(&suite, &Secret::from(vec![1; 32])).unwrap();
    /// let back = EpochSecrets::from_state_bytes(&e.to_state_bytes().unwrap()).unwrap();
    /// assert_eq!(back, e);
    /// ```
    pub fn to_state_bytes(&self) -> Result<Zeroizing<alloc::vec::Vec<u8>>, Error> {
        Ok(Zeroizing::new(self.to_bytes()?))
    }

    /// Restores secrets saved with [`EpochSecrets::to_state_bytes`].
    pub fn from_state_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Ok(mls_codec::decode_exact(bytes)?)
    }
}
