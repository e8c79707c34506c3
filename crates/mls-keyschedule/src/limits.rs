//! Resource limits of the key schedule's secret tree (RFC 9420 is silent
//! on them). The out-of-order policy itself (forward distance, retained
//! keys, past epochs) is configuration: [`SecretTreeConfig`](crate::SecretTreeConfig).
//!
//! | limit | default | enforced by |
//! |---|---|---|
//! | sender ratchets with chain values kept from refused messages, per secret tree | [`MAX_LOOKAHEAD_RATCHETS`] = 64 | [`SecretTree::open_with`](crate::SecretTree::open_with), [`SecretTree::open_staged`](crate::SecretTree::open_staged): the least recently used is evicted |
//! | chain secrets kept per such ratchet | [`MAX_LOOKAHEAD_CHECKPOINTS`] = 16 (+ 1) | one every `max_forward_distance / 16` generations of the window |
//!
//! Memory: a kept ratchet holds at most 17 chain secrets (`KDF.Nh` bytes
//! each) and one key and nonce, about 2 KiB with the allocations, so a
//! secret tree keeps at most about 128 KiB for refused messages.

/// The most sender ratchets (leaf and handshake/application) for which a
/// secret tree keeps the chain values a refused message made it derive:
/// 64. A replay of a refused message on one of them costs no derivation,
/// another message in its window at most a checkpoint spacing of steps; a
/// ratchet evicted costs its first derivation again.
pub const MAX_LOOKAHEAD_RATCHETS: usize = 64;

/// The most checkpoints (chain secrets) kept per such ratchet across its
/// forward window: 16, one every `max_forward_distance / 16` generations
/// (63 with the default distance of 1000), plus the ratchet's first secret
/// for a leaf not used yet.
pub const MAX_LOOKAHEAD_CHECKPOINTS: u32 = 16;
