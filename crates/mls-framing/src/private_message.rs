//! `PrivateMessage` (RFC 9420 §6.3): content encryption with the secret
//! tree and reuse guard (§6.3.1), sender data encryption (§6.3.2).

use alloc::vec::Vec;
use mls_codec::{decode_exact, Decode, Encode, Reader};
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt, Rng, Secret, Verifier};
use mls_keyschedule::{sender_data_key_nonce, KeyUndo, RatchetKey, RatchetType, SecretTree};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

use crate::tbs::check_context;
use crate::{
    check_sender_rules, AuthenticatedContent, Content, ContentType, FramedContent,
    FramedContentAuthData, FramingError, Padding, Sender, WireFormat,
};

/// `struct PrivateMessage` (RFC 9420 §6.3): an encrypted message.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let (key, public) = signer(&suite, 1);
/// let gc = group_context(CipherSuite(1));
/// let sender_data_secret = [5u8; 32];
/// let new_tree = || SecretTree::new(&suite, Secret::from(vec![9u8; 32]), 2, SecretTreeConfig::default()).unwrap();
/// let (mut alice, mut bob) = (new_tree(), new_tree());
///
/// let content = FramedContent {
///     group_id: gc.group_id.clone(),
///     epoch: gc.epoch,
///     sender: Sender::Member(LeafIndex(1)),
///     authenticated_data: vec![],
///     content: Content::Application(b"hello".to_vec()),
/// };
/// let ac = AuthenticatedContent::sign(&suite, &key, WireFormat::PRIVATE_MESSAGE, content, Some(&gc)).unwrap();
/// let pm = PrivateMessage::protect(&suite, &ac, &mut alice, &sender_data_secret, Padding::PadTo(64), &mut TestRng::new(3)).unwrap();
/// let back = pm.unprotect(&suite, &mut bob, &sender_data_secret, &gc, |_leaf| Some(public.clone())).unwrap();
/// assert_eq!(back, ac);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct PrivateMessage {
    /// `opaque group_id<V>`
    pub group_id: Vec<u8>,
    /// `uint64 epoch`
    pub epoch: u64,
    /// `ContentType content_type`
    pub content_type: ContentType,
    /// `opaque authenticated_data<V>`
    pub authenticated_data: Vec<u8>,
    /// `opaque encrypted_sender_data<V>`
    pub encrypted_sender_data: Vec<u8>,
    /// `opaque ciphertext<V>`
    pub ciphertext: Vec<u8>,
}

/// `struct SenderData` (RFC 9420 §6.3.2): who sent a PrivateMessage and
/// with which key.
///
/// ```
/// use mls_codec::Encode;
/// use mls_framing::SenderData;
/// use mls_types::tree_math::LeafIndex;
/// let sd = SenderData { leaf_index: LeafIndex(1), generation: 2, reuse_guard: [9; 4] };
/// assert_eq!(sd.to_bytes().unwrap(), [0, 0, 0, 1, 0, 0, 0, 2, 9, 9, 9, 9]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Encode, Decode)]
pub struct SenderData {
    /// `uint32 leaf_index`
    pub leaf_index: LeafIndex,
    /// `uint32 generation`
    pub generation: u32,
    /// `opaque reuse_guard[4]`
    pub reuse_guard: [u8; 4],
}

/// `struct PrivateContentAAD` (RFC 9420 §6.3.1).
#[derive(Debug, Clone, Copy, Encode)]
pub struct PrivateContentAAD<'a> {
    /// `opaque group_id<V>`
    pub group_id: &'a [u8],
    /// `uint64 epoch`
    pub epoch: u64,
    /// `ContentType content_type`
    pub content_type: ContentType,
    /// `opaque authenticated_data<V>`
    pub authenticated_data: &'a [u8],
}

/// `struct SenderDataAAD` (RFC 9420 §6.3.2).
#[derive(Debug, Clone, Copy, Encode)]
pub struct SenderDataAAD<'a> {
    /// `opaque group_id<V>`
    pub group_id: &'a [u8],
    /// `uint64 epoch`
    pub epoch: u64,
    /// `ContentType content_type`
    pub content_type: ContentType,
}

