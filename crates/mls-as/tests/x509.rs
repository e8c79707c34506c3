//! X.509 validation with chains made at test time (root → intermediate →
//! leaf) for Ed25519 (suite 1), P-256 (suite 2) and P-384 (suite 7):
//! accepted, and every refusal with its precise error — by the validator
//! alone, by a member adding the KeyPackage (state unchanged) and by a
//! Delivery Service's `PublicGroup` following the commit (state unchanged).

mod common;

use common::*;
use mls_as::rcgen;
use mls_as::{validate_as, Eku, SanForm, X509Validator};
use mls_group::*;

const SUITES: [u16; 3] = [1, 2, 7];

/// A group of `alice` under `validator`, at NOW.
fn group_of(
    s: &RustCryptoSuite,
    alice: ClientIdentity,
    validator: X509Validator,
) -> Group<RustCryptoSuite> {
    create(s, &alice, x509_policy(validator))
}

/// Alice adds a KeyPackage of `bad`: refused with `want` by her (state
/// unchanged) and, when another member commits it anyway, by a
/// `PublicGroup` under the validator (state unchanged).
fn add_is_refused(
    s: &RustCryptoSuite,
    pki: &mut Pki,
    validator: X509Validator,
    bad: ClientIdentity,
    want: CredentialError,
) {
    let alice = pki.identity(s, "mls://example.com/alice");
    let mut a = group_of(s, alice, validator.clone());
    let kp = key_package(s, &bad);
    let add = Proposal::Add(Add {
        key_package: kp.key_package().clone(),
    });
    let before = a.to_state_bytes().unwrap();
    let err = a
        .commit(vec![add.clone()], &CommitOptions::default(), &mut OsRng)
        .unwrap_err();
    assert_eq!(
        err,
        GroupError::CredentialRejected {
            context: CredentialContext::KeyPackage,
            reason: want.clone()
        }
    );
    assert_eq!(a.to_state_bytes().unwrap(), before, "member state changed");

    // The DS's view: alice, under a permissive policy, commits it.
    let mut ds = PublicGroup::from_group_info(
        s.clone(),
        &a.group_info(true, false).unwrap(),
        PublicGroupOptions {
            policy: Some(x509_policy(validator)),
            now: Some(NOW),
            ..Default::default()
        },
    )
    .unwrap();
    a.set_policy(Box::new(AcceptAll));
    let out = a
        .commit(vec![add], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    let (context, members) = (ds.context().clone(), ds.members());
    assert_eq!(
        ds.process_message(&out.commit).unwrap_err(),
        GroupError::CredentialRejected {
            context: CredentialContext::KeyPackage,
            reason: want
        }
    );
    assert_eq!(
        (ds.context(), ds.members()),
        (&context, members),
        "DS state changed"
    );
}

#[test]
fn chains_of_every_tested_suite_are_accepted() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        let bob = pki.identity(&s, "mls://example.com/bob");
        let v = pki.validator();
        assert_eq!(
            v.validate(&input(
                bob.credential(),
                bob.signature_key(),
                n,
                Some(NOW + 60)
            )),
            Ok(())
        );
        assert_eq!(
            v.identity(bob.credential()).unwrap(),
            b"mls://example.com/bob"
        );
        let Credential::X509(chain) = bob.credential() else {
            panic!()
        };
        assert_eq!(
            chain.len(),
            2,
            "leaf and intermediate; the root is the anchor"
        );
    }
}

#[test]
fn expired_and_not_yet_valid() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        for (from, to, want) in [
            (NOW - 10 * DAY, NOW - DAY, CredentialError::Expired),
            (NOW + DAY, NOW + 10 * DAY, CredentialError::NotYetValid),
        ] {
            let keys = s.signature_generate(&mut OsRng).unwrap();
            let c = pki.custom(&s, &keys, leaf_params("mls://example.com/bob", from, to));
            assert_eq!(
                pki.validator()
                    .validate(&input(&c, &keys.public, n, Some(NOW))),
                Err(want.clone())
            );
            let v = pki.validator();
            add_is_refused(&s, &mut pki, v, ClientIdentity::new(c, keys), want);
        }
    }
}

