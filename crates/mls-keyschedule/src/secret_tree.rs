//! The secret tree (RFC 9420 §9), derived lazily and deleted as it is
//! consumed (§9.2).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use mls_crypto::{labeled, CipherSuite, CipherSuiteProvider, Secret};
use mls_types::tree_math::{self, LeafIndex, NodeIndex};
use zeroize::Zeroizing;

use crate::lengths::{check_nh, check_suite, nh, nk, nn};
use crate::ratchet::{
    chain_key, chain_step, check_distance, HashRatchet, LeafRatchets, Lengths, Lookahead,
};
use crate::{EpochSecrets, Error, RatchetKey, RatchetType, SecretTreeConfig};

/// An epoch's secret tree (RFC 9420 §9): `encryption_secret` at the root,
/// `tree_node_[N]_secret` below it, and each leaf's handshake and
/// application ratchets.
///
/// Node secrets are derived only when a leaf below them is first used, so
/// creating a tree costs nothing and a sender's first message costs
/// O(log N) derivations. Following the deletion schedule (§9.2), a node's
/// secret is deleted as soon as its children are derived, a leaf's secret as
/// soon as its ratchets are, a ratchet secret as soon as the next one is,
/// and a key as soon as it is handed out. Keys of skipped generations are
/// kept within the limits of the [`SecretTreeConfig`].
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::{Error, RatchetType, SecretTree, SecretTreeConfig};
/// use mls_types::tree_math::LeafIndex;
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let secret = Secret::from(vec![9; 32]);
/// let mut sender = SecretTree::new(&suite, secret.clone(), 4, SecretTreeConfig::default()).unwrap();
/// let mut receiver = SecretTree::new(&suite, secret, 4, SecretTreeConfig::default()).unwrap();
///
/// let sent = sender.next_key(&suite, LeafIndex(2), RatchetType::Application).unwrap();
/// let got = receiver.key(&suite, LeafIndex(2), RatchetType::Application, sent.generation).unwrap();
/// assert_eq!(sent, got);
/// // A key is deleted once used.
/// assert!(matches!(
///     receiver.key(&suite, LeafIndex(2), RatchetType::Application, sent.generation),
///     Err(Error::KeyConsumed { .. })
/// ));
/// ```
pub struct SecretTree {
    cipher_suite: CipherSuite,
    n_leaves: u32,
    config: SecretTreeConfig,
    /// The node secrets held: derived (or the root) and not yet consumed.
    nodes: BTreeMap<u32, Secret>,
    /// The ratchets of the leaves used so far, by leaf index.
    leaves: BTreeMap<u32, LeafRatchets>,
    /// Chain values derived ahead of a ratchet for a refused message (at
    /// most [`MAX_LOOKAHEAD_RATCHETS`](crate::limits::MAX_LOOKAHEAD_RATCHETS)
    /// ratchets, least recently used evicted). Not state: never persisted,
    /// and the same values would be derived again without it.
    lookahead: BTreeMap<(u32, RatchetType), Lookahead>,
    /// The clock of `Lookahead::used`.
    clock: u64,
}

impl core::fmt::Debug for SecretTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretTree")
            .field("cipher_suite", &self.cipher_suite)
            .field("n_leaves", &self.n_leaves)
            .field("config", &self.config)
            .field("held_node_secrets", &self.nodes.len())
            .field("leaves_in_use", &self.leaves.len())
            .field("lookahead_ratchets", &self.lookahead.len())
            .finish()
    }
}

