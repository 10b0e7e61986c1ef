//! What the fuzz targets found, kept as regression tests of the targets
//! themselves (the crate that had a bug keeps its own test beside the
//! fixture).

use signoff_report::picture::PictureError;

/// The picture target's first finding: a 386-byte cut progressive JPEG
/// whose frame header announces 8,192 × 4,100 grey pixels (33.6 MB), which
/// took 1.2 s in the instrumented build. The target's budget
/// (`PICTURE_LIMITS`) refuses it from its header, before a pixel is
/// decoded; under the default limits it decodes
/// (`crates/signoff-report/tests/picture.rs`).
#[test]
fn the_picture_target_refuses_its_first_finding_from_the_header() {
    let finding =
        include_bytes!("../../crates/signoff-report/tests/fixtures/jpeg-8192x4100-cut.jpg");
    match signoff_fuzz::picture(finding) {
        Err(PictureError::TooLarge {
            width,
            height,
            decoded_bytes,
            limits,
        }) => {
            assert_eq!((width, height), (8192, 4100));
            assert_eq!(decoded_bytes, 8192 * 4100);
            assert_eq!(limits, signoff_fuzz::PICTURE_LIMITS);
        }
        other => panic!("expected the budget to refuse it, got {other:?}"),
    }
    // The seeds still decode within the budget: the target still reaches
    // the decoders and the thumbnail.
    let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/picture");
    let mut decoded = 0;
    for entry in std::fs::read_dir(seeds).expect("seeds") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("seed");
        if signoff_fuzz::picture(&bytes).is_ok() {
            decoded += 1;
        }
    }
    assert!(
        decoded >= 4,
        "only {decoded} seed pictures decode within the budget"
    );
}

/// The picture target's second finding: a PNG whose palette is 4 bytes,
/// on which png 0.18.1 panics. Refused before the decoder sees it.
#[test]
fn the_picture_target_refuses_a_png_with_a_short_palette() {
    let finding =
        include_bytes!("../../crates/signoff-report/tests/fixtures/png-palette-of-4-bytes.png");
    assert!(matches!(
        signoff_fuzz::picture(finding),
        Err(PictureError::Unreadable(_))
    ));
}
