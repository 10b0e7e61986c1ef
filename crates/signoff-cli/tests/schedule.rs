//! The maintenance schedule through the `signoff` binary: the built-in
//! tasks, adding, completing with evidence, pausing, `schedule due` for
//! cron, and the iCalendar export read back by an independent parser
//! (Python's `icalendar` + `dateutil`, installed by `cargo xtask test` in
//! the tools virtualenv; `SIGNOFF_PYTHON`).

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{Sandbox, expect_failure, sha256sum};

/// Every command here runs on this day (under libfaketime), so the tests
/// read the same on any day they are run; `schedule_dates.rs` runs the
/// schedule on hundreds of other days.
const TODAY: &str = "2026-11-27 10:00:00";

fn python() -> String {
    std::env::var("SIGNOFF_PYTHON").unwrap_or_else(|_| "python3".into())
}

#[test]
fn the_seed_schedule_appears_once_with_its_guidance() {
    let sb = Sandbox::at(TODAY);
    let list = sb.json(&["schedule", "list"]);
    let ids: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    for id in [
        "review-logs",
        "update-dependencies",
        "rotate-non-critical-keys",
        "security-audit",
        "penetration-testing",
        "security-review",
        "rotate-all-credentials",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let deps = sb.json(&["schedule", "show", "update-dependencies"]);
    let guidance = deps["status"]["guidance"].as_str().expect("guidance");
    assert!(guidance.contains("pip list --outdated") && guidance.contains("pip-audit"));
    assert_eq!(deps["status"]["cadence"], "monthly");
    // Archived built-ins are not seeded again.
    sb.ok(&["schedule", "archive", "review-logs"]);
    let again = sb.json(&["schedule", "list"]);
    assert_eq!(again.as_array().expect("list").len(), 6);
    assert_eq!(
        sb.json(&["schedule", "list", "--all"])
            .as_array()
            .expect("list")
            .len(),
        7
    );
}

#[test]
fn completing_an_overdue_task_records_evidence_and_moves_to_the_next_date() {
    let sb = Sandbox::at(TODAY);
    sb.ok(&[
        "schedule",
        "add",
        "--title",
        "Check backups restore",
        "--every",
        "monthly",
        "--start",
        "2026-01-31",
        "--grace",
        "3",
    ]);
    // As of 2026-03-05 the 28 February occurrence is overdue (grace 3 days).
    let due = sb.run(&["schedule", "due", "--as-of", "2026-03-05"]);
    assert_eq!(due.status.code(), Some(1), "overdue -> non-zero for cron");
    let text = String::from_utf8_lossy(&due.stdout);
    assert!(
        text.contains("OVERDUE") && text.contains("due 2026-02-28"),
        "{text}"
    );
    let fine = sb.run(&["schedule", "due", "--as-of", "2026-01-20"]);
    assert_eq!(fine.status.code(), Some(0));

    let proof = sb.path("restore log.txt");
    std::fs::write(&proof, "restored 2026-02 backup into staging: OK\n").expect("write");
    let out = sb.json(&[
        "schedule",
        "done",
        "check-backups-restore",
        "--note",
        "Restore took 4 min",
        "--evidence",
        proof.to_str().expect("p"),
        "--on",
        "2026-01-31",
    ]);
    assert_eq!(out["completion"]["dueOn"], "2026-01-31");
    assert_eq!(out["completion"]["files"][0]["sha256"], sha256sum(&proof));
    // The file is in the vault, read-only, under its hash.
    let stored = sb
        .data
        .join("evidence/sha256")
        .join(&sha256sum(&proof)[..2])
        .join(sha256sum(&proof));
    assert!(stored.exists(), "{}", stored.display());

    let bad = expect_failure(
        sb.run(&[
            "schedule",
            "done",
            "check-backups-restore",
            "--on",
            "2999-01-01",
        ]),
        "future date",
    );
    assert!(bad.contains("in the future"), "{bad}");
    let bad = expect_failure(sb.run(&["schedule", "done", "nope"]), "unknown task");
    assert!(bad.contains("task 'nope' does not exist"), "{bad}");
    let bad = expect_failure(
        sb.run(&["schedule", "add", "--title", "x", "--every", "fortnightly"]),
        "bad cadence",
    );
    assert!(bad.contains("not a cadence"), "{bad}");

    // Pausing: nothing due while paused; resuming schedules the next date.
    sb.ok(&["schedule", "pause", "check-backups-restore"]);
    let list = sb.json(&["schedule", "list"]);
    let t = list
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["id"] == "check-backups-restore")
        .expect("task");
    assert_eq!(t["standing"], "paused");
    let err = expect_failure(
        sb.run(&["schedule", "done", "check-backups-restore"]),
        "paused",
    );
    assert!(err.contains("resume it"), "{err}");
    sb.ok(&["schedule", "resume", "check-backups-restore"]);

    // Editing keeps the completion it already has.
    let edited = sb.json(&[
        "schedule",
        "edit",
        "check-backups-restore",
        "--every",
        "every 2 months",
        "--grace",
        "5",
    ]);
    assert_eq!(edited["cadence"], "every 2 months");
    assert_eq!(edited["graceDays"], 5);
    let shown = sb.json(&["schedule", "show", "check-backups-restore"]);
    assert_eq!(shown["completions"][0]["note"], "Restore took 4 min");

    // The history is in the activity log and the doctor is happy.
    let doctor = sb.run(&["doctor"]);
    assert!(
        doctor.status.success(),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
}

#[test]
fn the_ics_export_reads_back_in_an_independent_parser_with_the_right_recurrence() {
    let sb = Sandbox::at(TODAY);
    for (title, every, start) in [
        ("Month end close", "monthly", "2026-01-31"),
        ("Quarterly from November 30", "quarterly", "2026-11-30"),
        ("Leap day review", "annually", "2028-02-29"),
        ("Every ten days across DST", "every 10 days", "2026-03-20"),
        ("Fortnightly scan", "every 2 weeks", "2026-10-26"),
    ] {
        sb.ok(&[
            "schedule", "add", "--title", title, "--every", every, "--start", start,
        ]);
    }
    sb.ok(&[
        "schedule",
        "add",
        "--title",
        "After each incident drill",
        "--every",
        "3 months",
        "--start",
        "2026-12-15",
        "--from-completion",
    ]);
    let ics = sb.path("maintenance.ics");
    sb.ok(&["schedule", "ics", "-o", ics.to_str().expect("p")]);
    let first = std::fs::read_to_string(&ics).expect("ics");

    // Every task, with its recurrence expanded by dateutil, must give the
    // dates the calendar computes.
    let script = r#"
import json, sys
from datetime import date, datetime, time
import icalendar
from dateutil.rrule import rrulestr
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = {}
for ev in cal.walk('VEVENT'):
    uid = str(ev['UID'])
    start = ev.decoded('DTSTART')
    assert isinstance(start, date), uid
    rule = ev.get('RRULE')
    if rule is None:
        dates = [start]
    else:
        text = rule.to_ical().decode()
        rule = rrulestr(text, dtstart=datetime.combine(start, time()))
        dates = [d.date() for d in rule.between(datetime(2026, 1, 1), datetime(2032, 12, 31), inc=True)]
    out[uid] = {'summary': str(ev['SUMMARY']), 'dates': [d.isoformat() for d in dates if d <= date(2032, 12, 31)]}
print(json.dumps(out))
"#;
    let out = Command::new(python())
        .args(["-c", script])
        .arg(&ics)
        .output()
        .expect("python (cargo xtask test installs icalendar into its virtualenv)");
    assert!(
        out.status.success(),
        "icalendar could not read the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let cal = sb.json(&[
        "schedule",
        "calendar",
        "--from",
        "2026-01-01",
        "--to",
        "2028-12-31",
    ]);
    let mut ours: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in cal.as_array().expect("calendar") {
        ours.entry(e["taskId"].as_str().expect("id").to_owned())
            .or_default()
            .push(e["dueOn"].as_str().expect("date").to_owned());
    }
    let list = sb.json(&["schedule", "list"]);
    let tasks = list.as_array().expect("list");
    assert_eq!(
        parsed.as_object().expect("events").len(),
        tasks.len(),
        "every task has one event"
    );
    for t in tasks {
        let id = t["id"].as_str().expect("id");
        let ev = &parsed[format!("{id}@maintenance.signoff")];
        assert_eq!(ev["summary"], t["title"], "{id}");
        let theirs: Vec<String> = ev["dates"]
            .as_array()
            .expect("dates")
            .iter()
            .map(|d| d.as_str().expect("d").to_owned())
            .filter(|d| d.as_str() <= "2028-12-31")
            .collect();
        if t["anchor"] == "completion" {
            assert_eq!(
                theirs,
                vec![t["nextDue"].as_str().expect("next").to_owned()],
                "{id}"
            );
        } else {
            assert_eq!(
                &theirs,
                ours.get(id).expect("ours"),
                "{id}: the RRULE must give our dates"
            );
        }
    }
    // The hand-picked expectations, in the parser's own words.
    let dates = |id: &str| parsed[format!("{id}@maintenance.signoff")]["dates"].clone();
    assert_eq!(dates("month-end-close")[1], "2026-02-28");
    assert_eq!(dates("month-end-close")[2], "2026-03-31");
    assert_eq!(dates("quarterly-from-november-30")[1], "2027-02-28");
    assert_eq!(dates("quarterly-from-november-30")[2], "2027-05-30");
    assert_eq!(dates("leap-day-review")[1], "2029-02-28");
    assert_eq!(dates("every-ten-days-across-dst")[1], "2026-03-30");

    // Exporting again: the same UIDs (calendar apps update, not duplicate).
    sb.ok(&["schedule", "ics", "-o", ics.to_str().expect("p")]);
    let second = std::fs::read_to_string(&ics).expect("ics");
    let uids = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(uids(&first), uids(&second));
}

