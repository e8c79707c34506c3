//! Issue 15, item 17: private and public keys are parsed strictly. NIST
//! private keys must be exactly `Nsk` bytes (a short string is not
//! left-padded: `[0x01]` is not a P-256 key, as the `hpke` crate agrees);
//! Ed448 public keys must be canonically encoded.

use crate::common;

use common::suites;
use mls_crypto::{
    CipherSuiteProvider, CipherSuiteProviderExt, Error, HpkePrivateKey, SignaturePrivateKey,
    SignaturePublicKey,
};
use mls_test_support::TestRng;

#[test]
fn item17_short_nist_private_keys_are_refused() {
    let mut rng = TestRng::new(17);
    let mut nist = 0;
    for cs in suites() {
        let nsk = match cs.cipher_suite().0 {
            2 => 32,
            7 => 48,
            5 => 66,
            _ => continue,
        };
        nist += 1;
        // 1 as a full-length big-endian scalar is a valid key (of both
        // kinds); without its leading zero bytes it is refused.
        let mut one = vec![0u8; nsk];
        one[nsk - 1] = 1;
        assert!(cs
            .hpke_public_key(&HpkePrivateKey::from_bytes(one.clone()))
            .is_ok());
        assert!(cs
            .signing_key(&SignaturePrivateKey::from_bytes(one.clone()))
            .is_ok());
        for short in [vec![1u8], one[1..].to_vec(), one[nsk / 2..].to_vec()] {
            assert_eq!(
                cs.hpke_public_key(&HpkePrivateKey::from_bytes(short.clone())),
                Err(Error::InvalidPrivateKey),
                "suite {:?}, {} bytes",
                cs.cipher_suite(),
                short.len()
            );
            assert_eq!(
                cs.signing_key(&SignaturePrivateKey::from_bytes(short.clone()))
                    .err(),
                Some(Error::InvalidPrivateKey)
            );
        }
        // A real key with its leading byte stripped: refused to decrypt,
        // though the full key opens the ciphertext.
        let kp = loop {
            let kp = cs.hpke_generate_key_pair(&mut rng).unwrap();
            if kp.private.as_bytes()[0] == 0 || cs.cipher_suite().0 != 5 {
                break kp;
            }
            // P-521 keys start with 0 or 1; take one whose first byte is 0.
        };
        let ct = cs
            .hpke_seal(&kp.public, b"info", b"aad", b"pt", &mut rng)
            .unwrap();
        assert_eq!(
            cs.hpke_open(&kp.private, &kp.public, b"info", b"aad", &ct)
                .unwrap(),
            b"pt"
        );
        if kp.private.as_bytes()[0] == 0 {
            let stripped = HpkePrivateKey::from_bytes(kp.private.as_bytes()[1..].to_vec());
            assert_eq!(
                cs.hpke_open(&stripped, &kp.public, b"info", b"aad", &ct),
                Err(Error::InvalidPrivateKey)
            );
        }
        // Too long is refused as before.
        let mut long = one.clone();
        long.insert(0, 0);
        assert_eq!(
            cs.hpke_public_key(&HpkePrivateKey::from_bytes(long)),
            Err(Error::InvalidPrivateKey)
        );
    }
    // The reference implementation refuses the one-byte P-256 key too.
    use hpke::Deserializable;
    assert!(<hpke::kem::DhP256HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(&[1]).is_err());
    assert!(nist <= 3, "suites 2, 5 and 7");
}

#[test]
fn item17_non_canonical_ed448_public_keys_are_refused() {
    let mut rng = TestRng::new(448);
    let mut checked = 0;
    for cs in suites() {
        if cs.cipher_suite().0 != 4 && cs.cipher_suite().0 != 6 {
            continue;
        }
        checked += 1;
        let kp = cs.signature_generate(&mut rng).unwrap();
        let sk = cs.signing_key(&kp.private).unwrap();
        let sig = cs.sign(&sk, b"message").unwrap();
        assert_eq!(cs.signature_validate_public_key(&kp.public), Ok(()));
        cs.verify(&kp.public, b"message", &sig).unwrap();
        // Bit 448 (and each bit below the sign bit of the last byte): the
        // same point to the crate's decoding, not a canonical encoding.
        for bit in 0..7 {
            let mut odd = kp.public.clone();
            odd.0[56] |= 1 << bit;
            assert_eq!(
                cs.signature_validate_public_key(&odd),
                Err(Error::InvalidPublicKey),
                "bit {}",
                448 + bit
            );
            assert_eq!(
                cs.verify(&odd, b"message", &sig),
                Err(Error::InvalidPublicKey)
            );
        }
        // y + p for a key whose y is small (y + p < 2^448): found by
        // trying small y values until one is a valid key.
        let mut p = [0xffu8; 56];
        p[28] = 0xfe;
        let mut found = false;
        for y in 2u8..200 {
            let mut canonical = vec![0u8; 57];
            canonical[0] = y;
            if cs
                .signature_validate_public_key(&SignaturePublicKey(canonical))
                .is_err()
            {
                continue;
            }
            // p + y: p's low byte is 0xff, so add with carry.
            let mut big = p.to_vec();
            let mut carry = u16::from(y);
            for b in big.iter_mut() {
                let v = u16::from(*b) + carry;
                *b = v as u8;
                carry = v >> 8;
                if carry == 0 {
                    break;
                }
            }
            big.push(0);
            assert_eq!(
                cs.signature_validate_public_key(&SignaturePublicKey(big)),
                Err(Error::InvalidPublicKey),
                "y = {y} + p"
            );
            found = true;
            break;
        }
        assert!(found);
    }
    assert!(checked <= 2, "suites 4 and 6");
}
