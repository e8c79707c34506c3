//! Per-type counts over the tree's leaves (RFC 9420 §7.2, §7.3, §12.1.7),
//! so that "every member supports X" and "which credential types are in
//! use" cost O(log N) instead of a walk over all leaves.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::{CredentialType, ExtensionType, LeafNode, ProposalType};

/// How many leaves use each credential type and how many list each
/// credential, extension and proposal type in their capabilities (each
/// leaf counted once per type, however often it lists it).
#[derive(Debug, Clone, Default)]
pub(crate) struct CapabilityIndex {
    /// Credential type → (leaves using it, leaves supporting it).
    credentials: BTreeMap<CredentialType, (u32, u32)>,
    /// Listed extension type → leaves listing it.
    extensions: BTreeMap<ExtensionType, u32>,
    /// Listed proposal type → leaves listing it.
    proposals: BTreeMap<ProposalType, u32>,
}

/// The distinct values of `items` (sorted), without allocating when they
/// are already strictly increasing (the usual case).
fn distinct<T: Copy + Ord>(items: &[T]) -> alloc::borrow::Cow<'_, [T]> {
    if items.windows(2).all(|w| w[0] < w[1]) {
        return alloc::borrow::Cow::Borrowed(items);
    }
    let mut v: Vec<T> = items.to_vec();
    v.sort_unstable();
    v.dedup();
    alloc::borrow::Cow::Owned(v)
}

fn bump<K: Ord>(map: &mut BTreeMap<K, u32>, key: K, added: bool) {
    if added {
        *map.entry(key).or_insert(0) += 1;
    } else if let Some(c) = map.get_mut(&key) {
        *c = c.saturating_sub(1);
        if *c == 0 {
            map.remove(&key);
        }
    }
}

impl CapabilityIndex {
    /// Counts `leaf` in (`added`) or out.
    pub(crate) fn update(&mut self, leaf: &LeafNode, added: bool) {
        let caps = &leaf.capabilities;
        let used = leaf.credential.credential_type();
        let mut touch = |t: CredentialType, use_delta: bool, support_delta: bool| {
            let e = self.credentials.entry(t).or_insert((0, 0));
            if added {
                e.0 += u32::from(use_delta);
                e.1 += u32::from(support_delta);
            } else {
                e.0 = e.0.saturating_sub(u32::from(use_delta));
                e.1 = e.1.saturating_sub(u32::from(support_delta));
            }
            if *e == (0, 0) {
                self.credentials.remove(&t);
            }
        };
        let listed = distinct(&caps.credentials);
        if listed.binary_search(&used).is_err() {
            touch(used, true, false);
        }
        for &t in listed.iter() {
            touch(t, t == used, true);
        }
        for &t in distinct(&caps.extensions).iter() {
            bump(&mut self.extensions, t, added);
        }
        for &t in distinct(&caps.proposals).iter() {
            bump(&mut self.proposals, t, added);
        }
    }

    /// The number of leaves listing credential type `t`.
    pub(crate) fn supporting_credential(&self, t: CredentialType) -> u32 {
        self.credentials.get(&t).map_or(0, |c| c.1)
    }

    /// The credential types in use, ascending, with how many leaves use each.
    pub(crate) fn credentials_in_use(&self) -> impl Iterator<Item = (CredentialType, u32)> + '_ {
        self.credentials
            .iter()
            .filter(|(_, c)| c.0 > 0)
            .map(|(t, c)| (*t, c.0))
    }

    /// The number of leaves supporting extension type `t` (all of them for a default type).
    pub(crate) fn supporting_extension(&self, t: ExtensionType, members: u32) -> u32 {
        if t.is_default() {
            members
        } else {
            self.extensions.get(&t).copied().unwrap_or(0)
        }
    }

    /// The number of leaves supporting proposal type `t` (all of them for a default type).
    pub(crate) fn supporting_proposal(&self, t: ProposalType, members: u32) -> u32 {
        if t.is_default() {
            members
        } else {
            self.proposals.get(&t).copied().unwrap_or(0)
        }
    }
}
