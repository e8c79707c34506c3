//! HPKE base mode (RFC 9180 §5.1): the key schedule, single-shot seal/open
//! (sequence number 0, §6.1) and the secret export (§5.3).

use alloc::vec::Vec;

use crate::aead::AeadAlg;
use crate::dhkem::KemAlg;
use crate::hash::HashAlg;
use mls_crypto::{Error, Rng, Secret};

/// `mode_base` (RFC 9180 §5.1).
const MODE_BASE: u8 = 0x00;

/// `(enc, ct)` of one SealBase.
pub(crate) type EncAndCiphertext = (Vec<u8>, Vec<u8>);

/// An HPKE ciphersuite: KEM, KDF and AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hpke {
    pub(crate) kem: KemAlg,
    kdf: HashAlg,
    aead: AeadAlg,
    /// `"HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)`.
    suite_id: [u8; 10],
}

/// `key_schedule_context = mode || psk_id_hash || info_hash` of base mode
/// (RFC 9180 §5.1): it depends only on `info`, so a batch of seals with
/// one `info` computes it once.
pub(crate) struct KeyScheduleContext(Vec<u8>);

/// The secrets of an HPKE context (RFC 9180 §5.1).
struct Context {
    key: Secret,
    base_nonce: Secret,
    exporter_secret: Secret,
}

impl Hpke {
    pub(crate) fn new(kem: KemAlg, kdf: HashAlg, aead: AeadAlg, kdf_id: u16, aead_id: u16) -> Self {
        let [k0, k1] = kem.id().to_be_bytes();
        let [f0, f1] = kdf_id.to_be_bytes();
        let [a0, a1] = aead_id.to_be_bytes();
        Hpke {
            kem,
            kdf,
            aead,
            suite_id: [b'H', b'P', b'K', b'E', k0, k1, f0, f1, a0, a1],
        }
    }

    /// The `key_schedule_context` of base mode for
    /// `info = info_parts[0] || info_parts[1] || ...` (not built).
    pub(crate) fn key_schedule_context(
        &self,
        info_parts: &[&[u8]],
    ) -> Result<KeyScheduleContext, Error> {
        let sid = &self.suite_id;
        let kdf = self.kdf;
        let psk_id_hash = kdf.labeled_extract(sid, b"", b"psk_id_hash", b"")?;
        let info_hash = kdf.labeled_extract_parts(sid, b"", b"info_hash", info_parts)?;
        let mut context = Vec::with_capacity(1 + psk_id_hash.len() + info_hash.len());
        context.push(MODE_BASE);
        context.extend_from_slice(psk_id_hash.as_bytes());
        context.extend_from_slice(info_hash.as_bytes());
        Ok(KeyScheduleContext(context))
    }

    /// `KeySchedule(mode_base, shared_secret, info, "", "")`, with the
    /// `key_schedule_context` of `info` computed already.
    fn key_schedule(
        &self,
        shared_secret: &Secret,
        context: &KeyScheduleContext,
    ) -> Result<Context, Error> {
        let sid = &self.suite_id;
        let kdf = self.kdf;
        let context = &context.0;
        let secret = kdf.labeled_extract(sid, shared_secret.as_bytes(), b"secret", b"")?;
        let key =
            kdf.labeled_expand(sid, secret.as_bytes(), b"key", context, self.aead.key_len())?;
        let base_nonce = kdf.labeled_expand(
            sid,
            secret.as_bytes(),
            b"base_nonce",
            context,
            self.aead.nonce_len(),
        )?;
        let exporter_secret =
            kdf.labeled_expand(sid, secret.as_bytes(), b"exp", context, kdf.output_len())?;
        Ok(Context {
            key,
            base_nonce,
            exporter_secret,
        })
    }

    /// `Context.Export(exporter_context, len)` (RFC 9180 §5.3).
    fn export(&self, ctx: &Context, exporter_context: &[u8], len: usize) -> Result<Secret, Error> {
        self.kdf.labeled_expand(
            &self.suite_id,
            ctx.exporter_secret.as_bytes(),
            b"sec",
            exporter_context,
            len,
        )
    }

