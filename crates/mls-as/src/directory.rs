//! Basic credentials with a directory (RFC 9750 §4, §8.4.2): for
//! deployments without a PKI, the AS is a table of identities and the
//! signature keys each may use.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use mls_group::{
    Credential, CredentialError, CredentialInput, CredentialValidator, SignaturePublicKey,
};

/// Identity → allowed signature keys, with revocation. A basic
/// credential is accepted when its identity is listed, not revoked, and
/// the key it is presented with is one of the identity's and not revoked.
/// Several keys per identity: a user's devices (each its own client and
/// key), and old and new keys during a rotation. A successor keeps the
/// identity ([`CredentialValidator::valid_successor`]'s default). Other
/// credential types are refused. `no_std` + `alloc`.
///
/// ```
/// use mls_as::Directory;
/// use mls_group::*;
/// let mut dir = Directory::new();
/// let key = SignaturePublicKey(vec![7; 32]);
/// dir.allow(b"alice", &key);
/// let alice = Credential::Basic(b"alice".to_vec());
/// let input = CredentialInput { credential: &alice, signature_key: &key,
///     cipher_suite: CipherSuite(1), now: None, context: CredentialContext::KeyPackage };
/// assert_eq!(dir.validate(&input), Ok(()));
/// dir.revoke_key(&key);
/// assert_eq!(dir.validate(&input), Err(CredentialError::Revoked));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Directory {
    keys: BTreeMap<Vec<u8>, BTreeSet<Vec<u8>>>,
    revoked_keys: BTreeSet<Vec<u8>>,
    revoked_identities: BTreeSet<Vec<u8>>,
}

impl Directory {
    /// An empty directory: every credential is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows `identity` to use `key`.
    pub fn allow(&mut self, identity: &[u8], key: &SignaturePublicKey) {
        self.keys
            .entry(identity.to_vec())
            .or_default()
            .insert(key.0.clone());
    }

    /// No longer allows `identity` to use `key` (a device retired, a
    /// rotation finished): refused from now on as [`CredentialError::KeyMismatch`].
    pub fn remove(&mut self, identity: &[u8], key: &SignaturePublicKey) {
        if let Some(keys) = self.keys.get_mut(identity) {
            keys.remove(&key.0);
        }
    }

    /// Revokes `key` for every identity ([`CredentialError::Revoked`]).
    pub fn revoke_key(&mut self, key: &SignaturePublicKey) {
        self.revoked_keys.insert(key.0.clone());
    }

    /// Revokes `identity` with all its keys ([`CredentialError::Revoked`]).
    pub fn revoke_identity(&mut self, identity: &[u8]) {
        self.revoked_identities.insert(identity.to_vec());
    }

    /// The keys `identity` may use (revoked ones included).
    pub fn keys(&self, identity: &[u8]) -> impl Iterator<Item = SignaturePublicKey> + '_ {
        self.keys
            .get(identity)
            .into_iter()
            .flatten()
            .map(|k| SignaturePublicKey(k.clone()))
    }
}

impl CredentialValidator for Directory {
    fn validate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        let id = self.identity(input.credential)?;
        if self.revoked_identities.contains(&id)
            || self.revoked_keys.contains(&input.signature_key.0)
        {
            return Err(CredentialError::Revoked);
        }
        let keys = self.keys.get(&id).ok_or(CredentialError::UnknownIdentity)?;
        if keys.contains(&input.signature_key.0) {
            Ok(())
        } else {
            Err(CredentialError::KeyMismatch)
        }
    }

    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, CredentialError> {
        match credential {
            Credential::Basic(id) if id.is_empty() => {
                Err(CredentialError::Malformed("empty basic identity"))
            }
            Credential::Basic(id) => Ok(id.clone()),
            other => Err(CredentialError::UnsupportedCredentialType(
                other.credential_type(),
            )),
        }
    }
}
