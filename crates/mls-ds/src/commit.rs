//! Commits (RFC 9750 §5.2.1; MIMI §6–§8): the first valid commit of each
//! epoch wins, with its PartialGroupInfo (the DS serves the new epoch's
//! GroupInfo) and its Welcome (for exactly the commit's joiners).

use std::collections::{BTreeMap, BTreeSet};

use mls_group::codec::Encode;
use mls_group::framing::{Commit, Content, ProposalOrRef};
use mls_group::{
    CryptoProvider, ExtensionType, GroupError, GroupInfo, KeyPackageRef, MlsMessageBody,
    PublicGroup, PublicStagedCommit, Sender, Welcome,
};

use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::groups::{
    check_epoch, new_member, touch, tree_bytes, CommitAccepted, GroupUpdate, PartialGroupInfo,
};
use crate::ids::ClientId;
use crate::proposals::Proposer;
use crate::store::{
    EpochTreeRecord, GroupRecord, GroupStateRecord, MessageKind, MessageRecord, Store, Transaction,
    WelcomeMessageRecord, Write,
};
use crate::view::{settle, view_writes};

/// A staged commit that passed every check, as the DS stores it.
struct Winner<'a> {
    client: &'a ClientId,
    commit: &'a [u8],
    welcome: Option<&'a [u8]>,
    info: GroupInfo,
    joiners: Vec<ClientId>,
    /// Each client's leaf count before and after (only when the commit
    /// changes the membership).
    before: BTreeMap<ClientId, u32>,
    after: BTreeMap<ClientId, u32>,
    frozen: bool,
}

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
    /// Accepts a commit if it is the first valid one of the group's
    /// current epoch (RFC 9750 §5.2.1): a commit of an epoch that already
    /// ended gets [`DsError::StaleEpoch`], an invalid one never advances
    /// the DS. Validated as a member validates it (signature, tree,
    /// parent hashes, proposals, [`crate::DsConfig::group_policy`]) but
    /// for [`PublicGroup::UNCHECKED`], plus the DS's own policy, the
    /// PartialGroupInfo (signed by the committer's leaf in the new tree)
    /// and the Welcome (exactly the commit's joiners). The commit is fanned
    /// out to the members, the Welcome to each joiner.
    pub fn send_commit(
        &self,
        client: &ClientId,
        now: u64,
        update: GroupUpdate<'_>,
    ) -> Result<CommitAccepted, DsError> {
        let msg = self.decode(update.commit)?;
        let MlsMessageBody::PublicMessage(pm) = &msg.body else {
            return Err(DsError::WireFormat("handshake messages are PublicMessages"));
        };
        let Content::Commit(commit) = &pm.content.content else {
            return Err(DsError::WireFormat("expected a commit"));
        };
        let welcome = match update.welcome {
            Some(bytes) => Some(
                self.decode(bytes)?
                    .into_welcome()
                    .map_err(|_| DsError::WireFormat("expected a Welcome"))?,
            ),
            None => None,
        };
        let group_id = pm.content.group_id.clone();
        let rates = [self.client_rate(client), self.group_rate(&group_id)];
        // One transaction: the rates are counted with the commit.
        self.counted(&rates, now, |count| {
            self.check_info_extensions(&update.partial_group_info.extensions)?;
            if update
                .partial_group_info
                .extensions
                .iter()
                .any(|e| e.extension_type == ExtensionType::RATCHET_TREE)
            {
                return Err(DsError::InvalidPartialGroupInfo(
                    "ratchet_tree: the DS serves the tree",
                ));
            }
            let slot = self.slot(&group_id);
            let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
            self.with_retries(|| {
                let mut tx = self.store.begin()?;
                let rec = self.open_group(&mut tx, &group_id)?;
                check_epoch(&rec, pm.content.epoch)?;
                let view = self.load_view(&mut tx, &mut guard, &rec, now)?;
                let external = self.check_committer(view, client, pm.content.sender, commit)?;
                self.check_commit_rights(view, client, commit)?;
                let staged = view.stage_commit(&msg).map_err(|e| match e {
                    GroupError::UnknownProposalRef(_) => DsError::UnknownProposal,
                    GroupError::WrongEpoch { current, got } if got < current => {
                        DsError::StaleEpoch { current }
                    }
                    e => DsError::Invalid(e),
                })?;
                let info = self.new_group_info(view, &staged, commit, update.partial_group_info)?;
                let joiners = self.check_welcome(view, &staged, welcome.as_ref())?;
                self.check_waiting_welcomes(&mut tx, &joiners)?;
                let membership_changes =
                    external || !staged.added().is_empty() || !staged.removed().is_empty();
                let before = if membership_changes {
                    self.leaf_counts(view)
                } else {
                    Default::default()
                };
                let frozen = staged.reinit().is_some();
                let extensions_changed = staged.new_extensions().is_some();
                // Stage passed every check: the view moves on. From here on
                // any failure drops it (it is restored from the store by the
                // next request).
                view.merge_staged_commit(staged)
                    .map_err(|_| DsError::Internal("merge of a staged commit"))?;
                let outcome = (|| {
                    if extensions_changed
                        && self.config.require_ds_external_sender
                        && self.config.ds_identity.is_some()
                        && self.ds_sender_index(view).is_none()
                    {
                        return Err(DsError::PolicyRefused(
                            "the group must keep the DS in external_senders",
                        ));
                    }
                    let after = if membership_changes {
                        self.leaf_counts(view)
                    } else {
                        Default::default()
                    };
                    let winner = Winner {
                        client,
                        commit: update.commit,
                        welcome: update.welcome,
                        info,
                        joiners,
                        before,
                        after,
                        frozen,
                    };
                    let (mut writes, accepted) =
                        self.commit_writes(&mut tx, view, &rec, now, winner)?;
                    count.push_to(&mut writes);
                    tx.commit(writes)?;
                    Ok(accepted)
                })();
                settle(&mut guard, rec.view_version + 1, outcome)
            })
        })
    }

    /// Who commits, and is it the authenticated client? `true` for an
    /// external commit (a new member joining).
    fn check_committer(
        &self,
        view: &PublicGroup<C::Suite>,
        client: &ClientId,
        sender: Sender,
        commit: &Commit,
    ) -> Result<bool, DsError> {
        match sender {
            Sender::Member(leaf) => {
                if self.client_at(view, leaf).as_ref() != Some(client) {
                    return Err(DsError::SenderMismatch);
                }
                Ok(false)
            }
            Sender::NewMemberCommit => {
                if !self.config.allow_external_joins {
                    return Err(DsError::PolicyRefused("external joins are not allowed"));
                }
                let joiner = commit
                    .path
                    .as_ref()
                    .and_then(|p| self.config.directory.client_of(&p.leaf_node.credential));
                if joiner.as_ref() != Some(client) {
                    return Err(DsError::SenderMismatch);
                }
                Ok(true)
            }
            _ => Err(DsError::WireFormat("commit from a non-member sender")),
        }
    }

    /// Proposals precede the commits that reference them; each is within
    /// the rights of whoever proposed it (the committer for inline ones).
    fn check_commit_rights(
        &self,
        view: &PublicGroup<C::Suite>,
        client: &ClientId,
        commit: &Commit,
    ) -> Result<(), DsError> {
        let committer = Proposer::Client(client.clone());
        for por in &commit.proposals {
            match por {
                ProposalOrRef::Proposal(p) => self.check_rights(view, p, &committer)?,
                ProposalOrRef::Reference(r) => {
                    let stored = view
                        .proposals()
                        .iter()
                        .find(|s| &s.reference == r)
                        .ok_or(DsError::UnknownProposal)?;
                    let proposer = self.proposer(view, stored.sender, Some(&stored.proposal));
                    self.check_rights(view, &stored.proposal, &proposer)?;
                }
            }
        }
        Ok(())
    }

    /// The GroupInfo of the new epoch: the staged commit's context and
    /// confirmation tag with the PartialGroupInfo's extensions and
    /// signature, which must be the committer's (its leaf in the new
    /// tree).
    fn new_group_info(
        &self,
        view: &PublicGroup<C::Suite>,
        staged: &PublicStagedCommit,
        commit: &Commit,
        partial: &PartialGroupInfo,
    ) -> Result<GroupInfo, DsError> {
        let signer_key = match &commit.path {
            Some(path) => path.leaf_node.signature_key.clone(),
            None => {
                view.member(staged.committer())
                    .ok_or(DsError::Internal("committer without leaf"))?
                    .signature_key
            }
        };
        let info = GroupInfo {
            group_context: staged.context().clone(),
            extensions: partial.extensions.clone(),
            confirmation_tag: staged.confirmation_tag().to_vec(),
            signer: staged.committer(),
            signature: partial.signature.clone(),
        };
        info.verify_signature(view.suite(), &signer_key)
            .map_err(|_| DsError::InvalidPartialGroupInfo("signature"))?;
        Ok(info)
    }

    /// The Welcome is for exactly the commit's joiners (and there is one
    /// if and only if it adds someone): the joiners' clients, sorted.
    fn check_welcome(
        &self,
        view: &PublicGroup<C::Suite>,
        staged: &PublicStagedCommit,
        welcome: Option<&Welcome>,
    ) -> Result<Vec<ClientId>, DsError> {
        let suite = view.suite();
        let mut joiners: Vec<(KeyPackageRef, ClientId)> = Vec::new();
        for (_, kp) in staged.added() {
            let r = kp
                .reference(suite)
                .map_err(|e| DsError::Invalid(e.into()))?;
            let c = self
                .config
                .directory
                .client_of(&kp.leaf_node.credential)
                .ok_or(DsError::PolicyRefused("an added client is unknown"))?;
            joiners.push((r, c));
        }
        match welcome {
            None if !joiners.is_empty() => {
                return Err(DsError::InvalidWelcome("the commit adds clients"))
            }
            Some(_) if joiners.is_empty() => {
                return Err(DsError::InvalidWelcome("the commit adds nobody"))
            }
            Some(w) => {
                if w.cipher_suite != view.context().cipher_suite {
                    return Err(DsError::InvalidWelcome("cipher suite"));
                }
                let refs: BTreeSet<&KeyPackageRef> =
                    w.secrets.iter().map(|s| &s.new_member).collect();
                let added: BTreeSet<&KeyPackageRef> = joiners.iter().map(|(r, _)| r).collect();
                if refs != added || refs.len() != w.secrets.len() {
                    return Err(DsError::InvalidWelcome(
                        "its KeyPackageRefs are not the commit's Adds",
                    ));
                }
            }
            None => {}
        }
        let mut clients: Vec<ClientId> = joiners.into_iter().map(|(_, c)| c).collect();
        clients.sort();
        clients.dedup();
        Ok(clients)
    }

    /// No joiner has [`crate::Limits::max_waiting_welcomes`] Welcomes
    /// waiting already: otherwise the commit is refused (a client that
    /// never collects its Welcomes does not grow the store without
    /// bound; the committer is told, rather than a joiner's oldest
    /// Welcome silently dropped).
    fn check_waiting_welcomes(
        &self,
        tx: &mut St::Tx<'_>,
        joiners: &[ClientId],
    ) -> Result<(), DsError> {
        let max = self.config.limits.max_waiting_welcomes;
        for c in joiners {
            if tx.welcome_count(c, max)? >= max {
                return Err(DsError::LimitExceeded("Welcomes waiting for a client"));
            }
        }
        Ok(())
    }

    /// Everything an accepted commit writes, `view` merged: the group
    /// record, the log entry, the new GroupInfo, the view records that
    /// changed (O(log N)), memberships that end or start, the Welcomes and
    /// the tree their joiners fetch (bounded by
    /// [`crate::Limits::max_retained_trees`]).
    fn commit_writes(
        &self,
        tx: &mut St::Tx<'_>,
        view: &mut PublicGroup<C::Suite>,
        rec: &GroupRecord,
        now: u64,
        w: Winner<'_>,
    ) -> Result<(Vec<Write>, CommitAccepted), DsError> {
        let group_id = &rec.group_id;
        let seq = rec.next_seq;
        let new_epoch = view.epoch();
        let mut writes = vec![
            Write::PutGroup {
                record: GroupRecord {
                    version: rec.version + 1,
                    view_version: rec.view_version + 1,
                    epoch: new_epoch,
                    next_seq: seq + 1,
                    epoch_start_seq: seq + 1,
                    frozen: w.frozen,
                    ..rec.clone()
                },
                expected_version: Some(rec.version),
            },
            Write::AppendMessage(MessageRecord {
                group_id: group_id.clone(),
                seq,
                epoch: rec.epoch,
                kind: MessageKind::Commit,
                sender: Some(w.client.clone()),
                message: w.commit.to_vec(),
                accepted_at: now,
            }),
            Write::PutGroupState(GroupStateRecord {
                group_id: group_id.clone(),
                epoch: new_epoch,
                group_info: w.info.to_bytes().map_err(|_| DsError::Internal("encode"))?,
            }),
        ];
        writes.extend(view_writes(group_id, view)?);
        let mut removed = Vec::new();
        for c in w.before.keys().filter(|c| !w.after.contains_key(*c)) {
            writes.push(Write::EndMember {
                group_id: group_id.clone(),
                client: c.clone(),
                until_seq: seq,
            });
            removed.push(c.clone());
        }
        for c in w.after.keys().filter(|c| !w.before.contains_key(*c)) {
            writes.push(Write::PutMember(new_member(group_id, c, seq + 1, now)));
        }
        writes.push(touch(group_id, w.client, 0, now));
        if let (Some(bytes), false) = (w.welcome, w.joiners.is_empty()) {
            // Once, whatever the number of joiners: each waits for it by
            // reference.
            writes.push(Write::PutWelcome(WelcomeMessageRecord {
                group_id: group_id.clone(),
                epoch: new_epoch,
                welcome: bytes.to_vec(),
                joiners: w.joiners.clone(),
            }));
            let retained = tx.epoch_tree_epochs(group_id)?;
            let max = self.config.limits.max_retained_trees.max(1);
            let excess = (retained.len() + 1).saturating_sub(max);
            for e in retained.into_iter().take(excess) {
                writes.push(Write::DeleteEpochTree {
                    group_id: group_id.clone(),
                    epoch: e,
                });
            }
            writes.push(Write::PutEpochTree(EpochTreeRecord {
                group_id: group_id.clone(),
                epoch: new_epoch,
                tree: tree_bytes(view)?,
                waiting: w.joiners.clone(),
            }));
        }
        let accepted = CommitAccepted {
            seq,
            epoch: new_epoch,
            welcomed: w.joiners,
            removed,
            frozen: w.frozen,
        };
        Ok((writes, accepted))
    }
}
