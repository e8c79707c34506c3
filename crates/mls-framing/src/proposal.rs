//! `Proposal` and its bodies (RFC 9420 §12.1), `ProposalOrRef` and
//! `ProposalRef` (§12.4, §5.2).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Reader};
use mls_crypto::CipherSuite;
use mls_keyschedule::PreSharedKeyID;
use mls_treekem::LeafNode;
use mls_types::{Extension, ProposalType, ProtocolVersion};

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

/// A proposal of a type RFC 9420 does not define (§17.4: a registered
/// extension type, a private-use type in `0xF000..=0xFFFF`, or a GREASE
/// value), carried opaquely.
///
/// **Framing.** RFC 9420 gives proposal bodies no length prefix, so it
/// offers no way to delimit the body of an unknown type. This crate follows
/// the de facto interoperability convention (OpenMLS and mls-rs frame
/// custom proposals the same way): a custom proposal is encoded as
/// `uint16 proposal_type` followed by `opaque data<V>`. The application
/// defines what `data` holds.
///
/// `proposal_type` must not be one of the seven RFC types
/// ([`ProposalType::is_default`]): such a value would encode like a
/// different, known proposal. [`CustomProposal::new`] enforces this;
/// decoding never yields one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct CustomProposal {
    /// The (non-default) proposal type.
    pub proposal_type: ProposalType,
    /// The application-defined body (`opaque data<V>`).
    pub data: Vec<u8>,
}

impl CustomProposal {
    /// A custom proposal, or `None` if `proposal_type` is one of the RFC's
    /// own types.
    pub fn new(proposal_type: ProposalType, data: Vec<u8>) -> Option<Self> {
        (!proposal_type.is_default()).then_some(CustomProposal {
            proposal_type,
            data,
        })
    }
}

/// `struct Proposal` with its `select` on `proposal_type` (RFC 9420 §12.1).
///
/// **Unknown proposal types** decode as [`Proposal::Custom`], whose body is
/// framed as `opaque data<V>` (see [`CustomProposal`] for why: the RFC
/// gives no framing for them).
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_framing::{CustomProposal, Proposal, Remove};
/// use mls_types::ProposalType;
/// let p = Proposal::Remove(Remove { removed: 3 });
/// assert_eq!(p.proposal_type(), ProposalType::REMOVE);
/// assert_eq!(p.to_bytes().unwrap(), [0, 3, 0, 0, 0, 3]);
/// let custom = decode_exact::<Proposal>(&[0xf0, 0x01, 2, 0xaa, 0xbb]).unwrap();
/// assert_eq!(
///     custom,
///     Proposal::Custom(CustomProposal { proposal_type: ProposalType(0xf001), data: vec![0xaa, 0xbb] })
/// );
/// assert_eq!(custom.to_bytes().unwrap(), [0xf0, 0x01, 2, 0xaa, 0xbb]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[allow(clippy::large_enum_variant)]
pub enum Proposal {
    /// `add`
    Add(Add),
    /// `update`
    Update(Update),
    /// `remove`
    Remove(Remove),
    /// `psk`
    PreSharedKey(PreSharedKey),
    /// `reinit`
    ReInit(ReInit),
    /// `external_init`
    ExternalInit(ExternalInit),
    /// `group_context_extensions`
    GroupContextExtensions(GroupContextExtensions),
    /// Any other type: `uint16 proposal_type; opaque data<V>` (see
    /// [`CustomProposal`]).
    Custom(CustomProposal),
}

impl Encode for Proposal {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), mls_codec::Error> {
        self.proposal_type().encode(out)?;
        match self {
            Proposal::Add(b) => b.encode(out),
            Proposal::Update(b) => b.encode(out),
            Proposal::Remove(b) => b.encode(out),
            Proposal::PreSharedKey(b) => b.encode(out),
            Proposal::ReInit(b) => b.encode(out),
            Proposal::ExternalInit(b) => b.encode(out),
            Proposal::GroupContextExtensions(b) => b.encode(out),
            Proposal::Custom(c) => c.data.encode(out),
        }
    }

    fn encoded_len(&self) -> usize {
        2 + match self {
            Proposal::Add(b) => b.encoded_len(),
            Proposal::Update(b) => b.encoded_len(),
            Proposal::Remove(b) => b.encoded_len(),
            Proposal::PreSharedKey(b) => b.encoded_len(),
            Proposal::ReInit(b) => b.encoded_len(),
            Proposal::ExternalInit(b) => b.encoded_len(),
            Proposal::GroupContextExtensions(b) => b.encoded_len(),
            Proposal::Custom(c) => c.data.encoded_len(),
        }
    }
}

