//! The MLS working group's interop harness client
//! (`mlswg/mls-implementations`, `interop/`): a gRPC server implementing
//! the `MLSClient` service of `proto/mls_client.proto` with `mls-group`.
//!
//! The harness' test-runner drives several such clients through scripted
//! scenarios; every MLS object crosses the wire as an encoded `MLSMessage`
//! (KeyPackages, Welcomes, GroupInfos, proposals, commits, application
//! messages) or in its RFC 9420 encoding (ratchet trees as the
//! `ratchet_tree` extension's body, `ExternalSender`).
//!
//! State follows the harness' model: every object the runner refers to
//! later gets a `u32` id from one counter — group states (`state_id`),
//! KeyPackages waiting for a Welcome (`transaction_id`), members between a
//! committed ReInit and its Welcome (`reinit_id`), external signers
//! (`signer_id`) — so `StorePSK`'s `state_or_transaction_id` is
//! unambiguous. `Free` drops whatever an id names. One mutex guards the
//! maps; no MLS operation awaits.
//!
//! Credentials are basic credentials holding the request's `identity`.
//! Lifetimes are checked against the system clock, set on a group before
//! each operation. Handshake messages are PrivateMessages when the
//! request's `encrypt_handshake` is set.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use mls_group::codec::decode_exact;
use mls_group::framing::{find_extension, ExtensionBody, ExternalSender, ExternalSenders};
use mls_group::*;
use tonic::{Request, Response, Status};

/// The code generated from `proto/mls_client.proto`.
#[allow(missing_docs, clippy::all)]
pub mod proto {
    tonic::include_proto!("mls_client");
}

use proto::mls_client_server::MlsClient;
use proto::{
    AddExternalSignerRequest, AddProposalRequest, CommitRequest, CommitResponse,
    CreateBranchRequest, CreateExternalSignerRequest, CreateExternalSignerResponse,
    CreateGroupRequest, CreateGroupResponse, CreateKeyPackageRequest, CreateKeyPackageResponse,
    CreateSubgroupResponse, ExportRequest, ExportResponse, ExternalJoinRequest,
    ExternalJoinResponse, ExternalPskProposalRequest, ExternalSignerProposalRequest, FreeRequest,
    FreeResponse, GroupContextExtensionsProposalRequest, GroupInfoRequest, GroupInfoResponse,
    HandleBranchRequest, HandleBranchResponse, HandleCommitRequest, HandleCommitResponse,
    HandlePendingCommitRequest, HandleReInitCommitResponse, HandleReInitWelcomeRequest,
    JoinGroupRequest, JoinGroupResponse, NameRequest, NameResponse, NewMemberAddProposalRequest,
    NewMemberAddProposalResponse, ProposalDescription, ProposalResponse, ProtectRequest,
    ProtectResponse, ReInitProposalRequest, ReInitWelcomeRequest, RemoveProposalRequest,
    ResumptionPskProposalRequest, StateAuthRequest, StateAuthResponse, StorePskRequest,
    StorePskResponse, SupportedCiphersuitesRequest, SupportedCiphersuitesResponse,
    UnprotectRequest, UnprotectResponse, UpdateProposalRequest,
};

/// The name this client reports to the test-runner.
pub const IMPLEMENTATION_NAME: &str = "mls-group (Rust)";

type Suite = RustCryptoSuite;
type RpcResult<T> = Result<Response<T>, Status>;

/// A member's group state.
struct MemberState {
    group: Group<Suite>,
    encrypt: bool,
}

/// A KeyPackage waiting for a Welcome (`CreateKeyPackage`,
/// `NewMemberAddProposal`), with the external PSKs stored for it.
struct Transaction {
    suite: Suite,
    bundle: KeyPackageBundle,
    psks: Vec<(Vec<u8>, Secret)>,
}

/// A member of a group whose ReInit was committed, until the Welcome of
/// the new group: the old group's resumption data and the KeyPackage (in
/// the new suite) it published for the new group.
struct Reinit {
    suite: Suite,
    info: ResumptionInfo,
    bundle: KeyPackageBundle,
    encrypt: bool,
}

/// An external signer: an identity listed in a group's `external_senders`.
struct Signer {
    suite: Suite,
    identity: ClientIdentity,
}

#[derive(Default)]
struct State {
    next_id: u32,
    members: HashMap<u32, MemberState>,
    transactions: HashMap<u32, Transaction>,
    reinits: HashMap<u32, Reinit>,
    signers: HashMap<u32, Signer>,
}

impl State {
    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// A member state with the clock set on it.
    fn member(&mut self, id: u32) -> Result<&mut MemberState, Status> {
        let m = self
            .members
            .get_mut(&id)
            .ok_or_else(|| Status::not_found(format!("no group state {id}")))?;
        m.group.set_time(unix_time_now());
        Ok(m)
    }

    fn add_member(&mut self, group: Group<Suite>, encrypt: bool) -> u32 {
        let id = self.id();
        self.members.insert(id, MemberState { group, encrypt });
        id
    }
}

/// The `MLSClient` service over `mls-group`. Cheap to create; each
/// instance holds its own states.
#[derive(Default)]
pub struct InteropClient {
    state: Mutex<State>,
}

impl InteropClient {
    /// A client without state.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock would leave half-done state; the
        // harness then sees errors for that state only.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The tonic service to add to a server.
    pub fn into_service(self) -> proto::mls_client_server::MlsClientServer<Self> {
        proto::mls_client_server::MlsClientServer::new(self)
    }
}

/// Serves the `MLSClient` service on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> Result<(), tonic::transport::Error> {
    // Small request/response exchanges: no Nagle delay.
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(InteropClient::new().into_service())
        .serve_with_incoming(incoming)
        .await
}

