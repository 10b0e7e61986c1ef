//! Project tasks, one entry point: `cargo xtask run | test | soak | bench | measure | fuzz | codegen`.
//!
//! Each task first makes sure what it needs is installed (Debian packages,
//! npm packages, tauri-driver) and says what it does, so the two README
//! commands work on a fresh machine with only Rust, Node and root/sudo.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod bench;
mod bench_report;
mod fuzz;
mod measure;
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
        "soak" => soak(rest.first().map(String::as_str)),
        "bench" => bench::all(rest.first().map(String::as_str)),
        "measure" => measure::all(),
        "fuzz" => fuzz::task(rest),
        "codegen" => codegen(),
        "deps" => system::ensure(system::TEST),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n  run      build and launch the Signoff desktop app (installs what it needs)\n  test     every check: fmt, clippy, UI type check and lint, unit, integration, crash and end-to-end tests\n  soak     1,000 kill rounds: every writing operation SIGKILLed mid-way, checked after each (`soak N` for N rounds)\n  bench    evidence import, result persistence and signed export benchmarks (release build; `bench report` for the last alone)\n  measure  app launch time, opening a 2,000-item run, idle memory, binary size\n  fuzz     coverage-guided fuzzing: `fuzz [TARGET] [--time SECONDS | --runs N] [--dir DIR]` (10 million executions per target by default)\n  codegen  regenerate the UI's TypeScript bindings from the Rust types\n  deps     install the system packages only"
            );
            if task == "help" {
                Ok(())
            } else {
                bail!("unknown task '{task}'")
            }
        }
    }
}

/// Builds the UI and the release app, then launches it.
fn run(args: &[String]) -> Result<()> {
    system::ensure(system::BUILD)?;
    build_release()?;
    let bin = workspace_root().join("target/release/signoff-app");
    step(&format!("launching {}", bin.display()));
    let status = Command::new(&bin)
        .args(args)
        .status()
        .context("launching Signoff")?;
    if !status.success() {
        bail!("Signoff exited with {status}");
    }
    Ok(())
}

/// The UI bundle, then the release app (serving it through Tauri's custom
/// protocol, as a packaged build does) and the CLI.
pub(crate) fn build_release() -> Result<()> {
    build_ui()?;
    step("building the Signoff app and CLI (release)");
    cargo(&[
        "build",
        "--release",
        "-p",
        "signoff-cli",
        "-p",
        "signoff-app",
        "--features",
        "signoff-app/custom-protocol",
    ])
}

/// Everything CI checks, cheapest first.
fn test() -> Result<()> {
    system::ensure(system::TEST)?;
    build_ui()?;
    lint_ui()?;
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
    let pyhanko = system::pyhanko()?;
    system::nextest()?;
    step(
        "cargo nextest run (unit, property, integration, CLI, schedule on 219 days, crash, tamper, signature and bindings tests; each with a time limit)",
    );
    let status = Command::new(cargo_bin())
        .args(["nextest", "run", "--workspace", "--no-tests=fail"])
        .env("SIGNOFF_PYHANKO", &pyhanko)
        .env("SIGNOFF_PYTHON", pyhanko.with_file_name("python"))
        .current_dir(workspace_root())
        .status()
        .context("running cargo nextest")?;
    if !status.success() {
        bail!("cargo nextest run failed ({status})");
    }
    step("fuzzing: a short run of every target (SIGNOFF_FUZZ_SECONDS each, 60 by default)");
    fuzz::short()?;
    end_to_end()?;
    step("all checks passed");
    Ok(())
}

