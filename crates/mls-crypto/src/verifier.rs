//! [`Verifier`]: what a signature is verified with — a serialized public
//! key, decoded at each verification, or a key the provider prepared once
//! ([`CipherSuiteProvider::verifying_key`]).

use crate::{CipherSuiteProvider, Error, SignaturePublicKey};

/// A signature verification key of suite `S`. Verifying with it is
/// [`CipherSuiteProvider::verify_parts`] with its public key, whichever
/// form it has.
pub trait Verifier<S: CipherSuiteProvider + ?Sized> {
    /// `Signature.Verify` of `parts[0] || parts[1] || ...` with this key.
    fn verify_parts_with(&self, suite: &S, parts: &[&[u8]], signature: &[u8]) -> Result<(), Error>;
}

impl<S: CipherSuiteProvider + ?Sized> Verifier<S> for SignaturePublicKey {
    fn verify_parts_with(&self, suite: &S, parts: &[&[u8]], signature: &[u8]) -> Result<(), Error> {
        suite.verify_parts(self, parts, signature)
    }
}

impl<S: CipherSuiteProvider + ?Sized, V: Verifier<S> + ?Sized> Verifier<S> for &V {
    fn verify_parts_with(&self, suite: &S, parts: &[&[u8]], signature: &[u8]) -> Result<(), Error> {
        (**self).verify_parts_with(suite, parts, signature)
    }
}

/// A borrowed verification key in either form.
pub enum VerificationKey<'a, S: CipherSuiteProvider + ?Sized> {
    /// The serialized key: decoded and checked at each verification
    /// ([`CipherSuiteProvider::verify_parts`]).
    Public(&'a SignaturePublicKey),
    /// The key as [`CipherSuiteProvider::verifying_key`] prepared it
    /// ([`CipherSuiteProvider::verify_prepared`]).
    Prepared(&'a S::VerifyingKey),
}

impl<S: CipherSuiteProvider + ?Sized> Verifier<S> for VerificationKey<'_, S> {
    fn verify_parts_with(&self, suite: &S, parts: &[&[u8]], signature: &[u8]) -> Result<(), Error> {
        match self {
            VerificationKey::Public(key) => suite.verify_parts(key, parts, signature),
            VerificationKey::Prepared(key) => suite.verify_prepared(key, parts, signature),
        }
    }
}
