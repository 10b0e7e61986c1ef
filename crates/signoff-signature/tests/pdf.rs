//! PAdES signatures checked by outside validators: pyHanko (the strict
//! one: it also catches content appended after signing), poppler's pdfsig
//! (whose exit code means nothing, so its text is read) and qpdf.
//! `SIGNOFF_PYHANKO` names the pyhanko binary (`cargo xtask test` installs
//! it in a virtualenv under target/).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use common::make_p12;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use signoff_signature::pdf::{SignOptions, sign_pdf};
use signoff_signature::{IdentityStore, NewIdentity, Passphrase, Signer};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .single()
        .expect("time")
}

/// A one-page PDF made with lopdf.
fn base_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 18.into()]),
            Operation::new("Td", vec![72.into(), 720.into()]),
            Operation::new("Tj", vec![Object::string_literal("Signoff test report")]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        content.encode().expect("content"),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

fn identity(dir: &Path, name: &str) -> (Signer, PathBuf) {
    let store = IdentityStore::new(&dir.join(name));
    let who = NewIdentity {
        name: "Zoë Ångström".into(),
        email: "zoe@example.org".into(),
        role: "Release manager".into(),
        organisation: "Example Ltd".into(),
    };
    store
        .create(&who, &Passphrase::new("correct horse battery"), now())
        .expect("identity");
    let signer = store
        .unlock(&Passphrase::new("correct horse battery"))
        .expect("unlock");
    (signer, store.dir().join("cert.pem"))
}

/// Signs with the fixed test time.
fn sign(pdf: &[u8], signer: &Signer, reason: &str) -> Vec<u8> {
    let opts = SignOptions {
        reason: reason.into(),
        time: now(),
    };
    sign_pdf(pdf, signer, &opts).expect("sign")
}

fn pyhanko() -> String {
    std::env::var("SIGNOFF_PYHANKO").unwrap_or_else(|_| "pyhanko".into())
}

/// pyHanko's verdict: (exit ok, output).
fn pyhanko_validate(pdf: &Path, trust: &[&Path]) -> (bool, String) {
    let mut cmd = Command::new(pyhanko());
    cmd.args([
        "sign",
        "validate",
        "--pretty-print",
        "--no-revocation-check",
        "--trust-replace",
    ]);
    for t in trust {
        cmd.arg("--trust").arg(t);
    }
    let out = cmd
        .arg(pdf)
        .output()
        .expect("pyhanko (cargo xtask test installs it)");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn pdfsig(pdf: &Path) -> String {
    let out = Command::new("pdfsig").arg(pdf).output().expect("pdfsig");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_p256_signature_is_valid_for_pyhanko_pdfsig_and_qpdf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (signer, cert) = identity(dir.path(), "zoe");
    let signed = sign(&base_pdf(), &signer, "Prepared by");
    let file = dir.path().join("signed.pdf");
    std::fs::write(&file, &signed).expect("write");

    let (ok, text) = pyhanko_validate(&file, &[&cert]);
    assert!(
        ok && text.contains("The signature is judged VALID."),
        "pyHanko: {text}"
    );
    assert!(
        text.contains("The signature covers the entire file."),
        "{text}"
    );
    let sig = pdfsig(&file);
    assert!(sig.contains("Signature is Valid."), "pdfsig: {sig}");
    assert!(
        sig.contains("Zoë Ångström"),
        "pdfsig names the signer: {sig}"
    );
    assert!(
        Command::new("qpdf")
            .arg("--check")
            .arg(&file)
            .status()
            .expect("qpdf")
            .success(),
        "qpdf --check"
    );

    // Without trusting the self-signed certificate, pyHanko must not say VALID.
    let (_, text) = pyhanko_validate(&file, &[]);
    assert!(
        !text.contains("judged VALID"),
        "untrusted signer accepted: {text}"
    );
}

#[test]
fn a_countersignature_keeps_the_first_valid_and_tampering_is_caught() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (preparer, cert1) = identity(dir.path(), "preparer");
    let (approver, cert2) = identity(dir.path(), "approver");
    let once = sign(&base_pdf(), &preparer, "Prepared by");
    let twice = sign(&once, &approver, "Approved by");
    let file = dir.path().join("countersigned.pdf");
    std::fs::write(&file, &twice).expect("write");
    let (ok, text) = pyhanko_validate(&file, &[&cert1, &cert2]);
    assert!(
        ok && text.matches("The signature is judged VALID.").count() == 2,
        "both signatures valid: {text}"
    );
    assert_eq!(
        pdfsig(&file).matches("Signature is Valid.").count(),
        2,
        "{}",
        pdfsig(&file)
    );

    // A byte flipped inside the signed range: the digest no longer matches.
    let mut flipped = twice.clone();
    let at = flipped
        .windows(19)
        .position(|w| w == b"Signoff test report")
        .expect("text");
    flipped[at] = b's';
    let bad = dir.path().join("flipped.pdf");
    std::fs::write(&bad, &flipped).expect("write");
    let (ok, text) = pyhanko_validate(&bad, &[&cert1, &cert2]);
    assert!(
        !ok && !text.contains("judged VALID"),
        "pyHanko must reject a changed byte: {text}"
    );
    assert!(pdfsig(&bad).contains("Digest Mismatch"), "{}", pdfsig(&bad));

    // Content appended after the last signature: only pyHanko sees it.
    let mut appended = twice.clone();
    appended.extend_from_slice(b"\n% appended after signing\n1 0 obj\n(hello)\nendobj\n");
    let bad = dir.path().join("appended.pdf");
    std::fs::write(&bad, &appended).expect("write");
    // Bytes that are not a proper revision: pyHanko still calls each
    // signature valid but flags that the last one no longer covers the file
    // and that the change may be illegitimate. (`signoff verify` will fail
    // such a file outright: nothing but signatures may follow a signature.)
    let (_, text) = pyhanko_validate(&bad, &[&cert1, &cert2]);
    let last = text.rsplit("Field 2").next().unwrap_or_default();
    assert!(
        last.contains("The signature does not cover the entire file.")
            && last.contains("Some modifications may be illegitimate"),
        "pyHanko flags what follows the last signature: {text}"
    );
}

#[test]
fn an_imported_rsa_identity_signs_valid_pdfs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let p12 = make_p12(d, "rsa");
    let cert = d.join("rsa.crt");
    let store = IdentityStore::new(&d.join("identity"));
    store
        .import_p12(
            "rsa.p12",
            &std::fs::read(&p12).expect("read"),
            "p12-secret",
            &Passphrase::new("local passphrase"),
            "Approver",
            now(),
        )
        .expect("import");
    let signer = store
        .unlock(&Passphrase::new("local passphrase"))
        .expect("unlock");
    let signed = sign(&base_pdf(), &signer, "Approved by");
    let file = d.join("rsa-signed.pdf");
    std::fs::write(&file, signed).expect("write");
    let (ok, text) = pyhanko_validate(&file, &[&cert]);
    assert!(
        ok && text.contains("The signature is judged VALID.") && text.contains("rsa"),
        "pyHanko: {text}"
    );
    assert!(
        pdfsig(&file).contains("Signature is Valid."),
        "{}",
        pdfsig(&file)
    );
}

