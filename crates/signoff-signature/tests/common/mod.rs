//! Helpers shared by this crate's tests: the OpenSSL CLI as an independent
//! maker and reader of keys, certificates and PKCS#12 files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl CLI")
}

/// A self-signed key and certificate ("rsa" or "ec") exported by OpenSSL as
/// a PKCS#12 file protected by the password `p12-secret`.
pub fn make_p12(dir: &Path, kind: &str) -> PathBuf {
    let key = dir.join(format!("{kind}.key"));
    let cert = dir.join(format!("{kind}.crt"));
    let p12 = dir.join(format!("{kind}.p12"));
    let k = key.to_str().expect("p");
    let keygen = match kind {
        "rsa" => openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            k,
        ]),
        _ => openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            k,
        ]),
    };
    assert!(
        keygen.status.success(),
        "{}",
        String::from_utf8_lossy(&keygen.stderr)
    );
    let req = openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        k,
        "-out",
        cert.to_str().expect("p"),
        "-days",
        "365",
        "-subj",
        "/CN=Org Signer/O=Example Org/emailAddress=signer@example.org",
    ]);
    assert!(
        req.status.success(),
        "{}",
        String::from_utf8_lossy(&req.stderr)
    );
    let export = openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        k,
        "-in",
        cert.to_str().expect("p"),
        "-out",
        p12.to_str().expect("p"),
        "-passout",
        "pass:p12-secret",
    ]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    p12
}
