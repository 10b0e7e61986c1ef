//! `doctor`: checks that the workspace is whole. SQLite's integrity check
//! and foreign keys, every stored evidence file re-hashed, and the history
//! checks: the activity log's hash chain, its keyed checkpoint (and the copy
//! of it beside the key), and the log replayed against the tables. Each
//! problem names what is damaged (run, item, file name, log entry) so a
//! person can act on it. It only reads. The sign-off flow runs the history
//! checks too and refuses to sign a run when they fail.

use serde::Serialize;

use crate::activity::{KeyView, check_head, checkpoint_verifies, verify_chain};
use crate::error::{Error, Result};
use crate::logkey::{self, KeyStatus};
use crate::workspace::Workspace;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    /// True when no problem was found.
    pub ok: bool,
    /// What was checked, with counts.
    pub checked: Vec<String>,
    pub problems: Vec<Problem>,
    /// Harmless findings (e.g. files left by an interrupted import).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `database`, `evidence`, `activity` (the log itself) or `history`
    /// (the tables against the log).
    pub area: &'static str,
    /// What is damaged, e.g. `run/3/item/debug-false` or `activity/12`.
    pub subject: String,
    pub message: String,
}

impl Workspace {
    /// Checks the database, the evidence files and the activity log.
    pub fn run_doctor(&self) -> Result<DoctorReport> {
        let mut problems = Vec::new();
        let mut checked = Vec::new();
        let mut notes = Vec::new();

        let integrity = self.store.integrity_problems()?;
        let fk = self.store.foreign_key_problems()?;
        for message in integrity.into_iter().chain(fk) {
            problems.push(Problem {
                area: "database",
                subject: self.store.path().display().to_string(),
                message,
            });
        }
        checked.push(format!(
            "database {}: integrity and foreign keys",
            self.store.path().display()
        ));

        let blobs = self.store.blobs()?;
        let mut bytes = 0u64;
        for blob in &blobs {
            bytes += blob.size;
            let Some(damage) = self.vault.check(&blob.sha256, blob.size) else {
                continue;
            };
            if blob.cited_by.is_empty() {
                problems.push(Problem {
                    area: "evidence",
                    subject: format!("sha256/{}", blob.sha256),
                    message: format!("stored evidence {}: {damage}", blob.sha256),
                });
            }
            for (run, item, name) in &blob.cited_by {
                problems.push(Problem {
                    area: "evidence",
                    subject: format!("run/{run}/item/{item}"),
                    message: format!(
                        "evidence '{name}' of run {run}, item '{item}' (sha256 {}): {damage}",
                        blob.sha256
                    ),
                });
            }
        }
        checked.push(format!(
            "{} evidence files ({bytes} bytes) re-hashed",
            blobs.len()
        ));

        let known: std::collections::HashSet<&str> =
            blobs.iter().map(|b| b.sha256.as_str()).collect();
        let orphans = self
            .vault
            .stored_hashes()?
            .into_iter()
            .filter(|h| !known.contains(h.as_str()))
            .count();
        if orphans > 0 {
            notes.push(format!(
                "{orphans} stored file(s) are not cited by any evidence (left by an interrupted import; harmless)"
            ));
        }
        let temps = self.vault.stale_temps().len();
        if temps > 0 {
            notes.push(format!(
                "{temps} temporary file(s) from an interrupted import; the next start removes them"
            ));
        }

        let history = self.check_history()?;
        problems.extend(history.problems);
        checked.extend(history.checked);
        notes.extend(history.notes);

        Ok(DoctorReport {
            ok: problems.is_empty(),
            checked,
            problems,
            notes,
        })
    }
}