#[test]
fn wrong_key_usage() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        // A server certificate (EKU serverAuth only) ...
        let keys = s.signature_generate(&mut OsRng).unwrap();
        let mut p = leaf_params("mls://example.com/bob", NOW - DAY, NOW + DAY);
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let server = pki.custom(&s, &keys, p);
        assert_eq!(
            pki.validator()
                .validate(&input(&server, &keys.public, n, Some(NOW))),
            Err(CredentialError::KeyUsage)
        );
        let v = pki.validator();
        add_is_refused(
            &s,
            &mut pki,
            v,
            ClientIdentity::new(server, keys),
            CredentialError::KeyUsage,
        );
        // ... and a key that may not sign.
        let keys = s.signature_generate(&mut OsRng).unwrap();
        let mut p = leaf_params("mls://example.com/bob", NOW - DAY, NOW + DAY);
        p.key_usages = vec![rcgen::KeyUsagePurpose::KeyAgreement];
        let no_sign = pki.custom(&s, &keys, p);
        let v = pki.validator();
        add_is_refused(
            &s,
            &mut pki,
            v,
            ClientIdentity::new(no_sign, keys),
            CredentialError::KeyUsage,
        );
    }
}

#[test]
fn eku_absent_is_accepted_unless_required() {
    let s = suite(1);
    let mut pki = Pki::new(1);
    let keys = s.signature_generate(&mut OsRng).unwrap();
    let mut p = leaf_params("mls://example.com/bob", NOW - DAY, NOW + DAY);
    p.extended_key_usages = vec![];
    let c = pki.custom(&s, &keys, p);
    let mut v = pki.validator();
    assert_eq!(v.validate(&input(&c, &keys.public, 1, Some(NOW))), Ok(()));
    v.eku = Eku::ClientAuth;
    assert_eq!(
        v.validate(&input(&c, &keys.public, 1, Some(NOW))),
        Err(CredentialError::KeyUsage)
    );
}

#[test]
fn leaf_key_is_not_the_signature_key() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        let bob = pki.identity(&s, "mls://example.com/bob");
        let other = s.signature_generate(&mut OsRng).unwrap();
        assert_eq!(
            pki.validator()
                .validate(&input(bob.credential(), &other.public, n, Some(NOW))),
            Err(CredentialError::KeyMismatch)
        );
        // Mallory presents Bob's certificate with her own key.
        let mallory = ClientIdentity::new(bob.credential().clone(), other);
        let v = pki.validator();
        add_is_refused(&s, &mut pki, v, mallory, CredentialError::KeyMismatch);
    }
    // A certificate of another scheme than the group's suite.
    let mut pki = Pki::new(1);
    let bob = pki.identity(&suite(1), "mls://example.com/bob");
    assert_eq!(
        pki.validator()
            .validate(&input(bob.credential(), bob.signature_key(), 2, Some(NOW))),
        Err(CredentialError::WrongKeyAlgorithm)
    );
}

#[test]
fn unknown_root() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        let stranger = Pki::named(n, "Stranger Root");
        let bob = pki.identity(&s, "mls://example.com/bob");
        let v = stranger.validator();
        assert_eq!(
            v.validate(&input(bob.credential(), bob.signature_key(), n, Some(NOW))),
            Err(CredentialError::UnknownIssuer)
        );
        // Alice trusts both roots; Bob's does not chain to the one given to
        // the checking validator.
        let mut alice_pki = stranger;
        let alice = alice_pki.identity(&s, "mls://example.com/alice");
        let mut a = group_of(&s, alice, alice_pki.validator());
        let kp = key_package(&s, &bob);
        let before = a.to_state_bytes().unwrap();
        assert_eq!(
            a.add_members(vec![kp.key_package().clone()], &mut OsRng)
                .unwrap_err(),
            GroupError::CredentialRejected {
                context: CredentialContext::KeyPackage,
                reason: CredentialError::UnknownIssuer
            }
        );
        assert_eq!(a.to_state_bytes().unwrap(), before);
    }
}

