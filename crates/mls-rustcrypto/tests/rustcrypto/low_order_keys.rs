//! Issue 15, item 15: `hpke_validate_public_key` refuses the HPKE public
//! keys that no one can encrypt to — the 14 low-order X25519 encodings,
//! the 5 low-order X448 ones, and NIST strings that are not points of the
//! curve — and accepts every honest key.

use crate::common;

use common::suites;
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt, Error, HpkePublicKey};
use mls_test_support::hpke::low_order_public_keys;
use mls_test_support::TestRng;

#[test]
fn item15_low_order_hpke_keys_are_refused() {
    let mut rng = TestRng::new(15);
    let mut refused = 0;
    for cs in suites() {
        let honest = cs.hpke_generate_key_pair(&mut rng).unwrap().public;
        assert_eq!(cs.hpke_validate_public_key(&honest), Ok(()));
        // The shared list of the tests; `dhkem.rs` derives the provider's
        // own from the curves.
        let low = low_order_public_keys(honest.0.len());
        match honest.0.len() {
            32 => assert_eq!(low.len(), 14),
            56 => assert_eq!(low.len(), 5),
            _ => assert!(low.is_empty()),
        }
        for key in low {
            assert_eq!(
                cs.hpke_validate_public_key(&key),
                Err(Error::InvalidPublicKey),
                "suite {:?}, key {}",
                cs.cipher_suite(),
                hex::encode(&key.0)
            );
            // Why: every encryption to it fails.
            assert_eq!(
                cs.hpke_seal(&key, b"info", b"", b"secret", &mut rng),
                Err(Error::DhFailed)
            );
            refused += 1;
        }
        // Wrong lengths, and for the NIST curves strings that are not
        // uncompressed points of the curve.
        let mut bad = vec![
            vec![],
            honest.0[1..].to_vec(),
            [honest.0.clone(), vec![0]].concat(),
        ];
        if honest.0[0] == 0x04 {
            let mut off_curve = honest.0.clone();
            *off_curve.last_mut().unwrap() ^= 1;
            bad.push(off_curve);
            let mut zeros = vec![0u8; honest.0.len()];
            zeros[0] = 0x04;
            bad.push(zeros);
            bad.push(vec![0x00]); // the identity's SEC1 encoding
            let mut compressed = honest.0[..1 + (honest.0.len() - 1) / 2].to_vec();
            compressed[0] = 0x02 | (honest.0.last().unwrap() & 1);
            bad.push(compressed);
        }
        for key in bad {
            assert_eq!(
                cs.hpke_validate_public_key(&HpkePublicKey(key)),
                Err(Error::InvalidPublicKey)
            );
        }
        // Random honest keys are all accepted.
        for _ in 0..20 {
            let k = cs.hpke_generate_key_pair(&mut rng).unwrap().public;
            assert_eq!(cs.hpke_validate_public_key(&k), Ok(()));
        }
    }
    assert!(refused >= 14);
}
