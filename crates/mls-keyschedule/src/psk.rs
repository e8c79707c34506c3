//! Pre-shared keys (RFC 9420 §8.4): identifiers, the `psk_secret` chain and
//! a store to look PSKs up in.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{labeled, CipherSuiteProvider, CipherSuiteProviderExt, Rng, Secret};

use crate::lengths::nh;
use crate::Error;

/// `enum ResumptionPSKUsage` (RFC 9420 §8.4). An open newtype: unknown
/// values decode and re-encode unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct ResumptionPskUsage(pub u8);

impl ResumptionPskUsage {
    /// `application(1)`
    pub const APPLICATION: Self = Self(1);
    /// `reinit(2)`
    pub const REINIT: Self = Self(2);
    /// `branch(3)`
    pub const BRANCH: Self = Self(3);
}

/// The `psktype` select of a PreSharedKeyID (RFC 9420 §8.4): `PSKType`
/// `external(1)` or `resumption(2)` and the fields of that case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
#[codec(tag = u8)]
pub enum Psk {
    /// `external(1)`: a PSK provisioned by the application.
    #[codec(tag = 1)]
    External {
        /// `opaque psk_id<V>`.
        psk_id: Vec<u8>,
    },
    /// `resumption(2)`: the `resumption_psk` of an earlier epoch (§8.6).
    #[codec(tag = 2)]
    Resumption {
        /// `ResumptionPSKUsage usage`.
        usage: ResumptionPskUsage,
        /// `opaque psk_group_id<V>`.
        psk_group_id: Vec<u8>,
        /// `uint64 psk_epoch`.
        psk_epoch: u64,
    },
}

/// `struct PreSharedKeyID` (RFC 9420 §8.4).
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_keyschedule::{PreSharedKeyID, Psk};
///
/// let id = PreSharedKeyID { psk: Psk::External { psk_id: vec![7] }, psk_nonce: vec![9; 2] };
/// let bytes = id.to_bytes().unwrap();
/// assert_eq!(bytes, [1, 1, 7, 2, 9, 9]);
/// assert_eq!(decode_exact::<PreSharedKeyID>(&bytes).unwrap(), id);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct PreSharedKeyID {
    /// `psktype` and its case's fields.
    pub psk: Psk,
    /// `opaque psk_nonce<V>`: fresh, `KDF.Nh` bytes.
    pub psk_nonce: Vec<u8>,
}

impl PreSharedKeyID {
    /// An identifier for `psk` with a fresh `KDF.Nh`-byte nonce.
    pub fn new<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        psk: Psk,
        rng: &mut dyn Rng,
    ) -> Result<Self, Error> {
        let nonce = suite.random_secret(suite.kdf_extract_len(), rng)?;
        Ok(PreSharedKeyID {
            psk,
            psk_nonce: nonce.as_bytes().to_vec(),
        })
    }

    /// Whether the nonce has the suite's length `KDF.Nh` (a PreSharedKey
    /// proposal with any other length is invalid, RFC 9420 §12.1.4).
    pub fn nonce_is_valid<S: CipherSuiteProvider + ?Sized>(&self, suite: &S) -> bool {
        self.psk_nonce.len() == suite.kdf_extract_len()
    }
}

/// `struct PSKLabel` (RFC 9420 §8.4), borrowing its PreSharedKeyID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode)]
pub struct PskLabel<'a> {
    /// `PreSharedKeyID id`.
    pub id: &'a PreSharedKeyID,
    /// `uint16 index`: the PSK's position in the list.
    pub index: u16,
    /// `uint16 count`: the number of PSKs.
    pub count: u16,
}

/// Where PSK values are looked up (RFC 9420 §8.4): external PSKs by
/// `psk_id`, resumption PSKs by group and epoch.
pub trait PskStore {
    /// The external PSK named `psk_id`.
    fn external_psk(&self, psk_id: &[u8]) -> Option<Secret>;

    /// The `resumption_psk` of epoch `epoch` of group `group_id`.
    fn resumption_psk(&self, group_id: &[u8], epoch: u64) -> Option<Secret>;

    /// The value of the PSK `id` names.
    fn psk(&self, id: &PreSharedKeyID) -> Option<Secret> {
        match &id.psk {
            Psk::External { psk_id } => self.external_psk(psk_id),
            Psk::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } => self.resumption_psk(psk_group_id, *psk_epoch),
        }
    }
}

/// A [`PskStore`] in memory.
///
/// ```
/// use mls_crypto::Secret;
/// use mls_keyschedule::{InMemoryPskStore, PskStore};
///
/// let mut store = InMemoryPskStore::new();
/// store.insert_external(b"id".to_vec(), Secret::from(vec![1; 32]));
/// store.insert_resumption(b"group".to_vec(), 4, Secret::from(vec![2; 32]));
/// assert!(store.external_psk(b"id").is_some());
/// assert!(store.resumption_psk(b"group", 4).is_some());
/// assert!(store.resumption_psk(b"group", 5).is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct InMemoryPskStore {
    external: BTreeMap<Vec<u8>, Secret>,
    resumption: BTreeMap<(Vec<u8>, u64), Secret>,
}

