//! OpenMLS (`openmls` with `openmls_rust_crypto` and basic credentials)
//! behind the common traits.

use openmls::prelude::tls_codec::Serialize as _;
use openmls::prelude::*;
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

use super::{Bytes, Client, CommitOut, Format, Impl, Issue, Member, Op, Received, Setup, APP_EXT};

fn ciphersuite(setup: Setup) -> Ciphersuite {
    Ciphersuite::try_from(setup.suite).expect("suite")
}

fn wire_format_policy(setup: Setup) -> WireFormatPolicy {
    // Outgoing handshakes in the scenario's format; incoming mixed, since
    // external commits are always PublicMessages (RFC 9420 §12.4.3.2).
    match setup.format {
        Format::Public => MIXED_PLAINTEXT_WIRE_FORMAT_POLICY,
        Format::Private => MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY,
    }
}

/// The leaf's capabilities: [`APP_EXT`]; with an X.509 credential also
/// the basic and x509 credential types (OpenMLS lists only basic by
/// default).
fn capabilities(credential: &CredentialWithKey) -> Capabilities {
    let x509 = [CredentialType::Basic, CredentialType::X509];
    Capabilities::new(
        None,
        None,
        Some(&[ExtensionType::Unknown(APP_EXT)]),
        None,
        (credential.credential.credential_type() == CredentialType::X509).then_some(&x509[..]),
    )
}

fn join_config(setup: Setup) -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .wire_format_policy(wire_format_policy(setup))
        .use_ratchet_tree_extension(setup.tree_in_welcome)
        // Keep one past epoch for late application messages (scenario 5).
        .max_past_epochs(2)
        .build()
}

fn decode(bytes: &[u8]) -> MlsMessageBodyIn {
    MlsMessageIn::tls_deserialize_exact_bytes(bytes)
        .expect("MLSMessage")
        .extract()
}

fn encode(msg: &MlsMessageOut) -> Bytes {
    msg.tls_serialize_detached().expect("encode")
}

fn tree_of(bytes: Option<&[u8]>) -> Option<RatchetTreeIn> {
    bytes.map(|b| RatchetTreeIn::tls_deserialize_exact_bytes(b).expect("ratchet tree"))
}

pub struct OpenMlsClient {
    name: String,
    setup: Setup,
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
}

impl OpenMlsClient {
    pub fn new(name: &str, setup: Setup) -> Self {
        Self::with_credential(name, setup, |_| {
            BasicCredential::new(name.as_bytes().to_vec()).into()
        })
    }

    /// A client whose credential is the X.509 chain `issue` makes for its
    /// new signature key: `Credential::new(CredentialType::X509, ..)` with
    /// the body of RFC 9420's `Certificate certificates<V>`, i.e. each
    /// certificate as `opaque cert_data<V>` (OpenMLS adds the outer
    /// length).
    pub fn x509(name: &str, setup: Setup, issue: Issue) -> Self {
        Self::with_credential(name, setup, |public| {
            let mut body = Vec::new();
            for cert in issue(public) {
                body.extend(
                    tls_codec::VLBytes::new(cert)
                        .tls_serialize_detached()
                        .expect("encode certificate"),
                );
            }
            Credential::new(CredentialType::X509, body)
        })
    }

    /// A client with a new signature key and the credential `credential`
    /// makes for its public key.
    fn with_credential(
        name: &str,
        setup: Setup,
        credential: impl FnOnce(&[u8]) -> Credential,
    ) -> Self {
        let provider = OpenMlsRustCrypto::default();
        let signer =
            SignatureKeyPair::new(ciphersuite(setup).signature_algorithm()).expect("signer");
        signer.store(provider.storage()).expect("store signer");
        let credential = CredentialWithKey {
            credential: credential(signer.public()),
            signature_key: signer.public().into(),
        };
        OpenMlsClient {
            name: name.to_string(),
            setup,
            provider,
            signer,
            credential,
        }
    }

