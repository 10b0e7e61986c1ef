//! Signed reports, end to end through the `signoff` binary, checked by the
//! real validators: pyHanko (`SIGNOFF_PYHANKO`, installed by `cargo xtask
//! test`), poppler's pdfsig/pdftotext/pdfdetach/pdfinfo, qpdf, and
//! coreutils' sha256sum. Then tampering and bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Sandbox, expect_failure};

const PASS: &str = "correct horse battery staple";

fn with_pass(mut c: Command, pass: &str) -> Output {
    c.env_remove("SIGNOFF_PASSPHRASE_FILE")
        .env("SIGNOFF_PASSPHRASE", pass)
        .output()
        .expect("spawn signoff")
}

fn signed_ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = with_pass(sb.cmd(args), PASS);
    assert!(
        out.status.success(),
        "signoff {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tool(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (cargo xtask test installs it)"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn pyhanko_valid(pdf: &Path, trust: &[&Path]) -> String {
    let out = common::pyhanko_validate(pdf, trust);
    let t = text(&out);
    assert!(
        out.status.success(),
        "pyHanko rejected {}: {t}",
        pdf.display()
    );
    t
}

/// A PNG made by ImageMagick (an independent encoder).
fn png(path: &Path) {
    let out = tool(
        "convert",
        &[
            "-size",
            "800x450",
            "gradient:navy-white",
            path.to_str().expect("path"),
        ],
    );
    assert!(out.status.success(), "convert: {}", text(&out));
}

/// Item ids and titles of a run.
fn items(sb: &Sandbox, run: &str) -> Vec<(String, String)> {
    sb.json(&["run", "show", run])["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().expect("id").to_owned(),
                i["title"].as_str().expect("title").to_owned(),
            )
        })
        .collect()
}

/// A run of the seed checklist with every item resolved: passes with notes,
/// one N/A, one failure under a waiver; a picture, an oddly named text
/// file and a sensitive file as evidence, a note on every item.
fn ready_run(sb: &Sandbox) -> (String, Vec<(String, String)>) {
    let run = sb.predeploy_run();
    let list = items(sb, &run);
    for (n, (id, _)) in list.iter().enumerate() {
        match n {
            2 => sb.ok(&[
                "run",
                "set",
                &run,
                id,
                "--status",
                "na",
                "--reason",
                "No uploads here",
            ]),
            4 => {
                sb.ok(&[
                    "run",
                    "set",
                    &run,
                    id,
                    "--status",
                    "fail",
                    "--note",
                    "Two medium CVEs open",
                ]);
                sb.ok(&[
                    "run",
                    "waive",
                    &run,
                    id,
                    "--justification",
                    "Fixed in 1.4.1",
                    "--expires",
                    "2099-01-31",
                    "--accepted-by",
                    "CISO",
                ])
            }
            _ => sb.ok(&[
                "run",
                "set",
                &run,
                id,
                "--status",
                "pass",
                "--note",
                &format!("Checked {id} on staging \u{2713}"),
            ]),
        };
        sb.ok(&[
            "evidence",
            "note",
            &run,
            id,
            &format!("Reviewed {id}; see ticket SEC-42"),
        ]);
    }
    let shot = sb.path("screenshot.png");
    png(&shot);
    let odd = sb.path("réglages — prod (1).txt");
    std::fs::write(&odd, "DEBUG=False\nALLOWED_HOSTS=example.org\n").expect("write");
    let secret = sb.path("db-credentials.txt");
    std::fs::write(&secret, "postgres://admin:hunter2@db/prod\n").expect("write");
    // Issue 10: a legal 253-byte name (pdfdetach stopped at the 256-byte
    // embedded name) and a right-to-left override posing as a picture.
    let long = sb.path(&format!("{}.txt", "\u{3042}".repeat(83)));
    std::fs::write(&long, "long name\n").expect("write");
    let bidi = sb.path("invoice-\u{202e}gpj.exe");
    std::fs::write(&bidi, "MZ not really\n").expect("write");
    let first = &list[0].0;
    sb.ok(&[
        "evidence",
        "add",
        &run,
        first,
        shot.to_str().expect("p"),
        odd.to_str().expect("p"),
        long.to_str().expect("p"),
        bidi.to_str().expect("p"),
    ]);
    sb.ok(&[
        "evidence",
        "add",
        &run,
        &list[3].0,
        "--sensitive",
        secret.to_str().expect("p"),
    ]);
    (run, list)
}

