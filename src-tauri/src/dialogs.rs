//! The native file dialogs, run in Rust: the webview never chooses a path
//! (ARCHITECTURE.md, invariant 7). Each is blocking; commands call them
//! from their async task, off the main thread.
//!
//! End-to-end test builds (feature `e2e`) only: WebDriver cannot drive a
//! native dialog, so when `SIGNOFF_E2E_PICKS` names a file, every dialog is
//! replaced by the paths listed in it (one per line; empty = cancelled).
//! Release builds always show the real dialog.

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder};

/// A dialog's file-type filter: its label and the extensions it shows.
pub type Filter<'a> = (&'a str, &'a [&'a str]);

pub const PDF: Filter<'static> = ("PDF", &["pdf"]);

fn dialog(
    app: &AppHandle,
    title: &str,
    filter: Option<Filter<'_>>,
) -> FileDialogBuilder<tauri::Wry> {
    let builder = app.dialog().file().set_title(title);
    match filter {
        Some((name, extensions)) => builder.add_filter(name, extensions),
        None => builder,
    }
}

/// One existing file, or `None` when cancelled.
pub fn pick_one(app: &AppHandle, title: &str, filter: Option<Filter<'_>>) -> Option<PathBuf> {
    match scripted() {
        Some(paths) => paths.into_iter().next(),
        None => dialog(app, title, filter)
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok()),
    }
}

/// Any number of existing files; empty when cancelled.
pub fn pick_many(app: &AppHandle, title: &str, filter: Option<Filter<'_>>) -> Vec<PathBuf> {
    match scripted() {
        Some(paths) => paths,
        None => dialog(app, title, filter)
            .blocking_pick_files()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .collect(),
    }
}

/// Where to save a file, starting from `suggested`; `None` when cancelled.
pub fn save(app: &AppHandle, title: &str, suggested: &str, filter: Filter<'_>) -> Option<PathBuf> {
    match scripted() {
        Some(paths) => paths.into_iter().next(),
        None => dialog(app, title, Some(filter))
            .set_file_name(suggested)
            .blocking_save_file()
            .and_then(|p| p.into_path().ok()),
    }
}

#[cfg(feature = "e2e")]
fn scripted() -> Option<Vec<PathBuf>> {
    let list = std::env::var_os("SIGNOFF_E2E_PICKS")?;
    let text = std::fs::read_to_string(list).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(PathBuf::from)
            .collect(),
    )
}

#[cfg(not(feature = "e2e"))]
fn scripted() -> Option<Vec<PathBuf>> {
    None
}
