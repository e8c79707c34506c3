//! `AuthenticatedContent` and the signature over its FramedContentTBS
//! (RFC 9420 §6, §6.1), `AuthenticatedContentTBM` (§6.2), the transcript
//! hash inputs (§8.2) and `ProposalRef` (§5.2); its borrowed form
//! [`AuthenticatedContentRef`].

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Error, Reader};
use mls_crypto::{labeled, CipherSuiteProvider, Verifier};
use mls_keyschedule::TranscriptHashes;
use mls_types::GroupContext;

use crate::tbs::FRAMED_CONTENT_TBS_LABEL;
use crate::{
    check_sender_rules, AuthenticatedContentRef, ContentType, EncodedTbs, FramedContent,
    FramedContentAuthData, FramedContentTBS, FramingError, ProposalRef, WireFormat,
};

/// Room left after an encoded FramedContentTBS for the auth data that the
/// membership tag appends (a signature and a confirmation tag). Only a
/// capacity hint: more costs one reallocation.
const AUTH_DATA_ROOM: usize = 256;

/// `struct AuthenticatedContent` (RFC 9420 §6): a FramedContent with its
/// wire format and authentication data, what PublicMessage and
/// PrivateMessage protect and what transcript hashes and ProposalRefs are
/// computed over.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
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
        self.view().encode(out)
    }

    fn encoded_len(&self) -> usize {
        self.view().encoded_len()
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
        Self::sign_keeping_tbs(suite, key, wire_format, content, context).map(|(ac, _)| ac)
    }

    /// [`sign`](Self::sign), also returning the FramedContentTBS bytes
    /// that were signed, to reuse for the confirmed transcript hash
    /// ([`AuthenticatedContentRef::confirmed_transcript_hash`]) and the
    /// membership tag ([`crate::PublicMessage::protect_with_tbs`]) instead
    /// of encoding a large content again.
    ///
    /// ```
    /// # use mls_test_support::framing::*;
    /// # use mls_crypto::CryptoProvider;
    /// # use mls_rustcrypto::RustCrypto;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let (key, _) = signer(&suite, 1);
    /// let gc = group_context(CipherSuite(1));
    /// let content = FramedContent {
    ///     group_id: gc.group_id.clone(),
    ///     epoch: gc.epoch,
    ///     sender: Sender::Member(LeafIndex(0)),
    ///     authenticated_data: vec![],
    ///     content: Content::Proposal(Proposal::Remove(Remove { removed: 1 })),
    /// };
    /// let (ac, tbs) = AuthenticatedContent::sign_keeping_tbs(
    ///     &suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc),
    /// ).unwrap();
    /// assert_eq!(tbs.as_bytes(), ac.tbs_bytes(Some(&gc)).unwrap());
    /// ```
    pub fn sign_keeping_tbs<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        key: &S::SigningKey,
        wire_format: WireFormat,
        content: FramedContent,
        context: Option<&GroupContext>,
    ) -> Result<(Self, EncodedTbs), FramingError> {
        check_sender_rules(wire_format, &content)?;
        let tbs =
            FramedContentTBS::new(wire_format, &content, context)?.encode_kept(AUTH_DATA_ROOM)?;
        let signature =
            labeled::sign_with_label(suite, key, FRAMED_CONTENT_TBS_LABEL, tbs.as_bytes())?;
        let ac = AuthenticatedContent {
            wire_format,
            content,
            auth: FramedContentAuthData {
                signature,
                confirmation_tag: None,
            },
        };
        Ok((ac, tbs))
    }

    /// This content borrowed: what processing a received message works on.
    pub fn view(&self) -> AuthenticatedContentRef<'_> {
        AuthenticatedContentRef {
            wire_format: self.wire_format,
            content: &self.content,
            auth: &self.auth,
        }
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
    pub fn verify_signature<S, K>(
        &self,
        suite: &S,
        public_key: &K,
        context: Option<&GroupContext>,
    ) -> Result<(), FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        K: Verifier<S> + ?Sized,
    {
        self.view()
            .verify_signature(suite, public_key, context)
            .map(|_| ())
    }

    /// Checks that the confirmation tag is present exactly for a commit.
    pub fn check_confirmation_tag_presence(&self) -> Result<(), FramingError> {
        self.auth.check_presence(self.content.content_type())
    }

    /// The encoded `AuthenticatedContentTBM` (RFC 9420 §6.2):
    /// FramedContentTBS followed by the auth data.
    pub fn tbm_bytes(&self, context: Option<&GroupContext>) -> Result<Vec<u8>, FramingError> {
        self.check_confirmation_tag_presence()?;
        let mut out = Vec::new();
        let tbs = FramedContentTBS::new(self.wire_format, &self.content, context)?;
        // Only a hint, as in `Encode::to_bytes`.
        let _ = out.try_reserve_exact(tbs.encoded_len().saturating_add(self.auth.encoded_len()));
        tbs.encode(&mut out)?;
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
        self.view().confirmed_transcript_hash_input()
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
        let confirmed = self
            .view()
            .confirmed_transcript_hash(suite, &before.interim, None)?;
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
        self.view().proposal_ref(suite)
    }
}
