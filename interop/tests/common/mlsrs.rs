//! mls-rs (`mls-rs` with `mls-rs-crypto-rustcrypto` and basic credentials)
//! behind the common traits.

use mls_rs::{
    client_builder::{MlsConfig, PaddingMode},
    extension::{built_in::RequiredCapabilitiesExt, ExtensionType},
    group::{ExportedTree, ReceivedMessage, ReinitClient},
    identity::{
        basic::{BasicCredential, BasicIdentityProvider},
        x509::CertificateChain,
        Credential, CredentialType, SigningIdentity,
    },
    mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions},
    psk::{ExternalPskId, PreSharedKey},
    storage_provider::in_memory::InMemoryPreSharedKeyStorage,
    time::MlsTime,
    CipherSuite, CipherSuiteProvider, CryptoProvider, Extension, ExtensionList, Group,
    IdentityProvider, MlsMessage, ProtocolVersion,
};
use mls_rs_core::identity::MemberValidationContext;
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use super::{Bytes, Client, CommitOut, Format, Impl, Issue, Member, Op, Received, Setup, APP_EXT};

/// A new mls-rs client. Its MLS rules: handshakes as PrivateMessage iff
/// the scenario says so; the ratchet tree in Welcomes as the scenario says;
/// every commit carries a path (mls-rs has no per-commit switch, and this
/// gives the other implementations path-carrying Adds and Removes to
/// process, while ours and OpenMLS send them without).
pub fn new_client(name: &str, setup: Setup) -> Box<dyn Client> {
    with_credential(name, setup, BasicIdentityProvider::new(), |_| {
        BasicCredential::new(name.as_bytes().to_vec()).into_credential()
    })
}

/// A new mls-rs client whose credential is the X.509 chain `issue` makes
/// for its new signature key (mls-rs's `Credential::X509`), with
/// [`AcceptX509`] as its identity provider.
pub fn new_x509_client(name: &str, setup: Setup, issue: Issue) -> Box<dyn Client> {
    with_credential(name, setup, AcceptX509, |public| {
        CertificateChain::from(issue(public)).into_credential()
    })
}

/// The X.509 identity provider of this driver: mls-rs takes path
/// validation from the application (its `mls-rs-identity-x509` needs a
/// certificate validator); this one accepts any non-empty chain — the
/// interop scenario checks that mls-rs carries and processes X.509
/// credentials, our member is the one that validates them. The identity
/// is the leaf certificate; a successor must keep it.
#[derive(Clone, Debug)]
pub struct AcceptX509;

/// [`AcceptX509`]'s refusal.
#[derive(Debug)]
pub struct NotX509;

impl mls_rs::error::IntoAnyError for NotX509 {}

impl AcceptX509 {
    fn leaf(identity: &SigningIdentity) -> Result<Vec<u8>, NotX509> {
        match &identity.credential {
            Credential::X509(chain) => chain.leaf().map(|c| c.to_vec()).ok_or(NotX509),
            _ => Err(NotX509),
        }
    }
}

impl IdentityProvider for AcceptX509 {
    type Error = NotX509;

    fn validate_member(
        &self,
        identity: &SigningIdentity,
        _: Option<MlsTime>,
        _: MemberValidationContext<'_>,
    ) -> Result<(), NotX509> {
        Self::leaf(identity).map(|_| ())
    }

    fn validate_external_sender(
        &self,
        identity: &SigningIdentity,
        _: Option<MlsTime>,
        _: Option<&ExtensionList>,
    ) -> Result<(), NotX509> {
        Self::leaf(identity).map(|_| ())
    }

    fn identity(&self, identity: &SigningIdentity, _: &ExtensionList) -> Result<Vec<u8>, NotX509> {
        Self::leaf(identity)
    }

    fn valid_successor(
        &self,
        predecessor: &SigningIdentity,
        successor: &SigningIdentity,
        _: &ExtensionList,
    ) -> Result<bool, NotX509> {
        Ok(Self::leaf(predecessor)? == Self::leaf(successor)?)
    }

