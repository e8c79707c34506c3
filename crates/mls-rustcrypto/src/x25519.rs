//! X25519 (RFC 7748 §5) computed on the Edwards form of the curve where
//! that is faster.
//!
//! `X25519(k, u)` is the u-coordinate of `[clamp(k)] P` for either point P
//! with u-coordinate `u`. The Montgomery ladder computes it with serial
//! field arithmetic; when `u` is the canonical encoding of a point of the
//! curve (every honest public key is), the same value is obtained by mapping
//! `u` to an Edwards point (RFC 7748 §4.1 birational map; the sign choice
//! does not matter since `[k](-P) = -[k]P` has the same u), multiplying
//! there — curve25519-dalek's constant-time variable-base multiplication,
//! which uses the AVX2 backend when the CPU has it — and mapping back. Any
//! other input (a twist point, `u = -1`, a non-canonical encoding or one
//! with the top bit set) goes to the ladder, which is the reference
//! behaviour. Which path runs depends only on the public `u`.

use alloc::vec::Vec;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use zeroize::{Zeroize, Zeroizing};

/// `X25519(k, u)` (RFC 7748 §5): the scalar is clamped, the result is the
/// 32-byte u-coordinate (all zero for a small-order `u`; callers check).
/// Checked against the RFC 7748 §5.2 vectors and the plain Montgomery
/// ladder in the tests below. The secret-derived point is zeroized (the
/// field arithmetic's own temporaries live on the stack only).
pub(crate) fn x25519(k: &[u8; 32], u: &[u8; 32]) -> [u8; 32] {
    let point = MontgomeryPoint(*u);
    if is_canonical(u) {
        if let Some(edwards) = point.to_edwards(0) {
            let mut shared = edwards.mul_clamped(*k);
            let mut montgomery = shared.to_montgomery();
            let out = montgomery.to_bytes();
            shared.zeroize();
            montgomery.zeroize();
            return out;
        }
    }
    let mut shared = point.mul_clamped(*k);
    let out = shared.to_bytes();
    shared.zeroize();
    out
}

/// For each `(k, u)`: the public key `X25519(k, 9)` and the shared secret
/// `X25519(k, u)` — the two X25519 calls of one DHKEM `Encap` with the
/// ephemeral private key `k` (RFC 9180 §4.1) — for a whole batch at once.
///
/// Same values as [`x25519`] and `MontgomeryPoint::mul_base_clamped`; the
/// saving is that the Edwards → Montgomery maps of the ephemeral public
/// points (one field inversion each) share one batched inversion. Only
/// public values go through the batch: curve25519-dalek's batch map keeps
/// its inputs' denominators in scratch vectors that it frees without
/// zeroizing, so the secret shared points are mapped one at a time by
/// [`x25519`], which zeroizes them.
pub(crate) fn encap_batch(
    items: &[(&[u8; 32], &[u8; 32])],
) -> Vec<([u8; 32], Zeroizing<[u8; 32]>)> {
    let publics: Vec<EdwardsPoint> = items
        .iter()
        .map(|(k, _)| EdwardsPoint::mul_base_clamped(**k))
        .collect();
    let mapped = EdwardsPoint::to_montgomery_batch(&publics);
    items
        .iter()
        .zip(mapped)
        .map(|((k, u), pk)| (pk.to_bytes(), Zeroizing::new(x25519(k, u))))
        .collect()
}

