//! Identities on real files, checked against the OpenSSL CLI as an
//! independent reader of the key, the certificate and PKCS#12 files.

mod common;

use std::os::unix::fs::PermissionsExt;

use chrono::{TimeZone, Utc};
use common::{make_p12, openssl};
use signoff_signature::{IdentityError, IdentityStore, KeyAlgorithm, NewIdentity, Passphrase};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .single()
        .expect("time")
}

fn zoe() -> NewIdentity {
    NewIdentity {
        name: "Zoë Ångström".into(),
        email: "zoe@example.org".into(),
        role: "Release manager".into(),
        organisation: "Example Ltd".into(),
    }
}

#[test]
fn a_created_identity_is_encrypted_at_rest_and_readable_by_openssl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = IdentityStore::new(&dir.path().join("identity"));
    let info = store
        .create(&zoe(), &Passphrase::new("correct horse battery"), now())
        .expect("create");
    assert_eq!(
        (
            info.name.as_str(),
            info.email.as_str(),
            info.organisation.as_str()
        ),
        ("Zoë Ångström", "zoe@example.org", "Example Ltd")
    );
    assert_eq!(info.algorithm, KeyAlgorithm::EcdsaP256);
    assert!(info.self_signed);
    assert_eq!(store.show().expect("show"), Some(info.clone()));

    let key = store.dir().join("key.pem");
    let pem = std::fs::read_to_string(&key).expect("key");
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "never in clear: {pem}"
    );
    let mode = std::fs::metadata(&key).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the key file is private");
    let dir_mode = std::fs::metadata(store.dir())
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);

    let k = key.to_str().expect("path");
    assert!(
        openssl(&[
            "pkey",
            "-in",
            k,
            "-passin",
            "pass:correct horse battery",
            "-noout"
        ])
        .status
        .success(),
        "OpenSSL decrypts it"
    );
    assert!(
        !openssl(&["pkey", "-in", k, "-passin", "pass:wrong one!", "-noout"])
            .status
            .success()
    );

    let cert = store.dir().join("cert.pem");
    let out = openssl(&[
        "x509",
        "-in",
        cert.to_str().expect("p"),
        "-noout",
        "-fingerprint",
        "-sha256",
        "-subject",
        "-ext",
        "keyUsage,subjectAltName",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&info.fingerprint_sha256),
        "fingerprint agrees with OpenSSL: {text}"
    );
    assert!(
        text.contains("Digital Signature") && text.contains("Non Repudiation"),
        "{text}"
    );
    assert!(text.contains("email:zoe@example.org"), "{text}");

    let signer = store
        .unlock(&Passphrase::new("correct horse battery"))
        .expect("unlock");
    assert_eq!(signer.chain.len(), 1);
}

#[test]
fn wrong_weak_corrupt_and_duplicate_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = IdentityStore::new(&dir.path().join("identity"));
    assert!(matches!(
        store.unlock(&Passphrase::new("whatever1")),
        Err(IdentityError::Missing)
    ));
    let weak = store
        .create(&zoe(), &Passphrase::new("short"), now())
        .expect_err("weak");
    assert!(weak.to_string().contains("at least 8 characters"), "{weak}");
    assert!(store.show().expect("show").is_none(), "nothing written");

    store
        .create(&zoe(), &Passphrase::new("correct horse battery"), now())
        .expect("create");
    let again = store
        .create(&zoe(), &Passphrase::new("correct horse battery"), now())
        .expect_err("exists");
    assert_eq!(again.code(), "identity_exists");

    let wrong = store
        .unlock(&Passphrase::new("not the passphrase"))
        .expect_err("wrong");
    assert_eq!(wrong.to_string(), "the passphrase is wrong");

    let key = store.dir().join("key.pem");
    let mut pem = std::fs::read_to_string(&key).expect("read");
    pem.replace_range(80..90, "AAAAAAAAAA");
    std::fs::write(&key, &pem).expect("write");
    let err = store
        .unlock(&Passphrase::new("correct horse battery"))
        .expect_err("corrupt");
    assert!(
        matches!(
            err,
            IdentityError::CorruptKey { .. } | IdentityError::WrongPassphrase
        ),
        "{err}"
    );
    std::fs::write(&key, "garbage").expect("write");
    let err = store
        .unlock(&Passphrase::new("correct horse battery"))
        .expect_err("garbage");
    assert_eq!(err.code(), "key_corrupt", "{err}");

    let bad = NewIdentity {
        email: "not-an-email".into(),
        ..zoe()
    };
    let other = IdentityStore::new(&dir.path().join("other"));
    assert!(
        other
            .create(&bad, &Passphrase::new("correct horse battery"), now())
            .expect_err("email")
            .to_string()
            .contains("not an email address")
    );
}

