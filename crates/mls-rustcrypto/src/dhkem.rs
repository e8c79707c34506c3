//! DHKEM (RFC 9180 §4.1) over X25519, X448, P-256, P-384 and P-521, with
//! DeriveKeyPair (§7.1.3) and the key formats of §7.1.1–§7.1.2.

use alloc::vec::Vec;
use zeroize::Zeroizing;

use crate::hash::HashAlg;
#[cfg(feature = "suite-2")]
use crate::nist::p256_impl;
#[cfg(feature = "suite-7")]
use crate::nist::p384_impl;
#[cfg(feature = "suite-5")]
use crate::nist::p521_impl;
use mls_crypto::{Error, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, Rng, Secret};

/// A DHKEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KemAlg {
    /// DHKEM(X25519, HKDF-SHA256)
    #[cfg(any(feature = "suite-1", feature = "suite-3"))]
    X25519,
    /// DHKEM(X448, HKDF-SHA512)
    #[cfg(any(feature = "suite-4", feature = "suite-6"))]
    X448,
    /// DHKEM(P-256, HKDF-SHA256)
    #[cfg(feature = "suite-2")]
    P256,
    /// DHKEM(P-384, HKDF-SHA384)
    #[cfg(feature = "suite-7")]
    P384,
    /// DHKEM(P-521, HKDF-SHA512)
    #[cfg(feature = "suite-5")]
    P521,
}

