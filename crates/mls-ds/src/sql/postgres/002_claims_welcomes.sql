-- Migration 2 (postgres): a KeyPackage claim reads O(log stock) rows
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
    group_id BYTEA NOT NULL,
    epoch BIGINT NOT NULL,
    welcome BYTEA NOT NULL,
    waiting BIGINT NOT NULL,
    PRIMARY KEY (group_id, epoch)
);
CREATE TABLE ds_welcome_joiners (
    client BYTEA NOT NULL,
    group_id BYTEA NOT NULL,
    epoch BIGINT NOT NULL,
    PRIMARY KEY (client, group_id, epoch)
);
CREATE INDEX ds_welcome_joiners_group ON ds_welcome_joiners (group_id, epoch);
INSERT INTO ds_welcome_messages (group_id, epoch, welcome, waiting)
    SELECT DISTINCT ON (group_id, epoch) group_id, epoch, welcome,
        COUNT(*) OVER (PARTITION BY group_id, epoch)
    FROM ds_welcomes ORDER BY group_id, epoch;
INSERT INTO ds_welcome_joiners (client, group_id, epoch)
    SELECT client, group_id, epoch FROM ds_welcomes;
DROP TABLE ds_welcomes;
-- Messages and Welcomes are ciphertext: stored out of line without the
-- compression PostgreSQL would otherwise try (in vain) on every value over
-- 2 KB — an 820 KB commit's bytes cost the write, not a failed pglz pass.
ALTER TABLE ds_messages ALTER COLUMN message SET STORAGE EXTERNAL;
ALTER TABLE ds_welcome_messages ALTER COLUMN welcome SET STORAGE EXTERNAL;
