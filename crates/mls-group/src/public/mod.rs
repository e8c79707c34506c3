//! The public state of a group (RFC 9420 §12.4.2; RFC 9750 §5): the ratchet
//! tree, GroupContext, transcript hashes and proposal store, followed
//! through proposals and commits without any private key or epoch
//! secret. A [`Group`](crate::Group) embeds one and runs the same commit
//! pipeline on it; a Delivery Service holds one per group.

mod apply;
mod import;
mod persist;
pub(crate) mod pipeline;
mod staged;
mod store;
mod validate;

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, SignaturePublicKey};
use mls_framing::{
    signature_key_for, AuthenticatedContentRef, Content, EncodedTbs, GroupInfo, KeyPackage,
    MlsMessage, MlsMessageBody, PublicMessage,
};
use mls_keyschedule::interim_transcript_hash;
use mls_treekem::{LeafNode, RatchetTree};
use mls_types::tree_math::LeafIndex;
use mls_types::{Credential, Extension, ExtensionType, GroupContext};

pub(crate) use apply::{Effects, GroupLeafRules};
pub(crate) use import::check_joiner_supports;
pub use persist::PUBLIC_STATE_VERSION;
pub(crate) use pipeline::{CommitContent, CommitSecrets, Committer, PathLeaf};
pub use staged::PublicStagedCommit;
pub(crate) use store::ProposalStore;
pub use store::StoredProposal;

use crate::policy::Auth;
use crate::{CredentialContext, GroupError, GroupPolicy};

/// What [`PublicGroup::process_message`] saw.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum PublicEvent {
    /// A proposal, stored for this epoch.
    Proposal(StoredProposal),
    /// A commit, applied: the view is in the next epoch.
    Commit {
        /// Members added, with their leaf index.
        added: Vec<(LeafIndex, KeyPackage)>,
        /// Members removed, with their old leaf.
        removed: Vec<(LeafIndex, LeafNode)>,
        /// The committer's leaf (an external joiner's new leaf).
        committer: LeafIndex,
    },
}

/// The checks of a handshake message that need the epoch's secrets, which a
/// [`PublicGroup`] does not hold: everything else it verifies exactly as a
/// member does, with the same code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretCheck {
    /// The `membership_tag` of a member's PublicMessage (§6.2): needs the
    /// epoch's `membership_key`.
    MembershipTag,
    /// A commit's `confirmation_tag` (§6.1, §8.1): needs the new epoch's
    /// `confirmation_key`.
    ConfirmationTag,
}

/// A member of a group, as seen by [`PublicGroup::members`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its leaf index.
    pub index: LeafIndex,
    /// Its credential.
    pub credential: Credential,
    /// Its signature key.
    pub signature_key: SignaturePublicKey,
}

/// How to start following a group from its GroupInfo.
#[derive(Default)]
pub struct PublicGroupOptions {
    /// The tree, if the GroupInfo carries no `ratchet_tree` extension.
    pub ratchet_tree: Option<RatchetTree>,
    /// The policy / authentication service (default
    /// [`DefaultPolicy`](crate::DefaultPolicy)).
    pub policy: Option<Box<dyn GroupPolicy>>,
    /// The current time (Unix seconds) for lifetime checks and the
    /// policy; none without it.
    pub now: Option<u64>,
}

/// The public state of a group: what anyone can verify (signatures,
/// proposal-list validity, tree and parent hashes, credentials through the
/// policy, the transcript) without being a member. It runs the same commit
/// pipeline as a member and reaches the same verdict, except for the
/// checks that need epoch secrets: [`PublicGroup::UNCHECKED`].
///
/// ```
/// # use mls_group::*;
/// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// # let a = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
/// let mut alice = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
/// let info = alice.group_info(true, false).unwrap();
/// let mut ds = PublicGroup::from_group_info(suite, &info, PublicGroupOptions::default()).unwrap();
/// let out = alice.commit(vec![], &CommitOptions::default(), &mut OsRng).unwrap();
/// ds.process_message(&out.commit).unwrap();
/// alice.merge_pending_commit().unwrap();
/// assert_eq!(ds.context(), alice.context());
/// ```
pub struct PublicGroup<S: CipherSuiteProvider> {
    pub(crate) suite: S,
    pub(crate) tree: RatchetTree,
    pub(crate) context: GroupContext,
    pub(crate) interim_transcript_hash: Vec<u8>,
    /// The confirmation tag of the commit that started this epoch (of the
    /// GroupInfo for the first epoch).
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) proposals: ProposalStore,
    pub(crate) policy: Box<dyn GroupPolicy>,
    /// The caller's time for lifetime checks and the policy (never
    /// persisted).
    pub(crate) now: Option<u64>,
    /// The hash of the public record last returned by
    /// [`PublicGroup::take_state_changes`] (or restored from); not state.
    pub(crate) taken_record: Option<Vec<u8>>,
    /// Whether lifetimes are checked at `now` (a member's
    /// [`LifetimeCheck`](crate::LifetimeCheck) may turn them off).
    pub(crate) check_lifetimes: bool,
    /// Whether the tree is kept compact (see
    /// [`PublicGroup::set_compact_tree`]); not state.
    pub(crate) compact_tree: bool,
}

