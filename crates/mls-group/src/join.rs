//! Joining a group from a Welcome (RFC 9420 §12.4.3.1).

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, Secret};
use mls_framing::{find_extension, GroupInfo, RatchetTreeExtension, Welcome};
use mls_keyschedule::{InMemoryPskStore, JoinerSecret, Psk, PskSecret, PskStore};
use mls_treekem::{LeafValidationOptions, RatchetTree, TreeImportParams, TreePrivateKeys};
use mls_types::tree_math::{self, LeafIndex};
use mls_types::{ExtensionType, RequiredCapabilities};

use crate::epoch::check_welcome_psks;
use crate::group::FirstEpoch;
use crate::proposals::check_auth;
use crate::{Group, GroupConfig, GroupError, GroupPolicy, KeyPackageBundle};

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
    /// The current time, for lifetime checks.
    pub now: Option<u64>,
    /// Configuration of the new group state.
    pub config: GroupConfig,
    /// The policy / authentication service.
    pub policy: Option<alloc::boxed::Box<dyn GroupPolicy>>,
    /// The group this one resumes, required if the Welcome carries a
    /// reinit or branch resumption PSK (§11.2, §11.3).
    pub resumption: Option<&'a crate::ResumptionInfo>,
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
        let empty = InMemoryPskStore::new();
        let store: &dyn PskStore = options.psks.unwrap_or(&empty);
        let mut values = Vec::with_capacity(secrets.psks.len());
        for id in &secrets.psks {
            if !id.nonce_is_valid(&suite) {
                return Err(GroupError::InvalidWelcome("PSK nonce length"));
            }
            let from_resumed = options.resumption.and_then(|r| match &id.psk {
                Psk::Resumption {
                    psk_group_id,
                    psk_epoch,
                    ..
                } if *psk_group_id == r.group_id && *psk_epoch == r.epoch => Some(r.psk.clone()),
                _ => None,
            });
            let value = from_resumed
                .or_else(|| store.psk(id))
                .ok_or(GroupError::MissingPsk)?;
            values.push((id.clone(), value));
        }
        let psk = PskSecret::from_values(&suite, &values)?;
        let joiner = JoinerSecret::new(&suite, Secret::from(secrets.joiner_secret.clone()))?;
        let info = welcome.decrypt_group_info(&suite, &joiner, &psk)?;
        if info.group_context.cipher_suite != kp.cipher_suite {
            return Err(GroupError::InvalidWelcome("GroupInfo cipher suite"));
        }
        if info.group_context.version != kp.version {
            return Err(GroupError::InvalidWelcome("GroupInfo version"));
        }
        let tree = import_tree(&suite, &info, options.ratchet_tree, options.now)?;
        verify_group_info_signature(&suite, &info, &tree)?;
        let policy = options.policy.unwrap_or_else(Self::default_policy);
        for (_, leaf) in tree.members() {
            check_auth(policy.as_ref(), leaf)?;
        }
        let my_leaf = tree
            .members()
            .find(|(_, l)| *l == &kp.leaf_node)
            .map(|(i, _)| i)
            .ok_or(GroupError::InvalidWelcome("our leaf is not in the tree"))?;
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
                &suite,
                &tree,
                ancestor,
                &Secret::from(path_secret.path_secret.clone()),
            )?;
        }
        let epoch_secrets = joiner.epoch_secrets(&suite, &psk, &info.group_context.to_bytes()?)?;
        // The same variant as a commit's bad confirmation tag.
        info.verify_confirmation_tag(&suite, &epoch_secrets)
            .map_err(|e| match e {
                mls_framing::FramingError::InvalidConfirmationTag => {
                    GroupError::InvalidConfirmationTag
                }
                other => GroupError::Framing(other),
            })?;
        if special.is_some() && info.group_context.epoch != 1 {
            return Err(GroupError::InvalidWelcome(
                "reinit/branch resumption PSK but epoch is not 1",
            ));
        }
        if let Some(usage) = special {
            let from = options.resumption.ok_or(GroupError::InvalidWelcome(
                "reinit/branch PSK but no resumed group given",
            ))?;
            let id = secrets
                .psks
                .iter()
                .find(|id| matches!(&id.psk, Psk::Resumption { usage: u, .. } if *u == usage))
                .ok_or(GroupError::InvalidWelcome("resumption PSK"))?;
            let members: Vec<_> = tree.members().map(|(_, l)| l.credential.clone()).collect();
            crate::resumption::check_resumed_group(usage, id, from, &info.group_context, &members)?;
        }
        let signer = bundle.identity.signer(&suite)?;
        Group::enter_first_epoch(FirstEpoch {
            suite,
            config: options.config,
            identity: bundle.identity.clone(),
            signer,
            tree,
            private_keys,
            context: info.group_context,
            confirmation_tag: info.confirmation_tag,
            epoch_secrets,
            now: options.now,
            policy,
        })
    }
}

/// The tree from the GroupInfo's `ratchet_tree` extension or `supplied`,
/// with every §12.4.3.1 integrity check.
pub(crate) fn import_tree<S: CipherSuiteProvider>(
    suite: &S,
    info: &GroupInfo,
    supplied: Option<RatchetTree>,
    now: Option<u64>,
) -> Result<RatchetTree, GroupError> {
    mls_framing::check_unique_extensions(&info.extensions)?;
    let from_ext = info
        .extensions
        .iter()
        .find(|e| e.extension_type == ExtensionType::RATCHET_TREE);
    let mut tree = match (from_ext, supplied) {
        (Some(ext), _) => match RatchetTree::from_extension_bytes(&ext.extension_data) {
            Ok(tree) => tree,
            Err(e) => {
                // The typed body has the same grammar, so it decodes
                // whenever the tree does; decoded only now, it still
                // reports its error before the tree's checks.
                let _: Option<RatchetTreeExtension> = find_extension(&info.extensions)?;
                return Err(e.into());
            }
        },
        (None, Some(t)) => t,
        (None, None) => return Err(GroupError::MissingRatchetTree),
    };
    let required = find_extension::<RequiredCapabilities>(&info.group_context.extensions)?;
    let options = match now {
        Some(t) => LeafValidationOptions::at(t),
        None => LeafValidationOptions::without_lifetime(),
    };
    tree.validate(
        suite,
        &TreeImportParams {
            group_id: &info.group_context.group_id,
            expected_tree_hash: &info.group_context.tree_hash,
            required_capabilities: required.as_ref(),
            options,
        },
    )?;
    Ok(tree)
}

pub(crate) fn verify_group_info_signature<S: CipherSuiteProvider>(
    suite: &S,
    info: &GroupInfo,
    tree: &RatchetTree,
) -> Result<(), GroupError> {
    let signer = tree
        .leaf(LeafIndex(info.signer.0))
        .ok_or(GroupError::InvalidWelcome("GroupInfo signer is blank"))?;
    info.verify_signature(suite, &signer.signature_key)?;
    Ok(())
}
