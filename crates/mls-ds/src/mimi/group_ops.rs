//! The operations on a group other than commits (draft §8, §9.1, §9.5,
//! §9.8, §9.9): group ids, creation, the joiners' tree and GroupInfo,
//! self-removes, messages, KeyPackages, the DS's own proposals.

use mls_group::framing::{find_extension, Content, ContentType, ExternalSenders, GroupInfo};
use mls_group::{
    external_proposal, CipherSuiteProvider, CryptoProvider, ExtensionType, MlsMessage,
    MlsMessageBody, Proposal, RatchetTree, Sender,
};

use crate::error::DsError;
use crate::groups::NewGroup;
use crate::ids::ClientId;
use crate::keys::KeyPackageQuery;
use crate::mimi::auth;
use crate::mimi::ops::{encode, group_version, supports_version, token_of};
use crate::mimi::wire::*;
use crate::mimi::{MimiDs, MimiError, MimiStore, Outcome};
use crate::store::{Store, Transaction};

/// The group's tree: `ratchet_tree` if given, else the GroupInfo's
/// `ratchet_tree` extension.
fn founding_tree(info: &GroupInfo, tree_bytes: Option<&[u8]>) -> Result<RatchetTree, MimiError> {
    match tree_bytes {
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
    .map_err(|_| MimiError::Malformed("ratchet tree"))
}

impl<St: Store, C: CryptoProvider, M: MimiStore> MimiDs<St, C, M> {
    /// Draft §9.5.
    pub(super) fn self_remove(
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
    pub(super) fn send_message(
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
    pub(super) fn key_packages(
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
    pub(super) fn request_group_id(&self, req: &DsRequest, now: u64) -> Result<Outcome, MimiError> {
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
    pub(super) fn create_group(
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
        let tree = founding_tree(info, tree_bytes.as_deref())?;
        let client = self.group_creator(req, info, &tree)?;
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
        self.check_lists_the_ds(info)?;
        let tokens = self.founding_tokens(&tree, version)?;
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

    /// The creator: a `ClientSignature` by the GroupInfo's signer.
    fn group_creator(
        &self,
        req: &DsRequest,
        info: &GroupInfo,
        tree: &RatchetTree,
    ) -> Result<ClientId, MimiError> {
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
        self.ds
            .config
            .directory
            .client_of(&leaf.credential)
            .ok_or(MimiError::Authentication(
                "the sender's credential names no client",
            ))
    }

    /// Draft §8: the group lists the DS as an external sender.
    fn check_lists_the_ds(&self, info: &GroupInfo) -> Result<(), MimiError> {
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
        Ok(())
    }

    /// Every founding member supports `version` and carries a token.
    fn founding_tokens(
        &self,
        tree: &RatchetTree,
        version: DsProtocolVersion,
    ) -> Result<Vec<(ClientId, FanoutAuthToken)>, MimiError> {
        let mut tokens = Vec::new();
        for (_, member) in tree.members() {
            if !supports_version(member, version) {
                return Err(MimiError::UnsupportedDsVersion(
                    "a member does not support the group's DS version",
                ));
            }
            let token = token_of(&member.extensions)?;
            if let Some(c) = self.ds.config.directory.client_of(&member.credential) {
                tokens.push((c, token));
            }
        }
        Ok(tokens)
    }

    /// The tree for a joiner by Welcome (answered with `WelcomeInfo`).
    pub(super) fn welcome_info(
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
    pub(super) fn external_commit_info(
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
