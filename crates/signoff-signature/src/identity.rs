//! The identity folder (`<data>/identity/`):
//!
//! - `key.pem`: the private key as an *encrypted* PKCS#8 PEM (PBES2:
//!   PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC), mode 0600. The
//!   OpenSSL CLI reads it (`openssl pkey -in key.pem`), so a user is never
//!   locked in. The clear key exists only in memory.
//! - `cert.pem`: the certificate chain, signer first.
//! - `identity.json`: what the app shows (name, role, fingerprint…).
//!
//! Files are written to a temporary name, fsync'd and renamed, so a crash
//! leaves the old identity or the new one, never half of one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};
use der::Decode;
use pkcs8::{DecodePrivateKey, EncryptedPrivateKeyInfo, LineEnding, PrivateKeyInfo};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// PBKDF2 iterations for the key at rest (OWASP's figure for PBKDF2-SHA256).
const PBKDF2_ITERATIONS: u32 = 600_000;
/// Shortest passphrase accepted for a key we encrypt.
pub const MIN_PASSPHRASE: usize = 8;
/// The least zxcvbn score (0 to 4) a new passphrase needs. 3 is zxcvbn's
/// "safely unguessable": about 10^10 guesses, beyond an offline attack on
/// a slow hash, which is what PBKDF2 with 600,000 rounds is.
pub const MIN_PASSPHRASE_SCORE: u8 = 3;
/// Validity of a self-signed certificate we create.
const CERT_YEARS: i32 = 3;

const KEY_FILE: &str = "key.pem";
const CERT_FILE: &str = "cert.pem";
const INFO_FILE: &str = "identity.json";

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("no signing identity yet")]
    Missing,
    #[error(
        "a signing identity already exists in {0}; it is kept (move that folder aside to replace it)"
    )]
    Exists(PathBuf),
    #[error("the passphrase is wrong")]
    WrongPassphrase,
    #[error(
        "the passphrase is too weak (strength {} of 4, {MIN_PASSPHRASE_SCORE} needed): {}",
        .0.score,
        .0.feedback()
    )]
    WeakPassphrase(PassphraseStrength),
    #[error("the key file {path} is damaged or not an encrypted PKCS#8 key ({detail})")]
    CorruptKey { path: PathBuf, detail: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{file}: wrong password for this PKCS#12 file")]
    WrongP12Password { file: String },
    #[error("{file}: not a usable PKCS#12 file ({detail})")]
    BadP12 { file: String, detail: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("creating the certificate failed: {0}")]
    Certificate(String),
    /// The key file can be read by other users: they could copy it and try
    /// passphrases offline. Refused until it is private again, as OpenSSH
    /// does with its keys.
    #[error(
        "the key file {path} can be read by other users (mode {mode:04o}): anyone who copied it can try passphrases offline. Make it private with `chmod 600 {path}`; nothing was signed"
    )]
    KeyExposed { path: PathBuf, mode: u32 },
    #[error(
        "the key file {0} is missing, though the identity's details are there; restore the identity folder from a backup, or move it aside and create a new identity"
    )]
    KeyMissing(PathBuf),
}

impl IdentityError {
    /// A stable code for front ends.
    pub fn code(&self) -> signoff_codes::ErrorCode {
        match self {
            IdentityError::Missing => signoff_codes::ErrorCode::NoIdentity,
            IdentityError::Exists(_) => signoff_codes::ErrorCode::IdentityExists,
            IdentityError::WrongPassphrase => signoff_codes::ErrorCode::WrongPassphrase,
            IdentityError::WeakPassphrase(_) => signoff_codes::ErrorCode::WeakPassphrase,
            IdentityError::CorruptKey { .. } => signoff_codes::ErrorCode::KeyCorrupt,
            IdentityError::Invalid(_) => signoff_codes::ErrorCode::InvalidInput,
            IdentityError::WrongP12Password { .. } => signoff_codes::ErrorCode::WrongP12Password,
            IdentityError::BadP12 { .. } => signoff_codes::ErrorCode::BadP12,
            IdentityError::Io { .. } => signoff_codes::ErrorCode::Io,
            IdentityError::Certificate(_) => signoff_codes::ErrorCode::Certificate,
            IdentityError::KeyExposed { .. } => signoff_codes::ErrorCode::KeyExposed,
            IdentityError::KeyMissing(_) => signoff_codes::ErrorCode::KeyMissing,
        }
    }
}

