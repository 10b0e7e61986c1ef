//! Reading a report back as an auditor would. Each check has a name, a
//! verdict and a one-line reason; the report passes only if all pass.
//! Never panics on hostile input.

use std::borrow::Cow;
use std::collections::BTreeMap;

use lopdf::{Document, Object};
use serde::Serialize;
use sha2::{Digest, Sha256};
use signoff_core::activity::{GENESIS, entry_is_intact};
use signoff_core::model::EvidenceKind;
use signoff_core::template::hex;
use signoff_signature::verify::{
    PdfVerification, PdfVerifyError, Verdict, strict_document, verify_pdf,
};

use crate::{Content, MANIFEST_NAME, REPORT_SCHEMA, ReportManifest, SUMS_NAME};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportCheck {
    /// True only for a valid verdict: intact, and every signer trusted.
    pub ok: bool,
    /// Every signature and every content check holds, whoever signed.
    pub intact: bool,
    /// Valid (exit 0), untrusted (exit 2) or invalid (exit 1).
    pub verdict: Verdict,
    pub signatures: PdfVerification,
    pub checks: Vec<Check>,
    /// The report's own description of itself, when it could be read.
    pub report_id: Option<String>,
    pub target: Option<String>,
    pub environment: Option<String>,
}

/// "1 file", "2 files".
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn check(name: &str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_owned(),
        ok,
        detail: detail.into(),
    }
}

/// Verifies the signatures and the content of a report.
pub fn check_report(pdf: &[u8], trusted: &[Vec<u8>]) -> Result<ReportCheck, PdfVerifyError> {
    let signatures = verify_pdf(pdf, trusted)?;
    let mut checks = Vec::new();
    checks.push(
        if signatures.signatures.is_empty()
            && signatures
                .problems
                .iter()
                .all(|p| p == "the PDF has no signature")
        {
            check("signatures", false, "the PDF carries no signature")
        } else if signatures.intact {
            check(
                "signatures",
                true,
                match signatures.signatures.len() {
                    1 => "1 signature, intact, covering the whole file".to_owned(),
                    n => format!("{n} signatures, each intact, the last covering the whole file"),
                },
            )
        } else {
            let mut why: Vec<String> = signatures.problems.clone();
            for s in &signatures.signatures {
                why.extend(s.problems.iter().map(|p| format!("{}: {p}", s.field)));
            }
            check("signatures", false, why.join("; "))
        },
    );

    // The content is read from the same strict parse the signatures were
    // checked against, never from a lenient reader's repair of the file.
    let doc = match strict_document(pdf) {
        Ok(doc) => Ok(doc),
        Err(PdfVerifyError::Damaged(e)) => Err(e),
        Err(e) => return Err(e),
    };
    let mut out = ReportCheck {
        ok: false,
        intact: false,
        verdict: Verdict::Invalid,
        signatures,
        checks,
        report_id: None,
        target: None,
        environment: None,
    };
    let doc = match doc {
        Ok(d) => d,
        Err(e) => {
            out.checks.push(check(
                "structure",
                false,
                format!("the PDF cannot be read whole: {e}"),
            ));
            return Ok(out);
        }
    };
    let files = match embedded_files(&doc) {
        Ok(f) => f,
        Err(e) => {
            out.checks
                .push(check("embedded files", false, format!("unreadable: {e}")));
            return Ok(out);
        }
    };

    // manifest.json
    let manifest: Option<ReportManifest> = match files.get(MANIFEST_NAME) {
        None => {
            out.checks.push(check(
                "manifest",
                false,
                "the PDF embeds no manifest.json: it is not a Signoff report",
            ));
            None
        }
        Some(bytes) => match serde_json::from_slice::<ReportManifest>(bytes) {
            Err(e) => {
                out.checks.push(check(
                    "manifest",
                    false,
                    format!("manifest.json is unreadable: {e}"),
                ));
                None
            }
            Ok(m) if m.schema != REPORT_SCHEMA => {
                out.checks.push(check(
                    "manifest",
                    false,
                    format!(
                        "manifest.json has schema '{}'; this verifier reads '{REPORT_SCHEMA}'",
                        m.schema
                    ),
                ));
                None
            }
            Ok(m) => {
                let (what, digest, stated) = match &m.content {
                    Content::Run { run_digest, run } => ("run", run.digest(), run_digest),
                    Content::Maintenance { log_digest, log } => {
                        ("maintenance log", log.digest(), log_digest)
                    }
                };
                out.checks.push(if &digest == stated {
                    check(
                        "manifest",
                        true,
                        format!("the {what}'s digest {digest} matches its content"),
                    )
                } else {
                    check(
                        "manifest",
                        false,
                        format!(
                            "the {what} recorded in manifest.json hashes to {digest}, not to the digest it states ({stated})"
                        ),
                    )
                });
                Some(m)
            }
        },
    };

    // SHA256SUMS against every embedded file.
    match files.get(SUMS_NAME) {
        None => out
            .checks
            .push(check("SHA256SUMS", false, "the PDF embeds no SHA256SUMS")),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let mut problems = Vec::new();
            let mut listed = 0;
            let mut named = std::collections::BTreeSet::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Some((sum, name)) = line.split_once("  ") else {
                    problems.push(format!("malformed line '{line}'"));
                    continue;
                };
                listed += 1;
                named.insert(name.to_owned());
                match files.get(name) {
                    None => problems.push(format!("{name} is listed but not embedded")),
                    Some(b) if hex(&Sha256::digest(b)) != sum => {
                        problems.push(format!("{name} does not match its SHA-256"))
                    }
                    Some(_) => {}
                }
            }
            for name in files.keys() {
                if name != SUMS_NAME && !named.contains(name) {
                    problems.push(format!("{name} is embedded but not listed"));
                }
            }
            out.checks.push(if problems.is_empty() {
                check(
                    "SHA256SUMS",
                    true,
                    format!(
                        "{} {} their SHA-256",
                        count(listed, "embedded file"),
                        if listed == 1 { "matches" } else { "match" }
                    ),
                )
            } else {
                check("SHA256SUMS", false, problems.join("; "))
            });
        }
    }

    if let Some(m) = &manifest {
        out.report_id = Some(m.report_id.clone());
        match &m.content {
            Content::Run { run, .. } => {
                out.target = Some(run.run.target.clone());
                out.environment = Some(run.run.environment.clone());
            }
            Content::Maintenance { log, .. } => {
                out.target = Some(format!("Maintenance log {} to {}", log.from, log.to));
                out.environment = Some(String::new());
            }
        }
        out.checks.push(evidence_check(m, &files));
        out.checks.push(activity_check(m));
    }
    out.intact = out.checks.iter().all(|c| c.ok);
    out.verdict = Verdict::of(
        out.intact,
        out.signatures.signatures.iter().map(|s| s.trust),
    );
    out.ok = out.verdict == Verdict::Valid;
    Ok(out)
}

