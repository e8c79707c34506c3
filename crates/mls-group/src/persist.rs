//! Saving and restoring a member's whole group state as versioned bytes.

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{
    CipherSuite, CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret, SignatureKeyPair,
    SignaturePrivateKey, SignaturePublicKey,
};
use mls_framing::{Proposal, ProposalRef, ReInit, Sender};
use mls_keyschedule::{EpochSecrets, GroupContext, SecretTree};
use mls_treekem::tree_math::{LeafIndex, NodeIndex};
use mls_treekem::{Credential, RatchetTree, TreePrivateKeys};

use crate::group::PastEpoch;
use crate::persist_pending::PendingState;
use crate::proposals::{ProposalStore, StoredProposal};
use crate::{ClientIdentity, Group, GroupConfig, GroupError, GroupPolicy};

/// The version tag of the state encoding. (Version 1, which stored every
/// member's signature key per past epoch and no pending commit, and
/// version 2, which stored a pending commit's tree operations instead of
/// its tree changes, were never released and are not read.)
pub const STATE_VERSION: u16 = 3;

#[derive(Encode, Decode)]
struct NodeKey {
    node: u32,
    public: HpkePublicKey,
    private: HpkePrivateKey,
}

#[derive(Encode, Decode)]
struct ProposalState {
    reference: ProposalRef,
    proposal: Proposal,
    sender: Sender,
}

#[derive(Encode, Decode)]
struct LeafKey {
    public: HpkePublicKey,
    private: HpkePrivateKey,
}

/// A retained past epoch: its signature keys are stored as in memory, only
/// those its ending commit changed (O(changes), not O(members)).
#[derive(Encode, Decode)]
struct PastEpochState {
    context: GroupContext,
    secret_tree: Vec<u8>,
    sender_data_secret: Vec<u8>,
    n_leaves: u32,
    changed_keys: Vec<ChangedKey>,
}

#[derive(Encode, Decode)]
struct ChangedKey {
    leaf: u32,
    key: Option<SignaturePublicKey>,
}

#[derive(Encode, Decode)]
struct EpochPsk {
    epoch: u64,
    psk: Vec<u8>,
}

#[derive(Encode, Decode)]
struct ExternalPsk {
    id: Vec<u8>,
    psk: Vec<u8>,
}

#[derive(Encode, Decode)]
struct ForeignPsk {
    group_id: Vec<u8>,
    epoch: u64,
    psk: Vec<u8>,
}

#[derive(Encode, Decode)]
struct GroupState {
    version: u16,
    cipher_suite: CipherSuite,
    credential: Credential,
    signature_public: SignaturePublicKey,
    signature_private: SignaturePrivateKey,
    tree: Vec<u8>,
    own_leaf: u32,
    private_keys: Vec<NodeKey>,
    context: GroupContext,
    interim_transcript_hash: Vec<u8>,
    confirmation_tag: Vec<u8>,
    epoch_secrets: Vec<u8>,
    secret_tree: Vec<u8>,
    proposals: Vec<ProposalState>,
    own_leaf_keys: Vec<LeafKey>,
    past_epochs: Vec<PastEpochState>,
    resumption_psks: Vec<EpochPsk>,
    external_psks: Vec<ExternalPsk>,
    foreign_psks: Vec<ForeignPsk>,
    reinit: Option<ReInit>,
    removed: u8,
    now: Option<u64>,
}

/// Everything saved: the group state (starting with its version) and our
/// pending commit, if any.
#[derive(Encode, Decode)]
struct SavedGroup {
    state: GroupState,
    pending: Option<PendingState>,
}

