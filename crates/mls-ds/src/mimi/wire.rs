//! The MIMI DS wire types (draft-robert-mimi-delivery-service-05 §4.6,
//! §6, §7, §9) in the MLS presentation language, with the errata and gaps
//! decided as `docs/mimi-ds.md` records.
//!
//! Every enum tag is a `uint16`. The arms the draft lists keep their
//! position in the draft's enum (`ds_delete_group(0)` and on); every code
//! point the draft does not have is in the private-use range `0xF000..`.
//! Open code points (protocol versions, error codes, extension types)
//! decode whatever their value and round-trip; the `select` enums
//! (request, response, authentication type) are closed, since the bytes
//! after an unknown arm cannot be delimited.

use mls_codec::{decode_exact, Decode, Encode, Error as CodecError, Reader};
use mls_group::framing::ExtensionBody;
use mls_group::{
    CipherSuite, Credential, Extension, ExtensionType, KeyPackage, MlsMessage, SignaturePublicKey,
};

/// `DSProtocolVersion` (draft §6.1, undefined there): a `uint16`, open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct DsProtocolVersion(pub u16);

impl DsProtocolVersion {
    /// The version this crate speaks: the -05 draft as profiled in
    /// `docs/mimi-ds.md` (private use until a version is assigned).
    pub const MIMI_DS_05: Self = DsProtocolVersion(0xF005);
}

/// The extension types of this protocol (private use, RFC 9420 §17.3).
pub mod extension_types {
    use mls_group::ExtensionType;
    /// `fanout_auth` (draft §4.6): a KeyPackage extension carrying the
    /// client's [`super::FanoutAuthToken`]; also a LeafNode extension for a
    /// client that enters a group without a KeyPackage (the creator, an
    /// external joiner).
    pub const FANOUT_AUTH: ExtensionType = ExtensionType(0xF0D0);
    /// `mimi_ds_versions` (draft §4.7): a LeafNode extension listing the
    /// DS protocol versions the client supports.
    pub const DS_VERSIONS: ExtensionType = ExtensionType(0xF0D1);
    /// `mimi_ds_version` (draft §4.8): a GroupContext extension, the DS
    /// protocol version of the group, never changed.
    pub const DS_VERSION: ExtensionType = ExtensionType(0xF0D2);
}

/// `struct { opaque token<V>; } FanoutAuthToken` (draft §4.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct FanoutAuthToken {
    /// The token (opaque to everyone but the DS that issued it).
    pub token: Vec<u8>,
}

impl ExtensionBody for FanoutAuthToken {
    const EXTENSION_TYPE: ExtensionType = extension_types::FANOUT_AUTH;
}

/// `struct { DSProtocolVersion versions<V>; } DSVersions`: the LeafNode
/// extension of the versions a client supports (draft §4.7).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DsVersions {
    /// The versions.
    pub versions: Vec<DsProtocolVersion>,
}

impl ExtensionBody for DsVersions {
    const EXTENSION_TYPE: ExtensionType = extension_types::DS_VERSIONS;
}

/// `struct { DSProtocolVersion version; } GroupDSVersion`: the
/// GroupContext extension of the group's version (draft §4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct GroupDsVersion {
    /// The version.
    pub version: DsProtocolVersion,
}

impl ExtensionBody for GroupDsVersion {
    const EXTENSION_TYPE: ExtensionType = extension_types::DS_VERSION;
}

/// A ratchet tree as `optional<Node> ratchet_tree<V>` (the body of the
/// `ratchet_tree` extension, RFC 9420 §12.4.3.3). Held encoded: it is
/// checked where it is used (`RatchetTree::from_extension_bytes`), not
/// while decoding a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeBytes(pub Vec<u8>);

impl Encode for TreeBytes {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        // The extension body is already `varint length || nodes`; check
        // that it is one vector and nothing else.
        decode_exact::<Vec<u8>>(&self.0)?;
        out.extend_from_slice(&self.0);
        Ok(())
    }
    fn encoded_len(&self) -> usize {
        self.0.len()
    }
}

impl Decode for TreeBytes {
    fn decode(r: &mut Reader<'_>) -> Result<Self, CodecError> {
        let nodes = Vec::<u8>::decode(r)?;
        Ok(TreeBytes(nodes.to_bytes()?))
    }
}