impl SecretTree {
    /// A tree of `n_leaves` leaves (the ratchet tree's leaf count, between
    /// 1 and 2^31; a power of two in RFC 9420 groups, otherwise the tree is
    /// left-balanced) with `encryption_secret` at its root.
    pub fn new<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        encryption_secret: Secret,
        n_leaves: u32,
        config: SecretTreeConfig,
    ) -> Result<Self, Error> {
        check_leaf_count(n_leaves)?;
        check_nh(suite, encryption_secret.as_bytes())?;
        let mut nodes = BTreeMap::new();
        nodes.insert(tree_math::root(n_leaves).0, encryption_secret);
        Ok(SecretTree {
            cipher_suite: suite.cipher_suite(),
            n_leaves,
            config,
            nodes,
            leaves: BTreeMap::new(),
            lookahead: BTreeMap::new(),
            clock: 0,
        })
    }

    /// The number of leaves.
    pub fn n_leaves(&self) -> u32 {
        self.n_leaves
    }

    /// The out-of-order policy.
    pub fn config(&self) -> &SecretTreeConfig {
        &self.config
    }

    /// How many tree node secrets are held right now (for memory accounting
    /// and to observe the deletion schedule).
    pub fn held_node_secrets(&self) -> usize {
        self.nodes.len()
    }

    /// How many skipped keys are retained for `leaf`'s `ratchet`.
    pub fn retained_keys(&self, leaf: LeafIndex, ratchet: RatchetType) -> usize {
        self.leaves.get(&leaf.0).map_or(0, |r| match ratchet {
            RatchetType::Handshake => r.handshake.retained(),
            RatchetType::Application => r.application.retained(),
        })
    }

    /// How many sender ratchets have chain values kept from refused
    /// messages (memory accounting; not part of the tree's state).
    pub fn lookahead_ratchets(&self) -> usize {
        self.lookahead.len()
    }

    /// The key and nonce of the next generation of `leaf`'s `ratchet`, for
    /// encrypting a message as that leaf. The key is deleted from the tree.
    pub fn next_key<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        leaf: LeafIndex,
        ratchet: RatchetType,
    ) -> Result<RatchetKey, Error> {
        let len = self.lengths(suite)?;
        let key = self.ratchet(suite, len, leaf, ratchet)?.next(suite, len);
        self.prune_lookahead(leaf.0, ratchet);
        key
    }

    /// The key and nonce of `generation` of `leaf`'s `ratchet`, for
    /// decrypting a message from that leaf. The key is deleted from the
    /// tree: asking again fails with [`Error::KeyConsumed`]. Keys of the
    /// generations skipped to reach it are retained (see
    /// [`SecretTreeConfig`]).
    pub fn key<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        leaf: LeafIndex,
        ratchet: RatchetType,
        generation: u32,
    ) -> Result<RatchetKey, Error> {
        let len = self.lengths(suite)?;
        let config = self.config;
        let lookahead = self.lookahead.remove(&(leaf.0, ratchet));
        let key = self
            .ratchet(suite, len, leaf, ratchet)
            .and_then(|r| r.get(suite, len, generation, &config, lookahead.as_ref()));
        if let Some(l) = lookahead {
            self.keep_lookahead(leaf.0, ratchet, l);
        }
        key
    }

    /// Like [`SecretTree::key`], but the tree changes only if `open`
    /// succeeds (RFC 9420 §9.2: a key is consumed by a *successful*
    /// decryption); otherwise it is left exactly as it was, so that a
    /// forged message can neither destroy the key of a genuine one nor
    /// step any ratchet. The key is found without changing the tree; if
    /// `open` fails, the chain values derived to find it are kept aside,
    /// outside the tree's state (see [`limits`](crate::limits)), so that
    /// the same message again costs no derivation and another one in the
    /// sender's window a few steps: a refused message cannot make the
    /// receiver walk the window again and again.
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_keyschedule::{Error, RatchetType, SecretTree, SecretTreeConfig};
    /// use mls_types::tree_math::LeafIndex;
    ///
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = SecretTree::new(&suite, Secret::from(vec![9; 32]), 2, SecretTreeConfig::default()).unwrap();
    /// let before = tree.to_state_bytes().unwrap();
    /// let (leaf, hs) = (LeafIndex(1), RatchetType::Handshake);
    /// let failed: Result<(), Error> = tree.open_with(&suite, leaf, hs, 5, |_| Err(Error::ConfirmationTagMismatch));
    /// assert!(failed.is_err());
    /// assert_eq!(tree.to_state_bytes().unwrap(), before);
    /// let ok: Result<u32, Error> = tree.open_with(&suite, leaf, hs, 0, |k| Ok(k.generation));
    /// assert_eq!(ok, Ok(0));
    /// ```
    pub fn open_with<S, T, E, F>(
        &mut self,
        suite: &S,
        leaf: LeafIndex,
        ratchet: RatchetType,
        generation: u32,
        open: F,
    ) -> Result<T, E>
    where
        S: CipherSuiteProvider + ?Sized,
        E: From<Error>,
        F: FnOnce(&RatchetKey) -> Result<T, E>,
    {
        self.open_staged(suite, leaf, ratchet, generation, open)
            .map(|(t, _undo)| t)
    }

    /// Like [`SecretTree::open_with`], and on success also returns a
    /// [`KeyUndo`] that puts the key back: for a caller that validates the
    /// opened message further (a commit, say) and must leave the tree
    /// unchanged if that fails. Apply it with [`SecretTree::undo`] before
    /// any other change to this tree, or drop it to keep the change.
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_keyschedule::{Error, RatchetType, SecretTree, SecretTreeConfig};
    /// use mls_types::tree_math::LeafIndex;
    ///
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = SecretTree::new(&suite, Secret::from(vec![9; 32]), 4, SecretTreeConfig::default()).unwrap();
    /// let before = tree.to_state_bytes().unwrap();
    /// let (leaf, hs) = (LeafIndex(3), RatchetType::Handshake);
    /// let (g, undo) = tree.open_staged(&suite, leaf, hs, 2, |k| Ok::<_, Error>(k.generation)).unwrap();
    /// assert_eq!(g, 2);
    /// // The message turned out invalid after all: put the key back.
    /// tree.undo(undo);
    /// assert_eq!(tree.to_state_bytes().unwrap(), before);
    /// ```
    pub fn open_staged<S, T, E, F>(
        &mut self,
        suite: &S,
        leaf: LeafIndex,
        ratchet: RatchetType,
        generation: u32,
        open: F,
    ) -> Result<(T, KeyUndo), E>
    where
        S: CipherSuiteProvider + ?Sized,
        E: From<Error>,
        F: FnOnce(&RatchetKey) -> Result<T, E>,
    {
        let len = self.lengths(suite)?;
        // The key, derived without changing the tree: a refused message
        // leaves it as it was (what it derived is kept aside, not as state).
        let peeked = self.peek(suite, len, leaf, ratchet, generation)?;
        match open(&peeked.key) {
            Ok(t) => {
                let undo = self.consume(suite, len, leaf, ratchet, generation, peeked)?;
                Ok((t, undo))
            }
            Err(e) => {
                self.remember(leaf.0, ratchet, peeked);
                Err(e)
            }
        }
    }

    /// The key of `generation` of `leaf`'s `ratchet`, with the checks of
    /// [`SecretTree::key`] but without changing the tree: from a retained
    /// key, from the lookahead kept for the ratchet, or derived from the
    /// nearest chain secret (the ratchet's, a kept checkpoint, or for a
    /// leaf not used yet its first ratchet secret from the node above it).
    fn peek<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        len: Lengths,
        leaf: LeafIndex,
        ratchet: RatchetType,
        generation: u32,
    ) -> Result<Peeked, Error> {
        if leaf.0 >= self.n_leaves {
            return Err(Error::LeafOutOfRange {
                leaf: leaf.0,
                n_leaves: self.n_leaves,
            });
        }
        let config = &self.config;
        let state = self.leaves.get(&leaf.0).map(|r| r.get(ratchet));
        let next = match state {
            Some(r) => {
                if !r.check_generation(generation, config)? {
                    let key = r
                        .retained_key(generation)
                        .ok_or(Error::TreeSecretMissing { leaf: leaf.0 })?;
                    return Ok(Peeked::found(key.clone()));
                }
                r.next_generation()
            }
            None => {
                check_distance(leaf.0, ratchet, 0, generation, config)?;
                0
            }
        };
        let kept = self.lookahead.get(&(leaf.0, ratchet));
        if let Some(key) = kept.and_then(|l| l.key(generation)) {
            return Ok(Peeked::found(key.clone()));
        }
        let mut checkpoints = Vec::new();
        let (mut at, mut secret) = match kept
            .and_then(|l| l.checkpoint_at_most(u64::from(generation)))
            .filter(|(at, _)| u64::from(*at) >= next)
        {
            Some((at, s)) => (at, s.clone()),
            None => match state {
                Some(r) => (u32::try_from(next).unwrap_or(u32::MAX), r.secret().clone()),
                None => {
                    let first = self.first_ratchet_secret(suite, len, leaf, ratchet)?;
                    checkpoints.push((0, first.clone()));
                    (0, first)
                }
            },
        };
        let spacing = Lookahead::spacing(config);
        while at < generation {
            secret = chain_step(suite, len, secret.as_bytes(), at)?;
            at += 1;
            if at % spacing == 0 {
                checkpoints.push((at, secret.clone()));
            }
        }
        Ok(Peeked {
            key: chain_key(suite, len, secret.as_bytes(), generation)?,
            checkpoints,
            derived: true,
        })
    }

    /// `leaf`'s first `ratchet` secret, from the held node above it,
    /// without changing the tree (the leaf is not in use yet).
    fn first_ratchet_secret<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        len: Lengths,
        leaf: LeafIndex,
        ratchet: RatchetType,
    ) -> Result<Secret, Error> {
        let target = leaf.node();
        let missing = Error::TreeSecretMissing { leaf: leaf.0 };
        let mut node = target;
        while !self.nodes.contains_key(&node.0) {
            node = tree_math::parent(node, self.n_leaves).ok_or(missing)?;
        }
        let mut secret = self.nodes.get(&node.0).ok_or(missing)?.clone();
        while node != target {
            let (label, child) = if target < node {
                (&b"left"[..], tree_math::left(node))
            } else {
                (&b"right"[..], tree_math::right_in(node, self.n_leaves))
            };
            secret = labeled::expand_with_label(suite, secret.as_bytes(), b"tree", label, len.nh)?;
            node = child.ok_or(missing)?;
        }
        let label: &[u8] = match ratchet {
            RatchetType::Handshake => b"handshake",
            RatchetType::Application => b"application",
        };
        Ok(labeled::expand_with_label(
            suite,
            secret.as_bytes(),
            label,
            b"",
            len.nh,
        )?)
    }

    /// Consumes the key `peeked` found, as [`SecretTree::key`] would, using
    /// what it derived; the [`KeyUndo`] restores the tree. On error the
    /// tree is as it was.
    fn consume<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
        leaf: LeafIndex,
        ratchet: RatchetType,
        generation: u32,
        peeked: Peeked,
    ) -> Result<KeyUndo, Error> {
        let config = self.config;
        let mut lookahead = self
            .lookahead
            .remove(&(leaf.0, ratchet))
            .unwrap_or_default();
        if peeked.derived {
            lookahead.absorb(peeked.checkpoints, peeked.key);
        }
        let mut undo = KeyUndo {
            leaf: leaf.0,
            ratchet,
            previous: self.leaves.get(&leaf.0).map(|r| r.get(ratchet).clone()),
            nodes: Vec::new(),
            lookahead: None,
        };
        let got = self
            .ratchet_logged(suite, len, leaf, ratchet, &mut undo.nodes)
            .and_then(|r| r.get(suite, len, generation, &config, Some(&lookahead)));
        // Undoing puts the lookahead back as it was before the key was consumed.
        undo.lookahead = (!lookahead.is_empty()).then(|| lookahead.duplicate());
        self.keep_lookahead(leaf.0, ratchet, lookahead);
        match got {
            Ok(_) => Ok(undo),
            Err(e) => {
                self.undo(undo);
                Err(e)
            }
        }
    }

    /// Keeps what `peeked` derived for a message that was refused.
    fn remember(&mut self, leaf: u32, ratchet: RatchetType, peeked: Peeked) {
        if !peeked.derived {
            return;
        }
        let mut lookahead = self.lookahead.remove(&(leaf, ratchet)).unwrap_or_default();
        lookahead.absorb(peeked.checkpoints, peeked.key);
        self.keep_lookahead(leaf, ratchet, lookahead);
    }

    /// Puts `lookahead` back for `leaf`'s `ratchet`, without what lies
    /// below the ratchet's next generation, evicting the least recently
    /// used beyond the limit.
    fn keep_lookahead(&mut self, leaf: u32, ratchet: RatchetType, mut lookahead: Lookahead) {
        let next = self
            .leaves
            .get(&leaf)
            .map_or(0, |r| r.get(ratchet).next_generation());
        lookahead.prune(next);
        if lookahead.is_empty() {
            return;
        }
        self.clock += 1;
        lookahead.used = self.clock;
        while self.lookahead.len() >= crate::limits::MAX_LOOKAHEAD_RATCHETS {
            let oldest = self
                .lookahead
                .iter()
                .min_by_key(|(_, l)| l.used)
                .map(|(k, _)| *k);
            match oldest {
                Some(k) => {
                    self.lookahead.remove(&k);
                }
                None => break,
            }
        }
        self.lookahead.insert((leaf, ratchet), lookahead);
    }

    /// Deletes what is kept for `leaf`'s `ratchet` below its next generation.
    fn prune_lookahead(&mut self, leaf: u32, ratchet: RatchetType) {
        if let Some(l) = self.lookahead.remove(&(leaf, ratchet)) {
            self.keep_lookahead(leaf, ratchet, l);
        }
    }

    /// Restores the tree to what it was before the [`SecretTree::open_staged`]
    /// that returned `undo` (which must be the last change to this tree).
    pub fn undo(&mut self, undo: KeyUndo) {
        let KeyUndo {
            leaf,
            ratchet,
            previous,
            nodes,
            lookahead,
        } = undo;
        match previous {
            Some(r) => {
                if let Some(l) = self.leaves.get_mut(&leaf) {
                    *l.get_mut(ratchet) = r;
                }
            }
            None => {
                self.leaves.remove(&leaf);
            }
        }
        for op in nodes.into_iter().rev() {
            match op {
                NodeOp::Inserted(i) => {
                    self.nodes.remove(&i);
                }
                NodeOp::Removed(i, secret) => {
                    self.nodes.insert(i, secret);
                }
            }
        }
        self.lookahead.remove(&(leaf, ratchet));
        if let Some(l) = lookahead {
            self.keep_lookahead(leaf, ratchet, l);
        }
    }

    fn lengths<S: CipherSuiteProvider + ?Sized>(&self, suite: &S) -> Result<Lengths, Error> {
        check_suite(suite, self.cipher_suite)?;
        Ok(Lengths {
            nh: nh(suite)?,
            nk: nk(suite)?,
            nn: nn(suite)?,
        })
    }

    /// `leaf`'s `ratchet`, deriving the path down to the leaf on first use.
    fn ratchet<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
        leaf: LeafIndex,
        ratchet: RatchetType,
    ) -> Result<&mut HashRatchet, Error> {
        self.ratchet_logged(suite, len, leaf, ratchet, &mut Vec::new())
    }

    /// [`SecretTree::ratchet`], logging the node secrets it changes in `log`.
    fn ratchet_logged<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
        leaf: LeafIndex,
        ratchet: RatchetType,
        log: &mut Vec<NodeOp>,
    ) -> Result<&mut HashRatchet, Error> {
        if leaf.0 >= self.n_leaves {
            return Err(Error::LeafOutOfRange {
                leaf: leaf.0,
                n_leaves: self.n_leaves,
            });
        }
        if !self.leaves.contains_key(&leaf.0) {
            let ratchets = self.derive_leaf(suite, len, leaf, log)?;
            self.leaves.insert(leaf.0, ratchets);
        }
        self.leaves
            .get_mut(&leaf.0)
            .map(|r| r.get_mut(ratchet))
            .ok_or(Error::TreeSecretMissing { leaf: leaf.0 })
    }

    /// Derive `leaf`'s ratchets from the lowest held node above it, deleting
    /// every node secret whose children are derived and the leaf secret.
    fn derive_leaf<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
        leaf: LeafIndex,
        log: &mut Vec<NodeOp>,
    ) -> Result<LeafRatchets, Error> {
        let target = leaf.node();
        let missing = Error::TreeSecretMissing { leaf: leaf.0 };
        // Exactly one node on the path from the root to an unused leaf is held.
        let mut node = target;
        while !self.nodes.contains_key(&node.0) {
            node = tree_math::parent(node, self.n_leaves).ok_or(missing)?;
        }
        while node != target {
            let (left, right) = match (
                tree_math::left(node),
                tree_math::right_in(node, self.n_leaves),
            ) {
                (Some(l), Some(r)) => (l, r),
                _ => return Err(missing),
            };
            let secret = self.nodes.get(&node.0).ok_or(missing)?.as_bytes();
            let left_secret = labeled::expand_with_label(suite, secret, b"tree", b"left", len.nh)?;
            let right_secret =
                labeled::expand_with_label(suite, secret, b"tree", b"right", len.nh)?;
            if let Some(old) = self.nodes.remove(&node.0) {
                log.push(NodeOp::Removed(node.0, old));
            }
            self.nodes.insert(left.0, left_secret);
            log.push(NodeOp::Inserted(left.0));
            self.nodes.insert(right.0, right_secret);
            log.push(NodeOp::Inserted(right.0));
            node = if target < node { left } else { right };
        }
        let NodeIndex(index) = target;
        let secret = self.nodes.get(&index).ok_or(missing)?.as_bytes();
        let handshake = labeled::expand_with_label(suite, secret, b"handshake", b"", len.nh)?;
        let application = labeled::expand_with_label(suite, secret, b"application", b"", len.nh)?;
        if let Some(old) = self.nodes.remove(&index) {
            log.push(NodeOp::Removed(index, old));
        }
        Ok(LeafRatchets {
            handshake: HashRatchet::new(leaf.0, RatchetType::Handshake, handshake),
            application: HashRatchet::new(leaf.0, RatchetType::Application, application),
        })
    }
}

