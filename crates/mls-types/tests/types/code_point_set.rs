//! `CodePointSet::first_missing_from` agrees with the naive scan it
//! replaces (issue 15, item 1): the first required value, in list order,
//! that the listed values lack — duplicates and unsorted lists included.

use mls_types::{
    Capabilities, CapabilityRequirements, CodePointSet, CredentialType, ExtensionType,
    ProposalType, RequiredCapabilities, UnsupportedCapability,
};
use proptest::prelude::*;

fn small() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(0u16..12, 0..16)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn first_missing_is_the_naive_scan(required in small(), listed in small()) {
        let naive = required.iter().copied().find(|r| !listed.contains(r));
        let set = CodePointSet::new(required.iter().copied());
        prop_assert_eq!(set.first_missing_from(&listed), naive);
        let mut distinct = required.clone();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assert_eq!(set.len(), distinct.len());
        prop_assert!(set.iter().eq(distinct.iter().copied()));
    }

    #[test]
    fn requirements_are_the_naive_scan(ext in small(), prop in small(), cred in small(), caps in (small(), small(), small())) {
        let required = RequiredCapabilities {
            extension_types: ext.iter().map(|&t| ExtensionType(t)).collect(),
            proposal_types: prop.iter().map(|&t| ProposalType(t)).collect(),
            credential_types: cred.iter().map(|&t| CredentialType(t)).collect(),
        };
        let caps = Capabilities {
            extensions: caps.0.iter().map(|&t| ExtensionType(t)).collect(),
            proposals: caps.1.iter().map(|&t| ProposalType(t)).collect(),
            credentials: caps.2.iter().map(|&t| CredentialType(t)).collect(),
            ..Capabilities::default()
        };
        let naive = required
            .extension_types
            .iter()
            .find(|t| !caps.supports_extension(**t))
            .map(|t| UnsupportedCapability::Extension(*t))
            .or_else(|| {
                required
                    .proposal_types
                    .iter()
                    .find(|t| !caps.supports_proposal(**t))
                    .map(|t| UnsupportedCapability::Proposal(*t))
            })
            .or_else(|| {
                required
                    .credential_types
                    .iter()
                    .find(|t| !caps.supports_credential(**t))
                    .map(|t| UnsupportedCapability::Credential(*t))
            });
        let prepared = CapabilityRequirements::new(&required);
        prop_assert_eq!(prepared.first_unsupported(&caps), naive);
        prop_assert_eq!(prepared.supported_by(&caps), naive.is_none());
    }
}
