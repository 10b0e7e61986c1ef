//! How often a task recurs: every N days, weeks, months or years, and the
//! calendar arithmetic people expect (chrono): a monthly task started on
//! 31 January is due on 28/29 February, then 31 March; an annual task
//! started on 29 February is due on 28 February in common years. Dates are
//! always computed from the start (`start + k x interval`), never by
//! stepping from the previous date, so a short month never drags the
//! schedule earlier for good.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cadence {
    pub every: u32,
    pub unit: Unit,
}

/// The longest interval accepted, in each unit (a decade).
const MAX: [(Unit, u32); 4] = [
    (Unit::Day, 3660),
    (Unit::Week, 520),
    (Unit::Month, 120),
    (Unit::Year, 10),
];

impl Cadence {
    pub const WEEKLY: Cadence = Cadence {
        every: 1,
        unit: Unit::Week,
    };
    pub const MONTHLY: Cadence = Cadence {
        every: 1,
        unit: Unit::Month,
    };
    pub const QUARTERLY: Cadence = Cadence {
        every: 3,
        unit: Unit::Month,
    };
    pub const ANNUALLY: Cadence = Cadence {
        every: 1,
        unit: Unit::Year,
    };

    /// The `k`-th date of the series that starts on `start` (k = 0 is the
    /// start itself), with month ends clamped. `None` past year 262143.
    pub fn nth(self, start: NaiveDate, k: u32) -> Option<NaiveDate> {
        #[cfg(test)]
        steps::count();
        let n = self.every.checked_mul(k)?;
        match self.unit {
            Unit::Day => start.checked_add_days(Days::new(u64::from(n))),
            Unit::Week => start.checked_add_days(Days::new(7 * u64::from(n))),
            Unit::Month => start.checked_add_months(Months::new(n)),
            Unit::Year => start.checked_add_months(Months::new(n.checked_mul(12)?)),
        }
    }

    /// The index `k` of the last date of the series from `start` that is on
    /// or before `date` (`None` when `date` is before the start). Computed,
    /// not searched: at most three [`Cadence::nth`] calls whatever the
    /// distance, so no caller ever walks a series to find a date.
    pub fn index_at_or_before(self, start: NaiveDate, date: NaiveDate) -> Option<u32> {
        if date < start {
            return None;
        }
        let every = i64::from(self.every);
        let months = || {
            i64::from(date.year() - start.year()) * 12 + i64::from(date.month())
                - i64::from(start.month())
        };
        let guess = match self.unit {
            Unit::Day => (date - start).num_days() / every,
            Unit::Week => (date - start).num_days() / (7 * every),
            Unit::Month => months() / every,
            Unit::Year => months() / (12 * every),
        };
        let mut k = u32::try_from(guess).ok()?;
        // Month ends are clamped, so the date in `date`'s month can fall
        // after `date` (start on the 15th, `date` the 10th): then the one
        // before is an earlier month, hence before `date`. Exact for days
        // and weeks.
        for _ in 0..2 {
            if k == 0 || self.nth(start, k).is_some_and(|d| d <= date) {
                break;
            }
            k -= 1;
        }
        Some(k)
    }

    /// The first date of the series on or after `date` (the start when
    /// `date` is before it), by [`Cadence::index_at_or_before`].
    pub fn first_on_or_after(self, start: NaiveDate, date: NaiveDate) -> Option<NaiveDate> {
        match self.index_at_or_before(start, date) {
            None => Some(start),
            Some(k) => match self.nth(start, k)? {
                d if d == date => Some(d),
                _ => self.nth(start, k.checked_add(1)?),
            },
        }
    }

    /// The first date of the series strictly after `date`.
    pub fn first_after(self, start: NaiveDate, date: NaiveDate) -> Option<NaiveDate> {
        match self.index_at_or_before(start, date) {
            None => Some(start),
            Some(k) => self.nth(start, k.checked_add(1)?),
        }
    }

