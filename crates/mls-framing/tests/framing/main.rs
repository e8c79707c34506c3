//! The integration tests of this crate, one binary (one link of the
//! crate and its generic code instead of one per file): each module is
//! what was a test file of its own; run one with
//! `cargo test -p <crate> --test framing <module>::`.

mod common;
mod fuzz;
mod private_message;
mod public_message;
mod roundtrip_props;
mod sender_rules;
mod welcome;