#[test]
fn revoked_by_list_and_by_crl() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        let bob = pki.identity(&s, "mls://example.com/bob");
        let Credential::X509(chain) = bob.credential() else {
            panic!()
        };
        // By (issuer, serial).
        let mut v = pki.validator();
        v.revoke_certificate(&chain[0].cert_data).unwrap();
        assert_eq!(
            v.validate(&input(bob.credential(), bob.signature_key(), n, Some(NOW))),
            Err(CredentialError::Revoked)
        );
        add_is_refused(&s, &mut pki, v, bob.clone(), CredentialError::Revoked);
        // By a CRL of the intermediate, verified by webpki.
        let serial = x509_serial(&chain[0].cert_data);
        let crl = pki.inter.crl(&[serial], NOW - 60, 7 * DAY).unwrap();
        let mut v = pki.validator();
        v.add_crl(&crl).unwrap();
        assert_eq!(
            v.validate(&input(bob.credential(), bob.signature_key(), n, Some(NOW))),
            Err(CredentialError::Revoked)
        );
        add_is_refused(
            &s,
            &mut pki,
            v.clone(),
            bob.clone(),
            CredentialError::Revoked,
        );
        // Others under the same CRL are fine.
        let carol = pki.identity(&s, "mls://example.com/carol");
        assert_eq!(
            v.validate(&input(
                carol.credential(),
                carol.signature_key(),
                n,
                Some(NOW)
            )),
            Ok(())
        );
    }
}

/// The serial number's content bytes, as the certificate encodes them.
fn x509_serial(der: &[u8]) -> Vec<u8> {
    use x509_cert::der::Decode;
    let c = x509_cert::Certificate::from_der(der).unwrap();
    c.tbs_certificate().serial_number().as_bytes().to_vec()
}

#[test]
fn identity_mismatch() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        let bob = pki.identity(&s, "mls://example.com/bob");
        let v = pki.validator();
        let i = input(bob.credential(), bob.signature_key(), n, Some(NOW));
        assert_eq!(validate_as(&v, &i, b"mls://example.com/bob"), Ok(()));
        assert_eq!(
            validate_as(&v, &i, b"mls://example.com/alice"),
            Err(CredentialError::IdentityMismatch)
        );
        // No SAN of the configured form.
        let mut by_email = v.clone();
        by_email.san = SanForm::Email;
        assert_eq!(by_email.validate(&i), Err(CredentialError::NoIdentity));
    }
}

#[test]
fn chain_too_long() {
    for n in SUITES {
        let s = suite(n);
        let mut pki = Pki::new(n);
        let alg = ca_algorithm(n);
        let mut deeper = pki
            .inter
            .subordinate("Deeper", alg, NOW - DAY, 30 * DAY, None)
            .unwrap();
        let keys = s.signature_generate(&mut OsRng).unwrap();
        let leaf = deeper
            .certify(
                s.cipher_suite(),
                &keys.public,
                "mls://example.com/bob",
                NOW - 60,
                NOW + DAY,
            )
            .unwrap();
        let c = chain(leaf, &deeper);
        let mut v = pki.validator();
        assert_eq!(v.validate(&input(&c, &keys.public, n, Some(NOW))), Ok(()));
        v.max_chain_len = 2;
        assert_eq!(
            v.validate(&input(&c, &keys.public, n, Some(NOW))),
            Err(CredentialError::ChainTooLong)
        );
        add_is_refused(
            &s,
            &mut pki,
            v,
            ClientIdentity::new(c, keys),
            CredentialError::ChainTooLong,
        );

        // A CA's pathLenConstraint: an intermediate allowed no CA below it.
        let mut leafy = pki
            .root
            .subordinate("No sub-CAs", alg, NOW - DAY, 30 * DAY, Some(0))
            .unwrap();
        let mut sub = leafy
            .subordinate("Forbidden", alg, NOW - DAY, 30 * DAY, None)
            .unwrap();
        let keys = s.signature_generate(&mut OsRng).unwrap();
        let leaf = sub
            .certify(
                s.cipher_suite(),
                &keys.public,
                "mls://example.com/bob",
                NOW - 60,
                NOW + DAY,
            )
            .unwrap();
        let c = chain(leaf, &sub);
        assert_eq!(
            pki.validator()
                .validate(&input(&c, &keys.public, n, Some(NOW))),
            Err(CredentialError::ChainTooLong)
        );
    }
}

