//! Declares every app command, so each gets its own `allow-…`/`deny-…`
//! permission that `capabilities/` must grant explicitly (without this
//! Tauri allows every command to every window).

const COMMANDS: &[&str] = &[
    "app_status",
    "list_templates",
    "show_template",
    "pick_template_file",
    "import_template",
    "new_run",
    "list_runs",
    "show_run",
    "set_result",
    "waive_item",
    "add_evidence_files",
    "add_evidence_dropped",
    "add_evidence_bytes",
    "add_evidence_note",
    "add_evidence_link",
    "remove_evidence",
    "evidence_preview",
    "change_counter",
    "run_doctor",
    "close_window",
    "identity_status",
    "passphrase_strength",
    "create_identity",
    "import_identity",
    "list_signoffs",
    "reopen_run",
    "sign_run",
    "export_draft",
    "open_report",
    "check_report",
    "verify_report_trusting",
    "trust_signer",
    "recheck_report",
    "list_trusted",
    "untrust_certificate",
    "list_tasks",
    "show_task",
    "add_task",
    "edit_task",
    "set_task_state",
    "calendar",
    "pick_completion_files",
    "stage_pasted_image",
    "complete_task",
    "schedule_ics",
    "sign_maintenance_log",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
