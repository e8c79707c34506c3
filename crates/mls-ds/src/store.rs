//! What the engine reads and writes: the [`Store`] trait, its records and
//! its transaction contract.
//!
//! # The transaction contract
//!
//! Every request runs as one transaction: [`Store::begin`], reads through
//! the [`Transaction`], then one [`Transaction::commit`] with every write
//! of the request as a list of [`Write`]s — or a drop (a refused request:
//! nothing was written, since writes are only ever given to `commit`).
//!
//! `commit` applies **all of its writes atomically, in the order given,
//! or none**, and fails
//! with [`StoreError::Conflict`] (writing nothing) when a precondition
//! does not hold at commit time:
//!
//! * [`Write::PutGroup`] is a compare-and-swap on the group's `version`
//!   (or "does not exist yet"): every write to a group's log, state or
//!   memberships is in a batch with its `PutGroup`, so requests on one
//!   group are serialised, across any number of engine instances sharing
//!   the store. An SQL store: `UPDATE groups SET ... WHERE group_id = ?
//!   AND version = ?` and one affected row (or `SELECT ... FOR UPDATE`
//!   at the first read of the group, then a plain update).
//! * [`Write::TakeKeyPackage`] deletes a KeyPackage that must still be
//!   there (`DELETE ... WHERE ref = ?`, one affected row): a KeyPackage is
//!   served once even when two instances race for it.
//!
//! Every other write commutes with concurrent requests by construction
//! (cursors only move forward, counters add, records are keyed by what
//! identifies them), so an SQL store can run at READ COMMITTED. Reads need
//! not be a snapshot: a decision made on a stale read is caught by a
//! precondition, and the engine runs the request again from `begin` (at
//! most [`crate::Limits::store_retries`] times).
//!
//! Writes per accepted message are O(1) in the group's size: the message
//! is stored once in the group's log with a sequence number
//! ([`Write::AppendMessage`]) and each client reads the log from its own
//! cursor ([`MemberRecord`]); a commit adds one membership write per
//! client it adds or removes, the Welcome once (one small reference per
//! joiner: [`Write::PutWelcome`]), the new epoch's
//! GroupInfo ([`Write::PutGroupState`]) and the records of the group's
//! view that changed ([`Write::PutViewRecord`]: the public record and
//! the tree nodes on the committer's path, O(log N) of them). A proposal
//! rewrites the public record (it holds the epoch's proposals), so a view
//! is restored from its records alone, with no signature to verify.
//!
//! The trait is synchronous and small: an async server calls it on a
//! blocking thread, or a store does its own I/O.

use crate::ids::ClientId;

/// A store failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// A precondition of [`Transaction::commit`] failed: another request
    /// changed what this one read. Nothing was written; the engine runs
    /// the request again.
    Conflict,
    /// The store could not be reached or failed: nothing was written (or
    /// the store cannot tell, and the request is not retried).
    Unavailable(String),
    /// A stored record could not be read back.
    Corrupt(&'static str),
}

impl core::fmt::Display for StoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StoreError::Conflict => f.write_str("store conflict"),
            StoreError::Unavailable(e) => write!(f, "store unavailable: {e}"),
            StoreError::Corrupt(e) => write!(f, "corrupt store record: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// A group's small, hot record: written (compare-and-swap on `version`)
/// with every message accepted for the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// The group id.
    pub group_id: Vec<u8>,
    /// Bumped by every write to the group: the compare-and-swap key.
    pub version: u64,
    /// Bumped by every handshake message (the DS's view of the group
    /// changed): an engine's cached view is good while this matches.
    pub view_version: u64,
    /// The cipher suite.
    pub cipher_suite: u16,
    /// The current epoch.
    pub epoch: u64,
    /// The sequence number the next accepted message gets.
    pub next_seq: u64,
    /// The sequence number of the first message of the current epoch.
    pub epoch_start_seq: u64,
    /// A ReInit was committed (RFC 9750 §5.2.3): the group takes no
    /// more messages.
    pub frozen: bool,
    /// When the group was created (caller's time).
    pub created_at: u64,
}

