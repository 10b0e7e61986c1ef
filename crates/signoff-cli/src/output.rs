//! Printing: one function per kind of result, each either as text for a
//! person or as JSON (`--json`). Errors go to stderr as one line.
//!
//! Every line of text printed passes through [`terminal_safe`], which
//! escapes control characters: stored titles, notes, names and signer
//! names come from files and older databases, and an ESC or BEL in them
//! must not recolour the terminal or set its title. JSON is left to serde,
//! which escapes control characters in strings.

use anyhow::Result;
use serde::Serialize;
use signoff_core::doctor::DoctorReport;
use signoff_core::template::Template;
use signoff_core::templates::Imported;
use signoff_core::{
    Evidence, EvidenceKind, ItemResult, RunDetail, RunSummary, Status, TemplateSummary, Waiver,
};
use signoff_signature::trust::Trust;
use signoff_signature::verify::Verdict;

#[derive(Debug)]
pub struct Out {
    pub json: bool,
}

impl Out {
    fn emit<T: Serialize + ?Sized>(&self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        let body = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            terminal_safe(text().trim_end()).into_owned()
        };
        if !body.is_empty() {
            print_out(&body);
        }
        Ok(())
    }

    pub fn error(&self, e: &anyhow::Error) {
        let code = e
            .downcast_ref::<signoff_core::Error>()
            .map(signoff_core::Error::code)
            .or_else(|| {
                e.downcast_ref::<signoff_signature::IdentityError>()
                    .map(|e| e.code())
            })
            .or_else(|| {
                e.downcast_ref::<signoff_report::ReportError>()
                    .map(|e| e.code())
            })
            .or_else(|| {
                e.downcast_ref::<signoff_signature::trust::TrustError>()
                    .map(|e| e.code())
            })
            .map_or("error", signoff_core::ErrorCode::as_str);
        let mut message = format!("{e:#}").replace('\n', " ");
        if let Some(hint) = hint(e, code) {
            message = format!("{message}; {hint}");
        }
        if self.json {
            println!(
                "{}",
                serde_json::json!({ "error": { "code": code, "message": message } })
            );
        }
        eprintln!("signoff: error: {}", terminal_safe(&message));
    }

    pub fn message(&self, text: &str, json: &serde_json::Value) -> Result<()> {
        self.emit(json, || text.to_owned())
    }

    pub fn templates(&self, list: &[TemplateSummary]) -> Result<()> {
        self.emit(list, || {
            let mut s = format!("{:<28} {:>7} {:>5}  NAME\n", "ID", "VERSION", "ITEMS");
            for t in list {
                let kind = if t.builtin { "  (built-in)" } else { "" };
                s += &format!(
                    "{:<28} {:>7} {:>5}  {}{kind}\n",
                    t.id, t.version, t.items, t.name
                );
            }
            s
        })
    }

    pub fn template(&self, t: &Template) -> Result<()> {
        self.emit(t, || {
            let mut s = format!(
                "{} ({}@{})\nhash:   {}\nsource: {}\n",
                t.name,
                t.id,
                t.version,
                t.content_hash(),
                t.source
            );
            for section in &t.sections {
                s += &format!("\n{} [{}]\n", section.title, section.id);
                for item in &section.items {
                    let ev = match item.evidence {
                        signoff_core::template::EvidenceRule::Required => "evidence required",
                        signoff_core::template::EvidenceRule::Optional => "",
                    };
                    s += &format!("  - {:<36} {}  {ev}\n", item.id, item.title);
                }
            }
            s
        })
    }

    pub fn imported(&self, i: &Imported) -> Result<()> {
        let t = &i.template;
        note(&format!(
            "{} '{}' as {}@{}: {} section(s), {} item(s)",
            if i.created {
                "Imported"
            } else {
                "Already imported"
            },
            t.name,
            t.id,
            t.version,
            t.sections,
            t.items
        ));
        self.emit(i, || t.id.clone())
    }

    pub fn run_created(&self, r: &RunSummary) -> Result<()> {
        note(&match r.revision_of {
            Some(from) => format!(
                "Reopened run {from} as run {} (revision {}) with its results, waivers and evidence; run {from} and its report stay as they are",
                r.id, r.revision
            ),
            None => format!(
                "Started run {} of '{}' for {}{} ({} items)",
                r.id,
                r.template_name,
                r.target,
                env_suffix(&r.environment),
                r.counts.total
            ),
        });
        self.emit(r, || r.id.to_string())
    }

    pub fn runs(&self, runs: &[RunSummary]) -> Result<()> {
        self.emit(runs, || {
            if runs.is_empty() {
                return "No runs yet. Start one with: signoff run new --template predeploy --target v1.0.0".into();
            }
            let mut s = format!(
                "{:>4}  {:<20} {:<14} {:<20} {:>9}  {:<7} STARTED\n",
                "ID", "TARGET", "ENV", "TEMPLATE", "DONE", "STATE"
            );
            for r in runs {
                let done = r.counts.total - r.counts.pending;
                s += &format!(
                    "{:>4}  {:<20} {:<14} {:<20} {:>9}  {:<7} {}\n",
                    r.id,
                    r.target,
                    r.environment,
                    format!("{}@{}", r.template_id, r.template_version),
                    format!("{done}/{}", r.counts.total),
                    format!("{:?}", r.state).to_lowercase(),
                    r.created_at.get(..16).unwrap_or(&r.created_at).replace('T', " ")
                );
            }
            s
        })
    }

    pub fn run(&self, run: &RunDetail) -> Result<()> {
        self.emit(run, || {
            let r = &run.summary;
            let c = &r.counts;
            let mut s = format!(
                "Run {}: {}{}\ntemplate: {} ({}@{}, {})\nstarted:  {} by {}\nresults:  {} pass, {} fail, {} n/a, {} pending of {}\n",
                r.id,
                r.target,
                env_suffix(&r.environment),
                r.template_name,
                r.template_id,
                r.template_version,
                short(&r.template_hash),
                r.created_at,
                r.created_by,
                c.pass,
                c.fail,
                c.na,
                c.pending,
                c.total
            );
            if run.blockers.is_empty() {
                s += "sign-off: ready, nothing blocks it\n";
            } else {
                s += &format!("sign-off: blocked by {} item(s):\n", run.blockers.len());
                for b in &run.blockers {
                    s += &format!("  - {} ({}): {}\n", b.item_id, b.title, b.problem);
                }
            }
            let mut section = "";
            for item in &run.items {
                if item.section_id != section {
                    section = &item.section_id;
                    let title = run
                        .template
                        .sections
                        .iter()
                        .find(|s| s.id == item.section_id)
                        .map_or("", |s| s.title.as_str());
                    s += &format!("\n{title}\n");
                }
                s += &format!("  {} {:<34} {}\n", badge(item.status), item.id, item.title);
                if let (Some(at), Some(by)) = (&item.updated_at, &item.updated_by) {
                    s += &format!("      by {by} at {at}\n");
                }
                if !item.note.is_empty() {
                    s += &format!("      note: {}\n", item.note.replace('\n', "\n            "));
                }
                if !item.reason.is_empty() {
                    s += &format!("      n/a because: {}\n", item.reason);
                }
                if let Some(w) = &item.waiver {
                    s += &format!(
                        "      waived until {} (accepted by {}): {}\n",
                        w.expires_on, w.accepted_by, w.justification
                    );
                }
                for e in &item.evidence {
                    s += &format!("      {}\n", evidence_line(e));
                }
            }
            s
        })
    }

    pub fn result(&self, run: i64, r: &ItemResult) -> Result<()> {
        self.emit(r, || {
            let mut s = format!("run {run} item {}: {}", r.item_id, r.status);
            if !r.reason.is_empty() {
                s += &format!(" (n/a because: {})", r.reason);
            }
            s
        })
    }

    pub fn waiver(&self, run: i64, item: &str, w: &Waiver) -> Result<()> {
        self.emit(w, || {
            format!(
                "run {run} item {item}: waived until {} (accepted by {})",
                w.expires_on, w.accepted_by
            )
        })
    }

    pub fn evidence_added(&self, run: i64, item: &str, added: &[Evidence]) -> Result<()> {
        self.emit(added, || {
            added
                .iter()
                .map(|e| format!("run {run} item {item}: added {}\n", evidence_line(e)))
                .collect()
        })
    }

    pub fn identity(&self, i: &signoff_signature::IdentityInfo) -> Result<()> {
        self.emit(i, || {
            let role = if i.role.is_empty() { String::new() } else { format!(", {}", i.role) };
            let org = if i.organisation.is_empty() { String::new() } else { format!(" ({})", i.organisation) };
            format!(
                "{}{role}{org} <{}>\nkey:         {:?}, encrypted at rest\ncertificate: {}{}\nvalid:       {} to {}\nSHA-256 fingerprint:\n  {}\n",
                i.name,
                i.email,
                i.algorithm,
                i.subject,
                if i.self_signed { " (self-signed)" } else { "" },
                i.not_before,
                i.not_after,
                i.fingerprint_sha256
            )
        })
    }

    pub fn trusted(&self, list: &[signoff_signature::trust::TrustedCert]) -> Result<()> {
        self.emit(list, || {
            if list.is_empty() {
                return "You trust no certificate yet. Add one with: signoff trust add CERT.pem --name \"…\"".into();
            }
            let mut s = String::new();
            for c in list {
                s += &format!(
                    "{}{}\n  subject {}\n  SHA-256 {}\n  valid {} to {}\n",
                    c.name,
                    if c.ca { "  (CA: trusts the signers it issued)" } else { "" },
                    c.subject,
                    c.fingerprint_sha256,
                    c.not_before,
                    c.not_after
                );
            }
            s
        })
    }

    pub fn trust_changed(
        &self,
        list: &[signoff_signature::trust::TrustedCert],
        what: &str,
    ) -> Result<()> {
        self.emit(list, || {
            list.iter()
                .map(|c| format!("{what}: {} (SHA-256 {})\n", c.name, c.fingerprint_sha256))
                .collect()
        })
    }

    pub fn verification(&self, r: &signoff_report::ReportCheck) -> Result<()> {
        let v = &r.signatures;
        self.emit(r, || {
            let mark = |ok: bool| if ok { "PASS" } else { "FAIL" };
            let mut s = String::new();
            if let (Some(id), Some(target), Some(env)) = (&r.report_id, &r.target, &r.environment) {
                s += &format!("report {id}: {target} ({env})\n");
            }
            for p in &v.problems {
                s += &format!("FAIL  {p}\n");
            }
            for (i, c) in v.signatures.iter().enumerate() {
                s += &format!(
                    "\nsignature {} ({}): {} — {} at {}\n  certificate SHA-256 {}\n",
                    i + 1,
                    c.field,
                    c.signer,
                    c.reason,
                    c.signed_at,
                    c.fingerprint_sha256
                );
                let [a, b, cc, d] = c.byte_range;
                s += &format!(
                    "  covers bytes {a}..{} and {cc}..{} (all but its own signature value)\n",
                    a + b,
                    cc + d
                );
                s += &format!("  {}  integrity: the signed bytes are unchanged\n", mark(c.integrity));
                s += &format!("  {}  signature: verifies with the signer's certificate\n", mark(c.signature));
                s += &format!(
                    "  {}  trust: {}\n",
                    match c.trust {
                        Trust::Trusted => "PASS",
                        Trust::Untrusted => "WARN",
                        Trust::Unchecked => "----",
                    },
                    if c.trust == Trust::Unchecked {
                        format!("{} (add one with `signoff trust add`, or pass --trust)", c.trust_detail)
                    } else {
                        c.trust_detail.clone()
                    }
                );
                s += &format!(
                    "  {}  nothing but signatures after it ({} bytes follow)\n",
                    mark(c.only_signatures_after),
                    c.bytes_after
                );
                for p in &c.problems {
                    s += &format!("        {p}\n");
                }
            }
            s += "\nreport content\n";
            for c in &r.checks {
                s += &format!("  {}  {}: {}\n", mark(c.ok), c.name, c.detail);
            }
            s += &format!(
                "\n{}\n",
                match r.verdict {
                    Verdict::Valid =>
                        "VERDICT: VALID: every signature is intact and trusted, and the content matches its hashes",
                    Verdict::Untrusted =>
                        "VERDICT: INTACT BUT NOT TRUSTED: the report is unchanged since it was signed, but not every signer is one you trust; compare the fingerprints above with the signers, then `signoff trust add CERT.pem` (exit code 2)",
                    Verdict::Invalid => "VERDICT: NOT VALID",
                }
            );
            s
        })
    }

    pub fn tasks(&self, list: &[signoff_core::schedule::TaskStatus]) -> Result<()> {
        self.emit(list, || {
            if list.is_empty() {
                return "No tasks. Add one with: signoff schedule add --title \"…\" --every monthly".into();
            }
            let mut s = format!(
                "{:<9} {:<10} {:>5}  {:<28} {:<16} TITLE\n",
                "STANDING", "NEXT DUE", "LATE", "ID", "CADENCE"
            );
            for t in list {
                s += &format!(
                    "{:<9} {:<10} {:>5}  {:<28} {:<16} {}\n",
                    standing(t.standing),
                    t.next_due.map(|d| d.to_string()).unwrap_or_default(),
                    if t.days_late > 0 { format!("{}d", t.days_late) } else { String::new() },
                    t.task.id,
                    t.task.cadence,
                    t.task.title
                );
            }
            s
        })
    }

    pub fn due(&self, list: &[signoff_core::schedule::TaskStatus]) -> Result<()> {
        self.emit(list, || {
            if list.is_empty() {
                return "Nothing is due.".into();
            }
            let mut s = String::new();
            for t in list {
                s += &format!(
                    "{:<8} {}  due {}{}  ({})\n",
                    standing(t.standing),
                    t.task.title,
                    t.next_due.map(|d| d.to_string()).unwrap_or_default(),
                    if t.days_late > 0 {
                        format!(", {} days ago", t.days_late)
                    } else {
                        String::new()
                    },
                    t.task.id
                );
            }
            s
        })
    }

    pub fn task(&self, d: &signoff_core::schedule::TaskDetail) -> Result<()> {
        self.emit(d, || {
            let t = &d.status.task;
            let mut s = format!(
                "{} ({})\n{} from {}, grace {} days{}{}\nstanding: {}{}\n",
                t.title,
                t.id,
                t.cadence,
                t.start_on,
                t.grace_days,
                if t.owner.is_empty() {
                    String::new()
                } else {
                    format!(", owner {}", t.owner)
                },
                match t.anchor {
                    signoff_core::schedule::Anchor::Completion =>
                        ", next date from each completion",
                    signoff_core::schedule::Anchor::Schedule => "",
                },
                standing(d.status.standing),
                d.status
                    .next_due
                    .map(|n| format!(", next due {n}"))
                    .unwrap_or_default()
            );
            if !t.guidance.is_empty() {
                s += &format!("\n{}\n", t.guidance.trim());
            }
            s += "\noccurrences (past year and next):\n";
            for o in &d.occurrences {
                s += &format!(
                    "  {}  {:<8}{}\n",
                    o.due_on,
                    format!("{:?}", o.state).to_lowercase(),
                    o.done_on.map(|x| format!("  done {x}")).unwrap_or_default()
                );
            }
            if !d.completions.is_empty() {
                s += "\ncompletions:\n";
                for c in &d.completions {
                    s += &format!(
                        "  {} (due {}) by {}{}{}\n",
                        c.done_on,
                        c.due_on,
                        c.done_by,
                        if c.late { ", late" } else { "" },
                        if c.note.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", c.note)
                        }
                    );
                    for f in &c.files {
                        s += &format!("      {} {} {}\n", f.name, f.size, f.sha256);
                    }
                }
            }
            s
        })
    }

    pub fn task_changed(&self, t: &signoff_core::schedule::TaskStatus, what: &str) -> Result<()> {
        self.emit(t, || {
            format!(
                "{what} task {} ({}, {}){}",
                t.task.id,
                t.task.title,
                t.task.cadence,
                t.next_due
                    .map(|d| format!("; next due {d}"))
                    .unwrap_or_default()
            )
        })
    }

    pub fn completed(
        &self,
        c: &signoff_core::schedule::Completion,
        now: &signoff_core::schedule::TaskStatus,
    ) -> Result<()> {
        self.emit(&serde_json::json!({ "completion": c, "task": now }), || {
            format!(
                "done: {} (due {}) on {}{}{}; next due {}",
                now.task.title,
                c.due_on,
                c.done_on,
                if c.late { ", late" } else { "" },
                if c.files.is_empty() {
                    String::new()
                } else {
                    format!(", {} file(s) attached", c.files.len())
                },
                now.next_due
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into())
            )
        })
    }

    pub fn calendar(&self, list: &[signoff_core::schedule::CalendarEntry]) -> Result<()> {
        self.emit(list, || {
            let mut s = String::new();
            for e in list {
                s += &format!(
                    "{}  {:<8} {}{}\n",
                    e.due_on,
                    format!("{:?}", e.state).to_lowercase(),
                    e.title,
                    e.done_on
                        .map(|d| format!(" (done {d})"))
                        .unwrap_or_default()
                );
            }
            s
        })
    }

    pub fn report_written(
        &self,
        w: &signoff_report::Written,
        path: &std::path::Path,
    ) -> Result<()> {
        let what = if w.signed {
            "signed report"
        } else {
            "DRAFT report"
        };
        self.emit(&serde_json::json!({ "output": path, "report": w }), || {
            format!(
                "wrote {what} {} to {}: {} pages, {} embedded files, {} pictures, {}\n",
                w.report_id,
                path.display(),
                w.pages,
                w.embedded_files,
                w.images,
                signoff_report::human_size(w.bytes)
            )
        })
    }

    pub fn doctor(&self, r: &DoctorReport) -> Result<()> {
        self.emit(r, || {
            let mut s = String::new();
            for c in &r.checked {
                s += &format!("checked: {c}\n");
            }
            for n in &r.notes {
                s += &format!("note:    {n}\n");
            }
            for p in &r.problems {
                s += &format!("PROBLEM: {}: {}\n", p.subject, p.message);
            }
            s += &if r.ok {
                "OK: no problems found\n".to_owned()
            } else {
                format!("{} problem(s) found\n", r.problems.len())
            };
            s
        })
    }
}

