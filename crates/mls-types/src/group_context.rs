//! `GroupContext` (RFC 9420 §8.1).

use crate::CipherSuite;
use crate::{Extension, ProtocolVersion};
use alloc::vec::Vec;
use mls_codec::{Decode, Encode};

/// `struct GroupContext` (RFC 9420 §8.1): the summary of the group's state
/// that every epoch's key schedule binds.
///
/// ```
/// use mls_codec::{decode_exact, Encode};
/// use mls_types::CipherSuite;
/// use mls_types::GroupContext;
///
/// let gc = GroupContext::new(CipherSuite(1), b"group".to_vec(), 0, vec![0xaa; 32], Vec::new());
/// let bytes = gc.to_bytes().unwrap();
/// // version mls10, suite 1, group_id<V>
/// assert_eq!(&bytes[..5], &[0, 1, 0, 1, 5]);
/// assert_eq!(decode_exact::<GroupContext>(&bytes).unwrap(), gc);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct GroupContext {
    /// `ProtocolVersion version = mls10`.
    pub version: ProtocolVersion,
    /// The group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// `opaque group_id<V>`: the application's identifier of the group.
    pub group_id: Vec<u8>,
    /// `uint64 epoch`: incremented by each Commit.
    pub epoch: u64,
    /// `opaque tree_hash<V>`: the ratchet tree's root tree hash (§7.8).
    pub tree_hash: Vec<u8>,
    /// `opaque confirmed_transcript_hash<V>` (§8.2).
    pub confirmed_transcript_hash: Vec<u8>,
    /// `Extension extensions<V>`: the group's extensions.
    pub extensions: Vec<Extension>,
}

impl GroupContext {
    /// An `mls10` GroupContext with no extensions.
    pub fn new(
        cipher_suite: CipherSuite,
        group_id: Vec<u8>,
        epoch: u64,
        tree_hash: Vec<u8>,
        confirmed_transcript_hash: Vec<u8>,
    ) -> Self {
        GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite,
            group_id,
            epoch,
            tree_hash,
            confirmed_transcript_hash,
            extensions: Vec::new(),
        }
    }
}
