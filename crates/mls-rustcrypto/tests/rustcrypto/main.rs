//! The integration tests of this crate, one binary (one link of the
//! crate and its generic code instead of one per file): each module is
//! what was a test file of its own; run one with
//! `cargo test -p <crate> --test rustcrypto <module>::`.

mod batch_verify;
mod common;
mod ecdsa_high_s;
mod ed25519_batch_agreement;
mod hpke_interop;
mod key_parsing;
mod low_order_keys;
mod parts;
mod rust_crypto_suites;
mod trait_examples;
