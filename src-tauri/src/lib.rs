//! The Signoff desktop app: a Tauri shell over `signoff_core`. This crate
//! holds no business rules: `commands` are thin wrappers, `state` keeps the
//! workspace and the paths the webview must not see, and the window events
//! below route native drops and closing through Rust.

#![forbid(unsafe_code)]

mod background;
mod commands;
mod dialogs;
pub mod ipc;
mod report;
mod schedule;
mod state;
mod tokens;

#[cfg(test)]
mod bindings;

use tauri::{DragDropEvent, Emitter, Manager, WindowEvent};

use crate::ipc::{EVENT_CLOSE_REQUESTED, EVENT_DRAG_STATE, EVENT_DROPPED};
use crate::state::AppState;
use crate::tokens::Purpose;

/// How long the UI gets to save pending edits when the window closes.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Keeps the web process small. WebKitGTK composites with the GPU by
/// default, which under software GL (no GPU, Xvfb, many VMs) costs ~85 MiB
/// for nothing this UI needs: it is forms and lists, no animation or
/// canvas. Measured with `cargo xtask measure`; see ARCHITECTURE.md.
#[cfg(target_os = "linux")]
fn software_rendering(window: &tauri::WebviewWindow) {
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
}

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        // Used from Rust only (reminders); no permission is granted to the webview.
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            app.manage(AppState::open());
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                software_rendering(&window);
            }
            schedule::reminders(app.handle().clone());
            Ok(())
        })
        .on_window_event(|window, event| match event {
            // Ask the UI to flush its debounced saves; it calls
            // `close_window` when done. If it does not answer, close anyway.
            WindowEvent::CloseRequested { api, .. } => {
                api.prevent_close();
                let _ = window.emit(EVENT_CLOSE_REQUESTED, ());
                let w = window.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(CLOSE_GRACE);
                    let _ = w.destroy();
                });
            }
            WindowEvent::DragDrop(DragDropEvent::Enter { .. }) => {
                let _ = window.emit(EVENT_DRAG_STATE, true);
            }
            WindowEvent::DragDrop(DragDropEvent::Leave) => {
                let _ = window.emit(EVENT_DRAG_STATE, false);
            }
            WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) if !paths.is_empty() => {
                let _ = window.emit(EVENT_DRAG_STATE, false);
                let state = window.state::<AppState>();
                if let Ok(files) = state.remember_files(Purpose::Dropped, paths.clone()) {
                    let _ = window.emit(EVENT_DROPPED, files);
                }
            }
            _ => {}
        })
        .invoke_handler(handler())
        .run(tauri::generate_context!())
        .expect("error while running Signoff");
}

fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        commands::app_status,
        commands::list_templates,
        commands::show_template,
        commands::pick_template_file,
        commands::import_template,
        commands::new_run,
        commands::list_runs,
        commands::show_run,
        commands::set_result,
        commands::waive_item,
        commands::add_evidence_files,
        commands::add_evidence_dropped,
        commands::add_evidence_bytes,
        commands::add_evidence_note,
        commands::add_evidence_link,
        commands::remove_evidence,
        commands::evidence_preview,
        commands::change_counter,
        commands::run_doctor,
        commands::close_window,
        report::identity_status,
        report::passphrase_strength,
        report::create_identity,
        report::import_identity,
        report::list_signoffs,
        report::reopen_run,
        report::sign_run,
        report::export_draft,
        report::open_report,
        report::check_report,
        report::verify_report_trusting,
        report::trust_signer,
        report::recheck_report,
        report::list_trusted,
        report::untrust_certificate,
        schedule::list_tasks,
        schedule::show_task,
        schedule::add_task,
        schedule::edit_task,
        schedule::set_task_state,
        schedule::calendar,
        schedule::pick_completion_files,
        schedule::stage_pasted_image,
        schedule::complete_task,
        schedule::schedule_ics,
        schedule::sign_maintenance_log,
    ]
}
