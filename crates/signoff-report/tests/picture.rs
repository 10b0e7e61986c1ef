//! The picture limits (issue 11): bombs, truncated pictures and lying
//! headers are refused without decoding, normal pictures still render, and
//! a draft report with four 12,300 x 12,300 PNG bombs stays small in
//! memory, says why they are not drawn, and still embeds them.
//!
//! Peak memory is read from `VmHWM` in `/proc/self/status`: nextest runs
//! each test in its own process, and under `cargo test` the other tests of
//! this file stay far below the bound too, so it holds either way. A
//! decoded bomb alone is 454 MB.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use signoff_core::evidence::EvidenceOptions;
use signoff_core::{Actor, FixedClock, Workspace};
use signoff_report::Paper;
use signoff_report::picture::{self, MAX_SIDE, PictureError};

/// The most memory any test here may have used, in bytes.
const PEAK_BOUND: u64 = 256 << 20;

/// A PNG of `width` x `height` pixels, all zero, made without holding its
/// pixels: one compressed run of rows, repeated. Every byte is zero, so a
/// run's back-references read zeros wherever it is repeated; each run ends
/// on a sync flush (byte-aligned), then come an empty final block and the
/// Adler-32 of all zeros (a = 1, b = n). `color` is the PNG colour type
/// (2 = RGB, 6 = RGBA). A 12,300 x 12,300 RGB one is ~440 KB and 454 MB
/// decoded. `tag` makes otherwise equal bombs differ.
fn bomb_png(width: u32, height: u32, color: u8, tag: &str) -> Vec<u8> {
    let channels = if color == 6 { 4 } else { 3 };
    let row = vec![0u8; 1 + channels * width as usize];
    let rows_per_run: u32 = 100;
    let compressed = |rows: u32, zlib: bool| -> Vec<u8> {
        let data = row.repeat(rows as usize);
        if zlib {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&data).expect("deflate");
            z.flush().expect("sync flush");
            z.get_ref().clone()
        } else {
            let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&data).expect("deflate");
            z.flush().expect("sync flush");
            z.get_ref().clone()
        }
    };
    // The zlib header (2 bytes), then the run of blocks.
    let first = compressed(rows_per_run.min(height), true);
    let (header, run) = first.split_at(2);
    let mut zdata = header.to_vec();
    for _ in 0..height / rows_per_run {
        zdata.extend_from_slice(run);
    }
    if !height.is_multiple_of(rows_per_run) {
        zdata.extend_from_slice(&compressed(height % rows_per_run, false));
    }
    zdata.extend_from_slice(&[0x03, 0x00]);
    let n = u64::from(height) * row.len() as u64;
    let adler = (((n % 65521) as u32) << 16) | 1;
    zdata.extend_from_slice(&adler.to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, color, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    for part in zdata.chunks(1 << 16) {
        chunk(&mut png, b"IDAT", part);
    }
    chunk(&mut png, b"tEXt", format!("Comment\0{tag}").as_bytes());
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A real picture: a gradient, encoded by the `image` crate.
fn normal(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let img = if format == ImageFormat::WebP {
        DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(img).to_rgba8())
    } else {
        DynamicImage::ImageRgb8(img)
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// Peak resident memory of this process so far.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("kB");
    kb * 1024
}

fn too_large(r: Result<impl std::fmt::Debug, PictureError>) -> (u32, u32, String) {
    match r {
        Err(e @ PictureError::TooLarge { width, height, .. }) => (width, height, e.to_string()),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn a_picture_bomb_is_refused_from_its_header_without_decoding() {
    let bomb = bomb_png(12_300, 12_300, 2, "a");
    assert!(
        bomb.len() < 500_000,
        "the bomb is small on disk: {} bytes",
        bomb.len()
    );
    let (w, h, message) = too_large(picture::decode(&bomb));
    assert_eq!((w, h), (12_300, 12_300));
    assert_eq!(
        message,
        "picture too large to render (12300\u{d7}12300 px > 8192 px per side)"
    );
    too_large(picture::dimensions_from(Cursor::new(&bomb)));
    too_large(picture::thumbnail(&bomb, 224));
    let e = picture::decode(&bomb).expect_err("bomb");
    assert_eq!(e.code(), "picture_too_large");
    assert!(
        peak_rss() < PEAK_BOUND,
        "peak RSS {} MiB: the bomb was decoded",
        peak_rss() >> 20
    );
}

#[test]
fn a_picture_within_the_sides_but_over_the_byte_limit_is_refused() {
    // 8,000 x 8,000 RGBA: each side fits, 244 MiB of pixels do not.
    let bomb = bomb_png(8_000, 8_000, 6, "b");
    let (w, h, message) = too_large(picture::decode(&bomb));
    assert_eq!((w, h), (8_000, 8_000));
    assert!(
        message.contains("8000\u{d7}8000 px, 245 MiB decoded > 128 MiB"),
        "{message}"
    );
    // Just over a side, and just within: the limit is MAX_SIDE itself.
    too_large(picture::dimensions_from(Cursor::new(bomb_png(
        MAX_SIDE + 1,
        1,
        2,
        "c",
    ))));
    let edge = bomb_png(MAX_SIDE, 2, 2, "d");
    let p = picture::decode(&edge).expect("8,192 px wide is within the limit");
    assert_eq!((p.width(), p.height()), (MAX_SIDE, 2));
    assert!(peak_rss() < PEAK_BOUND, "peak RSS {} MiB", peak_rss() >> 20);
}

#[test]
fn a_truncated_picture_is_unreadable_and_never_panics() {
    for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif] {
        let whole = normal(300, 200, format);
        for cut in [8, 20, 40, whole.len() / 2, whole.len() - 1] {
            let result = picture::decode(&whole[..cut]);
            // Without its last byte (the trailer's) a picture is whole, and
            // a cut JPEG or GIF can still decode (the decoder fills the
            // missing rows): what matters is no panic and no bomb.
            if let Ok(p) = &result {
                assert!(
                    cut == whole.len() - 1 || format != ImageFormat::Png,
                    "{format:?} cut at {cut} decoded"
                );
                assert_eq!((p.width(), p.height()), (300, 200));
                continue;
            }
            let e = result.expect_err("cut");
            assert!(
                matches!(e, PictureError::Unreadable(_) | PictureError::Unsupported),
                "{format:?} cut at {cut}: {e:?}"
            );
            let message = e.to_string();
            assert!(message.len() < 300, "a short message: {message}");
        }
    }
    // The PNG cut in its pixel data is named as such.
    let png = normal(300, 200, ImageFormat::Png);
    let e = picture::decode(&png[..png.len() / 2]).expect_err("half a PNG");
    assert_eq!(e.code(), "picture_unreadable", "{e}");
}

#[test]
fn a_picture_with_a_lying_header_is_refused() {
    // A PNG whose header says 4,000 x 3,000 but whose data holds 10 rows.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&4000u32.to_be_bytes());
    ihdr.extend_from_slice(&3000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&vec![0u8; 10 * (1 + 3 * 4000)]).expect("z");
    chunk(&mut png, b"IDAT", &z.finish().expect("z"));
    chunk(&mut png, b"IEND", &[]);
    let e = picture::decode(&png).expect_err("10 rows of 3,000");
    assert_eq!(e.code(), "picture_unreadable", "{e}");

    // A JPEG whose frame header is rewritten to 60,000 x 60,000.
    let mut jpeg = normal(64, 48, ImageFormat::Jpeg);
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xff, 0xc0])
        .expect("SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    let (w, h, _) = too_large(picture::decode(&jpeg));
    assert_eq!((w, h), (60_000, 60_000));

    // A GIF whose screen is 65,535 x 65,535.
    let mut gif = normal(16, 16, ImageFormat::Gif);
    gif[6..8].copy_from_slice(&u16::MAX.to_le_bytes());
    gif[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
    let e = picture::decode(&gif).expect_err("a huge screen");
    assert!(
        matches!(
            e,
            PictureError::TooLarge { .. } | PictureError::Unreadable(_)
        ),
        "{e:?}"
    );

    // Not a picture at all, or a format we do not decode.
    for other in [
        b"%PDF-1.7\n".as_slice(),
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        b"",
        b"BM\x00\x00",
    ] {
        let e = picture::decode(other).expect_err("not a picture");
        assert!(
            matches!(e, PictureError::Unsupported | PictureError::Unreadable(_)),
            "{e:?}"
        );
    }
    assert!(peak_rss() < PEAK_BOUND, "peak RSS {} MiB", peak_rss() >> 20);
}

#[test]
fn a_file_over_the_size_limit_is_not_read() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("huge.png");
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(&normal(4, 4, ImageFormat::Png)).expect("write");
    // Sparse: 65 MiB on paper, nothing read.
    f.set_len(picture::MAX_FILE_BYTES + (1 << 20))
        .expect("set_len");
    let e = picture::dimensions_of_file(&path).expect_err("too big a file");
    assert_eq!(e.code(), "picture_too_large");
    assert_eq!(
        e.to_string(),
        "picture file too large to render (65 MiB > 64 MiB)"
    );
}

#[test]
fn a_normal_picture_decodes_and_thumbnails_small() {
    for format in [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::Gif,
        ImageFormat::WebP,
    ] {
        let bytes = normal(400, 300, format);
        let p = picture::decode(&bytes).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!((p.width(), p.height()), (400, 300), "{format:?}");
        let thumb = picture::thumbnail(&bytes, 224).expect("thumbnail");
        let t = image::load_from_memory_with_format(&thumb, ImageFormat::Png)
            .expect("the thumbnail is a PNG");
        assert_eq!((t.width(), t.height()), (224, 168), "{format:?}");
    }
    // Smaller than the thumbnail: kept as it is, never scaled up.
    let one = normal(1, 1, ImageFormat::Png);
    let t = image::load_from_memory(&picture::thumbnail(&one, 224).expect("1 px")).expect("png");
    assert_eq!((t.width(), t.height()), (1, 1));
    // Transparency survives.
    let rgba = RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 0]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(rgba)
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode");
    let t = image::load_from_memory(&picture::thumbnail(out.get_ref(), 224).expect("rgba"))
        .expect("png");
    assert!(t.color().has_alpha());
}

