//! The app's commands: each reads state, calls one core function, maps the
//! error. Named like the core function they call. All run off the main
//! thread (`async`), so the window never freezes; long imports use their
//! own workspace handle on a blocking thread and report progress as events.

use signoff_core::ErrorCode;
use std::path::PathBuf;

use chrono::NaiveDate;
use signoff_core::doctor::DoctorReport;
use signoff_core::evidence::{BatchProgress, EvidenceOptions};
use signoff_core::runs::ResultChange;
use signoff_core::template::Template;
use signoff_core::templates::Imported;
use signoff_core::{Evidence, ItemResult, RunDetail, RunSummary, Status, TemplateSummary, Waiver};
use tauri::{AppHandle, Emitter, Manager, State, WebviewWindow};

use crate::background::{Throttle, blocking};
use crate::dialogs;
use crate::ipc::{AppStatus, EVENT_PROGRESS, EvidenceProgress, IpcError, TemplatePreview, Upload};
use crate::state::AppState;
use crate::tokens::Purpose;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Res<AppStatus> {
    Ok(AppStatus {
        data_dir: state.data_dir.display().to_string(),
        actor: state.actor.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        error: state.open_error(),
    })
}

#[tauri::command]
pub async fn list_templates(state: State<'_, AppState>) -> Res<Vec<TemplateSummary>> {
    state.with(|ws| ws.list_templates())
}

#[tauri::command]
pub async fn show_template(state: State<'_, AppState>, reference: String) -> Res<Template> {
    state.with(|ws| ws.show_template(&reference))
}

/// Opens the native file dialog (in Rust) and previews the chosen
/// checklist. `None` when the dialog is cancelled.
#[tauri::command]
pub async fn pick_template_file(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Res<Option<TemplatePreview>> {
    let filter = (
        "Checklists (Markdown, TOML)",
        &["md", "markdown", "txt", "toml"][..],
    );
    let Some(path) = dialogs::pick_one(&app, "Import a checklist", Some(filter)) else {
        return Ok(None);
    };
    preview(&state, path).map(Some)
}

pub(crate) fn preview(state: &AppState, path: PathBuf) -> Res<TemplatePreview> {
    // Read and parsed without the workspace lock: other commands and the
    // 2-second refresh go on meanwhile.
    let template = signoff_core::templates::read_template(&path)?;
    let file_name = signoff_report::signer::file_name(&path);
    let token = state.tokens.issue(Purpose::Checklist, vec![path])?;
    Ok(TemplatePreview {
        token,
        file_name,
        template,
    })
}

#[tauri::command]
pub async fn import_template(state: State<'_, AppState>, token: String) -> Res<Imported> {
    let path = state.tokens.take_one(&token, &[Purpose::Checklist])?;
    let actor = state.actor.clone();
    state.with(|ws| ws.import_template(&actor, &path))
}

#[tauri::command]
pub async fn new_run(
    state: State<'_, AppState>,
    template: String,
    target: String,
    environment: String,
) -> Res<RunSummary> {
    let actor = state.actor.clone();
    state.with(|ws| ws.new_run(&actor, &template, &target, &environment))
}

#[tauri::command]
pub async fn list_runs(state: State<'_, AppState>) -> Res<Vec<RunSummary>> {
    state.with(|ws| ws.list_runs())
}

#[tauri::command]
pub async fn show_run(state: State<'_, AppState>, run: i64) -> Res<RunDetail> {
    state.with(|ws| ws.show_run(run))
}

#[tauri::command]
pub async fn set_result(
    state: State<'_, AppState>,
    run: i64,
    item: String,
    status: Option<Status>,
    note: Option<String>,
    reason: Option<String>,
) -> Res<ItemResult> {
    let actor = state.actor.clone();
    let change = ResultChange {
        status,
        note: note.as_deref(),
        reason: reason.as_deref(),
    };
    state.with(|ws| ws.set_result(&actor, run, &item, change))
}

#[tauri::command]
pub async fn waive_item(
    state: State<'_, AppState>,
    run: i64,
    item: String,
    justification: String,
    accepted_by: Option<String>,
    expires_on: NaiveDate,
) -> Res<Waiver> {
    let actor = state.actor.clone();
    state.with(|ws| {
        ws.waive_item(
            &actor,
            run,
            &item,
            &justification,
            accepted_by.as_deref(),
            expires_on,
        )
    })
}

/// Opens the native multi-file dialog (in Rust) and attaches the chosen
/// files. An empty list when the dialog is cancelled.
#[tauri::command]
pub async fn add_evidence_files(
    app: AppHandle,
    run: i64,
    item: String,
    sensitive: bool,
    observed_on: Option<NaiveDate>,
) -> Res<Vec<Evidence>> {
    let paths = dialogs::pick_many(&app, "Attach evidence", None);
    let opts = EvidenceOptions {
        observed_on,
        sensitive,
    };
    attach(app, run, item, paths, opts).await
}

/// Attaches files dropped on the window (see the `files-dropped` event).
#[tauri::command]
pub async fn add_evidence_dropped(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
    run: i64,
    item: String,
    sensitive: bool,
    observed_on: Option<NaiveDate>,
) -> Res<Vec<Evidence>> {
    let paths = state.tokens.take(&token, &[Purpose::Dropped])?;
    let opts = EvidenceOptions {
        observed_on,
        sensitive,
    };
    attach(app, run, item, paths, opts).await
}

/// Checks every file, then imports them one by one on a blocking thread
/// with a workspace handle of its own, emitting `evidence-progress` (at
/// most ten a second, plus each file's first and last).
pub(crate) async fn attach(
    app: AppHandle,
    run: i64,
    item: String,
    paths: Vec<PathBuf>,
    opts: EvidenceOptions,
) -> Res<Vec<Evidence>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let state = app.state::<AppState>();
    let (mut ws, actor) = (state.open_another()?, state.actor.clone());
    let (mut throttle, mut file) = (Throttle::default(), usize::MAX);
    blocking(move || {
        let mut progress = |p: BatchProgress<'_>| {
            let new_file = std::mem::replace(&mut file, p.index) != p.index;
            if throttle.due(new_file || p.done == p.total) {
                let _ = app.emit(EVENT_PROGRESS, EvidenceProgress::from(p));
            }
        };
        ws.add_evidence_files(&actor, run, &item, &paths, &opts, &mut progress)
    })
    .await
}

