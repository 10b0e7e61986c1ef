//! The schedule as an iCalendar file (RFC 5545), written with the
//! `icalendar` crate: one all-day event per active task, recurring with an
//! `RRULE` whose month-end clamping matches ours (see
//! [`Cadence::rrule`]). Each task's `UID` is derived from its id, so
//! importing the file again updates the events instead of duplicating them.
//! A task scheduled from its completion has no fixed series: it is a single
//! event on its next due date (re-exported after each completion).
//! All-day dates carry no time, so daylight-saving changes cannot move them.

use chrono::{DateTime, Days, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

use super::{Anchor, Cadence, TaskStatus};

/// The UID of a task's event: stable across exports.
pub fn uid(task_id: &str) -> String {
    format!("{task_id}@maintenance.signoff")
}

pub fn calendar(tasks: &[TaskStatus], now: DateTime<Utc>) -> String {
    let mut cal = Calendar::new();
    cal.name("Security maintenance (Signoff)");
    for s in tasks {
        let t = &s.task;
        let Ok(cadence) = t.cadence.parse::<Cadence>() else {
            continue;
        };
        let (start, rule) = match t.anchor {
            Anchor::Schedule => (t.start_on, Some(cadence.rrule(t.start_on))),
            Anchor::Completion => (s.next_due.unwrap_or(t.start_on), None),
        };
        let mut description = format!(
            "{} ({}), grace {} days. Mark it done in Signoff: signoff schedule done {}",
            t.title, cadence, t.grace_days, t.id
        );
        if !t.guidance.is_empty() {
            description.push_str("\n\n");
            description.push_str(&t.guidance);
        }
        let mut event = Event::new();
        event
            .uid(&uid(&t.id))
            .summary(&t.title)
            .description(&description)
            .starts(start)
            .ends(start.checked_add_days(Days::new(1)).unwrap_or(start))
            .timestamp(now)
            .add_property("CATEGORIES", "Security maintenance");
        if let Some(rule) = rule {
            event.add_property("RRULE", rule);
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}