// ---------------------------------------------------------------------
// Conversions between the harness' bytes and mls-group's types.

fn mls_err(e: GroupError) -> Status {
    Status::aborted(format!("{e:?}"))
}

fn framing_err(what: &str) -> impl FnOnce(mls_group::framing::FramingError) -> Status + '_ {
    move |e| Status::invalid_argument(format!("{what}: {e:?}"))
}

fn suite(cipher_suite: u32) -> Result<Suite, Status> {
    u16::try_from(cipher_suite)
        .ok()
        .and_then(|cs| RustCrypto.cipher_suite_provider(CipherSuite(cs)))
        .ok_or_else(|| Status::invalid_argument(format!("unsupported cipher suite {cipher_suite}")))
}

fn config(encrypt: bool) -> GroupConfig {
    GroupConfig {
        handshake_format: if encrypt {
            HandshakeFormat::Private
        } else {
            HandshakeFormat::Public
        },
        ..GroupConfig::default()
    }
}

fn rng() -> OsRng {
    OsRng
}

fn new_identity(suite: &Suite, identity: &[u8]) -> Result<ClientIdentity, Status> {
    ClientIdentity::generate(suite, Credential::Basic(identity.to_vec()), &mut rng())
        .map_err(mls_err)
}

fn new_bundle(suite: &Suite, identity: &ClientIdentity) -> Result<KeyPackageBundle, Status> {
    KeyPackageBundle::create(suite, identity, KeyPackageOptions::default(), &mut rng())
        .map_err(mls_err)
}

fn message(bytes: &[u8]) -> Result<MlsMessage, Status> {
    MlsMessage::from_bytes(bytes).map_err(framing_err("MLSMessage"))
}

fn message_bytes(msg: impl Into<MlsMessage>) -> Result<Vec<u8>, Status> {
    msg.into()
        .to_bytes()
        .map_err(|e| Status::internal(format!("encoding: {e:?}")))
}

fn welcome(bytes: &[u8]) -> Result<Welcome, Status> {
    message(bytes)?
        .into_welcome()
        .map_err(framing_err("Welcome"))
}

fn group_info(bytes: &[u8]) -> Result<GroupInfo, Status> {
    message(bytes)?
        .into_group_info()
        .map_err(framing_err("GroupInfo"))
}

/// A KeyPackage as an `MLSMessage` (what this client sends) or bare.
fn key_package(bytes: &[u8]) -> Result<KeyPackage, Status> {
    match MlsMessage::from_bytes(bytes) {
        Ok(msg) => msg.into_key_package().map_err(framing_err("KeyPackage")),
        Err(e) => {
            decode_exact(bytes).map_err(|_| Status::invalid_argument(format!("KeyPackage: {e:?}")))
        }
    }
}

/// An optional ratchet tree (the `ratchet_tree` extension's body).
fn ratchet_tree(bytes: &[u8]) -> Result<Option<RatchetTree>, Status> {
    if bytes.is_empty() {
        return Ok(None);
    }
    RatchetTree::from_extension_bytes(bytes)
        .map(Some)
        .map_err(|e| Status::invalid_argument(format!("ratchet tree: {e:?}")))
}

fn tree_bytes(tree: &RatchetTree) -> Result<Vec<u8>, Status> {
    tree.to_extension_bytes()
        .map_err(|e| Status::internal(format!("ratchet tree: {e:?}")))
}

fn extensions(list: &[proto::Extension]) -> Result<Vec<mls_group::Extension>, Status> {
    list.iter()
        .map(|e| {
            let t = u16::try_from(e.extension_type)
                .map_err(|_| Status::invalid_argument("extension type is not a uint16"))?;
            Ok(mls_group::Extension::new(
                ExtensionType(t),
                e.extension_data.clone(),
            ))
        })
        .collect()
}

/// The private keys of a KeyPackage bundle, as the harness reports them.
struct PrivateKeys {
    init: Vec<u8>,
    encryption: Vec<u8>,
    signature: Vec<u8>,
}

/// The bundle's private keys, as the harness reports them.
fn private_keys(bundle: &KeyPackageBundle) -> PrivateKeys {
    PrivateKeys {
        init: bundle.init_private_key().as_bytes().to_vec(),
        encryption: bundle.encryption_private_key().as_bytes().to_vec(),
        signature: bundle
            .identity()
            .signature_private_key()
            .as_bytes()
            .to_vec(),
    }
}

fn leaf_of(members: &[Member], identity: &[u8]) -> Result<LeafIndex, Status> {
    let wanted = Credential::Basic(identity.to_vec());
    members
        .iter()
        .find(|m| m.credential == wanted)
        .map(|m| m.index)
        .ok_or_else(|| {
            Status::invalid_argument(format!("no member {:?}", String::from_utf8_lossy(identity)))
        })
}