/// The GroupInfo of a group's current epoch, written with each commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupStateRecord {
    /// The group id.
    pub group_id: Vec<u8>,
    /// The epoch this GroupInfo is of.
    pub epoch: u64,
    /// The encoded, signed GroupInfo of the epoch (no `ratchet_tree`
    /// extension: the tree is in the group's [`ViewKey::Node`] records).
    pub group_info: Vec<u8>,
}

/// Which record of a group's public state (the DS's view: an
/// `mls_group::PublicGroup` saved as records, see
/// `PublicGroup::take_state_changes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViewKey {
    /// The public record: GroupContext, confirmation tag, the epoch's
    /// proposals, the tree's size.
    Public,
    /// One non-blank node of the ratchet tree, by node index.
    Node(u32),
}

/// What kind of message a log entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// An application message (PrivateMessage), never decrypted.
    Application,
    /// A proposal (PublicMessage).
    Proposal,
    /// A commit (PublicMessage) that won its epoch.
    Commit,
}

/// One accepted message in a group's log: stored once, read by every
/// member from its cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// The group.
    pub group_id: Vec<u8>,
    /// Its position in the group's log (from 0, no gaps).
    pub seq: u64,
    /// The epoch it was sent in.
    pub epoch: u64,
    /// Its kind.
    pub kind: MessageKind,
    /// The client that sent it; `None` for the DS's own proposals.
    pub sender: Option<ClientId>,
    /// The encoded `MLSMessage`.
    pub message: Vec<u8>,
    /// When it was accepted (caller's time).
    pub accepted_at: u64,
}

/// A client's membership of a group's log: which part of the log it
/// receives and how far it has acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    /// The group.
    pub group_id: Vec<u8>,
    /// The client.
    pub client: ClientId,
    /// The first sequence number it receives (the one after the commit
    /// that added it).
    pub from_seq: u64,
    /// The last sequence number it receives (the commit that removed
    /// it), if removed.
    pub until_seq: Option<u64>,
    /// It has acknowledged every message below this sequence number
    /// (its cursor; starts at `from_seq`).
    pub cursor: u64,
    /// Its last request about this group (caller's time): for idle
    /// eviction.
    pub last_active: u64,
}

/// A membership as [`Transaction::group_and_member`] reads it: a
/// [`MemberRecord`] without the ids it was read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// [`MemberRecord::from_seq`].
    pub from_seq: u64,
    /// [`MemberRecord::until_seq`].
    pub until_seq: Option<u64>,
    /// [`MemberRecord::cursor`].
    pub cursor: u64,
    /// [`MemberRecord::last_active`].
    pub last_active: u64,
}

impl From<&MemberRecord> for Membership {
    fn from(m: &MemberRecord) -> Self {
        Membership {
            from_seq: m.from_seq,
            until_seq: m.until_seq,
            cursor: m.cursor,
            last_active: m.last_active,
        }
    }
}

/// A KeyPackage in the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackageRecord {
    /// Its KeyPackageRef.
    pub reference: Vec<u8>,
    /// The client that uploaded it (its leaf's credential maps to it).
    pub owner: ClientId,
    /// Its cipher suite.
    pub cipher_suite: u16,
    /// Its protocol version.
    pub version: u16,
    /// Its leaf's lifetime.
    pub not_before: u64,
    /// Its leaf's lifetime.
    pub not_after: u64,
    /// Marked `last_resort`: served only when no regular one is left, and
    /// never consumed.
    pub last_resort: bool,
    /// The encoded KeyPackage (as an `MLSMessage`).
    pub key_package: Vec<u8>,
    /// Upload time; the oldest regular KeyPackage is served first.
    pub uploaded_at: u64,
}

/// What a KeyPackage claim reads of one (owner, suite):
/// [`Transaction::claim_reads`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimReads {
    /// References of regular KeyPackages expired at the claim's time.
    pub expired: Vec<Vec<u8>>,
    /// How many regular KeyPackages are usable (up to the cap asked).
    pub usable: usize,
    /// The oldest usable regular KeyPackages (as many as asked, if there
    /// are).
    pub oldest: Vec<KeyPackageRecord>,
    /// The usable last-resort KeyPackage, read only when fewer regular
    /// ones than asked are left.
    pub last_resort: Option<KeyPackageRecord>,
}

