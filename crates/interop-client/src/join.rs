//! Creating groups and KeyPackages, joining by Welcome and externally.

use mls_group::*;
use tonic::{Request, Response, Status};

use crate::convert::*;
use crate::proto::*;
use crate::state::*;
use crate::{InteropClient, RpcResult};

pub(crate) fn create_group(
    client: &InteropClient,
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
    let state_id = client.state().add_member(group, req.encrypt_handshake);
    Ok(Response::new(CreateGroupResponse { state_id }))
}

pub(crate) fn create_key_package(
    client: &InteropClient,
    req: Request<CreateKeyPackageRequest>,
) -> RpcResult<CreateKeyPackageResponse> {
    let req = req.into_inner();
    let suite = suite(req.cipher_suite)?;
    let identity = new_identity(&suite, &req.identity)?;
    let bundle = new_bundle(&suite, &identity)?;
    let key_package = bundle.to_message_bytes().map_err(mls_err)?;
    let keys = private_keys(&bundle);
    let mut state = client.state();
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

pub(crate) fn join_group(
    client: &InteropClient,
    req: Request<JoinGroupRequest>,
) -> RpcResult<JoinGroupResponse> {
    let req = req.into_inner();
    let welcome = welcome(&req.welcome)?;
    let tree = ratchet_tree(&req.ratchet_tree)?;
    let mut state = client.state();
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

pub(crate) fn external_join(
    client: &InteropClient,
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
    let state_id = client.state().add_member(group, req.encrypt_handshake);
    Ok(Response::new(ExternalJoinResponse {
        state_id,
        commit: message_bytes(commit)?,
        epoch_authenticator,
    }))
}

pub(crate) fn new_member_add_proposal(
    client: &InteropClient,
    req: Request<NewMemberAddProposalRequest>,
) -> RpcResult<NewMemberAddProposalResponse> {
    let req = req.into_inner();
    let info = group_info(&req.group_info)?;
    let gc = &info.group_context;
    let suite = suite(u32::from(gc.cipher_suite.0))?;
    let identity = new_identity(&suite, &req.identity)?;
    let bundle = new_bundle(&suite, &identity)?;
    let msg = mls_group::new_member_add_proposal(&suite, &bundle, &gc.group_id, gc.epoch)
        .map_err(mls_err)?;
    let keys = private_keys(&bundle);
    let mut state = client.state();
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