fn bad(_: impl core::fmt::Debug) -> GroupError {
    GroupError::InvalidState("malformed state")
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The whole state — tree, private keys, secrets, secret trees of the
    /// current and retained epochs, proposal store, PSKs — as versioned
    /// bytes. The bytes are secret: store them encrypted. A pending commit
    /// is saved too, so that a restored client can still merge it once the
    /// Delivery Service confirms it, or drop it. The configuration and
    /// policy are given again on restore.
    ///
    /// ```
    /// # use mls_crypto::{CipherSuite, CryptoProvider, OsRng, RustCrypto};
    /// # use mls_group::*;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let a = ClientIdentity::generate(&suite, mls_treekem::Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// let group = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
    /// let bytes = group.to_state_bytes().unwrap();
    /// let back = Group::from_state_bytes(suite, &bytes, GroupConfig::default(), None).unwrap();
    /// assert_eq!(back.to_state_bytes().unwrap(), bytes);
    /// assert_eq!(back.epoch_authenticator(), group.epoch_authenticator());
    /// ```
    pub fn to_state_bytes(&self) -> Result<Vec<u8>, GroupError> {
        let mut nodes: Vec<NodeIndex> = self.private_keys.nodes().collect();
        nodes.sort();
        let private_keys = nodes
            .into_iter()
            .filter_map(|x| {
                let public = self.tree.node(x)?.encryption_key().clone();
                let private = self.private_keys.private_key(&self.tree, x)?.clone();
                Some(NodeKey {
                    node: x.0,
                    public,
                    private,
                })
            })
            .collect();
        let mut past_epochs = Vec::with_capacity(self.past_epochs.len());
        for p in &self.past_epochs {
            past_epochs.push(PastEpochState {
                context: p.context.clone(),
                secret_tree: p.secret_tree.to_state_bytes()?,
                sender_data_secret: p.sender_data_secret.as_bytes().to_vec(),
                n_leaves: p.n_leaves,
                changed_keys: p
                    .changed_keys
                    .iter()
                    .map(|(leaf, key)| ChangedKey {
                        leaf: *leaf,
                        key: key.clone(),
                    })
                    .collect(),
            });
        }
        let state = GroupState {
            version: STATE_VERSION,
            cipher_suite: self.suite.cipher_suite(),
            credential: self.identity.credential().clone(),
            signature_public: self.identity.signature_key().clone(),
            signature_private: self.identity.signature_private_key().clone(),
            tree: self.tree.to_extension_bytes()?,
            own_leaf: self.own_leaf().0,
            private_keys,
            context: self.context.clone(),
            interim_transcript_hash: self.interim_transcript_hash.clone(),
            confirmation_tag: self.confirmation_tag.clone(),
            epoch_secrets: self.epoch_secrets.to_state_bytes()?,
            secret_tree: self.secret_tree.to_state_bytes()?,
            proposals: self
                .proposals
                .entries
                .iter()
                .map(|p| ProposalState {
                    reference: p.reference.clone(),
                    proposal: p.proposal.clone(),
                    sender: p.sender,
                })
                .collect(),
            own_leaf_keys: self
                .proposals
                .own_leaf_keys
                .iter()
                .map(|(public, private)| LeafKey {
                    public: public.clone(),
                    private: private.clone(),
                })
                .collect(),
            past_epochs,
            resumption_psks: self
                .resumption_psks
                .iter()
                .map(|(epoch, psk)| EpochPsk {
                    epoch: *epoch,
                    psk: psk.as_bytes().to_vec(),
                })
                .collect(),
            external_psks: self
                .external_psks
                .iter()
                .map(|(id, psk)| ExternalPsk {
                    id: id.clone(),
                    psk: psk.as_bytes().to_vec(),
                })
                .collect(),
            foreign_psks: self
                .foreign_resumption_psks
                .iter()
                .map(|((group_id, epoch), psk)| ForeignPsk {
                    group_id: group_id.clone(),
                    epoch: *epoch,
                    psk: psk.as_bytes().to_vec(),
                })
                .collect(),
            reinit: self.reinit.clone(),
            removed: u8::from(self.removed),
            now: self.now,
        };
        let pending = match &self.pending_commit {
            Some(p) => Some(PendingState::from_pending(p)?),
            None => None,
        };
        Ok(SavedGroup { state, pending }.to_bytes()?)
    }

    /// Restores a state saved with [`Group::to_state_bytes`], for `suite`
    /// (which must be the saved group's), with `config` and `policy`.
    pub fn from_state_bytes(
        suite: S,
        bytes: &[u8],
        config: GroupConfig,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        let version = match bytes {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => return Err(GroupError::InvalidState("truncated")),
        };
        if version != STATE_VERSION {
            return Err(GroupError::InvalidState("unknown state version"));
        }
        let SavedGroup { state: s, pending } = decode_exact(bytes).map_err(bad)?;
        let pending_commit = match pending {
            Some(p) => Some(p.into_pending(&suite)?),
            None => None,
        };
        if s.cipher_suite != suite.cipher_suite() || s.context.cipher_suite != s.cipher_suite {
            return Err(GroupError::UnsupportedCipherSuite(s.cipher_suite.0));
        }
        let tree = RatchetTree::from_extension_bytes(&s.tree).map_err(bad)?;
        let own = LeafIndex(s.own_leaf);
        let mut private_keys = match s.private_keys.iter().find(|k| k.node == own.node().0) {
            Some(k) => TreePrivateKeys::new(own, k.public.clone(), k.private.clone()),
            None => {
                TreePrivateKeys::new(own, HpkePublicKey(Vec::new()), HpkePrivateKey(Vec::new()))
            }
        };
        for k in s.private_keys {
            if k.node != own.node().0 {
                private_keys.insert(NodeIndex(k.node), k.public, k.private);
            }
        }
        let mut past_epochs = alloc::collections::VecDeque::new();
        for p in s.past_epochs {
            past_epochs.push_back(PastEpoch {
                context: p.context,
                secret_tree: SecretTree::from_state_bytes(&p.secret_tree).map_err(bad)?,
                sender_data_secret: Secret::from(p.sender_data_secret),
                n_leaves: p.n_leaves,
                changed_keys: p
                    .changed_keys
                    .into_iter()
                    .map(|c| (c.leaf, c.key))
                    .collect(),
            });
        }
        let identity = ClientIdentity::new(
            s.credential,
            SignatureKeyPair {
                private: s.signature_private,
                public: s.signature_public,
            },
        );
        let signer = identity.signer(&suite)?;
        Ok(Group {
            suite,
            config,
            identity,
            signer,
            tree,
            private_keys,
            context: s.context,
            interim_transcript_hash: s.interim_transcript_hash,
            confirmation_tag: s.confirmation_tag,
            epoch_secrets: EpochSecrets::from_state_bytes(&s.epoch_secrets).map_err(bad)?,
            secret_tree: SecretTree::from_state_bytes(&s.secret_tree).map_err(bad)?,
            proposals: ProposalStore {
                entries: s
                    .proposals
                    .into_iter()
                    .map(|p| StoredProposal {
                        reference: p.reference,
                        proposal: p.proposal,
                        sender: p.sender,
                    })
                    .collect(),
                own_leaf_keys: s
                    .own_leaf_keys
                    .into_iter()
                    .map(|k| (k.public, k.private))
                    .collect(),
            },
            past_epochs,
            resumption_psks: s
                .resumption_psks
                .into_iter()
                .map(|p| (p.epoch, Secret::from(p.psk)))
                .collect(),
            external_psks: s
                .external_psks
                .into_iter()
                .map(|p| (p.id, Secret::from(p.psk)))
                .collect(),
            foreign_resumption_psks: s
                .foreign_psks
                .into_iter()
                .map(|p| ((p.group_id, p.epoch), Secret::from(p.psk)))
                .collect(),
            pending_commit,
            reinit: s.reinit,
            removed: s.removed != 0,
            now: s.now,
            policy: policy.unwrap_or_else(Self::default_policy),
        })
    }
}
