//! Open code-point newtypes shared by the tree and the messages (RFC 9420 §17).
//!
//! Unknown and GREASE values decode and re-encode unchanged.

use mls_codec::{Decode, Encode};

/// `enum { reserved(0), mls10(1), (65535) } ProtocolVersion` (RFC 9420 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct ProtocolVersion(pub u16);

impl ProtocolVersion {
    /// `mls10`
    pub const MLS10: Self = Self(1);
}

/// `uint16 ExtensionType` (RFC 9420 §7.2, §17.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct ExtensionType(pub u16);

impl ExtensionType {
    /// `application_id` (LeafNode)
    pub const APPLICATION_ID: Self = Self(0x0001);
    /// `ratchet_tree` (GroupInfo)
    pub const RATCHET_TREE: Self = Self(0x0002);
    /// `required_capabilities` (GroupContext)
    pub const REQUIRED_CAPABILITIES: Self = Self(0x0003);
    /// `external_pub` (GroupInfo)
    pub const EXTERNAL_PUB: Self = Self(0x0004);
    /// `external_senders` (GroupContext)
    pub const EXTERNAL_SENDERS: Self = Self(0x0005);

    /// Whether RFC 9420 defines this type (§17.3), so that it need not
    /// appear in a leaf's capabilities (§7.2).
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0005)
    }

    /// Whether this is a GREASE value (RFC 9420 §13.5).
    pub const fn is_grease(self) -> bool {
        self.0 & 0x0f0f == 0x0a0a
    }
}

/// `uint16 ProposalType` (RFC 9420 §12.1, §17.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct ProposalType(pub u16);

impl ProposalType {
    /// `add`
    pub const ADD: Self = Self(0x0001);
    /// `update`
    pub const UPDATE: Self = Self(0x0002);
    /// `remove`
    pub const REMOVE: Self = Self(0x0003);
    /// `psk`
    pub const PSK: Self = Self(0x0004);
    /// `reinit`
    pub const REINIT: Self = Self(0x0005);
    /// `external_init`
    pub const EXTERNAL_INIT: Self = Self(0x0006);
    /// `group_context_extensions`
    pub const GROUP_CONTEXT_EXTENSIONS: Self = Self(0x0007);

    /// Whether RFC 9420 defines this type, so that it need not appear in a
    /// leaf's capabilities (§7.2).
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0007)
    }

    /// Whether this is a GREASE value (RFC 9420 §13.5).
    pub const fn is_grease(self) -> bool {
        self.0 & 0x0f0f == 0x0a0a
    }
}

/// `uint16 CredentialType` (RFC 9420 §5.3, §17.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct CredentialType(pub u16);

impl CredentialType {
    /// `basic`
    pub const BASIC: Self = Self(0x0001);
    /// `x509`
    pub const X509: Self = Self(0x0002);

    /// Whether this is a GREASE value (RFC 9420 §13.5).
    pub const fn is_grease(self) -> bool {
        self.0 & 0x0f0f == 0x0a0a
    }
}