/// The kill rounds of `crates/signoff-cli/tests/crash.rs` at scale: 1,000
/// rounds (or `rounds`) instead of the 60 of `cargo xtask test`, without
/// nextest's time limit (profile `soak`). The seed is printed first;
/// `SIGNOFF_CRASH_SEED` replays one.
fn soak(rounds: Option<&str>) -> Result<()> {
    let rounds = rounds.unwrap_or("1000");
    if !matches!(rounds.parse::<u32>(), Ok(n) if n > 0) {
        bail!("'{rounds}' is not a number of rounds");
    }
    system::ensure(system::TEST)?;
    system::nextest()?;
    step(&format!(
        "{rounds} kill rounds (signoff-cli tests/crash.rs; figures at the end)"
    ));
    let status = Command::new(cargo_bin())
        .args([
            "nextest",
            "run",
            "--profile",
            "soak",
            "-p",
            "signoff-cli",
            "--test",
            "crash",
            "--no-capture",
        ])
        .env("SIGNOFF_CRASH_ROUNDS", rounds)
        .current_dir(workspace_root())
        .status()
        .context("running cargo nextest")?;
    if !status.success() {
        bail!(
            "the kill rounds failed ({status}); replay with the SIGNOFF_CRASH_SEED printed above"
        );
    }
    step("kill rounds passed");
    Ok(())
}

/// `npm ci`, the TypeScript type check, and the production bundle that the
/// app embeds (so it must exist before any cargo build of the app).
fn build_ui() -> Result<()> {
    let ui = workspace_root().join("ui");
    system::npm_ci(&ui)?;
    step("ui: type check (tsc --noEmit)");
    npm(&ui, &["run", "check"])?;
    step("ui: vite build");
    npm(&ui, &["run", "build"])
}

/// The UI's lint (ESLint with the Rules of Hooks: hooks called
/// unconditionally, complete dependency lists, refs not read while
/// rendering); a check of `cargo xtask test`, run after `build_ui`.
fn lint_ui() -> Result<()> {
    step("ui: lint (eslint, react-hooks rules)");
    npm(&workspace_root().join("ui"), &["run", "lint"])
}

/// The real app in its real webview: tauri-driver + WebKitWebDriver under Xvfb.
fn end_to_end() -> Result<()> {
    let root = workspace_root();
    let e2e = root.join("tests/e2e");
    system::npm_ci(&e2e)?;
    let driver = system::tauri_driver()?;
    step("building the app for end-to-end tests (feature e2e)");
    cargo(&[
        "build",
        "-p",
        "signoff-app",
        "-p",
        "signoff-cli",
        "--features",
        "signoff-app/e2e",
    ])?;
    let _ = std::fs::remove_dir_all(e2e.join("artifacts/screenshots"));
    step("end-to-end tests (xvfb-run; screenshots in tests/e2e/artifacts/screenshots)");
    // A deadline for the whole suite: node's --test-timeout limits each test,
    // but a process left holding the runner's output would keep it waiting.
    let status = Command::new("timeout")
        .args(["--kill-after=30s", "20m", "xvfb-run"])
        .args([
            "-a",
            "-s",
            "-screen 0 1280x800x24 -nolisten tcp",
            "npm",
            "test",
        ])
        .current_dir(&e2e)
        .env("TAURI_DRIVER", driver)
        .status()
        .context("running xvfb-run")?;
    if status.code() == Some(124) {
        bail!("end-to-end tests did not finish within 20 minutes (stopped)");
    }
    if !status.success() {
        bail!("end-to-end tests failed");
    }
    Ok(())
}

/// Rewrites ui/src/ipc/bindings from the Rust types.
fn codegen() -> Result<()> {
    step("regenerating ui/src/ipc/bindings (ts-rs)");
    let status = Command::new(cargo_bin())
        .args(["test", "-p", "signoff-app", "--lib", "bindings"])
        .env("SIGNOFF_UPDATE_BINDINGS", "1")
        .current_dir(workspace_root())
        .status()?;
    if !status.success() {
        bail!("codegen failed");
    }
    Ok(())
}

fn npm(dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .status()
        .context("running npm")?;
    if !status.success() {
        bail!("npm {} failed in {}", args.join(" "), dir.display());
    }
    Ok(())
}

pub(crate) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

pub(crate) fn cargo(args: &[&str]) -> Result<()> {
    let status = Command::new(cargo_bin())
        .args(args)
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

pub(crate) fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_owned()
}

pub(crate) fn step(what: &str) {
    eprintln!("\n==> {what}");
}
