//! The paths the webview may refer to, held here under tokens. A token is
//! 128 random bits from the operating system (32 hex digits), so the
//! webview cannot guess one it was not given, and it stands for one
//! [`Purpose`]: a command accepts only the purposes it names, so the token
//! of a dropped file cannot open a viewer, and that of a checklist cannot
//! attach evidence. Tokens live as long as the app (never on disk).

use signoff_core::ErrorCode;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use rand_core::{OsRng, RngCore};

use crate::ipc::IpcError;

/// What a token stands for, and so which commands accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A checklist picked for import (`pick_template_file`), previewed and
    /// then imported by `import_template`. Single use.
    Checklist,
    /// Files dropped on the window, attached by `add_evidence_dropped` or
    /// `complete_task`. Single use.
    Dropped,
    /// Files picked for a task's completion (`pick_completion_files`), for
    /// `complete_task`. Single use.
    Picked,
    /// A pasted image waiting for its completion (`stage_pasted_image`),
    /// for `complete_task`. Single use.
    Pasted,
    /// A report this app wrote in this session (`sign_run`, `export_draft`,
    /// `sign_maintenance_log`): `open_report` opens it, as often as asked.
    Written,
    /// A report opened in Verify (`check_report`): `recheck_report`,
    /// `trust_signer` and `verify_report_trusting` check it again, and each
    /// check hands out a new token. Single use.
    Verified,
}

impl Purpose {
    fn describe(self) -> &'static str {
        match self {
            Purpose::Checklist => "a checklist picked for import",
            Purpose::Dropped => "files dropped on the window",
            Purpose::Picked => "files picked for a task",
            Purpose::Pasted => "a pasted image",
            Purpose::Written => "a report Signoff wrote",
            Purpose::Verified => "a report opened to verify",
        }
    }

    /// Whether using the token uses it up.
    pub fn single_use(self) -> bool {
        self != Purpose::Written
    }
}

/// The token store.
#[derive(Debug, Default)]
pub struct Tokens {
    held: Mutex<HashMap<String, (Purpose, Vec<PathBuf>)>>,
}

fn expired() -> IpcError {
    IpcError::new(
        ErrorCode::Expired,
        "those files are no longer available; pick or drop them again",
    )
}

fn poisoned() -> IpcError {
    IpcError::new(
        ErrorCode::Internal,
        "the token store is unusable; restart Signoff",
    )
}

fn wrong(found: Purpose, accepted: &[Purpose]) -> IpcError {
    let wanted: Vec<&str> = accepted.iter().map(|p| p.describe()).collect();
    IpcError::new(
        ErrorCode::WrongToken,
        format!(
            "this token stands for {}, and only {} can be used here",
            found.describe(),
            wanted.join(" or ")
        ),
    )
}

impl Tokens {
    /// Holds `paths` for `purpose` under a new random token.
    pub fn issue(&self, purpose: Purpose, paths: Vec<PathBuf>) -> Result<String, IpcError> {
        let mut bytes = [0u8; 16];
        OsRng.try_fill_bytes(&mut bytes).map_err(|e| {
            IpcError::new(
                ErrorCode::Internal,
                format!("the system's random source failed: {e}"),
            )
        })?;
        let token = signoff_core::template::hex(&bytes);
        let mut held = self.held.lock().map_err(|_| poisoned())?;
        held.insert(token.clone(), (purpose, paths));
        Ok(token)
    }

    /// The paths behind `token` if it stands for one of `accepted`; a
    /// single-use token is used up. A token of another purpose is refused
    /// and kept as it was.
    pub fn take(&self, token: &str, accepted: &[Purpose]) -> Result<Vec<PathBuf>, IpcError> {
        self.take_all(&[token], accepted)
    }

    /// [`Tokens::take`] for a token that stands for one file.
    pub fn take_one(&self, token: &str, accepted: &[Purpose]) -> Result<PathBuf, IpcError> {
        self.take(token, accepted)?
            .into_iter()
            .next()
            .ok_or_else(expired)
    }

    /// [`Tokens::take`] for several tokens, all or none: if one is unknown
    /// or of another purpose, none is used up.
    pub fn take_all<S: AsRef<str>>(
        &self,
        tokens: &[S],
        accepted: &[Purpose],
    ) -> Result<Vec<PathBuf>, IpcError> {
        let mut held = self.held.lock().map_err(|_| poisoned())?;
        for t in tokens {
            let (purpose, _) = held.get(t.as_ref()).ok_or_else(expired)?;
            if !accepted.contains(purpose) {
                return Err(wrong(*purpose, accepted));
            }
        }
        let mut paths = Vec::new();
        for t in tokens {
            let t = t.as_ref();
            let single = held.get(t).is_some_and(|(p, _)| p.single_use());
            let entry = if single {
                held.remove(t).map(|(_, p)| p)
            } else {
                held.get(t).map(|(_, p)| p.clone())
            };
            // Checked above, under the same lock.
            paths.extend(entry.ok_or_else(expired)?);
        }
        Ok(paths)
    }

