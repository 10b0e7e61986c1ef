//! The maintenance log of a period: each task with its occurrences and
//! completions in the period and the schedule's activity entries, as a
//! signed maintenance-log report embeds it, and the activity entry that
//! records its signature.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{Completion, Task, TaskState};
use super::plan::{Occurrence, OccurrenceState};
use super::tasks::check_period;
use crate::error::Result;
use crate::model::Actor;
use crate::workspace::Workspace;

/// Identifies the maintenance log format; bump when its meaning changes.
pub const LOG_SCHEMA: &str = "signoff.maintenance-log/1";

/// Everything the schedule did in a period, as embedded in a signed
/// maintenance log: each task with its occurrences and completions in the
/// period, and the activity entries about the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceLog {
    pub schema: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The day the log was made (standings are as of that day).
    pub as_of: NaiveDate,
    pub tasks: Vec<LogTask>,
    pub activity: crate::manifest::ManifestActivity,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTask {
    pub task: Task,
    pub occurrences: Vec<Occurrence>,
    pub completions: Vec<Completion>,
}

impl MaintenanceLog {
    /// SHA-256 (hex) of the canonical JSON: what a signature attests to.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        crate::template::hex(&Sha256::digest(
            serde_json::to_vec(self).unwrap_or_default(),
        ))
    }

    /// Counts of occurrences in the period by state.
    pub fn count(&self, state: OccurrenceState) -> usize {
        self.tasks
            .iter()
            .flat_map(|t| &t.occurrences)
            .filter(|o| o.state == state)
            .count()
    }
}

impl Workspace {
    /// The maintenance log of `from..=to` (at most three years, checked
    /// first).
    pub fn maintenance_log(&self, from: NaiveDate, to: NaiveDate) -> Result<MaintenanceLog> {
        check_period("the maintenance log", from, to)?;
        let today = self.today();
        let mut tasks = Vec::new();
        for task in self.store.tasks()? {
            let history = self.store.task_history(&task.id)?;
            let rules = task.rules()?;
            let occurrences = history.occurrences(&rules, from, to, today, 5000);
            let completions: Vec<Completion> = history
                .completions
                .iter()
                .filter(|c| {
                    (c.done_on >= from && c.done_on <= to) || (c.due_on >= from && c.due_on <= to)
                })
                .cloned()
                .collect();
            if task.state == TaskState::Archived && occurrences.is_empty() && completions.is_empty()
            {
                continue;
            }
            tasks.push(LogTask {
                task,
                occurrences,
                completions,
            });
        }
        let entries = self.store.schedule_activity()?;
        let (head_seq, head_hash) = self
            .store
            .activity()?
            .last()
            .map(|e| (e.seq, e.hash.clone()))
            .unwrap_or((0, crate::activity::GENESIS.to_owned()));
        Ok(MaintenanceLog {
            schema: LOG_SCHEMA.to_owned(),
            from,
            to,
            as_of: today,
            tasks,
            activity: crate::manifest::ManifestActivity {
                entries,
                head_seq,
                head_hash,
            },
        })
    }

    /// Records in the activity log that a maintenance log was signed.
    pub fn log_maintenance_signed(
        &mut self,
        actor: &Actor,
        report_id: &str,
        digest: &str,
        fingerprint: &str,
    ) -> Result<()> {
        let at = self.now();
        self.store.write(|tx| {
            tx.log(
                &at,
                actor,
                "schedule.log-signed",
                "schedule",
                json!({ "reportId": report_id, "logDigest": digest, "fingerprint": fingerprint }),
            )
        })
    }
}
