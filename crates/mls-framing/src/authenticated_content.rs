//! `AuthenticatedContent`, `FramedContentTBS` and the signature over it
//! (RFC 9420 §6, §6.1), `AuthenticatedContentTBM` (§6.2), the transcript
//! hash inputs (§8.2) and `ProposalRef` (§5.2).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Error, Reader};
use mls_crypto::{labeled, CipherSuiteProvider, SignaturePublicKey};
use mls_keyschedule::{GroupContext, TranscriptHashes};
use mls_treekem::ProtocolVersion;

use crate::{
    check_sender_rules, ContentType, FramedContent, FramedContentAuthData, FramingError,
    ProposalRef, WireFormat,
};

/// The signature label of FramedContent (RFC 9420 §6.1).
const FRAMED_CONTENT_TBS_LABEL: &[u8] = b"FramedContentTBS";

/// `struct FramedContentTBS` (RFC 9420 §6.1): what a message signature
/// covers. `context` must be present exactly for `member` and
/// `new_member_commit` senders; [`FramedContentTBS::new`] checks that.
///
/// ```
/// # use mls_framing::__doc::*;
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
pub(crate) fn verify_tbs_signature<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    public_key: &SignaturePublicKey,
    tbs: &[u8],
    signature: &[u8],
) -> Result<(), FramingError> {
    labeled::verify_with_label(suite, public_key, FRAMED_CONTENT_TBS_LABEL, tbs, signature)
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

/// `struct AuthenticatedContent` (RFC 9420 §6): a FramedContent with its
/// wire format and authentication data, what PublicMessage and
/// PrivateMessage protect and what transcript hashes and ProposalRefs are
/// computed over.
///
/// ```
/// # use mls_framing::__doc::*;
/// # use mls_crypto::{CryptoProvider, RustCrypto};
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let (key, public) = signer(&suite, 1);
/// let gc = group_context(CipherSuite(1));
/// let content = FramedContent {
///     group_id: gc.group_id.clone(),
///     epoch: gc.epoch,
///     sender: Sender::Member(LeafIndex(0)),
///     authenticated_data: vec![],
///     content: Content::Proposal(Proposal::Remove(Remove { removed: 1 })),
/// };
/// let ac = AuthenticatedContent::sign(&suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc)).unwrap();
/// ac.verify_signature(&suite, &public, Some(&gc)).unwrap();
/// let r = ac.proposal_ref(&suite).unwrap();
/// assert_eq!(r.0.len(), 32);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedContent {
    /// `WireFormat wire_format`
    pub wire_format: WireFormat,
    /// `FramedContent content`
    pub content: FramedContent,
    /// `FramedContentAuthData auth`
    pub auth: FramedContentAuthData,
}

impl Encode for AuthenticatedContent {
    /// Fails with [`Error::InvalidValue`] if the confirmation tag is not
    /// present exactly for a commit.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        if !self.auth.matches(self.content.content_type()) {
            return Err(Error::InvalidValue);
        }
        self.wire_format.encode(out)?;
        self.content.encode(out)?;
        self.auth.encode(out)
    }

    fn encoded_len(&self) -> usize {
        2usize
            .saturating_add(self.content.encoded_len())
            .saturating_add(self.auth.encoded_len())
    }
}

impl Decode for AuthenticatedContent {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let wire_format = WireFormat::decode(r)?;
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode_for(content.content_type(), r)?;
        Ok(AuthenticatedContent {
            wire_format,
            content,
            auth,
        })
    }
}

