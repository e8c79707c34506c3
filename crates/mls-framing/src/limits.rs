//! Resource limits on received messages (RFC 9420 leaves them to the
//! application).
//!
//! Every maximum `mls-framing` enforces on hostile input is here, as a
//! constant with its default and as a field of [`DecodeLimits`]:
//!
//! | limit | default | error |
//! |---|---|---|
//! | encoded `MLSMessage` size | [`MAX_MESSAGE_SIZE`] = 16 MiB | [`Limit::MessageSize`] |
//! | proposals in a Commit (by value or reference) | [`MAX_PROPOSALS_PER_COMMIT`] = 16,384 | [`Limit::ProposalsPerCommit`]; beyond the constant already while decoding ([`mls_codec::Error::TooManyElements`]) |
//! | extensions in one list (GroupContext, GroupInfo, KeyPackage, LeafNode, ReInit, GroupContextExtensions) | [`MAX_EXTENSIONS`] = 64 | [`Limit::Extensions`] |
//! | encrypted group secrets in a Welcome | [`MAX_WELCOME_SECRETS`] = 16,384 | [`Limit::WelcomeSecrets`] |
//! | PSK ids in GroupSecrets | [`MAX_PSKS`] = 256 | [`Limit::Psks`] |
//! | nodes in an UpdatePath | [`MAX_UPDATE_PATH_NODES`] = 32 | [`Limit::UpdatePathNodes`] |
//!
//! Elsewhere: the leaves of a received ratchet tree
//! ([`mls_treekem::limits::MAX_TREE_LEAVES`]) and the secret tree's
//! forward ratchet distance and retained keys
//! ([`mls_keyschedule::SecretTreeConfig`], default 1000 and 32).
//!
//! [`MlsMessage::from_bytes`](crate::MlsMessage::from_bytes),
//! [`PrivateMessageContent::from_plaintext`](crate::PrivateMessageContent::from_plaintext),
//! [`Welcome::decrypt_group_info`](crate::Welcome::decrypt_group_info) and
//! [`EncryptedGroupSecrets::decrypt`](crate::EncryptedGroupSecrets::decrypt)
//! apply [`DecodeLimits::DEFAULT`];
//! [`MlsMessage::from_bytes_with_limits`](crate::MlsMessage::from_bytes_with_limits)
//! takes others. Decoding allocates at most a small multiple of the input
//! (see `mls_codec`), so the size limit also bounds memory; the count
//! limits bound the work later stages do per message.

use mls_treekem::{LeafNode, UpdatePath};
use mls_types::Extension;

use crate::{
    Commit, Content, FramingError, GroupInfo, GroupSecrets, KeyPackage, MlsMessage, MlsMessageBody,
    Proposal, ProposalOrRef, Welcome,
};

/// The default largest encoded `MLSMessage`: 16 MiB, room for a GroupInfo
/// carrying the ratchet tree of a group of some 50,000 members.
pub const MAX_MESSAGE_SIZE: usize = 16 << 20;
/// The default (and, while decoding, absolute) most proposals in a Commit.
pub const MAX_PROPOSALS_PER_COMMIT: usize = 1 << 14;
/// The default most extensions in one extension list.
pub const MAX_EXTENSIONS: usize = 64;
/// The default most `EncryptedGroupSecrets` in a Welcome.
pub const MAX_WELCOME_SECRETS: usize = 1 << 14;
/// The default most PSK ids in GroupSecrets.
pub const MAX_PSKS: usize = 256;
/// The default most nodes in an UpdatePath: a tree of 2^30 leaves (the
/// most `mls-treekem` builds) has a direct path of 30 nodes.
pub const MAX_UPDATE_PATH_NODES: usize = 32;

/// Which limit of [`DecodeLimits`] a message exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`DecodeLimits::max_message_size`]
    MessageSize,
    /// [`DecodeLimits::max_proposals_per_commit`]
    ProposalsPerCommit,
    /// [`DecodeLimits::max_extensions`]
    Extensions,
    /// [`DecodeLimits::max_welcome_secrets`]
    WelcomeSecrets,
    /// [`DecodeLimits::max_psks`]
    Psks,
    /// [`DecodeLimits::max_update_path_nodes`]
    UpdatePathNodes,
}

/// The maximums checked on a received message; see the [module](self)
/// documentation for the defaults.
///
/// ```
/// use mls_framing::{DecodeLimits, FramingError, Limit, MlsMessage, Welcome};
/// use mls_codec::Encode;
/// let welcome = MlsMessage::from(Welcome {
///     cipher_suite: mls_crypto::CipherSuite(1),
///     secrets: vec![],
///     encrypted_group_info: vec![0; 100],
/// });
/// let bytes = welcome.to_bytes().unwrap();
/// assert!(MlsMessage::from_bytes(&bytes).is_ok());
/// let tight = DecodeLimits { max_message_size: 64, ..DecodeLimits::DEFAULT };
/// assert_eq!(
///     MlsMessage::from_bytes_with_limits(&bytes, &tight),
///     Err(FramingError::LimitExceeded { limit: Limit::MessageSize, actual: bytes.len(), max: 64 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeLimits {
    /// The largest encoded `MLSMessage`, in bytes.
    pub max_message_size: usize,
    /// The most proposals in a Commit. Values above
    /// [`MAX_PROPOSALS_PER_COMMIT`] have no effect: decoding stops there.
    pub max_proposals_per_commit: usize,
    /// The most extensions in one extension list.
    pub max_extensions: usize,
    /// The most `EncryptedGroupSecrets` in a Welcome.
    pub max_welcome_secrets: usize,
    /// The most PSK ids in GroupSecrets.
    pub max_psks: usize,
    /// The most nodes in an UpdatePath.
    pub max_update_path_nodes: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

