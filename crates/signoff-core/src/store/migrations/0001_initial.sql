-- 0001: the first schema. Templates imported by users, runs with their frozen
-- template, one result row per item, waivers, content-addressed evidence
-- blobs and the evidence that cites them, and the hash-chained activity log.
-- Released migrations are never edited; add a new file instead.

CREATE TABLE templates (
    id          TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    name        TEXT    NOT NULL,
    hash        TEXT    NOT NULL,            -- Template::content_hash
    body        TEXT    NOT NULL,            -- the template as JSON
    source      TEXT    NOT NULL,
    imported_at TEXT    NOT NULL,
    imported_by TEXT    NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    target           TEXT    NOT NULL,
    environment      TEXT    NOT NULL,
    template_id      TEXT    NOT NULL,
    template_version INTEGER NOT NULL,
    template_name    TEXT    NOT NULL,
    template_hash    TEXT    NOT NULL,
    template_body    TEXT    NOT NULL,       -- frozen copy, as JSON
    state            TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'signed')),
    created_at       TEXT    NOT NULL,
    created_by       TEXT    NOT NULL
) STRICT;

CREATE TABLE results (
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    item_id    TEXT    NOT NULL,
    position   INTEGER NOT NULL,             -- order in the template
    status     TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'pass', 'fail', 'na')),
    note       TEXT    NOT NULL DEFAULT '',
    reason     TEXT    NOT NULL DEFAULT '',  -- why N/A
    updated_at TEXT,
    updated_by TEXT,
    PRIMARY KEY (run_id, item_id),
    CHECK (status <> 'na' OR reason <> '')
) STRICT, WITHOUT ROWID;

CREATE TABLE waivers (
    run_id        INTEGER NOT NULL,
    item_id       TEXT    NOT NULL,
    justification TEXT    NOT NULL CHECK (justification <> ''),
    accepted_by   TEXT    NOT NULL CHECK (accepted_by <> ''),
    expires_on    TEXT    NOT NULL,          -- YYYY-MM-DD
    granted_at    TEXT    NOT NULL,
    granted_by    TEXT    NOT NULL,
    PRIMARY KEY (run_id, item_id),
    FOREIGN KEY (run_id, item_id) REFERENCES results (run_id, item_id)
) STRICT;

-- One row per distinct file content stored in the vault.
CREATE TABLE blobs (
    sha256    TEXT    PRIMARY KEY,
    size      INTEGER NOT NULL,
    stored_at TEXT    NOT NULL
) STRICT;

CREATE TABLE evidence (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    item_id     TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('file', 'note', 'link')),
    blob        TEXT    REFERENCES blobs (sha256),   -- files only
    digest      TEXT    NOT NULL,            -- SHA-256 of the file, note text or URL
    name        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    media_type  TEXT    NOT NULL,
    body        TEXT    NOT NULL DEFAULT '', -- note text or URL
    observed_on TEXT    NOT NULL,            -- YYYY-MM-DD
    sensitive   INTEGER NOT NULL DEFAULT 0 CHECK (sensitive IN (0, 1)),
    added_at    TEXT    NOT NULL,
    added_by    TEXT    NOT NULL,
    removed_at  TEXT,                        -- removal hides, never deletes
    removed_by  TEXT,
    FOREIGN KEY (run_id, item_id) REFERENCES results (run_id, item_id),
    CHECK ((kind = 'file') = (blob IS NOT NULL))
) STRICT;

CREATE INDEX evidence_by_item ON evidence (run_id, item_id);
CREATE INDEX evidence_by_blob ON evidence (blob);

CREATE TABLE activity (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    details   TEXT NOT NULL,                 -- JSON object
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
