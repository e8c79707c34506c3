//! Saving and restoring a member's whole group state as one versioned blob:
//! the group record (see [`crate::persist_state`]) followed by the ratchet
//! tree. For saving only what a commit changed, see
//! [`Group::take_state_changes`].

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::{decode_exact, Encode};
use mls_crypto::CipherSuiteProvider;
use mls_treekem::RatchetTree;
use zeroize::Zeroizing;

use crate::persist_state::{bad, check_version, GroupRecord};
use crate::{Group, GroupConfig, GroupError, GroupPolicy};

/// The version tag of the state encoding: of the blob of
/// [`Group::to_state_bytes`] and of the group record of
/// [`Group::take_state_changes`], their first two bytes. (Version 1,
/// which stored every member's signature key per past epoch and no pending
/// commit, version 2, which stored a pending commit's tree operations
/// instead of its tree changes, version 3, which put the tree inside the
/// group state, and version 4, whose record mirrored the group's fields
/// instead of encoding its parts, were never released and are not read.)
///
/// The blob is the group record followed by `optional<Node>
/// ratchet_tree<V>`.
pub const STATE_VERSION: u16 = 6;

impl<S: CipherSuiteProvider> Group<S> {
    /// The whole state — tree, private keys, secrets, secret trees of the
    /// current and retained epochs, proposal store, PSKs — as versioned
    /// bytes, in a buffer zeroized on drop. The bytes are secret: store
    /// them encrypted. A pending commit
    /// is saved too, so that a restored client can still merge it once the
    /// Delivery Service confirms it, or drop it. The configuration is saved
    /// and must be given again, unchanged, on restore (to change it, use
    /// [`Group::set_config`]); the policy is given again on restore.
    ///
    /// The bytes depend on the state only (not on what
    /// [`take_state_changes`](Self::take_state_changes) has returned).
    ///
    /// ```
    /// # use mls_group::*;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let a = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// let group = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
    /// let bytes = group.to_state_bytes().unwrap();
    /// let back = Group::from_state_bytes(suite, &bytes, GroupConfig::default(), None).unwrap();
    /// assert_eq!(back.to_state_bytes().unwrap(), bytes);
    /// assert_eq!(back.epoch_authenticator(), group.epoch_authenticator());
    /// ```
    pub fn to_state_bytes(&self) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        let tree = self.public.tree.to_extension_bytes()?;
        let config = self.config.to_bytes()?;
        Ok(Zeroizing::new(
            (self.group_record(&config), tree.as_slice()).to_bytes()?,
        ))
    }

    /// Restores a state saved with [`Group::to_state_bytes`], for `suite`
    /// (which must be the saved group's), with `config` and `policy`.
    /// The tree gets the checks of
    /// [`RatchetTree::from_extension_bytes`] and must have the size and
    /// number of nodes the group record says. The first
    /// [`take_state_changes`](Self::take_state_changes) returns every record.
    pub fn from_state_bytes(
        suite: S,
        bytes: &[u8],
        config: GroupConfig,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        check_version(bytes)?;
        let (record, tree): (GroupRecord, Vec<u8>) = decode_exact(bytes).map_err(bad)?;
        Self::check_suite(&suite, &record)?;
        let tree = RatchetTree::from_extension_bytes(&tree).map_err(bad)?;
        Self::from_group_record(suite, record, tree, config, policy)
    }
}
