//! The integration tests of this crate, one binary (one link of the
//! crate and its generic code instead of one per file): each module is
//! what was a test file of its own; run one with
//! `cargo test -p <crate> --test types <module>::`.

mod code_point_set;
mod credential;
mod limits_chain;
mod tree_math_total;
