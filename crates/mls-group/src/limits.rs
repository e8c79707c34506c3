//! The limits of the group layer, on top of the wire limits
//! (`mls_framing::limits`) and the tree's (`mls_treekem::limits`). Each is
//! a policy against peers that flood: RFC 9420 sets no bound.

/// The most proposals kept in one epoch's store (RFC 9420 §12.1). A commit
/// can reference at most `mls_framing::limits::MAX_PROPOSALS_PER_COMMIT`
/// of them, so a larger store could never be committed whole; beyond it a
/// proposal is refused ([`GroupError::TooManyProposals`](crate::GroupError::TooManyProposals)),
/// so that lookups, the saved state and the work of a commit stay bounded.
pub const MAX_STORED_PROPOSALS: usize = mls_framing::limits::MAX_PROPOSALS_PER_COMMIT;
