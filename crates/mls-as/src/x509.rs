//! X.509 credentials (RFC 9420 §5.3, §5.3.1; RFC 9750 §4, §8.4.2):
//! certificate chains validated to configured trust anchors.
//!
//! What [`X509Validator::validate`](mls_group::CredentialValidator::validate) checks, in order, each
//! refusal a precise [`CredentialError`]:
//!
//! 1. The credential is `x509` with 1 to [`X509Validator::max_chain_len`]
//!    certificates, end-entity first ([`ChainTooLong`](CredentialError::ChainTooLong)).
//! 2. A time was given ([`TimeRequired`](CredentialError::TimeRequired)).
//! 3. The leaf parses (`x509-cert`), its SubjectPublicKeyInfo is of the
//!    suite's signature scheme ([`WrongKeyAlgorithm`](CredentialError::WrongKeyAlgorithm))
//!    and equal to the leaf node's `signature_key` in the MLS encoding of
//!    that scheme ([`KeyMismatch`](CredentialError::KeyMismatch)): the raw
//!    32 (Ed25519) or 57 (Ed448) bytes, or the uncompressed SEC1 point
//!    (ECDSA P-256, P-384, P-521).
//! 4. The leaf's KeyUsage, if present, allows `digitalSignature`
//!    ([`KeyUsage`](CredentialError::KeyUsage)).
//! 5. The leaf asserts exactly one identity in the configured
//!    SubjectAltName form ([`SanForm`]; [`NoIdentity`](CredentialError::NoIdentity)).
//! 6. The path to a trust anchor (`rustls-webpki`, ring's verifiers):
//!    signatures, validity of every certificate at the caller's time,
//!    basic constraints and path length, the extended key usage
//!    ([`Eku`]), name constraints, CRLs if given.
//! 7. No certificate of the chain is in the caller's revocation list of
//!    (issuer, serial number).
//!
//! Name constraints are webpki's: `dNSName` and `iPAddress` constraints
//! are processed; a CA that constrains `uniformResourceIdentifier`,
//! `rfc822Name` or `directoryName` names fails closed — every certificate
//! below it that carries a name of that form is refused
//! ([`NameConstraints`](CredentialError::NameConstraints)).
//!
//! Signature algorithms of the chain (what CAs may sign with): Ed25519,
//! ECDSA P-256 and P-384 with SHA-256 or SHA-384, RSA PKCS#1 and PSS
//! (2048–8192 bits). Not Ed448 nor ECDSA P-521: webpki has no Ed448
//! verifier, and its P-521 verifier needs aws-lc-rs, which this crate
//! does not use. Leaf keys of every RFC 9420 suite are compared (the CA
//! signs with a supported algorithm): suites 1, 2, 3 and 7 are tested
//! with chains made at test time; suites 4, 6 (Ed448 leaf) and 5 (P-521
//! leaf) only by the key comparison's unit tests.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::time::Duration;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use mls_group::types::{CipherSuite, SignatureScheme};
use mls_group::{Credential, CredentialError, CredentialInput, CredentialValidator};
use pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{BorrowedCertRevocationList, CertRevocationList, EndEntityCert, KeyUsage};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{KeyUsages, SubjectAltName};

/// The signature algorithms a chain may use (ring's verifiers).
static ALGORITHMS: &[&dyn pki_types::SignatureVerificationAlgorithm] = &[
    webpki::ring::ED25519,
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P256_SHA384,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::ECDSA_P384_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512,
    webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
];

/// `id-kp-clientAuth` (RFC 5280 §4.2.1.12), DER contents of the OID.
const ID_KP_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Which SubjectAltName names the client: the identity
/// [`X509Validator::identity`](CredentialValidator::identity) returns and
/// successors must keep. The leaf must carry exactly one name of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SanForm {
    /// A `uniformResourceIdentifier`, e.g. `mls://example.com/alice/phone`
    /// (one per client: a user's devices get one URI each). The default.
    #[default]
    Uri,
    /// An `rfc822Name` (e-mail address), e.g. `alice@example.com`: one
    /// identity per user; a user's devices are then the same client for
    /// [`valid_successor`](CredentialValidator::valid_successor).
    Email,
}

