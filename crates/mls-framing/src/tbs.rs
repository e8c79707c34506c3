//! `FramedContentTBS` (RFC 9420 §6.1): what a message signature covers,
//! and its encoding kept as [`EncodedTbs`] so that the bytes signed or
//! verified are reused for the membership tag (§6.2) and the confirmed
//! transcript hash (§8.2) instead of being encoded again.

use alloc::vec::Vec;
use mls_codec::{Encode, Error};
use mls_crypto::{labeled, CipherSuiteProvider, Verifier};
use mls_types::GroupContext;
use mls_types::ProtocolVersion;

use crate::{FramedContent, FramedContentAuthData, FramingError, WireFormat};

/// The signature label of FramedContent (RFC 9420 §6.1).
pub(crate) const FRAMED_CONTENT_TBS_LABEL: &[u8] = b"FramedContentTBS";

/// `struct FramedContentTBS` (RFC 9420 §6.1): what a message signature
/// covers. `context` must be present exactly for `member` and
/// `new_member_commit` senders; [`FramedContentTBS::new`] checks that.
///
/// ```
/// # use mls_test_support::framing::*;
/// use mls_codec::Encode;
/// let gc = group_context(CipherSuite(1));
/// let content = FramedContent {
///     group_id: gc.group_id.clone(),
///     epoch: gc.epoch,
///     sender: Sender::Member(LeafIndex(0)),
///     authenticated_data: vec![],
///     content: Content::Application(vec![]),
/// };
/// assert_eq!(
///     FramedContentTBS::new(WireFormat::PRIVATE_MESSAGE, &content, None).unwrap_err(),
///     FramingError::MissingGroupContext
/// );
/// let tbs = FramedContentTBS::new(WireFormat::PRIVATE_MESSAGE, &content, Some(&gc)).unwrap();
/// let bytes = tbs.to_bytes().unwrap();
/// // version mls10, wire format mls_private_message, then the content and the context.
/// assert_eq!(&bytes[..4], &[0, 1, 0, 2]);
/// assert_eq!(bytes.len(), 4 + content.encoded_len() + gc.encoded_len());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FramedContentTBS<'a> {
    /// `ProtocolVersion version = mls10`
    pub version: ProtocolVersion,
    /// `WireFormat wire_format`
    pub wire_format: WireFormat,
    /// `FramedContent content`
    pub content: &'a FramedContent,
    /// `GroupContext context` (member and new_member_commit senders only).
    pub context: Option<&'a GroupContext>,
}

impl<'a> FramedContentTBS<'a> {
    /// The TBS of `content` sent as `wire_format`. For senders whose
    /// signature covers the GroupContext, `context` is required
    /// ([`FramingError::MissingGroupContext`]) and must be of the content's
    /// group and epoch ([`FramingError::GroupIdMismatch`],
    /// [`FramingError::EpochMismatch`]); for the others it is ignored.
    pub fn new(
        wire_format: WireFormat,
        content: &'a FramedContent,
        context: Option<&'a GroupContext>,
    ) -> Result<Self, FramingError> {
        let context = if content.sender.signs_group_context() {
            let gc = context.ok_or(FramingError::MissingGroupContext)?;
            check_context(content, gc)?;
            Some(gc)
        } else {
            None
        };
        Ok(FramedContentTBS {
            version: ProtocolVersion::MLS10,
            wire_format,
            content,
            context,
        })
    }
}

/// Verifies `signature` over an encoded FramedContentTBS (RFC 9420 §6.1).
pub(crate) fn verify_tbs_signature<S, K>(
    suite: &S,
    public_key: &K,
    tbs: &[u8],
    signature: &[u8],
) -> Result<(), FramingError>
where
    S: CipherSuiteProvider + ?Sized,
    K: Verifier<S> + ?Sized,
{
    labeled::verify_with_label_by(suite, public_key, FRAMED_CONTENT_TBS_LABEL, tbs, signature)
        .map_err(|_| FramingError::InvalidSignature)
}

