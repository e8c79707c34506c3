//! `Extension` (RFC 9420 §7.2, §13): a type and opaque data.

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};

use crate::ExtensionType;

/// `struct { ExtensionType extension_type; opaque extension_data<V>; } Extension`
/// (RFC 9420 §7.2). Unknown types are carried opaquely.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Extension {
    /// The extension's type.
    pub extension_type: ExtensionType,
    /// The encoded extension body.
    pub extension_data: Vec<u8>,
}

impl Extension {
    /// An extension of `extension_type` carrying `extension_data`.
    pub fn new(extension_type: ExtensionType, extension_data: Vec<u8>) -> Self {
        Extension {
            extension_type,
            extension_data,
        }
    }
}
