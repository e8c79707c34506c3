//! The MLS exporter (RFC 9420 §8.5).

use mls_crypto::{labeled, CipherSuiteProvider, CipherSuiteProviderExt, Secret};

use crate::{EpochSecrets, Error};

/// `MLS-Exporter(Label, Context, Length) =
/// ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported",
/// Hash(Context), Length)` (RFC 9420 §8.5).
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::mls_exporter;
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let a = mls_exporter(&suite, &[1; 32], b"label", b"context", 16).unwrap();
/// let b = mls_exporter(&suite, &[1; 32], b"label", b"other context", 16).unwrap();
/// assert_eq!(a.len(), 16);
/// assert_ne!(a, b);
/// ```
pub fn mls_exporter<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    exporter_secret: &[u8],
    label: &[u8],
    context: &[u8],
    length: u16,
) -> Result<Secret, Error> {
    let derived = labeled::derive_secret(suite, exporter_secret, label)?;
    let context_hash = suite.hash(context);
    Ok(labeled::expand_with_label(
        suite,
        derived.as_bytes(),
        b"exported",
        &context_hash,
        length,
    )?)
}

impl EpochSecrets {
    /// `MLS-Exporter(label, context, length)` of this epoch (RFC 9420 §8.5).
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_keyschedule::EpochSecrets;
    ///
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let epoch = EpochSecrets::from_epoch_secret(&suite, &Secret::from(vec![5; 32])).unwrap();
    /// let exported = epoch.export(&suite, b"my app", b"", 32).unwrap();
    /// assert_eq!(exported.len(), 32);
    /// ```
    pub fn export<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        label: &[u8],
        context: &[u8],
        length: u16,
    ) -> Result<Secret, Error> {
        self.check_suite(suite)?;
        mls_exporter(
            suite,
            self.exporter_secret().as_bytes(),
            label,
            context,
            length,
        )
    }
}
