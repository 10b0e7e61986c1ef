//! Every picture Signoff decodes goes through here: the report's inline
//! pictures ([`dimensions_of_file`] while laying out, [`decode_file`] while
//! writing) and the app's evidence thumbnails ([`thumbnail`]). One set of
//! limits, checked from the header before a pixel is allocated:
//!
//! - at most [`MAX_SIDE`] pixels wide and high (8,192);
//! - at most [`MAX_DECODED_BYTES`] of decoded pixels (128 MiB, at the
//!   picture's own depth: an 8K screenshot, 7,680 × 4,320 RGBA, is 126.6
//!   MiB); the same figure bounds what the decoders allocate for themselves
//!   (`image::Limits::max_alloc`);
//! - at most [`MAX_FILE_BYTES`] of encoded input (64 MiB), since the JPEG
//!   decoder reads its whole input first.
//!
//! PNG, JPEG, GIF and WebP only (the first frame of an animation). A
//! picture outside the limits is never decoded: the report prints "picture
//! too large to render" where it would have been (the file itself is still
//! embedded with its SHA-256), the app shows a placeholder. It deliberately
//! does not scale while decoding (no format here supports it well), so the
//! limits are what bound memory: two workers of the report writer hold at
//! most two decoded pictures.
//!
//! Decoding costs time in proportion to the pixels a header announces,
//! whatever the file's size: a 386-byte progressive JPEG announcing
//! 8,192 × 4,100 pixels is filled in by the lenient decoder (a cut JPEG
//! still shows its top rows) at the same cost as a whole picture of that
//! size. [`PictureLimits`] lets a caller ask for less: the picture fuzz
//! target decodes through [`decode_within`] under a smaller budget, since
//! in its instrumented build a whole picture at the default limits takes
//! longer than libFuzzer's one second per input (see the target's docs).

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Widest and tallest picture decoded, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// Most bytes the decoded pixels of one picture may take, and most bytes a
/// decoder may allocate besides them.
pub const MAX_DECODED_BYTES: u64 = 128 << 20;
/// Largest encoded picture read.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// The limits a picture is decoded under. Signoff decodes everything
/// under [`PictureLimits::DEFAULT`]; smaller ones are for callers that
/// must bound time as well as memory (the fuzz target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureLimits {
    /// Widest and tallest picture decoded, in pixels.
    pub max_side: u32,
    /// Most bytes the decoded pixels may take, and most bytes a decoder
    /// may allocate besides them.
    pub max_decoded_bytes: u64,
}

impl PictureLimits {
    /// [`MAX_SIDE`] and [`MAX_DECODED_BYTES`].
    pub const DEFAULT: PictureLimits = PictureLimits {
        max_side: MAX_SIDE,
        max_decoded_bytes: MAX_DECODED_BYTES,
    };
}

/// A decoded picture, within the limits.
#[derive(Debug, Clone)]
pub struct Picture {
    image: DynamicImage,
}

/// Why a picture is not shown.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// Over the side or decoded-bytes limit, as its header says.
    #[error("picture too large to render ({})", too_large(.width, .height, .decoded_bytes, .limits))]
    TooLarge {
        width: u32,
        height: u32,
        /// The decoded size its header announces.
        decoded_bytes: u64,
        /// The limits it is over.
        limits: PictureLimits,
    },
    /// Over [`MAX_FILE_BYTES`] before decoding.
    #[error("picture file too large to render ({} MiB > {} MiB)", mib(.0), MAX_FILE_BYTES >> 20)]
    FileTooLarge(u64),
    #[error("not a PNG, JPEG, GIF or WebP picture")]
    Unsupported,
    /// Damaged, truncated, or a header the data does not match.
    #[error("the picture could not be decoded ({0})")]
    Unreadable(String),
}

impl PictureError {
    /// A stable code for front ends.
    pub fn code(&self) -> signoff_codes::ErrorCode {
        match self {
            PictureError::TooLarge { .. } | PictureError::FileTooLarge(_) => {
                signoff_codes::ErrorCode::PictureTooLarge
            }
            PictureError::Unsupported => signoff_codes::ErrorCode::PictureUnsupported,
            PictureError::Unreadable(_) => signoff_codes::ErrorCode::PictureUnreadable,
        }
    }
}

fn mib(bytes: &u64) -> u64 {
    bytes >> 20
}