// ---- our verifier -------------------------------------------------------------

use signoff_signature::verify::{PdfVerifyError, Verdict, certificates_from_pem, verify_pdf};

fn trust(cert: &Path) -> Vec<Vec<u8>> {
    certificates_from_pem(&std::fs::read_to_string(cert).expect("cert"))
}

#[test]
fn the_verifier_accepts_good_signatures_and_names_each_kind_of_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (preparer, cert1) = identity(dir.path(), "preparer");
    let (approver, cert2) = identity(dir.path(), "approver");
    let once = sign(&base_pdf(), &preparer, "Prepared by");
    let twice = sign(&once, &approver, "Approved by");
    let both: Vec<Vec<u8>> = [trust(&cert1), trust(&cert2)].concat();

    let v = verify_pdf(&twice, &both).expect("verify");
    assert!(v.ok, "{v:#?}");
    assert_eq!(v.signatures.len(), 2);
    assert_eq!(v.signatures[0].reason, "Prepared by");
    assert_eq!(
        v.signatures[0].signer, "Zoë Ångström",
        "non-ASCII names survive as PDF text strings"
    );
    assert!(v.signatures.iter().all(|s| s.integrity
        && s.signature
        && s.trust == signoff_signature::trust::Trust::Trusted
        && s.only_signatures_after));
    assert_eq!(
        v.signatures[1].bytes_after, 0,
        "the last signature covers the whole file"
    );
    let unchecked = verify_pdf(&twice, &[]).expect("verify");
    assert!(
        unchecked.intact && !unchecked.ok && unchecked.verdict == Verdict::Untrusted,
        "with nothing to trust against, intact is not valid: {unchecked:#?}"
    );
    assert!(
        unchecked
            .signatures
            .iter()
            .all(|s| s.trust == signoff_signature::trust::Trust::Unchecked)
    );

    let v = verify_pdf(&twice, &trust(&cert1)).expect("verify");
    assert!(
        !v.ok && v.intact && v.verdict == Verdict::Untrusted,
        "{v:#?}"
    );
    assert_eq!(
        v.signatures[1].trust,
        signoff_signature::trust::Trust::Untrusted,
        "{v:#?}"
    );
    assert!(
        v.signatures[1].problems.is_empty(),
        "trust is not a problem of integrity"
    );

    let mut flipped = twice.clone();
    let at = flipped
        .windows(19)
        .position(|w| w == b"Signoff test report")
        .expect("text");
    flipped[at] = b's';
    let v = verify_pdf(&flipped, &both).expect("verify");
    assert!(!v.ok && v.signatures.iter().all(|s| !s.integrity), "{v:#?}");
    assert!(v.signatures[0].problems[0].contains("the signed bytes were changed"));

    let mut appended = twice.clone();
    appended.extend_from_slice(b"\n% appended after signing\n");
    let v = verify_pdf(&appended, &both).expect("verify");
    assert!(!v.ok);
    assert!(
        v.signatures[1]
            .problems
            .iter()
            .any(|p| p.contains("bytes after it are not covered")),
        "{v:#?}"
    );

    // A real incremental update that changes the page, then a new signature:
    // the first signature must report the change even though the file "ends
    // in a signature".
    let mut inc = lopdf::IncrementalDocument::create_from(
        once.clone(),
        Document::load_mem(&once).expect("load"),
    );
    let content_id = inc
        .get_prev_documents()
        .objects
        .iter()
        .find(|(_, o)| o.as_stream().is_ok())
        .map(|(id, _)| *id)
        .expect("content stream");
    inc.new_document.set_object(
        content_id,
        Stream::new(
            dictionary! {},
            b"BT /F1 18 Tf 72 720 Td (Forged) Tj ET".to_vec(),
        ),
    );
    let mut changed = Vec::new();
    inc.save_to(&mut changed).expect("save");
    let resigned = sign(&changed, &approver, "Approved by");
    let v = verify_pdf(&resigned, &both).expect("verify");
    assert!(!v.ok);
    assert!(
        v.signatures[0]
            .problems
            .iter()
            .any(|p| p.contains("content was changed after it was signed")),
        "{v:#?}"
    );

    let v = verify_pdf(&base_pdf(), &both).expect("verify");
    assert_eq!(v.problems, ["the PDF has no signature"]);
    assert!(matches!(
        verify_pdf(b"GIF89a not a pdf", &both),
        Err(PdfVerifyError::NotAPdf)
    ));
    match verify_pdf(&twice[..twice.len() / 2], &both) {
        Err(PdfVerifyError::Damaged(_)) => {}
        Ok(v) => assert!(!v.ok, "a truncated file never verifies: {v:#?}"),
        Err(e) => panic!("unexpected: {e}"),
    }
    for len in [0, 5, 100, 1000] {
        let r = verify_pdf(&twice[..len.min(twice.len())], &both);
        assert!(
            r.map(|v| !v.ok).unwrap_or(true),
            "prefix of {len} bytes must not verify"
        );
    }
}

