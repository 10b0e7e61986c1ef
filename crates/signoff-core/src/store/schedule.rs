//! SQL of the maintenance schedule (tasks, pauses, completions and their
//! files, notifications, settings).

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};

use super::codec::{Stored, collect, decode, parse_date};
use super::{Store, Tx};
use crate::error::Result;
use crate::model::Actor;
use crate::schedule::{Completion, CompletionFile, History, Pause, Task, TaskState};
use crate::vault::StoredBlob;

const TASK_COLUMNS: &str = "id, title, guidance, cadence, start_on, grace_days, owner, anchor, \
     state, builtin, created_at, created_by";

fn task_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Task>> {
    let start: String = r.get(4)?;
    let anchor: String = r.get(7)?;
    let state: String = r.get(8)?;
    let builtin: i64 = r.get(9)?;
    let (id, title, guidance, cadence, grace, owner, at, by): (
        String,
        String,
        String,
        String,
        u32,
        String,
        String,
        String,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(5)?,
        r.get(6)?,
        r.get(10)?,
        r.get(11)?,
    );
    Ok((|| {
        Ok(Task {
            id,
            title,
            guidance,
            cadence,
            start_on: parse_date(&start)?,
            grace_days: grace,
            owner,
            anchor: decode(&anchor)?,
            state: decode(&state)?,
            builtin: builtin == 1,
            created_at: at,
            created_by: by,
        })
    })())
}

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn tasks(&self) -> Result<Vec<Task>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {TASK_COLUMNS} FROM tasks ORDER BY rowid"))?;
        collect(stmt.query_map([], task_from_row)?)
    }

    pub fn task(&self, id: &str) -> Result<Option<Task>> {
        self.conn
            .query_row(
                &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1"),
                [id],
                task_from_row,
            )
            .optional()?
            .transpose()
    }

    /// A task's completions (with their files) and pauses, oldest first.
    pub fn task_history(&self, id: &str) -> Result<History> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.task_id, c.due_on, c.done_on, c.note, c.done_at, c.done_by, t.grace_days \
             FROM completions c JOIN tasks t ON t.id = c.task_id WHERE c.task_id = ?1 ORDER BY c.due_on",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, u32>(7)?,
            ))
        })?;
        let mut completions = Vec::new();
        for row in rows {
            let (cid, task_id, due, done, note, at, by, grace) = row?;
            let (due_on, done_on) = (parse_date(&due)?, parse_date(&done)?);
            completions.push(Completion {
                id: cid,
                task_id,
                due_on,
                done_on,
                note,
                done_at: at,
                done_by: by,
                late: (done_on - due_on).num_days() > i64::from(grace),
                files: self.completion_files(cid)?,
            });
        }
        let mut stmt = self.conn.prepare(
            "SELECT paused_on, resumed_on FROM task_pauses WHERE task_id = ?1 ORDER BY paused_on",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut pauses = Vec::new();
        for row in rows {
            let (from, to) = row?;
            pauses.push(Pause {
                from: parse_date(&from)?,
                to: to.as_deref().map(parse_date).transpose()?,
            });
        }
        Ok(History {
            completions,
            pauses,
        })
    }

    fn completion_files(&self, completion: i64) -> Result<Vec<CompletionFile>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, blob, size, media_type, observed_on, sensitive, added_at, added_by \
             FROM completion_evidence WHERE completion_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([completion], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, sha256, size, media_type, observed, sensitive, at, by) = row?;
            out.push(CompletionFile {
                id,
                name,
                sha256,
                size: size.max(0) as u64,
                media_type,
                observed_on: parse_date(&observed)?,
                sensitive: sensitive == 1,
                added_at: at,
                added_by: by,
            });
        }
        Ok(out)
    }

    pub fn notified(&self, task: &str, due_on: NaiveDate, kind: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM task_notifications WHERE task_id = ?1 AND due_on = ?2 AND kind = ?3",
                params![task, due_on.to_string(), kind],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

impl Tx<'_> {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn insert_task(&self, t: &Task) -> Result<()> {
        self.tx.execute(
            &format!("INSERT INTO tasks ({TASK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                t.id,
                t.title,
                t.guidance,
                t.cadence,
                t.start_on.to_string(),
                t.grace_days,
                t.owner,
                t.anchor.as_stored(),
                t.state.as_stored(),
                i64::from(t.builtin),
                t.created_at,
                t.created_by
            ],
        )?;
        Ok(())
    }

    pub fn update_task(&self, t: &Task) -> Result<()> {
        self.tx.execute(
            "UPDATE tasks SET title = ?2, guidance = ?3, cadence = ?4, start_on = ?5, \
             grace_days = ?6, owner = ?7 WHERE id = ?1",
            params![
                t.id,
                t.title,
                t.guidance,
                t.cadence,
                t.start_on.to_string(),
                t.grace_days,
                t.owner
            ],
        )?;
        Ok(())
    }

    pub fn set_task_state(&self, id: &str, state: TaskState) -> Result<()> {
        self.tx.execute(
            "UPDATE tasks SET state = ?2 WHERE id = ?1",
            params![id, state.as_stored()],
        )?;
        Ok(())
    }

    pub fn start_pause(&self, id: &str, on: NaiveDate) -> Result<()> {
        self.tx.execute(
            "INSERT INTO task_pauses (task_id, paused_on) VALUES (?1, ?2) \
             ON CONFLICT (task_id, paused_on) DO UPDATE SET resumed_on = NULL",
            params![id, on.to_string()],
        )?;
        Ok(())
    }

    pub fn end_pause(&self, id: &str, on: NaiveDate) -> Result<()> {
        self.tx.execute(
            "UPDATE task_pauses SET resumed_on = ?2 WHERE task_id = ?1 AND resumed_on IS NULL",
            params![id, on.to_string()],
        )?;
        Ok(())
    }

    pub fn insert_completion(
        &self,
        task: &str,
        due_on: NaiveDate,
        done_on: NaiveDate,
        note: &str,
        at: &str,
        by: &Actor,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO completions (task_id, due_on, done_on, note, done_at, done_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                task,
                due_on.to_string(),
                done_on.to_string(),
                note,
                at,
                by.as_str()
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_completion_file(
        &self,
        completion: i64,
        name: &str,
        blob: &StoredBlob,
        media_type: &str,
        observed_on: NaiveDate,
        sensitive: bool,
        at: &str,
        by: &Actor,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO completion_evidence (completion_id, blob, name, size, media_type, \
             observed_on, sensitive, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                completion,
                blob.sha256,
                name,
                blob.size as i64,
                media_type,
                observed_on.to_string(),
                i64::from(sensitive),
                at,
                by.as_str()
            ],
        )?;
        Ok(())
    }

    pub fn insert_notification(
        &self,
        task: &str,
        due_on: NaiveDate,
        kind: &str,
        at: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO task_notifications (task_id, due_on, kind, notified_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![task, due_on.to_string(), kind, at],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn an_unknown_task_state_or_anchor_is_a_database_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("db")).expect("open");
        let by = Actor::new("alice").expect("actor");
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let task = crate::schedule::builtin::tasks(day, "2026-01-01T00:00:00Z", &by)
            .into_iter()
            .next()
            .expect("a built-in task");
        store.write(|tx| tx.insert_task(&task)).expect("task");
        for (sql, want) in [
            (
                "UPDATE tasks SET state = 'asleep'",
                "unknown task state 'asleep' in the database",
            ),
            (
                "UPDATE tasks SET state = 'active', anchor = 'moon'",
                "unknown task anchor 'moon' in the database",
            ),
        ] {
            store
                .conn
                .execute_batch(&format!(
                    "PRAGMA ignore_check_constraints = ON; {sql}; PRAGMA ignore_check_constraints = OFF;"
                ))
                .expect("edit");
            for err in [
                store.tasks().map(drop).expect_err("tasks"),
                store.task(&task.id).map(drop).expect_err("task"),
            ] {
                assert!(
                    matches!(err, Error::Database(_)) && err.to_string().ends_with(want),
                    "{err}"
                );
            }
        }
    }
}