/// `struct PrivateMessageContent` (RFC 9420 §6.3.1): the plaintext of a
/// PrivateMessage — the content body, the auth data and `padding` zero bytes.
///
/// ```
/// use mls_framing::{Content, ContentType, FramedContentAuthData, FramingError, PrivateMessageContent};
/// let pmc = PrivateMessageContent {
///     content: Content::Application(b"hi".to_vec()),
///     auth: FramedContentAuthData { signature: vec![7], confirmation_tag: None },
///     padding: 3,
/// };
/// let mut plaintext = pmc.to_plaintext().unwrap();
/// assert_eq!(plaintext, [2, b'h', b'i', 1, 7, 0, 0, 0]);
/// assert_eq!(PrivateMessageContent::from_plaintext(ContentType::Application, &plaintext).unwrap(), pmc);
/// plaintext[7] = 1;
/// assert_eq!(
///     PrivateMessageContent::from_plaintext(ContentType::Application, &plaintext),
///     Err(FramingError::NonZeroPadding)
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateMessageContent {
    /// The content (its type travels in the PrivateMessage).
    pub content: Content,
    /// `FramedContentAuthData auth`
    pub auth: FramedContentAuthData,
    /// The number of zero bytes of `opaque padding[length_of_padding]`.
    pub padding: usize,
}

impl PrivateMessageContent {
    /// The plaintext bytes.
    pub fn to_plaintext(&self) -> Result<Vec<u8>, FramingError> {
        if !self.auth.matches(self.content.content_type()) {
            return Err(FramingError::MissingConfirmationTag);
        }
        let unpadded = self
            .content
            .body_encoded_len()
            .saturating_add(self.auth.encoded_len());
        let total = unpadded
            .checked_add(self.padding)
            .ok_or(FramingError::PaddingTooLarge)?;
        let mut out = Vec::new();
        out.try_reserve_exact(total)
            .map_err(|_| FramingError::PaddingTooLarge)?;
        self.content.encode_body(&mut out)?;
        self.auth.encode(&mut out)?;
        out.resize(total, 0);
        Ok(out)
    }

    /// Parses a plaintext of `content_type`: the content, the auth data,
    /// then padding that must be all zero ([`FramingError::NonZeroPadding`]).
    pub fn from_plaintext(
        content_type: ContentType,
        plaintext: &[u8],
    ) -> Result<Self, FramingError> {
        let mut r = Reader::new(plaintext);
        let content = Content::decode_body(content_type, &mut r)?;
        let auth = FramedContentAuthData::decode_for(content_type, &mut r)?;
        let rest = r.rest();
        // Constant time in the padding's contents.
        if rest.iter().fold(0u8, |acc, b| acc | b) != 0 {
            return Err(FramingError::NonZeroPadding);
        }
        crate::DecodeLimits::DEFAULT.check_content(&content)?;
        Ok(PrivateMessageContent {
            content,
            auth,
            padding: rest.len(),
        })
    }
}

/// The ratchet of a content type (RFC 9420 §9): application data or handshake.
fn ratchet_of(content_type: ContentType) -> RatchetType {
    match content_type {
        ContentType::Application => RatchetType::Application,
        ContentType::Proposal | ContentType::Commit => RatchetType::Handshake,
    }
}

/// The ratchet nonce with its first four bytes XORed with `reuse_guard`
/// (RFC 9420 §6.3.1).
///
/// ```
/// use mls_framing::apply_reuse_guard;
/// let nonce = apply_reuse_guard(&[0xff; 12], [1, 2, 3, 4]);
/// assert_eq!(nonce.as_bytes(), &[0xfe, 0xfd, 0xfc, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/// ```
pub fn apply_reuse_guard(nonce: &[u8], reuse_guard: [u8; 4]) -> Secret {
    let mut out = Secret::from(nonce);
    for (b, g) in out.as_mut_bytes().iter_mut().zip(reuse_guard) {
        *b ^= g;
    }
    out
}