fn create_identity(sb: &Sandbox, name: &str) -> PathBuf {
    signed_ok(
        sb,
        &[
            "identity",
            "create",
            "--name",
            name,
            "--email",
            "signer@example.org",
            "--role",
            "Release manager",
            "--org",
            "Exämple AG",
        ],
    );
    sb.data.join("identity/cert.pem")
}

/// An RSA-2048 key and self-signed certificate in a .p12 (OpenSSL).
fn import_rsa_identity(sb: &Sandbox) -> PathBuf {
    let key = sb.path("rsa.key");
    let crt = sb.path("rsa.crt");
    let p12 = sb.path("rsa.p12");
    let s = |p: &PathBuf| p.to_str().expect("path").to_owned();
    for args in [
        vec![
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            &s(&key),
        ],
        vec![
            "req",
            "-new",
            "-x509",
            "-key",
            &s(&key),
            "-out",
            &s(&crt),
            "-days",
            "365",
            "-subj",
            "/CN=Organisation Signer/O=Example Corp",
        ],
        vec![
            "pkcs12",
            "-export",
            "-inkey",
            &s(&key),
            "-in",
            &s(&crt),
            "-out",
            &s(&p12),
            "-passout",
            "pass:p12-secret",
        ],
    ] {
        let out = tool("openssl", &args);
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    }
    let mut c = sb.cmd(&["identity", "import", &s(&p12)]);
    c.env("SIGNOFF_P12_PASSWORD", "p12-secret");
    let out = with_pass(c, PASS);
    assert!(out.status.success(), "import: {}", text(&out));
    sb.data.join("identity/cert.pem")
}

fn check_with_every_validator(pdf: &Path, certs: &[&Path], signatures: usize) {
    let py = pyhanko_valid(pdf, certs);
    assert_eq!(
        py.matches("The signature is judged VALID.").count(),
        signatures,
        "pyHanko: {py}"
    );
    let sig = text(&tool("pdfsig", &[pdf.to_str().expect("p")]));
    assert_eq!(
        sig.matches("Signature is Valid.").count(),
        signatures,
        "pdfsig: {sig}"
    );
    let q = tool("qpdf", &["--check", pdf.to_str().expect("p")]);
    assert!(q.status.success(), "qpdf --check: {}", text(&q));
    let mut args = vec!["verify".to_owned(), pdf.to_str().expect("p").to_owned()];
    for c in certs {
        args.push("--trust".into());
        args.push(c.to_str().expect("p").into());
    }
    let out = common::auditor().args(&args).output().expect("verify");
    assert!(out.status.success(), "signoff verify: {}", text(&out));
}

