//! The sender hash ratchets of a secret tree leaf (RFC 9420 §9.1).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use mls_crypto::{labeled, CipherSuiteProvider, Secret};

use crate::{Error, SecretTreeConfig};

/// Which of a leaf's two ratchets (RFC 9420 §9): handshake messages
/// (Proposal, Commit) or application messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RatchetType {
    /// `handshake_ratchet_secret`: Proposals and Commits.
    Handshake,
    /// `application_ratchet_secret`: application data.
    Application,
}

/// One generation's key and nonce from a sender ratchet:
/// `ratchet_key_[N]_[j]` and `ratchet_nonce_[N]_[j]` (RFC 9420 §9.1).
/// Zeroized on drop. The nonce is the raw ratchet nonce; the framing layer
/// applies the `reuse_guard` (§6.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatchetKey {
    /// The generation `j`.
    pub generation: u32,
    /// `DeriveTreeSecret(ratchet_secret_[N]_[j], "key", j, AEAD.Nk)`.
    pub key: Secret,
    /// `DeriveTreeSecret(ratchet_secret_[N]_[j], "nonce", j, AEAD.Nn)`.
    pub nonce: Secret,
}

/// The lengths a ratchet derives with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lengths {
    pub nh: u16,
    pub nk: u16,
    pub nn: u16,
}

/// A sender hash ratchet: the secret of its next generation and the keys
/// of skipped generations still retained.
#[derive(Clone)]
pub(crate) struct HashRatchet {
    leaf: u32,
    kind: RatchetType,
    /// `ratchet_secret_[N]_[next_generation]`; empty once exhausted.
    secret: Secret,
    /// At most 2^32, which means exhausted.
    next_generation: u64,
    /// Keys of generations below `next_generation` not yet consumed.
    skipped: BTreeMap<u32, RatchetKey>,
    /// Every generation below this that is not in `skipped` was deleted by
    /// the retention limit (or consumed before); above, it was consumed.
    expired_below: u64,
}

/// The first generation that does not exist.
const END: u64 = 1 << 32;

impl HashRatchet {
    pub(crate) fn new(leaf: u32, kind: RatchetType, secret: Secret) -> Self {
        HashRatchet {
            leaf,
            kind,
            secret,
            next_generation: 0,
            skipped: BTreeMap::new(),
            expired_below: 0,
        }
    }

    /// The generation `next_generation` as a `u32`, if the ratchet is not exhausted.
    fn current(&self) -> Result<u32, Error> {
        u32::try_from(self.next_generation).map_err(|_| Error::RatchetExhausted {
            leaf: self.leaf,
            ratchet: self.kind,
        })
    }

