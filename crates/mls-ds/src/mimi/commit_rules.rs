//! The commit-carrying operations (draft §9.2–§9.7, §9.10): who sends, the
//! proposals, the operation's rules, the credential, DS-version and
//! fan-out-token rules, then the engine's commit and its fan-out.

use std::collections::BTreeSet;

use mls_group::framing::{Commit, Content, FramedContent, ProposalOrRef};
use mls_group::{LeafIndex, MlsMessage, MlsMessageBody, Proposal, PublicGroup, Sender};

use crate::error::DsError;
use crate::groups::GroupUpdate;
use crate::ids::ClientId;
use crate::mimi::auth;
use crate::mimi::ops::{encode, engine_commit_error, group_version, supports_version, token_of};
use crate::mimi::wire::*;
use crate::mimi::{MimiDs, MimiError, MimiStore, Outcome};
use crate::store::{GroupRecord, Store, Transaction, Write};
use mls_group::CryptoProvider;

/// The commit-carrying operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
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

/// A commit-carrying request, as its checks see it.
struct CommitRequest<'a> {
    req: &'a DsRequest,
    update: &'a MlsGroupUpdate,
    content: &'a FramedContent,
    commit: &'a Commit,
    op: Op,
    new_token: Option<&'a FanoutAuthToken>,
}

/// A commit's proposals: by value and by reference.
struct Proposals<'a> {
    by_value: Vec<&'a Proposal>,
    by_ref: Vec<&'a Proposal>,
}

impl<'a> Proposals<'a> {
    /// Those by value, then those by reference.
    fn all(&self) -> impl Iterator<Item = &'a Proposal> + '_ {
        self.by_value.iter().chain(self.by_ref.iter()).copied()
    }
}

/// The commit's epoch is the group's.
fn check_epoch<S: mls_group::CipherSuiteProvider>(
    view: &PublicGroup<S>,
    epoch: u64,
) -> Result<(), MimiError> {
    if epoch < view.epoch() {
        return Err(DsError::StaleEpoch {
            current: view.epoch(),
        }
        .into());
    }
    if epoch > view.epoch() {
        return Err(DsError::FutureEpoch {
            current: view.epoch(),
            got: epoch,
        }
        .into());
    }
    Ok(())
}

/// The proposals, by value and by reference. Draft §8: a commit includes
/// every proposal stored this epoch (the DS's own, self-removes). An
/// external joiner cannot reference them (RFC 9420 §12.4.3.2).
fn proposals_of<'a, S: mls_group::CipherSuiteProvider>(
    view: &'a PublicGroup<S>,
    commit: &'a Commit,
    external: bool,
) -> Result<Proposals<'a>, MimiError> {
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
    if !external && stored.iter().any(|s| !referenced.contains(&s.reference)) {
        return Err(MimiError::MissingStoredProposal);
    }
    Ok(Proposals { by_value, by_ref })
}

/// Draft §9.2: Remove proposals only, and every other member removed.
fn delete_rules<S: mls_group::CipherSuiteProvider>(
    view: &PublicGroup<S>,
    p: &Proposals<'_>,
    sender_leaf: LeafIndex,
) -> Result<(), MimiError> {
    if !p.by_value.iter().all(|p| matches!(p, Proposal::Remove(_))) {
        return Err(MimiError::Rule("delete_group: only Remove proposals"));
    }
    let removed: BTreeSet<u32> = p
        .all()
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
    Ok(())
}

/// Draft §9.3, §9.4: the sender's credential stays.
fn sender_credential_stays<S: mls_group::CipherSuiteProvider>(
    view: &PublicGroup<S>,
    c: &CommitRequest<'_>,
    sender_leaf: LeafIndex,
) -> Result<(), MimiError> {
    if matches!(c.op, Op::Add | Op::Remove | Op::Delete) {
        if let (Some(path), Some(old)) = (&c.commit.path, view.tree().leaf(sender_leaf)) {
            if path.leaf_node.credential != old.credential {
                return Err(MimiError::Rule(
                    "the commit must not change the sender's credential",
                ));
            }
        }
    }
    Ok(())
}

impl<St: Store, C: CryptoProvider, M: MimiStore> MimiDs<St, C, M> {
    /// The commit-carrying operations (draft §9.2–§9.7, §9.10).
    pub(super) fn commit_op(
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
        let c = CommitRequest {
            req,
            update,
            content: &pm.content,
            commit,
            op,
            new_token,
        };
        let checked = self.with_view(&group_id, now, |view| self.check_commit(view, &c))?;
        self.apply_commit(&group_id, update, op, welcomes, checked, now)
    }

    /// The checks of a commit on the group's current view, in order.
    fn check_commit(
        &self,
        view: &mut PublicGroup<C::Suite>,
        c: &CommitRequest<'_>,
    ) -> Result<Checked, MimiError> {
        check_epoch(view, c.content.epoch)?;
        let external = c.content.sender == Sender::NewMemberCommit;
        let (client, sender_leaf) = self.commit_sender(view, c)?;
        let proposals = proposals_of(view, c.commit, external)?;
        self.op_rules(view, c, &proposals, sender_leaf)?;
        sender_credential_stays(view, c, sender_leaf)?;
        let mut tokens = self.version_rules(view, c, &proposals, external, &client)?;
        if let Some(t) = c.new_token {
            tokens.push((client.clone(), t.clone()));
        }
        Ok(Checked { client, tokens })
    }

