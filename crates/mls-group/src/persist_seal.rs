//! Saved state authenticated under a key the application holds (RFC 9750
//! §8.4.1.2: protect state at rest), so that any change to it — a flipped
//! byte, a record moved to another slot — is refused as damaged local
//! state.

use alloc::vec::Vec;
use mls_crypto::{CipherSuiteProvider, Secret};
use zeroize::Zeroizing;

use crate::{GroupError, StateKey};

/// Where sealed bytes belong: the MAC binds them to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateSlot {
    /// The blob of [`Group::to_state_bytes`](crate::Group::to_state_bytes).
    Blob,
    /// A record of [`Group::take_state_changes`](crate::Group::take_state_changes).
    Record(StateKey),
}

impl StateSlot {
    fn label(self) -> [u8; 6] {
        match self {
            StateSlot::Blob => [2, 0, 0, 0, 0, 0],
            StateSlot::Record(key) => {
                let [a, b, c, d, e] = key.to_bytes();
                [1, a, b, c, d, e]
            }
        }
    }
}

/// Seals saved state: the bytes followed by an HMAC (the suite's hash)
/// over a label, the slot and the bytes, under a key only the application
/// holds (and keeps apart from the state, e.g. in the platform's key
/// store). Opening checks the MAC in constant time before anything is
/// decoded.
///
/// ```
/// use mls_group::*;
/// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// # let a = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
/// let group = Group::create(suite.clone(), a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
/// let sealer = StateSealer::new(suite.clone(), Secret::from(vec![9; 32]));
/// let mut sealed = sealer.seal(StateSlot::Blob, &group.to_state_bytes().unwrap()).unwrap();
/// let opened = sealer.open(StateSlot::Blob, &sealed).unwrap();
/// Group::from_state_bytes(suite, opened, GroupConfig::default(), None).unwrap();
/// sealed[10] ^= 1;
/// assert_eq!(sealer.open(StateSlot::Blob, &sealed).unwrap_err(), GroupError::StateAuthentication);
/// ```
pub struct StateSealer<S: CipherSuiteProvider> {
    suite: S,
    key: Secret,
}

const LABEL: &[u8] = b"mls-group sealed state";

impl<S: CipherSuiteProvider> StateSealer<S> {
    /// A sealer with `key` (at least the suite's hash length is advised).
    pub fn new(suite: S, key: Secret) -> Self {
        StateSealer { suite, key }
    }

    fn tag(&self, slot: StateSlot, bytes: &[u8]) -> Result<Vec<u8>, GroupError> {
        let mut input = Zeroizing::new(Vec::with_capacity(LABEL.len() + 6 + bytes.len()));
        input.extend_from_slice(LABEL);
        input.extend_from_slice(&slot.label());
        input.extend_from_slice(bytes);
        Ok(self.suite.mac(self.key.as_bytes(), &input)?)
    }

    /// `bytes` followed by their MAC for `slot`.
    pub fn seal(&self, slot: StateSlot, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        let tag = self.tag(slot, bytes)?;
        let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() + tag.len()));
        out.extend_from_slice(bytes);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// The bytes sealed for `slot`, if their MAC is right
    /// ([`GroupError::StateAuthentication`] otherwise).
    pub fn open<'a>(&self, slot: StateSlot, sealed: &'a [u8]) -> Result<&'a [u8], GroupError> {
        let n = self.suite.hash_len();
        let at = sealed
            .len()
            .checked_sub(n)
            .ok_or(GroupError::StateAuthentication)?;
        let (bytes, tag) = sealed.split_at(at);
        if Secret::from(self.tag(slot, bytes)?).ct_eq_bytes(tag) {
            Ok(bytes)
        } else {
            Err(GroupError::StateAuthentication)
        }
    }
}