    /// The key and nonce of the current generation.
    fn derive_key<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        len: Lengths,
    ) -> Result<RatchetKey, Error> {
        chain_key(suite, len, self.secret.as_bytes(), self.current()?)
    }

    /// Step to the next generation, deleting the current secret.
    fn advance<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
    ) -> Result<(), Error> {
        let generation = self.current()?;
        self.secret = chain_step(suite, len, self.secret.as_bytes(), generation)?;
        self.next_generation = u64::from(generation) + 1;
        Ok(())
    }

    /// The key of the next generation, consumed (for encryption).
    pub(crate) fn next<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
    ) -> Result<RatchetKey, Error> {
        let key = self.derive_key(suite, len)?;
        self.advance(suite, len)?;
        Ok(key)
    }

    /// Where `generation` stands: `Ok(true)` ahead of the ratchet (within
    /// the forward distance), `Ok(false)` a retained key, otherwise the
    /// error [`get`](Self::get) gives. Changes nothing.
    pub(crate) fn check_generation(
        &self,
        generation: u32,
        config: &SecretTreeConfig,
    ) -> Result<bool, Error> {
        let target = u64::from(generation);
        let (leaf, ratchet) = (self.leaf, self.kind);
        if target < self.next_generation {
            if self.skipped.contains_key(&generation) {
                return Ok(false);
            }
            return Err(if target < self.expired_below {
                Error::KeyExpired {
                    leaf,
                    ratchet,
                    generation,
                }
            } else {
                Error::KeyConsumed {
                    leaf,
                    ratchet,
                    generation,
                }
            });
        }
        check_distance(leaf, ratchet, self.next_generation, generation, config)?;
        Ok(true)
    }

    /// The retained key of `generation`, if any (not consumed).
    pub(crate) fn retained_key(&self, generation: u32) -> Option<&RatchetKey> {
        self.skipped.get(&generation)
    }

    /// The generation of the next key this ratchet derives.
    pub(crate) fn next_generation(&self) -> u64 {
        self.next_generation
    }

    /// The current ratchet secret (`ratchet_secret_[N][next_generation]`).
    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The key of `generation`, consumed (for decryption); the keys of the
    /// generations skipped on the way are retained up to the limit.
    /// `lookahead`, values of this ratchet's chain derived earlier, saves
    /// deriving them again: the result is the same without it.
    pub(crate) fn get<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
        generation: u32,
        config: &SecretTreeConfig,
        lookahead: Option<&Lookahead>,
    ) -> Result<RatchetKey, Error> {
        let target = u64::from(generation);
        if !self.check_generation(generation, config)? {
            return self.skipped.remove(&generation).ok_or(Error::KeyConsumed {
                leaf: self.leaf,
                ratchet: self.kind,
                generation,
            });
        }
        // Only the last `max_retained_keys` skipped keys could be kept: for
        // the generations before them, only step the secret.
        let first_kept = target
            .saturating_sub(u64::from(config.max_retained_keys))
            .max(self.next_generation);
        if first_kept > self.next_generation {
            self.expired_below = self.expired_below.max(first_kept);
        }
        // Start from the last chain secret already derived up to there.
        if let Some((at, secret)) = lookahead.and_then(|l| l.checkpoint_at_most(first_kept)) {
            if u64::from(at) > self.next_generation {
                self.secret = secret.clone();
                self.next_generation = u64::from(at);
            }
        }
        while self.next_generation < first_kept {
            self.advance(suite, len)?;
        }
        while self.next_generation < target {
            let key = self.derive_key(suite, len)?;
            self.advance(suite, len)?;
            self.retain(key, config);
        }
        let key = match lookahead.and_then(|l| l.key(generation)) {
            Some(key) => key.clone(),
            None => self.derive_key(suite, len)?,
        };
        self.advance(suite, len)?;
        Ok(key)
    }

    /// Keep the key of a past generation for later, deleting the oldest
    /// retained keys beyond the limit.
    pub(crate) fn retain(&mut self, key: RatchetKey, config: &SecretTreeConfig) {
        if u64::from(key.generation) >= self.next_generation {
            return;
        }
        self.skipped.insert(key.generation, key);
        let max = usize::try_from(config.max_retained_keys).unwrap_or(usize::MAX);
        while self.skipped.len() > max {
            match self.skipped.pop_first() {
                Some((dropped, _)) => {
                    self.expired_below = self.expired_below.max(u64::from(dropped) + 1);
                }
                None => break,
            }
        }
    }

    /// The number of skipped keys retained.
    pub(crate) fn retained(&self) -> usize {
        self.skipped.len()
    }
}

/// `Err` if `generation` is more than the forward distance ahead of `next`.
pub(crate) fn check_distance(
    leaf: u32,
    ratchet: RatchetType,
    next: u64,
    generation: u32,
    config: &SecretTreeConfig,
) -> Result<(), Error> {
    if u64::from(generation).saturating_sub(next) > u64::from(config.max_forward_distance) {
        return Err(Error::GenerationTooFarAhead {
            leaf,
            ratchet,
            generation,
            next_generation: next,
        });
    }
    Ok(())
}

/// `ratchet_key_[N][g]` and `ratchet_nonce_[N][g]` from `ratchet_secret_[N][g]`.
pub(crate) fn chain_key<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    len: Lengths,
    secret: &[u8],
    generation: u32,
) -> Result<RatchetKey, Error> {
    Ok(RatchetKey {
        generation,
        key: labeled::derive_tree_secret(suite, secret, b"key", generation, len.nk)?,
        nonce: labeled::derive_tree_secret(suite, secret, b"nonce", generation, len.nn)?,
    })
}