impl AuthenticatedContent {
    /// Signs `content` for sending as `wire_format` (RFC 9420 §6.1) after
    /// checking the sender rules ([`check_sender_rules`]). `context` is the
    /// current GroupContext, required for `member` and `new_member_commit`
    /// senders.
    ///
    /// A commit comes back with `auth.confirmation_tag` `None`: compute the
    /// confirmed transcript hash from
    /// [`confirmed_transcript_hash_input`](Self::confirmed_transcript_hash_input),
    /// then the tag with the new epoch's `confirmation_key`, and set it
    /// with [`set_confirmation_tag`](Self::set_confirmation_tag).
    pub fn sign<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        key: &S::SigningKey,
        wire_format: WireFormat,
        content: FramedContent,
        context: Option<&GroupContext>,
    ) -> Result<Self, FramingError> {
        check_sender_rules(wire_format, &content)?;
        let tbs = FramedContentTBS::new(wire_format, &content, context)?.to_bytes()?;
        let signature = labeled::sign_with_label(suite, key, FRAMED_CONTENT_TBS_LABEL, &tbs)?;
        Ok(AuthenticatedContent {
            wire_format,
            content,
            auth: FramedContentAuthData {
                signature,
                confirmation_tag: None,
            },
        })
    }

    /// Sets the `confirmation_tag` of a commit
    /// ([`FramingError::UnexpectedConfirmationTag`] for other content).
    pub fn set_confirmation_tag(&mut self, tag: Vec<u8>) -> Result<(), FramingError> {
        if self.content.content_type() != ContentType::Commit {
            return Err(FramingError::UnexpectedConfirmationTag);
        }
        self.auth.confirmation_tag = Some(tag);
        Ok(())
    }

    /// The encoded FramedContentTBS of this content.
    pub fn tbs_bytes(&self, context: Option<&GroupContext>) -> Result<Vec<u8>, FramingError> {
        Ok(FramedContentTBS::new(self.wire_format, &self.content, context)?.to_bytes()?)
    }

    /// Verifies the signature with the sender's `public_key` (RFC 9420
    /// §6.1; which key depends on the sender type, see
    /// [`crate::embedded_signature_key`]). `context` as for
    /// [`sign`](Self::sign).
    pub fn verify_signature<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        public_key: &SignaturePublicKey,
        context: Option<&GroupContext>,
    ) -> Result<(), FramingError> {
        let tbs = self.tbs_bytes(context)?;
        verify_tbs_signature(suite, public_key, &tbs, &self.auth.signature)
    }

    /// Checks that the confirmation tag is present exactly for a commit.
    pub fn check_confirmation_tag_presence(&self) -> Result<(), FramingError> {
        self.auth.check_presence(self.content.content_type())
    }

    /// The encoded `AuthenticatedContentTBM` (RFC 9420 §6.2):
    /// FramedContentTBS followed by the auth data.
    pub fn tbm_bytes(&self, context: Option<&GroupContext>) -> Result<Vec<u8>, FramingError> {
        self.check_confirmation_tag_presence()?;
        let mut out = self.tbs_bytes(context)?;
        self.auth.encode(&mut out)?;
        Ok(out)
    }

    /// `membership_tag = MAC(membership_key, AuthenticatedContentTBM)`
    /// (RFC 9420 §6.2).
    pub fn membership_tag<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        membership_key: &[u8],
        context: Option<&GroupContext>,
    ) -> Result<Vec<u8>, FramingError> {
        let tbm = self.tbm_bytes(context)?;
        Ok(suite.mac(membership_key, &tbm)?)
    }

    /// The encoded `ConfirmedTranscriptHashInput` (RFC 9420 §8.2):
    /// `wire_format`, `content` and `signature` of a commit.
    pub fn confirmed_transcript_hash_input(&self) -> Result<Vec<u8>, FramingError> {
        if self.content.content_type() != ContentType::Commit {
            return Err(FramingError::NotACommit);
        }
        let mut out = Vec::with_capacity(
            2usize
                .saturating_add(self.content.encoded_len())
                .saturating_add(self.auth.signature.encoded_len()),
        );
        self.wire_format.encode(&mut out)?;
        self.content.encode(&mut out)?;
        self.auth.signature.encode(&mut out)?;
        Ok(out)
    }

    /// The encoded `InterimTranscriptHashInput` (RFC 9420 §8.2): the
    /// commit's `confirmation_tag` as `MAC` (`opaque<V>`).
    pub fn interim_transcript_hash_input(&self) -> Result<Vec<u8>, FramingError> {
        let tag = self
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(FramingError::MissingConfirmationTag)?;
        Ok(tag.to_bytes()?)
    }

    /// The transcript hashes after this commit, from those before it
    /// (RFC 9420 §8.2). The confirmation tag must be set.
    pub fn next_transcript_hashes<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        before: &TranscriptHashes,
    ) -> Result<TranscriptHashes, FramingError> {
        let confirmed = before.confirmed_after(suite, &self.confirmed_transcript_hash_input()?);
        let tag = self
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(FramingError::MissingConfirmationTag)?;
        Ok(TranscriptHashes::after_commit(suite, confirmed, tag)?)
    }

    /// `MakeProposalRef(AuthenticatedContent)` (RFC 9420 §5.2) of this
    /// proposal message.
    pub fn proposal_ref<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
    ) -> Result<ProposalRef, FramingError> {
        let bytes = self.to_bytes()?;
        Ok(ProposalRef(labeled::proposal_ref(suite, &bytes)?))
    }
}
