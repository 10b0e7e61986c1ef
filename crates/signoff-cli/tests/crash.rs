//! Kill rounds: every writing operation of `signoff` is killed with SIGKILL
//! at random moments, round after round, while a burst of `signoff run set`
//! runs beside it. The operations: evidence import, result changes,
//! waivers, sign (the report being written), countersign, draft export,
//! `schedule done` with files, template import and run reopen.
//!
//! Each kill point is drawn from the operation's own window: its duration
//! is measured first (and kept up to date from the rounds that finish), and
//! the kill lands between the end of process start-up and 1.25 times that
//! duration, so most kills hit the operation mid-way. The fraction that did
//! is printed per operation kind.
//!
//! After each round:
//! - `signoff doctor` passes (it replays the history and checks the keyed
//!   log checkpoint);
//! - every change a process confirmed (exit 0) is there, and a killed one is
//!   either wholly there or wholly absent;
//! - a report under its final name is complete and verifies (`signoff
//!   verify` with the test's own trust), and a signed run has its report;
//! - no temporary file is left beyond the one a killed report writer leaves
//!   beside its destination, which the next write there removes; the vault's
//!   staging folder and the data folder are clean after the next start.
//!
//! Rounds: 60 by default (`SIGNOFF_CRASH_ROUNDS`; `cargo xtask soak` runs
//! 1,000); the seed is printed so a failure can be replayed with
//! `SIGNOFF_CRASH_SEED`.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Sandbox, sha256sum};

const PASS: &str = "vellum-orchard-stapled-47-quietly";
/// Items of the predeploy run changed by the concurrent bursts.
const BURST_ITEMS: [&str; 3] = ["django-version", "debug-false", "https"];
/// Items changed by the result rounds.
const RESULT_ITEMS: [&str; 2] = ["firewall", "backups"];
/// The failed item that waiver rounds waive again and again.
const WAIVED: &str = "logging-monitoring";
const EVIDENCE_ITEMS: [&str; 3] = ["backups", "https", "firewall"];
const FILE_MB: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Evidence,
    Result,
    Waiver,
    Sign,
    Countersign,
    Export,
    ScheduleDone,
    TemplateImport,
    Reopen,
    /// The `run set` processes of the bursts beside each operation.
    ResultBurst,
}

/// How a killable process ended.
enum Outcome {
    /// It exited by itself (the kill, if sent, came too late): its success,
    /// stdout and stderr.
    Exited(bool, String, String),
    /// SIGKILL ended it, this long after it was started.
    Killed(Duration),
}

#[derive(Default)]
struct Tally {
    attempts: usize,
    /// Killed after start-up, before it exited.
    mid: usize,
    /// Killed before start-up was over.
    early: usize,
    /// Exited before its kill point (confirmed when successful).
    finished: usize,
}

/// An item's result: the last value confirmed, and values of later killed
/// attempts (which may or may not have committed).
#[derive(Default, Clone)]
struct Expect {
    confirmed: Option<(String, String)>,
    maybe: Vec<(String, String)>,
}

/// The reports' folder: each final name with the hash of what is there.
const REPORTS: [&str; 3] = ["signed.pdf", "countersigned.pdf", "draft.pdf"];

struct Soak {
    sb: Sandbox,
    seed: u64,
    cert: PathBuf,
    reports: PathBuf,
    /// Process start-up (`signoff --version`).
    startup: Duration,
    /// Typical duration per kind, kept up to date.
    typical: HashMap<Kind, Duration>,
    tally: BTreeMap<Kind, Tally>,
    work_run: String,
    /// The run that is signed, reopened, signed again…
    sign_run: String,
    sign_run_signed: bool,
    template_id: String,
    template_version: u64,
    template_n: usize,
    waiver: String,
    results: HashMap<String, Expect>,
    evidence: HashMap<(String, String), usize>,
    files: Vec<(PathBuf, String)>,
    whole: HashSet<String>,
    task_files: Vec<(PathBuf, String)>,
    completions: usize,
    runs: usize,
    /// Hash of each report now under its final name.
    report_hash: HashMap<&'static str, String>,
    /// Signs that published their report but were killed before the
    /// sign-off committed (the report stands, the run stayed open).
    published_unrecorded: usize,
}

