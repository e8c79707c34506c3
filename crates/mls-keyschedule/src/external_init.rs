//! External initialization (RFC 9420 §8.3): the external key pair of an
//! epoch, and the `init_secret` an external joiner sends through it.

use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, HpkeKeyPair, HpkePublicKey, Rng};

use crate::lengths::nh;
use crate::{EpochSecrets, Error, InitSecret};

/// The HPKE exporter context of external initialization.
pub const EXTERNAL_INIT_EXPORTER_LABEL: &[u8] = b"MLS 1.0 external init secret";

/// The joiner's side: `kem_output, context = SetupBaseS(external_pub, "")`,
/// `init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)`.
/// Returns the `kem_output` for the ExternalInit proposal and the new
/// `init_secret`.
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::{external_init_sender, EpochSecrets};
/// use mls_test_support::TestRng; // deterministic; real code passes a secure Rng (OsRng)
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let epoch = EpochSecrets::from_epoch_secret(&suite, &Secret::from(vec![5; 32])).unwrap();
///
/// let external_pub = epoch.external_pub(&suite).unwrap();
/// let (kem_output, joiner_init) = external_init_sender(&suite, &external_pub, &mut TestRng::new(7)).unwrap();
/// let member_init = epoch.external_init_secret(&suite, &kem_output).unwrap();
/// assert_eq!(joiner_init, member_init);
/// ```
pub fn external_init_sender<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    external_pub: &HpkePublicKey,
    rng: &mut dyn Rng,
) -> Result<(Vec<u8>, InitSecret), Error> {
    let len = usize::from(nh(suite)?);
    let (kem_output, secret) =
        suite.hpke_export_sender(external_pub, b"", EXTERNAL_INIT_EXPORTER_LABEL, len, rng)?;
    Ok((kem_output, InitSecret::new(secret)))
}

/// The group's side: `context = SetupBaseR(kem_output, external_priv, "")`,
/// `init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)`.
pub fn external_init_receiver<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    external_key_pair: &HpkeKeyPair,
    kem_output: &[u8],
) -> Result<InitSecret, Error> {
    let len = usize::from(nh(suite)?);
    let secret = suite.hpke_export_receiver(
        kem_output,
        &external_key_pair.private,
        &external_key_pair.public,
        b"",
        EXTERNAL_INIT_EXPORTER_LABEL,
        len,
    )?;
    Ok(InitSecret::new(secret))
}

impl EpochSecrets {
    /// `external_priv, external_pub = KEM.DeriveKeyPair(external_secret)`.
    pub fn external_key_pair<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<HpkeKeyPair, Error> {
        self.check_suite(suite)?;
        Ok(suite.hpke_derive_key_pair(self.external_secret().as_bytes())?)
    }

    /// `external_pub`, for the GroupInfo's `external_pub` extension.
    pub fn external_pub<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<HpkePublicKey, Error> {
        Ok(self.external_key_pair(suite)?.public)
    }

    /// The `init_secret` of an external joiner's epoch, from the
    /// `kem_output` of its ExternalInit proposal.
    pub fn external_init_secret<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        kem_output: &[u8],
    ) -> Result<InitSecret, Error> {
        let pair = self.external_key_pair(suite)?;
        external_init_receiver(suite, &pair, kem_output)
    }
}
