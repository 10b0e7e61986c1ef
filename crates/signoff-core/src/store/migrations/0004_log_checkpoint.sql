-- 0004: anchoring the activity log (issue 10). The hash chain alone cannot
-- show that its newest entries were deleted, nor that someone rewrote the
-- log and recomputed every hash. The checkpoint is an HMAC-SHA256, keyed by
-- a secret kept outside the database (<data>/log-key/), over the newest
-- entry's number and hash; it is updated in the same transaction as each
-- append, so without the key a shortened or re-hashed log no longer matches
-- it. One row only. Sign-offs also record the log head their report
-- carries, so the database says which head each auditor was given.

CREATE TABLE log_checkpoint (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 1),
    hash TEXT    NOT NULL,
    mac  TEXT    NOT NULL                -- hex HMAC-SHA256, see activity::checkpoint_mac
) STRICT;

-- NULL for sign-offs recorded before this migration.
ALTER TABLE signoffs ADD COLUMN log_head_seq INTEGER;
ALTER TABLE signoffs ADD COLUMN log_head_hash TEXT;