#[test]
fn a_signed_report_passes_every_validator_and_a_countersignature_keeps_it_valid() {
    for kind in ["p256", "rsa"] {
        let sb = Sandbox::new();
        let cert = if kind == "rsa" {
            import_rsa_identity(&sb)
        } else {
            create_identity(&sb, "Zoë Ångström")
        };
        let (run, list) = ready_run(&sb);
        let pdf = sb.path("report.pdf");
        signed_ok(
            &sb,
            &[
                "sign",
                &run,
                "-o",
                pdf.to_str().expect("p"),
                "--statement",
                "Ready for release 1.4.0",
            ],
        );
        check_with_every_validator(&pdf, &[&cert], 1);

        // Every item title, note and the signer's name are in the text.
        let txt = text(&tool("pdftotext", &[pdf.to_str().expect("p"), "-"]));
        let flat = txt.split_whitespace().collect::<Vec<_>>().join(" ");
        for (id, title) in &list {
            assert!(flat.contains(title), "{kind}: title '{title}' missing");
            assert!(
                flat.contains(&format!("Reviewed {id}; see ticket SEC-42")),
                "{kind}: note of {id} missing"
            );
        }
        let signer = if kind == "rsa" {
            "Organisation Signer"
        } else {
            "Zoë Ångström"
        };
        assert!(
            flat.contains(&format!("Signed by {signer}")),
            "{kind}: signer missing: {flat}"
        );
        assert!(flat.contains("Ready for release 1.4.0"));

        // The embedded files check out with standard tools; the sensitive one is absent.
        let out_dir = sb.path("detached");
        std::fs::create_dir(&out_dir).expect("mkdir");
        let d = tool(
            "pdfdetach",
            &[
                "-saveall",
                "-o",
                out_dir.to_str().expect("p"),
                pdf.to_str().expect("p"),
            ],
        );
        assert!(d.status.success(), "pdfdetach: {}", text(&d));
        let sums = Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(&out_dir)
            .output()
            .expect("sha256sum");
        assert!(sums.status.success(), "sha256sum -c: {}", text(&sums));
        let names: Vec<String> = std::fs::read_dir(&out_dir)
            .expect("ls")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 6, "{names:?}");
        assert!(
            names.iter().any(|n| n.ends_with("réglages — prod (1).txt")),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .all(|n| n.len() <= 200 && !n.contains('\u{202e}')),
            "names an auditor's tools can use: {names:?}"
        );
        assert!(
            names.iter().any(|n| n.ends_with("\u{3042}.txt"))
                && names.iter().any(|n| n.ends_with("invoice-\u{fffd}gpj.exe")),
            "the long name keeps its extension, the override is shown: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n.contains("db-credentials")),
            "sensitive file embedded: {names:?}"
        );
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out_dir.join("manifest.json")).expect("manifest"),
        )
        .expect("json");
        assert_eq!(manifest["schema"], "signoff.report/1");
        assert_eq!(
            manifest["run"]["items"].as_array().expect("items").len(),
            15
        );

        // A draft of the signed run says it is only a copy.
        let copy = sb.path("copy.pdf");
        sb.ok(&["export", &run, "-o", copy.to_str().expect("p")]);
        let copy_text = text(&tool("pdftotext", &[copy.to_str().expect("p"), "-"]));
        assert!(copy_text.contains("SIGNED RUN"), "{kind}: {copy_text}");

        // The run is frozen; reopening makes revision 2 with the same results.
        let frozen = expect_failure(
            sb.run(&["run", "set", &run, &list[0].0, "--status", "fail"]),
            "change a signed run",
        );
        assert!(frozen.contains("signed and frozen"), "{frozen}");
        let reopened = sb.json(&["run", "reopen", &run]);
        assert_eq!(reopened["revision"], 2);
        assert_eq!(reopened["revisionOf"], run.parse::<i64>().expect("id"));
        assert_eq!(reopened["counts"]["pass"], 13);

        // An approver on another machine countersigns with only the PDF.
        let approver = Sandbox::new();
        let approver_cert = create_identity(&approver, "Ana Approver");
        let counter = sb.path("countersigned.pdf");
        // Issue 10: not before the approver trusts the first signer, or
        // says so explicitly.
        let refused = expect_failure(
            with_pass(
                approver.cmd(&[
                    "countersign",
                    pdf.to_str().expect("p"),
                    "-o",
                    counter.to_str().expect("p"),
                ]),
                PASS,
            ),
            "countersign an untrusted signer's report",
        );
        assert!(
            refused.contains("not among the certificates you trust")
                && refused.contains("--accept-untrusted"),
            "{refused}"
        );
        assert!(!counter.exists(), "nothing written");
        signed_ok(
            &approver,
            &[
                "trust",
                "add",
                cert.to_str().expect("p"),
                "--name",
                "First signer",
            ],
        );
        signed_ok(
            &approver,
            &[
                "countersign",
                pdf.to_str().expect("p"),
                "-o",
                counter.to_str().expect("p"),
            ],
        );
        check_with_every_validator(&counter, &[&cert, &approver_cert], 2);
        // The original is unchanged and still valid.
        check_with_every_validator(&pdf, &[&cert], 1);
    }
}

