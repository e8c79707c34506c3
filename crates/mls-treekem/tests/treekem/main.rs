//! The integration tests of this crate, one binary (one link of the
//! crate and its generic code instead of one per file): each module is
//! what was a test file of its own; run one with
//! `cargo test -p <crate> --test treekem <module>::`.

mod capability_cost;
mod common;
mod import_batch;
mod journal;
mod key_collisions;
mod low_order_keys;
mod phased_import;
mod tree;
mod treekem;
mod validation;
