//! Creating a group (RFC 9420 §11): a one-member group at epoch 0.

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, Rng};
use mls_keyschedule::{InitSecret, KeyScheduleOutput, PskSecret};
use mls_treekem::{LeafNodeSource, RatchetTree, TreePrivateKeys};
use mls_types::tree_math::LeafIndex;
use mls_types::{CapabilityRequirements, Extension, GroupContext, RequiredCapabilities};

use crate::group::FirstEpoch;
use crate::public::PublicGroup;
use crate::{ClientIdentity, Group, GroupConfig, GroupError, KeyPackageBundle, KeyPackageOptions};

impl<S: CipherSuiteProvider> Group<S> {
    /// Creates a new one-member group (§11) with `extensions` in its
    /// GroupContext. Epoch 0; add members with [`Group::commit`].
    pub fn create(
        suite: S,
        identity: ClientIdentity,
        group_id: Vec<u8>,
        extensions: Vec<Extension>,
        config: GroupConfig,
        rng: &mut dyn Rng,
    ) -> Result<Self, GroupError> {
        let kp = KeyPackageBundle::create(&suite, &identity, KeyPackageOptions::default(), rng)?;
        Self::create_with_leaf(suite, kp, group_id, extensions, config, rng)
    }

    /// Like [`Group::create`], with the creator's leaf taken from one of
    /// its KeyPackages (its capabilities, lifetime and extensions).
    pub fn create_with_leaf(
        suite: S,
        bundle: KeyPackageBundle,
        group_id: Vec<u8>,
        extensions: Vec<Extension>,
        config: GroupConfig,
        rng: &mut dyn Rng,
    ) -> Result<Self, GroupError> {
        let leaf = bundle.key_package.leaf_node.clone();
        if !matches!(leaf.leaf_node_source, LeafNodeSource::KeyPackage(_)) {
            return Err(GroupError::InvalidArgument(
                "leaf must come from a KeyPackage",
            ));
        }
        mls_framing::check_unique_extensions(&extensions)?;
        if let Some(req) = mls_framing::find_extension::<RequiredCapabilities>(&extensions)? {
            if !CapabilityRequirements::new(&req).supported_by(&leaf.capabilities) {
                return Err(GroupError::InvalidArgument(
                    "creator does not support the required capabilities",
                ));
            }
        }
        let mut tree = RatchetTree::new(leaf.clone());
        let private_keys = TreePrivateKeys::new(
            LeafIndex(0),
            leaf.encryption_key.clone(),
            bundle.encryption_private.clone(),
        );
        let mut context = GroupContext::new(
            suite.cipher_suite(),
            group_id,
            0,
            tree.tree_hash(&suite)?,
            Vec::new(),
        );
        context.extensions = extensions;
        let init = InitSecret::random(&suite, rng)?;
        let ks = KeyScheduleOutput::derive(
            &suite,
            &init,
            None,
            &context.to_bytes()?,
            &PskSecret::zero(&suite),
        )?;
        let tag = ks
            .epoch_secrets
            .confirmation_tag(&suite, &context.confirmed_transcript_hash)?;
        let signer = bundle.identity.signer(&suite)?;
        let public = PublicGroup::from_parts(
            suite,
            tree,
            context,
            tag,
            crate::policy::default_policy(),
            None,
        )?;
        Group::enter_first_epoch(FirstEpoch {
            public,
            config,
            identity: bundle.identity.clone(),
            signer,
            private_keys,
            epoch_secrets: ks.epoch_secrets,
        })
    }
}
