//! Creating a commit (RFC 9420 §12.4.1) and its Welcome (§12.4.3), through
//! the one commit pipeline of the embedded public group.

use alloc::boxed::Box;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, Rng, SignaturePublicKey};
use mls_framing::{
    Commit, Content, GroupInfo, GroupSecrets, MlsMessage, PathSecret, Proposal, ProposalOrRef,
    ProposalRef, Sender, Welcome,
};
use mls_keyschedule::{
    interim_transcript_hash, InMemoryPskStore, KeyScheduleOutput, PreSharedKeyID, PskSecret,
};
use mls_treekem::{TreePrivateKeys, UpdatePath, UpdatePathSecrets};
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

use crate::epoch::{next_epoch_secrets, psk_secret, EpochState};
use crate::lifecycle::{Lifecycle, PendingCommit};
use crate::public::{CommitContent, Committer, Effects, PublicGroup};
use crate::send::{handshake_wire_format, protect, sign_as_member};
use crate::staged::{CommitOrigin, NextEpoch, StagedCommit};
use crate::{ClientIdentity, Group, GroupConfig, GroupError, HandshakeFormat};

/// How to build a commit.
///
/// ```
/// use mls_group::{CommitOptions, HandshakeFormat};
/// let options = CommitOptions { force_path: true, wire_format: Some(HandshakeFormat::Private), ..CommitOptions::default() };
/// assert!(options.include_stored_proposals);
/// ```
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// Include an UpdatePath even if no proposal requires one.
    pub force_path: bool,
    /// Commit (by reference) every proposal received this epoch, except
    /// our own Updates (§12.2 forbids them).
    pub include_stored_proposals: bool,
    /// Instead: commit exactly these stored proposals by reference (in
    /// this order); `include_stored_proposals` is then not looked at.
    pub stored_proposals: Option<Vec<ProposalRef>>,
    /// Rotate our credential and/or signature key (§5.3.1, RFC 9750
    /// §6.5): the commit's path leaf carries this identity instead of
    /// ours (a path is then always included). The commit itself is
    /// signed with our current key; once it is merged, the group signs
    /// with the new one. Receivers accept it only as a valid successor of
    /// our credential ([`crate::GroupPolicy::valid_successor`]).
    pub new_identity: Option<ClientIdentity>,
    /// Override [`crate::GroupConfig::handshake_format`] for this commit.
    pub wire_format: Option<HandshakeFormat>,
    /// Override [`crate::GroupConfig::ratchet_tree_in_welcome`].
    pub ratchet_tree_in_welcome: Option<bool>,
    /// The commit's `authenticated_data`.
    pub authenticated_data: Vec<u8>,
}

impl Default for CommitOptions {
    fn default() -> Self {
        CommitOptions {
            force_path: false,
            include_stored_proposals: true,
            stored_proposals: None,
            new_identity: None,
            wire_format: None,
            ratchet_tree_in_welcome: None,
            authenticated_data: Vec::new(),
        }
    }
}

/// What [`Group::commit`] returns. The commit is also kept as the group's
/// pending commit until [`Group::merge_pending_commit`] or
/// [`Group::clear_pending_commit`].
#[derive(Debug, Clone)]
pub struct CommitOutput {
    /// The commit, to send to the group.
    pub commit: MlsMessage,
    /// The Welcome for the added members, if any.
    pub welcome: Option<MlsMessage>,
    /// The signed GroupInfo of the new epoch (the one inside the Welcome).
    pub group_info: Option<GroupInfo>,
    /// The stored proposals the commit left out, because the list rules
    /// of §12.2 allow only one of them (see [`Group::commit`]).
    pub left_out: Vec<ProposalRef>,
}

/// The member's parts a commit needs besides the public group.
struct Committing<'a, S: CipherSuiteProvider> {
    me: LeafIndex,
    signer: &'a S::SigningKey,
    /// The identity of our path leaf and the key that signs it, if it
    /// rotates ours.
    rotation: Option<(&'a ClientIdentity, &'a S::SigningKey)>,
    private_keys: &'a TreePrivateKeys,
    epoch: &'a mut EpochState,
    psks: &'a InMemoryPskStore,
    config: &'a GroupConfig,
}

/// A commit built inside the tree's journal.
struct Built {
    output: CommitOutput,
    fx: Effects,
    context: GroupContext,
    interim_transcript_hash: Vec<u8>,
    confirmation_tag: Vec<u8>,
    next: NextEpoch,
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Our pending commit, if any.
    pub fn pending_commit(&self) -> Option<&PendingCommit> {
        self.lifecycle.pending()
    }

