//! Values that cross the IPC boundary and exist only for the desktop app:
//! the error shape the UI branches on, and event payloads. The domain's own
//! values (runs, items, evidence) come from `signoff_core` unchanged.

use serde::Serialize;
use signoff_core::ErrorCode;
use signoff_core::template::Template;

/// Every command's error: a stable `code` the UI branches on, and a
/// message written for the person using the app.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
        }
    }
}

/// Every library error maps to its stable code and its message.
macro_rules! from_coded {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for IpcError {
            fn from(e: $error) -> Self {
                IpcError::new(e.code(), e.to_string())
            }
        }
    )*};
}

from_coded!(
    signoff_core::Error,
    signoff_report::ReportError,
    signoff_signature::IdentityError,
    signoff_signature::trust::TrustError,
    signoff_report::picture::PictureError,
);

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

impl From<signoff_core::evidence::BatchProgress<'_>> for EvidenceProgress {
    fn from(p: signoff_core::evidence::BatchProgress<'_>) -> Self {
        EvidenceProgress {
            name: p.name.to_owned(),
            index: p.index as u32,
            count: p.count as u32,
            done: p.done,
            total: p.total,
        }
    }
}

/// Bytes sent as a command's raw request body (a pasted screenshot), with
/// the headers that say where they go: `x-run`, `x-item`, `x-media-type`
/// (default `image/png`), `x-sensitive` (`true` or absent).
#[derive(Debug)]
pub struct Upload<'a> {
    pub run: i64,
    pub item: String,
    pub media_type: String,
    pub sensitive: bool,
    pub bytes: &'a [u8],
}

impl<'a> Upload<'a> {
    pub fn from_request(request: &'a tauri::ipc::Request<'_>) -> Result<Upload<'a>, IpcError> {
        let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "expected the bytes as the request body",
            ));
        };
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or_else(|| {
                    IpcError::new(ErrorCode::InvalidInput, format!("missing header {name}"))
                })
        };
        Ok(Upload {
            run: header("x-run")?
                .parse()
                .map_err(|_| IpcError::new(ErrorCode::InvalidInput, "x-run must be a run id"))?,
            item: header("x-item")?,
            media_type: header("x-media-type").unwrap_or_else(|_| "image/png".into()),
            sensitive: header("x-sensitive").is_ok_and(|v| v == "true"),
            bytes,
        })
    }
}

pub const EVENT_DROPPED: &str = "files-dropped";
pub const EVENT_PROGRESS: &str = "evidence-progress";
pub const EVENT_CLOSE_REQUESTED: &str = "close-requested";
/// Event `drag-state`: `true` while files are dragged over the window.
pub const EVENT_DRAG_STATE: &str = "drag-state";

/// Event `report-progress`: evidence bytes embedded so far.
pub const EVENT_REPORT_PROGRESS: &str = "report-progress";

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReportProgress {
    #[cfg_attr(test, ts(type = "number"))]
    pub done: u64,
    #[cfg_attr(test, ts(type = "number"))]
    pub total: u64,
}

/// The signing identity as the app shows it (never the key).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SignerIdentity {
    pub name: String,
    pub email: String,
    pub role: String,
    pub organisation: String,
    pub algorithm: String,
    /// SHA-256 of the certificate, `AB:CD:…`.
    pub fingerprint: String,
    pub not_after: String,
    /// `created` here or `imported` from a PKCS#12 file.
    pub source: String,
}

impl From<signoff_signature::IdentityInfo> for SignerIdentity {
    fn from(info: signoff_signature::IdentityInfo) -> Self {
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
}

/// How strong a new passphrase is (zxcvbn), for the live feedback under
/// the field. The same estimate refuses a weak one when the key is saved.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PassphraseCheck {
    /// 0 (guessed at once) to 4 (very hard to guess).
    pub score: u8,
    /// The least score accepted.
    pub required: u8,
    pub acceptable: bool,
    pub warning: Option<String>,
    pub suggestions: Vec<String>,
}

impl From<signoff_signature::PassphraseStrength> for PassphraseCheck {
    fn from(s: signoff_signature::PassphraseStrength) -> Self {
        PassphraseCheck {
            score: s.score,
            required: signoff_signature::MIN_PASSPHRASE_SCORE,
            acceptable: s.acceptable,
            warning: s.warning,
            suggestions: s.suggestions,
        }
    }
}

