//! The catalogue of bad input (`docs/bad-input.md`, issue 11): one test per
//! row that no older test covered. Each feeds `signoff` one bad input and
//! checks that the error names what is wrong (one line, no panic, no raw OS
//! error without its path) and that nothing was lost or half-recorded.
//! The catalogue names each test; a tidy test checks that they exist.

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{COMMAND_TIMEOUT, Sandbox, expect_failure, output_within};

const PASS: &str = "vellum-orchard-stapled-47-quietly";
/// Every command runs on this day (libfaketime), so dates in the past and
/// future are fixed.
const TODAY: &str = "2026-11-27 10:00:00";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A sandbox on `TODAY` with a run of the built-in checklist (run 1).
fn with_run() -> Sandbox {
    let sb = Sandbox::at(TODAY);
    assert_eq!(sb.predeploy_run(), "1");
    sb
}

fn activity_count(sb: &Sandbox) -> usize {
    let out = Command::new("sqlite3")
        .arg(sb.db())
        .arg("SELECT count(*) FROM activity;")
        .output()
        .expect("the sqlite3 CLI");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a count")
}

/// `f` must fail with one clear line containing `want`, and record nothing.
fn refused_and_nothing_recorded(sb: &Sandbox, args: &[&str], want: &str) -> String {
    let before = activity_count(sb);
    let err = sb.fails(args);
    assert!(
        err.contains(want),
        "signoff {args:?}: wanted “{want}”, got: {err}"
    );
    assert_eq!(activity_count(sb), before, "{args:?}: nothing was recorded");
    err
}

fn with_pass(mut c: Command) -> Output {
    c.env_remove("SIGNOFF_PASSPHRASE_FILE")
        .env("SIGNOFF_PASSPHRASE", PASS);
    output_within(c, COMMAND_TIMEOUT, "signoff with a passphrase")
}

fn create_identity(sb: &Sandbox) -> PathBuf {
    let out = with_pass(sb.cmd(&[
        "identity",
        "create",
        "--name",
        "Ana Approver",
        "--email",
        "ana@example.org",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb.data.join("identity/cert.pem")
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success(), "mkfifo");
}

/// A sparse file of `len` bytes (takes no disk space).
fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path)
        .and_then(|f| f.set_len(len))
        .expect("sparse file");
}

// ---- CLI arguments --------------------------------------------------------

#[test]
fn a_cadence_that_is_not_one_is_refused() {
    let sb = Sandbox::at(TODAY);
    let err = sb.fails(&[
        "schedule",
        "add",
        "--title",
        "Patch",
        "--every",
        "fortnightly",
    ]);
    assert!(
        err.contains("fortnightly") && err.contains("weekly"),
        "the error names the bad cadence and the good ones: {err}"
    );
    let listed = sb.json(&["schedule", "list", "--all"]);
    assert!(
        !listed.to_string().contains("Patch"),
        "no task was added: {listed}"
    );
}

#[test]
fn an_unknown_task_is_named() {
    let sb = Sandbox::at(TODAY);
    let err = sb.fails(&["schedule", "done", "no-such-task", "--note", "done"]);
    assert!(err.contains("task 'no-such-task' does not exist"), "{err}");
}

#[test]
fn an_unknown_evidence_id_is_named() {
    let sb = with_run();
    refused_and_nothing_recorded(
        &sb,
        &["evidence", "remove", "999"],
        "evidence '999' does not exist",
    );
}

#[test]
fn an_impossible_date_is_refused_before_anything_runs() {
    let sb = with_run();
    let out = sb.run(&[
        "run",
        "waive",
        "1",
        "https",
        "--justification",
        "x",
        "--expires",
        "2027-02-30",
    ]);
    assert_eq!(out.status.code(), Some(2), "a usage error exits 2");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid value '2027-02-30' for '--expires <DATE>'"),
        "{err}"
    );
}

#[test]
fn a_waiver_that_has_already_expired_is_refused() {
    let sb = with_run();
    sb.ok(&["run", "set", "1", "https", "--status", "fail"]);
    let err = refused_and_nothing_recorded(
        &sb,
        &[
            "run",
            "waive",
            "1",
            "https",
            "--justification",
            "accepted",
            "--expires",
            "2026-11-26",
        ],
        "2026-11-26",
    );
    assert!(err.contains("expir"), "{err}");
}

#[test]
fn evidence_observed_in_the_future_is_refused() {
    let sb = with_run();
    refused_and_nothing_recorded(
        &sb,
        &[
            "evidence",
            "note",
            "1",
            "backups",
            "restored",
            "--observed",
            "2026-12-25",
        ],
        "2026-12-25",
    );
}