    fn supported_types(&self) -> Vec<CredentialType> {
        vec![CredentialType::BASIC, CredentialType::X509]
    }
}

/// A new client with a new signature key, the credential `credential`
/// makes for its public key and `provider` as its identity provider.
fn with_credential<I: IdentityProvider + Clone + 'static>(
    name: &str,
    setup: Setup,
    provider: I,
    credential: impl FnOnce(&[u8]) -> Credential,
) -> Box<dyn Client> {
    let crypto = RustCryptoProvider::new();
    let suite = CipherSuite::new(setup.suite);
    let (secret, public) = crypto
        .cipher_suite_provider(suite)
        .expect("suite")
        .signature_key_generate()
        .expect("signature key");
    let identity = SigningIdentity::new(credential(public.as_bytes()), public);
    let rules = DefaultMlsRules::new()
        .with_commit_options(
            CommitOptions::new()
                .with_ratchet_tree_extension(setup.tree_in_welcome)
                .with_path_required(true),
        )
        .with_encryption_options(EncryptionOptions::new(
            setup.format == Format::Private,
            PaddingMode::None,
        ));
    // Kept to add external PSKs later; clones share the store.
    let psks = InMemoryPreSharedKeyStorage::default();
    let client = mls_rs::Client::builder()
        .psk_store(psks.clone())
        .crypto_provider(crypto)
        .identity_provider(provider)
        .mls_rules(rules)
        .extension_type(ExtensionType::new(APP_EXT))
        .signing_identity(identity, secret, suite)
        .build();
    Box::new(MlsRsClient {
        name: name.to_string(),
        client,
        psks,
    })
}

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::from_bytes(bytes).expect("MLSMessage")
}

fn encode(msg: &MlsMessage) -> Bytes {
    msg.to_bytes().expect("encode")
}

fn tree_of(bytes: Option<&[u8]>) -> Option<ExportedTree<'static>> {
    bytes.map(|b| ExportedTree::from_bytes(b).expect("ratchet tree"))
}

fn app_extensions(data: Bytes) -> ExtensionList {
    let mut list = ExtensionList::new();
    list.set_from(RequiredCapabilitiesExt {
        extensions: vec![ExtensionType::new(APP_EXT)],
        ..RequiredCapabilitiesExt::default()
    })
    .expect("required_capabilities");
    list.set(Extension::new(ExtensionType::new(APP_EXT), data));
    list
}

struct MlsRsClient<C: MlsConfig> {
    name: String,
    client: mls_rs::Client<C>,
    psks: InMemoryPreSharedKeyStorage,
}

impl<C: MlsConfig + 'static> Client for MlsRsClient<C> {
    fn kind(&self) -> Impl {
        Impl::MlsRs
    }

    fn key_package(&mut self) -> Bytes {
        encode(
            &self
                .client
                .generate_key_package_message(ExtensionList::new(), ExtensionList::new(), None)
                .expect("KeyPackage"),
        )
    }

    fn create(self: Box<Self>, group_id: &[u8]) -> Box<dyn Member> {
        let group = self
            .client
            .group_builder()
            .expect("group builder")
            .with_group_id(group_id.to_vec())
            .build()
            .expect("create");
        Box::new(MlsRsMember::new(self.name, self.client, self.psks, group))
    }

    fn join(self: Box<Self>, welcome: &[u8], tree: Option<&[u8]>) -> Box<dyn Member> {
        let (group, _) = self
            .client
            .join_group(tree_of(tree), &decode(welcome), None)
            .unwrap_or_else(|e| panic!("mls-rs:{} Welcome: {e:?}", self.name));
        Box::new(MlsRsMember::new(self.name, self.client, self.psks, group))
    }

    fn join_external(
        self: Box<Self>,
        group_info: &[u8],
        tree: Option<&[u8]>,
    ) -> (Box<dyn Member>, Bytes) {
        let mut builder = self.client.external_commit_builder().expect("builder");
        if let Some(tree) = tree_of(tree) {
            builder = builder.with_tree_data(tree);
        }
        let (group, commit) = builder
            .build(decode(group_info))
            .unwrap_or_else(|e| panic!("mls-rs external commit: {e:?}"));
        (
            Box::new(MlsRsMember::new(self.name, self.client, self.psks, group)),
            encode(&commit),
        )
    }
}

