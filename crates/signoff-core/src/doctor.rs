//! `doctor`: checks that the workspace is whole. SQLite's integrity check
//! and foreign keys, every stored evidence file re-hashed, and the activity
//! log's hash chain. Each problem names what is damaged (run, item, file
//! name, log entry) so a person can act on it. It only reads.

use serde::Serialize;

use crate::activity::verify_chain;
use crate::error::Result;
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
    /// `database`, `evidence` or `activity`.
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
                "{temps} temporary file(s) from an interrupted import; the next import removes them"
            ));
        }

        let log = self.store.activity()?;
        for b in verify_chain(&log) {
            problems.push(Problem {
                area: "activity",
                subject: format!("activity/{}", b.seq),
                message: format!(
                    "activity entry #{} ({} on {}): {}",
                    b.seq, b.action, b.subject, b.problem
                ),
            });
        }
        checked.push(format!("activity log: {} entries, hash chain", log.len()));

        Ok(DoctorReport {
            ok: problems.is_empty(),
            checked,
            problems,
            notes,
        })
    }
}
