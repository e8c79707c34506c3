//! The out-of-order and retention policy of the secret tree (RFC 9420 §9.2).

/// How far a receiver follows a sender's ratchet and what it keeps for
/// out-of-order messages (RFC 9420 §9.2 lets members keep unconsumed values
/// "for some reasonable amount of time"; this makes the amount explicit).
///
/// The defaults:
///
/// * `max_forward_distance` = 1000: a message may claim a generation at most
///   1000 ahead of the next one expected from that sender. Reaching it costs
///   one KDF call per skipped generation, so this bounds the work a single
///   (possibly malicious) message can cause, while tolerating a sender whose
///   messages were lost or are still in flight by the hundreds.
/// * `max_retained_keys` = 32: per sender and ratchet, the keys of up to 32
///   skipped generations are kept for messages that arrive late; older ones
///   are deleted first. Delivery services reorder over short windows, so a
///   late message is rarely more than a few generations behind; 32 keys cost
///   well under 3 KiB per active sender ratchet, and every key kept is a key
///   that forward secrecy does not yet cover, so the window stays small.
/// * `max_past_epochs` = 2: the group layer keeps the secret trees of the two
///   epochs before the current one, for application messages sent just
///   before a Commit that arrive after it. The trees themselves do not use
///   this field.
///
/// ```
/// use mls_keyschedule::SecretTreeConfig;
/// let strict = SecretTreeConfig { max_retained_keys: 0, ..SecretTreeConfig::default() };
/// assert_eq!(strict.max_forward_distance, 1000);
/// assert_eq!(SecretTreeConfig::default(), SecretTreeConfig::DEFAULT);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, mls_codec::Encode, mls_codec::Decode)]
pub struct SecretTreeConfig {
    /// The largest accepted distance between the generation of a message
    /// and the next generation of the sender's ratchet.
    pub max_forward_distance: u32,
    /// The most skipped keys kept per sender and ratchet; beyond it the
    /// oldest are deleted.
    pub max_retained_keys: u32,
    /// How many past epochs' secret trees the group keeps (for the group
    /// layer; not used by the tree itself).
    pub max_past_epochs: u32,
}

impl SecretTreeConfig {
    /// The defaults documented on [`SecretTreeConfig`].
    pub const DEFAULT: Self = SecretTreeConfig {
        max_forward_distance: 1000,
        max_retained_keys: 32,
        max_past_epochs: 2,
    };
}

impl Default for SecretTreeConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}
