//! Application hooks: proposal policy (§12.2 "An application may extend the
//! above procedure by additional rules") and credential validation — the
//! Authentication Service's part in a group (RFC 9420 §5.3.1, RFC 9750 §4).
//!
//! The RFC's own checks (§7.3 leaf validation, signatures, lifetimes, the
//! credential type supported by every member) stay where they are and run
//! whatever the policy says; the validator is the application's policy on
//! top: whether a credential binds its signature key to an identity the
//! application trusts, at the caller's time, and whether a successor
//! credential belongs to the same client.
//!
//! Every place a credential enters a group asks the group's policy, with
//! a [`CredentialContext`] naming the entry point; a refusal fails the
//! operation with [`GroupError::CredentialRejected`](crate::GroupError::CredentialRejected)
//! and changes nothing:
//!
//! | entry point | context | member `Group` | `PublicGroup` |
//! |---|---|---|---|
//! | an Add's KeyPackage (by a member, a new member or an external sender) | [`KeyPackage`](CredentialContext::KeyPackage) | sending, receiving, committing | receiving |
//! | a KeyPackage checked alone ([`validate_key_package_with`](crate::validate_key_package_with)) | `KeyPackage` | — | — |
//! | an Update's leaf (+ successor) | [`Update`](CredentialContext::Update) | sending, receiving, committing | receiving |
//! | a commit's path leaf (+ successor) | [`CommitPath`](CredentialContext::CommitPath) | our commits and received ones | received |
//! | every member of a tree imported from a GroupInfo | [`TreeImport`](CredentialContext::TreeImport) | joining by Welcome or external commit | [`from_group_info`](crate::PublicGroup::from_group_info) |
//! | an external joiner's leaf (+ successor on resync) | [`ExternalJoin`](CredentialContext::ExternalJoin) | joining, receiving | receiving |
//! | the `external_senders` of an imported GroupContext | [`ExternalSender`](CredentialContext::ExternalSender) | joining | `from_group_info` |
//! | the external sender of a received proposal, at that time | `ExternalSender` | receiving | receiving |
//! | the `external_senders` a GroupContextExtensions proposal installs | [`GroupContextExtensions`](CredentialContext::GroupContextExtensions) | sending, receiving, committing | receiving |
//!
//! Not asked: the creator's own leaf and extensions at
//! [`Group::create`](crate::Group::create) (the caller chose them; the
//! policy is installed afterwards).

use alloc::vec::Vec;
use mls_crypto::SignaturePublicKey;
use mls_framing::{Proposal, Sender};
use mls_types::{CipherSuite, Credential, CredentialType, ProposalType};

/// Where a credential enters a group: the entry point asking the validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialContext {
    /// A KeyPackage's leaf: an Add (from a member, a new member or an
    /// external sender), or a KeyPackage checked on its own.
    KeyPackage,
    /// An Update proposal's leaf, replacing its sender's (§12.1.2).
    Update,
    /// The leaf of a member's commit path, replacing the committer's
    /// (§12.4.2), ours included.
    CommitPath,
    /// A member of a ratchet tree imported from a GroupInfo (§12.4.3.1):
    /// joining by Welcome or by external commit, or a
    /// [`PublicGroup`](crate::PublicGroup) starting to follow a group.
    TreeImport,
    /// An external joiner's leaf (§12.4.3.2); with a resync, it replaces
    /// the removed leaf.
    ExternalJoin,
    /// An entry of the group's `external_senders` (§12.1.8.1): when the
    /// GroupContext is imported, and when a proposal of that sender is
    /// received (the credential may have expired since).
    ExternalSender,
    /// An entry of the `external_senders` extension a
    /// GroupContextExtensions proposal installs (§12.1.7).
    GroupContextExtensions,
    /// A member's credential checked again later, outside any message:
    /// an application's or Authentication Service's periodic review (for
    /// example `mls_as::review_members`). The library never asks this.
    Revalidation,
}

