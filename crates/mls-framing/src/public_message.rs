//! `PublicMessage` and the membership tag (RFC 9420 §6.2).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Error, Reader};
use mls_crypto::{CipherSuiteProvider, SignaturePublicKey, Verifier};
use mls_types::GroupContext;
use subtle::ConstantTimeEq;

use crate::tbs::{check_context, verify_tbs_signature};
use crate::{
    check_sender_rules, AuthenticatedContent, AuthenticatedContentRef, EncodedTbs, FramedContent,
    FramedContentAuthData, FramedContentTBS, FramingError, Sender, WireFormat,
};

/// `struct PublicMessage` (RFC 9420 §6.2): a signed, unencrypted message;
/// `membership_tag` is present exactly when the sender is a `member`
/// (decoding follows the sender type, encoding checks it).
///
/// It decodes whatever content it carries, application data included;
/// [`PublicMessage::unprotect`] rejects what the RFC forbids.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let (key, public) = signer(&suite, 1);
/// let gc = group_context(CipherSuite(1));
/// let membership_key = [7u8; 32];
/// let content = FramedContent {
///     group_id: gc.group_id.clone(),
///     epoch: gc.epoch,
///     sender: Sender::Member(LeafIndex(1)),
///     authenticated_data: b"aad".to_vec(),
///     content: Content::Proposal(Proposal::Remove(Remove { removed: 0 })),
/// };
/// let ac = AuthenticatedContent::sign(&suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc)).unwrap();
/// let pm = PublicMessage::protect(&suite, ac.clone(), Some(&membership_key), Some(&gc)).unwrap();
/// let back = pm.unprotect(&suite, Some(&membership_key), Some(&gc), &public).unwrap();
/// assert_eq!(back, ac);
/// assert_eq!(
///     pm.unprotect(&suite, Some(&[8u8; 32]), Some(&gc), &public),
///     Err(FramingError::InvalidMembershipTag)
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicMessage {
    /// `FramedContent content`
    pub content: FramedContent,
    /// `FramedContentAuthData auth`
    pub auth: FramedContentAuthData,
    /// `MAC membership_tag` (member senders only).
    pub membership_tag: Option<Vec<u8>>,
}

impl Encode for PublicMessage {
    /// Fails with [`Error::InvalidValue`] if the confirmation tag or the
    /// membership tag is present when it must not be, or absent when it
    /// must be.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let member = matches!(self.content.sender, Sender::Member(_));
        if !self.auth.matches(self.content.content_type())
            || member != self.membership_tag.is_some()
        {
            return Err(Error::InvalidValue);
        }
        self.content.encode(out)?;
        self.auth.encode(out)?;
        match &self.membership_tag {
            Some(tag) => tag.encode(out),
            None => Ok(()),
        }
    }

    fn encoded_len(&self) -> usize {
        let tag = self.membership_tag.as_ref().map_or(0, Encode::encoded_len);
        self.content
            .encoded_len()
            .saturating_add(self.auth.encoded_len())
            .saturating_add(tag)
    }
}

impl Decode for PublicMessage {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode_for(content.content_type(), r)?;
        let membership_tag = match content.sender {
            Sender::Member(_) => Some(Vec::decode(r)?),
            _ => None,
        };
        Ok(PublicMessage {
            content,
            auth,
            membership_tag,
        })
    }
}

