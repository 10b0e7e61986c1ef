//! Reading a PDF as the list of its revisions, by our own strict parser:
//! each revision's own cross-reference section (a table or a stream), the
//! `/Prev` chain, object streams, and every object the revision defines.
//!
//! A verifier must see exactly the objects a viewer could see. So nothing
//! here repairs or guesses: a cross-reference that does not parse, an
//! offset that does not hold the object it names, an object defined twice,
//! bytes in a revision's body that are not an object the cross-reference
//! lists, an object stream holding objects its cross-reference does not
//! list, all make the file unreadable (an error naming what and where),
//! where lenient readers (lopdf included) would rebuild the table or skip
//! the object silently. Every input has a bound (revisions, objects,
//! nesting, decompressed sizes); hostile input never panics.
//!
//! It does not judge what a revision changed: that is `modifications.rs`.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

/// At most this many revisions (incremental updates) in one file.
pub const MAX_REVISIONS: usize = 64;
/// At most this many objects defined in the whole file.
pub const MAX_OBJECTS: usize = 2_000_000;
/// Arrays and dictionaries nest at most this deep.
pub const MAX_DEPTH: usize = 32;
/// A cross-reference or object stream decodes to at most this many bytes.
pub const MAX_STRUCTURE_STREAM: usize = 64 * 1024 * 1024;
/// All the compressed cross-reference and object streams of a file decode
/// to at most this many bytes together (a small file of many compressed
/// streams must not cost minutes of decompression).
pub const MAX_STRUCTURE_TOTAL: usize = 4 * MAX_STRUCTURE_STREAM;

/// How one object is defined by one revision.
#[derive(Debug, Clone)]
pub struct Definition {
    pub generation: u16,
    pub object: Object,
    /// The object stream holding it, if it is compressed.
    pub in_stream: Option<u32>,
}

/// One revision: the bytes from the end of the previous one up to and
/// including its `%%EOF`, and what its cross-reference section says.
#[derive(Debug, Clone)]
pub struct Revision {
    /// Offset of its first byte (the end of the previous revision).
    pub start: usize,
    /// Offset of its cross-reference section (`xref` or the xref stream).
    pub xref_at: usize,
    /// Offset just after its `%%EOF` and the end-of-line that follows it.
    pub end: usize,
    /// Offset just after `%%EOF` itself (a signature may stop there).
    pub eof_end: usize,
    /// The trailer dictionary, or the xref stream's dictionary.
    pub trailer: Dictionary,
    /// The object number of its cross-reference stream, if it has one.
    pub xref_stream: Option<u32>,
    /// The object streams its compressed objects live in.
    pub object_streams: BTreeSet<u32>,
    /// The objects it (re)defines.
    pub defined: BTreeMap<u32, Definition>,
    /// The objects its cross-reference marks free: number -> generation.
    pub freed: BTreeMap<u32, u16>,
}

/// A PDF read revision by revision, oldest first.
#[derive(Debug, Clone)]
pub struct Revisions {
    pub list: Vec<Revision>,
    /// Offset just after the last revision; bytes after it belong to none.
    pub end: usize,
}

/// What an object number means as of a revision.
#[derive(Debug, Clone, Copy)]
pub enum State<'a> {
    Defined(&'a Definition),
    Freed,
    Absent,
}

impl Revisions {
    /// Reads every revision of `pdf`, or says why it cannot.
    pub fn parse(pdf: &[u8]) -> Result<Revisions, String> {
        if !pdf.starts_with(b"%PDF-") {
            return Err("it does not start with %PDF-".into());
        }
        let mut xref_at = last_startxref(pdf)?;
        let mut sections = Vec::new();
        let mut budget = MAX_STRUCTURE_TOTAL;
        let mut entries = 0usize;
        loop {
            if sections.len() == MAX_REVISIONS {
                return Err(format!("it has more than {MAX_REVISIONS} revisions"));
            }
            let section = read_section(pdf, xref_at, &mut budget)?;
            // Every entry is kept until the bodies are read: bound them all
            // (an xref stream of one-byte entries compresses 64 MiB of
            // entries, gigabytes in memory, into 64 KiB).
            entries = entries.saturating_add(section.entries.len());
            if entries > MAX_OBJECTS {
                return Err(format!(
                    "its cross-references list more than {MAX_OBJECTS} objects"
                ));
            }
            let prev = match section.trailer.get(b"Prev") {
                Err(_) => None,
                Ok(Object::Integer(p)) if *p >= 0 && (*p as usize) < xref_at => Some(*p as usize),
                Ok(p) => {
                    return Err(format!(
                        "the cross-reference at byte {xref_at} has a /Prev ({p:?}) that does not point to an earlier section"
                    ));
                }
            };
            sections.push(section);
            match prev {
                Some(p) => xref_at = p,
                None => break,
            }
        }
        sections.reverse();
        let mut list = Vec::with_capacity(sections.len());
        let mut start = 0;
        let mut total = 0;
        let mut highest = 0u64;
        for (i, s) in sections.into_iter().enumerate() {
            if s.xref_at < start {
                return Err(format!(
                    "revision {}'s cross-reference (byte {}) lies inside revision {}",
                    i + 1,
                    s.xref_at,
                    i
                ));
            }
            let rev = read_body(pdf, i + 1, start, s, &list, &mut budget)?;
            // /Size is one more than the highest object number (readers
            // that honour it would not see the objects above it), and a
            // later revision does not shrink it.
            let listed = rev.defined.keys().chain(rev.freed.keys()).max();
            highest = highest.max(listed.map_or(0, |n| u64::from(*n) + 1));
            match rev.trailer.get(b"Size") {
                Ok(Object::Integer(n)) if *n >= 0 && *n as u64 >= highest => {
                    highest = *n as u64;
                }
                other => {
                    return Err(format!(
                        "revision {}'s /Size ({}) is not more than every object number in use (up to {})",
                        i + 1,
                        other.map_or("none".to_owned(), |o| format!("{o:?}")),
                        highest.saturating_sub(1)
                    ));
                }
            }
            total += rev.defined.len();
            if total > MAX_OBJECTS {
                return Err(format!("it defines more than {MAX_OBJECTS} objects"));
            }
            start = rev.end;
            list.push(rev);
        }
        Ok(Revisions { list, end: start })
    }

