//! Signatures: Ed25519, Ed448 (RFC 8032, pure, empty context) and ECDSA over
//! P-256/P-384/P-521 with DER signatures (RFC 8446 §4.2.3).

use alloc::vec::Vec;
use core::fmt;
use zeroize::Zeroizing;

#[cfg(feature = "suite-2")]
use crate::nist::p256_impl;
#[cfg(feature = "suite-7")]
use crate::nist::p384_impl;
#[cfg(feature = "suite-5")]
use crate::nist::p521_impl;
use mls_crypto::{Error, Rng, SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey};

/// How many random candidates ECDSA key generation draws before concluding
/// that the random source is broken. A good source needs more than one
/// with probability below 2^-32.
#[cfg(any(feature = "suite-2", feature = "suite-5", feature = "suite-7"))]
const ECDSA_KEYGEN_ATTEMPTS: usize = 64;

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigAlg {
    #[cfg(any(feature = "suite-1", feature = "suite-3"))]
    Ed25519,
    #[cfg(any(feature = "suite-4", feature = "suite-6"))]
    Ed448,
    #[cfg(feature = "suite-2")]
    EcdsaP256,
    #[cfg(feature = "suite-7")]
    EcdsaP384,
    #[cfg(feature = "suite-5")]
    EcdsaP521,
}

/// A signature private key expanded for signing, with its public key.
///
/// Holds the library's signing key (the Ed25519 / Ed448 key with its
/// public point, or the ECDSA scalar with its public point); every one of
/// them is zeroized on drop. `Debug` prints only the algorithm.
#[derive(Clone)]
pub struct RustCryptoSigningKey {
    key: SigningKeyInner,
    public: SignaturePublicKey,
}

#[derive(Clone)]
enum SigningKeyInner {
    #[cfg(any(feature = "suite-1", feature = "suite-3"))]
    Ed25519(Ed25519Key),
    #[cfg(any(feature = "suite-4", feature = "suite-6"))]
    Ed448(alloc::boxed::Box<ed448_goldilocks_plus::SigningKey>),
    #[cfg(feature = "suite-2")]
    P256(p256_impl::EcdsaKey),
    #[cfg(feature = "suite-7")]
    P384(p384_impl::EcdsaKey),
    #[cfg(feature = "suite-5")]
    P521(p521_impl::EcdsaKey),
}

/// An Ed25519 key in expanded form: the clamped secret scalar and hash
/// prefix (RFC 8032 §5.1.5) with the public point, so that signing hashes
/// only the message.
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
struct Ed25519Key {
    expanded: ed25519_dalek::hazmat::ExpandedSecretKey,
    verifying: ed25519_dalek::VerifyingKey,
}

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
impl Clone for Ed25519Key {
    fn clone(&self) -> Self {
        Ed25519Key {
            expanded: ed25519_dalek::hazmat::ExpandedSecretKey {
                scalar: self.expanded.scalar,
                hash_prefix: self.expanded.hash_prefix,
            },
            verifying: self.verifying,
        }
    }
}

impl RustCryptoSigningKey {
    /// The public key.
    pub fn public_key(&self) -> &SignaturePublicKey {
        &self.public
    }

    fn alg(&self) -> SigAlg {
        match &self.key {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigningKeyInner::Ed25519(_) => SigAlg::Ed25519,
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            SigningKeyInner::Ed448(_) => SigAlg::Ed448,
            #[cfg(feature = "suite-2")]
            SigningKeyInner::P256(_) => SigAlg::EcdsaP256,
            #[cfg(feature = "suite-7")]
            SigningKeyInner::P384(_) => SigAlg::EcdsaP384,
            #[cfg(feature = "suite-5")]
            SigningKeyInner::P521(_) => SigAlg::EcdsaP521,
        }
    }
}

impl fmt::Debug for RustCryptoSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RustCryptoSigningKey({:?}, ..)", self.alg())
    }
}

