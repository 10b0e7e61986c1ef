//! Getting passphrases: from `SIGNOFF_PASSPHRASE_FILE` (first line) or
//! `SIGNOFF_PASSPHRASE` for automation, else asked on the terminal without
//! echo. Never from a command-line argument (it would sit in shell history
//! and in `ps`). A new passphrase must be strong enough
//! (`signoff_signature::passphrase_strength`, zxcvbn): on a terminal a weak
//! one is asked for again with the feedback, from the environment it is
//! refused; unlocking takes any.

use std::io::IsTerminal;

use anyhow::{Context, Result, bail};
use signoff_signature::{IdentityError, Passphrase, passphrase_strength};

/// Weak passphrases typed before giving up.
const TRIES: usize = 3;

/// The passphrase from the environment, if automation provides one.
fn from_env() -> Result<Option<String>> {
    if let Some(file) = std::env::var_os("SIGNOFF_PASSPHRASE_FILE") {
        let text = std::fs::read_to_string(&file).with_context(|| {
            format!(
                "reading SIGNOFF_PASSPHRASE_FILE ({})",
                file.to_string_lossy()
            )
        })?;
        return Ok(Some(text.lines().next().unwrap_or_default().to_owned()));
    }
    Ok(std::env::var("SIGNOFF_PASSPHRASE").ok())
}

/// A passphrase for a new key, strong enough for `user_inputs` (the
/// signer's name, email…): asked twice on a terminal, and again with
/// zxcvbn's feedback while it is too weak.
pub fn new_passphrase(user_inputs: &[&str]) -> Result<Passphrase> {
    if let Some(p) = from_env()? {
        let strength = passphrase_strength(&p, user_inputs);
        if !strength.acceptable {
            return Err(IdentityError::WeakPassphrase(strength).into());
        }
        return Ok(Passphrase::new(p));
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "no passphrase: run in a terminal, or set SIGNOFF_PASSPHRASE_FILE or SIGNOFF_PASSPHRASE"
        );
    }
    for _ in 0..TRIES {
        let first = rpassword::prompt_password("Passphrase for the signing key: ")?;
        let strength = passphrase_strength(&first, user_inputs);
        if !strength.acceptable {
            eprintln!(
                "Too weak (strength {} of 4, {} needed). {}",
                strength.score,
                signoff_signature::MIN_PASSPHRASE_SCORE,
                strength.feedback()
            );
            continue;
        }
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            bail!("the two passphrases differ; nothing was created");
        }
        return Ok(Passphrase::new(first));
    }
    bail!("no strong enough passphrase after {TRIES} tries; nothing was created")
}

/// The passphrase that unlocks the signing key.
pub fn passphrase() -> Result<Passphrase> {
    if let Some(p) = from_env()? {
        return Ok(Passphrase::new(p));
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "no passphrase: run in a terminal, or set SIGNOFF_PASSPHRASE_FILE or SIGNOFF_PASSPHRASE"
        );
    }
    Ok(Passphrase::new(rpassword::prompt_password(
        "Passphrase of your signing key: ",
    )?))
}

/// The password of a PKCS#12 file.
pub fn p12_password(file: &str) -> Result<String> {
    if let Ok(p) = std::env::var("SIGNOFF_P12_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password for {file}: run in a terminal, or set SIGNOFF_P12_PASSWORD");
    }
    Ok(rpassword::prompt_password(format!(
        "Password of {}: ",
        crate::output::terminal_safe(file)
    ))?)
}
