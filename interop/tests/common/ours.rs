//! Our `mls-group` behind the common traits.

use mls_codec::Encode;
use mls_crypto::{CipherSuite, CryptoProvider, Secret};
use mls_framing::{
    Add, GroupContextExtensions, KeyPackage, MlsMessage, MlsMessageBody, Proposal, Remove,
};
use mls_group::ResumeOptions;
use mls_group::{
    ClientIdentity, CommitOptions, ExternalJoinOptions, Group, GroupConfig, HandshakeFormat,
    JoinOptions, KeyPackageBundle, KeyPackageOptions, ProcessedMessage,
};
use mls_keyschedule::ResumptionPskUsage;
use mls_rustcrypto::{OsRng, RustCrypto, RustCryptoSuite};
use mls_treekem::RatchetTree;
use mls_types::{Capabilities, Credential, Extension, ExtensionType, RequiredCapabilities};

use super::{Bytes, Client, CommitOut, Format, Impl, Member, Op, Received, Setup, APP_EXT};

type G = Group<RustCryptoSuite>;

fn suite(setup: Setup) -> RustCryptoSuite {
    RustCrypto
        .cipher_suite_provider(CipherSuite(setup.suite))
        .expect("suite")
}

fn config(setup: Setup) -> GroupConfig {
    GroupConfig {
        handshake_format: match setup.format {
            Format::Public => HandshakeFormat::Public,
            Format::Private => HandshakeFormat::Private,
        },
        ratchet_tree_in_welcome: setup.tree_in_welcome,
        ..GroupConfig::default()
    }
}

fn leaf_options(setup: Setup) -> KeyPackageOptions {
    KeyPackageOptions {
        capabilities: Capabilities {
            cipher_suites: vec![CipherSuite(setup.suite)],
            extensions: vec![ExtensionType(APP_EXT)],
            ..Capabilities::default()
        },
        ..KeyPackageOptions::default()
    }
}

fn tree_of(bytes: Option<&[u8]>) -> Option<RatchetTree> {
    bytes.map(|b| RatchetTree::from_extension_bytes(b).expect("ratchet tree"))
}

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::from_bytes(bytes).expect("MLSMessage")
}

fn encode(msg: &MlsMessage) -> Bytes {
    msg.to_bytes().expect("encode")
}

pub struct OurClient {
    name: String,
    setup: Setup,
    identity: ClientIdentity,
    key_packages: Vec<KeyPackageBundle>,
}

impl OurClient {
    pub fn new(name: &str, setup: Setup) -> Self {
        let identity = ClientIdentity::generate(
            &suite(setup),
            Credential::Basic(name.as_bytes().to_vec()),
            &mut OsRng,
        )
        .expect("identity");
        OurClient {
            name: name.to_string(),
            setup,
            identity,
            key_packages: Vec::new(),
        }
    }

    fn bundle(&self) -> KeyPackageBundle {
        KeyPackageBundle::create(
            &suite(self.setup),
            &self.identity,
            leaf_options(self.setup),
            &mut OsRng,
        )
        .expect("KeyPackage")
    }
}

impl Client for OurClient {
    fn kind(&self) -> Impl {
        Impl::Ours
    }

    fn key_package(&mut self) -> Bytes {
        let bundle = self.bundle();
        let msg = MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package().clone()));
        self.key_packages.push(bundle);
        encode(&msg)
    }

    fn create(self: Box<Self>, group_id: &[u8]) -> Box<dyn Member> {
        let group = G::create_with_leaf(
            suite(self.setup),
            self.bundle(),
            group_id.to_vec(),
            vec![],
            config(self.setup),
            &mut OsRng,
        )
        .expect("create");
        Box::new(OurMember::new(self.name, self.setup, group))
    }

    fn join(self: Box<Self>, welcome: &[u8], tree: Option<&[u8]>) -> Box<dyn Member> {
        let welcome = decode(welcome).into_welcome().expect("a Welcome");
        // The Welcome names the KeyPackage it is for; try ours in turn.
        let mut last = None;
        for kp in &self.key_packages {
            match G::join(
                suite(self.setup),
                &welcome,
                kp,
                JoinOptions {
                    ratchet_tree: tree_of(tree),
                    config: config(self.setup),
                    ..JoinOptions::default()
                },
            ) {
                Ok(group) => return Box::new(OurMember::new(self.name, self.setup, group)),
                Err(e) => last = Some(e),
            }
        }
        panic!("{}: join from Welcome failed: {last:?}", self.name)
    }

    fn join_external(
        self: Box<Self>,
        group_info: &[u8],
        tree: Option<&[u8]>,
    ) -> (Box<dyn Member>, Bytes) {
        let info = decode(group_info).into_group_info().expect("a GroupInfo");
        let (group, commit) = G::join_external(
            suite(self.setup),
            &info,
            self.identity.clone(),
            ExternalJoinOptions {
                ratchet_tree: tree_of(tree),
                leaf: leaf_options(self.setup),
                config: config(self.setup),
                ..ExternalJoinOptions::default()
            },
            &mut OsRng,
        )
        .expect("external join");
        (
            Box::new(OurMember::new(self.name, self.setup, group)),
            encode(&commit),
        )
    }
}

