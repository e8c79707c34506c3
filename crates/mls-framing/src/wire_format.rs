//! `WireFormat` (RFC 9420 §6, §17.2) and `ContentType` (§6).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Error, Reader};

/// `uint16 WireFormat` (RFC 9420 §6). An open newtype: any value decodes
/// here; [`crate::MlsMessage`] rejects the ones it cannot frame.
///
/// ```
/// use mls_framing::WireFormat;
/// assert_eq!(WireFormat::PRIVATE_MESSAGE, WireFormat(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct WireFormat(pub u16);

impl WireFormat {
    /// `mls_public_message`
    pub const PUBLIC_MESSAGE: Self = Self(1);
    /// `mls_private_message`
    pub const PRIVATE_MESSAGE: Self = Self(2);
    /// `mls_welcome`
    pub const WELCOME: Self = Self(3);
    /// `mls_group_info`
    pub const GROUP_INFO: Self = Self(4);
    /// `mls_key_package`
    pub const KEY_PACKAGE: Self = Self(5);
}

/// `enum { reserved(0), application(1), proposal(2), commit(3), (255) } ContentType`
/// (RFC 9420 §6). Closed: it selects the content's structure, so any other
/// value fails to decode with [`Error::UnknownDiscriminant`].
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_framing::ContentType;
/// assert_eq!(ContentType::Commit.to_bytes().unwrap(), [3]);
/// assert!(decode_exact::<ContentType>(&[0]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentType {
    /// `application(1)`
    Application,
    /// `proposal(2)`
    Proposal,
    /// `commit(3)`
    Commit,
}

impl ContentType {
    /// The code point.
    pub const fn code(self) -> u8 {
        match self {
            ContentType::Application => 1,
            ContentType::Proposal => 2,
            ContentType::Commit => 3,
        }
    }

    /// The content type of a code point, if RFC 9420 defines it.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(ContentType::Application),
            2 => Some(ContentType::Proposal),
            3 => Some(ContentType::Commit),
            _ => None,
        }
    }
}

impl Encode for ContentType {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.code().encode(out)
    }

    fn encoded_len(&self) -> usize {
        1
    }
}

impl Decode for ContentType {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let code = r.read_u8()?;
        ContentType::from_code(code).ok_or(Error::UnknownDiscriminant(u64::from(code)))
    }
}
