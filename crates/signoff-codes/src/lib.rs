//! The stable error codes of Signoff: one enum for every library
//! (`signoff-core`, `signoff-signature`, `signoff-report`) and the app's
//! shell, so front ends branch on a closed set instead of on strings. The
//! CLI prints them in `--json` errors, the app sends them in its IPC
//! errors, and the UI gets them as a generated TypeScript union
//! (`ui/src/ipc/bindings/ErrorCode.ts`): a code the UI tests for that no
//! longer exists fails its type check.
//!
//! The text of each code (`snake_case`) is part of the CLI's and the app's
//! interface: add codes, never rename one.

use std::fmt;

/// Why something failed, for a program to act on; the message says it for
/// a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // Input.
    /// Something named (a run, a task, a certificate, a signature) is not there.
    NotFound,
    /// An argument or a value a person gave is not acceptable.
    InvalidInput,
    /// An imported checklist is not a valid template.
    InvalidTemplate,
    /// A file handed in cannot be used (not a regular file, unreadable, damaged).
    BadFile,
    /// A short name matches more than one thing.
    Ambiguous,
    /// A file changed between two looks at it.
    Changed,
    // Runs and sign-off.
    /// The run is signed and frozen.
    RunFrozen,
    /// Something stands between the run and a signature.
    Blocked,
    /// The database does not match its activity log.
    HistoryDamaged,
    /// An evidence file in the vault no longer matches its SHA-256.
    EvidenceTampered,
    // The database and the disk.
    DatabaseCorrupt,
    DatabaseTooNew,
    DatabaseLocked,
    /// Any other database error.
    Database,
    /// The data directory cannot be used.
    DataDir,
    Io,
    DiskFull,
    /// The database could not be written.
    Storage,
    // Identities and signatures.
    NoIdentity,
    IdentityExists,
    WrongPassphrase,
    WeakPassphrase,
    KeyCorrupt,
    KeyExposed,
    KeyMissing,
    WrongP12Password,
    BadP12,
    Certificate,
    /// The PDF could not be signed.
    Signing,
    /// Countersigning a report whose signers are not trusted, unconfirmed.
    UntrustedSigner,
    // Pictures.
    PictureTooLarge,
    PictureUnsupported,
    PictureUnreadable,
    // The app's shell.
    /// A token of another purpose than the command takes.
    WrongToken,
    /// A token that is unknown or already used.
    Expired,
    /// A bug or a broken environment, not the person's input.
    Internal,
}

impl ErrorCode {
    /// The code as the CLI and the IPC errors spell it.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            NotFound => "not_found",
            InvalidInput => "invalid_input",
            InvalidTemplate => "invalid_template",
            BadFile => "bad_file",
            Ambiguous => "ambiguous",
            Changed => "changed",
            RunFrozen => "run_frozen",
            Blocked => "blocked",
            HistoryDamaged => "history_damaged",
            EvidenceTampered => "evidence_tampered",
            DatabaseCorrupt => "database_corrupt",
            DatabaseTooNew => "database_too_new",
            DatabaseLocked => "database_locked",
            Database => "database",
            DataDir => "data_dir",
            Io => "io",
            DiskFull => "disk_full",
            Storage => "storage",
            NoIdentity => "no_identity",
            IdentityExists => "identity_exists",
            WrongPassphrase => "wrong_passphrase",
            WeakPassphrase => "weak_passphrase",
            KeyCorrupt => "key_corrupt",
            KeyExposed => "key_exposed",
            KeyMissing => "key_missing",
            WrongP12Password => "wrong_p12_password",
            BadP12 => "bad_p12",
            Certificate => "certificate",
            Signing => "signing",
            UntrustedSigner => "untrusted_signer",
            PictureTooLarge => "picture_too_large",
            PictureUnsupported => "picture_unsupported",
            PictureUnreadable => "picture_unreadable",
            WrongToken => "wrong_token",
            Expired => "expired",
            Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// `as_str` and serde spell every code the same way.
    #[test]
    fn the_code_text_is_the_serde_text() {
        use ErrorCode::*;
        let all = [
            NotFound,
            InvalidInput,
            InvalidTemplate,
            BadFile,
            Ambiguous,
            Changed,
            RunFrozen,
            Blocked,
            HistoryDamaged,
            EvidenceTampered,
            DatabaseCorrupt,
            DatabaseTooNew,
            DatabaseLocked,
            Database,
            DataDir,
            Io,
            DiskFull,
            Storage,
            NoIdentity,
            IdentityExists,
            WrongPassphrase,
            WeakPassphrase,
            KeyCorrupt,
            KeyExposed,
            KeyMissing,
            WrongP12Password,
            BadP12,
            Certificate,
            Signing,
            UntrustedSigner,
            PictureTooLarge,
            PictureUnsupported,
            PictureUnreadable,
            WrongToken,
            Expired,
            Internal,
        ];
        for code in all {
            let json = serde_json::to_string(&code).expect("json");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(code, code.as_str());
        }
    }
}