/// `ratchet_secret_[N][g+1]` from `ratchet_secret_[N][g]`; empty after
/// the last generation.
pub(crate) fn chain_step<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    len: Lengths,
    secret: &[u8],
    generation: u32,
) -> Result<Secret, Error> {
    if u64::from(generation) + 1 == END {
        return Ok(Secret::default());
    }
    Ok(labeled::derive_tree_secret(
        suite, secret, b"secret", generation, len.nh,
    )?)
}

/// Values of one sender ratchet's chain derived ahead of it and not
/// consumed: kept when a message that needed them is refused, so that the
/// same message, replayed, costs no derivation and another one in the
/// window at most [`Lookahead::spacing`] steps. Not part of the tree's
/// state: every value is a function of the epoch's secrets, the same
/// whether it is derived now or was derived before, so keeping one
/// changes neither what is accepted nor what is persisted. Every value
/// below the ratchet's next generation is deleted as the ratchet passes
/// it (RFC 9420 §9.2), so nothing kept opens a consumed generation.
#[derive(Default)]
pub(crate) struct Lookahead {
    /// `ratchet_secret_[N][g]` for checkpoint generations `g`, ascending.
    checkpoints: BTreeMap<u32, Secret>,
    /// The key of the generation last derived ahead (by a refused message).
    last: Option<RatchetKey>,
    /// When it was last used (for evicting the least recently used).
    pub(crate) used: u64,
}

impl Lookahead {
    /// The checkpoint spacing for `config`: at most
    /// [`MAX_LOOKAHEAD_CHECKPOINTS`](crate::limits::MAX_LOOKAHEAD_CHECKPOINTS)
    /// checkpoints span the forward distance.
    pub(crate) fn spacing(config: &SecretTreeConfig) -> u32 {
        config
            .max_forward_distance
            .div_ceil(crate::limits::MAX_LOOKAHEAD_CHECKPOINTS)
            .max(1)
    }

    /// The last checkpoint at or below `generation`.
    pub(crate) fn checkpoint_at_most(&self, generation: u64) -> Option<(u32, &Secret)> {
        let g = u32::try_from(generation).unwrap_or(u32::MAX);
        self.checkpoints
            .range(..=g)
            .next_back()
            .map(|(at, s)| (*at, s))
    }

    /// The key of `generation`, if it is the one kept.
    pub(crate) fn key(&self, generation: u32) -> Option<&RatchetKey> {
        self.last.as_ref().filter(|k| k.generation == generation)
    }

    /// Adds checkpoints and makes `key` the one kept.
    pub(crate) fn absorb(&mut self, checkpoints: Vec<(u32, Secret)>, key: RatchetKey) {
        self.checkpoints.extend(checkpoints);
        self.last = Some(key);
    }

    /// Deletes everything below `next_generation`.
    pub(crate) fn prune(&mut self, next_generation: u64) {
        let keep = u32::try_from(next_generation).ok();
        match keep {
            Some(g) => self.checkpoints = self.checkpoints.split_off(&g),
            None => self.checkpoints.clear(),
        }
        if self
            .last
            .as_ref()
            .is_some_and(|k| u64::from(k.generation) < next_generation)
        {
            self.last = None;
        }
    }

    /// Whether nothing is kept.
    pub(crate) fn is_empty(&self) -> bool {
        self.checkpoints.is_empty() && self.last.is_none()
    }

    /// A copy (of secrets: zeroized on drop like the originals).
    pub(crate) fn duplicate(&self) -> Self {
        Lookahead {
            checkpoints: self.checkpoints.clone(),
            last: self.last.clone(),
            used: self.used,
        }
    }
}