impl KemAlg {
    /// The KEM identifier (RFC 9180 §7.1).
    pub(crate) fn id(self) -> u16 {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => 0x0020,
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => 0x0021,
            #[cfg(feature = "suite-2")]
            KemAlg::P256 => 0x0010,
            #[cfg(feature = "suite-7")]
            KemAlg::P384 => 0x0011,
            #[cfg(feature = "suite-5")]
            KemAlg::P521 => 0x0012,
        }
    }

    /// The KEM's own KDF (whose `Nh` is also `Nsecret`).
    fn kdf(self) -> HashAlg {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => HashAlg::Sha256,
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => HashAlg::Sha512,
            #[cfg(feature = "suite-2")]
            KemAlg::P256 => HashAlg::Sha256,
            #[cfg(feature = "suite-7")]
            KemAlg::P384 => HashAlg::Sha384,
            #[cfg(feature = "suite-5")]
            KemAlg::P521 => HashAlg::Sha512,
        }
    }

    /// `Nsk`: the length of a serialized private key.
    pub(crate) fn private_key_len(self) -> usize {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => 32,
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => 56,
            #[cfg(feature = "suite-2")]
            KemAlg::P256 => p256_impl::NSK,
            #[cfg(feature = "suite-7")]
            KemAlg::P384 => p384_impl::NSK,
            #[cfg(feature = "suite-5")]
            KemAlg::P521 => p521_impl::NSK,
        }
    }

    /// `suite_id = "KEM" || I2OSP(kem_id, 2)` (RFC 9180 §4.1).
    fn suite_id(self) -> [u8; 5] {
        let [hi, lo] = self.id().to_be_bytes();
        [b'K', b'E', b'M', hi, lo]
    }

    /// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3).
    pub(crate) fn derive_key_pair(self, ikm: &[u8]) -> Result<HpkeKeyPair, Error> {
        let suite_id = self.suite_id();
        let kdf = self.kdf();
        let dkp_prk = kdf.labeled_extract(&suite_id, b"", b"dkp_prk", ikm)?;
        let (sk, pk) = match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => self.derive_montgomery(&dkp_prk)?,
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => self.derive_montgomery(&dkp_prk)?,
            #[cfg(feature = "suite-2")]
            KemAlg::P256 => {
                self.derive_nist(&dkp_prk, p256_impl::BITMASK, p256_impl::public_from_secret)?
            }
            #[cfg(feature = "suite-7")]
            KemAlg::P384 => {
                self.derive_nist(&dkp_prk, p384_impl::BITMASK, p384_impl::public_from_secret)?
            }
            #[cfg(feature = "suite-5")]
            KemAlg::P521 => {
                self.derive_nist(&dkp_prk, p521_impl::BITMASK, p521_impl::public_from_secret)?
            }
        };
        Ok(HpkeKeyPair {
            private: HpkePrivateKey(sk.as_bytes().to_vec()),
            public: HpkePublicKey(pk),
        })
    }

    /// X25519 / X448: `sk = LabeledExpand(dkp_prk, "sk", "", Nsk)`, used as is
    /// (clamping happens inside the X25519/X448 function).
    #[cfg(any(
        feature = "suite-1",
        feature = "suite-3",
        feature = "suite-4",
        feature = "suite-6"
    ))]
    fn derive_montgomery(self, dkp_prk: &Secret) -> Result<(Secret, Vec<u8>), Error> {
        let sk = self.montgomery_sk(dkp_prk)?;
        let pk = self.public_key(sk.as_bytes())?;
        Ok((sk, pk))
    }

    /// The private key of `DeriveKeyPair(ikm)` for X25519 (RFC 9180 §7.1.3),
    /// without its public key.
    #[cfg(any(feature = "suite-1", feature = "suite-3"))]
    fn derive_montgomery_sk(self, ikm: &[u8]) -> Result<Secret, Error> {
        let dkp_prk = self
            .kdf()
            .labeled_extract(&self.suite_id(), b"", b"dkp_prk", ikm)?;
        self.montgomery_sk(&dkp_prk)
    }

    /// `sk = LabeledExpand(dkp_prk, "sk", "", Nsk)`.
    #[cfg(any(
        feature = "suite-1",
        feature = "suite-3",
        feature = "suite-4",
        feature = "suite-6"
    ))]
    fn montgomery_sk(self, dkp_prk: &Secret) -> Result<Secret, Error> {
        self.kdf().labeled_expand(
            &self.suite_id(),
            dkp_prk.as_bytes(),
            b"sk",
            b"",
            self.private_key_len(),
        )
    }

    /// NIST curves: rejection sampling over
    /// `LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk)` with the
    /// first byte masked, until `0 < sk < n`.
    #[cfg(any(feature = "suite-2", feature = "suite-5", feature = "suite-7"))]
    fn derive_nist(
        self,
        dkp_prk: &Secret,
        bitmask: u8,
        public_from_secret: fn(&[u8]) -> Result<Vec<u8>, Error>,
    ) -> Result<(Secret, Vec<u8>), Error> {
        let suite_id = self.suite_id();
        for counter in 0u8..=255 {
            let mut candidate = self.kdf().labeled_expand(
                &suite_id,
                dkp_prk.as_bytes(),
                b"candidate",
                &[counter],
                self.private_key_len(),
            )?;
            if let Some(first) = candidate.as_mut_bytes().first_mut() {
                *first &= bitmask;
            }
            if let Ok(pk) = public_from_secret(candidate.as_bytes()) {
                return Ok((candidate, pk));
            }
        }
        Err(Error::DeriveKeyPairFailed)
    }

    /// The serialized public key of a serialized private key (validating it).
    pub(crate) fn public_key(self, sk: &[u8]) -> Result<Vec<u8>, Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => {
                let sk = x25519_secret(sk)?;
                Ok(x25519_dalek::PublicKey::from(&sk).as_bytes().to_vec())
            }
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => {
                let sk = x448_secret(sk)?;
                Ok(ed448_goldilocks_plus::x448::PublicKey::from(&sk)
                    .as_bytes()
                    .to_vec())
            }
            #[cfg(feature = "suite-2")]
            KemAlg::P256 => p256_impl::public_from_secret(sk),
            #[cfg(feature = "suite-7")]
            KemAlg::P384 => p384_impl::public_from_secret(sk),
            #[cfg(feature = "suite-5")]
            KemAlg::P521 => p521_impl::public_from_secret(sk),
        }
    }

    /// Check that `pk` deserializes: 32 / 56 bytes for X25519 / X448 (every
    /// such string is a valid public key, RFC 9180 §7.1.1); a valid
    /// uncompressed point other than the identity for the NIST curves.
    pub(crate) fn validate_public_key(self, pk: &[u8]) -> Result<(), Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => x25519_public(pk).map(|_| ()),
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => x448_public(pk).map(|_| ()),
            #[cfg(feature = "suite-2")]
            KemAlg::P256 => p256_impl::public_key(pk).map(|_| ()),
            #[cfg(feature = "suite-7")]
            KemAlg::P384 => p384_impl::public_key(pk).map(|_| ()),
            #[cfg(feature = "suite-5")]
            KemAlg::P521 => p521_impl::public_key(pk).map(|_| ()),
        }
    }

    /// `DH(sk, pk)`. A malformed `pk` is [`Error::InvalidPublicKey`]; an
    /// all-zero X25519/X448 output is [`Error::DhFailed`] (RFC 9180 §7.1.4).
    fn dh(self, sk: &[u8], pk: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => {
                let pk: [u8; 32] = pk.try_into().map_err(|_| Error::InvalidPublicKey)?;
                let mut k = Zeroizing::new([0u8; 32]);
                if sk.len() != k.len() {
                    return Err(Error::InvalidPrivateKey);
                }
                k.copy_from_slice(sk);
                let shared = Zeroizing::new(crate::x25519::x25519(&k, &pk));
                if bool::from(subtle::ConstantTimeEq::ct_eq(&shared[..], &[0u8; 32][..])) {
                    return Err(Error::DhFailed);
                }
                Ok(Zeroizing::new(shared.to_vec()))
            }
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => {
                let pk = x448_public(pk)?;
                let sk = x448_secret(sk)?;
                let shared = sk.diffie_hellman(&pk);
                if !shared.was_contributory() {
                    return Err(Error::DhFailed);
                }
                Ok(Zeroizing::new(shared.as_bytes().to_vec()))
            }
            #[cfg(feature = "suite-2")]
            KemAlg::P256 => p256_impl::dh(sk, pk),
            #[cfg(feature = "suite-7")]
            KemAlg::P384 => p384_impl::dh(sk, pk),
            #[cfg(feature = "suite-5")]
            KemAlg::P521 => p521_impl::dh(sk, pk),
        }
    }

    /// `ExtractAndExpand(dh, enc || pkRm)` (RFC 9180 §4.1).
    fn extract_and_expand(self, dh: &[u8], enc: &[u8], pk_rm: &[u8]) -> Result<Secret, Error> {
        let suite_id = self.suite_id();
        let kdf = self.kdf();
        let mut kem_context = Vec::with_capacity(enc.len() + pk_rm.len());
        kem_context.extend_from_slice(enc);
        kem_context.extend_from_slice(pk_rm);
        let eae_prk = kdf.labeled_extract(&suite_id, b"", b"eae_prk", dh)?;
        kdf.labeled_expand(
            &suite_id,
            eae_prk.as_bytes(),
            b"shared_secret",
            &kem_context,
            kdf.output_len(),
        )
    }

    /// `Encap(pkR)` with the ephemeral key pair
    /// `DeriveKeyPair(random(Nsk))`: returns `(shared_secret, enc)`.
    pub(crate) fn encap(self, pk_r: &[u8], rng: &mut dyn Rng) -> Result<(Secret, Vec<u8>), Error> {
        let ikm = self.draw_ephemeral_ikm(rng)?;
        self.encap_from_ikm(pk_r, &ikm)
    }

    /// The randomness of one [`encap`](Self::encap): `Nsk` bytes, one
    /// `fill_bytes` call.
    pub(crate) fn draw_ephemeral_ikm(self, rng: &mut dyn Rng) -> Result<Secret, Error> {
        let mut ikm = Secret::zero(self.private_key_len());
        rng.fill_bytes(ikm.as_mut_bytes())?;
        Ok(ikm)
    }

    /// `Encap(pkR)` with the ephemeral key pair `DeriveKeyPair(ikm)`.
    pub(crate) fn encap_from_ikm(
        self,
        pk_r: &[u8],
        ikm: &Secret,
    ) -> Result<(Secret, Vec<u8>), Error> {
        let ephemeral = self.derive_key_pair(ikm.as_bytes())?;
        self.encap_with(pk_r, &ephemeral)
    }

    /// `Encap(pkR)` for each `(pkR, ikm)`, the ephemeral key pair being
    /// `DeriveKeyPair(ikm)`: the same results as [`encap_from_ikm`](Self::encap_from_ikm)
    /// one by one. For X25519 the batch shares one field inversion (see
    /// `x25519::encap_batch`); other KEMs run one by one.
    pub(crate) fn encap_batch_from_ikms(
        self,
        items: &[(&[u8], &Secret)],
    ) -> Vec<Result<(Secret, Vec<u8>), Error>> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 if items.len() > 1 => self.encap_batch_x25519(items),
            _ => items
                .iter()
                .map(|(pk, ikm)| self.encap_from_ikm(pk, ikm))
                .collect(),
        }
    }

    #[cfg(any(feature = "suite-1", feature = "suite-3"))]
    fn encap_batch_x25519(
        self,
        items: &[(&[u8], &Secret)],
    ) -> Vec<Result<(Secret, Vec<u8>), Error>> {
        // Per item: the ephemeral private key and the recipient's key, in
        // the order the one-by-one Encap checks them.
        type Prepared = Result<(Zeroizing<[u8; 32]>, [u8; 32]), Error>;
        let prepared: Vec<Prepared> = items
            .iter()
            .map(|(pk, ikm)| {
                let sk = self.derive_montgomery_sk(ikm.as_bytes())?;
                let mut k = Zeroizing::new([0u8; 32]);
                if sk.as_bytes().len() != k.len() {
                    return Err(Error::InvalidPrivateKey);
                }
                k.copy_from_slice(sk.as_bytes());
                let u: [u8; 32] = (*pk).try_into().map_err(|_| Error::InvalidPublicKey)?;
                Ok((k, u))
            })
            .collect();
        let batch: Vec<(&[u8; 32], &[u8; 32])> = prepared
            .iter()
            .filter_map(|p| p.as_ref().ok().map(|(k, u)| (&**k, u)))
            .collect();
        let mut done = crate::x25519::encap_batch(&batch).into_iter();
        items
            .iter()
            .zip(prepared)
            .map(|((pk_r, _), p)| {
                p?;
                let (enc, dh) = done.next().ok_or(Error::DhFailed)?;
                if bool::from(subtle::ConstantTimeEq::ct_eq(&dh[..], &[0u8; 32][..])) {
                    return Err(Error::DhFailed);
                }
                let shared = self.extract_and_expand(&dh[..], &enc, pk_r)?;
                Ok((shared, enc.to_vec()))
            })
            .collect()
    }

    /// `Encap(pkR)` with a given ephemeral key pair.
    pub(crate) fn encap_with(
        self,
        pk_r: &[u8],
        ephemeral: &HpkeKeyPair,
    ) -> Result<(Secret, Vec<u8>), Error> {
        let dh = self.dh(&ephemeral.private.0, pk_r)?;
        let enc = ephemeral.public.0.clone();
        let shared = self.extract_and_expand(&dh, &enc, pk_r)?;
        Ok((shared, enc))
    }

    /// `Decap(enc, skR)`, with `pkRm` supplied by the caller. A malformed
    /// `enc` is [`Error::InvalidKemOutput`].
    pub(crate) fn decap(self, enc: &[u8], sk_r: &[u8], pk_r: &[u8]) -> Result<Secret, Error> {
        let dh = self.dh(sk_r, enc).map_err(|e| match e {
            Error::InvalidPublicKey => Error::InvalidKemOutput,
            e => e,
        })?;
        self.extract_and_expand(&dh, enc, pk_r)
    }
}

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
fn x25519_secret(sk: &[u8]) -> Result<x25519_dalek::StaticSecret, Error> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    if sk.len() != bytes.len() {
        return Err(Error::InvalidPrivateKey);
    }
    bytes.copy_from_slice(sk);
    Ok(x25519_dalek::StaticSecret::from(*bytes))
}

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
fn x25519_public(pk: &[u8]) -> Result<x25519_dalek::PublicKey, Error> {
    let bytes: [u8; 32] = pk.try_into().map_err(|_| Error::InvalidPublicKey)?;
    Ok(x25519_dalek::PublicKey::from(bytes))
}

#[cfg(any(feature = "suite-4", feature = "suite-6"))]
fn x448_secret(sk: &[u8]) -> Result<ed448_goldilocks_plus::x448::StaticSecret, Error> {
    let mut bytes = Zeroizing::new([0u8; 56]);
    if sk.len() != bytes.len() {
        return Err(Error::InvalidPrivateKey);
    }
    bytes.copy_from_slice(sk);
    Ok(ed448_goldilocks_plus::x448::StaticSecret::from(*bytes))
}

#[cfg(any(feature = "suite-4", feature = "suite-6"))]
fn x448_public(pk: &[u8]) -> Result<ed448_goldilocks_plus::x448::PublicKey, Error> {
    let bytes: [u8; 56] = pk.try_into().map_err(|_| Error::InvalidPublicKey)?;
    Ok(ed448_goldilocks_plus::x448::PublicKey::from(bytes))
}
