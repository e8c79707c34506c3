//! Property tests: every wire type round-trips, `decode(encode(x)) == x`,
//! for generated values (not just for the samples), and the encoding is
//! exactly `encoded_len()` bytes. The generators cover every variant of every
//! select and both states of every optional; the tree types (Node,
//! ParentNode, LeafNode, UpdatePath) are generated here too because they
//! appear inside the framing structures.
//!
//! Decoding arbitrary and mutated bytes without panicking is in `fuzz.rs`.

use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{CipherSuite, HpkeCiphertext, HpkePublicKey, SignaturePublicKey};
use mls_framing::*;
use mls_keyschedule::{PreSharedKeyID, Psk, ResumptionPskUsage};
use mls_treekem::{LeafNode, LeafNodeSource, Node, ParentNode, UpdatePath, UpdatePathNode};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;
use mls_types::{
    Capabilities, Certificate, Credential, CredentialType, Extension, ExtensionType, Lifetime,
    ProposalType, ProtocolVersion, RequiredCapabilities,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

/// Lengths around the one-/two-byte varint boundary (63/64) show up.
fn opaque() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![3 => bytes(8), 1 => bytes(70)]
}

fn extension() -> impl Strategy<Value = Extension> {
    (any::<u16>(), opaque()).prop_map(|(t, data)| Extension::new(ExtensionType(t), data))
}

fn extensions() -> impl Strategy<Value = Vec<Extension>> {
    vec(extension(), 0..3)
}

fn capabilities() -> impl Strategy<Value = Capabilities> {
    (
        vec(any::<u16>().prop_map(ProtocolVersion), 0..3),
        vec(any::<u16>().prop_map(CipherSuite), 0..3),
        vec(any::<u16>().prop_map(ExtensionType), 0..3),
        vec(any::<u16>().prop_map(ProposalType), 0..3),
        vec(any::<u16>().prop_map(CredentialType), 0..3),
    )
        .prop_map(
            |(versions, cipher_suites, extensions, proposals, credentials)| Capabilities {
                versions,
                cipher_suites,
                extensions,
                proposals,
                credentials,
            },
        )
}

fn required_capabilities() -> impl Strategy<Value = RequiredCapabilities> {
    (
        vec(any::<u16>().prop_map(ExtensionType), 0..3),
        vec(any::<u16>().prop_map(ProposalType), 0..3),
        vec(any::<u16>().prop_map(CredentialType), 0..3),
    )
        .prop_map(
            |(extension_types, proposal_types, credential_types)| RequiredCapabilities {
                extension_types,
                proposal_types,
                credential_types,
            },
        )
}

fn credential() -> impl Strategy<Value = Credential> {
    prop_oneof![
        opaque().prop_map(Credential::Basic),
        vec(
            bytes(8).prop_map(|cert_data| Certificate { cert_data }),
            0..3
        )
        .prop_map(Credential::X509),
        // §13.3: any other type, as type + opaque bytes.
        (3u16.., opaque()).prop_map(|(t, data)| Credential::Other {
            credential_type: CredentialType(t),
            data,
        }),
    ]
}

fn leaf_node_source() -> impl Strategy<Value = LeafNodeSource> {
    prop_oneof![
        (any::<u64>(), any::<u64>()).prop_map(|(not_before, not_after)| {
            LeafNodeSource::KeyPackage(Lifetime {
                not_before,
                not_after,
            })
        }),
        Just(LeafNodeSource::Update),
        bytes(32).prop_map(LeafNodeSource::Commit),
    ]
}

fn leaf_node() -> impl Strategy<Value = LeafNode> {
    (
        bytes(32).prop_map(HpkePublicKey),
        bytes(32).prop_map(SignaturePublicKey),
        credential(),
        capabilities(),
        leaf_node_source(),
        extensions(),
        opaque(),
    )
        .prop_map(
            |(
                encryption_key,
                signature_key,
                credential,
                capabilities,
                leaf_node_source,
                extensions,
                signature,
            )| LeafNode {
                encryption_key,
                signature_key,
                credential,
                capabilities,
                leaf_node_source,
                extensions,
                signature,
            },
        )
}

fn parent_node() -> impl Strategy<Value = ParentNode> {
    (
        bytes(32).prop_map(HpkePublicKey),
        bytes(32),
        vec(any::<u32>().prop_map(LeafIndex), 0..4),
    )
        .prop_map(
            |(encryption_key, parent_hash, unmerged_leaves)| ParentNode {
                encryption_key,
                parent_hash,
                unmerged_leaves,
            },
        )
}

