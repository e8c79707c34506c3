//! Incremental persistence: the state as records under keys — one group
//! record and one record per non-blank ratchet-tree node — and the records
//! changed since the last save, so that merging a commit in a full tree
//! rewrites O(log N) bytes rather than the whole state.

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::CipherSuiteProvider;
use mls_crypto::CipherSuiteProviderExt;
use mls_treekem::RatchetTree;
use mls_types::tree_math::NodeIndex;
use zeroize::Zeroizing;

use crate::persist_state::GroupRecord;
use crate::{Group, GroupConfig, GroupError, GroupPolicy};

/// The key of a state record: the group record, or the record of one
/// ratchet-tree node (RFC 9420 §4, by node index).
///
/// Keys order as their [`to_bytes`](Self::to_bytes) encodings do: the
/// group record first, then the nodes by index.
///
/// ```
/// use mls_group::StateKey;
/// let key = StateKey::Node(7);
/// assert_eq!(key.to_bytes(), [1, 0, 0, 0, 7]);
/// assert_eq!(StateKey::from_bytes(&key.to_bytes()), Some(key));
/// assert!(StateKey::Group < StateKey::Node(0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StateKey {
    /// Everything but the tree's nodes: epoch secrets, secret tree,
    /// private keys, transcript hashes, proposals, past epochs, pending
    /// commit. Secret.
    Group,
    /// The node at this index: its encoding (see
    /// [`RatchetTree::node_record`]). Public.
    Node(u32),
}

impl StateKey {
    /// The length of [`to_bytes`](Self::to_bytes).
    pub const ENCODED_LEN: usize = 5;

    /// A fixed-length encoding for a byte-keyed store: `0` then four zero
    /// bytes for the group record, `1` then the big-endian node index.
    pub fn to_bytes(self) -> [u8; Self::ENCODED_LEN] {
        match self {
            StateKey::Group => [0; 5],
            StateKey::Node(i) => {
                let [a, b, c, d] = i.to_be_bytes();
                [1, a, b, c, d]
            }
        }
    }

    /// The key encoded as `bytes` by [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0, 0, 0, 0, 0] => Some(StateKey::Group),
            [1, a, b, c, d] => Some(StateKey::Node(u32::from_be_bytes([*a, *b, *c, *d]))),
            _ => None,
        }
    }
}

/// A record to write (`value` is `Some`) or delete (`None`), as returned
/// by [`Group::take_state_changes`].
#[derive(Clone, PartialEq, Eq)]
pub struct StateChange {
    /// Which record.
    pub key: StateKey,
    /// Its new value, or `None` if it no longer exists. Zeroized on drop
    /// (the group record is secret).
    pub value: Option<Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for StateChange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The group record is secret: show sizes only.
        f.debug_struct("StateChange")
            .field("key", &self.key)
            .field("len", &self.value.as_ref().map(|v| v.len()))
            .finish()
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The records written or deleted since the previous call, group
    /// record first, then nodes by index: apply them to a key-value store,
    /// all in one transaction, and [`Group::from_state_records`] restores
    /// the group from it.
    ///
    /// After [`Group::create`], a join (Welcome or external commit) or
    /// [`Group::from_state_bytes`], the first call returns every record,
    /// writes only (for an empty store). After
    /// [`Group::from_state_records`], nothing until the state changes.
    /// The group record is returned when it changed (after almost any
    /// operation: it holds the secret tree's ratchets); the node records
    /// when their node changed, so a commit merged in a full tree of N
    /// members changes about log₂ N + 1 of them. A refused
    /// message changes none. Records are secret as a whole (the group
    /// record holds the private keys and epoch secrets): store them
    /// encrypted.
    ///
    /// What was taken is not part of the state:
    /// [`to_state_bytes`](Self::to_state_bytes) does not depend on it.
    ///
    /// ```
    /// # use mls_group::*;
    /// # use std::collections::BTreeMap;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let a = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// let mut group = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
    /// let mut store = BTreeMap::new();
    /// let save = |group: &mut Group<_>, store: &mut BTreeMap<StateKey, Vec<u8>>| {
    ///     for c in group.take_state_changes().unwrap() {
    ///         match c.value {
    ///             Some(v) => store.insert(c.key, v.to_vec()),
    ///             None => store.remove(&c.key),
    ///         };
    ///     }
    /// };
    /// save(&mut group, &mut store); // everything: the group record and our leaf
    /// assert_eq!(store.len(), 2);
    /// group.commit(vec![], &CommitOptions::default(), &mut OsRng).unwrap();
    /// group.merge_pending_commit().unwrap();
    /// let changes = group.take_state_changes().unwrap();
    /// assert_eq!(changes.len(), 2); // the group record, our new leaf
    /// # for c in changes { store.insert(c.key, c.value.unwrap().to_vec()); }
    /// assert!(group.take_state_changes().unwrap().is_empty());
    /// let back = Group::from_state_records(
    ///     suite,
    ///     store.iter().map(|(k, v)| (*k, v.as_slice())),
    ///     GroupConfig::default(),
    ///     None,
    /// )
    /// .unwrap();
    /// assert_eq!(back.to_state_bytes().unwrap(), group.to_state_bytes().unwrap());
    /// ```
    pub fn take_state_changes(&mut self) -> Result<Vec<StateChange>, GroupError> {
        let nodes = self.public.tree.changed_nodes();
        let mut out = Vec::with_capacity(nodes.len().saturating_add(1));
        let config = self.config.to_bytes()?;
        let record = Zeroizing::new(self.group_record(&config).to_bytes()?);
        let hash = self.public.suite.hash(&record);
        if self.taken_group_record.as_deref() != Some(hash.as_slice()) {
            out.push(StateChange {
                key: StateKey::Group,
                value: Some(record),
            });
        }
        for x in nodes {
            out.push(StateChange {
                key: StateKey::Node(x.0),
                value: self.public.tree.node_record(x)?.map(Zeroizing::new),
            });
        }
        self.public.tree.clear_changed_nodes();
        self.taken_group_record = Some(hash);
        Ok(out)
    }

