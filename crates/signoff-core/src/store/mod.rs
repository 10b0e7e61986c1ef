//! The SQLite store: the only module that holds SQL or opens the database.
//!
//! It owns the connection setup (WAL, `synchronous=FULL`, foreign keys, a
//! busy timeout), the embedded migrations and the `user_version` guard, and
//! typed queries. It does not decide business rules (whether an N/A needs a
//! reason, whether a run may change): the use cases in `runs`, `evidence`
//! and `templates` do, then call [`Store::write`] so that the change and its
//! activity-log entry commit in one transaction.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

use crate::activity::{self, Checkpoint};
use crate::error::{Error, Result};
use crate::logkey::LogKey;
use crate::model::{
    ActivityEntry, Actor, Counts, Evidence, EvidenceKind, ItemResult, RunState, RunSummary,
    SignoffRecord, Status, Waiver,
};
use crate::template::Template;

/// How long a writer waits for another process's transaction.
pub const BUSY_TIMEOUT_MS: u64 = 5_000;

/// The schema, in order. Append only: a released migration is never edited.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_initial.sql")),
        M::up(include_str!("migrations/0002_signoffs.sql")),
        M::up(include_str!("migrations/0003_schedule.sql")),
        M::up(include_str!("migrations/0004_log_checkpoint.sql")),
    ])
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATION_COUNT
}
const MIGRATION_COUNT: i64 = 4;
/// The first schema with the log checkpoint.
pub const CHECKPOINT_SCHEMA: i64 = 4;

mod history;
mod schedule;

