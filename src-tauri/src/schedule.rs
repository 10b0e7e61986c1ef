//! Commands of the maintenance schedule: thin calls into
//! `signoff_core::schedule`. Files for a completion come from the native
//! dialog or a drop (both held in Rust under tokens); exports go through the
//! save dialog. Reminders run on a background thread (see [`reminders`]).

use signoff_core::ErrorCode;
use std::path::PathBuf;

use chrono::NaiveDate;
use signoff_core::schedule::{
    CalendarEntry, CompleteOptions, Completion, NewTask, TaskDetail, TaskEdit, TaskState,
    TaskStatus,
};
use signoff_report::{Paper, SignAs};
use tauri::{AppHandle, Manager, State};

use crate::background::blocking;
use crate::dialogs::{self, PDF};
use crate::ipc::{DroppedFiles, IpcError, ReportWritten};
use crate::report;
use crate::state::AppState;
use crate::tokens::Purpose;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub async fn list_tasks(
    state: State<'_, AppState>,
    include_archived: bool,
) -> Res<Vec<TaskStatus>> {
    state.with(|ws| ws.list_tasks(include_archived, None))
}

#[tauri::command]
pub async fn show_task(state: State<'_, AppState>, id: String) -> Res<TaskDetail> {
    state.with(|ws| ws.show_task(&id))
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
    state.with(|ws| ws.calendar(from, to))
}

/// Opens the native multi-file dialog for a completion's evidence; the UI
/// gets a token and the names. `None` when cancelled.
#[tauri::command]
pub async fn pick_completion_files(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Res<Option<DroppedFiles>> {
    let paths = dialogs::pick_many(&app, "Evidence for this task", None);
    if paths.is_empty() {
        return Ok(None);
    }
    state.remember_files(Purpose::Picked, paths).map(Some)
}

/// Pasted screenshots larger than this are refused.
const MAX_PASTE: usize = 50 << 20;

/// Holds a pasted screenshot for a completion: written to a private
/// temporary file (0600, in a 0700 folder), kept under a token like a
/// picked file, and removed once the completion has stored it.
#[tauri::command]
pub async fn stage_pasted_image(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Res<DroppedFiles> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "expected the image bytes as the request body",
        ));
    };
    if bytes.is_empty() || bytes.len() > MAX_PASTE {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!("a pasted image must be 1 byte to {} MiB", MAX_PASTE >> 20),
        ));
    }
    let media = signoff_core::evidence::media_type("", &bytes[..bytes.len().min(64)]);
    let name = state.with(|ws| ws.screenshot_name(media))?;
    let path = write_private_temp(&name, bytes).map_err(|e| {
        IpcError::new(
            ErrorCode::Io,
            format!("could not hold the pasted image: {e}"),
        )
    })?;
    Ok(DroppedFiles {
        token: state.tokens.issue(Purpose::Pasted, vec![path])?,
        names: vec![name],
    })
}

/// Where pasted images wait for their completion.
fn paste_dir() -> PathBuf {
    std::env::temp_dir().join(format!("signoff-paste-{}", std::process::id()))
}

fn write_private_temp(name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let dir = paste_dir();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir)?;
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let sub = dir.join(format!("{n}"));
    builder.create(&sub)?;
    let path = sub.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(bytes)?;
    Ok(path)
}

/// Marks a task's open occurrence done with a note and the files behind
/// `tokens` (picked, dropped or pasted), stored on a blocking thread.
#[tauri::command]
pub async fn complete_task(
    state: State<'_, AppState>,
    id: String,
    note: String,
    on: Option<NaiveDate>,
    tokens: Vec<String>,
    sensitive: bool,
) -> Res<Completion> {
    let accepted = [Purpose::Dropped, Purpose::Picked, Purpose::Pasted];
    let files = state.tokens.take_all(&tokens, &accepted)?;
    let (mut ws, actor) = (state.open_another()?, state.actor.clone());
    let opts = CompleteOptions {
        note,
        on,
        files,
        sensitive,
    };
    blocking(move || {
        let done = ws.complete_task(&actor, &id, &opts, &mut |_, _, _| {});
        forget_pasted(&opts.files);
        done
    })
    .await
}

/// Pasted images were only waiting for their completion.
fn forget_pasted(files: &[PathBuf]) {
    let staged = paste_dir();
    for f in files.iter().filter(|f| f.starts_with(&staged)) {
        let _ = std::fs::remove_file(f);
        if let Some(parent) = f.parent() {
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// Saves the schedule as an iCalendar file (save dialog). The file name,
/// or `None` when cancelled.
#[tauri::command]
pub async fn schedule_ics(app: AppHandle, state: State<'_, AppState>) -> Res<Option<String>> {
    let text = state.with(|ws| ws.schedule_ics())?;
    let title = "Export the maintenance calendar";
    let filter = ("iCalendar", &["ics"][..]);
    let Some(path) = dialogs::save(&app, title, "signoff-maintenance.ics", filter) else {
        return Ok(None);
    };
    signoff_report::flow::save_file(&path, text.as_bytes())?;
    Ok(Some(signoff_report::signer::file_name(&path)))
}

/// Signs the maintenance log of a period (save dialog), with
/// `report-progress` events like a run's report. `None` if cancelled.
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
    paper_size: Paper,
) -> Res<Option<ReportWritten>> {
    let how = SignAs::for_log(&role, Some(&statement))?;
    let signer = report::unlock(&state, passphrase).await?;
    let name = signoff_report::signer::log_file_name(from, to);
    let Some(path) = dialogs::save(&app, "Save the signed maintenance log", &name, PDF) else {
        return Ok(None);
    };
    report::write_report(&app, path, move |ws, actor, dest, progress| {
        signoff_report::sign_maintenance_log(
            ws, actor, from, to, &signer, &how, paper_size, dest, progress,
        )
    })
    .await
}

/// While the app runs: a desktop notification when a task becomes due and
/// when it becomes overdue, once each (remembered in the database, so a
/// relaunch does not repeat them). The first check waits until the window
/// is up (it opens a second workspace and talks to D-Bus, which start-up
/// should not wait for), then runs every ten minutes.
pub fn reminders(app: AppHandle) {
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(15));
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
    let Ok(notices) = ws.pending_notices() else {
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