/// `Err` unless `content` is of `context`'s group and epoch.
pub(crate) fn check_context(
    content: &FramedContent,
    context: &GroupContext,
) -> Result<(), FramingError> {
    if content.group_id != context.group_id {
        return Err(FramingError::GroupIdMismatch);
    }
    if content.epoch != context.epoch {
        return Err(FramingError::EpochMismatch {
            expected: context.epoch,
            got: content.epoch,
        });
    }
    Ok(())
}

impl Encode for FramedContentTBS<'_> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.version.encode(out)?;
        self.wire_format.encode(out)?;
        self.content.encode(out)?;
        match self.context {
            Some(gc) => gc.encode(out),
            None => Ok(()),
        }
    }

    fn encoded_len(&self) -> usize {
        let gc = self.context.map_or(0, Encode::encoded_len);
        4usize
            .saturating_add(self.content.encoded_len())
            .saturating_add(gc)
    }
}

impl FramedContentTBS<'_> {
    /// Encodes this TBS once, to sign or verify it and then reuse the
    /// bytes, with room for `spare` more bytes (the auth data a
    /// membership tag appends; a wrong guess costs one reallocation).
    ///
    /// ```
    /// # use mls_test_support::framing::*;
    /// use mls_codec::Encode;
    /// let gc = group_context(CipherSuite(1));
    /// let content = FramedContent {
    ///     group_id: gc.group_id.clone(),
    ///     epoch: gc.epoch,
    ///     sender: Sender::Member(LeafIndex(0)),
    ///     authenticated_data: vec![],
    ///     content: Content::Application(vec![]),
    /// };
    /// let tbs = FramedContentTBS::new(WireFormat::PUBLIC_MESSAGE, &content, Some(&gc)).unwrap();
    /// assert_eq!(tbs.encode_kept(0).unwrap().as_bytes(), tbs.to_bytes().unwrap());
    /// ```
    pub fn encode_kept(&self, spare: usize) -> Result<EncodedTbs, FramingError> {
        let mut bytes = Vec::new();
        // Only a hint, as in `Encode::to_bytes`.
        let _ = bytes.try_reserve_exact(self.encoded_len().saturating_add(spare));
        self.version.encode(&mut bytes)?;
        let wire_format_start = bytes.len();
        self.wire_format.encode(&mut bytes)?;
        self.content.encode(&mut bytes)?;
        let content_end = bytes.len();
        if let Some(gc) = self.context {
            gc.encode(&mut bytes)?;
        }
        Ok(EncodedTbs {
            bytes,
            wire_format_start,
            content_end,
        })
    }
}

/// An encoded FramedContentTBS (RFC 9420 §6.1), kept after signing or
/// verifying a message: the membership tag (§6.2) is over these bytes
/// followed by the auth data, and the ConfirmedTranscriptHashInput (§8.2)
/// begins with its `wire_format || FramedContent`, so neither needs the
/// content encoded again. Made by [`FramedContentTBS::encode_kept`],
/// [`crate::AuthenticatedContent::sign_keeping_tbs`] and
/// [`crate::PublicMessage::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedTbs {
    bytes: Vec<u8>,
    /// Where `wire_format` starts (after `version`).
    wire_format_start: usize,
    /// Where `FramedContent` ends (and the GroupContext, if any, starts).
    content_end: usize,
}

impl EncodedTbs {
    /// The encoded FramedContentTBS.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `wire_format || FramedContent`: the start of the
    /// ConfirmedTranscriptHashInput of the same content (RFC 9420 §8.2).
    pub(crate) fn wire_format_and_content(&self) -> &[u8] {
        self.bytes
            .get(self.wire_format_start..self.content_end)
            .unwrap_or(&[])
    }

    /// `MAC(membership_key, AuthenticatedContentTBM)` (RFC 9420 §6.2): the
    /// auth data is appended to these bytes for the MAC and taken off
    /// again.
    pub(crate) fn membership_mac<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        membership_key: &[u8],
        auth: &FramedContentAuthData,
    ) -> Result<Vec<u8>, FramingError> {
        let len = self.bytes.len();
        let mac = match auth.encode(&mut self.bytes) {
            Ok(()) => suite
                .mac(membership_key, &self.bytes)
                .map_err(FramingError::from),
            Err(e) => Err(e.into()),
        };
        self.bytes.truncate(len);
        mac
    }
}
