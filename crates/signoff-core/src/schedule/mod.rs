//! The maintenance schedule: recurring tasks, their due dates, completions
//! with notes and evidence, pauses, the built-in tasks from the security
//! policy, the calendar and its iCalendar export. The rules are pure
//! ([`plan`], [`cadence`]); the use cases ([`tasks`], [`log`], [`notices`])
//! store and load through the store and log every change in the activity
//! log. The values they hand out are in [`model`], re-exported here.

pub mod builtin;
pub mod cadence;
pub mod ics;
pub mod log;
pub mod model;
pub mod notices;
pub mod plan;
#[cfg(test)]
mod props;
pub mod tasks;

pub use cadence::{Cadence, Unit};
pub use log::{LOG_SCHEMA, LogTask, MaintenanceLog};
pub use model::{
    CalendarEntry, CompleteOptions, Completion, CompletionFile, History, NewTask, Notice, Standing,
    Task, TaskDetail, TaskEdit, TaskState, TaskStatus,
};
pub use plan::{Anchor, Occurrence, OccurrenceState, Pause};
pub use tasks::{check_period, status_of};
