//! The error type of `mls-framing`.

use core::fmt;

use mls_crypto::CipherSuite;
use mls_types::{ExtensionType, ProposalType, ProtocolVersion};

use crate::{ContentType, SenderType, WireFormat};

/// Everything that can go wrong when building, protecting, unprotecting or
/// checking an MLS message.
///
/// ```
/// use mls_framing::{FramingError, MlsMessage};
/// // A truncated PublicMessage: a decoding error with its cause.
/// assert!(matches!(MlsMessage::from_bytes(&[0, 1, 0, 1, 5]), Err(FramingError::Codec(_))));
/// // Not an MLS message at all.
/// let e = MlsMessage::from_bytes(b"hello world").unwrap_err();
/// assert_eq!(e.to_string(), "not an MLS 1.0 message (protocol version 0x6865)");
/// assert_eq!(MlsMessage::from_bytes(&[0, 1, 0x6c, 0x6c]), Err(FramingError::NotAnMlsMessage));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FramingError {
    /// Malformed bytes (or a value too large to encode). An unknown
    /// proposal type decodes to
    /// [`mls_codec::Error::UnknownDiscriminant`]: proposals carry no length,
    /// so their bodies cannot be skipped (see [`crate::Proposal`]).
    Codec(mls_codec::Error),
    /// A cryptographic primitive failed (other than the checks below, which
    /// have their own variants).
    Crypto(mls_crypto::Error),
    /// The key schedule or secret tree refused (a consumed or expired key,
    /// a generation too far ahead, a leaf outside the tree, ...).
    KeySchedule(mls_keyschedule::Error),
    /// A `version` other than `mls10`.
    UnsupportedVersion(ProtocolVersion),
    /// The bytes do not start like an `MLSMessage` (RFC 9420 §6): fewer
    /// than four bytes, or no known wire format after the version.
    NotAnMlsMessage,
    /// A message of one wire format where another was required.
    WrongWireFormat {
        /// The wire format required.
        expected: WireFormat,
        /// The wire format found.
        got: WireFormat,
    },
    /// A value of one cipher suite used with another.
    CipherSuiteMismatch {
        /// The suite required.
        expected: CipherSuite,
        /// The suite found.
        got: CipherSuite,
    },
    /// Application data in a PublicMessage (RFC 9420 §6: application
    /// messages MUST use PrivateMessage).
    ApplicationInPublicMessage,
    /// A sender type that may not send this content type (RFC 9420 §6.1).
    SenderCannotSend {
        /// The sender's type.
        sender_type: SenderType,
        /// The content type it tried to send.
        content_type: ContentType,
    },
    /// A sender type that may not use this wire format (RFC 9420 §6, §12.1.8:
    /// non-members can only send PublicMessages, PrivateMessages carry
    /// members only).
    SenderCannotUseWireFormat {
        /// The sender's type.
        sender_type: SenderType,
        /// The wire format.
        wire_format: WireFormat,
    },
    /// A proposal type an `external` sender may not send (RFC 9420 §12.1.8).
    ProposalNotAllowedForExternalSender(ProposalType),
    /// A `new_member_proposal` sender sent something other than an Add
    /// (RFC 9420 §6.1).
    NewMemberProposalNotAdd(ProposalType),
    /// The sender is `member` or `new_member_commit` but no GroupContext was
    /// given to build the FramedContentTBS (RFC 9420 §6.1).
    MissingGroupContext,
    /// The message's group id is not the GroupContext's.
    GroupIdMismatch,
    /// The message's epoch is not the GroupContext's.
    EpochMismatch {
        /// The GroupContext's epoch.
        expected: u64,
        /// The message's epoch.
        got: u64,
    },
    /// The signature in FramedContentAuthData, a KeyPackage or a GroupInfo
    /// does not verify.
    InvalidSignature,
    /// A transcript hash input asked of content that is not a commit.
    NotACommit,
    /// A Commit without its `confirmation_tag`.
    MissingConfirmationTag,
    /// A `confirmation_tag` on a proposal or application message.
    UnexpectedConfirmationTag,
    /// A confirmation tag (of a GroupInfo) does not verify.
    InvalidConfirmationTag,
    /// A PublicMessage from a `member` without `membership_tag`, or no
    /// membership key to compute one.
    MissingMembershipTag,
    /// A `membership_tag` on a PublicMessage from a non-member.
    UnexpectedMembershipTag,
    /// The `membership_tag` does not verify (RFC 9420 §6.2).
    InvalidMembershipTag,
    /// The sender data of a PrivateMessage does not decrypt (RFC 9420 §6.3.2).
    SenderDataDecryptionFailed,
    /// The content of a PrivateMessage does not decrypt (RFC 9420 §6.3.1).
    ContentDecryptionFailed,
    /// The padding of a PrivateMessageContent holds a non-zero byte
    /// (RFC 9420 §6.3.1: the message is malformed).
    NonZeroPadding,
    /// A resource limit of [`DecodeLimits`](crate::DecodeLimits) was
    /// exceeded (see [`crate::limits`]).
    LimitExceeded {
        /// Which limit.
        limit: crate::Limit,
        /// The size or count found.
        actual: usize,
        /// The maximum allowed.
        max: usize,
    },
    /// The chosen padding makes the content longer than an AEAD plaintext
    /// may be here.
    PaddingTooLarge,
    /// The sender's leaf (from SenderData or `Sender`) has no signature
    /// key: a blank or unknown leaf.
    UnknownSender(u32),
    /// An `external` sender whose `sender_index` is not in the group's
    /// `external_senders` extension.
    UnknownExternalSender(u32),
    /// No signature key to verify with: a `new_member_commit` without a
    /// path carries no LeafNode. (A `new_member_proposal` that is not an
    /// Add is [`FramingError::NewMemberProposalNotAdd`].)
    NoEmbeddedSignatureKey,
    /// The encrypted group secrets of a Welcome do not decrypt.
    GroupSecretsDecryptionFailed,
    /// The encrypted GroupInfo of a Welcome does not decrypt.
    GroupInfoDecryptionFailed,
    /// A Welcome has no entry for this KeyPackage.
    NoSecretsForKeyPackage,
    /// An extension of one type was parsed as another.
    ExtensionTypeMismatch {
        /// The type the body belongs to.
        expected: ExtensionType,
        /// The extension's type.
        got: ExtensionType,
    },
    /// An extension type listed twice in one extension list (RFC 9420 §13.4).
    DuplicateExtension(ExtensionType),
    /// A KeyPackage whose leaf node does not have source `key_package` (RFC 9420 §10).
    KeyPackageLeafSourceNotKeyPackage,
    /// A KeyPackage whose `init_key` equals its leaf's `encryption_key` (RFC 9420 §10.1).
    InitKeyEqualsEncryptionKey,
    /// A KeyPackage whose `init_key` the suite refuses
    /// ([`hpke_validate_public_key`](mls_crypto::CipherSuiteProvider::hpke_validate_public_key):
    /// for X25519/X448 a low-order encoding, to which no Welcome can be
    /// encrypted).
    InvalidInitKey,
    /// A KeyPackage whose version does not match (RFC 9420 §10, §10.1).
    KeyPackageVersionMismatch {
        /// The version required.
        expected: ProtocolVersion,
        /// The KeyPackage's version.
        got: ProtocolVersion,
    },
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FramingError as E;
        match self {
            E::Codec(e) => write!(f, "encoding: {e}"),
            E::Crypto(e) => write!(f, "crypto: {e}"),
            E::KeySchedule(e) => write!(f, "key schedule: {e}"),
            E::UnsupportedVersion(v) => {
                write!(f, "not an MLS 1.0 message (protocol version {:#06x})", v.0)
            }
            E::NotAnMlsMessage => f.write_str("not an MLS message (no known wire format)"),
            E::WrongWireFormat { expected, got } => {
                write!(f, "wire format {} where {} was required", got.0, expected.0)
            }
            E::CipherSuiteMismatch { expected, got } => {
                write!(f, "cipher suite {got} where {expected} was required")
            }
            E::ApplicationInPublicMessage => f.write_str("application data in a PublicMessage"),
            E::SenderCannotSend {
                sender_type,
                content_type,
            } => write!(f, "a {sender_type:?} sender cannot send {content_type:?}"),
            E::SenderCannotUseWireFormat {
                sender_type,
                wire_format,
            } => write!(
                f,
                "a {sender_type:?} sender cannot use wire format {}",
                wire_format.0
            ),
            E::ProposalNotAllowedForExternalSender(t) => {
                write!(f, "proposal type {} not allowed for external senders", t.0)
            }
            E::NewMemberProposalNotAdd(t) => {
                write!(f, "new_member_proposal sender sent proposal type {}", t.0)
            }
            E::MissingGroupContext => f.write_str("the sender type requires the GroupContext"),
            E::GroupIdMismatch => f.write_str("group id does not match the GroupContext"),
            E::EpochMismatch { expected, got } => {
                write!(f, "message epoch {got}, GroupContext epoch {expected}")
            }
            E::InvalidSignature => f.write_str("signature does not verify"),
            E::NotACommit => f.write_str("content is not a commit"),
            E::MissingConfirmationTag => f.write_str("commit without confirmation_tag"),
            E::UnexpectedConfirmationTag => f.write_str("confirmation_tag on a non-commit content"),
            E::InvalidConfirmationTag => f.write_str("confirmation tag does not verify"),
            E::MissingMembershipTag => f.write_str("member sender without membership_tag"),
            E::UnexpectedMembershipTag => f.write_str("membership_tag on a non-member sender"),
            E::InvalidMembershipTag => f.write_str("membership_tag does not verify"),
            E::SenderDataDecryptionFailed => f.write_str("sender data does not decrypt"),
            E::ContentDecryptionFailed => f.write_str("message content does not decrypt"),
            E::NonZeroPadding => f.write_str("non-zero byte in the padding"),
            E::LimitExceeded { limit, actual, max } => {
                write!(f, "{limit:?} limit exceeded: {actual} > {max}")
            }
            E::PaddingTooLarge => f.write_str("padding too large"),
            E::UnknownSender(leaf) => write!(f, "no signature key for leaf {leaf}"),
            E::UnknownExternalSender(i) => write!(f, "no external sender {i}"),
            E::NoEmbeddedSignatureKey => {
                f.write_str("new_member_commit without a path: no signature key")
            }
            E::GroupSecretsDecryptionFailed => f.write_str("group secrets do not decrypt"),
            E::GroupInfoDecryptionFailed => f.write_str("GroupInfo does not decrypt"),
            E::NoSecretsForKeyPackage => f.write_str("the Welcome has no entry for the KeyPackage"),
            E::ExtensionTypeMismatch { expected, got } => {
                write!(f, "extension type {} parsed as type {}", got.0, expected.0)
            }
            E::DuplicateExtension(t) => write!(f, "extension type {} listed twice", t.0),
            E::KeyPackageLeafSourceNotKeyPackage => {
                f.write_str("KeyPackage leaf node source is not key_package")
            }
            E::InitKeyEqualsEncryptionKey => {
                f.write_str("KeyPackage init_key equals the leaf encryption_key")
            }
            E::InvalidInitKey => f.write_str("KeyPackage init_key is not a valid HPKE public key"),
            E::KeyPackageVersionMismatch { expected, got } => write!(
                f,
                "KeyPackage version {} where {} was required",
                got.0, expected.0
            ),
        }
    }
}

impl core::error::Error for FramingError {}

impl From<mls_codec::Error> for FramingError {
    fn from(e: mls_codec::Error) -> Self {
        FramingError::Codec(e)
    }
}

impl From<mls_crypto::Error> for FramingError {
    fn from(e: mls_crypto::Error) -> Self {
        FramingError::Crypto(e)
    }
}

impl From<mls_keyschedule::Error> for FramingError {
    fn from(e: mls_keyschedule::Error) -> Self {
        FramingError::KeySchedule(e)
    }
}