/// A proposal described by the runner (`ProposalDescription`), for a
/// group with `group_id` and `members`.
fn described_proposal(
    desc: &ProposalDescription,
    suite: &Suite,
    group_id: &[u8],
    members: &[Member],
) -> Result<Proposal, Status> {
    let psk = |psk| {
        PreSharedKeyID::new(suite, psk, &mut rng())
            .map(|psk| Proposal::PreSharedKey(PreSharedKey { psk }))
            .map_err(|e| Status::internal(format!("PSK id: {e:?}")))
    };
    match desc.proposal_type.as_slice() {
        b"add" => Ok(Proposal::Add(Add {
            key_package: key_package(&desc.key_package)?,
        })),
        b"remove" => Ok(Proposal::Remove(Remove {
            removed: leaf_of(members, &desc.removed_id)?.0,
        })),
        b"externalPSK" => psk(Psk::External {
            psk_id: desc.psk_id.clone(),
        }),
        b"resumptionPSK" => psk(Psk::Resumption {
            usage: ResumptionPskUsage::APPLICATION,
            psk_group_id: group_id.to_vec(),
            psk_epoch: desc.epoch_id,
        }),
        b"groupContextExtensions" => Ok(Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: extensions(&desc.extensions)?,
        })),
        b"reinit" => Ok(Proposal::ReInit(ReInit {
            group_id: desc.group_id.clone(),
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuite(
                u16::try_from(desc.cipher_suite)
                    .map_err(|_| Status::invalid_argument("cipher suite is not a uint16"))?,
            ),
            extensions: extensions(&desc.extensions)?,
        })),
        other => Err(Status::invalid_argument(format!(
            "unknown proposal type {:?}",
            String::from_utf8_lossy(other)
        ))),
    }
}

// ---------------------------------------------------------------------
// Operations shared by several RPCs.

/// Processes the proposals a commit names by reference. A proposal this
/// member sent itself is already in its store (and, as a PrivateMessage,
/// cannot be decrypted by its sender), so a failure here is not final:
/// it is reported only if the commit then fails.
fn process_proposals(group: &mut Group<Suite>, proposals: &[Vec<u8>]) -> Vec<String> {
    let mut failures = Vec::new();
    for (i, bytes) in proposals.iter().enumerate() {
        let outcome = MlsMessage::from_bytes(bytes)
            .map_err(GroupError::Framing)
            .and_then(|msg| group.process_message(&msg));
        match outcome {
            Ok(ProcessedMessage::Proposal(_)) => {}
            Ok(_) => failures.push(format!("proposal {i}: not a proposal")),
            Err(e) => failures.push(format!("proposal {i}: {e:?}")),
        }
    }
    failures
}

fn with_failures(e: GroupError, failures: &[String]) -> Status {
    if failures.is_empty() {
        mls_err(e)
    } else {
        Status::aborted(format!("{e:?} (after {})", failures.join("; ")))
    }
}

/// `Commit` and `ReInitCommit`: the commit stays pending until
/// `HandlePendingCommit` / `HandlePendingReInitCommit`.
fn commit(state: &mut State, req: &CommitRequest) -> Result<CommitResponse, Status> {
    let m = state.member(req.state_id)?;
    let group = &mut m.group;
    let failures = process_proposals(group, &req.by_reference);
    let members = group.members();
    let group_id = group.group_id().to_vec();
    let by_value = req
        .by_value
        .iter()
        .map(|d| described_proposal(d, group.suite(), &group_id, &members))
        .collect::<Result<Vec<_>, _>>()?;
    let options = CommitOptions {
        force_path: req.force_path,
        include_stored_proposals: true,
        ratchet_tree_in_welcome: Some(!req.external_tree),
        ..CommitOptions::default()
    };
    let out = group
        .commit(by_value, &options, &mut rng())
        .map_err(|e| with_failures(e, &failures))?;
    let ratchet_tree = if req.external_tree {
        next_epoch_tree(group)?
    } else {
        Vec::new()
    };
    Ok(CommitResponse {
        commit: message_bytes(out.commit)?,
        welcome: out
            .welcome
            .map(message_bytes)
            .transpose()?
            .unwrap_or_default(),
        ratchet_tree,
    })
}

/// The ratchet tree of the epoch our pending commit creates, for a
/// Welcome sent without it.
///
/// `Group` offers no view of the tree a pending commit leads to, so a
/// copy of the state (saved and restored) merges the commit and the tree
/// is read from the copy.
fn next_epoch_tree(group: &Group<Suite>) -> Result<Vec<u8>, Status> {
    let saved = group.to_state_bytes().map_err(mls_err)?;
    let mut copy = Group::from_state_bytes(group.suite().clone(), &saved, *group.config(), None)
        .map_err(mls_err)?;
    copy.merge_pending_commit().map_err(mls_err)?;
    tree_bytes(copy.tree())
}

/// `HandleCommit` and `HandleReInitCommit`: processes the proposals and
/// the commit and merges it. Our own pending commit handed back to us
/// (as the runner's older scripts do) is merged as `HandlePendingCommit`.
fn handle_commit(state: &mut State, req: &HandleCommitRequest) -> Result<Vec<u8>, Status> {
    let m = state.member(req.state_id)?;
    let group = &mut m.group;
    let own = group
        .pending_commit()
        .and_then(|p| p.message().to_bytes().ok())
        .is_some_and(|bytes| bytes == req.commit);
    if own {
        group.merge_pending_commit().map_err(mls_err)?;
        return Ok(group.epoch_authenticator().to_vec());
    }
    let failures = process_proposals(group, &req.proposal);
    let msg = message(&req.commit)?;
    match group.process_message(&msg) {
        Ok(ProcessedMessage::Commit(staged)) => group
            .merge_staged_commit(staged)
            .map_err(|e| with_failures(e, &failures))?,
        Ok(_) => return Err(Status::invalid_argument("not a commit")),
        Err(e) => return Err(with_failures(e, &failures)),
    }
    Ok(group.epoch_authenticator().to_vec())
}

