//! `tree-operations.json`: applying an Add, Update or Remove proposal to a
//! ratchet tree (RFC 9420 §12.1.1–§12.1.3, §7.7).

use mls_codec::{Decode, Reader};
use mls_crypto::{CipherSuite, CryptoProvider, HpkePublicKey};
use mls_rustcrypto::RustCrypto;
use mls_treekem::{LeafNode, RatchetTree};
use mls_types::tree_math::LeafIndex;
use mls_types::Extension;
use serde_json::Value;

use crate::hexjson::{bytes, expect_eq, uint};

/// The Proposal fields this format needs, decoded locally (the message
/// types live in a later crate).
enum Proposal {
    Add(LeafNode),
    Update(LeafNode),
    Remove(u32),
}

/// `Proposal` with `add(1)` (a KeyPackage), `update(2)` or `remove(3)`.
fn decode_proposal(data: &[u8]) -> Result<Proposal, String> {
    let mut r = Reader::new(data);
    let e = |e: mls_codec::Error| e.to_string();
    let proposal = match u16::decode(&mut r).map_err(e)? {
        1 => {
            // KeyPackage: version, cipher_suite, init_key, leaf_node, extensions, signature.
            let _version = u16::decode(&mut r).map_err(e)?;
            let _suite = u16::decode(&mut r).map_err(e)?;
            let _init_key = HpkePublicKey::decode(&mut r).map_err(e)?;
            let leaf = LeafNode::decode(&mut r).map_err(e)?;
            let _extensions = Vec::<Extension>::decode(&mut r).map_err(e)?;
            let _signature = Vec::<u8>::decode(&mut r).map_err(e)?;
            Proposal::Add(leaf)
        }
        2 => Proposal::Update(LeafNode::decode(&mut r).map_err(e)?),
        3 => Proposal::Remove(u32::decode(&mut r).map_err(e)?),
        t => return Err(format!("unexpected proposal type {t}")),
    };
    if !r.is_empty() {
        return Err("trailing bytes after the proposal".into());
    }
    Ok(proposal)
}

/// Tree hash before, the tree after applying the proposal, and its tree hash.
pub fn check(case: &Value) -> Result<(), String> {
    let suite_id = u16::try_from(uint(case, "cipher_suite")?).map_err(|_| "suite out of range")?;
    let cs = RustCrypto
        .cipher_suite_provider(CipherSuite(suite_id))
        .ok_or_else(|| format!("cipher suite {suite_id} not supported by this build"))?;
    let mut tree = RatchetTree::from_extension_bytes(&bytes(case, "tree_before")?)
        .map_err(|e| format!("tree_before: {e}"))?;
    let hash = tree.tree_hash(&cs).map_err(|e| e.to_string())?;
    expect_eq("tree_hash_before", &hash, &bytes(case, "tree_hash_before")?)?;

    let sender =
        u32::try_from(uint(case, "proposal_sender")?).map_err(|_| "sender out of range")?;
    match decode_proposal(&bytes(case, "proposal")?)? {
        Proposal::Add(leaf) => tree.add_leaf(leaf).map(|_| ()),
        Proposal::Update(leaf) => tree.update_leaf(LeafIndex(sender), leaf),
        Proposal::Remove(removed) => tree.remove_leaf(LeafIndex(removed)),
    }
    .map_err(|e| format!("apply: {e}"))?;

    let after = tree.to_extension_bytes().map_err(|e| e.to_string())?;
    expect_eq("tree_after", &after, &bytes(case, "tree_after")?)?;
    let hash = tree.tree_hash(&cs).map_err(|e| e.to_string())?;
    expect_eq("tree_hash_after", &hash, &bytes(case, "tree_hash_after")?)
}
