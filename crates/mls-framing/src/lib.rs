//! MLS (RFC 9420) wire structures and message protection.
//!
//! * Framing (§6): [`MlsMessage`], [`WireFormat`], [`ContentType`],
//!   [`Sender`], [`FramedContent`], [`FramedContentAuthData`],
//!   [`AuthenticatedContent`] with the FramedContentTBS signature (§6.1),
//!   the sender rules ([`check_sender_rules`]) and the transcript hash
//!   inputs (§8.2).
//! * [`PublicMessage`] with its membership tag (§6.2) and
//!   [`PrivateMessage`] (§6.3): content encryption with the secret tree,
//!   the reuse guard and a [`Padding`] policy, sender data encryption.
//! * [`KeyPackage`] (§10), every [`Proposal`] (§12.1), [`Commit`] (§12.4),
//!   [`Welcome`] with [`GroupSecrets`] and [`GroupInfo`] (§12.4.3).
//! * The RFC extensions' bodies ([`ExtensionBody`]): [`ApplicationId`],
//!   [`RatchetTreeExtension`], `RequiredCapabilities`, [`ExternalPub`],
//!   [`ExternalSenders`]. Unknown extensions stay opaque
//!   [`mls_types::Extension`]s.
//!
//! Decoding never panics and is strict (see `mls_codec`). Unknown proposal
//! types cannot be decoded (see [`Proposal`]). Every fallible operation
//! returns a [`FramingError`].
//!
//! `no_std` + `alloc`.
//!
//! ```
//! # use mls_test_support::framing::*;
//! # use mls_crypto::CryptoProvider;
//! # use mls_rustcrypto::RustCrypto;
//! use mls_codec::Encode;
//! let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
//! let (key, public) = signer(&suite, 7);
//! let gc = group_context(CipherSuite(1));
//! let content = FramedContent {
//!     group_id: gc.group_id.clone(),
//!     epoch: gc.epoch,
//!     sender: Sender::Member(LeafIndex(0)),
//!     authenticated_data: vec![],
//!     content: Content::Proposal(Proposal::Remove(Remove { removed: 1 })),
//! };
//! let ac = AuthenticatedContent::sign(&suite, &key, WireFormat::PUBLIC_MESSAGE, content, Some(&gc)).unwrap();
//! let msg = MlsMessage::from(PublicMessage::protect(&suite, ac, Some(&[1; 32]), Some(&gc)).unwrap());
//! let bytes = msg.to_bytes().unwrap();
//!
//! let received = MlsMessage::from_bytes(&bytes).unwrap().into_public_message().unwrap();
//! let ac = received.unprotect(&suite, Some(&[1; 32]), Some(&gc), &public).unwrap();
//! assert_eq!(ac.content.sender, Sender::Member(LeafIndex(0)));
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod auth_data;
mod authenticated_content;
mod commit;
mod content_ref;
mod error;
mod extensions;
mod framed_content;
mod group_info;
mod key_package;
pub mod limits;
mod mls_message;
mod padding;
mod private_message;
mod proposal;
mod public_message;
mod rules;
mod sender;
mod tbs;
mod welcome;
mod wire_format;

pub use auth_data::FramedContentAuthData;
pub use authenticated_content::AuthenticatedContent;
pub use commit::Commit;
pub use content_ref::AuthenticatedContentRef;
pub use error::FramingError;
pub use extensions::{
    check_unique_extensions, find_extension, ApplicationId, ExtensionBody, ExternalPub,
    ExternalSender, ExternalSenders, RatchetTreeExtension,
};
pub use framed_content::{Content, FramedContent};
pub use group_info::{GroupInfo, GroupInfoTBS};
pub use key_package::{KeyPackage, KeyPackageRef, KeyPackageTBS};
pub use limits::{DecodeLimits, Limit};
pub use mls_message::{MLSMessage, MlsMessage, MlsMessageBody};
pub use padding::Padding;
pub use private_message::{
    apply_reuse_guard, PrivateContentAAD, PrivateMessage, PrivateMessageContent, SenderData,
    SenderDataAAD,
};
pub use proposal::{
    Add, CustomProposal, ExternalInit, GroupContextExtensions, PreSharedKey, Proposal,
    ProposalOrRef, ProposalRef, ReInit, Remove, Update,
};
pub use public_message::PublicMessage;
pub use rules::{check_sender_rules, embedded_signature_key, signature_key_for};
pub use sender::{Sender, SenderType};
pub use tbs::{EncodedTbs, FramedContentTBS};
pub use welcome::{EncryptedGroupSecrets, GroupSecrets, PathSecret, Welcome};
pub use wire_format::{ContentType, WireFormat};