/// What one [`SecretTree::open_staged`] changed in the tree, so that
/// [`SecretTree::undo`] can restore it exactly: the prior state of the one
/// ratchet it stepped and the node secrets it derived or deleted (O(log N)
/// of them). Holds secrets, zeroized on drop.
#[must_use = "drop it to keep the change, or pass it to SecretTree::undo"]
pub struct KeyUndo {
    leaf: u32,
    ratchet: RatchetType,
    /// The ratchet before, `None` if this step derived the leaf's ratchets.
    previous: Option<HashRatchet>,
    /// The node secret changes, in the order they happened.
    nodes: Vec<NodeOp>,
    /// The ratchet's lookahead before the key was consumed (not state).
    lookahead: Option<Lookahead>,
}

/// A key found without changing the tree, and the chain values derived to
/// find it.
struct Peeked {
    key: RatchetKey,
    /// Chain secrets at checkpoint generations, ascending.
    checkpoints: Vec<(u32, Secret)>,
    /// Whether anything was derived (else the key was kept already).
    derived: bool,
}

impl Peeked {
    /// A key that was kept (retained or looked ahead): nothing derived.
    fn found(key: RatchetKey) -> Self {
        Peeked {
            key,
            checkpoints: Vec::new(),
            derived: false,
        }
    }
}

