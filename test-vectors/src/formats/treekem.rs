//! `treekem.json`: path secrets, processing every UpdatePath as every
//! receiver, and re-creating an UpdatePath from each sender (RFC 9420 §7.4–§7.6).

use std::collections::BTreeMap;

use mls_codec::{decode_exact, Encode};
use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Secret, SignaturePrivateKey,
};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::TestRng;
use mls_treekem::{RatchetTree, TreePrivateKeys, UpdatePath};
use mls_types::tree_math::{LeafIndex, NodeIndex};
use serde_json::Value;

use crate::hexjson::{bytes, expect_eq, private_key, uint};

/// The fixed GroupContext fields of a case.
struct Context {
    suite: u16,
    group_id: Vec<u8>,
    epoch: u64,
    confirmed_transcript_hash: Vec<u8>,
}

impl Context {
    /// The encoded GroupContext with `tree_hash` and no extensions (RFC 9420 §8.1).
    fn encode(&self, tree_hash: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let e = |e: mls_codec::Error| e.to_string();
        1u16.encode(&mut out).map_err(e)?;
        self.suite.encode(&mut out).map_err(e)?;
        self.group_id.encode(&mut out).map_err(e)?;
        self.epoch.encode(&mut out).map_err(e)?;
        tree_hash.encode(&mut out).map_err(e)?;
        self.confirmed_transcript_hash.encode(&mut out).map_err(e)?;
        Vec::<u8>::new().encode(&mut out).map_err(e)?; // extensions<V>: empty
        Ok(out)
    }
}

fn array<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("missing array `{key}`"))
}

fn u32_field(v: &Value, key: &str) -> Result<u32, String> {
    u32::try_from(uint(v, key)?).map_err(|_| format!("`{key}` exceeds uint32"))
}

/// Every verification step of the format.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = u16::try_from(uint(case, "cipher_suite")?).map_err(|_| "suite out of range")?;
    let cs = RustCrypto
        .cipher_suite_provider(CipherSuite(suite))
        .ok_or_else(|| format!("cipher suite {suite} not supported by this build"))?;
    let ctx = Context {
        suite,
        group_id: bytes(case, "group_id")?,
        epoch: uint(case, "epoch")?,
        confirmed_transcript_hash: bytes(case, "confirmed_transcript_hash")?,
    };
    let tree = RatchetTree::from_extension_bytes(&bytes(case, "ratchet_tree")?)
        .map_err(|e| format!("tree: {e}"))?;

    // Private states, checked against the tree.
    let mut privates = BTreeMap::new();
    let mut signers = BTreeMap::new();
    for lp in array(case, "leaves_private")? {
        let leaf = LeafIndex(u32_field(lp, "index")?);
        let public = tree
            .leaf(leaf)
            .ok_or(format!("leaf {} blank", leaf.0))?
            .encryption_key
            .clone();
        let private =
            HpkePrivateKey::from_bytes(private_key(cs.cipher_suite(), lp, "encryption_priv")?);
        if cs.hpke_public_key(&private).map_err(|e| e.to_string())? != public {
            return Err(format!(
                "leaf {}: encryption_priv does not match the tree",
                leaf.0
            ));
        }
        let mut keys = TreePrivateKeys::new(leaf, public, private);
        for ps in array(lp, "path_secrets")? {
            let node = NodeIndex(u32_field(ps, "node")?);
            let secret = Secret::from(bytes(ps, "path_secret")?);
            keys.set_node_secret(&cs, &tree, node, &secret)
                .map_err(|e| format!("leaf {}: {e}", leaf.0))?;
        }
        privates.insert(leaf, keys);
        signers.insert(
            leaf,
            SignaturePrivateKey::from_bytes(private_key(cs.cipher_suite(), lp, "signature_priv")?),
        );
    }

    for (n, up) in array(case, "update_paths")?.iter().enumerate() {
        check_update_path(&cs, &ctx, &tree, &privates, up)
            .map_err(|e| format!("update_paths[{n}]: {e}"))?;
        let sender = LeafIndex(u32_field(up, "sender")?);
        let signer = signers
            .get(&sender)
            .ok_or("no signature key for the sender")?;
        recreate(&cs, &ctx, &tree, &privates, sender, signer)
            .map_err(|e| format!("new path from {}: {e}", sender.0))?;
    }
    Ok(())
}

