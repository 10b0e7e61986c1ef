//! What the project needs from the system, in one place, and installing it:
//! Debian packages (apt-get, with sudo when not root), npm packages (npm ci
//! from the committed lock files) and tauri-driver (cargo install, pinned).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{step, workspace_root};

/// Building: a C toolchain for the bundled SQLite, WebKitGTK for the window.
pub const BUILD: &[&str] = &["build-essential", "pkg-config", "libwebkit2gtk-4.1-dev"];

/// Testing adds: the sqlite3 CLI (tamper tests edit the database behind
/// Signoff's back), setpriv (unprivileged runs, so permission errors are
/// real under root), GNU time (peak memory in benches), for the app in its
/// real webview: WebKitWebDriver, Xvfb, xauth, a font, ImageMagick
/// (screenshots) and python3-xlib (closing the window like a window
/// manager); for signed PDFs: poppler-utils (pdfsig), qpdf, the OpenSSL CLI
/// (an independent reader of keys and PKCS#12 files) and python3-venv (for
/// pyHanko, installed from PyPI into target/tools); libfaketime (the CLI's
/// schedule is run on hundreds of dates); strace (the CLI and the app are
/// traced to prove they open no network socket; `unshare`, for the network
/// namespace, comes with util-linux).
pub const TEST: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "sqlite3",
    "util-linux",
    "time",
    "webkit2gtk-driver",
    "xvfb",
    "xauth",
    "fonts-dejavu-core",
    "imagemagick",
    "python3-xlib",
    "poppler-utils",
    "qpdf",
    "openssl",
    "python3-venv",
    "faketime",
    "strace",
];

/// Fuzzing (`cargo xtask fuzz`): a C++ compiler for libFuzzer's runtime
/// (and C for the bundled SQLite); for the verifier's seeds, the OpenSSL
/// CLI (the forger's key) and python3-venv (pyHanko crafts the forgeries).
pub const FUZZ: &[&str] = &["build-essential", "openssl", "python3-venv"];

const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// Installs whichever of `packages` are missing, saying so.
pub fn ensure(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if Command::new("apt-get").arg("--version").output().is_err() {
        bail!(
            "these system packages are missing and this is not a Debian/Ubuntu system with apt-get: {}",
            missing.join(" ")
        );
    }
    step(&format!(
        "installing system packages: {}",
        missing.join(" ")
    ));
    run_root(&["apt-get", "update", "-qq"])?;
    let mut args = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    run_root(&args)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run_root(args: &[&str]) -> Result<()> {
    let root = is_root();
    let mut cmd = if root {
        Command::new(args[0])
    } else {
        let mut c = Command::new("sudo");
        c.arg(args[0]);
        c
    };
    cmd.args(&args[1..])
        .env("DEBIAN_FRONTEND", "noninteractive");
    eprintln!("    {}{}", if root { "" } else { "sudo " }, args.join(" "));
    let status = cmd
        .status()
        .with_context(|| format!("running {}", args[0]))?;
    if !status.success() {
        bail!("{} failed ({status})", args.join(" "));
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// `npm ci` in `dir` unless its node_modules matches the lock file already.
pub fn npm_ci(dir: &Path) -> Result<()> {
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => s.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step(&format!(
        "npm ci in {}",
        dir.strip_prefix(workspace_root()).unwrap_or(dir).display()
    ));
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .context("running npm (is Node.js installed?)")?;
    if !status.success() {
        bail!("npm ci failed in {}", dir.display());
    }
    Ok(())
}

/// The tauri-driver binary, installed with cargo (pinned) if missing.
pub fn tauri_driver() -> Result<std::path::PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let bin = home.join("bin/tauri-driver");
    let ok = Command::new(&bin)
        .arg("--help")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        step(&format!(
            "installing tauri-driver {TAURI_DRIVER_VERSION} (cargo install)"
        ));
        crate::cargo(&[
            "install",
            "tauri-driver",
            "--version",
            TAURI_DRIVER_VERSION,
            "--locked",
        ])?;
    }
    Ok(bin)
}

const NEXTEST_VERSION: &str = "0.9.143";

/// cargo-nextest, which runs the Rust tests each in its own process with a
/// time limit (`.config/nextest.toml`); installed when missing.
pub fn nextest() -> Result<()> {
    let ok = Command::new(crate::cargo_bin())
        .args(["nextest", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        step(&format!(
            "installing cargo-nextest {NEXTEST_VERSION} (cargo install)"
        ));
        crate::cargo(&[
            "install",
            "cargo-nextest",
            "--version",
            NEXTEST_VERSION,
            "--locked",
        ])?;
    }
    Ok(())
}

/// pyHanko versions the signature tests were written against, and the
/// independent iCalendar parser the schedule export is checked with.
const PYHANKO: &[&str] = &[
    "pyhanko==0.38.0",
    "pyhanko-certvalidator==0.33.0",
    "pyhanko-cli==0.6.0",
    "icalendar==7.3.2",
    "python-dateutil==4.0.0",
];

/// The pyhanko CLI (and the Python tools above) in a virtualenv under
/// target/tools (pip, pinned).
pub fn pyhanko() -> Result<std::path::PathBuf> {
    let venv = workspace_root().join("target/tools/pyhanko-venv");
    let bin = venv.join("bin/pyhanko");
    let marker = venv.join(PYHANKO.join(" ").replace(['=', ' '], "_"));
    if bin.exists() && marker.exists() {
        return Ok(bin);
    }
    step(&format!(
        "installing {} into {}",
        PYHANKO.join(" "),
        venv.display()
    ));
    let status = Command::new("/usr/bin/python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .status()
        .context("creating a Python virtualenv (python3-venv)")?;
    if !status.success() {
        bail!("python3 -m venv failed");
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(PYHANKO)
        .status()
        .context("running pip")?;
    if !status.success() {
        bail!("pip install pyhanko failed");
    }
    std::fs::write(&marker, b"")?;
    Ok(bin)
}