/// A signature public key prepared for verification
/// ([`CipherSuiteProvider::verifying_key`](mls_crypto::CipherSuiteProvider::verifying_key)):
/// for Ed25519 the decompressed point, checked not to be of small order;
/// for the other schemes the key, checked valid (they decode it at each
/// verification, as [`verify_parts`](mls_crypto::CipherSuiteProvider::verify_parts)
/// does).
#[derive(Clone)]
pub struct RustCryptoVerifyingKey {
    alg: SigAlg,
    public: SignaturePublicKey,
    #[cfg(any(feature = "suite-1", feature = "suite-3"))]
    ed25519: Option<ed25519_dalek::VerifyingKey>,
}

impl fmt::Debug for RustCryptoVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RustCryptoVerifyingKey({:?}, {:?})", self.alg, self.public)
    }
}

impl RustCryptoVerifyingKey {
    /// The public key.
    pub fn public_key(&self) -> &SignaturePublicKey {
        &self.public
    }
}

impl SigAlg {
    /// The length of a serialized private key (seed or scalar).
    fn private_key_len(self) -> usize {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigAlg::Ed25519 => ed25519_dalek::SECRET_KEY_LENGTH,
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            SigAlg::Ed448 => ed448_goldilocks_plus::SECRET_KEY_LENGTH,
            #[cfg(feature = "suite-2")]
            SigAlg::EcdsaP256 => p256_impl::NSK,
            #[cfg(feature = "suite-7")]
            SigAlg::EcdsaP384 => p384_impl::NSK,
            #[cfg(feature = "suite-5")]
            SigAlg::EcdsaP521 => p521_impl::NSK,
        }
    }

    /// A fresh key pair from `rng`: a random seed for EdDSA; for ECDSA a
    /// random scalar (top byte masked for P-521), redrawn while out of range.
    pub(crate) fn generate(self, rng: &mut dyn Rng) -> Result<SignatureKeyPair, Error> {
        let mut bytes = Zeroizing::new(alloc::vec![0u8; self.private_key_len()]);
        let key = match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigAlg::Ed25519 => {
                rng.fill_bytes(&mut bytes)?;
                self.signing_key(&bytes)?
            }
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            SigAlg::Ed448 => {
                rng.fill_bytes(&mut bytes)?;
                self.signing_key(&bytes)?
            }
            #[cfg(feature = "suite-2")]
            SigAlg::EcdsaP256 => self.generate_ecdsa(&mut bytes, p256_impl::BITMASK, rng)?,
            #[cfg(feature = "suite-7")]
            SigAlg::EcdsaP384 => self.generate_ecdsa(&mut bytes, p384_impl::BITMASK, rng)?,
            #[cfg(feature = "suite-5")]
            SigAlg::EcdsaP521 => self.generate_ecdsa(&mut bytes, p521_impl::BITMASK, rng)?,
        };
        Ok(SignatureKeyPair {
            private: SignaturePrivateKey::from_bytes(bytes.to_vec()),
            public: key.public,
        })
    }

    #[cfg(any(feature = "suite-2", feature = "suite-5", feature = "suite-7"))]
    fn generate_ecdsa(
        self,
        bytes: &mut [u8],
        bitmask: u8,
        rng: &mut dyn Rng,
    ) -> Result<RustCryptoSigningKey, Error> {
        for _ in 0..ECDSA_KEYGEN_ATTEMPTS {
            rng.fill_bytes(bytes)?;
            if let Some(first) = bytes.first_mut() {
                *first &= bitmask;
            }
            if let Ok(key) = self.signing_key(bytes) {
                return Ok(key);
            }
        }
        Err(Error::RandomFailure)
    }

    /// Expand a serialized private key.
    pub(crate) fn signing_key(self, sk: &[u8]) -> Result<RustCryptoSigningKey, Error> {
        let (key, public) = match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigAlg::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; ed25519_dalek::SECRET_KEY_LENGTH]);
                if sk.len() != seed.len() {
                    return Err(Error::InvalidPrivateKey);
                }
                seed.copy_from_slice(sk);
                let expanded = ed25519_dalek::hazmat::ExpandedSecretKey::from(&*seed);
                let verifying = ed25519_dalek::VerifyingKey::from(&expanded);
                let public = verifying.to_bytes().to_vec();
                (
                    SigningKeyInner::Ed25519(Ed25519Key {
                        expanded,
                        verifying,
                    }),
                    public,
                )
            }
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            SigAlg::Ed448 => {
                let key = ed448_goldilocks_plus::SigningKey::try_from(sk)
                    .map_err(|_| Error::InvalidPrivateKey)?;
                let public = key.verifying_key().to_bytes().to_vec();
                (SigningKeyInner::Ed448(alloc::boxed::Box::new(key)), public)
            }
            #[cfg(feature = "suite-2")]
            SigAlg::EcdsaP256 => {
                let (key, public) = p256_impl::signing_key(sk)?;
                (SigningKeyInner::P256(key), public)
            }
            #[cfg(feature = "suite-7")]
            SigAlg::EcdsaP384 => {
                let (key, public) = p384_impl::signing_key(sk)?;
                (SigningKeyInner::P384(key), public)
            }
            #[cfg(feature = "suite-5")]
            SigAlg::EcdsaP521 => {
                let (key, public) = p521_impl::signing_key(sk)?;
                (SigningKeyInner::P521(key), public)
            }
        };
        Ok(RustCryptoSigningKey {
            key,
            public: SignaturePublicKey(public),
        })
    }

    /// `Signature.Sign` of `parts[0] || parts[1] || ...`. A key of another
    /// scheme is [`Error::InvalidPrivateKey`].
    ///
    /// Ed25519 and ECDSA feed the parts to their hash one after another
    /// (Ed25519 hashes the message twice, so the parts are read twice);
    /// Ed448's crate signs only a whole message, so the parts are
    /// concatenated first. Either way the signature is that of the
    /// concatenation.
    pub(crate) fn sign(
        self,
        key: &RustCryptoSigningKey,
        parts: &[&[u8]],
    ) -> Result<Vec<u8>, Error> {
        if key.alg() != self {
            return Err(Error::InvalidPrivateKey);
        }
        match &key.key {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigningKeyInner::Ed25519(k) => {
                let sig = ed25519_dalek::hazmat::raw_sign_byupdate::<sha2::Sha512, _>(
                    &k.expanded,
                    |h: &mut sha2::Sha512| {
                        for part in parts {
                            sha2::Digest::update(h, part);
                        }
                        Ok(())
                    },
                    &k.verifying,
                )
                .map_err(|_| Error::InvalidPrivateKey)?;
                Ok(sig.to_bytes().to_vec())
            }
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            SigningKeyInner::Ed448(k) => Ok(k.sign_raw(&concat(parts)).to_bytes().to_vec()),
            #[cfg(feature = "suite-2")]
            SigningKeyInner::P256(k) => p256_impl::sign(k, parts),
            #[cfg(feature = "suite-7")]
            SigningKeyInner::P384(k) => p384_impl::sign(k, parts),
            #[cfg(feature = "suite-5")]
            SigningKeyInner::P521(k) => p521_impl::sign(k, parts),
        }
    }

    /// `Signature.Verify` of `parts[0] || parts[1] || ...` (hashed piece
    /// by piece as for [`sign`](Self::sign)). A malformed public key is
    /// [`Error::InvalidPublicKey`]; any other failure [`Error::InvalidSignature`].
    pub(crate) fn verify(self, pk: &[u8], parts: &[&[u8]], signature: &[u8]) -> Result<(), Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigAlg::Ed25519 => ed25519_verify_strict(pk, parts, signature),
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            SigAlg::Ed448 => {
                let vk = ed448_public(pk)?;
                let sig = ed448_goldilocks_plus::Signature::from_slice(signature)
                    .map_err(|_| Error::InvalidSignature)?;
                vk.verify_raw(&sig, &concat(parts))
                    .map_err(|_| Error::InvalidSignature)
            }
            #[cfg(feature = "suite-2")]
            SigAlg::EcdsaP256 => p256_impl::verify(pk, parts, signature),
            #[cfg(feature = "suite-7")]
            SigAlg::EcdsaP384 => p384_impl::verify(pk, parts, signature),
            #[cfg(feature = "suite-5")]
            SigAlg::EcdsaP521 => p521_impl::verify(pk, parts, signature),
        }
    }

    /// `pk` decoded and checked once for [`verify_prepared`](Self::verify_prepared):
    /// fails, with [`Error::InvalidPublicKey`], exactly when
    /// [`verify`](Self::verify) would for every signature.
    pub(crate) fn verifying_key(self, pk: &SignaturePublicKey) -> Result<RustCryptoVerifyingKey, Error> {
        #[cfg(any(feature = "suite-1", feature = "suite-3"))]
        let ed25519 = match self {
            SigAlg::Ed25519 => Some(ed25519_public(&pk.0)?),
            #[allow(unreachable_patterns)]
            _ => {
                self.validate_public_key(&pk.0)?;
                None
            }
        };
        #[cfg(not(any(feature = "suite-1", feature = "suite-3")))]
        self.validate_public_key(&pk.0)?;
        Ok(RustCryptoVerifyingKey {
            alg: self,
            public: pk.clone(),
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            ed25519,
        })
    }

    /// [`verify`](Self::verify) with a prepared key: the same result as
    /// `verify` with its public key. A key prepared by another scheme is
    /// verified from its bytes, as `verify` would.
    pub(crate) fn verify_prepared(
        self,
        key: &RustCryptoVerifyingKey,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        #[cfg(any(feature = "suite-1", feature = "suite-3"))]
        if let (SigAlg::Ed25519, Some(vk)) = (self, key.ed25519.as_ref()) {
            return ed25519_verify_decoded(vk, parts, signature);
        }
        self.verify(&key.public.0, parts, signature)
    }

    /// Check that `pk` is a valid public key of this scheme.
    pub(crate) fn validate_public_key(self, pk: &[u8]) -> Result<(), Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            SigAlg::Ed25519 => ed25519_public(pk).map(|_| ()),
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            SigAlg::Ed448 => ed448_public(pk).map(|_| ()),
            #[cfg(feature = "suite-2")]
            SigAlg::EcdsaP256 => p256_impl::public_key(pk).map(|_| ()),
            #[cfg(feature = "suite-7")]
            SigAlg::EcdsaP384 => p384_impl::public_key(pk).map(|_| ()),
            #[cfg(feature = "suite-5")]
            SigAlg::EcdsaP521 => p521_impl::public_key(pk).map(|_| ()),
        }
    }
}

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
fn ed25519_public(pk: &[u8]) -> Result<ed25519_dalek::VerifyingKey, Error> {
    let bytes: [u8; ed25519_dalek::PUBLIC_KEY_LENGTH] =
        pk.try_into().map_err(|_| Error::InvalidPublicKey)?;
    let vk =
        ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| Error::InvalidPublicKey)?;
    // Small-order keys would let one signature verify for many messages;
    // `verify_strict` rejects them, so they are not valid keys either.
    if vk.is_weak() {
        return Err(Error::InvalidPublicKey);
    }
    Ok(vk)
}