    fn into_member(self, group: MlsGroup) -> Box<dyn Member> {
        Box::new(OpenMlsMember {
            name: self.name,
            setup: self.setup,
            provider: self.provider,
            signer: self.signer,
            credential: self.credential,
            group,
        })
    }
}

impl Client for OpenMlsClient {
    fn kind(&self) -> Impl {
        Impl::OpenMls
    }

    fn key_package(&mut self) -> Bytes {
        let bundle = KeyPackage::builder()
            .leaf_node_capabilities(capabilities(&self.credential))
            .build(
                ciphersuite(self.setup),
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .expect("KeyPackage");
        encode(&MlsMessageOut::from(bundle.key_package().clone()))
    }

    fn create(self: Box<Self>, group_id: &[u8]) -> Box<dyn Member> {
        let group = MlsGroup::builder()
            .with_group_id(GroupId::from_slice(group_id))
            .ciphersuite(ciphersuite(self.setup))
            .with_wire_format_policy(wire_format_policy(self.setup))
            .use_ratchet_tree_extension(self.setup.tree_in_welcome)
            .max_past_epochs(2)
            .with_capabilities(capabilities(&self.credential))
            .build(&self.provider, &self.signer, self.credential.clone())
            .expect("create");
        self.into_member(group)
    }

    fn join(self: Box<Self>, welcome: &[u8], tree: Option<&[u8]>) -> Box<dyn Member> {
        let MlsMessageBodyIn::Welcome(welcome) = decode(welcome) else {
            panic!("not a Welcome")
        };
        let group = StagedWelcome::new_from_welcome(
            &self.provider,
            &join_config(self.setup),
            welcome,
            tree_of(tree),
        )
        .unwrap_or_else(|e| panic!("openmls:{} Welcome: {e:?}", self.name))
        .into_group(&self.provider)
        .expect("join");
        self.into_member(group)
    }

    fn join_external(
        self: Box<Self>,
        group_info: &[u8],
        tree: Option<&[u8]>,
    ) -> (Box<dyn Member>, Bytes) {
        let (group, commit) = external_commit(
            &self.provider,
            &self.signer,
            &self.credential,
            self.setup,
            group_info,
            tree,
        );
        (self.into_member(group), commit)
    }
}

fn external_commit(
    provider: &OpenMlsRustCrypto,
    signer: &SignatureKeyPair,
    credential: &CredentialWithKey,
    setup: Setup,
    group_info: &[u8],
    tree: Option<&[u8]>,
) -> (MlsGroup, Bytes) {
    let MlsMessageBodyIn::GroupInfo(info) = decode(group_info) else {
        panic!("not a GroupInfo")
    };
    let mut builder = MlsGroup::external_commit_builder().with_config(join_config(setup));
    if let Some(tree) = tree_of(tree) {
        builder = builder.with_ratchet_tree(tree);
    }
    // With the same signature key as a current member, OpenMLS adds the
    // Remove of that member itself (resync, RFC 9420 §12.4.3.2).
    let (group, bundle) = builder
        .build_group(provider, info, credential.clone())
        .unwrap_or_else(|e| panic!("openmls external commit: {e:?}"))
        .leaf_node_parameters(
            LeafNodeParameters::builder()
                .with_capabilities(capabilities(credential))
                .build(),
        )
        .load_psks(provider.storage())
        .expect("PSKs")
        .build(provider.rand(), provider.crypto(), signer, |_| true)
        .unwrap_or_else(|e| panic!("openmls external commit: {e:?}"))
        .finalize(provider)
        .unwrap_or_else(|e| panic!("openmls external commit: {e:?}"));
    (group, encode(bundle.commit()))
}

pub struct OpenMlsMember {
    name: String,
    setup: Setup,
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    group: MlsGroup,
}

impl OpenMlsMember {
    fn key_package(&self, bytes: &[u8]) -> KeyPackage {
        let MlsMessageBodyIn::KeyPackage(kp) = decode(bytes) else {
            panic!("not a KeyPackage")
        };
        kp.validate(self.provider.crypto(), ProtocolVersion::Mls10)
            .expect("valid KeyPackage")
    }

