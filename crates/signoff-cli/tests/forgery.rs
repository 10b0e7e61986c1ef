//! Regression test for issue 10 (the shadow forgery `signoff verify`
//! accepted): a corpus of forged reports, crafted at test time by
//! `tests/forgery/make_corpus.py` from a genuine report signed by the real
//! `signoff` binary, covering the published attacks on PDF signatures
//! (incremental saving, signature wrapping, universal signature forgery,
//! shadow hide/replace/hide-and-replace, through every structure named in
//! the issue). `signoff verify` and pyHanko must agree on every case: both
//! refuse each forgery and both accept the genuine and countersigned
//! reports. The few forgeries pyHanko accepts and we refuse on purpose are
//! listed in `STRICTER`, each with the reason.
//!
//! The corpus is generated, not committed: it is made from a report signed
//! by this build, so it follows changes in the report format, and the
//! repository carries no binary fixtures. `SIGNOFF_PYTHON` (the pyHanko
//! virtualenv's python) runs the script; `SIGNOFF_PYHANKO` validates.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Sandbox;

const PASS: &str = "correct horse battery staple";

/// Every case the script must produce; a case dropped from the script
/// fails here rather than silently shrinking the corpus.
const FORGERIES: &[&str] = &[
    "isa-cover-unsigned",
    "isa-cover-countersigned",
    "isa-page-redefined",
    "isa-no-xref",
    "isa-xref-stream",
    "trailer-root-swapped",
    "trailer-info-swapped",
    "trailer-encrypt",
    "swa-copied-signature",
    "swa-byterange-rewritten",
    "swa-byterange-not-at-zero",
    "usf-no-contents",
    "usf-empty-contents",
    "usf-null-byterange",
    "shadow-hide-annotation-fields-key",
    "shadow-hide-annotation-objstm-typed",
    "shadow-replace-content-as-array",
    "shadow-replace-fields-dictionary",
    "shadow-replace-typed-stream",
    "shadow-replace-page-with-fields",
    "shadow-hide-freetext-annotation",
    "shadow-overlay-visible-signature",
    "objstm-override",
    "objstm-hidden-object",
    "objstm-unparsable",
    "free-entry-content",
    "free-entry-regenerated",
    "duplicate-definition",
    "xref-points-into-signed-bytes",
    "embedded-files-swapped",
    "name-tree-redefined",
    "catalog-open-action",
    "form-text-field-added",
    "annots-replaced",
    "page-tree-new-cover",
    "issue-10-shadow-forgery",
    "usf-byterange-overflow",
    "field-name-reused",
    "appearance-external-data",
    "trailer-size-shrunk",
    "xref-stream-entry-bomb",
    "embedded-file-bomb",
];

/// Forgeries pyHanko's default policy accepts and our allow-list refuses
/// by design.
const STRICTER: &[(&str, &str)] = &[
    (
        "trailer-info-swapped",
        "pyHanko allows any /Info update (DocInfoRule); the document's title and author are shown to readers, so we allow no trailer change",
    ),
    (
        "shadow-overlay-visible-signature",
        "pyHanko allows a new signature field with a visible appearance (form filling level); that appearance paints over the signed page, so a new signature may draw nothing",
    ),
    (
        "objstm-hidden-object",
        "pyHanko ignores a new unreferenced object; lenient readers (lopdf) load the objects hidden in it, so we refuse any object no signature explains",
    ),
    (
        "appearance-external-data",
        "pyHanko does not look at a new signature's appearance stream dictionary; one whose data comes from an external file (/F) could draw anything where it is read, so an appearance may only be a plain blank stream",
    ),
];

