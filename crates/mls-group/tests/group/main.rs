//! The integration tests of this crate, one binary (one link of the
//! crate and its generic code instead of one per file): each module is
//! what was a test file of its own; run one with
//! `cargo test -p <crate> --test group <module>::`.

mod authentication;
mod bad_input_matrix;
mod capability_cost;
mod common;
mod custom_proposals;
mod features;
mod hostile;
mod incremental_state;
mod lifecycle;
mod matrix;
mod mutations;
mod options;
mod persistence;
mod public_state;
mod rejections;
mod resumption;
mod rfc_valid;
mod rotation;
mod states;
mod storage;
mod strictness;
