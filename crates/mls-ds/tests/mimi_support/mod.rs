//! Real `mls-group` clients talking MIMI DS bytes to a hub and a guest.
#![allow(dead_code)]

use std::sync::Arc;

use mls_codec::{decode_exact, Encode};
use mls_ds::mimi::auth::{sign_as_member, sign_with_credential};
use mls_ds::mimi::wire;
use mls_ds::mimi::wire::*;
use mls_ds::mimi::*;
use mls_ds::*;
use mls_group::framing::{ExtensionBody, ExternalSender, ExternalSenders};
use mls_group::*;
use mls_test_support::TestRng;

pub const NOW: u64 = 1_700_000_000;
pub const DAY: u64 = 24 * 3600;
pub const V: DsProtocolVersion = DsProtocolVersion::MIMI_DS_05;
pub const HUB: &str = "hub.example";
pub const GUEST: &str = "guest.example";

pub type Suite = RustCryptoSuite;
pub type Mimi = MimiDs<Arc<MemoryStore>, RustCrypto, MemoryMimiStore>;

pub fn suite() -> Suite {
    RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap()
}

/// A MIMI DS for `domain`, with its own identity as external sender.
pub fn mimi(domain: &str, rng: &mut TestRng) -> Mimi {
    let identity = ClientIdentity::generate(
        &suite(),
        Credential::Basic(format!("ds@{domain}").into_bytes()),
        rng,
    )
    .unwrap();
    let unlimited = Rate {
        max: u32::MAX,
        window: 60,
    };
    let config = DsConfig {
        ds_identity: Some(DsIdentity { identity }),
        limits: Limits {
            client_rate: unlimited,
            group_rate: unlimited,
            ..Limits::default()
        },
        ..DsConfig::default()
    };
    MimiDs::new(
        DeliveryService::new(Arc::new(MemoryStore::new()), RustCrypto, config),
        MemoryMimiStore::new(),
        MimiConfig::new(domain, format!("token key of {domain}").as_bytes()),
    )
}

pub fn ds_identity(ds: &Mimi) -> ClientIdentity {
    ds.engine()
        .config()
        .ds_identity
        .as_ref()
        .unwrap()
        .identity
        .clone()
}

/// The capabilities every MIMI client declares.
pub fn capabilities() -> Capabilities {
    Capabilities {
        extensions: vec![
            extension_types::FANOUT_AUTH,
            extension_types::DS_VERSIONS,
            extension_types::DS_VERSION,
        ],
        ..Capabilities::default()
    }
}

pub fn versions_ext(v: &[DsProtocolVersion]) -> Extension {
    DsVersions {
        versions: v.to_vec(),
    }
    .to_extension()
    .unwrap()
}

pub fn group_version_ext(v: DsProtocolVersion) -> Extension {
    GroupDsVersion { version: v }.to_extension().unwrap()
}

/// A client `name@domain` with its home DS's fan-out token.
pub struct MClient {
    pub name: String,
    pub identity: ClientIdentity,
    pub token: FanoutAuthToken,
    pub group: Option<Group<Suite>>,
    pub bundles: Vec<KeyPackageBundle>,
}

impl MClient {
    pub fn new(name: &str, home: &Mimi, rng: &mut TestRng) -> Self {
        let full = format!("{name}@{}", home.config().domain);
        let identity =
            ClientIdentity::generate(&suite(), Credential::Basic(full.as_bytes().to_vec()), rng)
                .unwrap();
        let token = home
            .issue_fanout_token(&ClientId::from(full.as_str()), NOW, None)
            .unwrap();
        MClient {
            name: full,
            identity,
            token,
            group: None,
            bundles: Vec::new(),
        }
    }

    pub fn id(&self) -> ClientId {
        ClientId::from(self.name.as_str())
    }

    pub fn g(&mut self) -> &mut Group<Suite> {
        self.group.as_mut().expect("in the group")
    }

    pub fn leaf(&self) -> u32 {
        self.group.as_ref().unwrap().own_leaf().0
    }