    /// `SealBase(pkR, info, aad, pt)`: returns `(enc, ct)`. `context` is
    /// the [`key_schedule_context`](Self::key_schedule_context) of `info`.
    pub(crate) fn seal(
        &self,
        pk_r: &[u8],
        context: &KeyScheduleContext,
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let ikm = self.kem.draw_ephemeral_ikm(rng)?;
        self.seal_from_ikm(pk_r, context, aad, plaintext, &ikm)
    }

    /// [`seal`](Self::seal) with the ephemeral key's randomness drawn already.
    pub(crate) fn seal_from_ikm(
        &self,
        pk_r: &[u8],
        context: &KeyScheduleContext,
        aad: &[u8],
        plaintext: &[u8],
        ikm: &Secret,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let (shared_secret, enc) = self.kem.encap_from_ikm(pk_r, ikm)?;
        let ctx = self.key_schedule(&shared_secret, context)?;
        // Sequence number 0: the nonce is the base nonce.
        let ct = self.aead.seal(
            ctx.key.as_bytes(),
            ctx.base_nonce.as_bytes(),
            aad,
            plaintext,
        )?;
        Ok((enc, ct))
    }

    /// [`seal_from_ikm`](Self::seal_from_ikm) for each `(pkR, pt)` with its
    /// `ikm` (`items` and `ikms` pair up; extra entries of either are
    /// ignored), the KEM's Encaps done as one batch. Results in order; the
    /// first failure is returned.
    pub(crate) fn seal_batch_from_ikms(
        &self,
        items: &[(&[u8], &[u8])],
        ikms: &[Secret],
        context: &KeyScheduleContext,
        aad: &[u8],
    ) -> Result<Vec<EncAndCiphertext>, Error> {
        let encaps: Vec<(&[u8], &Secret)> = items
            .iter()
            .zip(ikms)
            .map(|((pk, _), ikm)| (*pk, ikm))
            .collect();
        let encapped = self.kem.encap_batch_from_ikms(&encaps);
        items
            .iter()
            .zip(encapped)
            .map(|((_, plaintext), encap)| {
                let (shared_secret, enc) = encap?;
                let ctx = self.key_schedule(&shared_secret, context)?;
                let ct = self.aead.seal(
                    ctx.key.as_bytes(),
                    ctx.base_nonce.as_bytes(),
                    aad,
                    plaintext,
                )?;
                Ok((enc, ct))
            })
            .collect()
    }

    /// `OpenBase(enc, skR, info, aad, ct)` with `pkRm` supplied and
    /// `info = info_parts[0] || info_parts[1] || ...`.
    pub(crate) fn open(
        &self,
        enc: &[u8],
        sk_r: &[u8],
        pk_r: &[u8],
        info_parts: &[&[u8]],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let shared_secret = self.kem.decap(enc, sk_r, pk_r)?;
        let ctx = self.key_schedule(&shared_secret, &self.key_schedule_context(info_parts)?)?;
        self.aead
            .open(
                ctx.key.as_bytes(),
                ctx.base_nonce.as_bytes(),
                aad,
                ciphertext,
            )
            .map_err(|_| Error::HpkeOpenFailed)
    }

    /// `SetupBaseS(pkR, info)` then `Export(exporter_context, len)`:
    /// returns `(enc, exported)`.
    pub(crate) fn export_sender(
        &self,
        pk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, Secret), Error> {
        let (shared_secret, enc) = self.kem.encap(pk_r, rng)?;
        let ctx = self.key_schedule(&shared_secret, &self.key_schedule_context(&[info])?)?;
        let exported = self.export(&ctx, exporter_context, len)?;
        Ok((enc, exported))
    }

    /// `SetupBaseR(enc, skR, info)` then `Export(exporter_context, len)`.
    pub(crate) fn export_receiver(
        &self,
        enc: &[u8],
        sk_r: &[u8],
        pk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, Error> {
        let shared_secret = self.kem.decap(enc, sk_r, pk_r)?;
        let ctx = self.key_schedule(&shared_secret, &self.key_schedule_context(&[info])?)?;
        self.export(&ctx, exporter_context, len)
    }
}
