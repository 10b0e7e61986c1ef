-- 0003: the maintenance schedule. Tasks recur on a cadence from a start
-- date (or from their last completion); each completion records which
-- occurrence it closes, when, by whom, a note, and evidence files kept in
-- the same content-addressed vault as run evidence. Pauses are periods, so
-- history reads the same later. Notifications sent are remembered so that
-- each is shown once. Settings hold one-time facts (built-ins seeded).

CREATE TABLE tasks (
    id          TEXT    PRIMARY KEY,
    title       TEXT    NOT NULL CHECK (title <> ''),
    guidance    TEXT    NOT NULL DEFAULT '',
    cadence     TEXT    NOT NULL,            -- Cadence, e.g. 'monthly', 'every 3 months'
    start_on    TEXT    NOT NULL,            -- YYYY-MM-DD, the first occurrence
    grace_days  INTEGER NOT NULL DEFAULT 0 CHECK (grace_days >= 0),
    owner       TEXT    NOT NULL DEFAULT '',
    anchor      TEXT    NOT NULL DEFAULT 'schedule' CHECK (anchor IN ('schedule', 'completion')),
    state       TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'archived')),
    builtin     INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
) STRICT;

CREATE TABLE task_pauses (
    task_id    TEXT NOT NULL REFERENCES tasks (id),
    paused_on  TEXT NOT NULL,
    resumed_on TEXT,                         -- exclusive; NULL while paused
    PRIMARY KEY (task_id, paused_on)
) STRICT;

CREATE TABLE completions (
    id       INTEGER PRIMARY KEY,
    task_id  TEXT NOT NULL REFERENCES tasks (id),
    due_on   TEXT NOT NULL,                  -- the occurrence it closes
    done_on  TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    done_at  TEXT NOT NULL,
    done_by  TEXT NOT NULL,
    UNIQUE (task_id, due_on)
) STRICT;

CREATE TABLE completion_evidence (
    id            INTEGER PRIMARY KEY,
    completion_id INTEGER NOT NULL REFERENCES completions (id),
    blob          TEXT    NOT NULL REFERENCES blobs (sha256),
    name          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    media_type    TEXT    NOT NULL,
    observed_on   TEXT    NOT NULL,
    sensitive     INTEGER NOT NULL DEFAULT 0 CHECK (sensitive IN (0, 1)),
    added_at      TEXT    NOT NULL,
    added_by      TEXT    NOT NULL
) STRICT;

CREATE INDEX completion_evidence_by_completion ON completion_evidence (completion_id);

CREATE TABLE task_notifications (
    task_id     TEXT NOT NULL REFERENCES tasks (id),
    due_on      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('due', 'overdue')),
    notified_at TEXT NOT NULL,
    PRIMARY KEY (task_id, due_on, kind)
) STRICT;

-- Release gate: a run that requires it cannot be signed while a task is
-- overdue (set from its template, or on the run).
ALTER TABLE runs ADD COLUMN require_maintenance INTEGER NOT NULL DEFAULT 0
    CHECK (require_maintenance IN (0, 1));

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