/// The one-page PDF with the page's `/Annots`, the catalog's `/AcroForm`
/// and its `/Fields` each an object of its own (other writers do this).
fn base_pdf_with_indirect_form() -> Vec<u8> {
    let mut doc = Document::load_mem(&base_pdf()).expect("load");
    let annots = doc.add_object(Object::Array(vec![]));
    let fields = doc.add_object(Object::Array(vec![]));
    let form = doc.add_object(dictionary! { "Fields" => fields });
    let page = *doc.get_pages().values().next().expect("page");
    doc.get_object_mut(page)
        .and_then(Object::as_dict_mut)
        .expect("page")
        .set("Annots", annots);
    doc.catalog_mut().expect("catalog").set("AcroForm", form);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

#[test]
fn countersigning_stays_within_what_the_verifier_allows_for_indirect_form_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (preparer, cert1) = identity(dir.path(), "preparer");
    let (approver, cert2) = identity(dir.path(), "approver");
    let once = sign(&base_pdf_with_indirect_form(), &preparer, "Prepared by");
    let twice = sign(&once, &approver, "Approved by");
    let thrice = sign(&twice, &preparer, "Released by");
    let both: Vec<Vec<u8>> = [trust(&cert1), trust(&cert2)].concat();
    let v = verify_pdf(&thrice, &both).expect("verify");
    assert!(
        v.ok && v.signatures.len() == 3,
        "appending to indirect /Annots and /Fields is a signature change: {v:#?}"
    );
    let file = dir.path().join("indirect.pdf");
    std::fs::write(&file, &thrice).expect("write");
    let (ok, text) = pyhanko_validate(&file, &[&cert1, &cert2]);
    assert!(
        ok && text.matches("The signature is judged VALID.").count() == 3,
        "pyHanko agrees: {text}"
    );
}

#[test]
fn the_verifier_never_panics_on_damaged_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (signer, cert) = identity(dir.path(), "zoe");
    let (approver, cert2) = identity(dir.path(), "approver");
    let signed = sign(&base_pdf(), &signer, "Prepared by");
    let twice = sign(&signed, &approver, "Approved by");
    let trusted = [trust(&cert), trust(&cert2)].concat();
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Once signed, and countersigned (two revisions, the second judged).
    for (what, good) in [("signed", &signed), ("countersigned", &twice)] {
        let mut rejected = 0;
        for round in 0..300 {
            let mut bytes = good.clone();
            match round % 3 {
                0 => {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] ^= 1 << (next() % 8);
                }
                1 => bytes.truncate((next() as usize) % bytes.len()),
                _ => {
                    let at = (next() as usize) % bytes.len();
                    bytes.insert(at, b'0');
                }
            }
            // Must return, not panic; and a changed file must not verify.
            if let Ok(v) = verify_pdf(&bytes, &trusted)
                && v.ok
            {
                continue; // a flip inside the zero padding of /Contents changes nothing signed
            }
            rejected += 1;
        }
        assert!(
            rejected > 250,
            "{what}: almost every damaged copy is rejected ({rejected}/300)"
        );
    }
}
