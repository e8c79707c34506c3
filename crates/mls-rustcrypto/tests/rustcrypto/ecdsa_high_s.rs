//! ECDSA verification must accept every valid DER signature, including the
//! high-S form (n - s) that other implementations may produce: RFC 9420 and
//! RFC 8446 do not require low-S.

#![cfg(any(feature = "suite-2", feature = "suite-5", feature = "suite-7"))]

use mls_crypto::{CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider, Error};
use mls_rustcrypto::RustCrypto;
use mls_test_support::TestRng;

macro_rules! high_s_test {
    ($name:ident, $feature:literal, $suite:expr, $krate:ident) => {
        #[cfg(feature = $feature)]
        #[test]
        fn $name() {
            use $krate::ecdsa::Signature;
            let s = RustCrypto
                .cipher_suite_provider(CipherSuite($suite))
                .unwrap();
            let mut rng = TestRng::new($suite);
            let mut saw_high = false;
            for i in 0..16u8 {
                let kp = s.signature_generate(&mut rng).unwrap();
                let key = s.signing_key(&kp.private).unwrap();
                let msg = [i; 20];
                let der = s.sign(&key, &msg).unwrap();
                let sig = Signature::from_der(&der).unwrap();
                let low = sig.normalize_s();
                let high = Signature::from_scalars(low.r(), -low.s()).unwrap();
                saw_high |= sig != low;
                for variant in [low, high] {
                    let der = variant.to_der();
                    s.verify(&kp.public, &msg, der.as_bytes()).unwrap();
                    assert_eq!(
                        s.verify(&kp.public, &[0xaa; 20], der.as_bytes()),
                        Err(Error::InvalidSignature)
                    );
                }
                // The raw (r || s) form is not DER and is rejected.
                assert_eq!(
                    s.verify(&kp.public, &msg, &sig.to_bytes()),
                    Err(Error::InvalidSignature)
                );
            }
            // Our signer does not normalize S: about half its signatures are high-S.
            assert!(saw_high);
        }
    };
}

high_s_test!(p256_high_s_accepted, "suite-2", 2, p256);
high_s_test!(p521_high_s_accepted, "suite-5", 5, p521);
high_s_test!(p384_high_s_accepted, "suite-7", 7, p384);
