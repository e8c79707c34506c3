//! [`CountingSuite`]: a cipher suite provider that counts the work done
//! through it, for tests that bound work by counting operations rather
//! than by timing them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use mls_crypto::{
    BatchVerifyError, CipherSuite, CipherSuiteProvider, Error, HpkeCiphertext, HpkeKeyPair,
    HpkePrivateKey, HpkePublicKey, Rng, Secret, SignatureItem, SignatureKeyPair,
    SignaturePrivateKey, SignaturePublicKey,
};

/// What a [`CountingSuite`] has counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `KDF.Expand` calls (every `ExpandWithLabel`, `DeriveSecret`,
    /// `DeriveTreeSecret`: a hash-ratchet step, a key, a nonce).
    pub kdf_expand: u64,
    /// Hash calls.
    pub hash: u64,
    /// Signatures verified: one per `verify_parts`, one per item of a
    /// `verify_batch`.
    pub signature_verifications: u64,
    /// AEAD opens.
    pub aead_open: u64,
}

/// Wraps a [`CipherSuiteProvider`], delegating every operation to it and
/// counting some (see [`Counts`]).
///
/// ```
/// use mls_crypto::CipherSuiteProvider;
/// use mls_test_support::CountingSuite;
/// # fn check<S: mls_crypto::CipherSuiteProvider>(inner: S) {
/// let suite = CountingSuite::new(inner);
/// let _ = suite.kdf_expand(&[0; 32], b"info", 16);
/// assert_eq!(suite.counts().kdf_expand, 1);
/// # }
/// ```
///
/// Clones share their counters, so a clone handed to a group (which owns
/// its provider) is counted where the test can see it.
#[derive(Debug, Default, Clone)]
pub struct CountingSuite<S> {
    inner: S,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    kdf_expand: AtomicU64,
    hash: AtomicU64,
    signature_verifications: AtomicU64,
    aead_open: AtomicU64,
}

impl<S> CountingSuite<S> {
    /// Counts the operations done through `inner`, from zero.
    pub fn new(inner: S) -> Self {
        CountingSuite {
            inner,
            counters: Arc::new(Counters::default()),
        }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        Counts {
            kdf_expand: self.counters.kdf_expand.load(Ordering::Relaxed),
            hash: self.counters.hash.load(Ordering::Relaxed),
            signature_verifications: self
                .counters
                .signature_verifications
                .load(Ordering::Relaxed),
            aead_open: self.counters.aead_open.load(Ordering::Relaxed),
        }
    }

    /// The counts so far, then every count back to zero.
    pub fn take_counts(&self) -> Counts {
        Counts {
            kdf_expand: self.counters.kdf_expand.swap(0, Ordering::Relaxed),
            hash: self.counters.hash.swap(0, Ordering::Relaxed),
            signature_verifications: self
                .counters
                .signature_verifications
                .swap(0, Ordering::Relaxed),
            aead_open: self.counters.aead_open.swap(0, Ordering::Relaxed),
        }
    }
}

fn bump(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

impl<S: CipherSuiteProvider> CipherSuiteProvider for CountingSuite<S> {
    type SigningKey = S::SigningKey;
    type VerifyingKey = S::VerifyingKey;

    fn cipher_suite(&self) -> CipherSuite {
        self.inner.cipher_suite()
    }

    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        bump(&self.counters.hash, 1);
        self.inner.hash_parts(parts)
    }

    fn hash_len(&self) -> usize {
        self.inner.hash_len()
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner.mac(key, data)
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, Error> {
        self.inner.kdf_extract(salt, ikm)
    }

    fn kdf_expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, Error> {
        bump(&self.counters.kdf_expand, 1);
        self.inner.kdf_expand(prk, info, len)
    }

    fn kdf_extract_len(&self) -> usize {
        self.inner.kdf_extract_len()
    }

    fn aead_key_len(&self) -> usize {
        self.inner.aead_key_len()
    }

    fn aead_nonce_len(&self) -> usize {
        self.inner.aead_nonce_len()
    }

    fn aead_seal_in_place(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.inner.aead_seal_in_place(key, nonce, aad, buffer)
    }

    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        bump(&self.counters.aead_open, 1);
        self.inner.aead_open(key, nonce, aad, ciphertext)
    }

    fn hpke_seal_parts(
        &self,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error> {
        self.inner
            .hpke_seal_parts(public_key, info_parts, aad, plaintext, rng)
    }

    fn hpke_seal_batch_parts(
        &self,
        info_parts: &[&[u8]],
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        self.inner
            .hpke_seal_batch_parts(info_parts, aad, items, rng)
    }

    fn hpke_open_parts(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error> {
        self.inner
            .hpke_open_parts(private_key, public_key, info_parts, aad, ciphertext)
    }

    fn hpke_export_sender(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, Secret), Error> {
        self.inner
            .hpke_export_sender(public_key, info, exporter_context, len, rng)
    }

    fn hpke_export_receiver(
        &self,
        kem_output: &[u8],
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, Error> {
        self.inner.hpke_export_receiver(
            kem_output,
            private_key,
            public_key,
            info,
            exporter_context,
            len,
        )
    }

    fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, Error> {
        self.inner.hpke_derive_key_pair(ikm)
    }

    fn hpke_generate_key_pair(&self, rng: &mut dyn Rng) -> Result<HpkeKeyPair, Error> {
        self.inner.hpke_generate_key_pair(rng)
    }

    fn hpke_validate_public_key(&self, public_key: &HpkePublicKey) -> Result<(), Error> {
        self.inner.hpke_validate_public_key(public_key)
    }

    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<HpkePublicKey, Error> {
        self.inner.hpke_public_key(private_key)
    }

    fn signature_generate(&self, rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error> {
        self.inner.signature_generate(rng)
    }

    fn signing_key(&self, private_key: &SignaturePrivateKey) -> Result<Self::SigningKey, Error> {
        self.inner.signing_key(private_key)
    }

    fn signing_public_key(&self, key: &Self::SigningKey) -> SignaturePublicKey {
        self.inner.signing_public_key(key)
    }

    fn sign_parts(&self, key: &Self::SigningKey, parts: &[&[u8]]) -> Result<Vec<u8>, Error> {
        self.inner.sign_parts(key, parts)
    }

    fn verify_parts(
        &self,
        public_key: &SignaturePublicKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        bump(&self.counters.signature_verifications, 1);
        self.inner.verify_parts(public_key, parts, signature)
    }

    fn verifying_key(&self, public_key: &SignaturePublicKey) -> Result<Self::VerifyingKey, Error> {
        self.inner.verifying_key(public_key)
    }

    fn verify_prepared(
        &self,
        key: &Self::VerifyingKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        bump(&self.counters.signature_verifications, 1);
        self.inner.verify_prepared(key, parts, signature)
    }

    fn verify_batch(&self, items: &[SignatureItem<'_>]) -> Result<(), BatchVerifyError> {
        bump(&self.counters.signature_verifications, items.len());
        self.inner.verify_batch(items)
    }

    fn signature_validate_public_key(&self, public_key: &SignaturePublicKey) -> Result<(), Error> {
        self.inner.signature_validate_public_key(public_key)
    }
}