/// The extended key usage the leaf must allow (RFC 5280 §4.2.1.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Eku {
    /// `id-kp-clientAuth` if the leaf has an EKU extension; any leaf
    /// without one. The default: MLS has no EKU of its own, and TLS
    /// client certificates are what deployments issue.
    #[default]
    ClientAuthIfPresent,
    /// `id-kp-clientAuth`, required.
    ClientAuth,
    /// This key purpose (the DER contents of its OID), required.
    Required(&'static [u8]),
}

/// Validates `x509` credentials against trust anchors at the caller's
/// time (see the module's list of checks). Credentials of other types
/// are refused ([`CredentialError::UnsupportedCredentialType`]); combine
/// validators with [`crate::ByCredentialType`].
///
/// No I/O, no clock: anchors, CRLs and revocations are given, the time
/// comes with each [`CredentialInput`]. `no_std` + `alloc`.
#[derive(Debug, Clone)]
pub struct X509Validator {
    anchors: Vec<TrustAnchor<'static>>,
    /// The most certificates a credential may carry, the leaf included
    /// (default 4: leaf, two intermediates and a root).
    pub max_chain_len: usize,
    /// The extended key usage required of the leaf.
    pub eku: Eku,
    /// Which SubjectAltName is the identity.
    pub san: SanForm,
    /// Whether a certificate whose status no given CRL covers is refused
    /// ([`CredentialError::UnknownRevocationStatus`]) when CRLs are given.
    /// Default false: only what a CRL lists is refused.
    pub require_crl_coverage: bool,
    /// DER of the CRLs, parsed when used.
    crls: Vec<Vec<u8>>,
    /// (issuer Name DER, serial number bytes) of revoked certificates.
    revoked: BTreeSet<(Vec<u8>, Vec<u8>)>,
}

impl X509Validator {
    /// A validator trusting the given self-signed root certificates (DER).
    /// Fails with [`CredentialError::Malformed`] if one cannot be an anchor.
    pub fn new<'a>(
        trust_anchors: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, CredentialError> {
        let mut anchors = Vec::new();
        for der in trust_anchors {
            let cert = CertificateDer::from(der);
            let anchor = webpki::anchor_from_trusted_cert(&cert)
                .map_err(|_| CredentialError::Malformed("trust anchor certificate"))?;
            anchors.push(anchor.to_owned());
        }
        Ok(X509Validator {
            anchors,
            max_chain_len: 4,
            eku: Eku::default(),
            san: SanForm::default(),
            require_crl_coverage: false,
            crls: Vec::new(),
            revoked: BTreeSet::new(),
        })
    }

    /// Adds a CRL (DER), checked for every certificate of a chain its
    /// issuer signed. The CRL's signature is verified against that issuer
    /// when used.
    pub fn add_crl(&mut self, der: &[u8]) -> Result<(), CredentialError> {
        BorrowedCertRevocationList::from_der(der).map_err(|_| CredentialError::Malformed("CRL"))?;
        self.crls.push(der.to_vec());
        Ok(())
    }

    /// Revokes the certificate `serial` (its serialNumber's content bytes,
    /// as DER encodes them) of `issuer` (the DER of the issuer's Name).
    pub fn revoke(&mut self, issuer: Vec<u8>, serial: Vec<u8>) {
        self.revoked.insert((issuer, serial));
    }

    /// Revokes the certificate `der` (its issuer and serial number).
    pub fn revoke_certificate(&mut self, der: &[u8]) -> Result<(), CredentialError> {
        let cert = parse(der)?;
        self.revoked.insert(issuer_and_serial(&cert)?);
        Ok(())
    }

    /// The leaf certificate's notAfter, in Unix seconds, for rotation
    /// ([`crate::needs_rotation`]).
    pub fn not_after(credential: &Credential) -> Result<u64, CredentialError> {
        let leaf = parse(leaf_of(credential)?)?;
        Ok(leaf
            .tbs_certificate()
            .validity()
            .not_after
            .to_unix_duration()
            .as_secs())
    }

    fn chain<'c>(
        &self,
        credential: &'c Credential,
    ) -> Result<&'c [mls_group::Certificate], CredentialError> {
        let chain = match credential {
            Credential::X509(chain) => chain,
            other => {
                return Err(CredentialError::UnsupportedCredentialType(
                    other.credential_type(),
                ))
            }
        };
        if chain.is_empty() {
            return Err(CredentialError::Malformed("empty certificate chain"));
        }
        if chain.len() > self.max_chain_len {
            return Err(CredentialError::ChainTooLong);
        }
        Ok(chain)
    }
}