#[test]
fn a_draft_says_draft_on_every_page_carries_no_signature_and_fits_letter_paper() {
    let sb = Sandbox::new();
    let run = sb.predeploy_run();
    let draft = sb.path("draft.pdf");
    sb.ok(&[
        "export",
        &run,
        "-o",
        draft.to_str().expect("p"),
        "--paper",
        "letter",
    ]);
    let info = text(&tool("pdfinfo", &[draft.to_str().expect("p")]));
    assert!(info.contains("(letter)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count");
    for p in 1..=pages {
        let ps = p.to_string();
        let t = text(&tool(
            "pdftotext",
            &["-f", &ps, "-l", &ps, draft.to_str().expect("p"), "-"],
        ));
        assert!(t.contains("DRAFT"), "page {p} lacks DRAFT");
        assert!(
            t.contains(&format!("Page {p} of {pages}")),
            "page {p} footer: {t}"
        );
    }
    let t = text(&tool("pdftotext", &[draft.to_str().expect("p"), "-"]));
    assert!(
        t.contains("NOT READY"),
        "a pending run's draft says it is not ready"
    );
    let q = tool("qpdf", &["--check", draft.to_str().expect("p")]);
    assert!(q.status.success(), "{}", text(&q));
    let v = common::auditor()
        .args(["verify", draft.to_str().expect("p")])
        .output()
        .expect("verify");
    assert_eq!(v.status.code(), Some(1));
    assert!(
        text(&v).contains("the PDF carries no signature"),
        "{}",
        text(&v)
    );
}

#[test]
fn verify_names_what_is_wrong_with_a_tampered_or_broken_report() {
    let sb = Sandbox::new();
    let cert = create_identity(&sb, "Zoë Ångström");
    let (run, _) = ready_run(&sb);
    let pdf = sb.path("report.pdf");
    signed_ok(&sb, &["sign", &run, "-o", pdf.to_str().expect("p")]);
    let good = std::fs::read(&pdf).expect("read");
    let verify = |name: &str, bytes: &[u8]| -> String {
        let f = sb.path(name);
        std::fs::write(&f, bytes).expect("write");
        let out = common::auditor()
            .args([
                "verify",
                f.to_str().expect("p"),
                "--trust",
                cert.to_str().expect("p"),
            ])
            .output()
            .expect("verify");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} must fail cleanly: {}",
            text(&out)
        );
        text(&out)
    };
    let at = |needle: &[u8]| {
        good.windows(needle.len())
            .position(|w| w == needle)
            .expect("needle")
    };

    // A byte flipped in the signed range (inside the embedded settings file).
    let mut flipped = good.clone();
    let i = at(b"ALLOWED_HOSTS=example.org");
    flipped[i] = b'B';
    let t = verify("flipped.pdf", &flipped);
    assert!(t.contains("FAIL  integrity"), "{t}");
    assert!(
        t.contains("does not match its SHA-256"),
        "the swapped file is named: {t}"
    );

    // Content appended after the signature (a new incremental update).
    let mut appended = good.clone();
    appended.extend_from_slice(b"\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n");
    let t = verify("appended.pdf", &appended);
    assert!(t.contains("nothing but signatures after it"), "{t}");

    // Truncated.
    let t = verify("truncated.pdf", &good[..good.len() / 2]);
    assert!(
        t.contains("damaged or truncated") || t.contains("FAIL"),
        "{t}"
    );

    // Not a PDF at all.
    let t = verify("random.pdf", &[0x17u8; 4096]);
    assert!(t.contains("not a PDF"), "{t}");

    // Signed by someone else than the trusted signer.
    let other = Sandbox::new();
    let other_cert = create_identity(&other, "Mallory");
    let out = common::auditor()
        .args([
            "verify",
            pdf.to_str().expect("p"),
            "--trust",
            other_cert.to_str().expect("p"),
        ])
        .output()
        .expect("verify");
    assert_eq!(
        out.status.code(),
        Some(2),
        "intact but signed by someone not trusted: exit 2"
    );
    assert!(
        text(&out).contains("WARN  trust") && text(&out).contains("INTACT BUT NOT TRUSTED"),
        "{}",
        text(&out)
    );
}

