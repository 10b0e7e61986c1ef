//! Black-box tests of the `signoff` binary: output contracts, bad input,
//! and tampering detected by `doctor`.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Sandbox, expect_failure, sha256sum, sqlite3};

const SEED: &str = "../signoff-core/tests/fixtures/seed-SECURITY.md";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[test]
fn run_show_json_lists_items_with_results_and_evidence() {
    let sb = Sandbox::new();
    assert_eq!(sb.predeploy_run(), "1", "run new prints the run id");
    sb.ok(&[
        "run",
        "set",
        "1",
        "django-version",
        "--status",
        "pass",
        "--note",
        "pip show: 4.2.24",
    ]);
    let file = sb.path("pip show django.txt");
    std::fs::write(&file, "Name: Django\nVersion: 4.2.24\n").expect("write");
    sb.ok(&[
        "evidence",
        "add",
        "1",
        "django-version",
        file.to_str().expect("utf8"),
    ]);
    let v = sb.json(&["run", "show", "1"]);
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), 15);
    let dv = &items[0];
    assert_eq!(dv["id"], "django-version");
    assert_eq!(dv["title"], "Django version is 4.2.24 or later");
    assert_eq!(dv["status"], "pass");
    assert_eq!(dv["note"], "pip show: 4.2.24");
    assert_eq!(dv["updatedBy"], "Test Runner");
    let ev = &dv["evidence"][0];
    assert_eq!(ev["name"], "pip show django.txt");
    assert_eq!(ev["size"], 29);
    assert_eq!(
        ev["sha256"].as_str(),
        Some(sha256sum(&file).as_str()),
        "agrees with sha256sum"
    );
    assert_eq!(items[1]["status"], "pending");
    assert_eq!(
        v["blockers"].as_array().map(Vec::len),
        Some(14),
        "14 items still block sign-off"
    );
    assert_eq!(v["blockers"][0]["itemId"], "debug-false");
    assert_eq!(v["counts"]["pass"], 1);
    assert_eq!(v["templateId"], "predeploy");
}

#[test]
fn templates_list_show_and_import() {
    let sb = Sandbox::new();
    let list = sb.ok(&["template", "list"]);
    assert!(
        list.contains("predeploy") && list.contains("incident-response"),
        "{list}"
    );
    let show = sb.ok(&["template", "show", "predeploy"]);
    assert!(show.contains("Penetration testing completed"), "{show}");
    assert_eq!(
        sb.ok(&["template", "import", SEED]).trim(),
        "security-considerations"
    );
    let t = sb.json(&["template", "show", "security-considerations"]);
    let items = t["section"][0]["item"].as_array().expect("items");
    assert_eq!(items.len(), 15, "the seed's Security Checklist");
    assert_eq!(t["section"][0]["title"], "Security Checklist");
    let again = sb.json(&["template", "import", SEED]);
    assert_eq!(
        (again["version"].as_u64(), again["created"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(
        sb.ok(&[
            "run",
            "new",
            "--template",
            "security-considerations",
            "--target",
            "v2"
        ])
        .trim(),
        "1"
    );
}

#[test]
fn results_waivers_and_notes_from_the_command_line() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    let err = sb.fails(&["run", "set", "1", "https", "--status", "na"]);
    assert!(err.contains("N/A needs a reason"), "{err}");
    sb.ok(&[
        "run",
        "set",
        "1",
        "https",
        "--status",
        "na",
        "--reason",
        "internal only",
    ]);
    sb.ok(&["run", "set", "1", "firewall", "--status", "fail"]);
    let w = sb.json(&[
        "run",
        "waive",
        "1",
        "firewall",
        "--justification",
        "rules land in 1.4.1",
        "--expires",
        "2099-01-31",
    ]);
    assert_eq!(w["acceptedBy"], "Test Runner");
    sb.ok(&[
        "evidence",
        "note",
        "1",
        "firewall",
        "Ticket SEC-42 tracks the new rules",
    ]);
    sb.ok(&[
        "evidence",
        "link",
        "1",
        "firewall",
        "https://tickets.example/SEC-42",
    ]);
    let text = sb.ok(&["run", "show", "1"]);
    assert!(text.contains("waived until 2099-01-31"), "{text}");
    assert!(text.contains("n/a because: internal only"), "{text}");
    let runs = sb.json(&["run", "list"]);
    assert_eq!(runs[0]["counts"]["fail"], 1);
    assert!(sb.ok(&["doctor"]).contains("OK: no problems found"));
}

// ---- bad input: each gets a clear, specific message and changes nothing ----

#[test]
fn bad_evidence_files() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    let missing = sb.path("missing.txt");
    let err = sb.fails(&[
        "evidence",
        "add",
        "1",
        "backups",
        missing.to_str().expect("p"),
    ]);
    assert!(err.contains("missing.txt: no such file"), "{err}");

    let err = sb.fails(&[
        "evidence",
        "add",
        "1",
        "backups",
        sb.dir.path().to_str().expect("p"),
    ]);
    assert!(err.contains("is a directory, not a file"), "{err}");

    // One bad file in a batch: nothing of the batch is attached.
    let good = sb.path("good.txt");
    std::fs::write(&good, "ok").expect("write");
    let err = sb.fails(&[
        "evidence",
        "add",
        "1",
        "backups",
        good.to_str().expect("p"),
        missing.to_str().expect("p"),
    ]);
    assert!(err.contains("no such file"), "{err}");
    assert!(
        sb.json(&["run", "show", "1"])["items"][8]["evidence"]
            .as_array()
            .expect("ev")
            .is_empty()
    );

    let secret = sb.path("secret.txt");
    std::fs::write(&secret, "x").expect("write");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::set_permissions(sb.dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // The data directory must be writable by the unprivileged user too.
    std::fs::set_permissions(&sb.data, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    for f in ["signoff.db", "signoff.db-wal", "signoff.db-shm"] {
        let _ = std::fs::set_permissions(sb.data.join(f), std::fs::Permissions::from_mode(0o666));
    }
    chmod_tree(&sb.data.join("evidence"));
    let out = sb.unprivileged(&[
        "evidence",
        "add",
        "1",
        "backups",
        secret.to_str().expect("p"),
    ]);
    let err = expect_failure(out, "unreadable file");
    assert!(err.contains("secret.txt: permission denied"), "{err}");

    let empty = sb.path("empty.log");
    std::fs::write(&empty, b"").expect("write");
    let added = sb.json(&[
        "evidence",
        "add",
        "1",
        "backups",
        empty.to_str().expect("p"),
    ]);
    assert_eq!(
        added[0]["sha256"], EMPTY_SHA256,
        "an empty file is allowed and hashed"
    );
    assert_eq!(added[0]["size"], 0);

    // Odd names are kept as given (a newline, which Linux allows, is replaced).
    for name in [
        "ünïcödé — spaces & 'quotes'.txt",
        "-starts-with-dash.txt",
        "line\nbreak.txt",
    ] {
        let p = sb.path(name);
        std::fs::write(&p, name).expect("write");
        let added = sb.json(&[
            "evidence",
            "add",
            "1",
            "backups",
            "--",
            p.to_str().expect("p"),
        ]);
        assert_eq!(added[0]["name"], name.replace('\n', "\u{fffd}"), "{name:?}");
    }
    assert!(sb.ok(&["doctor"]).contains("OK"));
}

fn chmod_tree(dir: &std::path::Path) {
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777));
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            chmod_tree(&e.path());
        }
    }
}

