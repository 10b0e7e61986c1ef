//! Helpers for black-box tests of the `signoff` binary: a sandbox data
//! directory, running commands, and running them as an unprivileged user
//! (tests usually run as root here, and root ignores file permissions).

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_signoff");

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    /// When set, every command runs under libfaketime starting at this
    /// time (`YYYY-MM-DD HH:MM:SS`, UTC; the clock keeps running), so a
    /// test passes on any day it is run.
    pub clock: Option<String>,
}

/// The longest any single command may take before the test fails naming
/// it (a hang must fail fast, not use up CI's time).
pub const COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        // World-accessible so that an unprivileged user can reach files here.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
        let data = dir.path().join("data");
        Sandbox {
            dir,
            data,
            clock: None,
        }
    }

    /// A sandbox whose commands all run at `when` (`YYYY-MM-DD HH:MM:SS`).
    pub fn at(when: &str) -> Self {
        let mut sb = Sandbox::new();
        sb.clock = Some(when.to_owned());
        sb
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.data.join("signoff.db")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = match &self.clock {
            Some(when) => faketime(when, BIN),
            None => Command::new(BIN),
        };
        c.arg("--data-dir")
            .arg(&self.data)
            .args(["--actor", "Test Runner"])
            .args(args);
        c.env_remove("SIGNOFF_DATA_DIR");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let what = match &self.clock {
            Some(when) => format!("signoff {args:?} at {when}"),
            None => format!("signoff {args:?}"),
        };
        output_within(self.cmd(args), COMMAND_TIMEOUT, &what)
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "signoff {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and expects failure with a one-line reason; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        expect_failure(self.run(args), &format!("{args:?}"))
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).expect("valid JSON on stdout")
    }

    /// A run of the built-in pre-deployment checklist; returns its id.
    pub fn predeploy_run(&self) -> String {
        self.ok(&[
            "run",
            "new",
            "--template",
            "predeploy",
            "--target",
            "v1.4.0",
            "--env",
            "production",
        ])
        .trim()
        .to_owned()
    }

    /// The same command, as an unprivileged user when we are root.
    pub fn unprivileged(&self, args: &[&str]) -> Output {
        let mut c = match unprivileged_bin() {
            Some(bin) => {
                let mut c = Command::new("setpriv");
                c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                    .arg(bin);
                c
            }
            None => Command::new(BIN),
        };
        c.arg("--data-dir")
            .arg(&self.data)
            .args(["--actor", "Test Runner"])
            .args(args);
        c.output().expect("spawn signoff")
    }
}

/// `program` under libfaketime (Debian's `faketime`), its clock starting at
/// `when` and running on (the `@` form). The library is preloaded directly:
/// the `faketime` wrapper keeps a named semaphore per process id, and one
/// left behind by a killed run makes a later wrapper with that id fail.
pub fn faketime(when: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env("LD_PRELOAD", libfaketime())
        .env("FAKETIME", format!("@{when}"))
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    c
}

/// Where Debian's `faketime` package put the library (multiarch folder).
fn libfaketime() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let multiarch = std::fs::read_dir("/usr/lib")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("faketime/libfaketime.so.1"));
        std::iter::once(PathBuf::from("/usr/lib/faketime/libfaketime.so.1"))
            .chain(multiarch)
            .find(|p| p.exists())
            .expect("libfaketime (Debian package faketime; `cargo xtask test` installs it)")
    })
}

/// Runs `cmd` to completion with its output, or kills it and fails the
/// test naming `what` when it takes longer than `limit`.
pub fn output_within(mut cmd: Command, limit: std::time::Duration, what: &str) -> Output {
    use std::process::Stdio;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap_or_else(|e| panic!("{what}: {e}")),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!(
                "{what} did not finish within {} s (killed)",
                limit.as_secs()
            );
        }
    }
}

/// `pyhanko sign validate` of `pdf` trusting `trust` (no revocation
/// checks, offline): its output. `SIGNOFF_PYHANKO` names the binary
/// (`cargo xtask test` installs it in a virtualenv).
pub fn pyhanko_validate(pdf: &Path, trust: &[&Path]) -> Output {
    let bin = std::env::var("SIGNOFF_PYHANKO").unwrap_or_else(|_| "pyhanko".into());
    let mut c = Command::new(bin);
    c.args([
        "sign",
        "validate",
        "--pretty-print",
        "--no-revocation-check",
        "--trust-replace",
    ]);
    for t in trust {
        c.arg("--trust").arg(t);
    }
    c.arg(pdf)
        .output()
        .expect("pyhanko (cargo xtask test installs it)")
}

/// `signoff` as an auditor runs it: no workspace, and an empty trust store
/// of its own (a data folder that does not exist), so the user's own trust
/// store never decides a test's verdict.
pub fn auditor() -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir")
        .arg(std::env::temp_dir().join("signoff-tests-auditor-has-no-workspace"))
        .env_remove("SIGNOFF_DATA_DIR");
    c
}

pub fn expect_failure(out: Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "{what} should fail; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{what}: one line on stderr, got: {stderr}"
    );
    assert!(stderr.starts_with("signoff: error: "), "{what}: {stderr}");
    stderr
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// When root, a copy of the binary that user 65534 can execute (the build
/// directory may not be reachable by other users). One copy per built binary
/// (named by its size and modification time), shared by every test process
/// and replaced atomically, so repeated runs do not fill the temp directory
/// with a 370 MB copy per process.
fn unprivileged_bin() -> Option<&'static Path> {
    static BIN_COPY: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN_COPY
        .get_or_init(|| {
            if !is_root() {
                return None;
            }
            let meta = std::fs::metadata(BIN).expect("test binary");
            let built = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            // One directory per build tree, so two checkouts never remove each other's copy.
            let tree = {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                BIN.hash(&mut h);
                h.finish()
            };
            let dir = std::env::temp_dir().join(format!("signoff-test-bin-{tree:016x}"));
            std::fs::create_dir_all(&dir).expect("bin dir");
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let copy = dir.join(format!("signoff-{}-{built}", meta.len()));
            if !copy.exists() {
                // Older builds' copies go; a process still running one keeps its inode.
                for old in std::fs::read_dir(&dir).expect("bin dir").flatten() {
                    if old.file_name().to_string_lossy().starts_with("signoff-") {
                        let _ = std::fs::remove_file(old.path());
                    }
                }
                let partial = dir.join(format!(".partial-{}", std::process::id()));
                std::fs::copy(BIN, &partial).expect("copy binary");
                std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
                std::fs::rename(&partial, &copy).expect("rename binary copy");
            }
            Some(copy)
        })
        .as_deref()
}

/// SHA-256 of a file by coreutils' `sha256sum`, an independent implementation.
pub fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub fn sqlite3(db: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("the sqlite3 CLI (cargo xtask test installs it)");
    assert!(
        out.status.success(),
        "sqlite3 {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 4 MiB tmpfs, unmounted when dropped: a disk that really fills up.
/// The kernel answers a write that does not fit with ENOSPC, exactly as
/// on a full disk (RLIMIT_FSIZE would be no stand-in: it raises SIGXFSZ
/// and EFBIG, which a full disk never does). Mounting needs root, as the
/// tests run here and in CI; without it the test fails saying so.
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    pub fn mount() -> SmallDisk {
        assert!(
            is_root(),
            "mounting a small tmpfs to fill a disk needs root (the tests run as root here and in CI)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(ok.success(), "mount a 4 MiB tmpfs");
        // World-accessible like a sandbox, for unprivileged runs.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
        SmallDisk { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}
