//! Parent hashes (RFC 9420 §7.9): computing them along a path and
//! verifying that every parent node of a tree is parent-hash valid (§7.9.2).

use alloc::vec::Vec;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt, HpkePublicKey};

use super::RatchetTree;
use crate::tree_math::{self, NodeIndex};
use crate::TreeError;

/// `Hash(ParentHashInput)` with `ParentHashInput = { encryption_key, parent_hash<V>,
/// original_sibling_tree_hash<V> }` (RFC 9420 §7.9).
pub(crate) fn parent_hash<S: CipherSuiteProvider + ?Sized>(
    cs: &S,
    encryption_key: &HpkePublicKey,
    parent_hash: &[u8],
    original_sibling_tree_hash: &[u8],
) -> Result<Vec<u8>, TreeError> {
    let mut buf = Vec::with_capacity(
        encryption_key.encoded_len()
            + parent_hash.encoded_len()
            + original_sibling_tree_hash.encoded_len(),
    );
    encryption_key.encode(&mut buf)?;
    parent_hash.encode(&mut buf)?;
    original_sibling_tree_hash.encode(&mut buf)?;
    Ok(cs.hash(&buf))
}

impl RatchetTree {
    /// Brings the cached tree hash of `x` up to date (only dirty nodes below it).
    pub(crate) fn ensure_hash<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        x: NodeIndex,
    ) -> Result<(), TreeError> {
        if self.hashes.hash_len != cs.hash_len() {
            self.hashes.reset(cs.hash_len());
        }
        let mut buf = Vec::new();
        self.rehash(cs, x, &mut buf)
    }

    /// The parent hashes along a filtered direct path `fdp` (nodes with
    /// their copath children, leaf upwards) whose nodes get the HPKE keys
    /// `keys` and no unmerged leaves (RFC 9420 §7.9, §7.9.1), computed from
    /// the root down: the `parent_hash` field of each node, and the one the
    /// leaf must carry. Changes no node: only the copath subtrees' cached
    /// hashes are brought up to date.
    pub(crate) fn path_parent_hashes<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
        fdp: &[(NodeIndex, NodeIndex)],
        keys: &[HpkePublicKey],
    ) -> Result<(Vec<Vec<u8>>, Vec<u8>), TreeError> {
        let mut fields = alloc::vec![Vec::new(); fdp.len()];
        let mut above = Vec::new();
        for ((&(_, s), key), field) in fdp.iter().zip(keys).zip(fields.iter_mut()).rev() {
            self.ensure_hash(cs, s)?;
            let next = parent_hash(cs, key, &above, self.cached_hash(s)?)?;
            *field = core::mem::replace(&mut above, next);
        }
        Ok((fields, above))
    }

    /// Verifies that every non-blank parent node is parent-hash valid (RFC
    /// 9420 §7.9.2), top down: exactly one node D in the resolution of one
    /// of its children carries its parent hash, with the unmerged leaves of
    /// the parent under that child being exactly the rest of the resolution.
    pub fn verify_parent_hashes<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        cs: &S,
    ) -> Result<(), TreeError> {
        self.update_tree_hashes(cs)?;
        for i in (1..self.nodes.len()).step_by(2) {
            let p = NodeIndex(i as u32);
            let Some(parent) = self.parent_node(p) else {
                continue;
            };
            let (Some(l), Some(r)) = (tree_math::left(p), tree_math::right(p)) else {
                return Err(TreeError::ParentHashInvalid { node: p.0 });
            };
            let mut excluded = parent.unmerged_leaves.clone();
            excluded.sort_unstable();
            let mut valid = 0usize;
            for (c, s) in [(l, r), (r, l)] {
                let original = self.tree_hash_excluding(cs, s, &excluded)?;
                let ph = parent_hash(cs, &parent.encryption_key, &parent.parent_hash, &original)?;
                let (lo, hi) = Self::leaf_range(c);
                let mut resolution = self.resolution(c);
                resolution.sort_unstable();
                // D must be the one node of the resolution that is not one of
                // P's unmerged leaves under C, and those must all be in it.
                let mut unmerged: Vec<NodeIndex> = parent
                    .unmerged_leaves
                    .iter()
                    .filter(|u| lo <= u.0 && u.0 < hi)
                    .map(|u| u.node())
                    .collect();
                unmerged.sort_unstable();
                unmerged.dedup();
                let all_in = unmerged.iter().all(|u| resolution.binary_search(u).is_ok());
                if !all_in || unmerged.len().checked_add(1) != Some(resolution.len()) {
                    continue;
                }
                let d = resolution
                    .iter()
                    .find(|x| unmerged.binary_search(x).is_err());
                if let Some(d) = d {
                    if self.node(*d).and_then(|n| n.parent_hash()) == Some(ph.as_slice()) {
                        valid += 1;
                    }
                }
            }
            if valid != 1 {
                return Err(TreeError::ParentHashInvalid { node: p.0 });
            }
        }
        Ok(())
    }
}
