//! Our `mls-group` behind the common traits.

use mls_as::X509Validator;
use mls_codec::Encode;
use mls_crypto::CipherSuiteProvider;
use mls_crypto::{CipherSuite, CryptoProvider, Secret};
use mls_framing::{
    Add, GroupContextExtensions, KeyPackage, MlsMessage, MlsMessageBody, Proposal, Remove,
};
use mls_group::ResumeOptions;
use mls_group::{
    ClientIdentity, CommitOptions, ExternalJoinOptions, Group, GroupConfig, GroupError,
    GroupPolicy, HandshakeFormat, JoinOptions, KeyPackageBundle, KeyPackageOptions,
    ProcessedMessage, ValidatorPolicy,
};
use mls_keyschedule::ResumptionPskUsage;
use mls_rustcrypto::{OsRng, RustCrypto, RustCryptoSuite};
use mls_treekem::RatchetTree;
use mls_types::{
    Capabilities, Certificate, Credential, CredentialType, Extension, ExtensionType,
    RequiredCapabilities,
};

use super::{Bytes, Client, CommitOut, Format, Impl, Issue, Member, Op, Received, Setup, APP_EXT};

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

/// The leaf's capabilities: the scenario's suite and [`APP_EXT`]; with an
/// X.509 identity also the basic and x509 credential types (§7.2: every
/// member supports every member's credential type).
fn leaf_options(setup: Setup, identity: &ClientIdentity) -> KeyPackageOptions {
    let mut capabilities = Capabilities {
        cipher_suites: vec![CipherSuite(setup.suite)],
        extensions: vec![ExtensionType(APP_EXT)],
        ..Capabilities::default()
    };
    if matches!(identity.credential(), Credential::X509(_)) {
        capabilities.credentials = vec![CredentialType::BASIC, CredentialType::X509];
    }
    KeyPackageOptions {
        capabilities,
        ..KeyPackageOptions::default()
    }
}

fn policy(validator: X509Validator) -> Box<dyn GroupPolicy> {
    Box::new(ValidatorPolicy::new(validator))
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
    /// Installed as the group policy of the groups it creates or joins.
    validator: Option<X509Validator>,
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
            validator: None,
        }
    }

    /// A client whose credential is the X.509 chain `issue` makes for its
    /// new signature key, validating every credential with `validator`.
    pub fn x509(name: &str, setup: Setup, issue: Issue, validator: X509Validator) -> Self {
        let keys = suite(setup)
            .signature_generate(&mut OsRng)
            .expect("signature key");
        let chain = issue(&keys.public.0)
            .into_iter()
            .map(|cert_data| Certificate { cert_data })
            .collect();
        OurClient {
            name: name.to_string(),
            setup,
            identity: ClientIdentity::new(Credential::X509(chain), keys),
            key_packages: Vec::new(),
            validator: Some(validator),
        }
    }

    /// Creates a one-member group (under the validator, if any).
    pub fn create_ours(self, group_id: &[u8]) -> OurMember {
        let mut group = G::create_with_leaf(
            suite(self.setup),
            self.bundle(),
            group_id.to_vec(),
            vec![],
            config(self.setup),
            &mut OsRng,
        )
        .expect("create");
        if let Some(v) = self.validator {
            group.set_policy(policy(v));
        }
        OurMember::new(self.name, self.setup, group)
    }

    /// Joins from a Welcome (under the validator, if any, which checks
    /// every credential of the ratchet tree); the last error if none of
    /// our KeyPackages joins.
    pub fn join_ours(self, welcome: &[u8], tree: Option<&[u8]>) -> Result<OurMember, GroupError> {
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
                    // The validator checks certificates at the caller's time.
                    now: self.validator.is_some().then(mls_group::unix_time_now),
                    policy: self.validator.clone().map(policy),
                    ..JoinOptions::default()
                },
            ) {
                Ok(group) => return Ok(OurMember::new(self.name, self.setup, group)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("a KeyPackage"))
    }

    fn bundle(&self) -> KeyPackageBundle {
        KeyPackageBundle::create(
            &suite(self.setup),
            &self.identity,
            leaf_options(self.setup, &self.identity),
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
        Box::new(self.create_ours(group_id))
    }

    fn join(self: Box<Self>, welcome: &[u8], tree: Option<&[u8]>) -> Box<dyn Member> {
        let name = self.name.clone();
        Box::new(
            self.join_ours(welcome, tree)
                .unwrap_or_else(|e| panic!("{name}: join from Welcome failed: {e:?}")),
        )
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
                leaf: leaf_options(self.setup, &self.identity),
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
            leaf_options(self.setup, self.group.identity()),
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

impl OurMember {
    /// [`Member::process`], with our error.
    pub fn try_process(&mut self, msg: &[u8]) -> Result<Received, GroupError> {
        // The application's clock, as of this call (lifetimes, §7.3).
        self.group.set_time(mls_group::unix_time_now());
        Ok(match self.group.process_message(&decode(msg))? {
            ProcessedMessage::Application {
                data,
                authenticated_data,
                ..
            } => Received::App {
                data,
                aad: authenticated_data,
            },
            ProcessedMessage::Proposal(_) => Received::Proposal,
            ProcessedMessage::Commit(staged) => {
                self.group.merge_staged_commit(staged).expect("merge");
                Received::Commit
            }
        })
    }

    /// [`Member::commit`], with our error (nothing changes on an error).
    pub fn try_commit(&mut self, op: Op) -> Result<CommitOut, GroupError> {
        // The application's clock, as of this call (lifetimes, §7.3).
        self.group.set_time(mls_group::unix_time_now());
        let force_path = matches!(op, Op::Update | Op::Empty);
        let include_stored_proposals = matches!(op, Op::Pending);
        let proposals = self.proposals(op);
        let out = self.group.commit(
            proposals,
            &CommitOptions {
                force_path,
                include_stored_proposals,
                ..CommitOptions::default()
            },
            &mut OsRng,
        )?;
        self.group.merge_pending_commit().expect("merge own");
        Ok(CommitOut {
            commit: encode(&out.commit),
            welcome: out.welcome.as_ref().map(encode),
        })
    }

    /// The serialized state, to show a refusal changed nothing.
    pub fn state(&self) -> Bytes {
        self.group.to_state_bytes().expect("state").to_vec()
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
        self.try_process(msg)
            .unwrap_or_else(|e| panic!("{} rejects a message: {e:?}", self.name()))
    }

    fn commit(&mut self, op: Op) -> CommitOut {
        self.try_commit(op)
            .unwrap_or_else(|e| panic!("{} commit: {e:?}", self.name()))
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
                leaf: leaf_options(self.setup, self.group.identity()),
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

    fn as_ours(&mut self) -> Option<&mut OurMember> {
        Some(self)
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
