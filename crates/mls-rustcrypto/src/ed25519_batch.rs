//! Ed25519 batch verification (RFC 8032 §5.1.7 equation, many signatures
//! in one multiscalar multiplication), with the acceptance rules of the
//! single verification (`verify_strict`) wherever they can be checked per
//! signature.
//!
//! For each signature `(R, S)` on `M` under `A`, single verification
//! accepts iff `A` decodes and is not of small order, `S < ℓ`, `R` decodes
//! and is not of small order, and `encode([S]B − [k]A) = R` with
//! `k = SHA-512(R ‖ A ‖ M) mod ℓ` — which, `encode` being injective on
//! points, is `R` canonically encoded and `R = [S]B − [k]A`.
//!
//! Here every encoding rule is checked per signature (`A` and `R` decoded,
//! small order rejected, `R`'s y-coordinate below p, `S` below ℓ); a
//! signature that fails one is left to the single verification, which
//! decides it and names the error. The others are checked together:
//! `[−Σ zᵢSᵢ]B + Σ [zᵢ]Rᵢ + Σ [zᵢkᵢ]Aᵢ = 0`, with 128-bit odd coefficients
//! `zᵢ` derived by SHA-512 from every signature's `(k, S)` (deterministic;
//! forging a passing batch means predicting a hash). If the sum is not the
//! identity, every signature of the chunk is verified alone, so the error
//! and its index are those of one-by-one verification.
//!
//! The equation is the cofactorless one, as `verify_strict`'s. Whenever
//! every `R` and `A` lies in the prime-order subgroup (all keys and
//! signatures that RFC 8032 key generation and signing produce), the batch
//! accepts exactly when each signature verifies alone, except with
//! probability about 2^-127. The gap is with mixed-order points (a
//! prime-order part plus a non-zero torsion part), which the per-signature
//! checks cannot detect cheaply: a signature whose discrepancy
//! `R − [S]B + [k]A` is a non-zero torsion point satisfies the cofactored
//! equation `[8][S]B = [8]R + [8][k]A` of RFC 8032 §5.1.7 but not
//! `verify_strict`'s. Because `zᵢ` is odd, such a discrepancy coming from
//! `R` alone is caught when it is the only one in its chunk; one coming
//! from a mixed-order `A` (its coefficient `zᵢkᵢ` is reduced mod ℓ, which
//! scrambles its torsion part), or several that cancel, can pass the
//! batch. Only a signer who deliberately builds such points can produce
//! these signatures, and each is valid under the cofactored equation.

use alloc::vec::Vec;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

use mls_crypto::{BatchVerifyError, Error, SignatureItem};

/// Signatures per multiscalar multiplication. Larger chunks cost a little
/// less per signature (Pippenger's method) but more to re-verify one by
/// one when a chunk fails. Chunk boundaries are fixed, whatever the number
/// of threads, so that results do not depend on it.
pub(crate) const CHUNK: usize = 256;

/// Domain separation of the coefficient derivation.
const COEFFICIENT_LABEL: &[u8] = b"mls-crypto Ed25519 batch verification coefficients v1";

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