    /// KeyPackage options: MIMI capabilities, the versions and the token
    /// in the leaf, the token in the KeyPackage (each optional).
    pub fn options(&self, versions: bool, leaf_token: bool, kp_token: bool) -> KeyPackageOptions {
        let mut leaf_extensions = Vec::new();
        if versions {
            leaf_extensions.push(versions_ext(&[V]));
        }
        if leaf_token {
            leaf_extensions.push(self.token.to_extension().unwrap());
        }
        let mut extensions = Vec::new();
        if kp_token {
            extensions.push(self.token.to_extension().unwrap());
        }
        KeyPackageOptions {
            capabilities: capabilities(),
            lifetime: Lifetime {
                not_before: NOW - DAY,
                not_after: NOW + 30 * DAY,
            },
            leaf_extensions,
            extensions,
            last_resort: false,
        }
    }

    pub fn bundle_with(&mut self, options: KeyPackageOptions, rng: &mut TestRng) -> KeyPackage {
        let b = KeyPackageBundle::create(&suite(), &self.identity, options, rng).unwrap();
        let kp = b.key_package().clone();
        self.bundles.push(b);
        kp
    }

    /// A well-formed MIMI KeyPackage.
    pub fn key_package(&mut self, rng: &mut TestRng) -> KeyPackage {
        let o = self.options(true, true, true);
        self.bundle_with(o, rng)
    }

    /// A request signed as our leaf in the group.
    pub fn as_member(&self, body: DsRequestBody) -> Vec<u8> {
        self.as_leaf(body, self.leaf())
    }

    pub fn as_leaf(&self, body: DsRequestBody, leaf: u32) -> Vec<u8> {
        sign_as_member(&suite(), &self.identity, V, body, leaf)
            .unwrap()
            .to_bytes()
            .unwrap()
    }

    /// A request signed with our credential.
    pub fn as_client(&self, body: DsRequestBody) -> Vec<u8> {
        sign_with_credential(&suite(), &self.identity, V, body)
            .unwrap()
            .to_bytes()
            .unwrap()
    }

    /// Reserves a group id and creates a MIMI group at `hub` with it.
    pub fn create_group(&mut self, hub: &Mimi, rng: &mut TestRng) -> Vec<u8> {
        let gid = request_group_id(hub, self);
        let req = self.create_request(hub, gid.clone(), true, true, rng);
        expect_ok(hub, &req);
        gid
    }

    /// A create_group request (the group is kept locally).
    pub fn create_request(
        &mut self,
        hub: &Mimi,
        gid: Vec<u8>,
        list_ds: bool,
        version: bool,
        rng: &mut TestRng,
    ) -> Vec<u8> {
        let o = self.options(true, true, true);
        self.create_request_with(hub, gid, list_ds, version, o, rng)
    }

    /// A create_group request with the creator's leaf from `o`.
    pub fn create_request_with(
        &mut self,
        hub: &Mimi,
        gid: Vec<u8>,
        list_ds: bool,
        version: bool,
        o: KeyPackageOptions,
        rng: &mut TestRng,
    ) -> Vec<u8> {
        let kp = KeyPackageBundle::create(&suite(), &self.identity, o, rng).unwrap();
        let mut extensions = Vec::new();
        if list_ds {
            let d = ds_identity(hub);
            extensions.push(
                ExternalSenders(vec![ExternalSender {
                    signature_key: d.signature_key().clone(),
                    credential: d.credential().clone(),
                }])
                .to_extension()
                .unwrap(),
            );
        }
        if version {
            extensions.push(group_version_ext(V));
        }
        let mut g =
            Group::create_with_leaf(suite(), kp, gid, extensions, GroupConfig::default(), rng)
                .unwrap();
        g.set_time(NOW);
        let info = g.group_info(false, true).unwrap();
        let tree = g.tree().to_extension_bytes().unwrap();
        self.group = Some(g);
        self.as_member(DsRequestBody::CreateGroup(CreateGroupRequest {
            group_info: MlsMessage::new(MlsMessageBody::GroupInfo(info)),
            ratchet_tree: Some(TreeBytes(tree)),
        }))
    }

    /// Builds a commit as an MLSGroupUpdate (+ Welcome); stays pending.
    pub fn commit(
        &mut self,
        proposals: Vec<Proposal>,
        options: &CommitOptions,
        rng: &mut TestRng,
    ) -> (MlsGroupUpdate, Option<MlsMessage>) {
        let g = self.g();
        let out = g.commit(proposals, options, rng).unwrap();
        let info = new_epoch_group_info(g);
        (
            MlsGroupUpdate {
                commit: out.commit,
                partial_group_info: wire::PartialGroupInfo {
                    group_info_extensions: info.extensions,
                    signature: info.signature,
                },
            },
            out.welcome,
        )
    }

