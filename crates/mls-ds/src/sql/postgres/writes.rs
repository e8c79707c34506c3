//! The writes of a commit, in PostgreSQL's dialect.

use super::super::*;
use super::{prepared, Statements};
use crate::store::{RateKey, Write};

type Tx<'a> = ::postgres::Transaction<'a>;
type Result<T> = std::result::Result<T, ::postgres::Error>;

/// Runs a statement prepared once per connection (see [`prepared`]).
fn exec(
    tx: &mut Tx<'_>,
    st: &mut Statements,
    sql: &str,
    p: &[&(dyn ::postgres::types::ToSql + Sync)],
) -> Result<u64> {
    let s = prepared(tx, st, sql)?;
    tx.execute(&s, p)
}

/// Counts two requests on two different rate counters in one statement
/// (one round trip: a request counts its client's and its group's rates).
pub(super) fn count_two(
    tx: &mut Tx<'_>,
    st: &mut Statements,
    a: (&RateKey, u64),
    b: (&RateKey, u64),
) -> Result<()> {
    let ((ka, ra), (kb, rb)) = (rate_key(a.0), rate_key(b.0));
    exec(
        tx,
        st,
        "INSERT INTO ds_rates (rate_kind, rate_key, window_start, hits) \
         VALUES ($1, $2, $3, 1), ($4, $5, $6, 1) ON CONFLICT (rate_kind, rate_key) DO UPDATE SET \
         hits = CASE WHEN ds_rates.window_start < EXCLUDED.window_start THEN 1 \
         ELSE LEAST(ds_rates.hits + 1, 4294967295) END, \
         window_start = GREATEST(ds_rates.window_start, EXCLUDED.window_start)",
        &[&ka, &ra, &enc(a.1), &kb, &rb, &enc(b.1)],
    )?;
    Ok(())
}

/// Applies one write; `false` if its precondition failed.
pub(super) fn apply(tx: &mut Tx<'_>, st: &mut Statements, w: Write) -> Result<bool> {
    match w {
        Write::PutGroup { .. } | Write::PutGroupState(_) | Write::PutViewRecord { .. } => {
            group_writes(tx, st, w)
        }
        Write::AppendMessage(_)
        | Write::DeleteMessages { .. }
        | Write::DeleteEndedMembers { .. }
        | Write::PutMember(_)
        | Write::EndMember { .. }
        | Write::Touch { .. } => log_writes(tx, st, w),
        Write::PutKeyPackage(_)
        | Write::TakeKeyPackage { .. }
        | Write::DeleteKeyPackage { .. }
        | Write::CountRate { .. } => directory_writes(tx, st, w),
        Write::PutWelcome(_)
        | Write::DeleteWelcome { .. }
        | Write::PutEpochTree(_)
        | Write::DeleteEpochTree { .. } => joiner_writes(tx, st, w),
    }
}

