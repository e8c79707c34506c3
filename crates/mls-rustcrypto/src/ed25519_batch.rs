//! Ed25519 verification of many signatures with exactly the acceptance
//! rules of the single verification (`verify_strict`), cheaper per
//! signature than verifying them one by one.
//!
//! Single verification accepts `(R, S)` on `M` under `A` iff `A` decodes
//! and is not of small order, `S < ℓ`, `R` decodes and is not of small
//! order, and `encode([S]B − [k]A) = R` with `k = SHA-512(R ‖ A ‖ M) mod ℓ`.
//! Here each signature gets exactly these checks — the comparison being
//! that of the encodings, `R` need not be decoded: an `R` that does not
//! decode, or is not canonically encoded, differs from every `encode(..)`
//! — and the saving is in the encoding: the points `[S]B − [k]A` of a
//! chunk are encoded with one shared field inversion instead of one each.
//! A signature that fails any check is handed to the single verification,
//! which decides it and names the error, so the result and the error's
//! index are those of one-by-one verification on every input.
//!
//! There is no batch equation (`Σ zᵢ(Rᵢ + [kᵢ]Aᵢ − [Sᵢ]B) = 0` with random
//! `zᵢ`, one multiscalar multiplication). That equation is sound only for
//! points in the prime-order subgroup: torsion components of `A` or `R`
//! (a mixed-order key or `R`) can cancel out of the sum, or be scrambled
//! by the reduction of `zᵢkᵢ` mod ℓ, so that signatures which
//! `verify_strict` refuses pass the batch — accepting a tree that other
//! implementations refuse. Making it exact needs a torsion check of every
//! `A` and `R` (`[ℓ]P = 0`): measured, one such check costs more than a
//! whole single verification (about 85 µs against 58 µs here), and the
//! cheapest sound alternative found (a cofactored equation plus a
//! point-halving test of `R + [k mod 8]A`, about four field
//! exponentiations per signature) would save only a few microseconds over
//! this module's per-signature computation. See the README ("Ed25519
//! batch verification") for the measured costs.

use alloc::vec::Vec;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};

use mls_crypto::{BatchVerifyError, Error, SignatureItem};

/// Signatures per shared inversion, and per unit of work spread over the
/// threads. Chunk boundaries are fixed, whatever the number of threads,
/// so that results do not depend on it (they would not anyway: every
/// signature is decided alone).
pub(crate) const CHUNK: usize = 256;

