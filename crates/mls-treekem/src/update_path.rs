//! `UpdatePathNode` and `UpdatePath` (RFC 9420 §7.6).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode, Error, Reader};
use mls_crypto::{HpkeCiphertext, HpkePublicKey};

use crate::LeafNode;

/// `HPKECiphertext encrypted_path_secret<V>` (RFC 9420 §7.6), kept in its
/// encoded form: a path secret encrypted to each node of a copath
/// resolution, which in a sparse tree is one ciphertext per member.
/// Decoding, copying and dropping the list cost one allocation instead of
/// two per ciphertext, and a receiver decodes only the ciphertext it needs
/// ([`get`](Self::get)). Decoding checks every entry's framing.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_crypto::HpkeCiphertext;
/// use mls_treekem::EncryptedPathSecrets;
/// let ct = HpkeCiphertext { kem_output: vec![1; 32], ciphertext: vec![2; 48] };
/// let mut list = EncryptedPathSecrets::new();
/// list.push(&ct).unwrap();
/// assert_eq!(list.len(), 1);
/// assert_eq!(list.get(0), Some(ct.clone()));
/// // The wire form of `HPKECiphertext x<V>`.
/// assert_eq!(list.to_bytes().unwrap(), vec![ct].to_bytes().unwrap());
/// assert_eq!(decode_exact::<EncryptedPathSecrets>(&list.to_bytes().unwrap()).unwrap(), list);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EncryptedPathSecrets {
    /// The encoded entries, without the vector's length prefix.
    bytes: Vec<u8>,
    /// The number of entries.
    count: usize,
}

/// Skips one encoded `HPKECiphertext`, returning its two fields.
fn read_entry<'a>(r: &mut Reader<'a>) -> Result<(&'a [u8], &'a [u8]), Error> {
    let kem_output = r.read_vector_bytes()?;
    let ciphertext = r.read_vector_bytes()?;
    Ok((kem_output, ciphertext))
}

impl EncryptedPathSecrets {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of ciphertexts.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there is no ciphertext.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends `ciphertext`. Fails only if a field is longer than a
    /// variable-length integer can count.
    pub fn push(&mut self, ciphertext: &HpkeCiphertext) -> Result<(), Error> {
        let start = self.bytes.len();
        let written = mls_codec::write_vector_bytes(&ciphertext.kem_output, &mut self.bytes)
            .and_then(|()| mls_codec::write_vector_bytes(&ciphertext.ciphertext, &mut self.bytes));
        if let Err(e) = written {
            self.bytes.truncate(start);
            return Err(e);
        }
        self.count = self.count.saturating_add(1);
        Ok(())
    }

    /// The ciphertexts in order, each decoded (allocating) as it is reached.
    pub fn iter(&self) -> impl Iterator<Item = HpkeCiphertext> + '_ {
        let mut r = Reader::new(&self.bytes);
        core::iter::from_fn(move || {
            let (kem_output, ciphertext) = read_entry(&mut r).ok()?;
            Some(HpkeCiphertext {
                kem_output: kem_output.to_vec(),
                ciphertext: ciphertext.to_vec(),
            })
        })
    }

    /// The ciphertext at `index`, decoded; `None` past the end. O(index):
    /// the entries before it are skipped, not decoded.
    pub fn get(&self, index: usize) -> Option<HpkeCiphertext> {
        if index >= self.count {
            return None;
        }
        let mut r = Reader::new(&self.bytes);
        for _ in 0..index {
            read_entry(&mut r).ok()?;
        }
        let (kem_output, ciphertext) = read_entry(&mut r).ok()?;
        Some(HpkeCiphertext {
            kem_output: kem_output.to_vec(),
            ciphertext: ciphertext.to_vec(),
        })
    }
}

impl TryFrom<Vec<HpkeCiphertext>> for EncryptedPathSecrets {
    type Error = Error;

    fn try_from(list: Vec<HpkeCiphertext>) -> Result<Self, Error> {
        let mut out = EncryptedPathSecrets::new();
        for ct in &list {
            out.push(ct)?;
        }
        Ok(out)
    }
}

impl core::fmt::Debug for EncryptedPathSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Encode for EncryptedPathSecrets {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        mls_codec::write_vector_bytes(&self.bytes, out)
    }

    fn encoded_len(&self) -> usize {
        mls_codec::varint_len(self.bytes.len()).saturating_add(self.bytes.len())
    }
}

/// Checks the framing of every entry (two `opaque<V>` each), as decoding
/// into `Vec<HpkeCiphertext>` would, and keeps one copy of the bytes.
impl Decode for EncryptedPathSecrets {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let bytes = r.read_vector_bytes()?;
        let mut entries = Reader::new(bytes);
        let mut count = 0usize;
        while !entries.is_empty() {
            read_entry(&mut entries)?;
            count = count.saturating_add(1);
        }
        Ok(EncryptedPathSecrets {
            bytes: bytes.to_vec(),
            count,
        })
    }
}

/// `UpdatePathNode` (RFC 9420 §7.6): a new node key and the path secret encrypted to each copath resolution node.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct UpdatePathNode {
    /// `HPKEPublicKey encryption_key`
    pub encryption_key: HpkePublicKey,
    /// `HPKECiphertext encrypted_path_secret<V>`
    pub encrypted_path_secret: EncryptedPathSecrets,
}

/// `UpdatePath` (RFC 9420 §7.6): the committer's new leaf and one node per filtered direct path node.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_treekem::UpdatePath;
/// let path = UpdatePath { leaf_node: mls_test_support::treekem::leaf(1), nodes: vec![] };
/// assert_eq!(decode_exact::<UpdatePath>(&path.to_bytes().unwrap()).unwrap(), path);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct UpdatePath {
    /// `LeafNode leaf_node` (source `commit`).
    pub leaf_node: LeafNode,
    /// `UpdatePathNode nodes<V>`, leaf upwards.
    pub nodes: Vec<UpdatePathNode>,
}
