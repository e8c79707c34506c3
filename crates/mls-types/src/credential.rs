//! `Credential` (RFC 9420 §5.3).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};

use crate::CredentialType;

/// `struct { opaque cert_data<V>; } Certificate` (RFC 9420 §5.3): one DER certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Certificate {
    /// The DER-encoded certificate.
    pub cert_data: Vec<u8>,
}

/// `Credential` (RFC 9420 §5.3): a basic identity, an X.509 chain, or a
/// credential of another type (§13.3).
///
/// RFC 9420 gives a credential no outer length: the body of a type other
/// than `basic` and `x509` is defined by whoever registers the type. We
/// decode such a body as one `opaque data<V>` — the convention other
/// implementations follow for custom credentials, and the only way to
/// frame a body we cannot parse — and keep it as
/// [`Credential::Other`], type and bytes, for the application's
/// authentication service to judge. A custom type whose body is not a
/// single `opaque<V>` does not interoperate with this (or, to our
/// knowledge, any other) implementation.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_types::{Credential, CredentialType};
/// let c = Credential::Basic(b"alice".to_vec());
/// assert_eq!(c.credential_type(), CredentialType::BASIC);
/// let bytes = c.to_bytes().unwrap();
/// assert_eq!(bytes, [0, 1, 5, b'a', b'l', b'i', b'c', b'e']);
/// assert_eq!(decode_exact::<Credential>(&bytes).unwrap(), c);
///
/// // A custom type round-trips as type + opaque bytes.
/// let custom = decode_exact::<Credential>(&[0xf0, 0x00, 2, 7, 8]).unwrap();
/// assert_eq!(custom, Credential::Other { credential_type: CredentialType(0xf000), data: vec![7, 8] });
/// assert_eq!(custom.to_bytes().unwrap(), [0xf0, 0x00, 2, 7, 8]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    /// `basic`: an application-defined identity.
    Basic(Vec<u8>),
    /// `x509`: the certificate chain, end-entity first.
    X509(Vec<Certificate>),
    /// A credential of any other type (§13.3, GREASE included), its body
    /// read as `opaque data<V>`. Never of type `basic` or `x509`: those
    /// decode to their own variants, and encoding an `Other` of theirs
    /// fails ([`mls_codec::Error::InvalidValue`]), so that one credential
    /// has one value.
    Other {
        /// Its `credential_type`.
        credential_type: CredentialType,
        /// Its body.
        data: Vec<u8>,
    },
}

impl Credential {
    /// The `credential_type` of this credential.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Credential::Basic(_) => CredentialType::BASIC,
            Credential::X509(_) => CredentialType::X509,
            Credential::Other {
                credential_type, ..
            } => *credential_type,
        }
    }
}

impl Encode for Credential {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), mls_codec::Error> {
        self.credential_type().encode(out)?;
        match self {
            Credential::Basic(id) => id.encode(out),
            Credential::X509(chain) => chain.encode(out),
            Credential::Other {
                credential_type,
                data,
            } => {
                if *credential_type == CredentialType::BASIC
                    || *credential_type == CredentialType::X509
                {
                    return Err(mls_codec::Error::InvalidValue);
                }
                data.encode(out)
            }
        }
    }

    fn encoded_len(&self) -> usize {
        let body = match self {
            Credential::Basic(id) => id.encoded_len(),
            Credential::X509(chain) => chain.encoded_len(),
            Credential::Other { data, .. } => data.encoded_len(),
        };
        2usize.saturating_add(body)
    }
}

impl Decode for Credential {
    fn decode(r: &mut mls_codec::Reader<'_>) -> Result<Self, mls_codec::Error> {
        let credential_type = CredentialType::decode(r)?;
        Ok(match credential_type {
            CredentialType::BASIC => Credential::Basic(Decode::decode(r)?),
            CredentialType::X509 => Credential::X509(mls_codec::decode_vec_limited(
                r,
                crate::limits::MAX_CERTIFICATES_PER_CHAIN,
            )?),
            credential_type => Credential::Other {
                credential_type,
                data: Decode::decode(r)?,
            },
        })
    }
}