impl<S: CipherSuiteProvider> core::fmt::Debug for PublicGroup<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PublicGroup")
            .field("group_id", &self.context.group_id)
            .field("epoch", &self.context.epoch)
            .field("n_leaves", &self.tree.n_leaves())
            .finish_non_exhaustive()
    }
}

impl<S: CipherSuiteProvider> PublicGroup<S> {
    /// The checks a `PublicGroup` cannot make: they need the epoch's
    /// secrets. A member makes them on top of everything else.
    pub const UNCHECKED: &'static [SecretCheck] =
        &[SecretCheck::MembershipTag, SecretCheck::ConfirmationTag];

    /// Starts following a group from a GroupInfo, with every §12.4.3.1
    /// check that needs no secret, cheapest first: the tree's structure and
    /// hash, the GroupInfo's signature, then every leaf (§7.3 validity and
    /// signatures, parent hashes) and every member's credential through
    /// the policy. A GroupInfo with a bad hash or signature costs one
    /// signature check, not one per member.
    pub fn from_group_info(
        suite: S,
        info: &GroupInfo,
        options: PublicGroupOptions,
    ) -> Result<Self, GroupError> {
        Self::from_group_info_checked(suite, info, options, true, |_, _| Ok(()))
    }

    /// [`from_group_info`](Self::from_group_info) with the caller's own
    /// cheap checks (`cheap`) run on the tree after its hash and the
    /// GroupInfo's signature and before the per-leaf signatures: a joiner
    /// looks for its own leaf and checks the confirmation tag there.
    /// Lifetimes are checked at `options.now` if `check_lifetimes`.
    pub(crate) fn from_group_info_checked(
        suite: S,
        info: &GroupInfo,
        options: PublicGroupOptions,
        check_lifetimes: bool,
        cheap: impl FnOnce(&S, &RatchetTree) -> Result<(), GroupError>,
    ) -> Result<Self, GroupError> {
        let policy = options.policy.unwrap_or_else(crate::policy::default_policy);
        let mut tree = import::import_structure(&suite, info, options.ratchet_tree)?;
        import::verify_group_info_signature(&suite, info, &tree)?;
        cheap(&suite, &tree)?;
        import::validate_members(
            &suite,
            info,
            &mut tree,
            options.now.filter(|_| check_lifetimes),
        )?;
        let auth = Auth {
            policy: policy.as_ref(),
            cipher_suite: info.group_context.cipher_suite,
            now: options.now,
        };
        for (_, leaf) in tree.members() {
            auth.leaf(leaf, CredentialContext::TreeImport)?;
        }
        auth.external_senders(
            &info.group_context.extensions,
            CredentialContext::ExternalSender,
        )?;
        let mut public = Self::from_parts(
            suite,
            tree,
            info.group_context.clone(),
            info.confirmation_tag.clone(),
            policy,
            options.now,
        )?;
        public.check_lifetimes = check_lifetimes;
        Ok(public)
    }

