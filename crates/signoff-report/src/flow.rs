//! The use cases both front ends call: sign a run into a report, export a
//! draft, countersign a report. Each writes its output to a temporary file
//! beside the destination and renames it into place only when it is
//! complete, so a full disk or a crash never leaves half a report under the
//! chosen name, and an existing file is replaced only by a whole new one.
//! The temporary file of a writer killed mid-way is removed by the next
//! write to the same name.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use signoff_core::model::{Actor, SignoffRecord};
use signoff_core::{Error as CoreError, Workspace};
use signoff_signature::Signer;
use signoff_signature::pdf::{PdfSignError, SignOptions, sign_pdf};

use crate::{
    AssembleError, LogSpec, Paper, ReportSpec, SignerBlock, Sources, Written, write_log,
    write_report,
};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error(transparent)]
    Assemble(#[from] AssembleError),
    #[error(transparent)]
    Sign(#[from] PdfSignError),
    #[error(transparent)]
    Identity(#[from] signoff_signature::IdentityError),
    #[error(transparent)]
    Trust(#[from] signoff_signature::trust::TrustError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    /// Something named (a signature, a run) that is not there.
    #[error("{0}")]
    NotFound(String),
    /// A file changed between two looks at it.
    #[error("{0}")]
    Changed(String),
    /// Countersigning a report whose earlier signers are not trusted, without
    /// an explicit confirmation.
    #[error("{0}")]
    UntrustedSigner(String),
}

impl ReportError {
    /// A stable code for front ends.
    pub fn code(&self) -> signoff_codes::ErrorCode {
        match self {
            ReportError::Core(e) => e.code(),
            ReportError::Assemble(AssembleError::Tampered { .. }) => {
                signoff_codes::ErrorCode::EvidenceTampered
            }
            ReportError::Assemble(AssembleError::Write(e)) | ReportError::Io { source: e, .. }
                if e.raw_os_error() == Some(28) =>
            {
                signoff_codes::ErrorCode::DiskFull
            }
            ReportError::Assemble(_) | ReportError::Io { .. } => signoff_codes::ErrorCode::Io,
            ReportError::Sign(PdfSignError::Unreadable(_)) => signoff_codes::ErrorCode::BadFile,
            ReportError::Sign(_) => signoff_codes::ErrorCode::Signing,
            ReportError::Identity(e) => e.code(),
            ReportError::Trust(e) => e.code(),
            ReportError::Invalid(_) => signoff_codes::ErrorCode::InvalidInput,
            ReportError::NotFound(_) => signoff_codes::ErrorCode::NotFound,
            ReportError::Changed(_) => signoff_codes::ErrorCode::Changed,
            ReportError::UntrustedSigner(_) => signoff_codes::ErrorCode::UntrustedSigner,
        }
    }
}

type Result<T, E = ReportError> = std::result::Result<T, E>;

/// Who signs, as what, saying what.
#[derive(Debug, Clone)]
pub struct SignAs {
    /// "preparer" or "approver".
    pub role: String,
    pub statement: String,
}

impl SignAs {
    pub fn new(role: &str, statement: Option<&str>) -> Result<SignAs> {
        Self::with_default(role, statement, None)
    }

    /// For a maintenance log: the default statement speaks of the log.
    pub fn for_log(role: &str, statement: Option<&str>) -> Result<SignAs> {
        Self::with_default(
            role,
            statement,
            Some("I confirm this log records the maintenance work of the period as it was done."),
        )
    }

    fn with_default(role: &str, statement: Option<&str>, default: Option<&str>) -> Result<SignAs> {
        let role = role.trim().to_ascii_lowercase();
        if role != "preparer" && role != "approver" {
            return Err(ReportError::Invalid(format!(
                "'{role}' is not a sign-off role; use preparer or approver"
            )));
        }
        let statement = match statement.map(str::trim) {
            Some(s) if !s.is_empty() => s.to_owned(),
            _ if default.is_some() => default.unwrap_or_default().to_owned(),
            _ if role == "approver" => {
                "I approve this release: every item above is resolved as recorded.".to_owned()
            }
            _ => "I prepared this sign-off: every item above was checked as recorded.".to_owned(),
        };
        if statement.chars().count() > 2000
            || statement.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(ReportError::Invalid(
                "the statement must be at most 2,000 characters of plain text".into(),
            ));
        }
        Ok(SignAs { role, statement })
    }
}

/// Signs run `run`: checks it can be signed (no blockers, and the history
/// checks of `doctor` pass: `prepare_signoff` refuses otherwise, naming the
/// first problem), writes the signed report to `dest`, then freezes the run
/// and records the sign-off with the log head the report carries; the
/// report is renamed into place inside that transaction, just before it
/// commits. If anything fails before then, the run stays open and `dest` is
/// untouched; a crash after the rename and before the commit leaves a whole
/// report and the run open (signing again replaces it).
#[allow(clippy::too_many_arguments)]
pub fn sign_run(
    ws: &mut Workspace,
    actor: &Actor,
    run: i64,
    signer: &Signer,
    how: &SignAs,
    paper: Paper,
    dest: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Written> {
    let manifest = ws.prepare_signoff(run)?;
    let report_id = Workspace::report_id(&manifest, false);
    let now = ws.now();
    let signed_at = display_time(&now);
    let block = SignerBlock {
        name: signer.info.name.clone(),
        email: signer.info.email.clone(),
        organisation: signer.info.organisation.clone(),
        role: how.role.clone(),
        signed_at: signed_at.clone(),
        fingerprint: signer.info.fingerprint_sha256.clone(),
        statement: how.statement.clone(),
    };
    let spec = ReportSpec {
        manifest: &manifest,
        report_id: report_id.clone(),
        paper,
        generated_at: signed_at,
        signer: Some(block),
    };
    let pending = Pending::create(dest)?;
    let written = pending.write_document(ws, Some(signer), progress, |src, out| {
        write_report(&spec, src, out)
    })?;
    let record = SignoffRecord {
        role: how.role.clone(),
        signer_name: signer.info.name.clone(),
        signer_email: signer.info.email.clone(),
        organisation: signer.info.organisation.clone(),
        fingerprint: signer.info.fingerprint_sha256.clone(),
        statement: how.statement.clone(),
        report_id,
        run_digest: manifest.digest(),
        signed_at: now,
        log_head_seq: Some(manifest.activity.head_seq),
        log_head_hash: Some(manifest.activity.head_hash.clone()),
    };
    // The report takes its name inside the sign-off's transaction: a crash
    // never leaves a signed run without its report.
    let published = std::cell::Cell::new(false);
    ws.record_signoff_then(actor, run, &manifest, &record, || {
        pending.publish().map_err(|source| CoreError::Io {
            context: format!("writing {}", dest.display()),
            source,
        })?;
        published.set(true);
        Ok(())
    })
    .inspect_err(|_| {
        if published.get() {
            // Renamed, then the commit failed: the report must not stand
            // for a sign-off that was not recorded.
            let _ = fs::remove_file(dest);
        }
    })?;
    pending.committed();
    Ok(written)
}

/// Signs the maintenance log of `from..=to` into `dest`, and records the
/// signature in the activity log.
#[allow(clippy::too_many_arguments)]
pub fn sign_maintenance_log(
    ws: &mut Workspace,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    signer: &Signer,
    how: &SignAs,
    paper: Paper,
    dest: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Written> {
    // The log's history is what this report vouches for.
    ws.require_intact_history()?;
    // The log shows the built-in tasks once the schedule is in use; a
    // period refused writes nothing, not even them.
    signoff_core::schedule::check_period("the maintenance log", from, to)?;
    ws.ensure_builtin_schedule(actor)?;
    let log = ws.maintenance_log(from, to)?;
    let digest = log.digest();
    let report_id = format!("ML-{from}-{to}-{}", digest[..12].to_ascii_uppercase());
    let signed_at = display_time(&ws.now());
    let spec = LogSpec {
        log: &log,
        report_id: report_id.clone(),
        paper,
        generated_at: signed_at.clone(),
        signer: Some(SignerBlock {
            name: signer.info.name.clone(),
            email: signer.info.email.clone(),
            organisation: signer.info.organisation.clone(),
            role: how.role.clone(),
            signed_at,
            fingerprint: signer.info.fingerprint_sha256.clone(),
            statement: how.statement.clone(),
        }),
    };
    let pending = Pending::create(dest)?;
    let written = pending.write_document(ws, Some(signer), progress, |src, out| {
        write_log(&spec, src, out)
    })?;
    pending.commit()?;
    ws.log_maintenance_signed(actor, &report_id, &digest, &signer.info.fingerprint_sha256)?;
    Ok(written)
}

/// Writes an unsigned draft of run `run` (any state, blockers listed).
pub fn export_draft(
    ws: &Workspace,
    run: i64,
    paper: Paper,
    dest: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Written> {
    let manifest = ws.run_manifest(run)?;
    let spec = ReportSpec {
        manifest: &manifest,
        report_id: Workspace::report_id(&manifest, true),
        paper,
        generated_at: display_time(&ws.now()),
        signer: None,
    };
    let pending = Pending::create(dest)?;
    let written =
        pending.write_document(ws, None, progress, |src, out| write_report(&spec, src, out))?;
    pending.commit()?;
    Ok(written)
}

/// Whom a countersigner trusts, and whether they confirmed countersigning a
/// report whose earlier signers are not among them.
#[derive(Clone, Debug, Default)]
pub struct Countersigning {
    /// DER certificates (the trust store and any given on the spot).
    pub trusted: Vec<Vec<u8>>,
    pub accept_untrusted: bool,
}

/// The largest PDF [`read_pdf`] reads. The verifier holds a report whole
/// in memory; the largest report measured (the 1 GiB benchmark) is well
/// under this.
pub const MAX_PDF_BYTES: u64 = 4 << 30;

/// Reads a PDF someone hands us to verify or countersign. It must be a
/// regular file (a directory is named as one; `/dev/zero` would be read
/// until memory ran out and a FIFO would wait for ever), not empty, and at
/// most [`MAX_PDF_BYTES`] (read with that bound, in case it grows
/// meanwhile). Every error names the file.
pub fn read_pdf(path: &Path) -> Result<Vec<u8>> {
    use std::io::{ErrorKind, Read};
    let bad = |reason: String| ReportError::Invalid(format!("{}: {reason}", path.display()));
    let unreadable = |e: std::io::Error| match e.kind() {
        ErrorKind::NotFound => bad("no such file".into()),
        ErrorKind::PermissionDenied => {
            bad("permission denied: Signoff cannot read this file".into())
        }
        _ => ReportError::Io {
            context: format!("{}: cannot read it", path.display()),
            source: e,
        },
    };
    let meta = fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(bad("is a directory, not a PDF file".into()));
    }
    if !meta.is_file() {
        return Err(bad(
            "is not a regular file (a device, socket or pipe); give the PDF file itself".into(),
        ));
    }
    if meta.len() == 0 {
        return Err(bad("is empty (0 bytes), not a PDF".into()));
    }
    if meta.len() > MAX_PDF_BYTES {
        return Err(bad(format!(
            "is {} bytes; Signoff reads PDFs of at most {MAX_PDF_BYTES} bytes (4 GiB)",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    File::open(path)
        .map_err(unreadable)?
        .take(MAX_PDF_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PDF_BYTES {
        return Err(bad(format!(
            "grew past {MAX_PDF_BYTES} bytes while it was read"
        )));
    }
    Ok(bytes)
}

/// Adds a signature to an already signed report (as an incremental update,
/// so the earlier signatures stay valid). Needs only the PDF. A report that
/// is not intact is refused; one whose signers are not trusted is refused
/// unless `trust.accept_untrusted` says a person confirmed it.
pub fn countersign(
    input: &Path,
    signer: &Signer,
    how: &SignAs,
    trust: &Countersigning,
    clock: &dyn signoff_core::Clock,
    dest: &Path,
) -> Result<usize> {
    let bytes = read_pdf(input)?;
    let check = signoff_signature::verify::verify_pdf(&bytes, &trust.trusted)
        .map_err(|e| ReportError::Invalid(format!("{}: {e}", input.display())))?;
    if check.signatures.is_empty() {
        // A truncated or damaged file shows no signature either; say what
        // is wrong with it rather than "not signed".
        if let Err(e) = signoff_signature::verify::strict_document(&bytes) {
            return Err(ReportError::Invalid(format!(
                "{}: {e}; it was not countersigned",
                input.display()
            )));
        }
        return Err(ReportError::Invalid(format!(
            "{} is not signed; countersigning adds a signature to a report that is already signed",
            input.display()
        )));
    }
    if !check.intact {
        return Err(ReportError::Invalid(format!(
            "{}: its signatures do not verify ({}); it was not countersigned",
            input.display(),
            check
                .signatures
                .iter()
                .flat_map(|s| s.problems.iter().cloned())
                .chain(check.problems.iter().cloned())
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let strangers: Vec<String> = check
        .signatures
        .iter()
        .filter(|s| s.trust != signoff_signature::trust::Trust::Trusted)
        .map(|s| {
            format!(
                "{} (certificate SHA-256 {})",
                s.signer, s.fingerprint_sha256
            )
        })
        .collect();
    if !strangers.is_empty() && !trust.accept_untrusted {
        return Err(ReportError::UntrustedSigner(format!(
            "{}: {} {} not among the certificates you trust; compare the fingerprint with the signer before countersigning. It was not countersigned",
            input.display(),
            strangers.join(", "),
            if strangers.len() == 1 { "is" } else { "are" }
        )));
    }
    let reason = format!("{} countersignature: {}", how.role, how.statement);
    let time = clock.now();
    let out = sign_pdf(&bytes, signer, &SignOptions { reason, time })?;
    save_file(dest, &out)?;
    Ok(check.signatures.len() + 1)
}

/// Writes `bytes` to `dest` the same careful way as reports (temporary
/// file beside it, fsync, rename): for exports such as the iCalendar file.
pub fn save_file(dest: &Path, bytes: &[u8]) -> Result<()> {
    let pending = Pending::create(dest)?;
    let mut file: &File = pending.file()?;
    file.write_all(bytes).map_err(|e| pending.io_error(e))?;
    file.sync_all().map_err(|e| pending.io_error(e))?;
    pending.commit()
}

/// `2026-11-28 20:41:07 UTC` from a stored RFC 3339 time.
fn display_time(stamp: &str) -> String {
    DateTime::parse_from_rfc3339(stamp)
        .map(|t| {
            t.with_timezone(&Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        })
        .unwrap_or_else(|_| stamp.to_owned())
}

/// A temporary file beside the destination (`.NAME.PID.partial`), renamed
/// into place on commit and removed otherwise. Its writer holds a lock on it
/// from creation; when a process is killed mid-write its file stays behind
/// unlocked, and the next write to the same destination removes it.
struct Pending {
    temp: PathBuf,
    dest: PathBuf,
    done: bool,
    /// The open, locked temporary file (created on first use).
    file: std::cell::OnceCell<File>,
}

impl Pending {
    fn create(dest: &Path) -> Result<Pending> {
        let name = dest.file_name().ok_or_else(|| {
            ReportError::Invalid(format!("{} is not a file name", dest.display()))
        })?;
        if dest.is_dir() {
            return Err(ReportError::Invalid(format!(
                "{} is a directory; give a file name such as report.pdf",
                dest.display()
            )));
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(ReportError::Invalid(format!(
                "the folder {} does not exist",
                dir.display()
            )));
        }
        let name = name.to_string_lossy();
        remove_stale_partials(&dir, &name);
        let temp = dir.join(format!(".{name}.{}.partial", std::process::id()));
        Ok(Pending {
            temp,
            dest: dest.to_path_buf(),
            done: false,
            file: std::cell::OnceCell::new(),
        })
    }

    /// The temporary file, created and locked on first use.
    fn file(&self) -> Result<&File> {
        if let Some(f) = self.file.get() {
            return Ok(f);
        }
        // Another writer to the same name may remove the file between its
        // creation and its lock (taking it for a killed writer's): then it
        // is created again.
        let mut attempt = 0;
        loop {
            let f = File::create(&self.temp).map_err(|e| self.io_error(e))?;
            f.lock().map_err(|e| self.io_error(e))?;
            attempt += 1;
            if signoff_core::vault::still_named(&f, &self.temp) || attempt >= 10 {
                return Ok(self.file.get_or_init(|| f));
            }
        }
    }

    /// Writes a document into the temporary file and flushes it to disk;
    /// `write` gets the sources (evidence in `ws`'s vault) and the output.
    fn write_document(
        &self,
        ws: &Workspace,
        signer: Option<&Signer>,
        progress: &mut dyn FnMut(u64, u64),
        write: impl FnOnce(Sources<'_>, &mut dyn Write) -> Result<Written, AssembleError>,
    ) -> Result<Written> {
        let evidence_path = |h: &str| ws.evidence_path(h);
        let mut w = BufWriter::with_capacity(1 << 20, self.file()?);
        let written = write(
            Sources {
                evidence_path: &evidence_path,
                signer,
                progress,
            },
            &mut w,
        )?;
        let file = w.into_inner().map_err(|e| self.io_error(e.into_error()))?;
        file.sync_all().map_err(|e| self.io_error(e))?;
        Ok(written)
    }

    fn io_error(&self, source: std::io::Error) -> ReportError {
        ReportError::Io {
            context: format!("writing {}", self.dest.display()),
            source,
        }
    }

    fn commit(self) -> Result<()> {
        self.publish().map_err(|e| self.io_error(e))?;
        self.committed();
        Ok(())
    }

    /// Renames the temporary file to the destination.
    fn publish(&self) -> std::io::Result<()> {
        fs::rename(&self.temp, &self.dest)
    }

    /// After a successful [`Self::publish`]: nothing is left to remove.
    fn committed(mut self) {
        self.done = true;
    }
}

/// Removes the temporary files (`.NAME.PID.partial`) that writers of
/// `dir/NAME` killed mid-write left behind: those no live writer holds
/// locked. Best effort.
fn remove_stale_partials(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let is_ours = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".partial"))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        // Removed while this lock is held, so a writer locking it meanwhile
        // sees its name gone and makes another.
        if is_ours
            && let Ok(f) = File::open(entry.path())
            && f.try_lock().is_ok()
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer killed mid-write leaves `.NAME.PID.partial` beside its
    /// destination: the next write to that name removes it. A live writer's
    /// (locked) file stays, and so do other names' and files not of that form.
    #[test]
    fn the_next_write_removes_what_a_killed_writer_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("report.pdf");
        let stale = dir.path().join(".report.pdf.4242.partial");
        fs::write(&stale, b"half a report").expect("write");
        let live = dir.path().join(".report.pdf.4343.partial");
        let held = File::create(&live).expect("create");
        held.lock().expect("lock");
        let other = dir.path().join(".other.pdf.4242.partial");
        fs::write(&other, b"x").expect("write");
        let unrelated = dir.path().join(".report.pdf.notes.partial");
        fs::write(&unrelated, b"x").expect("write");

        save_file(&dest, b"whole").expect("save");
        assert_eq!(fs::read(&dest).expect("read"), b"whole");
        assert!(!stale.exists(), "the killed writer's file is removed");
        assert!(live.exists(), "a live writer's file stays");
        assert!(other.exists() && unrelated.exists(), "other files stay");
        let own = dir
            .path()
            .join(format!(".report.pdf.{}.partial", std::process::id()));
        assert!(!own.exists(), "no temporary file of its own is left");
        drop(held);
    }
}
