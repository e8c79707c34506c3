//! `Capabilities` (RFC 9420 §7.2) and `RequiredCapabilities` (§11.1).

use crate::CipherSuite;
use alloc::borrow::Cow;
use alloc::vec::Vec;
use mls_codec::{Decode, Encode};

use crate::{CredentialType, Extension, ExtensionType, ProposalType, ProtocolVersion};

/// `Capabilities` (RFC 9420 §7.2): what a client supports. Unknown values are kept.
///
/// ```
/// use mls_types::{Capabilities, CredentialType, ExtensionType};
/// let caps = Capabilities::default();
/// assert!(caps.supports_credential(CredentialType::BASIC));
/// assert!(caps.supports_extension(ExtensionType::RATCHET_TREE)); // a default type
/// assert!(!caps.supports_extension(ExtensionType(0xff00)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Capabilities {
    /// `ProtocolVersion versions<V>`
    pub versions: Vec<ProtocolVersion>,
    /// `CipherSuite cipher_suites<V>`
    pub cipher_suites: Vec<CipherSuite>,
    /// `ExtensionType extensions<V>` (non-default types only)
    pub extensions: Vec<ExtensionType>,
    /// `ProposalType proposals<V>` (non-default types only)
    pub proposals: Vec<ProposalType>,
    /// `CredentialType credentials<V>`
    pub credentials: Vec<CredentialType>,
}

impl Default for Capabilities {
    /// MLS 1.0, suite 1, no non-default extension or proposal, basic credentials.
    fn default() -> Self {
        Capabilities {
            versions: alloc::vec![ProtocolVersion::MLS10],
            cipher_suites: alloc::vec![CipherSuite(1)],
            extensions: Vec::new(),
            proposals: Vec::new(),
            credentials: alloc::vec![CredentialType::BASIC],
        }
    }
}

impl Capabilities {
    /// Whether `t` is a default extension type or listed. O(C) in the
    /// listed types: to check many types, use a [`CodePointSet`].
    pub fn supports_extension(&self, t: ExtensionType) -> bool {
        t.is_default() || self.extensions.contains(&t)
    }

    /// Whether `t` is a default proposal type or listed.
    pub fn supports_proposal(&self, t: ProposalType) -> bool {
        t.is_default() || self.proposals.contains(&t)
    }

    /// Whether credential type `t` is listed (there are no default credential types).
    pub fn supports_credential(&self, t: CredentialType) -> bool {
        self.credentials.contains(&t)
    }
}

/// `RequiredCapabilities` (RFC 9420 §11.1): the body of the `required_capabilities` extension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Encode, Decode)]
pub struct RequiredCapabilities {
    /// `ExtensionType extension_types<V>`
    pub extension_types: Vec<ExtensionType>,
    /// `ProposalType proposal_types<V>`
    pub proposal_types: Vec<ProposalType>,
    /// `CredentialType credential_types<V>`
    pub credential_types: Vec<CredentialType>,
}

/// A set of code points a leaf must support — a group's required types,
/// the types of a list of extensions, the credential types in use — built
/// once from a list so that checking a leaf's capabilities against it
/// costs O(C log C) in the C entries the leaf lists, however many entries
/// the list had. Duplicates in the list count once (RFC 9420 forbids none
/// in these lists), and the list's own order is kept to name the first
/// type a leaf lacks, as a walk of the list would.
///
/// ```
/// use mls_types::{Capabilities, CodePointSet, CredentialType};
/// let in_use = CodePointSet::new([CredentialType::X509, CredentialType::BASIC, CredentialType::X509]);
/// assert_eq!(in_use.len(), 2);
/// let caps = Capabilities::default(); // basic only
/// assert_eq!(in_use.first_missing_from(&caps.credentials), Some(CredentialType::X509));
/// assert!(CodePointSet::new([CredentialType::BASIC]).first_missing_from(&caps.credentials).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePointSet<T> {
    /// The distinct values, ascending, each with the position of its first
    /// occurrence in the list the set was built from.
    entries: Vec<(T, usize)>,
}

impl<T> Default for CodePointSet<T> {
    fn default() -> Self {
        CodePointSet {
            entries: Vec::new(),
        }
    }
}

impl<T: Copy + Ord> CodePointSet<T> {
    /// The set of the values of `items`. O(n log n).
    pub fn new(items: impl IntoIterator<Item = T>) -> Self {
        let mut entries: Vec<(T, usize)> =
            items.into_iter().enumerate().map(|(i, t)| (t, i)).collect();
        // By value, then position: the first of each run is the first occurrence.
        entries.sort_unstable();
        entries.dedup_by_key(|e| e.0);
        CodePointSet { entries }
    }

    /// The number of distinct values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `t` is in the set. O(log n).
    pub fn contains(&self, t: T) -> bool {
        self.entries.binary_search_by(|e| e.0.cmp(&t)).is_ok()
    }

