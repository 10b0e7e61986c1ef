//! Verifying the signatures of a PDF, as an auditor would: for each
//! signature, that its byte range is well formed, that the bytes it covers
//! hash to the CMS message digest, that the CMS signature over the signed
//! attributes verifies with the embedded certificate, whether that
//! certificate is one the auditor trusts, that its byte range ends where
//! the revision that adds it ends, and that nothing but later signatures
//! was added after it (the last signature must cover the whole file).
//! The file is read by `revisions.rs` (strict, never repaired) and every
//! later revision is judged by `modifications.rs` (an allow-list). Never
//! panics on hostile input: every failure is a named problem.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode};
use lopdf::{Document, Object, ObjectId};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::modifications;
use crate::revisions::Revisions;
use crate::trust::{Trust, fingerprint};

#[derive(Debug, thiserror::Error)]
pub enum PdfVerifyError {
    #[error("this is not a PDF file (it does not start with %PDF-)")]
    NotAPdf,
    #[error("the PDF is damaged or truncated: {0}")]
    Damaged(String),
}

/// One signature's checks.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureCheck {
    pub field: String,
    pub signer: String,
    pub reason: String,
    /// The `/M` time as written in the PDF.
    pub signed_at: String,
    /// SHA-256 of the signer certificate, `AB:CD:…`.
    pub fingerprint_sha256: String,
    pub byte_range: [u64; 4],
    /// The covered bytes hash to the signed message digest.
    pub integrity: bool,
    /// The CMS signature verifies with the signer certificate.
    pub signature: bool,
    /// Trusted (pinned, or issued by a trusted CA), untrusted, or unchecked
    /// (nothing to trust against); see `trust.rs`.
    pub trust: Trust,
    /// Why, in a sentence.
    pub trust_detail: String,
    /// The signer's certificate (DER), so a person can choose to trust it
    /// after comparing its fingerprint.
    #[serde(skip)]
    pub certificate: Vec<u8>,
    /// Bytes of the file after this signature's range, and whether they are
    /// only later signatures.
    pub bytes_after: u64,
    pub only_signatures_after: bool,
    pub problems: Vec<String>,
}

/// What a verification comes to, and the exit code `signoff verify` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Intact, and every signer is trusted (exit 0).
    Valid,
    /// Intact, but some signer is not trusted or nothing was trusted (exit 2).
    Untrusted,
    /// Changed, forged, damaged or unreadable (exit 1).
    Invalid,
}

