//! The request handler (draft §6.1, §8, §9): authenticate, check the
//! operation's rules, run it on the engine, answer, fan out.

use std::collections::BTreeSet;

use mls_codec::{decode_exact, Encode};
use mls_group::framing::{find_extension, Content, ContentType, ExternalSenders, ProposalOrRef};
use mls_group::{
    external_proposal, CipherSuiteProvider, CryptoProvider, ExtensionType, LeafIndex, LeafNode,
    MlsMessage, MlsMessageBody, Proposal, PublicGroup, RatchetTree, Sender,
};

use crate::error::DsError;
use crate::groups::{GroupUpdate, NewGroup};
use crate::ids::ClientId;
use crate::keys::KeyPackageQuery;
use crate::mimi::auth;
use crate::mimi::wire::*;
use crate::mimi::{Handled, MimiDs, MimiError, MimiStore, Outcome};
use crate::store::{GroupRecord, Store, Transaction, Write};

/// The commit-carrying operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Delete,
    Add,
    Remove,
    Update,
    ExternalJoin,
    ReInit,
}

/// What the checks of a commit found.
struct Checked {
    client: ClientId,
    tokens: Vec<(ClientId, FanoutAuthToken)>,
}

/// Whether `leaf` lists `version` in its `mimi_ds_versions` extension.
pub(crate) fn supports_version(leaf: &LeafNode, version: DsProtocolVersion) -> bool {
    matches!(find_extension::<DsVersions>(&leaf.extensions), Ok(Some(v)) if v.versions.contains(&version))
}

/// The `mimi_ds_version` of a GroupContext's extensions.
fn group_version(extensions: &[mls_group::Extension]) -> Result<DsProtocolVersion, MimiError> {
    match find_extension::<GroupDsVersion>(extensions) {
        Ok(Some(v)) => Ok(v.version),
        Ok(None) => Err(MimiError::UnsupportedDsVersion(
            "the group has no mimi_ds_version extension",
        )),
        Err(_) => Err(MimiError::Malformed("mimi_ds_version extension")),
    }
}

fn token_of(extensions: &[mls_group::Extension]) -> Result<FanoutAuthToken, MimiError> {
    match find_extension::<FanoutAuthToken>(extensions) {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(MimiError::MissingFanoutAuth),
        Err(_) => Err(MimiError::Malformed("fanout_auth extension")),
    }
}

fn engine_commit_error(e: mls_group::GroupError) -> MimiError {
    match e {
        mls_group::GroupError::UnknownProposalRef(_) => MimiError::Ds(DsError::UnknownProposal),
        e => MimiError::Ds(DsError::Invalid(e)),
    }
}

