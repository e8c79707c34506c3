//! The group record: a member's whole state but the public ratchet tree's
//! nodes (which are saved as the whole tree or one record per node), as
//! versioned bytes. It holds nothing that grows with the group: private
//! keys of one direct path, secrets, the secret trees' used ratchets,
//! proposals, and past epochs saved as the keys their commit changed.

use alloc::boxed::Box;
use alloc::vec::Vec;
use mls_codec::{decode_exact, Decode, Encode};
use mls_crypto::{
    CipherSuite, CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret, SignatureKeyPair,
    SignaturePrivateKey, SignaturePublicKey,
};
use mls_framing::{Proposal, ProposalRef, ReInit, Sender};
use mls_keyschedule::{EpochSecrets, SecretTree};
use mls_treekem::{RatchetTree, TreePrivateKeys};
use mls_types::tree_math::{LeafIndex, NodeIndex};
use mls_types::Credential;
use mls_types::GroupContext;

use crate::group::PastEpoch;
use crate::persist::STATE_VERSION;
use crate::persist_pending::PendingState;
use crate::proposals::{ProposalStore, StoredProposal};
use crate::{ClientIdentity, Group, GroupConfig, GroupError, GroupPolicy};

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

/// Everything but the tree's nodes, starting with the version; the tree's
/// size and number of non-blank nodes, to check the nodes against; our
/// pending commit, if any.
#[derive(Encode, Decode)]
pub(crate) struct GroupRecord {
    version: u16,
    pub(crate) cipher_suite: CipherSuite,
    credential: Credential,
    signature_public: SignaturePublicKey,
    signature_private: SignaturePrivateKey,
    pub(crate) n_leaves: u32,
    pub(crate) n_nodes: u32,
    own_leaf: u32,
    private_keys: Vec<NodeKey>,
    pub(crate) context: GroupContext,
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
    pending: Option<PendingState>,
}

pub(crate) fn bad(_: impl core::fmt::Debug) -> GroupError {
    GroupError::InvalidState("malformed state")
}

/// The version in the first two bytes of `bytes`, if it is ours.
pub(crate) fn check_version(bytes: &[u8]) -> Result<(), GroupError> {
    let version = match bytes {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => return Err(GroupError::InvalidState("truncated")),
    };
    if version != STATE_VERSION {
        return Err(GroupError::UnknownStateVersion(version));
    }
    Ok(())
}

impl GroupRecord {
    /// Decodes a group record on its own.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, GroupError> {
        check_version(bytes)?;
        decode_exact(bytes).map_err(bad)
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The group record of the current state.
    pub(crate) fn group_record(&self) -> Result<GroupRecord, GroupError> {
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
        let pending = match &self.pending_commit {
            Some(p) => Some(PendingState::from_pending(p)?),
            None => None,
        };
        Ok(GroupRecord {
            version: STATE_VERSION,
            cipher_suite: self.suite.cipher_suite(),
            credential: self.identity.credential().clone(),
            signature_public: self.identity.signature_key().clone(),
            signature_private: self.identity.signature_private_key().clone(),
            n_leaves: self.tree.n_leaves(),
            n_nodes: self.tree.non_blank_count(),
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
            pending,
        })
    }

    /// Fails unless `suite` is the record's cipher suite.
    pub(crate) fn check_suite(suite: &S, s: &GroupRecord) -> Result<(), GroupError> {
        if s.cipher_suite != suite.cipher_suite() || s.context.cipher_suite != s.cipher_suite {
            return Err(GroupError::UnsupportedCipherSuite(s.cipher_suite.0));
        }
        Ok(())
    }

    /// The group of a group record and its `tree`, which must have the
    /// record's size and number of nodes.
    pub(crate) fn from_group_record(
        suite: S,
        s: GroupRecord,
        tree: RatchetTree,
        config: GroupConfig,
        policy: Option<Box<dyn GroupPolicy>>,
    ) -> Result<Self, GroupError> {
        Self::check_suite(&suite, &s)?;
        if tree.n_leaves() != s.n_leaves || tree.non_blank_count() != s.n_nodes {
            return Err(GroupError::InvalidState(
                "tree does not match the group record",
            ));
        }
        let pending_commit = match s.pending {
            Some(p) => Some(p.into_pending(&suite)?),
            None => None,
        };
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
            taken_group_record: None,
        })
    }
}
