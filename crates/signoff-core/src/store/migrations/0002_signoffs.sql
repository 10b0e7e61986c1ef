-- 0002: sign-offs and revisions. A signed run is frozen (runs.state =
-- 'signed'); changing it means reopening it as a new run that names the
-- revision it continues. Each sign-off records who signed, as what, the
-- digest of the run manifest they signed and the report's id.

ALTER TABLE runs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1);
ALTER TABLE runs ADD COLUMN revision_of INTEGER REFERENCES runs (id);

CREATE TABLE signoffs (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs (id),
    role         TEXT    NOT NULL CHECK (role IN ('preparer', 'approver')),
    signer_name  TEXT    NOT NULL,
    signer_email TEXT    NOT NULL,
    organisation TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,   -- SHA-256 of the signer certificate
    statement    TEXT    NOT NULL,
    report_id    TEXT    NOT NULL,
    run_digest   TEXT    NOT NULL,   -- Manifest::digest of what was signed
    signed_at    TEXT    NOT NULL
) STRICT;

CREATE INDEX signoffs_by_run ON signoffs (run_id);
