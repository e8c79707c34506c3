//! The provider traits: what MLS needs from a cryptographic library, and
//! the single-message conveniences built on them.

use alloc::vec::Vec;

use crate::batch::SignatureItem;
use crate::{
    BatchVerifyError, CipherSuite, Error, HpkeCiphertext, HpkeKeyPair, HpkePrivateKey,
    HpkePublicKey, Rng, Secret, SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
};

/// A source of cipher suite implementations.
///
/// Example: the crate documentation of `mls-rustcrypto`.
pub trait CryptoProvider: Send + Sync {
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
/// One required method per operation. An operation that consumes a
/// message takes it in parts (`parts[0] || parts[1] || ...`, never built
/// by the caller), so that a large message is not copied to be hashed,
/// signed or used as HPKE `info`; the result is that of the operation on
/// the concatenation, whatever the split.
///
/// Only the two batch operations have default implementations:
/// [`hpke_seal_batch_parts`](Self::hpke_seal_batch_parts) (a loop over
/// [`hpke_seal_parts`](Self::hpke_seal_parts)) and
/// [`verify_batch`](Self::verify_batch) (a loop over
/// [`verify_parts`](Self::verify_parts)). A default calls required methods
/// only, never another defaulted method, so no choice of overrides can make
/// the defaults call each other in a cycle. The single-message forms
/// (`hash`, `sign`, `verify`, `hpke_seal`, `hpke_open`, `hpke_seal_batch`,
/// `aead_seal`, `random_secret`) are in [`CipherSuiteProviderExt`], which
/// every provider gets and none can override.
///
/// Randomness is always an argument, so implementations hold no state that
/// changes. Providers are `Send + Sync`, so that a group can move between
/// threads and be shared.
pub trait CipherSuiteProvider: Send + Sync {
    /// A signature private key expanded for signing (for Ed25519, the
    /// expanded secret and the public point), so that a signature does not
    /// rebuild the key. Zeroized on drop.
    type SigningKey: Send + Sync;

    /// A signature public key decoded and checked for verification (for
    /// Ed25519, the decompressed point, known not to be of small order),
    /// so that a receiver that verifies many signatures of one key — a
    /// group member's messages — decodes and checks it once
    /// ([`verifying_key`](Self::verifying_key),
    /// [`verify_prepared`](Self::verify_prepared)).
    type VerifyingKey: Send + Sync;

    /// The suite this implements.
    fn cipher_suite(&self) -> CipherSuite;

    /// `Hash(parts[0] || parts[1] || ...)` with the suite's hash function.
    ///
    /// Example, on the RustCrypto provider: test `hash_parts` in
    /// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8>;

    /// The output length of the hash, which is also `KDF.Nh` for the RFC suites.
    fn hash_len(&self) -> usize;

    /// `MAC(key, data)`: HMAC with the suite's hash. (Every caller has the
    /// MAC input as one buffer already, so it is not taken in parts.)
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error>;

    /// `KDF.Extract(salt, ikm)`. Fails closed: an implementation that
    /// cannot extract returns an error, never a placeholder secret.
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, Error>;

    /// `KDF.Expand(prk, info, len)`.
    fn kdf_expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, Error>;

    /// `KDF.Nh`: the output length of `KDF.Extract`.
    fn kdf_extract_len(&self) -> usize;

    /// `AEAD.Nk`.
    fn aead_key_len(&self) -> usize;

    /// `AEAD.Nn`.
    fn aead_nonce_len(&self) -> usize;

    /// AEAD seal in place: `buffer` holds the plaintext and receives the
    /// ciphertext followed by the tag, so that a large plaintext is not
    /// copied (reserve the tag's room in `buffer` to avoid a
    /// reallocation). On error `buffer` is left as it was.
    ///
    /// Example, on the RustCrypto provider: test `aead_seal_in_place` in
    /// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
    fn aead_seal_in_place(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), Error>;

    /// AEAD open of ciphertext-with-tag.
    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error>;