/// A signature that passed every per-signature check.
struct Prepared {
    a: EdwardsPoint,
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

/// Verifies `items` in chunks of [`CHUNK`] (on up to `threads` threads
/// with the `parallel` feature). `single` is the one-by-one verification
/// that decides every signature the batch equation does not.
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

/// One chunk: per-signature checks, the batch equation over those that
/// pass, and `single` for the rest (or for all, if the equation fails).
/// Errors carry `offset` + the position in the chunk.
fn verify_chunk<F>(
    items: &[SignatureItem<'_>],
    offset: usize,
    single: &F,
) -> Result<(), BatchVerifyError>
where
    F: Fn(&SignatureItem<'_>) -> Result<(), Error>,
{
    let mut transcript = Sha512::new();
    transcript.update(COEFFICIENT_LABEL);
    let mut prepared = Vec::with_capacity(items.len());
    let mut batched = Vec::with_capacity(items.len());
    for item in items {
        let p = prepare(item, &mut transcript);
        batched.push(p.is_some());
        prepared.extend(p);
    }
    transcript.update((prepared.len() as u64).to_le_bytes());
    let seed: [u8; 64] = transcript.finalize().into();
    let passed = prepared.is_empty() || equation_holds(&prepared, &seed);
    for (i, (item, in_batch)) in items.iter().zip(batched).enumerate() {
        if !(passed && in_batch) {
            single(item).map_err(|error| BatchVerifyError {
                index: offset + i,
                error,
            })?;
        }
    }
    Ok(())
}

/// The per-signature checks of single verification (see the module
/// documentation); `None` if one fails. Adds `k` and `S` to `transcript`.
fn prepare(item: &SignatureItem<'_>, transcript: &mut Sha512) -> Option<Prepared> {
    let a_bytes: [u8; 32] = item.public_key.0.as_slice().try_into().ok()?;
    if has_small_order(&a_bytes) {
        return None;
    }
    let a = CompressedEdwardsY(a_bytes).decompress()?;
    let (r_part, s_part) = item.signature.split_at_checked(32)?;
    let r_bytes: [u8; 32] = r_part.try_into().ok()?;
    let s_bytes: [u8; 32] = s_part.try_into().ok()?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
    // The small-order check also rejects the two x = 0 points, whose
    // encodings with the sign bit set are the only other non-canonical ones.
    if !y_is_canonical(&r_bytes) || has_small_order(&r_bytes) {
        return None;
    }
    let r = CompressedEdwardsY(r_bytes).decompress()?;
    let mut h = Sha512::new();
    h.update(r_bytes);
    h.update(a_bytes);
    h.update(item.message);
    let hram: [u8; 64] = h.finalize().into();
    transcript.update(hram);
    transcript.update(s_bytes);
    Some(Prepared {
        a,
        r,
        s,
        k: Scalar::from_bytes_mod_order_wide(&hram),
    })
}

/// Whether the y-coordinate of an encoded point (the sign bit cleared) is
/// below p, i.e. the encoding is the one `compress` produces for `x ≠ 0`.
fn y_is_canonical(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    // Compare from the most significant byte.
    for (b, p) in y.iter().rev().zip(FIELD_MODULUS.iter().rev()) {
        if b != p {
            return b < p;
        }
    }
    false
}

/// Whether the encoded point, if it decodes, is of small order.
fn has_small_order(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    SMALL_ORDER_Y.contains(&y)
}

/// `[−Σ zᵢSᵢ]B + Σ [zᵢ]Rᵢ + Σ [zᵢkᵢ]Aᵢ` is the identity.
fn equation_holds(prepared: &[Prepared], seed: &[u8; 64]) -> bool {
    let z = coefficients(seed, prepared.len());
    let mut scalars = Vec::with_capacity(2 * prepared.len() + 1);
    let mut points = Vec::with_capacity(2 * prepared.len() + 1);
    let mut b = Scalar::ZERO;
    for (p, z) in prepared.iter().zip(&z) {
        b += z * p.s;
        scalars.push(*z);
        points.push(p.r);
        scalars.push(z * p.k);
        points.push(p.a);
    }
    scalars.push(-b);
    points.push(ED25519_BASEPOINT_POINT);
    EdwardsPoint::vartime_multiscalar_mul(&scalars, &points).is_identity()
}

/// `n` odd 128-bit coefficients: SHA-512(seed ‖ counter), four per block.
fn coefficients(seed: &[u8; 64], n: usize) -> Vec<Scalar> {
    let mut out = Vec::with_capacity(n);
    let mut counter = 0u64;
    while out.len() < n {
        let mut h = Sha512::new();
        h.update(seed);
        h.update(counter.to_le_bytes());
        let block: [u8; 64] = h.finalize().into();
        for quarter in block.chunks_exact(16) {
            if out.len() == n {
                break;
            }
            let mut z = [0u8; 16];
            z.copy_from_slice(quarter);
            out.push(Scalar::from(u128::from_le_bytes(z) | 1));
        }
        counter += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RustCryptoSuite;
    use mls_crypto::{
        CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, SignaturePublicKey,
    };
    use mls_test_support::TestRng;

    #[test]
    fn canonical_y_is_below_p_whatever_the_sign_bit() {
        let mut p_minus_1 = FIELD_MODULUS;
        p_minus_1[0] -= 1;
        assert!(y_is_canonical(&p_minus_1));
        assert!(y_is_canonical(&[0; 32]));
        assert!(!y_is_canonical(&FIELD_MODULUS));
        let mut top = [0xff; 32];
        assert!(!y_is_canonical(&top));
        top[31] = 0x7f;
        assert!(!y_is_canonical(&top));
        let mut signed = p_minus_1;
        signed[31] |= 0x80;
        assert!(y_is_canonical(&signed));
    }

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

    #[test]
    fn the_equation_separates_valid_from_tampered_sets() {
        let cs = RustCryptoSuite::new(CipherSuite(1)).unwrap();
        let mut rng = TestRng::new(3);
        let mut keys: Vec<SignaturePublicKey> = Vec::new();
        let mut sigs = Vec::new();
        let msgs: Vec<Vec<u8>> = (0..5u8).map(|i| alloc::vec![i; 40]).collect();
        for m in &msgs {
            let kp = cs.signature_generate(&mut rng).unwrap();
            let sk = cs.signing_key(&kp.private).unwrap();
            sigs.push(cs.sign(&sk, m).unwrap());
            keys.push(kp.public);
        }
        let items: Vec<SignatureItem<'_>> = (0..5)
            .map(|i| SignatureItem {
                public_key: &keys[i],
                message: &msgs[i],
                signature: &sigs[i],
            })
            .collect();
        let mut t = Sha512::new();
        let mut prepared: Vec<Prepared> =
            items.iter().map(|i| prepare(i, &mut t).unwrap()).collect();
        let seed = [7u8; 64];
        assert!(equation_holds(&prepared, &seed));
        prepared[2].k += Scalar::ONE;
        assert!(!equation_holds(&prepared, &seed));
    }

    #[test]
    fn coefficients_are_odd_and_distinct() {
        let z = coefficients(&[1; 64], 9);
        assert_eq!(z.len(), 9);
        for (i, a) in z.iter().enumerate() {
            assert_eq!(a.as_bytes()[0] & 1, 1);
            assert!(z.iter().skip(i + 1).all(|b| b != a));
        }
    }
}
