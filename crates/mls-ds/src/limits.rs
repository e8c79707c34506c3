//! Every limit of the Delivery Service, in one place (README's
//! "Delivery Service limits" table lists them). RFC 9750 leaves all of
//! them to the deployment (§7: "the maximum total lifetime that is
//! acceptable for a KeyPackage", buffering, rate limiting in MIMI §11);
//! the defaults are ours.

/// A fixed-window rate: at most `max` requests per `window` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed in one window.
    pub max: u32,
    /// The window's length in seconds (windows start at multiples of it).
    pub window: u64,
}

/// The Delivery Service's limits. [`Limits::default`] is the table in
/// README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// KeyPackages stored per client, all suites together (the
    /// last-resort ones included).
    pub max_key_packages_per_client: usize,
    /// KeyPackages in one upload.
    pub max_key_packages_per_upload: usize,
    /// Longest total lifetime (`not_after - not_before`, seconds) of an
    /// uploaded KeyPackage (RFC 9750 §7).
    pub max_key_package_lifetime: u64,
    /// Below this many regular KeyPackages of a suite, the owner is told
    /// its stock is low ([`crate::Stock::low`], [`crate::FetchedKeyPackages::low_stock`]).
    pub key_package_low_stock: usize,
    /// (client, suite) pairs in one KeyPackage query.
    pub max_key_package_queries: usize,
    /// Largest encoded message accepted (handshake or application).
    pub max_message_size: usize,
    /// Messages returned by one fetch.
    pub max_fetch: usize,
    /// Past epochs whose application messages are still accepted (a
    /// member may send in the epoch it has not left yet).
    pub application_past_epochs: u64,
    /// Welcomes waiting for one client (not yet acknowledged): a commit
    /// that would add a client with this many waiting is refused
    /// ([`crate::DsError::LimitExceeded`]).
    pub max_waiting_welcomes: usize,
    /// Ratchet trees kept per group for clients added in a past epoch
    /// (MIMI §7); the oldest is dropped past this.
    pub max_retained_trees: usize,
    /// Requests per client (every operation that names a client but
    /// [`crate::DeliveryService::key_package_stock`]), counted when made,
    /// refused or not.
    pub client_rate: Rate,
    /// Messages submitted per group (proposals, commits, application
    /// messages), counted when submitted, refused or not.
    pub group_rate: Rate,
    /// How often a request that lost a store race ([`crate::StoreError::Conflict`])
    /// is run again before the caller gets [`crate::DsError::Contention`].
    pub store_retries: u32,
}

/// Group views (`PublicGroup`s) one engine instance keeps in memory;
/// past this the cache is emptied and views are rebuilt from the store on
/// demand (O(members) signature checks each).
pub const MAX_CACHED_VIEWS: usize = 4096;

/// 90 days.
pub const DEFAULT_MAX_KEY_PACKAGE_LIFETIME: u64 = 90 * 24 * 3600;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_key_packages_per_client: 1024,
            max_key_packages_per_upload: 256,
            max_key_package_lifetime: DEFAULT_MAX_KEY_PACKAGE_LIFETIME,
            key_package_low_stock: 8,
            max_key_package_queries: 256,
            max_message_size: 1 << 20,
            max_fetch: 1000,
            application_past_epochs: 2,
            max_waiting_welcomes: 256,
            max_retained_trees: 16,
            client_rate: Rate {
                max: 600,
                window: 60,
            },
            group_rate: Rate {
                max: 6000,
                window: 60,
            },
            store_retries: 16,
        }
    }
}