fn too_large(width: &u32, height: &u32, decoded: &u64, limits: &PictureLimits) -> String {
    let (width, height, decoded) = (*width, *height, *decoded);
    let max_side = limits.max_side;
    if width > max_side || height > max_side {
        format!("{width}\u{d7}{height} px > {max_side} px per side")
    } else {
        format!(
            "{width}\u{d7}{height} px, {} MiB decoded > {} MiB",
            decoded.div_ceil(1 << 20),
            limits.max_decoded_bytes >> 20
        )
    }
}

/// The limits handed to the `image` decoders.
fn image_limits(within: &PictureLimits) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(within.max_side);
    limits.max_image_height = Some(within.max_side);
    limits.max_alloc = Some(within.max_decoded_bytes);
    limits
}

fn unreadable(e: impl std::fmt::Display) -> PictureError {
    // Decoder messages can quote the input; keep them short.
    let text: String = e.to_string().chars().take(200).collect();
    PictureError::Unreadable(text)
}

impl Picture {
    pub fn width(&self) -> u32 {
        self.image.width()
    }

    pub fn height(&self) -> u32 {
        self.image.height()
    }

    /// The picture scaled down (area-averaged) to fit `max_w` × `max_h`,
    /// keeping its proportions; never scaled up.
    pub fn fit(self, max_w: u32, max_h: u32) -> Picture {
        if self.width() <= max_w && self.height() <= max_h {
            return self;
        }
        Picture {
            image: self.image.thumbnail(max_w.max(1), max_h.max(1)),
        }
    }

    /// The pixels as 8-bit RGBA.
    pub fn to_rgba8(&self) -> image::RgbaImage {
        self.image.to_rgba8()
    }

    /// Encodes the picture as PNG (8 bits per channel).
    pub fn to_png(&self) -> Result<Vec<u8>, PictureError> {
        let image = if self.image.color().has_alpha() {
            DynamicImage::ImageRgba8(self.image.to_rgba8())
        } else {
            DynamicImage::ImageRgb8(self.image.to_rgb8())
        };
        let mut out = Cursor::new(Vec::new());
        image
            .write_to(&mut out, ImageFormat::Png)
            .map_err(unreadable)?;
        Ok(out.into_inner())
    }
}

/// Decodes a picture held in memory, within the default limits.
pub fn decode(bytes: &[u8]) -> Result<Picture, PictureError> {
    decode_within(bytes, &PictureLimits::DEFAULT)
}

/// Decodes a picture held in memory, within `limits`.
pub fn decode_within(bytes: &[u8], limits: &PictureLimits) -> Result<Picture, PictureError> {
    decode_from_within(Cursor::new(bytes), limits)
}

/// Decodes a picture from a reader positioned at its first byte, within
/// the default limits.
pub fn decode_from<R: BufRead + Seek>(reader: R) -> Result<Picture, PictureError> {
    decode_from_within(reader, &PictureLimits::DEFAULT)
}

/// The one decoding function: every other entry point ends here or in
/// [`dimensions_from`].
fn decode_from_within<R: BufRead + Seek>(
    reader: R,
    limits: &PictureLimits,
) -> Result<Picture, PictureError> {
    // A decoder that panics on a damaged file (png 0.18.1 did, on a short
    // palette) makes that picture unreadable, not the report or the app's
    // thumbnail thread: nothing of the decoder outlives the call. (Under
    // libFuzzer a panic still aborts: its hook runs before the unwinding.)
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let decoder = open(reader, limits)?;
        DynamicImage::from_decoder(decoder).map_err(|e| match e {
            image::ImageError::Limits(_) => unreadable("it needs more memory than its size says"),
            other => unreadable(other),
        })
    }));
    match decoded {
        Ok(image) => Ok(Picture { image: image? }),
        Err(_) => Err(unreadable("the decoder failed on its damaged data")),
    }
}

/// The size of a picture, from its header only, if it is within the
/// limits (so a picture this accepts is one [`decode_from`] will try).
pub fn dimensions_from<R: BufRead + Seek>(reader: R) -> Result<(u32, u32), PictureError> {
    Ok(open(reader, &PictureLimits::DEFAULT)?.dimensions())
}

