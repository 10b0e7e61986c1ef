//! Commands for identities, sign-off, reports and verification: glue over
//! `signoff_report` (whose `signer` and `flow` modules hold the use cases)
//! and `signoff_signature`. Save and open dialogs run here, in Rust
//! (`dialogs.rs`); the UI gets file names and opaque tokens, never paths.
//! Passphrases arrive from the app's own form and live only as long as
//! the command.

use signoff_core::ErrorCode;
use std::path::{Path, PathBuf};

use signoff_core::{Actor, RunSummary, SignoffRecord, Workspace};
use signoff_report::signer::{self, report_file_name};
use signoff_report::{Paper, ReportError, SignAs, Written};
use signoff_signature::trust::TrustStore;
use signoff_signature::{IdentityStore, NewIdentity, Passphrase, Signer};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::background::{Throttle, blocking};
use crate::dialogs::{self, PDF};
use crate::ipc::{
    EVENT_REPORT_PROGRESS, IpcError, PassphraseCheck, ReportProgress, ReportVerification,
    ReportWritten, SignerIdentity, TrustedCertView,
};
use crate::state::AppState;
use crate::tokens::Purpose;

type Res<T> = Result<T, IpcError>;

/// The signing identity, if one was created or imported.
#[tauri::command]
pub async fn identity_status(state: State<'_, AppState>) -> Res<Option<SignerIdentity>> {
    Ok(IdentityStore::in_data_dir(&state.data_dir)
        .show()?
        .map(SignerIdentity::from))
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
    let inputs: Vec<String> = (user_inputs.iter().take(8))
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
    let (mut ws, actor) = (state.open_another()?, state.actor.clone());
    let pass = Passphrase::new(passphrase);
    blocking(move || signer::create_identity(&mut ws, &actor, &who, &pass))
        .await
        .map(SignerIdentity::from)
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
    let title = "Import a signing certificate";
    let filter = ("PKCS#12 (.p12, .pfx)", &["p12", "pfx"][..]);
    let Some(path) = dialogs::pick_one(&app, title, Some(filter)) else {
        return Ok(None);
    };
    let (mut ws, actor, pass) = (
        state.open_another()?,
        state.actor.clone(),
        Passphrase::new(passphrase),
    );
    let p12 = signer::read_p12(&path)?;
    blocking(move || signer::import_identity(&mut ws, &actor, &p12, &p12_password, &pass, &role))
        .await
        .map(|info| Some(SignerIdentity::from(info)))
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

/// Unlocks the signing key (a second of key derivation, off the runtime).
pub(crate) async fn unlock(state: &AppState, passphrase: String) -> Res<Signer> {
    let store = IdentityStore::in_data_dir(&state.data_dir);
    blocking(move || store.unlock(&Passphrase::new(passphrase))).await
}

/// Emits `report-progress` events, at most ten a second.
pub(crate) fn report_progress(app: &AppHandle) -> impl FnMut(u64, u64) + Send + 'static {
    let (app, mut throttle) = (app.clone(), Throttle::default());
    move |done, total| {
        if throttle.due(done == total) {
            let _ = app.emit(EVENT_REPORT_PROGRESS, ReportProgress { done, total });
        }
    }
}

/// What the UI learns of a report the app wrote; its token is the only
/// kind `open_report` accepts.
pub(crate) fn written(state: &AppState, w: Written, path: PathBuf) -> Res<ReportWritten> {
    let file_name = signer::file_name(&path);
    let token = state.tokens.issue(Purpose::Written, vec![path])?;
    Ok(ReportWritten::new(token, file_name, w))
}

/// Writes a report to `path` on a blocking thread, with a workspace handle
/// of its own and `report-progress` events; `write` is the use case.
pub(crate) async fn write_report(
    app: &AppHandle,
    path: PathBuf,
    write: impl FnOnce(
        &mut Workspace,
        &Actor,
        &Path,
        &mut dyn FnMut(u64, u64),
    ) -> Result<Written, ReportError>
    + Send
    + 'static,
) -> Res<Option<ReportWritten>> {
    let state = app.state::<AppState>();
    let (mut ws, actor, mut progress) = (
        state.open_another()?,
        state.actor.clone(),
        report_progress(app),
    );
    let dest = path.clone();
    let w = blocking(move || write(&mut ws, &actor, &dest, &mut progress)).await?;
    written(&state, w, path).map(Some)
}

/// Signs a run: the passphrase unlocks the key, the save dialog picks the
/// file, the report is written on a blocking thread with progress events,
/// then the run is frozen. `None` when the dialog is cancelled.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn sign_run(
    app: AppHandle,
    state: State<'_, AppState>,
    run: i64,
    role: String,
    statement: String,
    passphrase: String,
    paper_size: Paper,
) -> Res<Option<ReportWritten>> {
    let how = SignAs::new(&role, Some(&statement))?;
    // A blocked or signed run is refused before the passphrase and the file.
    let name = state.with(|ws| {
        ws.prepare_signoff(run)
            .and_then(|_| suggested(ws, run, false))
    })?;
    let signer = unlock(&state, passphrase).await?;
    let Some(path) = dialogs::save(&app, "Save the signed report", &name, PDF) else {
        return Ok(None);
    };
    write_report(&app, path, move |ws, actor, dest, progress| {
        signoff_report::sign_run(ws, actor, run, &signer, &how, paper_size, dest, progress)
    })
    .await
}

