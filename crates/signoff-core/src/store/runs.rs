//! SQL of runs and what hangs off them: results, waivers, sign-offs, and
//! the copy a reopened run becomes (its next revision).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{Stored, collect, decode, parse_date, to_json};
use super::{Store, Tx};
use crate::error::{Error, Result};
use crate::model::{
    Actor, Counts, ItemResult, RunState, RunSummary, SignoffRecord, Status, Waiver,
};
use crate::template::Template;

impl Store {
    pub fn run_summary(&self, run: i64) -> Result<RunSummary> {
        let mut summary = self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                [run],
                run_from_row,
            )
            .optional()?
            .transpose()?
            .ok_or_else(|| Error::not_found("run", run))?;
        summary.counts = self.counts(run)?;
        Ok(summary)
    }

    pub fn list_runs(&self) -> Result<Vec<RunSummary>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC"))?;
        let mut runs = collect(stmt.query_map([], run_from_row)?)?;
        let mut stmt = self
            .conn
            .prepare("SELECT run_id, status, COUNT(*) FROM results GROUP BY run_id, status")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (run, status, n): (i64, String, u32) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if let Some(r) = runs.iter_mut().find(|r| r.id == run) {
                r.counts.add_n(decode(&status)?, n);
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
            counts.add_n(decode(&status)?, n);
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
                status: decode(&status)?,
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
                    status: decode(&status)?,
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
}

impl Tx<'_> {
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
            params![run, item, status.as_stored(), note, reason, at, by.as_str()],
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
}

const RUN_COLUMNS: &str = "id, target, environment, template_id, template_version, template_name, \
     template_hash, state, created_at, created_by, revision, revision_of, require_maintenance";

fn run_from_row(r: &Row<'_>) -> rusqlite::Result<Result<RunSummary>> {
    let state = match decode(&r.get::<_, String>(7)?) {
        Ok(state) => state,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(RunSummary {
        id: r.get(0)?,
        target: r.get(1)?,
        environment: r.get(2)?,
        template_id: r.get(3)?,
        template_version: r.get(4)?,
        template_name: r.get(5)?,
        template_hash: r.get(6)?,
        state,
        created_at: r.get(8)?,
        created_by: r.get(9)?,
        revision: r.get(10)?,
        revision_of: r.get(11)?,
        require_maintenance: r.get::<_, i64>(12)? == 1,
        counts: Counts::default(),
    }))
}

fn run_state(conn: &Connection, run: i64) -> Result<RunState> {
    let state: String = conn
        .query_row("SELECT state FROM runs WHERE id = ?1", [run], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found("run", run))?;
    decode(&state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store with run 1 (one item, `a`) whose stored text is then set
    /// past the CHECK constraints, as an edit behind Signoff's back would.
    fn store_with_run(sql: &str) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("db")).expect("open");
        let t = crate::template::builtins()
            .into_iter()
            .next()
            .expect("a built-in template");
        let at = "2026-01-01T00:00:00Z";
        let by = Actor::new("alice").expect("actor");
        store
            .write(|tx| tx.insert_run(&t, "v1", "prod", at, &by))
            .expect("run");
        store
            .conn
            .execute_batch(&format!(
                "PRAGMA ignore_check_constraints = ON; {sql}; PRAGMA ignore_check_constraints = OFF;"
            ))
            .expect("edit");
        (dir, store)
    }

    #[test]
    fn an_unknown_status_in_a_row_is_a_database_error() {
        let (_dir, store) =
            store_with_run("UPDATE results SET status = 'maybe' WHERE run_id = 1 AND position = 0");
        let item: String = store
            .conn
            .query_row("SELECT item_id FROM results WHERE position = 0", [], |r| {
                r.get(0)
            })
            .expect("item");
        let want = "database error: unknown status 'maybe' in the database";
        let errors = [
            store.results(1).map(drop).expect_err("results"),
            store.result(1, &item).map(drop).expect_err("result"),
            store.run_summary(1).map(drop).expect_err("counts"),
            store.list_runs().map(drop).expect_err("list"),
        ];
        for err in errors {
            assert!(
                matches!(err, Error::Database(_)) && err.to_string() == want,
                "every read of the row fails alike: {err}"
            );
        }
    }

    #[test]
    fn an_unknown_run_state_is_a_database_error() {
        // It used to read as "open", so a damaged signed run looked changeable.
        let (_dir, store) = store_with_run("UPDATE runs SET state = 'frozen' WHERE id = 1");
        let want = "database error: unknown run state 'frozen' in the database";
        for err in [
            store.run_summary(1).map(drop).expect_err("summary"),
            store.list_runs().map(drop).expect_err("list"),
            store.run_state(1).map(drop).expect_err("state"),
        ] {
            assert!(
                matches!(err, Error::Database(_)) && err.to_string() == want,
                "{err}"
            );
        }
    }
}