#[test]
fn killed_writers_never_corrupt_or_lose_committed_work() {
    let rounds: usize = std::env::var("SIGNOFF_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("SIGNOFF_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("kill rounds: {rounds} rounds, SIGNOFF_CRASH_SEED={seed}");
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut soak = Soak::set_up(seed);
    for round in 0..rounds {
        let kind = soak.pick(&mut rng);
        soak.round(round, kind, &mut rng);
        soak.check(round);
        if (round + 1) % 50 == 0 {
            eprintln!(
                "kill rounds: {} done in {:.0} s",
                round + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    soak.summary(rounds, started.elapsed());
}

impl Soak {
    fn set_up(seed: u64) -> Soak {
        let sb = Sandbox::new();
        let reports = sb.path("reports");
        std::fs::create_dir(&reports).expect("reports folder");
        let random_file = |name: &str, mb: usize, k: u64| {
            let path = sb.path(name);
            let mut bytes = vec![0u8; mb << 20];
            fastrand::Rng::with_seed(seed ^ k).fill(&mut bytes);
            std::fs::write(&path, &bytes).expect("write file");
            let sha = sha256sum(&path);
            (path, sha)
        };
        // Evidence files with different content, so imports both add new
        // blobs and deduplicate against stored ones.
        let files: Vec<_> = (0..3)
            .map(|k| random_file(&format!("large-{k}.bin"), FILE_MB, k))
            .collect();
        let task_files: Vec<_> = (0..2)
            .map(|k| random_file(&format!("task-{k}.bin"), 4, 100 + k))
            .collect();
        let picture = random_file("attached.bin", 4, 200);
        let whole = files
            .iter()
            .chain(&task_files)
            .chain(std::iter::once(&picture))
            .map(|(_, s)| s.clone())
            .collect();

        // Process start-up: the median of a few runs that do nothing else.
        let mut starts: Vec<Duration> = (0..5)
            .map(|_| {
                let t0 = Instant::now();
                let version = sb.cmd(&["--version"]).output().expect("version");
                assert!(version.status.success());
                t0.elapsed()
            })
            .collect();
        starts.sort();
        let startup = starts[2];

        // One identity for the whole soak: unlocking it (PBKDF2) is the
        // expensive part of every sign.
        let created = with_pass(sb.cmd(&[
            "identity",
            "create",
            "--name",
            "Soak Signer",
            "--email",
            "soak@example.org",
        ]))
        .output()
        .expect("identity create");
        assert!(
            created.status.success(),
            "identity create: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        let cert = sb.data.join("identity/cert.pem");

        let mut typical = HashMap::new();
        let mut timed = |kind: Kind, args: &[&str]| -> String {
            let t = Instant::now();
            let out = with_pass(sb.cmd(args)).output().expect("spawn");
            assert!(
                out.status.success(),
                "set-up: signoff {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            typical.insert(kind, t.elapsed());
            String::from_utf8_lossy(&out.stdout).into_owned()
        };

        let work_run = sb.predeploy_run();
        sb.ok(&["run", "set", &work_run, WAIVED, "--status", "fail"]);
        timed(
            Kind::Waiver,
            &[
                "run",
                "waive",
                &work_run,
                WAIVED,
                "--justification",
                "set-up",
                "--expires",
                "2099-12-31",
            ],
        );
        timed(
            Kind::Result,
            &["run", "set", &work_run, "firewall", "--status", "pass"],
        );
        timed(
            Kind::Evidence,
            &["evidence", "add", &work_run, "backups", s(&files[0].0)],
        );

        // The run that is signed: a small imported checklist.
        let sign_md = sb.path("sign.md");
        std::fs::write(
            &sign_md,
            "# Soak sign-off\n\n## Checks\n\n- [ ] First check\n- [ ] Second check\n",
        )
        .expect("write");
        let sign_template = sb.json(&["template", "import", s(&sign_md)])["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let sign_run = sb
            .ok(&[
                "run",
                "new",
                "--template",
                &sign_template,
                "--target",
                "soak",
            ])
            .trim()
            .to_owned();
        let detail = sb.json(&["run", "show", &sign_run]);
        let items: Vec<String> = detail["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect();
        for item in &items {
            sb.ok(&["run", "set", &sign_run, item, "--status", "pass"]);
        }
        sb.ok(&["evidence", "add", &sign_run, &items[0], s(&picture.0)]);
        let signed = reports.join("signed.pdf");
        timed(Kind::Sign, &["sign", &sign_run, "-o", s(&signed)]);
        timed(
            Kind::Countersign,
            &[
                "countersign",
                s(&signed),
                "-o",
                s(&reports.join("countersigned.pdf")),
                "--trust",
                s(&cert),
            ],
        );
        let reopened = timed(Kind::Reopen, &["--json", "run", "reopen", &sign_run]);
        let sign_run = json_id(&reopened);
        timed(
            Kind::Export,
            &["export", &sign_run, "-o", s(&reports.join("draft.pdf"))],
        );

        sb.ok(&[
            "schedule",
            "add",
            "--title",
            "Soak task",
            "--every",
            "every 1 days",
            "--from-completion",
            "--id",
            "soak",
        ]);
        timed(
            Kind::ScheduleDone,
            &[
                "schedule",
                "done",
                "soak",
                "--note",
                "set-up",
                "--evidence",
                s(&task_files[0].0),
                s(&task_files[1].0),
            ],
        );
        let md = sb.path("imported.md");
        std::fs::write(&md, template_text(0)).expect("write");
        let imported = timed(
            Kind::TemplateImport,
            &["--json", "template", "import", s(&md)],
        );
        let imported: serde_json::Value = serde_json::from_str(&imported).expect("json");

        let mut soak = Soak {
            seed,
            cert,
            reports,
            startup,
            typical,
            tally: BTreeMap::new(),
            work_run,
            sign_run,
            sign_run_signed: false,
            template_id: imported["id"].as_str().expect("id").to_owned(),
            template_version: imported["version"].as_u64().expect("version"),
            template_n: 0,
            waiver: "set-up".into(),
            results: HashMap::new(),
            evidence: HashMap::new(),
            files,
            whole,
            task_files,
            completions: 1,
            runs: 0,
            report_hash: HashMap::new(),
            published_unrecorded: 0,
            sb,
        };
        soak.runs = soak.run_list().len();
        soak.evidence = soak.evidence_counts();
        for name in REPORTS {
            let hash = sha256sum(&soak.reports.join(name));
            soak.verify_report(name);
            soak.report_hash.insert(name, hash);
        }
        let mut times: Vec<_> = soak.typical.iter().collect();
        times.sort();
        eprintln!(
            "kill rounds: start-up {} ms; measured durations: {}",
            startup.as_millis(),
            times
                .iter()
                .map(|(k, d)| format!("{k:?} {} ms", d.as_millis()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        soak
    }

    /// An operation that can run now, uniformly among those.
    fn pick(&self, rng: &mut fastrand::Rng) -> Kind {
        let mut kinds = vec![
            Kind::Evidence,
            Kind::Result,
            Kind::Waiver,
            Kind::Export,
            Kind::ScheduleDone,
            Kind::TemplateImport,
            Kind::Countersign,
        ];
        kinds.push(if self.sign_run_signed {
            Kind::Reopen
        } else {
            Kind::Sign
        });
        kinds[rng.usize(..kinds.len())]
    }

    /// Runs one operation of `kind`, killed at a random point of its
    /// window, beside a burst of result changes; then checks what each
    /// left behind against what it confirmed.
    fn round(&mut self, round: usize, kind: Kind, rng: &mut fastrand::Rng) {
        let typical = self.typical[&kind];
        // From half the start-up time to 1.25 x the usual duration: most
        // kills land after start-up and before the process exits.
        let lo = self.startup.as_micros() as u64 / 2;
        let hi = (typical.as_micros() as u64 * 5 / 4).max(lo + 1000);
        let kill_after = Duration::from_micros(rng.u64(lo..hi));
        let seed = self.seed;
        let before: HashMap<&str, Option<String>> = REPORTS
            .iter()
            .map(|n| (*n, self.report_hash.get(n).cloned()))
            .collect();

        let mut args: Vec<String>;
        let a = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let mut note = (String::new(), String::new());
        let mut add = (String::new(), String::new());
        match kind {
            Kind::Evidence => {
                let item = EVIDENCE_ITEMS[rng.usize(..EVIDENCE_ITEMS.len())];
                let (file, sha) = &self.files[rng.usize(..self.files.len())];
                add = (item.to_owned(), sha.clone());
                args = a(&["evidence", "add", &self.work_run, item, s(file)]);
            }
            Kind::Result => {
                let item = RESULT_ITEMS[rng.usize(..RESULT_ITEMS.len())];
                let status = ["pass", "fail", "pending"][rng.usize(..3)];
                note = (item.to_owned(), format!("round {round} result"));
                add = (status.to_owned(), String::new());
                args = a(&[
                    "run",
                    "set",
                    &self.work_run,
                    item,
                    "--status",
                    status,
                    "--note",
                    &note.1,
                ]);
            }
            Kind::Waiver => {
                note.1 = format!("accepted in round {round}");
                args = a(&[
                    "run",
                    "waive",
                    &self.work_run,
                    WAIVED,
                    "--justification",
                    &note.1,
                    "--expires",
                    "2099-12-31",
                ]);
            }
            Kind::Sign => {
                args = a(&[
                    "sign",
                    &self.sign_run,
                    "-o",
                    s(&self.reports.join("signed.pdf")),
                ]);
            }
            Kind::Countersign => {
                args = a(&[
                    "countersign",
                    s(&self.reports.join("signed.pdf")),
                    "-o",
                    s(&self.reports.join("countersigned.pdf")),
                    "--trust",
                    s(&self.cert),
                ]);
            }
            Kind::Export => {
                args = a(&[
                    "export",
                    &self.sign_run,
                    "-o",
                    s(&self.reports.join("draft.pdf")),
                ]);
            }
            Kind::ScheduleDone => {
                note.1 = format!("done in round {round}");
                args = a(&["schedule", "done", "soak", "--note", &note.1, "--evidence"]);
                for (f, _) in &self.task_files {
                    args.push(s(f).to_owned());
                }
            }
            Kind::ResultBurst => unreachable!("not an operation of its own"),
            Kind::TemplateImport => {
                self.template_n += 1;
                let md = self.sb.path(&format!("imported-{}.md", self.template_n));
                std::fs::write(&md, template_text(self.template_n)).expect("write");
                args = a(&["template", "import", s(&md)]);
            }
            Kind::Reopen => {
                args = a(&["--json", "run", "reopen", &self.sign_run]);
            }
        }

        // The burst beside it, on other items of the work run.
        let stop = Arc::new(AtomicBool::new(false));
        let burst = {
            let sb_cmd = BurstCmd {
                data: self.sb.data.clone(),
                run: self.work_run.clone(),
            };
            let stop = stop.clone();
            let mut brng = fastrand::Rng::with_seed(rng.u64(..));
            let deadline = Instant::now() + kill_after;
            std::thread::spawn(move || {
                let mut done = Vec::new();
                let mut k = 0;
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    let item = BURST_ITEMS[brng.usize(..BURST_ITEMS.len())];
                    let status = ["pass", "fail", "pending"][brng.usize(..3)].to_owned();
                    let note = format!("round {round} write {k}");
                    k += 1;
                    let set = sb_cmd
                        .set(item, &status, &note)
                        .spawn()
                        .expect("spawn run set");
                    let (outcome, _) = wait_until(set, deadline);
                    done.push((item, status, note, outcome));
                }
                done
            })
        };

        let child = with_pass(
            self.sb
                .cmd(&args.iter().map(String::as_str).collect::<Vec<_>>()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
        let (outcome, elapsed) = wait_until(child, Instant::now() + kill_after);
        stop.store(true, Ordering::SeqCst);
        let t = self.tally.entry(kind).or_default();
        t.attempts += 1;
        let confirmed = match &outcome {
            Outcome::Exited(true, ..) => {
                t.finished += 1;
                // Keep the window up to date with what this machine does now.
                let d = self.typical.get_mut(&kind).expect("kind");
                *d = (*d * 3 + elapsed) / 4;
                true
            }
            Outcome::Exited(false, out, err) => panic!(
                "round {round} (seed {seed}): {kind:?} failed without being killed: signoff {args:?}: {out}{err}"
            ),
            Outcome::Killed(at) => {
                if *at >= self.startup {
                    t.mid += 1;
                } else {
                    t.early += 1;
                }
                false
            }
        };

        // The burst's results.
        for (item, status, note, outcome) in burst.join().expect("burst thread") {
            let e = self.results.entry(item.to_owned()).or_default();
            let t = self.tally.entry(Kind::ResultBurst).or_default();
            t.attempts += 1;
            match outcome {
                Outcome::Exited(true, ..) => {
                    t.finished += 1;
                    *e = Expect {
                        confirmed: Some((status, note)),
                        maybe: Vec::new(),
                    };
                }
                Outcome::Exited(false, out, err) => panic!(
                    "round {round} (seed {seed}): run set failed without being killed: {out}{err}"
                ),
                Outcome::Killed(at) => {
                    if at >= self.startup {
                        t.mid += 1;
                    } else {
                        t.early += 1;
                    }
                    e.maybe.push((status, note));
                }
            }
        }

        // What this operation left behind.
        let ctx = format!("round {round} (seed {seed}), {kind:?} {}", how(&outcome));
        match kind {
            Kind::Evidence => {
                let now = self.evidence_counts();
                let was = self.evidence.get(&add).copied().unwrap_or(0);
                let got = now.get(&add).copied().unwrap_or(0);
                assert!(
                    got == was + 1 || (!confirmed && got == was),
                    "{ctx}: {add:?} cited {got} times, {was} before"
                );
                for (key, n) in &self.evidence {
                    if *key != add {
                        assert_eq!(now.get(key), Some(n), "{ctx}: other evidence changed");
                    }
                }
                self.evidence = now;
            }
            Kind::Result => {
                let e = self.results.entry(note.0.clone()).or_default();
                let value = (add.0.clone(), note.1.clone());
                if confirmed {
                    *e = Expect {
                        confirmed: Some(value),
                        maybe: Vec::new(),
                    };
                } else {
                    e.maybe.push(value);
                }
            }
            Kind::Waiver => {
                let got = self.item(&self.work_run.clone(), WAIVED)["waiver"]["justification"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(
                    got == note.1 || (!confirmed && got == self.waiver),
                    "{ctx}: waiver '{got}', was '{}'",
                    self.waiver
                );
                self.waiver = got;
            }
            Kind::Sign => {
                let signed = self.run_state(&self.sign_run.clone()) == "signed";
                assert!(
                    signed || !confirmed,
                    "{ctx}: confirmed, yet the run is open"
                );
                let now = self.report_changed("signed.pdf", &before, &ctx);
                if signed {
                    assert!(
                        now,
                        "{ctx}: the run is signed, but its report is not in place"
                    );
                    self.sign_run_signed = true;
                } else if now {
                    // Renamed into place, killed before the sign-off
                    // committed: a whole report, the run still open.
                    self.published_unrecorded += 1;
                }
            }
            Kind::Countersign => {
                // Signatures are deterministic (RFC 6979) and times are to
                // the second: a confirmed write may leave the same bytes.
                self.report_changed("countersigned.pdf", &before, &ctx);
                assert!(self.reports.join("countersigned.pdf").exists(), "{ctx}");
            }
            Kind::Export => {
                // Signatures are deterministic (RFC 6979) and times are to
                // the second: a confirmed write may leave the same bytes.
                self.report_changed("draft.pdf", &before, &ctx);
                assert!(self.reports.join("draft.pdf").exists(), "{ctx}");
            }
            Kind::ScheduleDone => {
                let task = self.sb.json(&["schedule", "show", "soak"]);
                let completions = task["completions"].as_array().expect("completions");
                let got = completions.len();
                assert!(
                    got == self.completions + 1 || (!confirmed && got == self.completions),
                    "{ctx}: {got} completions, {} before",
                    self.completions
                );
                for c in completions {
                    let files = c["files"].as_array().expect("files");
                    assert_eq!(files.len(), 2, "{ctx}: a completion with some files");
                    for f in files {
                        let sha = f["sha256"].as_str().expect("sha");
                        assert!(self.whole.contains(sha), "{ctx}: unknown bytes {sha}");
                    }
                }
                if got > self.completions {
                    let last = completions
                        .iter()
                        .max_by_key(|c| c["id"].as_i64())
                        .expect("one");
                    assert_eq!(last["note"], note.1.as_str(), "{ctx}: the new completion");
                }
                self.completions = got;
            }
            Kind::TemplateImport => {
                let t = self.sb.json(&["template", "show", &self.template_id]);
                let got = t["version"].as_u64().expect("version");
                let v = self.template_version;
                assert!(
                    got == v + 1 || (!confirmed && got == v),
                    "{ctx}: version {got}, {v} before"
                );
                self.template_version = got;
            }
            Kind::ResultBurst => {}
            Kind::Reopen => {
                let runs = self.run_list();
                let n = runs.len();
                assert!(
                    n == self.runs + 1 || (!confirmed && n == self.runs),
                    "{ctx}: {n} runs, {} before",
                    self.runs
                );
                if n > self.runs {
                    let newest = runs.iter().max_by_key(|r| r["id"].as_i64()).expect("a run");
                    assert_eq!(
                        newest["revisionOf"].as_i64(),
                        self.sign_run.parse::<i64>().ok(),
                        "{ctx}: the new run is a revision of the signed one"
                    );
                    assert_eq!(newest["state"], "open", "{ctx}");
                    if let Outcome::Exited(true, out, _) = &outcome {
                        assert_eq!(json_id(out), newest["id"].to_string(), "{ctx}");
                    }
                    self.sign_run = newest["id"].to_string();
                    self.sign_run_signed = false;
                }
                self.runs = n;
            }
        }
        // Nothing else wrote a report.
        for name in REPORTS {
            let touched = matches!(
                (kind, name),
                (Kind::Sign, "signed.pdf")
                    | (Kind::Countersign, "countersigned.pdf")
                    | (Kind::Export, "draft.pdf")
            );
            if !touched {
                assert_eq!(
                    before[name].as_ref(),
                    self.report_hash.get(name),
                    "{ctx}: {name} changed"
                );
            }
            // A writer that finished left no temporary file of its own.
            if touched && confirmed {
                assert!(
                    partials(&self.reports, name).is_empty(),
                    "{ctx}: a temporary file is left beside {name} after a successful write"
                );
            }
        }
    }

    /// Checks that hold after every round.
    fn check(&mut self, round: usize) {
        let seed = self.seed;
        let doctor = self.sb.run(&["doctor"]);
        assert!(
            doctor.status.success(),
            "round {round} (seed {seed}): doctor found problems:\n{}",
            String::from_utf8_lossy(&doctor.stdout)
        );
        // Every confirmed result is there; a killed one is either there or not.
        let run = self.sb.json(&["run", "show", &self.work_run]);
        let items = run["items"].as_array().expect("items").clone();
        let mut now_there = HashMap::new();
        for (item, e) in &self.results {
            let got = items.iter().find(|i| i["id"] == *item).expect("item");
            let got = (
                got["status"].as_str().unwrap_or("").to_owned(),
                got["note"].as_str().unwrap_or("").to_owned(),
            );
            let ok = e.confirmed.as_ref() == Some(&got)
                || e.maybe.contains(&got)
                || (e.confirmed.is_none() && !got.1.starts_with("round"));
            assert!(
                ok,
                "round {round} (seed {seed}): {item} is {got:?}, expected {:?} or one of {:?}",
                e.confirmed, e.maybe
            );
            now_there.insert(
                item.clone(),
                Expect {
                    confirmed: Some(got),
                    maybe: Vec::new(),
                },
            );
        }
        self.results = now_there;
        // Every evidence record cites whole bytes.
        for i in &items {
            for ev in i["evidence"].as_array().expect("evidence") {
                let sha = ev["sha256"].as_str().expect("sha");
                assert!(
                    self.whole.contains(sha),
                    "round {round} (seed {seed}): evidence cites unknown bytes {sha}"
                );
                assert_eq!(ev["size"].as_u64(), Some((FILE_MB << 20) as u64));
            }
        }
        // A signed run has its report.
        if self.sign_run_signed {
            assert!(self.reports.join("signed.pdf").exists());
        }
        // No temporary files: the vault's staging folder and the data
        // folder are clean after the next start (doctor's); beside each
        // report at most the one file a killed writer left, which the
        // next write there removes.
        let staging: Vec<_> = std::fs::read_dir(self.sb.data.join("evidence/tmp"))
            .expect("evidence/tmp")
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(
            staging.is_empty(),
            "round {round} (seed {seed}): temporary files left in the vault after a start: {staging:?}"
        );
        let strays = strays(&self.sb.data);
        assert!(
            strays.is_empty(),
            "round {round} (seed {seed}): unexpected files in the data folder: {strays:?}"
        );
        for entry in std::fs::read_dir(&self.reports).expect("reports").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                REPORTS.contains(&name.as_str())
                    || REPORTS
                        .iter()
                        .any(|r| partials(&self.reports, r).contains(&entry.path())),
                "round {round} (seed {seed}): unexpected file {name} beside the reports"
            );
        }
        for r in REPORTS {
            let p = partials(&self.reports, r);
            assert!(
                p.len() <= 1,
                "round {round} (seed {seed}): temporary files beside {r} pile up: {p:?}"
            );
        }
    }

    /// Whether report `name` changed in this round; if it did, it must be
    /// complete and verify.
    fn report_changed(
        &mut self,
        name: &'static str,
        before: &HashMap<&str, Option<String>>,
        ctx: &str,
    ) -> bool {
        let path = self.reports.join(name);
        let now = path.exists().then(|| sha256sum(&path));
        if now.as_ref() == before[name].as_ref() {
            return false;
        }
        self.verify_report(name);
        match now {
            Some(h) => {
                self.report_hash.insert(name, h);
                true
            }
            None => panic!("{ctx}: {name} disappeared"),
        }
    }

    /// `signoff verify` of a report, trusting the test's signer: exit 0 for
    /// signed ones; for a draft (which carries no signature, so is never
    /// valid) every content check passes and the report names itself.
    fn verify_report(&self, name: &str) {
        let path = self.reports.join(name);
        let out = common::auditor()
            .args(["--json", "verify", s(&path), "--trust", s(&self.cert)])
            .output()
            .expect("verify");
        let code = out.status.code();
        let ok = if name == "draft.pdf" {
            let v: serde_json::Value =
                serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
            let checks = v["checks"].as_array().cloned().unwrap_or_default();
            v["reportId"]
                .as_str()
                .is_some_and(|id| id.contains("DRAFT"))
                && checks.len() >= 3
                && checks
                    .iter()
                    .all(|c| c["ok"] == true || c["name"] == "signatures")
                && v["signatures"]["signatures"]
                    .as_array()
                    .is_some_and(Vec::is_empty)
        } else {
            code == Some(0)
        };
        assert!(
            ok,
            "seed {}: {name} under its final name does not verify ({code:?}): {}{}",
            self.seed,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn run_list(&self) -> Vec<serde_json::Value> {
        self.sb
            .json(&["run", "list"])
            .as_array()
            .expect("runs")
            .clone()
    }

    fn run_state(&self, run: &str) -> String {
        self.sb.json(&["run", "show", run])["state"]
            .as_str()
            .expect("state")
            .to_owned()
    }

    fn item(&self, run: &str, item: &str) -> serde_json::Value {
        self.sb.json(&["run", "show", run])["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["id"] == item)
            .expect("item")
            .clone()
    }

    /// How many times each (item, sha256) is cited in the work run.
    fn evidence_counts(&self) -> HashMap<(String, String), usize> {
        let mut out = HashMap::new();
        let run = self.sb.json(&["run", "show", &self.work_run]);
        for i in run["items"].as_array().expect("items") {
            for ev in i["evidence"].as_array().expect("evidence") {
                let key = (
                    i["id"].as_str().expect("id").to_owned(),
                    ev["sha256"].as_str().expect("sha").to_owned(),
                );
                *out.entry(key).or_default() += 1;
            }
        }
        out
    }

    fn summary(&self, rounds: usize, wall: Duration) {
        let mut kills = 0;
        let mut mid = 0;
        eprintln!(
            "kill rounds: {rounds} rounds in {:.0} s, SIGNOFF_CRASH_SEED={}",
            wall.as_secs_f64(),
            self.seed
        );
        eprintln!("  kind            processes  killed  mid-operation  early  finished");
        for (kind, t) in &self.tally {
            let k = t.mid + t.early;
            kills += k;
            mid += t.mid;
            eprintln!(
                "  {:<15} {:>9}  {:>6}  {:>8} ({:>3}%)  {:>5}  {:>8}",
                format!("{kind:?}"),
                t.attempts,
                k,
                t.mid,
                (t.mid * 100).checked_div(k).unwrap_or(0),
                t.early,
                t.finished
            );
        }
        eprintln!(
            "  all: {kills} kills, {mid} mid-operation; {} signs published their report but were killed before the sign-off committed",
            self.published_unrecorded
        );
        let main = |k: Kind| self.tally.get(&k).map_or(0, |t| t.mid + t.early);
        assert!(
            kills >= rounds / 2,
            "the test must really interrupt writers"
        );
        // Over a soak every main kind is killed; a short run may miss one.
        if rounds >= 200 {
            for kind in [Kind::Evidence, Kind::Sign, Kind::ScheduleDone] {
                assert!(main(kind) >= 1, "no {kind:?} was killed in {rounds} rounds");
            }
        }
    }
}

/// A `run set` of the burst (a thread cannot borrow the sandbox).
struct BurstCmd {
    data: PathBuf,
    run: String,
}

impl BurstCmd {
    fn set(&self, item: &str, status: &str, note: &str) -> Command {
        let mut c = Command::new(common::BIN);
        c.arg("--data-dir")
            .arg(&self.data)
            .args(["--actor", "Test Runner"])
            .args([
                "run", "set", &self.run, item, "--status", status, "--note", note,
            ])
            .env_remove("SIGNOFF_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
}

/// Waits for a child until `deadline`, SIGKILLs it then. Returns how it
/// ended and how long after the call.
fn wait_until(mut child: Child, deadline: Instant) -> (Outcome, Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let (out, err) = output(&mut child);
            return (Outcome::Exited(status.success(), out, err), start.elapsed());
        }
        if Instant::now() >= deadline {
            let at = start.elapsed();
            child.kill().expect("SIGKILL");
            let status = child.wait().expect("wait");
            // It may have exited by itself just before the signal.
            return match status.signal() {
                Some(9) => (Outcome::Killed(at), at),
                _ => {
                    let (out, err) = output(&mut child);
                    (Outcome::Exited(status.success(), out, err), start.elapsed())
                }
            };
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A finished child's stdout and stderr.
fn output(child: &mut Child) -> (String, String) {
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    (out, err)
}

fn how(o: &Outcome) -> String {
    match o {
        Outcome::Exited(..) => "finished".into(),
        Outcome::Killed(at) => format!("killed after {} ms", at.as_millis()),
    }
}

/// The temporary files a writer of `dir/name` leaves (`.NAME.PID.partial`).
fn partials(dir: &Path, name: &str) -> Vec<PathBuf> {
    let prefix = format!(".{name}.");
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&prefix) && n.ends_with(".partial")
        })
        .map(|e| e.path())
        .collect()
}

/// Files in the data folder that are none of the database, a stored blob,
/// the identity, the log key and its checkpoint copy.
fn strays(data: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![data.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(data).expect("inside").to_path_buf();
            let rel_s = rel.to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let known = matches!(
                rel_s.as_str(),
                "signoff.db" | "signoff.db-wal" | "signoff.db-shm"
            ) || (rel_s.starts_with("evidence/sha256/")
                && name.len() == 64
                && name.bytes().all(|b| b.is_ascii_hexdigit()))
                || (rel_s.starts_with("identity/")
                    && !name.starts_with('.')
                    && !name.ends_with(".tmp"))
                || (rel_s.starts_with("log-key/") && !name.starts_with('.'));
            if !known {
                out.push(rel);
            }
        }
    }
    out
}

fn template_text(n: usize) -> String {
    let mut t = format!("# Soak imported\n\nVersion {n}.\n\n## Checks\n\n");
    for k in 0..=(n % 40) {
        t += &format!("- [ ] Check {k} of version {n}\n");
    }
    t
}

fn with_pass(mut c: Command) -> Command {
    c.env_remove("SIGNOFF_PASSPHRASE_FILE")
        .env("SIGNOFF_PASSPHRASE", PASS);
    c
}

fn json_id(out: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(out).expect("json");
    v["id"].to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