    /// The paths behind `token`, like [`Tokens::take`], without using it up.
    pub fn peek(&self, token: &str, accepted: &[Purpose]) -> Result<Vec<PathBuf>, IpcError> {
        let held = self.held.lock().map_err(|_| poisoned())?;
        let (purpose, paths) = held.get(token).ok_or_else(expired)?;
        if !accepted.contains(purpose) {
            return Err(wrong(*purpose, accepted));
        }
        Ok(paths.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::{Purpose, Tokens};
    use std::collections::HashSet;
    use std::path::PathBuf;

    fn p(name: &str) -> Vec<PathBuf> {
        vec![PathBuf::from(name)]
    }

    #[test]
    fn tokens_are_128_random_bits_never_repeated() {
        let tokens = Tokens::default();
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let t = tokens.issue(Purpose::Dropped, p("a")).expect("issue");
            assert_eq!(t.len(), 32, "16 bytes as hex: {t}");
            assert!(t.bytes().all(|b| b.is_ascii_hexdigit()), "{t}");
            assert!(seen.insert(t.clone()), "{t} was handed out twice");
        }
        // Not a counter: no two tokens share their first 8 hex digits by
        // construction of a sequence (a counter's would).
        let prefixes: HashSet<&str> = seen.iter().map(|t| &t[..8]).collect();
        assert!(prefixes.len() > 1990, "tokens look sequential");
    }

    #[test]
    fn a_token_of_one_purpose_is_refused_for_another_and_kept() {
        let tokens = Tokens::default();
        let dropped = tokens
            .issue(Purpose::Dropped, p("/home/u/evil.desktop"))
            .expect("issue");
        let err = tokens
            .take(&dropped, &[Purpose::Written])
            .expect_err("a dropped file is not a written report");
        assert_eq!(err.code, "wrong_token");
        assert!(
            err.message.contains("files dropped on the window")
                && err.message.contains("a report Signoff wrote"),
            "{}",
            err.message
        );
        let err = tokens
            .peek(&dropped, &[Purpose::Written])
            .expect_err("peek checks the purpose too");
        assert_eq!(err.code, "wrong_token");
        // Refusing it did not use it up.
        assert_eq!(
            tokens.take(&dropped, &[Purpose::Dropped]).expect("take"),
            p("/home/u/evil.desktop")
        );
    }

    #[test]
    fn single_use_tokens_work_once_and_written_reports_open_again() {
        let tokens = Tokens::default();
        for purpose in [
            Purpose::Checklist,
            Purpose::Dropped,
            Purpose::Picked,
            Purpose::Pasted,
            Purpose::Verified,
        ] {
            let t = tokens.issue(purpose, p("f")).expect("issue");
            assert_eq!(tokens.take(&t, &[purpose]).expect("first"), p("f"));
            let err = tokens.take(&t, &[purpose]).expect_err("second use");
            assert_eq!(err.code, "expired", "{purpose:?}");
        }
        let report = tokens
            .issue(Purpose::Written, p("report.pdf"))
            .expect("issue");
        for _ in 0..3 {
            assert_eq!(
                tokens.take(&report, &[Purpose::Written]).expect("open"),
                p("report.pdf")
            );
        }
    }

    #[test]
    fn unknown_and_guessed_tokens_are_refused() {
        let tokens = Tokens::default();
        let _ = tokens.issue(Purpose::Written, p("r.pdf")).expect("issue");
        for guess in ["t1", "t2", "", "00000000000000000000000000000000"] {
            let err = tokens
                .take(guess, &[Purpose::Written])
                .expect_err("a guessed token");
            assert_eq!(err.code, "expired", "{guess}");
        }
    }

    #[test]
    fn several_tokens_are_taken_all_or_none() {
        let tokens = Tokens::default();
        let files = [Purpose::Dropped, Purpose::Picked, Purpose::Pasted];
        let a = tokens.issue(Purpose::Picked, p("a")).expect("issue");
        let b = tokens.issue(Purpose::Pasted, p("b")).expect("issue");
        let report = tokens.issue(Purpose::Written, p("r.pdf")).expect("issue");
        let err = tokens
            .take_all(&[a.as_str(), report.as_str()], &files)
            .expect_err("a report is not a completion file");
        assert_eq!(err.code, "wrong_token");
        let err = tokens
            .take_all(&[a.as_str(), "nope"], &files)
            .expect_err("unknown");
        assert_eq!(err.code, "expired");
        // Neither refusal used up `a`.
        let both = tokens.take_all(&[&a, &b], &files).expect("both");
        assert_eq!(both, vec![PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(tokens.take(&a, &files).expect_err("used").code, "expired");
    }
}