#[test]
fn signing_refuses_bad_input_and_changes_nothing() {
    let sb = Sandbox::new();
    create_identity(&sb, "Zoë Ångström");
    let run = sb.predeploy_run();
    let pdf = sb.path("report.pdf");
    let p = pdf.to_str().expect("p");

    // An incomplete run: every blocker named, nothing written, still open.
    let out = with_pass(sb.cmd(&["sign", &run, "-o", p]), PASS);
    let t = expect_failure(out, "sign an incomplete run");
    assert!(
        t.contains("cannot be signed yet")
            && t.contains("'DEBUG=False in production' (debug-false): not checked yet"),
        "{t}"
    );
    assert!(!pdf.exists());

    let (ready, _) = ready_run(&sb);
    // Wrong passphrase.
    let t = expect_failure(
        with_pass(sb.cmd(&["sign", &ready, "-o", p]), "wrong"),
        "wrong passphrase",
    );
    assert!(t.to_lowercase().contains("passphrase"), "{t}");
    assert!(!pdf.exists());
    assert_eq!(sb.json(&["run", "show", &ready])["state"], "open");

    // Not a role.
    let t = expect_failure(
        with_pass(sb.cmd(&["sign", &ready, "-o", p, "--as", "boss"]), PASS),
        "bad role",
    );
    assert!(t.contains("not a sign-off role"), "{t}");

    // Into a folder that does not exist.
    let t = expect_failure(
        with_pass(
            sb.cmd(&["sign", &ready, "-o", "/nonexistent/dir/r.pdf"]),
            PASS,
        ),
        "bad folder",
    );
    assert!(t.contains("does not exist"), "{t}");
    assert_eq!(sb.json(&["run", "show", &ready])["state"], "open");

    // Countersigning an unsigned PDF.
    let draft = sb.path("draft.pdf");
    sb.ok(&["export", &ready, "-o", draft.to_str().expect("p")]);
    let t = expect_failure(
        with_pass(
            sb.cmd(&["countersign", draft.to_str().expect("p"), "-o", p]),
            PASS,
        ),
        "countersign a draft",
    );
    assert!(t.contains("is not signed"), "{t}");

    // A corrupt key file.
    let key = sb.data.join("identity/key.pem");
    std::fs::write(
        &key,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .expect("write");
    let t = expect_failure(
        with_pass(sb.cmd(&["sign", &ready, "-o", p]), PASS),
        "corrupt key",
    );
    assert!(t.contains("key"), "{t}");
    assert!(!pdf.exists());
    assert_eq!(sb.json(&["run", "show", &ready])["state"], "open");
}

/// OpenSSL, run at `when` (libfaketime) when given.
fn openssl_at(when: Option<&str>, args: &[&str]) {
    let mut c = match when {
        Some(w) => common::faketime(w, "openssl"),
        None => Command::new("openssl"),
    };
    let out = c.args(args).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
}

/// A P-256 signer certificate issued by `ca` (key usage as given), made at
/// `when` with `days` of validity, imported as `sb`'s identity.
fn ca_issued_identity(
    sb: &Sandbox,
    ca: &Path,
    ca_key: &Path,
    usage: &str,
    when: Option<&str>,
    days: &str,
) {
    let s = |p: &Path| p.to_str().expect("path").to_owned();
    let (key, csr, crt, ext, p12) = (
        sb.path("signer.key"),
        sb.path("signer.csr"),
        sb.path("signer.pem"),
        sb.path("signer.ext"),
        sb.path("signer.p12"),
    );
    std::fs::write(
        &ext,
        format!("basicConstraints=CA:FALSE\nkeyUsage=critical,{usage}\n"),
    )
    .expect("ext");
    openssl_at(
        None,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &s(&key),
            "-out",
            &s(&csr),
            "-subj",
            "/CN=Carol Signer/O=Example Corp",
        ],
    );
    openssl_at(
        when,
        &[
            "x509",
            "-req",
            "-in",
            &s(&csr),
            "-CA",
            &s(ca),
            "-CAkey",
            &s(ca_key),
            "-CAcreateserial",
            "-out",
            &s(&crt),
            "-days",
            days,
            "-sha256",
            "-extfile",
            &s(&ext),
        ],
    );
    openssl_at(
        None,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            &s(&key),
            "-in",
            &s(&crt),
            "-certfile",
            &s(ca),
            "-out",
            &s(&p12),
            "-passout",
            "pass:p12-secret",
        ],
    );
    let mut c = sb.cmd(&["identity", "import", &s(&p12)]);
    c.env("SIGNOFF_P12_PASSWORD", "p12-secret");
    let out = with_pass(c, PASS);
    assert!(out.status.success(), "import: {}", text(&out));
}

