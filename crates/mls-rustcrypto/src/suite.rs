//! The provider types: [`RustCrypto`] and [`RustCryptoSuite`].
//!
//! Each suite is split at construction into small enums (hash, AEAD, KEM,
//! signature); operations dispatch on those, never on the suite number.

use alloc::vec::Vec;

use crate::aead::AeadAlg;
use crate::dhkem::KemAlg;
use crate::hash::HashAlg;
use crate::hpke::{Hpke, KeyScheduleContext};
#[cfg(feature = "parallel")]
use crate::parallel;
use crate::signature::{RustCryptoSigningKey, RustCryptoVerifyingKey, SigAlg};
use mls_crypto::{
    batch, BatchVerifyError, CipherSuite, CipherSuiteProvider, CryptoProvider, Error,
    HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, Rng, Secret, SignatureItem,
    SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
};

/// Below this many seals per thread, a batch of HPKE seals stays on one
/// thread (spawning costs about as much as one seal).
#[cfg(feature = "parallel")]
const MIN_SEALS_PER_THREAD: usize = 8;

/// The RustCrypto provider. Supports the RFC 9420 suites whose Cargo feature
/// (`suite-1` … `suite-7`) is enabled.
///
/// ```
/// use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider};
/// use mls_rustcrypto::RustCrypto;
/// for cs in RustCrypto.supported_cipher_suites() {
///     let suite = RustCrypto.cipher_suite_provider(cs).unwrap();
///     assert_eq!(suite.hash(b"abc").len(), suite.hash_len());
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

impl CryptoProvider for RustCrypto {
    type Suite = RustCryptoSuite;

    fn cipher_suite_provider(&self, suite: CipherSuite) -> Option<RustCryptoSuite> {
        RustCryptoSuite::new(suite)
    }

    fn supported_cipher_suites(&self) -> Vec<CipherSuite> {
        CipherSuite::ALL_RFC
            .into_iter()
            .filter(|cs| RustCryptoSuite::new(*cs).is_some())
            .collect()
    }
}

/// One RFC 9420 cipher suite on RustCrypto primitives.
///
/// [`verify_batch`](CipherSuiteProvider::verify_batch) gives the result of
/// one-by-one verification on every input (Ed25519 signatures share their
/// final field inversions in chunks; other schemes one by one). With
/// the `parallel` feature, `with_threads` spreads
/// batch verification and [`hpke_seal_batch_parts`](CipherSuiteProvider::hpke_seal_batch_parts)
/// over several threads, with results identical to one thread.
#[derive(Debug, Clone)]
pub struct RustCryptoSuite {
    suite: CipherSuite,
    hash: HashAlg,
    aead: AeadAlg,
    hpke: Hpke,
    sig: SigAlg,
    /// Threads for the batch operations (1 without the `parallel` feature).
    threads: usize,
}

