//! Many signatures or HPKE seals at once: the inputs of
//! [`CipherSuiteProvider::verify_batch`] and
//! [`CipherSuiteProvider::hpke_seal_batch_parts`], and the one-by-one
//! implementations (the reference semantics) every provider may fall back to.

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

/// Verifies `items` one by one with [`CipherSuiteProvider::verify_parts`]
/// (each message as one part): the reference semantics of
/// [`CipherSuiteProvider::verify_batch`], and what its default does.
///
/// Example, on the RustCrypto provider: test `batch_verify_each` in
/// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
pub fn verify_each<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    items: &[SignatureItem<'_>],
) -> Result<(), BatchVerifyError> {
    for (index, item) in items.iter().enumerate() {
        suite
            .verify_parts(item.public_key, &[item.message], item.signature)
            .map_err(|error| BatchVerifyError { index, error })?;
    }
    Ok(())
}

/// Seals `items` one by one with [`CipherSuiteProvider::hpke_seal_parts`]
/// (`info` as one part), in order: the reference semantics of
/// [`CipherSuiteProvider::hpke_seal_batch_parts`], and what its default does.
///
/// Example, on the RustCrypto provider: test `batch_seal_each` in
/// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
pub fn seal_each<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    info: &[u8],
    aad: &[u8],
    items: &[(&HpkePublicKey, &[u8])],
    rng: &mut dyn Rng,
) -> Result<Vec<HpkeCiphertext>, Error> {
    items
        .iter()
        .map(|(pk, pt)| suite.hpke_seal_parts(pk, &[info], aad, pt, rng))
        .collect()
}
