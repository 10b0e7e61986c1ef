//! The streaming writer: one pass over the output, one chunk of evidence in
//! memory at a time.
//!
//! The file is a single revision written by hand: the objects of the
//! printpdf pages (re-read with lopdf 0.47, which also rewrites printpdf's
//! lopdf-0.44 output as one clean revision), the pictures, the embedded
//! files, the catalog with its `/EmbeddedFiles` name tree and `/AF`, the
//! signature field, and last the `/Type /Sig` dictionary. Every byte goes
//! through a SHA-256 on a second thread as it is written, except the
//! `/Contents` placeholder; what follows `/Contents` (the rest of the
//! dictionary, the cross-reference table and the trailer) is known in
//! advance, so it is hashed before the signature is made and written after
//! it. The result is the shape `sign_pdf` gives (proven against pyHanko and
//! poppler), without ever holding the file.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, Writer};
use sha2::{Digest, Sha256};
use signoff_signature::Signer;
use signoff_signature::pdf::{CONTENTS_BYTES, cms_signature, text_string};

use crate::layout::ImageSlot;

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("could not write the report: {0}")]
    Write(#[source] std::io::Error),
    #[error("evidence file {name} could not be read from the vault: {source}")]
    Evidence {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "evidence file {name} in the vault no longer matches its SHA-256 (expected {expected}, found {found})"
    )]
    Tampered {
        name: String,
        expected: String,
        found: String,
    },
    #[error("the report pages could not be prepared: {0}")]
    Layout(String),
    #[error("signing failed: {0}")]
    Sign(String),
}

type Result<T, E = AssembleError> = std::result::Result<T, E>;

pub(crate) enum Source {
    File(PathBuf),
    Bytes(Vec<u8>),
}

pub(crate) struct Attachment {
    pub name: String,
    pub description: String,
    pub media_type: String,
    pub sha256: String,
    pub size: u64,
    pub source: Source,
}

impl Attachment {
    pub fn bytes(name: &str, description: &str, media_type: &str, bytes: Vec<u8>) -> Attachment {
        Attachment {
            name: name.to_owned(),
            description: description.to_owned(),
            media_type: media_type.to_owned(),
            sha256: signoff_core::template::hex(&Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            source: Source::Bytes(bytes),
        }
    }
}

pub(crate) struct DocInfo {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub report_id: String,
    pub created: String,
}

pub(crate) struct Stats {
    pub pages: usize,
    pub bytes: u64,
    pub signed: bool,
}

/// Everything written goes through here: counts offsets, and feeds a
/// SHA-256 running on another thread (so hashing the report overlaps with
/// reading and checking the evidence on these 2-core machines).
struct Out<'a> {
    w: &'a mut dyn Write,
    pos: u64,
    buf: Vec<u8>,
    tx: Option<mpsc::SyncSender<Vec<u8>>>,
    hasher: Option<thread::JoinHandle<Sha256>>,
}

const CHUNK: usize = 1 << 20;

