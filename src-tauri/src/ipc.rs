//! Values that cross the IPC boundary and exist only for the desktop app:
//! the error shape the UI branches on, and event payloads. The domain's own
//! values (runs, items, evidence) come from `signoff_core` unchanged.

use serde::Serialize;
use signoff_core::template::Template;

/// Every command's error: a stable `code` the UI branches on, and a
/// message written for the person using the app.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        IpcError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<signoff_core::Error> for IpcError {
    fn from(e: signoff_core::Error) -> Self {
        IpcError::new(e.code(), e.to_string())
    }
}

/// What the UI needs at start: where data lives, who acts, and whether the
/// workspace opened (a corrupt or newer database is reported here).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub data_dir: String,
    pub actor: String,
    pub version: String,
    pub error: Option<IpcError>,
}

/// A checklist file picked in the native dialog, parsed but not stored.
/// The UI confirms with the token; it never sees the path.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TemplatePreview {
    pub token: String,
    pub file_name: String,
    pub template: Template,
}

/// Event `files-dropped`: files dropped on the window. Attach them with
/// `add_evidence_dropped(token, …)`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DroppedFiles {
    pub token: String,
    pub names: Vec<String>,
}

/// Event `evidence-progress`: bytes copied of the file being attached.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EvidenceProgress {
    pub name: String,
    /// 1-based position of this file in the batch, and the batch size.
    pub index: u32,
    pub count: u32,
    #[cfg_attr(test, ts(type = "number"))]
    pub done: u64,
    #[cfg_attr(test, ts(type = "number"))]
    pub total: u64,
}

pub const EVENT_DROPPED: &str = "files-dropped";
pub const EVENT_PROGRESS: &str = "evidence-progress";
pub const EVENT_CLOSE_REQUESTED: &str = "close-requested";
/// Event `drag-state`: `true` while files are dragged over the window.
pub const EVENT_DRAG_STATE: &str = "drag-state";
