//! The sender hash ratchets of a secret tree leaf (RFC 9420 §9.1).

use alloc::collections::BTreeMap;
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
        let generation = self.current()?;
        let s = self.secret.as_bytes();
        Ok(RatchetKey {
            generation,
            key: labeled::derive_tree_secret(suite, s, b"key", generation, len.nk)?,
            nonce: labeled::derive_tree_secret(suite, s, b"nonce", generation, len.nn)?,
        })
    }

    /// Step to the next generation, deleting the current secret.
    fn advance<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
    ) -> Result<(), Error> {
        let generation = self.current()?;
        self.secret = if u64::from(generation) + 1 == END {
            Secret::default()
        } else {
            labeled::derive_tree_secret(
                suite,
                self.secret.as_bytes(),
                b"secret",
                generation,
                len.nh,
            )?
        };
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

    /// The key of `generation`, consumed (for decryption); the keys of the
    /// generations skipped on the way are retained up to the limit.
    pub(crate) fn get<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        len: Lengths,
        generation: u32,
        config: &SecretTreeConfig,
    ) -> Result<RatchetKey, Error> {
        let target = u64::from(generation);
        if target < self.next_generation {
            if let Some(key) = self.skipped.remove(&generation) {
                return Ok(key);
            }
            let (leaf, ratchet) = (self.leaf, self.kind);
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
        if target - self.next_generation > u64::from(config.max_forward_distance) {
            return Err(Error::GenerationTooFarAhead {
                leaf: self.leaf,
                ratchet: self.kind,
                generation,
                next_generation: self.next_generation,
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
        while self.next_generation < first_kept {
            self.advance(suite, len)?;
        }
        while self.next_generation < target {
            let key = self.derive_key(suite, len)?;
            self.advance(suite, len)?;
            self.retain(key, config);
        }
        self.next(suite, len)
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
        assert_eq!(r.get(&suite, LEN, last, &config).unwrap().generation, last);
        assert!(r.secret.is_empty());
        assert_eq!(
            r.get(&suite, LEN, last - 1, &config).unwrap().generation,
            last - 1
        );
        let exhausted = Err(Error::RatchetExhausted {
            leaf: 0,
            ratchet: RatchetType::Application,
        });
        assert_eq!(r.next(&suite, LEN), exhausted);
        assert!(matches!(
            r.get(&suite, LEN, last, &config),
            Err(Error::KeyConsumed { .. })
        ));

        let mut r = near_end(u64::from(last));
        assert_eq!(r.next(&suite, LEN).unwrap().generation, last);
        assert_eq!(r.next(&suite, LEN), exhausted);
    }
}
