//! Real `mls-group` clients talking to a `DeliveryService` over bytes.
#![allow(dead_code)]

use mls_ds::*;
use mls_group::framing::{ExtensionBody, ExternalSender, ExternalSenders};
use mls_group::*;
use mls_test_support::TestRng;

#[cfg(feature = "postgres")]
pub mod pg;
pub mod stores;

use stores::AnyStore;

pub const NOW: u64 = 1_700_000_000;
pub const DAY: u64 = 24 * 3600;
pub const GROUP: &[u8] = b"test group";

pub type Suite = RustCryptoSuite;
/// A DS over the current test's store (see [`stores::on`]).
pub type Ds = DeliveryService<std::sync::Arc<AnyStore>, RustCrypto>;

pub fn suite() -> Suite {
    RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap()
}

pub fn id(name: &str) -> ClientId {
    ClientId::from(name)
}

/// The DS's own identity (for idle eviction).
pub fn ds_identity(rng: &mut TestRng) -> ClientIdentity {
    ClientIdentity::generate(&suite(), Credential::Basic(b"ds.example".to_vec()), rng).unwrap()
}

pub fn ds_with(config: DsConfig) -> Ds {
    DeliveryService::new(std::sync::Arc::new(AnyStore::new()), RustCrypto, config)
}

/// Another engine (another DS instance) over the same store.
pub fn instance_of(ds: &Ds) -> Ds {
    DeliveryService::new(ds.store().clone(), RustCrypto, ds.config().clone())
}

/// A DS without rate limits (tests that send many messages at one time).
pub fn unlimited() -> DsConfig {
    let unlimited = Rate {
        max: u32::MAX,
        window: 60,
    };
    DsConfig {
        limits: Limits {
            client_rate: unlimited,
            group_rate: unlimited,
            ..Limits::default()
        },
        ..DsConfig::default()
    }
}

pub fn ds() -> Ds {
    ds_with(DsConfig::default())
}

/// A client: its identity and, once in, its group state.
pub struct Client {
    pub name: String,
    pub identity: ClientIdentity,
    pub group: Option<Group<Suite>>,
    pub bundles: Vec<KeyPackageBundle>,
}

impl Client {
    pub fn new(name: &str, rng: &mut TestRng) -> Self {
        let identity =
            ClientIdentity::generate(&suite(), Credential::Basic(name.as_bytes().to_vec()), rng)
                .unwrap();
        Client {
            name: name.to_string(),
            identity,
            group: None,
            bundles: Vec::new(),
        }
    }

    pub fn id(&self) -> ClientId {
        id(&self.name)
    }

    pub fn g(&mut self) -> &mut Group<Suite> {
        self.group.as_mut().expect("in the group")
    }

    /// A fresh KeyPackage valid around NOW (kept to join later).
    pub fn key_package(&mut self, rng: &mut TestRng, last_resort: bool) -> Vec<u8> {
        self.key_package_with(rng, last_resort, NOW - DAY, NOW + 30 * DAY)
    }

    pub fn key_package_with(
        &mut self,
        rng: &mut TestRng,
        last_resort: bool,
        not_before: u64,
        not_after: u64,
    ) -> Vec<u8> {
        let bundle = KeyPackageBundle::create(
            &suite(),
            &self.identity,
            KeyPackageOptions {
                lifetime: Lifetime {
                    not_before,
                    not_after,
                },
                last_resort,
                ..KeyPackageOptions::default()
            },
            rng,
        )
        .unwrap();
        let bytes = key_package_message(bundle.key_package()).unwrap();
        self.bundles.push(bundle);
        bytes
    }