/// [`decode_from`] on a file.
pub fn decode_file(path: &Path) -> Result<Picture, PictureError> {
    decode_from(BufReader::new(File::open(path).map_err(unreadable)?))
}

/// [`dimensions_from`] on a file.
pub fn dimensions_of_file(path: &Path) -> Result<(u32, u32), PictureError> {
    dimensions_from(BufReader::new(File::open(path).map_err(unreadable)?))
}

/// A small PNG of the picture for the app's evidence list: at most
/// `max_side` pixels on its longer side, made here so the webview never
/// decodes the original.
pub fn thumbnail(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, PictureError> {
    decode(bytes)?.fit(max_side, max_side).to_png()
}

/// Reads the header and checks every limit; the decoder it returns has
/// the `image` limits set as well.
fn open<'a, R: BufRead + Seek + 'a>(
    mut reader: R,
    within: &PictureLimits,
) -> Result<impl ImageDecoder + 'a, PictureError> {
    let start = reader.stream_position().map_err(unreadable)?;
    let end = reader.seek(SeekFrom::End(0)).map_err(unreadable)?;
    let len = end.saturating_sub(start);
    if len > MAX_FILE_BYTES {
        return Err(PictureError::FileTooLarge(len));
    }
    check_png_chunks(&mut reader, start)?;
    // First the header alone, with no dimension limit, to name the size of
    // a picture that is too large; only the allocation limit applies.
    reader.seek(SeekFrom::Start(start)).map_err(unreadable)?;
    let (width, height, decoded_bytes) = {
        let mut header_limits = Limits::no_limits();
        header_limits.max_alloc = Some(within.max_decoded_bytes);
        let mut probe = ImageReader::new(&mut reader)
            .with_guessed_format()
            .map_err(unreadable)?;
        supported(probe.format())?;
        probe.limits(header_limits);
        let decoder = probe.into_decoder().map_err(unreadable)?;
        let (w, h) = decoder.dimensions();
        (w, h, decoder.total_bytes())
    };
    if width > within.max_side
        || height > within.max_side
        || decoded_bytes > within.max_decoded_bytes
    {
        return Err(PictureError::TooLarge {
            width,
            height,
            decoded_bytes,
            limits: *within,
        });
    }
    if width == 0 || height == 0 {
        return Err(unreadable("it has no pixels"));
    }
    reader.seek(SeekFrom::Start(start)).map_err(unreadable)?;
    let mut image = ImageReader::new(reader)
        .with_guessed_format()
        .map_err(unreadable)?;
    supported(image.format())?;
    image.limits(image_limits(within));
    image.into_decoder().map_err(unreadable)
}

/// The most chunks read before a PNG's pixel data.
const MAX_PNG_CHUNKS: usize = 4096;

/// Checks what the `png` crate trusts in a PNG's chunks before its pixel
/// data: a palette (`PLTE`) must hold 1 to 256 whole RGB entries. png
/// 0.18.1 panics on a 4-byte one (the picture fuzz target's second
/// finding, `tests/fixtures/png-palette-of-4-bytes.png`). Not a PNG, or
/// cut short: left to the decoders, which say so.
fn check_png_chunks<R: Read + Seek>(reader: &mut R, start: u64) -> Result<(), PictureError> {
    reader.seek(SeekFrom::Start(start)).map_err(unreadable)?;
    let mut signature = [0u8; 8];
    if reader.read_exact(&mut signature).is_err() || &signature != b"\x89PNG\r\n\x1a\n" {
        return Ok(());
    }
    for _ in 0..MAX_PNG_CHUNKS {
        let mut head = [0u8; 8];
        if reader.read_exact(&mut head).is_err() {
            return Ok(());
        }
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        match &head[4..] {
            b"IDAT" | b"IEND" => return Ok(()),
            b"PLTE" if len == 0 || len % 3 != 0 || len > 3 * 256 => {
                return Err(unreadable(format!(
                    "its palette (PLTE) is {len} bytes, not 1 to 256 colours of 3 bytes"
                )));
            }
            _ => {}
        }
        // The chunk's data and its CRC.
        reader
            .seek(SeekFrom::Current(i64::from(len) + 4))
            .map_err(unreadable)?;
    }
    Ok(())
}

fn supported(format: Option<ImageFormat>) -> Result<(), PictureError> {
    match format {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) => Ok(()),
        _ => Err(PictureError::Unsupported),
    }
}
