//! Who is who: client ids, and how a leaf's credential maps to one.

use mls_group::Credential;

/// A client (one device of a user, RFC 9750 §2) as the Delivery Service
/// and its caller know it: the caller authenticates the client (TLS, a
/// token, a MIMI `ClientSignature`) and hands its id to every operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub Vec<u8>);

impl ClientId {
    /// A client id from bytes.
    pub fn new(id: impl Into<Vec<u8>>) -> Self {
        ClientId(id.into())
    }
}

impl From<&str> for ClientId {
    fn from(s: &str) -> Self {
        ClientId(s.as_bytes().to_vec())
    }
}

/// Maps a credential (of a KeyPackage's leaf or a group member's leaf) to
/// the client it belongs to: how the engine checks that a KeyPackage is
/// uploaded by its owner, that a handshake message comes from the leaf it
/// claims, and whom a message is fanned out to. `None`: the credential
/// belongs to no client this DS knows (refused on upload; a member with
/// such a leaf receives nothing).
///
/// The authentication service's job (RFC 9750 §4): a deployment with X.509
/// credentials maps the certificate's subject to its client ids here.
pub trait ClientDirectory: Send + Sync {
    /// The client `credential` belongs to.
    fn client_of(&self, credential: &Credential) -> Option<ClientId>;
}

/// The default directory: a basic credential's identity is the client id;
/// other credential types belong to no client.
///
/// ```
/// use mls_ds::{BasicClientDirectory, ClientDirectory, ClientId};
/// use mls_group::Credential;
/// let id = BasicClientDirectory.client_of(&Credential::Basic(b"alice".to_vec()));
/// assert_eq!(id, Some(ClientId::from("alice")));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BasicClientDirectory;

impl ClientDirectory for BasicClientDirectory {
    fn client_of(&self, credential: &Credential) -> Option<ClientId> {
        match credential {
            Credential::Basic(id) if !id.is_empty() => Some(ClientId(id.clone())),
            _ => None,
        }
    }
}

/// Any closure from credential to client id is a directory.
impl<F> ClientDirectory for F
where
    F: Fn(&Credential) -> Option<ClientId> + Send + Sync,
{
    fn client_of(&self, credential: &Credential) -> Option<ClientId> {
        self(credential)
    }
}