impl Decode for Proposal {
    fn decode(r: &mut Reader<'_>) -> Result<Self, mls_codec::Error> {
        let proposal_type = ProposalType::decode(r)?;
        Ok(match proposal_type {
            ProposalType::ADD => Proposal::Add(Add::decode(r)?),
            ProposalType::UPDATE => Proposal::Update(Update::decode(r)?),
            ProposalType::REMOVE => Proposal::Remove(Remove::decode(r)?),
            ProposalType::PSK => Proposal::PreSharedKey(PreSharedKey::decode(r)?),
            ProposalType::REINIT => Proposal::ReInit(ReInit::decode(r)?),
            ProposalType::EXTERNAL_INIT => Proposal::ExternalInit(ExternalInit::decode(r)?),
            ProposalType::GROUP_CONTEXT_EXTENSIONS => {
                Proposal::GroupContextExtensions(GroupContextExtensions::decode(r)?)
            }
            _ => Proposal::Custom(CustomProposal {
                proposal_type,
                data: Vec::decode(r)?,
            }),
        })
    }
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
            Proposal::Custom(c) => c.proposal_type,
        }
    }

    /// Whether an `external` sender may send this proposal type (the "Ext"
    /// column of RFC 9420 §17.4; §12.1.8).
    ///
    /// Custom types are not in the RFC's table, so they are refused from
    /// external senders: [`crate::check_sender_rules`] rejects them with
    /// [`crate::FramingError::ProposalNotAllowedForExternalSender`]. (The
    /// RFC leaves the column open for new types; refusing is the safe
    /// reading, since an external sender's proposal skips the members'
    /// capability negotiation at proposal time. There is no policy
    /// override.) Members may send custom proposals.
    pub fn allowed_for_external_sender(&self) -> bool {
        !matches!(
            self,
            Proposal::Update(_) | Proposal::ExternalInit(_) | Proposal::Custom(_)
        )
    }

    /// Whether a Commit covering this proposal must carry a path (the
    /// "Path Required" column of RFC 9420 §17.4; §12.4).
    ///
    /// Custom types count as requiring a path: the registry entry of an
    /// unknown type cannot be consulted, and an unnecessary path is always
    /// valid while a missing required one is not (conservative).
    /// `mls-group` asks the application instead
    /// (`GroupPolicy::custom_proposal_requires_path`).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Commit;
    use alloc::vec;
    use mls_codec::decode_exact;

    #[test]
    fn custom_proposal_round_trip() {
        for t in [0xf000u16, 0xffff, 0x0a0a, 0x0008] {
            let p = Proposal::Custom(CustomProposal::new(ProposalType(t), vec![1, 2, 3]).unwrap());
            let bytes = p.to_bytes().unwrap();
            assert_eq!(bytes.len(), p.encoded_len());
            assert_eq!(bytes, [(t >> 8) as u8, t as u8, 3, 1, 2, 3]);
            assert_eq!(decode_exact::<Proposal>(&bytes).unwrap(), p);
            let por = ProposalOrRef::Proposal(p.clone());
            assert_eq!(
                decode_exact::<ProposalOrRef>(&por.to_bytes().unwrap()).unwrap(),
                por
            );
        }
        // Empty body.
        assert_eq!(
            decode_exact::<Proposal>(&[0xf0, 0x00, 0]).unwrap(),
            Proposal::Custom(CustomProposal {
                proposal_type: ProposalType(0xf000),
                data: vec![]
            })
        );
        // Truncated body.
        assert!(decode_exact::<Proposal>(&[0xf0, 0x00, 2, 1]).is_err());
        assert!(CustomProposal::new(ProposalType::ADD, vec![]).is_none());
    }

    #[test]
    fn custom_proposal_rules() {
        let p = Proposal::Custom(CustomProposal::new(ProposalType(0xf000), vec![]).unwrap());
        assert!(!p.allowed_for_external_sender());
        assert!(p.requires_path());
        let commit = Commit {
            proposals: vec![ProposalOrRef::Proposal(p)],
            path: None,
        };
        assert!(commit.path_required());
    }
}