/// `PartialGroupInfo` (draft §7).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PartialGroupInfo {
    /// `Extension group_info_extensions<V>`
    pub group_info_extensions: Vec<Extension>,
    /// `opaque Signature<V>`
    pub signature: Vec<u8>,
}

impl From<&PartialGroupInfo> for crate::PartialGroupInfo {
    fn from(p: &PartialGroupInfo) -> Self {
        crate::PartialGroupInfo {
            extensions: p.group_info_extensions.clone(),
            signature: p.signature.clone(),
        }
    }
}

impl From<&crate::PartialGroupInfo> for PartialGroupInfo {
    fn from(p: &crate::PartialGroupInfo) -> Self {
        PartialGroupInfo {
            group_info_extensions: p.extensions.clone(),
            signature: p.signature.clone(),
        }
    }
}

/// `MLSGroupUpdate` (draft §7): a commit and its PartialGroupInfo.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct MlsGroupUpdate {
    /// `MLSMessage commit`: a PublicMessage holding a commit.
    pub commit: MlsMessage,
    /// `PartialGroupInfo partial_group_info`
    pub partial_group_info: PartialGroupInfo,
}

/// `DeleteGroupRequest` (draft §9.2).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DeleteGroupRequest {
    /// The commit removing every other member.
    pub group_update: MlsGroupUpdate,
}

/// `AddClientsRequest` (draft §9.3).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct AddClientsRequest {
    /// The commit of Add proposals.
    pub group_update: MlsGroupUpdate,
    /// `MLSMessage welcome_messages<V>`: exactly one Welcome here.
    pub welcome_messages: Vec<MlsMessage>,
}

/// `RemoveClientsRequest` (draft §9.4).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RemoveClientsRequest {
    /// The commit of Remove proposals.
    pub group_update: MlsGroupUpdate,
}

/// `SelfRemoveClientRequest` (draft §9.5).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SelfRemoveClientRequest {
    /// A PublicMessage holding one Remove proposal of the sender's leaf.
    pub proposal: MlsMessage,
}

/// `UpdateClientRequest` (draft §9.6).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct UpdateClientRequest {
    /// A commit with an UpdatePath and no proposal by value.
    pub group_update: MlsGroupUpdate,
    /// `optional<FanoutAuthToken> token`: replaces the sender's token.
    pub token: Option<FanoutAuthToken>,
}

/// `ExternalJoinRequest` (draft §9.7).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ExternalJoinRequest {
    /// An external commit (sender `new_member_commit`); its path's leaf
    /// carries the joiner's `fanout_auth` extension.
    pub group_update: MlsGroupUpdate,
}

/// `SendMessageRequest` (draft §9.8).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SendMessageRequest {
    /// A PrivateMessage of content type application.
    pub application_message: MlsMessage,
}

/// `KeyPackagesRequest` (draft §9.9), with the cipher suite the draft
/// leaves out (a DS cannot choose one for the requester).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct KeyPackagesRequest {
    /// The suite wanted (ours: the draft has none).
    pub cipher_suite: CipherSuite,
    /// `ClientID client_identifiers<V>`, each `opaque<V>` (`client@domain`).
    pub client_identifiers: Vec<Vec<u8>>,
}

/// `RequestGroupIdRequest` (draft §9.1, no structure there): empty.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RequestGroupIdRequest;

/// `CreateGroupRequest` (ours; the draft's §3 lists the operation only).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct CreateGroupRequest {
    /// The creator's signed GroupInfo (an `MLSMessage`), with the
    /// `mimi_ds_version` and `external_senders` GroupContext extensions.
    pub group_info: MlsMessage,
    /// `optional<Node> ratchet_tree<V>`, unless the GroupInfo carries it.
    pub ratchet_tree: Option<TreeBytes>,
}

/// `WelcomeInfoRequest` (ours): the tree of the epoch a joiner was added
/// in (answered with `WelcomeInfo`, draft §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WelcomeInfoRequest {
    /// The group.
    pub group_id: Vec<u8>,
    /// The epoch of the Welcome.
    pub epoch: u64,
}

/// `ExternalCommitInfoRequest` (ours): the current GroupInfo and tree
/// (answered with `ExternalCommitInfo`, draft §6.1, §9.7).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ExternalCommitInfoRequest {
    /// The group.
    pub group_id: Vec<u8>,
}

