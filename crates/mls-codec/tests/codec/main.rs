//! The integration tests of this crate, one binary (one link of the
//! crate and its generic code instead of one per file): each module is
//! what was a test file of its own; run one with
//! `cargo test -p <crate> --test codec <module>::`.

mod common;
mod malformed;
mod proptests;
mod roundtrip;
mod varint;
