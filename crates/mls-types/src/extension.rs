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

/// The first extension type that appears twice in `extensions`, if any
/// (RFC 9420 §13.4: a list of extensions MUST NOT have more than one
/// extension of any given type). O(E log E).
///
/// ```
/// use mls_types::{first_duplicate_extension, Extension, ExtensionType};
/// let e = |t| Extension::new(ExtensionType(t), vec![]);
/// assert_eq!(first_duplicate_extension(&[e(1), e(2)]), None);
/// assert_eq!(first_duplicate_extension(&[e(2), e(1), e(2)]), Some(ExtensionType(2)));
/// ```
pub fn first_duplicate_extension(extensions: &[Extension]) -> Option<ExtensionType> {
    let mut types: Vec<ExtensionType> = extensions.iter().map(|e| e.extension_type).collect();
    types.sort_unstable();
    types.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}