fn node() -> impl Strategy<Value = Node> {
    prop_oneof![
        leaf_node().prop_map(Node::Leaf),
        parent_node().prop_map(Node::Parent)
    ]
}

fn hpke_ciphertext() -> impl Strategy<Value = HpkeCiphertext> {
    (bytes(32), opaque()).prop_map(|(kem_output, ciphertext)| HpkeCiphertext {
        kem_output,
        ciphertext,
    })
}

fn update_path() -> impl Strategy<Value = UpdatePath> {
    (
        leaf_node(),
        vec(
            (
                bytes(32).prop_map(HpkePublicKey),
                vec(hpke_ciphertext(), 0..3),
            )
                .prop_map(|(encryption_key, encrypted_path_secret)| UpdatePathNode {
                    encryption_key,
                    encrypted_path_secret: encrypted_path_secret.try_into().unwrap(),
                }),
            0..3,
        ),
    )
        .prop_map(|(leaf_node, nodes)| UpdatePath { leaf_node, nodes })
}

fn psk_id() -> impl Strategy<Value = PreSharedKeyID> {
    let psk = prop_oneof![
        opaque().prop_map(|psk_id| Psk::External { psk_id }),
        (any::<u8>(), bytes(16), any::<u64>()).prop_map(|(usage, psk_group_id, psk_epoch)| {
            Psk::Resumption {
                usage: ResumptionPskUsage(usage),
                psk_group_id,
                psk_epoch,
            }
        }),
    ];
    (psk, bytes(32)).prop_map(|(psk, psk_nonce)| PreSharedKeyID { psk, psk_nonce })
}

fn key_package() -> impl Strategy<Value = KeyPackage> {
    (
        any::<u16>(),
        any::<u16>(),
        bytes(32),
        leaf_node(),
        extensions(),
        opaque(),
    )
        .prop_map(
            |(version, suite, init_key, leaf_node, extensions, signature)| KeyPackage {
                version: ProtocolVersion(version),
                cipher_suite: CipherSuite(suite),
                init_key: HpkePublicKey(init_key),
                leaf_node,
                extensions,
                signature,
            },
        )
}

fn proposal() -> impl Strategy<Value = Proposal> {
    prop_oneof![
        key_package().prop_map(|key_package| Proposal::Add(Add { key_package })),
        leaf_node().prop_map(|leaf_node| Proposal::Update(Update { leaf_node })),
        any::<u32>().prop_map(|removed| Proposal::Remove(Remove { removed })),
        psk_id().prop_map(|psk| Proposal::PreSharedKey(PreSharedKey { psk })),
        (bytes(16), any::<u16>(), any::<u16>(), extensions()).prop_map(
            |(group_id, version, suite, extensions)| Proposal::ReInit(ReInit {
                group_id,
                version: ProtocolVersion(version),
                cipher_suite: CipherSuite(suite),
                extensions,
            })
        ),
        bytes(32).prop_map(|kem_output| Proposal::ExternalInit(ExternalInit { kem_output })),
        extensions().prop_map(|extensions| Proposal::GroupContextExtensions(
            GroupContextExtensions { extensions }
        )),
    ]
}

fn proposal_or_ref() -> impl Strategy<Value = ProposalOrRef> {
    prop_oneof![
        proposal().prop_map(ProposalOrRef::Proposal),
        bytes(32).prop_map(|r| ProposalOrRef::Reference(ProposalRef(r))),
    ]
}

fn commit() -> impl Strategy<Value = Commit> {
    (vec(proposal_or_ref(), 0..3), option::of(update_path()))
        .prop_map(|(proposals, path)| Commit { proposals, path })
}

fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![
        any::<u32>().prop_map(|i| Sender::Member(LeafIndex(i))),
        any::<u32>().prop_map(Sender::External),
        Just(Sender::NewMemberProposal),
        Just(Sender::NewMemberCommit),
    ]
}

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        opaque().prop_map(Content::Application),
        proposal().prop_map(Content::Proposal),
        commit().prop_map(Content::Commit),
    ]
}

fn framed_content() -> impl Strategy<Value = FramedContent> {
    (bytes(16), any::<u64>(), sender(), opaque(), content()).prop_map(
        |(group_id, epoch, sender, authenticated_data, content)| FramedContent {
            group_id,
            epoch,
            sender,
            authenticated_data,
            content,
        },
    )
}

/// Auth data consistent with `content_type` (the confirmation tag exactly
/// for commits), as the wire format requires.
fn auth_for(content_type: ContentType) -> impl Strategy<Value = FramedContentAuthData> {
    (opaque(), bytes(32)).prop_map(move |(signature, tag)| FramedContentAuthData {
        signature,
        confirmation_tag: (content_type == ContentType::Commit).then_some(tag),
    })
}

