//! Which sender may send what, in which wire format (RFC 9420 §6, §6.1,
//! §6.3.2, §12.1.8).

use mls_crypto::SignaturePublicKey;
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

use crate::{
    find_extension, Content, ExternalSenders, FramedContent, FramingError, Proposal, Sender,
    WireFormat,
};

/// Checks the framing rules for `content` sent as `wire_format`, in this
/// order (the first broken rule is reported):
///
/// * only PublicMessage and PrivateMessage carry content;
/// * what the sender type may send (as [`signature_key_for`] checks first):
///   * `member`: anything, including custom proposals;
///   * `external`: proposals only, of a type allowed for external senders
///     (§6.1, §12.1.8); custom proposal types are refused, as the RFC's
///     "Ext" column does not list them (see [`Proposal::allowed_for_external_sender`]);
///   * `new_member_proposal`: Add proposals only (§6.1);
///   * `new_member_commit`: commits only (§6.1);
/// * application data only in a PrivateMessage (§6);
/// * a PrivateMessage only from a `member` (§6.3.2; non-members have no
///   keys, §12.1.8).
///
/// ```
/// use mls_framing::{check_sender_rules, Content, FramedContent, FramingError, Sender, WireFormat};
/// let fc = FramedContent {
///     group_id: vec![], epoch: 0, sender: Sender::External(0),
///     authenticated_data: vec![], content: Content::Application(vec![]),
/// };
/// assert!(check_sender_rules(WireFormat::PUBLIC_MESSAGE, &fc).is_err());
/// ```
pub fn check_sender_rules(
    wire_format: WireFormat,
    content: &FramedContent,
) -> Result<(), FramingError> {
    let public = match wire_format {
        WireFormat::PUBLIC_MESSAGE => true,
        WireFormat::PRIVATE_MESSAGE => false,
        got => {
            return Err(FramingError::WrongWireFormat {
                expected: WireFormat::PUBLIC_MESSAGE,
                got,
            })
        }
    };
    check_sender_content(content)?;
    if public && matches!(content.content, Content::Application(_)) {
        return Err(FramingError::ApplicationInPublicMessage);
    }
    if !public && !matches!(content.sender, Sender::Member(_)) {
        return Err(FramingError::SenderCannotUseWireFormat {
            sender_type: content.sender.sender_type(),
            wire_format,
        });
    }
    Ok(())
}

/// What each sender type may send, whatever the wire format (RFC 9420
/// §6.1, §12.1.8): the sender rules of [`check_sender_rules`].
fn check_sender_content(content: &FramedContent) -> Result<(), FramingError> {
    match (&content.sender, &content.content) {
        (Sender::Member(_), _) => Ok(()),
        (Sender::External(_), Content::Proposal(p)) => {
            if p.allowed_for_external_sender() {
                Ok(())
            } else {
                Err(FramingError::ProposalNotAllowedForExternalSender(
                    p.proposal_type(),
                ))
            }
        }
        (Sender::NewMemberProposal, Content::Proposal(Proposal::Add(_))) => Ok(()),
        (Sender::NewMemberProposal, Content::Proposal(p)) => {
            Err(FramingError::NewMemberProposalNotAdd(p.proposal_type()))
        }
        (Sender::NewMemberCommit, Content::Commit(_)) => Ok(()),
        _ => Err(FramingError::SenderCannotSend {
            sender_type: content.sender.sender_type(),
            content_type: content.content_type(),
        }),
    }
}

/// The signature key a non-member sender carries in its own content
/// (RFC 9420 §6.1): the LeafNode of a `new_member_commit`'s path, or of
/// the KeyPackage in a `new_member_proposal`'s Add. `None` for `member` and
/// `external` senders (whose keys come from the tree and the
/// `external_senders` extension) and for content without such a leaf.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let (_, _, kp) = key_package(&suite, 1);
/// let key = kp.leaf_node.signature_key.clone();
/// let content = FramedContent {
///     group_id: b"group".to_vec(),
///     epoch: 3,
///     sender: Sender::NewMemberProposal,
///     authenticated_data: vec![],
///     content: Content::Proposal(Proposal::Add(Add { key_package: kp })),
/// };
/// assert_eq!(embedded_signature_key(&content), Some(&key));
/// ```
pub fn embedded_signature_key(content: &FramedContent) -> Option<&SignaturePublicKey> {
    match (&content.sender, &content.content) {
        (Sender::NewMemberCommit, Content::Commit(c)) => {
            c.path.as_ref().map(|p| &p.leaf_node.signature_key)
        }
        (Sender::NewMemberProposal, Content::Proposal(Proposal::Add(add))) => {
            Some(&add.key_package.leaf_node.signature_key)
        }
        _ => None,
    }
}