#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The schema version found before migrating (0 for a new file).
    migrated_from: i64,
    /// Keys the checkpoint updated with each log append; `None` when the
    /// key is missing (the checkpoint is then left as it is, for `doctor`).
    log_key: Option<LogKey>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    ///
    /// A file that is not SQLite is refused before SQLite sees it, and a
    /// database from a newer Signoff is refused before anything is written:
    /// neither is ever altered.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, &migrations(), MIGRATION_COUNT)
    }

    pub(crate) fn open_with(path: &Path, migrations: &Migrations<'_>, known: i64) -> Result<Store> {
        check_header(path)?;
        let corrupt = |e: rusqlite::Error| Error::NotADatabase {
            path: path.to_owned(),
            detail: e.to_string(),
        };
        let mut conn = Connection::open(path).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ffi::ErrorCode::CannotOpen | rusqlite::ffi::ErrorCode::ReadOnly) => {
                Error::DataDir {
                    path: path.parent().unwrap_or(path).to_owned(),
                    reason: format!("cannot open the database: {e}"),
                }
            }
            _ => corrupt(e),
        })?;
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| match e.sqlite_error_code() {
                Some(
                    rusqlite::ffi::ErrorCode::NotADatabase
                    | rusqlite::ffi::ErrorCode::DatabaseCorrupt,
                ) => corrupt(e),
                _ => Error::from(e),
            })?;
        if found > known {
            return Err(Error::NewerSchema {
                path: path.to_owned(),
                found,
                supported: known,
            });
        }
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::DataDir {
                path: path.to_owned(),
                reason: format!("SQLite could not use WAL journaling here (got {mode})"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations.to_latest(&mut conn).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => Error::from(err),
            other => Error::Database(format!("migrating {}: {other}", path.display())),
        })?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            migrated_from: found,
            log_key: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version the file had before this open migrated it.
    pub fn migrated_from(&self) -> i64 {
        self.migrated_from
    }

    /// Sets the key that every later log append uses for the checkpoint.
    pub fn set_log_key(&mut self, key: LogKey) {
        self.log_key = Some(key);
    }

    pub fn log_key(&self) -> Option<&LogKey> {
        self.log_key.as_ref()
    }

    /// The stored checkpoint, if any.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        read_checkpoint(&self.conn)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: it commits only if `f`
    /// succeeds, and concurrent writers (another window, the CLI) queue.
    pub fn write<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let w = Tx {
            tx,
            key: self.log_key.as_ref(),
            anchored: std::cell::RefCell::new(None),
        };
        let out = f(&w)?;
        let anchored = w.anchored.take();
        w.tx.commit()?;
        if let (Some(key), Some(cp)) = (&self.log_key, anchored) {
            key.record_head(&cp);
        }
        Ok(out)
    }

    // ---- templates ----------------------------------------------------

    /// The newest stored version of an imported template.
    pub fn latest_template(&self, id: &str) -> Result<Option<Template>> {
        self.conn
            .query_row(
                "SELECT body, version FROM templates WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                [id],
                template_from_row,
            )
            .optional()?
            .transpose()
    }

    pub fn template(&self, id: &str, version: u32) -> Result<Option<Template>> {
        self.conn
            .query_row(
                "SELECT body, version FROM templates WHERE id = ?1 AND version = ?2",
                params![id, version],
                template_from_row,
            )
            .optional()?
            .transpose()
    }

    /// The newest version of every imported template, by id.
    pub fn latest_templates(&self) -> Result<Vec<Template>> {
        let mut stmt = self.conn.prepare(
            "SELECT body, version FROM templates t WHERE version = \
             (SELECT MAX(version) FROM templates WHERE id = t.id) ORDER BY id",
        )?;
        let rows = stmt.query_map([], template_from_row)?;
        rows.map(|r| r.map_err(Error::from).and_then(|t| t))
            .collect()
    }

    // ---- runs ---------------------------------------------------------

    pub fn run_summary(&self, run: i64) -> Result<RunSummary> {
        let mut summary = self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                [run],
                run_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::not_found("run", run))?;
        summary.counts = self.counts(run)?;
        Ok(summary)
    }

    pub fn list_runs(&self) -> Result<Vec<RunSummary>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC"))?;
        let mut runs = stmt
            .query_map([], run_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self
            .conn
            .prepare("SELECT run_id, status, COUNT(*) FROM results GROUP BY run_id, status")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (run, status, n): (i64, String, u32) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if let Some(r) = runs.iter_mut().find(|r| r.id == run) {
                r.counts.add_n(parse_status(&status)?, n);
            }
        }
        Ok(runs)
    }

    fn counts(&self, run: i64) -> Result<Counts> {
        let mut counts = Counts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT status, COUNT(*) FROM results WHERE run_id = ?1 GROUP BY status")?;
        let mut rows = stmt.query([run])?;
        while let Some(row) = rows.next()? {
            let (status, n): (String, u32) = (row.get(0)?, row.get(1)?);
            counts.add_n(parse_status(&status)?, n);
        }
        Ok(counts)
    }

    /// Whether a run is open or signed (a cheap check before changes).
    pub fn run_state(&self, run: i64) -> Result<RunState> {
        run_state(&self.conn, run)
    }

    /// The frozen template a run was started from.
    pub fn run_template(&self, run: i64) -> Result<Template> {
        let body: String = self
            .conn
            .query_row("SELECT template_body FROM runs WHERE id = ?1", [run], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| Error::not_found("run", run))?;
        serde_json::from_str(&body)
            .map_err(|e| Error::Database(format!("run {run}: stored template is unreadable: {e}")))
    }

    /// Every result row of a run, in template order.
    pub fn results(&self, run: i64) -> Result<Vec<ItemResult>> {
        let mut stmt = self.conn.prepare(
            "SELECT item_id, status, note, reason, updated_at, updated_by \
             FROM results WHERE run_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.map(|row| {
            let (item_id, status, note, reason, updated_at, updated_by) = row?;
            Ok(ItemResult {
                item_id,
                status: parse_status(&status)?,
                note,
                reason,
                updated_at,
                updated_by,
            })
        })
        .collect()
    }

    pub fn result(&self, run: i64, item: &str) -> Result<Option<ItemResult>> {
        self.conn
            .query_row(
                "SELECT item_id, status, note, reason, updated_at, updated_by \
                 FROM results WHERE run_id = ?1 AND item_id = ?2",
                params![run, item],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?
            .map(|(item_id, status, note, reason, updated_at, updated_by)| {
                Ok(ItemResult {
                    item_id,
                    status: parse_status(&status)?,
                    note,
                    reason,
                    updated_at,
                    updated_by,
                })
            })
            .transpose()
    }

    /// Waivers of a run, by item id.
    pub fn waivers(&self, run: i64) -> Result<Vec<(String, Waiver)>> {
        let mut stmt = self.conn.prepare(
            "SELECT item_id, justification, accepted_by, expires_on, granted_at, granted_by \
             FROM waivers WHERE run_id = ?1",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (item, justification, accepted_by, expires, granted_at, granted_by) = row?;
            Ok((
                item,
                Waiver {
                    justification,
                    accepted_by,
                    expires_on: parse_date(&expires)?,
                    granted_at,
                    granted_by,
                },
            ))
        })
        .collect()
    }

    /// Evidence of a run that has not been removed, by item id, oldest first.
    pub fn evidence(&self, run: i64) -> Result<Vec<(String, Evidence)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT item_id, {EVIDENCE_COLUMNS} FROM evidence \
             WHERE run_id = ?1 AND removed_at IS NULL ORDER BY id"
        ))?;
        let rows = stmt.query_map([run], |r| {
            Ok((r.get::<_, String>(0)?, evidence_from_row(r, 1)?))
        })?;
        rows.map(|row| {
            let (item, ev) = row?;
            Ok((item, ev?))
        })
        .collect()
    }

    pub fn evidence_by_id(&self, id: i64) -> Result<Option<(i64, String, Evidence, bool)>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT run_id, item_id, removed_at IS NOT NULL, {EVIDENCE_COLUMNS} \
                     FROM evidence WHERE id = ?1"
                ),
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                        evidence_from_row(r, 3)?,
                    ))
                },
            )
            .optional()?
            .map(|(run, item, removed, ev)| Ok((run, item, ev?, removed)))
            .transpose()
    }

    // ---- checks -------------------------------------------------------

    /// SQLite's own `integrity_check`: empty when the file is sound.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let lines = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }

    /// Rows that break a foreign key (should never happen with FKs on).
    pub fn foreign_key_problems(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok(format!(
                "table {} row {} points to a missing row in {}",
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                r.get::<_, String>(2)?
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every stored blob with the evidence rows that cite it.
    pub fn blobs(&self) -> Result<Vec<BlobRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.sha256, b.size, e.run_id, e.item_id, e.name FROM blobs b \
             LEFT JOIN evidence e ON e.blob = b.sha256 ORDER BY b.sha256, e.id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out: Vec<BlobRow> = Vec::new();
        while let Some(r) = rows.next()? {
            let sha256: String = r.get(0)?;
            let size: i64 = r.get(1)?;
            let cite = match r.get::<_, Option<i64>>(2)? {
                Some(run) => Some((run, r.get::<_, String>(3)?, r.get::<_, String>(4)?)),
                None => None,
            };
            match out.last_mut() {
                Some(last) if last.sha256 == sha256 => last.cited_by.extend(cite),
                _ => out.push(BlobRow {
                    sha256,
                    size: size as u64,
                    cited_by: cite.into_iter().collect(),
                }),
            }
        }
        Ok(out)
    }

    /// The sign-offs recorded for a run, oldest first.
    pub fn signoffs(&self, run: i64) -> Result<Vec<SignoffRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT role, signer_name, signer_email, organisation, fingerprint, statement, \
             report_id, run_digest, signed_at, log_head_seq, log_head_hash \
             FROM signoffs WHERE run_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok(SignoffRecord {
                role: r.get(0)?,
                signer_name: r.get(1)?,
                signer_email: r.get(2)?,
                organisation: r.get(3)?,
                fingerprint: r.get(4)?,
                statement: r.get(5)?,
                report_id: r.get(6)?,
                run_digest: r.get(7)?,
                signed_at: r.get(8)?,
                log_head_seq: r.get(9)?,
                log_head_hash: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The sequence number of the newest activity entry (0 when empty). Every
    /// change appends an entry, so this tells front ends whether anything
    /// changed since they last looked (another window, the CLI).
    pub fn activity_head(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM activity", [], |r| {
                r.get(0)
            })?)
    }

    /// The whole activity log, oldest first.
    pub fn activity(&self) -> Result<Vec<ActivityEntry>> {
        self.activity_where("1 = 1", [])
    }

    /// Activity entries about the maintenance schedule (its tasks).
    pub fn schedule_activity(&self) -> Result<Vec<ActivityEntry>> {
        self.activity_where("subject = 'schedule' OR subject LIKE 'task/%'", [])
    }

    /// Activity entries whose subject is this run or one of its items.
    pub fn run_activity(&self, run: i64) -> Result<Vec<ActivityEntry>> {
        let prefix = format!("run/{run}");
        self.activity_where("subject = ?1 OR subject LIKE ?1 || '/%'", [prefix])
    }

    fn activity_where<P: rusqlite::Params>(
        &self,
        filter: &str,
        p: P,
    ) -> Result<Vec<ActivityEntry>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT seq, at, actor, action, subject, details, prev_hash, hash \
             FROM activity WHERE {filter} ORDER BY seq"
        ))?;
        let rows = stmt.query_map(p, |r| {
            Ok(ActivityEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                details: r.get(5)?,
                prev_hash: r.get(6)?,
                hash: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// A write transaction. Every mutation goes through one, with its
/// activity-log entry ([`Tx::log`]) in the same transaction.
#[derive(Debug)]
pub struct Tx<'c> {
    tx: rusqlite::Transaction<'c>,
    key: Option<&'c LogKey>,
    /// The checkpoint this transaction wrote, copied beside the key once
    /// the transaction has committed.
    anchored: std::cell::RefCell<Option<Checkpoint>>,
}

impl Tx<'_> {
    /// Appends an activity entry chained to the current head.
    pub fn log(
        &self,
        at: &str,
        actor: &Actor,
        action: &str,
        subject: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let head: Option<(i64, String)> = self
            .tx
            .query_row(
                "SELECT seq, hash FROM activity ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (seq, prev) = match &head {
            Some((seq, hash)) => (seq + 1, hash.clone()),
            None => (1, activity::GENESIS.to_owned()),
        };
        let details = details.to_string();
        let hash = activity::entry_hash(&prev, seq, at, actor.as_str(), action, subject, &details);
        self.advance_checkpoint(head.as_ref(), seq, &hash)?;
        self.tx.execute(
            "INSERT INTO activity (seq, at, actor, action, subject, details, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                seq,
                at,
                actor.as_str(),
                action,
                subject,
                details,
                prev,
                hash
            ],
        )?;
        Ok(())
    }

    /// Moves the checkpoint from the previous head to the new entry, only if
    /// it vouched for that head: a checkpoint that no longer matches the log
    /// (entries deleted or re-hashed behind Signoff's back) is left as it
    /// is, so the next change cannot launder the evidence `doctor` reports.
    fn advance_checkpoint(
        &self,
        previous: Option<&(i64, String)>,
        seq: i64,
        hash: &str,
    ) -> Result<()> {
        let Some(key) = self.key else {
            return Ok(());
        };
        let current = self.checkpoint()?;
        let continues = match (&current, previous) {
            (None, None) => true,
            (Some(cp), Some((pseq, phash))) => {
                cp.seq == *pseq
                    && cp.hash == *phash
                    && activity::checkpoint_verifies(key.bytes(), cp)
            }
            _ => false,
        };
        if continues {
            self.put_checkpoint(&key.checkpoint(seq, hash))?;
        }
        Ok(())
    }

    fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        read_checkpoint(&self.tx)
    }

    fn put_checkpoint(&self, cp: &Checkpoint) -> Result<()> {
        self.tx.execute(
            "INSERT INTO log_checkpoint (id, seq, hash, mac) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
            params![cp.seq, cp.hash, cp.mac],
        )?;
        *self.anchored.borrow_mut() = Some(cp.clone());
        Ok(())
    }

    /// Anchors a log that has no checkpoint yet (a database from before the
    /// checkpoint, opened for the first time): vouches for its newest entry
    /// as it stands. Returns whether it did.
    pub fn anchor_unanchored_head(&self) -> Result<bool> {
        let Some(key) = self.key else {
            return Ok(false);
        };
        if self.checkpoint()?.is_some() {
            return Ok(false);
        }
        let head: Option<(i64, String)> = self
            .tx
            .query_row(
                "SELECT seq, hash FROM activity ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match head {
            Some((seq, hash)) => {
                self.put_checkpoint(&key.checkpoint(seq, &hash))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Stores a new version of an imported template, or returns the version
    /// already stored with the same content.
    pub fn insert_template(&self, t: &Template, at: &str, by: &Actor) -> Result<(u32, bool)> {
        let hash = t.content_hash();
        let latest: Option<(u32, String)> = self
            .tx
            .query_row(
                "SELECT version, hash FROM templates WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                [&t.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((version, h)) = &latest
            && *h == hash
        {
            return Ok((*version, false));
        }
        let version = latest.map_or(1, |(v, _)| v + 1);
        let mut stored = t.clone();
        stored.version = version;
        self.tx.execute(
            "INSERT INTO templates (id, version, name, hash, body, source, imported_at, imported_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                t.id,
                version,
                t.name,
                hash,
                to_json(&stored)?,
                t.source,
                at,
                by.as_str()
            ],
        )?;
        Ok((version, true))
    }

    /// Creates a run with a frozen copy of `t` and a pending result per item.
    pub fn insert_run(
        &self,
        t: &Template,
        target: &str,
        env: &str,
        at: &str,
        by: &Actor,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO runs (target, environment, template_id, template_version, template_name, \
             template_hash, template_body, created_at, created_by, require_maintenance) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                target,
                env,
                t.id,
                t.version,
                t.name,
                t.content_hash(),
                to_json(t)?,
                at,
                by.as_str(),
                i64::from(t.require_maintenance)
            ],
        )?;
        let run = self.tx.last_insert_rowid();
        let mut stmt = self
            .tx
            .prepare("INSERT INTO results (run_id, item_id, position) VALUES (?1, ?2, ?3)")?;
        for (pos, (_, item)) in t.items().enumerate() {
            stmt.execute(params![run, item.id, pos as i64])?;
        }
        Ok(run)
    }

    /// The run's state as seen inside this transaction.
    pub fn run_state(&self, run: i64) -> Result<RunState> {
        run_state(&self.tx, run)
    }

    /// The newest activity entry about this run (0 if none): tells whether
    /// the run changed since a manifest was made.
    pub fn run_last_seq(&self, run: i64) -> Result<i64> {
        let prefix = format!("run/{run}");
        Ok(self.tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM activity WHERE subject = ?1 OR subject LIKE ?1 || '/%'",
            [prefix],
            |r| r.get(0),
        )?)
    }

    /// Turns the maintenance release gate of an open run on or off.
    pub fn set_require_maintenance(&self, run: i64, on: bool) -> Result<()> {
        self.tx.execute(
            "UPDATE runs SET require_maintenance = ?2 WHERE id = ?1",
            params![run, i64::from(on)],
        )?;
        Ok(())
    }

    /// Freezes an open run; returns false if it was already signed.
    pub fn freeze_run(&self, run: i64) -> Result<bool> {
        Ok(self.tx.execute(
            "UPDATE runs SET state = 'signed' WHERE id = ?1 AND state = 'open'",
            [run],
        )? == 1)
    }

    pub fn insert_signoff(&self, run: i64, s: &SignoffRecord) -> Result<()> {
        self.tx.execute(
            "INSERT INTO signoffs (run_id, role, signer_name, signer_email, organisation, \
             fingerprint, statement, report_id, run_digest, signed_at, log_head_seq, log_head_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                run,
                s.role,
                s.signer_name,
                s.signer_email,
                s.organisation,
                s.fingerprint,
                s.statement,
                s.report_id,
                s.run_digest,
                s.signed_at,
                s.log_head_seq,
                s.log_head_hash
            ],
        )?;
        Ok(())
    }

    /// Copies a run, with its results, waivers and current evidence, as
    /// the next revision (open). The old run is left as it is. Returns the
    /// new run and, for each evidence copied, its old and new id.
    pub fn copy_run_as_revision(
        &self,
        old: i64,
        at: &str,
        by: &Actor,
    ) -> Result<(i64, Vec<(i64, i64)>)> {
        self.tx.execute(
            "INSERT INTO runs (target, environment, template_id, template_version, template_name, \
             template_hash, template_body, state, created_at, created_by, revision, revision_of, \
             require_maintenance) \
             SELECT target, environment, template_id, template_version, template_name, \
             template_hash, template_body, 'open', ?2, ?3, revision + 1, id, require_maintenance \
             FROM runs WHERE id = ?1",
            params![old, at, by.as_str()],
        )?;
        let new = self.tx.last_insert_rowid();
        self.tx.execute(
            "INSERT INTO results (run_id, item_id, position, status, note, reason, updated_at, updated_by) \
             SELECT ?2, item_id, position, status, note, reason, updated_at, updated_by \
             FROM results WHERE run_id = ?1",
            params![old, new],
        )?;
        self.tx.execute(
            "INSERT INTO waivers (run_id, item_id, justification, accepted_by, expires_on, granted_at, granted_by) \
             SELECT ?2, item_id, justification, accepted_by, expires_on, granted_at, granted_by \
             FROM waivers WHERE run_id = ?1",
            params![old, new],
        )?;
        let ids = {
            let mut stmt = self.tx.prepare(
                "SELECT id FROM evidence WHERE run_id = ?1 AND removed_at IS NULL ORDER BY id",
            )?;
            stmt.query_map([old], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut copied = Vec::with_capacity(ids.len());
        let mut stmt = self.tx.prepare(
            "INSERT INTO evidence (run_id, item_id, kind, blob, digest, name, size, media_type, body, \
             observed_on, sensitive, added_at, added_by) \
             SELECT ?2, item_id, kind, blob, digest, name, size, media_type, body, observed_on, \
             sensitive, added_at, added_by FROM evidence WHERE id = ?1",
        )?;
        for id in ids {
            stmt.execute(params![id, new])?;
            copied.push((id, self.tx.last_insert_rowid()));
        }
        Ok((new, copied))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn update_result(
        &self,
        run: i64,
        item: &str,
        status: Status,
        note: &str,
        reason: &str,
        at: &str,
        by: &Actor,
    ) -> Result<()> {
        self.tx.execute(
            "UPDATE results SET status = ?3, note = ?4, reason = ?5, updated_at = ?6, updated_by = ?7 \
             WHERE run_id = ?1 AND item_id = ?2",
            params![run, item, status.as_str(), note, reason, at, by.as_str()],
        )?;
        Ok(())
    }

    /// Removes an item's waiver; returns whether there was one.
    pub fn delete_waiver(&self, run: i64, item: &str) -> Result<bool> {
        Ok(self.tx.execute(
            "DELETE FROM waivers WHERE run_id = ?1 AND item_id = ?2",
            params![run, item],
        )? > 0)
    }

    pub fn upsert_waiver(&self, run: i64, item: &str, w: &Waiver) -> Result<()> {
        self.tx.execute(
            "INSERT INTO waivers (run_id, item_id, justification, accepted_by, expires_on, granted_at, granted_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (run_id, item_id) DO UPDATE SET justification = excluded.justification, \
             accepted_by = excluded.accepted_by, expires_on = excluded.expires_on, \
             granted_at = excluded.granted_at, granted_by = excluded.granted_by",
            params![
                run,
                item,
                w.justification,
                w.accepted_by,
                w.expires_on.to_string(),
                w.granted_at,
                w.granted_by
            ],
        )?;
        Ok(())
    }

    /// Records a blob as stored (no-op if the same bytes are already known).
    pub fn insert_blob(&self, sha256: &str, size: u64, at: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO blobs (sha256, size, stored_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![sha256, size as i64, at],
        )?;
        Ok(())
    }

    pub fn insert_evidence(&self, run: i64, item: &str, e: &Evidence) -> Result<i64> {
        let blob = (e.kind == EvidenceKind::File).then_some(e.sha256.as_str());
        self.tx.execute(
            "INSERT INTO evidence (run_id, item_id, kind, blob, digest, name, size, media_type, body, \
             observed_on, sensitive, added_at, added_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                run,
                item,
                e.kind.as_str(),
                blob,
                e.sha256,
                e.name,
                e.size as i64,
                e.media_type,
                e.text,
                e.observed_on.to_string(),
                e.sensitive,
                e.added_at,
                e.added_by
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn mark_evidence_removed(&self, id: i64, at: &str, by: &Actor) -> Result<()> {
        self.tx.execute(
            "UPDATE evidence SET removed_at = ?2, removed_by = ?3 WHERE id = ?1 AND removed_at IS NULL",
            params![id, at, by.as_str()],
        )?;
        Ok(())
    }
}

/// A stored blob and the evidence (run, item, file name) that cites it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRow {
    pub sha256: String,
    pub size: u64,
    pub cited_by: Vec<(i64, String, String)>,
}

const RUN_COLUMNS: &str = "id, target, environment, template_id, template_version, template_name, \
     template_hash, state, created_at, created_by, revision, revision_of, require_maintenance";

fn run_from_row(r: &Row<'_>) -> rusqlite::Result<RunSummary> {
    let state: String = r.get(7)?;
    Ok(RunSummary {
        id: r.get(0)?,
        target: r.get(1)?,
        environment: r.get(2)?,
        template_id: r.get(3)?,
        template_version: r.get(4)?,
        template_name: r.get(5)?,
        template_hash: r.get(6)?,
        state: if state == "signed" {
            RunState::Signed
        } else {
            RunState::Open
        },
        created_at: r.get(8)?,
        created_by: r.get(9)?,
        revision: r.get(10)?,
        revision_of: r.get(11)?,
        require_maintenance: r.get::<_, i64>(12)? == 1,
        counts: Counts::default(),
    })
}

const EVIDENCE_COLUMNS: &str = "id, kind, name, digest, size, media_type, body, observed_on, \
     sensitive, added_at, added_by";

fn evidence_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Result<Evidence>> {
    let kind = match r.get::<_, String>(at + 1)?.as_str() {
        "file" => EvidenceKind::File,
        "note" => EvidenceKind::Note,
        _ => EvidenceKind::Link,
    };
    let observed: String = r.get(at + 7)?;
    let size: i64 = r.get(at + 4)?;
    Ok(parse_date(&observed).map(|observed_on| Evidence {
        id: r.get(at).unwrap_or_default(),
        kind,
        name: r.get(at + 2).unwrap_or_default(),
        sha256: r.get(at + 3).unwrap_or_default(),
        size: size as u64,
        media_type: r.get(at + 5).unwrap_or_default(),
        text: r.get(at + 6).unwrap_or_default(),
        observed_on,
        sensitive: r.get(at + 8).unwrap_or_default(),
        added_at: r.get(at + 9).unwrap_or_default(),
        added_by: r.get(at + 10).unwrap_or_default(),
    }))
}

fn template_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Template>> {
    let body: String = r.get(0)?;
    let version: u32 = r.get(1)?;
    Ok(serde_json::from_str::<Template>(&body)
        .map(|mut t| {
            t.version = version;
            t
        })
        .map_err(|e| Error::Database(format!("a stored template is unreadable: {e}"))))
}

fn parse_status(s: &str) -> Result<Status> {
    s.parse()
        .map_err(|_| Error::Database(format!("unknown status '{s}' in the database")))
}

fn run_state(conn: &Connection, run: i64) -> Result<RunState> {
    let state: String = conn
        .query_row("SELECT state FROM runs WHERE id = ?1", [run], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found("run", run))?;
    parse_state(&state)
}

fn parse_state(s: &str) -> Result<RunState> {
    match s {
        "open" => Ok(RunState::Open),
        "signed" => Ok(RunState::Signed),
        other => Err(Error::Database(format!("unknown run state '{other}'"))),
    }
}

pub(crate) fn parse_date(s: &str) -> Result<chrono::NaiveDate> {
    s.parse()
        .map_err(|_| Error::Database(format!("unreadable date '{s}' in the database")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Database(format!("serialising: {e}")))
}

/// Refuses a file that is not SQLite before SQLite opens (and could write) it.
fn check_header(path: &Path) -> Result<()> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(format!("opening {}", path.display()), e)),
    };
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if meta.is_dir() {
        return Err(Error::NotADatabase {
            path: path.to_owned(),
            detail: "it is a directory".into(),
        });
    }
    if meta.len() == 0 {
        return Ok(()); // SQLite treats an empty file as a new database
    }
    let mut header = [0u8; 16];
    let n = file
        .read(&mut header)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if n < 16 || &header != b"SQLite format 3\0" || meta.len() < 512 {
        return Err(Error::NotADatabase {
            path: path.to_owned(),
            detail: "it does not start with an SQLite header".into(),
        });
    }
    Ok(())
}

/// The stored checkpoint, read by the store and inside a write transaction.
fn read_checkpoint(conn: &Connection) -> Result<Option<Checkpoint>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash, mac FROM log_checkpoint WHERE id = 1",
            [],
            |r| {
                Ok(Checkpoint {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                    mac: r.get(2)?,
                })
            },
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_count_matches_the_list() {
        // Migrations::validate checks the SQL applies cleanly on an empty db.
        migrations()
            .validate()
            .expect("migrations apply to an empty database");
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrations().to_latest(&mut conn).expect("migrate");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version");
        assert_eq!(
            v, MIGRATION_COUNT,
            "MIGRATION_COUNT must equal the number of migrations"
        );
    }

    #[test]
    fn migrations_are_all_or_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let broken = Migrations::new(vec![
            M::up("CREATE TABLE first (x INTEGER);"),
            M::up("CREATE TABLE second (x INTEGER); INSERT INTO nowhere VALUES (1);"),
        ]);
        let err = Store::open_with(&path, &broken, 2).expect_err("second step fails");
        assert!(err.to_string().contains("nowhere"), "{err}");
        let conn = Connection::open(&path).expect("reopen");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(
            v, 0,
            "a failed migration set leaves the version where it was"
        );
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(tables, 0, "the first step was rolled back with the second");
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        drop(Store::open(&path).expect("create"));
        {
            let conn = Connection::open(&path).expect("open");
            conn.pragma_update(None, "user_version", 99).expect("bump");
        }
        let before = std::fs::read(&path).expect("read");
        let err = Store::open(&path).expect_err("newer schema");
        assert_eq!(err.code(), "database_too_new");
        assert!(err.to_string().contains("schema 99"), "{err}");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "file unchanged"
        );
    }

    #[test]
    fn not_sqlite_is_refused_before_opening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        std::fs::write(&path, b"this is a text file, not a database\n".repeat(40)).expect("write");
        let err = Store::open(&path).expect_err("garbage");
        assert_eq!(err.code(), "database_corrupt");
        assert!(
            !dir.path().join("db-wal").exists(),
            "no WAL created next to it"
        );
    }
}