fn check(limit: Limit, actual: usize, max: usize) -> Result<(), FramingError> {
    if actual > max {
        Err(FramingError::LimitExceeded { limit, actual, max })
    } else {
        Ok(())
    }
}

impl DecodeLimits {
    /// The defaults, the constants of this module.
    pub const DEFAULT: Self = DecodeLimits {
        max_message_size: MAX_MESSAGE_SIZE,
        max_proposals_per_commit: MAX_PROPOSALS_PER_COMMIT,
        max_extensions: MAX_EXTENSIONS,
        max_welcome_secrets: MAX_WELCOME_SECRETS,
        max_psks: MAX_PSKS,
        max_update_path_nodes: MAX_UPDATE_PATH_NODES,
    };

    /// The encoded size of a message, before decoding it.
    pub fn check_message_size(&self, len: usize) -> Result<(), FramingError> {
        check(Limit::MessageSize, len, self.max_message_size)
    }

    /// Every count limit on a decoded message.
    pub fn check_message(&self, msg: &MlsMessage) -> Result<(), FramingError> {
        match &msg.body {
            MlsMessageBody::PublicMessage(pm) => self.check_content(&pm.content.content),
            // The content is checked when decrypted (from_plaintext).
            MlsMessageBody::PrivateMessage(_) => Ok(()),
            MlsMessageBody::Welcome(w) => self.check_welcome(w),
            MlsMessageBody::GroupInfo(gi) => self.check_group_info(gi),
            MlsMessageBody::KeyPackage(kp) => self.check_key_package(kp),
        }
    }

    /// A proposal or commit content (application data has no limit but the
    /// message size).
    pub fn check_content(&self, content: &Content) -> Result<(), FramingError> {
        match content {
            Content::Application(_) => Ok(()),
            Content::Proposal(p) => self.check_proposal(p),
            Content::Commit(c) => self.check_commit(c),
        }
    }

    fn check_extensions(&self, extensions: &[Extension]) -> Result<(), FramingError> {
        check(Limit::Extensions, extensions.len(), self.max_extensions)
    }

    fn check_leaf_node(&self, leaf: &LeafNode) -> Result<(), FramingError> {
        self.check_extensions(&leaf.extensions)
    }

    /// A Commit: its proposal count, each proposal and its UpdatePath.
    pub fn check_commit(&self, commit: &Commit) -> Result<(), FramingError> {
        check(
            Limit::ProposalsPerCommit,
            commit.proposals.len(),
            self.max_proposals_per_commit,
        )?;
        for p in &commit.proposals {
            if let ProposalOrRef::Proposal(p) = p {
                self.check_proposal(p)?;
            }
        }
        if let Some(path) = &commit.path {
            self.check_update_path(path)?;
        }
        Ok(())
    }

    fn check_update_path(&self, path: &UpdatePath) -> Result<(), FramingError> {
        check(
            Limit::UpdatePathNodes,
            path.nodes.len(),
            self.max_update_path_nodes,
        )?;
        self.check_leaf_node(&path.leaf_node)
    }

    /// A proposal's extension lists.
    pub fn check_proposal(&self, proposal: &Proposal) -> Result<(), FramingError> {
        match proposal {
            Proposal::Add(add) => self.check_key_package(&add.key_package),
            Proposal::Update(update) => self.check_leaf_node(&update.leaf_node),
            Proposal::ReInit(reinit) => self.check_extensions(&reinit.extensions),
            Proposal::GroupContextExtensions(gce) => self.check_extensions(&gce.extensions),
            // A custom body is opaque bytes, bounded by the message size.
            Proposal::Remove(_)
            | Proposal::PreSharedKey(_)
            | Proposal::ExternalInit(_)
            | Proposal::Custom(_) => Ok(()),
        }
    }

    /// A KeyPackage's and its leaf node's extension lists.
    pub fn check_key_package(&self, kp: &KeyPackage) -> Result<(), FramingError> {
        self.check_extensions(&kp.extensions)?;
        self.check_leaf_node(&kp.leaf_node)
    }

    /// The number of encrypted group secrets.
    pub fn check_welcome(&self, welcome: &Welcome) -> Result<(), FramingError> {
        check(
            Limit::WelcomeSecrets,
            welcome.secrets.len(),
            self.max_welcome_secrets,
        )
    }

    /// The GroupInfo's and its GroupContext's extension lists. (The leaves
    /// of a ratchet tree inside are limited when it is imported.)
    pub fn check_group_info(&self, gi: &GroupInfo) -> Result<(), FramingError> {
        self.check_extensions(&gi.extensions)?;
        self.check_extensions(&gi.group_context.extensions)
    }

    /// The number of PSK ids.
    pub fn check_group_secrets(&self, gs: &GroupSecrets) -> Result<(), FramingError> {
        check(Limit::Psks, gs.psks.len(), self.max_psks)
    }
}