#[test]
fn the_release_gate_blocks_a_signoff_while_a_task_is_overdue() {
    let sb = Sandbox::at(TODAY);
    let run = sb.predeploy_run();
    sb.ok(&["run", "gate", &run, "on"]);
    sb.ok(&[
        "schedule",
        "add",
        "--title",
        "Rotate deploy keys",
        "--every",
        "monthly",
        "--start",
        "2026-01-01",
        "--id",
        "rotate-deploy-keys",
    ]);
    let blockers = sb.json(&["run", "show", &run])["blockers"].clone();
    let gate = blockers
        .as_array()
        .expect("blockers")
        .iter()
        .find(|b| b["itemId"] == "maintenance/rotate-deploy-keys")
        .unwrap_or_else(|| panic!("the overdue task is a blocker: {blockers}"));
    assert!(
        gate["problem"]
            .as_str()
            .expect("problem")
            .contains("overdue since"),
        "{gate}"
    );
    // Done: the gate opens.
    sb.ok(&[
        "schedule",
        "done",
        "rotate-deploy-keys",
        "--note",
        "rotated",
    ]);
    let blockers = sb.json(&["run", "show", &run])["blockers"].clone();
    assert!(
        !blockers
            .to_string()
            .contains("maintenance/rotate-deploy-keys"),
        "{blockers}"
    );
    // Without the gate, overdue maintenance does not block.
    sb.ok(&[
        "schedule",
        "add",
        "--title",
        "Old task",
        "--every",
        "weekly",
        "--start",
        "2026-01-05",
    ]);
    sb.ok(&["run", "gate", &run, "off"]);
    let blockers = sb.json(&["run", "show", &run])["blockers"].clone();
    assert!(!blockers.to_string().contains("maintenance/"), "{blockers}");
}