/// Attaches bytes sent as the raw request body (a pasted screenshot);
/// the headers say where (see [`Upload`]).
#[tauri::command]
pub async fn add_evidence_bytes(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Res<Evidence> {
    let up = Upload::from_request(&request)?;
    let opts = EvidenceOptions {
        observed_on: None,
        sensitive: up.sensitive,
    };
    let actor = state.actor.clone();
    state.with(|ws| {
        ws.add_evidence_screenshot(&actor, up.run, &up.item, up.bytes, &up.media_type, &opts)
    })
}

#[tauri::command]
pub async fn add_evidence_note(
    state: State<'_, AppState>,
    run: i64,
    item: String,
    text: String,
) -> Res<Evidence> {
    let actor = state.actor.clone();
    state.with(|ws| ws.add_evidence_note(&actor, run, &item, &text, &EvidenceOptions::default()))
}

#[tauri::command]
pub async fn add_evidence_link(
    state: State<'_, AppState>,
    run: i64,
    item: String,
    url: String,
    label: Option<String>,
) -> Res<Evidence> {
    let actor = state.actor.clone();
    state.with(|ws| {
        ws.add_evidence_link(
            &actor,
            run,
            &item,
            &url,
            label.as_deref(),
            &EvidenceOptions::default(),
        )
    })
}

#[tauri::command]
pub async fn remove_evidence(state: State<'_, AppState>, evidence: i64) -> Res<()> {
    let actor = state.actor.clone();
    state.with(|ws| ws.remove_evidence(&actor, evidence))
}

/// Longest side of an evidence thumbnail, in pixels: the list shows them
/// at 56 CSS pixels, so this is sharp up to a 4x display.
const THUMBNAIL_SIDE: u32 = 224;

/// A PNG thumbnail of an image evidence (raw response), made in Rust under
/// the picture limits (`signoff_report::picture`): the webview never
/// decodes the original. A picture over the limits is refused with
/// `picture_too_large`, and the UI shows a placeholder.
#[tauri::command]
pub async fn evidence_preview(
    state: State<'_, AppState>,
    evidence: i64,
) -> Res<tauri::ipc::Response> {
    let (_, bytes) = state.with(|ws| ws.evidence_preview(evidence))?;
    let png = blocking(move || signoff_report::picture::thumbnail(&bytes, THUMBNAIL_SIDE));
    Ok(tauri::ipc::Response::new(png.await?))
}

/// Grows with every change to the workspace; the UI polls it to refresh
/// when the CLI or another window changed something.
#[tauri::command]
pub async fn change_counter(state: State<'_, AppState>) -> Res<i64> {
    state.with(|ws| ws.change_counter())
}

#[tauri::command]
pub async fn run_doctor(state: State<'_, AppState>) -> Res<DoctorReport> {
    state.with(|ws| ws.run_doctor())
}

/// Closes the window once the UI has saved what it was holding.
#[tauri::command]
pub async fn close_window(window: WebviewWindow) -> Res<()> {
    window
        .destroy()
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))
}