impl Verdict {
    /// From whether everything is intact and each signature's trust.
    pub fn of(intact: bool, trust: impl IntoIterator<Item = Trust>) -> Verdict {
        if !intact {
            Verdict::Invalid
        } else if trust.into_iter().all(|t| t == Trust::Trusted) {
            Verdict::Valid
        } else {
            Verdict::Untrusted
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::Invalid => 1,
            Verdict::Untrusted => 2,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdfVerification {
    /// True only when the verdict is valid (intact and every signer trusted).
    pub ok: bool,
    /// Every signature intact and nothing but signatures after each one,
    /// whoever the signers are.
    pub intact: bool,
    pub verdict: Verdict,
    pub signatures: Vec<SignatureCheck>,
    pub problems: Vec<String>,
}

/// Verifies every signature of `pdf`. `trusted` holds DER certificates the
/// verifier trusts (an empty list skips the trust check).
///
/// The file is read by our own strict parser (`revisions.rs`), never
/// repaired: a file it cannot read whole is NOT VALID, with the reason.
/// Every revision after the first signature is judged by the allow-list
/// in `modifications.rs`; each signature lists the problems of the
/// revisions that follow it.
pub fn verify_pdf(pdf: &[u8], trusted: &[Vec<u8>]) -> Result<PdfVerification, PdfVerifyError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(PdfVerifyError::NotAPdf);
    }
    let revs = match Revisions::parse(pdf) {
        Ok(r) => r,
        Err(e) => {
            return Ok(PdfVerification {
                ok: false,
                intact: false,
                verdict: Verdict::Invalid,
                signatures: Vec::new(),
                problems: vec![format!("the PDF's structure cannot be read: {e}")],
            });
        }
    };
    let mut problems = Vec::new();
    let last = revs.list.len() - 1;

    // Signature fields: widget/field dictionaries whose /V is a /Sig.
    let mut sigs: Vec<(String, ObjectId)> = Vec::new();
    for (_, obj) in revs.live() {
        let Ok(d) = obj.as_dict() else { continue };
        if d.get(b"FT").and_then(Object::as_name).ok() != Some(b"Sig".as_slice()) {
            continue;
        }
        if let Ok(Object::Reference(v)) = d.get(b"V") {
            let name = d
                .get(b"T")
                .and_then(Object::as_str)
                .map(crate::pdf::decode_text)
                .unwrap_or_default();
            sigs.push((name, *v));
        }
    }
    if sigs.is_empty() {
        problems.push("the PDF has no signature".to_owned());
    }

    // (check, the revision that defines it)
    let mut checks: Vec<(SignatureCheck, Option<usize>)> = Vec::new();
    for (field, id) in sigs {
        let Some(sig) = revs.get(last, id).and_then(|o| o.as_dict().ok()) else {
            problems.push(format!("{field}: its signature dictionary is missing"));
            continue;
        };
        let mut check = check_signature(pdf, &field, sig, trusted);
        let rev = revs.defined_in(id.0);
        let end = check.byte_range[2] + check.byte_range[3];
        match rev.map(|r| &revs.list[r]) {
            _ if check.byte_range == [0; 4] => {}
            Some(r) if end == r.end as u64 || end == r.eof_end as u64 => {}
            Some(r) => check.problems.push(format!(
                "its /ByteRange ends at byte {end}, not at the end of the revision that adds it (byte {})",
                r.end
            )),
            None => check
                .problems
                .push("no revision of the file defines its signature dictionary".into()),
        }
        checks.push((check, rev));
    }
    checks.sort_by_key(|(c, _)| c.byte_range[2] + c.byte_range[3]);

    // Every revision after the first signed one must only add signatures.
    let first_signed = checks.iter().filter_map(|(_, r)| *r).min();
    let judged: Vec<(usize, Vec<String>)> = match first_signed {
        Some(f) => (f + 1..revs.list.len())
            .map(|k| (k, modifications::judge(&revs, k)))
            .collect(),
        None => Vec::new(),
    };
    let len = pdf.len() as u64;
    let count = checks.len();
    let mut out = Vec::with_capacity(count);
    for (i, (mut check, rev)) in checks.into_iter().enumerate() {
        let end = check.byte_range[2] + check.byte_range[3];
        check.bytes_after = len.saturating_sub(end);
        let after: Vec<String> = judged
            .iter()
            .filter(|(k, _)| rev.is_some_and(|r| *k > r))
            .flat_map(|(_, p)| p.iter().cloned())
            .collect();
        let mut clean = after.is_empty();
        if !after.is_empty() {
            check.problems.push(format!(
                "content was changed after it was signed: {}",
                after.join("; ")
            ));
        }
        if i + 1 == count && end != len {
            clean = false;
            check.problems.push(format!(
                "{} bytes after it are not covered by any signature (something was appended after signing)",
                len.saturating_sub(end)
            ));
        }
        check.only_signatures_after = clean;
        out.push(check);
    }
    let intact = problems.is_empty()
        && !out.is_empty()
        && out
            .iter()
            .all(|c| c.problems.is_empty() && c.integrity && c.signature);
    let verdict = Verdict::of(intact, out.iter().map(|c| c.trust));
    Ok(PdfVerification {
        ok: verdict == Verdict::Valid,
        intact,
        verdict,
        signatures: out,
        problems,
    })
}

/// The document as our strict parser reads it (the live objects of its
/// last revision), for readers of its content such as the report check:
/// they then see exactly what the signatures were checked against, never
/// a lenient reader's repair.
pub fn strict_document(pdf: &[u8]) -> Result<Document, PdfVerifyError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(PdfVerifyError::NotAPdf);
    }
    let revs = Revisions::parse(pdf).map_err(PdfVerifyError::Damaged)?;
    let mut doc = Document::new();
    let (objects, mut trailer) = revs.into_live_objects();
    doc.objects = objects;
    doc.max_id = doc.objects.keys().map(|id| id.0).max().unwrap_or(0);
    for key in [
        &b"Prev"[..],
        b"Type",
        b"W",
        b"Index",
        b"Filter",
        b"DecodeParms",
        b"Length",
    ] {
        trailer.remove(key);
    }
    doc.trailer = trailer;
    Ok(doc)
}