#[test]
fn a_link_that_is_not_http_is_refused() {
    let sb = with_run();
    refused_and_nothing_recorded(
        &sb,
        &["evidence", "link", "1", "backups", "javascript:alert(1)"],
        "javascript:alert(1)",
    );
}

#[test]
fn na_without_a_reason_is_refused() {
    let sb = with_run();
    refused_and_nothing_recorded(
        &sb,
        &["run", "set", "1", "https", "--status", "na"],
        "reason",
    );
}

#[test]
fn a_reason_with_a_status_other_than_na_is_refused() {
    let sb = with_run();
    // It used to be accepted and the reason silently dropped.
    refused_and_nothing_recorded(
        &sb,
        &[
            "run",
            "set",
            "1",
            "firewall",
            "--status",
            "pass",
            "--reason",
            "does not apply",
        ],
        "item 'firewall': a reason is only for N/A, and the status would be pass",
    );
    assert_eq!(
        sb.json(&["run", "show", "1"])["counts"]["pending"],
        15,
        "the result is unchanged"
    );
}

#[test]
fn a_gate_state_that_is_not_on_or_off_is_refused() {
    let sb = with_run();
    refused_and_nothing_recorded(
        &sb,
        &["run", "gate", "1", "maybe"],
        "'maybe': say on or off",
    );
}

#[test]
fn a_calendar_that_ends_before_it_starts_is_refused() {
    let sb = Sandbox::at(TODAY);
    let err = sb.fails(&[
        "schedule",
        "calendar",
        "--from",
        "2027-03-01",
        "--to",
        "2027-01-01",
    ]);
    assert!(
        err.contains("the calendar from 2027-03-01 to 2027-01-01 ends before it starts"),
        "{err}"
    );
    let err = sb.fails(&[
        "schedule",
        "calendar",
        "--from",
        "2020-01-01",
        "--to",
        "2027-01-01",
    ]);
    assert!(err.contains("covers more than three years"), "{err}");
    assert_eq!(
        activity_count(&sb),
        0,
        "refused before anything is written (not even the seed schedule)"
    );
}

#[test]
fn a_note_over_the_limit_is_refused() {
    let sb = with_run();
    let note = "x".repeat(20_001);
    let err =
        refused_and_nothing_recorded(&sb, &["run", "set", "1", "https", "--note", &note], "20000");
    assert!(
        err.len() < 400,
        "the error does not repeat the note: {} bytes",
        err.len()
    );
}

#[test]
fn a_grace_period_over_a_year_is_refused() {
    let sb = Sandbox::at(TODAY);
    let err = sb.fails(&[
        "schedule", "add", "--title", "Patch", "--every", "weekly", "--grace", "400",
    ]);
    assert!(
        err.contains("the grace period is at most 366 days"),
        "{err}"
    );
}

// ---- evidence files -----------------------------------------------------------

#[test]
fn dev_zero_as_evidence_is_refused_without_reading_it() {
    let sb = with_run();
    refused_and_nothing_recorded(
        &sb,
        &["evidence", "add", "1", "backups", "/dev/zero"],
        "/dev/zero: is not a regular file",
    );
    // A symlink to it is the same device.
    let link = sb.path("zeros.log");
    std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
    refused_and_nothing_recorded(
        &sb,
        &["evidence", "add", "1", "backups", s(&link)],
        "zeros.log: is not a regular file",
    );
}

#[test]
fn a_fifo_as_evidence_is_refused_without_waiting_for_it() {
    let sb = with_run();
    let fifo = sb.path("pipe.log");
    mkfifo(&fifo);
    // `fails` runs under a time limit: a read of the FIFO would hang there.
    refused_and_nothing_recorded(
        &sb,
        &["evidence", "add", "1", "backups", s(&fifo)],
        "pipe.log: is not a regular file",
    );
}

#[test]
fn a_right_to_left_override_in_a_file_name_is_shown_harmlessly() {
    let sb = with_run();
    // Shown raw, this reads "invoice-exe.pdf".
    let name = "invoice-\u{202e}fdp.exe";
    let file = sb.path(name);
    std::fs::write(&file, "MZ").expect("write");
    let added = sb.json(&["evidence", "add", "1", "backups", s(&file)]);
    assert_eq!(added[0]["name"], "invoice-\u{fffd}fdp.exe", "{added}");
    let shown = sb.ok(&["run", "show", "1"]);
    assert!(
        !shown.contains('\u{202e}'),
        "the override never reaches the terminal"
    );
}