fn suggested(ws: &Workspace, run: i64, draft: bool) -> signoff_core::Result<String> {
    Ok(report_file_name(&ws.run_summary(run)?, draft, ws.today()))
}

/// Exports an unsigned draft. `None` when the dialog is cancelled.
#[tauri::command]
pub async fn export_draft(
    app: AppHandle,
    state: State<'_, AppState>,
    run: i64,
    paper_size: Paper,
) -> Res<Option<ReportWritten>> {
    let name = state.with(|ws| suggested(ws, run, true))?;
    let Some(path) = dialogs::save(&app, "Save a draft report", &name, PDF) else {
        return Ok(None);
    };
    write_report(&app, path, move |ws, _, dest, progress| {
        signoff_report::export_draft(ws, run, paper_size, dest, progress)
    })
    .await
}

/// Opens a report the app wrote in this session (signed, draft or
/// maintenance log) in the system's PDF viewer: only a token handed out
/// for such a report is accepted, never one for a dropped, picked or
/// verified file. It may be opened again.
#[tauri::command]
pub async fn open_report(state: State<'_, AppState>, token: String) -> Res<()> {
    let path = state.tokens.take_one(&token, &[Purpose::Written])?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(path)
        .spawn()
        .map(|_| ())
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Io,
                format!("could not open a PDF viewer ({opener}): {e}"),
            )
        })
}

/// Checks a report against the trust store and hands out a token that
/// re-checks the same file later (after trusting a certificate).
fn verify_path(state: &AppState, path: PathBuf) -> Res<ReportVerification> {
    let trusted = signer::trusted_certificates(&state.data_dir, &[])?;
    let check = signer::check_report_file(&path, &trusted)?;
    let file_name = signer::file_name(&path);
    let token = state.tokens.issue(Purpose::Verified, vec![path])?;
    Ok(ReportVerification::new(token, file_name, check))
}

/// Checks `path` on a blocking thread.
async fn verify_later(app: AppHandle, path: PathBuf) -> Res<ReportVerification> {
    blocking(move || verify_path(&app.state::<AppState>(), path)).await
}

/// Opens a PDF in the native dialog and checks it. `None` if cancelled.
#[tauri::command]
pub async fn check_report(app: AppHandle) -> Res<Option<ReportVerification>> {
    let Some(path) = dialogs::pick_one(&app, "Verify a report", Some(PDF)) else {
        return Ok(None);
    };
    verify_later(app, path).await.map(Some)
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
    state.tokens.peek(&token, &[Purpose::Verified])?;
    let filter = ("PEM certificates", &["pem", "crt", "cer"][..]);
    let picked = dialogs::pick_many(&app, "Certificates you trust", Some(filter));
    if picked.is_empty() {
        return Ok(None);
    }
    let pdf = state.tokens.take_one(&token, &[Purpose::Verified])?;
    let store = TrustStore::in_data_dir(&state.data_dir);
    blocking(move || {
        picked
            .iter()
            .try_for_each(|p| store.add_file(p, None).map(drop))
    })
    .await?;
    verify_later(app, pdf).await.map(Some)
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
    let pdf = state.tokens.take_one(&token, &[Purpose::Verified])?;
    let (data_dir, report) = (state.data_dir.clone(), pdf.clone());
    blocking(move || signer::trust_signer(&data_dir, &report, index, &fingerprint)).await?;
    verify_later(app, pdf).await
}

/// Checks the report behind the token again (the trusted certificates
/// changed).
#[tauri::command]
pub async fn recheck_report(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
) -> Res<ReportVerification> {
    let pdf = state.tokens.take_one(&token, &[Purpose::Verified])?;
    verify_later(app, pdf).await
}

fn trusted_list(store: &TrustStore) -> Res<Vec<TrustedCertView>> {
    Ok(store
        .list()?
        .into_iter()
        .map(TrustedCertView::from)
        .collect())
}

/// The certificates the person trusts.
#[tauri::command]
pub async fn list_trusted(state: State<'_, AppState>) -> Res<Vec<TrustedCertView>> {
    trusted_list(&TrustStore::in_data_dir(&state.data_dir))
}

/// Stops trusting a certificate (by its full fingerprint).
#[tauri::command]
pub async fn untrust_certificate(
    state: State<'_, AppState>,
    fingerprint: String,
) -> Res<Vec<TrustedCertView>> {
    let store = TrustStore::in_data_dir(&state.data_dir);
    store.remove(&fingerprint)?;
    trusted_list(&store)
}
