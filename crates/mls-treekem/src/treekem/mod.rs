//! TreeKEM (RFC 9420 §7.4–§7.6): creating an UpdatePath and applying one.

mod apply;
mod create;

pub use apply::{MergedUpdatePath, ReceivedPathSecret};
pub use create::{PendingUpdatePath, UpdatePathSecrets};

use alloc::vec::Vec;

use crate::tree_math::{LeafIndex, NodeIndex};
use crate::RatchetTree;

/// The label of path-secret encryption (RFC 9420 §7.6).
const UPDATE_PATH_NODE_LABEL: &[u8] = b"UpdatePathNode";

/// The resolution of copath node `s` without the leaves of `new_members`
/// (sorted), the recipients of a path secret (RFC 9420 §7.5, §7.6).
pub(crate) fn recipients(
    tree: &RatchetTree,
    s: NodeIndex,
    new_members: &[LeafIndex],
) -> Vec<NodeIndex> {
    let mut r = tree.resolution(s);
    if !new_members.is_empty() {
        r.retain(|x| {
            x.leaf()
                .is_none_or(|l| new_members.binary_search(&l).is_err())
        });
    }
    r
}

/// `new_members`, sorted and deduplicated.
fn sorted(new_members: &[LeafIndex]) -> Vec<LeafIndex> {
    let mut v = new_members.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}
