//! The signer's side of the use cases both front ends share: creating or
//! importing the signing identity (and logging it), the trusted
//! certificates and checking a report file against them, and the file
//! names offered for reports. Time comes from the workspace's clock.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use signoff_core::Workspace;
use signoff_core::model::{Actor, RunSummary};
use signoff_signature::trust::TrustStore;
use signoff_signature::{IdentityInfo, IdentityStore, NewIdentity, Passphrase};

use crate::check::{ReportCheck, check_report};
use crate::flow::{ReportError, read_pdf};

type Result<T, E = ReportError> = std::result::Result<T, E>;

/// The largest PKCS#12 file read: a key and a certificate chain are a few
/// kilobytes.
pub const MAX_P12_BYTES: u64 = 1 << 20;

/// Creates a P-256 key and a self-signed certificate for `who` in the
/// workspace's data directory, the key encrypted under `passphrase`
/// (refused below the strength `passphrase_strength` asks for), and logs
/// `identity.created`. Deriving the key's encryption takes a second: run
/// it on a workspace handle that holds up nothing else.
pub fn create_identity(
    ws: &mut Workspace,
    actor: &Actor,
    who: &NewIdentity,
    passphrase: &Passphrase,
) -> Result<IdentityInfo> {
    let info =
        IdentityStore::in_data_dir(ws.data_dir()).create(who, passphrase, ws.clock().now())?;
    log(ws, actor, "identity.created", info)
}

/// A PKCS#12 file read for import: its name (for messages and the
/// passphrase check) and its bytes.
#[derive(Debug)]
pub struct P12File {
    pub name: String,
    bytes: Vec<u8>,
}

/// Reads a PKCS#12 file: a regular file of at most [`MAX_P12_BYTES`]. Read
/// before any password is asked for, so a wrong path fails first.
pub fn read_p12(file: &Path) -> Result<P12File> {
    let (source, _) = signoff_core::vault::open_source(file)?;
    let mut bytes = Vec::new();
    source
        .take(MAX_P12_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReportError::Io {
            context: format!("{}: cannot read it", file.display()),
            source: e,
        })?;
    if bytes.len() as u64 > MAX_P12_BYTES {
        return Err(ReportError::Invalid(format!(
            "{}: larger than {} KiB, which no PKCS#12 key and certificate chain needs",
            file.display(),
            MAX_P12_BYTES >> 10
        )));
    }
    Ok(P12File {
        name: file_name(file),
        bytes,
    })
}

/// Imports the key and certificate chain of a PKCS#12 file, the key
/// re-encrypted under `passphrase`, and logs `identity.imported`.
pub fn import_identity(
    ws: &mut Workspace,
    actor: &Actor,
    p12: &P12File,
    p12_password: &str,
    passphrase: &Passphrase,
    role: &str,
) -> Result<IdentityInfo> {
    let info = IdentityStore::in_data_dir(ws.data_dir()).import_p12(
        &p12.name,
        &p12.bytes,
        p12_password,
        passphrase,
        role,
        ws.clock().now(),
    )?;
    log(ws, actor, "identity.imported", info)
}

fn log(
    ws: &mut Workspace,
    actor: &Actor,
    action: &str,
    info: IdentityInfo,
) -> Result<IdentityInfo> {
    let details = serde_json::to_value(&info)
        .map_err(|e| ReportError::Invalid(format!("the identity cannot be logged: {e}")))?;
    ws.log_identity(actor, action, &info.fingerprint_sha256, details)?;
    Ok(info)
}

/// The certificates a report is checked against: the trust store of
/// `data_dir`, plus certificate files given for this check only (read,
/// never added to the store).
pub fn trusted_certificates(data_dir: &Path, also: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut all = TrustStore::in_data_dir(data_dir).certificates()?;
    for file in also {
        all.extend(signoff_signature::trust::read_certificates(file)?);
    }
    Ok(all)
}

/// Reads a report file (see [`read_pdf`]) and checks it against `trusted`:
/// what `signoff verify` and the app's Verify screen show.
pub fn check_report_file(path: &Path, trusted: &[Vec<u8>]) -> Result<ReportCheck> {
    let bytes = read_pdf(path)?;
    check_report(&bytes, trusted)
        .map_err(|e| ReportError::Invalid(format!("{}: {e}", path.display())))
}

/// Trusts the certificate of the `index`-th signature of the report at
/// `report`, named after its signer, once a person compared its
/// `fingerprint` with the signer's. The certificate is taken from the file
/// again, never from the caller, and a file that changed since is refused.
pub fn trust_signer(data_dir: &Path, report: &Path, index: usize, fingerprint: &str) -> Result<()> {
    let check = check_report_file(report, &trusted_certificates(data_dir, &[])?)?;
    let Some(sig) = check.signatures.signatures.get(index) else {
        return Err(ReportError::NotFound(
            "the report has no such signature".into(),
        ));
    };
    if sig.fingerprint_sha256 != fingerprint || sig.certificate.is_empty() {
        return Err(ReportError::Changed(
            "the signer's certificate is not the one shown; open the report again".into(),
        ));
    }
    TrustStore::in_data_dir(data_dir).add(&sig.certificate, Some(&sig.signer))?;
    Ok(())
}

/// The file name offered for a run's report, from its target, environment
/// and `on` (the workspace's today): `signoff-v1.4.0-production-2026-11-28.pdf`,
/// `…-DRAFT.pdf` for a draft.
pub fn report_file_name(summary: &RunSummary, draft: bool, on: NaiveDate) -> String {
    let slug: String = format!("{}-{}", summary.target, summary.environment)
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "signoff-{}-{}{}.pdf",
        slug.trim_matches('-'),
        on.format("%Y-%m-%d"),
        if draft { "-DRAFT" } else { "" }
    )
}

/// The file name offered for the maintenance log of a period.
pub fn log_file_name(from: NaiveDate, to: NaiveDate) -> String {
    format!("signoff-maintenance-{from}-to-{to}.pdf")
}

/// The last component of a path, for messages and embedded names.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
