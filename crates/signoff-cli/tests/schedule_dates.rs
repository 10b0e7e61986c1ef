//! The schedule through the `signoff` binary on hundreds of days (issue 9):
//! every month end of 2027 and 2028 (29 February 2028 among them), every
//! first of the month, and every fourth day between, each run under
//! libfaketime (`@` form: the clock starts on that day and keeps running).
//! On each day a fresh data folder gets tasks of every cadence (month ends,
//! 29 February, quarterly from the 30th, weekly due that day, every 10 days,
//! from completion) and the flows that once hung for good: done then
//! paused, paused on a due day, paused then resumed, edited after done.
//! Then `list`, `due`, `calendar`, `show`, `ics` (and on month ends a signed
//! `report`) must finish within their time limit and agree with each other.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, Days, NaiveDate};
use common::Sandbox;
use serde_json::Value;

const PASSPHRASE: &str = "schedule dates passphrase";

/// The days: month ends and firsts of 2027–2028, and every fourth day.
fn days() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
    let last = NaiveDate::from_ymd_opt(2028, 12, 31).expect("date");
    let mut out: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| {
            let month_end = d.succ_opt().is_some_and(|n| n.day() == 1);
            month_end || d.day() == 1 || (*d - first).num_days() % 4 == 2
        })
        .collect();
    out.dedup();
    out
}

fn task<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("task {id} missing from {list}"))
}

/// One day's flows and checks; returns the number of commands run.
fn one_day(day: NaiveDate, identity: &std::path::Path) -> usize {
    let sb = Sandbox::at(&format!("{day} 09:00:00"));
    let mut commands = 0;
    let mut ok = |args: &[&str]| {
        commands += 1;
        sb.ok(args)
    };
    let weekly_start = (day - Days::new(28)).to_string();
    let add: [(&str, &str, &str, &[&str]); 7] = [
        ("m31", "monthly", "2026-01-31", &["--grace", "3"]),
        ("m01", "monthly", "2026-01-01", &[]),
        ("q30", "quarterly", "2026-11-30", &["--grace", "7"]),
        ("a29", "annually", "2024-02-29", &[]),
        ("w", "weekly", &weekly_start, &["--grace", "1"]),
        ("d10", "every 10 days", "2026-03-20", &[]),
        ("fc", "monthly", "2026-06-15", &["--from-completion"]),
    ];
    for (id, every, start, extra) in add {
        let mut args = vec![
            "schedule", "add", "--title", id, "--id", id, "--every", every, "--start", start,
        ];
        args.extend_from_slice(extra);
        ok(&args);
    }
    // Done, then paused (the hang of issue 9); paused on its due day;
    // paused then resumed; done then edited; done from completion.
    ok(&[
        "schedule",
        "done",
        "m01",
        "--note",
        "done before the holidays",
    ]);
    ok(&["schedule", "pause", "m01"]);
    ok(&["schedule", "pause", "w"]);
    ok(&["schedule", "pause", "q30"]);
    ok(&["schedule", "resume", "q30"]);
    ok(&["schedule", "done", "m31"]);
    ok(&["schedule", "edit", "m31", "--every", "every 2 months"]);
    ok(&["schedule", "done", "fc"]);
    ok(&["schedule", "pause", "a29"]);

    let list = sb.json(&["schedule", "list"]);
    for id in ["m01", "w", "a29"] {
        let t = task(&list, id);
        assert_eq!(t["standing"], "paused", "{day}: {id} was paused: {t}");
        assert!(
            t["nextDue"].is_null(),
            "{day}: a paused task has no open occurrence: {t}"
        );
    }
    for id in ["q30", "m31", "d10", "fc"] {
        let t = task(&list, id);
        assert_ne!(t["standing"], "paused", "{day}: {id} is active: {t}");
        assert!(
            t["nextDue"].is_string(),
            "{day}: {id} has an open occurrence: {t}"
        );
    }
    // Done and resumed today: nothing of m31's or fc's is due any more.
    for id in ["m31", "fc"] {
        assert_eq!(
            task(&list, id)["standing"],
            "upcoming",
            "{day}: {id} was just done"
        );
    }
    let refused = common::expect_failure(sb.run(&["schedule", "done", "w"]), "done while paused");
    assert!(refused.contains("resume it"), "{day}: {refused}");

    // `due` agrees with `list`, and its exit code says whether anything is overdue.
    let due = sb.run(&["--json", "schedule", "due"]);
    let due_json: Value = serde_json::from_slice(&due.stdout).expect("due --json");
    let listed: Vec<&Value> = list
        .as_array()
        .expect("list")
        .iter()
        .filter(|t| t["standing"] == "due" || t["standing"] == "overdue")
        .collect();
    let due_ids: Vec<&Value> = due_json
        .as_array()
        .expect("due array")
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(
        due_ids,
        listed.iter().map(|t| &t["id"]).collect::<Vec<_>>(),
        "{day}: due vs list"
    );
    let any_overdue = listed.iter().any(|t| t["standing"] == "overdue");
    assert_eq!(
        due.status.code(),
        Some(i32::from(any_overdue)),
        "{day}: due's exit code"
    );

    // The calendar shows a due or overdue occurrence exactly for the tasks
    // the list calls due or overdue, on their open date.
    let from = (day - Days::new(400)).to_string();
    let to = (day + Days::new(120)).to_string();
    let cal = sb.json(&["schedule", "calendar", "--from", &from, "--to", &to]);
    let live: Vec<(&Value, &Value, &Value)> = cal
        .as_array()
        .expect("calendar")
        .iter()
        .filter(|e| e["state"] == "due" || e["state"] == "overdue")
        .map(|e| (&e["taskId"], &e["dueOn"], &e["state"]))
        .collect();
    let mut want: Vec<(&Value, &Value, &Value)> = listed
        .iter()
        .map(|t| (&t["id"], &t["nextDue"], &t["standing"]))
        .collect();
    let mut got = live.clone();
    want.sort_by_key(|w| w.0.to_string());
    got.sort_by_key(|w| w.0.to_string());
    assert_eq!(got, want, "{day}: calendar vs list");
    for e in cal.as_array().expect("calendar") {
        if ["m01", "w", "a29"].contains(&e["taskId"].as_str().unwrap_or_default())
            && e["dueOn"].as_str() >= Some(&day.to_string())
            && e["doneOn"].is_null()
        {
            assert_eq!(
                e["state"], "skipped",
                "{day}: paused task's occurrence: {e}"
            );
        }
    }

    for id in ["m31", "m01", "w", "fc"] {
        let shown = sb.json(&["schedule", "show", id]);
        assert_eq!(
            shown["status"]["standing"],
            task(&list, id)["standing"],
            "{day}: show vs list for {id}"
        );
    }
    let ics = sb.path("schedule.ics");
    ok(&["schedule", "ics", "-o", ics.to_str().expect("path")]);
    let text = std::fs::read_to_string(&ics).expect("ics written");
    assert!(
        text.starts_with("BEGIN:VCALENDAR") && text.contains("UID:"),
        "{day}: {text}"
    );

    if day.succ_opt().is_some_and(|n| n.day() == 1) {
        // Month ends: the signed log of the last quarter, with an identity
        // made once (at the first day of the sweep) and copied in.
        copy_dir(identity, &sb.data.join("identity"));
        let pdf = sb.path("log.pdf");
        let from = (day - Days::new(90)).to_string();
        let out = common::output_within(
            {
                let mut c = sb.cmd(&[
                    "schedule",
                    "report",
                    "--from",
                    &from,
                    "--to",
                    &day.to_string(),
                    "-o",
                    pdf.to_str().expect("path"),
                ]);
                c.env("SIGNOFF_PASSPHRASE", PASSPHRASE);
                c
            },
            common::COMMAND_TIMEOUT,
            &format!("schedule report at {day}"),
        );
        assert!(
            out.status.success(),
            "{day}: report: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&pdf).expect("report written");
        assert!(bytes.starts_with(b"%PDF-"), "{day}: not a PDF");
        commands += 1;
    }
    commands + 9
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("identity folder");
    for entry in std::fs::read_dir(from).expect("identity") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy identity file");
    }
}

