//! One checker per vector format. A checker takes one case and says whether
//! every verification step the format defines (`test-vectors.md`) held.

mod crypto_basics;
mod deserialization;
mod key_schedule;
mod message_protection;
mod messages;
mod passive_client;
mod psk_secret;
mod secret_tree;
mod transcript_hashes;
mod tree_math;
mod tree_operations;
mod tree_validation;
mod treekem;
mod welcome;

use serde_json::Value;

/// Checks one case; `Err` carries the first failed step.
pub type Checker = fn(&Value) -> Result<(), String>;

/// The formats this build can check, by name (an official file's stem).
pub const FORMATS: &[(&str, Checker)] = &[
    ("deserialization", deserialization::check),
    ("crypto-basics", crypto_basics::check),
    ("key-schedule", key_schedule::check),
    ("psk_secret", psk_secret::check),
    ("secret-tree", secret_tree::check),
    ("transcript-hashes", transcript_hashes::check),
    ("tree-math", tree_math::check),
    ("tree-validation", tree_validation::check),
    ("tree-operations", tree_operations::check),
    ("treekem", treekem::check),
    ("messages", messages::check),
    ("message-protection", message_protection::check),
    ("welcome", welcome::check),
    ("passive-client-welcome", passive_client::check),
    ("passive-client-handling-commit", passive_client::check),
    ("passive-client-random", passive_client::check),
];

/// The checker for `format`, if one exists.
pub fn checker(format: &str) -> Option<Checker> {
    FORMATS
        .iter()
        .find(|(name, _)| *name == format)
        .map(|(_, c)| *c)
}

/// Whether a checker exists for `format`.
pub fn is_known(format: &str) -> bool {
    checker(format).is_some()
}
