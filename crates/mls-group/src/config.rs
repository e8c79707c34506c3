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