impl core::fmt::Debug for KeyUndo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyUndo")
            .field("leaf", &self.leaf)
            .field("ratchet", &self.ratchet)
            .field("derived_leaf", &self.previous.is_none())
            .field("node_changes", &self.nodes.len())
            .finish()
    }
}

/// One change to a [`SecretTree`]'s node secrets.
enum NodeOp {
    Inserted(u32),
    Removed(u32, Secret),
}

/// `Err` unless a tree can have `n_leaves` leaves (1 to 2^31).
fn check_leaf_count(n_leaves: u32) -> Result<(), Error> {
    if n_leaves == 0 || tree_math::node_width(n_leaves).is_none() {
        Err(Error::InvalidLeafCount { n_leaves })
    } else {
        Ok(())
    }
}

impl EpochSecrets {
    /// Move this epoch's `encryption_secret` into a new [`SecretTree`] of
    /// `n_leaves` leaves. Fails with [`Error::EncryptionSecretConsumed`] if
    /// it was already taken.
    pub fn secret_tree<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        n_leaves: u32,
        config: SecretTreeConfig,
    ) -> Result<SecretTree, Error> {
        self.check_suite(suite)?;
        check_leaf_count(n_leaves)?;
        // Derived with this suite, so `KDF.Nh` bytes: `new` cannot fail now.
        let secret = self.take_encryption_secret()?;
        SecretTree::new(suite, secret, n_leaves, config)
    }
}

