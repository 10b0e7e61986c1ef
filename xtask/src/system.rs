//! System packages the project needs, in one place, and their installation.

use std::process::Command;

use anyhow::{Result, bail};

/// Building: a C toolchain for the bundled SQLite.
pub const BUILD: &[&str] = &["build-essential", "pkg-config"];
/// Testing: the sqlite3 CLI (tamper tests edit the database behind
/// Signoff's back), setpriv (run as an unprivileged user when tests run as
/// root, so permission errors are real), GNU time (peak memory in benches).
pub const TEST: &[&str] = &[
    "build-essential",
    "pkg-config",
    "sqlite3",
    "util-linux",
    "time",
];
pub const ALL: &[&str] = TEST;

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
    crate::step(&format!(
        "installing system packages: {}",
        missing.join(" ")
    ));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let run = |args: &[&str]| -> Result<()> {
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
        let status = cmd.status()?;
        if !status.success() {
            bail!("{} failed ({status})", args.join(" "));
        }
        Ok(())
    };
    run(&["apt-get", "update", "-qq"])?;
    let mut args = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    run(&args)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}
