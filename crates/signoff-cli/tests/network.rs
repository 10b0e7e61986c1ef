//! No network, proven (issue 11). A whole CLI workflow (template import, a
//! run, evidence, results, an identity, sign, verify, a schedule task added
//! and done with evidence, the iCalendar export, doctor) runs
//!
//! - inside a network namespace with no interface but a loopback that is
//!   down and no route (`unshare -n`): it must all work, so nothing in it
//!   needs the network;
//! - under `strace -f -e trace=network`: the only socket family it may open
//!   is AF_UNIX, and no address it passes to the kernel may be an IP one.
//!
//! Neither tool is optional: a machine without `unshare` or `strace`
//! (`cargo xtask test` installs util-linux and strace) fails these tests
//! with a message saying so, rather than skipping them.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{COMMAND_TIMEOUT, Sandbox, output_within};

const PASS: &str = "vellum-orchard-stapled-47-quietly";
const TODAY: &str = "2026-11-27 10:00:00";

/// `cmd` (program, arguments and environment) run as the argument list of
/// `prefix`, e.g. `unshare -n -- signoff …`.
fn wrapped(prefix: &[&str], cmd: &Command) -> Command {
    let mut c = Command::new(prefix[0]);
    c.args(&prefix[1..])
        .arg("--")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

/// Fails the test saying what to install when `tool` cannot be started.
fn require(tool: &str, package: &str) {
    let found = Command::new(tool).arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "`{tool}` is needed to prove that Signoff works without a network and is not \
         installed (Debian package {package}; `cargo xtask test` installs it). \
         This test fails rather than skip silently."
    );
}

/// `unshare` with a new network namespace. We run as root (here and in
/// CI), where `-n` alone works. An unprivileged user may not create a
/// network namespace in the initial user namespace, so there `-r` first
/// makes a user namespace in which they are root (the kernel allows that
/// to anyone when unprivileged user namespaces are enabled); the network
/// namespace is the same either way.
fn unshare_prefix() -> Vec<&'static str> {
    if common::is_root() {
        vec!["unshare", "-n"]
    } else {
        vec!["unshare", "-r", "-n"]
    }
}