#[test]
fn a_file_name_of_255_bytes_is_kept_whole() {
    let sb = with_run();
    // 255 bytes is the longest name ext4 and tmpfs allow: 125 two-byte
    // letters and ".txt" plus one more byte.
    let name = format!("{}a.txt", "é".repeat(125));
    assert_eq!(name.len(), 255);
    let file = sb.path(&name);
    std::fs::write(&file, "long").expect("write");
    let added = sb.json(&["evidence", "add", "1", "backups", s(&file)]);
    assert_eq!(added[0]["name"], name.as_str());
    let pdf = sb.path("draft.pdf");
    sb.ok(&["export", "1", "-o", s(&pdf)]);
    assert!(sb.ok(&["doctor"]).contains("OK"));
}

#[test]
fn a_file_name_that_is_not_utf8_is_recorded_readably() {
    let sb = with_run();
    let raw = OsStr::from_bytes(b"caf\xe9-scan.txt");
    let file = sb.dir.path().join(raw);
    std::fs::write(&file, "latin-1 name").expect("write");
    let mut c = sb.cmd(&["--json", "evidence", "add", "1", "backups", "--"]);
    c.arg(&file);
    let out = output_within(c, COMMAND_TIMEOUT, "non-UTF-8 name");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(added[0]["name"], "caf\u{fffd}-scan.txt", "{added}");
    assert!(sb.ok(&["doctor"]).contains("OK"));
}

#[test]
fn a_file_larger_than_the_free_space_is_refused_and_cleaned_up() {
    let disk = common::SmallDisk::mount();
    let sb = Sandbox::at(TODAY);
    let sb = Sandbox {
        data: disk.path().join("data"),
        ..sb
    };
    assert_eq!(sb.predeploy_run(), "1");
    // A 1 TiB sparse file: its bytes (zeros) cost nothing to read.
    let huge = sb.path("huge.img");
    sparse(&huge, 1 << 40);
    let err = refused_and_nothing_recorded(
        &sb,
        &["evidence", "add", "1", "backups", s(&huge)],
        "the disk is full",
    );
    assert!(err.contains("nothing was recorded"), "{err}");
    let left = std::fs::read_dir(sb.data.join("evidence/tmp"))
        .expect("tmp")
        .count();
    assert_eq!(left, 0, "the partial copy was removed");
    assert!(sb.ok(&["doctor"]).contains("OK"));
}

#[test]
fn a_vault_file_changed_before_signing_stops_the_report() {
    let sb = Sandbox::at(TODAY);
    ready(&sb);
    let scan = sb.path("scan.txt");
    std::fs::write(&scan, "nmap: 2 ports open\n").expect("write");
    let added = sb.json(&["evidence", "add", "1", "only", s(&scan)]);
    let sha = added[0]["sha256"].as_str().expect("sha256").to_owned();
    let blob = sb.data.join("evidence/sha256").join(&sha[..2]).join(&sha);
    assert!(blob.exists(), "{}", blob.display());
    std::fs::set_permissions(&blob, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::write(&blob, "nmap: 0 ports open\n").expect("rewrite the vault copy");
    let pdf = sb.path("r.pdf");
    let err = expect_failure(
        with_pass(sb.cmd(&["sign", "1", "-o", s(&pdf)])),
        "changed vault file",
    );
    assert!(
        err.contains("evidence file E1-scan.txt in the vault no longer matches its SHA-256")
            && err.contains("signoff doctor"),
        "{err}"
    );
    assert!(!pdf.exists(), "nothing under the chosen name");
    let temps: Vec<_> = std::fs::read_dir(sb.dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("r.pdf"))
        .collect();
    assert!(temps.is_empty(), "no temporary report is left beside it");
    assert_eq!(sb.json(&["run", "show", "1"])["state"], "open");
}

// ---- the database -------------------------------------------------------------

#[test]
fn a_data_directory_that_is_a_file_is_refused() {
    let sb = Sandbox::at(TODAY);
    std::fs::write(&sb.data, "not a folder").expect("write");
    let err = sb.fails(&["run", "list"]);
    assert!(
        err.contains(&format!("data directory {}", sb.data.display())),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&sb.data).expect("read"),
        "not a folder",
        "the file is left as it was"
    );
}

#[test]
fn a_database_that_is_a_directory_is_refused() {
    let sb = Sandbox::at(TODAY);
    std::fs::create_dir_all(sb.db()).expect("mkdir");
    let err = sb.fails(&["run", "list"]);
    assert!(
        err.contains("signoff.db"),
        "the error names the database: {err}"
    );
    assert!(sb.db().is_dir(), "left as it was");
}

