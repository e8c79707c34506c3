//! The sender data key and nonce (RFC 9420 §6.3.2).

use mls_crypto::{labeled, CipherSuiteProvider};

use crate::lengths::{nk, nn};
use crate::{EpochSecrets, Error, KeyAndNonce};

/// `ciphertext_sample`: the first `KDF.Nh` bytes of the ciphertext, or all
/// of it if it is shorter.
pub fn ciphertext_sample<'a, S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    ciphertext: &'a [u8],
) -> &'a [u8] {
    let n = suite.kdf_extract_len().min(ciphertext.len());
    ciphertext.get(..n).unwrap_or(ciphertext)
}

/// `sender_data_key = ExpandWithLabel(sender_data_secret, "key",
/// ciphertext_sample, AEAD.Nk)` and `sender_data_nonce =
/// ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)`
/// (RFC 9420 §6.3.2).
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::sender_data_key_nonce;
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let kn = sender_data_key_nonce(&suite, &[1; 32], b"short ciphertext").unwrap();
/// assert_eq!((kn.key.len(), kn.nonce.len()), (16, 12));
/// ```
pub fn sender_data_key_nonce<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    sender_data_secret: &[u8],
    ciphertext: &[u8],
) -> Result<KeyAndNonce, Error> {
    let sample = ciphertext_sample(suite, ciphertext);
    Ok(KeyAndNonce {
        key: labeled::expand_with_label(suite, sender_data_secret, b"key", sample, nk(suite)?)?,
        nonce: labeled::expand_with_label(suite, sender_data_secret, b"nonce", sample, nn(suite)?)?,
    })
}

impl EpochSecrets {
    /// The sender data key and nonce of this epoch for `ciphertext` (the
    /// PrivateMessage's encrypted content).
    pub fn sender_data_key_nonce<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        ciphertext: &[u8],
    ) -> Result<KeyAndNonce, Error> {
        self.check_suite(suite)?;
        sender_data_key_nonce(suite, self.sender_data_secret().as_bytes(), ciphertext)
    }
}