/// `ReInitializeGroupRequest` (draft §9.10).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ReInitializeGroupRequest {
    /// A commit with a ReInit proposal.
    pub commit: MlsGroupUpdate,
}

/// `DSRequestType` and `DSRequestBody` (draft §6.1, §9).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u16)]
#[allow(clippy::large_enum_variant)]
pub enum DsRequestBody {
    /// `ds_delete_group(0)`
    #[codec(tag = 0)]
    DeleteGroup(DeleteGroupRequest),
    /// `ds_add_clients(1)`
    #[codec(tag = 1)]
    AddClients(AddClientsRequest),
    /// `ds_remove_clients(2)`
    #[codec(tag = 2)]
    RemoveClients(RemoveClientsRequest),
    /// `ds_self_remove_client(3)`
    #[codec(tag = 3)]
    SelfRemoveClient(SelfRemoveClientRequest),
    /// `ds_update_client(4)`
    #[codec(tag = 4)]
    UpdateClient(UpdateClientRequest),
    /// `ds_external_join(5)`
    #[codec(tag = 5)]
    ExternalJoin(ExternalJoinRequest),
    /// `ds_send_message(6)`
    #[codec(tag = 6)]
    SendMessage(SendMessageRequest),
    /// `ds_key_packages(7)`
    #[codec(tag = 7)]
    KeyPackages(KeyPackagesRequest),
    /// `ds_request_group_id(0xF000)` (ours)
    #[codec(tag = 0xF000)]
    RequestGroupId(RequestGroupIdRequest),
    /// `ds_create_group(0xF001)` (ours)
    #[codec(tag = 0xF001)]
    CreateGroup(CreateGroupRequest),
    /// `ds_welcome_info(0xF002)` (ours)
    #[codec(tag = 0xF002)]
    WelcomeInfo(WelcomeInfoRequest),
    /// `ds_external_commit_info(0xF003)` (ours)
    #[codec(tag = 0xF003)]
    ExternalCommitInfo(ExternalCommitInfoRequest),
    /// `ds_reinitialize_group(0xF004)` (ours)
    #[codec(tag = 0xF004)]
    ReInitialize(ReInitializeGroupRequest),
}

impl DsRequestBody {
    /// The operation's name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            DsRequestBody::DeleteGroup(_) => "delete_group",
            DsRequestBody::AddClients(_) => "add_clients",
            DsRequestBody::RemoveClients(_) => "remove_clients",
            DsRequestBody::SelfRemoveClient(_) => "self_remove_client",
            DsRequestBody::UpdateClient(_) => "update_client",
            DsRequestBody::ExternalJoin(_) => "external_join",
            DsRequestBody::SendMessage(_) => "send_message",
            DsRequestBody::KeyPackages(_) => "key_packages",
            DsRequestBody::RequestGroupId(_) => "request_group_id",
            DsRequestBody::CreateGroup(_) => "create_group",
            DsRequestBody::WelcomeInfo(_) => "welcome_info",
            DsRequestBody::ExternalCommitInfo(_) => "external_commit_info",
            DsRequestBody::ReInitialize(_) => "reinitialize_group",
        }
    }
}

/// `DSAuthType` and `DSAuthData` (draft §6.1), plus `client_credential`
/// for requests outside a group.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u16)]
pub enum DsAuthData {
    /// `anonymous(0)`: refused by every operation here.
    #[codec(tag = 0)]
    Anonymous,
    /// `client_signature(1)`: `SignWithLabel(key of leaf sender_index,
    /// "MIMI DS ClientSignature", ClientSignatureTBS)`.
    #[codec(tag = 1)]
    ClientSignature {
        /// The sender's leaf in the group the request is about.
        sender_index: u32,
        /// `opaque signature<V>`
        signature: Vec<u8>,
    },
    /// `client_credential(0xF000)` (ours): for requests about no group the
    /// sender is in — a credential and key the DS's authentication hook
    /// accepts, and `SignWithLabel(signature_key, "MIMI DS
    /// ClientCredential", ClientCredentialTBS)`.
    #[codec(tag = 0xF000)]
    ClientCredential {
        /// The sender's credential.
        credential: Credential,
        /// Its signature key.
        signature_key: SignaturePublicKey,
        /// `opaque signature<V>`
        signature: Vec<u8>,
    },
}

