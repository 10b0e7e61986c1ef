//! The context every use case runs in: the data directory, its database
//! ([`Store`]) and evidence vault ([`Vault`]), and the clock. Front ends
//! open one [`Workspace`] and call its methods (defined by domain in
//! `templates`, `runs`, `evidence` and `doctor`).

use std::path::{Path, PathBuf};

use crate::clock::{Clock, stamp};
use crate::error::{Error, Result};
use crate::logkey::{self, KeyStatus};
use crate::store::{CHECKPOINT_SCHEMA, Store};
use crate::vault::Vault;

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "signoff.db";
/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SIGNOFF_DATA_DIR";

#[derive(Debug)]
pub struct Workspace {
    pub(crate) store: Store,
    pub(crate) vault: Vault,
    pub(crate) clock: Box<dyn Clock>,
    /// Whether the log key was found (the key itself is in the store).
    pub(crate) log_key: KeyStatus,
    data_dir: PathBuf,
}

impl Workspace {
    /// The platform's data directory for Signoff (e.g. `~/.local/share/signoff`).
    pub fn default_data_dir() -> Result<PathBuf> {
        dirs::data_dir()
            .map(|d| d.join("signoff"))
            .ok_or_else(|| Error::DataDir {
                path: PathBuf::from("~"),
                reason: format!(
                    "this system has no per-user data directory; set {DATA_DIR_ENV} to choose one"
                ),
            })
    }

    /// Opens (creating if needed) the workspace in `data_dir`.
    pub fn open(data_dir: &Path, clock: Box<dyn Clock>) -> Result<Workspace> {
        let dd = |reason: String| Error::DataDir {
            path: data_dir.to_owned(),
            reason,
        };
        match std::fs::metadata(data_dir) {
            Ok(m) if !m.is_dir() => return Err(dd("it exists and is not a directory".into())),
            Ok(_) => {}
            Err(_) => std::fs::create_dir_all(data_dir)
                .map_err(|e| dd(format!("cannot create it: {e}")))?,
        }
        probe_writable(data_dir).map_err(|e| {
            dd(format!(
                "it is not writable ({e}); Signoff needs to write its database and evidence there"
            ))
        })?;
        let mut store = Store::open(&data_dir.join(DB_FILE))?;
        let log_key = open_log_key(&mut store, &data_dir.join(logkey::DIR))?;
        let vault = Vault::open(&data_dir.join("evidence"))?;
        Ok(Workspace {
            store,
            vault,
            clock,
            log_key,
            data_dir: data_dir.to_owned(),
        })
    }

    /// Where the stored bytes of evidence with this SHA-256 live (read-only;
    /// reports stream embedded files from here).
    pub fn evidence_path(&self, sha256: &str) -> PathBuf {
        self.vault.path_of(sha256)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The workspace's clock: every use case reads the time from it.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The current time, as stored.
    pub fn now(&self) -> String {
        stamp(self.clock.now())
    }

    /// The current time for use in generated file names ("2026-11-28 09.30.00 UTC").
    pub fn name_stamp(&self) -> String {
        self.clock.now().format("%Y-%m-%d %H.%M.%S UTC").to_string()
    }

    /// Today's date (UTC), as every stored date is.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.now().date_naive()
    }
}

/// Loads the log key into the store. The key is created only where no
/// history depends on it yet: a log with no entries and no checkpoint, or a
/// database from before the checkpoint opened for the first time (whose
/// head is then anchored as it stands). A missing key anywhere else is left
/// missing for `doctor` to report: making a new one would let anyone who
/// deleted it vouch for a log they rewrote.
fn open_log_key(store: &mut Store, dir: &Path) -> Result<KeyStatus> {
    match logkey::load(dir) {
        Ok(Some(key)) => {
            store.set_log_key(key);
        }
        Ok(None) => {
            let unanchored = store.checkpoint()?.is_none();
            let fresh = store.activity_head()? == 0 || store.migrated_from() < CHECKPOINT_SCHEMA;
            if !(unanchored && fresh) {
                return Ok(KeyStatus::Missing);
            }
            store.set_log_key(logkey::create(dir)?);
            store.write(|tx| tx.anchor_unanchored_head())?;
        }
        Err(why) => return Ok(KeyStatus::Unreadable(why)),
    }
    Ok(KeyStatus::Present)
}

/// Writes and removes an empty file in `dir`. Probes left by a process
/// killed between the two steps are removed too, so none outlives the next
/// start (removing a live process's probe is harmless: it tolerates that).
fn probe_writable(dir: &Path) -> std::io::Result<()> {
    const PREFIX: &str = ".write-probe-";
    let probe = dir.join(format!("{PREFIX}{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(PREFIX) {
            match std::fs::remove_file(entry.path()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound && entry.path() == probe => {
                    return Err(e);
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Rejects text with control characters other than newlines and tabs, and
/// text longer than `max` characters. Used for every free-text field.
pub(crate) fn clean_text(what: &str, text: &str, max: usize, multiline: bool) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{what} is too long ({} characters; at most {max})",
            text.chars().count()
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
    {
        return Err(Error::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(text.replace("\r\n", "\n"))
}
