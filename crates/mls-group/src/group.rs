//! The group state of one member and its queries.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, Secret, SignaturePublicKey};
use mls_framing::{find_extension, ExtensionBody, ExternalPub, GroupInfo, ReInit};
use mls_keyschedule::{EpochSecrets, InMemoryPskStore, SecretTree};
use mls_treekem::{LeafNode, RatchetTree, TreePrivateKeys};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;
use mls_types::{Credential, Extension};

use crate::policy::{AcceptAll, GroupPolicy};
use crate::proposals::ProposalStore;
use crate::{ClientIdentity, GroupConfig, GroupError, PendingCommit};

/// A past epoch kept to decrypt late application messages (§15.3 of the
/// RFC, [`GroupConfig::secret_tree`]`.max_past_epochs`).
pub(crate) struct PastEpoch {
    pub context: GroupContext,
    pub secret_tree: SecretTree,
    pub sender_data_secret: Secret,
    /// The leaves whose signature key changed when this epoch ended, with
    /// their key in this epoch (`None`: blank). A leaf not listed had the
    /// key it has in the next epoch, so a commit records O(changes), not
    /// the whole roster (see [`past_signature_key`]).
    pub changed_keys: alloc::collections::BTreeMap<u32, Option<SignaturePublicKey>>,
    /// The number of leaves of that epoch's tree.
    pub n_leaves: u32,
}

/// The signature key of `leaf` in a past epoch with `n_leaves` leaves and
/// `changed` keys, where `later` are the past epochs after it (most recent
/// first) and `current` looks a leaf up in the current tree.
pub(crate) fn past_signature_key<'a>(
    n_leaves: u32,
    changed: &alloc::collections::BTreeMap<u32, Option<SignaturePublicKey>>,
    later: impl DoubleEndedIterator<Item = &'a PastEpoch>,
    leaf: LeafIndex,
    current: impl Fn(LeafIndex) -> Option<SignaturePublicKey>,
) -> Option<SignaturePublicKey> {
    if leaf.0 >= n_leaves {
        return None;
    }
    if let Some(k) = changed.get(&leaf.0) {
        return k.clone();
    }
    for e in later.rev() {
        if let Some(k) = e.changed_keys.get(&leaf.0) {
            return k.clone();
        }
    }
    current(leaf)
}

/// A member of a group, as seen by [`Group::members`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its leaf index.
    pub index: LeafIndex,
    /// Its credential.
    pub credential: Credential,
    /// Its signature key.
    pub signature_key: SignaturePublicKey,
}

/// One member's view of an MLS group: the public ratchet tree, its private
/// keys, the GroupContext and the epoch's secrets.
///
/// Every operation is sans-IO: it returns the messages to send and never
/// changes the state when it fails. Randomness is passed in; the time for
/// lifetime checks is set with [`Group::set_time`].
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider}; use mls_rustcrypto::{OsRng, RustCrypto};
/// use mls_group::{ClientIdentity, Group, GroupConfig};
/// use mls_types::Credential;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let alice = ClientIdentity::generate(&suite, Credential::Basic(b"alice".to_vec()), &mut OsRng).unwrap();
/// let group = Group::create(suite, alice, b"group".to_vec(), Vec::new(), GroupConfig::default(), &mut OsRng).unwrap();
/// assert_eq!(group.epoch(), 0);
/// assert_eq!(group.members().len(), 1);
/// ```
pub struct Group<S: CipherSuiteProvider> {
    pub(crate) suite: S,
    pub(crate) config: GroupConfig,
    pub(crate) identity: ClientIdentity,
    /// `identity`'s signature private key expanded for signing, once (the
    /// provider's key type zeroizes it on drop); never persisted.
    pub(crate) signer: S::SigningKey,
    pub(crate) tree: RatchetTree,
    pub(crate) private_keys: TreePrivateKeys,
    pub(crate) context: GroupContext,
    pub(crate) interim_transcript_hash: Vec<u8>,
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) epoch_secrets: EpochSecrets,
    pub(crate) secret_tree: SecretTree,
    pub(crate) proposals: ProposalStore,
    pub(crate) past_epochs: VecDeque<PastEpoch>,
    pub(crate) resumption_psks: VecDeque<(u64, Secret)>,
    pub(crate) external_psks: alloc::collections::BTreeMap<Vec<u8>, Secret>,
    /// Resumption PSKs of other groups (ReInit / branch sources).
    pub(crate) foreign_resumption_psks: alloc::collections::BTreeMap<(Vec<u8>, u64), Secret>,
    pub(crate) pending_commit: Option<PendingCommit>,
    pub(crate) reinit: Option<ReInit>,
    pub(crate) removed: bool,
    pub(crate) now: Option<u64>,
    pub(crate) policy: alloc::boxed::Box<dyn GroupPolicy>,
    /// The hash of the group record last returned by
    /// [`Group::take_state_changes`] (or restored from); not state.
    pub(crate) taken_group_record: Option<Vec<u8>>,
}

