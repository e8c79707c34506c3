//! Issuance (RFC 9750 §4, §8.4.3): X.509 credentials for a client's
//! signature public key, after proof of possession. The AS never
//! generates or sees a client's private key: the client makes its key
//! pair, signs the AS's challenge with it ([`prove_possession`]) and
//! sends the public key, the identity it asks for and the proof.
//!
//! Needs std (`issuance` feature): certificates are built by `rcgen`.

use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use mls_group::codec::Encode;
use mls_group::crypto::labeled::{sign_with_label, verify_with_label};
use mls_group::types::SignatureScheme;
use mls_group::{Certificate, CipherSuiteProvider, Credential, SignaturePublicKey};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType, SignatureAlgorithm,
};

use crate::SanForm;

/// The label of the proof-of-possession signature
/// (`SignWithLabel(key, "AS proof of possession", ...)`, RFC 9420 §5.1.2).
pub const POSSESSION_LABEL: &[u8] = b"AS proof of possession";

/// A challenge the AS hands a client; answered once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The AS's nonce (random, from the caller's RNG).
    pub nonce: Vec<u8>,
}

/// Why issuance failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum IssueError {
    /// The challenge is not one this AS handed out, or was used already.
    UnknownChallenge,
    /// The proof of possession does not verify with the public key.
    BadProof,
    /// No certificate form for this suite's signature scheme: Ed448
    /// (`rcgen` has no Ed448 algorithm identifier) and P-521 (`rcgen`
    /// has one only with its aws-lc-rs backend, not with ring).
    UnsupportedSuite(u16),
    /// The identity cannot be a SubjectAltName of the configured form.
    BadIdentity,
    /// `rcgen` failed to build or sign.
    Certificate(rcgen::Error),
}

impl core::fmt::Display for IssueError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IssueError::UnknownChallenge => f.write_str("unknown or used challenge"),
            IssueError::BadProof => f.write_str("proof of possession does not verify"),
            IssueError::UnsupportedSuite(s) => write!(f, "no certificate form for suite {s}"),
            IssueError::BadIdentity => f.write_str("identity is not a valid name"),
            IssueError::Certificate(e) => write!(f, "certificate: {e}"),
        }
    }
}

impl std::error::Error for IssueError {}

impl From<rcgen::Error> for IssueError {
    fn from(e: rcgen::Error) -> Self {
        IssueError::Certificate(e)
    }
}

/// The client's side: the proof that it holds the private key of the key
/// it asks a certificate for — `SignWithLabel(private, POSSESSION_LABEL,
/// struct { opaque nonce<V>; opaque identity<V>; })`.
pub fn prove_possession<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    private: &mls_group::crypto::SignaturePrivateKey,
    challenge: &Challenge,
    identity: &str,
) -> Result<Vec<u8>, mls_group::GroupError> {
    let key = suite.signing_key(private)?;
    let content = possession_content(challenge, identity)?;
    Ok(sign_with_label(suite, &key, POSSESSION_LABEL, &content)?)
}

fn possession_content(
    challenge: &Challenge,
    identity: &str,
) -> Result<Vec<u8>, mls_group::codec::Error> {
    (challenge.nonce.clone(), identity.as_bytes().to_vec()).to_bytes()
}

/// An issuing CA: its key, its certificate and the chain up to (not
/// including) its root. Issues end-entity credentials with
/// [`Authority::issue`] and subordinate CAs with
/// [`Authority::subordinate`].
pub struct Authority {
    params: CertificateParams,
    key: KeyPair,
    root: Vec<u8>,
    /// This CA's certificate and its ancestors below the root, appended
    /// after the leaf in issued credentials.
    chain: Vec<Vec<u8>>,
    /// Lifetime of issued credentials in seconds (default 30 days).
    pub lifetime: u64,
    /// The SubjectAltName form of issued identities (default URI).
    pub san: SanForm,
    next_serial: u64,
    challenges: BTreeSet<Vec<u8>>,
}

impl Authority {
    /// A self-signed root CA named `name` with an Ed25519 key, valid from
    /// `now` for `validity` seconds.
    pub fn new_root(name: &str, now: u64, validity: u64) -> Result<Self, IssueError> {
        Self::new_root_with(name, &rcgen::PKCS_ED25519, now, validity)
    }

