//! The desktop app's entry point: everything is in the library (`lib.rs`).
// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    signoff_app::run();
}
