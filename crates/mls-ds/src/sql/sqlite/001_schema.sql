-- Migration 1 (sqlite): the schema of mls-ds's store (see src/sql/mod.rs).
CREATE TABLE ds_groups (
    group_id BLOB PRIMARY KEY,
    version INTEGER NOT NULL,
    view_version INTEGER NOT NULL,
    cipher_suite INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    next_seq INTEGER NOT NULL,
    epoch_start_seq INTEGER NOT NULL,
    frozen INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE ds_group_states (
    group_id BLOB PRIMARY KEY,
    epoch INTEGER NOT NULL,
    group_info BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE ds_view_records (
    group_id BLOB NOT NULL,
    record INTEGER NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (group_id, record)
) WITHOUT ROWID;
CREATE TABLE ds_messages (
    group_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    sender BLOB,
    message BLOB NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, seq)
) WITHOUT ROWID;
CREATE TABLE ds_members (
    group_id BLOB NOT NULL,
    client BLOB NOT NULL,
    from_seq INTEGER NOT NULL,
    until_seq INTEGER,
    cursor_seq INTEGER NOT NULL,
    last_active INTEGER NOT NULL,
    PRIMARY KEY (group_id, client)
) WITHOUT ROWID;
CREATE TABLE ds_key_packages (
    reference BLOB PRIMARY KEY,
    owner BLOB NOT NULL,
    cipher_suite INTEGER NOT NULL,
    version INTEGER NOT NULL,
    not_before INTEGER NOT NULL,
    not_after INTEGER NOT NULL,
    last_resort INTEGER NOT NULL,
    key_package BLOB NOT NULL,
    uploaded_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ds_key_packages_owner ON ds_key_packages (owner, reference);
CREATE TABLE ds_welcomes (
    client BLOB NOT NULL,
    group_id BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    welcome BLOB NOT NULL,
    PRIMARY KEY (client, group_id, epoch)
) WITHOUT ROWID;
CREATE TABLE ds_epoch_trees (
    group_id BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    tree BLOB NOT NULL,
    waiting BLOB NOT NULL,
    PRIMARY KEY (group_id, epoch)
) WITHOUT ROWID;
CREATE TABLE ds_rates (
    rate_kind INTEGER NOT NULL,
    rate_key BLOB NOT NULL,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (rate_kind, rate_key)
) WITHOUT ROWID;
