//! `Proposal` and its bodies (RFC 9420 §12.1), `ProposalOrRef` and
//! `ProposalRef` (§12.4, §5.2).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::CipherSuite;
use mls_keyschedule::PreSharedKeyID;
use mls_treekem::{Extension, LeafNode, ProposalType, ProtocolVersion};

use crate::KeyPackage;

/// `struct { KeyPackage key_package; } Add` (RFC 9420 §12.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Add {
    /// The KeyPackage of the client to add.
    pub key_package: KeyPackage,
}

/// `struct { LeafNode leaf_node; } Update` (RFC 9420 §12.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Update {
    /// The sender's new leaf (source `update`).
    pub leaf_node: LeafNode,
}

/// `struct { uint32 removed; } Remove` (RFC 9420 §12.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Remove {
    /// The leaf index of the member to remove.
    pub removed: u32,
}

/// `struct { PreSharedKeyID psk; } PreSharedKey` (RFC 9420 §12.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct PreSharedKey {
    /// The PSK to inject.
    pub psk: PreSharedKeyID,
}

/// `struct ReInit` (RFC 9420 §12.1.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ReInit {
    /// `opaque group_id<V>` of the new group.
    pub group_id: Vec<u8>,
    /// `ProtocolVersion version` of the new group.
    pub version: ProtocolVersion,
    /// `CipherSuite cipher_suite` of the new group.
    pub cipher_suite: CipherSuite,
    /// `Extension extensions<V>` of the new group.
    pub extensions: Vec<Extension>,
}

/// `struct { opaque kem_output<V>; } ExternalInit` (RFC 9420 §12.1.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ExternalInit {
    /// The KEM output of external initialization (§8.3).
    pub kem_output: Vec<u8>,
}

/// `struct { Extension extensions<V>; } GroupContextExtensions` (RFC 9420 §12.1.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct GroupContextExtensions {
    /// The GroupContext's new extension list (a wholesale replacement).
    pub extensions: Vec<Extension>,
}

/// `struct Proposal` with its `select` on `proposal_type` (RFC 9420 §12.1).
///
/// **Unknown proposal types.** A proposal body carries no length prefix, so
/// the body of a type this crate does not know cannot be delimited, let
/// alone skipped: such a proposal (and any message containing it by value)
/// fails to decode with [`mls_codec::Error::UnknownDiscriminant`] carrying
/// the proposal type. Applications defining custom proposal types need a
/// framing layer that knows their structure; RFC 9420 offers no generic
/// opaque form.
///
/// ```
/// use mls_codec::{decode_exact, Encode, Error};
/// use mls_framing::{Proposal, Remove};
/// use mls_treekem::ProposalType;
/// let p = Proposal::Remove(Remove { removed: 3 });
/// assert_eq!(p.proposal_type(), ProposalType::REMOVE);
/// assert_eq!(p.to_bytes().unwrap(), [0, 3, 0, 0, 0, 3]);
/// assert_eq!(decode_exact::<Proposal>(&[0xff, 0x00, 1]), Err(Error::UnknownDiscriminant(0xff00)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
#[codec(tag = u16)]
#[allow(clippy::large_enum_variant)]
pub enum Proposal {
    /// `add`
    #[codec(tag = ProposalType::ADD.0)]
    Add(Add),
    /// `update`
    #[codec(tag = ProposalType::UPDATE.0)]
    Update(Update),
    /// `remove`
    #[codec(tag = ProposalType::REMOVE.0)]
    Remove(Remove),
    /// `psk`
    #[codec(tag = ProposalType::PSK.0)]
    PreSharedKey(PreSharedKey),
    /// `reinit`
    #[codec(tag = ProposalType::REINIT.0)]
    ReInit(ReInit),
    /// `external_init`
    #[codec(tag = ProposalType::EXTERNAL_INIT.0)]
    ExternalInit(ExternalInit),
    /// `group_context_extensions`
    #[codec(tag = ProposalType::GROUP_CONTEXT_EXTENSIONS.0)]
    GroupContextExtensions(GroupContextExtensions),
}

impl Proposal {
    /// The `proposal_type`.
    pub fn proposal_type(&self) -> ProposalType {
        match self {
            Proposal::Add(_) => ProposalType::ADD,
            Proposal::Update(_) => ProposalType::UPDATE,
            Proposal::Remove(_) => ProposalType::REMOVE,
            Proposal::PreSharedKey(_) => ProposalType::PSK,
            Proposal::ReInit(_) => ProposalType::REINIT,
            Proposal::ExternalInit(_) => ProposalType::EXTERNAL_INIT,
            Proposal::GroupContextExtensions(_) => ProposalType::GROUP_CONTEXT_EXTENSIONS,
        }
    }

    /// Whether an `external` sender may send this proposal type (the "Ext"
    /// column of RFC 9420 §17.4; §12.1.8).
    pub fn allowed_for_external_sender(&self) -> bool {
        !matches!(self, Proposal::Update(_) | Proposal::ExternalInit(_))
    }

    /// Whether a Commit covering this proposal must carry a path (the
    /// "Path Required" column of RFC 9420 §17.4; §12.4).
    pub fn requires_path(&self) -> bool {
        !matches!(
            self,
            Proposal::Add(_) | Proposal::PreSharedKey(_) | Proposal::ReInit(_)
        )
    }
}

/// `opaque HashReference<V>; HashReference ProposalRef;` (RFC 9420 §5.2):
/// `MakeProposalRef` of the AuthenticatedContent carrying the proposal
/// (see [`crate::AuthenticatedContent::proposal_ref`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct ProposalRef(pub Vec<u8>);

/// `struct ProposalOrRef` with its `select` on `ProposalOrRefType`
/// `proposal(1)`, `reference(2)` (RFC 9420 §12.4).
///
/// ```
/// use mls_codec::Encode;
/// use mls_framing::{ProposalOrRef, ProposalRef};
/// let r = ProposalOrRef::Reference(ProposalRef(vec![0xab]));
/// assert_eq!(r.to_bytes().unwrap(), [2, 1, 0xab]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
#[codec(tag = u8)]
#[allow(clippy::large_enum_variant)]
pub enum ProposalOrRef {
    /// `proposal(1)`: the proposal by value.
    #[codec(tag = 1)]
    Proposal(Proposal),
    /// `reference(2)`: a proposal sent earlier in the epoch.
    #[codec(tag = 2)]
    Reference(ProposalRef),
}
