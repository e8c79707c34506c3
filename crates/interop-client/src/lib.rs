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

use std::sync::{Mutex, MutexGuard};

use mls_group::*;
use tonic::{Request, Response, Status};

mod commits;
mod convert;
mod epoch;
mod join;
mod proposals;
mod resumption;
mod signers;
mod state;

use state::State;

/// The code generated from `proto/mls_client.proto`.
#[allow(missing_docs, clippy::all)]
pub mod proto {
    tonic::include_proto!("mls_client");
}

use proto::mls_client_server::MlsClient;
use proto::*;

/// The name this client reports to the test-runner.
pub const IMPLEMENTATION_NAME: &str = "mls-group (Rust)";

pub(crate) type RpcResult<T> = Result<Response<T>, Status>;

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

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
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
        join::create_group(self, req)
    }

    async fn create_key_package(
        &self,
        req: Request<CreateKeyPackageRequest>,
    ) -> RpcResult<CreateKeyPackageResponse> {
        join::create_key_package(self, req)
    }

    async fn join_group(&self, req: Request<JoinGroupRequest>) -> RpcResult<JoinGroupResponse> {
        join::join_group(self, req)
    }

    async fn external_join(
        &self,
        req: Request<ExternalJoinRequest>,
    ) -> RpcResult<ExternalJoinResponse> {
        join::external_join(self, req)
    }

    async fn group_info(&self, req: Request<GroupInfoRequest>) -> RpcResult<GroupInfoResponse> {
        epoch::group_info(self, req)
    }

    async fn state_auth(&self, req: Request<StateAuthRequest>) -> RpcResult<StateAuthResponse> {
        epoch::state_auth(self, req)
    }

    async fn export(&self, req: Request<ExportRequest>) -> RpcResult<ExportResponse> {
        epoch::export(self, req)
    }

    async fn protect(&self, req: Request<ProtectRequest>) -> RpcResult<ProtectResponse> {
        epoch::protect(self, req)
    }

    async fn unprotect(&self, req: Request<UnprotectRequest>) -> RpcResult<UnprotectResponse> {
        epoch::unprotect(self, req)
    }

    async fn store_psk(&self, req: Request<StorePskRequest>) -> RpcResult<StorePskResponse> {
        epoch::store_psk(self, req)
    }

    async fn add_proposal(&self, req: Request<AddProposalRequest>) -> RpcResult<ProposalResponse> {
        proposals::add_proposal(self, req)
    }

    async fn update_proposal(
        &self,
        req: Request<UpdateProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        proposals::update_proposal(self, req)
    }

    async fn remove_proposal(
        &self,
        req: Request<RemoveProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        proposals::remove_proposal(self, req)
    }

    async fn external_psk_proposal(
        &self,
        req: Request<ExternalPskProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        proposals::external_psk_proposal(self, req)
    }

    async fn resumption_psk_proposal(
        &self,
        req: Request<ResumptionPskProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        proposals::resumption_psk_proposal(self, req)
    }

    async fn group_context_extensions_proposal(
        &self,
        req: Request<GroupContextExtensionsProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        proposals::group_context_extensions_proposal(self, req)
    }

    async fn commit(&self, req: Request<CommitRequest>) -> RpcResult<CommitResponse> {
        commits::commit(self, req)
    }

    async fn handle_commit(
        &self,
        req: Request<HandleCommitRequest>,
    ) -> RpcResult<HandleCommitResponse> {
        commits::handle_commit(self, req)
    }

    async fn handle_pending_commit(
        &self,
        req: Request<HandlePendingCommitRequest>,
    ) -> RpcResult<HandleCommitResponse> {
        commits::handle_pending_commit(self, req)
    }

    async fn re_init_proposal(
        &self,
        req: Request<ReInitProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        proposals::re_init_proposal(self, req)
    }

    async fn re_init_commit(&self, req: Request<CommitRequest>) -> RpcResult<CommitResponse> {
        commits::re_init_commit(self, req)
    }

    async fn handle_pending_re_init_commit(
        &self,
        req: Request<HandlePendingCommitRequest>,
    ) -> RpcResult<HandleReInitCommitResponse> {
        commits::handle_pending_re_init_commit(self, req)
    }

    async fn handle_re_init_commit(
        &self,
        req: Request<HandleCommitRequest>,
    ) -> RpcResult<HandleReInitCommitResponse> {
        commits::handle_re_init_commit(self, req)
    }

    async fn re_init_welcome(
        &self,
        req: Request<ReInitWelcomeRequest>,
    ) -> RpcResult<CreateSubgroupResponse> {
        resumption::re_init_welcome(self, req)
    }

    async fn handle_re_init_welcome(
        &self,
        req: Request<HandleReInitWelcomeRequest>,
    ) -> RpcResult<JoinGroupResponse> {
        resumption::handle_re_init_welcome(self, req)
    }

    async fn create_branch(
        &self,
        req: Request<CreateBranchRequest>,
    ) -> RpcResult<CreateSubgroupResponse> {
        resumption::create_branch(self, req)
    }

    async fn handle_branch(
        &self,
        req: Request<HandleBranchRequest>,
    ) -> RpcResult<HandleBranchResponse> {
        resumption::handle_branch(self, req)
    }

    async fn new_member_add_proposal(
        &self,
        req: Request<NewMemberAddProposalRequest>,
    ) -> RpcResult<NewMemberAddProposalResponse> {
        join::new_member_add_proposal(self, req)
    }

    async fn create_external_signer(
        &self,
        req: Request<CreateExternalSignerRequest>,
    ) -> RpcResult<CreateExternalSignerResponse> {
        signers::create_external_signer(self, req)
    }

    async fn add_external_signer(
        &self,
        req: Request<AddExternalSignerRequest>,
    ) -> RpcResult<ProposalResponse> {
        signers::add_external_signer(self, req)
    }

    async fn external_signer_proposal(
        &self,
        req: Request<ExternalSignerProposalRequest>,
    ) -> RpcResult<ProposalResponse> {
        signers::external_signer_proposal(self, req)
    }

    async fn free(&self, req: Request<FreeRequest>) -> RpcResult<FreeResponse> {
        epoch::free(self, req)
    }
}
