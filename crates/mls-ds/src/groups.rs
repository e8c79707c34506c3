//! Handshake and application messages (RFC 9750 §5.2, §5.3; MIMI §6–§9):
//! group creation, proposals, the first valid commit of each epoch with
//! its PartialGroupInfo and Welcome, application messages, and the DS's
//! own Remove proposals for idle members.

use std::collections::BTreeSet;

use mls_group::codec::Encode;
use mls_group::framing::{Content, ContentType, ExternalPub, ProposalOrRef};
use mls_group::{
    external_proposal, CryptoProvider, Extension, ExtensionType, GroupError, GroupInfo,
    KeyPackageRef, LeafIndex, MlsMessageBody, Proposal, PublicGroup, PublicGroupOptions,
    RatchetTree, Remove, Sender,
};

use crate::config::SharedPolicy;
use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::ids::ClientId;
use crate::store::{
    EpochTreeRecord, GroupRecord, GroupStateRecord, MemberRecord, MessageKind, MessageRecord,
    Store, Transaction, WelcomeRecord, Write,
};

/// The parts of a GroupInfo a Delivery Service cannot compute itself
/// (MIMI §7): its extensions and the committer's signature. Sent with
/// every commit, so the DS can serve the new epoch's GroupInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialGroupInfo {
    /// The GroupInfo's extensions (`external_pub` when the DS allows
    /// external joins; never `ratchet_tree`: the DS serves the tree).
    pub extensions: Vec<Extension>,
    /// The committer's signature over the new epoch's GroupInfoTBS.
    pub signature: Vec<u8>,
}

impl PartialGroupInfo {
    /// The partial GroupInfo of a full one signed by the committer for the
    /// new epoch.
    pub fn of(info: &GroupInfo) -> Self {
        PartialGroupInfo {
            extensions: info.extensions.clone(),
            signature: info.signature.clone(),
        }
    }
}

/// A commit as the DS takes it (MIMI's `MLSGroupUpdate`, with the
/// Welcome of an `AddClientsRequest`).
#[derive(Debug, Clone, Copy)]
pub struct GroupUpdate<'a> {
    /// The commit: an encoded `MLSMessage` holding a PublicMessage.
    pub commit: &'a [u8],
    /// The GroupInfo parts for the new epoch.
    pub partial_group_info: &'a PartialGroupInfo,
    /// The Welcome for the clients it adds (an encoded `MLSMessage`), if
    /// it adds any.
    pub welcome: Option<&'a [u8]>,
}

/// A new group at the DS.
#[derive(Debug, Clone, Copy)]
pub struct NewGroup<'a> {
    /// The group's signed GroupInfo (an encoded `MLSMessage`), with
    /// `external_pub` when the DS allows external joins.
    pub group_info: &'a [u8],
    /// The ratchet tree (`ratchet_tree` extension body), unless the
    /// GroupInfo carries it.
    pub ratchet_tree: Option<&'a [u8]>,
}

/// A group was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCreated {
    /// Its epoch.
    pub epoch: u64,
    /// Its members' clients, each now receiving the group's messages.
    pub members: Vec<ClientId>,
}

/// A message was accepted and fanned out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Its sequence number in the group's log.
    pub seq: u64,
    /// The group's epoch after it (the new epoch for a commit).
    pub epoch: u64,
}

/// A commit won its epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitAccepted {
    /// Its sequence number in the group's log.
    pub seq: u64,
    /// The new epoch.
    pub epoch: u64,
    /// The clients it added, each sent the Welcome.
    pub welcomed: Vec<ClientId>,
    /// The clients it removed (no leaf of theirs is left).
    pub removed: Vec<ClientId>,
    /// It committed a ReInit: the group is now frozen.
    pub frozen: bool,
}

/// What idle eviction proposed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evicted {
    /// Each idle client whose Remove the DS proposed, with the proposal's
    /// sequence number (one per leaf of the client).
    pub proposed: Vec<(ClientId, u64)>,
}

