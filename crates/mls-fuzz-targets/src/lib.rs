//! The bodies of the libFuzzer targets in `fuzz/` (see the README's
//! "Fuzzing" section), as plain functions so that stable `cargo test`
//! replays the committed corpora (`tests/corpus_replay.rs`) through exactly
//! the code the fuzzers run.
//!
//! Each body takes arbitrary bytes and must never panic. The decoder
//! targets (this file): whatever decodes must re-encode to the identical
//! bytes: decoding is strict, so accepting a non-canonical encoding is a
//! bug, and the bodies assert it. The stateful targets ([`stateful`]) feed
//! hostile messages to the live group of [`fixture`] and assert that a
//! refusal leaves the state unchanged; their seeds come from [`seeds`].
#![forbid(unsafe_code)]

use mls_codec::{decode_exact, Decode, Encode, Reader};
use mls_crypto::{CipherSuite, CryptoProvider};
use mls_framing::{
    check_sender_rules, check_unique_extensions, find_extension, ApplicationId, Content,
    ExternalPub, ExternalSenders, GroupInfo, KeyPackage, MlsMessage, MlsMessageBody,
    PrivateMessageContent, RatchetTreeExtension, Welcome,
};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_treekem::{
    validate_leaf_node, LeafNodeContext, LeafValidationOptions, RatchetTree, TreeImportParams,
};
use mls_types::{Extension, ProtocolVersion, RequiredCapabilities};
use std::sync::OnceLock;

pub mod fixture;
pub mod seeds;
pub mod stateful;

/// The body of a fuzz target.
pub type Target = fn(&[u8]);

/// Every fuzz target: its name (the `fuzz/fuzz_targets/<name>.rs` binary
/// and the `fuzz/corpus/<name>/` directory) and its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("mls_message", mls_message),
    ("key_package", key_package),
    ("welcome", welcome),
    ("group_info", group_info),
    ("ratchet_tree", ratchet_tree),
    ("ratchet_tree_import", ratchet_tree_import),
    ("group_process", stateful::group_process),
    ("welcome_join", stateful::welcome_join),
    ("external_commit", stateful::external_commit),
];

/// The suite the validating targets use: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
fn suite1() -> &'static RustCryptoSuite {
    static SUITE: OnceLock<RustCryptoSuite> = OnceLock::new();
    SUITE.get_or_init(|| {
        RustCrypto
            .cipher_suite_provider(CipherSuite(1))
            .expect("suite 1 is built in")
    })
}

/// Decodes `bytes` as exactly one `T`; if that works, the value must
/// re-encode to `bytes`.
fn roundtrip<T: Decode + Encode + core::fmt::Debug>(bytes: &[u8]) -> Option<T> {
    let value = decode_exact::<T>(bytes).ok()?;
    match value.to_bytes() {
        Ok(again) => assert!(
            again == bytes,
            "non-canonical encoding accepted: {value:?}\n in:  {bytes:02x?}\n out: {again:02x?}"
        ),
        Err(e) => panic!("decoded value does not re-encode ({e}): {value:?}"),
    }
    Some(value)
}

/// The known extension bodies inside `extensions` decode without panicking
/// and, if they decode, re-encode identically.
fn extension_bodies(extensions: &[Extension]) {
    let _ = check_unique_extensions(extensions);
    for ext in extensions {
        let data = ext.extension_data.as_slice();
        roundtrip::<ApplicationId>(data);
        roundtrip::<RatchetTreeExtension>(data);
        roundtrip::<RequiredCapabilities>(data);
        roundtrip::<ExternalPub>(data);
        roundtrip::<ExternalSenders>(data);
    }
    let _ = find_extension::<RatchetTreeExtension>(extensions);
    let _ = find_extension::<ExternalSenders>(extensions);
}

/// `fuzz_targets/mls_message.rs`: an `MLSMessage` of any wire format.
///
/// Beyond the round trip: the version checks of
/// [`MlsMessage::from_bytes`], the sender/wire-format rules of a
/// PublicMessage, the extensions inside, and the content of a PrivateMessage
/// ciphertext parsed as if it were the decrypted plaintext.
pub fn mls_message(data: &[u8]) {
    let from_bytes = MlsMessage::from_bytes(data);
    let Some(msg) = roundtrip::<MlsMessage>(data) else {
        assert!(
            from_bytes.is_err(),
            "from_bytes accepted what decode refused"
        );
        return;
    };
    match &msg.body {
        MlsMessageBody::PublicMessage(pm) => {
            let _ = check_sender_rules(msg.wire_format(), &pm.content);
            let ac = pm.clone().into_authenticated_content();
            let _ = ac.to_bytes();
            if let Content::Commit(commit) = &pm.content.content {
                let _ = commit.path_required();
            }
        }
        MlsMessageBody::PrivateMessage(pm) => {
            for content_type in [
                mls_framing::ContentType::Application,
                mls_framing::ContentType::Proposal,
                mls_framing::ContentType::Commit,
            ] {
                if let Ok(pmc) = PrivateMessageContent::from_plaintext(content_type, &pm.ciphertext)
                {
                    assert_eq!(pmc.to_plaintext().as_deref(), Ok(pm.ciphertext.as_slice()));
                }
            }
        }
        MlsMessageBody::Welcome(w) => welcome_checks(w),
        MlsMessageBody::GroupInfo(gi) => group_info_checks(gi),
        MlsMessageBody::KeyPackage(kp) => key_package_checks(kp),
    }
}