/// What the history checks found (part of [`DoctorReport`]).
#[derive(Clone, Debug, Default)]
pub struct HistoryCheck {
    pub checked: Vec<String>,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

impl Workspace {
    /// The history checks: the log's hash chain, its checkpoint (and the
    /// copy beside the key), and the log replayed against the tables.
    pub fn check_history(&self) -> Result<HistoryCheck> {
        let mut out = HistoryCheck::default();
        let key_dir = self.data_dir().join(logkey::DIR);
        // The copy of the head beside the key is read before the database:
        // a writer commits, then copies its head, so a copy read first is
        // never ahead of the snapshot taken after it unless the database
        // really lost entries (read the other way round, a write in between
        // looked like a database replaced by an older copy).
        let head_copy = logkey::read_head(&key_dir);
        let (log, checkpoint, tables) = self.store.history_snapshot()?;
        for b in verify_chain(&log) {
            out.problems.push(Problem {
                area: "activity",
                subject: format!("activity/{}", b.seq),
                message: format!(
                    "activity entry #{} ({} on {}): {}",
                    b.seq, b.action, b.subject, b.problem
                ),
            });
        }
        out.checked
            .push(format!("activity log: {} entries, hash chain", log.len()));

        let key_path = key_dir.join(logkey::KEY_FILE).display().to_string();
        let key = match (&self.log_key, self.store.log_key()) {
            (KeyStatus::Present, Some(k)) => KeyView::Present(k.bytes()),
            (KeyStatus::Unreadable(why), _) => KeyView::Unreadable(why),
            _ => KeyView::Missing,
        };
        let head = check_head(&log, checkpoint.as_ref(), key, &key_path);
        let head_ok = head.problems.is_empty();
        let last = log.last().map_or(0, |e| e.seq);
        for message in head.problems {
            out.problems.push(Problem {
                area: "activity",
                subject: format!("activity/{last}"),
                message,
            });
        }
        if let Some((seq, hash)) = &head.vouched {
            out.checked.push(format!(
                "activity log: checkpoint verified with the log key; it vouches for entry {seq} ({})",
                &hash[..hash.len().min(16)]
            ));
        }
        // The copy beside the key shows a database replaced by an older copy
        // of itself (whose own checkpoint is genuine).
        if let (true, KeyView::Present(k)) = (head_ok, key) {
            match head_copy {
                Some(Ok(copy)) if !checkpoint_verifies(k, &copy) => out.problems.push(Problem {
                    area: "activity",
                    subject: format!("activity/{last}"),
                    message: format!(
                        "the log head recorded beside the key ({}) does not verify with the key",
                        key_dir.join(logkey::HEAD_FILE).display()
                    ),
                }),
                Some(Ok(copy)) if copy.seq > last => out.problems.push(Problem {
                    area: "activity",
                    subject: format!("activity/{last}"),
                    message: format!(
                        "the log ends at entry {last}, but the log once reached entry {} (recorded beside the key): the database was replaced by an older copy, or entries were deleted with their checkpoint",
                        copy.seq
                    ),
                }),
                Some(Ok(copy)) if log.iter().any(|e| e.seq == copy.seq && e.hash != copy.hash) => {
                    out.problems.push(Problem {
                        area: "activity",
                        subject: format!("activity/{}", copy.seq),
                        message: format!(
                            "entry {} is not the entry recorded beside the key: the log was rewritten",
                            copy.seq
                        ),
                    })
                }
                Some(Err(why)) => out.notes.push(format!("{why}; it is rewritten with the next change")),
                _ => {}
            }
        }

        let replay = crate::history::replay(&log, &tables);
        for d in replay.differences {
            out.problems.push(Problem {
                area: "history",
                subject: d.subject,
                message: d.message,
            });
        }
        out.notes.extend(replay.notes);
        out.checked.push(format!(
            "history: {} entries replayed against {} runs, {} results, {} waivers, {} evidence, {} sign-offs, {} tasks, {} completions",
            replay.replayed,
            tables.runs.len(),
            tables.results.len(),
            tables.waivers.len(),
            tables.evidence.len(),
            tables.signoffs.len(),
            tables.tasks.len(),
            tables.completions.len()
        ));
        Ok(out)
    }

    /// Refuses when the history checks find a problem (before signing):
    /// a report must not vouch for a history edited behind Signoff's back.
    pub fn require_intact_history(&self) -> Result<()> {
        let check = self.check_history()?;
        match check.problems.first() {
            None => Ok(()),
            Some(first) => Err(Error::History {
                first: format!("{}: {}", first.subject, first.message),
                more: check.problems.len() - 1,
            }),
        }
    }
}
