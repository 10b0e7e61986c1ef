//! The PDF compliance report.
//!
//! Three steps, each in its own module:
//! 1. [`content`] lays the pages out with printpdf (fonts subset, no images:
//!    it only reserves their boxes);
//! 2. [`assemble`] re-reads those few pages with lopdf and writes the final
//!    file in one streaming pass: the pages, the pictures (scaled, one at a
//!    time), every embedded file copied from the evidence vault in 1 MiB
//!    chunks and checked against its SHA-256 on the way, and, last, the
//!    PAdES signature over everything before and after its `/Contents`;
//! 3. [`check`] reads a report back as an auditor would: signatures, the
//!    manifest against the embedded files and `SHA256SUMS`, the activity
//!    entries against their hashes.
//!
//! Memory stays flat in the size of the evidence: nothing but one chunk,
//! one picture and the page descriptions is ever held.

#![forbid(unsafe_code)]

mod assemble;
pub mod check;
mod content;
pub mod flow;
mod layout;
mod maintenance;
pub mod picture;
pub mod signer;

use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use signoff_core::manifest::Manifest;
use signoff_core::model::{Evidence, EvidenceKind};
use signoff_core::schedule::{CompletionFile, MaintenanceLog};
use signoff_signature::Signer;

pub use assemble::AssembleError;
pub use check::{Check, ReportCheck, check_report};
pub use flow::{
    Countersigning, MAX_PDF_BYTES, ReportError, SignAs, countersign, export_draft, read_pdf,
    sign_maintenance_log, sign_run,
};
pub use layout::Paper;

/// Identifies `manifest.json`'s format; bump when its meaning changes.
pub const REPORT_SCHEMA: &str = "signoff.report/1";
/// Names of the two files every report embeds besides the evidence.
pub const MANIFEST_NAME: &str = "manifest.json";
pub const SUMS_NAME: &str = "SHA256SUMS";

/// The signer as printed on the cover (the certificate says the same).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignerBlock {
    pub name: String,
    pub email: String,
    pub organisation: String,
    /// "preparer" or "approver".
    pub role: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub signed_at: String,
    /// SHA-256 of the signer certificate, `AB:CD:…`.
    pub fingerprint: String,
    pub statement: String,
}

/// What a report is made from.
#[derive(Debug)]
pub struct ReportSpec<'a> {
    pub manifest: &'a Manifest,
    pub report_id: String,
    pub paper: Paper,
    pub generated_at: String,
    /// `None` makes a draft: DRAFT on every page, no signature.
    pub signer: Option<SignerBlock>,
}

/// A signed maintenance log: every occurrence of the period.
#[derive(Debug)]
pub struct LogSpec<'a> {
    pub log: &'a MaintenanceLog,
    pub report_id: String,
    pub paper: Paper,
    pub generated_at: String,
    pub signer: Option<SignerBlock>,
}

/// `manifest.json` as embedded: the report's own facts around what it
/// reports on (a run, or a maintenance log), whose digest it states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportManifest {
    pub schema: String,
    pub report_id: String,
    /// "signed" or "draft".
    pub kind: String,
    pub generated_at: String,
    pub signer: Option<SignerBlock>,
    /// Embedded evidence files: name in the PDF, SHA-256, what they prove.
    pub embedded: Vec<EmbeddedEntry>,
    #[serde(flatten)]
    pub content: Content,
}

/// What a report is about; `document` says which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "document", rename_all = "camelCase")]
pub enum Content {
    /// A checklist run; `runDigest` is SHA-256 of the canonical `run`.
    #[serde(rename_all = "camelCase")]
    Run {
        run_digest: String,
        run: Box<Manifest>,
    },
    /// The maintenance schedule over a period; `logDigest` likewise.
    #[serde(rename_all = "camelCase")]
    Maintenance {
        log_digest: String,
        log: MaintenanceLog,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedEntry {
    pub name: String,
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    /// What it is evidence for, e.g. "item debug-false".
    pub about: String,
}

/// Where to find the bytes of stored evidence (the vault), and the signer.
pub struct Sources<'a> {
    pub evidence_path: &'a dyn Fn(&str) -> PathBuf,
    pub signer: Option<&'a Signer>,
    /// Called with (bytes done, bytes total) while evidence is copied.
    pub progress: &'a mut dyn FnMut(u64, u64),
}

impl std::fmt::Debug for Sources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("signed", &self.signer.is_some())
            .finish()
    }
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub report_id: String,
    pub pages: usize,
    pub bytes: u64,
    pub embedded_files: usize,
    pub images: usize,
    pub signed: bool,
}