/// A Welcome as a commit's joiners wait for it: its bytes stored once per
/// (group, epoch), with one small record per joiner referencing them
/// ([`Write::PutWelcome`]), so a commit adding k clients writes the
/// Welcome once, not k times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeMessageRecord {
    /// The group the joiners were added to.
    pub group_id: Vec<u8>,
    /// The epoch the Welcome starts (the joiners' first epoch).
    pub epoch: u64,
    /// The encoded Welcome `MLSMessage`.
    pub welcome: Vec<u8>,
    /// The joiners, each waiting for it.
    pub joiners: Vec<ClientId>,
}

/// A Welcome waiting for its joiner (as [`Transaction::welcomes`] reads
/// it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeRecord {
    /// The joiner.
    pub client: ClientId,
    /// The group it was added to.
    pub group_id: Vec<u8>,
    /// The epoch the Welcome starts (the joiner's first epoch).
    pub epoch: u64,
    /// The encoded Welcome `MLSMessage`.
    pub welcome: Vec<u8>,
}

/// The ratchet tree of an epoch in which clients were added, kept until
/// each of them has fetched it (MIMI §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochTreeRecord {
    /// The group.
    pub group_id: Vec<u8>,
    /// The epoch the joiners start in.
    pub epoch: u64,
    /// The tree (`ratchet_tree` extension body).
    pub tree: Vec<u8>,
    /// The joiners that have not fetched it yet.
    pub waiting: Vec<ClientId>,
}

/// What a rate counter counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RateKey {
    /// One client's requests.
    Client(ClientId),
    /// One group's accepted messages.
    Group(Vec<u8>),
}

/// A fixed-window counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRecord {
    /// What it counts.
    pub key: RateKey,
    /// The start of its window.
    pub window_start: u64,
    /// Requests counted in that window.
    pub count: u32,
}

/// One write of a request's batch (see the module's transaction contract).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Creates or replaces the group record, if the stored one has
    /// version `expected_version` (`None`: if there is none). The record's
    /// own `version` is the new one. Otherwise: [`StoreError::Conflict`].
    PutGroup {
        /// The new record.
        record: GroupRecord,
        /// The version read (compare-and-swap).
        expected_version: Option<u64>,
    },
    /// Replaces the group's current GroupInfo (always with a `PutGroup`).
    PutGroupState(GroupStateRecord),
    /// Writes (`Some`) or deletes (`None`) one record of the group's view
    /// (always with a `PutGroup`): a commit changes O(log N) of them.
    PutViewRecord {
        /// The group.
        group_id: Vec<u8>,
        /// Which record.
        key: ViewKey,
        /// Its new value, or `None`: it no longer exists.
        value: Option<Vec<u8>>,
    },
    /// Appends a message to its group's log (always with a `PutGroup`
    /// that moved `next_seq` past it).
    AppendMessage(MessageRecord),
    /// Deletes the messages of a group's log below `below_seq`
    /// (acknowledged by every client that receives them).
    DeleteMessages {
        /// The group.
        group_id: Vec<u8>,
        /// The first sequence number kept.
        below_seq: u64,
    },
    /// Deletes the memberships of a group that ended before `below_seq`
    /// and whose cursor passed their end (nothing left to deliver).
    DeleteEndedMembers {
        /// The group.
        group_id: Vec<u8>,
        /// Memberships with `until_seq < below_seq` and `cursor > until_seq`.
        below_seq: u64,
    },
    /// Creates or replaces a membership (the client is added, again or
    /// for the first time).
    PutMember(MemberRecord),
    /// Ends a membership at `until_seq` (the client was removed): keeps its
    /// cursor. No-op if there is no such membership.
    EndMember {
        /// The group.
        group_id: Vec<u8>,
        /// The client.
        client: ClientId,
        /// The last sequence number it receives.
        until_seq: u64,
    },
    /// Moves a client's cursor to `max(cursor, cursor_to)` and its
    /// `last_active` to `max(last_active, now)`. No-op without membership.
    Touch {
        /// The group.
        group_id: Vec<u8>,
        /// The client.
        client: ClientId,
        /// The new cursor (at least).
        cursor_to: u64,
        /// The time of the request.
        now: u64,
    },
    /// Stores a KeyPackage (replacing one with the same reference).
    PutKeyPackage(KeyPackageRecord),
    /// Deletes a KeyPackage that must still be stored: otherwise
    /// [`StoreError::Conflict`] (someone else was served it).
    TakeKeyPackage {
        /// Its reference.
        reference: Vec<u8>,
    },
    /// Deletes a KeyPackage if it is stored.
    DeleteKeyPackage {
        /// Its reference.
        reference: Vec<u8>,
    },
    /// Stores a Welcome once for its (group, epoch) and makes each joiner
    /// wait for it (replacing a Welcome of the same group and epoch).
    PutWelcome(WelcomeMessageRecord),
    /// Deletes a joiner's Welcome (acknowledged by its joiner); the
    /// Welcome's bytes go with the last joiner waiting for them. No-op if
    /// the joiner is not waiting for it.
    DeleteWelcome {
        /// The joiner.
        client: ClientId,
        /// The group.
        group_id: Vec<u8>,
        /// The epoch.
        epoch: u64,
    },
    /// Stores an epoch's tree for its joiners (replacing one of the same
    /// group and epoch).
    PutEpochTree(EpochTreeRecord),
    /// Deletes an epoch's tree.
    DeleteEpochTree {
        /// The group.
        group_id: Vec<u8>,
        /// The epoch.
        epoch: u64,
    },
    /// Counts one request: the counter of `key` becomes 1 in
    /// `window_start` if it was in an older window, else it adds 1.
    CountRate {
        /// The counter.
        key: RateKey,
        /// The current window.
        window_start: u64,
    },
}

