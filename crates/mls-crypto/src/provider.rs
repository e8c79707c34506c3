//! The provider traits: what MLS needs from a cryptographic library.

use alloc::vec::Vec;

use crate::batch::{self, SignatureItem};
use crate::{
    BatchVerifyError, CipherSuite, Error, HpkeCiphertext, HpkeKeyPair, HpkePrivateKey,
    HpkePublicKey, Rng, Secret, SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
};

/// A source of cipher suite implementations.
///
/// Example: the crate documentation of `mls-rustcrypto`.
pub trait CryptoProvider {
    /// The per-suite implementation.
    type Suite: CipherSuiteProvider;

    /// The implementation of `suite`, or `None` if it is not supported.
    fn cipher_suite_provider(&self, suite: CipherSuite) -> Option<Self::Suite>;

    /// Every suite this provider supports.
    fn supported_cipher_suites(&self) -> Vec<CipherSuite>;
}

/// One cipher suite's primitives (RFC 9420 §5.1): hash, MAC, KDF, AEAD, HPKE
/// (RFC 9180 base mode) and signatures. Lengths are the suite's, never fixed.
///
/// Randomness is always an argument, so implementations hold no state that
/// changes.
pub trait CipherSuiteProvider {
    /// A signature private key expanded for signing (for Ed25519, the
    /// expanded secret and the public point), so that a signature does not
    /// rebuild the key. Zeroized on drop.
    type SigningKey;

    /// The suite this implements.
    fn cipher_suite(&self) -> CipherSuite;

    /// `Hash(data)` with the suite's hash function.
    fn hash(&self, data: &[u8]) -> Vec<u8>;