/// One step of the workflow, run through `wrap`; fails naming the step.
fn step(
    sb: &Sandbox,
    wrap: &dyn Fn(&Command, &str) -> Command,
    name: &str,
    args: &[&str],
) -> Output {
    let mut cmd = sb.cmd(args);
    cmd.env_remove("SIGNOFF_PASSPHRASE_FILE")
        .env("SIGNOFF_PASSPHRASE", PASS);
    let out = output_within(wrap(&cmd, name), COMMAND_TIMEOUT, name);
    assert!(
        out.status.success(),
        "{name} (signoff {args:?}) failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The whole workflow; every command goes through `wrap`. Returns the
/// number of commands run.
fn workflow(sb: &Sandbox, wrap: &dyn Fn(&Command, &str) -> Command) -> usize {
    let p = |name: &str| sb.path(name).to_str().expect("utf-8 path").to_owned();
    std::fs::write(sb.path("tiny.md"), "# Tiny\n\n- [ ] One\n- [ ] Two\n").expect("write");
    std::fs::write(sb.path("scan.txt"), "nmap: 2 ports open\n").expect("write");
    let mut n = 0;
    let mut run = |name: &str, args: &[&str]| {
        n += 1;
        step(sb, wrap, name, args)
    };
    let template = stdout(&run(
        "template-import",
        &["template", "import", &p("tiny.md")],
    ));
    let id = stdout(&run(
        "run-new",
        &["run", "new", "--template", &template, "--target", "v1.4.0"],
    ));
    run(
        "evidence-add",
        &["evidence", "add", &id, "one", &p("scan.txt")],
    );
    run(
        "evidence-note",
        &["evidence", "note", &id, "two", "seen on the console"],
    );
    run(
        "result-one",
        &["run", "set", &id, "one", "--status", "pass"],
    );
    run(
        "result-two",
        &["run", "set", &id, "two", "--status", "pass"],
    );
    let shown: serde_json::Value =
        serde_json::from_str(&stdout(&run("run-show", &["--json", "run", "show", &id])))
            .expect("run show --json");
    assert_eq!(shown["counts"]["pass"], 2, "both results were recorded");
    run(
        "identity-create",
        &[
            "identity",
            "create",
            "--name",
            "Ana Approver",
            "--email",
            "ana@example.org",
        ],
    );
    run("sign", &["sign", &id, "-o", &p("report.pdf")]);
    let cert = sb.data.join("identity/cert.pem");
    let verified = stdout(&run(
        "verify",
        &[
            "verify",
            &p("report.pdf"),
            "--trust",
            cert.to_str().expect("p"),
        ],
    ));
    assert!(verified.contains("VERDICT: VALID"), "{verified}");
    run(
        "schedule-add",
        &[
            "schedule",
            "add",
            "--id",
            "rotate-keys",
            "--title",
            "Rotate keys",
            "--every",
            "monthly",
            "--start",
            "2026-11-20",
        ],
    );
    run(
        "schedule-done",
        &[
            "schedule",
            "done",
            "rotate-keys",
            "--note",
            "rotated",
            "--evidence",
            &p("scan.txt"),
        ],
    );
    run("ics", &["schedule", "ics", "-o", &p("schedule.ics")]);
    let ics = std::fs::read_to_string(sb.path("schedule.ics")).expect("ics written");
    assert!(ics.contains("Rotate keys"), "{ics}");
    run("doctor", &["doctor"]);
    n
}

#[test]
fn the_whole_workflow_runs_in_a_network_namespace_with_no_interfaces() {
    require("unshare", "util-linux");
    let prefix = unshare_prefix();
    // The namespace really has no network: only a loopback, and a
    // connection to an IP address fails at once (bash's /dev/tcp).
    let mut probe = Command::new("cat");
    probe.arg("/proc/self/net/dev");
    let out = output_within(wrapped(&prefix, &probe), COMMAND_TIMEOUT, "unshare probe");
    assert!(
        out.status.success(),
        "`{}` could not make a network namespace: {}",
        prefix.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    let ifaces: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(|s| s.trim().to_owned())
        .collect();
    assert_eq!(
        ifaces,
        ["lo"],
        "a new network namespace has only a loopback"
    );
    let mut connect = Command::new("bash");
    connect.args(["-c", "exec 3<>/dev/tcp/192.0.2.1/443"]);
    let out = output_within(wrapped(&prefix, &connect), COMMAND_TIMEOUT, "connect probe");
    assert!(
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("Network is unreachable"),
        "inside the namespace no IP address is reachable: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let sb = Sandbox::at(TODAY);
    let steps = workflow(&sb, &|cmd, _| wrapped(&prefix, cmd));
    assert_eq!(steps, 14, "every step ran without a network");
}

/// What a `strace -e trace=network` log shows that is not allowed for the
/// CLI: a socket family other than AF_UNIX (AF_LOCAL is its other name), or
/// an IP address handed to the kernel (connect, sendto, bind…). Each entry
/// is the offending line.
fn non_unix_network(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| {
            let families = l
                .match_indices("AF_")
                .map(|(i, _)| {
                    l[i..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .any(|f| f != "AF_UNIX" && f != "AF_LOCAL");
            families || l.contains("inet_addr(") || l.contains("inet_pton(")
        })
        .map(str::to_owned)
        .collect()
}

/// Every socket family a trace names, for the record.
fn families(trace: &str) -> std::collections::BTreeSet<String> {
    trace
        .match_indices("socket(")
        .chain(trace.match_indices("socketpair("))
        .filter_map(|(i, _)| {
            let rest = &trace[i..];
            let open = rest.find('(')? + 1;
            let end = rest[open..].find([',', ')'])? + open;
            Some(rest[open..end].to_owned())
        })
        .collect()
}

fn strace(trace: &Path) -> Vec<String> {
    vec![
        "strace".into(),
        "-f".into(),
        "-qq".into(),
        "-e".into(),
        "trace=network".into(),
        "-o".into(),
        trace.to_str().expect("utf-8 path").to_owned(),
    ]
}

#[test]
fn the_whole_workflow_opens_no_socket_but_unix_ones() {
    require("strace", "strace");
    let sb = Sandbox::at(TODAY);
    let traces = sb.path("traces");
    std::fs::create_dir_all(&traces).expect("mkdir");

    // The check can fail: a program that opens an IP socket is caught.
    let control = traces.join("control.txt");
    let prefix = strace(&control);
    let prefix: Vec<&str> = prefix.iter().map(String::as_str).collect();
    let mut tcp = Command::new("bash");
    tcp.args(["-c", "exec 3<>/dev/tcp/127.0.0.1/9 || true"]);
    output_within(wrapped(&prefix, &tcp), COMMAND_TIMEOUT, "strace control");
    let caught = non_unix_network(&std::fs::read_to_string(&control).expect("control trace"));
    assert!(
        caught.iter().any(|l| l.contains("AF_INET"))
            && caught
                .iter()
                .any(|l| l.contains("inet_addr(\"127.0.0.1\")")),
        "the check catches bash opening a TCP socket to 127.0.0.1: {caught:?}"
    );

    let steps = workflow(&sb, &|cmd, name| {
        let prefix = strace(&traces.join(format!("{name}.txt")));
        let prefix: Vec<&str> = prefix.iter().map(String::as_str).collect();
        wrapped(&prefix, cmd)
    });
    let mut seen = std::collections::BTreeSet::new();
    let mut traced = 0;
    for e in std::fs::read_dir(&traces).expect("traces").flatten() {
        if e.file_name() == "control.txt" {
            continue;
        }
        traced += 1;
        let trace = std::fs::read_to_string(e.path()).expect("trace");
        seen.extend(families(&trace));
        let bad = non_unix_network(&trace);
        assert!(
            bad.is_empty(),
            "{}: Signoff used the network:\n{}",
            e.file_name().to_string_lossy(),
            bad.join("\n")
        );
    }
    assert_eq!(traced, steps, "one trace per command");
    eprintln!("socket families the CLI opened over the workflow: {seen:?}");
}