/// Renders and writes the whole report on a run to `out`.
pub fn write_report(
    spec: &ReportSpec<'_>,
    sources: Sources<'_>,
    out: &mut dyn Write,
) -> Result<Written, AssembleError> {
    let m = spec.manifest;
    let mut dims = |sha: &str| image_dimensions(&(sources.evidence_path)(sha));
    let (visual, slots, images) = content::render(spec, &mut dims);
    let mut embedded = Vec::new();
    for item in &m.items {
        for ev in &item.evidence {
            if ev.kind == EvidenceKind::File && !ev.sensitive {
                embedded.push(EmbeddedEntry {
                    name: embedded_name(ev),
                    sha256: ev.sha256.clone(),
                    size: ev.size,
                    media_type: ev.media_type.clone(),
                    about: format!("item {}", item.id),
                });
            }
        }
    }
    let doc = Document {
        report_id: &spec.report_id,
        generated_at: &spec.generated_at,
        signer: spec.signer.as_ref(),
        content: Content::Run {
            run_digest: m.digest(),
            run: Box::new(m.clone()),
        },
        embedded,
        visual,
        slots,
        images,
        info: assemble::DocInfo {
            title: format!(
                "Security sign-off: {} ({})",
                m.run.target, m.run.environment
            ),
            author: spec
                .signer
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_else(|| m.run.created_by.clone()),
            subject: format!("{} {}", m.template.name, spec.report_id),
            report_id: spec.report_id.clone(),
            created: spec.generated_at.clone(),
        },
    };
    write_document(doc, sources, out)
}

/// Renders and writes a maintenance log to `out`.
pub fn write_log(
    spec: &LogSpec<'_>,
    sources: Sources<'_>,
    out: &mut dyn Write,
) -> Result<Written, AssembleError> {
    let log = spec.log;
    let mut dims = |sha: &str| image_dimensions(&(sources.evidence_path)(sha));
    let (visual, slots, images) = maintenance::render(spec, &mut dims);
    let mut embedded = Vec::new();
    for t in &log.tasks {
        for c in &t.completions {
            for f in c.files.iter().filter(|f| !f.sensitive) {
                embedded.push(EmbeddedEntry {
                    name: completion_file_name(f),
                    sha256: f.sha256.clone(),
                    size: f.size,
                    media_type: f.media_type.clone(),
                    about: format!("task {}, done {}", t.task.id, c.done_on),
                });
            }
        }
    }
    let doc = Document {
        report_id: &spec.report_id,
        generated_at: &spec.generated_at,
        signer: spec.signer.as_ref(),
        content: Content::Maintenance {
            log_digest: log.digest(),
            log: log.clone(),
        },
        embedded,
        visual,
        slots,
        images,
        info: assemble::DocInfo {
            title: format!("Security maintenance log {} to {}", log.from, log.to),
            author: spec
                .signer
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            subject: format!("Maintenance log {}", spec.report_id),
            report_id: spec.report_id.clone(),
            created: spec.generated_at.clone(),
        },
    };
    write_document(doc, sources, out)
}

/// A document ready to assemble: its pages, pictures and files.
struct Document<'a> {
    report_id: &'a str,
    generated_at: &'a str,
    signer: Option<&'a SignerBlock>,
    content: Content,
    embedded: Vec<EmbeddedEntry>,
    visual: Vec<u8>,
    slots: Vec<layout::ImageSlot>,
    /// SHA-256 of each picture, by slot index.
    images: Vec<String>,
    info: assemble::DocInfo,
}

fn write_document(
    doc: Document<'_>,
    sources: Sources<'_>,
    out: &mut dyn Write,
) -> Result<Written, AssembleError> {
    let report_manifest = ReportManifest {
        schema: REPORT_SCHEMA.to_owned(),
        report_id: doc.report_id.to_owned(),
        kind: if doc.signer.is_some() {
            "signed"
        } else {
            "draft"
        }
        .to_owned(),
        generated_at: doc.generated_at.to_owned(),
        signer: doc.signer.cloned(),
        embedded: doc.embedded.clone(),
        content: doc.content,
    };
    let manifest_json = serde_json::to_vec_pretty(&report_manifest).unwrap_or_default();
    let mut sums = String::new();
    for e in &doc.embedded {
        sums.push_str(&format!("{}  {}\n", e.sha256, e.name));
    }
    sums.push_str(&format!(
        "{}  {MANIFEST_NAME}\n",
        signoff_core::template::hex(&<sha2::Sha256 as sha2::Digest>::digest(&manifest_json))
    ));
    let image_paths: Vec<PathBuf> = doc
        .images
        .iter()
        .map(|h| (sources.evidence_path)(h))
        .collect();
    let mut files: Vec<assemble::Attachment> = doc
        .embedded
        .iter()
        .map(|e| assemble::Attachment {
            name: e.name.clone(),
            description: format!("Evidence for {}", e.about),
            media_type: e.media_type.clone(),
            sha256: e.sha256.clone(),
            size: e.size,
            source: assemble::Source::File((sources.evidence_path)(&e.sha256)),
        })
        .collect();
    files.push(assemble::Attachment::bytes(
        MANIFEST_NAME,
        "Everything in this report, machine-readable (schema signoff.report/1)",
        "application/json",
        manifest_json,
    ));
    files.push(assemble::Attachment::bytes(
        SUMS_NAME,
        "SHA-256 of every embedded file, for sha256sum -c",
        "text/plain",
        sums.into_bytes(),
    ));
    let sign = match (sources.signer, doc.signer) {
        (Some(signer), Some(block)) => Some(assemble::Signing {
            signer,
            reason: format!("{} sign-off of {}", block.role, doc.report_id),
        }),
        _ => None,
    };
    let parts = assemble::Parts {
        visual: &doc.visual,
        slots: &doc.slots,
        images: &image_paths,
        files: &files,
        info: &doc.info,
        sign,
    };
    let stats = assemble::assemble(&parts, sources.progress, out)?;
    Ok(Written {
        report_id: doc.report_id.to_owned(),
        pages: stats.pages,
        bytes: stats.bytes,
        embedded_files: files.len(),
        images: doc.slots.len(),
        signed: stats.signed,
    })
}

