//! TypeScript bindings for the UI, generated from the Rust types with
//! ts-rs and committed under `ui/src/ipc/bindings/`. This test fails when
//! they drift; `cargo xtask codegen` (SIGNOFF_UPDATE_BINDINGS=1) rewrites them.

use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

fn export_all(dir: &Path) {
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    signoff_core::RunDetail::export_all(&cfg).expect("RunDetail");
    signoff_core::RunSummary::export_all(&cfg).expect("RunSummary");
    signoff_core::ItemResult::export_all(&cfg).expect("ItemResult");
    signoff_core::TemplateSummary::export_all(&cfg).expect("TemplateSummary");
    signoff_core::ActivityEntry::export_all(&cfg).expect("ActivityEntry");
    signoff_core::templates::Imported::export_all(&cfg).expect("Imported");
    signoff_core::doctor::DoctorReport::export_all(&cfg).expect("DoctorReport");
    crate::ipc::IpcError::export_all(&cfg).expect("IpcError");
    crate::ipc::AppStatus::export_all(&cfg).expect("AppStatus");
    crate::ipc::TemplatePreview::export_all(&cfg).expect("TemplatePreview");
    crate::ipc::DroppedFiles::export_all(&cfg).expect("DroppedFiles");
    crate::ipc::EvidenceProgress::export_all(&cfg).expect("EvidenceProgress");
    signoff_core::SignoffRecord::export_all(&cfg).expect("SignoffRecord");
    crate::ipc::SignerIdentity::export_all(&cfg).expect("SignerIdentity");
    crate::ipc::PassphraseCheck::export_all(&cfg).expect("PassphraseCheck");
    crate::ipc::ReportWritten::export_all(&cfg).expect("ReportWritten");
    crate::ipc::ReportProgress::export_all(&cfg).expect("ReportProgress");
    crate::ipc::ReportVerification::export_all(&cfg).expect("ReportVerification");
    crate::ipc::TrustedCertView::export_all(&cfg).expect("TrustedCertView");
    signoff_core::schedule::TaskStatus::export_all(&cfg).expect("TaskStatus");
    signoff_core::schedule::TaskDetail::export_all(&cfg).expect("TaskDetail");
    signoff_core::schedule::CalendarEntry::export_all(&cfg).expect("CalendarEntry");
    signoff_core::schedule::NewTask::export_all(&cfg).expect("NewTask");
    signoff_core::schedule::TaskEdit::export_all(&cfg).expect("TaskEdit");
    signoff_core::schedule::Completion::export_all(&cfg).expect("Completion");
}

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/bindings")
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                    (e.file_name().to_string_lossy().into_owned(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn typescript_bindings_are_current() {
    if std::env::var_os("SIGNOFF_UPDATE_BINDINGS").is_some() {
        let dir = committed();
        let _ = std::fs::remove_dir_all(&dir);
        export_all(&dir);
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    export_all(tmp.path());
    let fresh = files(tmp.path());
    let saved = files(&committed());
    let names = |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&saved),
        names(&fresh),
        "binding files differ; run `cargo xtask codegen`"
    );
    for ((name, a), (_, b)) in saved.iter().zip(&fresh) {
        assert_eq!(
            a, b,
            "ui/src/ipc/bindings/{name} is stale; run `cargo xtask codegen`"
        );
    }
}
