//! PAdES signatures on PDF files: `ETSI.CAdES.detached` CMS over the whole
//! file, added as an incremental update so that earlier signatures stay
//! valid (countersigning is the same operation on a signed file).
//!
//! The shape (proven against pyHanko and poppler on these machines, see
//! `shared/notes/pdf-signing.md`): an appended `/Type /Sig` dictionary with
//! a fixed-width `/ByteRange` placeholder and a zero-filled `/Contents`
//! hex string, a signature field + widget on the first page and in the
//! catalog's `/AcroForm` (`/SigFlags 3`); then the byte range is patched in
//! place, the two covered ranges are hashed, and a detached CMS SignedData
//! (signed attributes: content type, message digest, ESS
//! signing-certificate-v2; no signing-time, the time is in `/M`) is written
//! into the placeholder.
//!
//! The pieces of that shape are public and used by both writers of a
//! signature: [`sign_pdf`] here (lopdf, the whole file in memory) and the
//! report's streaming writer (`signoff-report`'s `assemble.rs`, which never
//! holds the file): [`sig_dictionary`] with its placeholders,
//! [`signature_widget`], [`Placeholders::find`], [`byte_range`] for given
//! offsets and [`signature_contents`] for a given digest.

use std::ops::Range;

use chrono::{DateTime, Utc};
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::{Decode, Encode};
use lopdf::{Dictionary, IncrementalDocument, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::identity::{Signer, SignerKey};

/// Bytes reserved for the CMS structure (hex-encoded twice that in the file).
pub const CONTENTS_BYTES: usize = 16 * 1024;
/// The `/ByteRange` placeholder's numbers: ten digits, wide enough for any
/// offset in a file under 10 GB.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

#[derive(Debug, thiserror::Error)]
pub enum PdfSignError {
    #[error("the PDF could not be read: {0}")]
    Unreadable(String),
    #[error("the PDF has no page to carry the signature field")]
    NoPage,
    #[error("signing failed: {0}")]
    Failed(String),
}

type Result<T, E = PdfSignError> = std::result::Result<T, E>;

fn failed(e: impl std::fmt::Display) -> PdfSignError {
    PdfSignError::Failed(e.to_string())
}

/// What the signature dictionary says besides the signature itself.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// Why this signature was made, e.g. "Prepared by" / "Approved by".
    pub reason: String,
    /// When it was made (goes in `/M`; PAdES forbids a CMS signing-time).
    pub time: DateTime<Utc>,
}

/// Signs `pdf` (the whole file, as it is) and returns the signed file.
pub fn sign_pdf(pdf: &[u8], signer: &Signer, opts: &SignOptions) -> Result<Vec<u8>> {
    let doc =
        lopdf::Document::load_mem(pdf).map_err(|e| PdfSignError::Unreadable(e.to_string()))?;
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), doc);
    let prev = inc.get_prev_documents().clone();
    let page_id = *prev
        .get_pages()
        .values()
        .next()
        .ok_or(PdfSignError::NoPage)?;
    let catalog_id = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| PdfSignError::Unreadable(format!("no catalog: {e}")))?;
    let field_name = format!("Signature{}", count_signatures(&prev) + 1);

    let sig = sig_dictionary(signer, &opts.reason, &pdf_date(opts.time));
    let sig_id = inc.new_document.add_object(sig);
    let widget_id = inc
        .new_document
        .add_object(signature_widget(&field_name, sig_id, page_id));

    add_to_page_annots(&mut inc, &prev, page_id, widget_id)?;
    add_to_acroform(&mut inc, &prev, catalog_id, widget_id)?;

    let mut out = Vec::with_capacity(pdf.len() + 2 * CONTENTS_BYTES + 4096);
    inc.save_to(&mut out).map_err(failed)?;

    // Our placeholders are in the appended part.
    let at = Placeholders::find(&out, pdf.len())?;
    let range = byte_range(&at.contents, out.len())?;
    out[at.byte_range.clone()].copy_from_slice(&range);
    let mut hasher = Sha256::new();
    hasher.update(&out[..at.contents.start]);
    hasher.update(&out[at.contents.end..]);
    let contents = signature_contents(signer, &hasher.finalize())?;
    out[at.contents].copy_from_slice(&contents);
    Ok(out)
}