fn with_pass(mut c: Command) -> Output {
    c.env_remove("SIGNOFF_PASSPHRASE_FILE")
        .env("SIGNOFF_PASSPHRASE", PASS)
        .output()
        .expect("spawn signoff")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn signed_ok(sb: &Sandbox, args: &[&str]) {
    let out = with_pass(sb.cmd(args));
    assert!(out.status.success(), "signoff {args:?}: {}", text(&out));
}

fn identity(sb: &Sandbox, name: &str) -> PathBuf {
    signed_ok(
        sb,
        &[
            "identity",
            "create",
            "--name",
            name,
            "--email",
            "a@example.org",
        ],
    );
    sb.data.join("identity/cert.pem")
}

/// A run with every item passed and noted, one evidence file, signed.
fn genuine_report(sb: &Sandbox, pdf: &Path) {
    let run = sb.predeploy_run();
    let show = sb.json(&["run", "show", &run]);
    let ids: Vec<String> = show["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    for id in &ids {
        sb.ok(&["run", "set", &run, id, "--status", "pass", "--note", "ok"]);
        sb.ok(&["evidence", "note", &run, id, "Reviewed; see SEC-42"]);
    }
    let evidence = sb.path("settings.txt");
    std::fs::write(&evidence, "DEBUG=False\n").expect("write");
    sb.ok(&[
        "evidence",
        "add",
        &run,
        &ids[0],
        evidence.to_str().expect("p"),
    ]);
    signed_ok(sb, &["sign", &run, "-o", pdf.to_str().expect("p")]);
}

/// Whether a validator accepted the file, and what it printed.
type Verdict = (bool, String);

/// `signoff verify`'s verdict.
fn ours(pdf: &Path, trust: &[&Path]) -> Verdict {
    let mut c = common::auditor();
    c.arg("verify").arg(pdf);
    for t in trust {
        c.arg("--trust").arg(t);
    }
    let out = c.output().expect("verify");
    let t = text(&out);
    match out.status.code() {
        Some(0) if t.contains("VERDICT: VALID") => (true, t),
        Some(1) if t.contains("VERDICT: NOT VALID") => (false, t),
        code => panic!(
            "{}: signoff verify must print a verdict and exit 0 or 1 (every signer is trusted here), got {code:?}: {t}",
            pdf.display()
        ),
    }
}

/// pyHanko's verdict: accepted when every signature is judged valid.
fn pyhanko(pdf: &Path, trust: &[&Path]) -> Verdict {
    let out = common::pyhanko_validate(pdf, trust);
    let t = text(&out);
    let ok = out.status.success() && t.contains("judged VALID") && !t.contains("judged INVALID");
    (ok, t)
}

#[test]
fn verify_and_pyhanko_agree_on_every_forgery_of_a_signed_report_issue_10() {
    let sb = Sandbox::new();
    let author = identity(&sb, "Ann Author");
    let genuine = sb.path("genuine.pdf");
    genuine_report(&sb, &genuine);
    let approver = Sandbox::new();
    let approver_cert = identity(&approver, "Bob Approver");
    let countersigned = sb.path("countersigned.pdf");
    signed_ok(
        &approver,
        &[
            "countersign",
            genuine.to_str().expect("p"),
            "-o",
            countersigned.to_str().expect("p"),
            "--trust",
            author.to_str().expect("p"),
        ],
    );

    // The attacker's own key, which the auditor trusts (as in the issue).
    let key = sb.path("mallory.key");
    let cert = sb.path("mallory.pem");
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
        .args(["-subj", "/CN=Mallory"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(out.status.success(), "openssl: {}", text(&out));

    let dir = sb.path("corpus");
    std::fs::create_dir(&dir).expect("mkdir");
    let python = std::env::var("SIGNOFF_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/forgery/make_corpus.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&genuine)
        .arg(&dir)
        .arg(&key)
        .arg(&cert)
        .output()
        .expect("python (the pyHanko virtualenv's, SIGNOFF_PYTHON)");
    assert!(out.status.success(), "make_corpus.py: {}", text(&out));
    let listed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).expect("cases.json"))
            .expect("json");

    // (name, file, genuine?)
    let mut cases: Vec<(String, PathBuf, bool)> = vec![
        ("genuine".into(), genuine.clone(), true),
        ("countersigned".into(), countersigned.clone(), true),
    ];
    for c in listed.as_array().expect("cases") {
        let name = c["name"].as_str().expect("name").to_owned();
        cases.push((
            name.clone(),
            dir.join(format!("{name}.pdf")),
            c["genuine"].as_bool().unwrap_or(false),
        ));
    }
    let made: Vec<&str> = cases
        .iter()
        .filter(|c| !c.2)
        .map(|c| c.0.as_str())
        .collect();
    assert_eq!(made, FORGERIES, "the corpus is every forgery listed here");
    assert!(made.len() >= 25);

    let trust: [&Path; 3] = [&author, &approver_cert, &cert];
    // Two validators per case, each case on its own; two at a time.
    let run = |part: &[(String, PathBuf, bool)]| {
        part.iter()
            .map(|(name, file, _)| (name.clone(), (ours(file, &trust), pyhanko(file, &trust))))
            .collect::<Vec<_>>()
    };
    let verdicts: BTreeMap<String, (Verdict, Verdict)> = std::thread::scope(|s| {
        let (a, b) = cases.split_at(cases.len() / 2);
        let h = s.spawn(|| run(a));
        let mut all = run(b);
        all.extend(h.join().expect("thread"));
        all.into_iter().collect()
    });

    for (name, _, genuine) in &cases {
        let ((we, our_text), (py, py_text)) = &verdicts[name];
        if *genuine {
            assert!(*we, "{name}: a genuine report must verify: {our_text}");
            assert!(
                *py,
                "{name}: pyHanko must accept a genuine report: {py_text}"
            );
            continue;
        }
        assert!(
            !we,
            "{name}: signoff verify must refuse this forgery (VERDICT: NOT VALID, exit 1): {our_text}"
        );
        match STRICTER.iter().find(|(n, _)| n == name) {
            Some((_, why)) => assert!(
                *py,
                "{name}: listed as refused only by us ({why}), but pyHanko refuses it too now: move it out of STRICTER: {py_text}"
            ),
            None => assert!(
                !py,
                "{name}: pyHanko must refuse this forgery as signoff verify does: {py_text}"
            ),
        }
    }

    // The issue's forgery names what it changed.
    let (_, t) = &verdicts["issue-10-shadow-forgery"].0;
    assert!(
        t.contains("revision 2 redefines object") && t.contains("/EmbeddedFile"),
        "the problem names the revision, the object and the change: {t}"
    );

    // A countersignature is named by its certificate, not by the /Name it
    // claims.
    let (_, t) = &verdicts["signer-name-claimed"].0;
    assert!(
        t.contains("Mallory (its /Name says 'Bob Approver')"),
        "the signer shown is the certificate's subject: {t}"
    );

    // countersign refuses a forgery and writes nothing.
    for name in [
        "issue-10-shadow-forgery",
        "shadow-replace-content-as-array",
        "objstm-override",
    ] {
        let dest = sb.path(&format!("{name}-countersigned.pdf"));
        let out = with_pass(approver.cmd(&[
            "countersign",
            dir.join(format!("{name}.pdf")).to_str().expect("p"),
            "-o",
            dest.to_str().expect("p"),
        ]));
        let why = common::expect_failure(out, &format!("countersign {name}"));
        assert!(
            why.contains("was not countersigned"),
            "{name}: countersign says why it refused: {why}"
        );
        assert!(!dest.exists(), "{name}: nothing written");
    }
}
