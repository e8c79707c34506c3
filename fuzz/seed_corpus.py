#!/usr/bin/env python3
"""Writes seed inputs for every fuzz target into fuzz/corpus/<target>/,
extracted from the official test vectors (real messages from other
implementations). Run `cargo fuzz cmin <target>` afterwards to keep the
committed corpus small.

Vectors are read from $MLS_TEST_VECTORS, else ../shared/mls-test-vectors
beside the repository."""
import hashlib, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
vectors = os.environ.get("MLS_TEST_VECTORS") or os.path.join(here, "..", "..", "shared", "mls-test-vectors")

def load(name):
    with open(os.path.join(vectors, name)) as f:
        return json.load(f)

def put(target, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def varint(n):
    if n < 1 << 6: return bytes([n])
    if n < 1 << 14: return (0x4000 | n).to_bytes(2, "big")
    return (0x80000000 | n).to_bytes(4, "big")

# MLSMessage header: version mls10 (1) + wire format.
def body(msg):
    return msg[4:]

for m in load("messages.json"):
    h = {k: bytes.fromhex(v) for k, v in m.items()}
    for k in ["mls_welcome", "mls_group_info", "mls_key_package", "public_message_application",
              "public_message_proposal", "public_message_commit", "private_message"]:
        put("mls_message", h[k])
    put("welcome", body(h["mls_welcome"]))
    put("group_info", body(h["mls_group_info"]))
    put("key_package", body(h["mls_key_package"]))
    put("ratchet_tree", h["ratchet_tree"])
    put("ratchet_tree_import", varint(0) + h["ratchet_tree"])

for m in load("welcome.json") + load("passive-client-welcome.json"):
    for k in ["welcome", "key_package"]:
        put("mls_message", bytes.fromhex(m[k]))
    put("welcome", body(bytes.fromhex(m["welcome"])))
    put("key_package", body(bytes.fromhex(m["key_package"])))

for m in load("tree-validation.json"):
    tree = bytes.fromhex(m["tree"])
    put("ratchet_tree", tree)
    if m["cipher_suite"] == 1:
        gid = bytes.fromhex(m["group_id"])
        put("ratchet_tree_import", varint(len(gid)) + gid + tree)

for m in load("treekem.json"):
    tree = bytes.fromhex(m["ratchet_tree"])
    put("ratchet_tree", tree)
    if m["cipher_suite"] == 1:
        gid = bytes.fromhex(m["group_id"])
        put("ratchet_tree_import", varint(len(gid)) + gid + tree)