    /// The distinct values, ascending.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.entries.iter().map(|e| e.0)
    }

    /// The first value (in the order of the list the set was built from)
    /// that `listed` lacks; `None` if `listed` has them all.
    ///
    /// Work: O(C log C) for the C entries of `listed` when it has them all
    /// (the set then has at most C values), O(C) if `listed` is sorted; a
    /// leaf that lacks one costs O(n + C log C) for the set's n values.
    pub fn first_missing_from(&self, listed: &[T]) -> Option<T> {
        if self.entries.is_empty() {
            return None;
        }
        let listed = sorted(listed);
        let mut rest = listed.iter().copied().peekable();
        let mut first: Option<(usize, T)> = None;
        for &(t, position) in &self.entries {
            while rest.next_if(|l| *l < t).is_some() {}
            if rest.peek() == Some(&t) {
                continue;
            }
            if first.is_none_or(|(p, _)| position < p) {
                first = Some((position, t));
            }
        }
        first.map(|(_, t)| t)
    }
}

impl CodePointSet<ExtensionType> {
    /// The non-default types of `extensions` (RFC 9420 §7.2: a default
    /// type needs no listing): what a leaf must list to support them.
    pub fn of_extensions(extensions: &[Extension]) -> Self {
        Self::new(
            extensions
                .iter()
                .map(|e| e.extension_type)
                .filter(|t| !t.is_default()),
        )
    }
}

/// `items`, sorted: borrowed when it already is (the usual case).
fn sorted<T: Copy + Ord>(items: &[T]) -> Cow<'_, [T]> {
    if items.is_sorted() {
        return Cow::Borrowed(items);
    }
    let mut v = items.to_vec();
    v.sort_unstable();
    Cow::Owned(v)
}

/// A group's [`RequiredCapabilities`] prepared for checking leaves (RFC
/// 9420 §7.3, §11.1): the non-default extension and proposal types and
/// the credential types, each a [`CodePointSet`]. Build it once per
/// group context, then each leaf costs O(C log C) in its capabilities.
///
/// ```
/// use mls_types::{Capabilities, CapabilityRequirements, ExtensionType, RequiredCapabilities, UnsupportedCapability};
/// let required = RequiredCapabilities {
///     extension_types: vec![ExtensionType(0xff00), ExtensionType::RATCHET_TREE],
///     ..RequiredCapabilities::default()
/// };
/// let req = CapabilityRequirements::new(&required);
/// let mut caps = Capabilities::default();
/// assert_eq!(req.first_unsupported(&caps), Some(UnsupportedCapability::Extension(ExtensionType(0xff00))));
/// caps.extensions.push(ExtensionType(0xff00));
/// assert_eq!(req.first_unsupported(&caps), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapabilityRequirements {
    /// The required non-default extension types.
    pub extensions: CodePointSet<ExtensionType>,
    /// The required non-default proposal types.
    pub proposals: CodePointSet<ProposalType>,
    /// The required credential types.
    pub credentials: CodePointSet<CredentialType>,
}

/// A required type a leaf does not list: see [`CapabilityRequirements::first_unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsupportedCapability {
    /// An extension type.
    Extension(ExtensionType),
    /// A proposal type.
    Proposal(ProposalType),
    /// A credential type.
    Credential(CredentialType),
}

impl CapabilityRequirements {
    /// Prepares `required`. O(R log R) for its R entries.
    pub fn new(required: &RequiredCapabilities) -> Self {
        CapabilityRequirements {
            extensions: CodePointSet::new(
                required
                    .extension_types
                    .iter()
                    .copied()
                    .filter(|t| !t.is_default()),
            ),
            proposals: CodePointSet::new(
                required
                    .proposal_types
                    .iter()
                    .copied()
                    .filter(|t| !t.is_default()),
            ),
            credentials: CodePointSet::new(required.credential_types.iter().copied()),
        }
    }

    /// The first required type `caps` does not list: extension types
    /// first, then proposal types, then credential types, each in the
    /// order of the `RequiredCapabilities` lists. O(C log C) in the
    /// entries of `caps` when it lists them all.
    pub fn first_unsupported(&self, caps: &Capabilities) -> Option<UnsupportedCapability> {
        if let Some(t) = self.extensions.first_missing_from(&caps.extensions) {
            return Some(UnsupportedCapability::Extension(t));
        }
        if let Some(t) = self.proposals.first_missing_from(&caps.proposals) {
            return Some(UnsupportedCapability::Proposal(t));
        }
        self.credentials
            .first_missing_from(&caps.credentials)
            .map(UnsupportedCapability::Credential)
    }

    /// Whether `caps` lists every required type.
    pub fn supported_by(&self, caps: &Capabilities) -> bool {
        self.first_unsupported(caps).is_none()
    }
}
