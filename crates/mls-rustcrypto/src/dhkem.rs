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
            private: HpkePrivateKey::from_bytes(sk.as_bytes().to_vec()),
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

    /// Check that `pk` is a public key that can be encrypted to: for
    /// X25519 / X448, 32 / 56 bytes that are not one of the low-order
    /// encodings ([`X25519_LOW_ORDER`], [`X448_LOW_ORDER`]), with which
    /// every DH gives the all-zero output that RFC 9180 §7.1.4 makes an
    /// error (so every Encap to such a key fails); for the NIST curves, an
    /// uncompressed point on the curve (which is not the identity, the
    /// only point of small order). O(1): a few comparisons, or one point
    /// decoding.
    pub(crate) fn validate_public_key(self, pk: &[u8]) -> Result<(), Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-3"))]
            KemAlg::X25519 => {
                let mut u: [u8; 32] = pk.try_into().map_err(|_| Error::InvalidPublicKey)?;
                // RFC 7748 §5: the top bit is ignored.
                u[31] &= 0x7f;
                if X25519_LOW_ORDER.contains(&u) {
                    return Err(Error::InvalidPublicKey);
                }
                Ok(())
            }
            #[cfg(any(feature = "suite-4", feature = "suite-6"))]
            KemAlg::X448 => {
                let u: [u8; 56] = pk.try_into().map_err(|_| Error::InvalidPublicKey)?;
                if X448_LOW_ORDER.contains(&u) {
                    return Err(Error::InvalidPublicKey);
                }
                Ok(())
            }
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
        let dh = self.dh(ephemeral.private.as_bytes(), pk_r)?;
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