    fn psk_id(&self, id: &[u8]) -> PreSharedKeyId {
        PreSharedKeyId::new(
            ciphersuite(self.setup),
            self.provider.rand(),
            Psk::External(ExternalPsk::new(id.to_vec())),
        )
        .expect("PSK id")
    }
}

fn app_extensions(data: Bytes) -> Extensions<GroupContext> {
    Extensions::from_vec(vec![
        Extension::RequiredCapabilities(RequiredCapabilitiesExtension::new(
            &[ExtensionType::Unknown(APP_EXT)],
            &[],
            &[],
        )),
        Extension::Unknown(APP_EXT, UnknownExtension(data)),
    ])
    .expect("extensions")
}

impl Member for OpenMlsMember {
    fn kind(&self) -> Impl {
        Impl::OpenMls
    }

    fn name(&self) -> String {
        format!("openmls:{}", self.name)
    }

    fn epoch(&self) -> u64 {
        self.group.epoch().as_u64()
    }

    fn leaf(&self) -> u32 {
        self.group.own_leaf_index().u32()
    }

    fn epoch_authenticator(&self) -> Bytes {
        self.group.epoch_authenticator().as_slice().to_vec()
    }

    fn exporter(&self) -> Bytes {
        self.group
            .export_secret(
                self.provider.crypto(),
                super::EXPORTER_LABEL,
                super::EXPORTER_CONTEXT,
                32,
            )
            .expect("exporter")
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Bytes {
        self.group.set_aad(aad.to_vec());
        let msg = self
            .group
            .create_message(&self.provider, &self.signer, data)
            .expect("encrypt");
        encode(&msg)
    }

    fn process(&mut self, msg: &[u8]) -> Received {
        let msg = MlsMessageIn::tls_deserialize_exact_bytes(msg).expect("MLSMessage");
        let msg = msg.try_into_protocol_message().expect("a protocol message");
        let processed = self
            .group
            .process_message(&self.provider, msg)
            .unwrap_or_else(|e| panic!("{} rejects a message: {e:?}", self.name()));
        let aad = processed.aad().to_vec();
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(app) => Received::App {
                data: app.into_bytes(),
                aad,
            },
            ProcessedMessageContent::ProposalMessage(p) => {
                self.group
                    .store_pending_proposal(self.provider.storage(), *p)
                    .expect("store proposal");
                Received::Proposal
            }
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                self.group
                    .merge_staged_commit(&self.provider, *staged)
                    .unwrap_or_else(|e| panic!("{} merge: {e:?}", self.name()));
                Received::Commit
            }
            other => panic!("{}: unexpected {other:?}", self.name()),
        }
    }

    fn commit(&mut self, op: Op) -> CommitOut {
        let mut proposal = None;
        let mut adds = Vec::new();
        let mut removes = Vec::new();
        let mut gce = None;
        match op {
            Op::Empty | Op::Update | Op::Pending => {}
            Op::Add(kps) => adds.extend(kps.iter().map(|kp| self.key_package(kp))),
            Op::Remove(leaf) => removes.push(LeafNodeIndex::new(leaf)),
            Op::Psk(id) => {
                proposal = Some(Proposal::PreSharedKey(Box::new(PreSharedKeyProposal::new(
                    self.psk_id(&id),
                ))))
            }
            Op::Gce(data) => gce = Some(app_extensions(data)),
            Op::ReInit(_) => unimplemented!("OpenMLS 0.9 has no ReInit"),
        }
        let mut builder = self
            .group
            .commit_builder()
            .force_self_update(adds.is_empty())
            .propose_adds(adds)
            .propose_removals(removes);
        if let Some(p) = proposal {
            builder = builder.add_proposal(p);
        }
        if let Some(ext) = gce {
            builder = builder.propose_group_context_extensions(ext).expect("GCE");
        }
        let bundle = builder
            .load_psks(self.provider.storage())
            .expect("PSKs")
            .build(
                self.provider.rand(),
                self.provider.crypto(),
                &self.signer,
                |_| true,
            )
            .unwrap_or_else(|e| panic!("openmls commit: {e:?}"))
            .stage_commit(&self.provider)
            .unwrap_or_else(|e| panic!("openmls commit: {e:?}"));
        let out = CommitOut {
            commit: encode(bundle.commit()),
            welcome: bundle.to_welcome_msg().as_ref().map(encode),
        };
        self.group
            .merge_pending_commit(&self.provider)
            .expect("merge own");
        out
    }