impl PrivateMessage {
    /// Encrypts a signed `content` (wire format `mls_private_message`, a
    /// `member` sender) with the next key of the sender's ratchet in
    /// `secret_tree` (RFC 9420 §6.3.1): a fresh random reuse guard is XORed
    /// into the nonce, `padding` zero bytes are appended, and the sender
    /// data is encrypted under `sender_data_secret` (§6.3.2).
    pub fn protect<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        content: &AuthenticatedContent,
        secret_tree: &mut SecretTree,
        sender_data_secret: &[u8],
        padding: Padding,
        rng: &mut dyn Rng,
    ) -> Result<Self, FramingError> {
        if content.wire_format != WireFormat::PRIVATE_MESSAGE {
            return Err(FramingError::WrongWireFormat {
                expected: WireFormat::PRIVATE_MESSAGE,
                got: content.wire_format,
            });
        }
        let fc = &content.content;
        check_sender_rules(content.wire_format, fc)?;
        content.check_confirmation_tag_presence()?;
        let Sender::Member(leaf) = fc.sender else {
            return Err(FramingError::SenderCannotUseWireFormat {
                sender_type: fc.sender.sender_type(),
                wire_format: content.wire_format,
            });
        };
        let content_type = fc.content_type();
        let unpadded = fc
            .content
            .body_encoded_len()
            .saturating_add(content.auth.encoded_len());
        let plaintext = PrivateMessageContent {
            content: fc.content.clone(),
            auth: content.auth.clone(),
            padding: padding.padding_len(unpadded),
        }
        .to_plaintext()?;
        let aad = PrivateContentAAD {
            group_id: &fc.group_id,
            epoch: fc.epoch,
            content_type,
            authenticated_data: &fc.authenticated_data,
        }
        .to_bytes()?;

        let mut reuse_guard = [0u8; 4];
        rng.fill_bytes(&mut reuse_guard)?;
        let key = secret_tree.next_key(suite, leaf, ratchet_of(content_type))?;
        let nonce = apply_reuse_guard(key.nonce.as_bytes(), reuse_guard);
        let ciphertext = suite.aead_seal(key.key.as_bytes(), nonce.as_bytes(), &aad, &plaintext)?;

        let sender_data = SenderData {
            leaf_index: leaf,
            generation: key.generation,
            reuse_guard,
        }
        .to_bytes()?;
        let sd_aad = SenderDataAAD {
            group_id: &fc.group_id,
            epoch: fc.epoch,
            content_type,
        }
        .to_bytes()?;
        let kn = sender_data_key_nonce(suite, sender_data_secret, &ciphertext)?;
        let encrypted_sender_data = suite.aead_seal(
            kn.key.as_bytes(),
            kn.nonce.as_bytes(),
            &sd_aad,
            &sender_data,
        )?;
        Ok(PrivateMessage {
            group_id: fc.group_id.clone(),
            epoch: fc.epoch,
            content_type,
            authenticated_data: fc.authenticated_data.clone(),
            encrypted_sender_data,
            ciphertext,
        })
    }

    /// Decrypts the SenderData (RFC 9420 §6.3.2). The caller must check
    /// that `leaf_index` names a non-blank leaf ([`unprotect`](Self::unprotect) does).
    pub fn decrypt_sender_data<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        sender_data_secret: &[u8],
    ) -> Result<SenderData, FramingError> {
        let kn = sender_data_key_nonce(suite, sender_data_secret, &self.ciphertext)?;
        let aad = SenderDataAAD {
            group_id: &self.group_id,
            epoch: self.epoch,
            content_type: self.content_type,
        }
        .to_bytes()?;
        let plain = suite
            .aead_open(
                kn.key.as_bytes(),
                kn.nonce.as_bytes(),
                &aad,
                &self.encrypted_sender_data,
            )
            .map_err(|_| FramingError::SenderDataDecryptionFailed)?;
        Ok(decode_exact(&plain)?)
    }

    /// Decrypts and parses the content with `key` (the ratchet key of
    /// `sender_data`), checking the padding. Does not verify the signature.
    pub fn open_content<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        sender_data: &SenderData,
        key: &RatchetKey,
    ) -> Result<AuthenticatedContent, FramingError> {
        let aad = PrivateContentAAD {
            group_id: &self.group_id,
            epoch: self.epoch,
            content_type: self.content_type,
            authenticated_data: &self.authenticated_data,
        }
        .to_bytes()?;
        let nonce = apply_reuse_guard(key.nonce.as_bytes(), sender_data.reuse_guard);
        let plaintext = suite
            .aead_open(key.key.as_bytes(), nonce.as_bytes(), &aad, &self.ciphertext)
            .map_err(|_| FramingError::ContentDecryptionFailed)?;
        let pmc = PrivateMessageContent::from_plaintext(self.content_type, &plaintext)?;
        Ok(AuthenticatedContent {
            wire_format: WireFormat::PRIVATE_MESSAGE,
            content: FramedContent {
                group_id: self.group_id.clone(),
                epoch: self.epoch,
                sender: Sender::Member(sender_data.leaf_index),
                authenticated_data: self.authenticated_data.clone(),
                content: pmc.content,
            },
            auth: pmc.auth,
        })
    }

    /// Everything a receiver does (RFC 9420 §6.3): checks the group id and
    /// epoch against `context`, decrypts the sender data, looks the
    /// sender's signature key up with `signature_key_of` (a [`mls_crypto::SignaturePublicKey`] or a
    /// prepared [`mls_crypto::VerificationKey`]; `None` for a
    /// blank or unknown leaf: [`FramingError::UnknownSender`]), takes the
    /// key of the sender's generation from `secret_tree`, decrypts, checks
    /// the padding and verifies the signature. The ratchet key is consumed
    /// only if all of that succeeds ([`SecretTree::open_with`]).
    pub fn unprotect<S, F, K>(
        &self,
        suite: &S,
        secret_tree: &mut SecretTree,
        sender_data_secret: &[u8],
        context: &GroupContext,
        signature_key_of: F,
    ) -> Result<AuthenticatedContent, FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        F: FnOnce(LeafIndex) -> Option<K>,
        K: Verifier<S>,
    {
        self.unprotect_staged(
            suite,
            secret_tree,
            sender_data_secret,
            context,
            signature_key_of,
        )
        .map(|(ac, _undo)| ac)
    }

    /// [`PrivateMessage::unprotect`], also returning the [`KeyUndo`] that
    /// restores the consumed key ([`SecretTree::undo`]) if the caller's
    /// further validation of the content (a commit's, say) fails.
    pub fn unprotect_staged<S, F, K>(
        &self,
        suite: &S,
        secret_tree: &mut SecretTree,
        sender_data_secret: &[u8],
        context: &GroupContext,
        signature_key_of: F,
    ) -> Result<(AuthenticatedContent, KeyUndo), FramingError>
    where
        S: CipherSuiteProvider + ?Sized,
        F: FnOnce(LeafIndex) -> Option<K>,
        K: Verifier<S>,
    {
        if self.group_id != context.group_id {
            return Err(FramingError::GroupIdMismatch);
        }
        if self.epoch != context.epoch {
            return Err(FramingError::EpochMismatch {
                expected: context.epoch,
                got: self.epoch,
            });
        }
        let sender_data = self.decrypt_sender_data(suite, sender_data_secret)?;
        let public_key = signature_key_of(sender_data.leaf_index)
            .ok_or(FramingError::UnknownSender(sender_data.leaf_index.0))?;
        secret_tree.open_staged(
            suite,
            sender_data.leaf_index,
            ratchet_of(self.content_type),
            sender_data.generation,
            |key| {
                let ac = self.open_content(suite, &sender_data, key)?;
                check_sender_rules(WireFormat::PRIVATE_MESSAGE, &ac.content)?;
                check_context(&ac.content, context)?;
                ac.verify_signature(suite, &public_key, Some(context))?;
                Ok(ac)
            },
        )
    }
}
