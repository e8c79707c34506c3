//! Application hooks: proposal policy (§12.2 "An application may extend the
//! above procedure by additional rules") and credential authentication
//! (RFC 9750 §4).

use mls_crypto::SignaturePublicKey;
use mls_framing::{Proposal, Sender};
use mls_types::{Credential, ProposalType};

/// The application's rules on top of the RFC's. Every method defaults to
/// accepting. A refusal makes the operation fail with
/// [`crate::GroupError::PolicyRejected`] or [`crate::GroupError::CredentialRejected`].
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

    /// The authentication service (RFC 9750 §4): whether `credential`
    /// with `signature_key` is acceptable. Called for every new or changed
    /// leaf and for joins.
    fn authenticate(&self, _credential: &Credential, _signature_key: &SignaturePublicKey) -> bool {
        true
    }

    /// For a leaf that replaces another (Update, commit path, resync):
    /// whether the new credential is acceptable for the member that held
    /// the old one. Defaults to "same identity" for basic credentials.
    fn valid_successor(&self, old: &Credential, new: &Credential) -> bool {
        BasicCredentialAuth.valid_successor(old, new)
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
    fn valid_successor(&self, _old: &Credential, _new: &Credential) -> bool {
        true
    }
}

/// An authentication service for basic credentials: every non-empty
/// identity is accepted, and a leaf may only be replaced by one with the
/// same identity.
///
/// ```
/// use mls_group::{BasicCredentialAuth, Credential, GroupPolicy};
/// let auth = BasicCredentialAuth;
/// let a = Credential::Basic(b"alice".to_vec());
/// assert!(auth.valid_successor(&a, &a));
/// assert!(!auth.valid_successor(&a, &Credential::Basic(b"mallory".to_vec())));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BasicCredentialAuth;

impl GroupPolicy for BasicCredentialAuth {
    fn authenticate(&self, credential: &Credential, _signature_key: &SignaturePublicKey) -> bool {
        match credential {
            Credential::Basic(id) => !id.is_empty(),
            _ => true,
        }
    }

    fn valid_successor(&self, old: &Credential, new: &Credential) -> bool {
        match (old, new) {
            (Credential::Basic(a), Credential::Basic(b)) => a == b,
            _ => true,
        }
    }
}

/// The policy a group has until [`crate::Group::set_policy`] installs
/// another.
pub(crate) fn default_policy() -> alloc::boxed::Box<dyn GroupPolicy> {
    alloc::boxed::Box::new(DefaultPolicy)
}
