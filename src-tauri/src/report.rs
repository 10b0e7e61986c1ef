//! Commands for identities, sign-off, reports and verification. Like
//! `commands.rs`: thin calls into `signoff_report` / `signoff_signature`.
//! Save and open dialogs run here, in Rust; the UI gets file names and
//! opaque tokens, never paths. Passphrases arrive from the app's own form
//! and live only as long as the command.

use std::path::{Path, PathBuf};

use signoff_core::{RunSummary, SignoffRecord};
use signoff_report::{Paper, SignAs, Written};
use signoff_signature::trust::TrustStore;
use signoff_signature::{IdentityInfo, IdentityStore, NewIdentity, Passphrase};
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;

use crate::commands::scripted_pick;
use crate::ipc::{
    EVENT_REPORT_PROGRESS, IpcError, PassphraseCheck, ReportProgress, ReportVerification,
    ReportWritten, SignerIdentity, TrustedCertView,
};
use crate::state::AppState;
use crate::tokens::Purpose;

type Res<T> = Result<T, IpcError>;

impl From<signoff_signature::IdentityError> for IpcError {
    fn from(e: signoff_signature::IdentityError) -> Self {
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<signoff_report::ReportError> for IpcError {
    fn from(e: signoff_report::ReportError) -> Self {
        IpcError::new(e.code(), e.to_string())
    }
}

fn identities(state: &AppState) -> IdentityStore {
    IdentityStore::new(&state.data_dir.join("identity"))
}

fn view(info: IdentityInfo) -> SignerIdentity {
    SignerIdentity {
        name: info.name,
        email: info.email,
        role: info.role,
        organisation: info.organisation,
        algorithm: match info.algorithm {
            signoff_signature::KeyAlgorithm::EcdsaP256 => "ECDSA P-256",
            signoff_signature::KeyAlgorithm::Rsa => "RSA",
        }
        .to_owned(),
        fingerprint: info.fingerprint_sha256,
        not_after: info.not_after,
        source: info.source,
    }
}

/// Logs a new identity in the activity log and returns its view.
fn record(state: &AppState, action: &str, info: IdentityInfo) -> Res<SignerIdentity> {
    let details = serde_json::to_value(&info).unwrap_or_default();
    let actor = state.actor.clone();
    state.with(|ws| ws.log_identity(&actor, action, &info.fingerprint_sha256, details))?;
    Ok(view(info))
}

/// The signing identity, if one was created or imported.
#[tauri::command]
pub async fn identity_status(state: State<'_, AppState>) -> Res<Option<SignerIdentity>> {
    Ok(identities(&state).show()?.map(view))
}

/// How strong a new passphrase is, for the feedback under the field;
/// `user_inputs` are the signer's name, email… (a passphrase made of them
/// is weak). Only the first few are used, each cut to 100 characters, as
/// zxcvbn reads only the passphrase's first 100.
#[tauri::command]
pub async fn passphrase_strength(
    passphrase: String,
    user_inputs: Vec<String>,
) -> Res<PassphraseCheck> {
    let inputs: Vec<String> = user_inputs
        .iter()
        .take(8)
        .map(|s| s.chars().take(100).collect())
        .collect();
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    Ok(signoff_signature::passphrase_strength(&passphrase, &inputs).into())
}

/// Creates a P-256 key and self-signed certificate, the key encrypted with
/// `passphrase` (refused below the strength `passphrase_strength` shows).
#[tauri::command]
pub async fn create_identity(
    state: State<'_, AppState>,
    name: String,
    email: String,
    role: String,
    organisation: String,
    passphrase: String,
) -> Res<SignerIdentity> {
    let who = NewIdentity {
        name,
        email,
        role,
        organisation,
    };
    let store = identities(&state);
    let info = tauri::async_runtime::spawn_blocking(move || {
        store.create(&who, &Passphrase::new(passphrase), chrono::Utc::now())
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))??;
    record(&state, "identity.created", info)
}

/// Imports a PKCS#12 file chosen in the native dialog. `None` if cancelled.
#[tauri::command]
pub async fn import_identity(
    app: AppHandle,
    state: State<'_, AppState>,
    p12_password: String,
    passphrase: String,
    role: String,
) -> Res<Option<SignerIdentity>> {
    let picked = match scripted_pick() {
        Some(paths) => paths.into_iter().next(),
        None => app
            .dialog()
            .file()
            .set_title("Import a signing certificate")
            .add_filter("PKCS#12 (.p12, .pfx)", &["p12", "pfx"])
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok()),
    };
    let Some(path) = picked else { return Ok(None) };
    let bytes = std::fs::read(&path)
        .map_err(|e| IpcError::new("bad_file", format!("{}: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let store = identities(&state);
    let info = tauri::async_runtime::spawn_blocking(move || {
        store.import_p12(
            &name,
            &bytes,
            &p12_password,
            &Passphrase::new(passphrase),
            &role,
            chrono::Utc::now(),
        )
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))??;
    record(&state, "identity.imported", info).map(Some)
}

/// The sign-offs recorded for a run.
#[tauri::command]
pub async fn list_signoffs(state: State<'_, AppState>, run: i64) -> Res<Vec<SignoffRecord>> {
    state.with(|ws| ws.signoffs(run))
}

#[tauri::command]
pub async fn reopen_run(state: State<'_, AppState>, run: i64) -> Res<RunSummary> {
    let actor = state.actor.clone();
    state.with(|ws| ws.reopen_run(&actor, run))
}

fn paper(p: &str) -> Res<Paper> {
    p.parse()
        .map_err(|e: String| IpcError::new("invalid_input", e))
}

/// The save dialog, in Rust. `None` when cancelled.
fn save_to(app: &AppHandle, title: &str, suggested: &str) -> Option<PathBuf> {
    match scripted_pick() {
        Some(paths) => paths.into_iter().next(),
        None => app
            .dialog()
            .file()
            .set_title(title)
            .set_file_name(suggested)
            .add_filter("PDF", &["pdf"])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok()),
    }
}

/// A file name from the run: `signoff-v1.4.0-production-2026-11-28.pdf`.
fn suggested_name(summary: &RunSummary, draft: bool) -> String {
    let slug: String = format!("{}-{}", summary.target, summary.environment)
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let day = chrono::Utc::now().format("%Y-%m-%d");
    format!(
        "signoff-{}-{day}{}.pdf",
        slug.trim_matches('-'),
        if draft { "-DRAFT" } else { "" }
    )
}

/// What the UI learns of a report the app wrote; its token is the only
/// kind `open_report` accepts.
pub(crate) fn written(state: &AppState, w: Written, path: PathBuf) -> Res<ReportWritten> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(ReportWritten {
        token: state.tokens.issue(Purpose::Written, vec![path])?,
        file_name,
        report_id: w.report_id,
        pages: w.pages as u32,
        bytes: w.bytes,
        embedded_files: w.embedded_files as u32,
        images: w.images as u32,
        signed: w.signed,
    })
}

/// Progress events, at most ten a second.
fn progress_emitter(app: AppHandle) -> impl FnMut(u64, u64) {
    let mut last: Option<std::time::Instant> = None;
    move |done, total| {
        if last.is_none_or(|t| t.elapsed().as_millis() >= 100) || done == total {
            last = Some(std::time::Instant::now());
            let _ = app.emit(EVENT_REPORT_PROGRESS, ReportProgress { done, total });
        }
    }
}

/// Signs a run: the passphrase unlocks the key, the save dialog picks the
/// file, the report is written on a blocking thread with progress events,
/// then the run is frozen. `None` when the dialog is cancelled.
#[tauri::command]
pub async fn sign_run(
    app: AppHandle,
    state: State<'_, AppState>,
    run: i64,
    role: String,
    statement: String,
    passphrase: String,
    paper_size: String,
) -> Res<Option<ReportWritten>> {
    let how = SignAs::new(&role, Some(&statement))?;
    let paper = paper(&paper_size)?;
    // Refuse a blocked or signed run before asking for a file.
    state.with(|ws| ws.prepare_signoff(run).map(|_| ()))?;
    let store = identities(&state);
    let signer =
        tauri::async_runtime::spawn_blocking(move || store.unlock(&Passphrase::new(passphrase)))
            .await
            .map_err(|e| IpcError::new("internal", e.to_string()))??;
    let summary = state.with(|ws| ws.list_runs())?;
    let Some(summary) = summary.into_iter().find(|r| r.id == run) else {
        return Err(IpcError::new(
            "not_found",
            format!("run {run} does not exist"),
        ));
    };
    let Some(path) = save_to(
        &app,
        "Save the signed report",
        &suggested_name(&summary, false),
    ) else {
        return Ok(None);
    };
    let actor = state.actor.clone();
    let mut ws = state.open_another()?;
    let dest = path.clone();
    let emitter_app = app.clone();
    let w = tauri::async_runtime::spawn_blocking(move || {
        let mut progress = progress_emitter(emitter_app);
        signoff_report::sign_run(
            &mut ws,
            &actor,
            run,
            &signer,
            &how,
            paper,
            &dest,
            &mut progress,
        )
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))??;
    written(&state, w, path).map(Some)
}

/// Exports an unsigned draft. `None` when the dialog is cancelled.
#[tauri::command]
pub async fn export_draft(
    app: AppHandle,
    state: State<'_, AppState>,
    run: i64,
    paper_size: String,
) -> Res<Option<ReportWritten>> {
    let paper = paper(&paper_size)?;
    let summary = state.with(|ws| ws.list_runs())?;
    let Some(summary) = summary.into_iter().find(|r| r.id == run) else {
        return Err(IpcError::new(
            "not_found",
            format!("run {run} does not exist"),
        ));
    };
    let Some(path) = save_to(&app, "Save a draft report", &suggested_name(&summary, true)) else {
        return Ok(None);
    };
    let ws = state.open_another()?;
    let dest = path.clone();
    let emitter_app = app.clone();
    let w = tauri::async_runtime::spawn_blocking(move || {
        let mut progress = progress_emitter(emitter_app);
        signoff_report::export_draft(&ws, run, paper, &dest, &mut progress)
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))??;
    written(&state, w, path).map(Some)
}

/// Opens a report the app wrote in this session (signed, draft or
/// maintenance log) in the system's PDF viewer: only a token handed out
/// for such a report is accepted, never one for a dropped, picked or
/// verified file. It may be opened again.
#[tauri::command]
pub async fn open_report(state: State<'_, AppState>, token: String) -> Res<()> {
    let paths = state.tokens.take(&token, &[Purpose::Written])?;
    let path = paths
        .first()
        .ok_or_else(|| IpcError::new("expired", "no file behind this token"))?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(path)
        .spawn()
        .map(|_| ())
        .map_err(|e| IpcError::new("io", format!("could not open a PDF viewer ({opener}): {e}")))
}

/// The report a Verify result's token stands for (each token works once;
/// every check returns a new one).
fn report_behind(state: &AppState, token: &str) -> Res<PathBuf> {
    state
        .tokens
        .take(token, &[Purpose::Verified])?
        .into_iter()
        .next()
        .ok_or_else(|| IpcError::new("expired", "open the report again"))
}

fn trust_store(state: &AppState) -> TrustStore {
    TrustStore::in_data_dir(&state.data_dir)
}

fn trust_error(e: signoff_signature::trust::TrustError) -> IpcError {
    IpcError::new(e.code(), e.to_string())
}

/// Checks a report against the trust store; the token re-checks the same
/// file later (after trusting a certificate).
fn verify_path(state: &AppState, path: PathBuf) -> Res<ReportVerification> {
    let (check, file_name) = check_path(state, &path)?;
    let token = state.tokens.issue(Purpose::Verified, vec![path])?;
    Ok(ReportVerification::new(token, file_name, check))
}

fn check_path(state: &AppState, path: &Path) -> Res<(signoff_report::ReportCheck, String)> {
    let bytes =
        signoff_report::read_pdf(path).map_err(|e| IpcError::new("bad_file", e.to_string()))?;
    let trusted = trust_store(state).certificates().map_err(trust_error)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let check = signoff_report::check_report(&bytes, &trusted)
        .map_err(|e| IpcError::new("bad_file", format!("{file_name}: {e}")))?;
    Ok((check, file_name))
}

/// Opens a PDF in the native dialog and checks it. `None` if cancelled.
#[tauri::command]
pub async fn verify_report(app: AppHandle) -> Res<Option<ReportVerification>> {
    let picked = match scripted_pick() {
        Some(paths) => paths.into_iter().next(),
        None => app
            .dialog()
            .file()
            .set_title("Verify a report")
            .add_filter("PDF", &["pdf"])
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok()),
    };
    let Some(path) = picked else { return Ok(None) };
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        verify_path(&state, path)
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
    .map(Some)
}

/// Adds certificates picked in the native dialog (the signers' or their
/// CA's, obtained separately) to the trust store, then checks the same
/// report again.
#[tauri::command]
pub async fn verify_report_trusting(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
) -> Res<Option<ReportVerification>> {
    // Looked at, not used up, until certificates were picked.
    let paths = state.tokens.peek(&token, &[Purpose::Verified])?;
    let Some(pdf) = paths.first().cloned() else {
        return Err(IpcError::new("expired", "open the report again"));
    };
    let picked: Vec<PathBuf> = match scripted_pick() {
        Some(paths) => paths,
        None => app
            .dialog()
            .file()
            .set_title("Certificates you trust")
            .add_filter("PEM certificates", &["pem", "crt", "cer"])
            .blocking_pick_files()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .collect(),
    };
    if picked.is_empty() {
        return Ok(None);
    }
    state.tokens.take(&token, &[Purpose::Verified])?;
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let store = trust_store(&state);
        let mut certs = Vec::new();
        for p in &picked {
            certs.extend(signoff_signature::trust::read_certificates(p).map_err(trust_error)?);
        }
        for der in &certs {
            store.add(der, None).map_err(trust_error)?;
        }
        verify_path(&state, pdf)
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
    .map(Some)
}

/// Trusts the certificate of the report's `index`-th signature (after the
/// person compared its fingerprint with the signer's), named after the
/// signer, then checks the report again. The certificate comes from the
/// file behind the token, re-read here: the webview only names which one.
#[tauri::command]
pub async fn trust_signer(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
    index: usize,
    fingerprint: String,
) -> Res<ReportVerification> {
    let pdf = report_behind(&state, &token)?;
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let (check, _) = check_path(&state, &pdf)?;
        let Some(sig) = check.signatures.signatures.get(index) else {
            return Err(IpcError::new(
                "not_found",
                "the report has no such signature",
            ));
        };
        // The file may have changed since the person compared fingerprints.
        if sig.fingerprint_sha256 != fingerprint || sig.certificate.is_empty() {
            return Err(IpcError::new(
                "changed",
                "the signer's certificate is not the one shown; open the report again",
            ));
        }
        trust_store(&state)
            .add(&sig.certificate, Some(&sig.signer))
            .map_err(trust_error)?;
        verify_path(&state, pdf)
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
}

/// Checks the report behind the token again (the trusted certificates
/// changed).
#[tauri::command]
pub async fn recheck_report(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
) -> Res<ReportVerification> {
    let pdf = report_behind(&state, &token)?;
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        verify_path(&state, pdf)
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
}

/// The certificates the person trusts.
#[tauri::command]
pub async fn list_trusted(state: State<'_, AppState>) -> Res<Vec<TrustedCertView>> {
    Ok(trust_store(&state)
        .list()
        .map_err(trust_error)?
        .into_iter()
        .map(TrustedCertView::from)
        .collect())
}

/// Stops trusting a certificate (by its full fingerprint).
#[tauri::command]
pub async fn untrust_certificate(
    state: State<'_, AppState>,
    fingerprint: String,
) -> Res<Vec<TrustedCertView>> {
    let store = trust_store(&state);
    store.remove(&fingerprint).map_err(trust_error)?;
    Ok(store
        .list()
        .map_err(trust_error)?
        .into_iter()
        .map(TrustedCertView::from)
        .collect())
}
