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

/// `Credential` (RFC 9420 §5.3): a basic identity or an X.509 chain.
///
/// MLS credentials carry no outer length, so a credential of any other type
/// cannot be framed and decodes to [`mls_codec::Error::UnknownDiscriminant`].
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_types::{Credential, CredentialType};
/// let c = Credential::Basic(b"alice".to_vec());
/// assert_eq!(c.credential_type(), CredentialType::BASIC);
/// let bytes = c.to_bytes().unwrap();
/// assert_eq!(bytes, [0, 1, 5, b'a', b'l', b'i', b'c', b'e']);
/// assert_eq!(decode_exact::<Credential>(&bytes).unwrap(), c);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
#[codec(tag = u16)]
pub enum Credential {
    /// `basic`: an application-defined identity.
    #[codec(tag = 1)]
    Basic(Vec<u8>),
    /// `x509`: the certificate chain, end-entity first.
    #[codec(tag = 2)]
    X509(Vec<Certificate>),
}

impl Credential {
    /// The `credential_type` of this credential.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Credential::Basic(_) => CredentialType::BASIC,
            Credential::X509(_) => CredentialType::X509,
        }
    }
}