/// Text as it may reach a terminal: every control character except newline
/// and tab is written as an escape (`\u{1b}`, `\r`, `\u{9b}`), so stored
/// text can neither send escape sequences nor overwrite a line. The one
/// function all text output goes through (`emit`, `note`, errors).
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A line for the person on stderr (what happened, beside the result on
/// stdout).
fn note(text: &str) {
    eprintln!("{}", terminal_safe(text));
}

/// Prints a line on stdout; a closed pipe (`signoff run show | head`) ends
/// the program quietly instead of panicking.
fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|_| out.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

fn env_suffix(env: &str) -> String {
    if env.is_empty() {
        String::new()
    } else {
        format!(" / {env}")
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// Status as text, never colour alone.
fn badge(s: Status) -> &'static str {
    match s {
        Status::Pending => "[ ]   ",
        Status::Pass => "[✓]   ",
        Status::Fail => "[✗]   ",
        Status::Na => "[n/a] ",
    }
}

fn evidence_line(e: &Evidence) -> String {
    let flag = if e.sensitive { " [sensitive]" } else { "" };
    match e.kind {
        EvidenceKind::File => format!(
            "#{} file {} ({}, {}, observed {}, sha256 {}){flag}",
            e.id,
            e.name,
            human_size(e.size),
            e.media_type,
            e.observed_on,
            short(&e.sha256)
        ),
        EvidenceKind::Note => format!(
            "#{} note \"{}\" (observed {}){flag}",
            e.id, e.name, e.observed_on
        ),
        EvidenceKind::Link => format!(
            "#{} link {} (observed {}){flag}",
            e.id, e.text, e.observed_on
        ),
    }
}

pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A byte progress bar on stderr for large files on a terminal.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    name: String,
    enabled: bool,
}

/// Files smaller than this finish too fast for a bar to help.
const PROGRESS_FROM: u64 = 8 << 20;

impl Progress {
    pub fn new(name: &str, enabled: bool) -> Self {
        Progress {
            bar: None,
            name: name.to_owned(),
            enabled,
        }
    }

    pub fn update(&mut self, done: u64, total: u64) {
        if !self.enabled || total < PROGRESS_FROM {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(self.name.clone());
            bar
        });
        bar.set_position(done);
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn standing(s: signoff_core::schedule::Standing) -> &'static str {
    use signoff_core::schedule::Standing;
    match s {
        Standing::Overdue => "OVERDUE",
        Standing::Due => "due",
        Standing::Upcoming => "upcoming",
        Standing::Paused => "paused",
        Standing::Archived => "archived",
    }
}

/// What to do next, in this tool's words: the libraries' messages name the
/// problem and carry no command line (the app gives its own advice).
fn hint(e: &anyhow::Error, code: &str) -> Option<&'static str> {
    let trust_not_found = matches!(
        e.downcast_ref::<signoff_signature::trust::TrustError>(),
        Some(signoff_signature::trust::TrustError::NotFound(_))
    );
    Some(match code {
        "no_identity" => {
            "create one with `signoff identity create` or import one with `signoff identity import`"
        }
        "history_damaged" => "run `signoff doctor` for the full list",
        "evidence_tampered" => "run `signoff doctor`",
        "database_corrupt" | "data_dir" => "or pass --data-dir to use another folder",
        "not_found" if trust_not_found => "`signoff trust list` shows them",
        _ => return None,
    })
}
