//! The writes of a commit, in PostgreSQL's dialect.

use super::super::*;
use crate::store::Write;

type Tx<'a> = ::postgres::Transaction<'a>;
type Result<T> = std::result::Result<T, ::postgres::Error>;

/// Applies one write; `false` if its precondition failed.
pub(super) fn apply(tx: &mut Tx<'_>, w: Write) -> Result<bool> {
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
fn group_writes(tx: &mut Tx<'_>, w: Write) -> Result<bool> {
    match w {
        Write::PutGroup {
            record: g,
            expected_version: None,
        } => {
            let n = tx.execute(
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
            let n = tx.execute(
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
            tx.execute(
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
            tx.execute(
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
            tx.execute(
                "DELETE FROM ds_view_records WHERE group_id = $1 AND record = $2",
                &[&group_id, &view_key_code(key)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}

/// The group's log and its memberships.
fn log_writes(tx: &mut Tx<'_>, w: Write) -> Result<bool> {
    match w {
        Write::AppendMessage(m) => {
            let n = tx.execute(
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
            tx.execute(
                "DELETE FROM ds_messages WHERE group_id = $1 AND seq < $2",
                &[&group_id, &enc(below_seq)],
            )?;
        }
        Write::DeleteEndedMembers {
            group_id,
            below_seq,
        } => {
            tx.execute(
                "DELETE FROM ds_members WHERE group_id = $1 AND until_seq IS NOT NULL \
                 AND until_seq < $2 AND cursor_seq > until_seq",
                &[&group_id, &enc(below_seq)],
            )?;
        }
        Write::PutMember(m) => {
            tx.execute(
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
            tx.execute(
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
            tx.execute(
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
fn directory_writes(tx: &mut Tx<'_>, w: Write) -> Result<bool> {
    match w {
        Write::PutKeyPackage(k) => {
            tx.execute(
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
            let n = tx.execute(
                "DELETE FROM ds_key_packages WHERE reference = $1",
                &[&reference],
            )?;
            return Ok(n == 1);
        }
        Write::DeleteKeyPackage { reference } => {
            tx.execute(
                "DELETE FROM ds_key_packages WHERE reference = $1",
                &[&reference],
            )?;
        }
        Write::CountRate { key, window_start } => {
            let (kind, k) = rate_key(&key);
            tx.execute(
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
fn joiner_writes(tx: &mut Tx<'_>, w: Write) -> Result<bool> {
    match w {
        Write::PutWelcome(w) => {
            tx.execute(
                "INSERT INTO ds_welcomes (client, group_id, epoch, welcome) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (client, group_id, epoch) \
                 DO UPDATE SET welcome = EXCLUDED.welcome",
                &[&w.client.0, &w.group_id, &enc(w.epoch), &w.welcome],
            )?;
        }
        Write::DeleteWelcome {
            client,
            group_id,
            epoch,
        } => {
            tx.execute(
                "DELETE FROM ds_welcomes WHERE client = $1 AND group_id = $2 AND epoch = $3",
                &[&client.0, &group_id, &enc(epoch)],
            )?;
        }
        Write::PutEpochTree(t) => {
            tx.execute(
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
            tx.execute(
                "DELETE FROM ds_epoch_trees WHERE group_id = $1 AND epoch = $2",
                &[&group_id, &enc(epoch)],
            )?;
        }
        _ => unreachable!("routed by `apply`"),
    }
    Ok(true)
}