/// The group record (the compare-and-swap), its GroupInfo and view records.
fn group_writes(tx: &mut Tx<'_>, st: &mut Statements, w: Write) -> Result<bool> {
    match w {
        Write::PutGroup {
            record: g,
            expected_version: None,
        } => {
            let n = exec(
                tx,
                st,
                "INSERT INTO ds_groups (group_id, version, view_version, cipher_suite, epoch, \
                 next_seq, epoch_start_seq, frozen, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (group_id) DO NOTHING",
                &[
                    &g.group_id,
                    &enc(g.version),
                    &enc(g.view_version),
                    &i32::from(g.cipher_suite),
                    &enc(g.epoch),
                    &enc(g.next_seq),
                    &enc(g.epoch_start_seq),
                    &g.frozen,
                    &enc(g.created_at),
                ],
            )?;
            return Ok(n == 1);
        }
        Write::PutGroup {
            record: g,
            expected_version: Some(expected),
        } => {
            let n = exec(
                tx,
                st,
                "UPDATE ds_groups SET version = $1, view_version = $2, cipher_suite = $3, \
                 epoch = $4, next_seq = $5, epoch_start_seq = $6, frozen = $7, created_at = $8 \
                 WHERE group_id = $9 AND version = $10",
                &[
                    &enc(g.version),
                    &enc(g.view_version),
                    &i32::from(g.cipher_suite),
                    &enc(g.epoch),
                    &enc(g.next_seq),
                    &enc(g.epoch_start_seq),
                    &g.frozen,
                    &enc(g.created_at),
                    &g.group_id,
                    &enc(expected),
                ],
            )?;
            return Ok(n == 1);
        }
        Write::PutGroupState(s) => {
            exec(
                tx,
                st,
                "INSERT INTO ds_group_states (group_id, epoch, group_info) VALUES ($1, $2, $3) \
                 ON CONFLICT (group_id) DO UPDATE SET \
                 epoch = EXCLUDED.epoch, group_info = EXCLUDED.group_info",
                &[&s.group_id, &enc(s.epoch), &s.group_info],
            )?;
        }
        Write::PutViewRecord {
            group_id,
            key,
            value: Some(value),
        } => {
            exec(
                tx,
                st,
                "INSERT INTO ds_view_records (group_id, record, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (group_id, record) DO UPDATE SET value = EXCLUDED.value",
                &[&group_id, &view_key_code(key), &value],
            )?;
        }
        Write::PutViewRecord {
            group_id,
            key,
            value: None,
        } => {
            exec(
                tx,
                st,
                "DELETE FROM ds_view_records WHERE group_id = $1 AND record = $2",
                &[&group_id, &view_key_code(key)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}

/// The group's log and its memberships.
fn log_writes(tx: &mut Tx<'_>, st: &mut Statements, w: Write) -> Result<bool> {
    match w {
        Write::AppendMessage(m) => {
            let n = exec(
                tx,
                st,
                "INSERT INTO ds_messages (group_id, seq, epoch, kind, sender, message, \
                 accepted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (group_id, seq) DO NOTHING",
                &[
                    &m.group_id,
                    &enc(m.seq),
                    &enc(m.epoch),
                    &kind_code(m.kind),
                    &m.sender.map(|c| c.0),
                    &m.message,
                    &enc(m.accepted_at),
                ],
            )?;
            return Ok(n == 1);
        }
        Write::DeleteMessages {
            group_id,
            below_seq,
        } => {
            exec(
                tx,
                st,
                "DELETE FROM ds_messages WHERE group_id = $1 AND seq < $2",
                &[&group_id, &enc(below_seq)],
            )?;
        }
        Write::DeleteEndedMembers {
            group_id,
            below_seq,
        } => {
            exec(
                tx,
                st,
                "DELETE FROM ds_members WHERE group_id = $1 AND until_seq IS NOT NULL \
                 AND until_seq < $2 AND cursor_seq > until_seq",
                &[&group_id, &enc(below_seq)],
            )?;
        }
        Write::PutMember(m) => {
            exec(
                tx,
                st,
                "INSERT INTO ds_members (group_id, client, from_seq, until_seq, cursor_seq, \
                 last_active) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_id, client) \
                 DO UPDATE SET from_seq = EXCLUDED.from_seq, until_seq = EXCLUDED.until_seq, \
                 cursor_seq = EXCLUDED.cursor_seq, last_active = EXCLUDED.last_active",
                &[
                    &m.group_id,
                    &m.client.0,
                    &enc(m.from_seq),
                    &m.until_seq.map(enc),
                    &enc(m.cursor),
                    &enc(m.last_active),
                ],
            )?;
        }
        Write::EndMember {
            group_id,
            client,
            until_seq,
        } => {
            exec(
                tx,
                st,
                "UPDATE ds_members SET until_seq = $1 WHERE group_id = $2 AND client = $3",
                &[&enc(until_seq), &group_id, &client.0],
            )?;
        }
        Write::Touch {
            group_id,
            client,
            cursor_to,
            now,
        } => {
            exec(
                tx,
                st,
                "UPDATE ds_members SET cursor_seq = GREATEST(cursor_seq, $1), \
                 last_active = GREATEST(last_active, $2) WHERE group_id = $3 AND client = $4",
                &[&enc(cursor_to), &enc(now), &group_id, &client.0],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}

/// KeyPackages (taken once) and rate counters.
fn directory_writes(tx: &mut Tx<'_>, st: &mut Statements, w: Write) -> Result<bool> {
    match w {
        Write::PutKeyPackage(k) => {
            exec(
                tx,
                st,
                "INSERT INTO ds_key_packages (reference, owner, cipher_suite, version, \
                 not_before, not_after, last_resort, key_package, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (reference) DO UPDATE \
                 SET owner = EXCLUDED.owner, cipher_suite = EXCLUDED.cipher_suite, \
                 version = EXCLUDED.version, not_before = EXCLUDED.not_before, \
                 not_after = EXCLUDED.not_after, last_resort = EXCLUDED.last_resort, \
                 key_package = EXCLUDED.key_package, uploaded_at = EXCLUDED.uploaded_at",
                &[
                    &k.reference,
                    &k.owner.0,
                    &i32::from(k.cipher_suite),
                    &i32::from(k.version),
                    &enc(k.not_before),
                    &enc(k.not_after),
                    &k.last_resort,
                    &k.key_package,
                    &enc(k.uploaded_at),
                ],
            )?;
        }
        Write::TakeKeyPackage { reference } => {
            let n = exec(
                tx,
                st,
                "DELETE FROM ds_key_packages WHERE reference = $1",
                &[&reference],
            )?;
            return Ok(n == 1);
        }
        Write::DeleteKeyPackage { reference } => {
            exec(
                tx,
                st,
                "DELETE FROM ds_key_packages WHERE reference = $1",
                &[&reference],
            )?;
        }
        Write::CountRate { key, window_start } => {
            let (kind, k) = rate_key(&key);
            exec(
                tx,
                st,
                "INSERT INTO ds_rates (rate_kind, rate_key, window_start, hits) \
                 VALUES ($1, $2, $3, 1) ON CONFLICT (rate_kind, rate_key) DO UPDATE SET \
                 hits = CASE WHEN ds_rates.window_start < EXCLUDED.window_start THEN 1 \
                 ELSE LEAST(ds_rates.hits + 1, 4294967295) END, \
                 window_start = GREATEST(ds_rates.window_start, EXCLUDED.window_start)",
                &[&kind, &k, &enc(window_start)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}

/// Welcomes and the trees kept for joiners.
fn joiner_writes(tx: &mut Tx<'_>, st: &mut Statements, w: Write) -> Result<bool> {
    match w {
        Write::PutWelcome(w) => {
            for c in &w.joiners {
                exec(
                    tx,
                    st,
                    "INSERT INTO ds_welcome_joiners (client, group_id, epoch) \
                     VALUES ($1, $2, $3) ON CONFLICT (client, group_id, epoch) DO NOTHING",
                    &[&c.0, &w.group_id, &enc(w.epoch)],
                )?;
            }
            exec(
                tx,
                st,
                "INSERT INTO ds_welcome_messages (group_id, epoch, welcome, waiting) \
                 VALUES ($1, $2, $3, (SELECT COUNT(*) FROM ds_welcome_joiners \
                 WHERE group_id = $1 AND epoch = $2)) \
                 ON CONFLICT (group_id, epoch) DO UPDATE SET \
                 welcome = EXCLUDED.welcome, waiting = EXCLUDED.waiting",
                &[&w.group_id, &enc(w.epoch), &w.welcome],
            )?;
        }
        Write::DeleteWelcome {
            client,
            group_id,
            epoch,
        } => {
            let n = exec(
                tx,
                st,
                "DELETE FROM ds_welcome_joiners \
                 WHERE client = $1 AND group_id = $2 AND epoch = $3",
                &[&client.0, &group_id, &enc(epoch)],
            )?;
            if n == 1 {
                // The row lock of the UPDATE orders concurrent
                // acknowledgements: the last one deletes the Welcome.
                exec(
                    tx,
                    st,
                    "UPDATE ds_welcome_messages SET waiting = waiting - 1 \
                     WHERE group_id = $1 AND epoch = $2",
                    &[&group_id, &enc(epoch)],
                )?;
                exec(
                    tx,
                    st,
                    "DELETE FROM ds_welcome_messages \
                     WHERE group_id = $1 AND epoch = $2 AND waiting <= 0",
                    &[&group_id, &enc(epoch)],
                )?;
            }
        }
        Write::PutEpochTree(t) => {
            exec(
                tx,
                st,
                "INSERT INTO ds_epoch_trees (group_id, epoch, tree, waiting) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, epoch) \
                 DO UPDATE SET tree = EXCLUDED.tree, waiting = EXCLUDED.waiting",
                &[
                    &t.group_id,
                    &enc(t.epoch),
                    &t.tree,
                    &encode_clients(&t.waiting),
                ],
            )?;
        }
        Write::DeleteEpochTree { group_id, epoch } => {
            exec(
                tx,
                st,
                "DELETE FROM ds_epoch_trees WHERE group_id = $1 AND epoch = $2",
                &[&group_id, &enc(epoch)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}