/// A store: where the engine's state lives. Implementations:
/// [`crate::MemoryStore`] (tests, a single process), `SqliteStore`
/// (feature `sqlite`) and `PostgresStore` (feature `postgres`).
pub trait Store: Send + Sync {
    /// A transaction of this store.
    type Tx<'a>: Transaction
    where
        Self: 'a;

    /// Starts a transaction (see the module's contract).
    fn begin(&self) -> Result<Self::Tx<'_>, StoreError>;
}

/// A shared store (several engines in one process over one store, as
/// several DS instances over one database).
impl<S: Store> Store for std::sync::Arc<S> {
    type Tx<'a>
        = S::Tx<'a>
    where
        Self: 'a;

    fn begin(&self) -> Result<Self::Tx<'_>, StoreError> {
        (**self).begin()
    }
}

/// The reads of one request, then its one commit. Dropping it without
/// `commit` writes nothing.
pub trait Transaction {
    /// The group record.
    fn group(&mut self, group_id: &[u8]) -> Result<Option<GroupRecord>, StoreError>;
    /// The group's GroupInfo of its current epoch.
    fn group_state(&mut self, group_id: &[u8]) -> Result<Option<GroupStateRecord>, StoreError>;
    /// Every record of the group's view, in key order, read at one point
    /// in time (one statement, or under one lock: never half a commit).
    fn view_records(&mut self, group_id: &[u8]) -> Result<Vec<(ViewKey, Vec<u8>)>, StoreError>;
    /// Up to `limit` messages of the group's log from sequence number
    /// `from_seq` on, in order.
    fn messages(
        &mut self,
        group_id: &[u8],
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError>;
    /// A client's membership of a group.
    fn member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<Option<MemberRecord>, StoreError>;
    /// The group record and a client's membership of it: what a message
    /// needs, in one read where the store can (a provided method: the two
    /// reads above).
    fn group_and_member(
        &mut self,
        group_id: &[u8],
        client: &ClientId,
    ) -> Result<(Option<GroupRecord>, Option<Membership>), StoreError> {
        let group = self.group(group_id)?;
        if group.is_none() {
            return Ok((None, None));
        }
        let member = self.member(group_id, client)?;
        Ok((group, member.as_ref().map(Membership::from)))
    }
    /// Every membership of a group, current or ended (for maintenance:
    /// idle eviction; O(N) reads, never on the message path).
    fn members(&mut self, group_id: &[u8]) -> Result<Vec<MemberRecord>, StoreError>;
    /// A client's KeyPackages (at most
    /// [`crate::Limits::max_key_packages_per_client`]).
    fn key_packages(&mut self, owner: &ClientId) -> Result<Vec<KeyPackageRecord>, StoreError>;
    /// One KeyPackage by reference.
    fn key_package(&mut self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StoreError>;
    /// Up to `limit` regular (not `last_resort`) KeyPackages of `owner`
    /// and `cipher_suite` usable at `now` (`not_before <= now <=
    /// not_after`), oldest first: by `(uploaded_at, reference)`.
    /// O(log stock + what is returned + what is skipped): an ordered
    /// index on `(owner, cipher_suite, last_resort, uploaded_at,
    /// reference)`, not a read of the owner's whole stock.
    fn oldest_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<KeyPackageRecord>, StoreError>;
    /// The `last_resort` KeyPackage of `owner` and `cipher_suite` usable
    /// at `now` (the oldest, if several).
    fn last_resort_key_package(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
    ) -> Result<Option<KeyPackageRecord>, StoreError>;
    /// How many regular KeyPackages of `owner` and `cipher_suite` are
    /// usable at `now`, counting no further than `cap` (the low-stock
    /// signal needs no more): O(log stock + cap).
    fn count_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        cap: usize,
    ) -> Result<usize, StoreError>;
    /// The references of up to `limit` regular KeyPackages of `owner` and
    /// `cipher_suite` expired at `now` (`not_after < now`), soonest
    /// expired first: O(log stock + limit) (an index on `(owner,
    /// cipher_suite, last_resort, not_after)`).
    fn expired_key_packages(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, StoreError>;
    /// What claiming `asked` KeyPackages of (`owner`, `cipher_suite`) at
    /// `now` reads, in one call (a provided method: the four reads above;
    /// a store may answer them at once): the expired ones met (up to
    /// `expired_limit`), the usable regular ones counted up to
    /// `count_cap`, the `asked` oldest usable regular ones, and the
    /// last-resort one if fewer than `asked` regular ones are left.
    fn claim_reads(
        &mut self,
        owner: &ClientId,
        cipher_suite: u16,
        now: u64,
        asked: usize,
        count_cap: usize,
        expired_limit: usize,
    ) -> Result<ClaimReads, StoreError> {
        let expired = self.expired_key_packages(owner, cipher_suite, now, expired_limit)?;
        let usable = self.count_key_packages(owner, cipher_suite, now, count_cap)?;
        let oldest = self.oldest_key_packages(owner, cipher_suite, now, asked)?;
        let last_resort = if oldest.len() < asked {
            self.last_resort_key_package(owner, cipher_suite, now)?
        } else {
            None
        };
        Ok(ClaimReads {
            expired,
            usable,
            oldest,
            last_resort,
        })
    }
    /// Up to `limit` Welcomes waiting for a client, by group and epoch.
    fn welcomes(
        &mut self,
        client: &ClientId,
        limit: usize,
    ) -> Result<Vec<WelcomeRecord>, StoreError>;
    /// How many Welcomes wait for a client, counting no further than
    /// `cap`.
    fn welcome_count(&mut self, client: &ClientId, cap: usize) -> Result<usize, StoreError>;
    /// The retained tree of an epoch of a group.
    fn epoch_tree(
        &mut self,
        group_id: &[u8],
        epoch: u64,
    ) -> Result<Option<EpochTreeRecord>, StoreError>;
    /// The epochs of a group whose trees are retained, ascending.
    fn epoch_tree_epochs(&mut self, group_id: &[u8]) -> Result<Vec<u64>, StoreError>;
    /// A rate counter.
    fn rate(&mut self, key: &RateKey) -> Result<Option<RateRecord>, StoreError>;
    /// A rate counter's window and count, without its key (a provided
    /// method: [`rate`](Self::rate); a store may answer without copying
    /// the key).
    fn rate_window(&mut self, key: &RateKey) -> Result<Option<(u64, u32)>, StoreError> {
        Ok(self.rate(key)?.map(|r| (r.window_start, r.count)))
    }
    /// Applies every write atomically, in order, or none (see the module's
    /// contract; [`crate::conformance::check`] tests it).
    fn commit(self, writes: Vec<Write>) -> Result<(), StoreError>;
}
