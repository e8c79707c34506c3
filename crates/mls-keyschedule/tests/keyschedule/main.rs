//! The integration tests of this crate, one binary (one link of the
//! crate and its generic code instead of one per file): each module is
//! what was a test file of its own; run one with
//! `cargo test -p <crate> --test keyschedule <module>::`.

mod forged_replay;
mod key_schedule;
mod psk;
mod secret_tree;
mod transcript;
