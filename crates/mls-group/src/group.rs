//! The group state of one member and its queries.

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret};
use mls_framing::{find_extension, ExtensionBody, ExternalPub, GroupInfo, ReInit};
use mls_keyschedule::{EpochSecrets, InMemoryPskStore, PskStore};
use mls_treekem::{LeafNode, RatchetTree, TreePrivateKeys};
use mls_types::tree_math::LeafIndex;
use mls_types::{Extension, GroupContext};

use crate::epoch::EpochState;
use crate::lifecycle::{GroupStatus, Lifecycle};
use crate::past_epochs::PastEpochs;
use crate::public::PublicGroup;
use crate::{ClientIdentity, GroupConfig, GroupError, GroupPolicy, Member};

/// One member's view of an MLS group: the public group state it shares
/// with everyone who follows the group ([`PublicGroup`]), and what only it
/// holds — its identity and private keys, the epoch's secrets, past
/// epochs kept for late messages, PSKs, and where it is in its lifecycle.
///
/// Every operation is sans-IO: it returns the messages to send and never
/// changes the state when it fails. Randomness is passed in; the time for
/// lifetime checks is the caller's ([`Group::set_time`]).
///
/// ```
/// use mls_group::{ClientIdentity, CipherSuite, Credential, CryptoProvider, Group, GroupConfig, OsRng, RustCrypto};
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let alice = ClientIdentity::generate(&suite, Credential::Basic(b"alice".to_vec()), &mut OsRng).unwrap();
/// let group = Group::create(suite, alice, b"group".to_vec(), Vec::new(), GroupConfig::default(), &mut OsRng).unwrap();
/// assert_eq!(group.epoch(), 0);
/// assert_eq!(group.members().len(), 1);
/// ```
pub struct Group<S: CipherSuiteProvider> {
    /// The public state, shared with the Delivery Service's view: tree,
    /// GroupContext, transcript hashes, proposals, policy.
    pub(crate) public: PublicGroup<S>,
    pub(crate) config: GroupConfig,
    pub(crate) identity: ClientIdentity,
    /// `identity`'s signature private key expanded for signing, once (the
    /// provider's key type zeroizes it on drop); never persisted.
    pub(crate) signer: S::SigningKey,
    pub(crate) private_keys: TreePrivateKeys,
    pub(crate) epoch: EpochState,
    /// Private keys of our own Update proposals of this epoch.
    pub(crate) own_updates: Vec<(HpkePublicKey, HpkePrivateKey)>,
    /// Identities we put in a leaf this epoch (a rotating Update or our
    /// pending commit's path): the one our leaf carries after a merge
    /// becomes ours.
    pub(crate) rotations: Vec<ClientIdentity>,
    pub(crate) past_epochs: PastEpochs,
    /// External PSKs, and resumption PSKs of this group's retained epochs
    /// (the current one included) and of the groups it resumes.
    pub(crate) psks: InMemoryPskStore,
    pub(crate) lifecycle: Lifecycle,
    /// The hash of the group record last returned by
    /// [`Group::take_state_changes`] (or restored from); not state.
    pub(crate) taken_group_record: Option<Vec<u8>>,
    /// The members' signature keys prepared for verification, per leaf;
    /// not state (see [`crate::verifiers`]).
    pub(crate) verifiers: crate::verifiers::VerifierCache<S>,
}

