//! The shared vocabulary of MLS (RFC 9420): the types every layer speaks.
//!
//! * Code points (§17): [`ProtocolVersion`], [`CipherSuite`] with its HPKE
//!   and signature components ([`KemId`], [`KdfId`], [`AeadId`],
//!   [`SignatureScheme`]), [`ExtensionType`], [`ProposalType`],
//!   [`CredentialType`] — open newtypes: unknown and GREASE values
//!   decode and re-encode unchanged.
//! * [`Credential`] (§5.3; a custom type as type + opaque bytes, §13.3), [`Capabilities`] and [`RequiredCapabilities`]
//!   (§7.2, §11.1), [`Extension`] (§7.2), [`Lifetime`] (§7.2).
//! * [`tree_math`] (§4.1, Appendix C): [`LeafIndex`], [`NodeIndex`] and
//!   the array-tree arithmetic used by the ratchet tree and the secret tree.
//! * [`GroupContext`] (§8.1).
//!
//! No cryptography and no state: this crate only defines and encodes.
//! `no_std` + `alloc`.
//!
//! ```
//! use mls_codec::{decode_exact, Encode};
//! use mls_types::{CipherSuite, GroupContext};
//! let gc = GroupContext::new(CipherSuite(1), b"group".to_vec(), 3, vec![0; 32], vec![]);
//! assert_eq!(decode_exact::<GroupContext>(&gc.to_bytes().unwrap()).unwrap(), gc);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod capabilities;
mod codepoints;
mod credential;
mod extension;
mod group_context;
mod lifetime;
pub mod limits;
mod suite;
pub mod tree_math;

pub use capabilities::{
    Capabilities, CapabilityRequirements, CodePointSet, RequiredCapabilities, UnsupportedCapability,
};
pub use codepoints::{CredentialType, ExtensionType, ProposalType, ProtocolVersion};
pub use credential::{Certificate, Credential};
pub use extension::{first_duplicate_extension, Extension};
pub use group_context::GroupContext;
pub use lifetime::Lifetime;
pub use suite::{AeadId, CipherSuite, KdfId, KemId, SignatureScheme};
pub use tree_math::{LeafIndex, NodeIndex};
