//! The resource limits (README "Resource limits") fail with their typed
//! errors, and the decoder-level ones hold before anything large is
//! allocated.

use mls_codec::{decode_exact, write_varint, Encode};
use mls_crypto::CipherSuite;
use mls_framing::limits::{MAX_EXTENSIONS, MAX_PROPOSALS_PER_COMMIT};
use mls_framing::{
    Commit, DecodeLimits, FramingError, GroupSecrets, Limit, MlsMessage, ProposalOrRef,
    ProposalRef, Welcome,
};
use mls_treekem::limits::MAX_TREE_LEAVES;
use mls_treekem::{RatchetTree, TreeError};
use mls_types::{Extension, ExtensionType};

/// A present leaf node with empty keys, a basic credential, empty
/// capabilities, source update, no extensions and an empty signature.
const MINIMAL_LEAF: [u8; 15] = [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0];

/// A tree whose last leaf is leaf `last` (all else blank).
fn tree_up_to_leaf(last: usize) -> Vec<u8> {
    let mut body = vec![0u8; 2 * last];
    body.extend(MINIMAL_LEAF);
    let mut out = Vec::new();
    write_varint(body.len(), &mut out).unwrap();
    out.extend(body);
    out
}

#[test]
fn received_trees_are_limited_in_leaves() {
    // 9 leaves pad to 16.
    let nine = tree_up_to_leaf(8);
    assert!(RatchetTree::from_extension_bytes_with_max_leaves(&nine, 16).is_ok());
    assert_eq!(
        RatchetTree::from_extension_bytes_with_max_leaves(&nine, 8).err(),
        Some(TreeError::TreeTooLarge)
    );
    // The default: MAX_TREE_LEAVES leaves is fine, one more is not.
    let max = MAX_TREE_LEAVES as usize;
    let tree = RatchetTree::from_extension_bytes(&tree_up_to_leaf(max - 1)).unwrap();
    assert_eq!(tree.n_leaves(), MAX_TREE_LEAVES);
    assert_eq!(
        RatchetTree::from_extension_bytes(&tree_up_to_leaf(max)).err(),
        Some(TreeError::TreeTooLarge)
    );
}

#[test]
fn commits_are_limited_in_proposals_while_decoding() {
    let commit = |n: usize| Commit {
        proposals: vec![ProposalOrRef::Reference(ProposalRef(vec![])); n],
        path: None,
    };
    let ok = commit(MAX_PROPOSALS_PER_COMMIT).to_bytes().unwrap();
    assert_eq!(
        decode_exact::<Commit>(&ok).unwrap().proposals.len(),
        MAX_PROPOSALS_PER_COMMIT
    );
    let too_many = commit(MAX_PROPOSALS_PER_COMMIT + 1).to_bytes().unwrap();
    assert_eq!(
        decode_exact::<Commit>(&too_many),
        Err(mls_codec::Error::TooManyElements {
            max: MAX_PROPOSALS_PER_COMMIT
        })
    );
    let limits = DecodeLimits {
        max_proposals_per_commit: 3,
        ..DecodeLimits::DEFAULT
    };
    assert!(limits.check_commit(&commit(3)).is_ok());
    assert_eq!(
        limits.check_commit(&commit(4)),
        Err(FramingError::LimitExceeded {
            limit: Limit::ProposalsPerCommit,
            actual: 4,
            max: 3
        })
    );
}

fn welcome(secrets: usize) -> MlsMessage {
    let s = mls_framing::EncryptedGroupSecrets {
        new_member: mls_framing::KeyPackageRef(vec![]),
        encrypted_group_secrets: mls_crypto::HpkeCiphertext {
            kem_output: vec![],
            ciphertext: vec![],
        },
    };
    MlsMessage::from(Welcome {
        cipher_suite: CipherSuite(1),
        secrets: vec![s; secrets],
        encrypted_group_info: vec![0; 10],
    })
}

#[test]
fn messages_are_limited_in_size_and_counts() {
    let bytes = welcome(3).to_bytes().unwrap();
    assert!(MlsMessage::from_bytes(&bytes).is_ok());
    let limits = DecodeLimits {
        max_message_size: bytes.len() - 1,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        MlsMessage::from_bytes_with_limits(&bytes, &limits),
        Err(FramingError::LimitExceeded {
            limit: Limit::MessageSize,
            actual: bytes.len(),
            max: bytes.len() - 1
        })
    );
    let limits = DecodeLimits {
        max_welcome_secrets: 2,
        ..DecodeLimits::DEFAULT
    };
    assert!(matches!(
        MlsMessage::from_bytes_with_limits(&bytes, &limits),
        Err(FramingError::LimitExceeded {
            limit: Limit::WelcomeSecrets,
            actual: 3,
            max: 2
        })
    ));
    // The default message size limit refuses before decoding anything.
    let huge = vec![0u8; mls_framing::limits::MAX_MESSAGE_SIZE + 1];
    assert!(matches!(
        MlsMessage::from_bytes(&huge),
        Err(FramingError::LimitExceeded {
            limit: Limit::MessageSize,
            ..
        })
    ));
}

#[test]
fn extension_lists_and_psks_are_limited() {
    let mut gi = mls_framing::GroupInfo {
        group_context: mls_types::GroupContext::new(CipherSuite(1), vec![], 0, vec![], vec![]),
        extensions: vec![],
        confirmation_tag: vec![],
        signer: mls_types::tree_math::LeafIndex(0),
        signature: vec![],
    };
    gi.extensions = (0..MAX_EXTENSIONS as u16)
        .map(|t| Extension::new(ExtensionType(t + 100), vec![]))
        .collect();
    let bytes = MlsMessage::from(gi.clone()).to_bytes().unwrap();
    assert!(MlsMessage::from_bytes(&bytes).is_ok());
    gi.extensions
        .push(Extension::new(ExtensionType(9999), vec![]));
    let bytes = MlsMessage::from(gi).to_bytes().unwrap();
    assert_eq!(
        MlsMessage::from_bytes(&bytes),
        Err(FramingError::LimitExceeded {
            limit: Limit::Extensions,
            actual: MAX_EXTENSIONS + 1,
            max: MAX_EXTENSIONS
        })
    );
    let psk = mls_keyschedule::PreSharedKeyID {
        psk: mls_keyschedule::Psk::External { psk_id: vec![] },
        psk_nonce: vec![],
    };
    let gs = GroupSecrets {
        joiner_secret: vec![],
        path_secret: None,
        psks: vec![psk; mls_framing::limits::MAX_PSKS + 1],
    };
    assert!(matches!(
        DecodeLimits::DEFAULT.check_group_secrets(&gs),
        Err(FramingError::LimitExceeded {
            limit: Limit::Psks,
            ..
        })
    ));
}