impl<S: CipherSuiteProvider> core::fmt::Debug for Group<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("group_id", &self.public.context.group_id)
            .field("epoch", &self.public.context.epoch)
            .field("own_leaf", &self.own_leaf())
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The public group state this member shares with everyone who follows
    /// the group.
    pub fn public_group(&self) -> &PublicGroup<S> {
        &self.public
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        &self.public.context.group_id
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.public.context.epoch
    }

    /// The current GroupContext.
    pub fn context(&self) -> &GroupContext {
        &self.public.context
    }

    /// The GroupContext extensions.
    pub fn extensions(&self) -> &[Extension] {
        &self.public.context.extensions
    }

    /// The public ratchet tree.
    pub fn tree(&self) -> &RatchetTree {
        &self.public.tree
    }

    /// This member's leaf index.
    pub fn own_leaf(&self) -> LeafIndex {
        self.private_keys.own_leaf()
    }

    /// This member's leaf node.
    pub fn own_leaf_node(&self) -> Option<&LeafNode> {
        self.public.tree.leaf(self.own_leaf())
    }

    /// This member's identity.
    pub fn identity(&self) -> &ClientIdentity {
        &self.identity
    }

    /// The cipher suite provider.
    pub fn suite(&self) -> &S {
        &self.public.suite
    }

    /// The configuration.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The members, by leaf index.
    pub fn members(&self) -> Vec<Member> {
        self.public.members()
    }

    /// The member at `index`, if that leaf is occupied.
    pub fn member(&self, index: LeafIndex) -> Option<Member> {
        self.public.member(index)
    }

    /// Where this member is in the group's lifecycle.
    pub fn status(&self) -> GroupStatus {
        self.lifecycle.status()
    }

    /// Whether this member can still send: not removed, no ReInit committed.
    pub fn is_active(&self) -> bool {
        self.lifecycle.is_active()
    }

    /// The ReInit proposal committed in the last epoch, if any (§11.2).
    pub fn pending_reinit(&self) -> Option<&ReInit> {
        self.lifecycle.reinit()
    }

    /// Whether a commit of ours awaits confirmation.
    pub fn has_pending_commit(&self) -> bool {
        self.lifecycle.pending().is_some()
    }

    /// The epoch authenticator (§8.7): equal for every member of the epoch.
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.epoch.secrets.epoch_authenticator().as_bytes()
    }

    /// The resumption PSK of the current epoch (§8.6).
    pub fn resumption_psk(&self) -> &Secret {
        self.epoch.secrets.resumption_psk()
    }

    /// `MLS-Exporter(label, context, length)` (§8.5). Refused once the
    /// member was removed ([`GroupError::Removed`]).
    ///
    /// ```
    /// # use mls_group::*;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let alice = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
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
        self.lifecycle.check_not_removed()?;
        Ok(self
            .epoch
            .secrets
            .export(&self.public.suite, label, context, length)?)
    }

    /// Sets the current time (Unix seconds) for lifetime checks of the
    /// leaves this member validates (unless
    /// [`GroupConfig::lifetimes`] is [`LifetimeCheck::Off`](crate::LifetimeCheck::Off))
    /// and for the policy's credential validation ([`crate::CredentialInput::now`]).
    /// The one source of time is the caller's: it is not persisted, and a
    /// restored group has none until this is called again.
    pub fn set_time(&mut self, now: u64) {
        self.public.set_time(now);
    }

    /// Fails with [`GroupError::TimeRequired`] if `proposals` add a member
    /// while lifetimes must be checked and no time is set (§7.3: a client
    /// checks the lifetime of a leaf it sends).
    pub(crate) fn check_time_for<'p>(
        &self,
        mut proposals: impl Iterator<Item = &'p mls_framing::Proposal>,
    ) -> Result<(), GroupError> {
        let required = self.config.lifetimes == crate::LifetimeCheck::Required;
        if required
            && self.public.lifetime_now().is_none()
            && proposals.any(|p| matches!(p, mls_framing::Proposal::Add(_)))
        {
            return Err(GroupError::TimeRequired);
        }
        Ok(())
    }

    /// Changes the configuration (saved with the state from now on). The
    /// secret tree's window applies from the next epoch.
    pub fn set_config(&mut self, config: GroupConfig) {
        self.public.check_lifetimes = config.lifetimes != crate::LifetimeCheck::Off;
        self.config = config;
    }

    /// Installs the application's policy hook (see [`GroupPolicy`]).
    pub fn set_policy(&mut self, policy: Box<dyn GroupPolicy>) {
        self.public.set_policy(policy);
    }

    /// Adds an external PSK (§8.4) to this group's PSK store.
    pub fn insert_external_psk(&mut self, psk_id: Vec<u8>, psk: Secret) {
        self.psks.insert_external(psk_id, psk);
    }

    /// Adds the resumption PSK of epoch `epoch` of another group (the
    /// source of a ReInit or branch, §11.2, §11.3).
    pub fn insert_resumption_psk(&mut self, group_id: Vec<u8>, epoch: u64, psk: Secret) {
        self.psks.insert_resumption(group_id, epoch, psk);
    }

    /// The PSKs this member holds — external ones, and the resumption PSKs
    /// of this group's current and retained epochs and of the groups it
    /// resumes — as a store for joining a ReInit or branch of it.
    pub fn resumption_psk_store(&self) -> InMemoryPskStore {
        self.psks.clone()
    }

    /// The resumption PSK of `epoch` of this group, if retained.
    pub(crate) fn resumption_psk_at(&self, epoch: u64) -> Option<Secret> {
        self.psks
            .resumption_psk(&self.public.context.group_id, epoch)
    }

    /// A signed GroupInfo for the current epoch (§12.4.3), optionally with
    /// the `ratchet_tree` and `external_pub` extensions (for external joins).
    pub fn group_info(
        &self,
        with_ratchet_tree: bool,
        with_external_pub: bool,
    ) -> Result<GroupInfo, GroupError> {
        self.lifecycle.check_not_removed()?;
        let mut extensions = Vec::new();
        if with_ratchet_tree {
            extensions.push(self.public.ratchet_tree_extension()?);
        }
        if with_external_pub {
            let external_pub = self.epoch.secrets.external_pub(&self.public.suite)?;
            extensions.push(ExternalPub { external_pub }.to_extension()?);
        }
        let mut info = GroupInfo {
            group_context: self.public.context.clone(),
            extensions,
            confirmation_tag: self.public.confirmation_tag.clone(),
            signer: self.own_leaf(),
            signature: Vec::new(),
        };
        info.sign(&self.public.suite, &self.signer)?;
        Ok(info)
    }

    /// A signed GroupInfo for the epoch our pending commit starts, if one
    /// is pending (what the MIMI Delivery Service wants with every commit
    /// so it can publish the new epoch's GroupInfo), optionally with the
    /// `ratchet_tree` (O(N): see [`Group::pending_ratchet_tree`]) and
    /// `external_pub` extensions. Signed by our leaf, which is the same
    /// leaf in the new epoch.
    pub fn pending_group_info(
        &self,
        with_ratchet_tree: bool,
        with_external_pub: bool,
    ) -> Result<Option<GroupInfo>, GroupError> {
        let Some(pending) = self.lifecycle.pending() else {
            return Ok(None);
        };
        let staged = &pending.staged;
        let next = staged
            .next
            .as_ref()
            .ok_or(GroupError::Internal("our pending commit has no next epoch"))?;
        let mut extensions = Vec::new();
        if let (true, Some(tree)) = (with_ratchet_tree, self.pending_ratchet_tree()?) {
            extensions.push(Extension::new(
                mls_types::ExtensionType::RATCHET_TREE,
                tree.to_extension_bytes()?,
            ));
        }
        if with_external_pub {
            let secrets = &next.key_schedule.epoch_secrets;
            let external_pub = secrets.external_pub(&self.public.suite)?;
            extensions.push(ExternalPub { external_pub }.to_extension()?);
        }
        let mut info = GroupInfo {
            group_context: staged.public.context.clone(),
            extensions,
            confirmation_tag: staged.public.confirmation_tag.clone(),
            signer: self.own_leaf(),
            signature: Vec::new(),
        };
        match self.pending_rotation(&staged.public.changes) {
            Some(identity) => {
                info.sign(&self.public.suite, &identity.signer(&self.public.suite)?)?
            }
            None => info.sign(&self.public.suite, &self.signer)?,
        }
        Ok(Some(info))
    }

    /// The identity our pending commit's path rotates us to, if it does:
    /// our leaf in the new epoch carries its key, so the new epoch's
    /// GroupInfo is signed with it.
    fn pending_rotation(&self, changes: &mls_treekem::TreeChanges) -> Option<&ClientIdentity> {
        let leaf = changes.leaf(self.own_leaf())??;
        if leaf.signature_key == *self.identity.signature_key() {
            return None;
        }
        self.rotations.iter().rev().find(|id| {
            *id.signature_key() == leaf.signature_key && *id.credential() == leaf.credential
        })
    }

    /// The ratchet tree of the epoch our pending commit starts, if one is
    /// pending: what a Welcome sent without the tree needs out of band.
    /// O(N): the current tree is copied and the commit's changes applied.
    pub fn pending_ratchet_tree(&self) -> Result<Option<RatchetTree>, GroupError> {
        let Some(pending) = self.lifecycle.pending() else {
            return Ok(None);
        };
        let mut tree = self.public.tree.clone();
        tree.apply_changes(pending.staged.public.changes.clone())?;
        Ok(Some(tree))
    }

    /// The position of `key` in the group's `external_senders` extension
    /// (§12.1.8.1): the `sender_index` of its external proposals.
    pub fn external_sender_index(
        &self,
        key: &mls_crypto::SignaturePublicKey,
    ) -> Result<Option<u32>, GroupError> {
        self.public.external_sender_index(key)
    }

    /// The `external_pub` of a GroupInfo, if it carries one.
    pub fn external_pub_of(info: &GroupInfo) -> Result<Option<ExternalPub>, GroupError> {
        Ok(find_extension::<ExternalPub>(&info.extensions)?)
    }
}