// ---- the identity files ---------------------------------------------------------

#[test]
fn signing_without_an_identity_says_how_to_make_one() {
    let sb = Sandbox::at(TODAY);
    let md = sb.path("one.md");
    std::fs::write(&md, "# One\n\n- [ ] Only\n").expect("write");
    let t = sb.ok(&["template", "import", s(&md)]);
    sb.ok(&["run", "new", "--template", t.trim(), "--target", "v1"]);
    sb.ok(&["run", "set", "1", "only", "--status", "pass"]);
    let pdf = sb.path("r.pdf");
    let err = expect_failure(
        with_pass(sb.cmd(&["sign", "1", "-o", s(&pdf)])),
        "no identity",
    );
    assert!(
        err.contains("no signing identity yet; create one with `signoff identity create`"),
        "{err}"
    );
    assert!(!pdf.exists());
    assert_eq!(sb.json(&["run", "show", "1"])["state"], "open");
}

/// A one-item run, passed, ready to sign, with an identity.
fn ready(sb: &Sandbox) -> PathBuf {
    let md = sb.path("one.md");
    std::fs::write(&md, "# One\n\n- [ ] Only\n").expect("write");
    let t = sb.ok(&["template", "import", s(&md)]);
    sb.ok(&["run", "new", "--template", t.trim(), "--target", "v1"]);
    sb.ok(&["run", "set", "1", "only", "--status", "pass"]);
    create_identity(sb)
}

