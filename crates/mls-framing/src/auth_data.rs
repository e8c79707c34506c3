//! `FramedContentAuthData` (RFC 9420 §6.1).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Error, Reader};

use crate::{ContentType, FramingError};

/// `struct FramedContentAuthData` (RFC 9420 §6.1): the signature, and for
/// a commit the `confirmation_tag`.
///
/// Its `select` depends on the enclosing content's type, so it has no
/// [`Decode`] impl of its own: use [`FramedContentAuthData::decode_for`].
/// [`Encode`] writes the tag exactly when it is present; the enclosing
/// structures check that it is present exactly for commits.
///
/// ```
/// use mls_codec::{Encode, Reader};
/// use mls_framing::{ContentType, FramedContentAuthData};
/// let auth = FramedContentAuthData { signature: vec![1, 2], confirmation_tag: Some(vec![3]) };
/// let bytes = auth.to_bytes().unwrap();
/// assert_eq!(bytes, [2, 1, 2, 1, 3]);
/// let back = FramedContentAuthData::decode_for(ContentType::Commit, &mut Reader::new(&bytes)).unwrap();
/// assert_eq!(back, auth);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FramedContentAuthData {
    /// `opaque signature<V>`: SignWithLabel(., "FramedContentTBS", FramedContentTBS).
    pub signature: Vec<u8>,
    /// `MAC confirmation_tag` (`opaque<V>`): present for commits only.
    pub confirmation_tag: Option<Vec<u8>>,
}

impl FramedContentAuthData {
    /// Reads the auth data of a content of `content_type`.
    pub fn decode_for(content_type: ContentType, r: &mut Reader<'_>) -> Result<Self, Error> {
        let signature = Vec::decode(r)?;
        let confirmation_tag = match content_type {
            ContentType::Commit => Some(Vec::decode(r)?),
            ContentType::Application | ContentType::Proposal => None,
        };
        Ok(FramedContentAuthData {
            signature,
            confirmation_tag,
        })
    }

    /// Whether the confirmation tag is present exactly when `content_type`
    /// is `commit`.
    pub fn matches(&self, content_type: ContentType) -> bool {
        self.confirmation_tag.is_some() == (content_type == ContentType::Commit)
    }

    /// [`matches`](Self::matches), with the error naming what is wrong.
    pub(crate) fn check_presence(&self, content_type: ContentType) -> Result<(), FramingError> {
        match (content_type, &self.confirmation_tag) {
            (ContentType::Commit, None) => Err(FramingError::MissingConfirmationTag),
            (ContentType::Commit, Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => Err(FramingError::UnexpectedConfirmationTag),
        }
    }
}

impl Encode for FramedContentAuthData {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.signature.encode(out)?;
        match &self.confirmation_tag {
            Some(tag) => tag.encode(out),
            None => Ok(()),
        }
    }

    fn encoded_len(&self) -> usize {
        let tag = self
            .confirmation_tag
            .as_ref()
            .map_or(0, Encode::encoded_len);
        self.signature.encoded_len().saturating_add(tag)
    }
}