/// A [`HashRatchet`] as plain data, for persisting group state.
#[derive(mls_codec::Encode, mls_codec::Decode)]
pub(crate) struct RatchetState {
    secret: Secret,
    next_generation: u64,
    skipped: alloc::vec::Vec<SkippedKeyState>,
    expired_below: u64,
}

#[derive(mls_codec::Encode, mls_codec::Decode)]
pub(crate) struct SkippedKeyState {
    generation: u32,
    key: Secret,
    nonce: Secret,
}

impl HashRatchet {
    pub(crate) fn to_state(&self) -> RatchetState {
        RatchetState {
            secret: self.secret.clone(),
            next_generation: self.next_generation,
            skipped: self
                .skipped
                .values()
                .map(|k| SkippedKeyState {
                    generation: k.generation,
                    key: k.key.clone(),
                    nonce: k.nonce.clone(),
                })
                .collect(),
            expired_below: self.expired_below,
        }
    }

    pub(crate) fn from_state(leaf: u32, kind: RatchetType, s: RatchetState) -> Result<Self, Error> {
        if s.next_generation > END || s.expired_below > s.next_generation {
            return Err(Error::Codec(mls_codec::Error::InvalidValue));
        }
        let mut skipped = BTreeMap::new();
        for SkippedKeyState {
            generation,
            key,
            nonce,
        } in s.skipped
        {
            if u64::from(generation) >= s.next_generation {
                return Err(Error::Codec(mls_codec::Error::InvalidValue));
            }
            skipped.insert(
                generation,
                RatchetKey {
                    generation,
                    key,
                    nonce,
                },
            );
        }
        Ok(HashRatchet {
            leaf,
            kind,
            secret: s.secret,
            next_generation: s.next_generation,
            skipped,
            expired_below: s.expired_below,
        })
    }
}

/// A leaf's two ratchets.
pub(crate) struct LeafRatchets {
    pub handshake: HashRatchet,
    pub application: HashRatchet,
}

impl LeafRatchets {
    pub(crate) fn get(&self, kind: RatchetType) -> &HashRatchet {
        match kind {
            RatchetType::Handshake => &self.handshake,
            RatchetType::Application => &self.application,
        }
    }

    pub(crate) fn get_mut(&mut self, kind: RatchetType) -> &mut HashRatchet {
        match kind {
            RatchetType::Handshake => &mut self.handshake,
            RatchetType::Application => &mut self.application,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_crypto::{CipherSuite, CryptoProvider};
    use mls_rustcrypto::RustCrypto;

    /// A ratchet about to reach the last generation, without 2^32 steps.
    fn near_end(next_generation: u64) -> HashRatchet {
        let mut r = HashRatchet::new(
            0,
            RatchetType::Application,
            Secret::from(alloc::vec![1u8; 32]),
        );
        r.next_generation = next_generation;
        r.expired_below = next_generation;
        r
    }

    const LEN: Lengths = Lengths {
        nh: 32,
        nk: 16,
        nn: 12,
    };

    #[test]
    fn the_last_generation_is_served_then_the_ratchet_is_exhausted() {
        let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
        let config = SecretTreeConfig::default();
        let last = u32::MAX;

        let mut r = near_end(u64::from(last) - 2);
        assert_eq!(r.next(&suite, LEN).unwrap().generation, last - 2);
        // Skip last - 1, take the last generation.
        assert_eq!(
            r.get(&suite, LEN, last, &config, None).unwrap().generation,
            last
        );
        assert!(r.secret.is_empty());
        assert_eq!(
            r.get(&suite, LEN, last - 1, &config, None)
                .unwrap()
                .generation,
            last - 1
        );
        let exhausted = Err(Error::RatchetExhausted {
            leaf: 0,
            ratchet: RatchetType::Application,
        });
        assert_eq!(r.next(&suite, LEN), exhausted);
        assert!(matches!(
            r.get(&suite, LEN, last, &config, None),
            Err(Error::KeyConsumed { .. })
        ));

        let mut r = near_end(u64::from(last));
        assert_eq!(r.next(&suite, LEN).unwrap().generation, last);
        assert_eq!(r.next(&suite, LEN), exhausted);
    }
}
