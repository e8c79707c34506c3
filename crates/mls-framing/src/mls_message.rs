//! `MLSMessage` (RFC 9420 §6).

use mls_codec::{decode_exact, Decode, Encode};
use mls_types::ProtocolVersion;

use crate::{
    DecodeLimits, FramingError, GroupInfo, KeyPackage, PrivateMessage, PublicMessage, Welcome,
    WireFormat,
};

/// The `select (MLSMessage.wire_format)` body of an MLSMessage (RFC 9420 §6).
/// A wire format not listed here fails to decode with
/// [`mls_codec::Error::UnknownDiscriminant`].
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
#[codec(tag = u16)]
#[allow(clippy::large_enum_variant)]
pub enum MlsMessageBody {
    /// `mls_public_message`
    #[codec(tag = WireFormat::PUBLIC_MESSAGE.0)]
    PublicMessage(PublicMessage),
    /// `mls_private_message`
    #[codec(tag = WireFormat::PRIVATE_MESSAGE.0)]
    PrivateMessage(PrivateMessage),
    /// `mls_welcome`
    #[codec(tag = WireFormat::WELCOME.0)]
    Welcome(Welcome),
    /// `mls_group_info`
    #[codec(tag = WireFormat::GROUP_INFO.0)]
    GroupInfo(GroupInfo),
    /// `mls_key_package`
    #[codec(tag = WireFormat::KEY_PACKAGE.0)]
    KeyPackage(KeyPackage),
}

impl MlsMessageBody {
    /// The `wire_format` of this body.
    pub fn wire_format(&self) -> WireFormat {
        match self {
            MlsMessageBody::PublicMessage(_) => WireFormat::PUBLIC_MESSAGE,
            MlsMessageBody::PrivateMessage(_) => WireFormat::PRIVATE_MESSAGE,
            MlsMessageBody::Welcome(_) => WireFormat::WELCOME,
            MlsMessageBody::GroupInfo(_) => WireFormat::GROUP_INFO,
            MlsMessageBody::KeyPackage(_) => WireFormat::KEY_PACKAGE,
        }
    }
}

/// `struct MLSMessage` (RFC 9420 §6): the version, the wire format and the
/// message.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_crypto::CipherSuite;
/// use mls_framing::{MlsMessage, Welcome, WireFormat};
/// let msg = MlsMessage::new(mls_framing::MlsMessageBody::Welcome(Welcome {
///     cipher_suite: CipherSuite(1),
///     secrets: vec![],
///     encrypted_group_info: vec![0xaa],
/// }));
/// let bytes = msg.to_bytes().unwrap();
/// assert_eq!(bytes, [0, 1, 0, 3, 0, 1, 0, 1, 0xaa]);
/// let back = MlsMessage::from_bytes(&bytes).unwrap();
/// assert_eq!(back.wire_format(), WireFormat::WELCOME);
/// assert!(back.into_welcome().is_ok());
/// // Unknown wire formats do not decode.
/// assert!(decode_exact::<MlsMessage>(&[0, 1, 0, 9]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct MlsMessage {
    /// `ProtocolVersion version = mls10`
    pub version: ProtocolVersion,
    /// `wire_format` and its `select`.
    pub body: MlsMessageBody,
}

/// The RFC's spelling of [`MlsMessage`].
pub type MLSMessage = MlsMessage;

macro_rules! into_body {
    ($(#[$doc:meta] $name:ident => $variant:ident: $ty:ty, $wf:expr;)*) => {$(
        #[$doc]
        pub fn $name(self) -> Result<$ty, FramingError> {
            match self.body {
                MlsMessageBody::$variant(m) => Ok(m),
                other => Err(FramingError::WrongWireFormat {
                    expected: $wf,
                    got: other.wire_format(),
                }),
            }
        }
    )*};
}

impl MlsMessage {
    /// An `mls10` message.
    pub fn new(body: MlsMessageBody) -> Self {
        MlsMessage {
            version: ProtocolVersion::MLS10,
            body,
        }
    }

    /// Decodes a message that must take all of `bytes` and be `mls10`
    /// ([`FramingError::UnsupportedVersion`]). A KeyPackage inside must
    /// carry the same version (RFC 9420 §10). The resource limits of
    /// [`DecodeLimits::DEFAULT`] apply ([`FramingError::LimitExceeded`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FramingError> {
        Self::from_bytes_with_limits(bytes, &DecodeLimits::DEFAULT)
    }

    /// [`from_bytes`](Self::from_bytes) with other resource limits: the
    /// size is checked before decoding, the counts after.
    pub fn from_bytes_with_limits(
        bytes: &[u8],
        limits: &DecodeLimits,
    ) -> Result<Self, FramingError> {
        limits.check_message_size(bytes.len())?;
        // What the first four bytes say, before decoding: a reader learns
        // "not an MLS message" rather than a codec error deep inside.
        match bytes {
            [a, b, c, d, ..] => {
                let version = ProtocolVersion(u16::from_be_bytes([*a, *b]));
                if version != ProtocolVersion::MLS10 {
                    return Err(FramingError::UnsupportedVersion(version));
                }
                if !matches!(u16::from_be_bytes([*c, *d]), 1..=5) {
                    return Err(FramingError::NotAnMlsMessage);
                }
            }
            _ => return Err(FramingError::NotAnMlsMessage),
        }
        let msg: MlsMessage = decode_exact(bytes)?;
        if let MlsMessageBody::KeyPackage(kp) = &msg.body {
            if kp.version != msg.version {
                return Err(FramingError::KeyPackageVersionMismatch {
                    expected: msg.version,
                    got: kp.version,
                });
            }
        }
        limits.check_message(&msg)?;
        Ok(msg)
    }

    /// The `wire_format`.
    pub fn wire_format(&self) -> WireFormat {
        self.body.wire_format()
    }

    into_body! {
        /// The PublicMessage, or [`FramingError::WrongWireFormat`].
        into_public_message => PublicMessage: PublicMessage, WireFormat::PUBLIC_MESSAGE;
        /// The PrivateMessage, or [`FramingError::WrongWireFormat`].
        into_private_message => PrivateMessage: PrivateMessage, WireFormat::PRIVATE_MESSAGE;
        /// The Welcome, or [`FramingError::WrongWireFormat`].
        into_welcome => Welcome: Welcome, WireFormat::WELCOME;
        /// The GroupInfo, or [`FramingError::WrongWireFormat`].
        into_group_info => GroupInfo: GroupInfo, WireFormat::GROUP_INFO;
        /// The KeyPackage, or [`FramingError::WrongWireFormat`].
        into_key_package => KeyPackage: KeyPackage, WireFormat::KEY_PACKAGE;
    }
}

impl From<PublicMessage> for MlsMessage {
    fn from(m: PublicMessage) -> Self {
        MlsMessage::new(MlsMessageBody::PublicMessage(m))
    }
}

impl From<PrivateMessage> for MlsMessage {
    fn from(m: PrivateMessage) -> Self {
        MlsMessage::new(MlsMessageBody::PrivateMessage(m))
    }
}

impl From<Welcome> for MlsMessage {
    fn from(m: Welcome) -> Self {
        MlsMessage::new(MlsMessageBody::Welcome(m))
    }
}

impl From<GroupInfo> for MlsMessage {
    fn from(m: GroupInfo) -> Self {
        MlsMessage::new(MlsMessageBody::GroupInfo(m))
    }
}

impl From<KeyPackage> for MlsMessage {
    fn from(m: KeyPackage) -> Self {
        MlsMessage::new(MlsMessageBody::KeyPackage(m))
    }
}
