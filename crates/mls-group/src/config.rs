//! Group configuration: wire-format policy, padding, out-of-order window,
//! retained epochs, and hooks.

use mls_framing::Padding;
use mls_keyschedule::SecretTreeConfig;

/// Which wire format this member uses for its own handshake messages
/// (proposals and commits). Application messages are always PrivateMessages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandshakeFormat {
    /// PublicMessage with a membership tag (§6.2).
    #[default]
    Public,
    /// PrivateMessage (§6.3).
    Private,
}

/// When KeyPackage lifetimes (§7.2) are checked, against the caller's time
/// ([`crate::Group::set_time`]). RFC 9420 §7.3 requires the check for a
/// leaf a client sends (an Add it proposes or commits) and recommends it
/// for leaves it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LifetimeCheck {
    /// At the time set, always when sending: proposing or committing an
    /// Add without a time is refused ([`crate::GroupError::TimeRequired`]);
    /// received leaves are checked when a time is set.
    #[default]
    Required,
    /// At the time set, only if one is set, also when sending: an
    /// explicit choice below §7.3, for clients without a clock.
    WhenTimeSet,
    /// Never.
    Off,
}

/// Per-group settings.
///
/// ```
/// use mls_group::{GroupConfig, HandshakeFormat};
/// let config = GroupConfig { handshake_format: HandshakeFormat::Private, ..GroupConfig::default() };
/// assert_eq!(config.secret_tree.max_past_epochs, 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct GroupConfig {
    /// Wire format of our own proposals and commits.
    pub handshake_format: HandshakeFormat,
    /// Padding of our PrivateMessages.
    pub padding: Padding,
    /// Out-of-order window, retained keys, and how many past epochs stay
    /// decryptable for application messages (`max_past_epochs`).
    pub secret_tree: SecretTreeConfig,
    /// How many past epochs' resumption PSKs are kept (§8.6).
    pub max_resumption_psks: u32,
    /// Whether the ratchet tree is put into the GroupInfo of Welcomes we send.
    pub ratchet_tree_in_welcome: bool,
    /// When KeyPackage lifetimes are checked (see [`LifetimeCheck`]).
    pub lifetimes: LifetimeCheck,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            handshake_format: HandshakeFormat::Public,
            padding: Padding::None,
            secret_tree: SecretTreeConfig::DEFAULT,
            max_resumption_psks: 8,
            ratchet_tree_in_welcome: true,
            lifetimes: LifetimeCheck::Required,
        }
    }
}

/// The configuration as saved with a group's state, so that a restore
/// with another configuration is refused
/// ([`GroupError::ConfigMismatch`](crate::GroupError::ConfigMismatch))
/// instead of silently changing how the member sends. A custom padding
/// function is saved as "custom" only: every custom function counts as
/// the same.
impl mls_codec::Encode for GroupConfig {
    fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), mls_codec::Error> {
        self.fields().encode(out)
    }

    fn encoded_len(&self) -> usize {
        self.fields().encoded_len()
    }
}

impl GroupConfig {
    #[allow(clippy::type_complexity)]
    fn fields(&self) -> (u8, (u8, u64), SecretTreeConfig, (u32, bool, u8)) {
        let handshake = match self.handshake_format {
            HandshakeFormat::Public => 0,
            HandshakeFormat::Private => 1,
        };
        let padding = match self.padding {
            Padding::None => (0, 0),
            Padding::PadTo(n) => (1, n as u64),
            Padding::Custom(_) => (2, 0),
        };
        let lifetimes = match self.lifetimes {
            LifetimeCheck::Required => 0,
            LifetimeCheck::WhenTimeSet => 1,
            LifetimeCheck::Off => 2,
        };
        (
            handshake,
            padding,
            self.secret_tree,
            (
                self.max_resumption_psks,
                self.ratchet_tree_in_welcome,
                lifetimes,
            ),
        )
    }
}