/// Who made a proposal, for the DS's rights checks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Proposer {
    Client(ClientId),
    Ds,
    OtherExternal,
    Unknown,
}

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
    /// Creates a group at the DS from its creator's GroupInfo (checked as a
    /// joiner checks it: tree, signatures, parent hashes, credentials
    /// through the policy). The creator must be the GroupInfo's signer;
    /// every member's client starts receiving the group's messages.
    pub fn create_group(
        &self,
        client: &ClientId,
        now: u64,
        new: NewGroup<'_>,
    ) -> Result<GroupCreated, DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        let info = self
            .decode(new.group_info)?
            .into_group_info()
            .map_err(|_| DsError::WireFormat("expected a GroupInfo"))?;
        let tree = new
            .ratchet_tree
            .map(RatchetTree::from_extension_bytes)
            .transpose()
            .map_err(|_| DsError::Malformed("ratchet tree"))?;
        let suite = self.suite(info.group_context.cipher_suite.0)?;
        let view = PublicGroup::from_group_info(
            suite,
            &info,
            PublicGroupOptions {
                ratchet_tree: tree,
                policy: Some(Box::new(SharedPolicy(self.config.group_policy.clone()))),
                now: Some(now),
            },
        )
        .map_err(DsError::Invalid)?;
        if self.client_at(&view, info.signer).as_ref() != Some(client) {
            return Err(DsError::SenderMismatch);
        }
        self.check_info_extensions(&info.extensions)?;
        if self.config.require_ds_external_sender && self.ds_sender_index(&view).is_none() {
            return Err(DsError::PolicyRefused(
                "the group must list the DS in external_senders",
            ));
        }
        let group_id = view.group_id().to_vec();
        let members: Vec<ClientId> = self.leaf_counts(&view).into_keys().collect();
        let state = GroupStateRecord {
            group_id: group_id.clone(),
            epoch: view.epoch(),
            group_info: info.to_bytes().map_err(|_| DsError::Internal("encode"))?,
            tree: tree_bytes(&view)?,
        };
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            if tx.group(&group_id)?.is_some() {
                return Err(DsError::GroupExists);
            }
            let mut writes = vec![
                Write::PutGroup {
                    record: GroupRecord {
                        group_id: group_id.clone(),
                        version: 0,
                        view_version: 0,
                        cipher_suite: view.context().cipher_suite.0,
                        epoch: view.epoch(),
                        next_seq: 0,
                        epoch_start_seq: 0,
                        frozen: false,
                        created_at: now,
                    },
                    expected_version: None,
                },
                Write::PutGroupState(state.clone()),
            ];
            for m in &members {
                writes.push(Write::PutMember(new_member(&group_id, m, 0, now)));
            }
            tx.commit(writes)?;
            Ok(())
        })?;
        Ok(GroupCreated {
            epoch: view.epoch(),
            members,
        })
    }

    /// GroupInfo extensions as the DS's policy wants them: `external_pub`
    /// if and only if external joins are allowed.
    fn check_info_extensions(&self, extensions: &[Extension]) -> Result<(), DsError> {
        let external_pub = mls_group::framing::find_extension::<ExternalPub>(extensions)
            .map_err(|_| DsError::InvalidPartialGroupInfo("malformed external_pub"))?;
        match (self.config.allow_external_joins, external_pub.is_some()) {
            (true, false) => Err(DsError::InvalidPartialGroupInfo(
                "external joins are allowed: external_pub is required",
            )),
            (false, true) => Err(DsError::PolicyRefused(
                "external joins are not allowed: no external_pub",
            )),
            _ => Ok(()),
        }
    }

    /// Accepts a proposal (a PublicMessage) of the current epoch from
    /// `client`, stores it in the DS's view and fans it out. It must come
    /// before any commit that references it.
    pub fn send_proposal(
        &self,
        client: &ClientId,
        now: u64,
        proposal: &[u8],
    ) -> Result<Accepted, DsError> {
        let msg = self.decode(proposal)?;
        let MlsMessageBody::PublicMessage(pm) = &msg.body else {
            return Err(DsError::WireFormat("handshake messages are PublicMessages"));
        };
        let Content::Proposal(p) = &pm.content.content else {
            return Err(DsError::WireFormat("expected a proposal"));
        };
        let group_id = pm.content.group_id.clone();
        self.rate_limit(&[self.client_rate(client), self.group_rate(&group_id)], now)?;
        let slot = self.slot(&group_id);
        let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let rec = self.open_group(&mut tx, &group_id)?;
            check_epoch(&rec, pm.content.epoch)?;
            let view = self.load_view(&mut tx, &mut guard, &rec, now)?;
            let proposer = self.proposer(view, pm.content.sender, Some(p));
            match (&proposer, pm.content.sender) {
                (Proposer::Client(c), _) if c == client => {}
                (_, Sender::External(_)) => {}
                _ => return Err(DsError::SenderMismatch),
            }
            if pm.content.sender == Sender::NewMemberProposal && !self.config.allow_external_joins {
                return Err(DsError::PolicyRefused("external joins are not allowed"));
            }
            self.check_rights(view, p, &proposer)?;
            view.process_message(&msg).map_err(DsError::Invalid)?;
            let seq = rec.next_seq;
            let writes = vec![
                Write::PutGroup {
                    record: GroupRecord {
                        version: rec.version + 1,
                        view_version: rec.view_version + 1,
                        next_seq: seq + 1,
                        ..rec.clone()
                    },
                    expected_version: Some(rec.version),
                },
                Write::AppendMessage(MessageRecord {
                    group_id: group_id.clone(),
                    seq,
                    epoch: rec.epoch,
                    kind: MessageKind::Proposal,
                    sender: Some(client.clone()),
                    message: proposal.to_vec(),
                    accepted_at: now,
                }),
                touch(&group_id, client, 0, now),
            ];
            let outcome = tx.commit(writes).map_err(DsError::from).map(|()| Accepted {
                seq,
                epoch: rec.epoch,
            });
            settle(&mut guard, rec.view_version + 1, outcome)
        })
    }

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
        self.rate_limit(&[self.client_rate(client), self.group_rate(&group_id)], now)?;
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
            // Who commits, and is it the authenticated client?
            let external = match pm.content.sender {
                Sender::Member(leaf) => {
                    if self.client_at(view, leaf).as_ref() != Some(client) {
                        return Err(DsError::SenderMismatch);
                    }
                    false
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
                    true
                }
                _ => return Err(DsError::WireFormat("commit from a non-member sender")),
            };
            let committer = Proposer::Client(client.clone());
            // Proposals precede the commits that reference them; each is
            // within the rights of whoever proposed it.
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
            let staged = view.stage_commit(&msg).map_err(|e| match e {
                GroupError::UnknownProposalRef(_) => DsError::UnknownProposal,
                GroupError::WrongEpoch { current, got } if got < current => {
                    DsError::StaleEpoch { current }
                }
                e => DsError::Invalid(e),
            })?;
            // The GroupInfo of the new epoch, from the PartialGroupInfo.
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
                extensions: update.partial_group_info.extensions.clone(),
                confirmation_tag: pm
                    .auth
                    .confirmation_tag
                    .clone()
                    .ok_or(DsError::Malformed("commit without confirmation tag"))?,
                signer: staged.committer(),
                signature: update.partial_group_info.signature.clone(),
            };
            info.verify_signature(view.suite(), &signer_key)
                .map_err(|_| DsError::InvalidPartialGroupInfo("signature"))?;
            // The Welcome: for exactly the joiners.
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
            match &welcome {
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
            if self.config.require_ds_external_sender {
                if let (Some(extensions), Some(ds)) =
                    (staged.new_extensions(), self.config.ds_identity.as_ref())
                {
                    let senders = mls_group::framing::find_extension::<
                        mls_group::framing::ExternalSenders,
                    >(extensions)
                    .map_err(|e| DsError::Invalid(e.into()))?;
                    let listed = senders.is_some_and(|s| {
                        s.0.iter()
                            .any(|e| &e.signature_key == ds.identity.signature_key())
                    });
                    if !listed {
                        return Err(DsError::PolicyRefused(
                            "the group must keep the DS in external_senders",
                        ));
                    }
                }
            }
            let membership_changes =
                external || !staged.added().is_empty() || !staged.removed().is_empty();
            let before = if membership_changes {
                self.leaf_counts(view)
            } else {
                Default::default()
            };
            let frozen = staged.reinit().is_some();
            // Stage passed every check: the view moves on. If the store
            // refuses below, the view is dropped and rebuilt.
            view.merge_staged_commit(staged)
                .map_err(|_| DsError::Internal("merge of a staged commit"))?;
            let after = if membership_changes {
                self.leaf_counts(view)
            } else {
                Default::default()
            };
            let seq = rec.next_seq;
            let new_epoch = view.epoch();
            let tree = tree_bytes(view);
            // From here on the view is ahead of the store: any failure
            // drops it (it is rebuilt from the store on the next request).
            let outcome = (|| {
                let tree = tree?;
                let mut writes = vec![
                    Write::PutGroup {
                        record: GroupRecord {
                            version: rec.version + 1,
                            view_version: rec.view_version + 1,
                            epoch: new_epoch,
                            next_seq: seq + 1,
                            epoch_start_seq: seq + 1,
                            frozen,
                            ..rec.clone()
                        },
                        expected_version: Some(rec.version),
                    },
                    Write::AppendMessage(MessageRecord {
                        group_id: group_id.clone(),
                        seq,
                        epoch: rec.epoch,
                        kind: MessageKind::Commit,
                        sender: Some(client.clone()),
                        message: update.commit.to_vec(),
                        accepted_at: now,
                    }),
                    Write::PutGroupState(GroupStateRecord {
                        group_id: group_id.clone(),
                        epoch: new_epoch,
                        group_info: info.to_bytes().map_err(|_| DsError::Internal("encode"))?,
                        tree: tree.clone(),
                    }),
                ];
                let mut removed = Vec::new();
                for c in before.keys().filter(|c| !after.contains_key(*c)) {
                    writes.push(Write::EndMember {
                        group_id: group_id.clone(),
                        client: c.clone(),
                        until_seq: seq,
                    });
                    removed.push(c.clone());
                }
                for c in after.keys().filter(|c| !before.contains_key(*c)) {
                    writes.push(Write::PutMember(new_member(&group_id, c, seq + 1, now)));
                }
                writes.push(touch(&group_id, client, 0, now));
                let mut welcomed: Vec<ClientId> = joiners.iter().map(|(_, c)| c.clone()).collect();
                welcomed.sort();
                welcomed.dedup();
                if let (Some(bytes), false) = (update.welcome, welcomed.is_empty()) {
                    for c in &welcomed {
                        writes.push(Write::PutWelcome(WelcomeRecord {
                            client: c.clone(),
                            group_id: group_id.clone(),
                            epoch: new_epoch,
                            welcome: bytes.to_vec(),
                        }));
                    }
                    let retained = tx.epoch_tree_epochs(&group_id)?;
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
                        tree,
                        waiting: welcomed.clone(),
                    }));
                }
                tx.commit(writes)?;
                Ok(CommitAccepted {
                    seq,
                    epoch: new_epoch,
                    welcomed,
                    removed,
                    frozen,
                })
            })();
            settle(&mut guard, rec.view_version + 1, outcome)
        })
    }

    /// Accepts an application message (a PrivateMessage, never decrypted)
    /// from a member, of the current epoch or one of the
    /// [`crate::Limits::application_past_epochs`] before it, and fans it
    /// out.
    pub fn send_application(
        &self,
        client: &ClientId,
        now: u64,
        message: &[u8],
    ) -> Result<Accepted, DsError> {
        let msg = self.decode(message)?;
        let MlsMessageBody::PrivateMessage(pm) = &msg.body else {
            return Err(DsError::WireFormat(
                "application messages are PrivateMessages",
            ));
        };
        if pm.content_type != ContentType::Application {
            return Err(DsError::WireFormat("handshake messages are PublicMessages"));
        }
        let group_id = pm.group_id.clone();
        self.rate_limit(&[self.client_rate(client), self.group_rate(&group_id)], now)?;
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let rec = self.open_group(&mut tx, &group_id)?;
            if pm.epoch > rec.epoch {
                return Err(DsError::FutureEpoch {
                    current: rec.epoch,
                    got: pm.epoch,
                });
            }
            if rec.epoch - pm.epoch > self.config.limits.application_past_epochs {
                return Err(DsError::EpochTooOld { current: rec.epoch });
            }
            match tx.member(&group_id, client)? {
                Some(m) if m.until_seq.is_none() => {}
                _ => return Err(DsError::NotAMember),
            }
            let seq = rec.next_seq;
            tx.commit(vec![
                Write::PutGroup {
                    record: GroupRecord {
                        version: rec.version + 1,
                        next_seq: seq + 1,
                        ..rec.clone()
                    },
                    expected_version: Some(rec.version),
                },
                Write::AppendMessage(MessageRecord {
                    group_id: group_id.clone(),
                    seq,
                    epoch: pm.epoch,
                    kind: MessageKind::Application,
                    sender: Some(client.clone()),
                    message: message.to_vec(),
                    accepted_at: now,
                }),
                touch(&group_id, client, 0, now),
            ])?;
            Ok(Accepted {
                seq,
                epoch: rec.epoch,
            })
        })
    }

    /// Proposes the Remove of every member of `group_id` idle for longer
    /// than [`crate::DsConfig::idle_eviction_after`] (RFC 9750 §8.2.2),
    /// as the external sender the group lists for the DS
    /// ([`crate::DsConfig::ds_identity`]); a member commits them. A
    /// client whose Remove is already proposed this epoch is skipped.
    pub fn evict_idle(&self, group_id: &[u8], now: u64) -> Result<Evicted, DsError> {
        let (Some(after), Some(ds)) = (
            self.config.idle_eviction_after,
            self.config.ds_identity.as_ref(),
        ) else {
            return Ok(Evicted::default());
        };
        let slot = self.slot(group_id);
        let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let rec = self.open_group(&mut tx, group_id)?;
            let idle: BTreeSet<ClientId> = tx
                .members(group_id)?
                .into_iter()
                .filter(|m| m.until_seq.is_none() && m.last_active.saturating_add(after) < now)
                .map(|m| m.client)
                .collect();
            if idle.is_empty() {
                return Ok(Evicted::default());
            }
            let view = self.load_view(&mut tx, &mut guard, &rec, now)?;
            let index = self.ds_sender_index(view).ok_or(DsError::PolicyRefused(
                "the group does not list the DS in external_senders",
            ))?;
            let already: BTreeSet<u32> = view
                .proposals()
                .iter()
                .filter_map(|p| match &p.proposal {
                    Proposal::Remove(r) => Some(r.removed),
                    _ => None,
                })
                .collect();
            let targets: Vec<(LeafIndex, ClientId)> = view
                .tree()
                .members()
                .filter(|(leaf, _)| !already.contains(&leaf.0))
                .filter_map(|(leaf, node)| {
                    let c = self.config.directory.client_of(&node.credential)?;
                    idle.contains(&c).then_some((leaf, c))
                })
                .collect();
            if targets.is_empty() {
                return Ok(Evicted::default());
            }
            // The view takes each proposal before the store does: any
            // failure from here on drops it.
            let outcome = (|| {
                let mut writes = Vec::new();
                let mut proposed = Vec::new();
                let mut seq = rec.next_seq;
                for (leaf, c) in targets {
                    let msg = external_proposal(
                        view.suite(),
                        &ds.identity,
                        index,
                        group_id,
                        rec.epoch,
                        Proposal::Remove(Remove { removed: leaf.0 }),
                    )
                    .map_err(DsError::Invalid)?;
                    view.process_message(&msg).map_err(DsError::Invalid)?;
                    writes.push(Write::AppendMessage(MessageRecord {
                        group_id: group_id.to_vec(),
                        seq,
                        epoch: rec.epoch,
                        kind: MessageKind::Proposal,
                        sender: None,
                        message: msg.to_bytes().map_err(|_| DsError::Internal("encode"))?,
                        accepted_at: now,
                    }));
                    proposed.push((c, seq));
                    seq += 1;
                }
                writes.push(Write::PutGroup {
                    record: GroupRecord {
                        version: rec.version + 1,
                        view_version: rec.view_version + 1,
                        next_seq: seq,
                        ..rec.clone()
                    },
                    expected_version: Some(rec.version),
                });
                tx.commit(writes)?;
                Ok(Evicted { proposed })
            })();
            settle(&mut guard, rec.view_version + 1, outcome)
        })
    }

    /// The group record of a group that takes messages.
    pub(crate) fn open_group(
        &self,
        tx: &mut St::Tx<'_>,
        group_id: &[u8],
    ) -> Result<GroupRecord, DsError> {
        let rec = tx.group(group_id)?.ok_or(DsError::UnknownGroup)?;
        if rec.frozen {
            return Err(DsError::GroupFrozen);
        }
        Ok(rec)
    }

    fn proposer(
        &self,
        view: &PublicGroup<C::Suite>,
        sender: Sender,
        proposal: Option<&Proposal>,
    ) -> Proposer {
        match sender {
            Sender::Member(leaf) => self
                .client_at(view, leaf)
                .map_or(Proposer::Unknown, Proposer::Client),
            Sender::External(i) => {
                if Some(i) == self.ds_sender_index(view) {
                    Proposer::Ds
                } else {
                    Proposer::OtherExternal
                }
            }
            Sender::NewMemberProposal => match proposal {
                Some(Proposal::Add(add)) => self
                    .config
                    .directory
                    .client_of(&add.key_package.leaf_node.credential)
                    .map_or(Proposer::Unknown, Proposer::Client),
                _ => Proposer::Unknown,
            },
            Sender::NewMemberCommit => Proposer::Unknown,
        }
    }

    /// The DS's rights rules (RFC 9750 §6.5, §7) for one proposal.
    fn check_rights(
        &self,
        view: &PublicGroup<C::Suite>,
        proposal: &Proposal,
        proposer: &Proposer,
    ) -> Result<(), DsError> {
        match proposal {
            Proposal::Add(add) => match proposer {
                Proposer::Ds => Ok(()),
                Proposer::Client(c) => {
                    let own = self
                        .config
                        .directory
                        .client_of(&add.key_package.leaf_node.credential)
                        .as_ref()
                        == Some(c);
                    // A new member adding itself is an external join.
                    if (own && !self.is_member(view, c)) || self.config.may_add.allows(c) {
                        Ok(())
                    } else {
                        Err(DsError::PolicyRefused("this client may not add"))
                    }
                }
                _ => Err(DsError::PolicyRefused("this sender may not add")),
            },
            Proposal::Remove(r) => {
                let target = self.client_at(view, LeafIndex(r.removed));
                match proposer {
                    Proposer::Ds => Ok(()),
                    Proposer::Client(c) if target.as_ref() == Some(c) => Ok(()),
                    Proposer::Client(c) if self.config.may_remove.allows(c) => Ok(()),
                    _ => Err(DsError::PolicyRefused("this client may not remove")),
                }
            }
            _ => Ok(()),
        }
    }

    fn is_member(&self, view: &PublicGroup<C::Suite>, client: &ClientId) -> bool {
        view.tree()
            .members()
            .any(|(_, l)| self.config.directory.client_of(&l.credential).as_ref() == Some(client))
    }
}

