//! The MIMI DS wire types: every one round-trips; open code points
//! (versions, error codes, extension types) keep unknown and GREASE
//! values; the closed `select` enums refuse unknown arms.

mod mimi_support;

use mimi_support::*;
use mls_codec::{decode_exact, Decode, Encode};
use mls_ds::mimi::wire::*;
use mls_ds::mimi::*;
use mls_group::framing::ExtensionBody;
use mls_group::*;
use mls_test_support::TestRng;

fn round_trip<T: Encode + Decode + PartialEq + core::fmt::Debug>(v: &T) {
    let bytes = v.to_bytes().unwrap();
    assert_eq!(bytes.len(), v.encoded_len());
    assert_eq!(&decode_exact::<T>(&bytes).unwrap(), v);
}

fn welcome() -> MlsMessage {
    MlsMessage::new(MlsMessageBody::Welcome(Welcome {
        cipher_suite: CipherSuite(1),
        secrets: vec![],
        encrypted_group_info: vec![0xaa; 3],
    }))
}

fn update() -> MlsGroupUpdate {
    MlsGroupUpdate {
        commit: welcome(),
        partial_group_info: PartialGroupInfo {
            group_info_extensions: vec![Extension::new(ExtensionType(0x0A0A), vec![1, 2])],
            signature: vec![7; 64],
        },
    }
}

fn tree() -> TreeBytes {
    TreeBytes(vec![3, 1, 2, 3])
}

fn bodies(kp: &KeyPackage) -> Vec<DsRequestBody> {
    vec![
        DsRequestBody::DeleteGroup(DeleteGroupRequest {
            group_update: update(),
        }),
        DsRequestBody::AddClients(AddClientsRequest {
            group_update: update(),
            welcome_messages: vec![welcome()],
        }),
        DsRequestBody::RemoveClients(RemoveClientsRequest {
            group_update: update(),
        }),
        DsRequestBody::SelfRemoveClient(SelfRemoveClientRequest {
            proposal: welcome(),
        }),
        DsRequestBody::UpdateClient(UpdateClientRequest {
            group_update: update(),
            token: Some(FanoutAuthToken { token: vec![9; 5] }),
        }),
        DsRequestBody::UpdateClient(UpdateClientRequest {
            group_update: update(),
            token: None,
        }),
        DsRequestBody::ExternalJoin(ExternalJoinRequest {
            group_update: update(),
        }),
        DsRequestBody::SendMessage(SendMessageRequest {
            application_message: welcome(),
        }),
        DsRequestBody::KeyPackages(KeyPackagesRequest {
            cipher_suite: CipherSuite(0x1A1A),
            client_identifiers: vec![b"a@b".to_vec(), b"c@d".to_vec()],
        }),
        DsRequestBody::RequestGroupId(RequestGroupIdRequest),
        DsRequestBody::CreateGroup(CreateGroupRequest {
            group_info: welcome(),
            ratchet_tree: Some(tree()),
        }),
        DsRequestBody::CreateGroup(CreateGroupRequest {
            group_info: MlsMessage::new(MlsMessageBody::KeyPackage(kp.clone())),
            ratchet_tree: None,
        }),
        DsRequestBody::WelcomeInfo(WelcomeInfoRequest {
            group_id: b"g@hub".to_vec(),
            epoch: 7,
        }),
        DsRequestBody::ExternalCommitInfo(ExternalCommitInfoRequest {
            group_id: b"g@hub".to_vec(),
        }),
        DsRequestBody::ReInitialize(ReInitializeGroupRequest { commit: update() }),
    ]
}

#[test]
fn every_request_round_trips_with_every_auth_type() {
    let rng = &mut TestRng::new(1);
    let hub = mimi(HUB, rng);
    let mut c = MClient::new("alice", &hub, rng);
    let kp = c.key_package(rng);
    let auths = [
        DsAuthData::Anonymous,
        DsAuthData::ClientSignature {
            sender_index: 3,
            signature: vec![1; 64],
        },
        DsAuthData::ClientCredential {
            credential: c.identity.credential().clone(),
            signature_key: c.identity.signature_key().clone(),
            signature: vec![2; 64],
        },
    ];
    for body in bodies(&kp) {
        round_trip(&body);
        for auth in &auths {
            round_trip(&DsRequest {
                version: V,
                request_body: body.clone(),
                authentication_data: auth.clone(),
            });
        }
        round_trip(&ClientSignatureTbs {
            protocol_version: V,
            request_body: body.clone(),
            sender_index: 1,
        });
    }
}

#[test]
fn the_draft_code_points_are_positional_and_ours_private_use() {
    let b = DsRequestBody::DeleteGroup(DeleteGroupRequest {
        group_update: update(),
    });
    assert_eq!(&b.to_bytes().unwrap()[..2], &[0, 0]);
    let b = DsRequestBody::KeyPackages(KeyPackagesRequest {
        cipher_suite: CipherSuite(1),
        client_identifiers: vec![],
    });
    assert_eq!(&b.to_bytes().unwrap()[..2], &[0, 7]);
    let b = DsRequestBody::RequestGroupId(RequestGroupIdRequest);
    assert_eq!(b.to_bytes().unwrap(), [0xF0, 0x00]);
    assert_eq!(DsAuthData::Anonymous.to_bytes().unwrap(), [0, 0]);
    assert_eq!(DsResponseBody::Ok.to_bytes().unwrap(), [0, 0]);
    assert_eq!(V.to_bytes().unwrap(), [0xF0, 0x05]);
    let ours = [
        extension_types::FANOUT_AUTH.0,
        extension_types::DS_VERSIONS.0,
        extension_types::DS_VERSION.0,
    ];
    assert_eq!(ours, [0xF0D0, 0xF0D1, 0xF0D2]);
}

