//! Joining a group from a Welcome (RFC 9420 §12.4.3.1).

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_framing::{GroupInfo, GroupSecrets, Welcome};
use mls_keyschedule::{
    InMemoryPskStore, JoinerSecret, PreSharedKeyID, Psk, PskSecret, PskStore, ResumptionPskUsage,
};
use mls_treekem::{RatchetTree, TreePrivateKeys};
use mls_types::tree_math;

use crate::epoch::psk_secret;
use crate::group::FirstEpoch;
use crate::public::{check_joiner_supports, PublicGroup, PublicGroupOptions};
use crate::{Group, GroupConfig, GroupError, GroupPolicy, KeyPackageBundle, ResumptionInfo};

/// Everything besides the Welcome that joining needs.
///
/// ```
/// use mls_group::JoinOptions;
/// let options = JoinOptions::default();
/// assert!(options.ratchet_tree.is_none());
/// ```
#[derive(Default)]
pub struct JoinOptions<'a> {
    /// The ratchet tree, if the GroupInfo carries no `ratchet_tree` extension.
    pub ratchet_tree: Option<RatchetTree>,
    /// External and resumption PSKs named by the Welcome.
    pub psks: Option<&'a dyn PskStore>,
    /// The current time, for lifetime checks and the policy's credential
    /// validation.
    pub now: Option<u64>,
    /// Configuration of the new group state.
    pub config: GroupConfig,
    /// The policy / authentication service.
    pub policy: Option<alloc::boxed::Box<dyn GroupPolicy>>,
    /// The group this one resumes, required if the Welcome carries a
    /// reinit or branch resumption PSK (§11.2, §11.3).
    pub resumption: Option<&'a ResumptionInfo>,
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Joins a group with a Welcome for one of our KeyPackages, with every
    /// check of §12.4.3.1. The KeyPackage's private keys are copied into
    /// the group state: on success, delete the bundle (unless it is
    /// last-resort, [`KeyPackageBundle::is_last_resort`]); on failure it
    /// stays usable, so a bogus Welcome cannot destroy it. Checking that
    /// the group id is not one of the caller's other groups is the
    /// caller's job.
    pub fn join(
        suite: S,
        welcome: &Welcome,
        bundle: &KeyPackageBundle,
        options: JoinOptions<'_>,
    ) -> Result<Self, GroupError> {
        let JoinOptions {
            ratchet_tree,
            psks,
            now,
            config,
            policy,
            resumption,
        } = options;
        let kp = &bundle.key_package;
        if welcome.cipher_suite != kp.cipher_suite || suite.cipher_suite() != kp.cipher_suite {
            return Err(GroupError::UnsupportedCipherSuite(welcome.cipher_suite.0));
        }
        let kp_ref = kp.reference(&suite)?;
        if welcome.secrets_for(&kp_ref).is_none() {
            return Err(GroupError::WelcomeNotForUs);
        }
        let secrets =
            welcome.decrypt_group_secrets(&suite, &kp_ref, &bundle.init_private, &kp.init_key)?;
        let special = check_welcome_psks(&secrets.psks)?;
        let psk = welcome_psk_secret(&suite, &secrets, psks, resumption)?;
        let joiner = JoinerSecret::new(&suite, Secret::from(secrets.joiner_secret.clone()))?;
        let info = welcome.decrypt_group_info(&suite, &joiner, &psk)?;
        if info.group_context.cipher_suite != kp.cipher_suite {
            return Err(GroupError::InvalidWelcome("GroupInfo cipher suite"));
        }
        if info.group_context.version != kp.version {
            return Err(GroupError::InvalidWelcome("GroupInfo version"));
        }
        check_joiner_supports(&kp.leaf_node.capabilities, &info.group_context)?;
        // The confirmation tag needs no tree: checked before it is imported.
        let epoch_secrets = joiner.epoch_secrets(&suite, &psk, &info.group_context.to_bytes()?)?;
        // The same variant as a commit's bad confirmation tag.
        info.verify_confirmation_tag(&suite, &epoch_secrets)
            .map_err(|e| match e {
                mls_framing::FramingError::InvalidConfirmationTag => {
                    GroupError::InvalidConfirmationTag
                }
                other => GroupError::Framing(other),
            })?;
        // Cheapest first: the tree's hash, the GroupInfo's signature, our
        // leaf in the tree, and only then every member's signature.
        let mut my_leaf = None;
        let public = PublicGroup::from_group_info_checked(
            suite,
            &info,
            PublicGroupOptions {
                ratchet_tree,
                policy,
                now,
            },
            config.lifetimes != crate::LifetimeCheck::Off,
            |_, tree| {
                my_leaf = tree
                    .members()
                    .find(|(_, l)| *l == &kp.leaf_node)
                    .map(|(i, _)| i);
                my_leaf
                    .map(|_| ())
                    .ok_or(GroupError::InvalidWelcome("our leaf is not in the tree"))
            },
        )?;
        let my_leaf = my_leaf.ok_or(GroupError::Internal("our leaf was found"))?;
        let (suite, tree) = (&public.suite, &public.tree);
        let mut private_keys = TreePrivateKeys::new(
            my_leaf,
            kp.leaf_node.encryption_key.clone(),
            bundle.encryption_private.clone(),
        );
        if let Some(path_secret) = &secrets.path_secret {
            if tree.leaf(info.signer).is_none() {
                return Err(GroupError::InvalidWelcome("signer leaf is blank"));
            }
            let ancestor = tree_math::common_ancestor(my_leaf.node(), info.signer.node());
            private_keys.set_path_secret(
                suite,
                tree,
                ancestor,
                &Secret::from(path_secret.path_secret.clone()),
            )?;
        }
        check_resumption(special, &secrets.psks, resumption, &info, tree)?;
        let signer = bundle.identity.signer(suite)?;
        Group::enter_first_epoch(FirstEpoch {
            public,
            config,
            identity: bundle.identity.clone(),
            signer,
            private_keys,
            epoch_secrets,
        })
    }
}

