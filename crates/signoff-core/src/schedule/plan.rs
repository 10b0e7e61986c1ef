//! The pure rules of the maintenance schedule: which occurrence of a task
//! is open, whether it is upcoming, due or overdue on a given day, and how
//! the past reads (done on time, done late, missed, skipped while paused).
//! No database, no clock: everything is passed in, so the table of cases in
//! the tests is the specification.
//!
//! - A task *from its schedule* has occurrences on `start + k x cadence`.
//!   Completing one (early, on time or late) never moves the others: the
//!   next is the following scheduled date.
//! - A task *from completion* has one open occurrence at a time, one
//!   interval after the last completion (or on its start).
//! - An occurrence is *upcoming* before its date, *due* from its date
//!   through the grace period, *overdue* after it; once a later occurrence
//!   has come, an earlier one never done is *missed*.
//! - While a task is paused, occurrences that fall in the pause are
//!   *skipped* (neither due nor missed); the task itself reads *paused*.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cadence::Cadence;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Anchor {
    /// Occurrences follow the start date whatever the completions.
    Schedule,
    /// The next occurrence is one interval after the last completion.
    Completion,
}

/// What the rules need to know about a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    pub cadence: Cadence,
    pub start: NaiveDate,
    pub grace_days: u32,
    pub anchor: Anchor,
}

/// A period during which the task was paused (`to` is the day it resumed,
/// exclusive; `None` while still paused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Pause {
    fn covers(&self, d: NaiveDate) -> bool {
        d >= self.from && self.to.is_none_or(|to| d < to)
    }
}

/// A recorded completion: which occurrence (`due_on`) and when it was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    pub due_on: NaiveDate,
    pub done_on: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum OccurrenceState {
    Upcoming,
    Due,
    Overdue,
    /// Done on or before its date plus the grace period.
    Done,
    /// Done, but after the grace period.
    Late,
    Missed,
    Skipped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Occurrence {
    pub due_on: NaiveDate,
    pub state: OccurrenceState,
    pub done_on: Option<NaiveDate>,
}

/// The occurrence to work on now, and its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Open {
    pub due_on: NaiveDate,
    pub state: OccurrenceState,
    /// Days past the due date (0 when not yet due).
    pub days_late: i64,
}

fn paused_on(pauses: &[Pause], d: NaiveDate) -> bool {
    pauses.iter().any(|p| p.covers(d))
}

fn done_state(rules: &Rules, due: NaiveDate, done_on: NaiveDate) -> OccurrenceState {
    if (done_on - due).num_days() > i64::from(rules.grace_days) {
        OccurrenceState::Late
    } else {
        OccurrenceState::Done
    }
}

fn live_state(rules: &Rules, due: NaiveDate, today: NaiveDate) -> OccurrenceState {
    let late = (today - due).num_days();
    if late < 0 {
        OccurrenceState::Upcoming
    } else if late <= i64::from(rules.grace_days) {
        OccurrenceState::Due
    } else {
        OccurrenceState::Overdue
    }
}

/// Every occurrence with a date in `from..=to`, in order, as it stands on
/// `today`. At most `limit` are returned.
pub fn occurrences(
    rules: &Rules,
    done: &[Done],
    pauses: &[Pause],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    limit: usize,
) -> Vec<Occurrence> {
    let mut out = Vec::new();
    match rules.anchor {
        Anchor::Schedule => {
            let mut k = 0;
            while let Some(due) = rules.cadence.nth(rules.start, k) {
                k += 1;
                if due > to || out.len() >= limit {
                    break;
                }
                if due < from {
                    continue;
                }
                out.push(schedule_occurrence(rules, done, pauses, due, today));
            }
        }
        Anchor::Completion => {
            let mut sorted: Vec<&Done> = done.iter().collect();
            sorted.sort_by_key(|d| d.due_on);
            for d in sorted {
                if d.due_on >= from && d.due_on <= to {
                    out.push(Occurrence {
                        due_on: d.due_on,
                        state: done_state(rules, d.due_on, d.done_on),
                        done_on: Some(d.done_on),
                    });
                }
            }
            if let Some(open) = open_occurrence(rules, done, pauses, today)
                && open.due_on >= from
                && open.due_on <= to
            {
                out.push(Occurrence {
                    due_on: open.due_on,
                    state: open.state,
                    done_on: None,
                });
            }
            out.truncate(limit);
        }
    }
    out
}

fn schedule_occurrence(
    rules: &Rules,
    done: &[Done],
    pauses: &[Pause],
    due: NaiveDate,
    today: NaiveDate,
) -> Occurrence {
    if let Some(d) = done.iter().find(|d| d.due_on == due) {
        return Occurrence {
            due_on: due,
            state: done_state(rules, due, d.done_on),
            done_on: Some(d.done_on),
        };
    }
    if paused_on(pauses, due) {
        return Occurrence {
            due_on: due,
            state: OccurrenceState::Skipped,
            done_on: None,
        };
    }
    // A later occurrence has already come: this one was missed.
    let next = next_date(rules, due);
    let state = if next.is_some_and(|n| n <= today) {
        OccurrenceState::Missed
    } else {
        live_state(rules, due, today)
    };
    Occurrence {
        due_on: due,
        state,
        done_on: None,
    }
}

