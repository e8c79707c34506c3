//! Hash, HMAC and HKDF (RFC 5869) for SHA-256/384/512, plus the HPKE
//! `LabeledExtract` / `LabeledExpand` of RFC 9180 §4.

use alloc::vec::Vec;
use hmac::digest::{FixedOutput, Output, OutputSizeUser};
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha2::Digest;
use zeroize::{Zeroize, Zeroizing};

use mls_crypto::{Error, Secret};

/// The largest `Nh` of any suite (SHA-512).
const MAX_HASH_LEN: usize = 64;

/// The HPKE version label of RFC 9180 §4.
const HPKE_VERSION: &[u8] = b"HPKE-v1";

/// A hash function, with HMAC and HKDF built on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashAlg {
    #[cfg(any(feature = "suite-1", feature = "suite-2", feature = "suite-3"))]
    Sha256,
    #[cfg(feature = "suite-7")]
    Sha384,
    #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-6"))]
    Sha512,
}

impl HashAlg {
    /// The output length `Nh`.
    pub(crate) fn output_len(self) -> usize {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2", feature = "suite-3"))]
            HashAlg::Sha256 => 32,
            #[cfg(feature = "suite-7")]
            HashAlg::Sha384 => 48,
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-6"))]
            HashAlg::Sha512 => 64,
        }
    }

    /// `Hash(parts[0] || parts[1] || ...)`, fed to the hash piece by piece.
    pub(crate) fn hash_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2", feature = "suite-3"))]
            HashAlg::Sha256 => digest_parts::<sha2::Sha256>(parts),
            #[cfg(feature = "suite-7")]
            HashAlg::Sha384 => digest_parts::<sha2::Sha384>(parts),
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-6"))]
            HashAlg::Sha512 => digest_parts::<sha2::Sha512>(parts),
        }
    }

    /// `HMAC(key, parts[0] || parts[1] || ...)`, written into `out`
    /// (which must be `Nh` bytes long).
    fn hmac_into(self, key: &[u8], parts: &[&[u8]], out: &mut [u8]) -> Result<(), Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2", feature = "suite-3"))]
            HashAlg::Sha256 => hmac_into::<sha2::Sha256>(key, parts, out),
            #[cfg(feature = "suite-7")]
            HashAlg::Sha384 => hmac_into::<sha2::Sha384>(key, parts, out),
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-6"))]
            HashAlg::Sha512 => hmac_into::<sha2::Sha512>(key, parts, out),
        }
    }

    /// `MAC(key, data)`: HMAC with this hash.
    pub(crate) fn mac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = alloc::vec![0u8; self.output_len()];
        self.hmac_into(key, &[data], &mut out)?;
        Ok(out)
    }

    /// `HKDF-Extract(salt, ikm_parts[0] || ikm_parts[1] || ...)`.
    pub(crate) fn extract(self, salt: &[u8], ikm_parts: &[&[u8]]) -> Result<Secret, Error> {
        let mut prk = Secret::zero(self.output_len());
        self.hmac_into(salt, ikm_parts, prk.as_mut_bytes())?;
        Ok(prk)
    }

    /// `HKDF-Expand(prk, info_parts[0] || info_parts[1] || ..., len)`.
    ///
    /// Any PRK length is accepted (HMAC takes any key); `len` above
    /// `255 * Nh` is [`Error::InvalidKdfLength`].
    pub(crate) fn expand(
        self,
        prk: &[u8],
        info_parts: &[&[u8]],
        len: usize,
    ) -> Result<Secret, Error> {
        let nh = self.output_len();
        if len > 255 * nh {
            return Err(Error::InvalidKdfLength);
        }
        let mut okm = Secret::zero(len);
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2", feature = "suite-3"))]
            HashAlg::Sha256 => expand_into::<sha2::Sha256>(prk, info_parts, okm.as_mut_bytes())?,
            #[cfg(feature = "suite-7")]
            HashAlg::Sha384 => expand_into::<sha2::Sha384>(prk, info_parts, okm.as_mut_bytes())?,
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-6"))]
            HashAlg::Sha512 => expand_into::<sha2::Sha512>(prk, info_parts, okm.as_mut_bytes())?,
        }
        Ok(okm)
    }

    /// `LabeledExtract(salt, label, ikm)` (RFC 9180 §4):
    /// `Extract(salt, "HPKE-v1" || suite_id || label || ikm)`.
    pub(crate) fn labeled_extract(
        self,
        suite_id: &[u8],
        salt: &[u8],
        label: &[u8],
        ikm: &[u8],
    ) -> Result<Secret, Error> {
        self.extract(salt, &[HPKE_VERSION, suite_id, label, ikm])
    }

    /// [`labeled_extract`](Self::labeled_extract) with
    /// `ikm = ikm_parts[0] || ikm_parts[1] || ...`, not built.
    pub(crate) fn labeled_extract_parts(
        self,
        suite_id: &[u8],
        salt: &[u8],
        label: &[u8],
        ikm_parts: &[&[u8]],
    ) -> Result<Secret, Error> {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(ikm_parts.len().saturating_add(3));
        parts.extend_from_slice(&[HPKE_VERSION, suite_id, label]);
        parts.extend_from_slice(ikm_parts);
        self.extract(salt, &parts)
    }

    /// `LabeledExpand(prk, label, info, len)` (RFC 9180 §4):
    /// `Expand(prk, I2OSP(len, 2) || "HPKE-v1" || suite_id || label || info, len)`.
    pub(crate) fn labeled_expand(
        self,
        suite_id: &[u8],
        prk: &[u8],
        label: &[u8],
        info: &[u8],
        len: usize,
    ) -> Result<Secret, Error> {
        let l = u16::try_from(len).map_err(|_| Error::InvalidKdfLength)?;
        self.expand(
            prk,
            &[&l.to_be_bytes(), HPKE_VERSION, suite_id, label, info],
            len,
        )
    }
}

