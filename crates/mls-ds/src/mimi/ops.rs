//! The request handler (draft §6.1, §9): decode, dispatch to the
//! operation (commits in `commit_rules`, the others in `group_ops`), answer;
//! the authentication of the requester and the shared helpers.

use mls_codec::{decode_exact, Encode};
use mls_group::framing::find_extension;
use mls_group::{CryptoProvider, LeafIndex, LeafNode, PublicGroup};

use crate::error::DsError;
use crate::ids::ClientId;
use crate::mimi::auth;
use crate::mimi::commit_rules::Op;
use crate::mimi::wire::*;
use crate::mimi::{Handled, MimiDs, MimiError, MimiStore, Outcome};
use crate::store::Store;

/// Whether `leaf` lists `version` in its `mimi_ds_versions` extension.
pub(crate) fn supports_version(leaf: &LeafNode, version: DsProtocolVersion) -> bool {
    matches!(find_extension::<DsVersions>(&leaf.extensions), Ok(Some(v)) if v.versions.contains(&version))
}

/// The `mimi_ds_version` of a GroupContext's extensions.
pub(super) fn group_version(
    extensions: &[mls_group::Extension],
) -> Result<DsProtocolVersion, MimiError> {
    match find_extension::<GroupDsVersion>(extensions) {
        Ok(Some(v)) => Ok(v.version),
        Ok(None) => Err(MimiError::UnsupportedDsVersion(
            "the group has no mimi_ds_version extension",
        )),
        Err(_) => Err(MimiError::Malformed("mimi_ds_version extension")),
    }
}

/// The `fanout_auth` token of a leaf's or KeyPackage's extensions.
pub(super) fn token_of(extensions: &[mls_group::Extension]) -> Result<FanoutAuthToken, MimiError> {
    match find_extension::<FanoutAuthToken>(extensions) {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(MimiError::MissingFanoutAuth),
        Err(_) => Err(MimiError::Malformed("fanout_auth extension")),
    }
}

/// An engine error of a commit as a MIMI error.
pub(super) fn engine_commit_error(e: mls_group::GroupError) -> MimiError {
    match e {
        mls_group::GroupError::UnknownProposalRef(_) => MimiError::Ds(DsError::UnknownProposal),
        e => MimiError::Ds(DsError::Invalid(e)),
    }
}

/// `v` encoded.
pub(super) fn encode<T: Encode>(v: &T) -> Result<Vec<u8>, MimiError> {
    v.to_bytes()
        .map_err(|_| MimiError::Malformed("too large to encode"))
}

impl<St: Store, C: CryptoProvider, M: MimiStore> MimiDs<St, C, M> {
    /// Handles an encoded `DSRequest` at time `now`: the encoded
    /// `DSResponse` (an `error` body if refused) and the fan-out to send.
    pub fn handle(&self, request: &[u8], now: u64) -> Handled {
        let outcome = if request.len() > self.ds.config.limits.max_message_size {
            Err(MimiError::Ds(DsError::LimitExceeded("request size")))
        } else {
            match decode_exact::<DsRequest>(request) {
                Ok(req) => self.handle_request(&req, now),
                Err(_) => Err(MimiError::Malformed("not a DSRequest")),
            }
        };
        let (body, fanout, undeliverable) = match outcome {
            Ok(o) => (o.response, o.fanout, o.undeliverable),
            Err(e) => (DsResponseBody::Error(e.to_body()), Vec::new(), Vec::new()),
        };
        let response = DsResponse {
            protocol_version: DsProtocolVersion::MIMI_DS_05,
            response_body: body,
        }
        .to_bytes()
        .unwrap_or_default();
        Handled {
            response,
            fanout,
            undeliverable,
        }
    }