impl InMemoryPskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Store the external PSK `psk_id`, returning the value it replaces.
    pub fn insert_external(&mut self, psk_id: Vec<u8>, psk: Secret) -> Option<Secret> {
        self.external.insert(psk_id, psk)
    }

    /// Remove the external PSK `psk_id`.
    pub fn remove_external(&mut self, psk_id: &[u8]) -> Option<Secret> {
        self.external.remove(psk_id)
    }

    /// Store the resumption PSK of `epoch` of `group_id`.
    pub fn insert_resumption(
        &mut self,
        group_id: Vec<u8>,
        epoch: u64,
        psk: Secret,
    ) -> Option<Secret> {
        self.resumption.insert((group_id, epoch), psk)
    }

    /// Remove the resumption PSK of `epoch` of `group_id`.
    pub fn remove_resumption(&mut self, group_id: &[u8], epoch: u64) -> Option<Secret> {
        self.resumption.remove(&(group_id.to_vec(), epoch))
    }

    /// Keep only the resumption PSKs of `group_id` from epoch `oldest` on
    /// (the application's limit on stored epochs, RFC 9420 §8.6).
    pub fn prune_resumption(&mut self, group_id: &[u8], oldest: u64) {
        self.resumption
            .retain(|(g, e), _| g.as_slice() != group_id || *e >= oldest);
    }
}

impl PskStore for InMemoryPskStore {
    fn external_psk(&self, psk_id: &[u8]) -> Option<Secret> {
        self.external.get(psk_id).cloned()
    }

    fn resumption_psk(&self, group_id: &[u8], epoch: u64) -> Option<Secret> {
        self.resumption.get(&(group_id.to_vec(), epoch)).cloned()
    }
}

/// `psk_secret` (RFC 9420 §8.4): the PSKs of a Commit chained together, or
/// the all-zero `KDF.Nh` vector when there are none.
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
/// use mls_rustcrypto::RustCrypto;
/// use mls_keyschedule::{InMemoryPskStore, PreSharedKeyID, Psk, PskSecret};
///
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let mut store = InMemoryPskStore::new();
/// store.insert_external(b"id".to_vec(), Secret::from(vec![1; 32]));
/// let id = PreSharedKeyID { psk: Psk::External { psk_id: b"id".to_vec() }, psk_nonce: vec![0; 32] };
///
/// let psk_secret = PskSecret::compute(&suite, &[id], &store).unwrap();
/// assert_ne!(psk_secret, PskSecret::zero(&suite));
/// assert_eq!(PskSecret::compute(&suite, &[], &store).unwrap(), PskSecret::zero(&suite));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskSecret(Secret);

impl PskSecret {
    /// `psk_secret_[0]`: `KDF.Nh` zero bytes (no PSK).
    pub fn zero<S: CipherSuiteProvider + ?Sized>(suite: &S) -> Self {
        PskSecret(Secret::zero(suite.kdf_extract_len()))
    }

    /// Chain the PSKs `ids` names, looking their values up in `store`.
    pub fn compute<S: CipherSuiteProvider + ?Sized, P: PskStore + ?Sized>(
        suite: &S,
        ids: &[PreSharedKeyID],
        store: &P,
    ) -> Result<Self, Error> {
        chain(suite, ids.len(), |index| {
            let id = ids.get(index).ok_or(Error::MissingPsk { index })?;
            let value = store.psk(id).ok_or(Error::MissingPsk { index })?;
            Ok((id, value))
        })
    }

    /// Chain PSKs given with their values, in order.
    pub fn from_values<S: CipherSuiteProvider + ?Sized>(
        suite: &S,
        psks: &[(PreSharedKeyID, Secret)],
    ) -> Result<Self, Error> {
        chain(suite, psks.len(), |index| {
            let (id, value) = psks.get(index).ok_or(Error::MissingPsk { index })?;
            Ok((id, value.clone()))
        })
    }

    /// A `psk_secret` received or computed elsewhere.
    pub fn from_secret(secret: Secret) -> Self {
        PskSecret(secret)
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The chain of RFC 9420 §8.4 over `count` PSKs, the `i`-th given by `psk(i)`.
fn chain<'a, S, F>(suite: &S, count: usize, mut psk: F) -> Result<PskSecret, Error>
where
    S: CipherSuiteProvider + ?Sized,
    F: FnMut(usize) -> Result<(&'a PreSharedKeyID, Secret), Error>,
{
    let nh_len = nh(suite)?;
    let count16 = u16::try_from(count).map_err(|_| Error::TooManyPsks { count })?;
    let zero = Secret::zero(usize::from(nh_len));
    let mut psk_secret = zero.clone();
    for index in 0..count16 {
        let i = usize::from(index);
        let (id, value) = psk(i)?;
        if !id.nonce_is_valid(suite) {
            return Err(Error::InvalidPskNonceLength {
                index: i,
                got: id.psk_nonce.len(),
            });
        }
        let label = PskLabel {
            id,
            index,
            count: count16,
        }
        .to_bytes()?;
        let extracted = suite.kdf_extract(zero.as_bytes(), value.as_bytes())?;
        let input = labeled::expand_with_label(
            suite,
            extracted.as_bytes(),
            b"derived psk",
            &label,
            nh_len,
        )?;
        psk_secret = suite.kdf_extract(input.as_bytes(), psk_secret.as_bytes())?;
    }
    Ok(PskSecret(psk_secret))
}
