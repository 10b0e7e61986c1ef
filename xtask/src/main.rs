//! Project tasks, one entry point: `cargo xtask run | test | bench`.
//!
//! Each task first makes sure the system packages it needs are installed
//! (Debian/Ubuntu, via apt-get; sudo when not root) and says what it does,
//! so the two README commands work on a fresh machine with only Rust, Node
//! and root/sudo.

use std::process::Command;

use anyhow::{Context, Result, bail};

mod bench;
mod system;

fn main() -> std::process::ExitCode {
    match task() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn task() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    match task {
        "run" => run(rest),
        "test" => test(),
        "bench" => bench::all(),
        "deps" => system::ensure(system::ALL),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n  run    build and launch Signoff (installs what it needs)\n  test   every check: fmt, clippy, unit, integration and crash tests\n  bench  print performance figures (release build)\n  deps   install the system packages only"
            );
            if task == "help" {
                Ok(())
            } else {
                bail!("unknown task '{task}'")
            }
        }
    }
}

/// Builds and launches the app. Until the desktop window exists this is the
/// `signoff` CLI: with no arguments it prints its help.
fn run(args: &[String]) -> Result<()> {
    system::ensure(system::BUILD)?;
    step("building signoff (release)");
    cargo(&["build", "--release", "-p", "signoff-cli"])?;
    let bin = workspace_root().join("target/release/signoff");
    let args: Vec<&str> = if args.is_empty() {
        vec!["--help"]
    } else {
        args.iter().map(String::as_str).collect()
    };
    step(&format!("launching {} {}", bin.display(), args.join(" ")));
    let status = Command::new(&bin)
        .args(&args)
        .status()
        .context("launching signoff")?;
    if !status.success() {
        bail!("signoff exited with {status}");
    }
    Ok(())
}

/// Everything CI checks, in order of speed: formatting, lints, tests.
fn test() -> Result<()> {
    system::ensure(system::TEST)?;
    step("cargo fmt --check");
    cargo(&["fmt", "--all", "--", "--check"])?;
    step("cargo clippy (warnings are errors)");
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    step("cargo test (unit, integration, CLI, crash and tamper tests)");
    cargo(&["test", "--workspace"])?;
    step("all checks passed");
    Ok(())
}

pub(crate) fn cargo(args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

pub(crate) fn workspace_root() -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_owned()
}

pub(crate) fn step(what: &str) {
    eprintln!("\n==> {what}");
}
