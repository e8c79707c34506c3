//! X.509 issuance and validation around a group (RFC 9750 §4, §8.4.3):
//! an Authentication Service issues certificates for keys its clients
//! made (proof of possession, the AS never sees a private key); every
//! member validates every credential against the AS's root at its own
//! time; a revoked member is found by the review and removed.
//!
//! `cargo run -p mls-as --example x509`

use mls_as::{
    prove_possession, review_members, rotation_status, Authority, InvalidCredentialPolicy,
    X509Validator,
};
use mls_group::*;

const DAY: u64 = 86_400;

fn main() {
    let now = unix_time_now();
    let suite = RustCrypto
        .cipher_suite_provider(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap();

    // The AS: a root (the trust anchor) and an issuing intermediate.
    let mut root = Authority::new_root("Example Root CA", now - DAY, 3650 * DAY).unwrap();
    let mut ca = root
        .subordinate(
            "Example Issuing CA",
            &mls_as::rcgen::PKCS_ED25519,
            now - DAY,
            365 * DAY,
            None,
        )
        .unwrap();
    ca.lifetime = 30 * DAY;

    // Each client makes its key pair and proves possession to the AS.
    let mut enroll = |name: &str, nonce: u8| {
        let keys = suite.signature_generate(&mut OsRng).unwrap();
        let challenge = ca.challenge(vec![nonce; 32]);
        let proof = prove_possession(&suite, &keys.private, &challenge, name).unwrap();
        let credential = ca
            .issue(&suite, &keys.public, name, &challenge, &proof, now)
            .unwrap();
        println!(
            "issued {name}: {:?}",
            rotation_status(&credential, now, 7 * DAY).unwrap()
        );
        ClientIdentity::new(credential, keys)
    };
    let alice = enroll("mls://example.com/alice", 1);
    let bob = enroll("mls://example.com/bob", 2);

    // Every member validates with the root as its only trust anchor.
    let validator = X509Validator::new([root.root_certificate()]).unwrap();
    let policy = || -> Box<dyn GroupPolicy> { Box::new(ValidatorPolicy::new(validator.clone())) };
    let mut options = KeyPackageOptions::default();
    options.capabilities.credentials = vec![CredentialType::BASIC, CredentialType::X509];
    let alice_kp = KeyPackageBundle::create(&suite, &alice, options.clone(), &mut OsRng).unwrap();
    let bob_kp = KeyPackageBundle::create(&suite, &bob, options, &mut OsRng).unwrap();

    let mut a = Group::create_with_leaf(
        suite.clone(),
        alice_kp,
        b"x509 chat".to_vec(),
        vec![],
        GroupConfig::default(),
        &mut OsRng,
    )
    .unwrap();
    a.set_policy(policy());
    a.set_time(now);
    let out = a
        .add_members(vec![bob_kp.key_package().clone()], &mut OsRng)
        .unwrap();
    a.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let mut b = Group::join(
        suite.clone(),
        &welcome,
        &bob_kp,
        JoinOptions {
            now: Some(now),
            policy: Some(policy()),
            ..JoinOptions::default()
        },
    )
    .unwrap();
    for m in a.members() {
        let who = validator.identity(&m.credential).unwrap();
        println!("member {}: {}", m.index.0, String::from_utf8_lossy(&who));
    }
    let msg = a
        .encrypt_application_message(b"hello, certified Bob", b"", &mut OsRng)
        .unwrap();
    if let ProcessedMessage::Application { data, .. } = b.process_message(&msg).unwrap() {
        println!("bob reads: {}", String::from_utf8_lossy(&data));
    }

    // A forged credential: Bob's certificate with Mallory's key.
    let mallory_keys = suite.signature_generate(&mut OsRng).unwrap();
    let forged = ClientIdentity::new(bob.credential().clone(), mallory_keys);
    let mut forged_options = KeyPackageOptions::default();
    forged_options.capabilities.credentials = vec![CredentialType::BASIC, CredentialType::X509];
    let forged_kp = KeyPackageBundle::create(&suite, &forged, forged_options, &mut OsRng).unwrap();
    let err = a
        .add_members(vec![forged_kp.key_package().clone()], &mut OsRng)
        .unwrap_err();
    println!("forged KeyPackage refused: {err}");

    // Bob's certificate is revoked; the review says to remove him.
    let mut revoking = validator.clone();
    let Credential::X509(chain) = bob.credential() else {
        unreachable!()
    };
    revoking.revoke_certificate(&chain[0].cert_data).unwrap();
    let verdicts = review_members(
        &revoking,
        &a.members(),
        CipherSuite(1),
        now,
        InvalidCredentialPolicy::Evict,
    );
    for v in &verdicts {
        println!("member {}: {} -> {:?}", v.index.0, v.reason, v.action);
    }
    let removes = verdicts
        .iter()
        .filter_map(|v| v.remove_proposal())
        .collect();
    a.commit(removes, &CommitOptions::default(), &mut OsRng)
        .unwrap();
    a.merge_pending_commit().unwrap();
    println!("members left: {}", a.members().len());
}