/// What a validator is asked: is `credential`, presented with
/// `signature_key` in a group of `cipher_suite`, acceptable at `now`
/// where it enters (`context`)?
#[derive(Debug, Clone, Copy)]
pub struct CredentialInput<'a> {
    /// The credential presented.
    pub credential: &'a Credential,
    /// The signature key it must be bound to (the leaf's `signature_key`,
    /// or the external sender's).
    pub signature_key: &'a SignaturePublicKey,
    /// The group's cipher suite: its signature scheme says how
    /// `signature_key` is encoded.
    pub cipher_suite: CipherSuite,
    /// The caller's time in Unix seconds ([`Group::set_time`](crate::Group::set_time),
    /// `JoinOptions::now`, ...); `None` if none was given. Unlike lifetime
    /// checks, it is given even when [`LifetimeCheck::Off`](crate::LifetimeCheck::Off).
    pub now: Option<u64>,
    /// The entry point.
    pub context: CredentialContext,
}

/// Why a credential was refused: a precise reason the caller can match.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialError {
    /// This validator does not accept credentials of this type.
    UnsupportedCredentialType(CredentialType),
    /// The credential could not be parsed (a certificate that is not DER,
    /// an empty chain, an empty basic identity, ...).
    Malformed(&'static str),
    /// The credential's public key is not the signature key it is
    /// presented with (X.509: the leaf certificate's key; a directory: no
    /// such key registered for the identity).
    KeyMismatch,
    /// The credential's key is not of the cipher suite's signature scheme.
    WrongKeyAlgorithm,
    /// Validity checks need a time and none was given.
    TimeRequired,
    /// Expired at the time given.
    Expired,
    /// Not yet valid at the time given.
    NotYetValid,
    /// The chain does not lead to a configured trust anchor.
    UnknownIssuer,
    /// A signature in the chain does not verify.
    BadSignature,
    /// A signature algorithm of the chain is not supported.
    UnsupportedSignatureAlgorithm,
    /// The chain is longer than allowed.
    ChainTooLong,
    /// A key usage or extended key usage forbids this use.
    KeyUsage,
    /// A CA's name constraints forbid a name of the chain.
    NameConstraints,
    /// The path is invalid for another reason (basic constraints, a
    /// critical extension not understood, ...).
    InvalidPath(&'static str),
    /// A certificate of the chain, or the key, is revoked.
    Revoked,
    /// Revocation status could not be determined and the policy requires it.
    UnknownRevocationStatus,
    /// The credential asserts no identity in the form the validator reads
    /// (X.509: no SubjectAltName of that form, or several).
    NoIdentity,
    /// The identity is not known to the validator (a directory) or not
    /// allowed here.
    UnknownIdentity,
    /// A successor credential asserts another identity than the one it
    /// replaces (§5.3.1: it must be the same client).
    IdentityChanged,
    /// The credential asserts another identity than the reference
    /// identifier it was checked against (RFC 9750 §4).
    IdentityMismatch,
    /// An application rule refused it.
    Refused(&'static str),
}

impl core::fmt::Display for CredentialError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use CredentialError as E;
        match self {
            E::UnsupportedCredentialType(t) => write!(f, "credential type {} not accepted", t.0),
            E::Malformed(r) => write!(f, "malformed credential: {r}"),
            E::KeyMismatch => f.write_str("credential not bound to the signature key"),
            E::WrongKeyAlgorithm => f.write_str("key not of the suite's signature scheme"),
            E::TimeRequired => f.write_str("no time given for the validity check"),
            E::Expired => f.write_str("credential expired"),
            E::NotYetValid => f.write_str("credential not yet valid"),
            E::UnknownIssuer => f.write_str("chain does not lead to a trust anchor"),
            E::BadSignature => f.write_str("bad signature in the chain"),
            E::UnsupportedSignatureAlgorithm => f.write_str("unsupported signature algorithm"),
            E::ChainTooLong => f.write_str("chain too long"),
            E::KeyUsage => f.write_str("key usage forbids this use"),
            E::NameConstraints => f.write_str("name constraints violated"),
            E::InvalidPath(r) => write!(f, "invalid certification path: {r}"),
            E::Revoked => f.write_str("credential revoked"),
            E::UnknownRevocationStatus => f.write_str("revocation status unknown"),
            E::NoIdentity => f.write_str("no identity in the credential"),
            E::UnknownIdentity => f.write_str("unknown identity"),
            E::IdentityChanged => f.write_str("successor credential of another identity"),
            E::IdentityMismatch => f.write_str("identity differs from the reference identifier"),
            E::Refused(r) => write!(f, "refused: {r}"),
        }
    }
}