impl<'a> Out<'a> {
    fn new(w: &'a mut dyn Write) -> Out<'a> {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(4);
        let hasher = thread::spawn(move || {
            let mut h = Sha256::new();
            for chunk in rx {
                h.update(&chunk);
            }
            h
        });
        Out {
            w,
            pos: 0,
            buf: Vec::with_capacity(CHUNK),
            tx: Some(tx),
            hasher: Some(hasher),
        }
    }

    /// Writes and hashes.
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.w.write_all(bytes).map_err(AssembleError::Write)?;
        self.pos += bytes.len() as u64;
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.flush_hash();
        }
        Ok(())
    }

    fn flush_hash(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        if let Some(tx) = &self.tx {
            // The hashing thread only stops when the sender is dropped.
            let _ = tx.send(chunk);
        }
    }

    /// Writes without hashing (the signature's hex and what was hashed ahead).
    fn put_unhashed(&mut self, bytes: &[u8]) -> Result<()> {
        self.w.write_all(bytes).map_err(AssembleError::Write)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Hashes without writing (what will be written after the signature).
    fn hash_ahead(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn digest(&mut self) -> Result<Vec<u8>> {
        self.flush_hash();
        self.tx = None;
        let h = self
            .hasher
            .take()
            .ok_or_else(|| AssembleError::Sign("digest taken twice".into()))?
            .join()
            .map_err(|_| AssembleError::Sign("the hashing thread failed".into()))?;
        Ok(h.finalize().to_vec())
    }
}

fn obj_text(object: &Object) -> Vec<u8> {
    let mut v = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = Writer::write_object(&mut v, object);
    v
}

fn name(s: &str) -> Object {
    Object::Name(s.as_bytes().to_vec())
}

/// A PDF name for a MIME type (`/application#2Fjson`, written by lopdf).
fn mime(s: &str) -> Object {
    name(s)
}

/// Pictures are drawn at most this many pixels per point (about 150 dpi).
const PIXELS_PER_POINT: f32 = 150.0 / 72.0;

#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble(
    visual: &[u8],
    slots: &[ImageSlot],
    images: &[PathBuf],
    files: &[Attachment],
    info: &DocInfo,
    sign: Option<(&Signer, String)>,
    progress: &mut dyn FnMut(u64, u64),
    w: &mut dyn Write,
) -> Result<Stats> {
    let mut doc = Document::load_mem(visual).map_err(|e| AssembleError::Layout(e.to_string()))?;
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| AssembleError::Layout(format!("no catalog: {e}")))?;
    let mut next = doc.max_id + 1;
    let mut alloc = || {
        let id = (next, 0);
        next += 1;
        id
    };

    // Pictures: an XObject per slot, drawn by an extra content stream.
    let mut image_objects: Vec<(ObjectId, usize, u32, u32)> = Vec::new();
    let mut per_page: BTreeMap<usize, Vec<(String, ObjectId, &ImageSlot)>> = BTreeMap::new();
    for (n, slot) in slots.iter().enumerate() {
        let id = alloc();
        let max_w = (slot.width * PIXELS_PER_POINT).ceil() as u32;
        let max_h = (slot.height * PIXELS_PER_POINT).ceil() as u32;
        image_objects.push((id, slot.image, max_w.max(1), max_h.max(1)));
        per_page
            .entry(slot.page)
            .or_default()
            .push((format!("SoImg{n}"), id, slot));
    }
    for (page_index, list) in &per_page {
        let Some(&page_id) = pages.get(*page_index) else {
            continue;
        };
        let mut ops = String::new();
        let mut names = Dictionary::new();
        for (nm, id, s) in list {
            ops.push_str(&format!(
                "q {:.2} 0 0 {:.2} {:.2} {:.2} cm /{nm} Do Q\n",
                s.width, s.height, s.x, s.y
            ));
            names.set(nm.as_bytes().to_vec(), Object::Reference(*id));
        }
        let content_id = alloc();
        doc.objects.insert(
            content_id,
            Object::Stream(Stream::new(Dictionary::new(), ops.into_bytes())),
        );
        let resources = resolved_dict(&doc, page_id, b"Resources");
        let mut resources = resources.unwrap_or_default();
        let mut xobjects = match resources.get(b"XObject") {
            Ok(Object::Dictionary(d)) => d.clone(),
            Ok(Object::Reference(r)) => doc.get_dictionary(*r).cloned().unwrap_or_default(),
            _ => Dictionary::new(),
        };
        for (k, v) in names.iter() {
            xobjects.set(k.clone(), v.clone());
        }
        resources.set("XObject", Object::Dictionary(xobjects));
        let page = page_dict(&mut doc, page_id)?;
        page.set("Resources", Object::Dictionary(resources));
        let contents = match page.get(b"Contents") {
            Ok(Object::Array(a)) => a.clone(),
            Ok(other) => vec![other.clone()],
            Err(_) => Vec::new(),
        };
        let mut contents = contents;
        contents.push(Object::Reference(content_id));
        page.set("Contents", Object::Array(contents));
    }

    // Embedded files: one stream per distinct content, one file
    // specification per name.
    let mut stream_of: HashMap<&str, ObjectId> = HashMap::new();
    let mut streams: Vec<(ObjectId, &Attachment)> = Vec::new();
    let mut specs: Vec<(String, ObjectId)> = Vec::new();
    for f in files {
        let ef = *stream_of.entry(f.sha256.as_str()).or_insert_with(|| {
            let id = alloc();
            streams.push((id, f));
            id
        });
        let mut ef_dict = Dictionary::new();
        ef_dict.set("F", Object::Reference(ef));
        ef_dict.set("UF", Object::Reference(ef));
        let mut spec = Dictionary::new();
        spec.set("Type", name("Filespec"));
        spec.set("F", text_string(&f.name));
        spec.set("UF", text_string(&f.name));
        spec.set("Desc", text_string(&f.description));
        spec.set(
            "AFRelationship",
            name(if f.name.ends_with(".json") || f.name == crate::SUMS_NAME {
                "Data"
            } else {
                "Supplement"
            }),
        );
        spec.set("EF", Object::Dictionary(ef_dict));
        let id = alloc();
        doc.objects.insert(id, Object::Dictionary(spec));
        specs.push((f.name.clone(), id));
    }
    // A name tree's keys are sorted by their bytes.
    specs.sort_by_key(|a| text_key(&a.0));
    let mut names_array = Vec::new();
    for (n, id) in &specs {
        names_array.push(text_string(n));
        names_array.push(Object::Reference(*id));
    }

    // The signature field and its (invisible) widget on the first page.
    let sig_id = alloc();
    let signing = sign.is_some();
    let mut widget_id = None;
    if signing {
        let first = *pages
            .first()
            .ok_or_else(|| AssembleError::Layout("the report has no page".into()))?;
        let id = alloc();
        let mut widget = Dictionary::new();
        widget.set("Type", name("Annot"));
        widget.set("Subtype", name("Widget"));
        widget.set("FT", name("Sig"));
        widget.set("T", Object::string_literal("Signature1"));
        widget.set("V", Object::Reference(sig_id));
        widget.set("F", Object::Integer(132));
        widget.set("P", Object::Reference(first));
        widget.set(
            "Rect",
            Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
        );
        doc.objects.insert(id, Object::Dictionary(widget));
        let annots = match resolved(&doc, first, b"Annots") {
            Some(Object::Array(a)) => a,
            _ => Vec::new(),
        };
        let mut annots = annots;
        annots.push(Object::Reference(id));
        page_dict(&mut doc, first)?.set("Annots", Object::Array(annots));
        widget_id = Some(id);
    }

    {
        let catalog = doc
            .get_object_mut(catalog_id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| AssembleError::Layout(e.to_string()))?;
        let mut ef = Dictionary::new();
        ef.set("Names", Object::Array(names_array));
        let mut names = Dictionary::new();
        names.set("EmbeddedFiles", Object::Dictionary(ef));
        catalog.set("Names", Object::Dictionary(names));
        catalog.set(
            "AF",
            Object::Array(specs.iter().map(|(_, id)| Object::Reference(*id)).collect()),
        );
        catalog.set("PageMode", name("UseAttachments"));
        if let Some(widget) = widget_id {
            let mut form = Dictionary::new();
            form.set("Fields", Object::Array(vec![Object::Reference(widget)]));
            form.set("SigFlags", Object::Integer(3));
            catalog.set("AcroForm", Object::Dictionary(form));
        }
    }

    // The document information dictionary, replaced with ours.
    let info_id = alloc();
    let mut info_dict = Dictionary::new();
    info_dict.set("Title", text_string(&info.title));
    info_dict.set("Author", text_string(&info.author));
    info_dict.set("Subject", text_string(&info.subject));
    info_dict.set("Creator", text_string("Signoff"));
    info_dict.set("Producer", text_string("Signoff (printpdf, lopdf)"));
    info_dict.set(
        "CreationDate",
        Object::string_literal(pdf_date(&info.created)),
    );
    doc.objects.insert(info_id, Object::Dictionary(info_dict));
    let doc_id = Sha256::digest(info.report_id.as_bytes())[..16].to_vec();

    // --- write ---
    let mut out = Out::new(w);
    let mut offsets: BTreeMap<u32, u64> = BTreeMap::new();
    out.put(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
    let objects = std::mem::take(&mut doc.objects);
    for (id, mut object) in objects {
        if let Object::Stream(s) = &mut object {
            let len = s.content.len() as i64;
            s.dict.set("Length", Object::Integer(len));
        }
        offsets.insert(id.0, out.pos);
        out.put(format!("{} {} obj\n", id.0, id.1).as_bytes())?;
        out.put(&obj_text(&object))?;
        out.put(b"\nendobj\n")?;
    }
    write_images(&mut out, &mut offsets, &image_objects, images)?;
    let total: u64 = streams.iter().map(|(_, f)| f.size).sum();
    let mut done = 0u64;
    for (id, f) in &streams {
        offsets.insert(id.0, out.pos);
        write_embedded(&mut out, *id, f, &mut |n| {
            done += n;
            progress(done, total);
        })?;
    }

    let size = next;
    let root = catalog_id;
    let trailer_dict = || {
        let mut t = Dictionary::new();
        t.set("Size", Object::Integer(i64::from(size)));
        t.set("Root", Object::Reference(root));
        t.set("Info", Object::Reference(info_id));
        t.set(
            "ID",
            Object::Array(vec![
                Object::String(doc_id.clone(), StringFormat::Hexadecimal),
                Object::String(doc_id.clone(), StringFormat::Hexadecimal),
            ]),
        );
        t
    };

    let Some((signer, reason)) = sign else {
        let xref_at = out.pos;
        let tail = xref_and_trailer(&offsets, size, &trailer_dict(), xref_at);
        out.put(&tail)?;
        out.flush_hash();
        out.w.flush().map_err(AssembleError::Write)?;
        return Ok(Stats {
            pages: pages.len(),
            bytes: out.pos,
            signed: false,
        });
    };

    // The signature dictionary, last. Everything after `/Contents <` is
    // computed now so the byte range is known before any of it is written.
    offsets.insert(sig_id.0, out.pos);
    let mut head = format!(
        "{} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached",
        sig_id.0
    )
    .into_bytes();
    head.extend(b"/M");
    head.extend(obj_text(&Object::string_literal(pdf_date(&info.created))));
    head.extend(b"/Name");
    head.extend(obj_text(&text_string(&signer.info.name)));
    head.extend(b"/Reason");
    head.extend(obj_text(&text_string(&reason)));
    let range_at = head.len();
    head.extend(b"/ByteRange[0 0000000000 0000000000 0000000000]/Contents");
    // The hex string with its '<' and '>' is what the byte range leaves out.
    let contents_start = out.pos + head.len() as u64;
    let hex_len = 2 * CONTENTS_BYTES as u64;
    let contents_end = contents_start + 1 + hex_len + 1;
    let mut tail = b">>\nendobj\n".to_vec();
    let xref_at = contents_end + tail.len() as u64;
    tail.extend(xref_and_trailer(&offsets, size, &trailer_dict(), xref_at));
    let file_len = contents_end + tail.len() as u64;
    let range = format!(
        "/ByteRange[0 {contents_start:010} {contents_end:010} {:010}]/Contents",
        file_len - contents_end
    );
    head.truncate(range_at);
    head.extend(range.as_bytes());
    out.put(&head)?;
    out.hash_ahead(&tail);
    let digest = out.digest()?;
    let cms = cms_signature(signer, &digest).map_err(|e| AssembleError::Sign(e.to_string()))?;
    if cms.len() > CONTENTS_BYTES {
        return Err(AssembleError::Sign(format!(
            "the signature is {} bytes, more than the {CONTENTS_BYTES} reserved",
            cms.len()
        )));
    }
    let mut hex: Vec<u8> = Vec::with_capacity(hex_len as usize + 2);
    hex.push(b'<');
    hex.extend(cms.iter().flat_map(|b| format!("{b:02x}").into_bytes()));
    hex.resize(hex_len as usize + 1, b'0');
    hex.push(b'>');
    out.put_unhashed(&hex)?;
    out.put_unhashed(&tail)?;
    out.w.flush().map_err(AssembleError::Write)?;
    debug_assert_eq!(out.pos, file_len);
    Ok(Stats {
        pages: pages.len(),
        bytes: out.pos,
        signed: true,
    })
}

