//! [`AuthenticatedContentRef`]: an AuthenticatedContent (RFC 9420 §6)
//! borrowed from where its parts are, with the confirmed transcript hash
//! (§8.2) and ProposalRef (§5.2) computed over it.

use alloc::vec::Vec;
use mls_codec::{varint_len, write_varint, Encode, Error};
use mls_crypto::{labeled, CipherSuiteProvider, Verifier};
use mls_keyschedule::confirmed_transcript_hash_of_parts;
use mls_types::GroupContext;

use crate::tbs::verify_tbs_signature;
use crate::{
    AuthenticatedContent, ContentType, EncodedTbs, FramedContent, FramedContentAuthData,
    FramedContentTBS, FramingError, ProposalRef, WireFormat,
};

/// `struct AuthenticatedContent` (RFC 9420 §6) borrowed: a received
/// PublicMessage's content and auth data
/// ([`crate::PublicMessage::authenticated_content_ref`]) or an
/// [`AuthenticatedContent`]'s ([`AuthenticatedContent::view`]), so that a
/// large commit is processed where it was decoded, not copied.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// use mls_codec::Encode;
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
/// let ac = AuthenticatedContent::sign(&suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc)).unwrap();
/// let view = ac.view();
/// assert_eq!(view.to_bytes().unwrap(), ac.to_bytes().unwrap());
/// assert_eq!(view.proposal_ref(&suite).unwrap(), ac.proposal_ref(&suite).unwrap());
/// assert_eq!(view.to_authenticated_content(), ac);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatedContentRef<'a> {
    /// `WireFormat wire_format`
    pub wire_format: WireFormat,
    /// `FramedContent content`
    pub content: &'a FramedContent,
    /// `FramedContentAuthData auth`
    pub auth: &'a FramedContentAuthData,
}

impl AuthenticatedContentRef<'_> {
    /// An owned copy.
    pub fn to_authenticated_content(&self) -> AuthenticatedContent {
        AuthenticatedContent {
            wire_format: self.wire_format,
            content: self.content.clone(),
            auth: self.auth.clone(),
        }
    }

    /// Checks that the confirmation tag is present exactly for a commit.
    pub fn check_confirmation_tag_presence(&self) -> Result<(), FramingError> {
        self.auth.check_presence(self.content.content_type())
    }

    /// Verifies the signature with the sender's `public_key` (RFC 9420
    /// §6.1), as [`AuthenticatedContent::verify_signature`] does, and
    /// returns the encoded FramedContentTBS it was verified over (for
    /// [`confirmed_transcript_hash`](Self::confirmed_transcript_hash)).
    /// The key may be a [`SignaturePublicKey`] or a prepared key
    /// ([`mls_crypto::VerificationKey`]), with the same result.
    pub fn verify_signature<S, K>(
        &self,
        suite: &S,
        public_key: &K,
        context: Option<&GroupContext>,
    ) -> Result<EncodedTbs, FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        K: Verifier<S> + ?Sized,
    {
        let tbs = FramedContentTBS::new(self.wire_format, self.content, context)?.encode_kept(0)?;
        verify_tbs_signature(suite, public_key, tbs.as_bytes(), &self.auth.signature)?;
        Ok(tbs)
    }

    /// The encoded `ConfirmedTranscriptHashInput` (RFC 9420 §8.2):
    /// `wire_format`, `content` and `signature` of a commit.
    pub fn confirmed_transcript_hash_input(&self) -> Result<Vec<u8>, FramingError> {
        self.check_commit()?;
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

    /// The `confirmed_transcript_hash` after this commit (RFC 9420 §8.2),
    /// `Hash(interim_transcript_hash_before || ConfirmedTranscriptHashInput)`,
    /// hashed piece by piece. With `tbs`, the encoded FramedContentTBS of
    /// this very content (as [`AuthenticatedContent::sign_keeping_tbs`]
    /// and [`crate::PublicMessage::verify`] return it), the input's
    /// `wire_format || content` is hashed from it instead of being encoded
    /// again; a TBS of another content gives a wrong hash (checked only in
    /// debug builds).
    ///
    /// ```
    /// # use mls_test_support::framing::*;
    /// # use mls_crypto::{CipherSuiteProviderExt, CryptoProvider};
    /// # use mls_rustcrypto::RustCrypto;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let (key, _) = signer(&suite, 1);
    /// let gc = group_context(CipherSuite(1));
    /// let content = FramedContent {
    ///     group_id: gc.group_id.clone(),
    ///     epoch: gc.epoch,
    ///     sender: Sender::Member(LeafIndex(0)),
    ///     authenticated_data: vec![],
    ///     content: Content::Commit(Commit { proposals: vec![], path: None }),
    /// };
    /// let (ac, tbs) = AuthenticatedContent::sign_keeping_tbs(
    ///     &suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc),
    /// ).unwrap();
    /// let input = ac.confirmed_transcript_hash_input().unwrap();
    /// let expected = suite.hash(&[&b"interim"[..], &input].concat());
    /// assert_eq!(ac.view().confirmed_transcript_hash(&suite, b"interim", Some(&tbs)).unwrap(), expected);
    /// assert_eq!(ac.view().confirmed_transcript_hash(&suite, b"interim", None).unwrap(), expected);
    /// ```
    pub fn confirmed_transcript_hash<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        interim_before: &[u8],
        tbs: Option<&EncodedTbs>,
    ) -> Result<Vec<u8>, FramingError> {
        self.check_commit()?;
        let Some(tbs) = tbs else {
            let input = self.confirmed_transcript_hash_input()?;
            return Ok(confirmed_transcript_hash_of_parts(
                suite,
                interim_before,
                &[&input],
            ));
        };
        let head = tbs.wire_format_and_content();
        debug_assert!(
            self.confirmed_transcript_hash_input()
                .ok()
                .and_then(|input| input.get(..head.len()).map(|p| p == head))
                == Some(true),
            "the TBS is not of this content"
        );
        let signature = &self.auth.signature;
        let mut signature_len = Vec::with_capacity(varint_len(signature.len()));
        write_varint(signature.len(), &mut signature_len)?;
        Ok(confirmed_transcript_hash_of_parts(
            suite,
            interim_before,
            &[head, &signature_len, signature],
        ))
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

    fn check_commit(&self) -> Result<(), FramingError> {
        if self.content.content_type() == ContentType::Commit {
            Ok(())
        } else {
            Err(FramingError::NotACommit)
        }
    }
}

impl Encode for AuthenticatedContentRef<'_> {
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
