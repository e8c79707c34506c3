//! Groups at the DS (RFC 9750 §5.2, §5.3; MIMI §6–§9): creating one, the
//! types of the message operations, and what they share. The operations
//! are in `proposals` (proposals, idle eviction), `commit` (the first
//! valid commit of each epoch) and `application` (application messages).

use mls_group::codec::Encode;
use mls_group::framing::ExternalPub;
use mls_group::{
    CryptoProvider, Extension, GroupInfo, PublicGroup, PublicGroupOptions, RatchetTree,
};

use crate::config::SharedPolicy;
use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::ids::ClientId;
use crate::store::{GroupRecord, GroupStateRecord, MemberRecord, Store, Transaction, Write};
use crate::view::view_writes;

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
        let mut view = PublicGroup::from_group_info(
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
        view.set_compact_tree(true);
        let state = GroupStateRecord {
            group_id: group_id.clone(),
            epoch: view.epoch(),
            group_info: info.to_bytes().map_err(|_| DsError::Internal("encode"))?,
        };
        let view_records = view_writes(&group_id, &mut view)?;
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
            writes.extend(view_records.iter().cloned());
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
    pub(crate) fn check_info_extensions(&self, extensions: &[Extension]) -> Result<(), DsError> {
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
}

/// A handshake message of the group's current epoch, or why not.
pub(crate) fn check_epoch(rec: &GroupRecord, epoch: u64) -> Result<(), DsError> {
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

pub(crate) fn new_member(
    group_id: &[u8],
    client: &ClientId,
    from_seq: u64,
    now: u64,
) -> MemberRecord {
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