/// A PDF date in UTC, `D:YYYYMMDDHHmmSS+00'00'` (PDF 32000-1, 7.9.4).
pub fn pdf_date(time: DateTime<Utc>) -> String {
    time.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}

/// The `/Type /Sig` dictionary every signature of ours has: signed by
/// `signer` (`/Name`) at `signed_at` (`/M`, a PDF date, see [`pdf_date`])
/// for `reason`, with the `/ByteRange` and `/Contents` placeholders last, so
/// that nothing a signer chooses follows them (see [`Placeholders::find`])
/// and a writer knows in advance every byte after `/Contents`.
///
/// Written in place by [`sign_pdf`] (lopdf) and by the report's streaming
/// writer; both then fill it with [`byte_range`] and [`signature_contents`].
pub fn sig_dictionary(signer: &Signer, reason: &str, signed_at: &str) -> Dictionary {
    signed_by(&signer.info.name, reason, signed_at)
}

fn signed_by(name: &str, reason: &str, signed_at: &str) -> Dictionary {
    let mut sig = Dictionary::new();
    sig.set("Type", Object::Name(b"Sig".to_vec()));
    sig.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    sig.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
    sig.set("M", Object::string_literal(signed_at));
    sig.set("Name", text_string(name));
    sig.set("Reason", text_string(reason));
    sig.set(
        "ByteRange",
        Object::Array(vec![
            Object::Integer(0),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
        ]),
    );
    sig.set(
        "Contents",
        Object::String(vec![0u8; CONTENTS_BYTES], StringFormat::Hexadecimal),
    );
    sig
}

/// The invisible widget (and signature field, merged) `field` on `page`,
/// whose value is the signature dictionary `sig`.
pub fn signature_widget(field: &str, sig: ObjectId, page: ObjectId) -> Dictionary {
    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", Object::string_literal(field));
    widget.set("V", Object::Reference(sig));
    widget.set("F", Object::Integer(132)); // print + locked
    widget.set("P", Object::Reference(page));
    widget.set(
        "Rect",
        Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
    );
    widget
}

/// Where the placeholders of a written [`sig_dictionary`] are, as byte
/// offsets into the buffer searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholders {
    /// The `/ByteRange` array, `[` to `]`; [`byte_range`] fills it.
    pub byte_range: Range<usize>,
    /// The `/Contents` hex string, `<` to `>`: the gap the byte range
    /// leaves; [`signature_contents`] fills it.
    pub contents: Range<usize>,
}

impl Placeholders {
    /// Finds the last placeholders in `bytes[from..]`. The last, because
    /// `/ByteRange` and `/Contents` end the dictionary: a name or reason
    /// that spells them out comes before the real ones.
    pub fn find(bytes: &[u8], from: usize) -> Result<Placeholders> {
        let range = byte_range_placeholder();
        let mut pattern = b"/ByteRange".to_vec();
        pattern.extend_from_slice(range.as_bytes());
        pattern.extend_from_slice(b"/Contents<");
        pattern.resize(pattern.len() + 2 * CONTENTS_BYTES, b'0');
        pattern.push(b'>');
        let searched = bytes.get(from..).unwrap_or_default();
        let at = searched
            .windows(pattern.len())
            .rposition(|w| w == pattern.as_slice())
            .ok_or_else(|| failed("signature placeholder not found"))?
            + from;
        let range_at = at + b"/ByteRange".len();
        let contents_at = range_at + range.len() + b"/Contents".len();
        Ok(Placeholders {
            byte_range: range_at..range_at + range.len(),
            contents: contents_at..at + pattern.len(),
        })
    }
}