    /// A self-signed root CA with a key of `algorithm` (Ed25519, ECDSA
    /// P-256/SHA-256 or P-384/SHA-384).
    pub fn new_root_with(
        name: &str,
        algorithm: &'static SignatureAlgorithm,
        now: u64,
        validity: u64,
    ) -> Result<Self, IssueError> {
        let key = KeyPair::generate_for(algorithm)?;
        let params = ca_params(name, now, validity, None)?;
        let cert = params.self_signed(&key)?;
        Ok(Authority {
            params,
            key,
            root: cert.der().to_vec(),
            chain: Vec::new(),
            lifetime: 30 * 86_400,
            san: SanForm::Uri,
            next_serial: 1,
            challenges: BTreeSet::new(),
        })
    }

    /// A subordinate CA signed by this one (an intermediate), with a key
    /// of `algorithm`; `path_len` limits the CAs below it.
    pub fn subordinate(
        &mut self,
        name: &str,
        algorithm: &'static SignatureAlgorithm,
        now: u64,
        validity: u64,
        path_len: Option<u8>,
    ) -> Result<Authority, IssueError> {
        let params = ca_params(name, now, validity, path_len)?;
        self.subordinate_with(params, algorithm)
    }

    /// A subordinate CA of the caller's own `params` (name constraints,
    /// say), with a fresh key of `algorithm`.
    pub fn subordinate_with(
        &mut self,
        mut params: CertificateParams,
        algorithm: &'static SignatureAlgorithm,
    ) -> Result<Authority, IssueError> {
        let key = KeyPair::generate_for(algorithm)?;
        if params.serial_number.is_none() {
            params.serial_number = Some(self.serial());
        }
        let cert = params.signed_by(&key, &Issuer::from_params(&self.params, &self.key))?;
        let mut chain = vec![cert.der().to_vec()];
        chain.extend(self.chain.iter().cloned());
        Ok(Authority {
            params,
            key,
            root: self.root.clone(),
            chain,
            lifetime: self.lifetime,
            san: self.san,
            next_serial: 1,
            challenges: BTreeSet::new(),
        })
    }

    /// The root certificate (DER): the trust anchor validators are given.
    pub fn root_certificate(&self) -> &[u8] {
        &self.root
    }

    /// This CA's own certificate (DER; the root's for a root CA).
    pub fn certificate(&self) -> &[u8] {
        self.chain.first().unwrap_or(&self.root)
    }

    /// A challenge for a client, from a fresh random `nonce` (the
    /// caller's RNG); good for one [`issue`](Self::issue).
    pub fn challenge(&mut self, nonce: Vec<u8>) -> Challenge {
        self.challenges.insert(nonce.clone());
        Challenge { nonce }
    }