/// What a member holds on entering its first epoch of a group (creating
/// it, joining from a Welcome or by external commit); see
/// [`Group::enter_first_epoch`].
pub(crate) struct FirstEpoch<S: CipherSuiteProvider> {
    pub public: PublicGroup<S>,
    pub config: GroupConfig,
    pub identity: ClientIdentity,
    pub signer: S::SigningKey,
    pub private_keys: TreePrivateKeys,
    pub epoch_secrets: EpochSecrets,
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The group in its first epoch, whose public state is `first.public`
    /// (its transcript hashes and confirmation tag set): derives the secret
    /// tree; nothing pending, no past epochs, only this epoch's
    /// resumption PSK.
    pub(crate) fn enter_first_epoch(first: FirstEpoch<S>) -> Result<Self, GroupError> {
        let FirstEpoch {
            mut public,
            config,
            identity,
            signer,
            private_keys,
            epoch_secrets,
        } = first;
        // A new state: its first save writes every record.
        public.tree.mark_all_changed();
        public.check_lifetimes = config.lifetimes != crate::LifetimeCheck::Off;
        let epoch = EpochState::new(
            &public.suite,
            epoch_secrets,
            public.tree.n_leaves(),
            &config,
        )?;
        let mut psks = InMemoryPskStore::new();
        psks.insert_resumption(
            public.context.group_id.clone(),
            public.context.epoch,
            epoch.secrets.resumption_psk().clone(),
        );
        Ok(Group {
            public,
            config,
            identity,
            signer,
            private_keys,
            epoch,
            own_updates: Vec::new(),
            rotations: Vec::new(),
            past_epochs: PastEpochs::default(),
            psks,
            lifecycle: Lifecycle::Operational,
            taken_group_record: None,
            verifiers: crate::verifiers::VerifierCache::default(),
        })
    }
}
