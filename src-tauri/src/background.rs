//! Work off the async runtime: [`blocking`] runs a closure on Tauri's
//! blocking pool (key derivation, long exports and imports, decoding), and
//! [`Throttle`] keeps progress events to ten a second.

use signoff_core::ErrorCode;
use std::time::{Duration, Instant};

use crate::ipc::IpcError;

/// Runs `f` on a blocking thread and returns its result; a panic in it is
/// an `internal` error, never a crashed app.
pub async fn blocking<T, E>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, IpcError>
where
    T: Send + 'static,
    E: Into<IpcError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Internal,
                format!("the work stopped unexpectedly: {e}"),
            )
        })?
        .map_err(Into::into)
}

/// At most one event per [`Throttle::EVERY`], plus the ones that must go
/// (a last step, a new file).
#[derive(Debug, Default)]
pub struct Throttle {
    last: Option<Instant>,
}

impl Throttle {
    pub const EVERY: Duration = Duration::from_millis(100);

    /// Whether to send an event now; `must` sends it whatever the time.
    pub fn due(&mut self, must: bool) -> bool {
        let due = must || self.last.is_none_or(|t| t.elapsed() >= Self::EVERY);
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}
