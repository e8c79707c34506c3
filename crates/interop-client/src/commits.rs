//! Committing and handling commits (`Commit`, `HandleCommit`,
//! `HandlePendingCommit` and their ReInit forms).

use mls_group::framing::ProposalRef;
use mls_group::*;
use tonic::{Request, Response, Status};

use crate::convert::*;
use crate::proposals::described_proposal;
use crate::proto::*;
use crate::resumption::start_reinit;
use crate::state::*;
use crate::{InteropClient, RpcResult};

/// Processes the proposals a commit names by reference and returns
/// their references, with a description of each one that failed. Our own
/// proposals are not processed (as PrivateMessages we could not decrypt
/// them): their references were recorded when we sent them.
fn process_proposals(
    m: &mut MemberState,
    proposals: &[Vec<u8>],
) -> (Vec<ProposalRef>, Vec<String>) {
    let (mut refs, mut failures) = (Vec::new(), Vec::new());
    for (i, bytes) in proposals.iter().enumerate() {
        if let Some(own) = m.sent_ref(bytes) {
            refs.push(own);
            continue;
        }
        let outcome = MlsMessage::from_bytes(bytes)
            .map_err(GroupError::Framing)
            .and_then(|msg| m.group.process_message(&msg));
        match outcome {
            Ok(ProcessedMessage::Proposal(p)) => refs.push(p.reference),
            Ok(_) => failures.push(format!("proposal {i}: not a proposal")),
            Err(e) => failures.push(format!("proposal {i}: {e:?}")),
        }
    }
    (refs, failures)
}

pub(crate) fn with_failures(e: GroupError, failures: &[String]) -> Status {
    if failures.is_empty() {
        mls_err(e)
    } else {
        Status::aborted(format!("{e:?} (after {})", failures.join("; ")))
    }
}

/// `Commit` and `ReInitCommit`: the commit stays pending until
/// `HandlePendingCommit` / `HandlePendingReInitCommit`.
fn commit_to(state: &mut State, req: &CommitRequest) -> Result<CommitResponse, Status> {
    let m = state.member(req.state_id)?;
    let (refs, failures) = process_proposals(m, &req.by_reference);
    if !failures.is_empty() {
        return Err(Status::invalid_argument(failures.join("; ")));
    }
    let group = &mut m.group;
    let members = group.members();
    let group_id = group.group_id().to_vec();
    let by_value = req
        .by_value
        .iter()
        .map(|d| described_proposal(d, group.suite(), &group_id, &members))
        .collect::<Result<Vec<_>, _>>()?;
    let options = CommitOptions {
        force_path: req.force_path,
        stored_proposals: Some(refs),
        ratchet_tree_in_welcome: Some(!req.external_tree),
        ..CommitOptions::default()
    };
    let out = group
        .commit(by_value, &options, &mut rng())
        .map_err(mls_err)?;
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
fn next_epoch_tree(group: &Group<Suite>) -> Result<Vec<u8>, Status> {
    let tree = group
        .pending_ratchet_tree()
        .map_err(mls_err)?
        .ok_or_else(|| Status::internal("no pending commit"))?;
    tree_bytes(&tree)
}

/// `HandleCommit` and `HandleReInitCommit`: processes the proposals and
/// the commit and merges it. Our own pending commit handed back to us
/// (as the runner's older scripts do) is merged as `HandlePendingCommit`.
fn merge_commit(state: &mut State, req: &HandleCommitRequest) -> Result<Vec<u8>, Status> {
    let m = state.member(req.state_id)?;
    let own = m
        .group
        .pending_commit()
        .and_then(|p| p.message().to_bytes().ok())
        .is_some_and(|bytes| bytes == req.commit);
    if own {
        m.group.merge_pending_commit().map_err(mls_err)?;
        return Ok(m.group.epoch_authenticator().to_vec());
    }
    // A proposal that fails here matters only if the commit then fails.
    let (_, failures) = process_proposals(m, &req.proposal);
    let group = &mut m.group;
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

pub(crate) fn commit(
    client: &InteropClient,
    req: Request<CommitRequest>,
) -> RpcResult<CommitResponse> {
    Ok(Response::new(commit_to(
        &mut client.state(),
        &req.into_inner(),
    )?))
}

pub(crate) fn handle_commit(
    client: &InteropClient,
    req: Request<HandleCommitRequest>,
) -> RpcResult<HandleCommitResponse> {
    let req = req.into_inner();
    let epoch_authenticator = merge_commit(&mut client.state(), &req)?;
    Ok(Response::new(HandleCommitResponse {
        state_id: req.state_id,
        epoch_authenticator,
    }))
}

pub(crate) fn handle_pending_commit(
    client: &InteropClient,
    req: Request<HandlePendingCommitRequest>,
) -> RpcResult<HandleCommitResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    m.group.merge_pending_commit().map_err(mls_err)?;
    Ok(Response::new(HandleCommitResponse {
        state_id: req.state_id,
        epoch_authenticator: m.group.epoch_authenticator().to_vec(),
    }))
}

pub(crate) fn re_init_commit(
    client: &InteropClient,
    req: Request<CommitRequest>,
) -> RpcResult<CommitResponse> {
    Ok(Response::new(commit_to(
        &mut client.state(),
        &req.into_inner(),
    )?))
}

pub(crate) fn handle_pending_re_init_commit(
    client: &InteropClient,
    req: Request<HandlePendingCommitRequest>,
) -> RpcResult<HandleReInitCommitResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    state
        .member(req.state_id)?
        .group
        .merge_pending_commit()
        .map_err(mls_err)?;
    Ok(Response::new(start_reinit(&mut state, req.state_id)?))
}

pub(crate) fn handle_re_init_commit(
    client: &InteropClient,
    req: Request<HandleCommitRequest>,
) -> RpcResult<HandleReInitCommitResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    merge_commit(&mut state, &req)?;
    Ok(Response::new(start_reinit(&mut state, req.state_id)?))
}