    /// HPKE `SealBase(pk, info, aad, pt)` (RFC 9180 §6.1) with `info =
    /// info_parts[0] || info_parts[1] || ...` (HPKE only hashes `info`).
    ///
    /// Example, on the RustCrypto provider: test `hpke_seal_parts` in
    /// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
    fn hpke_seal_parts(
        &self,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error>;

    /// `SealBase(pk, info, aad, pt)` for each `(pk, pt)` of `items`, in
    /// order, with one `info = info_parts[0] || ...` and `aad` for all:
    /// equal, output and error, to that many
    /// [`hpke_seal_parts`](Self::hpke_seal_parts) calls drawing from `rng`
    /// in the same order ([`batch::seal_each`](crate::batch::seal_each)),
    /// which is the default. An implementation may seal in parallel, but
    /// must draw its randomness as the sequential calls would, so that the
    /// result does not depend on how it runs. On error, `rng` may have
    /// been advanced further than the sequential calls would have.
    ///
    /// Example, on the RustCrypto provider: test `hpke_seal_batch` in
    /// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
    fn hpke_seal_batch_parts(
        &self,
        info_parts: &[&[u8]],
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        // Required methods only (see the trait's documentation).
        items
            .iter()
            .map(|(pk, pt)| self.hpke_seal_parts(pk, info_parts, aad, pt, rng))
            .collect()
    }

    /// HPKE `OpenBase(enc, sk, info, aad, ct)` (RFC 9180 §6.1) with `info =
    /// info_parts[0] || info_parts[1] || ...`. The caller passes the
    /// recipient's public key, which MLS always has, so that it is not
    /// recomputed from the private key.
    fn hpke_open_parts(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info_parts: &[&[u8]],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error>;

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
    /// `public_key` must be `private_key`'s public key: it enters the KEM
    /// context, and nothing (no AEAD tag) would catch a wrong one, which
    /// would silently give a wrong secret; implementations check it
    /// ([`Error::KeyPairMismatch`]).
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

    /// Check that `public_key` is a valid KEM public key for this suite,
    /// one that can be encrypted to: for the NIST curves an uncompressed
    /// point on the curve; for X25519 and X448 not one of the low-order
    /// encodings, with which every DH output is all zero and so every
    /// Encap fails (RFC 9180 §7.1.4). The protocol crates call it on every
    /// HPKE key a peer brings (KeyPackage `init_key`, leaf and UpdatePath
    /// keys, imported trees); it must be cheap (O(1)).
    fn hpke_validate_public_key(&self, public_key: &HpkePublicKey) -> Result<(), Error>;

    /// The public key of an HPKE private key (also validates the private key).
    fn hpke_public_key(&self, private_key: &HpkePrivateKey) -> Result<HpkePublicKey, Error>;

    /// A fresh signature key pair.
    fn signature_generate(&self, rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error>;

    /// Expand a serialized signature private key for signing.
    fn signing_key(&self, private_key: &SignaturePrivateKey) -> Result<Self::SigningKey, Error>;

    /// The public key of an expanded signing key.
    fn signing_public_key(&self, key: &Self::SigningKey) -> SignaturePublicKey;

    /// `Signature.Sign(key, message)` of `message = parts[0] || parts[1] ||
    /// ...`, which the implementation may hash piece by piece: the same
    /// signature whatever the split (for deterministic schemes, the same
    /// bytes). DER for ECDSA, `R || S` for EdDSA.
    ///
    /// Example, on the RustCrypto provider: test `sign_parts` in
    /// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
    fn sign_parts(&self, key: &Self::SigningKey, parts: &[&[u8]]) -> Result<Vec<u8>, Error>;

    /// `Signature.Verify(public_key, message, signature)` of `message =
    /// parts[0] || parts[1] || ...`, with the same result whatever the
    /// split.
    fn verify_parts(
        &self,
        public_key: &SignaturePublicKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// `public_key` decoded and checked for
    /// [`verify_prepared`](Self::verify_prepared): the per-key work of
    /// [`verify_parts`](Self::verify_parts), done once. Fails exactly when
    /// `verify_parts` with this key fails for every message and signature
    /// because of the key, with the error `verify_parts` gives for it
    /// ([`Error::InvalidPublicKey`] for a malformed key).
    fn verifying_key(&self, public_key: &SignaturePublicKey) -> Result<Self::VerifyingKey, Error>;

    /// [`verify_parts`](Self::verify_parts) with a key prepared by
    /// [`verifying_key`](Self::verifying_key): for every key, message and
    /// signature, `verifying_key(pk)` then `verify_prepared` gives what
    /// `verify_parts(pk, ..)` gives (the same accepted set, the same
    /// errors).
    ///
    /// Example, on the RustCrypto provider: test `verify_prepared` in
    /// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
    fn verify_prepared(
        &self,
        key: &Self::VerifyingKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// [`verify_parts`](Self::verify_parts) of every item (its `message`
    /// as one part): `Ok` if each verifies, else the first failing item
    /// (lowest index) with the error `verify_parts` gives for it. The
    /// default verifies one by one, as
    /// [`batch::verify_each`](crate::batch::verify_each) does; an
    /// implementation may verify many signatures at once (the RustCrypto
    /// provider does for Ed25519) with the same result, up to the caveats
    /// it documents. An empty batch is `Ok`.
    ///
    /// Example, on the RustCrypto provider: test `verify_batch` in
    /// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
    fn verify_batch(&self, items: &[SignatureItem<'_>]) -> Result<(), BatchVerifyError> {
        // Required methods only (see the trait's documentation).
        for (index, item) in items.iter().enumerate() {
            self.verify_parts(item.public_key, &[item.message], item.signature)
                .map_err(|error| BatchVerifyError { index, error })?;
        }
        Ok(())
    }

    /// Check that `public_key` is a valid signature public key for this suite.
    fn signature_validate_public_key(&self, public_key: &SignaturePublicKey) -> Result<(), Error>;
}

/// The single-message forms of the [`CipherSuiteProvider`] operations.
///
/// Implemented for every provider by a blanket implementation, so it can be
/// neither implemented nor overridden elsewhere: each method is one call of
/// the provider's own operation (a one-part message or `info`), and none
/// can call back into another. Bring it into scope
/// (`use mls_crypto::CipherSuiteProviderExt`) to call them.
pub trait CipherSuiteProviderExt: CipherSuiteProvider {
    /// `Hash(data)`: [`hash_parts`](CipherSuiteProvider::hash_parts) of one part.
    fn hash(&self, data: &[u8]) -> Vec<u8>;

    /// AEAD seal into a new vector (ciphertext followed by the tag):
    /// [`aead_seal_in_place`](CipherSuiteProvider::aead_seal_in_place) on
    /// a copy of `plaintext`.
    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error>;

    /// HPKE `SealBase(pk, info, aad, pt)`:
    /// [`hpke_seal_parts`](CipherSuiteProvider::hpke_seal_parts) with one
    /// part of `info`.
    fn hpke_seal(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error>;

    /// `SealBase` of many items with one `info`:
    /// [`hpke_seal_batch_parts`](CipherSuiteProvider::hpke_seal_batch_parts)
    /// with one part of `info`.
    fn hpke_seal_batch(
        &self,
        info: &[u8],
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error>;

    /// HPKE `OpenBase(enc, sk, info, aad, ct)`:
    /// [`hpke_open_parts`](CipherSuiteProvider::hpke_open_parts) with one
    /// part of `info`.
    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error>;

    /// `Signature.Sign(key, message)`:
    /// [`sign_parts`](CipherSuiteProvider::sign_parts) of one part.
    fn sign(&self, key: &Self::SigningKey, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// `Signature.Verify(public_key, message, signature)`:
    /// [`verify_parts`](CipherSuiteProvider::verify_parts) of one part.
    fn verify(
        &self,
        public_key: &SignaturePublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// `len` fresh random bytes from `rng` as a secret.
    fn random_secret(&self, len: usize, rng: &mut dyn Rng) -> Result<Secret, Error>;
}

impl<T: CipherSuiteProvider + ?Sized> CipherSuiteProviderExt for T {
    fn hash(&self, data: &[u8]) -> Vec<u8> {
        self.hash_parts(&[data])
    }

    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        // Room for the tag of every RFC 9420 AEAD (16 bytes); a longer
        // tag only costs a reallocation.
        let mut buffer = Vec::with_capacity(plaintext.len().saturating_add(16));
        buffer.extend_from_slice(plaintext);
        self.aead_seal_in_place(key, nonce, aad, &mut buffer)?;
        Ok(buffer)
    }

    fn hpke_seal(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, Error> {
        self.hpke_seal_parts(public_key, &[info], aad, plaintext, rng)
    }

    fn hpke_seal_batch(
        &self,
        info: &[u8],
        aad: &[u8],
        items: &[(&HpkePublicKey, &[u8])],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        self.hpke_seal_batch_parts(&[info], aad, items, rng)
    }

    fn hpke_open(
        &self,
        private_key: &HpkePrivateKey,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Vec<u8>, Error> {
        self.hpke_open_parts(private_key, public_key, &[info], aad, ciphertext)
    }

    fn sign(&self, key: &Self::SigningKey, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign_parts(key, &[message])
    }

    fn verify(
        &self,
        public_key: &SignaturePublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.verify_parts(public_key, &[message], signature)
    }

    fn random_secret(&self, len: usize, rng: &mut dyn Rng) -> Result<Secret, Error> {
        let mut s = Secret::zero(len);
        rng.fill_bytes(s.as_mut_bytes())?;
        Ok(s)
    }
}