/// The `/ByteRange` array of a file of `file_len` bytes whose `/Contents`
/// hex string (with its `<` and `>`) spans `contents`: everything but that
/// string, zero-padded to the placeholder's width so it replaces the
/// placeholder byte for byte.
///
/// # Errors
/// A file too large for the placeholder's ten digits.
pub fn byte_range(contents: &Range<usize>, file_len: usize) -> Result<Vec<u8>> {
    let range = format!(
        "[0 {:010} {:010} {:010}]",
        contents.start,
        contents.end,
        file_len.saturating_sub(contents.end)
    );
    if range.len() != byte_range_placeholder().len() {
        return Err(failed(
            "the file is too large for the byte range placeholder",
        ));
    }
    Ok(range.into_bytes())
}

/// The `/Contents` hex string, `<` to `>`: a detached CMS signature by
/// `signer` over `digest` (SHA-256 of the two byte ranges), zero-padded to
/// the placeholder's width.
///
/// # Errors
/// Signing failed, or the signature is larger than [`CONTENTS_BYTES`].
pub fn signature_contents(signer: &Signer, digest: &[u8]) -> Result<Vec<u8>> {
    let cms = cms_signature(signer, digest)?;
    if cms.len() > CONTENTS_BYTES {
        return Err(failed(format!(
            "the signature is {} bytes, more than the {CONTENTS_BYTES} reserved",
            cms.len()
        )));
    }
    let mut hex = Vec::with_capacity(2 * CONTENTS_BYTES + 2);
    hex.push(b'<');
    hex.extend(cms.iter().flat_map(|b| format!("{b:02x}").into_bytes()));
    hex.resize(2 * CONTENTS_BYTES + 1, b'0');
    hex.push(b'>');
    Ok(hex)
}