/// `p = 2^255 − 19`, little-endian.
const FIELD_MODULUS: [u8; 32] = [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// The y-coordinates (little-endian, sign bit clear) of the points of small
/// order — the identity (1), the point of order 2 (p − 1), those of order
/// 4 (0) and of order 8 (two values) — and the two non-canonical encodings
/// of such a y (p ≡ 0, p + 1 ≡ 1). An encoded point decodes to a point of
/// small order exactly when its y is one of these, whatever its sign bit
/// (checked against `EdwardsPoint::is_small_order` in the tests), so the
/// check needs no curve arithmetic.
const SMALL_ORDER_Y: [[u8; 32]; 7] = [
    [
        0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    [0; 32],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    FIELD_MODULUS,
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// Verifies `items` in chunks of [`CHUNK`] (on up to `threads` threads
/// with the `parallel` feature). `single` is the one-by-one verification,
/// which decides every signature that fails a check here and gives its
/// error.
pub(crate) fn verify<F>(
    items: &[SignatureItem<'_>],
    threads: usize,
    single: F,
) -> Result<(), BatchVerifyError>
where
    F: Fn(&SignatureItem<'_>) -> Result<(), Error> + Sync,
{
    let chunks = items.len().div_ceil(CHUNK);
    let run = |first_chunk: usize, end_chunk: usize| -> Result<(), BatchVerifyError> {
        for c in first_chunk..end_chunk {
            let start = c * CHUNK;
            let end = items.len().min(start + CHUNK);
            verify_chunk(items.get(start..end).unwrap_or(&[]), start, &single)?;
        }
        Ok(())
    };
    #[cfg(feature = "parallel")]
    if threads > 1 && chunks > 1 {
        return crate::parallel::in_ranges(chunks, threads, |r| run(r.start, r.end))
            .into_iter()
            .collect();
    }
    let _ = threads;
    run(0, chunks)
}

/// One chunk: `[S]B − [k]A` of every signature that passes the checks on
/// its parts, encoded together and compared with `R`; `single` for the
/// others. Errors carry `offset` + the position in the chunk.
fn verify_chunk<F>(
    items: &[SignatureItem<'_>],
    offset: usize,
    single: &F,
) -> Result<(), BatchVerifyError>
where
    F: Fn(&SignatureItem<'_>) -> Result<(), Error>,
{
    let mut computed = Vec::with_capacity(items.len());
    let mut slots = Vec::with_capacity(items.len());
    for item in items {
        let point = recompute_r(item);
        slots.push(point.map(|_| computed.len()));
        computed.extend(point);
    }
    let encoded = EdwardsPoint::compress_batch_alloc(&computed);
    for (i, (item, slot)) in items.iter().zip(slots).enumerate() {
        let matches = slot
            .and_then(|j| encoded.get(j))
            .is_some_and(|e| item.signature.get(..32) == Some(e.as_bytes().as_slice()));
        if !matches {
            single(item).map_err(|error| BatchVerifyError {
                index: offset + i,
                error,
            })?;
        }
    }
    Ok(())
}

/// The checks of single verification on the parts of a signature — `A`
/// decodes and is not of small order, the signature is 64 bytes, `S < ℓ`,
/// `R` is not the encoding of a point of small order — then `[S]B − [k]A`,
/// which the signature is valid iff `R` encodes. `None` if a check fails.
fn recompute_r(item: &SignatureItem<'_>) -> Option<EdwardsPoint> {
    let a_bytes: [u8; 32] = item.public_key.0.as_slice().try_into().ok()?;
    let a = CompressedEdwardsY(a_bytes).decompress()?;
    if a.is_small_order() {
        return None;
    }
    let signature: &[u8; 64] = item.signature.try_into().ok()?;
    let (r_part, s_part) = signature.split_at(32);
    let s_bytes: [u8; 32] = s_part.try_into().ok()?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
    let r_bytes: [u8; 32] = r_part.try_into().ok()?;
    // An R of small order is refused even when the equation holds.
    if has_small_order(&r_bytes) {
        return None;
    }
    let mut h = Sha512::new();
    h.update(r_bytes);
    h.update(a_bytes);
    h.update(item.message);
    let hram: [u8; 64] = h.finalize().into();
    let k = Scalar::from_bytes_mod_order_wide(&hram);
    Some(EdwardsPoint::vartime_double_scalar_mul_basepoint(
        &k, &-a, &s,
    ))
}

/// Whether the encoded point, if it decodes, is of small order.
fn has_small_order(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    SMALL_ORDER_Y.contains(&y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;

    #[test]
    fn small_order_table_agrees_with_the_curve() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        let mut encodings: Vec<[u8; 32]> = Vec::new();
        for t in EIGHT_TORSION {
            let e = t.compress().to_bytes();
            encodings.push(e);
            let mut flipped = e;
            flipped[31] ^= 0x80;
            encodings.push(flipped);
        }
        // Every y below 19 + p (the non-canonical range) and a spread of
        // points of large order.
        for j in 0u8..19 {
            let mut e = FIELD_MODULUS;
            e[0] = 0xed + j;
            encodings.push(e);
            e[31] |= 0x80;
            encodings.push(e);
            let mut small = [0u8; 32];
            small[0] = j;
            encodings.push(small);
        }
        let mut p = ED25519_BASEPOINT_POINT;
        for _ in 0..50 {
            encodings.push(p.compress().to_bytes());
            encodings.push((p + EIGHT_TORSION[3]).compress().to_bytes());
            p = p + p + ED25519_BASEPOINT_POINT;
        }
        let mut small = 0;
        for e in encodings {
            if let Some(point) = CompressedEdwardsY(e).decompress() {
                assert_eq!(has_small_order(&e), point.is_small_order(), "{e:02x?}");
                small += usize::from(point.is_small_order());
            }
        }
        assert!(small >= 20);
    }
}
