//! A small page-layout engine over printpdf's operations: a cursor that
//! flows down the page, word wrapping measured with the embedded fonts'
//! advance widths, boxes, bars and page breaks. printpdf has no table or
//! flow helper, so the report computes its own grid here.
//!
//! Coordinates: callers think top-down (`y` grows down the page, in points
//! from the top edge); PDF is bottom-up, converted in one place (`pdf_y`).

use std::collections::HashMap;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, TextMatrix, WindingOrder,
};

const SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../fonts/DejaVuSansMono.ttf");

/// Paper sizes the report is laid out for (`"a4"`, `"letter"` in IPC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

impl std::str::FromStr for Paper {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" => Ok(Paper::Letter),
            other => Err(format!("unknown paper size '{other}' (use a4 or letter)")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Face {
    Sans,
    Bold,
    Mono,
}

/// A colour as 0..=255 RGB.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgb8(pub u8, pub u8, pub u8);

impl Rgb8 {
    fn color(self) -> Color {
        Color::Rgb(Rgb {
            r: f32::from(self.0) / 255.0,
            g: f32::from(self.1) / 255.0,
            b: f32::from(self.2) / 255.0,
            icc_profile: None,
        })
    }
}

pub const INK: Rgb8 = Rgb8(0x1f, 0x23, 0x28);
pub const MUTED: Rgb8 = Rgb8(0x57, 0x60, 0x6a);
pub const RULE: Rgb8 = Rgb8(0xd0, 0xd7, 0xde);
pub const PANEL: Rgb8 = Rgb8(0xf6, 0xf8, 0xfa);
pub const PASS: Rgb8 = Rgb8(0x1a, 0x7f, 0x37);
pub const FAIL: Rgb8 = Rgb8(0xcf, 0x22, 0x2e);
pub const WAIVED: Rgb8 = Rgb8(0x9a, 0x67, 0x00);
pub const NA: Rgb8 = Rgb8(0x6e, 0x77, 0x81);
pub const PENDING: Rgb8 = Rgb8(0x8c, 0x95, 0x9f);
pub const ACCENT: Rgb8 = Rgb8(0x09, 0x69, 0xda);

struct FontInfo {
    id: FontId,
    parsed: ParsedFont,
    units: f32,
    widths: HashMap<char, f32>,
}

/// Where an image goes: filled in by the assembler, which streams the
/// picture itself (printpdf would hold every decoded image in memory).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSlot {
    pub page: usize,
    /// Lower-left corner and size, in PDF points (bottom-up).
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    /// Index into the caller's image list.
    pub image: usize,
}

pub struct Layout {
    doc: PdfDocument,
    fonts: HashMap<Face, FontInfo>,
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    /// Space reserved at the top for the running header and at the bottom
    /// for the footer.
    pub top: f32,
    pub bottom: f32,
    pages: Vec<Vec<Op>>,
    /// The page being drawn on.
    current: usize,
    /// The cursor, in points from the top edge.
    pub y: f32,
    pub slots: Vec<ImageSlot>,
}

impl std::fmt::Debug for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layout")
            .field("pages", &self.pages.len())
            .finish()
    }
}

impl Layout {
    pub fn new(title: &str, paper: Paper) -> Layout {
        let mut doc = PdfDocument::new(title);
        let mut fonts = HashMap::new();
        for (face, bytes) in [
            (Face::Sans, SANS),
            (Face::Bold, SANS_BOLD),
            (Face::Mono, MONO),
        ] {
            // The fonts are compiled in and known good.
            #[allow(clippy::expect_used)]
            let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
                .expect("the bundled DejaVu fonts parse");
            let id = doc.add_font(&parsed);
            let units = f32::from(parsed.font_metrics.units_per_em.max(1));
            fonts.insert(
                face,
                FontInfo {
                    id,
                    parsed,
                    units,
                    widths: HashMap::new(),
                },
            );
        }
        let (width, height) = paper.size();
        let mut layout = Layout {
            doc,
            fonts,
            width,
            height,
            margin: 50.0,
            top: 64.0,
            bottom: 56.0,
            pages: Vec::new(),
            current: 0,
            y: 0.0,
            slots: Vec::new(),
        };
        layout.new_page();
        layout
    }

