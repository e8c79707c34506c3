//! The writes of a commit, in SQLite's dialect.

use ::rusqlite::params;

use super::super::*;
use crate::store::Write;

type Tx<'a> = ::rusqlite::Transaction<'a>;
type Result<T> = ::rusqlite::Result<T>;

/// Applies one write; `false` if its precondition failed.
pub(super) fn apply(tx: &Tx<'_>, w: Write) -> Result<bool> {
    match w {
        Write::PutGroup { .. } | Write::PutGroupState(_) | Write::PutViewRecord { .. } => {
            group_writes(tx, w)
        }
        Write::AppendMessage(_)
        | Write::DeleteMessages { .. }
        | Write::DeleteEndedMembers { .. }
        | Write::PutMember(_)
        | Write::EndMember { .. }
        | Write::Touch { .. } => log_writes(tx, w),
        Write::PutKeyPackage(_)
        | Write::TakeKeyPackage { .. }
        | Write::DeleteKeyPackage { .. }
        | Write::CountRate { .. } => directory_writes(tx, w),
        Write::PutWelcome(_)
        | Write::DeleteWelcome { .. }
        | Write::PutEpochTree(_)
        | Write::DeleteEpochTree { .. } => joiner_writes(tx, w),
    }
}

/// The group record (the compare-and-swap), its GroupInfo and view records.
fn group_writes(tx: &Tx<'_>, w: Write) -> Result<bool> {
    let run = |sql: &str, p: &[&dyn ::rusqlite::ToSql]| -> ::rusqlite::Result<usize> {
        tx.prepare_cached(sql)?.execute(p)
    };
    match w {
        Write::PutGroup {
            record: g,
            expected_version: None,
        } => {
            let n = run(
                "INSERT INTO ds_groups (group_id, version, view_version, cipher_suite, epoch, \
                 next_seq, epoch_start_seq, frozen, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (group_id) DO NOTHING",
                params![
                    g.group_id,
                    enc(g.version),
                    enc(g.view_version),
                    g.cipher_suite,
                    enc(g.epoch),
                    enc(g.next_seq),
                    enc(g.epoch_start_seq),
                    g.frozen,
                    enc(g.created_at)
                ],
            )?;
            return Ok(n == 1);
        }
        Write::PutGroup {
            record: g,
            expected_version: Some(expected),
        } => {
            let n = run(
                "UPDATE ds_groups SET version = ?, view_version = ?, cipher_suite = ?, \
                 epoch = ?, next_seq = ?, epoch_start_seq = ?, frozen = ?, created_at = ? \
                 WHERE group_id = ? AND version = ?",
                params![
                    enc(g.version),
                    enc(g.view_version),
                    g.cipher_suite,
                    enc(g.epoch),
                    enc(g.next_seq),
                    enc(g.epoch_start_seq),
                    g.frozen,
                    enc(g.created_at),
                    g.group_id,
                    enc(expected)
                ],
            )?;
            return Ok(n == 1);
        }
        Write::PutGroupState(s) => {
            run(
                "INSERT INTO ds_group_states (group_id, epoch, group_info) VALUES (?, ?, ?) \
                 ON CONFLICT (group_id) DO UPDATE SET \
                 epoch = excluded.epoch, group_info = excluded.group_info",
                params![s.group_id, enc(s.epoch), s.group_info],
            )?;
        }
        Write::PutViewRecord {
            group_id,
            key,
            value: Some(value),
        } => {
            run(
                "INSERT INTO ds_view_records (group_id, record, value) VALUES (?, ?, ?) \
                 ON CONFLICT (group_id, record) DO UPDATE SET value = excluded.value",
                params![group_id, view_key_code(key), value],
            )?;
        }
        Write::PutViewRecord {
            group_id,
            key,
            value: None,
        } => {
            run(
                "DELETE FROM ds_view_records WHERE group_id = ? AND record = ?",
                params![group_id, view_key_code(key)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}

/// The group's log and its memberships.
fn log_writes(tx: &Tx<'_>, w: Write) -> Result<bool> {
    let run = |sql: &str, p: &[&dyn ::rusqlite::ToSql]| -> ::rusqlite::Result<usize> {
        tx.prepare_cached(sql)?.execute(p)
    };
    match w {
        Write::AppendMessage(m) => {
            let n = run(
                "INSERT INTO ds_messages (group_id, seq, epoch, kind, sender, message, \
                 accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (group_id, seq) DO NOTHING",
                params![
                    m.group_id,
                    enc(m.seq),
                    enc(m.epoch),
                    kind_code(m.kind),
                    m.sender.map(|c| c.0),
                    m.message,
                    enc(m.accepted_at)
                ],
            )?;
            return Ok(n == 1);
        }
        Write::DeleteMessages {
            group_id,
            below_seq,
        } => {
            run(
                "DELETE FROM ds_messages WHERE group_id = ? AND seq < ?",
                params![group_id, enc(below_seq)],
            )?;
        }
        Write::DeleteEndedMembers {
            group_id,
            below_seq,
        } => {
            run(
                "DELETE FROM ds_members WHERE group_id = ? AND until_seq IS NOT NULL \
                 AND until_seq < ? AND cursor_seq > until_seq",
                params![group_id, enc(below_seq)],
            )?;
        }
        Write::PutMember(m) => {
            run(
                "INSERT INTO ds_members (group_id, client, from_seq, until_seq, cursor_seq, \
                 last_active) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (group_id, client) \
                 DO UPDATE SET from_seq = excluded.from_seq, until_seq = excluded.until_seq, \
                 cursor_seq = excluded.cursor_seq, last_active = excluded.last_active",
                params![
                    m.group_id,
                    m.client.0,
                    enc(m.from_seq),
                    m.until_seq.map(enc),
                    enc(m.cursor),
                    enc(m.last_active)
                ],
            )?;
        }
        Write::EndMember {
            group_id,
            client,
            until_seq,
        } => {
            run(
                "UPDATE ds_members SET until_seq = ? WHERE group_id = ? AND client = ?",
                params![enc(until_seq), group_id, client.0],
            )?;
        }
        Write::Touch {
            group_id,
            client,
            cursor_to,
            now,
        } => {
            run(
                "UPDATE ds_members SET cursor_seq = MAX(cursor_seq, ?), \
                 last_active = MAX(last_active, ?) WHERE group_id = ? AND client = ?",
                params![enc(cursor_to), enc(now), group_id, client.0],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}

/// KeyPackages (taken once) and rate counters.
fn directory_writes(tx: &Tx<'_>, w: Write) -> Result<bool> {
    let run = |sql: &str, p: &[&dyn ::rusqlite::ToSql]| -> ::rusqlite::Result<usize> {
        tx.prepare_cached(sql)?.execute(p)
    };
    match w {
        Write::PutKeyPackage(k) => {
            run(
                "INSERT INTO ds_key_packages (reference, owner, cipher_suite, version, \
                 not_before, not_after, last_resort, key_package, uploaded_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reference) DO UPDATE SET \
                 owner = excluded.owner, cipher_suite = excluded.cipher_suite, \
                 version = excluded.version, not_before = excluded.not_before, \
                 not_after = excluded.not_after, last_resort = excluded.last_resort, \
                 key_package = excluded.key_package, uploaded_at = excluded.uploaded_at",
                params![
                    k.reference,
                    k.owner.0,
                    k.cipher_suite,
                    k.version,
                    enc(k.not_before),
                    enc(k.not_after),
                    k.last_resort,
                    k.key_package,
                    enc(k.uploaded_at)
                ],
            )?;
        }
        Write::TakeKeyPackage { reference } => {
            let n = run(
                "DELETE FROM ds_key_packages WHERE reference = ?",
                params![reference],
            )?;
            return Ok(n == 1);
        }
        Write::DeleteKeyPackage { reference } => {
            run(
                "DELETE FROM ds_key_packages WHERE reference = ?",
                params![reference],
            )?;
        }
        Write::CountRate { key, window_start } => {
            let (kind, k) = rate_key(&key);
            run(
                "INSERT INTO ds_rates (rate_kind, rate_key, window_start, hits) \
                 VALUES (?, ?, ?, 1) ON CONFLICT (rate_kind, rate_key) DO UPDATE SET \
                 hits = CASE WHEN ds_rates.window_start < excluded.window_start THEN 1 \
                 ELSE MIN(ds_rates.hits + 1, 4294967295) END, \
                 window_start = MAX(ds_rates.window_start, excluded.window_start)",
                params![kind, k, enc(window_start)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}

/// Welcomes and the trees kept for joiners.
fn joiner_writes(tx: &Tx<'_>, w: Write) -> Result<bool> {
    let run = |sql: &str, p: &[&dyn ::rusqlite::ToSql]| -> ::rusqlite::Result<usize> {
        tx.prepare_cached(sql)?.execute(p)
    };
    match w {
        Write::PutWelcome(w) => {
            for c in &w.joiners {
                run(
                    "INSERT INTO ds_welcome_joiners (client, group_id, epoch) VALUES (?, ?, ?) \
                     ON CONFLICT (client, group_id, epoch) DO NOTHING",
                    params![c.0, w.group_id, enc(w.epoch)],
                )?;
            }
            run(
                "INSERT INTO ds_welcome_messages (group_id, epoch, welcome, waiting) \
                 VALUES (?1, ?2, ?3, (SELECT COUNT(*) FROM ds_welcome_joiners \
                 WHERE group_id = ?1 AND epoch = ?2)) \
                 ON CONFLICT (group_id, epoch) DO UPDATE SET \
                 welcome = excluded.welcome, waiting = excluded.waiting",
                params![w.group_id, enc(w.epoch), w.welcome],
            )?;
        }
        Write::DeleteWelcome {
            client,
            group_id,
            epoch,
        } => {
            let n = run(
                "DELETE FROM ds_welcome_joiners WHERE client = ? AND group_id = ? AND epoch = ?",
                params![client.0, group_id, enc(epoch)],
            )?;
            if n == 1 {
                run(
                    "UPDATE ds_welcome_messages SET waiting = waiting - 1 \
                     WHERE group_id = ? AND epoch = ?",
                    params![group_id, enc(epoch)],
                )?;
                run(
                    "DELETE FROM ds_welcome_messages \
                     WHERE group_id = ? AND epoch = ? AND waiting <= 0",
                    params![group_id, enc(epoch)],
                )?;
            }
        }
        Write::PutEpochTree(t) => {
            run(
                "INSERT INTO ds_epoch_trees (group_id, epoch, tree, waiting) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (group_id, epoch) DO UPDATE SET tree = excluded.tree, \
                 waiting = excluded.waiting",
                params![t.group_id, enc(t.epoch), t.tree, encode_clients(&t.waiting)],
            )?;
        }
        Write::DeleteEpochTree { group_id, epoch } => {
            run(
                "DELETE FROM ds_epoch_trees WHERE group_id = ? AND epoch = ?",
                params![group_id, enc(epoch)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}