/// `D:YYYYMMDDHHMMSS+00'00'` from `YYYY-MM-DD HH:MM:SS` (UTC).
fn pdf_date(utc: &str) -> String {
    let digits: String = utc.chars().filter(char::is_ascii_digit).take(14).collect();
    format!("D:{digits:0<14}+00'00'")
}

/// A name-tree key: the bytes of the text string as written.
fn text_key(s: &str) -> Vec<u8> {
    match text_string(s) {
        Object::String(b, _) => b,
        _ => s.as_bytes().to_vec(),
    }
}

fn resolved(doc: &Document, owner: ObjectId, key: &[u8]) -> Option<Object> {
    let value = doc.get_dictionary(owner).ok()?.get(key).ok()?.clone();
    match value {
        Object::Reference(r) => doc.get_object(r).ok().cloned(),
        v => Some(v),
    }
}

fn resolved_dict(doc: &Document, owner: ObjectId, key: &[u8]) -> Option<Dictionary> {
    match resolved(doc, owner, key)? {
        Object::Dictionary(d) => Some(d),
        _ => None,
    }
}

fn page_dict(doc: &mut Document, id: ObjectId) -> Result<&mut Dictionary> {
    doc.get_object_mut(id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| AssembleError::Layout(format!("page {id:?}: {e}")))
}