type Result<T, E = IdentityError> = std::result::Result<T, E>;

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> IdentityError {
    let context = context.into();
    move |source| IdentityError::Io { context, source }
}

/// A passphrase; its text is never printed by `Debug`.
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(text: impl Into<String>) -> Self {
        Passphrase(text.into())
    }
    /// The passphrase, if it is strong enough to encrypt a key with
    /// (only checked when a passphrase is set: unlocking takes any).
    fn strong(&self, user_inputs: &[&str]) -> Result<&str> {
        let strength = passphrase_strength(&self.0, user_inputs);
        if strength.acceptable {
            Ok(&self.0)
        } else {
            Err(IdentityError::WeakPassphrase(strength))
        }
    }
}

/// How hard a passphrase is to guess, as zxcvbn estimates it, and what
/// would make it harder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassphraseStrength {
    /// 0 (guessed at once) to 4 (very hard to guess).
    pub score: u8,
    /// At least [`MIN_PASSPHRASE`] characters and a score of at least
    /// [`MIN_PASSPHRASE_SCORE`].
    pub acceptable: bool,
    /// What is wrong, e.g. "This is a top-10 common password."
    pub warning: Option<String>,
    /// What to do instead, e.g. "Add another word or two. Uncommon words
    /// are better."
    pub suggestions: Vec<String>,
}

impl PassphraseStrength {
    /// The warning and the suggestions as one line.
    pub fn feedback(&self) -> String {
        let mut parts: Vec<&str> = self.warning.iter().map(String::as_str).collect();
        parts.extend(self.suggestions.iter().map(String::as_str));
        parts.join(" ")
    }
}

/// Estimates a new passphrase's strength with zxcvbn (dictionaries of
/// common passwords, names and words, keyboard patterns, dates,
/// sequences, l33t substitutions). `user_inputs` are words the signer is
/// known by (name, email, organisation, role): a passphrase made of them
/// is weak. zxcvbn reads only the first 100 characters, so this is fast
/// on any input. One estimate for the CLI, the app's live feedback and
/// the check when a key is encrypted.
pub fn passphrase_strength(passphrase: &str, user_inputs: &[&str]) -> PassphraseStrength {
    // Each input whole and each of its words ("Exämple AG" and "exämple"),
    // since zxcvbn matches a user input only as a whole.
    let mut inputs: Vec<&str> = Vec::new();
    for input in user_inputs.iter().filter(|i| !i.trim().is_empty()) {
        inputs.push(input);
        inputs.extend(
            input
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 3),
        );
    }
    let estimate = zxcvbn::zxcvbn(passphrase, &inputs);
    let score = u8::from(estimate.score());
    let (mut warning, mut suggestions): (Option<String>, Vec<String>) = match estimate.feedback() {
        Some(f) => (
            f.warning().map(|w| w.to_string()),
            f.suggestions().iter().map(ToString::to_string).collect(),
        ),
        None => (None, Vec::new()),
    };
    let too_short = passphrase.chars().count() < MIN_PASSPHRASE;
    let acceptable = !too_short && score >= MIN_PASSPHRASE_SCORE;
    if too_short {
        warning = Some(format!("Use at least {MIN_PASSPHRASE} characters."));
    }
    if !acceptable && warning.is_none() && suggestions.is_empty() {
        // zxcvbn gives feedback only up to a score of 2.
        suggestions.push("Add another word or two. Uncommon words are better.".to_owned());
    }
    PassphraseStrength {
        score,
        acceptable,
        warning,
        suggestions,
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

/// Who a new identity is.
#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub name: String,
    pub email: String,
    pub role: String,
    pub organisation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyAlgorithm {
    EcdsaP256,
    Rsa,
}

/// What is shown about an identity (stored in `identity.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityInfo {
    pub name: String,
    pub email: String,
    pub role: String,
    pub organisation: String,
    pub algorithm: KeyAlgorithm,
    /// SHA-256 of the signer certificate (DER), upper-case hex pairs.
    pub fingerprint_sha256: String,
    pub subject: String,
    pub issuer: String,
    pub self_signed: bool,
    pub not_before: String,
    pub not_after: String,
    /// `created` here or `imported` from a PKCS#12 file.
    pub source: String,
    pub created_at: String,
}

