//! The suite's lengths as the `uint16` a KDFLabel carries, and suite checks.

use mls_crypto::{CipherSuite, CipherSuiteProvider};

use crate::Error;

/// `KDF.Nh`.
pub(crate) fn nh<S: CipherSuiteProvider + ?Sized>(suite: &S) -> Result<u16, Error> {
    u16::try_from(suite.kdf_extract_len()).map_err(|_| Error::SuiteLengthTooLarge)
}

/// `AEAD.Nk`.
pub(crate) fn nk<S: CipherSuiteProvider + ?Sized>(suite: &S) -> Result<u16, Error> {
    u16::try_from(suite.aead_key_len()).map_err(|_| Error::SuiteLengthTooLarge)
}

/// `AEAD.Nn`.
pub(crate) fn nn<S: CipherSuiteProvider + ?Sized>(suite: &S) -> Result<u16, Error> {
    u16::try_from(suite.aead_nonce_len()).map_err(|_| Error::SuiteLengthTooLarge)
}

/// `Err` unless `suite` implements `expected`.
pub(crate) fn check_suite<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    expected: CipherSuite,
) -> Result<(), Error> {
    let got = suite.cipher_suite();
    if got == expected {
        Ok(())
    } else {
        Err(Error::CipherSuiteMismatch { expected, got })
    }
}

/// `Err` unless `secret` is `KDF.Nh` bytes long.
pub(crate) fn check_nh<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    secret: &[u8],
) -> Result<(), Error> {
    let expected = suite.kdf_extract_len();
    if secret.len() == expected {
        Ok(())
    } else {
        Err(Error::InvalidSecretLength {
            expected,
            got: secret.len(),
        })
    }
}
