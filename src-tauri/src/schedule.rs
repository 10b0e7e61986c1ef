//! Commands of the maintenance schedule: thin calls into
//! `signoff_core::schedule`. Files for a completion come from the native
//! dialog or a drop (both held in Rust under tokens); exports go through the
//! save dialog. Reminders run on a background thread (see [`reminders`]).

use std::path::PathBuf;

use chrono::NaiveDate;
use signoff_core::schedule::{
    CalendarEntry, CompleteOptions, Completion, NewTask, TaskDetail, TaskEdit, TaskState,
    TaskStatus,
};
use signoff_report::{Paper, SignAs};
use signoff_signature::{IdentityStore, Passphrase};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;

use crate::commands::scripted_pick;
use crate::ipc::{DroppedFiles, IpcError, ReportWritten};
use crate::state::AppState;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub async fn list_tasks(
    state: State<'_, AppState>,
    include_archived: bool,
) -> Res<Vec<TaskStatus>> {
    let actor = state.actor.clone();
    state.with(|ws| ws.list_tasks(&actor, include_archived, None))
}

#[tauri::command]
pub async fn show_task(state: State<'_, AppState>, id: String) -> Res<TaskDetail> {
    let actor = state.actor.clone();
    state.with(|ws| ws.show_task(&actor, &id))
}

#[tauri::command]
pub async fn add_task(state: State<'_, AppState>, task: NewTask) -> Res<TaskStatus> {
    let actor = state.actor.clone();
    state.with(|ws| ws.add_task(&actor, &task))
}

#[tauri::command]
pub async fn edit_task(
    state: State<'_, AppState>,
    id: String,
    change: TaskEdit,
) -> Res<TaskStatus> {
    let actor = state.actor.clone();
    state.with(|ws| ws.edit_task(&actor, &id, &change))
}

#[tauri::command]
pub async fn set_task_state(
    state: State<'_, AppState>,
    id: String,
    to: TaskState,
) -> Res<TaskStatus> {
    let actor = state.actor.clone();
    state.with(|ws| ws.set_task_state(&actor, &id, to))
}

#[tauri::command]
pub async fn calendar(
    state: State<'_, AppState>,
    from: NaiveDate,
    to: NaiveDate,
) -> Res<Vec<CalendarEntry>> {
    let actor = state.actor.clone();
    state.with(|ws| ws.calendar(&actor, from, to))
}

/// Opens the native multi-file dialog for a completion's evidence; the UI
/// gets a token and the names. `None` when cancelled.
#[tauri::command]
pub async fn pick_completion_files(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Res<Option<DroppedFiles>> {
    let paths: Vec<PathBuf> = match scripted_pick() {
        Some(paths) => paths,
        None => app
            .dialog()
            .file()
            .set_title("Evidence for this task")
            .blocking_pick_files()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .collect(),
    };
    if paths.is_empty() {
        return Ok(None);
    }
    let names = paths
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    Ok(Some(DroppedFiles {
        token: state.remember(paths),
        names,
    }))
}

/// Marks a task's open occurrence done with a note and the files behind
/// `tokens` (picked or dropped), stored on a blocking thread.
#[tauri::command]
pub async fn complete_task(
    state: State<'_, AppState>,
    id: String,
    note: String,
    on: Option<NaiveDate>,
    tokens: Vec<String>,
    sensitive: bool,
) -> Res<Completion> {
    let mut files = Vec::new();
    for t in &tokens {
        files.extend(state.take(t)?);
    }
    let actor = state.actor.clone();
    let mut ws = state.open_another()?;
    let opts = CompleteOptions {
        note,
        on,
        files,
        sensitive,
    };
    tauri::async_runtime::spawn_blocking(move || {
        ws.complete_task(&actor, &id, &opts, &mut |_, _, _| {})
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
    .map_err(IpcError::from)
}

/// Saves the schedule as an iCalendar file (save dialog). The file name,
/// or `None` when cancelled.
#[tauri::command]
pub async fn export_ics(app: AppHandle, state: State<'_, AppState>) -> Res<Option<String>> {
    let actor = state.actor.clone();
    let text = state.with(|ws| ws.schedule_ics(&actor))?;
    let path = match scripted_pick() {
        Some(p) => p.into_iter().next(),
        None => app
            .dialog()
            .file()
            .set_title("Export the maintenance calendar")
            .set_file_name("signoff-maintenance.ics")
            .add_filter("iCalendar", &["ics"])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok()),
    };
    let Some(path) = path else { return Ok(None) };
    signoff_report::flow::save_file(&path, text.as_bytes())?;
    Ok(path.file_name().map(|n| n.to_string_lossy().into_owned()))
}

/// Signs the maintenance log of a period (save dialog). `None` if cancelled.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn sign_maintenance_log(
    app: AppHandle,
    state: State<'_, AppState>,
    from: NaiveDate,
    to: NaiveDate,
    role: String,
    statement: String,
    passphrase: String,
    paper_size: String,
) -> Res<Option<ReportWritten>> {
    let how = SignAs::for_log(&role, Some(&statement))?;
    let paper: Paper = paper_size
        .parse()
        .map_err(|e: String| IpcError::new("invalid_input", e))?;
    let store = IdentityStore::new(&state.data_dir.join("identity"));
    let signer =
        tauri::async_runtime::spawn_blocking(move || store.unlock(&Passphrase::new(passphrase)))
            .await
            .map_err(|e| IpcError::new("internal", e.to_string()))??;
    let path = match scripted_pick() {
        Some(p) => p.into_iter().next(),
        None => app
            .dialog()
            .file()
            .set_title("Save the signed maintenance log")
            .set_file_name(format!("signoff-maintenance-{from}-to-{to}.pdf"))
            .add_filter("PDF", &["pdf"])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok()),
    };
    let Some(path) = path else { return Ok(None) };
    let actor = state.actor.clone();
    let mut ws = state.open_another()?;
    let dest = path.clone();
    let w = tauri::async_runtime::spawn_blocking(move || {
        signoff_report::sign_maintenance_log(
            &mut ws,
            &actor,
            from,
            to,
            &signer,
            &how,
            paper,
            &dest,
            &mut |_, _| {},
        )
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))??;
    Ok(Some(crate::report::written(&state, w, path)))
}

/// While the app runs: a desktop notification when a task becomes due and
/// when it becomes overdue, once each (remembered in the database, so a
/// relaunch does not repeat them). Checks at start and every ten minutes.
pub fn reminders(app: AppHandle) {
    std::thread::spawn(move || {
        loop {
            notify_pending(&app);
            std::thread::sleep(std::time::Duration::from_secs(600));
        }
    });
}

fn notify_pending(app: &AppHandle) {
    use tauri_plugin_notification::NotificationExt;
    let state = app.state::<AppState>();
    let Ok(mut ws) = state.open_another() else {
        return;
    };
    let Ok(notices) = ws.pending_notices(&state.actor) else {
        return;
    };
    for n in notices {
        let title = if n.kind == "overdue" {
            format!("Overdue: {}", n.title)
        } else {
            format!("Due: {}", n.title)
        };
        let body = format!(
            "Maintenance task due {}. Open Signoff to mark it done.",
            n.due_on
        );
        // Without a notification service (a headless machine) this fails;
        // the notice is still remembered so it is not retried forever.
        let _ = app
            .notification()
            .builder()
            .title(&title)
            .body(&body)
            .show();
        let _ = ws.mark_notified(&n);
    }
}