    /// Creates a commit of `proposals` (by value) plus, if
    /// `options.include_stored_proposals`, the proposals received this
    /// epoch (by reference) that the list rules allow together with them;
    /// the others are reported in [`CommitOutput::left_out`]. The path is
    /// included when required (§12.4) or forced. Nothing changes until
    /// [`Group::merge_pending_commit`].
    pub fn commit(
        &mut self,
        proposals: Vec<Proposal>,
        options: &CommitOptions,
        rng: &mut dyn Rng,
    ) -> Result<CommitOutput, GroupError> {
        self.lifecycle.check_active()?;
        if self.lifecycle.pending().is_some() {
            return Err(GroupError::CommitPending);
        }
        let (mut refs, left_out) = match &options.stored_proposals {
            Some(chosen) => (
                chosen
                    .iter()
                    .cloned()
                    .map(ProposalOrRef::Reference)
                    .collect(),
                Vec::new(),
            ),
            None if options.include_stored_proposals => self.stored_proposals_to_commit(&proposals),
            None => (Vec::new(), Vec::new()),
        };
        refs.extend(proposals.into_iter().map(ProposalOrRef::Proposal));
        self.check_time_for(refs.iter().filter_map(|r| match r {
            ProposalOrRef::Proposal(p) => Some(p),
            ProposalOrRef::Reference(r) => self.public.proposals.get(r).map(|s| &s.proposal),
        }))?;
        let token = self.staging_token()?;
        let me = self.own_leaf();
        let new_signer = match &options.new_identity {
            Some(id) => Some(id.signer(&self.public.suite)?),
            None => None,
        };
        let rotation = options.new_identity.as_ref().zip(new_signer.as_ref());
        let mut parts = Committing {
            me,
            signer: &self.signer,
            rotation,
            private_keys: &self.private_keys,
            epoch: &mut self.epoch,
            psks: &self.psks,
            config: &self.config,
        };
        let from_epoch = self.public.context.epoch;
        let (mut built, changes) = self
            .public
            .staging(|g| build_commit(g, &mut parts, refs, options, rng))?;
        built.output.left_out = left_out;
        let staged = StagedCommit {
            public: crate::public::PublicStagedCommit {
                changes,
                from_epoch,
                context: built.context,
                interim_transcript_hash: built.interim_transcript_hash,
                confirmation_tag: built.confirmation_tag,
                committer: me,
                external: false,
                effects: built.fx,
            },
            origin: CommitOrigin::Own,
            next: Some(built.next),
            token,
        };
        self.lifecycle = Lifecycle::PendingCommit(Box::new(PendingCommit {
            staged,
            message: built.output.commit.clone(),
        }));
        if let Some(identity) = &options.new_identity {
            self.rotations.push(identity.clone());
        }
        Ok(built.output)
    }

    /// The stored proposals a commit can include, and those it leaves
    /// out. Each stored proposal was valid on its own when it was stored;
    /// these are the list rules (§12.2 and its SHOULDs): not our own
    /// Updates nor our removal; for a leaf, a Remove wins over Updates and
    /// the most recent Update over older ones; one Remove per leaf; one
    /// Add per client, none of a client that stays in the group; one
    /// proposal per PSK; the most recent GroupContextExtensions unless one
    /// is given by value; a ReInit only if nothing else is committed; an
    /// Add or Update only if its leaf meets the GroupContext extensions
    /// the commit leaves the group with (they were stored without that
    /// check, §12.3). O(n log n) in the stored proposals.
    fn stored_proposals_to_commit(
        &self,
        by_value: &[Proposal],
    ) -> (Vec<ProposalOrRef>, Vec<ProposalRef>) {
        let me = self.own_leaf();
        let stored = self.public.proposals.entries();
        let removed: BTreeSet<u32> = stored
            .iter()
            .map(|e| &e.proposal)
            .chain(by_value.iter())
            .filter_map(|p| match p {
                Proposal::Remove(r) => Some(r.removed),
                _ => None,
            })
            .collect();
        let mut seen = Seen::of(by_value);
        let mut chosen = Vec::new();
        let mut left_out = Vec::new();
        for e in stored.iter().rev() {
            let keep = match (&e.proposal, e.sender) {
                (Proposal::Update(_), Sender::Member(l)) => {
                    l != me && !removed.contains(&l.0) && seen.update.insert(l.0)
                }
                (Proposal::Remove(r), _) => r.removed != me.0 && seen.remove.insert(r.removed),
                (Proposal::Add(add), _) => {
                    let key = &add.key_package.leaf_node.signature_key;
                    let stays = self
                        .public
                        .tree
                        .leaf_with_signature_key(&key.0)
                        .is_some_and(|l| !removed.contains(&l.0));
                    !stays && seen.add.insert(key.clone())
                }
                (Proposal::PreSharedKey(p), _) => seen.psk.insert(p.psk.clone()),
                (Proposal::GroupContextExtensions(_), _) => {
                    !core::mem::replace(&mut seen.gce, true)
                }
                _ => true,
            };
            if keep {
                chosen.push(e);
            } else {
                left_out.push(e.reference.clone());
            }
        }
        chosen.reverse();
        left_out.reverse();
        // Stored Adds and Updates were not checked against the GroupContext
        // extensions (a GroupContextExtensions proposal may change them):
        // those that do not meet the extensions this commit leaves the
        // group with are left out.
        let extensions = by_value
            .iter()
            .chain(chosen.iter().map(|e| &e.proposal))
            .find_map(|p| match p {
                Proposal::GroupContextExtensions(gce) => Some(gce.extensions.as_slice()),
                _ => None,
            })
            .unwrap_or(&self.public.context.extensions);
        let rules = crate::public::GroupLeafRules::new(extensions);
        let (chosen, unfit): (Vec<_>, Vec<_>) =
            chosen.into_iter().partition(|e| rules.admit(&e.proposal));
        left_out.extend(unfit.into_iter().map(|e| e.reference.clone()));
        let others = chosen
            .iter()
            .filter(|e| !matches!(e.proposal, Proposal::ReInit(_)))
            .count()
            + by_value.len();
        let mut refs = Vec::with_capacity(chosen.len());
        for e in chosen {
            if others > 0 && matches!(e.proposal, Proposal::ReInit(_)) {
                left_out.push(e.reference.clone());
            } else {
                refs.push(ProposalOrRef::Reference(e.reference.clone()));
            }
        }
        (refs, left_out)
    }
}