#[test]
fn unknown_ids_and_values() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    let err = sb.fails(&["run", "show", "7"]);
    assert!(err.contains("run '7' does not exist"), "{err}");
    let err = sb.fails(&["run", "set", "1", "no-such-item", "--status", "pass"]);
    assert!(
        err.contains("item 'no-such-item' does not exist in run 1; its items are: django-version"),
        "{err}"
    );
    let err = sb.fails(&["run", "set", "1", "https", "--status", "passed"]);
    assert!(
        err.contains("'passed' is not a status; use one of: pending, pass, fail, na"),
        "{err}"
    );
    let err = sb.fails(&["run", "new", "--template", "nope", "--target", "v1"]);
    assert!(
        err.contains(
            "template 'nope' does not exist; known templates: predeploy, incident-response"
        ),
        "{err}"
    );
    let err = sb.fails(&["run", "set", "1", "https"]);
    assert!(err.contains("nothing to change"), "{err}");
    let out = sb.run(&["run", "show", "abc"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
    assert!(String::from_utf8_lossy(&out.stderr).contains("'abc' is not a run id"));
    let out = sb.run(&[
        "run",
        "waive",
        "1",
        "https",
        "--justification",
        "x",
        "--expires",
        "31/01/2027",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value '31/01/2027'"));
    let json = sb.run(&["run", "show", "7", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json error on stdout");
    assert_eq!(v["error"]["code"], "not_found");
}

#[test]
fn bad_templates() {
    let sb = Sandbox::new();
    let notes = sb.path("notes.md");
    std::fs::write(&notes, "# Notes\n\n- a bullet\n\nno tasks here\n").expect("write");
    let err = sb.fails(&["template", "import", notes.to_str().expect("p")]);
    assert!(err.contains("notes.md: no task items found"), "{err}");
    let latin1 = sb.path("latin1.md");
    std::fs::write(&latin1, b"# Liste\n- [ ] caf\xe9 ouvert\n").expect("write");
    let err = sb.fails(&["template", "import", latin1.to_str().expect("p")]);
    assert!(
        err.contains("latin1.md: the file is not valid UTF-8 (line 2"),
        "{err}"
    );
    let toml = sb.path("bad.toml");
    std::fs::write(&toml, "id = \"x\"\nname = \"X\"\n[[section]]\nid = \"s\"\n").expect("write");
    let err = sb.fails(&["template", "import", toml.to_str().expect("p")]);
    assert!(
        err.contains("bad.toml") && err.contains("missing field"),
        "{err}"
    );
    assert!(
        sb.json(&["template", "list"])
            .as_array()
            .expect("list")
            .len()
            == 2,
        "nothing was imported"
    );
}

#[test]
fn issue_11_files_that_are_not_regular_files_are_refused() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    let zero = sb.path("zero.md");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let fifo = sb.path("fifo.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let folder = sb.path("folder.md");
    std::fs::create_dir(&folder).expect("mkdir");
    // Each is refused at once: /dev/zero was read until memory ran out,
    // and a FIFO hung the import (the command's time limit fails a hang).
    for (path, want) in [
        (&zero, "is not a regular file (a device, socket or pipe)"),
        (&fifo, "is not a regular file (a device, socket or pipe)"),
        (&folder, "is a directory, not a file"),
    ] {
        let p = path.to_str().expect("p");
        let err = sb.fails(&["template", "import", p]);
        assert!(err.contains(&format!("{p}: {want}")), "{err}");
        // Evidence import decides the same way, with the same function.
        let err = sb.fails(&["evidence", "add", "1", "backups", p]);
        assert!(err.contains(&format!("{p}: {want}")), "{err}");
    }
    assert_eq!(
        sb.json(&["template", "list"])
            .as_array()
            .expect("list")
            .len(),
        2,
        "nothing was imported"
    );
}

#[test]
fn issue_11_a_huge_toml_line_gives_a_short_error() {
    let sb = Sandbox::new();
    let toml = sb.path("long.toml");
    std::fs::write(
        &toml,
        format!("id = \"x\"\nname = \"{}\n", "A".repeat(4_000_000)),
    )
    .expect("write");
    let err = sb.fails(&["template", "import", toml.to_str().expect("p")]);
    assert!(
        err.len() <= 300,
        "{} bytes (the whole 4 MB line was quoted): {}",
        err.len(),
        err.get(..400).unwrap_or(&err)
    );
    assert!(
        err.contains("template long.toml: line 2, column "),
        "names the line and column: {err}"
    );
}

/// Asserts that `bytes` (a command's output) hold no control character
/// but newline and tab, and returns them as text.
fn terminal_text(bytes: &[u8], what: &str) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let raw: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
        .collect();
    assert!(raw.is_empty(), "{what} printed raw {raw:?}: {text}");
    text
}

#[test]
fn issue_11_control_characters_never_reach_the_terminal() {
    let sb = Sandbox::new();
    let md = sb.path("ctl.md");
    std::fs::write(
        &md,
        "# Ctl\n## Sec\u{1b}]0;owned\u{7}\n- [ ] Red \u{1b}[31mtext\u{0}\u{9b}2J\n",
    )
    .expect("write");
    assert_eq!(
        sb.ok(&["template", "import", md.to_str().expect("p")])
            .trim(),
        "ctl"
    );
    // Stored with U+FFFD in place of each control character.
    let t = sb.json(&["template", "show", "ctl"]);
    assert_eq!(t["section"][0]["title"], "Sec\u{fffd}]0;owned\u{fffd}");
    assert_eq!(
        t["section"][0]["item"][0]["title"],
        "Red \u{fffd}[31mtext\u{fffd}\u{fffd}2J"
    );
    let out = sb.run(&["template", "show", "ctl"]);
    let show = terminal_text(&out.stdout, "template show");
    assert!(show.contains("Red \u{fffd}[31mtext"), "{show}");

    // A database written before this change may hold them raw: every text
    // output escapes them.
    sb.ok(&["run", "new", "--template", "ctl", "--target", "v1"]);
    sqlite3(
        &sb.db(),
        "UPDATE runs SET target = 'v1' || char(27) || ']0;owned' || char(7), \
         template_name = 'Ctl' || char(155) || char(27) || '[2J', \
         template_body = replace(template_body, 'Red', '\\u001b[31mRed\\u0007'); \
         UPDATE templates SET body = replace(replace(body, 'Red', '\\u001b[31mRed\\u0007'), 'Ctl', '\\u001b[2JCtl');",
    );
    for args in [
        &["run", "show", "1"][..],
        &["run", "list"],
        &["template", "show", "ctl"],
        &["template", "list"],
    ] {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}");
        let text = terminal_text(&out.stdout, &format!("{args:?}"));
        terminal_text(&out.stderr, &format!("{args:?} (stderr)"));
        assert!(
            text.contains("\\u{1b}"),
            "{args:?}: the escape is shown as text: {text}"
        );
    }
    let err = sb.fails(&[
        "run",
        "new",
        "--template",
        "ctl\u{1b}[31m",
        "--target",
        "v2",
    ]);
    terminal_text(err.as_bytes(), "an error quoting the argument");
    // JSON stays JSON: serde escapes the control characters in strings.
    let run = sb.json(&["run", "show", "1"]);
    assert_eq!(run["target"], "v1\u{1b}]0;owned\u{7}");
}

#[test]
fn a_corrupt_database_is_refused_and_never_overwritten() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(&sb.data).expect("mkdir");
    let garbage = b"PK\x03\x04 this is a zip file, not a database ".repeat(64);
    std::fs::write(sb.db(), &garbage).expect("write");
    let err = sb.fails(&["run", "list"]);
    assert!(
        err.contains("signoff.db is not a Signoff database or is damaged"),
        "{err}"
    );
    assert!(err.contains("left untouched"), "{err}");
    assert_eq!(
        std::fs::read(sb.db()).expect("read"),
        garbage,
        "the file is unchanged"
    );
    assert!(!sb.data.join("signoff.db-wal").exists());

    // A real SQLite file damaged in its middle: refused too, left as it was.
    let sb = Sandbox::new();
    sb.predeploy_run();
    let mut bytes = std::fs::read(sb.db()).expect("read");
    for b in bytes.iter_mut().skip(100).take(3000) {
        *b = 0xA5;
    }
    std::fs::write(sb.db(), &bytes).expect("write");
    let _ = std::fs::remove_file(sb.data.join("signoff.db-wal"));
    let _ = std::fs::remove_file(sb.data.join("signoff.db-shm"));
    let out = sb.run(&["run", "list"]);
    let stderr = expect_failure(out, "damaged db");
    assert!(
        stderr.contains("damaged") && stderr.contains("malformed"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("database error:"),
        "a damaged database is named as such, not as a generic error: {stderr}"
    );
    assert_eq!(
        std::fs::read(sb.db()).expect("read"),
        bytes,
        "the file is unchanged"
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    sqlite3(&sb.db(), "PRAGMA user_version = 42;");
    let before = std::fs::read(sb.db()).expect("read");
    let err = sb.fails(&["run", "list"]);
    assert!(
        err.contains("written by a newer version of Signoff (schema 42; this build knows up to 4)"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(sb.db()).expect("read"),
        before,
        "never altered"
    );
}

#[test]
fn a_read_only_data_directory_is_reported() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    std::fs::set_permissions(&sb.data, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let out = sb.unprivileged(&["run", "set", "1", "https", "--status", "pass"]);
    let err = expect_failure(out, "read-only data dir");
    assert!(err.contains("is not usable: it is not writable"), "{err}");
    std::fs::set_permissions(&sb.data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(
        sb.json(&["run", "show", "1"])["counts"]["pending"],
        15,
        "nothing changed"
    );
}

#[test]
fn a_locked_database_times_out_with_a_clear_message() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    let mut holder = std::process::Command::new("sqlite3")
        .arg(sb.db())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sqlite3");
    {
        use std::io::{BufRead, Write};
        let stdin = holder.stdin.as_mut().expect("stdin");
        writeln!(
            stdin,
            "BEGIN EXCLUSIVE; UPDATE results SET note = 'held' WHERE 0; SELECT 'locked';"
        )
        .expect("lock");
        stdin.flush().expect("flush");
        let mut line = String::new();
        std::io::BufReader::new(holder.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("ack");
        assert_eq!(line.trim(), "locked");
    }
    let err = sb.fails(&["run", "set", "1", "https", "--status", "pass"]);
    assert!(
        err.contains("the database is locked by another Signoff process"),
        "{err}"
    );
    holder.kill().expect("kill holder");
    let _ = holder.wait();
    sb.ok(&["run", "set", "1", "https", "--status", "pass"]);
}

// ---- tampering is found and named ---------------------------------------

#[test]
fn doctor_names_a_changed_evidence_file() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    let file = sb.path("debug-check.txt");
    std::fs::write(&file, "DEBUG = False\n".repeat(100)).expect("write");
    let added = sb.json(&[
        "evidence",
        "add",
        "1",
        "debug-false",
        file.to_str().expect("p"),
    ]);
    let sha = added[0]["sha256"].as_str().expect("sha").to_owned();
    assert!(sb.ok(&["doctor"]).contains("OK"));

    let stored = sb.data.join("evidence/sha256").join(&sha[..2]).join(&sha);
    std::fs::set_permissions(&stored, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut bytes = std::fs::read(&stored).expect("read");
    bytes[700] ^= 0x01;
    std::fs::write(&stored, &bytes).expect("write");

    let out = sb.run(&["doctor"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "doctor exits non-zero on damage"
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("evidence 'debug-check.txt' of run 1, item 'debug-false'")
            && report.contains("its content changed"),
        "{report}"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&sb.run(&["doctor", "--json"]).stdout).expect("json");
    assert_eq!(v["problems"][0]["subject"], "run/1/item/debug-false");
}

#[test]
fn doctor_names_an_edited_activity_entry() {
    let sb = Sandbox::new();
    sb.predeploy_run();
    sb.ok(&["run", "set", "1", "backups", "--status", "pass"]);
    sb.ok(&["run", "set", "1", "firewall", "--status", "fail"]);
    sb.ok(&["run", "set", "1", "https", "--status", "pass"]);
    sqlite3(
        &sb.db(),
        "UPDATE activity SET details = replace(details, 'fail', 'pass') WHERE seq = 3;",
    );
    let out = sb.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("activity entry #3 (result.set on run/1/item/firewall): its content does not match its hash"),
        "{report}"
    );

    sqlite3(&sb.db(), "DELETE FROM activity WHERE seq = 2;");
    let report = String::from_utf8_lossy(&sb.run(&["doctor"]).stdout).into_owned();
    assert!(report.contains("entries 2..2 are missing"), "{report}");
}

// ---- identity ---------------------------------------------------------------

#[test]
fn identity_create_show_and_import_from_the_command_line() {
    let sb = Sandbox::new();
    let err = sb.fails(&["identity", "show"]);
    assert!(err.contains("no signing identity yet"), "{err}");

    // No terminal and no passphrase in the environment: a clear refusal.
    let err = sb.fails(&[
        "identity",
        "create",
        "--name",
        "Zoë Ångström",
        "--email",
        "zoe@example.org",
    ]);
    assert!(err.contains("no passphrase"), "{err}");

    // Issue 11: a weak passphrase is refused with zxcvbn's feedback, from
    // the environment or a file, and nothing is created.
    for weak in ["password", "Zoë Ångström"] {
        let out = sb
            .cmd(&[
                "identity",
                "create",
                "--name",
                "Zoë Ångström",
                "--email",
                "zoe@example.org",
            ])
            .env("SIGNOFF_PASSPHRASE", weak)
            .output()
            .expect("run");
        let err = expect_failure(out, weak);
        assert!(
            err.contains("the passphrase is too weak (strength 0 of 4, 3 needed)"),
            "{weak}: {err}"
        );
        assert!(err.contains("Add another word or two"), "{weak}: {err}");
        assert!(!sb.data.join("identity/key.pem").exists(), "{weak}");
    }
    let weak = sb.path("weak.txt");
    std::fs::write(&weak, "password\n").expect("write");
    let out = sb
        .cmd(&[
            "--json",
            "identity",
            "create",
            "--name",
            "Zoë Ångström",
            "--email",
            "zoe@example.org",
        ])
        .env("SIGNOFF_PASSPHRASE_FILE", &weak)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(json["error"]["code"], "weak_passphrase", "{json}");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("This is a top-10 common password.")),
        "{json}"
    );
    assert!(
        sb.fails(&["identity", "show"])
            .contains("no signing identity yet")
    );

    let pass = sb.path("passphrase.txt");
    std::fs::write(&pass, "correct horse battery\n").expect("write");
    let out = sb
        .cmd(&[
            "--json",
            "identity",
            "create",
            "--name",
            "Zoë Ångström",
            "--email",
            "zoe@example.org",
            "--role",
            "Release manager",
            "--org",
            "Example Ltd",
        ])
        .env("SIGNOFF_PASSPHRASE_FILE", &pass)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(info["name"], "Zoë Ångström");
    let fp = info["fingerprintSha256"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    assert_eq!(fp.len(), 95, "32 bytes as AB:CD:… pairs");
    assert!(sb.ok(&["identity", "show"]).contains(&fp));
    let key = std::fs::read_to_string(sb.data.join("identity/key.pem")).expect("key");
    assert!(key.contains("ENCRYPTED PRIVATE KEY") && !key.contains("BEGIN PRIVATE KEY"));

    let log = sb.json(&["run", "list"]); // the workspace still opens
    assert!(log.as_array().is_some());
    let db = sb.db();
    let out = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT action, subject FROM activity")
        .output()
        .expect("sqlite3");
    let rows = String::from_utf8_lossy(&out.stdout);
    assert!(
        rows.contains(&format!("identity.created|identity/{fp}")),
        "logged: {rows}"
    );

    let again = sb
        .cmd(&[
            "identity",
            "create",
            "--name",
            "X",
            "--email",
            "x@example.org",
        ])
        .env("SIGNOFF_PASSPHRASE", "another passphrase")
        .output()
        .expect("run");
    let err = expect_failure(again, "second identity");
    assert!(err.contains("already exists"), "{err}");

    // Import: a wrong .p12 password is named as such.
    let sb2 = Sandbox::new();
    let junk = sb2.path("org.p12");
    std::fs::write(&junk, b"not a p12").expect("write");
    let out = sb2
        .cmd(&["identity", "import", junk.to_str().expect("p")])
        .env("SIGNOFF_P12_PASSWORD", "x")
        .env("SIGNOFF_PASSPHRASE", "correct horse battery")
        .output()
        .expect("run");
    let err = expect_failure(out, "junk p12");
    assert!(err.contains("org.p12: not a usable PKCS#12 file"), "{err}");
}

/// A data directory on a 4 MiB tmpfs, unmounted on drop (needs root).
#[test]
fn a_full_disk_is_reported_and_loses_nothing() {
    let disk = common::SmallDisk::mount();
    let data = disk.path().join("data");
    let run = |args: &[&str]| {
        std::process::Command::new(common::BIN)
            .arg("--data-dir")
            .arg(&data)
            .args(["--actor", "t"])
            .args(args)
            .output()
            .expect("run")
    };
    assert!(
        run(&["run", "new", "--template", "predeploy", "--target", "v1"])
            .status
            .success()
    );
    assert!(
        run(&[
            "run",
            "set",
            "1",
            "backups",
            "--status",
            "pass",
            "--note",
            "before the disk filled"
        ])
        .status
        .success()
    );

    // Evidence larger than the free space: refused, nothing recorded, no temp file left.
    let big = tempfile::NamedTempFile::new().expect("big");
    std::fs::write(big.path(), vec![7u8; 6 << 20]).expect("write big");
    let err = expect_failure(
        run(&[
            "evidence",
            "add",
            "1",
            "backups",
            big.path().to_str().expect("p"),
        ]),
        "disk full",
    );
    assert!(
        err.contains("the disk is full") && err.contains("nothing was recorded"),
        "{err}"
    );
    let tmp = std::fs::read_dir(data.join("evidence/tmp"))
        .expect("tmp")
        .count();
    assert_eq!(tmp, 0, "the partial copy was removed");

    // Fill what is left, then change a result: refused clearly.
    let filler = disk.path().join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 4 << 20]);
    let out = run(&[
        "run",
        "set",
        "1",
        "firewall",
        "--status",
        "pass",
        "--note",
        &"x".repeat(19_000),
    ]);
    let err = expect_failure(out, "db full");
    assert!(
        err.contains("the disk is full")
            || err.contains("the disk may be full or failing. Nothing was recorded"),
        "{err}"
    );
    std::fs::remove_file(&filler).expect("free space");

    let show = run(&["--json", "run", "show", "1"]);
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).expect("json");
    let backups = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == "backups")
        .expect("backups")
        .clone();
    assert_eq!(
        backups["note"], "before the disk filled",
        "earlier work survives"
    );
    assert!(backups["evidence"].as_array().expect("ev").is_empty());
    assert!(
        run(&["doctor"]).status.success(),
        "the workspace is whole after the disk filled"
    );
}

// ---- verify -------------------------------------------------------------------

fn one_page_pdf() -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.7");
    let pages = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 720 Td (Report) Tj ET".to_vec(),
    ));
    let font = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