    /// Restores a group from the records [`Group::take_state_changes`]
    /// returned (the current value of each key, in any order), for `suite`
    /// (which must be the saved group's), with `config` and `policy`.
    /// Nothing counts as changed afterwards.
    ///
    /// Checks, besides what [`from_state_bytes`](Self::from_state_bytes)
    /// checks: exactly one group record
    /// ([`GroupError::MissingGroupRecord`]) of a known version
    /// ([`GroupError::UnknownStateVersion`]), as many node records as the
    /// group record counts ([`GroupError::NodeRecordCount`]), each
    /// well-formed ([`GroupError::Tree`] with the node's index), and a tree
    /// whose hash is the group context's
    /// ([`GroupError::NodeRecordsMismatch`]): a record missing, left over,
    /// stale (a save applied in part) or damaged is refused. Work: O(N),
    /// one hash per node (the tree hashes, needed by the next commit
    /// anyway).
    ///
    /// ```
    /// # use mls_group::*;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let a = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// let mut group = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
    /// let records: Vec<(StateKey, Vec<u8>)> = group
    ///     .take_state_changes()
    ///     .unwrap()
    ///     .into_iter()
    ///     .map(|c| (c.key, c.value.unwrap().to_vec()))
    ///     .collect();
    /// let load = |records: &[(StateKey, Vec<u8>)]| {
    ///     Group::from_state_records(suite.clone(), records.iter().map(|(k, v)| (*k, v.as_slice())), GroupConfig::default(), None)
    /// };
    /// let mut back = load(&records).unwrap();
    /// assert_eq!(back.epoch_authenticator(), group.epoch_authenticator());
    /// assert!(back.take_state_changes().unwrap().is_empty());
    /// // Our leaf's record missing:
    /// assert_eq!(
    ///     load(&records[..1]).unwrap_err(),
    ///     GroupError::NodeRecordCount { expected: 1, found: 0 }
    /// );
    /// ```
    pub fn from_state_records<'a>(
        suite: S,
        records: impl IntoIterator<Item = (StateKey, &'a [u8])>,
        config: GroupConfig,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        let mut group = None;
        let mut nodes = Vec::new();
        for (key, value) in records {
            match key {
                StateKey::Group => {
                    if group.replace(value).is_some() {
                        return Err(GroupError::InvalidState("two group records"));
                    }
                }
                StateKey::Node(i) => nodes.push((NodeIndex(i), value)),
            }
        }
        let bytes = group.ok_or(GroupError::MissingGroupRecord)?;
        let record = GroupRecord::from_bytes(bytes)?;
        Self::check_suite(&suite, &record)?;
        if usize::try_from(record.n_nodes).ok() != Some(nodes.len()) {
            return Err(GroupError::NodeRecordCount {
                expected: record.n_nodes,
                found: nodes.len(),
            });
        }
        let mut tree = RatchetTree::from_node_records(record.n_leaves, nodes)?;
        if tree.tree_hash(&suite)? != record.context.tree_hash {
            return Err(GroupError::NodeRecordsMismatch);
        }
        let hash = suite.hash(bytes);
        let mut group = Self::from_group_record(suite, record, tree, config, policy)?;
        group.taken_group_record = Some(hash);
        Ok(group)
    }
}