/// An unlocked identity: the key (in memory only) and the certificate chain.
pub struct Signer {
    pub info: IdentityInfo,
    pub key: SignerKey,
    /// DER certificates, signer first.
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

pub enum SignerKey {
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignerKey::P256(_) => "SignerKey::P256(…)",
            SignerKey::Rsa(_) => "SignerKey::Rsa(…)",
        })
    }
}

/// The identity folder.
#[derive(Debug, Clone)]
pub struct IdentityStore {
    dir: PathBuf,
}

impl IdentityStore {
    /// The identity of a data directory: its `identity/` folder.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::new(&data_dir.join("identity"))
    }

    pub fn new(dir: &Path) -> Self {
        IdentityStore {
            dir: dir.to_owned(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The identity, if one exists.
    pub fn show(&self) -> Result<Option<IdentityInfo>> {
        let path = self.dir.join(INFO_FILE);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| IdentityError::Invalid(format!("{} is damaged: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(format!("reading {}", path.display()))(e)),
        }
    }

    /// Creates a P-256 key and a self-signed certificate for `who`.
    pub fn create(
        &self,
        who: &NewIdentity,
        passphrase: &Passphrase,
        now: DateTime<Utc>,
    ) -> Result<IdentityInfo> {
        let secret = passphrase.strong(&[&who.name, &who.email, &who.organisation, &who.role])?;
        self.refuse_existing()?;
        let who = check_who(who)?;
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| IdentityError::Certificate(e.to_string()))?;
        let mut params = rcgen::CertificateParams::default();
        let dn = &mut params.distinguished_name;
        dn.push(rcgen::DnType::CommonName, who.name.as_str());
        if !who.organisation.is_empty() {
            dn.push(rcgen::DnType::OrganizationName, who.organisation.as_str());
        }
        if !who.role.is_empty() {
            dn.push(rcgen::DnType::OrganizationalUnitName, who.role.as_str());
        }
        let email = who.email.as_str().try_into().map_err(|_| {
            IdentityError::Invalid(format!("'{}' cannot go in a certificate", who.email))
        })?;
        params.subject_alt_names = vec![rcgen::SanType::Rfc822Name(email)];
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::ContentCommitment,
        ];
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        let mut serial = [0u8; 16];
        OsRng.fill_bytes(&mut serial);
        serial[0] &= 0x7f;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        let (y, m, d) = (now.year(), now.month() as u8, now.day() as u8);
        params.not_before = rcgen::date_time_ymd(y, m, d);
        params.not_after = rcgen::date_time_ymd(y + CERT_YEARS, m, d.min(28));
        let cert = params
            .self_signed(&key)
            .map_err(|e| IdentityError::Certificate(e.to_string()))?;
        let cert_der = cert.der().to_vec();
        let info = describe(
            &cert_der,
            KeyAlgorithm::EcdsaP256,
            &who.role,
            "created",
            now,
        )?;
        self.save(&key.serialize_der(), secret, &[cert_der], &info)?;
        Ok(info)
    }

    /// Imports a key and certificate chain from a PKCS#12 (`.p12`/`.pfx`)
    /// file, re-encrypting the key under `passphrase`.
    pub fn import_p12(
        &self,
        file_name: &str,
        bytes: &[u8],
        p12_password: &str,
        passphrase: &Passphrase,
        role: &str,
        now: DateTime<Utc>,
    ) -> Result<IdentityInfo> {
        let secret = passphrase.strong(&[role, file_name])?;
        self.refuse_existing()?;
        let bad = |detail: String| IdentityError::BadP12 {
            file: file_name.to_owned(),
            detail,
        };
        let store = p12_keystore::KeyStore::from_pkcs12(
            bytes,
            p12_password,
            p12_keystore::Pkcs12ImportPolicy::Strict,
        )
        .map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) => IdentityError::WrongP12Password {
                file: file_name.to_owned(),
            },
            other => bad(other.to_string()),
        })?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| bad("it holds no private key with its certificate".into()))?;
        let key_der = chain.key().as_der().to_vec();
        let algorithm = key_algorithm(&key_der).map_err(bad)?;
        let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
        let leaf = certs
            .first()
            .ok_or_else(|| bad("it holds no certificate".into()))?;
        let info = describe(leaf, algorithm, role, "imported", now)?;
        self.save(&key_der, secret, &certs, &info)?;
        Ok(info)
    }

    /// Decrypts the key with `passphrase`.
    pub fn unlock(&self, passphrase: &Passphrase) -> Result<Signer> {
        let info = self.show()?.ok_or(IdentityError::Missing)?;
        let path = self.dir.join(KEY_FILE);
        let meta = match fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(IdentityError::KeyMissing(path));
            }
            other => other.map_err(io(format!("reading {}", path.display())))?,
        };
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(IdentityError::KeyExposed { path, mode });
            }
        }
        let pem = fs::read_to_string(&path).map_err(io(format!("reading {}", path.display())))?;
        let corrupt = |detail: String| IdentityError::CorruptKey {
            path: path.clone(),
            detail,
        };
        let (label, der) =
            der::pem::decode_vec(pem.as_bytes()).map_err(|e| corrupt(e.to_string()))?;
        if label != "ENCRYPTED PRIVATE KEY" {
            return Err(corrupt(format!("found a '{label}' block")));
        }
        let encrypted =
            EncryptedPrivateKeyInfo::from_der(&der).map_err(|e| corrupt(e.to_string()))?;
        // A wrong passphrase shows as bad padding or as garbage that is not a key.
        let clear = encrypted
            .decrypt(passphrase.0.as_bytes())
            .map_err(|_| IdentityError::WrongPassphrase)?;
        let key = match info.algorithm {
            KeyAlgorithm::EcdsaP256 => SignerKey::P256(
                p256::ecdsa::SigningKey::from_pkcs8_der(clear.as_bytes())
                    .map_err(|_| IdentityError::WrongPassphrase)?,
            ),
            KeyAlgorithm::Rsa => SignerKey::Rsa(Box::new(
                rsa::RsaPrivateKey::from_pkcs8_der(clear.as_bytes())
                    .map_err(|_| IdentityError::WrongPassphrase)?,
            )),
        };
        let chain = read_chain(&self.dir.join(CERT_FILE))?;
        Ok(Signer { info, key, chain })
    }

    fn refuse_existing(&self) -> Result<()> {
        if self.dir.join(INFO_FILE).exists() || self.dir.join(KEY_FILE).exists() {
            return Err(IdentityError::Exists(self.dir.clone()));
        }
        Ok(())
    }

    fn save(
        &self,
        key_der: &[u8],
        secret: &str,
        chain: &[Vec<u8>],
        info: &IdentityInfo,
    ) -> Result<()> {
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut iv);
        let params =
            pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, &iv)
                .map_err(|e| IdentityError::Certificate(e.to_string()))?;
        let cannot = |e: String| {
            IdentityError::Invalid(format!("the private key could not be encrypted: {e}"))
        };
        let encrypted = PrivateKeyInfo::from_der(key_der)
            .map_err(|e| cannot(e.to_string()))?
            .encrypt_with_params(params, secret.as_bytes())
            .map_err(|e| cannot(e.to_string()))?;
        let key_pem = encrypted
            .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
            .map_err(|e| IdentityError::Invalid(e.to_string()))?;
        let mut cert_pem = String::new();
        for der in chain {
            cert_pem.push_str(
                &der::pem::encode_string("CERTIFICATE", LineEnding::LF, der)
                    .map_err(|e| IdentityError::Invalid(e.to_string()))?,
            );
        }
        let info_json =
            serde_json::to_vec_pretty(info).map_err(|e| IdentityError::Invalid(e.to_string()))?;
        create_private_dir(&self.dir)?;
        write_atomic(&self.dir.join(KEY_FILE), key_pem.as_bytes(), 0o600)?;
        write_atomic(&self.dir.join(CERT_FILE), cert_pem.as_bytes(), 0o644)?;
        // Written last: its presence marks a complete identity.
        write_atomic(&self.dir.join(INFO_FILE), &info_json, 0o644)
    }
}