    /// What object `number` is as of revision `index` (0-based) included.
    pub fn state(&self, index: usize, number: u32) -> State<'_> {
        for rev in self.list[..=index.min(self.list.len() - 1)].iter().rev() {
            if let Some(d) = rev.defined.get(&number) {
                return State::Defined(d);
            }
            if rev.freed.contains_key(&number) {
                return State::Freed;
            }
        }
        State::Absent
    }

    /// The object `id` as of revision `index`; `None` when it is not there
    /// (which a reader treats as `null`).
    pub fn get(&self, index: usize, id: ObjectId) -> Option<&Object> {
        match self.state(index, id.0) {
            State::Defined(d) if d.generation == id.1 => Some(&d.object),
            _ => None,
        }
    }

    /// The revision (0-based) whose definition of `number` is the live one
    /// in the final file.
    pub fn defined_in(&self, number: u32) -> Option<usize> {
        (0..self.list.len()).rev().find_map(|i| {
            let rev = &self.list[i];
            if rev.defined.contains_key(&number) {
                Some(Some(i))
            } else if rev.freed.contains_key(&number) {
                Some(None)
            } else {
                None
            }
        })?
    }

    /// Every live object of the final file, borrowed.
    pub fn live(&self) -> Vec<(ObjectId, &Object)> {
        let last = self.list.len() - 1;
        let numbers: BTreeSet<u32> = self
            .list
            .iter()
            .flat_map(|r| r.defined.keys().copied())
            .collect();
        numbers
            .into_iter()
            .filter_map(|n| match self.state(last, n) {
                State::Defined(d) => Some(((n, d.generation), &d.object)),
                _ => None,
            })
            .collect()
    }

    /// Every live object of the final file, and its trailer, moved out
    /// (no copy of the streams).
    pub fn into_live_objects(mut self) -> (BTreeMap<ObjectId, Object>, Dictionary) {
        let mut out = BTreeMap::new();
        let mut gone = BTreeSet::new();
        let trailer = self.trailer().clone();
        for rev in self.list.iter_mut().rev() {
            for (n, d) in std::mem::take(&mut rev.defined) {
                if !gone.contains(&n) {
                    out.entry((n, d.generation)).or_insert(d.object);
                    gone.insert(n);
                }
            }
            for n in rev.freed.keys() {
                gone.insert(*n);
            }
        }
        (out, trailer)
    }

    /// The final trailer.
    pub fn trailer(&self) -> &Dictionary {
        &self.list[self.list.len() - 1].trailer
    }
}

/// The offset after the last `startxref` keyword.
fn last_startxref(pdf: &[u8]) -> Result<usize, String> {
    let from = pdf.len().saturating_sub(4096);
    let at = rfind(&pdf[from..], b"startxref")
        .map(|i| from + i)
        .ok_or("it has no startxref near its end")?;
    let mut lx = Lexer::new(pdf, at + 9);
    let n = lx.unsigned()?;
    usize::try_from(n).map_err(|_| "startxref is out of range".to_owned())
}

struct Section {
    xref_at: usize,
    trailer: Dictionary,
    entries: BTreeMap<u32, Entry>,
    xref_stream: Option<(u32, u16, Object)>,
    /// After `%%EOF` and after its end-of-line.
    eof_end: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    Free(u16),
    InUse(usize, u16),
    Compressed(u32, usize),
}

fn read_section(pdf: &[u8], xref_at: usize, budget: &mut usize) -> Result<Section, String> {
    if xref_at >= pdf.len() {
        return Err(format!(
            "a cross-reference offset ({xref_at}) points past the end of the file"
        ));
    }
    let mut lx = Lexer::new(pdf, xref_at);
    let (trailer, entries, xref_stream) = if lx.keyword_is(b"xref") {
        let (trailer, entries) = xref_table(&mut lx)?;
        if trailer.has(b"XRefStm") {
            return Err(format!(
                "the cross-reference at byte {xref_at} is a hybrid one (/XRefStm), which this verifier does not accept"
            ));
        }
        (trailer, entries, None)
    } else {
        let ((num, generation), obj) = lx
            .indirect(&|_| None)
            .map_err(|e| format!("the cross-reference at byte {xref_at} is unreadable: {e}"))?;
        let Object::Stream(stream) = &obj else {
            return Err(format!(
                "byte {xref_at} holds neither a cross-reference table nor a stream"
            ));
        };
        let entries = xref_stream_entries(stream, budget).map_err(|e| {
            format!("the cross-reference stream {num} {generation} is unreadable: {e}")
        })?;
        (stream.dict.clone(), entries, Some((num, generation, obj)))
    };
    lx.skip_ws();
    if !lx.keyword_is(b"startxref") {
        return Err(format!(
            "the cross-reference at byte {xref_at} is not followed by startxref"
        ));
    }
    let pointed = lx.unsigned()?;
    if pointed != xref_at as u64 {
        return Err(format!(
            "the startxref after the cross-reference at byte {xref_at} says {pointed}"
        ));
    }
    lx.skip_ws_only();
    if !pdf[lx.pos..].starts_with(b"%%EOF") {
        return Err(format!(
            "the revision whose cross-reference is at byte {xref_at} does not end with %%EOF"
        ));
    }
    let eof_end = lx.pos + 5;
    let end = match &pdf[eof_end..] {
        [b'\r', b'\n', ..] => eof_end + 2,
        [b'\n' | b'\r', ..] => eof_end + 1,
        _ => eof_end,
    };
    Ok(Section {
        xref_at,
        trailer,
        entries,
        xref_stream,
        eof_end,
        end,
    })
}