/// The name a completion's file has inside a maintenance log.
pub fn completion_file_name(f: &CompletionFile) -> String {
    safe_name(&format!("C{}-", f.id), &f.name)
}

/// The evidence shown as a picture in the report: PNG or JPEG files that
/// are not sensitive.
pub(crate) fn is_inline_image(ev: &Evidence) -> bool {
    ev.kind == EvidenceKind::File
        && !ev.sensitive
        && matches!(ev.media_type.as_str(), "image/png" | "image/jpeg")
}

/// What the layout needs to know of a picture before it is drawn: its
/// size, or why it is not drawn.
pub(crate) type PictureSize = Result<(u32, u32), picture::PictureError>;

fn image_dimensions(path: &std::path::Path) -> PictureSize {
    picture::dimensions_of_file(path)
}

/// The name an evidence file has inside the report (and on disk after
/// `pdfdetach -saveall`): `E<id>-` and the original name made safe for
/// every file system and for `SHA256SUMS` (see [`safe_name`]).
pub fn embedded_name(ev: &Evidence) -> String {
    safe_name(&format!("E{}-", ev.id), &ev.name)
}

/// The longest embedded name, in bytes of UTF-8. File systems allow 255;
/// poppler's `pdfdetach -saveall` stops at a name of 256 bytes, so an
/// auditor's standard tools could not extract the file or check
/// `SHA256SUMS` (issue 10: 83 × "あ" + ".txt").
pub const MAX_EMBEDDED_NAME: usize = 200;

/// `prefix` and `name` as one file name safe everywhere: no separators,
/// control or format characters (bidi overrides), no leading dots, dashes
/// or spaces, at most [`MAX_EMBEDDED_NAME`] bytes, cut at a character
/// boundary and keeping a short extension.
fn safe_name(prefix: &str, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() || signoff_core::evidence::is_format_control(c) => '_',
            c => c,
        })
        .collect();
    let safe = safe.trim_start_matches(['.', '-', ' ']).trim_end();
    let safe = if safe.is_empty() { "file" } else { safe };
    let budget = MAX_EMBEDDED_NAME.saturating_sub(prefix.len());
    if safe.len() <= budget {
        return format!("{prefix}{safe}");
    }
    // Keep the extension when it is short, cut the stem.
    let ext = safe
        .rfind('.')
        .map(|i| &safe[i..])
        .filter(|e| e.len() <= 16 && e.len() < safe.len());
    let ext = ext.unwrap_or("");
    let stem = &safe[..safe.len() - ext.len()];
    let mut cut = budget.saturating_sub(ext.len()).min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{prefix}{}{ext}", &stem[..cut])
}

/// "1.2 MiB" style sizes.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_names_fit_the_tools_and_show_what_they_are() {
        let long = format!("{}.txt", "\u{3042}".repeat(83));
        let name = super::safe_name("E12-", &long);
        assert!(
            name.len() <= super::MAX_EMBEDDED_NAME,
            "{} bytes",
            name.len()
        );
        assert!(
            name.starts_with("E12-\u{3042}") && name.ends_with("\u{3042}.txt"),
            "{name}"
        );
        assert_eq!(
            super::safe_name("E1-", "invoice-\u{202e}gpj.exe"),
            "E1-invoice-_gpj.exe"
        );
        assert_eq!(
            super::safe_name("E1-", "a\u{2066}b\u{200f}c\u{feff}"),
            "E1-a_b_c_"
        );
        assert_eq!(
            super::safe_name("E1-", "../../etc/passwd"),
            "E1-_.._etc_passwd"
        );
        assert_eq!(super::safe_name("E1-", "..."), "E1-file");
        let no_ext = "x".repeat(300);
        assert_eq!(
            super::safe_name("E1-", &no_ext).len(),
            super::MAX_EMBEDDED_NAME
        );
    }
}