/// After a ReInit was merged: the member's resumption data and a
/// KeyPackage in the new group's suite (with a fresh signature key of
/// that suite's scheme, same credential).
fn start_reinit(state: &mut State, state_id: u32) -> Result<HandleReInitCommitResponse, Status> {
    let m = state.member(state_id)?;
    let info = m.group.resumption_info();
    let reinit = info
        .reinit
        .clone()
        .ok_or_else(|| Status::failed_precondition("the commit did not commit a ReInit"))?;
    let new_suite = suite(u32::from(reinit.cipher_suite.0))?;
    let identity = ClientIdentity::generate(
        &new_suite,
        m.group.identity().credential().clone(),
        &mut rng(),
    )
    .map_err(mls_err)?;
    let bundle = new_bundle(&new_suite, &identity)?;
    let epoch_authenticator = m.group.epoch_authenticator().to_vec();
    let encrypt = m.encrypt;
    let key_package = bundle.to_message_bytes().map_err(mls_err)?;
    let reinit_id = state.id();
    state.reinits.insert(
        reinit_id,
        Reinit {
            suite: new_suite,
            info,
            bundle,
            encrypt,
        },
    );
    Ok(HandleReInitCommitResponse {
        reinit_id,
        key_package,
        epoch_authenticator,
    })
}

/// What a ReInit's or branch's first group state is made of.
struct Resumed<'a> {
    suite: Suite,
    bundle: KeyPackageBundle,
    info: &'a ResumptionInfo,
    options: ResumeOptions,
    force_path: bool,
    external_tree: bool,
}

/// Creates the group resuming `info` (ReInit or branch) and its Welcome.
///
/// [`Group::create_resumed`] always commits without a forced path; with
/// `force_path` the same steps are taken here with a forced path: the
/// group is created from our KeyPackage, the resumed group's PSK stored,
/// and the first commit adds the members and injects that PSK.
fn create_resumed(r: Resumed<'_>) -> Result<(Group<Suite>, CreateSubgroupResponse), Status> {
    let Resumed {
        suite,
        bundle,
        info,
        mut options,
        force_path,
        external_tree,
    } = r;
    options.config.ratchet_tree_in_welcome = !external_tree;
    options.now = Some(unix_time_now());
    let (mut group, out) = if force_path {
        resumed_with_path(suite, bundle, info, options)?
    } else {
        Group::create_resumed(suite, bundle, info, options, &mut rng()).map_err(mls_err)?
    };
    group.set_time(unix_time_now());
    let welcome = out
        .welcome
        .ok_or_else(|| Status::failed_precondition("no member to welcome"))?;
    let ratchet_tree = if external_tree {
        tree_bytes(group.tree())?
    } else {
        Vec::new()
    };
    let response = CreateSubgroupResponse {
        state_id: 0,
        welcome: message_bytes(welcome)?,
        ratchet_tree,
        epoch_authenticator: group.epoch_authenticator().to_vec(),
    };
    Ok((group, response))
}

fn resumed_with_path(
    suite: Suite,
    bundle: KeyPackageBundle,
    info: &ResumptionInfo,
    options: ResumeOptions,
) -> Result<(Group<Suite>, CommitOutput), Status> {
    let (group_id, group_extensions) = if options.usage == ResumptionPskUsage::REINIT {
        let ri = info
            .reinit
            .as_ref()
            .ok_or_else(|| Status::failed_precondition("no ReInit was committed"))?;
        if ri.cipher_suite != suite.cipher_suite() {
            return Err(Status::invalid_argument("ReInit names another suite"));
        }
        (ri.group_id.clone(), ri.extensions.clone())
    } else {
        (options.branch_group_id, options.extensions)
    };
    let mut group = Group::create_with_leaf(
        suite,
        bundle,
        group_id,
        group_extensions,
        options.config,
        &mut rng(),
    )
    .map_err(mls_err)?;
    group.set_time(unix_time_now());
    group.insert_resumption_psk(info.group_id.clone(), info.epoch, info.psk.clone());
    let psk = PreSharedKeyID::new(
        group.suite(),
        Psk::Resumption {
            usage: options.usage,
            psk_group_id: info.group_id.clone(),
            psk_epoch: info.epoch,
        },
        &mut rng(),
    )
    .map_err(|e| Status::internal(format!("PSK id: {e:?}")))?;
    let mut proposals: Vec<Proposal> = options
        .key_packages
        .into_iter()
        .map(|key_package| Proposal::Add(Add { key_package }))
        .collect();
    proposals.push(Proposal::PreSharedKey(PreSharedKey { psk }));
    let commit_options = CommitOptions {
        force_path: true,
        ..CommitOptions::default()
    };
    let out = group
        .commit(proposals, &commit_options, &mut rng())
        .map_err(mls_err)?;
    group.merge_pending_commit().map_err(mls_err)?;
    Ok((group, out))
}

fn propose(state: &mut State, state_id: u32, proposal: Proposal) -> RpcResult<ProposalResponse> {
    let m = state.member(state_id)?;
    let msg = m.group.propose(proposal, &mut rng()).map_err(mls_err)?;
    Ok(Response::new(ProposalResponse {
        proposal: message_bytes(msg)?,
    }))
}

#[tonic::async_trait]
impl MlsClient for InteropClient {
    async fn name(&self, _: Request<NameRequest>) -> RpcResult<NameResponse> {
        Ok(Response::new(NameResponse {
            name: IMPLEMENTATION_NAME.to_string(),
        }))
    }

    async fn supported_ciphersuites(
        &self,
        _: Request<SupportedCiphersuitesRequest>,
    ) -> RpcResult<SupportedCiphersuitesResponse> {
        Ok(Response::new(SupportedCiphersuitesResponse {
            ciphersuites: RustCrypto
                .supported_cipher_suites()
                .into_iter()
                .map(|cs| u32::from(cs.0))
                .collect(),
        }))
    }