/// The scheduled date after `due` (the series is fixed, so search it).
fn next_date(rules: &Rules, due: NaiveDate) -> Option<NaiveDate> {
    let mut k = 0;
    while let Some(d) = rules.cadence.nth(rules.start, k) {
        if d > due {
            return Some(d);
        }
        k += 1;
    }
    None
}

/// The occurrence to work on now: for a scheduled task, the latest one
/// whose date has come if it is not done (due or overdue), else the next
/// one (upcoming; completing it now is completing early). Occurrences in a
/// pause are passed over. `None` only for a series that ends (year 262143).
pub fn open_occurrence(
    rules: &Rules,
    done: &[Done],
    pauses: &[Pause],
    today: NaiveDate,
) -> Option<Open> {
    let due = match rules.anchor {
        Anchor::Completion => {
            let last = done.iter().map(|d| d.done_on).max();
            let mut due = match last {
                Some(l) => rules.cadence.after(l)?,
                None => rules.start,
            };
            // Resumed after a pause: not due before the resume day.
            if let Some(p) = pauses.iter().rfind(|p| p.covers(due)) {
                due = p.to.unwrap_or(due).max(due);
            }
            due
        }
        Anchor::Schedule => {
            let mut k = 0;
            let mut current: Option<NaiveDate> = None;
            let mut first_after: Option<NaiveDate> = None;
            while let Some(d) = rules.cadence.nth(rules.start, k) {
                k += 1;
                if d > today {
                    first_after = Some(d);
                    break;
                }
                current = Some(d);
            }
            let current_open =
                current.filter(|c| !done.iter().any(|d| d.due_on == *c) && !paused_on(pauses, *c));
            match current_open {
                Some(c) => c,
                None => {
                    // The next occurrence not done and not in a pause.
                    let mut d = first_after?;
                    while done.iter().any(|x| x.due_on == d) || paused_on(pauses, d) {
                        d = next_date(rules, d)?;
                    }
                    d
                }
            }
        }
    };
    let state = live_state(rules, due, today);
    Some(Open {
        due_on: due,
        state,
        days_late: (today - due).num_days().max(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::cadence::Unit;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn rules(cadence: Cadence, start: &str, grace: u32, anchor: Anchor) -> Rules {
        Rules {
            cadence,
            start: d(start),
            grace_days: grace,
            anchor,
        }
    }

    fn done(due: &str, on: &str) -> Done {
        Done {
            due_on: d(due),
            done_on: d(on),
        }
    }

    /// The table of cases the issue asks for: each with its expected dates.
    #[test]
    fn due_dates_table() {
        use Anchor::{Completion, Schedule};
        use OccurrenceState::*;
        struct Case {
            name: &'static str,
            rules: Rules,
            done: Vec<super::Done>,
            pauses: Vec<Pause>,
            today: &'static str,
            open: (&'static str, OccurrenceState),
            history: Vec<(&'static str, OccurrenceState)>,
        }
        let monthly_jan31 = rules(Cadence::MONTHLY, "2026-01-31", 3, Schedule);
        let cases = vec![
            Case {
                name: "monthly from 31 January: 28 February, then 31 March",
                rules: monthly_jan31.clone(),
                done: vec![done("2026-01-31", "2026-01-31")],
                pauses: vec![],
                today: "2026-02-10",
                open: ("2026-02-28", Upcoming),
                history: vec![
                    ("2026-01-31", Done),
                    ("2026-02-28", Upcoming),
                    ("2026-03-31", Upcoming),
                ],
            },
            Case {
                name: "monthly from 31 January in a leap year: 29 February",
                rules: rules(Cadence::MONTHLY, "2028-01-31", 0, Schedule),
                done: vec![],
                pauses: vec![],
                today: "2028-02-29",
                open: ("2028-02-29", Due),
                history: vec![
                    ("2028-01-31", Missed),
                    ("2028-02-29", Due),
                    ("2028-03-31", Upcoming),
                ],
            },
            Case {
                name: "quarterly from 30 November: 28 February, 30 May, 30 August",
                rules: rules(Cadence::QUARTERLY, "2026-11-30", 7, Schedule),
                done: vec![done("2026-11-30", "2026-12-02")],
                pauses: vec![],
                today: "2027-03-08",
                open: ("2027-02-28", Overdue),
                history: vec![
                    ("2026-11-30", Done),
                    ("2027-02-28", Overdue),
                    ("2027-05-30", Upcoming),
                    ("2027-08-30", Upcoming),
                ],
            },
            Case {
                name: "annually from 29 February: 28 February in common years",
                rules: rules(Cadence::ANNUALLY, "2028-02-29", 0, Schedule),
                done: vec![done("2028-02-29", "2028-02-29")],
                pauses: vec![],
                today: "2029-01-15",
                open: ("2029-02-28", Upcoming),
                history: vec![
                    ("2028-02-29", Done),
                    ("2029-02-28", Upcoming),
                    ("2030-02-28", Upcoming),
                    ("2031-02-28", Upcoming),
                    ("2032-02-29", Upcoming),
                ],
            },
            Case {
                name: "a late completion keeps the schedule (next is the scheduled date)",
                rules: rules(Cadence::WEEKLY, "2026-11-02", 2, Schedule),
                done: vec![done("2026-11-02", "2026-11-06")],
                pauses: vec![],
                today: "2026-11-06",
                open: ("2026-11-09", Upcoming),
                history: vec![("2026-11-02", Late), ("2026-11-09", Upcoming)],
            },
            Case {
                name: "an early completion keeps the schedule too",
                rules: rules(Cadence::MONTHLY, "2026-11-15", 3, Schedule),
                done: vec![
                    done("2026-11-15", "2026-11-15"),
                    done("2026-12-15", "2026-12-01"),
                ],
                pauses: vec![],
                today: "2026-12-20",
                open: ("2027-01-15", Upcoming),
                history: vec![
                    ("2026-11-15", Done),
                    ("2026-12-15", Done),
                    ("2027-01-15", Upcoming),
                ],
            },
            Case {
                name: "from completion: a late completion moves the next date",
                rules: rules(Cadence::MONTHLY, "2026-11-15", 0, Completion),
                done: vec![done("2026-11-15", "2026-11-20")],
                pauses: vec![],
                today: "2026-11-21",
                open: ("2026-12-20", Upcoming),
                history: vec![("2026-11-15", Late), ("2026-12-20", Upcoming)],
            },
            Case {
                name: "grace: due through the grace period, overdue the day after",
                rules: rules(Cadence::WEEKLY, "2026-11-02", 2, Schedule),
                done: vec![],
                pauses: vec![],
                today: "2026-11-05",
                open: ("2026-11-02", Overdue),
                history: vec![("2026-11-02", Overdue)],
            },
            Case {
                name: "an unattended weekly task: earlier weeks missed, this week due",
                rules: rules(Cadence::WEEKLY, "2026-11-02", 1, Schedule),
                done: vec![],
                pauses: vec![],
                today: "2026-11-17",
                open: ("2026-11-16", Due),
                history: vec![
                    ("2026-11-02", Missed),
                    ("2026-11-09", Missed),
                    ("2026-11-16", Due),
                    ("2026-11-23", Upcoming),
                ],
            },
            Case {
                name: "paused: occurrences in the pause are skipped; resumed, the next is after it",
                rules: rules(Cadence::WEEKLY, "2026-11-02", 0, Schedule),
                done: vec![done("2026-11-02", "2026-11-02")],
                pauses: vec![Pause {
                    from: d("2026-11-05"),
                    to: Some(d("2026-11-20")),
                }],
                today: "2026-11-21",
                open: ("2026-11-23", Upcoming),
                history: vec![
                    ("2026-11-02", Done),
                    ("2026-11-09", Skipped),
                    ("2026-11-16", Skipped),
                    ("2026-11-23", Upcoming),
                ],
            },
            Case {
                name: "every 10 days across the March DST change (dates only, no times to shift)",
                rules: rules(
                    Cadence {
                        every: 10,
                        unit: Unit::Day,
                    },
                    "2026-03-20",
                    0,
                    Schedule,
                ),
                done: vec![done("2026-03-20", "2026-03-20")],
                pauses: vec![],
                today: "2026-03-29",
                open: ("2026-03-30", Upcoming),
                history: vec![
                    ("2026-03-20", Done),
                    ("2026-03-30", Upcoming),
                    ("2026-04-09", Upcoming),
                ],
            },
        ];
        for c in cases {
            let today = d(c.today);
            let open = open_occurrence(&c.rules, &c.done, &c.pauses, today).expect("open");
            assert_eq!(
                (open.due_on, open.state),
                (d(c.open.0), c.open.1),
                "{}: open",
                c.name
            );
            let last = d(c.history.last().expect("history").0);
            let got: Vec<(NaiveDate, OccurrenceState)> = occurrences(
                &c.rules,
                &c.done,
                &c.pauses,
                d("2000-01-01"),
                last,
                today,
                100,
            )
            .into_iter()
            .map(|o| (o.due_on, o.state))
            .collect();
            let want: Vec<(NaiveDate, OccurrenceState)> =
                c.history.iter().map(|(s, st)| (d(s), *st)).collect();
            assert_eq!(got, want, "{}: history", c.name);
        }
    }

    #[test]
    fn days_late_counts_from_the_due_date() {
        let r = rules(Cadence::MONTHLY, "2026-10-01", 5, Anchor::Schedule);
        let open = open_occurrence(&r, &[], &[], d("2026-10-09")).expect("open");
        assert_eq!((open.state, open.days_late), (OccurrenceState::Overdue, 8));
    }
}
