//! Decode fuzz smoke: arbitrary bytes and mutated valid encodings never
//! panic, and whatever decodes re-encodes to the same bytes.

use crate::common;

use mls_codec::{decode_exact, Decode, Encode};
use mls_framing::{
    AuthenticatedContent, Commit, ContentType, ExternalPub, ExternalSenders, FramedContent,
    GroupInfo, GroupSecrets, KeyPackage, MlsMessage, PrivateMessage, PrivateMessageContent,
    Proposal, ProposalOrRef, PublicMessage, RatchetTreeExtension, Sender, SenderData, Welcome,
};
use proptest::prelude::*;
use std::sync::OnceLock;

fn samples() -> &'static common::Samples {
    static SAMPLES: OnceLock<common::Samples> = OnceLock::new();
    SAMPLES.get_or_init(common::samples)
}

/// Decodes `bytes` as `T`; if it decodes, it must re-encode identically
/// (decoding is strict, so every accepted encoding is canonical).
fn decode_roundtrip<T: Decode + Encode>(bytes: &[u8]) {
    if let Ok(value) = decode_exact::<T>(bytes) {
        assert_eq!(value.to_bytes().as_deref(), Ok(bytes));
    }
}

/// Every type on the same input. Welcome, GroupInfo and KeyPackage also
/// decode bare, without the MLSMessage header.
fn decode_all(bytes: &[u8]) {
    decode_roundtrip::<MlsMessage>(bytes);
    let _ = MlsMessage::from_bytes(bytes);
    decode_roundtrip::<KeyPackage>(bytes);
    decode_roundtrip::<Welcome>(bytes);
    decode_roundtrip::<GroupInfo>(bytes);
    decode_roundtrip::<Proposal>(bytes);
    decode_roundtrip::<Commit>(bytes);
    decode_roundtrip::<RatchetTreeExtension>(bytes);
    decode_roundtrip::<AuthenticatedContent>(bytes);
    decode_roundtrip::<GroupSecrets>(bytes);
    decode_roundtrip::<PublicMessage>(bytes);
    decode_roundtrip::<PrivateMessage>(bytes);
    decode_roundtrip::<FramedContent>(bytes);
    decode_roundtrip::<Sender>(bytes);
    decode_roundtrip::<SenderData>(bytes);
    decode_roundtrip::<ProposalOrRef>(bytes);
    decode_roundtrip::<ExternalSenders>(bytes);
    decode_roundtrip::<ExternalPub>(bytes);
    decode_roundtrip::<mls_types::RequiredCapabilities>(bytes);
    decode_roundtrip::<mls_treekem::Node>(bytes);
    decode_roundtrip::<mls_treekem::LeafNode>(bytes);
    decode_roundtrip::<mls_treekem::UpdatePath>(bytes);
    decode_roundtrip::<mls_types::GroupContext>(bytes);
    decode_roundtrip::<mls_keyschedule::PreSharedKeyID>(bytes);
    if let Ok(tree) = mls_treekem::RatchetTree::from_extension_bytes(bytes) {
        assert_eq!(tree.to_extension_bytes().as_deref(), Ok(bytes));
    }
    for content_type in [
        ContentType::Application,
        ContentType::Proposal,
        ContentType::Commit,
    ] {
        if let Ok(pmc) = PrivateMessageContent::from_plaintext(content_type, bytes) {
            assert_eq!(pmc.to_plaintext().as_deref(), Ok(bytes));
        }
    }
    // The bare bodies of the MLSMessage samples (after version and wire format).
    if let Some(body) = bytes.get(4..) {
        decode_roundtrip::<KeyPackage>(body);
        decode_roundtrip::<Welcome>(body);
        decode_roundtrip::<GroupInfo>(body);
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Truncate { at: usize },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Remove { at }),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Flip { at, mask } => {
                if let Some(b) = bytes.get_mut(at % len) {
                    *b ^= mask;
                }
            }
            Mutation::Truncate { at } => bytes.truncate(at % len),
            Mutation::Insert { at, byte } => bytes.insert(at % (bytes.len() + 1), byte),
            Mutation::Remove { at } => {
                if !bytes.is_empty() {
                    bytes.remove(at % len);
                }
            }
        }
    }
    bytes
}

fn all_samples() -> Vec<Vec<u8>> {
    let s = samples();
    let mut all = s.messages.clone();
    all.extend(s.proposals.iter().cloned());
    all.extend([
        s.key_package.clone(),
        s.welcome.clone(),
        s.group_info.clone(),
        s.commit.clone(),
        s.ratchet_tree.clone(),
    ]);
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_samples(
        which in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let all = all_samples();
        let sample = all[which.index(all.len())].clone();
        decode_all(&mutate(sample, &mutations));
    }
}

#[test]
fn every_prefix_of_every_sample() {
    let all = all_samples();
    eprintln!(
        "{} samples, {} bytes",
        all.len(),
        all.iter().map(Vec::len).sum::<usize>()
    );
    for sample in all {
        let decodes = decode_exact::<MlsMessage>(&sample).is_ok()
            || decode_exact::<KeyPackage>(&sample).is_ok()
            || decode_exact::<Proposal>(&sample).is_ok()
            || decode_exact::<Commit>(&sample).is_ok()
            || decode_exact::<RatchetTreeExtension>(&sample).is_ok();
        assert!(decodes, "a sample does not decode");
        for end in 0..sample.len() {
            decode_all(&sample[..end]);
        }
    }
}
