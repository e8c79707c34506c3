//! `FramedContent` and its content `select` (RFC 9420 §6).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Error, Reader};

use crate::{Commit, ContentType, Proposal, Sender};

/// The `select (content_type)` part of FramedContent and PrivateMessageContent
/// (RFC 9420 §6, §6.3.1): application data, a proposal or a commit.
///
/// Encoded as a whole it is `ContentType content_type` followed by the body;
/// [`Content::encode_body`] and [`Content::decode_body`] handle the body alone
/// (PrivateMessageContent takes its content type from the PrivateMessage).
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_framing::Content;
/// let c = Content::Application(b"hi".to_vec());
/// assert_eq!(c.to_bytes().unwrap(), [1, 2, b'h', b'i']);
/// assert_eq!(decode_exact::<Content>(&[1, 2, b'h', b'i']).unwrap(), c);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Content {
    /// `application`: `opaque application_data<V>`.
    Application(Vec<u8>),
    /// `proposal`: `Proposal proposal`.
    Proposal(Proposal),
    /// `commit`: `Commit commit`.
    Commit(Commit),
}

impl Content {
    /// The `content_type` of this content.
    pub fn content_type(&self) -> ContentType {
        match self {
            Content::Application(_) => ContentType::Application,
            Content::Proposal(_) => ContentType::Proposal,
            Content::Commit(_) => ContentType::Commit,
        }
    }

    /// Appends the body without the content type.
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Content::Application(data) => data.encode(out),
            Content::Proposal(p) => p.encode(out),
            Content::Commit(c) => c.encode(out),
        }
    }

    /// The length of the body without the content type.
    pub fn body_encoded_len(&self) -> usize {
        match self {
            Content::Application(data) => data.encoded_len(),
            Content::Proposal(p) => p.encoded_len(),
            Content::Commit(c) => c.encoded_len(),
        }
    }

    /// Reads a body of `content_type`.
    pub fn decode_body(content_type: ContentType, r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(match content_type {
            ContentType::Application => Content::Application(Vec::decode(r)?),
            ContentType::Proposal => Content::Proposal(Proposal::decode(r)?),
            ContentType::Commit => Content::Commit(Commit::decode(r)?),
        })
    }
}

impl Encode for Content {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.content_type().encode(out)?;
        self.encode_body(out)
    }

    fn encoded_len(&self) -> usize {
        self.body_encoded_len().saturating_add(1)
    }
}

impl Decode for Content {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let content_type = ContentType::decode(r)?;
        Content::decode_body(content_type, r)
    }
}

/// `struct FramedContent` (RFC 9420 §6): the content of a handshake or
/// application message with its group, epoch and sender.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_framing::{Content, FramedContent, Sender};
/// use mls_types::tree_math::LeafIndex;
/// let fc = FramedContent {
///     group_id: b"g".to_vec(),
///     epoch: 1,
///     sender: Sender::Member(LeafIndex(0)),
///     authenticated_data: vec![],
///     content: Content::Application(b"hello".to_vec()),
/// };
/// assert_eq!(decode_exact::<FramedContent>(&fc.to_bytes().unwrap()).unwrap(), fc);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct FramedContent {
    /// `opaque group_id<V>`
    pub group_id: Vec<u8>,
    /// `uint64 epoch`
    pub epoch: u64,
    /// `Sender sender`
    pub sender: Sender,
    /// `opaque authenticated_data<V>`
    pub authenticated_data: Vec<u8>,
    /// `content_type` and its `select`.
    pub content: Content,
}

impl FramedContent {
    /// The `content_type`.
    pub fn content_type(&self) -> ContentType {
        self.content.content_type()
    }
}