fn public_message() -> impl Strategy<Value = PublicMessage> {
    framed_content().prop_flat_map(|content| {
        let member = matches!(content.sender, Sender::Member(_));
        (
            Just(content.clone()),
            auth_for(content.content_type()),
            bytes(32),
        )
            .prop_map(move |(content, auth, tag)| PublicMessage {
                content,
                auth,
                membership_tag: member.then_some(tag),
            })
    })
}

fn content_type() -> impl Strategy<Value = ContentType> {
    prop_oneof![
        Just(ContentType::Application),
        Just(ContentType::Proposal),
        Just(ContentType::Commit),
    ]
}

fn private_message() -> impl Strategy<Value = PrivateMessage> {
    (
        bytes(16),
        any::<u64>(),
        content_type(),
        opaque(),
        bytes(48),
        opaque(),
    )
        .prop_map(
            |(group_id, epoch, content_type, authenticated_data, sender_data, ciphertext)| {
                PrivateMessage {
                    group_id,
                    epoch,
                    content_type,
                    authenticated_data,
                    encrypted_sender_data: sender_data,
                    ciphertext,
                }
            },
        )
}

fn private_message_content() -> impl Strategy<Value = PrivateMessageContent> {
    (content(), 0usize..40).prop_flat_map(|(content, padding)| {
        (Just(content.clone()), auth_for(content.content_type())).prop_map(
            move |(content, auth)| PrivateMessageContent {
                content,
                auth,
                padding,
            },
        )
    })
}

fn authenticated_content() -> impl Strategy<Value = AuthenticatedContent> {
    (
        prop_oneof![
            Just(WireFormat::PUBLIC_MESSAGE),
            Just(WireFormat::PRIVATE_MESSAGE)
        ],
        framed_content(),
    )
        .prop_flat_map(|(wire_format, content)| {
            (Just(content.clone()), auth_for(content.content_type())).prop_map(
                move |(content, auth)| AuthenticatedContent {
                    wire_format,
                    content,
                    auth,
                },
            )
        })
}

fn group_context() -> impl Strategy<Value = GroupContext> {
    (
        any::<u16>(),
        any::<u16>(),
        bytes(16),
        any::<u64>(),
        bytes(32),
        bytes(32),
        extensions(),
    )
        .prop_map(
            |(version, suite, group_id, epoch, tree_hash, cth, extensions)| GroupContext {
                version: ProtocolVersion(version),
                cipher_suite: CipherSuite(suite),
                group_id,
                epoch,
                tree_hash,
                confirmed_transcript_hash: cth,
                extensions,
            },
        )
}

fn group_info() -> impl Strategy<Value = GroupInfo> {
    (
        group_context(),
        extensions(),
        bytes(32),
        any::<u32>(),
        opaque(),
    )
        .prop_map(
            |(group_context, extensions, confirmation_tag, signer, signature)| GroupInfo {
                group_context,
                extensions,
                confirmation_tag,
                signer: LeafIndex(signer),
                signature,
            },
        )
}

fn group_secrets() -> impl Strategy<Value = GroupSecrets> {
    (
        bytes(32),
        option::of(bytes(32).prop_map(|path_secret| PathSecret { path_secret })),
        vec(psk_id(), 0..3),
    )
        .prop_map(|(joiner_secret, path_secret, psks)| GroupSecrets {
            joiner_secret,
            path_secret,
            psks,
        })
}

fn welcome() -> impl Strategy<Value = Welcome> {
    (
        any::<u16>(),
        vec(
            (bytes(32), hpke_ciphertext()).prop_map(|(r, encrypted_group_secrets)| {
                EncryptedGroupSecrets {
                    new_member: KeyPackageRef(r),
                    encrypted_group_secrets,
                }
            }),
            0..3,
        ),
        opaque(),
    )
        .prop_map(|(suite, secrets, encrypted_group_info)| Welcome {
            cipher_suite: CipherSuite(suite),
            secrets,
            encrypted_group_info,
        })
}

fn mls_message() -> impl Strategy<Value = MlsMessage> {
    let body = prop_oneof![
        public_message().prop_map(MlsMessageBody::PublicMessage),
        private_message().prop_map(MlsMessageBody::PrivateMessage),
        welcome().prop_map(MlsMessageBody::Welcome),
        group_info().prop_map(MlsMessageBody::GroupInfo),
        key_package().prop_map(MlsMessageBody::KeyPackage),
    ];
    (any::<u16>(), body).prop_map(|(version, body)| MlsMessage {
        version: ProtocolVersion(version),
        body,
    })
}

