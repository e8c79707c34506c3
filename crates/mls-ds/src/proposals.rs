//! Proposals (RFC 9750 §5.2, §6.5): members' and new members', the DS's
//! own Removes of idle members (RFC 9750 §8.2.2), and the DS's rights
//! rules for every proposal, by reference or inline.

use std::collections::BTreeSet;

use mls_group::codec::Encode;
use mls_group::framing::Content;
use mls_group::{
    external_proposal, CryptoProvider, LeafIndex, MlsMessageBody, Proposal, PublicGroup, Remove,
    Sender,
};

use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::groups::{check_epoch, touch, Accepted, Evicted};
use crate::ids::ClientId;
use crate::store::{GroupRecord, MessageKind, MessageRecord, Store, Transaction, Write};
use crate::view::{settle, view_writes};

/// Who made a proposal, for the DS's rights checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Proposer {
    Client(ClientId),
    Ds,
    OtherExternal,
    Unknown,
}

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
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
            // The public record holds the epoch's proposals: rewritten.
            let view_records = view_writes(&group_id, view);
            let mut writes = vec![
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
            let outcome = view_records
                .and_then(|v| {
                    writes.extend(v);
                    tx.commit(writes).map_err(DsError::from)
                })
                .map(|()| Accepted {
                    seq,
                    epoch: rec.epoch,
                });
            settle(&mut guard, rec.view_version + 1, outcome)
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
                writes.extend(view_writes(group_id, view)?);
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

    pub(crate) fn proposer(
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
    pub(crate) fn check_rights(
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
