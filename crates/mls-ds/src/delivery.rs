//! Fan-out (RFC 9750 §3.3, §5.2; MIMI §10) and group state for joiners
//! (RFC 9750 §7, MIMI §7): reading a group's log from a cursor,
//! acknowledging, Welcomes, the ratchet tree of the epoch a client was
//! added in, and the current GroupInfo.

use mls_group::codec::decode_exact;
use mls_group::{CryptoProvider, GroupInfo};

use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::groups::{touch, tree_bytes};
use crate::ids::ClientId;
use crate::store::{EpochTreeRecord, MessageKind, Store, Transaction, Write};

/// One message delivered to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its sequence number in the group's log: acknowledge up to it.
    pub seq: u64,
    /// The epoch it was sent in.
    pub epoch: u64,
    /// Its kind.
    pub kind: MessageKind,
    /// The encoded `MLSMessage`.
    pub message: Vec<u8>,
}

/// What a fetch returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The messages after the client's cursor, in log order (at most
    /// [`crate::Limits::max_fetch`]); its own are left out unless
    /// [`crate::DsConfig::echo_to_sender`].
    pub messages: Vec<Delivery>,
    /// Acknowledge up to this (exclusive) to skip everything read,
    /// own messages included.
    pub next_cursor: u64,
    /// More messages are waiting.
    pub more: bool,
    /// The client was removed from the group: nothing comes after these.
    pub removed: bool,
}

/// A Welcome for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeDelivery {
    /// The group it joins.
    pub group_id: Vec<u8>,
    /// The epoch it joins in.
    pub epoch: u64,
    /// The encoded Welcome `MLSMessage`.
    pub welcome: Vec<u8>,
}