fn check_signature(
    pdf: &[u8],
    field: &str,
    sig: &lopdf::Dictionary,
    trusted: &[Vec<u8>],
) -> SignatureCheck {
    let text = |k: &[u8]| {
        sig.get(k)
            .and_then(Object::as_str)
            .map(crate::pdf::decode_text)
            .unwrap_or_default()
    };
    let mut c = SignatureCheck {
        field: field.to_owned(),
        signer: text(b"Name"),
        reason: text(b"Reason"),
        signed_at: text(b"M"),
        fingerprint_sha256: String::new(),
        byte_range: [0; 4],
        integrity: false,
        signature: false,
        trust: Trust::Untrusted,
        trust_detail: "the signature could not be read".into(),
        certificate: Vec::new(),
        bytes_after: 0,
        only_signatures_after: false,
        problems: Vec::new(),
    };
    let range: Vec<i64> = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
        .unwrap_or_default();
    let len = pdf.len() as i64;
    // Checked sums: hostile values near i64::MAX must not wrap (a wrapped
    // `c + d` passed the bound and then panicked slicing the file).
    let [a, b, cc, d] = match range.as_slice() {
        [a, b, c, d]
            if *a == 0
                && *b > 0
                && b.checked_add(2).is_some_and(|min| *c >= min)
                && *d >= 0
                && c.checked_add(*d).is_some_and(|end| end <= len) =>
        {
            [*a, *b, *c, *d]
        }
        _ => {
            c.problems.push(format!(
                "its /ByteRange {range:?} is malformed or points outside the file"
            ));
            return c;
        }
    };
    c.byte_range = [a as u64, b as u64, cc as u64, d as u64];
    let (b, cc, d) = (b as usize, cc as usize, d as usize);
    if pdf[b] != b'<'
        || pdf[cc - 1] != b'>'
        || !pdf[b + 1..cc - 1].iter().all(u8::is_ascii_hexdigit)
    {
        c.problems
            .push("the gap in its byte range is not exactly the signature value".into());
        return c;
    }
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..b]);
    hasher.update(&pdf[cc..cc + d]);
    let digest = hasher.finalize();

    let contents = match sig.get(b"Contents").and_then(Object::as_str) {
        Ok(bytes) => bytes.to_vec(),
        Err(_) => {
            c.problems.push("it has no /Contents".into());
            return c;
        }
    };
    // The value checked must be the one in the gap, not one kept elsewhere
    // (signature wrapping).
    let gap: Vec<u8> = pdf[b + 1..cc - 1]
        .chunks(2)
        .map(|p| {
            let hex = |x: u8| (x as char).to_digit(16).unwrap_or(0) as u8;
            (hex(p[0]) << 4) | p.get(1).map_or(0, |&x| hex(x))
        })
        .collect();
    if gap != contents {
        c.problems
            .push("its /Contents is not the value in its byte-range gap".into());
        return c;
    }
    match verify_cms(&contents, &digest) {
        Ok(v) => {
            c.fingerprint_sha256 = fingerprint(&v.cert_der);
            // Who signed is the certificate's subject, not the /Name the
            // signature dictionary claims (a trusted countersigner could
            // otherwise sign as someone else).
            let claimed = std::mem::take(&mut c.signer);
            c.signer = match (v.subject_cn.as_str(), claimed.as_str()) {
                ("", "") => "(no name in its certificate)".to_owned(),
                ("", n) => format!("(no name in its certificate; its /Name says '{n}')"),
                (cn, n) if n.is_empty() || n == cn => cn.to_owned(),
                (cn, n) => format!("{cn} (its /Name says '{n}')"),
            };
            c.integrity = v.digest_matches;
            c.signature = v.signature_valid;
            if !v.digest_matches {
                c.problems.push(
                    "the signed bytes were changed: their SHA-256 differs from the signed digest"
                        .into(),
                );
            }
            if !v.signature_valid {
                c.problems
                    .push("the CMS signature does not verify with the signer's certificate".into());
            }
            let (trust, why) = crate::trust::evaluate(
                &v.cert_der,
                &v.others,
                crate::trust::pdf_date(&c.signed_at),
                trusted,
            );
            c.trust = trust;
            c.trust_detail = why;
            c.certificate = v.cert_der;
        }
        Err(e) => c
            .problems
            .push(format!("its CMS signature is unreadable: {e}")),
    }
    c
}