    /// Creates the group (listing the DS as external sender if given) and
    /// registers it at the DS.
    pub fn create_group(&mut self, ds: &Ds, ds_sender: Option<&ClientIdentity>, rng: &mut TestRng) {
        let mut extensions = Vec::new();
        if let Some(d) = ds_sender {
            extensions.push(
                ExternalSenders(vec![ExternalSender {
                    signature_key: d.signature_key().clone(),
                    credential: d.credential().clone(),
                }])
                .to_extension()
                .unwrap(),
            );
        }
        let mut g = Group::create(
            suite(),
            self.identity.clone(),
            GROUP.to_vec(),
            extensions,
            GroupConfig::default(),
            rng,
        )
        .unwrap();
        g.set_time(NOW);
        let info = g
            .group_info(false, ds.config().allow_external_joins)
            .unwrap();
        let tree = g.tree().to_extension_bytes().unwrap();
        ds.create_group(
            &self.id(),
            NOW,
            NewGroup {
                group_info: &msg_bytes(&MlsMessage::new(MlsMessageBody::GroupInfo(info))),
                ratchet_tree: Some(&tree),
            },
        )
        .unwrap();
        self.group = Some(g);
    }

    /// Builds a commit and its GroupUpdate parts (PartialGroupInfo of the
    /// new epoch, Welcome). The commit stays pending.
    pub fn commit(
        &mut self,
        proposals: Vec<Proposal>,
        options: &CommitOptions,
        external_pub: bool,
        rng: &mut TestRng,
    ) -> Pending {
        let g = self.g();
        let out = g.commit(proposals, options, rng).unwrap();
        let info = g
            .pending_group_info(false, external_pub)
            .unwrap()
            .expect("a pending commit");
        Pending {
            commit: msg_bytes(&out.commit),
            partial: PartialGroupInfo::of(&info),
            welcome: out.welcome.as_ref().map(msg_bytes),
        }
    }

    /// Sends a pending commit; merges it if accepted, clears it if not.
    pub fn send(&mut self, ds: &Ds, p: &Pending) -> Result<CommitAccepted, DsError> {
        let r = ds.send_commit(&self.id(), NOW, p.update());
        match &r {
            Ok(_) => self.g().merge_pending_commit().unwrap(),
            Err(_) => self.g().clear_pending_commit(),
        }
        r
    }

    /// Fetches and processes everything the DS has for us, then acks.
    /// Returns the application messages' data.
    pub fn sync(&mut self, ds: &Ds) -> Vec<Vec<u8>> {
        let me = self.id();
        let mut data = Vec::new();
        loop {
            let f = ds.fetch(&me, GROUP, NOW).unwrap();
            for d in &f.messages {
                let msg = MlsMessage::from_bytes(&d.message).unwrap();
                let g = self.g();
                match g.process_message(&msg) {
                    Ok(ProcessedMessage::Commit(staged)) => g.merge_staged_commit(staged).unwrap(),
                    Ok(ProcessedMessage::Proposal(_)) => {}
                    Ok(ProcessedMessage::Application { data: d, .. }) => data.push(d),
                    Err(GroupError::Removed) => {}
                    Err(e) => panic!("{} cannot process seq {}: {e:?}", self.name, d.seq),
                }
            }
            ds.ack(&me, GROUP, f.next_cursor, NOW).unwrap();
            if !f.more {
                break;
            }
        }
        data
    }

    /// Joins from the Welcome the DS holds for us, with the tree of the
    /// epoch we were added in, fetched from the DS.
    pub fn join_from_ds(&mut self, ds: &Ds) {
        let me = self.id();
        let welcomes = ds.fetch_welcomes(&me, NOW).unwrap();
        let w = welcomes.last().expect("a Welcome");
        let welcome = MlsMessage::from_bytes(&w.welcome)
            .unwrap()
            .into_welcome()
            .unwrap();
        let tree = ds.ratchet_tree(&me, GROUP, Some(w.epoch), NOW).unwrap();
        let bundle = self
            .bundles
            .iter()
            .find(|b| {
                let r = b.key_package().reference(&suite()).unwrap();
                welcome.secrets.iter().any(|s| s.new_member == r)
            })
            .expect("our KeyPackage")
            .clone();
        let g = Group::join(
            suite(),
            &welcome,
            &bundle,
            JoinOptions {
                ratchet_tree: Some(RatchetTree::from_extension_bytes(&tree).unwrap()),
                now: Some(NOW),
                ..JoinOptions::default()
            },
        )
        .unwrap();
        ds.ack_welcome(&me, GROUP, w.epoch, NOW).unwrap();
        self.group = Some(g);
        self.group.as_mut().unwrap().set_time(NOW);
    }