impl core::error::Error for CredentialError {}

/// An Authentication Service's validator (RFC 9750 §4): the same
/// interface for a member, a [`PublicGroup`](crate::PublicGroup) and a
/// Delivery Service. Install one in a group with [`ValidatorPolicy`].
pub trait CredentialValidator: Send + Sync {
    /// Whether `input.credential` binds `input.signature_key` to an
    /// identity acceptable at `input.now` where it enters the group.
    fn validate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError>;

    /// The identity `credential` asserts (the reference identifier an
    /// application compares, RFC 9750 §4). Parses only: no validation.
    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, CredentialError>;

    /// For a leaf that replaces another (Update, commit path, resync):
    /// whether `new` belongs to the same client as `old` (§5.3.1). Called
    /// after [`validate`](Self::validate) accepted `new`. By default, the
    /// same [`identity`](Self::identity): a key rotation keeps the
    /// identity; several devices of one user are several clients, each
    /// keeping its own.
    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        if self.identity(old)? == self.identity(new.credential)? {
            Ok(())
        } else {
            Err(CredentialError::IdentityChanged)
        }
    }
}

impl<V: CredentialValidator + ?Sized> CredentialValidator for alloc::boxed::Box<V> {
    fn validate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        (**self).validate(input)
    }
    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, CredentialError> {
        (**self).identity(credential)
    }
    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        (**self).valid_successor(old, new)
    }
}

impl<V: CredentialValidator + ?Sized> CredentialValidator for alloc::sync::Arc<V> {
    fn validate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        (**self).validate(input)
    }
    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, CredentialError> {
        (**self).identity(credential)
    }
    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        (**self).valid_successor(old, new)
    }
}

/// The application's rules on top of the RFC's. Every method defaults to
/// accepting, but for [`valid_successor`](GroupPolicy::valid_successor),
/// which keeps basic identities. A refusal makes the operation fail with
/// [`crate::GroupError::PolicyRejected`] or
/// [`crate::GroupError::CredentialRejected`] and changes nothing.
///
/// ```
/// use mls_group::{GroupPolicy, Proposal, Sender};
/// /// Only member 0 may add.
/// struct OnlyAdminAdds;
/// impl GroupPolicy for OnlyAdminAdds {
///     fn check_proposal(&self, p: &Proposal, sender: &Sender) -> Result<(), &'static str> {
///         match (p, sender) {
///             (Proposal::Add(_), Sender::Member(l)) if l.0 != 0 => Err("only the admin adds"),
///             _ => Ok(()),
///         }
///     }
/// }
/// ```
pub trait GroupPolicy: Send + Sync {
    /// Called for every proposal of a commit being created or processed,
    /// after the RFC's checks. This is the validation hook for custom
    /// proposal types ([`Proposal::Custom`]): the library only checks that
    /// every member that processes the commit supports the type (§7.2,
    /// §12.2); whether the body is acceptable
    /// is the application's call. A refusal leaves the group unchanged.
    fn check_proposal(&self, _proposal: &Proposal, _sender: &Sender) -> Result<(), &'static str> {
        Ok(())
    }

    /// The authentication service (RFC 9750 §4): whether a credential is
    /// acceptable where it enters the group (see the module's table of
    /// entry points). Accepts by default.
    fn authenticate(&self, _input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        Ok(())
    }

    /// For a leaf that replaces another (Update, commit path, resync):
    /// whether the new credential is acceptable for the member that held
    /// `old`. Defaults to "same identity" for basic credentials
    /// ([`BasicCredentialAuth`]).
    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        CredentialValidator::valid_successor(&BasicCredentialAuth, old, new)
    }

    /// Whether a commit covering a custom proposal of `proposal_type`
    /// must carry a path: the "Path Required" column of the type's
    /// registration (RFC 9420 §12.4, §17.4), which only the application
    /// knows. Defaults to `true`: a path is always valid, a missing one
    /// only if the type allows it. Answer `false` for a type registered
    /// without one, or commits from peers that omit the path are refused
    /// ([`crate::GroupError::PathRequired`]). Every member should answer
    /// alike.
    fn custom_proposal_requires_path(&self, _proposal_type: ProposalType) -> bool {
        true
    }
}