fn xref_table(lx: &mut Lexer) -> Result<(Dictionary, BTreeMap<u32, Entry>), String> {
    let at = lx.pos - 4; // after `xref`
    let mut entries = BTreeMap::new();
    loop {
        lx.skip_ws();
        if lx.keyword_is(b"trailer") {
            break;
        }
        let first = lx.unsigned()?;
        let count = lx.unsigned()?;
        if count > MAX_OBJECTS as u64 || count.saturating_mul(20) > (lx.buf.len() - lx.pos) as u64 {
            return Err(format!(
                "the cross-reference table at byte {at} claims more entries than the file holds"
            ));
        }
        lx.skip_ws_only();
        for i in 0..count {
            let number = first
                .checked_add(i)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("object number out of range")?;
            let line = lx
                .buf
                .get(lx.pos..lx.pos + 18)
                .ok_or("the cross-reference table is truncated")?;
            let digits = |b: &[u8]| -> Option<u64> {
                b.iter()
                    .all(u8::is_ascii_digit)
                    .then(|| b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
            };
            let (Some(offset), b' ', Some(generation), b' ', kind) = (
                digits(&line[..10]),
                line[10],
                digits(&line[11..16]),
                line[16],
                line[17],
            ) else {
                return Err(format!(
                    "the cross-reference table at byte {at} has a malformed entry for object {number}"
                ));
            };
            let generation = u16::try_from(generation).map_err(|_| "generation out of range")?;
            let entry = match kind {
                b'n' => Entry::InUse(offset as usize, generation),
                b'f' => Entry::Free(generation),
                _ => {
                    return Err(format!(
                        "the cross-reference table at byte {at} has a malformed entry for object {number}"
                    ));
                }
            };
            if entries.insert(number, entry).is_some() {
                return Err(format!(
                    "the cross-reference table at byte {at} lists object {number} twice"
                ));
            }
            lx.pos += 18;
            // Each entry is 20 bytes: two end-of-line bytes (one may be a space).
            match lx.buf.get(lx.pos..lx.pos + 2) {
                Some(b" \n" | b" \r" | b"\r\n") => lx.pos += 2,
                _ => {
                    return Err(format!(
                        "the cross-reference table at byte {at} has a malformed entry for object {number}"
                    ));
                }
            }
        }
    }
    match lx.object(0)? {
        Object::Dictionary(d) => Ok((d, entries)),
        _ => Err(format!(
            "the trailer of the cross-reference at byte {at} is not a dictionary"
        )),
    }
}

fn xref_stream_entries(
    stream: &Stream,
    budget: &mut usize,
) -> Result<BTreeMap<u32, Entry>, String> {
    let d = &stream.dict;
    if d.get(b"Type").and_then(Object::as_name).ok() != Some(b"XRef".as_slice()) {
        return Err("it is not /Type /XRef".into());
    }
    let int = |o: &Object| match o {
        Object::Integer(i) if *i >= 0 => Ok(*i as u64),
        _ => Err(format!("{o:?} is not a non-negative integer")),
    };
    let w: Vec<usize> = match d.get(b"W") {
        Ok(Object::Array(a)) if a.len() == 3 => a
            .iter()
            .map(|o| {
                int(o).and_then(|n| {
                    if n <= 8 {
                        Ok(n as usize)
                    } else {
                        Err("a /W field wider than 8 bytes".into())
                    }
                })
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("its /W is not three widths".into()),
    };
    let size = d
        .get(b"Size")
        .map_err(|_| "it has no /Size")
        .and_then(|o| int(o).map_err(|_| "bad /Size"))?;
    let index: Vec<u64> = match d.get(b"Index") {
        Err(_) => vec![0, size],
        Ok(Object::Array(a)) if a.len() % 2 == 0 => a.iter().map(int).collect::<Result<_, _>>()?,
        Ok(_) => return Err("its /Index is malformed".into()),
    };
    let width: usize = w.iter().sum();
    if width == 0 {
        return Err("its entries are empty".into());
    }
    let listed: u64 = index
        .chunks(2)
        .fold(0u64, |sum, p| sum.saturating_add(p[1]));
    if listed > MAX_OBJECTS as u64 {
        return Err(format!("it lists more than {MAX_OBJECTS} objects"));
    }
    let data = structure_data(stream, budget)?;
    if data.len() as u64 != listed.saturating_mul(width as u64) {
        return Err(format!(
            "it holds {} bytes, not the {listed} entries of {width} bytes its /Index says",
            data.len()
        ));
    }
    let mut entries = BTreeMap::new();
    let mut rows = data.chunks_exact(width);
    for pair in index.chunks(2) {
        for i in 0..pair[1] {
            let row = rows.next().ok_or("it is truncated")?;
            let number = pair[0]
                .checked_add(i)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("object number out of range")?;
            let mut fields = [0u64; 3];
            let mut at = 0;
            for (f, &n) in w.iter().enumerate() {
                fields[f] = row[at..at + n]
                    .iter()
                    .fold(0u64, |v, b| (v << 8) | u64::from(*b));
                at += n;
            }
            if w[0] == 0 {
                fields[0] = 1;
            }
            let entry = match fields[0] {
                0 => Entry::Free(u16::try_from(fields[2]).map_err(|_| "generation out of range")?),
                1 => Entry::InUse(
                    usize::try_from(fields[1]).map_err(|_| "offset out of range")?,
                    u16::try_from(fields[2]).map_err(|_| "generation out of range")?,
                ),
                2 => Entry::Compressed(
                    u32::try_from(fields[1]).map_err(|_| "object stream number out of range")?,
                    usize::try_from(fields[2]).map_err(|_| "index out of range")?,
                ),
                t => {
                    return Err(format!(
                        "object {number} has entry type {t}, which PDF does not define"
                    ));
                }
            };
            if entries.insert(number, entry).is_some() {
                return Err(format!("it lists object {number} twice"));
            }
        }
    }
    Ok(entries)
}

/// Reads the objects of revision `number` (1-based) from its body: every
/// byte between `start` and its cross-reference must be white space, a
/// comment or an object its cross-reference lists at exactly that offset,
/// and every listed object must be there.
fn read_body(
    pdf: &[u8],
    number: usize,
    start: usize,
    s: Section,
    earlier: &[Revision],
    budget: &mut usize,
) -> Result<Revision, String> {
    let here = |e: String| format!("revision {number}: {e}");
    // /Length may be an indirect object of this revision or an earlier one.
    // Each is read once (many streams sharing one /Length object that is
    // large or follows a long comment must not be re-read per stream).
    let entries = &s.entries;
    let lengths: std::cell::RefCell<BTreeMap<ObjectId, Option<i64>>> = Default::default();
    let read_length = |id: ObjectId| -> Option<i64> {
        let offset = match entries.get(&id.0) {
            Some(Entry::InUse(o, g)) if *g == id.1 => *o,
            Some(_) => return None,
            None => {
                return earlier.iter().rev().find_map(|r| {
                    r.defined
                        .get(&id.0)
                        .and_then(|d| match (&d.object, d.generation == id.1) {
                            (Object::Integer(n), true) => Some(*n),
                            _ => None,
                        })
                });
            }
        };
        let mut lx = Lexer::new(pdf, offset);
        match lx.indirect(&|_| None) {
            Ok((got, Object::Integer(n))) if got == id => Some(n),
            _ => None,
        }
    };
    let length_of = |id: ObjectId| -> Option<i64> {
        if let Some(known) = lengths.borrow().get(&id) {
            return *known;
        }
        let n = read_length(id);
        lengths.borrow_mut().insert(id, n);
        n
    };
    let mut walked: BTreeMap<u32, (usize, u16, Object)> = BTreeMap::new();
    let mut lx = Lexer::new(&pdf[..s.xref_at], start);
    loop {
        lx.skip_ws();
        if lx.pos >= s.xref_at {
            break;
        }
        let at = lx.pos;
        let ((num, generation), obj) = lx.indirect(&length_of).map_err(|e| {
            here(format!(
                "byte {at} is not an object the cross-reference lists ({e})"
            ))
        })?;
        if walked.insert(num, (at, generation, obj)).is_some() {
            return Err(here(format!("object {num} is defined twice")));
        }
    }
    let mut rev = Revision {
        start,
        xref_at: s.xref_at,
        end: s.end,
        eof_end: s.eof_end,
        trailer: s.trailer,
        xref_stream: None,
        object_streams: BTreeSet::new(),
        defined: BTreeMap::new(),
        freed: BTreeMap::new(),
    };
    if let Some((num, generation, obj)) = s.xref_stream {
        match s.entries.get(&num) {
            None => {}
            Some(Entry::InUse(o, g)) if *o == s.xref_at && *g == generation => {}
            Some(_) => {
                return Err(here(format!(
                    "its cross-reference stream {num} {generation} is listed elsewhere"
                )));
            }
        }
        if walked.contains_key(&num) {
            return Err(here(format!("object {num} is defined twice")));
        }
        rev.xref_stream = Some(num);
        rev.defined.insert(
            num,
            Definition {
                generation,
                object: obj,
                in_stream: None,
            },
        );
    }
    let mut compressed: BTreeMap<u32, Vec<(u32, usize)>> = BTreeMap::new();
    for (&num, entry) in &s.entries {
        match *entry {
            Entry::Free(g) => {
                rev.freed.insert(num, g);
            }
            Entry::InUse(offset, g) => {
                if Some(num) == rev.xref_stream {
                    continue;
                }
                match walked.remove(&num) {
                    Some((at, wg, obj)) if at == offset && wg == g => {
                        rev.defined.insert(
                            num,
                            Definition {
                                generation: g,
                                object: obj,
                                in_stream: None,
                            },
                        );
                    }
                    _ => {
                        return Err(here(format!(
                            "its cross-reference puts object {num} {g} at byte {offset}, which is not where this revision defines it"
                        )));
                    }
                }
            }
            Entry::Compressed(stream, index) => {
                compressed.entry(stream).or_default().push((num, index));
            }
        }
    }
    if let Some((num, (at, ..))) = walked.into_iter().next() {
        return Err(here(format!(
            "object {num} at byte {at} is not in its cross-reference (a hidden object)"
        )));
    }
    for (stream_num, members) in compressed {
        let objects = {
            let Some(Definition {
                object: Object::Stream(stream),
                generation: 0,
                ..
            }) = rev.defined.get(&stream_num)
            else {
                return Err(here(format!(
                    "its compressed objects are said to be in object {stream_num}, which is not an object stream of this revision"
                )));
            };
            object_stream(stream, budget)
                .map_err(|e| here(format!("object stream {stream_num}: {e}")))?
        };
        if objects.len() != members.len() {
            return Err(here(format!(
                "object stream {stream_num} holds {} objects but its cross-reference lists {}",
                objects.len(),
                members.len()
            )));
        }
        for (num, index) in members {
            match objects.get(index) {
                Some((n, obj)) if *n == num => {
                    if rev.defined.contains_key(&num) {
                        return Err(here(format!("object {num} is defined twice")));
                    }
                    rev.defined.insert(
                        num,
                        Definition {
                            generation: 0,
                            object: obj.clone(),
                            in_stream: Some(stream_num),
                        },
                    );
                }
                _ => {
                    return Err(here(format!(
                        "its cross-reference puts object {num} at index {index} of object stream {stream_num}, which holds another object there"
                    )));
                }
            }
        }
        rev.object_streams.insert(stream_num);
    }
    Ok(rev)
}

/// The objects of an object stream, in order.
fn object_stream(stream: &Stream, budget: &mut usize) -> Result<Vec<(u32, Object)>, String> {
    let d = &stream.dict;
    if d.get(b"Type").and_then(Object::as_name).ok() != Some(b"ObjStm".as_slice()) {
        return Err("it is not /Type /ObjStm".into());
    }
    if d.has(b"Extends") {
        return Err("it extends another object stream".into());
    }
    let get = |k: &[u8]| match d.get(k) {
        Ok(Object::Integer(i)) if *i >= 0 => Ok(*i as usize),
        _ => Err(format!(
            "its /{} is missing or malformed",
            String::from_utf8_lossy(k)
        )),
    };
    let (n, first) = (get(b"N")?, get(b"First")?);
    let data = structure_data(stream, budget)?;
    if first > data.len() || n > data.len() / 2 + 1 {
        return Err("its /N or /First does not fit its data".into());
    }
    let mut header = Lexer::new(&data[..first], 0);
    let mut index = Vec::with_capacity(n);
    for _ in 0..n {
        let num = header.unsigned()?;
        let off = header.unsigned()?;
        index.push((
            u32::try_from(num).map_err(|_| "object number out of range")?,
            usize::try_from(off).map_err(|_| "offset out of range")?,
        ));
    }
    header.skip_ws();
    if header.pos != first {
        return Err("its header holds more than /N pairs".into());
    }
    let mut out = Vec::with_capacity(n);
    for (i, &(num, off)) in index.iter().enumerate() {
        let stop = index
            .get(i + 1)
            .map_or(Some(data.len()), |p| first.checked_add(p.1));
        let (Some(begin), Some(stop)) = (first.checked_add(off), stop) else {
            return Err(format!("object {num}'s offset is out of range"));
        };
        if begin > stop || stop > data.len() {
            return Err(format!("object {num}'s offset is out of order"));
        }
        let mut lx = Lexer::new(&data[..stop], begin);
        let obj = lx.object(0)?;
        lx.skip_ws();
        if lx.pos != stop {
            return Err(format!(
                "object {num} is followed by bytes that are not an object"
            ));
        }
        if matches!(obj, Object::Reference(_)) {
            return Err(format!("object {num} is a bare reference"));
        }
        out.push((num, obj));
    }
    Ok(out)
}

/// The decoded data of a cross-reference or object stream. Its `/Filter`
/// and `/DecodeParms` must be written in the stream's dictionary (lopdf
/// ignores an indirect one, a viewer resolves it: the two would read
/// different entries); no external file (`/F`); what compressed streams
/// decode to counts against the file's `budget`.
fn structure_data(stream: &Stream, budget: &mut usize) -> Result<Vec<u8>, String> {
    let d = &stream.dict;
    for key in [&b"F"[..], b"FFilter", b"FDecodeParms"] {
        if d.has(key) {
            return Err(format!(
                "it has /{}: its data would be an external file",
                String::from_utf8_lossy(key)
            ));
        }
    }
    match d.get(b"DecodeParms") {
        Err(_) | Ok(Object::Dictionary(_)) => {}
        Ok(Object::Array(a))
            if a.iter()
                .all(|p| matches!(p, Object::Dictionary(_) | Object::Null)) => {}
        Ok(_) => return Err("its /DecodeParms is not written in its dictionary".into()),
    }
    match d.get(b"Filter") {
        Err(_) => return Ok(stream.content.clone()),
        Ok(Object::Name(_)) => {}
        Ok(Object::Array(a)) if a.iter().all(|f| matches!(f, Object::Name(_))) => {}
        Ok(_) => return Err("its /Filter is not a name or an array of names".into()),
    }
    let limit = MAX_STRUCTURE_STREAM.min(*budget);
    let data = stream
        .decompressed_content_with_limit(limit)
        .map_err(|e| {
            if limit < MAX_STRUCTURE_STREAM {
                format!(
                    "the file's compressed structure streams decode to more than {MAX_STRUCTURE_TOTAL} bytes"
                )
            } else {
                e.to_string()
            }
        })?;
    *budget -= data.len();
    Ok(data)
}

fn rfind(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).rposition(|w| w == n)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_ws(b) && !is_delim(b)
}

/// A strict PDF object parser over a byte slice.
struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
}

type LengthOf<'f> = dyn Fn(ObjectId) -> Option<i64> + 'f;

impl<'a> Lexer<'a> {
    fn new(buf: &'a [u8], pos: usize) -> Self {
        Lexer {
            buf,
            pos: pos.min(buf.len()),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn skip_ws_only(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    /// White space and comments.
    fn skip_ws(&mut self) {
        loop {
            self.skip_ws_only();
            if self.peek() == Some(b'%') {
                while self.peek().is_some_and(|b| b != b'\n' && b != b'\r') {
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }

    /// Consumes `word` when it is next as a whole token.
    fn keyword_is(&mut self, word: &[u8]) -> bool {
        self.skip_ws();
        let end = self.pos + word.len();
        if self.buf.get(self.pos..end) == Some(word)
            && self.buf.get(end).is_none_or(|b| !is_regular(*b))
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, word: &[u8]) -> Result<(), String> {
        if self.keyword_is(word) {
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at byte {}",
                String::from_utf8_lossy(word),
                self.pos
            ))
        }
    }

    fn unsigned(&mut self) -> Result<u64, String> {
        self.skip_ws();
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| format!("number too large at byte {start}"))?;
            self.pos += 1;
        }
        if self.pos == start || self.peek().is_some_and(is_regular) {
            return Err(format!("expected a number at byte {start}"));
        }
        Ok(n)
    }

    /// `N G obj <object> endobj`, with a stream when the object is one.
    fn indirect(&mut self, length_of: &LengthOf) -> Result<(ObjectId, Object), String> {
        let num = u32::try_from(self.unsigned()?).map_err(|_| "object number out of range")?;
        let generation = u16::try_from(self.unsigned()?).map_err(|_| "generation out of range")?;
        self.expect(b"obj")?;
        let obj = self.object(0)?;
        let obj = match obj {
            Object::Dictionary(dict) if self.keyword_is(b"stream") => {
                match self.buf.get(self.pos..self.pos + 2) {
                    Some([b'\r', b'\n']) => self.pos += 2,
                    Some([b'\n', _]) => self.pos += 1,
                    _ if self.buf.get(self.pos) == Some(&b'\n') => self.pos += 1,
                    _ => {
                        return Err(format!(
                            "'stream' at byte {} is not followed by an end of line",
                            self.pos
                        ));
                    }
                }
                let len = match dict.get(b"Length") {
                    Ok(Object::Integer(n)) => Some(*n),
                    Ok(Object::Reference(id)) => length_of(*id),
                    _ => None,
                }
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    format!("the stream of object {num} {generation} has no usable /Length")
                })?;
                let data = self
                    .buf
                    .get(self.pos..self.pos.saturating_add(len))
                    .ok_or_else(|| {
                        format!("the stream of object {num} {generation} runs past its revision")
                    })?
                    .to_vec();
                self.pos += len;
                match self.buf.get(self.pos..self.pos + 2) {
                    Some([b'\r', b'\n']) => self.pos += 2,
                    Some([b'\n' | b'\r', _]) => self.pos += 1,
                    _ => {}
                }
                self.expect(b"endstream").map_err(|_| {
                    format!("the stream of object {num} {generation} does not end where its /Length says")
                })?;
                let mut stream = Stream::new(dict.clone(), data);
                // Keep /Length as written (it may be a reference).
                if let Ok(l) = dict.get(b"Length") {
                    stream.dict.set("Length", l.clone());
                }
                Object::Stream(stream)
            }
            other => other,
        };
        self.expect(b"endobj")?;
        Ok(((num, generation), obj))
    }

    fn object(&mut self, depth: usize) -> Result<Object, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "objects nest deeper than {MAX_DEPTH} at byte {}",
                self.pos
            ));
        }
        self.skip_ws();
        let at = self.pos;
        let Some(b) = self.peek() else {
            return Err("the file ends inside an object".into());
        };
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()?))
            }
            b'(' => Ok(Object::String(self.literal()?, StringFormat::Literal)),
            b'<' if self.buf.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = Dictionary::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b'>') if self.buf.get(self.pos + 1) == Some(&b'>') => {
                            self.pos += 2;
                            return Ok(Object::Dictionary(dict));
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.name_body()?;
                            let value = self.object(depth + 1)?;
                            if dict.has(&key) {
                                return Err(format!(
                                    "a dictionary at byte {at} has the key /{} twice",
                                    String::from_utf8_lossy(&key)
                                ));
                            }
                            dict.set(key, value);
                        }
                        _ => {
                            return Err(format!(
                                "a dictionary at byte {at} is malformed near byte {}",
                                self.pos
                            ));
                        }
                    }
                }
            }
            b'<' => Ok(Object::String(self.hex()?, StringFormat::Hexadecimal)),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number_or_reference(),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(is_regular) {
                    self.pos += 1;
                }
                match &self.buf[start..self.pos] {
                    b"true" => Ok(Object::Boolean(true)),
                    b"false" => Ok(Object::Boolean(false)),
                    b"null" => Ok(Object::Null),
                    other => Err(format!(
                        "unexpected '{}' at byte {at}",
                        String::from_utf8_lossy(&other[..other.len().min(20)])
                    )),
                }
            }
        }
    }

    fn number_or_reference(&mut self) -> Result<Object, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
        {
            self.pos += 1;
        }
        if self.peek().is_some_and(is_regular) {
            return Err(format!("malformed number at byte {start}"));
        }
        let text = std::str::from_utf8(&self.buf[start..self.pos]).map_err(|e| e.to_string())?;
        if text.contains('.') {
            return text
                .parse::<f32>()
                .map(Object::Real)
                .map_err(|_| format!("malformed number at byte {start}"));
        }
        let n: i64 = text
            .parse()
            .map_err(|_| format!("malformed number at byte {start}"))?;
        // `N G R`?
        if text.bytes().all(|b| b.is_ascii_digit()) {
            let save = self.pos;
            if let Ok(generation) = self.unsigned()
                && self.keyword_is(b"R")
                && let (Ok(num), Ok(generation)) = (u32::try_from(n), u16::try_from(generation))
            {
                return Ok(Object::Reference((num, generation)));
            }
            self.pos = save;
        }
        Ok(Object::Integer(n))
    }

    fn name_body(&mut self) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        while let Some(b) = self.peek().filter(|b| is_regular(*b)) {
            if b == b'#' {
                let hex = self
                    .buf
                    .get(self.pos + 1..self.pos + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        format!("a malformed #-escape in a name at byte {}", self.pos)
                    })?;
                out.push(hex);
                self.pos += 3;
            } else {
                out.push(b);
                self.pos += 1;
            }
        }
        Ok(out)
    }

    fn literal(&mut self) -> Result<Vec<u8>, String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let b = self
                .peek()
                .ok_or_else(|| format!("a string at byte {start} is not closed"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = self
                        .peek()
                        .ok_or_else(|| format!("a string at byte {start} is not closed"))?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                other => out.push(other),
            }
        }
    }

    fn hex(&mut self) -> Result<Vec<u8>, String> {
        let start = self.pos;
        self.pos += 1;
        let mut nibbles = Vec::new();
        loop {
            let b = self
                .peek()
                .ok_or_else(|| format!("a hex string at byte {start} is not closed"))?;
            self.pos += 1;
            match b {
                b'>' => break,
                b if is_ws(b) => {}
                b if b.is_ascii_hexdigit() => {
                    nibbles.push((b as char).to_digit(16).unwrap_or(0) as u8)
                }
                _ => return Err(format!("a hex string at byte {start} holds a non-hex byte")),
            }
        }
        if nibbles.len() % 2 == 1 {
            nibbles.push(0);
        }
        Ok(nibbles.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file written object by object, with a cross-reference table per
    /// revision; `body` text is written as is before the objects.
    struct Writer {
        out: Vec<u8>,
        prev: Option<usize>,
        size: u32,
    }

    impl Writer {
        fn new() -> Self {
            Writer {
                out: b"%PDF-1.7\n%\xe2\xe3\n".to_vec(),
                prev: None,
                size: 9,
            }
        }

        fn revision(&mut self, body: &[u8], objects: &[(u32, &[u8])], xref_extra: &[(u32, usize)]) {
            self.out.extend_from_slice(body);
            let mut entries: Vec<(u32, usize)> = Vec::new();
            for (num, text) in objects {
                entries.push((*num, self.out.len()));
                self.out
                    .extend_from_slice(format!("{num} 0 obj\n").as_bytes());
                self.out.extend_from_slice(text);
                self.out.extend_from_slice(b"\nendobj\n");
            }
            entries.extend_from_slice(xref_extra);
            let at = self.out.len();
            let mut x = String::from("xref\n0 1\n0000000000 65535 f \n");
            for (num, off) in &entries {
                x += &format!("{num} 1\n{off:010} 00000 n \n");
            }
            let prev = self.prev.map(|p| format!(" /Prev {p}")).unwrap_or_default();
            self.size = self
                .size
                .max(entries.iter().map(|(n, _)| n + 1).max().unwrap_or(0));
            let size = self.size;
            x +=
                &format!("trailer\n<< /Size {size} /Root 1 0 R{prev} >>\nstartxref\n{at}\n%%EOF\n");
            self.out.extend_from_slice(x.as_bytes());
            self.prev = Some(at);
        }
    }

    fn base() -> Writer {
        let mut w = Writer::new();
        w.revision(
            b"",
            &[
                (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
                (2, b"<< /Type /Pages /Kids [] /Count 0 >>"),
                (3, b"<< /Length 5 >>\nstream\nhello\nendstream"),
            ],
            &[],
        );
        w
    }

    #[test]
    fn revisions_are_read_whole_or_refused_with_the_reason() {
        let mut w = base();
        w.revision(
            b"% a comment\n",
            &[(3, b"<< /Length 3 >>\nstream\nbye\nendstream")],
            &[],
        );
        let revs = Revisions::parse(&w.out).expect("two clean revisions");
        assert_eq!(revs.list.len(), 2);
        assert_eq!(revs.end, w.out.len());
        assert!(matches!(revs.state(0, 3), State::Defined(_)));
        assert_eq!(revs.defined_in(3), Some(1));
        assert_eq!(revs.defined_in(2), Some(0));

        // (case, how the second revision is written, what the refusal says)
        type Case = (
            &'static str,
            &'static [u8],
            &'static [(u32, &'static [u8])],
            &'static str,
        );
        let cases: &[Case] = &[
            (
                "hidden object",
                b"7 0 obj\n(hidden)\nendobj\n",
                &[(3, b"(x)")],
                "hidden object",
            ),
            (
                "defined twice",
                b"3 0 obj\n(one)\nendobj\n",
                &[(3, b"(two)")],
                "defined twice",
            ),
            (
                "garbage in the body",
                b"garbage\n",
                &[(3, b"(x)")],
                "not an object",
            ),
            (
                "bad stream length",
                b"",
                &[(3, b"<< /Length 99 >>\nstream\nbye\nendstream")],
                "runs past its revision",
            ),
            ("duplicate key", b"", &[(3, b"<< /A 1 /A 2 >>")], "twice"),
        ];
        for (name, body, objects, says) in cases {
            let mut w = base();
            w.revision(body, objects, &[]);
            let e = Revisions::parse(&w.out).expect_err(name);
            assert!(e.contains(says), "{name}: {e}");
        }

        // The cross-reference points an object into the first revision.
        let mut w = base();
        w.revision(b"", &[], &[(2, 15)]);
        let e = Revisions::parse(&w.out).expect_err("pointer into revision 1");
        assert!(e.contains("not where this revision defines it"), "{e}");

        // A /Prev that points forward (a loop) is refused, not followed.
        let mut w = base();
        w.prev = Some(w.out.len() + 10_000);
        w.revision(b"", &[(3, b"(x)")], &[]);
        let e = Revisions::parse(&w.out).expect_err("forward /Prev");
        assert!(e.contains("/Prev"), "{e}");

        // A /Size below the object numbers in use.
        let mut w = base();
        w.revision(b"", &[(3, b"(x)")], &[]);
        for at in 0..w.out.len() - 7 {
            if &w.out[at..at + 7] == b"/Size 9" {
                w.out[at + 6] = b'2';
            }
        }
        let e = Revisions::parse(&w.out).expect_err("/Size too small");
        assert!(e.contains("/Size"), "{e}");

        // More than MAX_REVISIONS revisions.
        let mut w = base();
        for _ in 0..MAX_REVISIONS {
            w.revision(b"", &[(3, b"(x)")], &[]);
        }
        let e = Revisions::parse(&w.out).expect_err("too many revisions");
        assert!(e.contains("more than 64 revisions"), "{e}");
    }

    /// `base()` and a second revision whose cross-reference is the stream
    /// `dict` + `data` (object 9), as written.
    fn with_xref_stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let w = base();
        let mut out = w.out.clone();
        let at = out.len();
        let prev = w.prev.expect("base has a revision");
        out.extend_from_slice(
            format!(
                "9 0 obj\n<< /Type /XRef /Root 1 0 R /Prev {prev} {dict} /Length {} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
        out
    }

    #[test]
    fn structure_streams_are_bounded_and_their_filters_written_plainly() {
        // A clean one: object 9 (itself) listed, /W [1 4 2].
        let row = |t: u8, off: u32, g: u16| {
            let mut r = vec![t];
            r.extend_from_slice(&off.to_be_bytes());
            r.extend_from_slice(&g.to_be_bytes());
            r
        };
        let at = base().out.len() as u32;
        let ok = with_xref_stream("/W [1 4 2] /Index [9 1] /Size 10", &row(1, at, 0));
        let revs = Revisions::parse(&ok).expect("a clean xref stream");
        assert_eq!(revs.list[1].xref_stream, Some(9));

        // 3 million one-byte entries compress to a few KiB; they were all
        // put in a map (hundreds of MB) before any bound applied.
        let mut bomb = Stream::new(Dictionary::new(), vec![0u8; 3_000_000]);
        bomb.compress().expect("compress");
        assert!(bomb.content.len() < 10_000);
        let file = with_xref_stream(
            "/W [1 0 0] /Size 3000000 /Filter /FlateDecode",
            &bomb.content,
        );
        let e = Revisions::parse(&file).expect_err("too many entries");
        assert!(e.contains("more than 2000000 objects"), "{e}");

        // An indirect /Filter or /DecodeParms (lopdf ignores it, a viewer
        // does not) and external data are refused.
        for (dict, says) in [
            ("/W [1 4 2] /Index [9 1] /Size 10 /Filter 3 0 R", "/Filter"),
            (
                "/W [1 4 2] /Index [9 1] /Size 10 /DecodeParms 3 0 R",
                "/DecodeParms",
            ),
            ("/W [1 4 2] /Index [9 1] /Size 10 /F (x.bin)", "external"),
        ] {
            let e = Revisions::parse(&with_xref_stream(dict, &row(1, at, 0))).expect_err(dict);
            assert!(e.contains(says), "{dict}: {e}");
        }

        // A table's subsection that claims more objects than allowed.
        let mut w = base();
        let huge = format!("xref\n0 {}\n", MAX_OBJECTS + 1);
        w.out.extend_from_slice(huge.as_bytes());
        w.out
            .extend(std::iter::repeat_n(b'0', 20 * (MAX_OBJECTS + 1)));
        assert!(Revisions::parse(&w.out).is_err());
    }

    #[test]
    fn a_shared_indirect_length_is_read_once() {
        // 2,000 streams whose /Length is object 4, which follows a 1 MB
        // comment: read per stream, that was 2 GB of lexing.
        let mut w = Writer::new();
        let mut objects: Vec<(u32, Vec<u8>)> = vec![
            (1, b"<< /Type /Catalog /Pages 2 0 R >>".to_vec()),
            (2, b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec()),
        ];
        let mut four = b"%".to_vec();
        four.extend(std::iter::repeat_n(b'x', 1 << 20));
        four.extend_from_slice(b"\n3");
        objects.push((4, four));
        for n in 10..2010 {
            objects.push((n, b"<< /Length 4 0 R >>\nstream\nabc\nendstream".to_vec()));
        }
        let refs: Vec<(u32, &[u8])> = objects.iter().map(|(n, t)| (*n, t.as_slice())).collect();
        w.revision(b"", &refs, &[]);
        let started = std::time::Instant::now();
        let revs = Revisions::parse(&w.out).expect("valid");
        assert_eq!(revs.list[0].defined.len(), 2003);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "took {:?}",
            started.elapsed()
        );
    }

    fn parse(text: &[u8]) -> Result<Object, String> {
        Lexer::new(text, 0).object(0)
    }

    #[test]
    fn objects_parse_strictly() {
        assert_eq!(
            parse(b"<< /A [1 2 0 R (x\\051y) <41 4> /N#20m -1.5 true null] >>"),
            Ok(Object::Dictionary({
                let mut d = Dictionary::new();
                d.set(
                    "A",
                    Object::Array(vec![
                        Object::Integer(1),
                        Object::Reference((2, 0)),
                        Object::String(b"x)y".to_vec(), StringFormat::Literal),
                        Object::String(b"A@".to_vec(), StringFormat::Hexadecimal),
                        Object::Name(b"N m".to_vec()),
                        Object::Real(-1.5),
                        Object::Boolean(true),
                        Object::Null,
                    ]),
                );
                d
            }))
        );
        for bad in [
            &b"<< /A 1 /A 2 >>"[..],
            b"<< /A 1",
            b"[1 2",
            b"(open",
            b"<4G>",
            b"/a#zz",
            b"bogus",
            b"1.2.3x",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = [b'['; MAX_DEPTH + 2];
        assert!(parse(&deep).is_err(), "nesting is bounded");
    }
}