fn encode<T: Encode>(v: &T) -> Result<Vec<u8>, MimiError> {
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
    fn with_view<T>(
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
    fn member_client(
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
    fn credential_client(
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

    /// The commit-carrying operations (draft §9.2–§9.7, §9.10).
    fn commit_op(
        &self,
        req: &DsRequest,
        update: &MlsGroupUpdate,
        op: Op,
        welcomes: Option<&[MlsMessage]>,
        new_token: Option<&FanoutAuthToken>,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        let MlsMessageBody::PublicMessage(pm) = &update.commit.body else {
            return Err(MimiError::Rule("the commit must be a PublicMessage"));
        };
        let Content::Commit(commit) = &pm.content.content else {
            return Err(MimiError::Rule("the MLSGroupUpdate must hold a commit"));
        };
        let group_id = pm.content.group_id.clone();
        let checked = self.with_view(&group_id, now, |view| {
            if pm.content.epoch < view.epoch() {
                return Err(DsError::StaleEpoch {
                    current: view.epoch(),
                }
                .into());
            }
            if pm.content.epoch > view.epoch() {
                return Err(DsError::FutureEpoch {
                    current: view.epoch(),
                    got: pm.content.epoch,
                }
                .into());
            }
            // Who sends, authenticated.
            let external = pm.content.sender == Sender::NewMemberCommit;
            let (client, sender_leaf) = match pm.content.sender {
                Sender::Member(leaf) if op != Op::ExternalJoin => {
                    self.member_client(view, req, Some(leaf))?
                }
                Sender::NewMemberCommit if op == Op::ExternalJoin => {
                    let path = commit
                        .path
                        .as_ref()
                        .ok_or(MimiError::Rule("external_join: the commit has a path"))?;
                    let DsAuthData::ClientSignature {
                        sender_index,
                        signature,
                    } = &req.authentication_data
                    else {
                        return Err(MimiError::Authentication(
                            "this operation takes a ClientSignature",
                        ));
                    };
                    auth::verify_member(
                        view.suite(),
                        &path.leaf_node.signature_key,
                        req,
                        *sender_index,
                        signature,
                    )?;
                    let staged = view
                        .stage_commit(&update.commit)
                        .map_err(engine_commit_error)?;
                    if staged.committer().0 != *sender_index {
                        return Err(MimiError::Authentication(
                            "sender_index is not the joiner's new leaf",
                        ));
                    }
                    let client = self
                        .ds
                        .config
                        .directory
                        .client_of(&path.leaf_node.credential)
                        .ok_or(MimiError::Authentication(
                            "the joiner's credential names no client",
                        ))?;
                    (client, staged.committer())
                }
                Sender::NewMemberCommit => {
                    return Err(MimiError::Rule(
                        "only external_join takes an external commit",
                    ))
                }
                Sender::Member(_) => {
                    return Err(MimiError::Rule(
                        "external_join: the commit's sender is new_member_commit",
                    ))
                }
                _ => return Err(MimiError::Rule("a commit from a member or a joiner")),
            };
            // The proposals, by value and by reference.
            let stored = view.proposals();
            let mut by_value: Vec<&Proposal> = Vec::new();
            let mut by_ref: Vec<&Proposal> = Vec::new();
            let mut referenced = BTreeSet::new();
            for por in &commit.proposals {
                match por {
                    ProposalOrRef::Proposal(p) => by_value.push(p),
                    ProposalOrRef::Reference(r) => {
                        referenced.insert(r.clone());
                        if let Some(s) = stored.iter().find(|s| &s.reference == r) {
                            by_ref.push(&s.proposal);
                        }
                    }
                }
            }
            // Draft §8: a commit includes every proposal stored this epoch
            // (the DS's own, self-removes). An external joiner cannot
            // reference them (RFC 9420 §12.4.3.2).
            if !external && stored.iter().any(|s| !referenced.contains(&s.reference)) {
                return Err(MimiError::MissingStoredProposal);
            }
            // Draft §9: the operation's own rules, on proposals by value.
            match op {
                Op::Delete => {
                    if !by_value.iter().all(|p| matches!(p, Proposal::Remove(_))) {
                        return Err(MimiError::Rule("delete_group: only Remove proposals"));
                    }
                    let removed: BTreeSet<u32> = by_value
                        .iter()
                        .chain(by_ref.iter())
                        .filter_map(|p| match p {
                            Proposal::Remove(r) => Some(r.removed),
                            _ => None,
                        })
                        .collect();
                    if view
                        .tree()
                        .members()
                        .any(|(l, _)| l != sender_leaf && !removed.contains(&l.0))
                    {
                        return Err(MimiError::Rule(
                            "delete_group: every other member must be removed",
                        ));
                    }
                }
                Op::Add => {
                    if by_value.is_empty()
                        || !by_value.iter().all(|p| matches!(p, Proposal::Add(_)))
                    {
                        return Err(MimiError::Rule(
                            "add_clients: Add proposals only, at least one",
                        ));
                    }
                }
                Op::Remove => {
                    if by_value.is_empty()
                        || !by_value.iter().all(|p| matches!(p, Proposal::Remove(_)))
                    {
                        return Err(MimiError::Rule(
                            "remove_clients: Remove proposals only, at least one",
                        ));
                    }
                }
                Op::Update => {
                    if commit.path.is_none() {
                        return Err(MimiError::Rule("update_client: the commit has a path"));
                    }
                    if !by_value.is_empty() {
                        return Err(MimiError::Rule("update_client: no proposal by value"));
                    }
                }
                Op::ExternalJoin => {}
                Op::ReInit => {
                    let reinit = by_value
                        .iter()
                        .chain(by_ref.iter())
                        .find_map(|p| match p {
                            Proposal::ReInit(r) => Some(r),
                            _ => None,
                        })
                        .ok_or(MimiError::Rule("reinitialize_group: a ReInit proposal"))?;
                    self.check_reinit_target(view, &group_id, reinit)?;
                }
            }
            // Draft §9.3, §9.4: the sender's credential stays.
            if matches!(op, Op::Add | Op::Remove | Op::Delete) {
                if let (Some(path), Some(old)) = (&commit.path, view.tree().leaf(sender_leaf)) {
                    if path.leaf_node.credential != old.credential {
                        return Err(MimiError::Rule(
                            "the commit must not change the sender's credential",
                        ));
                    }
                }
            }
            // Draft §4.6–§4.8: joiners carry a token and support the
            // group's version, which never changes.
            let version = group_version(&view.context().extensions)?;
            let mut tokens = Vec::new();
            for p in by_value.iter().chain(by_ref.iter()) {
                match p {
                    Proposal::Add(a) => {
                        let token = token_of(&a.key_package.extensions)?;
                        if !supports_version(&a.key_package.leaf_node, version) {
                            return Err(MimiError::UnsupportedDsVersion(
                                "a joiner does not support the group's DS version",
                            ));
                        }
                        if let Some(c) = self
                            .ds
                            .config
                            .directory
                            .client_of(&a.key_package.leaf_node.credential)
                        {
                            tokens.push((c, token));
                        }
                    }
                    Proposal::GroupContextExtensions(g)
                        if group_version(&g.extensions).ok() != Some(version) =>
                    {
                        return Err(MimiError::UnsupportedDsVersion(
                            "the group's DS version never changes",
                        ));
                    }
                    _ => {}
                }
            }
            if let Some(path) = &commit.path {
                if !supports_version(&path.leaf_node, version) {
                    return Err(MimiError::UnsupportedDsVersion(
                        "the committer's new leaf does not support the group's DS version",
                    ));
                }
                if external {
                    tokens.push((client.clone(), token_of(&path.leaf_node.extensions)?));
                }
            }
            if let Some(t) = new_token {
                tokens.push((client.clone(), t.clone()));
            }
            Ok(Checked { client, tokens })
        })?;
        // One Welcome for every joiner (draft §9.3's vector, decided).
        let welcome = match (op, welcomes) {
            (Op::Add, Some([w])) => Some(w),
            (Op::Add, _) => {
                return Err(MimiError::Rule("add_clients: exactly one Welcome message"))
            }
            _ => None,
        };
        let welcome_bytes = welcome.map(encode).transpose()?;
        let commit_bytes = encode(&update.commit)?;
        let partial: crate::PartialGroupInfo = (&update.partial_group_info).into();
        let accepted = self.ds.send_commit(
            &checked.client,
            now,
            GroupUpdate {
                commit: &commit_bytes,
                partial_group_info: &partial,
                welcome: welcome_bytes.as_deref(),
            },
        )?;
        self.store.put_tokens(&group_id, &checked.tokens)?;
        let mut out = Outcome::ok();
        // The removed receive the commit that removes them, then nothing.
        self.fanout_of_logged(&group_id, accepted.seq, Some(&checked.client), &mut out)?;
        self.store.delete_tokens(&group_id, &accepted.removed)?;
        if let Some(w) = welcome {
            let r = self.with_tokens(&group_id, accepted.welcomed.clone())?;
            out.undeliverable.extend(r.undeliverable.iter().cloned());
            out.fanout.extend(Self::fanout_requests(r, w));
        }
        if op == Op::Delete {
            self.close_group(&group_id)?;
            self.store.delete_group_tokens(&group_id)?;
        }
        Ok(out)
    }

    /// Draft §9.10: the ReInit names another group of this hub (existing,
    /// or an id reserved here) and a DS version no lower than the group's.
    fn check_reinit_target(
        &self,
        view: &PublicGroup<C::Suite>,
        group_id: &[u8],
        reinit: &mls_group::ReInit,
    ) -> Result<(), MimiError> {
        if reinit.group_id == group_id {
            return Err(MimiError::Rule(
                "reinitialize_group: the ReInit names another group",
            ));
        }
        let mut tx = self.ds.store.begin()?;
        let here = tx.group(&reinit.group_id)?.is_some()
            || self.store.reservation(&reinit.group_id)?.is_some();
        if !here {
            return Err(MimiError::Rule(
                "reinitialize_group: the new group is not on this hub",
            ));
        }
        let old = group_version(&view.context().extensions)?;
        let new = group_version(&reinit.extensions)?;
        if new < old {
            return Err(MimiError::UnsupportedDsVersion(
                "reinitialize_group: the new group's DS version is lower",
            ));
        }
        Ok(())
    }

    /// Closes a deleted group: a tombstone (frozen: no more messages, the
    /// id is not reused); members still read up to the last commit.
    fn close_group(&self, group_id: &[u8]) -> Result<(), MimiError> {
        Ok(self.ds.with_retries(|| {
            let mut tx = self.ds.store.begin()?;
            let rec = tx.group(group_id)?.ok_or(DsError::UnknownGroup)?;
            if rec.frozen {
                return Ok(());
            }
            tx.commit(vec![Write::PutGroup {
                record: GroupRecord {
                    version: rec.version + 1,
                    frozen: true,
                    ..rec.clone()
                },
                expected_version: Some(rec.version),
            }])?;
            Ok(())
        })?)
    }

    /// Draft §9.5.
    fn self_remove(
        &self,
        req: &DsRequest,
        proposal: &MlsMessage,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        let MlsMessageBody::PublicMessage(pm) = &proposal.body else {
            return Err(MimiError::Rule(
                "self_remove_client: the proposal must be a PublicMessage",
            ));
        };
        let Content::Proposal(Proposal::Remove(remove)) = &pm.content.content else {
            return Err(MimiError::Rule("self_remove_client: one Remove proposal"));
        };
        let Sender::Member(leaf) = pm.content.sender else {
            return Err(MimiError::Rule("self_remove_client: sent by a member"));
        };
        if remove.removed != leaf.0 {
            return Err(MimiError::Rule(
                "self_remove_client: the Remove must target the sender",
            ));
        }
        let group_id = pm.content.group_id.clone();
        let (client, _) = self.with_view(&group_id, now, |view| {
            self.member_client(view, req, Some(leaf))
        })?;
        let accepted = self.ds.send_proposal(&client, now, &encode(proposal)?)?;
        let mut out = Outcome::ok();
        self.fanout_of_logged(&group_id, accepted.seq, Some(&client), &mut out)?;
        Ok(out)
    }

    /// Draft §9.8.
    fn send_message(
        &self,
        req: &DsRequest,
        message: &MlsMessage,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        let MlsMessageBody::PrivateMessage(pm) = &message.body else {
            return Err(MimiError::Rule("send_message: a PrivateMessage"));
        };
        if pm.content_type != ContentType::Application {
            return Err(MimiError::Rule("send_message: content type application"));
        }
        let group_id = pm.group_id.clone();
        let (client, _) =
            self.with_view(&group_id, now, |view| self.member_client(view, req, None))?;
        let accepted = self.ds.send_application(&client, now, &encode(message)?)?;
        let mut out = Outcome::ok();
        self.fanout_of_logged(&group_id, accepted.seq, Some(&client), &mut out)?;
        Ok(out)
    }

    /// Draft §9.9: one KeyPackage of the suite per client, all native; all
    /// or nothing.
    fn key_packages(
        &self,
        req: &DsRequest,
        r: &KeyPackagesRequest,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        let requester = self.credential_client(req, r.cipher_suite.0, now)?;
        if r.client_identifiers.is_empty() {
            return Err(MimiError::Malformed("key_packages: no client"));
        }
        let clients: Vec<ClientId> = r
            .client_identifiers
            .iter()
            .map(|c| ClientId(c.clone()))
            .collect();
        if let Some(_c) = clients.iter().find(|c| !self.is_native(c)) {
            return Err(MimiError::NotNative);
        }
        for c in &clients {
            let stock = self.ds.key_package_stock(c, now)?;
            if !stock
                .iter()
                .any(|s| s.cipher_suite == r.cipher_suite && (s.regular > 0 || s.last_resort))
            {
                return Err(MimiError::NoKeyPackage(c.clone()));
            }
        }
        let queries: Vec<KeyPackageQuery> = clients
            .iter()
            .map(|c| KeyPackageQuery {
                client: c.clone(),
                cipher_suite: r.cipher_suite,
            })
            .collect();
        let fetched = self.ds.fetch_key_packages(&requester, now, &queries)?;
        let mut key_packages = Vec::with_capacity(fetched.key_packages.len());
        for served in fetched.key_packages {
            let bytes = served
                .key_package
                .ok_or_else(|| MimiError::NoKeyPackage(served.client.clone()))?;
            let kp = MlsMessage::from_bytes(&bytes)
                .ok()
                .and_then(|m| m.into_key_package().ok())
                .ok_or(MimiError::Ds(DsError::Internal("stored KeyPackage")))?;
            key_packages.push(kp);
        }
        Ok(Outcome::with(DsResponseBody::KeyPackages { key_packages }))
    }

    /// Draft §9.1: a fresh group id `hex@domain`, reserved for the
    /// requester.
    fn request_group_id(&self, req: &DsRequest, now: u64) -> Result<Outcome, MimiError> {
        let client = self.credential_client(req, self.config.default_suite.0, now)?;
        self.ds.rate_limit(&[self.ds.client_rate(&client)], now)?;
        let suite = self.ds.suite(self.config.default_suite.0)?;
        for n in 0u32..16 {
            let input = encode(&(b"MIMI DS group id".to_vec(), client.0.clone(), now, n))?;
            let mac = suite
                .mac(&self.config.token_key, &input)
                .map_err(|_| MimiError::Ds(DsError::Internal("group id MAC")))?;
            let mut id: String = mac.iter().take(16).map(|b| format!("{b:02x}")).collect();
            id.push('@');
            id.push_str(&self.config.domain.0);
            let id = id.into_bytes();
            if self.ds.store.begin()?.group(&id)?.is_some() {
                continue;
            }
            if self.store.reserve_group_id(&id, &client)? {
                return Ok(Outcome::with(DsResponseBody::GroupId { group_id: id }));
            }
        }
        Err(MimiError::Ds(DsError::Internal("no free group id")))
    }

    /// Creating a group (ours: the draft names the operation only).
    fn create_group(
        &self,
        req: &DsRequest,
        r: &CreateGroupRequest,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        let MlsMessageBody::GroupInfo(info) = &r.group_info.body else {
            return Err(MimiError::Rule("create_group: a GroupInfo"));
        };
        let group_id = info.group_context.group_id.clone();
        let tree_bytes: Option<Vec<u8>> = r.ratchet_tree.as_ref().map(|t| t.0.clone());
        let tree = match &tree_bytes {
            Some(b) => RatchetTree::from_extension_bytes(b),
            None => match info
                .extensions
                .iter()
                .find(|e| e.extension_type == ExtensionType::RATCHET_TREE)
            {
                Some(e) => RatchetTree::from_extension_bytes(&e.extension_data),
                None => return Err(MimiError::Rule("create_group: no ratchet tree")),
            },
        }
        .map_err(|_| MimiError::Malformed("ratchet tree"))?;
        let DsAuthData::ClientSignature {
            sender_index,
            signature,
        } = &req.authentication_data
        else {
            return Err(MimiError::Authentication(
                "this operation takes a ClientSignature",
            ));
        };
        if *sender_index != info.signer.0 {
            return Err(MimiError::Authentication(
                "sender_index is not the GroupInfo's signer",
            ));
        }
        let leaf = tree
            .leaf(info.signer)
            .ok_or(MimiError::Authentication("no member at sender_index"))?;
        let suite = self.ds.suite(info.group_context.cipher_suite.0)?;
        auth::verify_member(&suite, &leaf.signature_key, req, *sender_index, signature)?;
        let directory = &self.ds.config.directory;
        let client = directory
            .client_of(&leaf.credential)
            .ok_or(MimiError::Authentication(
                "the sender's credential names no client",
            ))?;
        if self.config.require_reserved_group_ids
            && self.store.reservation(&group_id)?.as_ref() != Some(&client)
        {
            return Err(MimiError::GroupIdNotReserved);
        }
        let version = group_version(&info.group_context.extensions)?;
        if version != DsProtocolVersion::MIMI_DS_05 {
            return Err(MimiError::UnsupportedDsVersion(
                "this DS does not speak the group's version",
            ));
        }
        // Draft §8: the group lists the DS as an external sender.
        let ds =
            self.ds
                .config
                .ds_identity
                .as_ref()
                .ok_or(MimiError::Ds(DsError::PolicyRefused(
                    "this DS has no identity to list in external_senders",
                )))?;
        let listed = matches!(
            find_extension::<ExternalSenders>(&info.group_context.extensions),
            Ok(Some(s)) if s.0.iter().any(|e| &e.signature_key == ds.identity.signature_key())
        );
        if !listed {
            return Err(MimiError::Rule(
                "create_group: external_senders must list the DS",
            ));
        }
        let mut tokens = Vec::new();
        for (_, member) in tree.members() {
            if !supports_version(member, version) {
                return Err(MimiError::UnsupportedDsVersion(
                    "a member does not support the group's DS version",
                ));
            }
            let token = token_of(&member.extensions)?;
            if let Some(c) = directory.client_of(&member.credential) {
                tokens.push((c, token));
            }
        }
        self.ds.create_group(
            &client,
            now,
            NewGroup {
                group_info: &encode(&r.group_info)?,
                ratchet_tree: tree_bytes.as_deref(),
            },
        )?;
        self.store.put_tokens(&group_id, &tokens)?;
        Ok(Outcome::ok())
    }

    /// The tree for a joiner by Welcome (answered with `WelcomeInfo`).
    fn welcome_info(
        &self,
        req: &DsRequest,
        r: &WelcomeInfoRequest,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        // The joiner does not know its leaf index before it has the tree:
        // it signs with its credential, whose credential and key must be
        // a leaf of the group.
        let client = self.with_view(&r.group_id, now, |view| {
            let client = self.credential_client(req, view.context().cipher_suite.0, now)?;
            let DsAuthData::ClientCredential {
                credential,
                signature_key,
                ..
            } = &req.authentication_data
            else {
                return Err(MimiError::Ds(DsError::Internal("authentication data")));
            };
            if !view
                .tree()
                .members()
                .any(|(_, l)| &l.credential == credential && &l.signature_key == signature_key)
            {
                return Err(MimiError::Authentication(
                    "no leaf of the group has this credential and key",
                ));
            }
            Ok(client)
        })?;
        let tree = self
            .ds
            .ratchet_tree(&client, &r.group_id, Some(r.epoch), now)?;
        Ok(Outcome::with(DsResponseBody::WelcomeInfo {
            ratchet_tree: TreeBytes(tree),
        }))
    }

    /// The GroupInfo and tree for an external joiner (answered with
    /// `ExternalCommitInfo`).
    fn external_commit_info(
        &self,
        req: &DsRequest,
        r: &ExternalCommitInfoRequest,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        let suite = self
            .ds
            .store
            .begin()?
            .group(&r.group_id)?
            .ok_or(DsError::UnknownGroup)?
            .cipher_suite;
        let client = self.credential_client(req, suite, now)?;
        let info = self.ds.group_info(&client, &r.group_id, now)?;
        let group_info = MlsMessage::from_bytes(&info.group_info)
            .map_err(|_| MimiError::Ds(DsError::Internal("stored GroupInfo")))?;
        Ok(Outcome::with(DsResponseBody::ExternalCommitInfo {
            group_info,
            ratchet_tree: TreeBytes(info.ratchet_tree),
        }))
    }

    /// The DS proposes `proposal` as the group's external sender (draft
    /// §8.1, §8.2): a Remove of a client, or an Add of a KeyPackage (with
    /// its `fanout_auth`). Fanned out like any proposal; the next commit
    /// must include it.
    pub fn ds_propose(
        &self,
        group_id: &[u8],
        proposal: Proposal,
        now: u64,
    ) -> Result<Outcome, MimiError> {
        if let Proposal::Add(a) = &proposal {
            token_of(&a.key_package.extensions)?;
        }
        let ds =
            self.ds
                .config
                .ds_identity
                .as_ref()
                .ok_or(MimiError::Ds(DsError::PolicyRefused(
                    "this DS has no identity",
                )))?;
        let msg = self.with_view(group_id, now, |view| {
            let index =
                self.ds
                    .ds_sender_index(view)
                    .ok_or(MimiError::Ds(DsError::PolicyRefused(
                        "the group does not list the DS in external_senders",
                    )))?;
            external_proposal(
                view.suite(),
                &ds.identity,
                index,
                group_id,
                view.epoch(),
                proposal,
            )
            .map_err(|e| MimiError::Ds(DsError::Invalid(e)))
        })?;
        let me = self.ds_client();
        let accepted = self.ds.send_proposal(&me, now, &encode(&msg)?)?;
        let mut out = Outcome::ok();
        self.fanout_of_logged(group_id, accepted.seq, None, &mut out)?;
        Ok(out)
    }

    /// Idle eviction ([`crate::DeliveryService::evict_idle`]) with the
    /// fan-out of the DS's Remove proposals.
    pub fn evict_idle(&self, group_id: &[u8], now: u64) -> Result<Outcome, MimiError> {
        let evicted = self.ds.evict_idle(group_id, now)?;
        let mut out = Outcome::ok();
        for (_, seq) in evicted.proposed {
            self.fanout_of_logged(group_id, seq, None, &mut out)?;
        }
        Ok(out)
    }

    /// The DS's own client id (`ds@domain`), for its rate limits.
    fn ds_client(&self) -> ClientId {
        ClientId(format!("ds@{}", self.config.domain).into_bytes())
    }
}
