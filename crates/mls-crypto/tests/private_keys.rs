//! Issue 15, item 18: private keys keep their bytes to themselves (private
//! fields, `from_bytes` / `as_bytes`), compare in constant time and hide
//! themselves from `Debug`.

use mls_codec::{decode_exact, Encode};
use mls_crypto::{HpkePrivateKey, SignaturePrivateKey};

#[test]
fn item18_private_keys_have_accessors_and_constant_time_equality() {
    let a = HpkePrivateKey::from_bytes(vec![1, 2, 3, 4]);
    assert_eq!(a.as_bytes(), &[1, 2, 3, 4]);
    assert_eq!(a, HpkePrivateKey::from_bytes(vec![1, 2, 3, 4]));
    // A difference in the first or the last byte, or in the length.
    assert_ne!(a, HpkePrivateKey::from_bytes(vec![0, 2, 3, 4]));
    assert_ne!(a, HpkePrivateKey::from_bytes(vec![1, 2, 3, 5]));
    assert_ne!(a, HpkePrivateKey::from_bytes(vec![1, 2, 3]));
    assert_eq!(format!("{a:?}"), "HpkePrivateKey(..)");

    let s = SignaturePrivateKey::from_bytes(vec![9; 32]);
    assert_eq!(s.as_bytes(), &[9; 32]);
    assert_eq!(s.clone(), s);
    assert_ne!(s, SignaturePrivateKey::from_bytes(vec![9; 31]));
    assert_eq!(format!("{s:?}"), "SignaturePrivateKey(..)");

    // The wire form is unchanged: `opaque <V>`.
    let bytes = a.to_bytes().unwrap();
    assert_eq!(bytes, [4, 1, 2, 3, 4]);
    assert_eq!(decode_exact::<HpkePrivateKey>(&bytes).unwrap(), a);
}