struct MlsRsMember<C: MlsConfig> {
    name: String,
    client: mls_rs::Client<C>,
    psks: InMemoryPreSharedKeyStorage,
    group: Group<C>,
    /// After a ReInit: the client for the resumed group, which holds the
    /// private keys of its KeyPackage.
    reinit: Option<ReinitClient<C>>,
}

impl<C: MlsConfig> MlsRsMember<C> {
    fn new(
        name: String,
        client: mls_rs::Client<C>,
        psks: InMemoryPreSharedKeyStorage,
        group: Group<C>,
    ) -> Self {
        MlsRsMember {
            name,
            client,
            psks,
            group,
            reinit: None,
        }
    }

    fn reinit_client(&mut self) -> ReinitClient<C> {
        self.reinit.take().unwrap_or_else(|| {
            self.group
                .clone()
                .get_reinit_client(None, None)
                .expect("a committed ReInit")
        })
    }
}

impl<C: MlsConfig + 'static> Member for MlsRsMember<C> {
    fn kind(&self) -> Impl {
        Impl::MlsRs
    }

    fn name(&self) -> String {
        format!("mls-rs:{}", self.name)
    }

    fn epoch(&self) -> u64 {
        self.group.current_epoch()
    }

    fn leaf(&self) -> u32 {
        self.group.current_member_index()
    }

    fn epoch_authenticator(&self) -> Bytes {
        self.group
            .epoch_authenticator()
            .expect("authenticator")
            .as_bytes()
            .to_vec()
    }

    fn exporter(&self) -> Bytes {
        self.group
            .export_secret(
                super::EXPORTER_LABEL.as_bytes(),
                super::EXPORTER_CONTEXT,
                32,
            )
            .expect("exporter")
            .as_bytes()
            .to_vec()
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Bytes {
        encode(
            &self
                .group
                .encrypt_application_message(data, aad.to_vec())
                .expect("encrypt"),
        )
    }

    fn process(&mut self, msg: &[u8]) -> Received {
        let name = self.name();
        match self
            .group
            .process_incoming_message(decode(msg))
            .unwrap_or_else(|e| panic!("{name} rejects a message: {e:?}"))
        {
            ReceivedMessage::ApplicationMessage(app) => Received::App {
                data: app.data().to_vec(),
                aad: app.authenticated_data,
            },
            ReceivedMessage::Commit(_) => Received::Commit,
            ReceivedMessage::Proposal(_) => Received::Proposal,
            other => panic!("{name}: unexpected {other:?}"),
        }
    }

    fn commit(&mut self, op: Op) -> CommitOut {
        let suite = self.group.cipher_suite();
        let builder = self.group.commit_builder();
        let builder = match op {
            Op::Empty | Op::Update | Op::Pending => builder,
            Op::Add(kps) => kps
                .iter()
                .fold(builder, |b, kp| b.add_member(decode(kp)).expect("add")),
            Op::Remove(leaf) => builder.remove_member(leaf).expect("remove"),
            Op::Psk(id) => builder
                .add_external_psk(ExternalPskId::new(id))
                .expect("PSK"),
            Op::Gce(data) => builder
                .set_group_context_ext(app_extensions(data))
                .expect("GCE"),
            Op::ReInit(group_id) => builder
                .reinit(
                    Some(group_id),
                    ProtocolVersion::MLS_10,
                    suite,
                    ExtensionList::new(),
                )
                .expect("ReInit"),
        };
        let out = builder
            .build()
            .unwrap_or_else(|e| panic!("mls-rs commit: {e:?}"));
        self.group.apply_pending_commit().expect("merge own");
        CommitOut {
            commit: encode(out.commit_message()),
            welcome: out.welcome_messages().first().map(encode),
        }
    }

    fn propose(&mut self, op: Op) -> Bytes {
        let msg = match op {
            Op::Update => self.group.propose_update(vec![]),
            Op::Add(kps) => {
                assert_eq!(kps.len(), 1, "one proposal");
                self.group.propose_add(decode(&kps[0]), vec![])
            }
            Op::Remove(leaf) => self.group.propose_remove(leaf, vec![]),
            Op::Psk(id) => self
                .group
                .propose_external_psk(ExternalPskId::new(id), vec![]),
            Op::Gce(data) => self
                .group
                .propose_group_context_extensions(app_extensions(data), vec![]),
            Op::ReInit(group_id) => self.group.propose_reinit(
                Some(group_id),
                ProtocolVersion::MLS_10,
                self.group.cipher_suite(),
                ExtensionList::new(),
                vec![],
            ),
            Op::Empty | Op::Pending => panic!("not a proposal"),
        }
        .unwrap_or_else(|e| panic!("mls-rs propose: {e:?}"));
        encode(&msg)
    }

    fn group_info(&mut self, with_tree: bool) -> Bytes {
        encode(
            &self
                .group
                .group_info_message_allowing_ext_commit(with_tree)
                .expect("GroupInfo"),
        )
    }

    fn ratchet_tree(&self) -> Bytes {
        self.group.export_tree().to_bytes().expect("tree")
    }

    fn insert_psk(&mut self, id: &[u8], secret: &[u8]) {
        // The in-memory store is shared by the client and its groups.
        self.psks.insert(
            ExternalPskId::new(id.to_vec()),
            PreSharedKey::new(secret.to_vec()),
        );
    }

    fn resync(&mut self, group_info: &[u8]) -> Bytes {
        let (group, commit) = self
            .client
            .external_commit_builder()
            .expect("builder")
            .with_removal(self.group.current_member_index())
            .build(decode(group_info))
            .unwrap_or_else(|e| panic!("mls-rs resync: {e:?}"));
        self.group = group;
        encode(&commit)
    }

    fn context_extensions(&self) -> Vec<(u16, Bytes)> {
        self.group
            .context()
            .extensions
            .iter()
            .map(|e| (e.extension_type.raw_value(), e.extension_data.clone()))
            .collect()
    }

    fn member_count(&self) -> usize {
        self.group.roster().members().len()
    }

    fn reinit_key_package(&mut self) -> Bytes {
        let client = self.reinit_client();
        let kp = client.generate_key_package(None).expect("KeyPackage");
        self.reinit = Some(client);
        encode(&kp)
    }

    fn reinit_create(&mut self, key_packages: Vec<Bytes>) -> (Box<dyn Member>, Bytes) {
        let (group, welcomes) = self
            .reinit_client()
            .commit(
                key_packages.iter().map(|kp| decode(kp)).collect(),
                ExtensionList::new(),
                None,
            )
            .unwrap_or_else(|e| panic!("{}: resumed group: {e:?}", self.name()));
        (
            Box::new(MlsRsMember::new(
                self.name.clone(),
                self.client.clone(),
                self.psks.clone(),
                group,
            )),
            encode(&welcomes[0]),
        )
    }

    fn reinit_join(&mut self, welcome: &[u8]) -> Box<dyn Member> {
        let (group, _) = self
            .reinit_client()
            .join(&decode(welcome), None, None)
            .unwrap_or_else(|e| panic!("{}: join resumed group: {e:?}", self.name()));
        Box::new(MlsRsMember::new(
            self.name.clone(),
            self.client.clone(),
            self.psks.clone(),
            group,
        ))
    }
}