fn xref_and_trailer(
    offsets: &BTreeMap<u32, u64>,
    size: u32,
    trailer: &Dictionary,
    xref_at: u64,
) -> Vec<u8> {
    let mut s = format!("xref\n0 {size}\n0000000000 65535 f \n");
    for n in 1..size {
        match offsets.get(&n) {
            Some(off) => s.push_str(&format!("{off:010} 00000 n \n")),
            None => s.push_str("0000000000 00000 f \n"),
        }
    }
    let mut v = s.into_bytes();
    v.extend(b"trailer\n");
    v.extend(obj_text(&Object::Dictionary(trailer.clone())));
    v.extend(format!("\nstartxref\n{xref_at}\n%%EOF\n").into_bytes());
    v
}

/// One embedded file, copied in chunks and checked against its SHA-256.
fn write_embedded(
    out: &mut Out<'_>,
    id: ObjectId,
    f: &Attachment,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let mut params = Dictionary::new();
    params.set("Size", Object::Integer(f.size as i64));
    let mut dict = Dictionary::new();
    dict.set("Type", name("EmbeddedFile"));
    dict.set("Subtype", mime(&f.media_type));
    dict.set("Params", Object::Dictionary(params));
    dict.set("Length", Object::Integer(f.size as i64));
    out.put(format!("{} {} obj\n", id.0, id.1).as_bytes())?;
    out.put(&obj_text(&Object::Dictionary(dict)))?;
    out.put(b"stream\n")?;
    match &f.source {
        Source::Bytes(b) => out.put(b)?,
        Source::File(path) => {
            let read_err = |source| AssembleError::Evidence {
                name: f.name.clone(),
                source,
            };
            let mut file = File::open(path).map_err(read_err)?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; CHUNK];
            let mut copied = 0u64;
            loop {
                let n = file.read(&mut buf).map_err(read_err)?;
                if n == 0 {
                    break;
                }
                if copied + n as u64 > f.size {
                    break;
                }
                hasher.update(&buf[..n]);
                out.put(&buf[..n])?;
                copied += n as u64;
                progress(n as u64);
            }
            let found = signoff_core::template::hex(&hasher.finalize());
            if copied != f.size || found != f.sha256 {
                return Err(AssembleError::Tampered {
                    name: f.name.clone(),
                    expected: f.sha256.clone(),
                    found: if copied != f.size {
                        format!("a file of {copied}+ bytes instead of {}", f.size)
                    } else {
                        found
                    },
                });
            }
        }
    }
    out.put(b"\nendstream\nendobj\n")
}

