//! `cargo xtask measure`: figures for the desktop app, measured on the
//! release build in its real webview under Xvfb (see tests/e2e/measure.mjs).

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{step, system, workspace_root};

pub fn all() -> Result<()> {
    system::ensure(system::TEST)?;
    crate::build_release()?;
    let root = workspace_root();
    let e2e = root.join("tests/e2e");
    system::npm_ci(&e2e)?;
    let driver = system::tauri_driver()?;
    step("measuring (xvfb-run node measure.mjs)");
    let status = Command::new("xvfb-run")
        .args([
            "-a",
            "-s",
            "-screen 0 1280x800x24 -nolisten tcp",
            "node",
            "measure.mjs",
        ])
        .current_dir(&e2e)
        .env("TAURI_DRIVER", driver)
        .env("SIGNOFF_APP_BIN", root.join("target/release/signoff-app"))
        .env("SIGNOFF_CLI_BIN", root.join("target/release/signoff"))
        .status()
        .context("running xvfb-run")?;
    if !status.success() {
        bail!("measurement failed");
    }
    Ok(())
}