    /// Issues an X.509 credential binding `identity` to `public_key` of
    /// `suite`'s signature scheme, valid from `now` for
    /// [`lifetime`](Self::lifetime) seconds, after checking `proof`
    /// ([`prove_possession`]) over `challenge`, which is used up. The
    /// credential is the new leaf then this CA's chain (root excluded).
    /// Leaf: KeyUsage digitalSignature, EKU clientAuth, SubjectAltName
    /// of the [`san`](Self::san) form, subject CN = `identity`.
    pub fn issue<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        public_key: &SignaturePublicKey,
        identity: &str,
        challenge: &Challenge,
        proof: &[u8],
        now: u64,
    ) -> Result<Credential, IssueError> {
        if !self.challenges.contains(&challenge.nonce) {
            return Err(IssueError::UnknownChallenge);
        }
        let content =
            possession_content(challenge, identity).map_err(|_| IssueError::BadIdentity)?;
        verify_with_label(suite, public_key, POSSESSION_LABEL, &content, proof)
            .map_err(|_| IssueError::BadProof)?;
        self.challenges.remove(&challenge.nonce);
        let der = self.certify(
            suite.cipher_suite(),
            public_key,
            identity,
            now,
            now.saturating_add(self.lifetime),
        )?;
        let mut chain = vec![Certificate { cert_data: der }];
        chain.extend(self.chain.iter().map(|c| Certificate {
            cert_data: c.clone(),
        }));
        Ok(Credential::X509(chain))
    }

    /// Certifies `public_key` for `identity` from `not_before` to
    /// `not_after` without a proof of possession: for tests and for keys
    /// whose possession was proven otherwise. Returns the leaf's DER.
    pub fn certify(
        &mut self,
        suite: mls_group::CipherSuite,
        public_key: &SignaturePublicKey,
        identity: &str,
        not_before: u64,
        not_after: u64,
    ) -> Result<Vec<u8>, IssueError> {
        leaf_algorithm(suite)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, identity);
        params.distinguished_name = dn;
        let name = identity
            .to_string()
            .try_into()
            .map_err(|_| IssueError::BadIdentity)?;
        params.subject_alt_names = vec![match self.san {
            SanForm::Uri => SanType::URI(name),
            SanForm::Email => SanType::Rfc822Name(name),
        }];
        params.not_before = time_of(not_before)?;
        params.not_after = time_of(not_after)?;
        params.serial_number = Some(self.serial());
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        self.certify_params(params, suite, public_key)
    }

    /// Signs a certificate of the caller's own `params` for `public_key`
    /// of `suite`'s scheme (a serial number is assigned if it has none):
    /// for profiles other than [`certify`](Self::certify)'s.
    pub fn certify_params(
        &mut self,
        mut params: CertificateParams,
        suite: mls_group::CipherSuite,
        public_key: &SignaturePublicKey,
    ) -> Result<Vec<u8>, IssueError> {
        let key = MlsKey {
            raw: &public_key.0,
            algorithm: leaf_algorithm(suite)?,
        };
        if params.serial_number.is_none() {
            params.serial_number = Some(self.serial());
        }
        let cert = params.signed_by(&key, &Issuer::from_params(&self.params, &self.key))?;
        Ok(cert.der().to_vec())
    }

    /// The chain issued credentials carry after their leaf: this CA's
    /// certificate and its ancestors below the root (empty for a root).
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// A CRL (DER) of this CA listing `serials` (as DER encodes them: a
    /// certificate's serialNumber content bytes), valid from `now` for
    /// `validity` seconds — for [`crate::X509Validator::add_crl`].
    pub fn crl(&self, serials: &[Vec<u8>], now: u64, validity: u64) -> Result<Vec<u8>, IssueError> {
        let params = rcgen::CertificateRevocationListParams {
            this_update: time_of(now)?,
            next_update: time_of(now.saturating_add(validity))?,
            crl_number: rcgen::SerialNumber::from(now),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| rcgen::RevokedCertParams {
                    serial_number: rcgen::SerialNumber::from(s.clone()),
                    revocation_time: time_of(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&Issuer::from_params(&self.params, &self.key))?;
        Ok(crl.der().to_vec())
    }

    fn serial(&mut self) -> rcgen::SerialNumber {
        let s = self.next_serial;
        self.next_serial += 1;
        rcgen::SerialNumber::from(s)
    }
}

/// The parameters of a CA certificate: CN `name`, basic constraints
/// (CA, `path_len`), keyCertSign and cRLSign, valid from `now` for
/// `validity` seconds.
pub fn ca_params(
    name: &str,
    now: u64,
    validity: u64,
    path_len: Option<u8>,
) -> Result<CertificateParams, IssueError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = time_of(now)?;
    params.not_after = time_of(now.saturating_add(validity))?;
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

fn time_of(unix: u64) -> Result<time::OffsetDateTime, IssueError> {
    let secs = i64::try_from(unix).map_err(|_| {
        IssueError::Certificate(rcgen::Error::InvalidAsn1String(
            rcgen::InvalidAsn1String::Ia5String(String::from("time")),
        ))
    })?;
    time::OffsetDateTime::from_unix_timestamp(secs).map_err(|_| {
        IssueError::Certificate(rcgen::Error::InvalidAsn1String(
            rcgen::InvalidAsn1String::Ia5String(String::from("time")),
        ))
    })
}

/// rcgen's algorithm identifier of a leaf key of `suite`'s scheme.
fn leaf_algorithm(
    suite: mls_group::CipherSuite,
) -> Result<&'static SignatureAlgorithm, IssueError> {
    let scheme = suite
        .components()
        .map(|c| c.3)
        .ok_or(IssueError::UnsupportedSuite(suite.0))?;
    Ok(match scheme {
        SignatureScheme::ED25519 => &rcgen::PKCS_ED25519,
        SignatureScheme::ECDSA_SECP256R1_SHA256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        SignatureScheme::ECDSA_SECP384R1_SHA384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        _ => return Err(IssueError::UnsupportedSuite(suite.0)),
    })
}

/// An MLS signature public key as rcgen's subject key: the MLS encoding
/// is the SubjectPublicKeyInfo's bit string for every scheme.
struct MlsKey<'a> {
    raw: &'a [u8],
    algorithm: &'static SignatureAlgorithm,
}

impl PublicKeyData for MlsKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.raw
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.algorithm
    }
}