/// `signoff verify --json` in the auditor's own data folder: exit code and JSON.
fn audit(auditor: &Sandbox, pdf: &Path) -> (Option<i32>, serde_json::Value) {
    let out = auditor.run(&["--json", "verify", pdf.to_str().expect("p")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("verify --json: {e}: {}", text(&out)));
    (out.status.code(), v)
}

#[test]
fn issue_10_untrusted_signers_exit_2_and_a_trust_store_or_a_ca_makes_them_trusted() {
    // Zoë's genuine report, and one fabricated from scratch by Mallory with
    // a key of her own that claims to be Zoë.
    let zoe = Sandbox::new();
    let zoe_cert = create_identity(&zoe, "Zoë Ångström");
    let (run, _) = ready_run(&zoe);
    let genuine = zoe.path("genuine.pdf");
    signed_ok(&zoe, &["sign", &run, "-o", genuine.to_str().expect("p")]);
    let mallory = Sandbox::new();
    create_identity(&mallory, "Zoë Ångström");
    let (run, _) = ready_run(&mallory);
    let forged = mallory.path("fabricated.pdf");
    signed_ok(&mallory, &["sign", &run, "-o", forged.to_str().expect("p")]);

    let auditor = Sandbox::new();
    // Nothing trusted yet: intact, but not valid for a script that tests $?.
    for pdf in [&genuine, &forged] {
        let (code, v) = audit(&auditor, pdf);
        assert_eq!(code, Some(2), "{v}");
        assert_eq!(
            (v["ok"].as_bool(), v["intact"].as_bool()),
            (Some(false), Some(true)),
            "{v}"
        );
        assert_eq!(v["verdict"], "untrusted");
        assert_eq!(v["signatures"]["signatures"][0]["trust"], "unchecked");
    }
    // The auditor trusts Zoë's certificate (compared with her beforehand).
    auditor.ok(&[
        "trust",
        "add",
        zoe_cert.to_str().expect("p"),
        "--name",
        "Zoë (release manager)",
    ]);
    let listed = auditor.json(&["trust", "list"]);
    assert_eq!(listed[0]["name"], "Zoë (release manager)", "{listed}");
    let (code, v) = audit(&auditor, &genuine);
    assert_eq!((code, v["ok"].as_bool()), (Some(0), Some(true)), "{v}");
    assert_eq!(v["signatures"]["signatures"][0]["trust"], "trusted");
    let (code, v) = audit(&auditor, &forged);
    assert_eq!(code, Some(2), "Mallory's key is not Zoë's: {v}");
    assert_eq!(v["signatures"]["signatures"][0]["trust"], "untrusted");
    let text_out = auditor.run(&["verify", forged.to_str().expect("p")]);
    assert!(
        text(&text_out).contains("WARN  trust")
            && text(&text_out).contains("INTACT BUT NOT TRUSTED"),
        "{}",
        text(&text_out)
    );
    // Removed by name (or fingerprint): untrusted again.
    let fp = listed[0]["fingerprintSha256"]
        .as_str()
        .expect("fp")
        .replace(':', "");
    auditor.ok(&["trust", "remove", &fp[..12]]);
    assert_eq!(audit(&auditor, &genuine).0, Some(2));
    let err = auditor.fails(&["trust", "remove", "nobody"]);
    assert!(
        err.contains("no trusted certificate matches 'nobody'"),
        "{err}"
    );

    // An organisation's CA: trusting it trusts the signers it issued, after
    // checking the chain, the validity at signing time and the key usage.
    let org = Sandbox::new();
    let (ca, ca_key) = (org.path("ca.pem"), org.path("ca.key"));
    let s = |p: &Path| p.to_str().expect("path").to_owned();
    openssl_at(
        None,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &s(&ca_key),
            "-out",
            &s(&ca),
            "-days",
            "3650",
            "-sha256",
            "-subj",
            "/CN=Example Root CA/O=Example Corp",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    auditor.ok(&["trust", "add", &s(&ca), "--name", "Example Corp CA"]);
    let cases = [
        (
            "digitalSignature,nonRepudiation",
            None,
            "365",
            Some(0),
            "issued by the CA you trust",
        ),
        (
            "keyEncipherment",
            None,
            "365",
            Some(2),
            "key usage allows neither",
        ),
        (
            "digitalSignature",
            Some("2024-03-01 12:00:00"),
            "30",
            Some(2),
            "not valid at the signing time",
        ),
    ];
    for (usage, made_at, days, want, says) in cases {
        let carol = Sandbox::new();
        ca_issued_identity(&carol, &ca, &ca_key, usage, made_at, days);
        let (run, _) = ready_run(&carol);
        let pdf = carol.path("carol.pdf");
        signed_ok(&carol, &["sign", &run, "-o", pdf.to_str().expect("p")]);
        let (code, v) = audit(&auditor, &pdf);
        let detail = v["signatures"]["signatures"][0]["trustDetail"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(code, want, "{usage} {made_at:?}: {v}");
        assert!(detail.contains(says), "{usage} {made_at:?}: {detail}");
        if want == Some(0) {
            // pyHanko agrees when given the same CA.
            let py = pyhanko_valid(&pdf, &[&ca]);
            assert!(py.contains("judged VALID"), "{py}");
        }
    }
}
