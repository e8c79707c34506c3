//! `tree-validation.json`: resolutions, tree hashes, parent hashes and leaf
//! signatures of a ratchet tree (RFC 9420 §4.1.1, §7.3, §7.8, §7.9.2).

use mls_crypto::{CipherSuite, CryptoProvider};
use mls_rustcrypto::RustCrypto;
use mls_treekem::{LeafNodeContext, RatchetTree};
use mls_types::tree_math::NodeIndex;
use serde_json::Value;

use crate::hexjson::{bytes, uint};

/// Every verification step of the format.
pub fn check(case: &Value) -> Result<(), String> {
    let suite_id = u16::try_from(uint(case, "cipher_suite")?).map_err(|_| "suite out of range")?;
    let cs = RustCrypto
        .cipher_suite_provider(CipherSuite(suite_id))
        .ok_or_else(|| format!("cipher suite {suite_id} not supported by this build"))?;
    let group_id = bytes(case, "group_id")?;
    let mut tree = RatchetTree::from_extension_bytes(&bytes(case, "tree")?)
        .map_err(|e| format!("tree: {e}"))?;

    let resolutions = case
        .get("resolutions")
        .and_then(Value::as_array)
        .ok_or("missing `resolutions`")?;
    if resolutions.len() != tree.n_nodes() as usize {
        return Err(format!(
            "{} resolutions for {} nodes",
            resolutions.len(),
            tree.n_nodes()
        ));
    }
    for (i, want) in resolutions.iter().enumerate() {
        let want: Vec<u64> = want
            .as_array()
            .ok_or("resolution is not an array")?
            .iter()
            .map(|v| v.as_u64().ok_or("resolution entry is not an integer"))
            .collect::<Result<_, _>>()?;
        let got: Vec<u64> = tree
            .resolution(NodeIndex(i as u32))
            .iter()
            .map(|x| u64::from(x.0))
            .collect();
        if got != want {
            return Err(format!(
                "resolution of node {i}: got {got:?}, want {want:?}"
            ));
        }
    }

    let hashes = case
        .get("tree_hashes")
        .and_then(Value::as_array)
        .ok_or("missing `tree_hashes`")?;
    if hashes.len() != tree.n_nodes() as usize {
        return Err(format!(
            "{} tree hashes for {} nodes",
            hashes.len(),
            tree.n_nodes()
        ));
    }
    for (i, want) in hashes.iter().enumerate() {
        let want = hex::decode(want.as_str().ok_or("tree hash is not a string")?)
            .map_err(|e| e.to_string())?;
        let got = tree
            .node_tree_hash(&cs, NodeIndex(i as u32))
            .map_err(|e| e.to_string())?;
        if got != want {
            return Err(format!("tree hash of node {i}"));
        }
    }

    tree.verify_parent_hashes(&cs)
        .map_err(|e| format!("parent hashes: {e}"))?;
    tree.check_unmerged_leaves()
        .map_err(|e| format!("unmerged leaves: {e}"))?;
    for (i, leaf) in tree.members() {
        let context = LeafNodeContext::Tree {
            group_id: &group_id,
            leaf_index: i,
        };
        let group = match context {
            LeafNodeContext::Tree {
                group_id,
                leaf_index,
            } => Some((group_id, leaf_index)),
            _ => None,
        };
        leaf.verify_signature(&cs, group)
            .map_err(|e| format!("leaf {}: {e}", i.0))?;
    }
    Ok(())
}