/// A report written to the file chosen in the save dialog. `token` opens it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReportWritten {
    pub token: String,
    pub file_name: String,
    pub report_id: String,
    pub pages: u32,
    #[cfg_attr(test, ts(type = "number"))]
    pub bytes: u64,
    pub embedded_files: u32,
    pub images: u32,
    pub signed: bool,
}

impl ReportWritten {
    pub fn new(token: String, file_name: String, w: signoff_report::Written) -> Self {
        ReportWritten {
            token,
            file_name,
            report_id: w.report_id,
            pages: w.pages as u32,
            bytes: w.bytes,
            embedded_files: w.embedded_files as u32,
            images: w.images as u32,
            signed: w.signed,
        }
    }
}

/// One signature of a verified report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SignatureView {
    pub field: String,
    pub signer: String,
    pub reason: String,
    pub signed_at: String,
    pub fingerprint: String,
    pub integrity: bool,
    pub signature: bool,
    pub trust: TrustView,
    /// Why it is trusted or not, in a sentence.
    pub trust_detail: String,
    pub only_signatures_after: bool,
    pub problems: Vec<String>,
}

/// A signature's standing against the certificates the person trusts.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum TrustView {
    Trusted,
    Untrusted,
    Unchecked,
}

/// What a report comes to: valid (intact, every signer trusted), intact
/// but not trusted, or not valid.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum VerdictView {
    Valid,
    Untrusted,
    Invalid,
}

/// A certificate in the trust store.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TrustedCertView {
    pub name: String,
    pub fingerprint: String,
    pub subject: String,
    pub not_after: String,
    /// A CA: trusts the signers it issued.
    pub ca: bool,
}

impl From<signoff_signature::trust::TrustedCert> for TrustedCertView {
    fn from(c: signoff_signature::trust::TrustedCert) -> Self {
        TrustedCertView {
            name: c.name,
            fingerprint: c.fingerprint_sha256,
            subject: c.subject,
            not_after: c.not_after,
            ca: c.ca,
        }
    }
}

/// One content check (manifest, SHA256SUMS, evidence, activity log).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// What `signoff verify` says about a report, for the Verify screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReportVerification {
    /// Re-check this file against trusted certificates with this token.
    pub token: String,
    pub file_name: String,
    /// True only when the verdict is valid.
    pub ok: bool,
    /// Every signature and content check holds, whoever signed.
    pub intact: bool,
    pub verdict: VerdictView,
    pub report_id: Option<String>,
    pub target: Option<String>,
    pub environment: Option<String>,
    pub signatures: Vec<SignatureView>,
    pub checks: Vec<CheckView>,
    pub problems: Vec<String>,
}

impl ReportVerification {
    pub fn new(token: String, file_name: String, r: signoff_report::ReportCheck) -> Self {
        use signoff_signature::trust::Trust;
        use signoff_signature::verify::Verdict;
        ReportVerification {
            token,
            file_name,
            ok: r.ok,
            intact: r.intact,
            verdict: match r.verdict {
                Verdict::Valid => VerdictView::Valid,
                Verdict::Untrusted => VerdictView::Untrusted,
                Verdict::Invalid => VerdictView::Invalid,
            },
            report_id: r.report_id,
            target: r.target,
            environment: r.environment,
            signatures: r
                .signatures
                .signatures
                .into_iter()
                .map(|s| SignatureView {
                    field: s.field,
                    signer: s.signer,
                    reason: s.reason,
                    signed_at: s.signed_at,
                    fingerprint: s.fingerprint_sha256,
                    integrity: s.integrity,
                    signature: s.signature,
                    trust: match s.trust {
                        Trust::Trusted => TrustView::Trusted,
                        Trust::Untrusted => TrustView::Untrusted,
                        Trust::Unchecked => TrustView::Unchecked,
                    },
                    trust_detail: s.trust_detail,
                    only_signatures_after: s.only_signatures_after,
                    problems: s.problems,
                })
                .collect(),
            checks: r
                .checks
                .into_iter()
                .map(|c| CheckView {
                    name: c.name,
                    ok: c.ok,
                    detail: c.detail,
                })
                .collect(),
            problems: r.signatures.problems,
        }
    }
}