    pub fn content_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = self.top;
    }

    /// Starts a new page unless `needed` points fit below the cursor.
    pub fn ensure(&mut self, needed: f32) {
        if self.y + needed > self.height - self.bottom && self.y > self.top + 1.0 {
            self.new_page();
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.current >= self.pages.len() {
            self.pages.resize_with(self.current + 1, Vec::new);
        }
        &mut self.pages[self.current]
    }

    fn pdf_y(&self, y: f32) -> f32 {
        self.height - y
    }

    /// The glyph the font can draw for `c`: itself, or `?` when the font has
    /// no glyph (DejaVu covers Latin, Greek, Cyrillic and symbols, not CJK).
    fn drawable(&self, face: Face, c: char) -> char {
        let f = &self.fonts[&face];
        if c == ' ' || f.parsed.lookup_glyph_index(c as u32).is_some() {
            c
        } else {
            '?'
        }
    }

    /// Advance width of `s` at `size` points.
    pub fn measure(&mut self, face: Face, size: f32, s: &str) -> f32 {
        let Some(f) = self.fonts.get_mut(&face) else {
            return 0.0;
        };
        let mut total = 0.0;
        for c in s.chars() {
            let w = *f.widths.entry(c).or_insert_with(|| {
                let gid = f
                    .parsed
                    .lookup_glyph_index(c as u32)
                    .or_else(|| f.parsed.lookup_glyph_index('?' as u32))
                    .unwrap_or(0);
                f32::from(f.parsed.get_horizontal_advance(gid)) / f.units
            });
            total += w;
        }
        total * size
    }

    /// Splits `text` into lines no wider than `width`; honours line breaks;
    /// breaks words longer than a line (hashes, URLs) anywhere.
    pub fn wrap(&mut self, face: Face, size: f32, width: f32, text: &str) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let para = para.trim_end_matches('\r');
            let mut line = String::new();
            for word in para.split(' ') {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.measure(face, size, &candidate) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: break it if it is still too wide.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.measure(face, size, &piece) > width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }

    /// Draws one line of text with its baseline at `y` (top-down).
    pub fn text_at(&mut self, x: f32, y: f32, face: Face, size: f32, color: Rgb8, text: &str) {
        let text: String = text
            .chars()
            .filter(|c| !c.is_control())
            // A bidi override or another invisible format character would
            // misrepresent the text around it; show that one was there.
            .map(|c| {
                if signoff_core::evidence::is_format_control(c) {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .map(|c| self.drawable(face, c))
            .collect();
        if text.is_empty() {
            return;
        }
        let font = self.fonts[&face].id.clone();
        let pos = Point {
            x: Pt(x),
            y: Pt(self.pdf_y(y)),
        };
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetFillColor { col: color.color() },
            Op::SetTextCursor { pos },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
        ]);
    }

    /// Draws text rotated by `degrees` around its start (for the DRAFT mark).
    #[allow(clippy::too_many_arguments)]
    pub fn rotated_text(
        &mut self,
        page: usize,
        x: f32,
        y: f32,
        size: f32,
        color: Rgb8,
        degrees: f32,
        text: &str,
    ) {
        let font = self.fonts[&Face::Bold].id.clone();
        let ops = [
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetFillColor { col: color.color() },
            Op::SetTextMatrix {
                matrix: TextMatrix::TranslateRotate(Pt(x), Pt(self.height - y), degrees),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ];
        if let Some(p) = self.pages.get_mut(page) {
            // Behind everything else on the page.
            p.splice(0..0, ops);
        }
    }

    /// Wrapped paragraph at `x` within `width`, advancing the cursor and
    /// breaking pages between lines. Returns the number of lines.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(
        &mut self,
        x: f32,
        width: f32,
        face: Face,
        size: f32,
        color: Rgb8,
        text: &str,
    ) -> usize {
        let leading = size * 1.35;
        let lines = self.wrap(face, size, width, text);
        for line in &lines {
            self.ensure(leading);
            self.y += leading;
            self.text_at(x, self.y - leading * 0.25, face, size, color, line);
        }
        lines.len()
    }

    /// A label in muted small type followed by a wrapped value, on one row
    /// (label column `label_w` wide).
    pub fn field(&mut self, x: f32, label_w: f32, label: &str, face: Face, value: &str) {
        let size = 9.5;
        let leading = size * 1.35;
        let width = self.content_width() - (x - self.margin) - label_w;
        let lines = self.wrap(face, size, width, value);
        self.ensure(leading);
        let first_y = self.y + leading;
        self.text_at(x, first_y - leading * 0.25, Face::Sans, 8.5, MUTED, label);
        for line in &lines {
            self.ensure(leading);
            self.y += leading;
            self.text_at(x + label_w, self.y - leading * 0.25, face, size, INK, line);
        }
    }

    pub fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// The corners of a rectangle whose top edge is at `y` (top-down).
    fn corners(&self, x: f32, y: f32, w: f32, h: f32) -> Vec<LinePoint> {
        let y0 = self.pdf_y(y + h);
        [(x, y0), (x + w, y0), (x + w, y0 + h), (x, y0 + h)]
            .into_iter()
            .map(|(px, py)| LinePoint {
                p: Point {
                    x: Pt(px),
                    y: Pt(py),
                },
                bezier: false,
            })
            .collect()
    }

    /// A filled rectangle; `y` is its top edge (top-down).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb8) {
        let ring = PolygonRing {
            points: self.corners(x, y, w, h),
        };
        self.ops().extend([
            Op::SetFillColor { col: color.color() },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![ring],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    /// A rectangle outline; `y` is its top edge (top-down).
    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb8, thickness: f32) {
        let points = self.corners(x, y, w, h);
        self.ops().extend([
            Op::SetOutlineColor { col: color.color() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points,
                    is_closed: true,
                },
            },
        ]);
    }

    /// A horizontal rule at `y` (top-down) across `w` points from `x`.
    pub fn hline(&mut self, x: f32, y: f32, w: f32, color: Rgb8, thickness: f32) {
        let py = self.pdf_y(y);
        let points = [(x, py), (x + w, py)]
            .into_iter()
            .map(|(px, py)| LinePoint {
                p: Point {
                    x: Pt(px),
                    y: Pt(py),
                },
                bezier: false,
            })
            .collect();
        self.ops().extend([
            Op::SetOutlineColor { col: color.color() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points,
                    is_closed: false,
                },
            },
        ]);
    }

    /// A full-width coloured banner with a bold label and a line of detail.
    pub fn banner(&mut self, label: &str, detail: &str, color: Rgb8) {
        let (x, w) = (self.margin, self.content_width());
        let top = self.y;
        self.fill_rect(x, top, w, 46.0, color);
        let white = Rgb8(255, 255, 255);
        self.text_at(x + 12.0, top + 20.0, Face::Bold, 13.0, white, label);
        self.text_at(x + 12.0, top + 37.0, Face::Sans, 9.5, white, detail);
        self.y = top + 46.0;
    }

    /// Reserves a box for an image at the cursor (scaled to fit `max_w` x
    /// `max_h`, aspect kept) and advances past it.
    pub fn image_box(
        &mut self,
        x: f32,
        px_w: u32,
        px_h: u32,
        max_w: f32,
        max_h: f32,
        image: usize,
    ) {
        let (pw, ph) = (px_w.max(1) as f32, px_h.max(1) as f32);
        let scale = (max_w / pw).min(max_h / ph).min(1.0);
        let (w, h) = (pw * scale, ph * scale);
        self.ensure(h + 6.0);
        let top = self.y + 3.0;
        self.stroke_rect(x - 0.5, top - 0.5, w + 1.0, h + 1.0, RULE, 0.5);
        self.slots.push(ImageSlot {
            page: self.pages.len() - 1,
            x,
            y: self.height - top - h,
            width: w,
            height: h,
            image,
        });
        self.y = top + h + 3.0;
    }

    /// Header and footer on every page, now that the page count is known,
    /// then printpdf's bytes (fonts subset) and where the images go.
    pub fn finish(
        mut self,
        header_left: &str,
        header_right: &str,
        draft: bool,
    ) -> (Vec<u8>, Vec<ImageSlot>) {
        let total = self.pages.len();
        for page in 0..total {
            self.current = page;
            let hy = 34.0;
            self.text_at(self.margin, hy, Face::Sans, 8.0, MUTED, header_left);
            let rw = self.measure(Face::Sans, 8.0, header_right);
            let right_x = self.width - self.margin - rw;
            self.text_at(right_x, hy, Face::Sans, 8.0, MUTED, header_right);
            let w = self.content_width();
            let margin = self.margin;
            self.hline(margin, hy + 6.0, w, RULE, 0.5);
            let fy = self.height - 30.0;
            self.hline(margin, fy - 12.0, w, RULE, 0.5);
            let footer = format!("Page {} of {}", page + 1, total);
            let fw = self.measure(Face::Sans, 8.0, &footer);
            self.text_at(
                self.width - self.margin - fw,
                fy,
                Face::Sans,
                8.0,
                MUTED,
                &footer,
            );
            if draft {
                self.text_at(
                    self.margin,
                    fy,
                    Face::Bold,
                    8.0,
                    FAIL,
                    "DRAFT \u{2014} not signed, for review only",
                );
            } else {
                self.text_at(
                    self.margin,
                    fy,
                    Face::Sans,
                    8.0,
                    MUTED,
                    "Digitally signed (PAdES). Verify before relying on it: see the last appendix.",
                );
            }
            if draft {
                let (cx, cy) = (self.width * 0.22, self.height * 0.68);
                self.rotated_text(page, cx, cy, 110.0, Rgb8(0xf3, 0xd6, 0xd8), 45.0, "DRAFT");
            }
        }
        let (w, h) = (self.width, self.height);
        let pages: Vec<PdfPage> = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|ops| PdfPage::new(Mm::from(Pt(w)), Mm::from(Pt(h)), ops))
            .collect();
        let opts = printpdf::PdfSaveOptions {
            optimize: true,
            subset_fonts: true,
            secure: true,
            image_optimization: None,
        };
        let bytes = self.doc.with_pages(pages).save(&opts, &mut Vec::new());
        (bytes, self.slots)
    }
}