    async fn create_group(
        &self,
        req: Request<CreateGroupRequest>,
    ) -> RpcResult<CreateGroupResponse> {
        let req = req.into_inner();
        let suite = suite(req.cipher_suite)?;
        let identity = new_identity(&suite, &req.identity)?;
        let mut group = Group::create(
            suite,
            identity,
            req.group_id,
            Vec::new(),
            config(req.encrypt_handshake),
            &mut rng(),
        )
        .map_err(mls_err)?;
        group.set_time(unix_time_now());
        let state_id = self.state().add_member(group, req.encrypt_handshake);
        Ok(Response::new(CreateGroupResponse { state_id }))
    }

    async fn create_key_package(
        &self,
        req: Request<CreateKeyPackageRequest>,
    ) -> RpcResult<CreateKeyPackageResponse> {
        let req = req.into_inner();
        let suite = suite(req.cipher_suite)?;
        let identity = new_identity(&suite, &req.identity)?;
        let bundle = new_bundle(&suite, &identity)?;
        let key_package = bundle.to_message_bytes().map_err(mls_err)?;
        let keys = private_keys(&bundle);
        let mut state = self.state();
        let transaction_id = state.id();
        state.transactions.insert(
            transaction_id,
            Transaction {
                suite,
                bundle,
                psks: Vec::new(),
            },
        );
        Ok(Response::new(CreateKeyPackageResponse {
            transaction_id,
            key_package,
            init_priv: keys.init,
            encryption_priv: keys.encryption,
            signature_priv: keys.signature,
        }))
    }

    async fn join_group(&self, req: Request<JoinGroupRequest>) -> RpcResult<JoinGroupResponse> {
        let req = req.into_inner();
        let welcome = welcome(&req.welcome)?;
        let tree = ratchet_tree(&req.ratchet_tree)?;
        let mut state = self.state();
        let tx = state
            .transactions
            .get(&req.transaction_id)
            .ok_or_else(|| Status::not_found(format!("no transaction {}", req.transaction_id)))?;
        let mut store = InMemoryPskStore::new();
        for (id, secret) in &tx.psks {
            store.insert_external(id.clone(), secret.clone());
        }
        let options = JoinOptions {
            ratchet_tree: tree,
            psks: Some(&store),
            now: Some(unix_time_now()),
            config: config(req.encrypt_handshake),
            ..JoinOptions::default()
        };
        let mut group =
            Group::join(tx.suite.clone(), &welcome, &tx.bundle, options).map_err(mls_err)?;
        group.set_time(unix_time_now());
        let tx = state
            .transactions
            .remove(&req.transaction_id)
            .expect("looked up above");
        for (id, secret) in tx.psks {
            group.insert_external_psk(id, secret);
        }
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = state.add_member(group, req.encrypt_handshake);
        Ok(Response::new(JoinGroupResponse {
            state_id,
            epoch_authenticator,
        }))
    }

    async fn external_join(
        &self,
        req: Request<ExternalJoinRequest>,
    ) -> RpcResult<ExternalJoinResponse> {
        let req = req.into_inner();
        let info = group_info(&req.group_info)?;
        let suite = suite(u32::from(info.group_context.cipher_suite.0))?;
        let tree = ratchet_tree(&req.ratchet_tree)?;
        let identity = new_identity(&suite, &req.identity)?;
        let remove_prior = if req.remove_prior {
            // Our earlier self: the member with our credential.
            let public = PublicGroup::from_group_info(
                suite.clone(),
                &info,
                PublicGroupOptions {
                    ratchet_tree: tree.clone(),
                    ..PublicGroupOptions::default()
                },
            )
            .map_err(mls_err)?;
            Some(leaf_of(&public.members(), &req.identity)?)
        } else {
            None
        };
        let mut store = InMemoryPskStore::new();
        let mut psk_ids = Vec::new();
        for p in &req.psks {
            store.insert_external(p.psk_id.clone(), Secret::from(p.psk_secret.clone()));
            let id = PreSharedKeyID::new(
                &suite,
                Psk::External {
                    psk_id: p.psk_id.clone(),
                },
                &mut rng(),
            )
            .map_err(|e| Status::internal(format!("PSK id: {e:?}")))?;
            psk_ids.push(id);
        }
        let options = ExternalJoinOptions {
            ratchet_tree: tree,
            remove_prior,
            psk_ids,
            psks: Some(&store),
            config: config(req.encrypt_handshake),
            ..ExternalJoinOptions::default()
        };
        let (mut group, commit) =
            Group::join_external(suite, &info, identity, options, &mut rng()).map_err(mls_err)?;
        group.set_time(unix_time_now());
        for p in req.psks {
            group.insert_external_psk(p.psk_id, Secret::from(p.psk_secret));
        }
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = self.state().add_member(group, req.encrypt_handshake);
        Ok(Response::new(ExternalJoinResponse {
            state_id,
            commit: message_bytes(commit)?,
            epoch_authenticator,
        }))
    }