/// A [`CredentialValidator`] as a group's policy, with `proposals` (by
/// default [`DefaultPolicy`]) for the proposal rules.
///
/// ```
/// use mls_group::{BasicCredentialAuth, ValidatorPolicy};
/// let policy = ValidatorPolicy::new(BasicCredentialAuth);
/// # let _: Box<dyn mls_group::GroupPolicy> = Box::new(policy);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ValidatorPolicy<V, P = DefaultPolicy> {
    /// Validates every credential and successor.
    pub validator: V,
    /// Checks proposals.
    pub proposals: P,
}

impl<V: CredentialValidator> ValidatorPolicy<V> {
    /// `validator` with the default proposal rules.
    pub fn new(validator: V) -> Self {
        ValidatorPolicy {
            validator,
            proposals: DefaultPolicy,
        }
    }
}

impl<V: CredentialValidator, P: GroupPolicy> GroupPolicy for ValidatorPolicy<V, P> {
    fn check_proposal(&self, proposal: &Proposal, sender: &Sender) -> Result<(), &'static str> {
        self.proposals.check_proposal(proposal, sender)
    }

    fn authenticate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        self.validator.validate(input)
    }

    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        self.validator.valid_successor(old, new)
    }

    fn custom_proposal_requires_path(&self, proposal_type: ProposalType) -> bool {
        self.proposals.custom_proposal_requires_path(proposal_type)
    }
}

/// The default policy: accepts every credential and proposal, and keeps
/// identities — a leaf that replaces another (Update, commit path,
/// resync) must carry the same identity (§5.3.1 "same client"; the
/// trait's default [`GroupPolicy::valid_successor`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPolicy;

impl GroupPolicy for DefaultPolicy {}

/// Accepts everything, identity changes included: a member may replace
/// its leaf with one of another identity. An explicit choice for
/// applications whose identities live elsewhere; not the default
/// ([`DefaultPolicy`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl GroupPolicy for AcceptAll {
    fn valid_successor(
        &self,
        _: &Credential,
        _: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        Ok(())
    }
}

/// A validator for basic credentials without a directory: every non-empty
/// identity is accepted, and a leaf may only be replaced by one with the
/// same identity. Credentials of other types are accepted as they are
/// (install a real validator for them). A directory of identities and
/// their keys is `mls_as::Directory`.
///
/// ```
/// use mls_group::{BasicCredentialAuth, CipherSuite, Credential, CredentialContext};
/// use mls_group::{CredentialError, CredentialInput, CredentialValidator, SignaturePublicKey};
/// let auth = BasicCredentialAuth;
/// let key = SignaturePublicKey(vec![1; 32]);
/// let input = |c| CredentialInput {
///     credential: c, signature_key: &key, cipher_suite: CipherSuite(1),
///     now: None, context: CredentialContext::Update,
/// };
/// let a = Credential::Basic(b"alice".to_vec());
/// let m = Credential::Basic(b"mallory".to_vec());
/// assert_eq!(auth.valid_successor(&a, &input(&a)), Ok(()));
/// assert_eq!(auth.valid_successor(&a, &input(&m)), Err(CredentialError::IdentityChanged));
/// assert_eq!(auth.identity(&a).unwrap(), b"alice");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BasicCredentialAuth;

