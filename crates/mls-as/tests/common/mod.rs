//! Chains made at test time: root → intermediate → leaf, the leaf
//! certifying an MLS signature key made by the client.
#![allow(dead_code)]

use mls_as::rcgen::{self, SignatureAlgorithm};
use mls_as::{prove_possession, Authority, X509Validator};
use mls_group::*;

pub const NOW: u64 = 1_700_000_000;
pub const DAY: u64 = 86_400;

/// The CA algorithm that goes with a suite's scheme.
pub fn ca_algorithm(suite: u16) -> &'static SignatureAlgorithm {
    match suite {
        2 => &rcgen::PKCS_ECDSA_P256_SHA256,
        7 => &rcgen::PKCS_ECDSA_P384_SHA384,
        _ => &rcgen::PKCS_ED25519,
    }
}

pub fn suite(n: u16) -> RustCryptoSuite {
    mls_rustcrypto::RustCrypto
        .cipher_suite_provider(CipherSuite(n))
        .unwrap()
}

/// A root and an intermediate of the suite's algorithm.
pub struct Pki {
    pub root: Authority,
    pub inter: Authority,
}

impl Pki {
    pub fn new(suite: u16) -> Self {
        Self::named(suite, "Test Root")
    }

    pub fn named(suite: u16, root: &str) -> Self {
        let alg = ca_algorithm(suite);
        let mut root = Authority::new_root_with(root, alg, NOW - DAY, 3650 * DAY).unwrap();
        let inter = root
            .subordinate("Test Intermediate", alg, NOW - DAY, 365 * DAY, None)
            .unwrap();
        Pki { root, inter }
    }

    pub fn validator(&self) -> X509Validator {
        X509Validator::new([self.root.root_certificate()]).unwrap()
    }

    /// A client's identity: its own key pair, certified after proof of
    /// possession.
    pub fn identity(&mut self, s: &RustCryptoSuite, name: &str) -> ClientIdentity {
        let keys = s.signature_generate(&mut OsRng).unwrap();
        let credential = self.issue(s, &keys, name);
        ClientIdentity::new(credential, keys)
    }

    pub fn issue(
        &mut self,
        s: &RustCryptoSuite,
        keys: &SignatureKeyPair,
        name: &str,
    ) -> Credential {
        let nonce: Vec<u8> = (0..32).map(|i| i as u8 ^ name.len() as u8).collect();
        let challenge = self.inter.challenge(nonce);
        let proof = prove_possession(s, &keys.private, &challenge, name).unwrap();
        self.inter
            .issue(s, &keys.public, name, &challenge, &proof, NOW)
            .unwrap()
    }

    /// A credential whose leaf is of the caller's own `params`.
    pub fn custom(
        &mut self,
        s: &RustCryptoSuite,
        keys: &SignatureKeyPair,
        params: rcgen::CertificateParams,
    ) -> Credential {
        let leaf = self
            .inter
            .certify_params(params, s.cipher_suite(), &keys.public)
            .unwrap();
        chain(leaf, &self.inter)
    }
}

/// `leaf` followed by `ca`'s chain.
pub fn chain(leaf: Vec<u8>, ca: &Authority) -> Credential {
    let mut c = vec![Certificate { cert_data: leaf }];
    c.extend(ca.chain().iter().map(|d| Certificate {
        cert_data: d.clone(),
    }));
    Credential::X509(c)
}

/// Leaf parameters like the Authority's: URI SAN, digitalSignature,
/// clientAuth, valid [from, to].
pub fn leaf_params(name: &str, from: u64, to: u64) -> rcgen::CertificateParams {
    let mut p = rcgen::CertificateParams::default();
    p.subject_alt_names = vec![rcgen::SanType::URI(name.to_string().try_into().unwrap())];
    p.not_before = time::OffsetDateTime::from_unix_timestamp(from as i64).unwrap();
    p.not_after = time::OffsetDateTime::from_unix_timestamp(to as i64).unwrap();
    p.is_ca = rcgen::IsCa::ExplicitNoCa;
    p.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    p
}

pub fn input<'a>(
    credential: &'a Credential,
    key: &'a SignaturePublicKey,
    suite: u16,
    now: Option<u64>,
) -> CredentialInput<'a> {
    CredentialInput {
        credential,
        signature_key: key,
        cipher_suite: CipherSuite(suite),
        now,
        context: CredentialContext::KeyPackage,
    }
}

pub fn x509_policy(v: X509Validator) -> Box<dyn GroupPolicy> {
    Box::new(ValidatorPolicy::new(v))
}

/// KeyPackage options of an X.509 client: it supports basic and x509
/// credentials (§7.2: every member must support a new member's type).
pub fn kp_options() -> KeyPackageOptions {
    let mut o = KeyPackageOptions::default();
    o.capabilities.credentials = vec![CredentialType::BASIC, CredentialType::X509];
    o
}

pub fn key_package(s: &RustCryptoSuite, id: &ClientIdentity) -> KeyPackageBundle {
    KeyPackageBundle::create(s, id, kp_options(), &mut OsRng).unwrap()
}

/// A group created by `creator` (its leaf supporting x509) under `policy`, at NOW.
pub fn create(
    s: &RustCryptoSuite,
    creator: &ClientIdentity,
    policy: Box<dyn GroupPolicy>,
) -> Group<RustCryptoSuite> {
    let mut g = Group::create_with_leaf(
        s.clone(),
        key_package(s, creator),
        b"x509 group".to_vec(),
        vec![],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    g.set_policy(policy);
    g.set_time(NOW);
    g
}