/// `ClientSignatureTBS` (draft §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ClientSignatureTbs {
    /// `DSProtocolVersion protocol_version`
    pub protocol_version: DsProtocolVersion,
    /// `DSRequestBody request_body`
    pub request_body: DsRequestBody,
    /// `uint32 sender_index`
    pub sender_index: u32,
}

/// `ClientCredentialTBS` (ours).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ClientCredentialTbs {
    /// `DSProtocolVersion protocol_version`
    pub protocol_version: DsProtocolVersion,
    /// `DSRequestBody request_body`
    pub request_body: DsRequestBody,
    /// `Credential credential`
    pub credential: Credential,
    /// `SignaturePublicKey signature_key`
    pub signature_key: SignaturePublicKey,
}

/// `DSRequest` (draft §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DsRequest {
    /// `DSProtocolVersion version`
    pub version: DsProtocolVersion,
    /// `DSRequestBody request_body`
    pub request_body: DsRequestBody,
    /// `DSAuthData authentication_data`
    pub authentication_data: DsAuthData,
}

/// An error code (ours: the draft leaves `DSError` a TODO). Open: an
/// unknown code decodes and round-trips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct DsErrorCode(pub u16);

#[allow(missing_docs)]
impl DsErrorCode {
    pub const MALFORMED: Self = Self(0xF001);
    pub const UNSUPPORTED_VERSION: Self = Self(0xF002);
    pub const AUTHENTICATION_FAILED: Self = Self(0xF003);
    pub const RULE_VIOLATED: Self = Self(0xF004);
    pub const INVALID_MESSAGE: Self = Self(0xF005);
    pub const STALE_EPOCH: Self = Self(0xF006);
    pub const FUTURE_EPOCH: Self = Self(0xF007);
    pub const EPOCH_TOO_OLD: Self = Self(0xF008);
    pub const UNKNOWN_PROPOSAL: Self = Self(0xF009);
    pub const MISSING_STORED_PROPOSAL: Self = Self(0xF00A);
    pub const UNKNOWN_GROUP: Self = Self(0xF00B);
    pub const GROUP_EXISTS: Self = Self(0xF00C);
    pub const GROUP_FROZEN: Self = Self(0xF00D);
    pub const NOT_A_MEMBER: Self = Self(0xF00E);
    pub const SENDER_MISMATCH: Self = Self(0xF00F);
    pub const POLICY_REFUSED: Self = Self(0xF010);
    pub const INVALID_PARTIAL_GROUP_INFO: Self = Self(0xF011);
    pub const INVALID_WELCOME: Self = Self(0xF012);
    pub const INVALID_KEY_PACKAGE: Self = Self(0xF013);
    pub const NO_KEY_PACKAGE: Self = Self(0xF014);
    pub const UNSUPPORTED_CIPHER_SUITE: Self = Self(0xF015);
    pub const RATE_LIMITED: Self = Self(0xF016);
    pub const LIMIT_EXCEEDED: Self = Self(0xF017);
    pub const NOT_FOUND: Self = Self(0xF018);
    pub const NOT_NATIVE: Self = Self(0xF019);
    pub const SERVER_ERROR: Self = Self(0xF01A);
    pub const MISSING_FANOUT_AUTH: Self = Self(0xF01B);
    pub const GROUP_ID_NOT_RESERVED: Self = Self(0xF01C);
    pub const UNSUPPORTED_DS_VERSION: Self = Self(0xF01D);
}

/// `DSError` (ours): a code and its data — for `stale_epoch`,
/// `future_epoch` and `epoch_too_old` the group's epoch, for
/// `rate_limited` the seconds to wait (each a `uint64`); otherwise a
/// UTF-8 reason. The data is length-prefixed, so an unknown code skips
/// cleanly.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DsErrorBody {
    /// `DSErrorCode code`
    pub code: DsErrorCode,
    /// `opaque data<V>`
    pub data: Vec<u8>,
}

impl DsErrorBody {
    /// An error with a UTF-8 reason.
    pub fn reason(code: DsErrorCode, reason: &str) -> Self {
        DsErrorBody {
            code,
            data: reason.as_bytes().to_vec(),
        }
    }