#[test]
fn verify_checks_a_pdf_without_any_workspace() {
    let sb = Sandbox::new();
    let out = sb
        .cmd(&[
            "identity",
            "create",
            "--name",
            "Zoë Ångström",
            "--email",
            "zoe@example.org",
        ])
        .env("SIGNOFF_PASSPHRASE", "correct horse battery")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = signoff_signature::IdentityStore::new(&sb.data.join("identity"));
    let signer = store
        .unlock(&signoff_signature::Passphrase::new("correct horse battery"))
        .expect("unlock");
    let opts = signoff_signature::pdf::SignOptions {
        reason: "Prepared by".into(),
        time: chrono::Utc::now(),
    };
    let signed = signoff_signature::pdf::sign_pdf(&one_page_pdf(), &signer, &opts).expect("sign");
    let file = sb.path("report.pdf");
    std::fs::write(&file, &signed).expect("write");
    let cert = sb.data.join("identity/cert.pem");
    let (f, c) = (file.to_str().expect("p"), cert.to_str().expect("p"));

    // An auditor has no workspace: point the data dir somewhere empty.
    let verify = |args: &[&str]| {
        std::process::Command::new(common::BIN)
            .arg("--data-dir")
            .arg(sb.path("nowhere"))
            .args(args)
            .output()
            .expect("run")
    };
    // Its signatures verify, but it is not a Signoff report (no manifest,
    // no SHA256SUMS), so the verdict is "not valid" and says why.
    let ok = verify(&["verify", f, "--trust", c]);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(1), "{text}");
    assert!(
        text.contains("PASS  integrity")
            && text.contains("PASS  trust")
            && text.contains("Zoë Ångström")
            && text.contains("it is not a Signoff report")
            && text.contains("VERDICT: NOT VALID"),
        "{text}"
    );
    assert!(!sb.path("nowhere").exists(), "verify creates no workspace");

    let untrusted = verify(&["verify", f]);
    assert!(
        String::from_utf8_lossy(&untrusted.stdout)
            .contains("----  trust: no certificate to trust against"),
        "{}",
        String::from_utf8_lossy(&untrusted.stdout)
    );

    let mut tampered = signed.clone();
    let at = tampered
        .windows(6)
        .position(|w| w == b"Report")
        .expect("text");
    tampered[at] = b'r';
    let bad = sb.path("tampered.pdf");
    std::fs::write(&bad, &tampered).expect("write");
    let out = verify(&["verify", bad.to_str().expect("p"), "--trust", c, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["ok"], false);
    assert_eq!(v["signatures"]["signatures"][0]["integrity"], false);

    let junk = sb.path("junk.pdf");
    std::fs::write(&junk, b"\x89PNG not a pdf").expect("write");
    let err = expect_failure(verify(&["verify", junk.to_str().expect("p")]), "not a pdf");
    assert!(err.contains("junk.pdf: this is not a PDF file"), "{err}");
    let err = expect_failure(verify(&["verify", f, "--trust", f]), "bad trust file");
    assert!(err.contains("no certificate in it (PEM or DER)"), "{err}");
}