    fn propose(&mut self, op: Op) -> Bytes {
        let (msg, _) = match op {
            Op::Update => self
                .group
                .propose_self_update(&self.provider, &self.signer, LeafNodeParameters::default())
                .map_err(|e| format!("{e:?}")),
            Op::Add(kps) => {
                assert_eq!(kps.len(), 1, "one proposal");
                let kp = self.key_package(&kps[0]);
                self.group
                    .propose_add_member(&self.provider, &self.signer, &kp)
                    .map_err(|e| format!("{e:?}"))
            }
            Op::Remove(leaf) => self
                .group
                .propose_remove_member(&self.provider, &self.signer, LeafNodeIndex::new(leaf))
                .map_err(|e| format!("{e:?}")),
            Op::Psk(id) => {
                let psk = self.psk_id(&id);
                self.group
                    .propose_pre_shared_key(&self.provider, &self.signer, psk)
                    .map_err(|e| format!("{e:?}"))
            }
            Op::Gce(data) => self
                .group
                .propose_group_context_extensions(
                    &self.provider,
                    app_extensions(data),
                    &self.signer,
                )
                .map_err(|e| format!("{e:?}")),
            Op::Empty | Op::Pending => panic!("not a proposal"),
            Op::ReInit(_) => unimplemented!("OpenMLS 0.9 has no ReInit"),
        }
        .unwrap_or_else(|e| panic!("openmls propose: {e}"));
        encode(&msg)
    }

    fn group_info(&mut self, with_tree: bool) -> Bytes {
        encode(
            &self
                .group
                .export_group_info(self.provider.crypto(), &self.signer, with_tree)
                .expect("GroupInfo"),
        )
    }

    fn ratchet_tree(&self) -> Bytes {
        self.group
            .export_ratchet_tree()
            .tls_serialize_detached()
            .expect("tree")
    }

    fn insert_psk(&mut self, id: &[u8], secret: &[u8]) {
        // The store is keyed by the PSK, not the nonce.
        self.psk_id(id)
            .store(&self.provider, secret)
            .expect("store PSK");
    }

    fn resync(&mut self, group_info: &[u8]) -> Bytes {
        let (group, commit) = external_commit(
            &self.provider,
            &self.signer,
            &self.credential,
            self.setup,
            group_info,
            None,
        );
        self.group = group;
        commit
    }

    fn context_extensions(&self) -> Vec<(u16, Bytes)> {
        self.group
            .extensions()
            .iter()
            .map(|e| match e {
                Extension::Unknown(t, UnknownExtension(d)) => (*t, d.clone()),
                other => (u16::from(other.extension_type()), Vec::new()),
            })
            .collect()
    }

    fn member_count(&self) -> usize {
        self.group.members().count()
    }

    // OpenMLS 0.9 has no API to propose or commit a ReInit nor to create
    // or join the resumed group: ReInit interop runs with mls-rs only.
    fn reinit_key_package(&mut self) -> Bytes {
        unimplemented!("OpenMLS 0.9 has no ReInit")
    }

    fn reinit_create(&mut self, _: Vec<Bytes>) -> (Box<dyn Member>, Bytes) {
        unimplemented!("OpenMLS 0.9 has no ReInit")
    }

    fn reinit_join(&mut self, _: &[u8]) -> Box<dyn Member> {
        unimplemented!("OpenMLS 0.9 has no ReInit")
    }
}