    /// An error with a `uint64` datum.
    pub fn number(code: DsErrorCode, n: u64) -> Self {
        DsErrorBody {
            code,
            data: n.to_be_bytes().to_vec(),
        }
    }

    /// The `uint64` datum, if the data is one.
    pub fn as_number(&self) -> Option<u64> {
        <[u8; 8]>::try_from(self.data.as_slice())
            .ok()
            .map(u64::from_be_bytes)
    }
}

/// `DSResponseType` and `DSResponseBody` (draft §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u16)]
#[allow(clippy::large_enum_variant)]
pub enum DsResponseBody {
    /// `ok(0)`
    #[codec(tag = 0)]
    Ok,
    /// `error(1)`
    #[codec(tag = 1)]
    Error(DsErrorBody),
    /// `welcome_info(2)`
    #[codec(tag = 2)]
    WelcomeInfo {
        /// `optional<Node> ratchet_tree<V>`
        ratchet_tree: TreeBytes,
    },
    /// `external_commit_info(3)`
    #[codec(tag = 3)]
    ExternalCommitInfo {
        /// `MLSMessage group_info`
        group_info: MlsMessage,
        /// `optional<Node> ratchet_tree<V>`
        ratchet_tree: TreeBytes,
    },
    /// `key_packages(4)`
    #[codec(tag = 4)]
    KeyPackages {
        /// `KeyPackage key_packages<V>`, in the order asked.
        key_packages: Vec<KeyPackage>,
    },
    /// `group_id(0xF000)` (ours; named but not defined in draft §9.1)
    #[codec(tag = 0xF000)]
    GroupId {
        /// `opaque group_id<V>`
        group_id: Vec<u8>,
    },
}

/// `DSResponse` (draft §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DsResponse {
    /// `DSProtocolVersion protocol_version`
    pub protocol_version: DsProtocolVersion,
    /// `DSResponseBody response_body`
    pub response_body: DsResponseBody,
}

/// `DSFanoutRequest` (draft §6.2), with `ClientID recipient_ids<V>` for
/// the draft's `opaque recipient_ids<V>`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DsFanoutRequest {
    /// `DSProtocolVersion protocol_version`
    pub protocol_version: DsProtocolVersion,
    /// `ClientID recipient_ids<V>`: clients of the receiving DS.
    pub recipient_ids: Vec<Vec<u8>>,
    /// `FanoutAuthToken fanout_auth_tokens<V>`: one per recipient, in
    /// the same order.
    pub fanout_auth_tokens: Vec<FanoutAuthToken>,
    /// `MLSMessage mls_message`
    pub mls_message: MlsMessage,
}

/// A fan-out error code (ours; `DSFanoutError` is a TODO in the draft).
/// Open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct DsFanoutErrorCode(pub u16);

#[allow(missing_docs)]
impl DsFanoutErrorCode {
    pub const MALFORMED: Self = Self(0xF101);
    pub const UNSUPPORTED_VERSION: Self = Self(0xF102);
    pub const NOT_OUR_CLIENT: Self = Self(0xF103);
    pub const INVALID_TOKEN: Self = Self(0xF104);
    pub const TOKEN_COUNT: Self = Self(0xF105);
    pub const WRONG_HUB: Self = Self(0xF106);
    pub const BLOCKED: Self = Self(0xF107);
    pub const SERVER_ERROR: Self = Self(0xF108);
}

/// `DSFanoutError` (ours): a code and a UTF-8 reason.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DsFanoutError {
    /// `DSFanoutErrorCode code`
    pub code: DsFanoutErrorCode,
    /// `opaque reason<V>`
    pub reason: Vec<u8>,
}

/// `DSFanoutResponseType` and `DSFanoutResponseBody` (draft §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u16)]
pub enum DsFanoutResponseBody {
    /// `ok(0)`
    #[codec(tag = 0)]
    Ok,
    /// `error(1)`
    #[codec(tag = 1)]
    Error(DsFanoutError),
}

/// `DSFanoutResponse` (draft §6.2, with `DSFanoutResponseBody` where the
/// draft says `DSResponseBody`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DsFanoutResponse {
    /// `DSProtocolVersion protocol_version`
    pub protocol_version: DsProtocolVersion,
    /// `DSFanoutResponseBody response_body`
    pub response_body: DsFanoutResponseBody,
}