    /// `Hash(parts[0] || parts[1] || ...)`: [`hash`](Self::hash) of the
    /// concatenation, without building it. The default concatenates.
    ///
    /// Example, on the RustCrypto provider: test `hash_parts` in
    /// `crates/mls-rustcrypto/tests/trait_examples.rs`.
    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.hash(&parts.concat())
    }

    /// The output length of the hash, which is also `KDF.Nh` for the RFC suites.
    fn hash_len(&self) -> usize;

    /// `MAC(key, data)`: HMAC with the suite's hash.
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error>;

    /// `KDF.Extract(salt, ikm)`.
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret;

    /// `KDF.Expand(prk, info, len)`.
    fn kdf_expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, Error>;

    /// `KDF.Nh`: the output length of `KDF.Extract`.
    fn kdf_extract_len(&self) -> usize;

    /// `AEAD.Nk`.
    fn aead_key_len(&self) -> usize;

    /// `AEAD.Nn`.
    fn aead_nonce_len(&self) -> usize;

    /// AEAD seal; the output is ciphertext followed by the tag.
    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error>;

    /// [`aead_seal`](Self::aead_seal) in place: `buffer` holds the
    /// plaintext and receives the ciphertext followed by the tag, so that
    /// a large plaintext is not copied (reserve the tag's room in `buffer`
    /// to avoid a reallocation). The default seals into a new vector. On
    /// error `buffer` is left as it was.
    ///
    /// Example, on the RustCrypto provider: test `aead_seal_in_place` in
    /// `crates/mls-rustcrypto/tests/trait_examples.rs`.
    fn aead_seal_in_place(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), Error> {
        *buffer = self.aead_seal(key, nonce, aad, buffer)?;
        Ok(())
    }

    /// AEAD open of ciphertext-with-tag.
    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error>;

    /// HPKE `SealBase(pk, info, aad, pt)` (RFC 9180 §6.1).
    fn hpke_seal(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error>;

    /// [`hpke_seal`](Self::hpke_seal) with `info = info_parts[0] ||
    /// info_parts[1] || ...`, not built (HPKE only hashes `info`). The
    /// default concatenates.
    ///
    /// Example, on the RustCrypto provider: test `hpke_seal_parts` in
    /// `crates/mls-rustcrypto/tests/trait_examples.rs`.
    fn hpke_seal_parts(
        &self,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error> {
        self.hpke_seal(public_key, &info_parts.concat(), aad, plaintext, rng)
    }

    /// `SealBase(pk, info, aad, pt)` for each `(pk, pt)` of `items`, in
    /// order, with one `info` and `aad` for all: equal, output and error,
    /// to [`batch::seal_each`] (that many [`hpke_seal`](Self::hpke_seal)
    /// calls, drawing from `rng` in the same order), which is the default.
    /// An implementation may seal in parallel, but must draw its
    /// randomness as the sequential calls would, so that the result does
    /// not depend on how it runs. On error, `rng` may have been advanced
    /// further than the sequential calls would have.
    ///
    /// Example, on the RustCrypto provider: test `hpke_seal_batch` in
    /// `crates/mls-rustcrypto/tests/trait_examples.rs`.
    fn hpke_seal_batch(
        &self,
        info: &[u8],
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        batch::seal_each(self, info, aad, items, rng)
    }

    /// [`hpke_seal_batch`](Self::hpke_seal_batch) with `info =
    /// info_parts[0] || info_parts[1] || ...`, not built. The default
    /// concatenates.
    fn hpke_seal_batch_parts(
        &self,
        info_parts: &[&[u8]],
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        self.hpke_seal_batch(&info_parts.concat(), aad, items, rng)
    }

    /// HPKE `OpenBase(enc, sk, info, aad, ct)` (RFC 9180 §6.1). The caller
    /// passes the recipient's public key, which MLS always has, so that it
    /// is not recomputed from the private key.
    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error>;

    /// [`hpke_open`](Self::hpke_open) with `info = info_parts[0] ||
    /// info_parts[1] || ...`, not built. The default concatenates.
    fn hpke_open_parts(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error> {
        self.hpke_open(
            private_key,
            public_key,
            &info_parts.concat(),
            aad,
            ciphertext,
        )
    }

    /// `SetupBaseS(pk, info)` then `context.export(exporter_context, len)`
    /// (RFC 9180 §5.3): returns the KEM output and the exported secret.
    /// Used by external initialization (RFC 9420 §8.3).
    fn hpke_export_sender(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, Secret), Error>;

    /// `SetupBaseR(enc, sk, info)` then `context.export(exporter_context, len)`.
    fn hpke_export_receiver(
        &self,
        kem_output: &[u8],
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, Error>;

    /// `DeriveKeyPair(ikm)` of the suite's KEM (RFC 9180 §7.1.3).
    fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, Error>;

    /// A fresh HPKE key pair.
    fn hpke_generate_key_pair(&self, rng: &mut dyn Rng) -> Result<HpkeKeyPair, Error>;

    /// Check that `public_key` is a valid KEM public key for this suite.
    fn hpke_validate_public_key(&self, public_key: &HpkePublicKey) -> Result<(), Error>;

    /// The public key of an HPKE private key (also validates the private key).
    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<HpkePublicKey, Error>;

    /// A fresh signature key pair.
    fn signature_generate(&self, rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error>;

    /// Expand a serialized signature private key for signing.
    fn signing_key(&self, private_key: &SignaturePrivateKey) -> Result<Self::SigningKey, Error>;

    /// The public key of an expanded signing key.
    fn signing_public_key(&self, key: &Self::SigningKey) -> SignaturePublicKey;

    /// `Signature.Sign(key, message)`: DER for ECDSA, `R || S` for EdDSA.
    fn sign(&self, key: &Self::SigningKey, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// `Signature.Verify(public_key, message, signature)`.
    fn verify(
        &self,
        public_key: &SignaturePublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// [`sign`](Self::sign) of `message = parts[0] || parts[1] || ...`,
    /// which the implementation may hash piece by piece instead of
    /// building it: the same signature as `sign` of the concatenation
    /// (for deterministic schemes, the same bytes). The default
    /// concatenates.
    ///
    /// Example, on the RustCrypto provider: test `sign_parts` in
    /// `crates/mls-rustcrypto/tests/trait_examples.rs`.
    fn sign_parts(&self, key: &Self::SigningKey, parts: &[&[u8]]) -> Result<Vec<u8>, Error> {
        self.sign(key, &parts.concat())
    }

    /// [`verify`](Self::verify) of `message = parts[0] || parts[1] || ...`,
    /// with the same result as `verify` of the concatenation. The default
    /// concatenates.
    fn verify_parts(
        &self,
        public_key: &SignaturePublicKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.verify(public_key, &parts.concat(), signature)
    }

    /// [`verify`](Self::verify) of every item: `Ok` if each verifies,
    /// else the first failing item (lowest index) with the error `verify`
    /// gives for it. The default, [`batch::verify_each`], verifies one by
    /// one; an implementation may verify many signatures at once (the
    /// RustCrypto provider does for Ed25519) with the same result, up to
    /// the caveats it documents. An empty batch is `Ok`.
    ///
    /// Example, on the RustCrypto provider: test `verify_batch` in
    /// `crates/mls-rustcrypto/tests/trait_examples.rs`.
    fn verify_batch(&self, items: &[SignatureItem<'_>]) -> Result<(), BatchVerifyError> {
        batch::verify_each(self, items)
    }

    /// Check that `public_key` is a valid signature public key for this suite.
    fn signature_validate_public_key(&self, public_key: &SignaturePublicKey) -> Result<(), Error>;

    /// `len` fresh random bytes as a secret.
    fn random_secret(&self, len: usize, rng: &mut dyn Rng) -> Result<Secret, Error> {
        let mut s = Secret::zero(len);
        rng.fill_bytes(s.as_mut_bytes())?;
        Ok(s)
    }
}
