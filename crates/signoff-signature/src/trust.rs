//! Whom an auditor trusts, and whether a signer is among them.
//!
//! - **The trust store** is a folder, `<data>/trust/`, of PEM certificates
//!   named by their SHA-256 fingerprint, each with the name a person gave it
//!   (`signoff trust add CERT.pem --name …`). A folder, not the database:
//!   an auditor verifies with no workspace at all, and an organisation can
//!   hand out its trusted certificates as files.
//! - **Trust** of a signature: its certificate is *trusted* when it is in
//!   the store (pinned) or when a trusted CA certificate issued it, directly
//!   or through intermediates carried in the signature, after checking each
//!   link's signature, that every certificate was valid at the signing time
//!   the PDF states, that each issuer is a CA allowed to sign certificates,
//!   and that the signer's key usage allows signing (digitalSignature or
//!   nonRepudiation). Otherwise it is *untrusted*, with the reason; with
//!   nothing to trust against it is *unchecked*.
//!
//! The signing time is the one the signer wrote (`/M`); there is no
//! trusted timestamp, so a signer with a key that has since expired could
//! claim an earlier time. Revocation is not checked (the app is offline).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use der::{Decode, Encode};
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

/// A signature's standing against the auditor's trust anchors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trust {
    Trusted,
    Untrusted,
    /// Nothing to trust against (an empty store and no `--trust`).
    Unchecked,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{0}")]
    Invalid(String),
    #[error("no trusted certificate matches '{0}'")]
    NotFound(String),
    #[error("'{key}' matches {count} trusted certificates; give more of the fingerprint")]
    Ambiguous { key: String, count: usize },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl TrustError {
    pub fn code(&self) -> signoff_codes::ErrorCode {
        match self {
            TrustError::Invalid(_) => signoff_codes::ErrorCode::InvalidInput,
            TrustError::NotFound(_) => signoff_codes::ErrorCode::NotFound,
            TrustError::Ambiguous { .. } => signoff_codes::ErrorCode::Ambiguous,
            TrustError::Io { .. } => signoff_codes::ErrorCode::Io,
        }
    }
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> TrustError {
    let context = context.into();
    move |source| TrustError::Io { context, source }
}

/// A certificate in the trust store, as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustedCert {
    /// SHA-256 of the certificate, `AB:CD:…`.
    pub fingerprint_sha256: String,
    /// The name a person gave it.
    pub name: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// A CA certificate: it trusts the signer certificates it issued.
    pub ca: bool,
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// The largest certificate file read (a certificate is a few kilobytes).
const MAX_CERT_FILE: u64 = 1 << 20;
/// The most certificates a store holds.
const MAX_TRUSTED: usize = 1000;
/// The longest chain followed from a signer to a trusted CA.
const MAX_CHAIN: usize = 5;

/// `<data>/trust/`: the certificates an auditor trusts.
#[derive(Clone, Debug)]
pub struct TrustStore {
    dir: PathBuf,
}

impl TrustStore {
    pub fn in_data_dir(data_dir: &Path) -> TrustStore {
        TrustStore {
            dir: data_dir.join("trust"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every trusted certificate, by name. An empty list when the folder
    /// does not exist; files that are not certificates are skipped.
    pub fn list(&self) -> Result<Vec<TrustedCert>, TrustError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(format!("reading {}", self.dir.display()))(e)),
        };
        let mut out = Vec::new();
        for entry in entries.flatten().take(MAX_TRUSTED) {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("pem") {
                continue;
            }
            let Ok(text) = read_bounded(&path) else {
                continue;
            };
            let name = text
                .lines()
                .find_map(|l| l.strip_prefix("Name: "))
                .unwrap_or_default()
                .to_owned();
            if let Some(der) = certificates_in_pem(&text).into_iter().next()
                && let Ok(c) = describe(&der, name)
            {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.subject.cmp(&b.subject)));
        Ok(out)
    }

    /// The DER of every trusted certificate.
    pub fn certificates(&self) -> Result<Vec<Vec<u8>>, TrustError> {
        Ok(self.list()?.into_iter().map(|c| c.der).collect())
    }

    /// Adds a certificate (DER) under a name (by default its subject). Adding
    /// one already there renames it.
    /// Trusts every certificate in a PEM or DER file (`signoff trust add`,
    /// the app's "trust a certificate file"); read whole before any is
    /// added.
    pub fn add_file(
        &self,
        file: &Path,
        name: Option<&str>,
    ) -> Result<Vec<TrustedCert>, TrustError> {
        read_certificates(file)?
            .iter()
            .map(|der| self.add(der, name))
            .collect()
    }

    pub fn add(&self, der: &[u8], name: Option<&str>) -> Result<TrustedCert, TrustError> {
        let name = name.map(str::trim).unwrap_or_default();
        if name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(TrustError::Invalid(
                "the name must be one line of at most 200 characters".into(),
            ));
        }
        let probe = describe(der, String::new())?;
        let name = if name.is_empty() {
            probe.subject.clone()
        } else {
            name.to_owned()
        };
        if self.list()?.len() >= MAX_TRUSTED {
            return Err(TrustError::Invalid(format!(
                "the trust store holds at most {MAX_TRUSTED} certificates"
            )));
        }
        crate::identity::create_private_dir(&self.dir)
            .map_err(|e| TrustError::Invalid(e.to_string()))?;
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
            .map_err(|e| TrustError::Invalid(format!("cannot write the certificate: {e}")))?;
        let text = format!(
            "Name: {name}\nSubject: {}\nSHA-256: {}\n{pem}",
            probe.subject, probe.fingerprint_sha256
        );
        let path = self
            .dir
            .join(format!("{}.pem", file_key(&probe.fingerprint_sha256)));
        crate::identity::write_atomic(&path, text.as_bytes(), 0o600)
            .map_err(|e| TrustError::Invalid(e.to_string()))?;
        describe(der, name)
    }

    /// Removes the certificate whose fingerprint starts with `key` (colons
    /// and case ignored, at least 8 hex digits) or whose name is `key`.
    pub fn remove(&self, key: &str) -> Result<TrustedCert, TrustError> {
        let wanted = file_key(key);
        let all = self.list()?;
        let by_name: Vec<&TrustedCert> = all.iter().filter(|c| c.name == key.trim()).collect();
        let found: Vec<&TrustedCert> = if !by_name.is_empty() {
            by_name
        } else if wanted.len() >= 8 && wanted.chars().all(|c| c.is_ascii_hexdigit()) {
            all.iter()
                .filter(|c| file_key(&c.fingerprint_sha256).starts_with(&wanted))
                .collect()
        } else {
            Vec::new()
        };
        match found.as_slice() {
            [] => Err(TrustError::NotFound(key.to_owned())),
            [one] => {
                let path = self
                    .dir
                    .join(format!("{}.pem", file_key(&one.fingerprint_sha256)));
                fs::remove_file(&path).map_err(io(format!("removing {}", path.display())))?;
                Ok((*one).clone())
            }
            many => Err(TrustError::Ambiguous {
                key: key.to_owned(),
                count: many.len(),
            }),
        }
    }
}