    /// Joins by external commit from the GroupInfo and tree the DS serves.
    pub fn join_external(&mut self, ds: &Ds, rng: &mut TestRng) -> Result<CommitAccepted, DsError> {
        let me = self.id();
        let served = ds.group_info(&me, GROUP, NOW)?;
        let info = MlsMessage::from_bytes(&served.group_info)
            .unwrap()
            .into_group_info()
            .unwrap();
        let (mut g, commit) = Group::join_external(
            suite(),
            &info,
            self.identity.clone(),
            ExternalJoinOptions {
                ratchet_tree: Some(
                    RatchetTree::from_extension_bytes(&served.ratchet_tree).unwrap(),
                ),
                ..ExternalJoinOptions::default()
            },
            rng,
        )
        .unwrap();
        g.set_time(NOW);
        let info = g
            .group_info(false, ds.config().allow_external_joins)
            .unwrap();
        let r = ds.send_commit(
            &me,
            NOW,
            GroupUpdate {
                commit: &msg_bytes(&commit),
                partial_group_info: &PartialGroupInfo::of(&info),
                welcome: None,
            },
        );
        if r.is_ok() {
            self.group = Some(g);
        }
        r
    }
}

/// A commit ready to send.
pub struct Pending {
    pub commit: Vec<u8>,
    pub partial: PartialGroupInfo,
    pub welcome: Option<Vec<u8>>,
}

impl Pending {
    pub fn update(&self) -> GroupUpdate<'_> {
        GroupUpdate {
            commit: &self.commit,
            partial_group_info: &self.partial,
            welcome: self.welcome.as_deref(),
        }
    }
}

pub fn msg_bytes(m: &MlsMessage) -> Vec<u8> {
    m.to_bytes().unwrap()
}

/// The tree hash of a tree.
pub fn tree_hash(tree: &RatchetTree) -> Vec<u8> {
    tree.clone().tree_hash(&suite()).unwrap()
}

/// Asserts every client's group agrees with the others and with the DS:
/// epoch, GroupContext, tree hash, and the GroupInfo the DS serves
/// verifies against the members' state.
pub fn assert_converged(ds: &Ds, clients: &[&Client]) {
    let first = clients[0].group.as_ref().unwrap();
    let served = ds.group_info(&clients[0].id(), GROUP, NOW).unwrap();
    let info = MlsMessage::from_bytes(&served.group_info)
        .unwrap()
        .into_group_info()
        .unwrap();
    let tree = RatchetTree::from_extension_bytes(&served.ratchet_tree).unwrap();
    assert_eq!(served.epoch, first.epoch());
    assert_eq!(&info.group_context, first.context());
    assert_eq!(tree_hash(&tree), tree_hash(first.tree()));
    assert_eq!(tree_hash(&tree), first.context().tree_hash);
    for c in clients {
        let g = c.group.as_ref().unwrap();
        assert_eq!(g.epoch(), first.epoch(), "{} epoch", c.name);
        assert_eq!(
            g.epoch_authenticator(),
            first.epoch_authenticator(),
            "{}",
            c.name
        );
        assert_eq!(g.context(), first.context(), "{}", c.name);
    }
    // The served GroupInfo verifies (signature, tree, every leaf).
    PublicGroup::from_group_info(
        suite(),
        &info,
        PublicGroupOptions {
            ratchet_tree: Some(tree),
            ..PublicGroupOptions::default()
        },
    )
    .unwrap();
}