/// A picture ready to write: pixel size and Flate-compressed RGB.
struct Picture {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// Decodes (through [`crate::picture`], under its limits), scales (to at
/// most `max_w` x `max_h` pixels, area-averaged) and compresses one
/// picture. One that cannot be decoded although its header could be read
/// (truncated, or data that does not match the header) becomes a grey box
/// (the file itself is still embedded and hashed).
fn prepare_image(path: &Path, max_w: u32, max_h: u32) -> std::io::Result<Picture> {
    let (w, h, rgb) = match crate::picture::decode_file(path) {
        Ok(picture) => {
            // Transparent pixels over white, as on screen.
            let rgba = picture.fit(max_w, max_h).to_rgba8();
            let mut rgb = Vec::with_capacity((rgba.width() * rgba.height() * 3) as usize);
            for p in rgba.pixels() {
                let a = u16::from(p[3]);
                for c in &p.0[..3] {
                    rgb.push(((u16::from(*c) * a + 255 * (255 - a)) / 255) as u8);
                }
            }
            (rgba.width(), rgba.height(), rgb)
        }
        Err(_) => (1, 1, vec![0xd0, 0xd7, 0xde]),
    };
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&rgb)?;
    Ok(Picture {
        width: w,
        height: h,
        data: z.finish()?,
    })
}

