//! Reinitialization (RFC 9420 §11.2) and branching (§11.3) with
//! resumption PSKs (§8.6).

use alloc::vec::Vec;
use mls_crypto::{CipherSuite, CipherSuiteProvider, Rng, Secret};
use mls_framing::{Add, KeyPackage, PreSharedKey, Proposal, ReInit};
use mls_keyschedule::{PreSharedKeyID, Psk, ResumptionPskUsage};
use mls_types::{Credential, Extension, ProtocolVersion};

use crate::{CommitOptions, CommitOutput, Group, GroupConfig, GroupError, KeyPackageBundle};

/// What a new group needs to know about the group it resumes: its id,
/// epoch and resumption PSK, the committed ReInit if any, its members.
/// Take it with [`Group::resumption_info`] before dropping the old group.
#[derive(Debug, Clone)]
pub struct ResumptionInfo {
    /// The old group's id.
    pub group_id: Vec<u8>,
    /// The old group's epoch whose resumption PSK is used.
    pub epoch: u64,
    /// That epoch's resumption PSK.
    pub psk: Secret,
    /// The old group's protocol version.
    pub version: ProtocolVersion,
    /// The old group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// The ReInit committed in the last commit, if any.
    pub reinit: Option<ReInit>,
    /// The old group's members' credentials.
    pub members: Vec<Credential>,
}

/// How to create the group that resumes another
/// ([`Group::create_resumed`]).
///
/// ```
/// use mls_group::{ResumeOptions, ResumptionPskUsage};
/// let options = ResumeOptions { now: Some(1_700_000_000), ..ResumeOptions::reinit() };
/// assert_eq!(options.usage, ResumptionPskUsage::REINIT);
/// ```
#[derive(Debug, Clone)]
pub struct ResumeOptions {
    /// `REINIT` (§11.2) or `BRANCH` (§11.3).
    pub usage: ResumptionPskUsage,
    /// A branch's group id (a ReInit names its own).
    pub branch_group_id: Vec<u8>,
    /// A branch's GroupContext extensions (a ReInit names its own).
    pub extensions: Vec<Extension>,
    /// The members the first commit adds.
    pub key_packages: Vec<KeyPackage>,
    /// The new group's configuration.
    pub config: GroupConfig,
    /// The time (Unix seconds) for the lifetime checks of the added
    /// KeyPackages (see [`crate::LifetimeCheck`]).
    pub now: Option<u64>,
    /// Give the first commit an UpdatePath even though only Adds and a
    /// PSK require none.
    pub force_path: bool,
}

impl ResumeOptions {
    /// A ReInit of the committed proposal, adding no one yet.
    pub fn reinit() -> Self {
        ResumeOptions {
            usage: ResumptionPskUsage::REINIT,
            branch_group_id: Vec::new(),
            extensions: Vec::new(),
            key_packages: Vec::new(),
            config: GroupConfig::default(),
            now: None,
            force_path: false,
        }
    }

    /// A branch to `group_id`, adding no one yet.
    pub fn branch(group_id: Vec<u8>) -> Self {
        ResumeOptions {
            usage: ResumptionPskUsage::BRANCH,
            branch_group_id: group_id,
            ..ResumeOptions::reinit()
        }
    }
}

impl<S: CipherSuiteProvider> Group<S> {
    /// The current epoch's resumption data, for a ReInit or branch.
    pub fn resumption_info(&self) -> ResumptionInfo {
        ResumptionInfo {
            group_id: self.public.context.group_id.clone(),
            epoch: self.public.context.epoch,
            psk: self.epoch.secrets.resumption_psk().clone(),
            version: self.public.context.version,
            cipher_suite: self.public.context.cipher_suite,
            reinit: self.lifecycle.reinit().cloned(),
            members: self
                .public
                .tree
                .members()
                .map(|(_, l)| l.credential.clone())
                .collect(),
        }
    }

    /// A ReInit proposal (§12.1.5) to a new group id, suite and extensions.
    pub fn reinit_proposal(
        &self,
        group_id: Vec<u8>,
        cipher_suite: CipherSuite,
        extensions: Vec<Extension>,
    ) -> Proposal {
        Proposal::ReInit(ReInit {
            group_id,
            version: ProtocolVersion::MLS10,
            cipher_suite,
            extensions,
        })
    }

