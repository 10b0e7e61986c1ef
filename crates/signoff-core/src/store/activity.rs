//! SQL of the activity log: the hash-chained append ([`Tx::log`], which
//! moves the checkpoint with it) and the reads of the whole log or of one
//! subject's entries.

use rusqlite::{OptionalExtension, params};

use super::{Store, Tx};
use crate::activity;
use crate::error::Result;
use crate::model::{ActivityEntry, Actor};

impl Store {
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
        let head = self.log_head()?;
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

    /// The newest entry's number and hash, as this transaction sees them.
    pub(super) fn log_head(&self) -> Result<Option<(i64, String)>> {
        Ok(self
            .tx
            .query_row(
                "SELECT seq, hash FROM activity ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
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
}