/// The placeholder array as written: ten digits for each number.
fn byte_range_placeholder() -> String {
    format!("[0 {BYTE_RANGE_PLACEHOLDER} {BYTE_RANGE_PLACEHOLDER} {BYTE_RANGE_PLACEHOLDER}]")
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a BOM
/// (PDF 32000-1, 7.9.2.2), so names like "Zoë Ångström" survive.
pub fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Decodes a PDF text string (UTF-16BE with BOM, or single bytes).
pub fn decode_text(bytes: &[u8]) -> String {
    match bytes {
        [0xFE, 0xFF, rest @ ..] => {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => bytes.iter().map(|&b| b as char).collect(),
    }
}

fn count_signatures(doc: &lopdf::Document) -> usize {
    doc.objects
        .values()
        .filter(|o| {
            o.as_dict()
                .ok()
                .and_then(|d| d.get(b"Type").ok())
                .and_then(|t| t.as_name().ok())
                == Some(b"Sig".as_slice())
        })
        .count()
}

/// Adds the widget to the page's `/Annots`.
fn add_to_page_annots(
    inc: &mut IncrementalDocument,
    prev: &lopdf::Document,
    page_id: ObjectId,
    widget: ObjectId,
) -> Result<()> {
    edit_entry(inc, prev, page_id, b"Annots", |annots| match annots {
        Object::Array(list) => list.push(Object::Reference(widget)),
        other => *other = Object::Array(vec![Object::Reference(widget)]),
    })
}

/// Adds the field to the catalog's `/AcroForm` and sets `/SigFlags 3`.
fn add_to_acroform(
    inc: &mut IncrementalDocument,
    prev: &lopdf::Document,
    catalog_id: ObjectId,
    field: ObjectId,
) -> Result<()> {
    // `/Fields` may be an array object of its own: then that object is
    // appended to (the verifier allows appending, never replacing).
    let fields_id = prev
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|f| match f {
            Object::Reference(id) => prev.get_object(*id).ok(),
            f => Some(f),
        })
        .and_then(|f| f.as_dict().ok())
        .and_then(|f| f.get(b"Fields").ok())
        .and_then(|f| f.as_reference().ok());
    if let Some(id) = fields_id {
        inc.opt_clone_object_to_new_document(id).map_err(failed)?;
        match inc.new_document.get_object_mut(id).map_err(failed)? {
            Object::Array(list) => list.push(Object::Reference(field)),
            _ => return Err(failed("the form's /Fields is not an array")),
        }
    }
    edit_entry(inc, prev, catalog_id, b"AcroForm", |form| {
        if !matches!(form, Object::Dictionary(_)) {
            *form = Object::Dictionary(Dictionary::new());
        }
        if let Object::Dictionary(form) = form {
            if fields_id.is_none() {
                let mut fields = match form.get(b"Fields") {
                    Ok(Object::Array(a)) => a.clone(),
                    _ => Vec::new(),
                };
                fields.push(Object::Reference(field));
                form.set("Fields", Object::Array(fields));
            }
            form.set("SigFlags", Object::Integer(3));
        }
    })
}

/// Edits entry `key` of object `owner` in the new revision, whether the
/// entry is written inline or as a reference to an object of its own (which
/// is then cloned into the update and edited there). A missing entry starts
/// as `null`.
fn edit_entry(
    inc: &mut IncrementalDocument,
    prev: &lopdf::Document,
    owner: ObjectId,
    key: &[u8],
    edit: impl FnOnce(&mut Object),
) -> Result<()> {
    inc.opt_clone_object_to_new_document(owner)
        .map_err(failed)?;
    let current = prev
        .get_object(owner)
        .and_then(Object::as_dict)
        .ok()
        .and_then(|d| d.get(key).ok().cloned());
    if let Some(Object::Reference(id)) = current {
        inc.opt_clone_object_to_new_document(id).map_err(failed)?;
        edit(inc.new_document.get_object_mut(id).map_err(failed)?);
    } else {
        let mut value = current.unwrap_or(Object::Null);
        edit(&mut value);
        inc.new_document
            .get_object_mut(owner)
            .and_then(Object::as_dict_mut)
            .map_err(failed)?
            .set(key.to_vec(), value);
    }
    Ok(())
}

/// A detached CMS SignedData over `digest` (SHA-256 of the covered bytes).
pub fn cms_signature(signer: &Signer, digest: &[u8]) -> Result<Vec<u8>> {
    let leaf_der = signer
        .chain
        .first()
        .ok_or_else(|| failed("no certificate"))?;
    let leaf = Certificate::from_der(leaf_der).map_err(failed)?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: leaf.tbs_certificate.issuer.clone(),
        serial_number: leaf.tbs_certificate.serial_number.clone(),
    });
    let content = EncapsulatedContentInfo {
        econtent_type: const_oid::db::rfc5911::ID_DATA,
        econtent: None,
    };
    let sha256 = spki::AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::ID_SHA_256,
        parameters: None,
    };
    let ess = signing_certificate_v2(leaf_der)?;
    let mut builder = SignedDataBuilder::new(&content);
    builder
        .add_digest_algorithm(sha256.clone())
        .map_err(failed)?;
    for der in &signer.chain {
        let cert = Certificate::from_der(der).map_err(failed)?;
        builder
            .add_certificate(CertificateChoices::Certificate(cert))
            .map_err(failed)?;
    }
    match &signer.key {
        SignerKey::P256(key) => {
            let mut info =
                SignerInfoBuilder::new(key, sid, sha256, &content, Some(digest)).map_err(failed)?;
            info.add_signed_attribute(ess).map_err(failed)?;
            builder
                .add_signer_info::<_, p256::ecdsa::DerSignature>(info)
                .map_err(failed)?;
        }
        SignerKey::Rsa(key) => {
            let key = rsa::pkcs1v15::SigningKey::<Sha256>::new((**key).clone());
            let mut info = SignerInfoBuilder::new(&key, sid, sha256, &content, Some(digest))
                .map_err(failed)?;
            info.add_signed_attribute(ess).map_err(failed)?;
            builder
                .add_signer_info::<_, rsa::pkcs1v15::Signature>(info)
                .map_err(failed)?;
        }
    }
    let signed: ContentInfo = builder.build().map_err(failed)?;
    signed.to_der().map_err(failed)
}

