//! The app's state: the workspace (opened once; its error kept for the UI
//! if it could not open), the acting user, and the paths picked in native
//! dialogs, dropped on the window or written by the app, held under random
//! tokens of one purpose each (`tokens.rs`) so the webview never handles a
//! path.

use signoff_core::ErrorCode;
use std::path::PathBuf;
use std::sync::Mutex;

use signoff_core::{Actor, SystemClock, Workspace};

use crate::ipc::IpcError;
use crate::tokens::{Purpose, Tokens};

#[derive(Debug)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub actor: Actor,
    workspace: Mutex<Result<Workspace, IpcError>>,
    pub tokens: Tokens,
}

impl AppState {
    /// Opens the workspace in `SIGNOFF_DATA_DIR` or the platform data dir,
    /// like the CLI, so both work on the same runs.
    pub fn open() -> AppState {
        let data_dir = std::env::var_os(signoff_core::workspace::DATA_DIR_ENV)
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty())
            .map(Ok)
            .unwrap_or_else(Workspace::default_data_dir);
        let (data_dir, workspace) = match data_dir {
            Ok(dir) => {
                let ws = Workspace::open(&dir, Box::new(SystemClock)).map_err(IpcError::from);
                (dir, ws)
            }
            Err(e) => (PathBuf::new(), Err(IpcError::from(e))),
        };
        let actor = whoami::username()
            .ok()
            .and_then(|n| Actor::new(&n).ok())
            .or_else(|| Actor::new("unknown user").ok())
            .expect("a constant actor name is valid");
        // The built-in maintenance tasks are seeded once, here, so the
        // schedule's reads need not write. If that fails (the database held
        // by another process, or a read-only file) the workspace still
        // opens; the next start or the first task added seeds them.
        let mut workspace = workspace;
        if let Ok(ws) = workspace.as_mut() {
            let _ = ws.ensure_builtin_schedule(&actor);
        }
        AppState {
            data_dir,
            actor,
            workspace: Mutex::new(workspace),
            tokens: Tokens::default(),
        }
    }

    /// Runs `f` on the workspace, mapping its error for IPC.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Workspace) -> signoff_core::Result<T>,
    ) -> Result<T, IpcError> {
        let mut guard = self.workspace.lock().map_err(|_| {
            IpcError::new(
                ErrorCode::Internal,
                "the workspace lock was poisoned; restart Signoff",
            )
        })?;
        match guard.as_mut() {
            Ok(ws) => f(ws).map_err(IpcError::from),
            Err(e) => Err(e.clone()),
        }
    }

    /// The error that kept the workspace from opening, if any.
    pub fn open_error(&self) -> Option<IpcError> {
        self.workspace
            .lock()
            .ok()
            .and_then(|g| g.as_ref().err().cloned())
    }

    /// A second, short-lived handle on the same data directory, for long
    /// work (importing large files) that must not hold up other commands.
    pub fn open_another(&self) -> Result<Workspace, IpcError> {
        if let Some(e) = self.open_error() {
            return Err(e);
        }
        Workspace::open(&self.data_dir, Box::new(SystemClock)).map_err(IpcError::from)
    }

    /// Holds paths under a new token of `purpose` and returns what the UI
    /// may see: the token and the file names.
    pub fn remember_files(
        &self,
        purpose: Purpose,
        paths: Vec<PathBuf>,
    ) -> Result<crate::ipc::DroppedFiles, IpcError> {
        let names = paths
            .iter()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        Ok(crate::ipc::DroppedFiles {
            token: self.tokens.issue(purpose, paths)?,
            names,
        })
    }
}