#[test]
fn the_signed_maintenance_log_passes_pyhanko_pdfsig_qpdf_and_verify() {
    let sb = Sandbox::at(TODAY);
    let pass = "maintenance passphrase";
    let with_pass = |args: &[&str]| {
        let out = sb
            .cmd(args)
            .env("SIGNOFF_PASSPHRASE", pass)
            .output()
            .expect("spawn");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    with_pass(&[
        "identity",
        "create",
        "--name",
        "Zoë Ångström",
        "--email",
        "zoe@example.org",
    ]);
    sb.ok(&[
        "schedule",
        "add",
        "--title",
        "Check TLS certificate expiry",
        "--every",
        "every 2 weeks",
        "--start",
        "2026-09-07",
        "--grace",
        "2",
        "--id",
        "tls",
    ]);
    let proof = sb.path("certs.txt");
    std::fs::write(&proof, "all certificates valid for 60+ days\n").expect("write");
    let secret = sb.path("server-key-fingerprints.txt");
    std::fs::write(&secret, "do not publish\n").expect("write");
    sb.ok(&[
        "schedule",
        "done",
        "tls",
        "--on",
        "2026-11-20",
        "--note",
        "Checked with openssl s_client",
        "--evidence",
        proof.to_str().expect("p"),
    ]);
    sb.ok(&[
        "schedule",
        "done",
        "update-dependencies",
        "--note",
        "pip-audit: no known vulnerabilities",
        "--evidence",
        secret.to_str().expect("p"),
        "--sensitive",
    ]);
    let pdf = sb.path("maintenance.pdf");
    with_pass(&[
        "schedule",
        "report",
        "--from",
        "2026-09-01",
        "--to",
        "2026-12-31",
        "-o",
        pdf.to_str().expect("p"),
    ]);
    let cert = sb.data.join("identity/cert.pem");
    let p = pdf.to_str().expect("p");

    let py = Command::new(std::env::var("SIGNOFF_PYHANKO").unwrap_or_else(|_| "pyhanko".into()))
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
        ])
        .arg(&cert)
        .arg(&pdf)
        .output()
        .expect("pyhanko");
    let py_text = String::from_utf8_lossy(&py.stdout);
    assert!(
        py.status.success() && py_text.contains("The signature is judged VALID."),
        "{py_text}"
    );
    let sig = Command::new("pdfsig").arg(&pdf).output().expect("pdfsig");
    assert!(String::from_utf8_lossy(&sig.stdout).contains("Signature is Valid."));
    assert!(
        Command::new("qpdf")
            .args(["--check", p])
            .status()
            .expect("qpdf")
            .success()
    );
    let verify = common::auditor()
        .args(["verify", p, "--trust", cert.to_str().expect("p")])
        .output()
        .expect("verify");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let txt = Command::new("pdftotext")
        .args([p, "-"])
        .output()
        .expect("pdftotext");
    let flat = String::from_utf8_lossy(&txt.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for want in [
        "SECURITY MAINTENANCE LOG",
        "Check TLS certificate expiry",
        "Checked with openssl s_client",
        "Done late, done 2026-11-20",
        "Missed",
        "Signed by Zoë Ångström",
        "pip-audit: no known vulnerabilities",
        "sensitive: listed by hash, not embedded",
    ] {
        assert!(flat.contains(want), "'{want}' missing from the log text");
    }
    let dir = sb.path("detached");
    std::fs::create_dir(&dir).expect("mkdir");
    assert!(
        Command::new("pdfdetach")
            .args(["-saveall", "-o", dir.to_str().expect("p"), p])
            .status()
            .expect("pdfdetach")
            .success()
    );
    let sums = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dir)
        .output()
        .expect("sha256sum");
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with("-certs.txt")), "{names:?}");
    assert!(
        !names.iter().any(|n| n.contains("fingerprints")),
        "sensitive file embedded: {names:?}"
    );
    // The signing is in the activity log.
    let doctor = sb.run(&["doctor"]);
    assert!(doctor.status.success());
}