/// A [`SecretTree`] as plain data (not a wire format).
#[derive(mls_codec::Encode, mls_codec::Decode)]
struct SecretTreeState {
    cipher_suite: u16,
    n_leaves: u32,
    max_forward_distance: u32,
    max_retained_keys: u32,
    max_past_epochs: u32,
    nodes: alloc::vec::Vec<NodeSecretState>,
    leaves: alloc::vec::Vec<LeafState>,
}

#[derive(mls_codec::Encode, mls_codec::Decode)]
struct NodeSecretState {
    node: u32,
    secret: Secret,
}

#[derive(mls_codec::Encode, mls_codec::Decode)]
struct LeafState {
    leaf: u32,
    handshake: crate::ratchet::RatchetState,
    application: crate::ratchet::RatchetState,
}

impl SecretTree {
    /// Serializes the whole tree — held node secrets, ratchets and
    /// retained keys — for persisting a group's state (the same bytes as
    /// its [`Encode`](mls_codec::Encode) impl), in a buffer zeroized on
    /// drop. Restore with [`SecretTree::from_state_bytes`].
    ///
    /// ```
    /// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
    /// use mls_rustcrypto::RustCrypto;
    /// use mls_keyschedule::{RatchetType, SecretTree, SecretTreeConfig};
    /// use mls_types::tree_math::LeafIndex;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let mut tree = SecretTree::new(&suite, Secret::from(vec![9; 32]), 4, SecretTreeConfig::default()).unwrap();
    /// tree.next_key(&suite, LeafIndex(1), RatchetType::Application).unwrap();
    /// let bytes = tree.to_state_bytes().unwrap();
    /// let mut back = SecretTree::from_state_bytes(&bytes).unwrap();
    /// assert_eq!(back.to_state_bytes().unwrap(), bytes);
    /// assert_eq!(back.next_key(&suite, LeafIndex(1), RatchetType::Application).unwrap().generation, 1);
    /// ```
    pub fn to_state_bytes(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        Ok(Zeroizing::new(mls_codec::Encode::to_bytes(self)?))
    }

