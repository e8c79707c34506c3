//! `Capabilities` (RFC 9420 §7.2) and `RequiredCapabilities` (§11.1).

use crate::CipherSuite;
use alloc::vec::Vec;
use mls_codec::{Decode, Encode};

use crate::{CredentialType, ExtensionType, ProposalType, ProtocolVersion};

/// `Capabilities` (RFC 9420 §7.2): what a client supports. Unknown values are kept.
///
/// ```
/// use mls_types::{Capabilities, CredentialType, ExtensionType};
/// let caps = Capabilities::default();
/// assert!(caps.supports_credential(CredentialType::BASIC));
/// assert!(caps.supports_extension(ExtensionType::RATCHET_TREE)); // a default type
/// assert!(!caps.supports_extension(ExtensionType(0xff00)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Capabilities {
    /// `ProtocolVersion versions<V>`
    pub versions: Vec<ProtocolVersion>,
    /// `CipherSuite cipher_suites<V>`
    pub cipher_suites: Vec<CipherSuite>,
    /// `ExtensionType extensions<V>` (non-default types only)
    pub extensions: Vec<ExtensionType>,
    /// `ProposalType proposals<V>` (non-default types only)
    pub proposals: Vec<ProposalType>,
    /// `CredentialType credentials<V>`
    pub credentials: Vec<CredentialType>,
}

impl Default for Capabilities {
    /// MLS 1.0, suite 1, no non-default extension or proposal, basic credentials.
    fn default() -> Self {
        Capabilities {
            versions: alloc::vec![ProtocolVersion::MLS10],
            cipher_suites: alloc::vec![CipherSuite(1)],
            extensions: Vec::new(),
            proposals: Vec::new(),
            credentials: alloc::vec![CredentialType::BASIC],
        }
    }
}

impl Capabilities {
    /// Whether `t` is a default extension type or listed.
    pub fn supports_extension(&self, t: ExtensionType) -> bool {
        t.is_default() || self.extensions.contains(&t)
    }

    /// Whether `t` is a default proposal type or listed.
    pub fn supports_proposal(&self, t: ProposalType) -> bool {
        t.is_default() || self.proposals.contains(&t)
    }

    /// Whether credential type `t` is listed (there are no default credential types).
    pub fn supports_credential(&self, t: CredentialType) -> bool {
        self.credentials.contains(&t)
    }
}

/// `RequiredCapabilities` (RFC 9420 §11.1): the body of the `required_capabilities` extension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Encode, Decode)]
pub struct RequiredCapabilities {
    /// `ExtensionType extension_types<V>`
    pub extension_types: Vec<ExtensionType>,
    /// `ProposalType proposal_types<V>`
    pub proposal_types: Vec<ProposalType>,
    /// `CredentialType credential_types<V>`
    pub credential_types: Vec<CredentialType>,
}