    async fn group_info(&self, req: Request<GroupInfoRequest>) -> RpcResult<GroupInfoResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let info = m
            .group
            .group_info(!req.external_tree, true)
            .map_err(mls_err)?;
        let ratchet_tree = if req.external_tree {
            tree_bytes(m.group.tree())?
        } else {
            Vec::new()
        };
        Ok(Response::new(GroupInfoResponse {
            group_info: message_bytes(info)?,
            ratchet_tree,
        }))
    }

    /// The epoch authenticator (RFC 9420 §8.7).
    async fn state_auth(&self, req: Request<StateAuthRequest>) -> RpcResult<StateAuthResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        Ok(Response::new(StateAuthResponse {
            state_auth_secret: m.group.epoch_authenticator().to_vec(),
        }))
    }

    async fn export(&self, req: Request<ExportRequest>) -> RpcResult<ExportResponse> {
        let req = req.into_inner();
        let length = u16::try_from(req.key_length)
            .map_err(|_| Status::invalid_argument("key_length is not a uint16"))?;
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let secret = m
            .group
            .export_secret(req.label.as_bytes(), &req.context, length)
            .map_err(mls_err)?;
        Ok(Response::new(ExportResponse {
            exported_secret: secret.as_bytes().to_vec(),
        }))
    }

    async fn protect(&self, req: Request<ProtectRequest>) -> RpcResult<ProtectResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let msg = m
            .group
            .encrypt_application_message(&req.plaintext, &req.authenticated_data, &mut rng())
            .map_err(mls_err)?;
        Ok(Response::new(ProtectResponse {
            ciphertext: message_bytes(msg)?,
        }))
    }

    async fn unprotect(&self, req: Request<UnprotectRequest>) -> RpcResult<UnprotectResponse> {
        let req = req.into_inner();
        let msg = message(&req.ciphertext)?;
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        match m.group.process_message(&msg).map_err(mls_err)? {
            ProcessedMessage::Application {
                data,
                authenticated_data,
                ..
            } => Ok(Response::new(UnprotectResponse {
                authenticated_data,
                plaintext: data,
            })),
            _ => Err(Status::invalid_argument("not an application message")),
        }
    }

    async fn store_psk(&self, req: Request<StorePskRequest>) -> RpcResult<StorePskResponse> {
        let req = req.into_inner();
        let id = req.state_or_transaction_id;
        let secret = Secret::from(req.psk_secret);
        let mut state = self.state();
        if let Some(m) = state.members.get_mut(&id) {
            m.group.insert_external_psk(req.psk_id, secret);
        } else if let Some(tx) = state.transactions.get_mut(&id) {
            tx.psks.push((req.psk_id, secret));
        } else {
            return Err(Status::not_found(format!("no state or transaction {id}")));
        }
        Ok(Response::new(StorePskResponse {}))
    }

    async fn add_proposal(&self, req: Request<AddProposalRequest>) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let key_package = key_package(&req.key_package)?;
        propose(
            &mut self.state(),
            req.state_id,
            Proposal::Add(Add { key_package }),
        )
    }

    async fn update_proposal(
        &self,
        req: Request<UpdateProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let msg = m.group.propose_update(&mut rng()).map_err(mls_err)?;
        Ok(Response::new(ProposalResponse {
            proposal: message_bytes(msg)?,
        }))
    }

    async fn remove_proposal(
        &self,
        req: Request<RemoveProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let leaf = leaf_of(&m.group.members(), &req.removed_id)?;
        let msg = m.group.propose_remove(leaf, &mut rng()).map_err(mls_err)?;
        Ok(Response::new(ProposalResponse {
            proposal: message_bytes(msg)?,
        }))
    }

    async fn external_psk_proposal(
        &self,
        req: Request<ExternalPskProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let proposal = m
            .group
            .external_psk_proposal(&req.psk_id, &mut rng())
            .map_err(mls_err)?;
        propose(&mut state, req.state_id, proposal)
    }

    async fn resumption_psk_proposal(
        &self,
        req: Request<ResumptionPskProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let proposal = m
            .group
            .resumption_psk_proposal(req.epoch_id, &mut rng())
            .map_err(mls_err)?;
        propose(&mut state, req.state_id, proposal)
    }

    async fn group_context_extensions_proposal(
        &self,
        req: Request<GroupContextExtensionsProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let extensions = extensions(&req.extensions)?;
        propose(
            &mut self.state(),
            req.state_id,
            Proposal::GroupContextExtensions(GroupContextExtensions { extensions }),
        )
    }

    async fn commit(&self, req: Request<CommitRequest>) -> RpcResult<CommitResponse> {
        Ok(Response::new(commit(&mut self.state(), &req.into_inner())?))
    }

    async fn handle_commit(
        &self,
        req: Request<HandleCommitRequest>,
    ) -> RpcResult<HandleCommitResponse> {
        let req = req.into_inner();
        let epoch_authenticator = handle_commit(&mut self.state(), &req)?;
        Ok(Response::new(HandleCommitResponse {
            state_id: req.state_id,
            epoch_authenticator,
        }))
    }

    async fn handle_pending_commit(
        &self,
        req: Request<HandlePendingCommitRequest>,
    ) -> RpcResult<HandleCommitResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        m.group.merge_pending_commit().map_err(mls_err)?;
        Ok(Response::new(HandleCommitResponse {
            state_id: req.state_id,
            epoch_authenticator: m.group.epoch_authenticator().to_vec(),
        }))
    }

    async fn re_init_proposal(
        &self,
        req: Request<ReInitProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let cipher_suite = u16::try_from(req.cipher_suite)
            .map_err(|_| Status::invalid_argument("cipher suite is not a uint16"))?;
        let extensions = extensions(&req.extensions)?;
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let proposal = m
            .group
            .reinit_proposal(req.group_id, CipherSuite(cipher_suite), extensions);
        propose(&mut state, req.state_id, proposal)
    }

    async fn re_init_commit(&self, req: Request<CommitRequest>) -> RpcResult<CommitResponse> {
        Ok(Response::new(commit(&mut self.state(), &req.into_inner())?))
    }

    async fn handle_pending_re_init_commit(
        &self,
        req: Request<HandlePendingCommitRequest>,
    ) -> RpcResult<HandleReInitCommitResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        state
            .member(req.state_id)?
            .group
            .merge_pending_commit()
            .map_err(mls_err)?;
        Ok(Response::new(start_reinit(&mut state, req.state_id)?))
    }

    async fn handle_re_init_commit(
        &self,
        req: Request<HandleCommitRequest>,
    ) -> RpcResult<HandleReInitCommitResponse> {
        let req = req.into_inner();
        let mut state = self.state();
        handle_commit(&mut state, &req)?;
        Ok(Response::new(start_reinit(&mut state, req.state_id)?))
    }

    async fn re_init_welcome(
        &self,
        req: Request<ReInitWelcomeRequest>,
    ) -> RpcResult<CreateSubgroupResponse> {
        let req = req.into_inner();
        let key_packages = req
            .key_package
            .iter()
            .map(|kp| key_package(kp))
            .collect::<Result<Vec<_>, _>>()?;
        let mut state = self.state();
        let r = state
            .reinits
            .get(&req.reinit_id)
            .ok_or_else(|| Status::not_found(format!("no reinit {}", req.reinit_id)))?;
        let (group, mut response) = create_resumed(Resumed {
            suite: r.suite.clone(),
            bundle: r.bundle.clone(),
            info: &r.info,
            options: ResumeOptions {
                key_packages,
                config: config(r.encrypt),
                ..ResumeOptions::reinit()
            },
            force_path: req.force_path,
            external_tree: req.external_tree,
        })?;
        let encrypt = r.encrypt;
        state.reinits.remove(&req.reinit_id);
        response.state_id = state.add_member(group, encrypt);
        Ok(Response::new(response))
    }

    async fn handle_re_init_welcome(
        &self,
        req: Request<HandleReInitWelcomeRequest>,
    ) -> RpcResult<JoinGroupResponse> {
        let req = req.into_inner();
        let welcome = welcome(&req.welcome)?;
        let tree = ratchet_tree(&req.ratchet_tree)?;
        let mut state = self.state();
        let r = state
            .reinits
            .get(&req.reinit_id)
            .ok_or_else(|| Status::not_found(format!("no reinit {}", req.reinit_id)))?;
        let options = JoinOptions {
            ratchet_tree: tree,
            now: Some(unix_time_now()),
            config: config(r.encrypt),
            resumption: Some(&r.info),
            ..JoinOptions::default()
        };
        let mut group =
            Group::join(r.suite.clone(), &welcome, &r.bundle, options).map_err(mls_err)?;
        group.set_time(unix_time_now());
        let encrypt = r.encrypt;
        state.reinits.remove(&req.reinit_id);
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = state.add_member(group, encrypt);
        Ok(Response::new(JoinGroupResponse {
            state_id,
            epoch_authenticator,
        }))
    }

    async fn create_branch(
        &self,
        req: Request<CreateBranchRequest>,
    ) -> RpcResult<CreateSubgroupResponse> {
        let req = req.into_inner();
        let key_packages = req
            .key_packages
            .iter()
            .map(|kp| key_package(kp))
            .collect::<Result<Vec<_>, _>>()?;
        let group_extensions = extensions(&req.extensions)?;
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let suite = m.group.suite().clone();
        let bundle = new_bundle(&suite, m.group.identity())?;
        let info = m.group.resumption_info();
        let encrypt = m.encrypt;
        let (group, mut response) = create_resumed(Resumed {
            suite,
            bundle,
            info: &info,
            options: ResumeOptions {
                extensions: group_extensions,
                key_packages,
                config: config(encrypt),
                ..ResumeOptions::branch(req.group_id)
            },
            force_path: req.force_path,
            external_tree: req.external_tree,
        })?;
        response.state_id = state.add_member(group, encrypt);
        Ok(Response::new(response))
    }

    async fn handle_branch(
        &self,
        req: Request<HandleBranchRequest>,
    ) -> RpcResult<HandleBranchResponse> {
        let req = req.into_inner();
        let welcome = welcome(&req.welcome)?;
        let tree = ratchet_tree(&req.ratchet_tree)?;
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let info = m.group.resumption_info();
        let encrypt = m.encrypt;
        let tx = state
            .transactions
            .get(&req.transaction_id)
            .ok_or_else(|| Status::not_found(format!("no transaction {}", req.transaction_id)))?;
        let options = JoinOptions {
            ratchet_tree: tree,
            now: Some(unix_time_now()),
            config: config(encrypt),
            resumption: Some(&info),
            ..JoinOptions::default()
        };
        let mut group =
            Group::join(tx.suite.clone(), &welcome, &tx.bundle, options).map_err(mls_err)?;
        group.set_time(unix_time_now());
        state.transactions.remove(&req.transaction_id);
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = state.add_member(group, encrypt);
        Ok(Response::new(HandleBranchResponse {
            state_id,
            epoch_authenticator,
        }))
    }

    async fn new_member_add_proposal(
        &self,
        req: Request<NewMemberAddProposalRequest>,
    ) -> RpcResult<NewMemberAddProposalResponse> {
        let req = req.into_inner();
        let info = group_info(&req.group_info)?;
        let gc = &info.group_context;
        let suite = suite(u32::from(gc.cipher_suite.0))?;
        let identity = new_identity(&suite, &req.identity)?;
        let bundle = new_bundle(&suite, &identity)?;
        let msg =
            new_member_add_proposal(&suite, &bundle, &gc.group_id, gc.epoch).map_err(mls_err)?;
        let keys = private_keys(&bundle);
        let mut state = self.state();
        let transaction_id = state.id();
        state.transactions.insert(
            transaction_id,
            Transaction {
                suite,
                bundle,
                psks: Vec::new(),
            },
        );
        Ok(Response::new(NewMemberAddProposalResponse {
            transaction_id,
            proposal: message_bytes(msg)?,
            init_priv: keys.init,
            encryption_priv: keys.encryption,
            signature_priv: keys.signature,
        }))
    }

    async fn create_external_signer(
        &self,
        req: Request<CreateExternalSignerRequest>,
    ) -> RpcResult<CreateExternalSignerResponse> {
        let req = req.into_inner();
        let suite = suite(req.cipher_suite)?;
        let identity = new_identity(&suite, &req.identity)?;
        let external_sender = ExternalSender {
            signature_key: identity.signature_key().clone(),
            credential: identity.credential().clone(),
        }
        .to_bytes()
        .map_err(|e| Status::internal(format!("encoding: {e:?}")))?;
        let mut state = self.state();
        let signer_id = state.id();
        state.signers.insert(signer_id, Signer { suite, identity });
        Ok(Response::new(CreateExternalSignerResponse {
            signer_id,
            external_sender,
        }))
    }

    /// A GroupContextExtensions proposal: the group's extensions with the
    /// signer appended to `external_senders` (created if absent).
    async fn add_external_signer(
        &self,
        req: Request<AddExternalSignerRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let sender: ExternalSender = decode_exact(&req.external_sender)
            .map_err(|e| Status::invalid_argument(format!("ExternalSender: {e:?}")))?;
        let mut state = self.state();
        let m = state.member(req.state_id)?;
        let mut list = m.group.extensions().to_vec();
        let mut senders = find_extension::<ExternalSenders>(&list)
            .map_err(|e| Status::internal(format!("external_senders: {e:?}")))?
            .unwrap_or(ExternalSenders(Vec::new()));
        senders.0.push(sender);
        let ext = senders
            .to_extension()
            .map_err(|e| Status::internal(format!("external_senders: {e:?}")))?;
        match list
            .iter_mut()
            .find(|e| e.extension_type == ExtensionType::EXTERNAL_SENDERS)
        {
            Some(e) => *e = ext,
            None => list.push(ext),
        }
        propose(
            &mut state,
            req.state_id,
            Proposal::GroupContextExtensions(GroupContextExtensions { extensions: list }),
        )
    }

    /// A proposal signed by an external signer for the group of
    /// `group_info`; the signer's index is its position in the group's
    /// `external_senders` (the request's `signer_index` if it is not listed).
    async fn external_signer_proposal(
        &self,
        req: Request<ExternalSignerProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        let req = req.into_inner();
        let info = group_info(&req.group_info)?;
        let tree = ratchet_tree(&req.ratchet_tree)?;
        let description = req
            .description
            .ok_or_else(|| Status::invalid_argument("no proposal description"))?;
        let (suite, identity) = {
            let state = self.state();
            let s = state
                .signers
                .get(&req.signer_id)
                .ok_or_else(|| Status::not_found(format!("no signer {}", req.signer_id)))?;
            (s.suite.clone(), s.identity.clone())
        };
        let gc = &info.group_context;
        if gc.cipher_suite != suite.cipher_suite() {
            return Err(Status::invalid_argument(
                "the signer's suite is not the group's",
            ));
        }
        let public = PublicGroup::from_group_info(
            suite.clone(),
            &info,
            PublicGroupOptions {
                ratchet_tree: tree,
                ..PublicGroupOptions::default()
            },
        )
        .map_err(mls_err)?;
        let index = find_extension::<ExternalSenders>(&gc.extensions)
            .map_err(|e| Status::invalid_argument(format!("external_senders: {e:?}")))?
            .and_then(|s| {
                s.0.iter()
                    .position(|x| &x.signature_key == identity.signature_key())
            })
            .map_or(req.signer_index, |i| i as u32);
        let proposal = described_proposal(&description, &suite, &gc.group_id, &public.members())?;
        let msg = external_proposal(&suite, &identity, index, &gc.group_id, gc.epoch, proposal)
            .map_err(mls_err)?;
        Ok(Response::new(ProposalResponse {
            proposal: message_bytes(msg)?,
        }))
    }

    async fn free(&self, req: Request<FreeRequest>) -> RpcResult<FreeResponse> {
        let id = req.into_inner().state_id;
        let mut state = self.state();
        state.members.remove(&id);
        state.transactions.remove(&id);
        state.reinits.remove(&id);
        state.signers.remove(&id);
        Ok(Response::new(FreeResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reported private keys are the bundle's: the bundle rebuilt from
    /// them passes `from_parts`' key checks.
    #[test]
    fn reported_private_keys_match_the_key_package() {
        for cs in [1, 2, 3, 5, 7] {
            let suite = suite(cs).unwrap();
            let identity = new_identity(&suite, b"bob").unwrap();
            let bundle = new_bundle(&suite, &identity).unwrap();
            let keys = private_keys(&bundle);
            let from_key = ClientIdentity::from_private_key(
                &suite,
                Credential::Basic(b"bob".to_vec()),
                mls_group::crypto::SignaturePrivateKey::from_bytes(keys.signature),
            )
            .unwrap();
            KeyPackageBundle::from_parts(
                &suite,
                bundle.key_package().clone(),
                mls_group::crypto::HpkePrivateKey::from_bytes(keys.init),
                mls_group::crypto::HpkePrivateKey::from_bytes(keys.encryption),
                from_key,
            )
            .unwrap();
        }
    }

    #[test]
    fn every_suite_of_the_provider_is_offered() {
        let offered = RustCrypto.supported_cipher_suites();
        assert_eq!(offered.len(), 7);
        for cs in offered {
            assert!(suite(u32::from(cs.0)).is_ok());
        }
        assert!(suite(0x1_0001).is_err());
    }
}