    /// Creates the group that resumes `from` (§11.2, §11.3): for
    /// `REINIT`, with the group id, suite and extensions of the committed
    /// ReInit; for `BRANCH`, with the options' group id and extensions.
    /// The first commit adds the options' KeyPackages and injects the
    /// resumption PSK; send its Welcome. The new group is at epoch 1.
    pub fn create_resumed(
        suite: S,
        bundle: KeyPackageBundle,
        from: &ResumptionInfo,
        options: ResumeOptions,
        rng: &mut dyn Rng,
    ) -> Result<(Self, CommitOutput), GroupError> {
        let ResumeOptions {
            usage,
            branch_group_id,
            extensions,
            key_packages,
            config,
            now,
            force_path,
        } = options;
        let (group_id, extensions) = if usage == ResumptionPskUsage::REINIT {
            let ri = from
                .reinit
                .as_ref()
                .ok_or(GroupError::InvalidArgument("no ReInit was committed"))?;
            if ri.cipher_suite != suite.cipher_suite() {
                return Err(GroupError::UnsupportedCipherSuite(ri.cipher_suite.0));
            }
            (ri.group_id.clone(), ri.extensions.clone())
        } else if usage == ResumptionPskUsage::BRANCH {
            if from.cipher_suite != suite.cipher_suite() {
                return Err(GroupError::UnsupportedCipherSuite(from.cipher_suite.0));
            }
            (branch_group_id, extensions)
        } else {
            return Err(GroupError::InvalidArgument(
                "usage must be reinit or branch",
            ));
        };
        let mut group = Group::create_with_leaf(suite, bundle, group_id, extensions, config, rng)?;
        if let Some(now) = now {
            group.set_time(now);
        }
        group.insert_resumption_psk(from.group_id.clone(), from.epoch, from.psk.clone());
        let id = PreSharedKeyID::new(
            &group.public.suite,
            Psk::Resumption {
                usage,
                psk_group_id: from.group_id.clone(),
                psk_epoch: from.epoch,
            },
            rng,
        )?;
        let mut proposals: Vec<Proposal> = key_packages
            .into_iter()
            .map(|key_package| Proposal::Add(Add { key_package }))
            .collect();
        proposals.push(Proposal::PreSharedKey(PreSharedKey { psk: id }));
        let options = CommitOptions {
            force_path,
            ..CommitOptions::default()
        };
        let out = group.commit(proposals, &options, rng)?;
        group.merge_pending_commit()?;
        Ok((group, out))
    }
}

/// §12.4.3.1: the checks of a Welcome with a reinit or branch resumption
/// PSK against the resumed group.
pub(crate) fn check_resumed_group(
    usage: ResumptionPskUsage,
    psk: &PreSharedKeyID,
    from: &ResumptionInfo,
    context: &mls_types::GroupContext,
    members: &[Credential],
) -> Result<(), GroupError> {
    let Psk::Resumption {
        psk_group_id,
        psk_epoch,
        ..
    } = &psk.psk
    else {
        return Err(GroupError::InvalidWelcome("resumption PSK"));
    };
    if psk_group_id != &from.group_id || *psk_epoch != from.epoch {
        return Err(GroupError::InvalidWelcome(
            "resumption PSK does not name the resumed group",
        ));
    }
    if usage == ResumptionPskUsage::REINIT {
        let ri = from.reinit.as_ref().ok_or(GroupError::InvalidWelcome(
            "resumed group committed no ReInit",
        ))?;
        if ri.group_id != context.group_id
            || ri.version != context.version
            || ri.cipher_suite != context.cipher_suite
            || ri.extensions != context.extensions
        {
            return Err(GroupError::InvalidWelcome(
                "GroupInfo does not match the ReInit",
            ));
        }
        if !all_in(&from.members, members)? {
            return Err(GroupError::InvalidWelcome(
                "a member of the old group is missing from the new one",
            ));
        }
    } else {
        if from.version != context.version || from.cipher_suite != context.cipher_suite {
            return Err(GroupError::InvalidWelcome(
                "branch changes the version or cipher suite",
            ));
        }
        if !all_in(members, &from.members)? {
            return Err(GroupError::InvalidWelcome(
                "the branch has members that were not in the old group",
            ));
        }
    }
    Ok(())
}

/// Whether every credential of `these` is among `those`: O((n + m) log m)
/// on their encodings, not a scan of `those` per credential.
fn all_in(these: &[Credential], those: &[Credential]) -> Result<bool, GroupError> {
    let encode = |c: &Credential| mls_codec::Encode::to_bytes(c);
    let set = those
        .iter()
        .map(encode)
        .collect::<Result<alloc::collections::BTreeSet<_>, _>>()?;
    for c in these {
        if !set.contains(&encode(c)?) {
            return Ok(false);
        }
    }
    Ok(true)
}