/// Processes the given UpdatePath as every other member.
fn check_update_path(
    cs: &RustCryptoSuite,
    ctx: &Context,
    tree: &RatchetTree,
    privates: &BTreeMap<LeafIndex, TreePrivateKeys>,
    up: &Value,
) -> Result<(), String> {
    let sender = LeafIndex(u32_field(up, "sender")?);
    let path: UpdatePath =
        decode_exact(&bytes(up, "update_path")?).map_err(|e| format!("decode: {e}"))?;
    let mut merged_tree = tree.clone();
    let merged = merged_tree
        .merge_update_path(cs, sender, &path, &ctx.group_id, &[])
        .map_err(|e| format!("merge: {e}"))?;
    let tree_hash = merged_tree.tree_hash(cs).map_err(|e| e.to_string())?;
    expect_eq(
        "tree_hash_after",
        &tree_hash,
        &bytes(up, "tree_hash_after")?,
    )?;
    let group_context = ctx.encode(&tree_hash)?;
    let commit_secret = bytes(up, "commit_secret")?;
    let secrets = array(up, "path_secrets")?;
    for (j, want) in secrets.iter().enumerate() {
        let leaf = LeafIndex(j as u32);
        let Some(want) = want.as_str() else { continue };
        let want = hex::decode(want).map_err(|e| e.to_string())?;
        let mut keys = privates
            .get(&leaf)
            .ok_or(format!("no private state for leaf {j}"))?
            .clone();
        let got = merged
            .decrypt(cs, &merged_tree, &path, &mut keys, &group_context)
            .map_err(|e| format!("leaf {j}: {e}"))?;
        expect_eq(
            &format!("path secret of leaf {j}"),
            got.path_secret.as_bytes(),
            &want,
        )?;
        expect_eq(
            &format!("commit secret of leaf {j}"),
            got.commit_secret.as_bytes(),
            &commit_secret,
        )?;
    }
    Ok(())
}

/// Creates a new UpdatePath from `sender`; every other member must process
/// it to the same commit secret.
fn recreate(
    cs: &RustCryptoSuite,
    ctx: &Context,
    tree: &RatchetTree,
    privates: &BTreeMap<LeafIndex, TreePrivateKeys>,
    sender: LeafIndex,
    signer: &SignaturePrivateKey,
) -> Result<(), String> {
    let key = cs.signing_key(signer).map_err(|e| e.to_string())?;
    let mut rng = TestRng::new(u64::from(sender.0));
    let mut ours = tree.clone();
    let template = ours.leaf(sender).ok_or("sender leaf blank")?.clone();
    let pending = ours
        .prepare_update_path(cs, sender, template, &key, &ctx.group_id, &mut rng)
        .map_err(|e| format!("prepare: {e}"))?;
    let tree_hash = ours.tree_hash(cs).map_err(|e| e.to_string())?;
    let group_context = ctx.encode(&tree_hash)?;
    let (path, secrets) = pending
        .encrypt(cs, &ours, &group_context, &[], &mut rng)
        .map_err(|e| format!("encrypt: {e}"))?;

    let mut theirs = tree.clone();
    let merged = theirs
        .merge_update_path(cs, sender, &path, &ctx.group_id, &[])
        .map_err(|e| format!("merge: {e}"))?;
    let their_hash = theirs.tree_hash(cs).map_err(|e| e.to_string())?;
    expect_eq("tree hash after our path", &their_hash, &tree_hash)?;
    for (leaf, keys) in privates.iter().filter(|(l, _)| **l != sender) {
        let mut keys = keys.clone();
        let got = merged
            .decrypt(cs, &theirs, &path, &mut keys, &group_context)
            .map_err(|e| format!("leaf {}: {e}", leaf.0))?;
        expect_eq(
            &format!("commit secret of leaf {}", leaf.0),
            got.commit_secret.as_bytes(),
            secrets.commit_secret.as_bytes(),
        )?;
    }
    Ok(())
}