/// The ESS signing-certificate-v2 attribute (RFC 5035) that PAdES requires:
/// `SigningCertificateV2 { certs: [ ESSCertIDv2 { certHash } ] }` with the
/// default hash algorithm (SHA-256) left out, as DER demands.
fn signing_certificate_v2(cert_der: &[u8]) -> Result<x509_cert::attr::Attribute> {
    let hash = Sha256::digest(cert_der);
    let octets = der::asn1::OctetString::new(hash.to_vec()).map_err(failed)?;
    let mut cert_id = Vec::new();
    octets.encode_to_vec(&mut cert_id).map_err(failed)?;
    let wrap = |inner: Vec<u8>| -> Result<Vec<u8>> {
        let mut out = Vec::new();
        der::Header::new(der::Tag::Sequence, inner.len())
            .map_err(failed)?
            .encode_to_vec(&mut out)
            .map_err(failed)?;
        out.extend(inner);
        Ok(out)
    };
    let value = wrap(wrap(wrap(cert_id)?)?)?; // SigningCertificateV2 > certs > ESSCertIDv2
    let any = der::Any::from_der(&value).map_err(failed)?;
    let mut values = der::asn1::SetOfVec::new();
    values.insert(any).map_err(failed)?;
    Ok(x509_cert::attr::Attribute {
        oid: const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47"),
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(dict: Dictionary) -> Vec<u8> {
        let mut v = b"7 0 obj\n".to_vec();
        lopdf::Writer::write_object(&mut v, &Object::Dictionary(dict)).expect("write");
        v.extend(b"\nendobj\n");
        v
    }

    #[test]
    fn the_placeholders_found_are_the_dictionarys_own_even_when_a_reason_spells_them_out() {
        let plain = written(signed_by("Zoë", "Approved", "D:20260301110000+00'00'"));
        let at = Placeholders::find(&plain, 0).expect("placeholders");
        assert_eq!(
            &plain[at.byte_range.clone()],
            byte_range_placeholder().as_bytes()
        );
        assert_eq!(plain[at.contents.start], b'<');
        assert_eq!(at.contents.len(), 2 * CONTENTS_BYTES + 2);
        assert_eq!(
            &plain[at.contents.end..],
            b">>\nendobj\n",
            "the placeholders end the dictionary, so a streaming writer knows what follows"
        );

        let mut spelled = b"/ByteRange".to_vec();
        spelled.extend(plain[at.byte_range.start..at.contents.end].iter());
        let reason = String::from_utf8(spelled).expect("ascii");
        let tricky = written(signed_by("Zoë", &reason, "D:20260301110000+00'00'"));
        let found = Placeholders::find(&tricky, 0).expect("placeholders");
        assert_eq!(
            &tricky[found.contents.end..],
            b">>\nendobj\n",
            "a reason that spells out the placeholders comes before the real ones"
        );
        assert!(
            Placeholders::find(&tricky, found.contents.end).is_err(),
            "nothing is found past the search start"
        );
    }

    #[test]
    fn the_byte_range_replaces_its_placeholder_byte_for_byte_or_is_refused() {
        let width = byte_range_placeholder().len();
        for (contents, file_len) in [
            (10..20, 30),
            (1_000..33_770, 40_000),
            (0..9_999_999_999, 9_999_999_999),
        ] {
            let range = byte_range(&contents, file_len).expect("fits");
            assert_eq!(range.len(), width, "{}", String::from_utf8_lossy(&range));
        }
        assert_eq!(
            byte_range(&(100..32_870), 40_000).expect("fits"),
            b"[0 0000000100 0000032870 0000007130]"
        );
        for (contents, file_len) in [
            (10..20, 10_000_000_030),
            (10..10_000_000_000, 10_000_000_100),
        ] {
            assert!(
                byte_range(&contents, file_len).is_err(),
                "{contents:?} of {file_len} bytes does not fit ten digits"
            );
        }
    }
}