/// After the view moved ahead of the store: on success the view is the
/// store's at `view_version`; on failure it is dropped (rebuilt from the
/// store by the next request).
fn settle<S: mls_group::CipherSuiteProvider, T>(
    guard: &mut std::sync::MutexGuard<'_, Option<crate::engine::CachedView<S>>>,
    view_version: u64,
    outcome: Result<T, DsError>,
) -> Result<T, DsError> {
    match &outcome {
        Ok(_) => {
            if let Some(v) = guard.as_mut() {
                v.view_version = view_version;
            }
        }
        Err(_) => **guard = None,
    }
    outcome
}

fn check_epoch(rec: &GroupRecord, epoch: u64) -> Result<(), DsError> {
    if epoch < rec.epoch {
        Err(DsError::StaleEpoch { current: rec.epoch })
    } else if epoch > rec.epoch {
        Err(DsError::FutureEpoch {
            current: rec.epoch,
            got: epoch,
        })
    } else {
        Ok(())
    }
}

fn new_member(group_id: &[u8], client: &ClientId, from_seq: u64, now: u64) -> MemberRecord {
    MemberRecord {
        group_id: group_id.to_vec(),
        client: client.clone(),
        from_seq,
        until_seq: None,
        cursor: from_seq,
        last_active: now,
    }
}

pub(crate) fn touch(group_id: &[u8], client: &ClientId, cursor_to: u64, now: u64) -> Write {
    Write::Touch {
        group_id: group_id.to_vec(),
        client: client.clone(),
        cursor_to,
        now,
    }
}

pub(crate) fn tree_bytes<S: mls_group::CipherSuiteProvider>(
    view: &PublicGroup<S>,
) -> Result<Vec<u8>, DsError> {
    view.tree()
        .to_extension_bytes()
        .map_err(|_| DsError::Internal("tree encoding"))
}