    /// One interval after `date` (for tasks scheduled from their completion).
    pub fn after(self, date: NaiveDate) -> Option<NaiveDate> {
        self.nth(date, 1)
    }

    /// The RFC 5545 recurrence rule of the series starting on `start`, with
    /// month-end clamping spelled out (`BYMONTHDAY=30,-1;BYSETPOS=1` is "the
    /// 30th, or the last day when the month is shorter"), since a plain
    /// monthly rule skips months that lack the start's day.
    pub fn rrule(self, start: NaiveDate) -> String {
        let day = start.day();
        let clamp = |rule: String| -> String {
            match day {
                31 => format!("{rule};BYMONTHDAY=-1"),
                29 | 30 => format!("{rule};BYMONTHDAY={day},-1;BYSETPOS=1"),
                _ => rule,
            }
        };
        match self.unit {
            Unit::Day => format!("FREQ=DAILY;INTERVAL={}", self.every),
            Unit::Week => format!("FREQ=WEEKLY;INTERVAL={}", self.every),
            Unit::Month => clamp(format!("FREQ=MONTHLY;INTERVAL={}", self.every)),
            Unit::Year if start.month() == 2 && day == 29 => format!(
                "FREQ=YEARLY;INTERVAL={};BYMONTH=2;BYMONTHDAY=29,-1;BYSETPOS=1",
                self.every
            ),
            Unit::Year => format!("FREQ=YEARLY;INTERVAL={}", self.every),
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.every, self.unit) {
            (1, Unit::Day) => f.write_str("daily"),
            (1, Unit::Week) => f.write_str("weekly"),
            (1, Unit::Month) => f.write_str("monthly"),
            (3, Unit::Month) => f.write_str("quarterly"),
            (1, Unit::Year) => f.write_str("annually"),
            (n, unit) => {
                let word = match unit {
                    Unit::Day => "day",
                    Unit::Week => "week",
                    Unit::Month => "month",
                    Unit::Year => "year",
                };
                write!(f, "every {n} {word}s")
            }
        }
    }
}

impl FromStr for Cadence {
    type Err = Error;

    /// `weekly`, `monthly`, `quarterly`, `annually` (or `yearly`, `daily`),
    /// `every 3 months`, `3 months`, `every 2 weeks`, `every day`.
    fn from_str(s: &str) -> Result<Cadence, Error> {
        let text = s.trim().to_ascii_lowercase();
        let bad = || {
            Error::Invalid(format!(
                "'{s}' is not a cadence; use weekly, monthly, quarterly, annually, or \"every N days|weeks|months|years\""
            ))
        };
        let named = match text.as_str() {
            "daily" => Some(Cadence {
                every: 1,
                unit: Unit::Day,
            }),
            "weekly" => Some(Cadence::WEEKLY),
            "monthly" => Some(Cadence::MONTHLY),
            "quarterly" => Some(Cadence::QUARTERLY),
            "annually" | "yearly" => Some(Cadence::ANNUALLY),
            _ => None,
        };
        if let Some(c) = named {
            return Ok(c);
        }
        let rest = text.strip_prefix("every").unwrap_or(&text).trim();
        let (n, word) = match rest.split_once(char::is_whitespace) {
            Some((n, w)) => (n.parse::<u32>().map_err(|_| bad())?, w.trim()),
            None => (1, rest),
        };
        let unit = match word.trim_end_matches('s') {
            "day" => Unit::Day,
            "week" => Unit::Week,
            "month" => Unit::Month,
            "year" => Unit::Year,
            _ => return Err(bad()),
        };
        let max = MAX.iter().find(|(u, _)| *u == unit).map_or(1, |(_, m)| *m);
        if n == 0 || n > max {
            return Err(Error::Invalid(format!(
                "'{s}': the interval must be between 1 and {max} {word}"
            )));
        }
        Ok(Cadence { every: n, unit })
    }
}