/// `fuzz_targets/key_package.rs`: a bare `KeyPackage`, then its validation
/// (signature, leaf node in the KeyPackage context) with suite 1.
pub fn key_package(data: &[u8]) {
    if let Some(kp) = roundtrip::<KeyPackage>(data) {
        key_package_checks(&kp);
    }
}

fn key_package_checks(kp: &KeyPackage) {
    extension_bodies(&kp.extensions);
    extension_bodies(&kp.leaf_node.extensions);
    let suite = suite1();
    if kp
        .validate(suite, ProtocolVersion::MLS10, CipherSuite(1))
        .is_ok()
    {
        let _ = validate_leaf_node(
            suite,
            &kp.leaf_node,
            LeafNodeContext::KeyPackage,
            None,
            None,
            &LeafValidationOptions::without_lifetime(),
        );
    }
    let _ = kp.reference(suite);
}

/// `fuzz_targets/welcome.rs`: a bare `Welcome`.
pub fn welcome(data: &[u8]) {
    if let Some(w) = roundtrip::<Welcome>(data) {
        welcome_checks(&w);
    }
}

fn welcome_checks(w: &Welcome) {
    for s in &w.secrets {
        let _ = w.secrets_for(&s.new_member);
    }
}

/// `fuzz_targets/group_info.rs`: a bare `GroupInfo`, its extensions' bodies
/// and, if it carries a ratchet tree, that tree's structural decode.
pub fn group_info(data: &[u8]) {
    if let Some(gi) = roundtrip::<GroupInfo>(data) {
        group_info_checks(&gi);
    }
}

fn group_info_checks(gi: &GroupInfo) {
    extension_bodies(&gi.extensions);
    extension_bodies(&gi.group_context.extensions);
    for ext in &gi.extensions {
        if ext.extension_type == mls_types::ExtensionType::RATCHET_TREE {
            ratchet_tree(&ext.extension_data);
        }
    }
    let _ = gi.tbs().to_bytes();
}

/// `fuzz_targets/ratchet_tree.rs`: the `ratchet_tree` extension's body,
/// decoded structurally ([`RatchetTree::from_extension_bytes`]) and as the
/// plain vector of optional nodes.
pub fn ratchet_tree(data: &[u8]) {
    roundtrip::<RatchetTreeExtension>(data);
    if let Ok(tree) = RatchetTree::from_extension_bytes(data) {
        let again = tree
            .to_extension_bytes()
            .expect("a decoded tree re-encodes");
        assert!(again == data, "tree re-encodes differently");
        let _ = tree.check_unmerged_leaves();
    }
}

/// `fuzz_targets/ratchet_tree_import.rs`: full import validation with
/// suite 1 (RFC 9420 §12.4.3.1).
///
/// Input: `opaque group_id<V>` followed by the `ratchet_tree` body. The
/// expected tree hash is the tree's own, so that fuzzed trees get past the
/// hash check into the unmerged-leaf, leaf and parent-hash checks.
pub fn ratchet_tree_import(data: &[u8]) {
    let mut r = Reader::new(data);
    let Ok(group_id) = Vec::<u8>::decode(&mut r) else {
        return;
    };
    let tree_bytes = r.rest();
    let Ok(mut tree) = RatchetTree::from_extension_bytes(tree_bytes) else {
        return;
    };
    let suite = suite1();
    let Ok(tree_hash) = tree.tree_hash(suite) else {
        return;
    };
    let params = TreeImportParams {
        group_id: &group_id,
        expected_tree_hash: &tree_hash,
        required_capabilities: None,
        options: LeafValidationOptions::without_lifetime(),
    };
    if let Ok(imported) = RatchetTree::import(suite, tree_bytes, &params) {
        let again = imported
            .to_extension_bytes()
            .expect("an imported tree re-encodes");
        assert!(again == tree_bytes, "imported tree re-encodes differently");
    }
    // A wrong expected hash is always refused.
    let mut wrong = tree_hash.clone();
    if let Some(b) = wrong.first_mut() {
        *b ^= 1;
    }
    let params = TreeImportParams {
        expected_tree_hash: &wrong,
        ..params
    };
    assert!(RatchetTree::import(suite, tree_bytes, &params).is_err());
}