/// `u` is below p = 2^255 − 19 with the top bit clear (the encoding the
/// birational map reads exactly as the ladder does).
fn is_canonical(u: &[u8; 32]) -> bool {
    // Little-endian compare with p = 0x7fff..ffed.
    if u[31] & 0x80 != 0 {
        return false;
    }
    if u[31] != 0x7f || u[1..31].iter().any(|&b| b != 0xff) {
        return true;
    }
    u[0] < 0xed
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use mls_test_support::TestRng;

    /// 32 bytes of the deterministic test stream.
    fn next32(r: &mut TestRng) -> [u8; 32] {
        let mut out = [0u8; 32];
        r.fill(&mut out);
        out
    }

    fn ladder(k: &[u8; 32], u: &[u8; 32]) -> [u8; 32] {
        MontgomeryPoint(*u).mul_clamped(*k).to_bytes()
    }

    #[test]
    fn batch_encap_agrees_with_single_calls() {
        // Honest keys, twist points, non-canonical and small-order inputs
        // mixed in one batch.
        let mut r = TestRng::new(4);
        let mut us: Vec<[u8; 32]> = (0..40)
            .map(|i| {
                if i % 3 == 0 {
                    next32(&mut r)
                } else {
                    MontgomeryPoint::mul_base_clamped(next32(&mut r)).to_bytes()
                }
            })
            .collect();
        us.push([0u8; 32]);
        us.push([0xffu8; 32]);
        let mut one = [0u8; 32];
        one[0] = 1;
        us.push(one);
        let ks: Vec<[u8; 32]> = us.iter().map(|_| next32(&mut r)).collect();
        let items: Vec<(&[u8; 32], &[u8; 32])> = ks.iter().zip(&us).collect();
        let out = encap_batch(&items);
        assert_eq!(out.len(), items.len());
        for ((k, u), (pk, dh)) in items.iter().zip(&out) {
            assert_eq!(*pk, MontgomeryPoint::mul_base_clamped(**k).to_bytes());
            assert_eq!(**dh, ladder(k, u));
        }
        assert!(encap_batch(&[]).is_empty());
    }

    #[test]
    fn rfc7748_vectors() {
        // RFC 7748 §5.2, the two single-step vectors.
        let k: [u8; 32] =
            hex::decode("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
                .unwrap()
                .try_into()
                .unwrap();
        let u: [u8; 32] =
            hex::decode("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
                .unwrap()
                .try_into()
                .unwrap();
        assert_eq!(
            hex::encode(x25519(&k, &u)),
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
        );
        let k: [u8; 32] =
            hex::decode("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d")
                .unwrap()
                .try_into()
                .unwrap();
        let u: [u8; 32] =
            hex::decode("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")
                .unwrap()
                .try_into()
                .unwrap();
        assert_eq!(
            hex::encode(x25519(&k, &u)),
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"
        );
    }

    #[test]
    fn agrees_with_the_ladder_on_curve_points() {
        // Honest public keys: [s]B for random s, so the fast path runs.
        let mut r = TestRng::new(1);
        for _ in 0..300 {
            let u = MontgomeryPoint::mul_base_clamped(next32(&mut r)).to_bytes();
            assert!(is_canonical(&u));
            assert!(MontgomeryPoint(u).to_edwards(0).is_some());
            let k = next32(&mut r);
            assert_eq!(x25519(&k, &u), ladder(&k, &u));
        }
    }

    #[test]
    fn agrees_with_the_ladder_on_any_input() {
        // Random strings: about half are twist points, some have the top
        // bit set or are non-canonical.
        let mut r = TestRng::new(2);
        for _ in 0..600 {
            let (k, u) = (next32(&mut r), next32(&mut r));
            assert_eq!(x25519(&k, &u), ladder(&k, &u));
        }
    }

    #[test]
    fn agrees_with_the_ladder_on_edge_inputs() {
        let mut edges: Vec<[u8; 32]> = Vec::new();
        // 0, 1, 2, p−1 (= −1), p, p+1, 2^255−1 and their top-bit-set twins.
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        for low in [0u8, 1, 2] {
            let mut u = [0u8; 32];
            u[0] = low;
            edges.push(u);
        }
        for d in [0xecu8, 0xed, 0xee, 0xff] {
            let mut u = p;
            u[0] = d;
            edges.push(u);
        }
        // The small-order points' u-coordinates (RFC 7748 §7 list).
        for h in [
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        ] {
            edges.push(hex::decode(h).unwrap().try_into().unwrap());
        }
        let mut all = edges.clone();
        for mut u in edges {
            u[31] |= 0x80;
            all.push(u);
        }
        let mut r = TestRng::new(3);
        for u in all {
            for _ in 0..4 {
                let k = next32(&mut r);
                assert_eq!(x25519(&k, &u), ladder(&k, &u), "u = {}", hex::encode(u));
            }
        }
    }
}