impl Serialize for Cadence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cadence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cadence, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Counts calls to [`Cadence::nth`] on this thread, so tests can prove that
/// every schedule function stays within a fixed number of steps.
#[cfg(test)]
pub(crate) mod steps {
    use std::cell::Cell;

    thread_local!(static STEPS: Cell<u64> = const { Cell::new(0) });

    pub fn count() {
        STEPS.with(|s| s.set(s.get() + 1));
    }

    /// Runs `f` and returns its result with the number of steps it took.
    pub fn measure<T>(f: impl FnOnce() -> T) -> (T, u64) {
        let before = STEPS.with(Cell::get);
        let out = f();
        (out, STEPS.with(Cell::get) - before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn cadences_parse_and_print() {
        for (text, shown) in [
            ("weekly", "weekly"),
            ("Monthly", "monthly"),
            ("quarterly", "quarterly"),
            ("every 3 months", "quarterly"),
            ("3 months", "quarterly"),
            ("annually", "annually"),
            ("yearly", "annually"),
            ("every 2 weeks", "every 2 weeks"),
            ("every 10 days", "every 10 days"),
            ("every day", "daily"),
            ("every 2 years", "every 2 years"),
        ] {
            let c: Cadence = text.parse().expect(text);
            assert_eq!(c.to_string(), shown, "{text}");
            assert_eq!(shown.parse::<Cadence>().expect("round trip"), c);
        }
        for bad in [
            "",
            "fortnightly",
            "every 0 days",
            "every -1 weeks",
            "every 121 months",
            "3",
        ] {
            assert!(bad.parse::<Cadence>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn series_are_computed_from_the_start_with_month_ends_clamped() {
        let cases: [(&str, Cadence, &[&str]); 6] = [
            (
                "2026-01-31",
                Cadence::MONTHLY,
                &["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"],
            ),
            (
                "2028-01-31",
                Cadence::MONTHLY,
                &["2028-01-31", "2028-02-29", "2028-03-31"],
            ),
            (
                "2026-11-30",
                Cadence::QUARTERLY,
                &[
                    "2026-11-30",
                    "2027-02-28",
                    "2027-05-30",
                    "2027-08-30",
                    "2027-11-30",
                ],
            ),
            (
                "2028-02-29",
                Cadence::ANNUALLY,
                &[
                    "2028-02-29",
                    "2029-02-28",
                    "2030-02-28",
                    "2031-02-28",
                    "2032-02-29",
                ],
            ),
            (
                "2026-12-28",
                Cadence::WEEKLY,
                &["2026-12-28", "2027-01-04", "2027-01-11"],
            ),
            (
                "2026-03-27",
                Cadence {
                    every: 10,
                    unit: Unit::Day,
                },
                &["2026-03-27", "2026-04-06", "2026-04-16"],
            ),
        ];
        for (start, cadence, want) in cases {
            let got: Vec<String> = (0..want.len() as u32)
                .map(|k| cadence.nth(d(start), k).expect("date").to_string())
                .collect();
            assert_eq!(got, want, "{cadence} from {start}");
        }
    }

    #[test]
    fn recurrence_rules_spell_out_the_clamping() {
        assert_eq!(
            Cadence::WEEKLY.rrule(d("2026-11-30")),
            "FREQ=WEEKLY;INTERVAL=1"
        );
        assert_eq!(
            Cadence::MONTHLY.rrule(d("2026-01-31")),
            "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=-1"
        );
        assert_eq!(
            Cadence::QUARTERLY.rrule(d("2026-11-30")),
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=30,-1;BYSETPOS=1"
        );
        assert_eq!(
            Cadence::MONTHLY.rrule(d("2026-11-15")),
            "FREQ=MONTHLY;INTERVAL=1"
        );
        assert_eq!(
            Cadence::ANNUALLY.rrule(d("2028-02-29")),
            "FREQ=YEARLY;INTERVAL=1;BYMONTH=2;BYMONTHDAY=29,-1;BYSETPOS=1"
        );
    }
}