impl<S: CipherSuiteProvider> core::fmt::Debug for Group<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("group_id", &self.context.group_id)
            .field("epoch", &self.context.epoch)
            .field("own_leaf", &self.own_leaf())
            .finish_non_exhaustive()
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        &self.context.group_id
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.context.epoch
    }

    /// The current GroupContext.
    pub fn context(&self) -> &GroupContext {
        &self.context
    }

    /// The GroupContext extensions.
    pub fn extensions(&self) -> &[Extension] {
        &self.context.extensions
    }

    /// The public ratchet tree.
    pub fn tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// This member's leaf index.
    pub fn own_leaf(&self) -> LeafIndex {
        self.private_keys.own_leaf()
    }

    /// This member's leaf node.
    pub fn own_leaf_node(&self) -> Option<&LeafNode> {
        self.tree.leaf(self.own_leaf())
    }

    /// This member's identity.
    pub fn identity(&self) -> &ClientIdentity {
        &self.identity
    }

    /// The cipher suite provider.
    pub fn suite(&self) -> &S {
        &self.suite
    }

    /// The configuration.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The members, by leaf index.
    pub fn members(&self) -> Vec<Member> {
        self.tree
            .members()
            .map(|(index, leaf)| Member {
                index,
                credential: leaf.credential.clone(),
                signature_key: leaf.signature_key.clone(),
            })
            .collect()
    }

    /// The member at `index`, if that leaf is occupied.
    pub fn member(&self, index: LeafIndex) -> Option<Member> {
        self.tree.leaf(index).map(|leaf| Member {
            index,
            credential: leaf.credential.clone(),
            signature_key: leaf.signature_key.clone(),
        })
    }

    /// The epoch authenticator (§8.7): equal for every member of the epoch.
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.epoch_secrets.epoch_authenticator().as_bytes()
    }

    /// The resumption PSK of the current epoch (§8.6).
    pub fn resumption_psk(&self) -> &Secret {
        self.epoch_secrets.resumption_psk()
    }

    /// `MLS-Exporter(label, context, length)` (§8.5).
    ///
    /// ```
    /// # use mls_crypto::{CipherSuite, CryptoProvider}; use mls_rustcrypto::{OsRng, RustCrypto};
    /// # use mls_group::{ClientIdentity, Group, GroupConfig};
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let alice = ClientIdentity::generate(&suite, mls_types::Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// # let group = Group::create(suite, alice, b"g".to_vec(), Vec::new(), GroupConfig::default(), &mut OsRng).unwrap();
    /// let key = group.export_secret(b"app key", b"", 32).unwrap();
    /// assert_eq!(key.len(), 32);
    /// ```
    pub fn export_secret(
        &self,
        label: &[u8],
        context: &[u8],
        length: u16,
    ) -> Result<Secret, GroupError> {
        Ok(self
            .epoch_secrets
            .export(&self.suite, label, context, length)?)
    }

    /// Sets the current time (seconds since the epoch) for lifetime checks.
    pub fn set_time(&mut self, now: u64) {
        self.now = Some(now);
    }

    /// Installs the application's policy hook (see [`GroupPolicy`]).
    pub fn set_policy(&mut self, policy: alloc::boxed::Box<dyn GroupPolicy>) {
        self.policy = policy;
    }

    /// Adds an external PSK (§8.4) to this group's PSK store.
    pub fn insert_external_psk(&mut self, psk_id: Vec<u8>, psk: Secret) {
        self.external_psks.insert(psk_id, psk);
    }

    /// Adds the resumption PSK of epoch `epoch` of another group (the
    /// source of a ReInit or branch, §11.2, §11.3).
    pub fn insert_resumption_psk(&mut self, group_id: Vec<u8>, epoch: u64, psk: Secret) {
        self.foreign_resumption_psks.insert((group_id, epoch), psk);
    }

    /// The resumption PSKs this member holds for this group (current and
    /// retained past epochs), as a store for joining a ReInit or branch
    /// of it.
    pub fn resumption_psk_store(&self) -> InMemoryPskStore {
        let mut store = InMemoryPskStore::new();
        store.insert_resumption(
            self.context.group_id.clone(),
            self.context.epoch,
            self.epoch_secrets.resumption_psk().clone(),
        );
        for (e, s) in &self.resumption_psks {
            store.insert_resumption(self.context.group_id.clone(), *e, s.clone());
        }
        store
    }

    /// Whether this member can still send: not removed, no ReInit committed.
    pub fn is_active(&self) -> bool {
        !self.removed && self.reinit.is_none()
    }

    /// The ReInit proposal committed in the last epoch, if any (§11.2).
    pub fn pending_reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// Whether a commit of ours awaits confirmation.
    pub fn has_pending_commit(&self) -> bool {
        self.pending_commit.is_some()
    }

    /// A signed GroupInfo for the current epoch (§12.4.3), optionally with
    /// the `ratchet_tree` and `external_pub` extensions (for external joins).
    pub fn group_info(
        &self,
        with_ratchet_tree: bool,
        with_external_pub: bool,
    ) -> Result<GroupInfo, GroupError> {
        let mut extensions = Vec::new();
        if with_ratchet_tree {
            extensions.push(Extension::new(
                mls_types::ExtensionType::RATCHET_TREE,
                self.tree.to_extension_bytes()?,
            ));
        }
        if with_external_pub {
            let external_pub = self.epoch_secrets.external_pub(&self.suite)?;
            extensions.push(ExternalPub { external_pub }.to_extension()?);
        }
        let mut info = GroupInfo {
            group_context: self.context.clone(),
            extensions,
            confirmation_tag: self.confirmation_tag.clone(),
            signer: self.own_leaf(),
            signature: Vec::new(),
        };
        info.sign(&self.suite, &self.signer)?;
        Ok(info)
    }

    /// The `external_pub` of the current epoch, if the GroupInfo
    /// extension would carry one.
    pub fn external_pub_of(info: &GroupInfo) -> Result<Option<ExternalPub>, GroupError> {
        Ok(find_extension::<ExternalPub>(&info.extensions)?)
    }

    pub(crate) fn signature_key_of(&self, leaf: LeafIndex) -> Option<SignaturePublicKey> {
        self.tree.leaf(leaf).map(|l| l.signature_key.clone())
    }

    pub(crate) fn default_policy() -> alloc::boxed::Box<dyn GroupPolicy> {
        alloc::boxed::Box::new(AcceptAll)
    }
}

