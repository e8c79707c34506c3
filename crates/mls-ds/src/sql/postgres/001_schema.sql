-- Migration 1 (postgres): the schema of mls-ds's store (see src/sql/mod.rs).
CREATE TABLE ds_groups (
    group_id BYTEA PRIMARY KEY,
    version BIGINT NOT NULL,
    view_version BIGINT NOT NULL,
    cipher_suite INTEGER NOT NULL,
    epoch BIGINT NOT NULL,
    next_seq BIGINT NOT NULL,
    epoch_start_seq BIGINT NOT NULL,
    frozen BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE ds_group_states (
    group_id BYTEA PRIMARY KEY,
    epoch BIGINT NOT NULL,
    group_info BYTEA NOT NULL
);
CREATE TABLE ds_view_records (
    group_id BYTEA NOT NULL,
    record BIGINT NOT NULL,
    value BYTEA NOT NULL,
    PRIMARY KEY (group_id, record)
);
CREATE TABLE ds_messages (
    group_id BYTEA NOT NULL,
    seq BIGINT NOT NULL,
    epoch BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    sender BYTEA,
    message BYTEA NOT NULL,
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, seq)
);
CREATE TABLE ds_members (
    group_id BYTEA NOT NULL,
    client BYTEA NOT NULL,
    from_seq BIGINT NOT NULL,
    until_seq BIGINT,
    cursor_seq BIGINT NOT NULL,
    last_active BIGINT NOT NULL,
    PRIMARY KEY (group_id, client)
);
CREATE TABLE ds_key_packages (
    reference BYTEA PRIMARY KEY,
    owner BYTEA NOT NULL,
    cipher_suite INTEGER NOT NULL,
    version INTEGER NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    last_resort BOOLEAN NOT NULL,
    key_package BYTEA NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX ds_key_packages_owner ON ds_key_packages (owner, reference);
CREATE TABLE ds_welcomes (
    client BYTEA NOT NULL,
    group_id BYTEA NOT NULL,
    epoch BIGINT NOT NULL,
    welcome BYTEA NOT NULL,
    PRIMARY KEY (client, group_id, epoch)
);
CREATE TABLE ds_epoch_trees (
    group_id BYTEA NOT NULL,
    epoch BIGINT NOT NULL,
    tree BYTEA NOT NULL,
    waiting BYTEA NOT NULL,
    PRIMARY KEY (group_id, epoch)
);
CREATE TABLE ds_rates (
    rate_kind SMALLINT NOT NULL,
    rate_key BYTEA NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (rate_kind, rate_key)
);
