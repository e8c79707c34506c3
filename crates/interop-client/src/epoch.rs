//! RPCs on a group state's current epoch: GroupInfo, authenticator,
//! exporter, application messages, PSKs, and `Free`.

use mls_group::*;
use tonic::{Request, Response, Status};

use crate::convert::*;
use crate::proto::*;
use crate::{InteropClient, RpcResult};

pub(crate) fn group_info(
    client: &InteropClient,
    req: Request<GroupInfoRequest>,
) -> RpcResult<GroupInfoResponse> {
    let req = req.into_inner();
    let mut state = client.state();
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
pub(crate) fn state_auth(
    client: &InteropClient,
    req: Request<StateAuthRequest>,
) -> RpcResult<StateAuthResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    Ok(Response::new(StateAuthResponse {
        state_auth_secret: m.group.epoch_authenticator().to_vec(),
    }))
}

pub(crate) fn export(
    client: &InteropClient,
    req: Request<ExportRequest>,
) -> RpcResult<ExportResponse> {
    let req = req.into_inner();
    let length = u16::try_from(req.key_length)
        .map_err(|_| Status::invalid_argument("key_length is not a uint16"))?;
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    let secret = m
        .group
        .export_secret(req.label.as_bytes(), &req.context, length)
        .map_err(mls_err)?;
    Ok(Response::new(ExportResponse {
        exported_secret: secret.as_bytes().to_vec(),
    }))
}

pub(crate) fn protect(
    client: &InteropClient,
    req: Request<ProtectRequest>,
) -> RpcResult<ProtectResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    let msg = m
        .group
        .encrypt_application_message(&req.plaintext, &req.authenticated_data, &mut rng())
        .map_err(mls_err)?;
    Ok(Response::new(ProtectResponse {
        ciphertext: message_bytes(msg)?,
    }))
}

pub(crate) fn unprotect(
    client: &InteropClient,
    req: Request<UnprotectRequest>,
) -> RpcResult<UnprotectResponse> {
    let req = req.into_inner();
    let msg = message(&req.ciphertext)?;
    let mut state = client.state();
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

pub(crate) fn store_psk(
    client: &InteropClient,
    req: Request<StorePskRequest>,
) -> RpcResult<StorePskResponse> {
    let req = req.into_inner();
    let id = req.state_or_transaction_id;
    let secret = Secret::from(req.psk_secret);
    let mut state = client.state();
    if let Some(m) = state.members.get_mut(&id) {
        m.group.insert_external_psk(req.psk_id, secret);
    } else if let Some(tx) = state.transactions.get_mut(&id) {
        tx.psks.push((req.psk_id, secret));
    } else {
        return Err(Status::not_found(format!("no state or transaction {id}")));
    }
    Ok(Response::new(StorePskResponse {}))
}

pub(crate) fn free(client: &InteropClient, req: Request<FreeRequest>) -> RpcResult<FreeResponse> {
    let id = req.into_inner().state_id;
    let mut state = client.state();
    state.members.remove(&id);
    state.transactions.remove(&id);
    state.reinits.remove(&id);
    state.signers.remove(&id);
    Ok(Response::new(FreeResponse {}))
}
