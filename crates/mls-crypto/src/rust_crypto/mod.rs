//! The RustCrypto provider: the seven RFC 9420 suites on the RustCrypto and
//! dalek crates, with HPKE base mode implemented here from RFC 9180.
//!
//! Each suite is split at construction into small enums (hash, AEAD, KEM,
//! signature); operations dispatch on those, never on the suite number.

mod aead;
mod dhkem;
mod hash;
mod hpke;
#[cfg(any(feature = "suite-2", feature = "suite-5", feature = "suite-7"))]
mod nist;
mod signature;

use alloc::vec::Vec;

use self::aead::AeadAlg;
use self::dhkem::KemAlg;
use self::hash::HashAlg;
use self::hpke::Hpke;
pub use self::signature::RustCryptoSigningKey;
use self::signature::SigAlg;
use crate::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Error, HpkeCiphertext, HpkeKeyPair,
    HpkePrivateKey, HpkePublicKey, Rng, Secret, SignatureKeyPair, SignaturePrivateKey,
    SignaturePublicKey,
};

/// The RustCrypto provider. Supports the RFC 9420 suites whose Cargo feature
/// (`suite-1` … `suite-7`) is enabled.
///
/// ```
/// use mls_crypto::{CipherSuiteProvider, CryptoProvider, RustCrypto};
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
#[derive(Debug, Clone)]
pub struct RustCryptoSuite {
    suite: CipherSuite,
    hash: HashAlg,
    aead: AeadAlg,
    hpke: Hpke,
    sig: SigAlg,
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
        })
    }
}

impl CipherSuiteProvider for RustCryptoSuite {
    type SigningKey = RustCryptoSigningKey;

    fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }

    fn hash(&self, data: &[u8]) -> Vec<u8> {
        self.hash.hash(data)
    }

    fn hash_len(&self) -> usize {
        self.hash.output_len()
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
        self.hash.mac(key, data)
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        // HMAC accepts every key length, so this cannot fail; the fallback
        // keeps the function total without a panic path.
        self.hash
            .extract(salt, &[ikm])
            .unwrap_or_else(|_| Secret::zero(self.hash.output_len()))
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

    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.aead.seal(key, nonce, aad, plaintext)
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

    fn hpke_seal(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error> {
        let (kem_output, ciphertext) = self.hpke.seal(&public_key.0, info, aad, plaintext, rng)?;
        Ok(HpkeCiphertext {
            kem_output,
            ciphertext,
        })
    }

    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error> {
        self.hpke.open(
            &ciphertext.kem_output,
            &private_key.0,
            &public_key.0,
            info,
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
        self.hpke.export_receiver(
            kem_output,
            &private_key.0,
            &public_key.0,
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
        self.hpke.kem.public_key(&private_key.0).map(HpkePublicKey)
    }

    fn signature_generate(&self, rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error> {
        self.sig.generate(rng)
    }

    fn signing_key(
        &self,
        private_key: &SignaturePrivateKey,
    ) -> Result<RustCryptoSigningKey, Error> {
        self.sig.signing_key(&private_key.0)
    }

    fn signing_public_key(&self, key: &RustCryptoSigningKey) -> SignaturePublicKey {
        key.public_key().clone()
    }

    fn sign(&self, key: &RustCryptoSigningKey, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sig.sign(key, message)
    }

    fn verify(
        &self,
        public_key: &SignaturePublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.sig.verify(&public_key.0, message, signature)
    }

    fn signature_validate_public_key(&self, public_key: &SignaturePublicKey) -> Result<(), Error> {
        self.sig.validate_public_key(&public_key.0)
    }
}
