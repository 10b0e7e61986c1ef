//! The streaming writer: one pass over the output, one chunk of evidence in
//! memory at a time.
//!
//! The file is a single revision written by hand, in named steps over an
//! [`Assembly`] (see [`assemble`]): the objects of the printpdf pages
//! (re-read with lopdf 0.47, which also rewrites printpdf's lopdf-0.44
//! output as one clean revision) with the catalog's `/EmbeddedFiles` name
//! tree and `/AF`, the signature field and the document information, then
//! the pictures, the embedded files, and last the `/Type /Sig` dictionary.
//! Every byte goes through a SHA-256 on a second thread as it is written,
//! except the `/Contents` placeholder; what follows `/Contents` (the end of
//! the dictionary, the cross-reference table and the trailer) is known in
//! advance, so it is hashed before the signature is made and written after
//! it. The signature dictionary, its placeholders, the byte range and the
//! CMS signature are `signoff_signature::pdf`'s, the pieces `sign_pdf` uses
//! too: the result is the shape `sign_pdf` gives (proven against pyHanko
//! and poppler), without ever holding the file.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, Writer};
use sha2::{Digest, Sha256};
use signoff_signature::Signer;
use signoff_signature::pdf::{self, text_string};

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

/// Signing a report: by whom, and why (`/Reason`).
pub(crate) struct Signing<'a> {
    pub signer: &'a Signer,
    pub reason: String,
}

/// What a report is made of.
pub(crate) struct Parts<'a> {
    /// The pages, as printpdf wrote them.
    pub visual: &'a [u8],
    /// Where pictures go on those pages.
    pub slots: &'a [ImageSlot],
    /// The picture files, by [`ImageSlot::image`].
    pub images: &'a [PathBuf],
    /// The files to embed, each listed by name.
    pub files: &'a [Attachment],
    pub info: &'a DocInfo,
    /// `None` writes an unsigned draft.
    pub sign: Option<Signing<'a>>,
}

/// Writes the report made of `parts` to `w`, in one pass. `progress` hears
/// how many bytes of embedded files were copied, of how many.
pub(crate) fn assemble(
    parts: &Parts<'_>,
    progress: &mut dyn FnMut(u64, u64),
    w: &mut dyn Write,
) -> Result<Stats> {
    let mut a = Assembly::new(parts, w)?;
    a.place_pictures()?;
    a.add_attachments()?;
    let sig = a.add_signature_field()?;
    a.add_info();
    a.write_objects()?;
    a.write_pictures()?;
    a.write_embedded_files(progress)?;
    match &parts.sign {
        None => a.finish(),
        Some(signing) => a.sign(sig, signing),
    }
}

/// An image XObject to write: its number, which picture, and the most
/// pixels it needs across and down.
struct PictureObject {
    id: ObjectId,
    image: usize,
    max_w: u32,
    max_h: u32,
}

/// The writer's state, from printpdf's pages to the last byte: the document
/// being completed, the object numbers handed out, and the output with each
/// object's offset and the running hash.
struct Assembly<'p, 'w> {
    parts: &'p Parts<'p>,
    /// printpdf's objects and the ones added to them, until written.
    doc: Document,
    pages: Vec<ObjectId>,
    catalog: ObjectId,
    /// The next free object number; once all are handed out, the `/Size`.
    next: u32,
    /// The pictures, written after the document's objects.
    pictures: Vec<PictureObject>,
    /// One stream per distinct embedded content, written after the pictures.
    streams: Vec<(ObjectId, &'p Attachment)>,
    /// The trailer dictionary (complete once [`Assembly::add_info`] ran).
    trailer: Dictionary,
    out: Out<'w>,
    /// Where each written object starts, for the cross-reference table.
    offsets: BTreeMap<u32, u64>,
}

impl<'p, 'w> Assembly<'p, 'w> {
    /// Reads printpdf's pages with lopdf 0.47 (which also rewrites
    /// printpdf's lopdf-0.44 output as one clean revision).
    fn new(parts: &'p Parts<'p>, w: &'w mut dyn Write) -> Result<Self> {
        let doc =
            Document::load_mem(parts.visual).map_err(|e| AssembleError::Layout(e.to_string()))?;
        let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
        let catalog = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|e| AssembleError::Layout(format!("no catalog: {e}")))?;
        let next = doc.max_id + 1;
        Ok(Assembly {
            parts,
            doc,
            pages,
            catalog,
            next,
            pictures: Vec::new(),
            streams: Vec::new(),
            trailer: Dictionary::new(),
            out: Out::new(w),
            offsets: BTreeMap::new(),
        })
    }

