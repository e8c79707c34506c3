-- Migration 2 (sqlite): a KeyPackage claim reads O(log stock) rows
-- (issue 18), and each Welcome is stored once per (group, epoch) with
-- one small row per joiner referencing it.
DROP INDEX ds_key_packages_owner;
-- Oldest first (a claim), and every KeyPackage of an owner.
CREATE INDEX ds_key_packages_age
    ON ds_key_packages (owner, cipher_suite, last_resort, uploaded_at, reference);
-- Soonest expired first (the expired ones a claim deletes; the count of
-- usable ones, covered).
CREATE INDEX ds_key_packages_expiry
    ON ds_key_packages (owner, cipher_suite, last_resort, not_after, not_before);
CREATE TABLE ds_welcome_messages (
    group_id BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    welcome BLOB NOT NULL,
    waiting INTEGER NOT NULL,
    PRIMARY KEY (group_id, epoch)
) WITHOUT ROWID;
CREATE TABLE ds_welcome_joiners (
    client BLOB NOT NULL,
    group_id BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    PRIMARY KEY (client, group_id, epoch)
) WITHOUT ROWID;
CREATE INDEX ds_welcome_joiners_group ON ds_welcome_joiners (group_id, epoch);
INSERT INTO ds_welcome_messages (group_id, epoch, welcome, waiting)
    SELECT group_id, epoch, MIN(welcome), COUNT(*) FROM ds_welcomes GROUP BY group_id, epoch;
INSERT INTO ds_welcome_joiners (client, group_id, epoch)
    SELECT client, group_id, epoch FROM ds_welcomes;
DROP TABLE ds_welcomes;