    /// Restores a tree saved with [`SecretTree::to_state_bytes`].
    pub fn from_state_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Ok(mls_codec::decode_exact(bytes)?)
    }

    fn state(&self) -> SecretTreeState {
        SecretTreeState {
            cipher_suite: self.cipher_suite.0,
            n_leaves: self.n_leaves,
            max_forward_distance: self.config.max_forward_distance,
            max_retained_keys: self.config.max_retained_keys,
            max_past_epochs: self.config.max_past_epochs,
            nodes: self
                .nodes
                .iter()
                .map(|(i, s)| NodeSecretState {
                    node: *i,
                    secret: s.clone(),
                })
                .collect(),
            leaves: self
                .leaves
                .iter()
                .map(|(i, r)| LeafState {
                    leaf: *i,
                    handshake: r.handshake.to_state(),
                    application: r.application.to_state(),
                })
                .collect(),
        }
    }

    fn from_state(state: SecretTreeState) -> Result<Self, Error> {
        check_leaf_count(state.n_leaves)?;
        let width = tree_math::node_width(state.n_leaves).unwrap_or(0);
        let mut nodes = BTreeMap::new();
        for NodeSecretState { node: i, secret: s } in state.nodes {
            if i >= width {
                return Err(Error::Codec(mls_codec::Error::InvalidValue));
            }
            nodes.insert(i, s);
        }
        let mut leaves = BTreeMap::new();
        for LeafState {
            leaf: i,
            handshake: hs,
            application: app,
        } in state.leaves
        {
            if i >= state.n_leaves {
                return Err(Error::Codec(mls_codec::Error::InvalidValue));
            }
            leaves.insert(
                i,
                LeafRatchets {
                    handshake: HashRatchet::from_state(i, RatchetType::Handshake, hs)?,
                    application: HashRatchet::from_state(i, RatchetType::Application, app)?,
                },
            );
        }
        Ok(SecretTree {
            cipher_suite: CipherSuite(state.cipher_suite),
            n_leaves: state.n_leaves,
            config: SecretTreeConfig {
                max_forward_distance: state.max_forward_distance,
                max_retained_keys: state.max_retained_keys,
                max_past_epochs: state.max_past_epochs,
            },
            nodes,
            leaves,
            lookahead: BTreeMap::new(),
            clock: 0,
        })
    }
}

/// The tree's state (not a wire format): its suite, size, configuration,
/// held node secrets and used ratchets.
impl mls_codec::Encode for SecretTree {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), mls_codec::Error> {
        self.state().encode(out)
    }

    fn encoded_len(&self) -> usize {
        self.state().encoded_len()
    }
}

/// Refuses a state whose sizes or indices are inconsistent.
impl mls_codec::Decode for SecretTree {
    fn decode(r: &mut mls_codec::Reader<'_>) -> Result<Self, mls_codec::Error> {
        SecretTree::from_state(SecretTreeState::decode(r)?)
            .map_err(|_| mls_codec::Error::InvalidValue)
    }
}