    /// The public state of an epoch entered with `context`, `tree` and the
    /// `confirmation_tag` of the commit (or GroupInfo) that started it.
    pub(crate) fn from_parts(
        suite: S,
        tree: RatchetTree,
        context: GroupContext,
        confirmation_tag: Vec<u8>,
        policy: Box<dyn GroupPolicy>,
        now: Option<u64>,
    ) -> Result<Self, GroupError> {
        let interim_transcript_hash = interim_transcript_hash(
            &suite,
            &context.confirmed_transcript_hash,
            &confirmation_tag,
        )?;
        Ok(PublicGroup {
            suite,
            tree,
            context,
            interim_transcript_hash,
            confirmation_tag,
            proposals: ProposalStore::default(),
            policy,
            now,
            taken_record: None,
            check_lifetimes: true,
            compact_tree: false,
        })
    }

    /// The position of `key` in the group's `external_senders` extension
    /// (§12.1.8.1): the `sender_index` of its external proposals.
    pub fn external_sender_index(
        &self,
        key: &SignaturePublicKey,
    ) -> Result<Option<u32>, GroupError> {
        let senders =
            mls_framing::find_extension::<mls_framing::ExternalSenders>(&self.context.extensions)?;
        Ok(senders.and_then(|s| {
            s.0.iter()
                .position(|e| &e.signature_key == key)
                .and_then(|i| u32::try_from(i).ok())
        }))
    }

    /// Installs the policy / authentication hook.
    pub fn set_policy(&mut self, policy: Box<dyn GroupPolicy>) {
        self.policy = policy;
    }

    /// Sets the time (Unix seconds) for lifetime checks of new leaves and
    /// for the policy's credential validation. Not persisted: a restored
    /// group has none until it is set again.
    pub fn set_time(&mut self, now: u64) {
        self.now = Some(now);
    }

    /// Keeps the tree compact (`on`) or not (the default): each node held
    /// as its encoding only, decoded when read and dropped again after
    /// each commit or message processed — for a view kept in memory for a
    /// long time, such as a Delivery Service's, which reads few nodes per
    /// commit. A decoded leaf takes about 2.5 times its encoding; reading
    /// a node the first time after a commit costs its decoding. Not
    /// persisted. Turning it on compacts the tree now (O(N)).
    pub fn set_compact_tree(&mut self, on: bool) {
        self.compact_tree = on;
        self.settle_tree();
    }

    /// Compacts the tree if it is kept compact: O(N).
    pub(crate) fn settle_tree(&mut self) {
        if self.compact_tree {
            self.tree.compact();
        }
    }

    /// The time lifetimes are checked at, if they are.
    pub(crate) fn lifetime_now(&self) -> Option<u64> {
        self.now.filter(|_| self.check_lifetimes)
    }