impl RustCryptoSuite {
    /// The suite's implementation, or `None` if it is not an RFC suite or
    /// its feature is disabled.
    pub fn new(suite: CipherSuite) -> Option<Self> {
        // (hash, KDF id, AEAD, AEAD id, KEM, signature) — RFC 9420 §17.1.
        let (hash, kdf_id, aead, aead_id, kem, sig) = match suite.0 {
            #[cfg(feature = "suite-1")]
            1 => (
                HashAlg::Sha256,
                1,
                AeadAlg::Aes128Gcm,
                1,
                KemAlg::X25519,
                SigAlg::Ed25519,
            ),
            #[cfg(feature = "suite-2")]
            2 => (
                HashAlg::Sha256,
                1,
                AeadAlg::Aes128Gcm,
                1,
                KemAlg::P256,
                SigAlg::EcdsaP256,
            ),
            #[cfg(feature = "suite-3")]
            3 => (
                HashAlg::Sha256,
                1,
                AeadAlg::ChaCha20Poly1305,
                3,
                KemAlg::X25519,
                SigAlg::Ed25519,
            ),
            #[cfg(feature = "suite-4")]
            4 => (
                HashAlg::Sha512,
                3,
                AeadAlg::Aes256Gcm,
                2,
                KemAlg::X448,
                SigAlg::Ed448,
            ),
            #[cfg(feature = "suite-5")]
            5 => (
                HashAlg::Sha512,
                3,
                AeadAlg::Aes256Gcm,
                2,
                KemAlg::P521,
                SigAlg::EcdsaP521,
            ),
            #[cfg(feature = "suite-6")]
            6 => (
                HashAlg::Sha512,
                3,
                AeadAlg::ChaCha20Poly1305,
                3,
                KemAlg::X448,
                SigAlg::Ed448,
            ),
            #[cfg(feature = "suite-7")]
            7 => (
                HashAlg::Sha384,
                2,
                AeadAlg::Aes256Gcm,
                2,
                KemAlg::P384,
                SigAlg::EcdsaP384,
            ),
            _ => return None,
        };
        Some(RustCryptoSuite {
            suite,
            hash,
            aead,
            hpke: Hpke::new(kem, hash, aead, kdf_id, aead_id),
            sig,
            threads: 1,
        })
    }

    /// The number of threads the batch operations use (1 unless set with
    /// `with_threads`, `parallel` feature, and then capped).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The same suite, running [`verify_batch`](CipherSuiteProvider::verify_batch)
    /// and [`hpke_seal_batch_parts`](CipherSuiteProvider::hpke_seal_batch_parts) on up
    /// to `threads` threads (`std::thread::scope`), capped: 0 counts as 1,
    /// and no more than the machine's cores (`available_parallelism`) nor
    /// [`MAX_THREADS`](crate::MAX_THREADS) (64) — [`threads`](Self::threads)
    /// tells what was granted. Each thread takes a contiguous chunk of the
    /// items (for seals, at least 8 per thread); a thread that cannot be
    /// spawned is no error: its chunk runs on the calling thread. Every
    /// result is identical to that of one thread: batch verification
    /// chunks have fixed boundaries, and the seals' randomness is drawn
    /// from the caller's `Rng` in order before the threads start.
    ///
    /// ```
    /// use mls_crypto::CipherSuite;
    /// use mls_rustcrypto::RustCryptoSuite;
    /// let suite = RustCryptoSuite::new(CipherSuite(1)).unwrap().with_threads(2);
    /// assert!((1..=2).contains(&suite.threads()));
    /// let many = RustCryptoSuite::new(CipherSuite(1)).unwrap().with_threads(usize::MAX);
    /// assert!(many.threads() <= mls_rustcrypto::MAX_THREADS);
    /// ```
    #[cfg(feature = "parallel")]
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = parallel::cap_threads(threads);
        self
    }

    /// `SealBase` of every item with one `info` (its key schedule context
    /// given), in order: on several threads for a large batch with the
    /// `parallel` feature.
    ///
    /// The randomness is drawn first, one `Nsk` draw per seal in order (as
    /// sealing one by one would), so the output does not depend on the
    /// thread count. On a failure of the random source the seals before it
    /// still run, so that an earlier seal's error wins as it would in order.
    fn hpke_seal_many(
        &self,
        context: &KeyScheduleContext,
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        let mut ikms = Vec::with_capacity(items.len());
        let mut drawn = Ok(());
        for _ in items {
            match self.hpke.kem.draw_ephemeral_ikm(rng) {
                Ok(ikm) => ikms.push(ikm),
                Err(e) => {
                    drawn = Err(e);
                    break;
                }
            }
        }
        let items = items.get(..ikms.len()).unwrap_or(&[]);
        #[cfg(feature = "parallel")]
        if self.threads > 1 && items.len() >= 2 * MIN_SEALS_PER_THREAD {
            let threads = self.threads.min(items.len() / MIN_SEALS_PER_THREAD);
            let parts = parallel::in_ranges(items.len(), threads, |r| {
                let these = items.get(r.clone()).unwrap_or(&[]);
                self.seal_with_ikms(these, ikms.get(r).unwrap_or(&[]), context, aad)
            });
            let mut out = Vec::with_capacity(items.len());
            for part in parts {
                out.extend(part?);
            }
            return drawn.map(|()| out);
        }
        let out = self.seal_with_ikms(items, &ikms, context, aad)?;
        drawn.map(|()| out)
    }

    /// The seals of `items` with their drawn randomness, as one batch.
    fn seal_with_ikms(
        &self,
        items: &[(&HpkePublicKey, &[u8])],
        ikms: &[Secret],
        context: &KeyScheduleContext,
        aad: &[u8],
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        let pairs: Vec<(&[u8], &[u8])> = items
            .iter()
            .map(|(pk, pt)| (pk.0.as_slice(), *pt))
            .collect();
        Ok(self
            .hpke
            .seal_batch_from_ikms(&pairs, ikms, context, aad)?
            .into_iter()
            .map(|(kem_output, ciphertext)| HpkeCiphertext {
                kem_output,
                ciphertext,
            })
            .collect())
    }

    /// One-by-one verification, on several threads with the `parallel` feature.
    #[allow(dead_code)] // unused when every enabled scheme is Ed25519
    fn verify_one_by_one(&self, items: &[SignatureItem<'_>]) -> Result<(), BatchVerifyError> {
        #[cfg(feature = "parallel")]
        if self.threads > 1 && items.len() > 1 {
            return parallel::in_ranges(items.len(), self.threads, |r| {
                let start = r.start;
                batch::verify_each(self, items.get(r).unwrap_or(&[])).map_err(|e| {
                    BatchVerifyError {
                        index: start + e.index,
                        ..e
                    }
                })
            })
            .into_iter()
            .collect();
        }
        batch::verify_each(self, items)
    }
}

