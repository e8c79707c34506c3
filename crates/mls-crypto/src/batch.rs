//! Many signatures or HPKE seals at once: the inputs of
//! [`CipherSuiteProvider::verify_batch`] and
//! [`CipherSuiteProvider::hpke_seal_batch`], and the one-by-one
//! implementations every provider may fall back to.

use alloc::vec::Vec;

use crate::{
    BatchVerifyError, CipherSuiteProvider, Error, HpkeCiphertext, HpkePublicKey, Rng,
    SignaturePublicKey,
};

/// One signature to verify (RFC 9420 §5.1.2 `Signature.Verify` inputs).
///
/// ```
/// use mls_crypto::{SignatureItem, SignaturePublicKey};
/// let pk = SignaturePublicKey(vec![0; 32]);
/// let item = SignatureItem { public_key: &pk, message: b"msg", signature: &[0; 64] };
/// assert_eq!(item.message, b"msg");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SignatureItem<'a> {
    /// The signer's public key.
    pub public_key: &'a SignaturePublicKey,
    /// The signed bytes (for the labeled form, see
    /// [`labeled::verify_batch_with_label`](crate::labeled::verify_batch_with_label)).
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a [u8],
}

/// Verifies `items` one by one with [`CipherSuiteProvider::verify`]: the
/// reference semantics of [`CipherSuiteProvider::verify_batch`].
///
/// ```
/// use mls_crypto::{batch, CipherSuite, CryptoProvider, RustCrypto};
/// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// assert!(batch::verify_each(&cs, &[]).is_ok());
/// ```
pub fn verify_each<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    items: &[SignatureItem<'_>],
) -> Result<(), BatchVerifyError> {
    for (index, item) in items.iter().enumerate() {
        suite
            .verify(item.public_key, item.message, item.signature)
            .map_err(|error| BatchVerifyError { index, error })?;
    }
    Ok(())
}

/// Seals `plaintexts` one by one with [`CipherSuiteProvider::hpke_seal`],
/// in order: the reference semantics of
/// [`CipherSuiteProvider::hpke_seal_batch`].
///
/// ```
/// use mls_crypto::{batch, CipherSuite, CryptoProvider, Error, Rng, RustCrypto};
/// # struct Counter(u8);
/// # impl Rng for Counter { fn fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Error> { for b in d { self.0 = self.0.wrapping_add(1); *b = self.0; } Ok(()) } }
/// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let out = batch::seal_each(&cs, b"info", b"", &[], &mut Counter(0)).unwrap();
/// assert!(out.is_empty());
/// ```
pub fn seal_each<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    info: &[u8],
    aad: &[u8],
    items: &[(&HpkePublicKey, &[u8])],
    rng: &mut dyn Rng,
) -> Result<Vec<HpkeCiphertext>, Error> {
    items
        .iter()
        .map(|(pk, pt)| suite.hpke_seal(pk, info, aad, pt, rng))
        .collect()
}
