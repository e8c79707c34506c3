//! A member's secrets of one epoch (RFC 9420 §8, §9) and the key schedule
//! steps every commit shares: PSK resolution and the next epoch's secrets
//! with their confirmation tag.

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_keyschedule::{
    EpochSecrets, InitSecret, KeyScheduleOutput, PreSharedKeyID, PskSecret, SecretTree,
};
use mls_types::GroupContext;

use crate::{GroupConfig, GroupError};

/// The current epoch's secrets and its secret tree (§9), whose ratchets
/// advance as messages are sent and received.
#[derive(Debug, Encode, Decode)]
pub(crate) struct EpochState {
    pub secrets: EpochSecrets,
    pub secret_tree: SecretTree,
}

impl EpochState {
    /// The state of an epoch entered with `secrets`, in a tree of
    /// `n_leaves` leaves.
    pub fn new<S: CipherSuiteProvider>(
        suite: &S,
        mut secrets: EpochSecrets,
        n_leaves: u32,
        config: &GroupConfig,
    ) -> Result<Self, GroupError> {
        let secret_tree = secrets.secret_tree(suite, n_leaves, config.secret_tree)?;
        Ok(EpochState {
            secrets,
            secret_tree,
        })
    }
}

/// `psk_secret` (§8.4) of `ids`, each looked up with `lookup`: the one PSK
/// resolution of commits, joins and external joins. Every id must name a
/// PSK `lookup` knows (the nonces were checked where the ids came in).
pub(crate) fn psk_secret<S: CipherSuiteProvider>(
    suite: &S,
    ids: &[PreSharedKeyID],
    lookup: impl Fn(&PreSharedKeyID) -> Option<Secret>,
) -> Result<PskSecret, GroupError> {
    let mut values = Vec::with_capacity(ids.len());
    for id in ids {
        values.push((id.clone(), lookup(id).ok_or(GroupError::MissingPsk)?));
    }
    Ok(PskSecret::from_values(suite, &values)?)
}

/// The next epoch's key schedule (§8) for its GroupContext `context`, and
/// the confirmation tag it gives (§6.1): what a committer signs into its
/// commit and a receiver compares with the commit's.
pub(crate) fn next_epoch_secrets<S: CipherSuiteProvider>(
    suite: &S,
    init: &InitSecret,
    commit_secret: Option<&Secret>,
    context: &GroupContext,
    psk: &PskSecret,
) -> Result<(KeyScheduleOutput, Vec<u8>), GroupError> {
    let ks = KeyScheduleOutput::derive(suite, init, commit_secret, &context.to_bytes()?, psk)?;
    let tag = ks
        .epoch_secrets
        .confirmation_tag(suite, &context.confirmed_transcript_hash)?;
    Ok((ks, tag))
}