impl CipherSuiteProvider for RustCryptoSuite {
    type SigningKey = RustCryptoSigningKey;
    type VerifyingKey = RustCryptoVerifyingKey;

    fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }


    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.hash.hash_parts(parts)
    }

    fn hash_len(&self) -> usize {
        self.hash.output_len()
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
        self.hash.mac(key, data)
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, Error> {
        // HMAC accepts every key length, so this does not fail in practice;
        // if it did, the error is returned (never a placeholder secret).
        self.hash.extract(salt, &[ikm])
    }

    fn kdf_expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, Error> {
        self.hash.expand(prk, &[info], len)
    }

    fn kdf_extract_len(&self) -> usize {
        self.hash.output_len()
    }

    fn aead_key_len(&self) -> usize {
        self.aead.key_len()
    }

    fn aead_nonce_len(&self) -> usize {
        self.aead.nonce_len()
    }


    fn aead_seal_in_place(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.aead.seal_in_place(key, nonce, aad, buffer)
    }

    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.aead.open(key, nonce, aad, ciphertext)
    }


    fn hpke_seal_parts(
        &self,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error> {
        let context = self.hpke.key_schedule_context(info_parts)?;
        let (kem_output, ciphertext) =
            self.hpke
                .seal(&public_key.0, &context, aad, plaintext, rng)?;
        Ok(HpkeCiphertext {
            kem_output,
            ciphertext,
        })
    }


    /// The key schedule context of `info` is computed once for the batch.
    fn hpke_seal_batch_parts(
        &self,
        info_parts: &[&[u8]],
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let context = self.hpke.key_schedule_context(info_parts)?;
        self.hpke_seal_many(&context, aad, items, rng)
    }


    fn hpke_open_parts(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error> {
        self.hpke.open(
            &ciphertext.kem_output,
            private_key.as_bytes(),
            &public_key.0,
            info_parts,
            aad,
            &ciphertext.ciphertext,
        )
    }

    fn hpke_export_sender(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, Secret), Error> {
        self.hpke
            .export_sender(&public_key.0, info, exporter_context, len, rng)
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
        // The public key enters the KEM context; a wrong one would give a
        // wrong exporter secret that nothing detects. One base-point
        // multiplication per call (external init only).
        let derived = self.hpke.kem.public_key(private_key.as_bytes())?;
        if derived != public_key.0 {
            return Err(Error::KeyPairMismatch);
        }
        self.hpke.export_receiver(
            kem_output,
            private_key.as_bytes(),
            &derived,
            info,
            exporter_context,
            len,
        )
    }

    fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, Error> {
        self.hpke.kem.derive_key_pair(ikm)
    }

    fn hpke_generate_key_pair(&self, rng: &mut dyn Rng) -> Result<HpkeKeyPair, Error> {
        let mut ikm = Secret::zero(self.hpke.kem.private_key_len());
        rng.fill_bytes(ikm.as_mut_bytes())?;
        self.hpke.kem.derive_key_pair(ikm.as_bytes())
    }

    fn hpke_validate_public_key(&self, public_key: &HpkePublicKey) -> Result<(), Error> {
        self.hpke.kem.validate_public_key(&public_key.0)
    }

    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<HpkePublicKey, Error> {
        self.hpke.kem.public_key(private_key.as_bytes()).map(HpkePublicKey)
    }

    fn signature_generate(&self, rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error> {
        self.sig.generate(rng)
    }

    fn signing_key(
        &self,
        private_key: &SignaturePrivateKey,
    ) -> Result<RustCryptoSigningKey, Error> {
        self.sig.signing_key(private_key.as_bytes())
    }

    fn signing_public_key(&self, key: &RustCryptoSigningKey) -> SignaturePublicKey {
        key.public_key().clone()
    }


    /// Ed25519 and ECDSA hash the parts one after another; Ed448
    /// concatenates them (its crate signs only whole messages).
    fn sign_parts(&self, key: &RustCryptoSigningKey, parts: &[&[u8]]) -> Result<Vec<u8>, Error> {
        self.sig.sign(key, parts)
    }


    /// As [`sign_parts`](Self::sign_parts): the parts are hashed one after
    /// another except for Ed448.
    fn verify_parts(
        &self,
        public_key: &SignaturePublicKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.sig.verify(&public_key.0, parts, signature)
    }

    /// Ed25519: the key decompressed and checked not to be of small order,
    /// once. Other schemes: the key checked valid.
    fn verifying_key(&self, public_key: &SignaturePublicKey) -> Result<RustCryptoVerifyingKey, Error> {
        self.sig.verifying_key(public_key)
    }

    /// [`verify_parts`](Self::verify_parts) without decoding the key again
    /// (Ed25519; the other schemes decode it, as `verify_parts` does).
    fn verify_prepared(
        &self,
        key: &RustCryptoVerifyingKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.sig.verify_prepared(key, parts, signature)
    }

    /// Ed25519: every signature is checked exactly as
    /// [`verify_parts`](Self::verify_parts) checks it (`verify_strict`),
    /// in chunks of 256 whose recomputed `R` points share one field
    /// inversion; a signature that fails is re-verified alone, so the
    /// result, error and index are those of [`batch::verify_each`] on every
    /// input. (No random-linear-combination equation: without a torsion
    /// check of every key and `R`, which costs more than it saves, it
    /// accepts signatures on mixed-order points that `verify_strict`
    /// refuses; see `ed25519_batch.rs`.) Other schemes: one by one.
    fn verify_batch(&self, items: &[SignatureItem<'_>]) -> Result<(), BatchVerifyError> {
        match self.sig {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigAlg::Ed25519 => crate::ed25519_batch::verify(items, self.threads, |i| {
                self.verify_parts(i.public_key, &[i.message], i.signature)
            }),
            #[allow(unreachable_patterns)]
            _ => self.verify_one_by_one(items),
        }
    }

    fn signature_validate_public_key(&self, public_key: &SignaturePublicKey) -> Result<(), Error> {
        self.sig.validate_public_key(&public_key.0)
    }
}
