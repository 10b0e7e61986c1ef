//! The SQLite store: the only module that holds SQL or opens the database.
//!
//! This file owns the connection setup (WAL, `synchronous=FULL`, foreign
//! keys, a busy timeout), the embedded migrations and the `user_version`
//! guard, the write transaction ([`Store::write`], [`Tx`]) and the log
//! checkpoint it moves; the database-wide checks `doctor` runs. The typed
//! queries live with their tables: `templates`, `runs` (runs, results,
//! waivers, sign-offs, revisions), `evidence` (evidence and blobs),
//! `activity` (the log: reads and [`Tx::log`]), `schedule` and `history`
//! (the snapshot the history check compares); `codec` is the one policy by
//! which column text becomes values. None of it decides business rules
//! (whether an N/A needs a reason, whether a run may change): the use cases
//! in `runs`, `evidence` and `templates` do, then call [`Store::write`] so
//! that the change and its activity-log entry commit in one transaction.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

use crate::activity::Checkpoint;
use crate::error::{Error, Result};
use crate::logkey::LogKey;

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

mod activity;
mod codec;
mod evidence;
mod history;
mod runs;
mod schedule;
mod templates;

pub use evidence::BlobRow;

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
                    && crate::activity::checkpoint_verifies(key.bytes(), cp)
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
        match self.log_head()? {
            Some((seq, hash)) => {
                self.put_checkpoint(&key.checkpoint(seq, &hash))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
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