impl PublicMessage {
    /// Frames a signed `content` (wire format `mls_public_message`) as a
    /// PublicMessage, after checking the sender rules
    /// ([`check_sender_rules`]: application data is refused) and the
    /// confirmation tag. For a `member` sender the `membership_tag` is
    /// computed with `membership_key` and `context`, both required.
    pub fn protect<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        content: AuthenticatedContent,
        membership_key: Option<&[u8]>,
        context: Option<&GroupContext>,
    ) -> Result<Self, FramingError> {
        Self::protect_inner(suite, content, None, membership_key, context)
    }

    /// [`protect`](Self::protect) with the encoded FramedContentTBS that
    /// [`AuthenticatedContent::sign_keeping_tbs`] returned for `content`
    /// and `context`: the membership tag is computed over it rather than
    /// over the content encoded again. A TBS of another content or context
    /// gives a wrong tag (checked only in debug builds).
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
    ///     sender: Sender::Member(LeafIndex(1)),
    ///     authenticated_data: vec![],
    ///     content: Content::Proposal(Proposal::Remove(Remove { removed: 0 })),
    /// };
    /// let (ac, tbs) = AuthenticatedContent::sign_keeping_tbs(&suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc)).unwrap();
    /// let pm = PublicMessage::protect_with_tbs(&suite, ac.clone(), tbs, Some(&[7; 32]), Some(&gc)).unwrap();
    /// assert_eq!(pm, PublicMessage::protect(&suite, ac, Some(&[7; 32]), Some(&gc)).unwrap());
    /// ```
    pub fn protect_with_tbs<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        content: AuthenticatedContent,
        tbs: EncodedTbs,
        membership_key: Option<&[u8]>,
        context: Option<&GroupContext>,
    ) -> Result<Self, FramingError> {
        Self::protect_inner(suite, content, Some(tbs), membership_key, context)
    }

    fn protect_inner<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        content: AuthenticatedContent,
        tbs: Option<EncodedTbs>,
        membership_key: Option<&[u8]>,
        context: Option<&GroupContext>,
    ) -> Result<Self, FramingError> {
        expect_public(content.wire_format)?;
        check_sender_rules(content.wire_format, &content.content)?;
        content.check_confirmation_tag_presence()?;
        let membership_tag = match content.content.sender {
            Sender::Member(_) => {
                let key = membership_key.ok_or(FramingError::MissingMembershipTag)?;
                match tbs {
                    Some(mut tbs) => {
                        debug_assert!(
                            content.tbs_bytes(context).ok().as_deref() == Some(tbs.as_bytes()),
                            "the TBS is not of this content and context"
                        );
                        Some(tbs.membership_mac(suite, key, &content.auth)?)
                    }
                    None => Some(content.membership_tag(suite, key, context)?),
                }
            }
            _ => None,
        };
        Ok(PublicMessage {
            content: content.content,
            auth: content.auth,
            membership_tag,
        })
    }

    /// The AuthenticatedContent this message carries, not verified.
    pub fn into_authenticated_content(self) -> AuthenticatedContent {
        AuthenticatedContent {
            wire_format: WireFormat::PUBLIC_MESSAGE,
            content: self.content,
            auth: self.auth,
        }
    }

    /// The AuthenticatedContent this message carries, not verified.
    pub fn authenticated_content(&self) -> AuthenticatedContent {
        self.authenticated_content_ref().to_authenticated_content()
    }

    /// The AuthenticatedContent this message carries, borrowed, not verified.
    pub fn authenticated_content_ref(&self) -> AuthenticatedContentRef<'_> {
        AuthenticatedContentRef {
            wire_format: WireFormat::PUBLIC_MESSAGE,
            content: &self.content,
            auth: &self.auth,
        }
    }

    /// Verifies the `membership_tag` in constant time (RFC 9420 §6.2).
    /// Only for `member` senders ([`FramingError::UnexpectedMembershipTag`]
    /// otherwise).
    pub fn verify_membership_tag<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        membership_key: &[u8],
        context: &GroupContext,
    ) -> Result<(), FramingError> {
        let mut tbs =
            FramedContentTBS::new(WireFormat::PUBLIC_MESSAGE, &self.content, Some(context))?
                .encode_kept(self.auth.encoded_len())?;
        self.check_membership_tag(suite, membership_key, &mut tbs)
    }

    /// Verifies the `membership_tag` over `tbs` (this message's encoded
    /// FramedContentTBS) followed by the auth data.
    fn check_membership_tag<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        membership_key: &[u8],
        tbs: &mut EncodedTbs,
    ) -> Result<(), FramingError> {
        let got = match (&self.content.sender, &self.membership_tag) {
            (Sender::Member(_), Some(tag)) => tag,
            (Sender::Member(_), None) => return Err(FramingError::MissingMembershipTag),
            (_, _) => return Err(FramingError::UnexpectedMembershipTag),
        };
        self.auth.check_presence(self.content.content_type())?;
        let expected = tbs.membership_mac(suite, membership_key, &self.auth)?;
        if expected.len() == got.len() && bool::from(expected.as_slice().ct_eq(got)) {
            Ok(())
        } else {
            Err(FramingError::InvalidMembershipTag)
        }
    }

    /// Everything a receiver checks before using the content (RFC 9420
    /// §6.2): the sender rules ([`check_sender_rules`]: application data is
    /// refused), the confirmation tag's presence, for a member the group id
    /// and epoch against `context` and the membership tag, and the
    /// signature with the sender's `signature_key` (see
    /// [`crate::signature_key_for`]). `context` is required for `member`
    /// and `new_member_commit` senders, `membership_key` for members.
    ///
    /// The confirmation tag of a commit is only checked for presence: its
    /// value needs the new epoch's `confirmation_key`, which the group
    /// layer derives after applying the commit.
    pub fn unprotect<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        membership_key: Option<&[u8]>,
        context: Option<&GroupContext>,
        signature_key: &SignaturePublicKey,
    ) -> Result<AuthenticatedContent, FramingError> {
        self.verify(suite, membership_key, context, signature_key)?;
        Ok(self.authenticated_content())
    }

    /// The checks of [`unprotect`](Self::unprotect), without copying the
    /// content out: returns the encoded FramedContentTBS that was verified
    /// (for [`AuthenticatedContentRef::confirmed_transcript_hash`]); the
    /// content is [`authenticated_content_ref`](Self::authenticated_content_ref).
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
    ///     sender: Sender::Member(LeafIndex(1)),
    ///     authenticated_data: vec![],
    ///     content: Content::Proposal(Proposal::Remove(Remove { removed: 0 })),
    /// };
    /// let ac = AuthenticatedContent::sign(&suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc)).unwrap();
    /// let pm = PublicMessage::protect(&suite, ac.clone(), Some(&[7; 32]), Some(&gc)).unwrap();
    /// let tbs = pm.verify(&suite, Some(&[7; 32]), Some(&gc), &public).unwrap();
    /// assert_eq!(tbs.as_bytes(), ac.tbs_bytes(Some(&gc)).unwrap());
    /// assert_eq!(pm.authenticated_content_ref(), ac.view());
    /// ```
    pub fn verify<S, K>(
        &self,
        suite: &S,
        membership_key: Option<&[u8]>,
        context: Option<&GroupContext>,
        signature_key: &K,
    ) -> Result<EncodedTbs, FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        K: Verifier<S> + ?Sized,
    {
        self.verify_with(suite, Some(membership_key), context, signature_key)
    }

    /// Every check of [`verify`](Self::verify) but the membership tag,
    /// which needs the epoch's membership key: what a Delivery Service,
    /// which holds no epoch secret, can verify (RFC 9420 §6.2; RFC 9750
    /// §5). A member sender's message must still carry a tag.
    pub fn verify_without_membership_tag<S, K>(
        &self,
        suite: &S,
        context: Option<&GroupContext>,
        signature_key: &K,
    ) -> Result<EncodedTbs, FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        K: Verifier<S> + ?Sized,
    {
        self.verify_with(suite, None, context, signature_key)
    }

    /// `membership_key`: `None` to skip the membership tag check,
    /// `Some(None)` to require a key (a member sender's message fails).
    fn verify_with<S, K>(
        &self,
        suite: &S,
        membership_key: Option<Option<&[u8]>>,
        context: Option<&GroupContext>,
        signature_key: &K,
    ) -> Result<EncodedTbs, FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        K: Verifier<S> + ?Sized,
    {
        check_sender_rules(WireFormat::PUBLIC_MESSAGE, &self.content)?;
        self.auth.check_presence(self.content.content_type())?;
        if let Some(gc) = context {
            check_context(&self.content, gc)?;
        }
        // The content is encoded once, for the membership tag and the
        // signature (with room for the auth data the tag appends).
        let spare = self.auth.encoded_len();
        let tbs = if let Sender::Member(_) = self.content.sender {
            let gc = context.ok_or(FramingError::MissingGroupContext)?;
            let mut tbs =
                FramedContentTBS::new(WireFormat::PUBLIC_MESSAGE, &self.content, Some(gc))?
                    .encode_kept(spare)?;
            match membership_key {
                Some(key) => {
                    let key = key.ok_or(FramingError::MissingMembershipTag)?;
                    self.check_membership_tag(suite, key, &mut tbs)?;
                }
                None if self.membership_tag.is_none() => {
                    return Err(FramingError::MissingMembershipTag)
                }
                None => {}
            }
            tbs
        } else {
            FramedContentTBS::new(WireFormat::PUBLIC_MESSAGE, &self.content, context)?
                .encode_kept(spare)?
        };
        verify_tbs_signature(suite, signature_key, tbs.as_bytes(), &self.auth.signature)?;
        Ok(tbs)
    }
}

fn expect_public(got: WireFormat) -> Result<(), FramingError> {
    if got == WireFormat::PUBLIC_MESSAGE {
        Ok(())
    } else {
        Err(FramingError::WrongWireFormat {
            expected: WireFormat::PUBLIC_MESSAGE,
            got,
        })
    }
}