    /// Sends a commit request; merges if accepted, clears if not.
    pub fn send_commit(&mut self, ds: &Mimi, req: &[u8]) -> Result<Handled, DsErrorBody> {
        let h = ds.handle(req, NOW);
        match response(&h) {
            DsResponseBody::Error(e) => {
                self.g().clear_pending_commit();
                Err(e)
            }
            _ => {
                self.g().merge_pending_commit().unwrap();
                Ok(h)
            }
        }
    }

    /// Processes the hub's log for us (a local client of `hub`).
    pub fn sync_local(&mut self, hub: &Mimi, gid: &[u8]) -> Vec<Vec<u8>> {
        let me = self.id();
        let f = hub.engine().fetch(&me, gid, NOW).unwrap();
        let msgs: Vec<Vec<u8>> = f.messages.into_iter().map(|d| d.message).collect();
        hub.engine().ack(&me, gid, f.next_cursor, NOW).unwrap();
        self.process_all(&msgs)
    }

    /// Processes our inbox at our home DS (a guest client).
    pub fn sync_inbox(&mut self, home: &Mimi) -> Vec<Vec<u8>> {
        let me = self.id();
        let items = home.fetch_inbox(&me, 1000);
        if let Some(last) = items.last() {
            home.ack_inbox(&me, last.seq + 1).unwrap();
        }
        let msgs: Vec<Vec<u8>> = items.into_iter().map(|i| i.message).collect();
        self.process_all(&msgs)
    }

    fn process_all(&mut self, msgs: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut data = Vec::new();
        for m in msgs {
            let msg = MlsMessage::from_bytes(m).unwrap();
            if matches!(msg.body, MlsMessageBody::Welcome(_)) {
                continue;
            }
            let g = self.g();
            match g.process_message(&msg) {
                Ok(ProcessedMessage::Commit(staged)) => g.merge_staged_commit(staged).unwrap(),
                Ok(ProcessedMessage::Proposal(_)) => {}
                Ok(ProcessedMessage::Application { data: d, .. }) => data.push(d),
                Err(GroupError::Removed) => {}
                Err(e) => panic!("{} cannot process: {e:?}", self.name),
            }
        }
        data
    }

    /// Joins from a Welcome (without a tree) of `epoch`, with the tree
    /// from the hub's WelcomeInfo. (A client learns the epoch from the
    /// Welcome's GroupInfo; the tests take it from the committer.)
    pub fn join(&mut self, hub: &Mimi, welcome: &MlsMessage, gid: &[u8], epoch: u64) {
        let MlsMessageBody::Welcome(w) = &welcome.body else {
            panic!("not a Welcome")
        };
        let bundle = self
            .bundles
            .iter()
            .find(|b| {
                let r = b.key_package().reference(&suite()).unwrap();
                w.secrets.iter().any(|s| s.new_member == r)
            })
            .expect("our KeyPackage")
            .clone();
        let body = DsRequestBody::WelcomeInfo(WelcomeInfoRequest {
            group_id: gid.to_vec(),
            epoch,
        });
        let h = hub.handle(&self.as_client(body), NOW);
        let DsResponseBody::WelcomeInfo { ratchet_tree } = response(&h) else {
            panic!("{:?}", response(&h))
        };
        let g = Group::join(
            suite(),
            w,
            &bundle,
            JoinOptions {
                ratchet_tree: Some(RatchetTree::from_extension_bytes(&ratchet_tree.0).unwrap()),
                now: Some(NOW),
                ..JoinOptions::default()
            },
        )
        .unwrap();
        self.group = Some(g);
        self.g().set_time(NOW);
    }

    /// An application message.
    pub fn app(&mut self, text: &str, rng: &mut TestRng) -> MlsMessage {
        self.g()
            .encrypt_application_message(text.as_bytes(), b"", rng)
            .unwrap()
    }
}

/// The signed GroupInfo of the epoch `g`'s pending commit starts.
pub fn new_epoch_group_info(g: &Group<Suite>) -> GroupInfo {
    g.pending_group_info(false, true).unwrap().unwrap()
}

pub fn response(h: &Handled) -> DsResponseBody {
    decode_exact::<DsResponse>(&h.response)
        .unwrap()
        .response_body
}

