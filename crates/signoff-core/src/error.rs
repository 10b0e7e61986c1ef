//! The core's error type. Every variant carries what a person needs to act:
//! which file, run, item or value, and what to do next. `code()` gives a
//! stable machine-readable code for front ends (IPC, `--json`).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} '{id}' does not exist{hint}")]
    NotFound {
        what: &'static str,
        id: String,
        /// Extra words such as "; known items: a, b" (may be empty).
        hint: String,
    },

    #[error("{0}")]
    Invalid(String),

    #[error("template {origin}: {message}")]
    Template { origin: String, message: String },

    #[error("{path}: {reason}")]
    Input { path: PathBuf, reason: String },

    #[error("run {run} is signed and frozen; reopen it as a new revision to change it")]
    Frozen { run: i64 },

    #[error("run {run} cannot be signed yet: {}", list_blockers(.blockers))]
    Blocked {
        run: i64,
        blockers: Vec<crate::signoff::Blocker>,
    },

    #[error(
        "the history does not match its activity log, so nothing can be signed: {first}{}",
        if *.more == 0 { String::new() } else { format!(" (and {} more problem(s))", .more) }
    )]
    History { first: String, more: usize },

    #[error(
        "{path} is not a Signoff database or is damaged ({detail}); it was left untouched. Move it aside to start afresh"
    )]
    NotADatabase { path: PathBuf, detail: String },

    #[error(
        "{path} was written by a newer version of Signoff (schema {found}; this build knows up to {supported}); upgrade Signoff. The database was not changed"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "the database is locked by another Signoff process (waited {waited_ms} ms); try again when it has finished"
    )]
    Locked { waited_ms: u64 },

    #[error("data directory {path} is not usable: {reason}")]
    DataDir { path: PathBuf, reason: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("the disk is full: {context}; nothing was recorded. Free some space and try again")]
    DiskFull { context: String },

    #[error(
        "the database could not be written ({0}); the disk may be full or failing. Nothing was recorded"
    )]
    Storage(String),

    /// SQLite found the file damaged after opening it (a page in the
    /// middle overwritten, say): the header sniffed at open was fine.
    #[error(
        "the database is damaged ({0}); nothing was recorded. Move signoff.db aside and restore it from a backup"
    )]
    Damaged(String),

    #[error("database error: {0}")]
    Database(String),
}

impl Error {
    /// A stable code for front ends to branch on (never match on the text).
    pub fn code(&self) -> signoff_codes::ErrorCode {
        match self {
            Error::NotFound { .. } => signoff_codes::ErrorCode::NotFound,
            Error::Invalid(_) => signoff_codes::ErrorCode::InvalidInput,
            Error::Template { .. } => signoff_codes::ErrorCode::InvalidTemplate,
            Error::Input { .. } => signoff_codes::ErrorCode::BadFile,
            Error::Frozen { .. } => signoff_codes::ErrorCode::RunFrozen,
            Error::Blocked { .. } => signoff_codes::ErrorCode::Blocked,
            Error::History { .. } => signoff_codes::ErrorCode::HistoryDamaged,
            Error::NotADatabase { .. } | Error::Damaged(_) => {
                signoff_codes::ErrorCode::DatabaseCorrupt
            }
            Error::NewerSchema { .. } => signoff_codes::ErrorCode::DatabaseTooNew,
            Error::Locked { .. } => signoff_codes::ErrorCode::DatabaseLocked,
            Error::DataDir { .. } => signoff_codes::ErrorCode::DataDir,
            Error::Io { .. } => signoff_codes::ErrorCode::Io,
            Error::DiskFull { .. } => signoff_codes::ErrorCode::DiskFull,
            Error::Storage(_) => signoff_codes::ErrorCode::Storage,
            Error::Database(_) => signoff_codes::ErrorCode::Database,
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
            hint: String::new(),
        }
    }

    /// Wraps an I/O error, turning "no space left" into [`Error::DiskFull`].
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let context = context.into();
        if source.kind() == std::io::ErrorKind::StorageFull {
            Error::DiskFull { context }
        } else {
            Error::Io { context, source }
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Locked {
                waited_ms: crate::store::BUSY_TIMEOUT_MS,
            },
            Some(ErrorCode::DiskFull) => Error::DiskFull {
                context: "writing the database".into(),
            },
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                Error::Damaged(e.to_string())
            }
            Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen) => {
                Error::Storage(e.to_string())
            }
            _ => Error::Database(e.to_string()),
        }
    }
}

/// The most characters of someone's input an error message quotes.
pub const EXCERPT_CHARS: usize = 200;

/// `text` as an error message may quote it: at most `max` characters (cut
/// with "…"), and every control character written as an escape (`\u{1b}`),
/// so that a message never carries megabytes of a file, or a terminal
/// escape sequence, to a terminal or over IPC.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn list_blockers(blockers: &[crate::signoff::Blocker]) -> String {
    blockers
        .iter()
        .map(|b| format!("'{}' ({}): {}", b.title, b.item_id, b.problem))
        .collect::<Vec<_>>()
        .join("; ")
}
