//! The MLS ratchet tree (RFC 9420 §4, §7): tree math, nodes, leaf
//! validation, tree evolution, tree and parent hashes, and TreeKEM.
//!
//! `no_std` + `alloc`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod codepoints;
mod extension;
pub mod tree_math;

pub use codepoints::{CredentialType, ExtensionType, ProposalType, ProtocolVersion};
pub use extension::Extension;