pub struct OurMember {
    name: String,
    setup: Setup,
    group: G,
    /// The KeyPackage for the group that resumes this one after a ReInit.
    reinit_key_package: Option<KeyPackageBundle>,
}

impl OurMember {
    fn new(name: String, setup: Setup, mut group: G) -> Self {
        // KeyPackage lifetimes are checked against the clock.
        group.set_time(mls_group::unix_time_now());
        OurMember {
            name,
            setup,
            group,
            reinit_key_package: None,
        }
    }

    fn new_bundle(&self) -> KeyPackageBundle {
        KeyPackageBundle::create(
            &suite(self.setup),
            self.group.identity(),
            leaf_options(self.setup),
            &mut OsRng,
        )
        .expect("KeyPackage")
    }

    fn proposals(&self, op: Op) -> Vec<Proposal> {
        vec![match op {
            Op::Empty | Op::Update | Op::Pending => return vec![],
            Op::Add(kps) => {
                return kps
                    .iter()
                    .map(|kp| {
                        Proposal::Add(Add {
                            key_package: key_package_of(kp),
                        })
                    })
                    .collect()
            }
            Op::Remove(leaf) => Proposal::Remove(Remove { removed: leaf }),
            Op::Psk(id) => self
                .group
                .external_psk_proposal(&id, &mut OsRng)
                .expect("PSK proposal"),
            Op::ReInit(group_id) => {
                self.group
                    .reinit_proposal(group_id, CipherSuite(self.setup.suite), vec![])
            }
            Op::Gce(data) => Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: vec![
                    Extension::new(
                        ExtensionType::REQUIRED_CAPABILITIES,
                        RequiredCapabilities {
                            extension_types: vec![ExtensionType(APP_EXT)],
                            ..RequiredCapabilities::default()
                        }
                        .to_bytes()
                        .expect("encode"),
                    ),
                    Extension::new(ExtensionType(APP_EXT), data),
                ],
            }),
        }]
    }
}

fn key_package_of(bytes: &[u8]) -> KeyPackage {
    decode(bytes).into_key_package().expect("a KeyPackage")
}

impl Member for OurMember {
    fn kind(&self) -> Impl {
        Impl::Ours
    }

    fn name(&self) -> String {
        format!("ours:{}", self.name)
    }

    fn epoch(&self) -> u64 {
        self.group.epoch()
    }

    fn leaf(&self) -> u32 {
        self.group.own_leaf().0
    }

    fn epoch_authenticator(&self) -> Bytes {
        self.group.epoch_authenticator().to_vec()
    }

