//! Fuzz targets: what each one feeds its bytes to, and the allocation
//! limit every target runs under. The binaries in `src/bin/` are one line
//! each over these functions; `cargo xtask fuzz` builds them with libFuzzer
//! coverage instrumentation and runs them (see ARCHITECTURE.md, "Fuzzing").
//!
//! A target passes when the code under test returns, `Ok` or `Err`, for
//! every input: a panic, an abort, a single allocation over
//! [`alloc_limit::LIMIT`] or a run over libFuzzer's `-timeout` is a finding.
//! A crash found becomes a regression test in the crate that had the bug,
//! with the input as a fixture under that crate's `tests/`.

mod alloc_limit;

pub use alloc_limit::LIMIT;

/// The Markdown importer, as `signoff template import x.md` and the app's
/// import preview call it: parse, validate, then hash the result as the
/// store does before saving it.
pub fn markdown(data: &[u8]) {
    template(data, "fuzz.md");
}

/// The TOML importer, the same way.
pub fn toml(data: &[u8]) {
    template(data, "fuzz.toml");
}

fn template(data: &[u8], name: &str) {
    if let Ok(t) = signoff_core::template::Template::from_file_bytes(data, name) {
        std::hint::black_box(t.content_hash());
    }
}

/// The PDF verifier behind `signoff verify` and the app's Verify screen:
/// every signature, the revisions after them, and the report's content,
/// trusting no certificate.
pub fn verify(data: &[u8]) {
    let _ = std::hint::black_box(signoff_report::check::check_report(data, &[]));
}

/// The picture decoder behind the report's pictures and the app's
/// thumbnails: decode under its limits, then scale and encode the
/// thumbnail the webview would receive.
pub fn picture(data: &[u8]) {
    if let Ok(p) = signoff_report::picture::decode(data) {
        std::hint::black_box(p.fit(224, 224).to_png().ok());
    }
}