/// Writes the pictures in order while two threads prepare them (decoding
/// and scaling dominate a report with many screenshots). At most a few
/// prepared pictures wait in memory at any time.
fn write_images(
    out: &mut Out<'_>,
    offsets: &mut BTreeMap<u32, u64>,
    objects: &[(ObjectId, usize, u32, u32)],
    paths: &[PathBuf],
) -> Result<()> {
    if objects.is_empty() {
        return Ok(());
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(usize, std::io::Result<Picture>)>(workers);
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&(_, image, max_w, max_h)) = objects.get(i) else {
                        break;
                    };
                    let path = paths.get(image).cloned().unwrap_or_default();
                    if tx.send((i, prepare_image(&path, max_w, max_h))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting: BTreeMap<usize, std::io::Result<Picture>> = BTreeMap::new();
        for (want, &(id, ..)) in objects.iter().enumerate() {
            let picture = loop {
                if let Some(p) = waiting.remove(&want) {
                    break p;
                }
                match rx.recv() {
                    Ok((i, p)) => {
                        waiting.insert(i, p);
                    }
                    Err(_) => {
                        return Err(AssembleError::Layout("a picture worker stopped".into()));
                    }
                }
            };
            let picture = picture.map_err(AssembleError::Write)?;
            offsets.insert(id.0, out.pos);
            write_picture(out, id, &picture)?;
        }
        Ok(())
    })
}

fn write_picture(out: &mut Out<'_>, id: ObjectId, p: &Picture) -> Result<()> {
    let mut dict = Dictionary::new();
    dict.set("Type", name("XObject"));
    dict.set("Subtype", name("Image"));
    dict.set("Width", Object::Integer(i64::from(p.width)));
    dict.set("Height", Object::Integer(i64::from(p.height)));
    dict.set("ColorSpace", name("DeviceRGB"));
    dict.set("BitsPerComponent", Object::Integer(8));
    dict.set("Filter", name("FlateDecode"));
    dict.set("Length", Object::Integer(p.data.len() as i64));
    out.put(format!("{} {} obj\n", id.0, id.1).as_bytes())?;
    out.put(&obj_text(&Object::Dictionary(dict)))?;
    out.put(b"stream\n")?;
    out.put(&p.data)?;
    out.put(b"\nendstream\nendobj\n")
}
