//! Hostile HPKE public keys for the tests of key validation.

use mls_crypto::HpkePublicKey;

/// The low-order public keys of the X25519 (`npk = 32`) or X448
/// (`npk = 56`) KEM, to which every encryption fails (the DH output is all
/// zero): for X25519 the 14 encodings of u ∈ {0, 1, the two order-8
/// values, p − 1, p, p + 1}, top bit clear and set; for X448 the 5
/// encodings of u ∈ {0, 1, p − 1, p, p + 1}. Empty for any other length
/// (the NIST KEMs, whose only low-order point, the identity, has no
/// uncompressed encoding).
///
/// ```
/// use mls_test_support::hpke::low_order_public_keys;
/// assert_eq!(low_order_public_keys(32).len(), 14);
/// assert_eq!(low_order_public_keys(56).len(), 5);
/// assert!(low_order_public_keys(65).is_empty());
/// ```
pub fn low_order_public_keys(npk: usize) -> Vec<HpkePublicKey> {
    match npk {
        32 => {
            let mut p_minus_1 = [0xffu8; 32];
            p_minus_1[0] = 0xec;
            p_minus_1[31] = 0x7f;
            let mut p = p_minus_1;
            p[0] = 0xed;
            let mut p_plus_1 = p_minus_1;
            p_plus_1[0] = 0xee;
            let mut one = [0u8; 32];
            one[0] = 1;
            let order_8 = [
                [
                    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1,
                    0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62,
                    0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
                ],
                [
                    0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c,
                    0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22,
                    0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
                ],
            ];
            [
                [0u8; 32], one, order_8[0], order_8[1], p_minus_1, p, p_plus_1,
            ]
            .into_iter()
            .flat_map(|u| {
                let mut high = u;
                high[31] |= 0x80;
                [HpkePublicKey(u.to_vec()), HpkePublicKey(high.to_vec())]
            })
            .collect()
        }
        56 => {
            let mut p = vec![0xffu8; 56];
            p[28] = 0xfe;
            let mut p_minus_1 = p.clone();
            p_minus_1[0] = 0xfe;
            let mut p_plus_1 = vec![0u8; 28];
            p_plus_1.extend([0xffu8; 28]);
            let mut one = vec![0u8; 56];
            one[0] = 1;
            [vec![0u8; 56], one, p_minus_1, p, p_plus_1]
                .into_iter()
                .map(HpkePublicKey)
                .collect()
        }
        _ => Vec::new(),
    }
}
