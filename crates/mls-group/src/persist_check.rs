//! What a restored state must satisfy: every invariant that can be checked
//! without the history that produced it (tree hash, sizes, key pairs,
//! the pending commit against the tree), so that damaged local state is
//! refused as such instead of failing later in ways that blame peers.

use mls_crypto::CipherSuiteProvider;
use mls_types::tree_math::NodeIndex;

use crate::lifecycle::Lifecycle;
use crate::{Group, GroupError};

/// The most leaves a commit can lead to from a tree of `n_leaves`: every
/// proposal of a commit an Add.
fn max_leaves_after_commit(n_leaves: u32) -> u64 {
    let most =
        u64::from(n_leaves).saturating_add(mls_framing::limits::MAX_PROPOSALS_PER_COMMIT as u64);
    most.checked_next_power_of_two().unwrap_or(u64::MAX)
}

fn damaged(what: &'static str) -> GroupError {
    GroupError::InvalidState(what)
}

impl<S: CipherSuiteProvider> Group<S> {
    /// Checks a group just restored. Work: one tree hash (O(N), the cached
    /// hashes the next commit needs anyway) and one HPKE public-key
    /// derivation per private key held (O(log N)).
    pub(crate) fn check_restored(&mut self) -> Result<(), GroupError> {
        let suite = &self.public.suite;
        if self.public.tree.tree_hash(suite)? != self.public.context.tree_hash {
            return Err(damaged("the tree's hash is not the GroupContext's"));
        }
        let n_leaves = self.public.tree.n_leaves();
        if self.epoch.secret_tree.n_leaves() != n_leaves
            || self.epoch.secrets.cipher_suite() != suite.cipher_suite()
        {
            return Err(damaged("the epoch's secrets do not fit the group"));
        }
        let own = self.private_keys.own_leaf();
        let leaf = self
            .public
            .tree
            .leaf(own)
            .ok_or(damaged("our leaf is not in the tree"))?;
        if &leaf.signature_key != self.identity.signature_key() {
            return Err(damaged("our leaf is not our identity's"));
        }
        let width = 2 * u64::from(n_leaves) - 1;
        for (node, public, private) in self.private_keys.entries() {
            if u64::from(node.0) >= width || suite.hpke_public_key(private)? != *public {
                return Err(damaged("a private key does not match its node"));
            }
        }
        let own_key = self
            .private_keys
            .entries()
            .find(|(x, _, _)| *x == own.node());
        if own_key.map(|(_, public, _)| public) != Some(&leaf.encryption_key) {
            return Err(damaged("our leaf's key is not ours"));
        }
        self.check_pending(n_leaves)
    }

    /// A pending commit was staged from this epoch and its tree changes
    /// apply to the tree, within what one commit can do.
    fn check_pending(&self, n_leaves: u32) -> Result<(), GroupError> {
        let Lifecycle::PendingCommit(pending) = &self.lifecycle else {
            return Ok(());
        };
        let staged = &pending.staged.public;
        if u64::from(staged.changes.n_leaves()) > max_leaves_after_commit(n_leaves) {
            return Err(damaged(
                "the pending commit grows the tree beyond one commit",
            ));
        }
        self.public
            .check_staged(staged)
            .map_err(|_| damaged("the pending commit does not fit the group"))?;
        let keys_fit = pending.staged.next.as_ref().is_none_or(|next| {
            next.private_keys.own_leaf() == self.private_keys.own_leaf()
                && next
                    .private_keys
                    .nodes()
                    .all(|x: NodeIndex| u64::from(x.0) < 2 * u64::from(staged.changes.n_leaves()))
        });
        if !keys_fit {
            return Err(damaged("the pending commit's keys do not fit the group"));
        }
        Ok(())
    }
}