/// What a member holds on entering its first epoch of a group (creating
/// it, joining from a Welcome or by external commit); see
/// [`Group::enter_first_epoch`].
pub(crate) struct FirstEpoch<S: CipherSuiteProvider> {
    pub suite: S,
    pub config: GroupConfig,
    pub identity: ClientIdentity,
    pub signer: S::SigningKey,
    pub tree: RatchetTree,
    pub private_keys: TreePrivateKeys,
    pub context: GroupContext,
    pub confirmation_tag: Vec<u8>,
    pub epoch_secrets: EpochSecrets,
    pub now: Option<u64>,
    pub policy: alloc::boxed::Box<dyn GroupPolicy>,
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The group in its first epoch: derives the interim transcript hash
    /// and the secret tree; nothing pending, no past epochs, no PSKs.
    pub(crate) fn enter_first_epoch(first: FirstEpoch<S>) -> Result<Self, GroupError> {
        let FirstEpoch {
            suite,
            config,
            identity,
            signer,
            mut tree,
            private_keys,
            context,
            confirmation_tag,
            mut epoch_secrets,
            now,
            policy,
        } = first;
        // A new state: its first save writes every record.
        tree.mark_all_changed();
        let interim_transcript_hash = mls_keyschedule::interim_transcript_hash(
            &suite,
            &context.confirmed_transcript_hash,
            &confirmation_tag,
        )?;
        let secret_tree = epoch_secrets.secret_tree(&suite, tree.n_leaves(), config.secret_tree)?;
        Ok(Group {
            suite,
            config,
            identity,
            signer,
            tree,
            private_keys,
            context,
            interim_transcript_hash,
            confirmation_tag,
            epoch_secrets,
            secret_tree,
            proposals: ProposalStore::default(),
            past_epochs: Default::default(),
            resumption_psks: Default::default(),
            external_psks: Default::default(),
            foreign_resumption_psks: Default::default(),
            pending_commit: None,
            reinit: None,
            removed: false,
            now,
            policy,
            taken_group_record: None,
        })
    }
}