pub fn expect_ok(ds: &Mimi, req: &[u8]) -> Handled {
    let h = ds.handle(req, NOW);
    if let DsResponseBody::Error(e) = response(&h) {
        panic!(
            "refused: {:#06x} {}",
            e.code.0,
            String::from_utf8_lossy(&e.data)
        );
    }
    h
}

pub fn expect_err(ds: &Mimi, req: &[u8]) -> DsErrorBody {
    match response(&ds.handle(req, NOW)) {
        DsResponseBody::Error(e) => e,
        other => panic!("accepted: {other:?}"),
    }
}

pub fn request_group_id(hub: &Mimi, c: &MClient) -> Vec<u8> {
    let h = expect_ok(
        hub,
        &c.as_client(DsRequestBody::RequestGroupId(RequestGroupIdRequest)),
    );
    let DsResponseBody::GroupId { group_id } = response(&h) else {
        panic!()
    };
    group_id
}

pub fn add_request(
    committer: &mut MClient,
    kps: Vec<KeyPackage>,
    rng: &mut TestRng,
) -> (Vec<u8>, MlsMessage) {
    let adds = kps
        .into_iter()
        .map(|key_package| Proposal::Add(Add { key_package }))
        .collect();
    let options = CommitOptions {
        ratchet_tree_in_welcome: Some(false),
        ..CommitOptions::default()
    };
    let (update, welcome) = committer.commit(adds, &options, rng);
    let welcome = welcome.unwrap();
    let req = committer.as_member(DsRequestBody::AddClients(AddClientsRequest {
        group_update: update,
        welcome_messages: vec![welcome.clone()],
    }));
    (req, welcome)
}

/// Alice (hub) creates a group and adds bob (hub), who joins.
pub fn alice_and_bob(hub: &Mimi, rng: &mut TestRng) -> (MClient, MClient, Vec<u8>) {
    let mut alice = MClient::new("alice", hub, rng);
    let mut bob = MClient::new("bob", hub, rng);
    let gid = alice.create_group(hub, rng);
    let kp = bob.key_package(rng);
    let (req, welcome) = add_request(&mut alice, vec![kp], rng);
    alice.send_commit(hub, &req).unwrap();
    let epoch = alice.g().epoch();
    bob.join(hub, &welcome, &gid, epoch);
    (alice, bob, gid)
}

/// An external join request of `c` (leaf token optional; `sender_index`
/// off by `delta` from the leaf it takes). `c.group` is the new state.
pub fn external_join_request(
    c: &mut MClient,
    hub: &Mimi,
    gid: &[u8],
    leaf_token: bool,
    delta: u32,
    rng: &mut TestRng,
) -> Vec<u8> {
    let h = expect_ok(
        hub,
        &c.as_client(DsRequestBody::ExternalCommitInfo(
            ExternalCommitInfoRequest {
                group_id: gid.to_vec(),
            },
        )),
    );
    let DsResponseBody::ExternalCommitInfo {
        group_info,
        ratchet_tree,
    } = response(&h)
    else {
        panic!()
    };
    let info = group_info.into_group_info().unwrap();
    let (mut g, commit) = Group::join_external(
        suite(),
        &info,
        c.identity.clone(),
        ExternalJoinOptions {
            ratchet_tree: Some(RatchetTree::from_extension_bytes(&ratchet_tree.0).unwrap()),
            leaf: c.options(true, leaf_token, false),
            ..ExternalJoinOptions::default()
        },
        rng,
    )
    .unwrap();
    g.set_time(NOW);
    let new_info = g.group_info(false, true).unwrap();
    let leaf = g.own_leaf().0 + delta;
    c.group = Some(g);
    c.as_leaf(
        DsRequestBody::ExternalJoin(ExternalJoinRequest {
            group_update: MlsGroupUpdate {
                commit,
                partial_group_info: wire::PartialGroupInfo {
                    group_info_extensions: new_info.extensions,
                    signature: new_info.signature,
                },
            },
        }),
        leaf,
    )
}

/// A request sending `m` as an application message.
pub fn send_message_request(c: &MClient, m: MlsMessage) -> Vec<u8> {
    c.as_member(DsRequestBody::SendMessage(SendMessageRequest {
        application_message: m,
    }))
}

/// The code of an error body.
pub fn code(e: DsErrorBody) -> DsErrorCode {
    e.code
}
