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

use signoff_report::picture::{PictureError, PictureLimits};

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

/// The picture target's budget: the default side limit, but at most
/// 1 MiB of decoded pixels (a million grey or 262,144 RGBA pixels, such
/// as 512 × 512) instead of 128 MiB.
///
/// Decoding costs time in proportion to the pixels a header announces,
/// and small files can announce many: a 386-byte cut JPEG of 8,192 × 4,100
/// grey pixels, the target's first finding (now
/// `crates/signoff-report/tests/fixtures/jpeg-8192x4100-cut.jpg`), took
/// 1.2-1.6 s here, and so do whole pictures at the default limits: in this
/// instrumented build (coverage counters, debug assertions, overflow
/// checks) a 131 KB baseline JPEG of the same size took 1.07 s, a 197 KB
/// progressive one 1.99 s, a 143 KB PNG of 8,192 × 4,096 RGBA 1.55 s, and
/// a 12-megapixel photo 0.95 s, against libFuzzer's one second per input.
/// Fuzzing looks for crashes, bombs and work that grows faster than the
/// input; time linear in the pixels is known, so, as image-rs's own fuzz
/// targets do (1 MiB), the target spends its second on more inputs rather
/// than on bigger ones. The code path is the production one
/// (`picture::decode_within`, the same header checks and decoders).
pub const PICTURE_LIMITS: PictureLimits = PictureLimits {
    max_side: signoff_report::picture::MAX_SIDE,
    max_decoded_bytes: 1 << 20,
};

/// The picture decoder behind the report's pictures and the app's
/// thumbnails: decode under [`PICTURE_LIMITS`], then scale and encode the
/// thumbnail the webview would receive.
pub fn picture(data: &[u8]) -> Result<(), PictureError> {
    let picture = signoff_report::picture::decode_within(data, &PICTURE_LIMITS)?;
    std::hint::black_box(picture.fit(224, 224).to_png()?);
    Ok(())
}