/// What a commit already holds, for [`Group::stored_proposals_to_commit`].
#[derive(Default)]
struct Seen {
    update: BTreeSet<u32>,
    remove: BTreeSet<u32>,
    add: BTreeSet<SignaturePublicKey>,
    psk: BTreeSet<PreSharedKeyID>,
    gce: bool,
}

impl Seen {
    /// What the proposals given by value take.
    fn of(by_value: &[Proposal]) -> Self {
        let mut seen = Seen::default();
        for p in by_value {
            match p {
                Proposal::Add(add) => {
                    seen.add
                        .insert(add.key_package.leaf_node.signature_key.clone());
                }
                Proposal::PreSharedKey(p) => {
                    seen.psk.insert(p.psk.clone());
                }
                Proposal::GroupContextExtensions(_) => seen.gce = true,
                _ => {}
            }
        }
        seen
    }
}

/// The commit of `refs` (§12.4.1), built on `g` inside its tree journal:
/// the pipeline applies the proposals, then our path (if any) is created
/// over the new tree, the content signed, the next epoch derived and the
/// Welcome sealed.
fn build_commit<S: CipherSuiteProvider>(
    g: &mut PublicGroup<S>,
    m: &mut Committing<'_, S>,
    refs: Vec<ProposalOrRef>,
    options: &CommitOptions,
    rng: &mut dyn Rng,
) -> Result<Built, GroupError> {
    let applied = g.apply_commit(Committer::Member(m.me), &refs)?;
    let fx = applied.fx;
    let with_path = fx.path_required || options.force_path || m.rotation.is_some();
    let (path, secrets, provisional) = if with_path {
        let (path, secrets, provisional) = our_path(g, m, &fx, rng)?;
        (Some(path), Some(secrets), provisional)
    } else {
        (None, None, g.provisional_context(&fx)?)
    };
    let private_keys = match &secrets {
        Some(s) => s.private_keys.clone(),
        None => {
            let mut k = m.private_keys.clone();
            k.prune(&g.tree);
            k
        }
    };
    let wire_format =
        handshake_wire_format(options.wire_format.unwrap_or(m.config.handshake_format));
    let commit = Commit {
        proposals: refs,
        path,
    };
    // The signed TBS is reused for the transcript hash and the
    // membership tag: a large commit is encoded once.
    let (mut ac, tbs) = sign_as_member(
        &g.suite,
        m.signer,
        &g.context,
        m.me,
        wire_format,
        Content::Commit(commit),
        options.authenticated_data.clone(),
    )?;
    let context = g.next_context(
        provisional,
        &CommitContent {
            content: ac.view(),
            tbs: Some(&tbs),
        },
    )?;
    let psk = psk_secret(&g.suite, &fx.psks, |id| {
        mls_keyschedule::PskStore::psk(m.psks, id)
    })?;
    let (key_schedule, tag) = next_epoch_secrets(
        &g.suite,
        m.epoch.secrets.init_secret(),
        secrets.as_ref().map(|s| &s.commit_secret),
        &context,
        &psk,
    )?;
    ac.set_confirmation_tag(tag.clone())?;
    let interim = interim_transcript_hash(&g.suite, &context.confirmed_transcript_hash, &tag)?;
    let (welcome, group_info) = if fx.added.is_empty() {
        (None, None)
    } else {
        let with_tree = options
            .ratchet_tree_in_welcome
            .unwrap_or(m.config.ratchet_tree_in_welcome);
        let welcome = NewEpoch {
            context: &context,
            tag: &tag,
            key_schedule: &key_schedule,
            psk: &psk,
            secrets: secrets.as_ref(),
        };
        let (w, i) = welcome.seal(g, m, &fx, with_tree, rng)?;
        (Some(w), Some(i))
    };
    let message = protect(
        &g.suite,
        &g.context,
        m.epoch,
        m.config.padding,
        (ac, Some(tbs)),
        rng,
    )?;
    Ok(Built {
        output: CommitOutput {
            commit: message,
            welcome,
            group_info,
            left_out: Vec::new(),
        },
        fx,
        context,
        interim_transcript_hash: interim,
        confirmation_tag: tag,
        next: NextEpoch {
            key_schedule,
            private_keys,
        },
    })
}

