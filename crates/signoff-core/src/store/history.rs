//! SQL of the history check: a snapshot of every table the activity log
//! describes, as stored, for `history::replay`.

use super::Store;
use crate::activity::Checkpoint;
use crate::error::Result;
use crate::history::{
    CompletionRow, EvidenceRow, PauseRow, ResultRow, RunRow, SignoffRow, Tables, TaskRow, WaiverRow,
};
use crate::model::ActivityEntry;

impl Store {
    /// The whole log, its checkpoint and every run, result, waiver,
    /// evidence, sign-off, task, pause and completion, read in one
    /// transaction (so that they are one consistent snapshot).
    pub fn history_snapshot(&self) -> Result<(Vec<ActivityEntry>, Option<Checkpoint>, Tables)> {
        let tx = self.conn.unchecked_transaction()?;
        let log = self.activity()?;
        let checkpoint = self.checkpoint()?;
        let runs = tx
            .prepare(
                "SELECT id, target, environment, state, revision, revision_of, require_maintenance \
                 FROM runs ORDER BY id",
            )?
            .query_map([], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    target: r.get(1)?,
                    environment: r.get(2)?,
                    state: r.get(3)?,
                    revision: r.get(4)?,
                    revision_of: r.get(5)?,
                    require_maintenance: r.get::<_, i64>(6)? == 1,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let results = tx
            .prepare(
                "SELECT run_id, item_id, status, note, reason FROM results ORDER BY run_id, position",
            )?
            .query_map([], |r| {
                Ok(ResultRow {
                    run: r.get(0)?,
                    item: r.get(1)?,
                    status: r.get(2)?,
                    note: r.get(3)?,
                    reason: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let waivers = tx
            .prepare(
                "SELECT run_id, item_id, justification, accepted_by, expires_on FROM waivers \
                 ORDER BY run_id, item_id",
            )?
            .query_map([], |r| {
                Ok(WaiverRow {
                    run: r.get(0)?,
                    item: r.get(1)?,
                    justification: r.get(2)?,
                    accepted_by: r.get(3)?,
                    expires_on: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let evidence = tx
            .prepare(
                "SELECT id, run_id, item_id, kind, digest, name, size, media_type, body, \
                 observed_on, sensitive, removed_at FROM evidence ORDER BY id",
            )?
            .query_map([], |r| {
                Ok(EvidenceRow {
                    id: r.get(0)?,
                    run: r.get(1)?,
                    item: r.get(2)?,
                    kind: r.get(3)?,
                    digest: r.get(4)?,
                    name: r.get(5)?,
                    size: r.get(6)?,
                    media_type: r.get(7)?,
                    body: r.get(8)?,
                    observed_on: r.get(9)?,
                    sensitive: r.get::<_, i64>(10)? == 1,
                    removed_at: r.get(11)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let signoffs = tx
            .prepare(
                "SELECT run_id, role, fingerprint, report_id, run_digest, statement, signed_at, \
                 log_head_seq FROM signoffs ORDER BY id",
            )?
            .query_map([], |r| {
                Ok(SignoffRow {
                    run: r.get(0)?,
                    role: r.get(1)?,
                    fingerprint: r.get(2)?,
                    report_id: r.get(3)?,
                    run_digest: r.get(4)?,
                    statement: r.get(5)?,
                    signed_at: r.get(6)?,
                    log_head_seq: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let tasks = tx
            .prepare(
                "SELECT id, title, cadence, start_on, grace_days, owner, anchor, state FROM tasks \
                 ORDER BY rowid",
            )?
            .query_map([], |r| {
                Ok(TaskRow {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    cadence: r.get(2)?,
                    start_on: r.get(3)?,
                    grace_days: r.get(4)?,
                    owner: r.get(5)?,
                    anchor: r.get(6)?,
                    state: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let pauses = tx
            .prepare(
                "SELECT task_id, paused_on, resumed_on FROM task_pauses ORDER BY task_id, paused_on",
            )?
            .query_map([], |r| {
                Ok(PauseRow {
                    task: r.get(0)?,
                    paused_on: r.get(1)?,
                    resumed_on: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut completions = tx
            .prepare(
                "SELECT id, task_id, due_on, done_on, note FROM completions ORDER BY task_id, due_on",
            )?
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    CompletionRow {
                        task: r.get(1)?,
                        due_on: r.get(2)?,
                        done_on: r.get(3)?,
                        note: r.get(4)?,
                        files: Vec::new(),
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        {
            let mut stmt = tx.prepare(
                "SELECT name, blob FROM completion_evidence WHERE completion_id = ?1 ORDER BY id",
            )?;
            for (id, c) in &mut completions {
                c.files = stmt
                    .query_map([*id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
            }
        }
        tx.finish()?;
        let tables = Tables {
            runs,
            results,
            waivers,
            evidence,
            signoffs,
            tasks,
            pauses,
            completions: completions.into_iter().map(|(_, c)| c).collect(),
        };
        Ok((log, checkpoint, tables))
    }
}
