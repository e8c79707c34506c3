//! External signers (RFC 9420 §12.1.8.1): their identities, adding them
//! to `external_senders`, and the proposals they sign.

use mls_group::*;
use tonic::{Request, Response, Status};

use crate::convert::*;
use crate::proposals::{described_proposal, propose};
use crate::proto::*;
use crate::state::*;
use crate::{InteropClient, RpcResult};
use mls_group::codec::decode_exact;
use mls_group::framing::{find_extension, ExtensionBody, ExternalSender, ExternalSenders};

pub(crate) fn create_external_signer(
    client: &InteropClient,
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
    let mut state = client.state();
    let signer_id = state.id();
    state.signers.insert(signer_id, Signer { suite, identity });
    Ok(Response::new(CreateExternalSignerResponse {
        signer_id,
        external_sender,
    }))
}

/// A GroupContextExtensions proposal: the group's extensions with the
/// signer appended to `external_senders` (created if absent).
pub(crate) fn add_external_signer(
    client: &InteropClient,
    req: Request<AddExternalSignerRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let sender: ExternalSender = decode_exact(&req.external_sender)
        .map_err(|e| Status::invalid_argument(format!("ExternalSender: {e:?}")))?;
    let mut state = client.state();
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
pub(crate) fn external_signer_proposal(
    client: &InteropClient,
    req: Request<ExternalSignerProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let info = group_info(&req.group_info)?;
    let tree = ratchet_tree(&req.ratchet_tree)?;
    let description = req
        .description
        .ok_or_else(|| Status::invalid_argument("no proposal description"))?;
    let (suite, identity) = {
        let state = client.state();
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