/// `psk_secret` of a Welcome's PSKs (§8.4): each with a nonce of `KDF.Nh`
/// bytes, the resumed group's PSK from `options.resumption`, the others
/// from `options.psks`.
fn welcome_psk_secret<S: CipherSuiteProvider>(
    suite: &S,
    secrets: &GroupSecrets,
    psks: Option<&dyn PskStore>,
    resumption: Option<&ResumptionInfo>,
) -> Result<PskSecret, GroupError> {
    if secrets.psks.iter().any(|id| !id.nonce_is_valid(suite)) {
        return Err(GroupError::InvalidWelcome("PSK nonce length"));
    }
    let empty = InMemoryPskStore::new();
    let store: &dyn PskStore = psks.unwrap_or(&empty);
    psk_secret(suite, &secrets.psks, |id| {
        let from_resumed = resumption.and_then(|r| match &id.psk {
            Psk::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } if *psk_group_id == r.group_id && *psk_epoch == r.epoch => Some(r.psk.clone()),
            _ => None,
        });
        from_resumed.or_else(|| store.psk(id))
    })
}

/// §12.4.3.1 for a Welcome with a reinit or branch resumption PSK
/// (`special`): epoch 1, and the new group matches the one it resumes.
fn check_resumption(
    special: Option<ResumptionPskUsage>,
    psks: &[PreSharedKeyID],
    resumption: Option<&ResumptionInfo>,
    info: &GroupInfo,
    tree: &RatchetTree,
) -> Result<(), GroupError> {
    let Some(usage) = special else {
        return Ok(());
    };
    if info.group_context.epoch != 1 {
        return Err(GroupError::InvalidWelcome(
            "reinit/branch resumption PSK but epoch is not 1",
        ));
    }
    let from = resumption.ok_or(GroupError::InvalidWelcome(
        "reinit/branch PSK but no resumed group given",
    ))?;
    let id = psks
        .iter()
        .find(|id| matches!(&id.psk, Psk::Resumption { usage: u, .. } if *u == usage))
        .ok_or(GroupError::InvalidWelcome("resumption PSK"))?;
    let members: Vec<_> = tree.members().map(|(_, l)| l.credential.clone()).collect();
    crate::resumption::check_resumed_group(usage, id, from, &info.group_context, &members)
}

/// Whether every PSK of a Welcome is allowed: at most one resumption PSK
/// with usage reinit or branch (§12.4.3.1).
pub(crate) fn check_welcome_psks(
    ids: &[PreSharedKeyID],
) -> Result<Option<ResumptionPskUsage>, GroupError> {
    let special: Vec<_> = ids
        .iter()
        .filter_map(|id| match &id.psk {
            Psk::Resumption { usage, .. }
                if *usage == ResumptionPskUsage::REINIT || *usage == ResumptionPskUsage::BRANCH =>
            {
                Some(*usage)
            }
            _ => None,
        })
        .collect();
    if special.len() > 1 {
        return Err(GroupError::InvalidWelcome(
            "more than one reinit/branch resumption PSK",
        ));
    }
    Ok(special.first().copied())
}