    /// Handles a decoded `DSRequest`: the typed outcome or why it was
    /// refused (nothing changed then).
    pub fn handle_request(&self, req: &DsRequest, now: u64) -> Result<Outcome, MimiError> {
        if req.version != DsProtocolVersion::MIMI_DS_05 {
            return Err(MimiError::UnsupportedVersion(req.version));
        }
        match &req.request_body {
            DsRequestBody::DeleteGroup(r) => {
                self.commit_op(req, &r.group_update, Op::Delete, None, None, now)
            }
            DsRequestBody::AddClients(r) => self.commit_op(
                req,
                &r.group_update,
                Op::Add,
                Some(&r.welcome_messages),
                None,
                now,
            ),
            DsRequestBody::RemoveClients(r) => {
                self.commit_op(req, &r.group_update, Op::Remove, None, None, now)
            }
            DsRequestBody::UpdateClient(r) => self.commit_op(
                req,
                &r.group_update,
                Op::Update,
                None,
                r.token.as_ref(),
                now,
            ),
            DsRequestBody::ExternalJoin(r) => {
                self.commit_op(req, &r.group_update, Op::ExternalJoin, None, None, now)
            }
            DsRequestBody::ReInitialize(r) => {
                self.commit_op(req, &r.commit, Op::ReInit, None, None, now)
            }
            DsRequestBody::SelfRemoveClient(r) => self.self_remove(req, &r.proposal, now),
            DsRequestBody::SendMessage(r) => self.send_message(req, &r.application_message, now),
            DsRequestBody::KeyPackages(r) => self.key_packages(req, r, now),
            DsRequestBody::RequestGroupId(_) => self.request_group_id(req, now),
            DsRequestBody::CreateGroup(r) => self.create_group(req, r, now),
            DsRequestBody::WelcomeInfo(r) => self.welcome_info(req, r, now),
            DsRequestBody::ExternalCommitInfo(r) => self.external_commit_info(req, r, now),
        }
    }

    /// Runs `f` on the group's current view (read only).
    pub(super) fn with_view<T>(
        &self,
        group_id: &[u8],
        now: u64,
        f: impl FnOnce(&mut PublicGroup<C::Suite>) -> Result<T, MimiError>,
    ) -> Result<T, MimiError> {
        let slot = self.ds.slot(group_id);
        let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
        let mut tx = self.ds.store.begin()?;
        let rec = self.ds.open_group(&mut tx, group_id)?;
        let view = self.ds.load_view(&mut tx, &mut guard, &rec, now)?;
        f(view)
    }

    /// `ClientSignature` by a member of `view`: its client and leaf. With
    /// `expected`, `sender_index` must be that leaf (the MLS sender).
    pub(super) fn member_client(
        &self,
        view: &PublicGroup<C::Suite>,
        req: &DsRequest,
        expected: Option<LeafIndex>,
    ) -> Result<(ClientId, LeafIndex), MimiError> {
        let DsAuthData::ClientSignature {
            sender_index,
            signature,
        } = &req.authentication_data
        else {
            return Err(MimiError::Authentication(
                "this operation takes a ClientSignature",
            ));
        };
        if expected.is_some_and(|l| l.0 != *sender_index) {
            return Err(MimiError::Authentication(
                "sender_index is not the MLS message's sender",
            ));
        }
        let leaf = view
            .tree()
            .leaf(LeafIndex(*sender_index))
            .ok_or(MimiError::Authentication("no member at sender_index"))?;
        auth::verify_member(
            view.suite(),
            &leaf.signature_key,
            req,
            *sender_index,
            signature,
        )?;
        let client = self.ds.config.directory.client_of(&leaf.credential).ok_or(
            MimiError::Authentication("the sender's credential names no client"),
        )?;
        Ok((client, LeafIndex(*sender_index)))
    }

    /// `client_credential` authentication, verified with `suite`'s
    /// signature scheme and the configured authentication hook.
    pub(super) fn credential_client(
        &self,
        req: &DsRequest,
        suite: u16,
        now: u64,
    ) -> Result<ClientId, MimiError> {
        let cipher_suite = mls_group::CipherSuite(suite);
        let suite = self.ds.suite(suite)?;
        auth::verify_credential(&suite, req)?;
        let DsAuthData::ClientCredential {
            credential,
            signature_key,
            ..
        } = &req.authentication_data
        else {
            return Err(MimiError::Ds(DsError::Internal("authentication data")));
        };
        let input = mls_group::CredentialInput {
            credential,
            signature_key,
            cipher_suite,
            now: Some(now),
            context: mls_group::CredentialContext::KeyPackage,
        };
        if self.ds.config.group_policy.authenticate(&input).is_err() {
            return Err(MimiError::Authentication(
                "the credential is not accepted for this key",
            ));
        }
        self.ds
            .config
            .directory
            .client_of(credential)
            .ok_or(MimiError::Authentication("the credential names no client"))
    }
}
