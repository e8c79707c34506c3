//! ReInit (RFC 9420 §11.2) and branch (§11.3) RPCs: the new group, its
//! Welcome, and joining it with the old group's resumption PSK.

use mls_group::*;
use tonic::{Request, Response, Status};

use crate::convert::*;
use crate::proto::*;
use crate::state::*;
use crate::{InteropClient, RpcResult};

/// After a ReInit was merged: the member's resumption data and a
/// KeyPackage in the new group's suite (with a fresh signature key of
/// that suite's scheme, same credential).
pub(crate) fn start_reinit(
    state: &mut State,
    state_id: u32,
) -> Result<HandleReInitCommitResponse, Status> {
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
pub(crate) struct Resumed<'a> {
    suite: Suite,
    bundle: KeyPackageBundle,
    info: &'a ResumptionInfo,
    options: ResumeOptions,
    external_tree: bool,
}

/// Creates the group resuming `info` (ReInit or branch) and its Welcome.
pub(crate) fn create_resumed(
    r: Resumed<'_>,
) -> Result<(Group<Suite>, CreateSubgroupResponse), Status> {
    let Resumed {
        suite,
        bundle,
        info,
        mut options,
        external_tree,
    } = r;
    options.config.ratchet_tree_in_welcome = !external_tree;
    options.now = Some(unix_time_now());
    let (mut group, out) =
        Group::create_resumed(suite, bundle, info, options, &mut rng()).map_err(mls_err)?;
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

pub(crate) fn re_init_welcome(
    client: &InteropClient,
    req: Request<ReInitWelcomeRequest>,
) -> RpcResult<CreateSubgroupResponse> {
    let req = req.into_inner();
    let key_packages = req
        .key_package
        .iter()
        .map(|kp| key_package(kp))
        .collect::<Result<Vec<_>, _>>()?;
    let mut state = client.state();
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
            force_path: req.force_path,
            ..ResumeOptions::reinit()
        },
        external_tree: req.external_tree,
    })?;
    let encrypt = r.encrypt;
    state.reinits.remove(&req.reinit_id);
    response.state_id = state.add_member(group, encrypt);
    Ok(Response::new(response))
}

pub(crate) fn handle_re_init_welcome(
    client: &InteropClient,
    req: Request<HandleReInitWelcomeRequest>,
) -> RpcResult<JoinGroupResponse> {
    let req = req.into_inner();
    let welcome = welcome(&req.welcome)?;
    let tree = ratchet_tree(&req.ratchet_tree)?;
    let mut state = client.state();
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
    let mut group = Group::join(r.suite.clone(), &welcome, &r.bundle, options).map_err(mls_err)?;
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

pub(crate) fn create_branch(
    client: &InteropClient,
    req: Request<CreateBranchRequest>,
) -> RpcResult<CreateSubgroupResponse> {
    let req = req.into_inner();
    let key_packages = req
        .key_packages
        .iter()
        .map(|kp| key_package(kp))
        .collect::<Result<Vec<_>, _>>()?;
    let group_extensions = extensions(&req.extensions)?;
    let mut state = client.state();
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
            force_path: req.force_path,
            ..ResumeOptions::branch(req.group_id)
        },
        external_tree: req.external_tree,
    })?;
    response.state_id = state.add_member(group, encrypt);
    Ok(Response::new(response))
}

pub(crate) fn handle_branch(
    client: &InteropClient,
    req: Request<HandleBranchRequest>,
) -> RpcResult<HandleBranchResponse> {
    let req = req.into_inner();
    let welcome = welcome(&req.welcome)?;
    let tree = ratchet_tree(&req.ratchet_tree)?;
    let mut state = client.state();
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