/// Our UpdatePath over the tree the proposals made (§7.4, §12.4.1):
/// new keys along our direct path, encrypted to the rest of the group
/// under the provisional GroupContext.
fn our_path<S: CipherSuiteProvider>(
    g: &mut PublicGroup<S>,
    m: &Committing<'_, S>,
    fx: &Effects,
    rng: &mut dyn Rng,
) -> Result<(UpdatePath, UpdatePathSecrets, GroupContext), GroupError> {
    let old = g
        .tree
        .leaf(m.me)
        .cloned()
        .ok_or(GroupError::GroupInactive)?;
    let mut leaf = old.clone();
    let signer = match m.rotation {
        Some((identity, signer)) => {
            leaf.credential = identity.credential().clone();
            leaf.signature_key = identity.signature_key().clone();
            signer
        }
        None => m.signer,
    };
    // What receivers will check of the path leaf (admit_committer): the
    // policy at the current time, as the successor of our leaf.
    g.auth()
        .successor(&old.credential, &leaf, crate::CredentialContext::CommitPath)?;
    let group_id = g.context.group_id.clone();
    let pending = g
        .tree
        .prepare_update_path(&g.suite, m.me, leaf, signer, &group_id, rng)?;
    let provisional = g.provisional_context(fx)?;
    let (path, secrets) = pending.encrypt(
        &g.suite,
        &g.tree,
        &provisional.to_bytes()?,
        &fx.new_members(),
        rng,
    )?;
    Ok((path, secrets, provisional))
}

/// What the Welcome of a commit carries about the new epoch (§12.4.3).
struct NewEpoch<'a> {
    context: &'a GroupContext,
    tag: &'a [u8],
    key_schedule: &'a KeyScheduleOutput,
    psk: &'a PskSecret,
    secrets: Option<&'a UpdatePathSecrets>,
}

impl NewEpoch<'_> {
    /// The signed GroupInfo of the new epoch, and the Welcome that gives
    /// it with each joiner's GroupSecrets to the members `fx` adds.
    fn seal<S: CipherSuiteProvider>(
        &self,
        g: &PublicGroup<S>,
        m: &Committing<'_, S>,
        fx: &Effects,
        with_tree: bool,
        rng: &mut dyn Rng,
    ) -> Result<(MlsMessage, GroupInfo), GroupError> {
        let mut extensions = Vec::new();
        if with_tree {
            extensions.push(g.ratchet_tree_extension()?);
        }
        let mut info = GroupInfo {
            group_context: self.context.clone(),
            extensions,
            confirmation_tag: self.tag.to_vec(),
            signer: m.me,
            signature: Vec::new(),
        };
        // Signed by our leaf in the new epoch: with the new key if the
        // commit rotates it. Encoded once (with the tree), signed, and
        // encrypted in place.
        let signer = m.rotation.map_or(m.signer, |(_, s)| s);
        let encoded_info = info.sign_encoded(&g.suite, signer)?;
        let joiner_secret = &self.key_schedule.joiner_secret;
        let group_secrets: Vec<GroupSecrets> =
            fx.added
                .iter()
                .map(|(leaf, _)| GroupSecrets {
                    joiner_secret: joiner_secret.as_bytes().to_vec(),
                    path_secret: self.secrets.and_then(|s| s.path_secret_for(*leaf)).map(
                        |(_, p)| PathSecret {
                            path_secret: p.as_bytes().to_vec(),
                        },
                    ),
                    psks: fx.psks.clone(),
                })
                .collect();
        let welcome = Welcome::seal_encoded(
            &g.suite,
            encoded_info,
            joiner_secret,
            self.psk,
            fx.added.iter().map(|(_, kp)| kp).zip(group_secrets.iter()),
            rng,
        )?;
        let welcome = MlsMessage::from(welcome);
        // A receiver refuses a larger message: so does the sender (with
        // the tree out of band, it may fit).
        mls_framing::DecodeLimits::DEFAULT.check_message_size(welcome.encoded_len())?;
        Ok((welcome, info))
    }
}