impl CredentialValidator for X509Validator {
    fn validate(&self, input: &CredentialInput<'_>) -> Result<(), CredentialError> {
        let chain = self.chain(input.credential)?;
        let now = input.now.ok_or(CredentialError::TimeRequired)?;
        let leaf = parse(&chain[0].cert_data)?;
        check_key(&leaf, input.cipher_suite, &input.signature_key.0)?;
        if let Ok(Some((_, usage))) = leaf
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::KeyUsage>()
        {
            if !usage.0.contains(KeyUsages::DigitalSignature) {
                return Err(CredentialError::KeyUsage);
            }
        }
        identity_of(&leaf, self.san)?;

        let end_entity_der = CertificateDer::from(chain[0].cert_data.as_slice());
        let end_entity = EndEntityCert::try_from(&end_entity_der).map_err(webpki_error)?;
        let intermediates: Vec<CertificateDer<'_>> = chain[1..]
            .iter()
            .map(|c| CertificateDer::from(c.cert_data.as_slice()))
            .collect();
        let crls = self
            .crls
            .iter()
            .map(|der| BorrowedCertRevocationList::from_der(der).map(CertRevocationList::Borrowed))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| CredentialError::Malformed("CRL"))?;
        let crls: Vec<&CertRevocationList<'_>> = crls.iter().collect();
        let revocation = match webpki::RevocationOptionsBuilder::new(&crls) {
            Ok(builder) => Some(
                builder
                    .with_status_policy(if self.require_crl_coverage {
                        webpki::UnknownStatusPolicy::Deny
                    } else {
                        webpki::UnknownStatusPolicy::Allow
                    })
                    .build(),
            ),
            Err(_) => None, // no CRL given
        };
        let time = UnixTime::since_unix_epoch(Duration::from_secs(now));
        let usage = match self.eku {
            Eku::ClientAuthIfPresent => KeyUsage::required_if_present(ID_KP_CLIENT_AUTH),
            Eku::ClientAuth => KeyUsage::required(ID_KP_CLIENT_AUTH),
            Eku::Required(oid) => KeyUsage::required(oid),
        };
        end_entity
            .verify_for_usage(
                ALGORITHMS,
                &self.anchors,
                &intermediates,
                time,
                usage,
                revocation,
                None,
            )
            .map_err(webpki_error)?;

        if !self.revoked.is_empty() {
            for c in chain {
                if self
                    .revoked
                    .contains(&issuer_and_serial(&parse(&c.cert_data)?)?)
                {
                    return Err(CredentialError::Revoked);
                }
            }
        }
        Ok(())
    }

    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, CredentialError> {
        let leaf = parse(&self.chain(credential)?[0].cert_data)?;
        identity_of(&leaf, self.san)
    }
}

fn leaf_of(credential: &Credential) -> Result<&[u8], CredentialError> {
    match credential {
        Credential::X509(chain) => chain
            .first()
            .map(|c| c.cert_data.as_slice())
            .ok_or(CredentialError::Malformed("empty certificate chain")),
        other => Err(CredentialError::UnsupportedCredentialType(
            other.credential_type(),
        )),
    }
}

pub(crate) fn parse(der: &[u8]) -> Result<x509_cert::Certificate, CredentialError> {
    x509_cert::Certificate::from_der(der)
        .map_err(|_| CredentialError::Malformed("certificate is not DER X.509"))
}

fn issuer_and_serial(cert: &x509_cert::Certificate) -> Result<(Vec<u8>, Vec<u8>), CredentialError> {
    let tbs = cert.tbs_certificate();
    let issuer = tbs
        .issuer()
        .to_der()
        .map_err(|_| CredentialError::Malformed("issuer name"))?;
    Ok((issuer, tbs.serial_number().as_bytes().to_vec()))
}

/// The one SubjectAltName of `form`.
fn identity_of(cert: &x509_cert::Certificate, form: SanForm) -> Result<Vec<u8>, CredentialError> {
    let Ok(Some((_, san))) = cert.tbs_certificate().get_extension::<SubjectAltName>() else {
        return Err(CredentialError::NoIdentity);
    };
    let mut names = san.0.iter().filter_map(|n| match (n, form) {
        (GeneralName::UniformResourceIdentifier(u), SanForm::Uri) => Some(u.as_bytes()),
        (GeneralName::Rfc822Name(e), SanForm::Email) => Some(e.as_bytes()),
        _ => None,
    });
    match (names.next(), names.next()) {
        (Some(name), None) => Ok(name.to_vec()),
        _ => Err(CredentialError::NoIdentity),
    }
}