    /// Hands out the next object number.
    fn alloc(&mut self) -> ObjectId {
        let id = (self.next, 0);
        self.next += 1;
        id
    }

    /// Gives each picture slot an image XObject, and each page with
    /// pictures an extra content stream that draws them.
    fn place_pictures(&mut self) -> Result<()> {
        let slots = self.parts.slots;
        let mut per_page: BTreeMap<usize, Vec<(String, ObjectId, &ImageSlot)>> = BTreeMap::new();
        for (n, slot) in slots.iter().enumerate() {
            let id = self.alloc();
            let max_w = (slot.width * PIXELS_PER_POINT).ceil() as u32;
            let max_h = (slot.height * PIXELS_PER_POINT).ceil() as u32;
            self.pictures.push(PictureObject {
                id,
                image: slot.image,
                max_w: max_w.max(1),
                max_h: max_h.max(1),
            });
            per_page
                .entry(slot.page)
                .or_default()
                .push((format!("SoImg{n}"), id, slot));
        }
        for (page_index, list) in &per_page {
            let Some(&page_id) = self.pages.get(*page_index) else {
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
            let content_id = self.alloc();
            let doc = &mut self.doc;
            doc.objects.insert(
                content_id,
                Object::Stream(Stream::new(Dictionary::new(), ops.into_bytes())),
            );
            let mut resources = resolved_dict(doc, page_id, b"Resources").unwrap_or_default();
            let mut xobjects = match resources.get(b"XObject") {
                Ok(Object::Dictionary(d)) => d.clone(),
                Ok(Object::Reference(r)) => doc.get_dictionary(*r).cloned().unwrap_or_default(),
                _ => Dictionary::new(),
            };
            for (k, v) in names.iter() {
                xobjects.set(k.clone(), v.clone());
            }
            resources.set("XObject", Object::Dictionary(xobjects));
            let page = page_dict(doc, page_id)?;
            page.set("Resources", Object::Dictionary(resources));
            let mut contents = match page.get(b"Contents") {
                Ok(Object::Array(a)) => a.clone(),
                Ok(other) => vec![other.clone()],
                Err(_) => Vec::new(),
            };
            contents.push(Object::Reference(content_id));
            page.set("Contents", Object::Array(contents));
        }
        Ok(())
    }

    /// Adds a file specification per embedded file (one stream per
    /// distinct content) and lists them in the catalog: the
    /// `/EmbeddedFiles` name tree, `/AF`, and the attachments panel open.
    fn add_attachments(&mut self) -> Result<()> {
        let files = self.parts.files;
        let mut stream_of: HashMap<&str, ObjectId> = HashMap::new();
        let mut specs: Vec<(String, ObjectId)> = Vec::new();
        for f in files {
            let ef = match stream_of.get(f.sha256.as_str()) {
                Some(&id) => id,
                None => {
                    let id = self.alloc();
                    self.streams.push((id, f));
                    stream_of.insert(&f.sha256, id);
                    id
                }
            };
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
            let id = self.alloc();
            self.doc.objects.insert(id, Object::Dictionary(spec));
            specs.push((f.name.clone(), id));
        }
        // A name tree's keys are sorted by their bytes.
        specs.sort_by_key(|a| text_key(&a.0));
        let mut names_array = Vec::new();
        for (n, id) in &specs {
            names_array.push(text_string(n));
            names_array.push(Object::Reference(*id));
        }
        let catalog = self.catalog_dict()?;
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
        Ok(())
    }

    /// Reserves the number of the signature dictionary (written last, by
    /// [`Assembly::sign`]) and, when signing, adds the signature field: an
    /// invisible widget on the first page, in the catalog's `/AcroForm`.
    /// A draft leaves the number unused, as it always has.
    fn add_signature_field(&mut self) -> Result<ObjectId> {
        let sig = self.alloc();
        if self.parts.sign.is_none() {
            return Ok(sig);
        }
        let first = *self
            .pages
            .first()
            .ok_or_else(|| AssembleError::Layout("the report has no page".into()))?;
        let widget = self.alloc();
        self.doc.objects.insert(
            widget,
            Object::Dictionary(pdf::signature_widget("Signature1", sig, first)),
        );
        let mut annots = match resolved(&self.doc, first, b"Annots") {
            Some(Object::Array(a)) => a,
            _ => Vec::new(),
        };
        annots.push(Object::Reference(widget));
        page_dict(&mut self.doc, first)?.set("Annots", Object::Array(annots));
        let mut form = Dictionary::new();
        form.set("Fields", Object::Array(vec![Object::Reference(widget)]));
        form.set("SigFlags", Object::Integer(3));
        self.catalog_dict()?
            .set("AcroForm", Object::Dictionary(form));
        Ok(sig)
    }

    /// Adds the document information dictionary (ours, replacing
    /// printpdf's) and makes the trailer. The last number handed out.
    fn add_info(&mut self) {
        let info = self.parts.info;
        let info_id = self.alloc();
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
        self.doc
            .objects
            .insert(info_id, Object::Dictionary(info_dict));
        let doc_id = Sha256::digest(info.report_id.as_bytes())[..16].to_vec();
        let t = &mut self.trailer;
        t.set("Size", Object::Integer(i64::from(self.next)));
        t.set("Root", Object::Reference(self.catalog));
        t.set("Info", Object::Reference(info_id));
        t.set(
            "ID",
            Object::Array(vec![
                Object::String(doc_id.clone(), StringFormat::Hexadecimal),
                Object::String(doc_id, StringFormat::Hexadecimal),
            ]),
        );
    }

    /// Writes the header, then every object of the document (printpdf's
    /// and the ones added to them) in number order.
    fn write_objects(&mut self) -> Result<()> {
        self.out.put(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        let objects = std::mem::take(&mut self.doc.objects);
        for (id, mut object) in objects {
            if let Object::Stream(s) = &mut object {
                let len = s.content.len() as i64;
                s.dict.set("Length", Object::Integer(len));
            }
            self.offsets.insert(id.0, self.out.pos);
            self.out
                .put(format!("{} {} obj\n", id.0, id.1).as_bytes())?;
            self.out.put(&obj_text(&object))?;
            self.out.put(b"\nendobj\n")?;
        }
        Ok(())
    }

    /// Writes the pictures in order while worker threads prepare them
    /// (decoding and scaling dominate a report with many screenshots). At
    /// most a few prepared pictures wait in memory at any time.
    fn write_pictures(&mut self) -> Result<()> {
        let Assembly {
            parts,
            pictures,
            out,
            offsets,
            ..
        } = self;
        if pictures.is_empty() {
            return Ok(());
        }
        let (pictures, paths) = (&*pictures, parts.images);
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
                        let Some(p) = pictures.get(i) else {
                            break;
                        };
                        let path = paths.get(p.image).cloned().unwrap_or_default();
                        if tx
                            .send((i, prepare_image(&path, p.max_w, p.max_h)))
                            .is_err()
                        {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut waiting: BTreeMap<usize, std::io::Result<Picture>> = BTreeMap::new();
            for (want, p) in pictures.iter().enumerate() {
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
                offsets.insert(p.id.0, out.pos);
                write_picture(out, p.id, &picture)?;
            }
            Ok(())
        })
    }

    /// Copies the embedded files in, each checked against its SHA-256,
    /// telling `progress` how many of their bytes are done.
    fn write_embedded_files(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
        let total: u64 = self.streams.iter().map(|(_, f)| f.size).sum();
        let mut done = 0u64;
        for &(id, f) in &self.streams {
            self.offsets.insert(id.0, self.out.pos);
            write_embedded(&mut self.out, id, f, &mut |n| {
                done += n;
                progress(done, total);
            })?;
        }
        Ok(())
    }

    /// Ends a draft: the cross-reference table and the trailer.
    fn finish(mut self) -> Result<Stats> {
        let tail = self.xref_and_trailer(self.out.pos);
        self.out.put(&tail)?;
        self.out.flush_hash();
        self.out.w.flush().map_err(AssembleError::Write)?;
        Ok(Stats {
            pages: self.pages.len(),
            bytes: self.out.pos,
            signed: false,
        })
    }

    /// Ends a signed report: the signature dictionary `sig` (see
    /// [`pdf::sig_dictionary`]), the cross-reference table and the
    /// trailer. Everything after `/Contents` is known before it is written,
    /// so the byte range is filled in and those bytes are hashed ahead; the
    /// signature over the running hash then goes between them.
    fn sign(mut self, sig: ObjectId, signing: &Signing<'_>) -> Result<Stats> {
        self.offsets.insert(sig.0, self.out.pos);
        let signed_at = pdf_date(&self.parts.info.created);
        let dict = pdf::sig_dictionary(signing.signer, &signing.reason, &signed_at);
        let mut head = format!("{} {} obj\n", sig.0, sig.1).into_bytes();
        head.extend(obj_text(&Object::Dictionary(dict)));
        let at = pdf::Placeholders::find(&head, 0).map_err(sign_error)?;
        let mut tail = head.split_off(at.contents.end);
        tail.extend(b"\nendobj\n");
        let base = self.out.pos as usize;
        let contents = base + at.contents.start..base + at.contents.end;
        let xref_at = (contents.end + tail.len()) as u64;
        tail.extend(self.xref_and_trailer(xref_at));
        let file_len = contents.end + tail.len();
        let range = pdf::byte_range(&contents, file_len).map_err(sign_error)?;
        head[at.byte_range].copy_from_slice(&range);
        head.truncate(at.contents.start);
        self.out.put(&head)?;
        self.out.hash_ahead(&tail);
        let digest = self.out.digest()?;
        let hex = pdf::signature_contents(signing.signer, &digest).map_err(sign_error)?;
        self.out.put_unhashed(&hex)?;
        self.out.put_unhashed(&tail)?;
        self.out.w.flush().map_err(AssembleError::Write)?;
        debug_assert_eq!(self.out.pos, file_len as u64);
        Ok(Stats {
            pages: self.pages.len(),
            bytes: self.out.pos,
            signed: true,
        })
    }

    /// The cross-reference table (every number handed out; an unwritten one
    /// free) and the trailer, for a table starting at byte `xref_at`.
    fn xref_and_trailer(&self, xref_at: u64) -> Vec<u8> {
        let size = self.next;
        let mut s = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for n in 1..size {
            match self.offsets.get(&n) {
                Some(off) => s.push_str(&format!("{off:010} 00000 n \n")),
                None => s.push_str("0000000000 00000 f \n"),
            }
        }
        let mut v = s.into_bytes();
        v.extend(b"trailer\n");
        v.extend(obj_text(&Object::Dictionary(self.trailer.clone())));
        v.extend(format!("\nstartxref\n{xref_at}\n%%EOF\n").into_bytes());
        v
    }

    /// The catalog, to add entries to.
    fn catalog_dict(&mut self) -> Result<&mut Dictionary> {
        self.doc
            .get_object_mut(self.catalog)
            .and_then(Object::as_dict_mut)
            .map_err(|e| AssembleError::Layout(e.to_string()))
    }
}

/// A signing error in this module's terms (without saying "signing
/// failed" twice).
fn sign_error(e: pdf::PdfSignError) -> AssembleError {
    match e {
        pdf::PdfSignError::Failed(reason) => AssembleError::Sign(reason),
        other => AssembleError::Sign(other.to_string()),
    }
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
