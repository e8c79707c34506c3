//! Credentials over time: when to rotate (RFC 9750 §6.5) and what to do
//! about members whose credential became invalid (RFC 9750 §8.4.2).

use alloc::vec::Vec;
use mls_group::types::tree_math::LeafIndex;
use mls_group::types::CipherSuite;
use mls_group::{
    Credential, CredentialContext, CredentialError, CredentialInput, CredentialValidator, Member,
    Proposal, Remove,
};

/// Where a credential stands in its lifetime ([`rotation_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// More than the threshold left: `remaining` seconds.
    Valid {
        /// Seconds until it expires.
        remaining: u64,
    },
    /// Less than the threshold left: issue a new credential and rotate
    /// (an Update or a commit with a path carrying it).
    RotateSoon {
        /// Seconds until it expires.
        remaining: u64,
    },
    /// Expired (or not yet valid): rotation is overdue.
    Expired,
    /// The credential carries no lifetime (a basic credential).
    NoExpiry,
}

/// The rotation helper (RFC 9750 §6.5: credentials are renewed before
/// they expire): where `credential` stands at `now` against `threshold`
/// seconds of remaining lifetime. For X.509, the leaf's notAfter.
///
/// ```
/// use mls_as::{rotation_status, Rotation};
/// use mls_group::Credential;
/// let basic = Credential::Basic(b"alice".to_vec());
/// assert_eq!(rotation_status(&basic, 0, 86_400).unwrap(), Rotation::NoExpiry);
/// ```
pub fn rotation_status(
    credential: &Credential,
    now: u64,
    threshold: u64,
) -> Result<Rotation, CredentialError> {
    let not_after = match credential {
        Credential::X509(_) => crate::X509Validator::not_after(credential)?,
        _ => return Ok(Rotation::NoExpiry),
    };
    Ok(match not_after.checked_sub(now) {
        None | Some(0) => Rotation::Expired,
        Some(remaining) if remaining < threshold => Rotation::RotateSoon { remaining },
        Some(remaining) => Rotation::Valid { remaining },
    })
}

/// What to do about a member whose credential no longer validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidCredentialPolicy {
    /// Remove it at once, whatever the reason.
    Evict,
    /// A member whose credential only *expired* is kept for `seconds`
    /// after its expiry (time to rotate), then removed; every other
    /// refusal (revoked, unknown issuer, key mismatch, ...) evicts at once.
    Grace {
        /// The grace period in seconds.
        seconds: u64,
    },
}

/// What [`review_members`] decided for one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Remove it now.
    Remove,
    /// Keep it until this time (Unix seconds), then remove it.
    GraceUntil(u64),
}

/// A member whose credential was refused, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The member's leaf.
    pub index: LeafIndex,
    /// Why its credential was refused.
    pub reason: CredentialError,
    /// What the policy says.
    pub action: Action,
}

impl Verdict {
    /// The Remove proposal of an evicted member, if it is to go now.
    pub fn remove_proposal(&self) -> Option<Proposal> {
        (self.action == Action::Remove).then_some(Proposal::Remove(Remove {
            removed: self.index.0,
        }))
    }
}

/// The invalid-credential policy as a function over a group's members at
/// `now`: every member's credential validated again
/// ([`CredentialContext::Revalidation`]), a [`Verdict`] for each refused
/// one. Commit `verdicts.iter().filter_map(Verdict::remove_proposal)`
/// (or propose them as an external sender) to evict.
///
/// ```
/// use mls_as::{review_members, Directory, InvalidCredentialPolicy};
/// use mls_group::*;
/// let key = SignaturePublicKey(vec![1; 32]);
/// let members = vec![Member { index: LeafIndex(3), credential: Credential::Basic(b"eve".to_vec()), signature_key: key }];
/// let verdicts = review_members(&Directory::new(), &members, CipherSuite(1), 0, InvalidCredentialPolicy::Evict);
/// assert_eq!(verdicts[0].remove_proposal(), Some(Proposal::Remove(Remove { removed: 3 })));
/// ```
pub fn review_members(
    validator: &dyn CredentialValidator,
    members: &[Member],
    cipher_suite: CipherSuite,
    now: u64,
    policy: InvalidCredentialPolicy,
) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    for m in members {
        let input = CredentialInput {
            credential: &m.credential,
            signature_key: &m.signature_key,
            cipher_suite,
            now: Some(now),
            context: CredentialContext::Revalidation,
        };
        let Err(reason) = validator.validate(&input) else {
            continue;
        };
        let action = match (policy, &reason) {
            (InvalidCredentialPolicy::Grace { seconds }, CredentialError::Expired) => {
                match expiry(&m.credential).map(|t| t.saturating_add(seconds)) {
                    Some(until) if until > now => Action::GraceUntil(until),
                    _ => Action::Remove,
                }
            }
            _ => Action::Remove,
        };
        verdicts.push(Verdict {
            index: m.index,
            reason,
            action,
        });
    }
    verdicts
}

fn expiry(credential: &Credential) -> Option<u64> {
    match credential {
        Credential::X509(_) => crate::X509Validator::not_after(credential).ok(),
        _ => None,
    }
}