#[test]
fn organisation_issued_p12_files_import_rsa_and_ec() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (kind, alg) in [("rsa", KeyAlgorithm::Rsa), ("ec", KeyAlgorithm::EcdsaP256)] {
        let p12 = make_p12(dir.path(), kind);
        let bytes = std::fs::read(&p12).expect("read");
        let store = IdentityStore::new(&dir.path().join(format!("id-{kind}")));
        let err = store
            .import_p12(
                "org.p12",
                &bytes,
                "wrong",
                &Passphrase::new("local passphrase"),
                "Approver",
                now(),
            )
            .expect_err("wrong p12 password");
        assert_eq!(
            err.to_string(),
            "org.p12: wrong password for this PKCS#12 file"
        );
        let info = store
            .import_p12(
                "org.p12",
                &bytes,
                "p12-secret",
                &Passphrase::new("local passphrase"),
                "Approver",
                now(),
            )
            .expect("import");
        assert_eq!(info.algorithm, alg);
        assert_eq!(
            (
                info.name.as_str(),
                info.organisation.as_str(),
                info.email.as_str()
            ),
            ("Org Signer", "Example Org", "signer@example.org")
        );
        assert_eq!(info.source, "imported");
        let pem = std::fs::read_to_string(store.dir().join("key.pem")).expect("key");
        assert!(
            pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            "re-encrypted, never in clear"
        );
        store
            .unlock(&Passphrase::new("local passphrase"))
            .expect("unlock");
    }
    let junk = IdentityStore::new(&dir.path().join("junk"));
    let err = junk
        .import_p12(
            "junk.p12",
            b"not a pkcs12 file",
            "x",
            &Passphrase::new("local passphrase"),
            "",
            now(),
        )
        .expect_err("junk");
    assert_eq!(err.code(), "bad_p12", "{err}");
}

/// Issue 11: only the length was checked, and `password` was accepted for
/// a signing key. Now zxcvbn's estimate must reach 3 of 4 when a
/// passphrase is set; unlocking is unchanged.
#[test]
fn weak_passphrases_are_refused_with_feedback_and_strong_ones_accepted() {
    use signoff_signature::{MIN_PASSPHRASE_SCORE, passphrase_strength};
    let zoe_words = [
        "Zoë Ångström",
        "zoe@example.org",
        "Release manager",
        "Exämple AG",
    ];
    // (passphrase, acceptable, a word of the feedback)
    let cases: &[(&str, bool, &str)] = &[
        ("password", false, "top-10 common password"),
        ("Password1", false, "very common password"),
        ("12345678", false, "top-10 common password"),
        ("qwertyuiop", false, "common password"),
        ("aaaaaaaaaaaa", false, "Repeats"),
        ("abcdefgh", false, "Sequences"),
        ("short", false, "at least 8 characters"),
        ("Zoë Ångström", false, "Add another word"),
        ("zoe@example.org", false, "Add another word"),
        ("correcthorse", false, "Add another word"),
        ("vellum-orchard-stapled-47-quietly", true, ""),
        ("correct horse battery staple", true, ""),
    ];
    for (pass, acceptable, says) in cases {
        let s = passphrase_strength(pass, &zoe_words);
        assert_eq!(s.acceptable, *acceptable, "{pass}: {s:?}");
        assert_eq!(
            s.acceptable,
            s.score >= MIN_PASSPHRASE_SCORE && pass.chars().count() >= 8,
            "{pass}"
        );
        if *acceptable {
            assert!(
                s.warning.is_none() && s.suggestions.is_empty(),
                "{pass}: {s:?}"
            );
        } else {
            assert!(s.feedback().contains(says), "{pass}: {}", s.feedback());
        }
    }
    let password = passphrase_strength("password", &[]);
    assert_eq!(password.score, 0);
    assert_eq!(
        password.warning.as_deref(),
        Some("This is a top-10 common password.")
    );

    // The store refuses it with that feedback and writes nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = IdentityStore::new(&dir.path().join("identity"));
    let weak = store
        .create(&zoe(), &Passphrase::new("password"), now())
        .expect_err("password");
    assert_eq!(weak.code(), "weak_passphrase");
    assert_eq!(
        weak.to_string(),
        "the passphrase is too weak (strength 0 of 4, 3 needed): This is a top-10 common \
         password. Add another word or two. Uncommon words are better."
    );
    assert!(store.show().expect("show").is_none(), "nothing written");
    assert!(!dir.path().join("identity/key.pem").exists());
    // The signer's own name is a weak passphrase for them.
    let own = store
        .create(&zoe(), &Passphrase::new(zoe().name), now())
        .expect_err("own name");
    assert_eq!(own.code(), "weak_passphrase", "{own}");

    store
        .create(
            &zoe(),
            &Passphrase::new("vellum-orchard-stapled-47-quietly"),
            now(),
        )
        .expect("a strong passphrase");
    // Unlocking checks only that the passphrase is the key's.
    assert_eq!(
        store
            .unlock(&Passphrase::new("password"))
            .expect_err("wrong")
            .code(),
        "wrong_passphrase"
    );
    store
        .unlock(&Passphrase::new("vellum-orchard-stapled-47-quietly"))
        .expect("unlock");
}