/// Reads a certificate file an auditor names (`--trust`, `trust add`):
/// bounded in size, PEM (one or more certificates) or DER.
pub fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, TrustError> {
    let bytes = {
        let meta = fs::metadata(path).map_err(io(format!("{}: cannot read it", path.display())))?;
        if !meta.is_file() {
            return Err(TrustError::Invalid(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        if meta.len() > MAX_CERT_FILE {
            return Err(TrustError::Invalid(format!(
                "{} is {} bytes; a certificate file is at most {MAX_CERT_FILE}",
                path.display(),
                meta.len()
            )));
        }
        fs::read(path).map_err(io(format!("{}: cannot read it", path.display())))?
    };
    let pem = certificates_in_pem(&String::from_utf8_lossy(&bytes));
    if !pem.is_empty() {
        return Ok(pem);
    }
    if Certificate::from_der(&bytes).is_ok() {
        return Ok(vec![bytes]);
    }
    Err(TrustError::Invalid(format!(
        "{}: no certificate in it (PEM or DER)",
        path.display()
    )))
}

fn read_bounded(path: &Path) -> Result<String, TrustError> {
    let meta = fs::metadata(path).map_err(io(format!("reading {}", path.display())))?;
    if meta.len() > MAX_CERT_FILE {
        return Err(TrustError::Invalid(format!(
            "{} is too large",
            path.display()
        )));
    }
    let bytes = fs::read(path).map_err(io(format!("reading {}", path.display())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads PEM certificates as DER.
pub fn certificates_in_pem(text: &str) -> Vec<Vec<u8>> {
    text.split_inclusive("-----END CERTIFICATE-----")
        .filter_map(|block| {
            let start = block.find("-----BEGIN CERTIFICATE-----")?;
            der::pem::decode_vec(&block.as_bytes()[start..])
                .ok()
                .map(|(_, d)| d)
        })
        .filter(|d| Certificate::from_der(d).is_ok())
        .collect()
}

/// `AB:CD:…` → `abcd…`.
fn file_key(fingerprint: &str) -> String {
    fingerprint
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// SHA-256 of a certificate, `AB:CD:…`.
pub fn fingerprint(cert_der: &[u8]) -> String {
    Sha256::digest(cert_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn describe(der: &[u8], name: String) -> Result<TrustedCert, TrustError> {
    let cert = Certificate::from_der(der)
        .map_err(|e| TrustError::Invalid(format!("not an X.509 certificate: {e}")))?;
    let tbs = &cert.tbs_certificate;
    Ok(TrustedCert {
        fingerprint_sha256: fingerprint(der),
        name,
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        not_before: tbs.validity.not_before.to_string(),
        not_after: tbs.validity.not_after.to_string(),
        ca: is_ca(&cert),
        der: der.to_vec(),
    })
}

fn is_ca(cert: &Certificate) -> bool {
    let basic = matches!(
        cert.tbs_certificate.get::<BasicConstraints>(),
        Ok(Some((_, BasicConstraints { ca: true, .. })))
    );
    let usage_ok = match cert.tbs_certificate.get::<KeyUsage>() {
        Ok(Some((_, ku))) => ku.key_cert_sign(),
        Ok(None) => true,
        Err(_) => false,
    };
    basic && usage_ok
}

/// A PDF date (`D:YYYYMMDDHHmmSS+HH'mm'`, later parts optional) as UTC.
pub fn pdf_date(text: &str) -> Option<DateTime<Utc>> {
    let t = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let part = |from: usize, len: usize, default: u32| -> Option<u32> {
        match digits.get(from..from + len) {
            Some(s) => s.parse().ok(),
            None => Some(default),
        }
    };
    let date = NaiveDate::from_ymd_opt(
        digits.get(0..4)?.parse().ok()?,
        part(4, 2, 1)?,
        part(6, 2, 1)?,
    )?;
    let time = date.and_hms_opt(part(8, 2, 0)?, part(10, 2, 0)?, part(12, 2, 0)?)?;
    let rest = &t[digits.len()..];
    let offset = match rest.chars().next() {
        None | Some('Z') => 0,
        Some(sign @ ('+' | '-')) => {
            let nums: Vec<i32> = rest[1..]
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .take(2)
                .map(|s| s.parse().unwrap_or(0))
                .collect();
            let secs =
                nums.first().copied().unwrap_or(0) * 3600 + nums.get(1).copied().unwrap_or(0) * 60;
            if sign == '-' { -secs } else { secs }
        }
        Some(_) => return None,
    };
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&time)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

fn valid_at(cert: &Certificate, when: DateTime<Utc>) -> bool {
    let v = &cert.tbs_certificate.validity;
    let secs = when.timestamp();
    let from = v.not_before.to_unix_duration().as_secs() as i64;
    let to = v.not_after.to_unix_duration().as_secs() as i64;
    from <= secs && secs <= to
}

/// Whether `issuer` signed `cert` (SHA-256 with ECDSA P-256 or RSA).
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, SHA_256_WITH_RSA_ENCRYPTION};
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let alg = cert.signature_algorithm.oid;
    if alg != ECDSA_WITH_SHA_256 && alg != SHA_256_WITH_RSA_ENCRYPTION {
        return false;
    }
    let (Ok(tbs), Ok(spki)) = (
        cert.tbs_certificate.to_der(),
        issuer.tbs_certificate.subject_public_key_info.to_der(),
    ) else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    crate::verify::verify_raw(&spki, &tbs, sig)
}

fn signing_usage_ok(cert: &Certificate) -> Result<(), String> {
    match cert.tbs_certificate.get::<KeyUsage>() {
        Ok(Some((_, ku))) if ku.digital_signature() || ku.non_repudiation() => Ok(()),
        Ok(Some(_)) => {
            Err("its key usage allows neither digitalSignature nor nonRepudiation".into())
        }
        Ok(None) => Err("it has no key usage extension".into()),
        Err(e) => Err(format!("its key usage is unreadable: {e}")),
    }
}

/// Whether the signer certificate is trusted: pinned in `anchors`, or
/// issued (through at most [`MAX_CHAIN`] links, using `intermediates` from
/// the signature) by a CA among them. Returns the verdict and a sentence
/// saying why.
pub fn evaluate(
    signer_der: &[u8],
    intermediates: &[Vec<u8>],
    signed_at: Option<DateTime<Utc>>,
    anchors: &[Vec<u8>],
) -> (Trust, String) {
    if anchors.is_empty() {
        return (Trust::Unchecked, "no certificate to trust against".into());
    }
    let fp = fingerprint(signer_der);
    if anchors.iter().any(|a| fingerprint(a) == fp) {
        return (
            Trust::Trusted,
            "the signer's certificate is one you trust".into(),
        );
    }
    let Ok(signer) = Certificate::from_der(signer_der) else {
        return (
            Trust::Untrusted,
            "the signer's certificate is unreadable".into(),
        );
    };
    let cas: Vec<Certificate> = anchors
        .iter()
        .filter_map(|a| Certificate::from_der(a).ok())
        .filter(is_ca)
        .collect();
    let pool: Vec<Certificate> = intermediates
        .iter()
        .filter_map(|c| Certificate::from_der(c).ok())
        .filter(is_ca)
        .collect();
    let Some(when) = signed_at else {
        return (
            Trust::Untrusted,
            "the signing time (/M) is missing or unreadable, so the certificates' validity cannot be checked".into(),
        );
    };
    if let Err(why) = signing_usage_ok(&signer) {
        return (
            Trust::Untrusted,
            format!("the signer's certificate cannot sign: {why}"),
        );
    }
    if !valid_at(&signer, when) {
        return (
            Trust::Untrusted,
            format!("the signer's certificate was not valid at the signing time {when}"),
        );
    }
    let mut current = signer;
    for _ in 0..MAX_CHAIN {
        if let Some(ca) = cas.iter().find(|ca| issued_by(&current, ca)) {
            if !valid_at(ca, when) {
                return (
                    Trust::Untrusted,
                    format!(
                        "the trusted CA '{}' was not valid at the signing time {when}",
                        ca.tbs_certificate.subject
                    ),
                );
            }
            return (
                Trust::Trusted,
                format!(
                    "issued by the CA you trust '{}' (chain signatures, validity at the signing time and key usage checked)",
                    ca.tbs_certificate.subject
                ),
            );
        }
        match pool
            .iter()
            .find(|i| issued_by(&current, i) && valid_at(i, when))
        {
            Some(next) => current = next.clone(),
            None => break,
        }
    }
    (
        Trust::Untrusted,
        format!(
            "neither the signer's certificate nor a CA that issued it ('{}') is one you trust",
            current.tbs_certificate.issuer
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_read_with_their_offset() {
        let d = |s: &str| pdf_date(s).map(|d| d.to_rfc3339());
        assert_eq!(
            d("D:20261201103000Z").as_deref(),
            Some("2026-12-01T10:30:00+00:00")
        );
        assert_eq!(
            d("D:20261201103000+02'00'").as_deref(),
            Some("2026-12-01T08:30:00+00:00")
        );
        assert_eq!(
            d("D:20261201103000-05'30'").as_deref(),
            Some("2026-12-01T16:00:00+00:00")
        );
        assert_eq!(d("D:2026").as_deref(), Some("2026-01-01T00:00:00+00:00"));
        for bad in ["", "D:", "D:20261301", "D:20261201103000X", "yesterday"] {
            assert_eq!(d(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fingerprints_match_in_any_spelling() {
        assert_eq!(file_key("AB:cd:01"), "abcd01");
    }
}