struct CmsVerdict {
    cert_der: Vec<u8>,
    /// The other certificates the signature carries (intermediates).
    others: Vec<Vec<u8>>,
    /// The signer certificate's subject common name, or empty.
    subject_cn: String,
    digest_matches: bool,
    signature_valid: bool,
}

fn verify_cms(contents: &[u8], digest: &[u8]) -> Result<CmsVerdict, String> {
    // The placeholder is zero-padded after the DER value; anything else
    // there was put in after signing.
    let mut reader = der::SliceReader::new(contents).map_err(|e| e.to_string())?;
    let info = ContentInfo::decode(&mut reader).map_err(|e| e.to_string())?;
    let used: usize = u32::from(der::Reader::position(&reader)) as usize;
    if contents[used..].iter().any(|&b| b != 0) {
        return Err("unexpected bytes follow the signature value in /Contents".into());
    }
    let signed: SignedData = info.content.decode_as().map_err(|e| e.to_string())?;
    let si = signed.signer_infos.0.iter().next().ok_or("no signer")?;
    let SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
        return Err("the signer is not identified by issuer and serial number".into());
    };
    let cert = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(cert)
                    if cert.tbs_certificate.serial_number == ias.serial_number
                        && cert.tbs_certificate.issuer == ias.issuer =>
                {
                    Some(cert.clone())
                }
                _ => None,
            })
        })
        .ok_or("the signer's certificate is not in the signature")?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or("it has no signed attributes")?;
    let md_oid = const_oid::db::rfc5911::ID_MESSAGE_DIGEST;
    let signed_digest = attrs
        .iter()
        .find(|a| a.oid == md_oid)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok())
        .ok_or("it has no message digest")?;
    let message = attrs.to_der().map_err(|e| e.to_string())?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let sig = si.signature.as_bytes();
    let signature_valid = verify_raw(&spki, &message, sig);
    let cert_der = cert.to_der().map_err(|e| e.to_string())?;
    let others = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(cert) => cert.to_der().ok(),
            _ => None,
        })
        .filter(|d| *d != cert_der)
        .take(16)
        .collect();
    Ok(CmsVerdict {
        cert_der,
        others,
        subject_cn: common_name(&cert),
        digest_matches: signed_digest.as_bytes() == digest,
        signature_valid,
    })
}

/// Verifies an ECDSA P-256 or RSA PKCS#1 v1.5 SHA-256 signature.
pub(crate) fn verify_raw(spki_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    use p256::pkcs8::DecodePublicKey;
    use signature::Verifier;
    if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der) {
        return p256::ecdsa::DerSignature::try_from(signature)
            .map(|s| key.verify(message, &s).is_ok())
            .unwrap_or(false);
    }
    if let Ok(key) = rsa::RsaPublicKey::from_public_key_der(spki_der) {
        let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key);
        return rsa::pkcs1v15::Signature::try_from(signature)
            .map(|s| key.verify(message, &s).is_ok())
            .unwrap_or(false);
    }
    false
}

/// The subject's common name (UTF-8, printable or IA5), or empty.
fn common_name(cert: &x509_cert::Certificate) -> String {
    const CN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
    crate::identity::subject_attribute(&cert.tbs_certificate, CN)
}

/// Reads PEM certificates (an auditor's `--trust` file) as DER.
pub fn certificates_from_pem(text: &str) -> Vec<Vec<u8>> {
    crate::trust::certificates_in_pem(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_range_that_overflows_is_a_problem_not_a_panic() {
        let pdf = vec![b' '; 100];
        for range in [
            [0, 10, 20, i64::MAX - 7],
            [0, i64::MAX, 20, 1],
            [0, 10, i64::MAX, i64::MAX],
            [0, 10, 20, -1],
        ] {
            let mut sig = lopdf::Dictionary::new();
            sig.set(
                "ByteRange",
                Object::Array(range.iter().map(|&n| Object::Integer(n)).collect()),
            );
            sig.set("Contents", Object::string_literal(vec![0u8]));
            let c = check_signature(&pdf, "f", &sig, &[]);
            assert!(
                c.problems.iter().any(|p| p.contains("malformed")),
                "{range:?}: {:?}",
                c.problems
            );
        }
    }
}