// ---- issue 10: edited history goes unnoticed ------------------------------
//
// The tester edited signoff.db with nothing but SQLite: (a) a failed result
// flipped to pass, (b) the newest activity entries deleted, (c) the log
// rewritten and its (unkeyed) chain re-hashed. Each must make `doctor` fail
// naming the problem, and `sign` refuse the run.

const PASS: &str = "correct horse battery staple";

/// `signoff` with the identity's passphrase in the environment.
fn with_pass(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    let mut c = sb.cmd(args);
    c.env_remove("SIGNOFF_PASSPHRASE_FILE")
        .env("SIGNOFF_PASSPHRASE", PASS);
    common::output_within(c, common::COMMAND_TIMEOUT, &format!("signoff {args:?}"))
}

fn create_identity(sb: &Sandbox) {
    let out = with_pass(
        sb,
        &[
            "identity",
            "create",
            "--name",
            "Ana Approver",
            "--email",
            "ana@example.org",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A run of a two-item template ("one", "two"); returns the run id.
fn tiny_run(sb: &Sandbox) -> String {
    let md = sb.path("tiny.md");
    if !md.exists() {
        std::fs::write(&md, "# Tiny\n\n- [ ] One\n- [ ] Two\n").expect("write");
    }
    let id = sb.ok(&["template", "import", md.to_str().expect("p")]);
    sb.ok(&["run", "new", "--template", id.trim(), "--target", "v1.4.0"])
        .trim()
        .to_owned()
}

/// `doctor` must fail and print `want`; returns its output.
fn doctor_names(sb: &Sandbox, want: &str, why: &str) -> String {
    let out = sb.run(&["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{why}: doctor fails\n{report}");
    assert!(
        report.contains(want),
        "{why}: doctor names it ({want})\n{report}"
    );
    report
}

/// `sign` must refuse the run for its history, naming `want`, and write nothing.
fn sign_refuses(sb: &Sandbox, run: &str, want: &str, why: &str) {
    let pdf = sb.path(&format!("report-{run}.pdf"));
    let out = with_pass(sb, &["sign", run, "-o", pdf.to_str().expect("p")]);
    let err = expect_failure(out, why);
    assert!(
        err.contains("the history does not match its activity log") && err.contains(want),
        "{why}: sign names the first history problem ({want}): {err}"
    );
    assert!(!pdf.exists(), "{why}: no report is written");
}

fn doctor_ok(sb: &Sandbox, when: &str) {
    let out = sb.run(&["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && report.contains("OK: no problems found"),
        "{when}: a workspace changed only through Signoff is OK\n{report}"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&sb.run(&["doctor", "--json"]).stdout).expect("json");
    assert_eq!(
        v["notes"],
        serde_json::json!([]),
        "{when}: everything this version logs can be replayed"
    );
}

/// Rows of a query, through the sqlite3 CLI's JSON mode.
fn sqlite3_rows(db: &std::path::Path, sql: &str) -> Vec<serde_json::Value> {
    let out = std::process::Command::new("sqlite3")
        .arg("-json")
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return Vec::new();
    }
    serde_json::from_slice(&out.stdout).expect("sqlite3 -json")
}

#[test]
fn issue_10_a_result_flipped_in_the_database_is_named_and_cannot_be_signed() {
    let sb = Sandbox::new();
    create_identity(&sb);
    let run = tiny_run(&sb);
    sb.ok(&["run", "set", &run, "one", "--status", "pass"]);
    sb.ok(&["run", "set", &run, "two", "--status", "fail"]);
    let pdf = sb.path("blocked.pdf");
    let err = expect_failure(
        with_pass(&sb, &["sign", &run, "-o", pdf.to_str().expect("p")]),
        "a failed item blocks signing",
    );
    assert!(err.contains("cannot be signed yet"), "{err}");
    doctor_ok(&sb, "before tampering");

    sqlite3(
        &sb.db(),
        "UPDATE results SET status = 'pass' WHERE item_id = 'two';",
    );
    let want = format!("run/{run}/item/two: the table says pass, the log says fail (entry ");
    doctor_names(&sb, &want, "a result flipped with no activity entry");
    sign_refuses(&sb, &run, &want, "the flipped run");
}

#[test]
fn issue_10_deleted_newest_entries_are_named_and_the_run_cannot_be_signed() {
    let sb = Sandbox::new();
    create_identity(&sb);
    let run = tiny_run(&sb);
    sb.ok(&["run", "set", &run, "one", "--status", "pass"]);
    sb.ok(&["run", "set", &run, "two", "--status", "fail"]);
    sb.ok(&[
        "run", "set", &run, "two", "--status", "pass", "--note", "fixed",
    ]);
    let head = sqlite3_rows(&sb.db(), "SELECT MAX(seq) AS head FROM activity;")[0]["head"]
        .as_i64()
        .expect("head");
    doctor_ok(&sb, "before tampering");

    // The tester removes the newest two entries (the fail, then the fix),
    // and the table goes back to what the shortened log says.
    sqlite3(
        &sb.db(),
        &format!(
            "DELETE FROM activity WHERE seq > {}; \
             UPDATE results SET status = 'pending', note = '' WHERE item_id = 'two';",
            head - 2
        ),
    );
    let want = format!(
        "the log ends at entry {} but its checkpoint vouches for entry {head}: entries were deleted",
        head - 2
    );
    doctor_names(&sb, &want, "the newest entries deleted");
    sign_refuses(&sb, &run, &want, "a run whose log lost its tail");
}

#[test]
fn issue_10_a_rewritten_and_rehashed_log_is_named_and_the_run_cannot_be_signed() {
    let sb = Sandbox::new();
    create_identity(&sb);
    let run = tiny_run(&sb);
    sb.ok(&["run", "set", &run, "one", "--status", "pass"]);
    sb.ok(&["run", "set", &run, "two", "--status", "fail"]);
    sb.ok(&["run", "set", &run, "one", "--note", "checked twice"]);
    doctor_ok(&sb, "before tampering");

    // The tester flips the result, rewrites its entry to agree, and
    // recomputes every hash from there on: the chain is whole again.
    let rows = sqlite3_rows(
        &sb.db(),
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM activity ORDER BY seq;",
    );
    let text = |r: &serde_json::Value, k: &str| r[k].as_str().expect(k).to_owned();
    let mut sql = String::from("UPDATE results SET status = 'pass' WHERE item_id = 'two';\n");
    let mut prev = signoff_core::activity::GENESIS.to_owned();
    for r in &rows {
        let seq = r["seq"].as_i64().expect("seq");
        let mut details = text(r, "details");
        if text(r, "subject").ends_with("/item/two") && text(r, "action") == "result.set" {
            details = details.replace("\"status\":\"fail\"", "\"status\":\"pass\"");
        }
        let hash = signoff_core::activity::entry_hash(
            &prev,
            seq,
            &text(r, "at"),
            &text(r, "actor"),
            &text(r, "action"),
            &text(r, "subject"),
            &details,
        );
        sql += &format!(
            "UPDATE activity SET details = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {seq};\n",
            details.replace('\'', "''")
        );
        prev = hash;
    }
    sqlite3(&sb.db(), &sql);
    let head = rows.last().expect("entries")["seq"].as_i64().expect("seq");

    let report = doctor_names(
        &sb,
        &format!(
            "entry {head} is not the entry the checkpoint vouches for (its hash differs): the log was rewritten and re-hashed without the key"
        ),
        "a re-hashed log",
    );
    assert!(
        !report.contains("does not match its hash") && !report.contains("the table says"),
        "the forgery is consistent: only the checkpoint shows it\n{report}"
    );
    sign_refuses(
        &sb,
        &run,
        "re-hashed without the key",
        "a run whose log was re-hashed",
    );
}

/// Many operations through Signoff, of every kind the log replays: doctor
/// stays OK throughout, signing works, and the report carries the log head.
#[test]
fn issue_10_a_clean_workspace_stays_ok_through_many_operations() {
    let sb = Sandbox::at("2026-11-27 10:00:00");
    create_identity(&sb);
    let run = tiny_run(&sb);
    let file = sb.path("scan.txt");
    std::fs::write(&file, "nothing listening on 22\n").expect("write");
    let f = file.to_str().expect("p");
    sb.ok(&[
        "run", "set", &run, "one", "--status", "pass", "--note", "ok",
    ]);
    let added = sb.json(&["evidence", "add", &run, "one", f]);
    let first = added[0]["id"].as_i64().expect("id").to_string();
    sb.ok(&["evidence", "note", &run, "one", "seen on the console"]);
    sb.ok(&["evidence", "link", &run, "two", "https://example.org/scan"]);
    sb.ok(&["evidence", "add", &run, "two", f]);
    sb.ok(&["evidence", "remove", &first]);
    sb.ok(&[
        "run",
        "set",
        &run,
        "two",
        "--status",
        "na",
        "--reason",
        "no server",
    ]);
    sb.ok(&["run", "set", &run, "two", "--status", "fail"]);
    sb.ok(&[
        "run",
        "waive",
        &run,
        "two",
        "--justification",
        "behind the VPN",
        "--expires",
        "2026-12-31",
    ]);
    sb.ok(&["run", "gate", &run, "on"]);
    sb.ok(&["run", "gate", &run, "off"]);
    doctor_ok(&sb, "after results, evidence, waivers and the gate");

    sb.ok(&["schedule", "list"]);
    sb.ok(&[
        "schedule",
        "add",
        "--title",
        "Restore test",
        "--every",
        "weekly",
        "--id",
        "restore",
    ]);
    sb.ok(&[
        "schedule",
        "done",
        "restore",
        "--note",
        "restored",
        "--evidence",
        f,
    ]);
    sb.ok(&[
        "schedule", "edit", "restore", "--every", "monthly", "--owner", "ops",
    ]);
    sb.ok(&["schedule", "pause", "restore"]);
    sb.ok(&["schedule", "resume", "restore"]);
    sb.ok(&["schedule", "archive", "restore"]);
    doctor_ok(&sb, "after the schedule");

    let pdf = sb.path("signed.pdf");
    let out = with_pass(&sb, &["sign", &run, "-o", pdf.to_str().expect("p")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    doctor_ok(&sb, "after signing");
    let cert = sb.data.join("identity/cert.pem");
    let verified = sb.ok(&[
        "verify",
        pdf.to_str().expect("p"),
        "--trust",
        cert.to_str().expect("p"),
    ]);
    assert!(
        verified.contains("when the report was made"),
        "verify shows the log head the report carries\n{verified}"
    );
    let signoffs = sqlite3_rows(
        &sb.db(),
        "SELECT log_head_seq, log_head_hash FROM signoffs;",
    );
    assert!(
        signoffs[0]["log_head_seq"].as_i64().is_some_and(|s| s > 0)
            && signoffs[0]["log_head_hash"]
                .as_str()
                .is_some_and(|h| h.len() == 64),
        "the sign-off records the head its report carries: {signoffs:?}"
    );

    let next = sb.ok(&["run", "reopen", &run]).trim().to_owned();
    sb.ok(&["run", "set", &next, "two", "--status", "pass"]);
    sb.ok(&["evidence", "note", &next, "two", "fixed in v1.4.1"]);
    doctor_ok(&sb, "after reopening");
}