#[test]
fn name_constraints_dns_processed_email_fails_closed() {
    let s = suite(1);
    let mut pki = Pki::new(1);
    let mut p = mls_as::ca_params("Constrained", NOW - DAY, 30 * DAY, None).unwrap();
    p.name_constraints = Some(rcgen::NameConstraints {
        permitted_subtrees: vec![rcgen::GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![],
    });
    // A dNSName constraint is processed: a leaf with a DNS name outside it
    // is refused, one inside accepted.
    let mut constrained = pki.root.subordinate_with(p, &rcgen::PKCS_ED25519).unwrap();
    for (dns, want) in [
        ("a.example.com", Ok(())),
        ("evil.test", Err(CredentialError::NameConstraints)),
    ] {
        let keys = s.signature_generate(&mut OsRng).unwrap();
        let mut lp = leaf_params("mls://example.com/bob", NOW - DAY, NOW + DAY);
        lp.subject_alt_names
            .push(rcgen::SanType::DnsName(dns.try_into().unwrap()));
        let leaf = constrained
            .certify_params(lp, s.cipher_suite(), &keys.public)
            .unwrap();
        let c = chain(leaf, &constrained);
        assert_eq!(
            pki.validator()
                .validate(&input(&c, &keys.public, 1, Some(NOW))),
            want,
            "{dns}"
        );
    }
    // An rfc822Name constraint is not processed by webpki: it fails
    // closed, even for an address inside the permitted subtree.
    let mut p = mls_as::ca_params("Mail-constrained", NOW - DAY, 30 * DAY, None).unwrap();
    p.name_constraints = Some(rcgen::NameConstraints {
        permitted_subtrees: vec![rcgen::GeneralSubtree::Rfc822Name("example.com".into())],
        excluded_subtrees: vec![],
    });
    let mut mail = pki.root.subordinate_with(p, &rcgen::PKCS_ED25519).unwrap();
    mail.san = SanForm::Email;
    let keys = s.signature_generate(&mut OsRng).unwrap();
    let leaf = mail
        .certify(
            s.cipher_suite(),
            &keys.public,
            "bob@example.com",
            NOW - DAY,
            NOW + DAY,
        )
        .unwrap();
    let c = chain(leaf, &mail);
    let mut v = pki.validator();
    v.san = SanForm::Email;
    assert_eq!(
        v.validate(&input(&c, &keys.public, 1, Some(NOW))),
        Err(CredentialError::NameConstraints)
    );
}

#[test]
fn no_time_no_x509() {
    let s = suite(1);
    let mut pki = Pki::new(1);
    let bob = pki.identity(&s, "mls://example.com/bob");
    assert_eq!(
        pki.validator()
            .validate(&input(bob.credential(), bob.signature_key(), 1, None)),
        Err(CredentialError::TimeRequired)
    );
    // Other credential types are not this validator's.
    let basic = Credential::Basic(b"bob".to_vec());
    assert_eq!(
        pki.validator()
            .validate(&input(&basic, bob.signature_key(), 1, Some(NOW))),
        Err(CredentialError::UnsupportedCredentialType(
            CredentialType::BASIC
        ))
    );
}