fn check_who(who: &NewIdentity) -> Result<NewIdentity> {
    let clean = |what: &str, s: &str, required: bool| -> Result<String> {
        let s = s.trim();
        if required && s.is_empty() {
            return Err(IdentityError::Invalid(format!("the {what} is required")));
        }
        if s.chars().any(char::is_control) || s.chars().count() > 200 {
            return Err(IdentityError::Invalid(format!(
                "the {what} must be one line of at most 200 characters"
            )));
        }
        Ok(s.to_owned())
    };
    let email = clean("email", &who.email, true)?;
    if !email.is_ascii()
        || email.matches('@').count() != 1
        || email.starts_with('@')
        || email.ends_with('@')
        || email.contains(' ')
    {
        return Err(IdentityError::Invalid(format!(
            "'{email}' is not an email address"
        )));
    }
    Ok(NewIdentity {
        name: clean("name", &who.name, true)?,
        email,
        role: clean("role", &who.role, false)?,
        organisation: clean("organisation", &who.organisation, false)?,
    })
}

/// Reads what to show from a certificate.
fn describe(
    cert_der: &[u8],
    algorithm: KeyAlgorithm,
    role: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<IdentityInfo> {
    use x509_cert::Certificate;
    let cert = Certificate::from_der(cert_der)
        .map_err(|e| IdentityError::Invalid(format!("the certificate is unreadable: {e}")))?;
    let tbs = &cert.tbs_certificate;
    let attr = |oid: pkcs8::ObjectIdentifier| subject_attribute(tbs, oid);
    const CN: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("2.5.4.3");
    const O: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("2.5.4.10");
    const EMAIL: pkcs8::ObjectIdentifier =
        pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
    let email = san_email(&cert).unwrap_or_else(|| attr(EMAIL));
    let fingerprint = Sha256::digest(cert_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Ok(IdentityInfo {
        name: attr(CN),
        email,
        role: role.trim().to_owned(),
        organisation: attr(O),
        algorithm,
        fingerprint_sha256: fingerprint,
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        self_signed: tbs.subject == tbs.issuer,
        not_before: tbs.validity.not_before.to_string(),
        not_after: tbs.validity.not_after.to_string(),
        source: source.to_owned(),
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

fn san_email(cert: &x509_cert::Certificate) -> Option<String> {
    use x509_cert::ext::pkix::{SubjectAltName, name::GeneralName};
    let exts = cert.tbs_certificate.extensions.as_ref()?;
    let ext = exts.iter().find(|e| e.extn_id == const_oid_san())?;
    let san = SubjectAltName::from_der(ext.extn_value.as_bytes()).ok()?;
    san.0.iter().find_map(|n| match n {
        GeneralName::Rfc822Name(s) => Some(s.to_string()),
        _ => None,
    })
}

fn const_oid_san() -> pkcs8::ObjectIdentifier {
    pkcs8::ObjectIdentifier::new_unwrap("2.5.29.17")
}

fn key_algorithm(pkcs8_der: &[u8]) -> std::result::Result<KeyAlgorithm, String> {
    let info = PrivateKeyInfo::from_der(pkcs8_der)
        .map_err(|e| format!("its private key is unreadable: {e}"))?;
    const EC: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    const P256: pkcs8::ObjectIdentifier =
        pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const RSA: pkcs8::ObjectIdentifier =
        pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    let alg = info.algorithm;
    if alg.oid == RSA {
        rsa::RsaPrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|e| format!("its RSA key is unusable: {e}"))?;
        Ok(KeyAlgorithm::Rsa)
    } else if alg.oid == EC && alg.parameters_oid().ok() == Some(P256) {
        p256::SecretKey::from_pkcs8_der(pkcs8_der)
            .map_err(|e| format!("its P-256 key is unusable: {e}"))?;
        Ok(KeyAlgorithm::EcdsaP256)
    } else {
        Err(format!(
            "its key type ({}) is not supported; use RSA or ECDSA P-256",
            alg.oid
        ))
    }
}

fn read_chain(path: &Path) -> Result<Vec<Vec<u8>>> {
    let text = fs::read_to_string(path).map_err(io(format!("reading {}", path.display())))?;
    let mut out = Vec::new();
    for block in text.split_inclusive("-----END CERTIFICATE-----\n") {
        if block.trim().is_empty() {
            continue;
        }
        let (_, der) = der::pem::decode_vec(block.trim_start().as_bytes())
            .map_err(|e| IdentityError::Invalid(format!("{} is damaged: {e}", path.display())))?;
        out.push(der);
    }
    if out.is_empty() {
        return Err(IdentityError::Invalid(format!(
            "{} holds no certificate",
            path.display()
        )));
    }
    Ok(out)
}

/// A subject attribute's text (UTF-8, printable or IA5 string), or empty.
pub(crate) fn subject_attribute(
    tbs: &x509_cert::TbsCertificate,
    oid: pkcs8::ObjectIdentifier,
) -> String {
    tbs.subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|a| a.oid == oid)
        .and_then(|a| {
            a.value
                .decode_as::<String>()
                .ok()
                .or_else(|| {
                    a.value
                        .decode_as::<der::asn1::PrintableStringRef<'_>>()
                        .ok()
                        .map(|s| s.to_string())
                })
                .or_else(|| {
                    a.value
                        .decode_as::<der::asn1::Ia5StringRef<'_>>()
                        .ok()
                        .map(|s| s.to_string())
                })
        })
        .unwrap_or_default()
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io(format!("securing {}", dir.display())))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` via a temporary file created with `mode`
/// (so a key is never readable by others, not even for an instant).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    let _ = mode;
    let mut f = options
        .open(&tmp)
        .map_err(io(format!("writing {}", tmp.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(io(format!("writing {}", tmp.display())))?;
    fs::rename(&tmp, path).map_err(io(format!("writing {}", path.display())))?;
    if let Some(parent) = path.parent() {
        let _ = fs::File::open(parent).and_then(|d| d.sync_all());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrases_are_never_printed() {
        assert_eq!(
            format!("{:?}", Passphrase::new("hunter22-secret")),
            "Passphrase(…)"
        );
    }

    #[test]
    fn emails_are_checked() {
        let who = |email: &str| NewIdentity {
            name: "A".into(),
            email: email.into(),
            role: String::new(),
            organisation: String::new(),
        };
        assert!(check_who(&who("zoe@example.org")).is_ok());
        for bad in ["", "zoe", "@x", "a@b@c", "zoë@example.org", "a b@c"] {
            assert!(check_who(&who(bad)).is_err(), "{bad:?}");
        }
    }
}