    /// Who sends the commit, authenticated: its client and leaf.
    fn commit_sender(
        &self,
        view: &mut PublicGroup<C::Suite>,
        c: &CommitRequest<'_>,
    ) -> Result<(ClientId, LeafIndex), MimiError> {
        match c.content.sender {
            Sender::Member(leaf) if c.op != Op::ExternalJoin => {
                self.member_client(view, c.req, Some(leaf))
            }
            Sender::NewMemberCommit if c.op == Op::ExternalJoin => self.external_joiner(view, c),
            Sender::NewMemberCommit => Err(MimiError::Rule(
                "only external_join takes an external commit",
            )),
            Sender::Member(_) => Err(MimiError::Rule(
                "external_join: the commit's sender is new_member_commit",
            )),
            _ => Err(MimiError::Rule("a commit from a member or a joiner")),
        }
    }

    /// Draft §9.7: the external joiner signs as its new leaf.
    fn external_joiner(
        &self,
        view: &mut PublicGroup<C::Suite>,
        c: &CommitRequest<'_>,
    ) -> Result<(ClientId, LeafIndex), MimiError> {
        let path = c
            .commit
            .path
            .as_ref()
            .ok_or(MimiError::Rule("external_join: the commit has a path"))?;
        let DsAuthData::ClientSignature {
            sender_index,
            signature,
        } = &c.req.authentication_data
        else {
            return Err(MimiError::Authentication(
                "this operation takes a ClientSignature",
            ));
        };
        auth::verify_member(
            view.suite(),
            &path.leaf_node.signature_key,
            c.req,
            *sender_index,
            signature,
        )?;
        let staged = view
            .stage_commit(&c.update.commit)
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
        Ok((client, staged.committer()))
    }

    /// Draft §9: the operation's own rules, on proposals by value.
    fn op_rules(
        &self,
        view: &PublicGroup<C::Suite>,
        c: &CommitRequest<'_>,
        p: &Proposals<'_>,
        sender_leaf: LeafIndex,
    ) -> Result<(), MimiError> {
        let only =
            |f: fn(&Proposal) -> bool| !p.by_value.is_empty() && p.by_value.iter().all(|x| f(x));
        match c.op {
            Op::Delete => delete_rules(view, p, sender_leaf),
            Op::Add if !only(|p| matches!(p, Proposal::Add(_))) => Err(MimiError::Rule(
                "add_clients: Add proposals only, at least one",
            )),
            Op::Remove if !only(|p| matches!(p, Proposal::Remove(_))) => Err(MimiError::Rule(
                "remove_clients: Remove proposals only, at least one",
            )),
            Op::Update if c.commit.path.is_none() => {
                Err(MimiError::Rule("update_client: the commit has a path"))
            }
            Op::Update if !p.by_value.is_empty() => {
                Err(MimiError::Rule("update_client: no proposal by value"))
            }
            Op::ReInit => {
                let reinit = p
                    .all()
                    .find_map(|p| match p {
                        Proposal::ReInit(r) => Some(r),
                        _ => None,
                    })
                    .ok_or(MimiError::Rule("reinitialize_group: a ReInit proposal"))?;
                self.check_reinit_target(view, &c.content.group_id, reinit)
            }
            Op::Add | Op::Remove | Op::Update | Op::ExternalJoin => Ok(()),
        }
    }

    /// Draft §4.6–§4.8: joiners carry a token and support the group's
    /// version, which never changes; so does the committer's new leaf.
    /// The tokens to store.
    fn version_rules(
        &self,
        view: &PublicGroup<C::Suite>,
        c: &CommitRequest<'_>,
        p: &Proposals<'_>,
        external: bool,
        client: &ClientId,
    ) -> Result<Vec<(ClientId, FanoutAuthToken)>, MimiError> {
        let version = group_version(&view.context().extensions)?;
        let mut tokens = self.joiner_tokens(p, version)?;
        if let Some(path) = &c.commit.path {
            if !supports_version(&path.leaf_node, version) {
                return Err(MimiError::UnsupportedDsVersion(
                    "the committer's new leaf does not support the group's DS version",
                ));
            }
            if external {
                tokens.push((client.clone(), token_of(&path.leaf_node.extensions)?));
            }
        }
        Ok(tokens)
    }

    /// The joiners' tokens; each joiner supports `version`, and no
    /// GroupContextExtensions changes it.
    fn joiner_tokens(
        &self,
        p: &Proposals<'_>,
        version: DsProtocolVersion,
    ) -> Result<Vec<(ClientId, FanoutAuthToken)>, MimiError> {
        let mut tokens = Vec::new();
        for p in p.all() {
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
        Ok(tokens)
    }

    /// Runs a checked commit on the engine: the tokens, the fan-out of the
    /// commit and of the Welcome, the tombstone of a deleted group.
    fn apply_commit(
        &self,
        group_id: &[u8],
        update: &MlsGroupUpdate,
        op: Op,
        welcomes: Option<&[MlsMessage]>,
        checked: Checked,
        now: u64,
    ) -> Result<Outcome, MimiError> {
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
        self.store.put_tokens(group_id, &checked.tokens)?;
        let mut out = Outcome::ok();
        // The removed receive the commit that removes them, then nothing.
        self.fanout_of_logged(group_id, accepted.seq, Some(&checked.client), &mut out)?;
        self.store.delete_tokens(group_id, &accepted.removed)?;
        if let Some(w) = welcome {
            let r = self.with_tokens(group_id, accepted.welcomed.clone())?;
            out.undeliverable.extend(r.undeliverable.iter().cloned());
            out.fanout.extend(Self::fanout_requests(r, w));
        }
        if op == Op::Delete {
            self.close_group(group_id)?;
            self.store.delete_group_tokens(group_id)?;
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
}
