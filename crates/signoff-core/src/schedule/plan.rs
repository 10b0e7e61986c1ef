//! The pure rules of the maintenance schedule: which occurrence of a task
//! is open, whether it is upcoming, due or overdue on a given day, and how
//! the past reads (done on time, done late, missed, skipped while paused).
//! No database, no clock: everything is passed in, so the table of cases in
//! the tests is the specification, and the property tests beside it check
//! the rules on random tasks, completions, pauses and days.
//!
//! - A task *from its schedule* has occurrences on `start + k x cadence`.
//!   Completing one (early, on time or late) never moves the others: the
//!   next is the following scheduled date.
//! - A task *from completion* has one open occurrence at a time, one
//!   interval after the last completion (or on its start), and never on or
//!   before an occurrence already closed (done early twice in one day, the
//!   next is one interval after the one closed last).
//! - An occurrence is *upcoming* before its date, *due* from its date
//!   through the grace period, *overdue* after it; once a later occurrence
//!   has come, an earlier one never done is *missed*.
//! - Nothing dated on or before the latest occurrence done is open again:
//!   after an early completion, or a cadence edited after a completion, the
//!   occurrences it passed over read missed (skipped while still ahead).
//!
//! Pauses (`from` inclusive, `to` the day the task resumed, exclusive):
//! - **An occurrence dated inside a pause is skipped**: never due, never
//!   missed, never open.
//! - **On a day inside a pause the task has no open occurrence** (it reads
//!   *paused*), whether or not the pause has an end. So a pause with no end
//!   has no open occurrence at all, and nothing searches for one.
//! - **Pausing on a due day** skips that day's occurrence (the pause covers
//!   its own first day).
//! - **Done, then paused**: the completion stays; the task has no open
//!   occurrence until it resumes.
//! - **Due while paused**: an occurrence that had come before the pause and
//!   was not done is *on hold* while the pause lasts (it reads skipped, is
//!   neither due nor overdue, and the release gate and reminders ignore the
//!   task). Resumed before the next occurrence comes, it is open again with
//!   its days late counted from its date; once the next has come it reads
//!   missed, like any occurrence never done.
//! - **Resuming after a pause that covered several occurrences**: they stay
//!   skipped; the open occurrence is the latest one that has come and is
//!   neither done nor skipped, or else the next one after the resume day.
//!   A task from completion is not due before the resume day.
//!
//! Every date is computed, never searched for: [`Cadence::index_at_or_before`]
//! finds the occurrence around any day in a few steps, and the only loops
//! are over a window asked for (`occurrences`, bounded by `limit` too) or
//! over the task's own completions and pauses (each passed at most once).

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

/// Whether `d` falls inside one of the pauses.
pub fn paused_on(pauses: &[Pause], d: NaiveDate) -> bool {
    pauses.iter().any(|p| p.covers(d))
}

