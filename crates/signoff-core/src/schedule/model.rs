//! The schedule's values: tasks as stored, where each stands, completions
//! and their files, what front ends send to add, edit or complete a task,
//! and the notices shown once. Plain data (serde, camelCase); the history
//! of one task knows its occurrences through the pure rules of [`plan`].

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::plan::{self, Anchor, Occurrence, OccurrenceState, Pause};
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Active,
    Paused,
    Archived,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Active => "active",
            TaskState::Paused => "paused",
            TaskState::Archived => "archived",
        }
    }
}

/// A recurring task as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub title: String,
    /// Markdown.
    pub guidance: String,
    /// `weekly`, `monthly`, `every 3 months`…
    pub cadence: String,
    pub start_on: NaiveDate,
    pub grace_days: u32,
    pub owner: String,
    pub anchor: Anchor,
    pub state: TaskState,
    pub builtin: bool,
    pub created_at: String,
    pub created_by: String,
}

/// Where a task stands today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    Overdue,
    Due,
    Upcoming,
    Paused,
    Archived,
}

/// A task with its open occurrence, as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    #[serde(flatten)]
    pub task: Task,
    pub standing: Standing,
    /// The open occurrence's date (the next one to do).
    pub next_due: Option<NaiveDate>,
    /// Days past `next_due` (0 when not yet due).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days_late: i64,
    pub last_done: Option<NaiveDate>,
}

/// A file attached to a completion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CompletionFile {
    pub id: i64,
    pub name: String,
    pub sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub media_type: String,
    pub observed_on: NaiveDate,
    pub sensitive: bool,
    pub added_at: String,
    pub added_by: String,
}

/// One completion of a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    pub id: i64,
    pub task_id: String,
    /// The occurrence it closes.
    pub due_on: NaiveDate,
    pub done_on: NaiveDate,
    pub note: String,
    pub done_at: String,
    pub done_by: String,
    /// Done after the grace period.
    pub late: bool,
    pub files: Vec<CompletionFile>,
}

/// A task with its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TaskDetail {
    pub status: TaskStatus,
    /// Occurrences of the past year and the next few, oldest first.
    pub occurrences: Vec<Occurrence>,
    pub completions: Vec<Completion>,
    pub pauses: Vec<Pause>,
}

/// One occurrence on the calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CalendarEntry {
    pub task_id: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub state: OccurrenceState,
    pub done_on: Option<NaiveDate>,
}

/// A new task. `id` is made from the title when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    pub id: Option<String>,
    pub title: String,
    pub guidance: String,
    pub cadence: String,
    pub start_on: Option<NaiveDate>,
    pub grace_days: u32,
    pub owner: String,
    pub from_completion: bool,
}

/// Changes to a task; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TaskEdit {
    pub title: Option<String>,
    pub guidance: Option<String>,
    pub cadence: Option<String>,
    pub start_on: Option<NaiveDate>,
    pub grace_days: Option<u32>,
    pub owner: Option<String>,
}

/// What `complete_task` records.
#[derive(Clone, Debug, Default)]
pub struct CompleteOptions {
    pub note: String,
    /// The day it was done (default today); not in the future.
    pub on: Option<NaiveDate>,
    pub files: Vec<PathBuf>,
    pub sensitive: bool,
}

/// A notification to show once: a task became due or overdue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub task_id: String,
    pub title: String,
    pub due_on: NaiveDate,
    /// "due" or "overdue".
    pub kind: String,
}

impl Task {
    pub fn rules(&self) -> Result<plan::Rules> {
        Ok(plan::Rules {
            cadence: self.cadence.parse()?,
            start: self.start_on,
            grace_days: self.grace_days,
            anchor: self.anchor,
        })
    }
}

/// What the store holds about one task's history.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub completions: Vec<Completion>,
    pub pauses: Vec<Pause>,
}

impl History {
    /// This task's occurrences in `from..=to` as they stand on `today`.
    pub(crate) fn occurrences(
        &self,
        rules: &plan::Rules,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        limit: usize,
    ) -> Vec<Occurrence> {
        plan::occurrences(rules, &self.done(), &self.pauses, from, to, today, limit)
    }

    pub(crate) fn done(&self) -> Vec<plan::Done> {
        self.completions
            .iter()
            .map(|c| plan::Done {
                due_on: c.due_on,
                done_on: c.done_on,
            })
            .collect()
    }
}
