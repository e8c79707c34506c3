//! SQL stores: [`SqliteStore`](crate::SqliteStore) (feature `sqlite`, the
//! embedded default) and [`PostgresStore`](crate::PostgresStore) (feature
//! `postgres`, one database shared by several DS instances).
//!
//! # Schema
//!
//! One table per record of [`crate::store`], every name prefixed `ds_`
//! (the database may hold other things):
//!
//! | table | key | what |
//! | --- | --- | --- |
//! | `ds_schema_version` | `version` | the migrations applied |
//! | `ds_groups` | `group_id` | [`GroupRecord`]: the compare-and-swap row |
//! | `ds_group_states` | `group_id` | [`GroupStateRecord`]: the current GroupInfo |
//! | `ds_view_records` | `group_id, record` | the view's records ([`ViewKey`]: `-1` the public record, else a node index) |
//! | `ds_messages` | `group_id, seq` | [`MessageRecord`]: each group's log |
//! | `ds_members` | `group_id, client` | [`MemberRecord`] |
//! | `ds_key_packages` | `reference` (indexes: `owner, cipher_suite, last_resort, uploaded_at, reference`, oldest first; `owner, cipher_suite, last_resort, not_after, not_before`, soonest expired first) | [`KeyPackageRecord`] |
//! | `ds_welcome_messages` | `group_id, epoch` | a Welcome's bytes, once ([`WelcomeMessageRecord`]), and how many joiners wait for it |
//! | `ds_welcome_joiners` | `client, group_id, epoch` (index on `group_id, epoch`) | a joiner waiting for a Welcome ([`WelcomeRecord`] is the two joined) |
//! | `ds_epoch_trees` | `group_id, epoch` | [`EpochTreeRecord`] |
//! | `ds_rates` | `rate_kind, rate_key` | [`RateRecord`] |
//!
//! Identifiers (group ids, client ids, references) are byte strings
//! (`BLOB`, `BYTEA`), so SQL orders them as Rust does. Every `u64` is
//! stored as the `i64` `v − 2⁶³`: order-preserving, so SQL's
//! comparisons (`seq < ?`, `MAX(cursor_seq, ?)`) are those of the `u64`s,
//! whatever their size (a KeyPackage's `not_after` may be `u64::MAX`).
//!
//! # Migrations
//!
//! Migration `i` (`sqlite/00i_*.sql`, `postgres/00i_*.sql`) takes the
//! schema from version `i - 1` to `i`, recorded in `ds_schema_version`;
//! opening a store applies the missing ones in one transaction and
//! refuses a database whose schema is newer than this build knows.
//!
//! # Transactions
//!
//! Reads run one statement each, outside any transaction (the contract
//! does not need a snapshot). [`Transaction::commit`](crate::Transaction::commit)
//! runs every write in order in one transaction: a write with a
//! precondition checks it through its affected-row count —
//! `UPDATE ds_groups ... WHERE group_id = ? AND version = ?` (the
//! compare-and-swap), `INSERT ... ON CONFLICT DO NOTHING` (create if
//! absent, append at a free `seq`), `DELETE FROM ds_key_packages WHERE
//! reference = ?` (take once) — and a count other than 1 rolls the whole
//! transaction back with [`StoreError::Conflict`].

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

use crate::ids::ClientId;
#[allow(unused_imports)] // for the docs
use crate::store::{
    EpochTreeRecord, GroupRecord, GroupStateRecord, KeyPackageRecord, MemberRecord, MessageRecord,
    RateRecord, WelcomeMessageRecord, WelcomeRecord,
};
use crate::store::{MessageKind, RateKey, StoreError, ViewKey};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// Stores a `u64` as an `i64`, preserving order (`v − 2⁶³`).
pub(crate) fn enc(v: u64) -> i64 {
    (v ^ (1 << 63)) as i64
}

/// The inverse of [`enc`].
pub(crate) fn dec(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

/// A view record's key as an integer: `-1` for the public record, else
/// the node index.
pub(crate) fn view_key_code(key: ViewKey) -> i64 {
    match key {
        ViewKey::Public => -1,
        ViewKey::Node(i) => i64::from(i),
    }
}

/// The inverse of [`view_key_code`].
pub(crate) fn view_key_of(code: i64) -> Result<ViewKey, StoreError> {
    match code {
        -1 => Ok(ViewKey::Public),
        i => u32::try_from(i)
            .map(ViewKey::Node)
            .map_err(|_| StoreError::Corrupt("view record key")),
    }
}

pub(crate) fn kind_code(kind: MessageKind) -> i16 {
    match kind {
        MessageKind::Application => 0,
        MessageKind::Proposal => 1,
        MessageKind::Commit => 2,
    }
}

pub(crate) fn kind_of(code: i16) -> Result<MessageKind, StoreError> {
    Ok(match code {
        0 => MessageKind::Application,
        1 => MessageKind::Proposal,
        2 => MessageKind::Commit,
        _ => return Err(StoreError::Corrupt("message kind")),
    })
}

/// A rate key as `(rate_kind, rate_key)`.
pub(crate) fn rate_key(key: &RateKey) -> (i16, &[u8]) {
    match key {
        RateKey::Client(c) => (0, &c.0),
        RateKey::Group(g) => (1, g),
    }
}

/// A list of clients as one blob: each a 4-byte big-endian length, then
/// its bytes.
pub(crate) fn encode_clients(clients: &[ClientId]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in clients {
        out.extend_from_slice(&(c.0.len() as u32).to_be_bytes());
        out.extend_from_slice(&c.0);
    }
    out
}

/// The inverse of [`encode_clients`].
pub(crate) fn decode_clients(mut bytes: &[u8]) -> Result<Vec<ClientId>, StoreError> {
    let bad = StoreError::Corrupt("client list");
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<4>().ok_or(bad.clone())?;
        let len = u32::from_be_bytes(*len) as usize;
        if rest.len() < len {
            return Err(bad);
        }
        out.push(ClientId(rest[..len].to_vec()));
        bytes = &rest[len..];
    }
    Ok(out)
}

pub(crate) fn newer_schema(found: i64) -> StoreError {
    StoreError::Unavailable(format!(
        "the database's schema version {found} is newer than this build's {SCHEMA_VERSION}: \
         refusing to use it"
    ))
}

#[cfg(feature = "postgres")]
pub(crate) fn u16_of(v: i64, what: &'static str) -> Result<u16, StoreError> {
    u16::try_from(v).map_err(|_| StoreError::Corrupt(what))
}

pub(crate) fn u32_of(v: i64, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u64s_keep_their_order() {
        let vs = [
            0,
            1,
            1 << 62,
            (1 << 63) - 1,
            1 << 63,
            u64::MAX - 1,
            u64::MAX,
        ];
        for w in vs.windows(2) {
            assert!(enc(w[0]) < enc(w[1]));
        }
        for v in vs {
            assert_eq!(dec(enc(v)), v);
        }
    }

    #[test]
    fn client_lists_round_trip() {
        let cs = vec![
            ClientId::from("a"),
            ClientId::new(vec![]),
            ClientId::from("bob"),
        ];
        assert_eq!(decode_clients(&encode_clients(&cs)).unwrap(), cs);
        assert!(decode_clients(&[0, 0, 0, 2, 1]).is_err());
    }
}