fn external_senders() -> impl Strategy<Value = ExternalSenders> {
    vec(
        (bytes(32), credential()).prop_map(|(key, credential)| ExternalSender {
            signature_key: SignaturePublicKey(key),
            credential,
        }),
        0..3,
    )
    .prop_map(ExternalSenders)
}

/// `decode(encode(x)) == x`, the encoding is `encoded_len()` bytes, and
/// re-encoding the decoded value gives the same bytes.
fn check<T: Encode + Decode + PartialEq + core::fmt::Debug>(x: &T) -> Result<(), TestCaseError> {
    let bytes = x
        .to_bytes()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(bytes.len(), x.encoded_len());
    let back: T = decode_exact(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, x);
    prop_assert_eq!(back.to_bytes().ok(), Some(bytes));
    Ok(())
}

proptest! {
    // Each case is cheap; 128 per property keeps the whole file to about a
    // second in a debug build.
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn sender_roundtrips(x in sender()) { check(&x)?; }

    #[test]
    fn framed_content_roundtrips(x in framed_content()) { check(&x)?; }

    #[test]
    fn public_message_roundtrips(x in public_message()) { check(&x)?; }

    #[test]
    fn private_message_roundtrips(x in private_message()) { check(&x)?; }

    #[test]
    fn private_message_content_roundtrips(x in private_message_content()) {
        let plain = x.to_plaintext().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = PrivateMessageContent::from_plaintext(x.content.content_type(), &plain)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, x);
    }

    #[test]
    fn sender_data_roundtrips(leaf in any::<u32>(), generation in any::<u32>(), guard in any::<[u8; 4]>()) {
        check(&SenderData { leaf_index: LeafIndex(leaf), generation, reuse_guard: guard })?;
    }

    #[test]
    fn authenticated_content_roundtrips(x in authenticated_content()) { check(&x)?; }

    #[test]
    fn key_package_roundtrips(x in key_package()) { check(&x)?; }

    #[test]
    fn leaf_node_roundtrips(x in leaf_node()) { check(&x)?; }

    #[test]
    fn node_roundtrips(x in node()) { check(&x)?; }

    #[test]
    fn parent_node_roundtrips(x in parent_node()) { check(&x)?; }

    #[test]
    fn update_path_roundtrips(x in update_path()) { check(&x)?; }

    #[test]
    fn proposal_roundtrips(x in proposal()) { check(&x)?; }

    #[test]
    fn proposal_or_ref_roundtrips(x in proposal_or_ref()) { check(&x)?; }

    #[test]
    fn commit_roundtrips(x in commit()) { check(&x)?; }

    #[test]
    fn welcome_roundtrips(x in welcome()) { check(&x)?; }

    #[test]
    fn group_info_roundtrips(x in group_info()) { check(&x)?; }

    #[test]
    fn group_context_roundtrips(x in group_context()) { check(&x)?; }

    #[test]
    fn group_secrets_roundtrips(x in group_secrets()) { check(&x)?; }

    #[test]
    fn psk_id_roundtrips(x in psk_id()) { check(&x)?; }

    #[test]
    fn mls_message_roundtrips(x in mls_message()) { check(&x)?; }

    #[test]
    fn extension_bodies_roundtrip(
        id in opaque(),
        tree in vec(option::of(node()), 0..4),
        required in required_capabilities(),
        external_pub in bytes(32),
        senders in external_senders(),
        ext in extension(),
    ) {
        check(&ext)?;
        check(&ApplicationId(id.clone()))?;
        check(&RatchetTreeExtension(tree.clone()))?;
        check(&required)?;
        check(&ExternalPub { external_pub: HpkePublicKey(external_pub) })?;
        check(&senders)?;
        // And through the Extension wrapper.
        let wrapped = ApplicationId(id.clone()).to_extension().unwrap();
        prop_assert_eq!(wrapped.extension_type, ExtensionType::APPLICATION_ID);
        prop_assert_eq!(ApplicationId::from_extension(&wrapped).ok(), Some(ApplicationId(id)));
        let wrapped = senders.to_extension().unwrap();
        prop_assert_eq!(ExternalSenders::from_extension(&wrapped).ok(), Some(senders));
        let wrapped = RatchetTreeExtension(tree.clone()).to_extension().unwrap();
        prop_assert_eq!(RatchetTreeExtension::from_extension(&wrapped).ok(), Some(RatchetTreeExtension(tree)));
    }
}