/// Every non-sensitive evidence file is embedded with its hash; no
/// sensitive file is.
fn evidence_check(m: &ReportManifest, files: &BTreeMap<String, Cow<'_, [u8]>>) -> Check {
    // (name in the PDF, SHA-256 recorded, sensitive, what it is for)
    let mut expected: Vec<(String, String, bool, String)> = Vec::new();
    match &m.content {
        Content::Run { run, .. } => {
            for item in &run.items {
                for ev in item
                    .evidence
                    .iter()
                    .filter(|e| e.kind == EvidenceKind::File)
                {
                    expected.push((
                        crate::embedded_name(ev),
                        ev.sha256.clone(),
                        ev.sensitive,
                        format!("evidence '{}' of item '{}'", ev.name, item.id),
                    ));
                }
            }
        }
        Content::Maintenance { log, .. } => {
            for t in &log.tasks {
                for c in &t.completions {
                    for f in &c.files {
                        expected.push((
                            crate::completion_file_name(f),
                            f.sha256.clone(),
                            f.sensitive,
                            format!(
                                "file '{}' of task '{}' done {}",
                                f.name, t.task.id, c.done_on
                            ),
                        ));
                    }
                }
            }
        }
    }
    let mut problems = Vec::new();
    let mut count_files = 0;
    for (name, sha256, sensitive, what) in expected {
        match (sensitive, files.get(&name)) {
            (true, Some(_)) => problems.push(format!("sensitive {name} is embedded")),
            (true, None) => {}
            (false, None) => problems.push(format!("{what} is not embedded")),
            (false, Some(b)) => {
                count_files += 1;
                if hex(&Sha256::digest(b)) != sha256 {
                    problems.push(format!(
                        "embedded {name} does not match the SHA-256 recorded for it"
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        check(
            "evidence",
            true,
            format!(
                "{} embedded, each matching its recorded SHA-256",
                count(count_files, "evidence file")
            ),
        )
    } else {
        check("evidence", false, problems.join("; "))
    }
}

/// The run's activity entries: each recomputes to its hash, in order,
/// consecutive entries linked, none after the log's stated head.
fn activity_check(m: &ReportManifest) -> Check {
    let a = match &m.content {
        Content::Run { run, .. } => &run.activity,
        Content::Maintenance { log, .. } => &log.activity,
    };
    let mut problems = Vec::new();
    let mut last: Option<&signoff_core::model::ActivityEntry> = None;
    for e in &a.entries {
        if !entry_is_intact(e) {
            problems.push(format!("entry #{} does not match its hash", e.seq));
        }
        if let Some(p) = last {
            if e.seq <= p.seq {
                problems.push(format!("entry #{} is out of order", e.seq));
            } else if e.seq == p.seq + 1 && e.prev_hash != p.hash {
                problems.push(format!("entry #{} is not linked to #{}", e.seq, p.seq));
            }
        } else if e.seq == 1 && e.prev_hash != GENESIS {
            problems.push("entry #1 does not start the chain".to_owned());
        }
        if e.seq > a.head_seq {
            problems.push(format!("entry #{} is after the stated head", e.seq));
        }
        last = Some(e);
    }
    if let Some(l) = last
        && l.seq == a.head_seq
        && l.hash != a.head_hash
    {
        problems.push("the last entry is not the stated head".to_owned());
    }
    if problems.is_empty() {
        check(
            "activity log",
            true,
            format!(
                "{}, each matching its hash; log head #{} ({}) when the report was made: \
                 the workspace's log must still contain that entry with that hash",
                match a.entries.len() {
                    1 => "1 entry".to_owned(),
                    n => format!("{n} entries"),
                },
                a.head_seq,
                a.head_hash
            ),
        )
    } else {
        check("activity log", false, problems.join("; "))
    }
}

/// Embedded files that are compressed decode to at most this many bytes in
/// all (Signoff writes them uncompressed; a small compressed stream must not
/// decode to gigabytes in memory).
const MAX_DECODED_FILES: usize = 256 * 1024 * 1024;

/// Name -> content of every file in the `/EmbeddedFiles` name tree
/// (borrowed unless it had to be decoded). A name given twice is refused:
/// a reader such as `pdfdetach` could extract the other file.
fn embedded_files(doc: &Document) -> Result<BTreeMap<String, Cow<'_, [u8]>>, String> {
    let catalog = doc.catalog().map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    let Some(root) = catalog
        .get(b"Names")
        .ok()
        .and_then(|n| deref(doc, n).as_dict().ok())
        .and_then(|n| n.get(b"EmbeddedFiles").ok().map(|e| deref(doc, e)))
    else {
        return Ok(out);
    };
    // Each node once: a tree whose /Kids repeat or loop is not walked
    // again and again.
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![root];
    let mut guard = 0;
    let mut budget = MAX_DECODED_FILES;
    while let Some(node) = stack.pop() {
        guard += 1;
        if guard > 100_000 {
            return Err("the name tree is too deep or loops".into());
        }
        let Ok(node) = node.as_dict() else { continue };
        if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
            for k in kids {
                if let Object::Reference(id) = k
                    && !seen.insert(*id)
                {
                    return Err("a node of the name tree is used twice".into());
                }
                stack.push(deref(doc, k));
            }
        }
        let Ok(names) = node.get(b"Names").and_then(Object::as_array) else {
            continue;
        };
        for pair in names.chunks(2) {
            let [key, spec] = pair else { continue };
            let Ok(key) = key.as_str() else { continue };
            let name = signoff_signature::pdf::decode_text(key);
            let spec = deref(doc, spec);
            let stream = spec
                .as_dict()
                .ok()
                .and_then(|d| d.get(b"EF").ok())
                .map(|ef| deref(doc, ef))
                .and_then(|ef| ef.as_dict().ok())
                .and_then(|ef| ef.get(b"F").ok())
                .map(|f| deref(doc, f))
                .and_then(|f| f.as_stream().ok());
            let Some(stream) = stream else {
                return Err(format!("{name} has no file stream"));
            };
            if stream.dict.has(b"F") || stream.dict.has(b"FFilter") {
                return Err(format!("{name}'s content is an external file (/F)"));
            }
            let bytes = if stream.dict.get(b"Filter").is_ok() {
                let b = stream
                    .decompressed_content_with_limit(budget)
                    .map_err(|e| {
                        format!(
                            "{name}: {e} (compressed embedded files may decode to {MAX_DECODED_FILES} bytes in all)"
                        )
                    })?;
                budget -= b.len();
                Cow::Owned(b)
            } else {
                Cow::Borrowed(stream.content.as_slice())
            };
            if out.insert(name.clone(), bytes).is_some() {
                return Err(format!("{name} is embedded twice"));
            }
        }
    }
    Ok(out)
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(r) => doc.get_object(*r).unwrap_or(o),
        _ => o,
    }
}
