//! An Authentication Service for MLS (RFC 9420 §5.3, §5.3.1, §13.3;
//! RFC 9750 §4, §6.5, §8.4.2, §8.4.3).
//!
//! RFC 9750 §4 gives the AS three jobs; each is here as a plain function
//! of its arguments — time, keys, trust anchors and revocations are given,
//! never read from a clock, a file or the network:
//!
//! * **Validate** a credential against the signature key it is presented
//!   with: [`X509Validator`] (certificate chains to configured trust
//!   anchors, `x509` module docs list every check) and [`Directory`]
//!   (basic credentials: identity → allowed signature keys, with
//!   revocation, for deployments without a PKI). Both implement
//!   [`mls_group::CredentialValidator`], the interface a member's
//!   `Group`, a `PublicGroup` and a Delivery Service use alike; install
//!   one with [`mls_group::ValidatorPolicy`], several with
//!   [`ByCredentialType`].
//! * **Same client?** [`CredentialValidator::valid_successor`]: a
//!   successor keeps the identity ([`CredentialValidator::identity`]).
//! * **Issue** credentials ([`Authority`], `issuance` feature): an X.509
//!   certificate for a client's signature public key after proof of
//!   possession — a signature by that key over an AS challenge; the AS
//!   never sees a client's private key (§8.4.3). The rotation helper
//!   [`rotation_status`] says when a credential falls below a lifetime
//!   threshold (§6.5), and [`review_members`] applies an
//!   [`InvalidCredentialPolicy`] (evict, or a grace period) to a group's
//!   members at a time, producing the Remove proposals.
//!
//! `no_std` + `alloc` without default features: the validators and the
//! review (webpki, ring, x509-cert and der all build without std). The
//! `std` feature only turns on std in those crates; `issuance` (the
//! `Authority`) needs std, because `rcgen` does.
//!
//! ```
//! # #[cfg(feature = "issuance")] {
//! use mls_as::{Authority, X509Validator, prove_possession};
//! use mls_group::*;
//!
//! let now = 1_700_000_000;
//! let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
//! let mut ca = Authority::new_root("Example CA", now, 10 * 365 * 86400).unwrap();
//!
//! // The client makes its key pair; the AS only sees the public key.
//! let keys = suite.signature_generate(&mut OsRng).unwrap();
//! let challenge = ca.challenge(b"fresh random nonce from the AS".to_vec());
//! let proof = prove_possession(&suite, &keys.private, &challenge, "mls://example.com/alice").unwrap();
//! let credential = ca.issue(&suite, &keys.public, "mls://example.com/alice", &challenge, &proof, now).unwrap();
//!
//! let validator = X509Validator::new([ca.root_certificate()]).unwrap();
//! let input = CredentialInput {
//!     credential: &credential, signature_key: &keys.public, cipher_suite: CipherSuite(1),
//!     now: Some(now + 60), context: CredentialContext::KeyPackage,
//! };
//! validator.validate(&input).unwrap();
//! assert_eq!(validator.identity(&credential).unwrap(), b"mls://example.com/alice");
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod directory;
#[cfg(feature = "issuance")]
mod issue;
mod review;
mod x509;

pub use directory::Directory;
#[cfg(feature = "issuance")]
pub use issue::{ca_params, prove_possession, Authority, Challenge, IssueError, POSSESSION_LABEL};
/// `rcgen`, whose parameter types [`Authority::certify_params`] and
/// [`Authority::subordinate_with`] take.
#[cfg(feature = "issuance")]
pub use rcgen;
pub use review::{
    review_members, rotation_status, Action, InvalidCredentialPolicy, Rotation, Verdict,
};
pub use x509::{Eku, SanForm, X509Validator};

pub use mls_group::{CredentialContext, CredentialError, CredentialInput, CredentialValidator};

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_group::{Credential, CredentialType};

/// Validators by credential type: `basic` to one, `x509` to another,
/// custom types (§13.3) to their own; a type without a validator is
/// refused ([`CredentialError::UnsupportedCredentialType`]).
///
/// ```
/// use mls_as::{ByCredentialType, Directory};
/// use mls_group::{CredentialType, ValidatorPolicy};
/// let v = ByCredentialType::new().with(CredentialType::BASIC, Directory::new());
/// let _policy = ValidatorPolicy::new(v);
/// ```
#[derive(Default)]
pub struct ByCredentialType {
    validators: Vec<(CredentialType, Box<dyn CredentialValidator>)>,
}

impl ByCredentialType {
    /// No type accepted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Credentials of type `t` go to `validator` (replacing any other).
    pub fn with(
        mut self,
        t: CredentialType,
        validator: impl CredentialValidator + 'static,
    ) -> Self {
        self.validators.retain(|(u, _)| *u != t);
        self.validators.push((t, Box::new(validator)));
        self
    }

    fn of(&self, credential: &Credential) -> Result<&dyn CredentialValidator, CredentialError> {
        let t = credential.credential_type();
        self.validators
            .iter()
            .find(|(u, _)| *u == t)
            .map(|(_, v)| v.as_ref())
            .ok_or(CredentialError::UnsupportedCredentialType(t))
    }
}

impl CredentialValidator for ByCredentialType {
    fn validate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        self.of(input.credential)?.validate(input)
    }

    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, CredentialError> {
        self.of(credential)?.identity(credential)
    }

    /// Within one type, that type's rule; across types (moving from a
    /// basic credential to a certificate), the same identity.
    fn valid_successor(
        &self,
        old: &Credential,
        new: &CredentialInput<'_>,
    ) -> Result<(), CredentialError> {
        if old.credential_type() == new.credential.credential_type() {
            return self.of(old)?.valid_successor(old, new);
        }
        if self.identity(old)? == self.identity(new.credential)? {
            Ok(())
        } else {
            Err(CredentialError::IdentityChanged)
        }
    }
}

/// Validates `input` and checks that the credential asserts `reference`
/// (RFC 9750 §4: a credential validated against a reference identifier,
/// e.g. the user a client says it is). [`CredentialError::IdentityMismatch`]
/// if not.
pub fn validate_as(
    validator: &dyn CredentialValidator,
    input: &CredentialInput<'_>,
    reference: &[u8],
) -> Result<(), CredentialError> {
    validator.validate(input)?;
    if validator.identity(input.credential)? == reference {
        Ok(())
    } else {
        Err(CredentialError::IdentityMismatch)
    }
}