#[test]
fn a_key_file_others_can_read_is_refused() {
    let sb = Sandbox::at(TODAY);
    ready(&sb);
    let key = sb.data.join("identity/key.pem");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let pdf = sb.path("r.pdf");
    let err = expect_failure(
        with_pass(sb.cmd(&["sign", "1", "-o", s(&pdf)])),
        "exposed key",
    );
    assert!(
        err.contains(&format!(
            "the key file {} can be read by other users (mode 0644)",
            key.display()
        )) && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!pdf.exists(), "nothing was signed");
    assert_eq!(sb.json(&["run", "show", "1"])["state"], "open");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = with_pass(sb.cmd(&["sign", "1", "-o", s(&pdf)]));
    assert!(
        out.status.success(),
        "signs once the key is private: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_missing_key_file_is_named() {
    let sb = Sandbox::at(TODAY);
    ready(&sb);
    let key = sb.data.join("identity/key.pem");
    std::fs::remove_file(&key).expect("rm");
    let pdf = sb.path("r.pdf");
    let err = expect_failure(
        with_pass(sb.cmd(&["sign", "1", "-o", s(&pdf)])),
        "missing key",
    );
    assert!(
        err.contains(&format!("the key file {} is missing", key.display())),
        "{err}"
    );
    assert!(!pdf.exists());
    assert_eq!(sb.json(&["run", "show", "1"])["state"], "open");
}

#[test]
fn a_damaged_identity_description_is_named() {
    let sb = Sandbox::at(TODAY);
    ready(&sb);
    let info = sb.data.join("identity/identity.json");
    std::fs::write(&info, "{ \"name\": ").expect("write");
    let err = sb.fails(&["identity", "show"]);
    assert!(
        err.contains(&format!("{} is damaged", info.display())),
        "{err}"
    );
}

#[test]
fn a_passphrase_file_that_does_not_exist_is_named() {
    let sb = Sandbox::at(TODAY);
    ready(&sb);
    let pdf = sb.path("r.pdf");
    let mut c = sb.cmd(&["sign", "1", "-o", s(&pdf)]);
    c.env_remove("SIGNOFF_PASSPHRASE")
        .env("SIGNOFF_PASSPHRASE_FILE", sb.path("no-such-passphrase"));
    let err = expect_failure(
        output_within(c, COMMAND_TIMEOUT, "passphrase file"),
        "passphrase file",
    );
    assert!(
        err.contains("SIGNOFF_PASSPHRASE_FILE") && err.contains("no-such-passphrase"),
        "{err}"
    );
    assert!(!pdf.exists());
}

// ---- PDFs given to verify and countersign --------------------------------------

fn verify(sb: &Sandbox, file: &Path) -> String {
    expect_failure(sb.run(&["verify", s(file)]), "verify")
}

#[test]
fn verify_refuses_an_empty_file() {
    let sb = Sandbox::at(TODAY);
    let f = sb.path("empty.pdf");
    std::fs::write(&f, b"").expect("write");
    let err = verify(&sb, &f);
    assert!(
        err.contains("empty.pdf: is empty (0 bytes), not a PDF"),
        "{err}"
    );
}

#[test]
fn verify_refuses_dev_zero_without_reading_it() {
    let sb = Sandbox::at(TODAY);
    // Read whole, /dev/zero would fill memory until the process was killed.
    let err = verify(&sb, Path::new("/dev/zero"));
    assert!(err.contains("/dev/zero: is not a regular file"), "{err}");
}

#[test]
fn verify_refuses_a_fifo_without_waiting_for_it() {
    let sb = Sandbox::at(TODAY);
    let fifo = sb.path("report.pdf");
    mkfifo(&fifo);
    let err = verify(&sb, &fifo);
    assert!(err.contains("report.pdf: is not a regular file"), "{err}");
}

#[test]
fn verify_refuses_a_directory() {
    let sb = Sandbox::at(TODAY);
    let err = verify(&sb, sb.dir.path());
    assert!(err.contains("is a directory, not a PDF file"), "{err}");
}

#[test]
fn verify_refuses_a_pdf_over_the_size_limit_without_reading_it() {
    let sb = Sandbox::at(TODAY);
    let f = sb.path("huge.pdf");
    sparse(&f, signoff_report::MAX_PDF_BYTES + 1);
    let err = verify(&sb, &f);
    assert!(
        err.contains(
            "huge.pdf: is 4294967297 bytes; Signoff reads PDFs of at most 4294967296 bytes"
        ),
        "{err}"
    );
}

#[test]
fn verify_of_a_missing_file_names_it() {
    let sb = Sandbox::at(TODAY);
    let err = verify(&sb, &sb.path("nowhere.pdf"));
    assert!(err.contains("nowhere.pdf: no such file"), "{err}");
}

/// A signed report of a one-item run, and the signer's certificate.
fn signed_report(sb: &Sandbox) -> (PathBuf, PathBuf) {
    let cert = ready(sb);
    let pdf = sb.path("report.pdf");
    let out = with_pass(sb.cmd(&["sign", "1", "-o", s(&pdf)]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (pdf, cert)
}

fn countersign(sb: &Sandbox, input: &Path, out: &Path, cert: &Path) -> String {
    expect_failure(
        with_pass(sb.cmd(&["countersign", s(input), "-o", s(out), "--trust", s(cert)])),
        "countersign",
    )
}

#[test]
fn countersign_refuses_a_truncated_report_and_writes_nothing() {
    let sb = Sandbox::at(TODAY);
    let (pdf, cert) = signed_report(&sb);
    let bytes = std::fs::read(&pdf).expect("read");
    let cut = sb.path("cut.pdf");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let out = sb.path("countersigned.pdf");
    let err = countersign(&sb, &cut, &out, &cert);
    assert!(
        err.contains("cut.pdf: the PDF is damaged or truncated")
            && err.contains("it was not countersigned"),
        "the error names the file and what is wrong with it (not \"not signed\"): {err}"
    );
    assert!(!out.exists(), "nothing written under the chosen name");
}

#[test]
fn countersign_refuses_a_file_that_is_not_a_pdf() {
    let sb = Sandbox::at(TODAY);
    let (_, cert) = signed_report(&sb);
    let png = sb.path("scan.pdf");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n not a pdf at all").expect("write");
    let out = sb.path("countersigned.pdf");
    let err = countersign(&sb, &png, &out, &cert);
    assert!(
        err.contains("scan.pdf") && err.contains("not a PDF"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn countersign_refuses_an_empty_file() {
    let sb = Sandbox::at(TODAY);
    let (_, cert) = signed_report(&sb);
    let empty = sb.path("empty.pdf");
    std::fs::write(&empty, b"").expect("write");
    let out = sb.path("countersigned.pdf");
    let err = countersign(&sb, &empty, &out, &cert);
    assert!(
        err.contains("empty.pdf: is empty (0 bytes), not a PDF"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn countersign_into_a_missing_folder_keeps_the_report() {
    let sb = Sandbox::at(TODAY);
    let (pdf, cert) = signed_report(&sb);
    let before = std::fs::read(&pdf).expect("read");
    let err = countersign(&sb, &pdf, Path::new("/nonexistent/dir/c.pdf"), &cert);
    assert!(
        err.contains("/nonexistent/dir") && err.contains("does not exist"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&pdf).expect("read"),
        before,
        "the report is unchanged"
    );
}
