//! A client's identity: its credential and signature key pair.

use mls_crypto::{
    CipherSuiteProvider, Rng, SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
};
use mls_types::Credential;

use crate::GroupError;

/// A client's credential and signature key pair (RFC 9420 §5.3). The same
/// identity can make many KeyPackages and join many groups.
///
/// ```
/// use mls_group::{ClientIdentity, CipherSuite, Credential, CryptoProvider, OsRng, RustCrypto};
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let alice = ClientIdentity::generate(&suite, Credential::Basic(b"alice".to_vec()), &mut OsRng).unwrap();
/// assert_eq!(alice.credential(), &Credential::Basic(b"alice".to_vec()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    credential: Credential,
    keys: SignatureKeyPair,
}

impl ClientIdentity {
    /// An identity from an existing key pair.
    pub fn new(credential: Credential, keys: SignatureKeyPair) -> Self {
        ClientIdentity { credential, keys }
    }

    /// An identity with a fresh signature key pair of `suite`'s scheme.
    pub fn generate<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        credential: Credential,
        rng: &mut dyn Rng,
    ) -> Result<Self, GroupError> {
        Ok(ClientIdentity {
            credential,
            keys: suite.signature_generate(rng)?,
        })
    }

    /// An identity whose public key is derived from `private`.
    pub fn from_private_key<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        credential: Credential,
        private: SignaturePrivateKey,
    ) -> Result<Self, GroupError> {
        let key = suite.signing_key(&private)?;
        let public = suite.signing_public_key(&key);
        Ok(ClientIdentity {
            credential,
            keys: SignatureKeyPair { private, public },
        })
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The signature public key.
    pub fn signature_key(&self) -> &SignaturePublicKey {
        &self.keys.public
    }

    /// The signature private key.
    pub fn signature_private_key(&self) -> &SignaturePrivateKey {
        &self.keys.private
    }

    /// The provider's signing key.
    pub(crate) fn signer<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<S::SigningKey, GroupError> {
        Ok(suite.signing_key(&self.keys.private)?)
    }
}

/// Persisted as the credential, the public key and the private key
/// (secret: only inside a saved group state).
impl mls_codec::Encode for ClientIdentity {
    fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), mls_codec::Error> {
        (&self.credential, &self.keys.public, &self.keys.private).encode(out)
    }

    fn encoded_len(&self) -> usize {
        (&self.credential, &self.keys.public, &self.keys.private).encoded_len()
    }
}

impl mls_codec::Decode for ClientIdentity {
    fn decode(r: &mut mls_codec::Reader<'_>) -> Result<Self, mls_codec::Error> {
        let (credential, public, private) = mls_codec::Decode::decode(r)?;
        Ok(ClientIdentity {
            credential,
            keys: SignatureKeyPair { private, public },
        })
    }
}