/// What a joiner needs from the DS (MIMI's `ExternalCommitInfo`): the
/// group's current GroupInfo and its ratchet tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfoResponse {
    /// The epoch.
    pub epoch: u64,
    /// The signed GroupInfo (as an encoded `MLSMessage`).
    pub group_info: Vec<u8>,
    /// The ratchet tree (`ratchet_tree` extension body).
    pub ratchet_tree: Vec<u8>,
}

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
    /// The messages of `group_id` waiting for `client` from its cursor
    /// (at-least-once: the same messages come again until acknowledged
    /// with [`ack`](Self::ack)). A client back after a long absence reads
    /// from where it left; a removed client reads up to the commit that
    /// removed it.
    pub fn fetch(&self, client: &ClientId, group_id: &[u8], now: u64) -> Result<Fetched, DsError> {
        // One transaction: the rate is counted with the touch.
        self.counted(&[self.client_rate(client)], now, |count| {
            self.with_retries(|| {
                let mut tx = self.store.begin()?;
                let member = tx.member(group_id, client)?.ok_or(DsError::NotAMember)?;
                let from = member.cursor.max(member.from_seq);
                let limit = self.config.limits.max_fetch;
                let mut batch = tx.messages(group_id, from, limit + 1)?;
                if let Some(until) = member.until_seq {
                    batch.retain(|m| m.seq <= until);
                }
                let more = batch.len() > limit;
                batch.truncate(limit);
                let next_cursor = batch.last().map_or(from, |m| m.seq + 1);
                let messages = batch
                    .into_iter()
                    .filter(|m| self.config.echo_to_sender || m.sender.as_ref() != Some(client))
                    .map(|m| Delivery {
                        seq: m.seq,
                        epoch: m.epoch,
                        kind: m.kind,
                        message: m.message,
                    })
                    .collect();
                let mut writes = vec![touch(group_id, client, 0, now)];
                count.push_to(&mut writes);
                tx.commit(writes)?;
                Ok(Fetched {
                    messages,
                    next_cursor,
                    more,
                    removed: member.until_seq.is_some(),
                })
            })
        })
    }

    /// Acknowledges every message of `group_id` below `up_to` (a
    /// [`Fetched::next_cursor`], or a [`Delivery::seq`] + 1): they are not
    /// delivered to `client` again. Cursors only move forward.
    pub fn ack(
        &self,
        client: &ClientId,
        group_id: &[u8],
        up_to: u64,
        now: u64,
    ) -> Result<(), DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let rec = tx.group(group_id)?.ok_or(DsError::UnknownGroup)?;
            tx.member(group_id, client)?.ok_or(DsError::NotAMember)?;
            if up_to > rec.next_seq {
                return Err(DsError::Malformed("acknowledges messages not sent yet"));
            }
            tx.commit(vec![touch(group_id, client, up_to, now)])?;
            Ok(())
        })
    }

    /// The Welcomes waiting for `client`, oldest first (until
    /// acknowledged with [`ack_welcome`](Self::ack_welcome)).
    pub fn fetch_welcomes(
        &self,
        client: &ClientId,
        now: u64,
    ) -> Result<Vec<WelcomeDelivery>, DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        let mut tx = self.store.begin()?;
        Ok(tx
            .welcomes(client, self.config.limits.max_fetch)?
            .into_iter()
            .map(|w| WelcomeDelivery {
                group_id: w.group_id,
                epoch: w.epoch,
                welcome: w.welcome,
            })
            .collect())
    }

    /// Acknowledges a Welcome: it is deleted.
    pub fn ack_welcome(
        &self,
        client: &ClientId,
        group_id: &[u8],
        epoch: u64,
        now: u64,
    ) -> Result<(), DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        let tx = self.store.begin()?;
        tx.commit(vec![Write::DeleteWelcome {
            client: client.clone(),
            group_id: group_id.to_vec(),
            epoch,
        }])?;
        Ok(())
    }

    /// The ratchet tree of `epoch` (the group's current one if `None`):
    /// to a client added in that epoch, the tree kept for it since (MIMI
    /// §7: once fetched by every joiner it is dropped); to a current
    /// member, or to anyone if external joins are allowed, the current
    /// tree.
    pub fn ratchet_tree(
        &self,
        client: &ClientId,
        group_id: &[u8],
        epoch: Option<u64>,
        now: u64,
    ) -> Result<Vec<u8>, DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let rec = tx.group(group_id)?.ok_or(DsError::UnknownGroup)?;
            if let Some(e) = epoch {
                if let Some(t) = tx.epoch_tree(group_id, e)? {
                    if t.waiting.contains(client) {
                        let waiting: Vec<ClientId> =
                            t.waiting.iter().filter(|c| *c != client).cloned().collect();
                        let write = if waiting.is_empty() {
                            Write::DeleteEpochTree {
                                group_id: group_id.to_vec(),
                                epoch: e,
                            }
                        } else {
                            Write::PutEpochTree(EpochTreeRecord {
                                waiting,
                                ..t.clone()
                            })
                        };
                        tx.commit(vec![write, touch(group_id, client, 0, now)])?;
                        return Ok(t.tree);
                    }
                }
                if e != rec.epoch {
                    return Err(DsError::NotFound("no tree of this epoch for this client"));
                }
            }
            self.check_may_read_state(&mut tx, group_id, client)?;
            tree_bytes(&self.stored_view(&mut tx, &rec)?)
        })
    }

    /// The group's current GroupInfo (with `external_pub` when external
    /// joins are allowed) and ratchet tree: what a client joining by
    /// external commit needs (MIMI §9.7). To anyone if external joins are
    /// allowed, else to members.
    pub fn group_info(
        &self,
        client: &ClientId,
        group_id: &[u8],
        now: u64,
    ) -> Result<GroupInfoResponse, DsError> {
        self.rate_limit(&[self.client_rate(client)], now)?;
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let rec = tx.group(group_id)?.ok_or(DsError::UnknownGroup)?;
            self.check_may_read_state(&mut tx, group_id, client)?;
            let state = tx
                .group_state(group_id)?
                .ok_or(DsError::NotFound("group state"))?;
            // Read between two reads of the same group version: the
            // GroupInfo and the tree are of one epoch.
            let view = self.stored_view(&mut tx, &rec)?;
            let info: GroupInfo = decode_exact(&state.group_info)
                .map_err(|_| crate::StoreError::Corrupt("stored GroupInfo"))?;
            if info.group_context != *view.context() {
                return Err(crate::StoreError::Corrupt("GroupInfo and view disagree").into());
            }
            Ok(GroupInfoResponse {
                epoch: state.epoch,
                group_info: mls_group::codec::Encode::to_bytes(&mls_group::MlsMessage::new(
                    mls_group::MlsMessageBody::GroupInfo(info),
                ))
                .map_err(|_| DsError::Internal("encode"))?,
                ratchet_tree: tree_bytes(&view)?,
            })
        })
    }

    /// Deletes the messages of `group_id` that every client receiving them
    /// has acknowledged (the DS's view needs none: it is stored as
    /// records, the epoch's proposals included), and the memberships that
    /// ended and were read to their end. A maintenance operation (O(members) reads);
    /// returns the first sequence number kept.
    pub fn prune(&self, group_id: &[u8]) -> Result<u64, DsError> {
        self.with_retries(|| {
            let mut tx = self.store.begin()?;
            let rec = tx.group(group_id)?.ok_or(DsError::UnknownGroup)?;
            let mut keep = rec.next_seq;
            for m in tx.members(group_id)? {
                let unread = match m.until_seq {
                    None => true,
                    Some(until) => m.cursor <= until,
                };
                if unread {
                    keep = keep.min(m.cursor.max(m.from_seq));
                }
            }
            tx.commit(vec![
                Write::DeleteMessages {
                    group_id: group_id.to_vec(),
                    below_seq: keep,
                },
                Write::DeleteEndedMembers {
                    group_id: group_id.to_vec(),
                    below_seq: keep,
                },
            ])?;
            Ok(keep)
        })
    }

    fn check_may_read_state(
        &self,
        tx: &mut St::Tx<'_>,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<(), DsError> {
        if self.config.allow_external_joins {
            return Ok(());
        }
        match tx.member(group_id, client)? {
            Some(m) if m.until_seq.is_none() => Ok(()),
            _ => Err(DsError::NotAMember),
        }
    }
}
