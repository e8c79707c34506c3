//! The proposal RPCs and the proposals the runner describes.

use mls_group::*;
use tonic::{Request, Response, Status};

use crate::convert::*;
use crate::proto::*;
use crate::state::*;
use crate::{InteropClient, RpcResult};
use mls_group::PreSharedKey;

/// A proposal described by the runner (`ProposalDescription`), for a
/// group with `group_id` and `members`.
pub(crate) fn described_proposal(
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

pub(crate) fn propose(
    state: &mut State,
    state_id: u32,
    proposal: Proposal,
) -> RpcResult<ProposalResponse> {
    let m = state.member(state_id)?;
    let msg = m.group.propose(proposal, &mut rng()).map_err(mls_err)?;
    sent(m, msg)
}

/// The response for a proposal we just sent; remembers its reference.
fn sent(m: &mut MemberState, msg: MlsMessage) -> RpcResult<ProposalResponse> {
    let proposal = message_bytes(msg)?;
    m.record_sent(&proposal)?;
    Ok(Response::new(ProposalResponse { proposal }))
}

pub(crate) fn add_proposal(
    client: &InteropClient,
    req: Request<AddProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let key_package = key_package(&req.key_package)?;
    propose(
        &mut client.state(),
        req.state_id,
        Proposal::Add(Add { key_package }),
    )
}

pub(crate) fn update_proposal(
    client: &InteropClient,
    req: Request<UpdateProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    let msg = m.group.propose_update(&mut rng()).map_err(mls_err)?;
    sent(m, msg)
}

pub(crate) fn remove_proposal(
    client: &InteropClient,
    req: Request<RemoveProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    let leaf = leaf_of(&m.group.members(), &req.removed_id)?;
    let msg = m.group.propose_remove(leaf, &mut rng()).map_err(mls_err)?;
    sent(m, msg)
}

pub(crate) fn external_psk_proposal(
    client: &InteropClient,
    req: Request<ExternalPskProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    let proposal = m
        .group
        .external_psk_proposal(&req.psk_id, &mut rng())
        .map_err(mls_err)?;
    propose(&mut state, req.state_id, proposal)
}

pub(crate) fn resumption_psk_proposal(
    client: &InteropClient,
    req: Request<ResumptionPskProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    let proposal = m
        .group
        .resumption_psk_proposal(req.epoch_id, &mut rng())
        .map_err(mls_err)?;
    propose(&mut state, req.state_id, proposal)
}

pub(crate) fn group_context_extensions_proposal(
    client: &InteropClient,
    req: Request<GroupContextExtensionsProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let extensions = extensions(&req.extensions)?;
    propose(
        &mut client.state(),
        req.state_id,
        Proposal::GroupContextExtensions(GroupContextExtensions { extensions }),
    )
}

pub(crate) fn re_init_proposal(
    client: &InteropClient,
    req: Request<ReInitProposalRequest>,
) -> RpcResult<ProposalResponse> {
    let req = req.into_inner();
    let cipher_suite = u16::try_from(req.cipher_suite)
        .map_err(|_| Status::invalid_argument("cipher suite is not a uint16"))?;
    let extensions = extensions(&req.extensions)?;
    let mut state = client.state();
    let m = state.member(req.state_id)?;
    let proposal = m
        .group
        .reinit_proposal(req.group_id, CipherSuite(cipher_suite), extensions);
    propose(&mut state, req.state_id, proposal)
}