/// The X25519 public keys of low order, with the top bit (which RFC 7748
/// §5 ignores) cleared: the u-coordinates, little-endian, whose X25519
/// output is all zero for every clamped scalar (a multiple of the
/// cofactor 8). They are the points of order 1, 2, 4 and 8 of the curve
/// — the identity and (0, 0) share u = 0, then u = 1 and the two order-8
/// values — and the order-4 point of the twist, u = p − 1; then the two
/// non-canonical encodings of those values, u = p (≡ 0) and u = p + 1
/// (≡ 1) (p + u exceeds 2^255 for the others). Each of the seven with the
/// top bit clear or set: 14 encodings of 32 bytes. The tests derive the
/// list from the curve's torsion points and check it against the ladder.
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
pub(crate) const X25519_LOW_ORDER: [[u8; 32]; 7] = [
    // 0
    [0; 32],
    // 1
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    // order 8
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    // order 8
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
    // p − 1
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p + 1
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// The X448 public keys of low order (all 56 bytes significant, RFC 7748
/// §5): u = 0 (order 2), 1 and p − 1 (order 4, one on the curve and one
/// on the twist), and the non-canonical p (≡ 0) and p + 1 (≡ 1) — the only
/// u below 2^448 whose X448 output is all zero for every clamped scalar
/// (a multiple of the cofactor 4). 5 encodings, checked in the tests.
#[cfg(any(feature = "suite-4", feature = "suite-6"))]
pub(crate) const X448_LOW_ORDER: [[u8; 56]; 5] = {
    // p = 2^448 − 2^224 − 1, little-endian: 28 bytes 0xff, 0xfe, 27 bytes 0xff.
    let mut p = [0xffu8; 56];
    p[28] = 0xfe;
    let mut p_minus_1 = p;
    p_minus_1[0] = 0xfe;
    // p + 1 = 2^448 − 2^224: zero up to byte 27, 0xff from byte 28.
    let mut p_plus_1 = p;
    let mut i = 0;
    while i < 28 {
        p_plus_1[i] = 0;
        i += 1;
    }
    p_plus_1[28] = 0xff;
    let mut one = [0u8; 56];
    one[0] = 1;
    [[0u8; 56], one, p_minus_1, p, p_plus_1]
};

#[cfg(any(feature = "suite-1", feature = "suite-3"))]
fn x25519_secret(sk: &[u8]) -> Result<x25519_dalek::StaticSecret, Error> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    if sk.len() != bytes.len() {
        return Err(Error::InvalidPrivateKey);
    }
    bytes.copy_from_slice(sk);
    Ok(x25519_dalek::StaticSecret::from(*bytes))
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

#[cfg(test)]
mod tests {
    use super::*;
    use mls_test_support::TestRng;

    /// Adds 1 to a little-endian integer (no overflow in the uses here).
    #[allow(dead_code)]
    fn plus_one<const N: usize>(mut x: [u8; N]) -> [u8; N] {
        for b in x.iter_mut() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        x
    }

    #[cfg(any(feature = "suite-1", feature = "suite-3"))]
    #[test]
    fn x25519_low_order_list_is_derived_from_the_curve() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        use curve25519_dalek::montgomery::MontgomeryPoint;
        // The curve's points of order dividing 8, in Montgomery form.
        let mut derived: Vec<[u8; 32]> = Vec::new();
        for t in EIGHT_TORSION {
            let u = t.to_montgomery().to_bytes();
            if !derived.contains(&u) {
                derived.push(u);
            }
        }
        assert_eq!(derived.len(), 4); // 0 (identity and (0, 0)), 1, two of order 8
        // The twist's point of order 4, u = −1 = p − 1.
        let p_minus_1 = X25519_LOW_ORDER[4];
        derived.push(p_minus_1);
        // Non-canonical encodings below 2^255 of those: p + u for u < 19.
        let p = plus_one(p_minus_1);
        derived.push(p);
        derived.push(plus_one(p));
        let mut listed = X25519_LOW_ORDER.to_vec();
        listed.sort();
        derived.sort();
        assert_eq!(listed, derived);
        // Each of the 14 encodings gives an all-zero DH output for any
        // scalar, on the ladder; their neighbours do not.
        let mut rng = TestRng::new(15);
        for u in X25519_LOW_ORDER {
            for top in [0u8, 0x80] {
                let mut enc = u;
                enc[31] |= top;
                assert_eq!(KemAlg::X25519.validate_public_key(&enc), Err(Error::InvalidPublicKey));
                for _ in 0..4 {
                    let mut k = [0u8; 32];
                    rng.fill(&mut k);
                    assert_eq!(MontgomeryPoint(enc).mul_clamped(k).to_bytes(), [0; 32]);
                }
            }
            let next = plus_one(u);
            assert!(
                X25519_LOW_ORDER.contains(&next)
                    || KemAlg::X25519.validate_public_key(&next).is_ok()
            );
            let mut k = [0u8; 32];
            rng.fill(&mut k);
            if !X25519_LOW_ORDER.contains(&next) {
                assert_ne!(MontgomeryPoint(next).mul_clamped(k).to_bytes(), [0; 32]);
            }
        }
    }

    #[cfg(any(feature = "suite-4", feature = "suite-6"))]
    #[test]
    fn x448_low_order_list_gives_non_contributory_dh() {
        use ed448_goldilocks_plus::x448::{PublicKey, StaticSecret};
        let mut rng = TestRng::new(448);
        let p_minus_1 = X448_LOW_ORDER[2];
        assert_eq!(plus_one(p_minus_1), X448_LOW_ORDER[3]);
        assert_eq!(plus_one(X448_LOW_ORDER[3]), X448_LOW_ORDER[4]);
        for u in X448_LOW_ORDER {
            assert_eq!(KemAlg::X448.validate_public_key(&u), Err(Error::InvalidPublicKey));
            for _ in 0..4 {
                let mut k = [0u8; 56];
                rng.fill(&mut k);
                let shared = StaticSecret::from(k).diffie_hellman(&PublicKey::from(u));
                assert!(!shared.was_contributory());
            }
            let next = plus_one(u);
            if !X448_LOW_ORDER.contains(&next) {
                assert_eq!(KemAlg::X448.validate_public_key(&next), Ok(()));
                let mut k = [0u8; 56];
                rng.fill(&mut k);
                let shared = StaticSecret::from(k).diffie_hellman(&PublicKey::from(next));
                assert!(shared.was_contributory());
            }
        }
    }
}