/// The leaf's key is of `suite`'s signature scheme and, in that scheme's
/// MLS encoding, equal to `key`.
pub(crate) fn check_key(
    cert: &x509_cert::Certificate,
    suite: CipherSuite,
    key: &[u8],
) -> Result<(), CredentialError> {
    let spki = cert.tbs_certificate().subject_public_key_info();
    let params = spki
        .algorithm
        .parameters
        .as_ref()
        .map(|p| p.decode_as::<ObjectIdentifier>());
    let curve = match params {
        Some(Ok(oid)) => Some(oid),
        Some(Err(_)) => None,
        None => None,
    };
    let expected = spki_form(suite).ok_or(CredentialError::WrongKeyAlgorithm)?;
    let matches = match expected {
        KeyForm::Raw(oid) => spki.algorithm.oid == oid && spki.algorithm.parameters.is_none(),
        KeyForm::Ec(named) => spki.algorithm.oid == ID_EC_PUBLIC_KEY && curve == Some(named),
    };
    if !matches {
        return Err(CredentialError::WrongKeyAlgorithm);
    }
    let bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or(CredentialError::Malformed("public key bit string"))?;
    if bytes == key {
        Ok(())
    } else {
        Err(CredentialError::KeyMismatch)
    }
}

enum KeyForm {
    /// An EdDSA key: algorithm OID, no parameters, raw key bytes.
    Raw(ObjectIdentifier),
    /// An EC key on this named curve, as an uncompressed SEC1 point.
    Ec(ObjectIdentifier),
}

fn spki_form(suite: CipherSuite) -> Option<KeyForm> {
    let (_, _, _, scheme) = suite.components()?;
    Some(match scheme {
        SignatureScheme::ED25519 => KeyForm::Raw(ID_ED25519),
        SignatureScheme::ED448 => KeyForm::Raw(ID_ED448),
        SignatureScheme::ECDSA_SECP256R1_SHA256 => KeyForm::Ec(SECP256R1),
        SignatureScheme::ECDSA_SECP384R1_SHA384 => KeyForm::Ec(SECP384R1),
        SignatureScheme::ECDSA_SECP521R1_SHA512 => KeyForm::Ec(SECP521R1),
        _ => return None,
    })
}

#[allow(deprecated)]
fn webpki_error(e: webpki::Error) -> CredentialError {
    use webpki::Error as W;
    use CredentialError as C;
    match e {
        W::CertExpired { .. } => C::Expired,
        W::CertNotValidYet { .. } => C::NotYetValid,
        W::UnknownIssuer => C::UnknownIssuer,
        W::CertRevoked => C::Revoked,
        W::UnknownRevocationStatus => C::UnknownRevocationStatus,
        W::InvalidSignatureForPublicKey => C::BadSignature,
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | W::SignatureAlgorithmMismatch => C::UnsupportedSignatureAlgorithm,
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => {
            C::KeyUsage
        }
        W::NameConstraintViolation | W::MalformedNameConstraint => C::NameConstraints,
        W::MaximumPathDepthExceeded | W::PathLenConstraintViolated => C::ChainTooLong,
        W::CaUsedAsEndEntity => C::InvalidPath("a CA certificate used as the end entity"),
        W::EndEntityUsedAsCa => C::InvalidPath("an end-entity certificate used as a CA"),
        W::UnsupportedCriticalExtension => C::InvalidPath("unsupported critical extension"),
        W::CertDistrusted => C::InvalidPath("distrusted certificate"),
        W::BadDer | W::BadDerTime | W::TrailingData(_) | W::MalformedExtensions => {
            C::Malformed("certificate is not DER X.509")
        }
        W::CrlExpired { .. } => C::UnknownRevocationStatus,
        _ => C::InvalidPath("refused by path validation"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rfc_suite_has_a_key_form() {
        for s in CipherSuite::ALL_RFC {
            assert!(spki_form(s).is_some(), "{s:?}");
        }
        assert!(spki_form(CipherSuite(0x0a0a)).is_none());
    }
}
