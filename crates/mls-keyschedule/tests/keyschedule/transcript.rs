//! Transcript hashes and confirmation tags (RFC 9420 §8.2).

use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, Secret};
use mls_keyschedule::{confirmed_transcript_hash, EpochSecrets, Error, TranscriptHashes};
use mls_rustcrypto::RustCrypto;

#[test]
fn two_epochs_of_transcript() {
    for id in 1..=7 {
        let s = RustCrypto.cipher_suite_provider(CipherSuite(id)).unwrap();
        let nh = s.kdf_extract_len();
        let epoch = EpochSecrets::from_epoch_secret(&s, &Secret::from(vec![3; nh])).unwrap();
        let t0 = TranscriptHashes::default();
        let confirmed = t0.confirmed_after(&s, b"commit 1");
        assert_eq!(confirmed, confirmed_transcript_hash(&s, b"", b"commit 1"));
        let tag = epoch.confirmation_tag(&s, &confirmed).unwrap();
        assert_eq!(tag.len(), s.hash_len());
        epoch.verify_confirmation_tag(&s, &confirmed, &tag).unwrap();
        let mut bad = tag.clone();
        bad[0] ^= 1;
        assert_eq!(
            epoch.verify_confirmation_tag(&s, &confirmed, &bad),
            Err(Error::ConfirmationTagMismatch)
        );
        assert_eq!(
            epoch.verify_confirmation_tag(&s, &confirmed, &tag[1..]),
            Err(Error::ConfirmationTagMismatch)
        );
        let t1 = TranscriptHashes::after_commit(&s, confirmed, &tag).unwrap();
        let t2 =
            TranscriptHashes::after_commit(&s, t1.confirmed_after(&s, b"commit 2"), &tag).unwrap();
        assert_ne!(t1, t2);
        assert_ne!(t1.confirmed, t1.interim);
    }
}
