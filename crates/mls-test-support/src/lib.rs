//! Helpers for the tests, documentation examples, benchmarks and tools of
//! the MLS crates. Never a normal dependency of a production crate: the
//! protocol crates name it in `[dev-dependencies]` only, and the
//! `publish = false` tools (`test-vectors`, `benches`, `mls-fuzz-targets`)
//! may depend on it directly.
//!
//! * [`TestRng`]: the one deterministic random source of the workspace
//!   (SplitMix64). Predictable by design: never use it for real keys.
//! * Test doubles with a fixed behaviour: [`FailingRng`] (every call fails)
//!   and [`ZeroRng`] (only zero bytes, a broken source).
//! * [`CountingSuite`]: a provider wrapper counting KDF expansions,
//!   hashes, signature verifications and AEAD opens, for tests that bound
//!   work by counting it.
//! * [`framing`]: signers, KeyPackages and a GroupContext for the examples
//!   and tests of `mls-framing`.
//! * [`treekem`]: a placeholder leaf for the examples of `mls-treekem`.
//! * [`hpke`]: the low-order X25519/X448 public keys, for the tests of
//!   HPKE key validation.
//!
//! The crate depends on the protocol crates up to `mls-framing` but on
//! neither `mls-rustcrypto` nor `mls-group`. A doc example or an
//! integration test of a crate it depends on may use it (both link the same
//! instance of that crate); a `#[cfg(test)]` unit test inside that crate's
//! `src/` may not, since it would see a second, distinct copy of the crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod counting;
pub mod framing;
pub mod hpke;
mod rng;
pub mod treekem;

pub use counting::{CountingSuite, Counts};
pub use rng::{FailingRng, TestRng, ZeroRng};
