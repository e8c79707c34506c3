//! Credentials of every type round-trip (RFC 9420 §5.3, §13.3).

use mls_codec::{decode_exact, Encode};
use mls_types::{Certificate, Credential, CredentialType};
use proptest::prelude::*;

#[test]
fn known_types_keep_their_variants() {
    let x509 = Credential::X509(vec![Certificate {
        cert_data: vec![0x30, 0x00],
    }]);
    let bytes = x509.to_bytes().unwrap();
    assert_eq!(bytes, [0, 2, 3, 2, 0x30, 0x00]);
    assert_eq!(decode_exact::<Credential>(&bytes).unwrap(), x509);
}

#[test]
fn an_unknown_type_is_kept_as_type_and_bytes() {
    // A GREASE type (§13.5) and a private-use one.
    for t in [0x0a0a, 0xff00] {
        let bytes = [(t >> 8) as u8, t as u8, 3, 1, 2, 3];
        let c = decode_exact::<Credential>(&bytes).unwrap();
        assert_eq!(c.credential_type(), CredentialType(t));
        assert_eq!(
            c,
            Credential::Other {
                credential_type: CredentialType(t),
                data: vec![1, 2, 3]
            }
        );
        assert_eq!(c.to_bytes().unwrap(), bytes);
        assert_eq!(c.encoded_len(), bytes.len());
    }
}

#[test]
fn an_unknown_type_with_a_truncated_body_is_refused() {
    assert!(decode_exact::<Credential>(&[0xff, 0x00, 3, 1]).is_err());
    assert!(decode_exact::<Credential>(&[0xff, 0x00]).is_err());
}

#[test]
fn other_of_a_known_type_does_not_encode() {
    for t in [CredentialType::BASIC, CredentialType::X509] {
        let c = Credential::Other {
            credential_type: t,
            data: vec![],
        };
        assert_eq!(c.to_bytes(), Err(mls_codec::Error::InvalidValue));
    }
}

proptest! {
    #[test]
    fn any_other_type_round_trips(t in 3u16.., data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let c = Credential::Other { credential_type: CredentialType(t), data };
        let bytes = c.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), c.encoded_len());
        prop_assert_eq!(decode_exact::<Credential>(&bytes).unwrap(), c);
    }
}