    /// The policy, asked at the caller's time in the group's suite.
    pub(crate) fn auth(&self) -> Auth<'_> {
        Auth {
            policy: self.policy.as_ref(),
            cipher_suite: self.context.cipher_suite,
            now: self.now,
        }
    }

    /// The cipher suite provider.
    pub fn suite(&self) -> &S {
        &self.suite
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        &self.context.group_id
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.context.epoch
    }

    /// The GroupContext.
    pub fn context(&self) -> &GroupContext {
        &self.context
    }

    /// The public ratchet tree.
    pub fn tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// The confirmation tag of the commit that started this epoch.
    pub fn confirmation_tag(&self) -> &[u8] {
        &self.confirmation_tag
    }

    /// The proposals received this epoch, in arrival order.
    pub fn proposals(&self) -> &[StoredProposal] {
        self.proposals.entries()
    }

    /// The heap bytes held by each part of the view, measured with `live`
    /// (the bytes currently allocated, from the caller's counting
    /// allocator) around a clone of each part: for benchmarks. The policy
    /// is left out (it cannot be cloned).
    #[doc(hidden)]
    pub fn heap_breakdown(&self, live: &dyn Fn() -> isize) -> Vec<(&'static str, isize)> {
        fn cloned<T: Clone>(live: &dyn Fn() -> isize, t: &T) -> isize {
            let before = live();
            let copy = t.clone();
            let bytes = live().saturating_sub(before);
            drop(copy);
            bytes
        }
        let mut out = self.tree.heap_breakdown(live);
        out.extend([
            ("group context", cloned(live, &self.context)),
            (
                "transcript hash, confirmation tag",
                cloned(live, &self.interim_transcript_hash)
                    .saturating_add(cloned(live, &self.confirmation_tag)),
            ),
            ("proposal store", cloned(live, &self.proposals)),
            ("taken record hash", cloned(live, &self.taken_record)),
        ]);
        out
    }

    /// The members, by leaf index.
    pub fn members(&self) -> Vec<Member> {
        self.tree
            .members()
            .map(|(index, leaf)| Member::of(index, leaf))
            .collect()
    }

    /// The member at `index`, if that leaf is occupied.
    pub fn member(&self, index: LeafIndex) -> Option<Member> {
        self.tree.leaf(index).map(|leaf| Member::of(index, leaf))
    }

    /// Verifies a PublicMessage and follows it: proposals are stored,
    /// commits staged and merged. Everything is checked as a member checks
    /// it but [`PublicGroup::UNCHECKED`]. PrivateMessages cannot be
    /// followed ([`GroupError::UnexpectedWireFormat`]). A failure changes
    /// nothing.
    pub fn process_message(&mut self, msg: &MlsMessage) -> Result<PublicEvent, GroupError> {
        let outcome = self.process_message_inner(msg);
        self.settle_tree();
        outcome
    }

    fn process_message_inner(&mut self, msg: &MlsMessage) -> Result<PublicEvent, GroupError> {
        let pm = public_message(msg)?;
        let tbs = self.verify_public(pm, None)?;
        let ac = pm.authenticated_content_ref();
        if let Content::Proposal(_) = &ac.content.content {
            return Ok(PublicEvent::Proposal(self.store_proposal(ac)?));
        }
        let staged = self.stage(ac, &tbs)?;
        let event = PublicEvent::Commit {
            added: staged.effects.added.clone(),
            removed: staged.effects.removed.clone(),
            committer: staged.committer,
        };
        self.merge_checked(staged)?;
        Ok(event)
    }

    /// Verifies a commit sent as a PublicMessage and stages it without
    /// changing anything: merge it with
    /// [`merge_staged_commit`](Self::merge_staged_commit) (for example once
    /// a Delivery Service has decided it wins the epoch).
    pub fn stage_commit(&mut self, msg: &MlsMessage) -> Result<PublicStagedCommit, GroupError> {
        let pm = public_message(msg)?;
        let staged = self
            .verify_public(pm, None)
            .and_then(|tbs| self.stage(pm.authenticated_content_ref(), &tbs));
        if staged.is_err() {
            // The nodes a refused commit read do not stay decoded.
            self.settle_tree();
        }
        staged
    }

    fn stage(
        &mut self,
        ac: AuthenticatedContentRef<'_>,
        tbs: &EncodedTbs,
    ) -> Result<PublicStagedCommit, GroupError> {
        if !matches!(ac.content.content, Content::Commit(_)) {
            return Err(GroupError::UnexpectedWireFormat);
        }
        let commit = CommitContent {
            content: ac,
            tbs: Some(tbs),
        };
        self.stage_received(commit, &mut pipeline::NoSecrets)
    }

    /// Checks a PublicMessage of this group's current epoch: group id,
    /// epoch, sender rules, the sender's signature and, given the epoch's
    /// `membership_key`, the membership tag (§6.2). Members and the
    /// Delivery Service's view alike. Returns the verified
    /// FramedContentTBS.
    pub(crate) fn verify_public(
        &self,
        pm: &PublicMessage,
        membership_key: Option<&[u8]>,
    ) -> Result<EncodedTbs, GroupError> {
        self.verify_public_cached(pm, membership_key, None)
    }

    /// [`verify_public`](Self::verify_public), a member sender's key
    /// taken from `verifiers` (prepared once per key) if given.
    pub(crate) fn verify_public_cached(
        &self,
        pm: &PublicMessage,
        membership_key: Option<&[u8]>,
        verifiers: Option<&mut crate::verifiers::VerifierCache<S>>,
    ) -> Result<EncodedTbs, GroupError> {
        if pm.content.group_id != self.context.group_id {
            return Err(GroupError::WrongGroupId);
        }
        if pm.content.epoch != self.context.epoch {
            return Err(GroupError::WrongEpoch {
                current: self.context.epoch,
                got: pm.content.epoch,
            });
        }
        let key = signature_key_for(&pm.content, Some(&self.context), |l| self.signature_key(l))?;
        let verifier = match (pm.content.sender, verifiers) {
            (mls_framing::Sender::Member(leaf), Some(cache)) => {
                cache.get(&self.suite, leaf, self.tree.n_leaves(), &key)
            }
            _ => mls_crypto::VerificationKey::Public(&key),
        };
        let tbs = match membership_key {
            Some(k) => pm.verify(&self.suite, Some(k), Some(&self.context), &verifier)?,
            None => {
                pm.verify_without_membership_tag(&self.suite, Some(&self.context), &verifier)?
            }
        };
        Ok(tbs)
    }

    /// Stores a verified proposal of this epoch (§12.1) and returns it.
    pub(crate) fn store_proposal(
        &mut self,
        ac: AuthenticatedContentRef<'_>,
    ) -> Result<StoredProposal, GroupError> {
        let Content::Proposal(p) = &ac.content.content else {
            return Err(GroupError::UnexpectedWireFormat);
        };
        if self.proposals.is_full() {
            return Err(GroupError::TooManyProposals);
        }
        if let mls_framing::Sender::External(index) = ac.content.sender {
            // Its signature verified against the listed key: the listed
            // credential must still be acceptable now.
            let senders = mls_framing::find_extension::<mls_framing::ExternalSenders>(
                &self.context.extensions,
            )?
            .ok_or(GroupError::Internal("external sender verified"))?;
            let sender = usize::try_from(index)
                .ok()
                .and_then(|i| senders.0.get(i))
                .ok_or(GroupError::Internal("external sender verified"))?;
            self.auth().credential(
                &sender.credential,
                &sender.signature_key,
                CredentialContext::ExternalSender,
            )?;
        }
        // Not yet against the GroupContext extensions: a
        // GroupContextExtensions proposal committed with it may change them.
        self.check_proposal_with(p, ac.content.sender, None)?;
        let stored = StoredProposal {
            reference: ac.proposal_ref(&self.suite)?,
            proposal: p.clone(),
            sender: ac.content.sender,
        };
        self.proposals.insert(stored.clone())?;
        Ok(stored)
    }

    /// The checks of `proposal` from `sender` that do not depend on the
    /// commit that will include it (see `apply::check_alone`), an Add's or
    /// Update's leaf also against the current GroupContext extensions:
    /// made before a proposal is sent (a receiver leaves those to the
    /// commit, whose GroupContextExtensions may change them).
    pub(crate) fn check_proposal_alone(
        &self,
        proposal: &mls_framing::Proposal,
        sender: mls_framing::Sender,
    ) -> Result<(), GroupError> {
        self.check_proposal_with(proposal, sender, Some(&self.context.extensions))
    }

    /// [`check_proposal_alone`](Self::check_proposal_alone) with the leaf
    /// checked against `group_extensions` (`None`: not against any).
    pub(crate) fn check_proposal_with(
        &self,
        proposal: &mls_framing::Proposal,
        sender: mls_framing::Sender,
        group_extensions: Option<&[Extension]>,
    ) -> Result<(), GroupError> {
        let env = apply::ApplyEnv {
            suite: &self.suite,
            context: &self.context,
            now: self.now,
            lifetime_now: self.lifetime_now(),
            policy: self.policy.as_ref(),
            new_group: self.context.epoch == 0,
        };
        apply::check_alone(&env, &self.tree, proposal, sender, group_extensions)
    }

    /// The `ratchet_tree` extension of the current tree (§12.4.3.3).
    pub(crate) fn ratchet_tree_extension(&self) -> Result<Extension, GroupError> {
        Ok(Extension::new(
            ExtensionType::RATCHET_TREE,
            self.tree.to_extension_bytes()?,
        ))
    }

    /// The signature key of the member at `leaf`, if any.
    pub(crate) fn signature_key(&self, leaf: LeafIndex) -> Option<SignaturePublicKey> {
        self.tree.leaf(leaf).map(|n| n.signature_key.clone())
    }
}

impl Member {
    fn of(index: LeafIndex, leaf: &LeafNode) -> Self {
        Member {
            index,
            credential: leaf.credential.clone(),
            signature_key: leaf.signature_key.clone(),
        }
    }
}

fn public_message(msg: &MlsMessage) -> Result<&PublicMessage, GroupError> {
    match &msg.body {
        MlsMessageBody::PublicMessage(pm) => Ok(pm),
        _ => Err(GroupError::UnexpectedWireFormat),
    }
}