fn is_done(done: &[Done], d: NaiveDate) -> bool {
    done.iter().any(|x| x.due_on == d)
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
            let c = rules.cadence;
            // The first index on or after `from`, computed: the walk covers
            // the window only.
            let Some(first) = c.first_on_or_after(rules.start, from) else {
                return out;
            };
            let mut k = c.index_at_or_before(rules.start, first).unwrap_or(0);
            while out.len() < limit {
                let Some(due) = c.nth(rules.start, k) else {
                    break;
                };
                if due > to {
                    break;
                }
                out.push(schedule_occurrence(rules, done, pauses, due, today));
                let Some(next) = k.checked_add(1) else { break };
                k = next;
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
    let next = rules.cadence.first_after(rules.start, due);
    let passed_over = done.iter().any(|d| d.due_on > due);
    let state = if paused_on(pauses, due) {
        OccurrenceState::Skipped
    } else if passed_over && due > today {
        // A later occurrence was done early (or the cadence was edited):
        // this one will never be open.
        OccurrenceState::Skipped
    } else if passed_over || next.is_some_and(|n| n <= today) {
        // A later occurrence has already come: this one was missed.
        OccurrenceState::Missed
    } else if due <= today && paused_on(pauses, today) {
        // It had come, was not done, and the task is paused: on hold.
        OccurrenceState::Skipped
    } else {
        live_state(rules, due, today)
    };
    Occurrence {
        due_on: due,
        state,
        done_on: None,
    }
}

/// The occurrence to work on now: for a scheduled task, the latest one
/// whose date has come if it is neither done nor skipped (due or overdue),
/// else the next one that is neither (upcoming; completing it now is
/// completing early). `None` on a day inside a pause, when every later
/// occurrence lies in a pause with no end, and past year 262143.
pub fn open_occurrence(
    rules: &Rules,
    done: &[Done],
    pauses: &[Pause],
    today: NaiveDate,
) -> Option<Open> {
    if paused_on(pauses, today) {
        return None;
    }
    let c = rules.cadence;
    let due = match rules.anchor {
        Anchor::Completion => {
            let last = done.iter().map(|d| d.done_on).max();
            let closed = done.iter().map(|d| d.due_on).max();
            let mut due = match (last, closed) {
                // Done twice early on one day: the occurrence closed last
                // is never open again; the next is one interval after it.
                (Some(l), Some(c_)) if c.after(l)? <= c_ => c.after(c_)?,
                (Some(l), _) => c.after(l)?,
                (None, _) => rules.start,
            };
            // Not due before a resume day: pass each pause it falls in, in
            // order (each at most once, since `due` only moves forward).
            let mut sorted: Vec<&Pause> = pauses.iter().collect();
            sorted.sort_by_key(|p| p.from);
            for p in sorted {
                if p.covers(due) {
                    due = p.to?;
                }
            }
            due
        }
        Anchor::Schedule => {
            // Nothing on or before the latest occurrence done is open again
            // (it matters after an early completion or an edited cadence).
            let closed = done.iter().map(|d| d.due_on).max();
            let current = c
                .index_at_or_before(rules.start, today)
                .and_then(|k| c.nth(rules.start, k));
            let open = |d: NaiveDate| {
                !is_done(done, d) && !paused_on(pauses, d) && closed.is_none_or(|c| d > c)
            };
            match current.filter(|&d| open(d)) {
                Some(d) => d,
                None => {
                    // The next occurrence neither done nor in a pause. Each
                    // step passes one completion or jumps past one pause,
                    // and `d` only grows, so the loop is bounded by them.
                    let mut d = c.first_after(rules.start, today.max(closed.unwrap_or(today)))?;
                    let mut found = None;
                    for _ in 0..=done.len() + pauses.len() {
                        if let Some(p) = pauses.iter().find(|p| p.covers(d)) {
                            d = c.first_on_or_after(rules.start, p.to?)?;
                        } else if is_done(done, d) {
                            d = c.first_after(rules.start, d)?;
                        } else {
                            found = Some(d);
                            break;
                        }
                    }
                    found?
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

    fn open_pause(from: &str) -> Pause {
        Pause {
            from: d(from),
            to: None,
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
            /// `None`: no open occurrence (the task reads paused).
            open: Option<(&'static str, OccurrenceState)>,
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
                open: Some(("2026-02-28", Upcoming)),
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
                open: Some(("2028-02-29", Due)),
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
                open: Some(("2027-02-28", Overdue)),
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
                open: Some(("2029-02-28", Upcoming)),
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
                open: Some(("2026-11-09", Upcoming)),
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
                open: Some(("2027-01-15", Upcoming)),
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
                open: Some(("2026-12-20", Upcoming)),
                history: vec![("2026-11-15", Late), ("2026-12-20", Upcoming)],
            },
            Case {
                name: "grace: due through the grace period, overdue the day after",
                rules: rules(Cadence::WEEKLY, "2026-11-02", 2, Schedule),
                done: vec![],
                pauses: vec![],
                today: "2026-11-05",
                open: Some(("2026-11-02", Overdue)),
                history: vec![("2026-11-02", Overdue)],
            },
            Case {
                name: "an unattended weekly task: earlier weeks missed, this week due",
                rules: rules(Cadence::WEEKLY, "2026-11-02", 1, Schedule),
                done: vec![],
                pauses: vec![],
                today: "2026-11-17",
                open: Some(("2026-11-16", Due)),
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
                open: Some(("2026-11-23", Upcoming)),
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
                open: Some(("2026-03-30", Upcoming)),
                history: vec![
                    ("2026-03-20", Done),
                    ("2026-03-30", Upcoming),
                    ("2026-04-09", Upcoming),
                ],
            },
            Case {
                name: "a pause with no end: no open occurrence; those in the pause are skipped",
                rules: rules(Cadence::MONTHLY, "2026-01-01", 0, Schedule),
                done: vec![],
                pauses: vec![open_pause("2026-12-01")],
                today: "2026-12-01",
                open: None,
                history: vec![
                    ("2026-10-01", Missed),
                    ("2026-11-01", Missed),
                    ("2026-12-01", Skipped),
                    ("2027-01-01", Skipped),
                ],
            },
            Case {
                name: "pausing on a due day skips that day's occurrence",
                rules: rules(Cadence::WEEKLY, "2026-11-03", 2, Schedule),
                done: vec![done("2026-11-24", "2026-11-24")],
                pauses: vec![open_pause("2026-12-01")],
                today: "2026-12-01",
                open: None,
                history: vec![("2026-11-24", Done), ("2026-12-01", Skipped)],
            },
            Case {
                name: "done, then paused: the completion stays, nothing is open",
                rules: rules(Cadence::MONTHLY, "2026-01-15", 3, Schedule),
                done: vec![done("2026-11-15", "2026-12-01")],
                pauses: vec![open_pause("2026-12-01")],
                today: "2027-03-20",
                open: None,
                history: vec![
                    ("2026-11-15", Late),
                    ("2026-12-15", Skipped),
                    ("2027-01-15", Skipped),
                    ("2027-02-15", Skipped),
                    ("2027-03-15", Skipped),
                ],
            },
            Case {
                name: "resumed after a pause that covered several: they stay skipped, the next is open",
                rules: rules(Cadence::MONTHLY, "2026-01-15", 3, Schedule),
                done: vec![done("2026-11-15", "2026-11-15")],
                pauses: vec![Pause {
                    from: d("2026-12-01"),
                    to: Some(d("2027-03-20")),
                }],
                today: "2027-03-20",
                open: Some(("2027-04-15", Upcoming)),
                history: vec![
                    ("2026-11-15", Done),
                    ("2026-12-15", Skipped),
                    ("2027-01-15", Skipped),
                    ("2027-02-15", Skipped),
                    ("2027-03-15", Skipped),
                    ("2027-04-15", Upcoming),
                ],
            },
            Case {
                name: "due while paused: on hold during the pause",
                rules: rules(Cadence::MONTHLY, "2026-01-20", 2, Schedule),
                done: vec![],
                pauses: vec![open_pause("2026-11-25")],
                today: "2026-12-01",
                open: None,
                history: vec![("2026-10-20", Missed), ("2026-11-20", Skipped)],
            },
            Case {
                name: "due while paused, resumed before the next: open again, days late from its date",
                rules: rules(Cadence::MONTHLY, "2026-01-20", 2, Schedule),
                done: vec![],
                pauses: vec![Pause {
                    from: d("2026-11-25"),
                    to: Some(d("2026-11-28")),
                }],
                today: "2026-12-01",
                open: Some(("2026-11-20", Overdue)),
                history: vec![("2026-11-20", Overdue), ("2026-12-20", Upcoming)],
            },
            Case {
                name: "due while paused, resumed after the next came: missed",
                rules: rules(Cadence::MONTHLY, "2026-01-20", 2, Schedule),
                done: vec![],
                pauses: vec![Pause {
                    from: d("2026-11-25"),
                    to: Some(d("2027-01-05")),
                }],
                today: "2027-01-05",
                open: Some(("2027-01-20", Upcoming)),
                history: vec![
                    ("2026-11-20", Missed),
                    ("2026-12-20", Skipped),
                    ("2027-01-20", Upcoming),
                ],
            },
            Case {
                name: "from completion, paused with no end: nothing open",
                rules: rules(Cadence::MONTHLY, "2026-11-15", 0, Completion),
                done: vec![done("2026-11-15", "2026-11-20")],
                pauses: vec![open_pause("2026-11-21")],
                today: "2027-02-01",
                open: None,
                history: vec![("2026-11-15", Late)],
            },
            Case {
                name: "from completion, resumed: not due before the resume day",
                rules: rules(Cadence::MONTHLY, "2026-11-15", 0, Completion),
                done: vec![done("2026-11-15", "2026-11-20")],
                pauses: vec![Pause {
                    from: d("2026-11-21"),
                    to: Some(d("2027-02-01")),
                }],
                today: "2027-02-01",
                open: Some(("2027-02-01", Due)),
                history: vec![("2026-11-15", Late), ("2027-02-01", Due)],
            },
        ];
        for c in cases {
            let today = d(c.today);
            let open = open_occurrence(&c.rules, &c.done, &c.pauses, today);
            assert_eq!(
                open.map(|o| (o.due_on, o.state)),
                c.open.map(|(day, state)| (d(day), state)),
                "{}: open",
                c.name
            );
            let last = d(c.history.last().expect("history").0);
            let got: Vec<(NaiveDate, OccurrenceState)> = occurrences(
                &c.rules,
                &c.done,
                &c.pauses,
                d(c.history[0].0),
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