/// The key to verify `content`'s signature with (RFC 9420 §6.1), by sender
/// type, after checking what the sender type may send (the sender rules of
/// [`check_sender_rules`] that do not depend on the wire format), so that
/// content a sender type may not send gets that rule's error
/// ([`FramingError::SenderCannotSend`],
/// [`FramingError::ProposalNotAllowedForExternalSender`],
/// [`FramingError::NewMemberProposalNotAdd`]) rather than a missing key:
///
/// * `member`: `member_key(leaf_index)`, the signature key of that leaf in
///   the tree (`None` for a blank or missing leaf:
///   [`FramingError::UnknownSender`]);
/// * `external`: entry `sender_index` of the `external_senders` extension
///   of `context` ([`FramingError::MissingGroupContext`] without one,
///   [`FramingError::UnknownExternalSender`] if not listed);
/// * `new_member_proposal`, `new_member_commit`: the key in the content
///   itself ([`embedded_signature_key`]; [`FramingError::NoEmbeddedSignatureKey`]
///   for a commit without a path).
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// use mls_types::Credential;
/// let mut gc = group_context(CipherSuite(1));
/// let ds_key = SignaturePublicKey(vec![1; 32]);
/// let senders = ExternalSenders(vec![ExternalSender {
///     signature_key: ds_key.clone(),
///     credential: Credential::Basic(b"ds".to_vec()),
/// }]);
/// gc.extensions.push(senders.to_extension().unwrap());
/// let mut content = FramedContent {
///     group_id: gc.group_id.clone(),
///     epoch: gc.epoch,
///     sender: Sender::External(0),
///     authenticated_data: vec![],
///     content: Content::Proposal(Proposal::Remove(Remove { removed: 1 })),
/// };
/// let no_members = |_: LeafIndex| None;
/// assert_eq!(signature_key_for(&content, Some(&gc), no_members), Ok(ds_key));
/// content.sender = Sender::External(1);
/// assert_eq!(signature_key_for(&content, Some(&gc), no_members), Err(FramingError::UnknownExternalSender(1)));
/// content.sender = Sender::Member(LeafIndex(4));
/// assert_eq!(signature_key_for(&content, Some(&gc), no_members), Err(FramingError::UnknownSender(4)));
/// // A new_member_proposal sender may only send Add proposals.
/// content.sender = Sender::NewMemberProposal;
/// let remove = mls_types::ProposalType::REMOVE;
/// assert_eq!(signature_key_for(&content, Some(&gc), no_members), Err(FramingError::NewMemberProposalNotAdd(remove)));
/// ```
pub fn signature_key_for<F>(
    content: &FramedContent,
    context: Option<&GroupContext>,
    member_key: F,
) -> Result<SignaturePublicKey, FramingError>
where
    F: FnOnce(LeafIndex) -> Option<SignaturePublicKey>,
{
    check_sender_content(content)?;
    match content.sender {
        Sender::Member(leaf) => member_key(leaf).ok_or(FramingError::UnknownSender(leaf.0)),
        Sender::External(index) => {
            let gc = context.ok_or(FramingError::MissingGroupContext)?;
            find_extension::<ExternalSenders>(&gc.extensions)?
                .as_ref()
                .and_then(|senders| senders.signature_key(index))
                .cloned()
                .ok_or(FramingError::UnknownExternalSender(index))
        }
        Sender::NewMemberProposal | Sender::NewMemberCommit => embedded_signature_key(content)
            .cloned()
            .ok_or(FramingError::NoEmbeddedSignatureKey),
    }
}