/// Ed25519 verification with exactly the acceptance rules of
/// `VerifyingKey::verify_strict` (RFC 8032 §5.1.7 without the cofactor),
/// the message given as parts fed to SHA-512 one after another:
/// `A` decodes and is not of small order ([`ed25519_public`]), then
/// [`ed25519_verify_decoded`].
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
fn ed25519_verify_strict(pk: &[u8], parts: &[&[u8]], signature: &[u8]) -> Result<(), Error> {
    let vk = ed25519_public(pk)?;
    ed25519_verify_decoded(&vk, parts, signature)
}

/// The canonical encodings of the eight points of small order (the
/// 8-torsion subgroup `E[8]`), test `small_order_encodings` checks them
/// against curve25519-dalek's `EIGHT_TORSION`.
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
const SMALL_ORDER_ENCODINGS: [[u8; 32]; 8] = [
    hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("0000000000000000000000000000000000000000000000000000000000000080"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
];

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("hex digit"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// The rest of [`ed25519_verify_strict`] with `A` decoded and checked:
/// `S` is canonical (`verify_stream` rejects `S ≥ ℓ`),
/// `encode([S]B − [k]A) = R` with `k = SHA-512(R ‖ A ‖ M)` (the stream
/// verifier's final comparison, that of `verify_strict`), and `R` is not
/// the encoding of a point of small order.
///
/// `verify_strict` also decompresses `R` to test its order; this does
/// not, with the same result: the final comparison holds only if the
/// bytes of `R` are the canonical encoding of the computed point, so
/// they decompress (to that point), and that point is of small order
/// exactly when they are one of the eight [`SMALL_ORDER_ENCODINGS`].
/// Every failure is [`Error::InvalidSignature`], whichever check fails
/// first.
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
fn ed25519_verify_decoded(
    vk: &ed25519_dalek::VerifyingKey,
    parts: &[&[u8]],
    signature: &[u8],
) -> Result<(), Error> {
    let sig =
        ed25519_dalek::Signature::from_slice(signature).map_err(|_| Error::InvalidSignature)?;
    if SMALL_ORDER_ENCODINGS.contains(sig.r_bytes()) {
        return Err(Error::InvalidSignature);
    }
    let mut verifier = vk
        .verify_stream(&sig)
        .map_err(|_| Error::InvalidSignature)?;
    for part in parts {
        verifier.update(part);
    }
    verifier
        .finalize_and_verify()
        .map_err(|_| Error::InvalidSignature)
}

#[cfg(all(test, any(feature = "suite-1", feature = "suite-3")))]
mod small_order_tests {
    use super::SMALL_ORDER_ENCODINGS;

    #[test]
    fn small_order_encodings() {
        let mut got: alloc::vec::Vec<[u8; 32]> = curve25519_dalek::constants::EIGHT_TORSION
            .iter()
            .map(|p| p.compress().to_bytes())
            .collect();
        let mut want = SMALL_ORDER_ENCODINGS.to_vec();
        got.sort();
        want.sort();
        assert_eq!(got, want);
        for e in SMALL_ORDER_ENCODINGS {
            let p = curve25519_dalek::edwards::CompressedEdwardsY(e)
                .decompress()
                .unwrap();
            assert!(p.is_small_order());
            assert_eq!(p.compress().to_bytes(), e);
        }
    }
}

/// The concatenation of `parts`, for the schemes whose crate takes only a
/// whole message.
#[cfg(any(feature = "suite-4", feature = "suite-6"))]
fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// An Ed448 public key: 57 bytes that decode to a point of the prime-order
/// subgroup other than the identity, in the canonical encoding (RFC 8032
/// §5.2.2: `y < p`, the seven bits below the sign bit clear). The crate's
/// decoding ignores those bits and reduces `y`, so several strings would
/// name one key (bit 448 set, or `y + p`); they are refused by comparing
/// with the point's own encoding.
#[cfg(any(feature = "suite-4", feature = "suite-6"))]
fn ed448_public(pk: &[u8]) -> Result<ed448_goldilocks_plus::VerifyingKey, Error> {
    let bytes: [u8; ed448_goldilocks_plus::PUBLIC_KEY_LENGTH] =
        pk.try_into().map_err(|_| Error::InvalidPublicKey)?;
    let vk = ed448_goldilocks_plus::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::InvalidPublicKey)?;
    if vk.to_edwards().compress().to_bytes() != bytes {
        return Err(Error::InvalidPublicKey);
    }
    Ok(vk)
}