#[test]
fn every_response_round_trips() {
    let rng = &mut TestRng::new(2);
    let hub = mimi(HUB, rng);
    let mut c = MClient::new("alice", &hub, rng);
    let kp = c.key_package(rng);
    for body in [
        DsResponseBody::Ok,
        DsResponseBody::Error(DsErrorBody::reason(DsErrorCode::RULE_VIOLATED, "why")),
        DsResponseBody::Error(DsErrorBody::number(DsErrorCode::STALE_EPOCH, 4)),
        // An unknown (GREASE) error code decodes and round-trips.
        DsResponseBody::Error(DsErrorBody {
            code: DsErrorCode(0x2A2A),
            data: vec![1, 2, 3],
        }),
        DsResponseBody::WelcomeInfo {
            ratchet_tree: tree(),
        },
        DsResponseBody::ExternalCommitInfo {
            group_info: welcome(),
            ratchet_tree: tree(),
        },
        DsResponseBody::KeyPackages {
            key_packages: vec![kp.clone(), kp.clone()],
        },
        DsResponseBody::GroupId {
            group_id: b"x@hub".to_vec(),
        },
    ] {
        for version in [V, DsProtocolVersion(0x0A0A)] {
            round_trip(&DsResponse {
                protocol_version: version,
                response_body: body.clone(),
            });
        }
    }
    assert_eq!(
        DsErrorBody::number(DsErrorCode::RATE_LIMITED, 9).as_number(),
        Some(9)
    );
}

#[test]
fn fanout_types_round_trip() {
    let req = DsFanoutRequest {
        protocol_version: DsProtocolVersion(0x3A3A),
        recipient_ids: vec![b"gina@guest".to_vec(), b"gus@guest".to_vec()],
        fanout_auth_tokens: vec![
            FanoutAuthToken { token: vec![1] },
            FanoutAuthToken { token: vec![] },
        ],
        mls_message: welcome(),
    };
    round_trip(&req);
    for body in [
        DsFanoutResponseBody::Ok,
        DsFanoutResponseBody::Error(DsFanoutError {
            code: DsFanoutErrorCode::INVALID_TOKEN,
            reason: b"bad".to_vec(),
        }),
        DsFanoutResponseBody::Error(DsFanoutError {
            code: DsFanoutErrorCode(0x4A4A),
            reason: vec![],
        }),
    ] {
        round_trip(&DsFanoutResponse {
            protocol_version: V,
            response_body: body,
        });
    }
}

#[test]
fn extensions_round_trip_with_unknown_versions() {
    let t = FanoutAuthToken {
        token: vec![5, 6, 7],
    };
    let e = t.to_extension().unwrap();
    assert_eq!(e.extension_type, extension_types::FANOUT_AUTH);
    assert_eq!(FanoutAuthToken::from_extension(&e).unwrap(), t);
    let v = DsVersions {
        versions: vec![V, DsProtocolVersion(0x5A5A)],
    };
    assert_eq!(
        DsVersions::from_extension(&v.to_extension().unwrap()).unwrap(),
        v
    );
    let g = GroupDsVersion {
        version: DsProtocolVersion(0x6A6A),
    };
    assert_eq!(
        GroupDsVersion::from_extension(&g.to_extension().unwrap()).unwrap(),
        g
    );
    round_trip(&PartialGroupInfo {
        group_info_extensions: vec![e],
        signature: vec![],
    });
}

#[test]
fn closed_enums_refuse_unknown_arms_and_the_handler_says_malformed() {
    // An unknown request type (0x0A0A) cannot be delimited.
    let mut bytes = DsRequest {
        version: V,
        request_body: DsRequestBody::RequestGroupId(RequestGroupIdRequest),
        authentication_data: DsAuthData::Anonymous,
    }
    .to_bytes()
    .unwrap();
    bytes[2] = 0x0A;
    bytes[3] = 0x0A;
    assert!(decode_exact::<DsRequest>(&bytes).is_err());
    let rng = &mut TestRng::new(3);
    let hub = mimi(HUB, rng);
    assert_eq!(expect_err(&hub, &bytes).code, DsErrorCode::MALFORMED);
    // An unknown auth type likewise.
    assert!(decode_exact::<DsAuthData>(&[0x0A, 0x0A]).is_err());
    // A tree that is not one vector is refused when encoding.
    assert!(TreeBytes(vec![5, 1]).to_bytes().is_err());
}

#[test]
fn domains_of_client_ids() {
    assert_eq!(
        domain_of(b"a@B.example"),
        Some(DomainName::new("b.example"))
    );
    assert_eq!(domain_of(b"a@b@c"), Some(DomainName::new("c")));
    assert_eq!(domain_of(b"@c"), None);
    assert_eq!(domain_of(b"a@"), None);
    assert_eq!(domain_of(b"nodomain"), None);
}
