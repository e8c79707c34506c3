//! Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1).

use alloc::vec::Vec;
use mls_codec::write_vector_bytes;
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt};
use subtle::ConstantTimeEq;

use crate::{EpochSecrets, Error};

/// The two running transcript hashes of a group (RFC 9420 §8.2).
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::TranscriptHashes;
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let start = TranscriptHashes::default(); // epoch 0: both empty
/// let confirmed = start.confirmed_after(&suite, b"ConfirmedTranscriptHashInput bytes");
/// let next = TranscriptHashes::after_commit(&suite, confirmed, &[0xaa; 32]).unwrap();
/// assert_eq!(next.interim.len(), 32);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptHashes {
    /// `confirmed_transcript_hash`.
    pub confirmed: Vec<u8>,
    /// `interim_transcript_hash`.
    pub interim: Vec<u8>,
}

impl TranscriptHashes {
    /// The next `confirmed_transcript_hash`: `Hash(interim || input)` with
    /// `input` the encoded ConfirmedTranscriptHashInput of the Commit.
    pub fn confirmed_after<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        confirmed_input: &[u8],
    ) -> Vec<u8> {
        confirmed_transcript_hash(suite, &self.interim, confirmed_input)
    }

    /// The hashes once the Commit's `confirmation_tag` is known: `confirmed`
    /// (from [`TranscriptHashes::confirmed_after`]) and the interim hash
    /// over it.
    pub fn after_commit<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        confirmed: Vec<u8>,
        confirmation_tag: &[u8],
    ) -> Result<Self, Error> {
        let interim = interim_transcript_hash(suite, &confirmed, confirmation_tag)?;
        Ok(TranscriptHashes { confirmed, interim })
    }
}

/// `confirmed_transcript_hash_[epoch] = Hash(interim_transcript_hash_[epoch - 1]
/// || ConfirmedTranscriptHashInput_[epoch])` (RFC 9420 §8.2).
/// `confirmed_input` is the encoded ConfirmedTranscriptHashInput.
///
/// ```
/// use mls_crypto::{CipherSuite, CipherSuiteProviderExt, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::confirmed_transcript_hash;
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// assert_eq!(confirmed_transcript_hash(&suite, b"ab", b"cd"), suite.hash(b"abcd"));
/// ```
pub fn confirmed_transcript_hash<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    interim_before: &[u8],
    confirmed_input: &[u8],
) -> Vec<u8> {
    confirmed_transcript_hash_of_parts(suite, interim_before, &[confirmed_input])
}

/// [`confirmed_transcript_hash`] with the encoded
/// ConfirmedTranscriptHashInput given as consecutive pieces
/// (`input_parts[0] || input_parts[1] || ...`), hashed one after another:
/// a large commit's content is hashed where it already is, never copied
/// next to the interim hash.
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::{confirmed_transcript_hash, confirmed_transcript_hash_of_parts};
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// assert_eq!(
///     confirmed_transcript_hash_of_parts(&suite, b"ab", &[b"c", b"", b"d"]),
///     confirmed_transcript_hash(&suite, b"ab", b"cd")
/// );
/// ```
pub fn confirmed_transcript_hash_of_parts<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    interim_before: &[u8],
    input_parts: &[&[u8]],
) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::with_capacity(input_parts.len().saturating_add(1));
    parts.push(interim_before);
    parts.extend_from_slice(input_parts);
    suite.hash_parts(&parts)
}

/// `interim_transcript_hash_[epoch] = Hash(confirmed_transcript_hash_[epoch]
/// || InterimTranscriptHashInput_[epoch])`, where InterimTranscriptHashInput
/// is `struct { MAC confirmation_tag; }` and `MAC` is `opaque<V>` (RFC 9420 §8.2).
///
/// ```
/// use mls_crypto::{CipherSuite, CipherSuiteProviderExt, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::interim_transcript_hash;
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let h = interim_transcript_hash(&suite, b"c", &[9, 9]).unwrap();
/// assert_eq!(h, suite.hash(&[b'c', 2, 9, 9]));
/// ```
pub fn interim_transcript_hash<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    confirmed: &[u8],
    confirmation_tag: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut data = Vec::with_capacity(
        confirmed
            .len()
            .saturating_add(confirmation_tag.len())
            .saturating_add(4),
    );
    data.extend_from_slice(confirmed);
    write_vector_bytes(confirmation_tag, &mut data)?;
    Ok(suite.hash(&data))
}

/// `confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)`
/// (RFC 9420 §6.1).
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::{confirmation_tag, verify_confirmation_tag, Error};
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let tag = confirmation_tag(&suite, &[1; 32], b"transcript").unwrap();
/// assert!(verify_confirmation_tag(&suite, &[1; 32], b"transcript", &tag).is_ok());
/// assert_eq!(
///     verify_confirmation_tag(&suite, &[2; 32], b"transcript", &tag),
///     Err(Error::ConfirmationTagMismatch)
/// );
/// ```
pub fn confirmation_tag<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    confirmation_key: &[u8],
    confirmed_transcript_hash: &[u8],
) -> Result<Vec<u8>, Error> {
    Ok(suite.mac(confirmation_key, confirmed_transcript_hash)?)
}

/// Check a confirmation tag in constant time.
pub fn verify_confirmation_tag<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    confirmation_key: &[u8],
    confirmed_transcript_hash: &[u8],
    tag: &[u8],
) -> Result<(), Error> {
    let expected = confirmation_tag(suite, confirmation_key, confirmed_transcript_hash)?;
    if expected.len() == tag.len() && bool::from(expected.as_slice().ct_eq(tag)) {
        Ok(())
    } else {
        Err(Error::ConfirmationTagMismatch)
    }
}

impl EpochSecrets {
    /// This epoch's `confirmation_tag` over `confirmed_transcript_hash`.
    pub fn confirmation_tag<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        confirmed_transcript_hash: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.check_suite(suite)?;
        confirmation_tag(
            suite,
            self.confirmation_key().as_bytes(),
            confirmed_transcript_hash,
        )
    }

    /// Verify a `confirmation_tag` with this epoch's key, in constant time.
    pub fn verify_confirmation_tag<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        confirmed_transcript_hash: &[u8],
        tag: &[u8],
    ) -> Result<(), Error> {
        self.check_suite(suite)?;
        verify_confirmation_tag(
            suite,
            self.confirmation_key().as_bytes(),
            confirmed_transcript_hash,
            tag,
        )
    }
}
