//! The app's state: the workspace (opened once; its error kept for the UI
//! if it could not open), the acting user, and the paths picked in native
//! dialogs or dropped on the window, held here under opaque tokens so the
//! webview never handles a path.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use signoff_core::{Actor, SystemClock, Workspace};

use crate::ipc::IpcError;

#[derive(Debug)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub actor: Actor,
    workspace: Mutex<Result<Workspace, IpcError>>,
    paths: Mutex<HashMap<String, Vec<PathBuf>>>,
    next_token: std::sync::atomic::AtomicU64,
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
        AppState {
            data_dir,
            actor,
            workspace: Mutex::new(workspace),
            paths: Mutex::new(HashMap::new()),
            next_token: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// Runs `f` on the workspace, mapping its error for IPC.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Workspace) -> signoff_core::Result<T>,
    ) -> Result<T, IpcError> {
        let mut guard = self.workspace.lock().map_err(|_| {
            IpcError::new(
                "internal",
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

    /// Keeps paths under a new token and returns what the UI may see: the
    /// token and the file names.
    pub fn remember_files(&self, paths: Vec<PathBuf>) -> crate::ipc::DroppedFiles {
        let names = paths
            .iter()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        crate::ipc::DroppedFiles {
            token: self.remember(paths),
            names,
        }
    }

    /// Keeps paths under a new token.
    pub fn remember(&self, paths: Vec<PathBuf>) -> String {
        let n = self
            .next_token
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = format!("t{n}");
        if let Ok(mut map) = self.paths.lock() {
            map.insert(token.clone(), paths);
        }
        token
    }

    /// Puts paths back under an existing token (for files that may be used
    /// again, such as a saved report).
    pub fn remember_as(&self, token: &str, paths: Vec<PathBuf>) {
        if let Ok(mut map) = self.paths.lock() {
            map.insert(token.to_owned(), paths);
        }
    }

    /// Takes the paths behind a token (each token works once).
    pub fn take(&self, token: &str) -> Result<Vec<PathBuf>, IpcError> {
        self.paths
            .lock()
            .ok()
            .and_then(|mut m| m.remove(token))
            .ok_or_else(|| {
                IpcError::new(
                    "expired",
                    "those files are no longer available; pick or drop them again",
                )
            })
    }
}