impl CredentialValidator for BasicCredentialAuth {
    fn validate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        match input.credential {
            Credential::Basic(id) if id.is_empty() => {
                Err(CredentialError::Malformed("empty basic identity"))
            }
            _ => Ok(()),
        }
    }

    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, CredentialError> {
        match credential {
            Credential::Basic(id) => Ok(id.clone()),
            other => Err(CredentialError::UnsupportedCredentialType(
                other.credential_type(),
            )),
        }
    }

    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        match (old, new.credential) {
            (Credential::Basic(a), Credential::Basic(b)) if a != b => {
                Err(CredentialError::IdentityChanged)
            }
            _ => Ok(()),
        }
    }
}

/// [`BasicCredentialAuth`] is also a policy (proposals accepted).
impl GroupPolicy for BasicCredentialAuth {
    fn authenticate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        self.validate(input)
    }

    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        CredentialValidator::valid_successor(self, old, new)
    }
}

/// The policy a group has until [`crate::Group::set_policy`] installs
/// another.
pub(crate) fn default_policy() -> alloc::boxed::Box<dyn GroupPolicy> {
    alloc::boxed::Box::new(DefaultPolicy)
}

/// The group's view of its policy at one moment: who asks, in which suite,
/// at what time. Every entry point goes through it.
#[derive(Clone, Copy)]
pub(crate) struct Auth<'a> {
    pub policy: &'a dyn GroupPolicy,
    pub cipher_suite: CipherSuite,
    pub now: Option<u64>,
}

impl Auth<'_> {
    fn input<'c>(
        &self,
        credential: &'c Credential,
        signature_key: &'c SignaturePublicKey,
        context: CredentialContext,
    ) -> CredentialInput<'c> {
        CredentialInput {
            credential,
            signature_key,
            cipher_suite: self.cipher_suite,
            now: self.now,
            context,
        }
    }

    /// A credential entering at `context`.
    pub fn credential(
        &self,
        credential: &Credential,
        signature_key: &SignaturePublicKey,
        context: CredentialContext,
    ) -> Result<(), crate::GroupError> {
        self.policy
            .authenticate(&self.input(credential, signature_key, context))
            .map_err(|reason| crate::GroupError::CredentialRejected { context, reason })
    }

    /// A leaf entering at `context`.
    pub fn leaf(
        &self,
        leaf: &mls_treekem::LeafNode,
        context: CredentialContext,
    ) -> Result<(), crate::GroupError> {
        self.credential(&leaf.credential, &leaf.signature_key, context)
    }

    /// A leaf replacing one with credential `old`: acceptable, and the
    /// same client.
    pub fn successor(
        &self,
        old: &Credential,
        leaf: &mls_treekem::LeafNode,
        context: CredentialContext,
    ) -> Result<(), crate::GroupError> {
        self.leaf(leaf, context)?;
        self.policy
            .valid_successor(
                old,
                &self.input(&leaf.credential, &leaf.signature_key, context),
            )
            .map_err(|reason| crate::GroupError::CredentialRejected { context, reason })
    }

    /// Every entry of the `external_senders` extension among `extensions`.
    pub fn external_senders(
        &self,
        extensions: &[mls_types::Extension],
        context: CredentialContext,
    ) -> Result<(), crate::GroupError> {
        if let Some(senders) =
            mls_framing::find_extension::<mls_framing::ExternalSenders>(extensions)?
        {
            for s in &senders.0 {
                self.credential(&s.credential, &s.signature_key, context)?;
            }
        }
        Ok(())
    }
}