/// The digest of the concatenation of `parts`.
fn digest_parts<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
    let mut d = D::new();
    for part in parts {
        d.update(part);
    }
    d.finalize().to_vec()
}

/// HMAC over the concatenation of `parts`, written into `out` (which must be
/// `Nh` bytes long).
fn hmac_into<D: EagerHash>(key: &[u8], parts: &[&[u8]], out: &mut [u8]) -> Result<(), Error> {
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key).map_err(|_| Error::InvalidKdfLength)?;
    for part in parts {
        mac.update(part);
    }
    finalize_into(mac, out)
}

/// Finish `mac` into `out`, wiping the library's output buffer (the
/// `digest` crate only wipes it itself with its `zeroize` feature).
fn finalize_into<D: EagerHash>(mac: Hmac<D>, out: &mut [u8]) -> Result<(), Error> {
    let mut tag = Output::<Hmac<D>>::default();
    FixedOutput::finalize_into(mac, &mut tag);
    let result = if out.len() == tag.len() {
        out.copy_from_slice(&tag);
        Ok(())
    } else {
        Err(Error::InvalidKdfLength)
    };
    tag.as_mut_slice().zeroize();
    result
}

/// HKDF-Expand (RFC 5869 §2.3) into `okm`, whose length the caller has
/// checked against `255 * Nh`:
/// `T(0) = ""`, `T(i) = HMAC(PRK, T(i-1) || info || i)`.
fn expand_into<D: EagerHash>(
    prk: &[u8],
    info_parts: &[&[u8]],
    okm: &mut [u8],
) -> Result<(), Error> {
    let nh = <Hmac<D> as OutputSizeUser>::output_size();
    let keyed = <Hmac<D> as KeyInit>::new_from_slice(prk).map_err(|_| Error::InvalidKdfLength)?;
    // T(i-1), then T(i); wiped on drop.
    let mut prev = Zeroizing::new([0u8; MAX_HASH_LEN]);
    let mut next = Zeroizing::new([0u8; MAX_HASH_LEN]);
    let mut prev_len = 0;
    for (i, block) in okm.chunks_mut(nh).enumerate() {
        let counter = u8::try_from(i + 1).map_err(|_| Error::InvalidKdfLength)?;
        let mut mac = keyed.clone();
        mac.update(prev.get(..prev_len).ok_or(Error::InvalidKdfLength)?);
        for part in info_parts {
            mac.update(part);
        }
        mac.update(&[counter]);
        let t = next.get_mut(..nh).ok_or(Error::InvalidKdfLength)?;
        finalize_into(mac, t)?;
        let src = t.get(..block.len()).ok_or(Error::InvalidKdfLength)?;
        block.copy_from_slice(src);
        core::mem::swap(&mut prev, &mut next);
        prev_len = nh;
    }
    Ok(())
}
