//! Signing and protecting what a member sends (RFC 9420 §6.1–§6.3): shared
//! by application messages, proposals and commits.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, Rng};
use mls_framing::{
    AuthenticatedContent, Content, DecodeLimits, EncodedTbs, FramedContent, MlsMessage, Padding,
    PrivateMessage, PublicMessage, Sender, WireFormat,
};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

use crate::epoch::EpochState;
use crate::{Group, GroupError, HandshakeFormat};

/// The wire format of a handshake message sent with `format`.
pub(crate) fn handshake_wire_format(format: HandshakeFormat) -> WireFormat {
    match format {
        HandshakeFormat::Public => WireFormat::PUBLIC_MESSAGE,
        HandshakeFormat::Private => WireFormat::PRIVATE_MESSAGE,
    }
}

/// `content` framed and signed by the member at `me` in the epoch of
/// `context`, with the signed FramedContentTBS kept (for the transcript
/// hash and membership tag of a commit).
pub(crate) fn sign_as_member<S: CipherSuiteProvider>(
    suite: &S,
    signer: &S::SigningKey,
    context: &GroupContext,
    me: LeafIndex,
    wire_format: WireFormat,
    content: Content,
    authenticated_data: Vec<u8>,
) -> Result<(AuthenticatedContent, EncodedTbs), GroupError> {
    let fc = FramedContent {
        group_id: context.group_id.clone(),
        epoch: context.epoch,
        sender: Sender::Member(me),
        authenticated_data,
        content,
    };
    Ok(AuthenticatedContent::sign_keeping_tbs(
        suite,
        signer,
        wire_format,
        fc,
        Some(context),
    )?)
}

/// Signed content protected as a PublicMessage (with the membership tag,
/// over `tbs` if kept) or a PrivateMessage (with the epoch's next key) of
/// the epoch of `context`.
pub(crate) fn protect<S: CipherSuiteProvider>(
    suite: &S,
    context: &GroupContext,
    epoch: &mut EpochState,
    padding: Padding,
    (ac, tbs): (AuthenticatedContent, Option<EncodedTbs>),
    rng: &mut dyn Rng,
) -> Result<MlsMessage, GroupError> {
    check_outgoing(&ac, padding)?;
    if ac.wire_format == WireFormat::PRIVATE_MESSAGE {
        let pm = PrivateMessage::protect(
            suite,
            &ac,
            &mut epoch.secret_tree,
            epoch.secrets.sender_data_secret().as_bytes(),
            padding,
            rng,
        )?;
        return Ok(MlsMessage::from(pm));
    }
    let key = Some(epoch.secrets.membership_key().as_bytes());
    let pm = match tbs {
        Some(tbs) => PublicMessage::protect_with_tbs(suite, ac, tbs, key, Some(context))?,
        None => PublicMessage::protect(suite, ac, key, Some(context))?,
    };
    Ok(MlsMessage::from(pm))
}

/// What a receiver's default limits ([`DecodeLimits::DEFAULT`]) would refuse
/// is refused before anything is sent or a key consumed: the counts of a
/// proposal or commit, and the size of the message, over-estimated by the
/// framing around the content (headers, sender data, AEAD tags, the
/// membership tag).
fn check_outgoing(ac: &AuthenticatedContent, padding: Padding) -> Result<(), GroupError> {
    let limits = DecodeLimits::DEFAULT;
    limits.check_content(&ac.content.content)?;
    let content = ac
        .content
        .encoded_len()
        .saturating_add(ac.auth.encoded_len());
    let size = content
        .saturating_add(padding.padding_len(content))
        .saturating_add(FRAMING_OVERHEAD);
    limits.check_message_size(size)?;
    Ok(())
}

/// More than the bytes a Public- or PrivateMessage adds to its content and
/// auth data: version, wire format, the PrivateMessage header fields, the
/// encrypted sender data (leaf index, generation, reuse guard, AEAD tag),
/// the content's AEAD tag, a MAC-sized membership tag, length prefixes.
const FRAMING_OVERHEAD: usize = 256;

impl<S: CipherSuiteProvider> Group<S> {
    /// Frames and signs `content` as this member in the current epoch.
    pub(crate) fn sign_content(
        &self,
        wire_format: WireFormat,
        content: Content,
        authenticated_data: Vec<u8>,
    ) -> Result<(AuthenticatedContent, EncodedTbs), GroupError> {
        sign_as_member(
            &self.public.suite,
            &self.signer,
            &self.public.context,
            self.own_leaf(),
            wire_format,
            content,
            authenticated_data,
        )
    }

    /// Protects content signed by [`sign_content`](Self::sign_content).
    pub(crate) fn protect_content(
        &mut self,
        signed: (AuthenticatedContent, EncodedTbs),
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, GroupError> {
        let (ac, tbs) = signed;
        protect(
            &self.public.suite,
            &self.public.context,
            &mut self.epoch,
            self.config.padding,
            (ac, Some(tbs)),
            rng,
        )
    }
}