#[test]
fn the_schedule_works_and_agrees_on_hundreds_of_days() {
    let days = days();
    assert!(days.len() >= 200, "{} days", days.len());
    assert!(days.contains(&NaiveDate::from_ymd_opt(2028, 2, 29).expect("date")));
    // A signing identity, made on the first day of the sweep.
    let keys = Sandbox::at("2027-01-01 00:00:00");
    let made = common::output_within(
        {
            let mut c = keys.cmd(&[
                "identity",
                "create",
                "--name",
                "Sweep",
                "--email",
                "sweep@example.org",
            ]);
            c.env("SIGNOFF_PASSPHRASE", PASSPHRASE);
            c
        },
        common::COMMAND_TIMEOUT,
        "identity create",
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let identity = keys.data.join("identity");

    let next = AtomicUsize::new(0);
    let commands = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                while let Some(day) = days.get(next.fetch_add(1, Ordering::Relaxed)) {
                    commands.fetch_add(one_day(*day, &identity), Ordering::Relaxed);
                }
            });
        }
    });
    eprintln!(
        "{} days x 7 tasks (monthly from the 31st and the 1st, quarterly from the 30th, annually from 29 February, weekly due that day, every 10 days, from completion) x 4 flows (done then pause, pause on a due day, pause then resume, done then edit): {} commands, none hung",
        days.len(),
        commands.load(Ordering::Relaxed)
    );
}

/// The three commands of issue 9, on the day they were reported: each used
/// to loop for ever, and every later `list` with it.
#[test]
fn issue_9_pausing_never_hangs() {
    let flows: [&[&[&str]]; 3] = [
        &[&[
            "schedule",
            "add",
            "--title",
            "T",
            "--every",
            "monthly",
            "--start",
            "2026-01-01",
        ]],
        &[
            &[
                "schedule",
                "add",
                "--title",
                "T",
                "--every",
                "monthly",
                "--start",
                "2026-01-15",
            ],
            &["schedule", "done", "t"],
        ],
        &[&[
            "schedule",
            "add",
            "--title",
            "T",
            "--every",
            "weekly",
            "--start",
            "2026-11-03",
        ]],
    ];
    for steps in flows {
        let sb = Sandbox::at("2026-12-01 10:00:00");
        for step in steps {
            sb.ok(step);
        }
        sb.ok(&["schedule", "pause", "t"]);
        let list = sb.json(&["schedule", "list"]);
        assert_eq!(task(&list, "t")["standing"], "paused");
        sb.json(&[
            "schedule",
            "calendar",
            "--from",
            "2026-01-01",
            "--to",
            "2028-12-31",
        ]);
        sb.ok(&["schedule", "resume", "t"]);
        let list = sb.json(&["schedule", "list"]);
        assert!(task(&list, "t")["nextDue"].is_string(), "{list}");
    }
}