    fn exporter(&self) -> Bytes {
        self.group
            .export_secret(
                super::EXPORTER_LABEL.as_bytes(),
                super::EXPORTER_CONTEXT,
                32,
            )
            .expect("exporter")
            .as_ref()
            .to_vec()
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Bytes {
        encode(
            &self
                .group
                .encrypt_application_message(data, aad, &mut OsRng)
                .expect("encrypt"),
        )
    }

    fn process(&mut self, msg: &[u8]) -> Received {
        // The application's clock, as of this call (lifetimes, §7.3).
        self.group.set_time(mls_group::unix_time_now());
        match self.group.process_message(&decode(msg)) {
            Ok(ProcessedMessage::Application {
                data,
                authenticated_data,
                ..
            }) => Received::App {
                data,
                aad: authenticated_data,
            },
            Ok(ProcessedMessage::Proposal(_)) => Received::Proposal,
            Ok(ProcessedMessage::Commit(staged)) => {
                self.group.merge_staged_commit(staged).expect("merge");
                Received::Commit
            }
            Err(e) => panic!("{} rejects a message: {e:?}", self.name()),
        }
    }

    fn commit(&mut self, op: Op) -> CommitOut {
        // The application's clock, as of this call (lifetimes, §7.3).
        self.group.set_time(mls_group::unix_time_now());
        let force_path = matches!(op, Op::Update | Op::Empty);
        let include_stored_proposals = matches!(op, Op::Pending);
        let proposals = self.proposals(op);
        let out = self
            .group
            .commit(
                proposals,
                &CommitOptions {
                    force_path,
                    include_stored_proposals,
                    ..CommitOptions::default()
                },
                &mut OsRng,
            )
            .unwrap_or_else(|e| panic!("{} commit: {e:?}", self.name()));
        self.group.merge_pending_commit().expect("merge own");
        CommitOut {
            commit: encode(&out.commit),
            welcome: out.welcome.as_ref().map(encode),
        }
    }

    fn propose(&mut self, op: Op) -> Bytes {
        // The application's clock, as of this call (lifetimes, §7.3).
        self.group.set_time(mls_group::unix_time_now());
        let msg = match op {
            Op::Update => self.group.propose_update(&mut OsRng),
            op => {
                let mut p = self.proposals(op);
                assert_eq!(p.len(), 1, "one proposal");
                self.group.propose(p.remove(0), &mut OsRng)
            }
        }
        .unwrap_or_else(|e| panic!("{} propose: {e:?}", self.name()));
        encode(&msg)
    }

    fn group_info(&mut self, with_tree: bool) -> Bytes {
        let info = self.group.group_info(with_tree, true).expect("GroupInfo");
        encode(&MlsMessage::new(MlsMessageBody::GroupInfo(info)))
    }

    fn ratchet_tree(&self) -> Bytes {
        self.group.tree().to_extension_bytes().expect("tree")
    }

    fn insert_psk(&mut self, id: &[u8], secret: &[u8]) {
        self.group
            .insert_external_psk(id.to_vec(), Secret::from(secret.to_vec()));
    }

    fn resync(&mut self, group_info: &[u8]) -> Bytes {
        let info = decode(group_info).into_group_info().expect("a GroupInfo");
        let (group, commit) = G::join_external(
            suite(self.setup),
            &info,
            self.group.identity().clone(),
            ExternalJoinOptions {
                remove_prior: Some(self.group.own_leaf()),
                leaf: leaf_options(self.setup),
                config: config(self.setup),
                ..ExternalJoinOptions::default()
            },
            &mut OsRng,
        )
        .expect("resync");
        self.group = group;
        encode(&commit)
    }

    fn context_extensions(&self) -> Vec<(u16, Bytes)> {
        self.group
            .extensions()
            .iter()
            .map(|e| (e.extension_type.0, e.extension_data.clone()))
            .collect()
    }

    fn member_count(&self) -> usize {
        self.group.members().len()
    }

    fn reinit_key_package(&mut self) -> Bytes {
        assert!(self.group.pending_reinit().is_some(), "no ReInit committed");
        let bundle = self.new_bundle();
        let msg = MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package().clone()));
        self.reinit_key_package = Some(bundle);
        encode(&msg)
    }

    fn reinit_create(&mut self, key_packages: Vec<Bytes>) -> (Box<dyn Member>, Bytes) {
        let (group, out) = G::create_resumed(
            suite(self.setup),
            self.new_bundle(),
            &self.group.resumption_info(),
            ResumeOptions {
                usage: ResumptionPskUsage::REINIT,
                branch_group_id: vec![],
                extensions: vec![],
                key_packages: key_packages.iter().map(|kp| key_package_of(kp)).collect(),
                config: config(self.setup),
                now: Some(mls_group::unix_time_now()),
                force_path: false,
            },
            &mut OsRng,
        )
        .unwrap_or_else(|e| panic!("{}: resumed group: {e:?}", self.name()));
        let welcome = encode(&out.welcome.expect("a Welcome"));
        (
            Box::new(OurMember::new(self.name.clone(), self.setup, group)),
            welcome,
        )
    }

    fn reinit_join(&mut self, welcome: &[u8]) -> Box<dyn Member> {
        let welcome = decode(welcome).into_welcome().expect("a Welcome");
        let info = self.group.resumption_info();
        let group = G::join(
            suite(self.setup),
            &welcome,
            self.reinit_key_package
                .as_ref()
                .expect("a ReInit KeyPackage"),
            JoinOptions {
                resumption: Some(&info),
                config: config(self.setup),
                ..JoinOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{}: join resumed group: {e:?}", self.name()));
        Box::new(OurMember::new(self.name.clone(), self.setup, group))
    }
}
