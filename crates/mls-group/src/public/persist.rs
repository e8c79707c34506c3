//! Saving and restoring a [`PublicGroup`] (a Delivery Service's view of a
//! group), as one blob or as records — one public record and one record
//! per non-blank tree node, so that a commit rewrites O(log N) records.
//! The state is public: nothing here is secret.

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt};
use mls_treekem::RatchetTree;
use mls_types::tree_math::NodeIndex;
use mls_types::GroupContext;
use zeroize::Zeroizing;

use super::{ProposalStore, PublicGroup};
use crate::persist_state::bad;
use crate::{GroupError, GroupPolicy, StateChange, StateKey};

/// The version of a saved [`PublicGroup`] (its first two bytes).
pub const PUBLIC_STATE_VERSION: u16 = 1;

#[derive(Encode)]
struct PublicRecordRef<'a> {
    version: u16,
    cipher_suite: CipherSuite,
    n_leaves: u32,
    n_nodes: u32,
    context: &'a GroupContext,
    confirmation_tag: &'a [u8],
    proposals: &'a ProposalStore,
}

#[derive(Decode)]
struct PublicRecord {
    #[allow(dead_code)]
    version: u16,
    cipher_suite: CipherSuite,
    n_leaves: u32,
    n_nodes: u32,
    context: GroupContext,
    confirmation_tag: Vec<u8>,
    proposals: ProposalStore,
}

fn check_version(bytes: &[u8]) -> Result<(), GroupError> {
    match bytes {
        [a, b, ..] if u16::from_be_bytes([*a, *b]) == PUBLIC_STATE_VERSION => Ok(()),
        [a, b, ..] => Err(GroupError::UnknownStateVersion(u16::from_be_bytes([
            *a, *b,
        ]))),
        _ => Err(GroupError::InvalidState("truncated")),
    }
}

impl<S: CipherSuiteProvider> PublicGroup<S> {
    fn record(&self) -> PublicRecordRef<'_> {
        PublicRecordRef {
            version: PUBLIC_STATE_VERSION,
            cipher_suite: self.suite.cipher_suite(),
            n_leaves: self.tree.n_leaves(),
            n_nodes: self.tree.non_blank_count(),
            context: &self.context,
            confirmation_tag: &self.confirmation_tag,
            proposals: &self.proposals,
        }
    }

    /// The whole public state as one blob: context, confirmation tag,
    /// stored proposals and the tree (policy and time are not saved).
    ///
    /// ```
    /// # use mls_group::*;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let a = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// # let group = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
    /// let info = group.group_info(true, false).unwrap();
    /// let ds = PublicGroup::from_group_info(suite.clone(), &info, PublicGroupOptions::default()).unwrap();
    /// let saved = ds.to_state_bytes().unwrap();
    /// let back = PublicGroup::from_state_bytes(suite, &saved, None).unwrap();
    /// assert_eq!(back.context(), ds.context());
    /// ```
    pub fn to_state_bytes(&self) -> Result<Vec<u8>, GroupError> {
        let tree = self.tree.to_extension_bytes()?;
        Ok((self.record(), tree.as_slice()).to_bytes()?)
    }

    /// Restores a state saved by [`to_state_bytes`](Self::to_state_bytes)
    /// for `suite`, with `policy` (the default policy if `None`). The tree
    /// must hash to the context's tree hash (O(N) hashes, no signature:
    /// the state is our own, checked when it was built).
    pub fn from_state_bytes(
        suite: S,
        bytes: &[u8],
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        check_version(bytes)?;
        let (record, tree): (PublicRecord, Vec<u8>) = decode_exact(bytes).map_err(bad)?;
        let tree = RatchetTree::from_extension_bytes(&tree).map_err(bad)?;
        Self::from_record(suite, record, tree, policy)
    }

    fn from_record(
        suite: S,
        r: PublicRecord,
        mut tree: RatchetTree,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        if r.cipher_suite != suite.cipher_suite() || r.context.cipher_suite != r.cipher_suite {
            return Err(GroupError::UnsupportedCipherSuite(r.cipher_suite.0));
        }
        if tree.n_leaves() != r.n_leaves || tree.non_blank_count() != r.n_nodes {
            return Err(GroupError::InvalidState("tree does not match the record"));
        }
        if tree.tree_hash(&suite)? != r.context.tree_hash {
            return Err(GroupError::NodeRecordsMismatch);
        }
        let mut public = PublicGroup::from_parts(
            suite,
            tree,
            r.context,
            r.confirmation_tag,
            policy.unwrap_or_else(crate::policy::default_policy),
            None,
        )?;
        public.proposals = r.proposals;
        Ok(public)
    }

    /// The records written or deleted since the previous call: the public
    /// record (`StateKey::Group`) when it changed, then the changed tree
    /// nodes — as [`crate::Group::take_state_changes`] does for a member,
    /// so a commit in a full tree changes about log₂ N + 1 node records.
    /// The first call returns everything. Apply them in one transaction.
    pub fn take_state_changes(&mut self) -> Result<Vec<StateChange>, GroupError> {
        let nodes = self.tree.changed_nodes();
        let mut out = Vec::with_capacity(nodes.len().saturating_add(1));
        let record = self.record().to_bytes()?;
        let hash = self.suite.hash(&record);
        if self.taken_record.as_deref() != Some(hash.as_slice()) {
            out.push(StateChange {
                key: StateKey::Group,
                value: Some(Zeroizing::new(record)),
            });
        }
        for x in nodes {
            out.push(StateChange {
                key: StateKey::Node(x.0),
                value: self.tree.node_record(x)?.map(Zeroizing::new),
            });
        }
        self.tree.clear_changed_nodes();
        self.taken_record = Some(hash);
        Ok(out)
    }

    /// Restores from the records [`take_state_changes`](Self::take_state_changes)
    /// returned (current value per key, any order), with the checks of
    /// [`crate::Group::from_state_records`]: one public record, as many
    /// node records as it counts, and a tree whose hash is the context's.
    pub fn from_state_records<'a>(
        suite: S,
        records: impl IntoIterator<Item = (StateKey, &'a [u8])>,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        let mut record = None;
        let mut nodes = Vec::new();
        for (key, value) in records {
            match key {
                StateKey::Group if record.replace(value).is_some() => {
                    return Err(GroupError::InvalidState("two public records"));
                }
                StateKey::Group => {}
                StateKey::Node(i) => nodes.push((NodeIndex(i), value)),
            }
        }
        let bytes = record.ok_or(GroupError::MissingGroupRecord)?;
        check_version(bytes)?;
        let r: PublicRecord = decode_exact(bytes).map_err(bad)?;
        if usize::try_from(r.n_nodes).ok() != Some(nodes.len()) {
            return Err(GroupError::NodeRecordCount {
                expected: r.n_nodes,
                found: nodes.len(),
            });
        }
        let tree = RatchetTree::from_node_records(r.n_leaves, nodes)?;
        let hash = suite.hash(bytes);
        let mut public = Self::from_record(suite, r, tree, policy)?;
        public.tree.clear_changed_nodes();
        public.taken_record = Some(hash);
        Ok(public)
    }
}
