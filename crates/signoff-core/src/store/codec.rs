//! How the store turns values into column text and back: the one decoding
//! policy of every table.
//!
//! An enum is written as its [`Stored::as_stored`] text and read back only
//! by [`decode`], the exact inverse of that table, so the two cannot drift.
//! Text that is not one of the values (or a date, or a JSON body, that does
//! not parse) means the database holds something Signoff never wrote: it is
//! always [`Error::Database`] naming the column's kind and the text, never a
//! default and never a panic. Decoding is strict (no trimming, no case
//! folding): that leniency is for what people type, not for what was stored.
//! The history snapshot (`history.rs`) is the exception by design: it keeps
//! the stored text as it is, for `history::replay` to compare.

use chrono::NaiveDate;

use crate::error::{EXCERPT_CHARS, Error, Result, excerpt};
use crate::model::{EvidenceKind, RunState, Status};
use crate::schedule::{Anchor, TaskState};

/// An enum stored as text in a column.
pub(crate) trait Stored: Copy + 'static {
    /// What the column holds, as an error message names it ("status").
    const WHAT: &'static str;
    /// Every value.
    const ALL: &'static [Self];
    /// The text written to the column.
    fn as_stored(self) -> &'static str;
}

/// The value whose stored text is `text`; anything else is
/// [`Error::Database`] ("unknown status 'x' in the database").
pub(crate) fn decode<T: Stored>(text: &str) -> Result<T> {
    T::ALL
        .iter()
        .copied()
        .find(|v| v.as_stored() == text)
        .ok_or_else(|| {
            Error::Database(format!(
                "unknown {} '{}' in the database",
                T::WHAT,
                excerpt(text, EXCERPT_CHARS)
            ))
        })
}

/// The rows of a query mapped by a `*_from_row` function, which returns
/// SQLite's error outside and the decoding error inside (the row mappers'
/// one shape: `rusqlite::Result<Result<T>>`).
pub(crate) fn collect<T>(
    rows: impl Iterator<Item = rusqlite::Result<Result<T>>>,
) -> Result<Vec<T>> {
    rows.map(|r| r.map_err(Error::from).and_then(|t| t))
        .collect()
}

/// A stored `YYYY-MM-DD` date.
pub(crate) fn parse_date(s: &str) -> Result<NaiveDate> {
    s.parse().map_err(|_| {
        Error::Database(format!(
            "unreadable date '{}' in the database",
            excerpt(s, EXCERPT_CHARS)
        ))
    })
}

/// A value as the JSON a column stores (a template body).
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Database(format!("serialising: {e}")))
}

impl Stored for Status {
    const WHAT: &'static str = "status";
    const ALL: &'static [Self] = &Status::ALL;
    fn as_stored(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for RunState {
    const WHAT: &'static str = "run state";
    const ALL: &'static [Self] = &[RunState::Open, RunState::Signed];
    fn as_stored(self) -> &'static str {
        match self {
            RunState::Open => "open",
            RunState::Signed => "signed",
        }
    }
}

impl Stored for EvidenceKind {
    const WHAT: &'static str = "evidence kind";
    const ALL: &'static [Self] = &[EvidenceKind::File, EvidenceKind::Note, EvidenceKind::Link];
    fn as_stored(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for TaskState {
    const WHAT: &'static str = "task state";
    const ALL: &'static [Self] = &[TaskState::Active, TaskState::Paused, TaskState::Archived];
    fn as_stored(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for Anchor {
    const WHAT: &'static str = "task anchor";
    const ALL: &'static [Self] = &[Anchor::Schedule, Anchor::Completion];
    fn as_stored(self) -> &'static str {
        match self {
            Anchor::Schedule => "schedule",
            Anchor::Completion => "completion",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Stored + PartialEq + std::fmt::Debug>() {
        for v in T::ALL {
            assert_eq!(
                decode::<T>(v.as_stored()).expect("decodes"),
                *v,
                "what is written reads back as itself"
            );
        }
        let err = decode::<T>("Nonsense\u{1b}").expect_err("unknown text");
        assert_eq!(err.code(), "database", "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "database error: unknown {} 'Nonsense\\u{{1b}}' in the database",
                T::WHAT
            ),
            "the message names the column's kind and quotes the text escaped"
        );
    }

    #[test]
    fn every_stored_enum_reads_back_and_refuses_unknown_text_alike() {
        round_trips::<Status>();
        round_trips::<RunState>();
        round_trips::<EvidenceKind>();
        round_trips::<TaskState>();
        round_trips::<Anchor>();
    }

    #[test]
    fn decoding_is_exact() {
        // `Status::from_str` accepts " PASS " from a person; the store does not.
        assert!(decode::<Status>("PASS").is_err());
        assert!(decode::<Status>(" pass").is_err());
    }
}