fn workspace(dir: &Path) -> Workspace {
    let clock = FixedClock(
        Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0)
            .single()
            .expect("time"),
    );
    Workspace::open(dir, Box::new(clock)).expect("open workspace")
}

fn tool(cmd: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (poppler-utils is in `cargo xtask deps`)"));
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Issue 11: four 431 KB PNGs of 12,300 x 12,300 pixels made a draft
/// export peak at 886 MB RSS. Now they are noted, not drawn, and embedded
/// whole; a normal picture next to them is still drawn.
#[test]
fn a_draft_with_four_picture_bombs_stays_small_and_embeds_them() {
    let tmp = tempfile::tempdir().expect("dir");
    let mut ws = workspace(&tmp.path().join("data"));
    let actor = Actor::new("Alice").expect("actor");
    let run = ws
        .new_run(&actor, "predeploy", "v1.4.0", "production")
        .expect("run")
        .id;
    let item = ws.show_run(run).expect("run").items[0].id.clone();
    let mut files: Vec<PathBuf> = (1..=4)
        .map(|i| {
            let p = tmp.path().join(format!("bomb{i}.png"));
            std::fs::write(&p, bomb_png(12_300, 12_300, 2, &format!("bomb {i}"))).expect("w");
            p
        })
        .collect();
    let fine = tmp.path().join("screenshot.png");
    std::fs::write(&fine, normal(640, 400, ImageFormat::Png)).expect("w");
    files.push(fine);
    ws.add_evidence_files(
        &actor,
        run,
        &item,
        &files,
        &EvidenceOptions::default(),
        &mut |_| {},
    )
    .expect("attach");

    let pdf = tmp.path().join("draft.pdf");
    let written =
        signoff_report::export_draft(&ws, run, Paper::A4, &pdf, &mut |_, _| {}).expect("export");
    assert_eq!(written.images, 1, "only the normal picture is drawn");
    assert_eq!(
        written.embedded_files,
        5 + 2,
        "every file, the manifest, the sums"
    );
    assert!(
        peak_rss() < PEAK_BOUND,
        "peak RSS {} MiB (886 MB before the limits)",
        peak_rss() >> 20
    );

    let text = tool("pdftotext", &[pdf.as_os_str(), "-".as_ref()]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let note =
        "picture too large to render (12300\u{d7}12300 px > 8192 px per side); embedded as a file";
    assert_eq!(
        flat.matches(note).count(),
        4,
        "each bomb says why it is not drawn:\n{text}"
    );

    let out = tmp.path().join("detached");
    std::fs::create_dir(&out).expect("dir");
    tool(
        "pdfdetach",
        &[
            "-saveall".as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
            pdf.as_os_str(),
        ],
    );
    for (i, f) in files.iter().enumerate() {
        let want = std::fs::read(f).expect("read");
        let found = std::fs::read_dir(&out)
            .expect("list")
            .flatten()
            .any(|e| std::fs::read(e.path()).is_ok_and(|b| b == want));
        assert!(found, "file {} is embedded whole", i + 1);
    }
}

/// The picture fuzz target's first finding (issue 11): a 386-byte cut
/// progressive JPEG announcing 8,192 × 4,100 grey pixels. Within the
/// default limits it is a picture like any other of its size: the lenient
/// JPEG decoder fills in the missing blocks (as for any cut JPEG), in the
/// time and memory of a whole picture of that size (33.6 MB of pixels), and
/// its thumbnail is small. A smaller budget refuses it from its header.
#[test]
fn a_cut_jpeg_announcing_many_pixels_decodes_within_the_limits_or_is_refused_by_a_budget() {
    let finding = include_bytes!("fixtures/jpeg-8192x4100-cut.jpg");
    let p = picture::decode(finding).expect("within the default limits");
    assert_eq!((p.width(), p.height()), (8192, 4100));
    let thumb = p.fit(224, 224);
    assert_eq!((thumb.width(), thumb.height()), (224, 112));
    let budget = picture::PictureLimits {
        max_side: MAX_SIDE,
        max_decoded_bytes: 4 << 20,
    };
    let (w, h, message) = too_large(picture::decode_within(finding, &budget));
    assert_eq!((w, h), (8192, 4100));
    assert!(message.contains("33 MiB decoded > 4 MiB"), "{message}");
    assert!(peak_rss() < PEAK_BOUND, "peak RSS {} MiB", peak_rss() >> 20);
}

/// The picture fuzz target's second finding (issue 11): a PNG whose
/// palette chunk is 4 bytes long. png 0.18.1 panics on it ("range end
/// index 3 out of range for slice of length 1"); we refuse it from its
/// chunks, naming the palette, before the decoder sees it.
#[test]
fn a_png_with_a_palette_of_4_bytes_is_unreadable_not_a_panic() {
    let finding = include_bytes!("fixtures/png-palette-of-4-bytes.png");
    let e = picture::decode(finding).expect_err("a short palette");
    assert_eq!(e.code(), "picture_unreadable", "{e}");
    assert!(e.to_string().contains("palette (PLTE) is 4 bytes"), "{e}");
    assert!(matches!(
        picture::thumbnail(finding, 224),
        Err(PictureError::Unreadable(_))
    ));
}
