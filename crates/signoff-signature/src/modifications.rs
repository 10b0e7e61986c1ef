//! What a revision after a signature may change: an allow-list, judged
//! object by object against each object's previous definition (the idea of
//! pyHanko's difference analysis, our own rules and code).
//!
//! Allowed, and nothing else:
//! - new `/Type /Sig` dictionaries, each the `/V` of a new signature field
//!   of the same revision;
//! - new signature fields (`/FT /Sig`, merged with their widget, no
//!   `/Kids` or `/Parent`), each named (`/T`) unlike every other field,
//!   with no appearance or only blank appearance streams (white space, no
//!   `/Filter`, no external data), so they draw nothing;
//! - the catalog changing only `/AcroForm`, whose `/Fields` may only grow
//!   by appending those new fields and whose `/SigFlags` may become 3;
//! - a page changing only `/Annots`, by appending those new fields' widgets;
//! - the revision's own cross-reference stream and object streams (new
//!   objects), and objects rewritten identically.
//!
//! Refused: any other new or changed object, a trailer whose `/Root` or
//! `/Info` differs or that gains any other key (such as `/Encrypt`), a freed
//! object, a changed generation number. Each problem names the revision,
//! the object and what changed. This module reads only what `revisions.rs`
//! parsed; it knows nothing about certificates or CMS.

use std::collections::BTreeSet;

use lopdf::{Dictionary, Object, ObjectId};

use crate::revisions::{Revisions, State};

/// Keys a signature field (merged with its widget) may have.
const FIELD_KEYS: &[&[u8]] = &[
    b"Type", b"Subtype", b"FT", b"T", b"TU", b"V", b"F", b"P", b"Rect", b"AP",
];
/// Keys a signature dictionary may have (no `/Reference`: a later
/// signature may not certify or lock the document).
const SIG_KEYS: &[&[u8]] = &[
    b"Type",
    b"Filter",
    b"SubFilter",
    b"ByteRange",
    b"Contents",
    b"M",
    b"Name",
    b"Reason",
    b"Location",
    b"ContactInfo",
    b"Prop_Build",
];
/// Trailer keys a later revision may carry (`/Root` and `/Info` unchanged).
const TRAILER_KEYS: &[&[u8]] = &[b"Size", b"Prev", b"Root", b"Info", b"ID"];
/// And, when its cross-reference is a stream, the stream's own keys.
const XREF_STREAM_KEYS: &[&[u8]] = &[
    b"Type",
    b"W",
    b"Index",
    b"Filter",
    b"DecodeParms",
    b"Length",
];
/// At most this many pages are walked to find the pages a revision touched.
const MAX_PAGES: usize = 100_000;
/// At most this many form fields are walked to learn the names in use.
const MAX_FIELDS: usize = 100_000;
/// Keys an (empty) appearance stream of a new signature may have: no
/// `/Filter` (what it decodes to would depend on the decoder) and no
/// external data (`/F`, `/FFilter`, `/FDecodeParms`).
const APPEARANCE_KEYS: &[&[u8]] = &[
    b"Type",
    b"Subtype",
    b"FormType",
    b"BBox",
    b"Matrix",
    b"Resources",
    b"Length",
];
/// At most this many problems are named per revision.
const MAX_NAMED: usize = 20;

/// The problems with revision `k` (0-based, `k >= 1`) as an update of
/// revision `k - 1`; empty when it only adds signatures.
pub fn judge(revs: &Revisions, k: usize) -> Vec<String> {
    let mut j = Judge {
        revs,
        k,
        n: k + 1,
        problems: Vec::new(),
        explained: BTreeSet::new(),
        new_fields: BTreeSet::new(),
        field_names: BTreeSet::new(),
    };
    j.run();
    let mut problems = j.problems;
    if problems.len() > MAX_NAMED {
        let more = problems.len() - MAX_NAMED;
        problems.truncate(MAX_NAMED);
        problems.push(format!("and {more} more changes in revision {}", k + 1));
    }
    problems
}

struct Judge<'a> {
    revs: &'a Revisions,
    k: usize,
    /// The revision's number as people count (1 is the original file).
    n: usize,
    problems: Vec<String>,
    /// Object numbers of this revision that a rule accounted for.
    explained: BTreeSet<u32>,
    /// The new signature fields this revision appended to `/Fields`.
    new_fields: BTreeSet<ObjectId>,
    /// Fully qualified names of the form's fields before this revision,
    /// then also of the new fields as they are judged.
    field_names: BTreeSet<String>,
}

impl<'a> Judge<'a> {
    fn before(&self, id: ObjectId) -> Option<&'a Object> {
        self.revs.get(self.k - 1, id)
    }

    fn after(&self, id: ObjectId) -> Option<&'a Object> {
        self.revs.get(self.k, id)
    }

    fn defines(&self, id: ObjectId) -> bool {
        self.revs.list[self.k].defined.contains_key(&id.0)
    }

    /// Defined by this revision and not live before it.
    fn is_new(&self, id: ObjectId) -> bool {
        self.defines(id) && !matches!(self.revs.state(self.k - 1, id.0), State::Defined(_))
    }

    fn problem(&mut self, p: String) {
        self.problems.push(p);
    }

    fn run(&mut self) {
        let n = self.n;
        let rev = &self.revs.list[self.k];
        let prev = &self.revs.list[self.k - 1];

        // The trailer.
        for key in [&b"Root"[..], b"Info"] {
            let (was, is) = (prev.trailer.get(key).ok(), rev.trailer.get(key).ok());
            let same_value = match (was, is) {
                (Some(a), Some(b)) => same(a, b),
                (None, None) => true,
                _ => false,
            };
            if !same_value {
                self.problem(format!(
                    "revision {n} changes the trailer's /{} (from {} to {})",
                    String::from_utf8_lossy(key),
                    was.map_or("none".into(), show),
                    is.map_or("none".into(), show)
                ));
            }
        }
        let stream_keys: &[&[u8]] = if rev.xref_stream.is_some() {
            XREF_STREAM_KEYS
        } else {
            &[]
        };
        for (key, _) in rev.trailer.iter() {
            if !TRAILER_KEYS.contains(&key.as_slice()) && !stream_keys.contains(&key.as_slice()) {
                self.problem(format!(
                    "revision {n} adds /{} to the trailer",
                    String::from_utf8_lossy(key)
                ));
            }
        }

        // Freed objects and generation numbers.
        for (&num, &generation) in &rev.freed {
            if num != 0 {
                self.problem(format!(
                    "revision {n} marks object {num} {generation} free (deleting it)"
                ));
            }
        }
        for (&num, def) in &rev.defined {
            match self.revs.state(self.k - 1, num) {
                State::Defined(d) if d.generation != def.generation => {
                    self.explained.insert(num);
                    self.problem(format!(
                        "revision {n} redefines object {num} with generation {} (it was {}), which hides the old object from references to it",
                        def.generation, d.generation
                    ));
                }
                State::Freed | State::Absent if def.generation != 0 => {
                    self.explained.insert(num);
                    self.problem(format!(
                        "revision {n} defines new object {num} with generation {}",
                        def.generation
                    ));
                }
                _ => {}
            }
        }

        // Its own cross-reference stream and object streams, if new.
        let structural: Vec<u32> = rev
            .xref_stream
            .iter()
            .chain(rev.object_streams.iter())
            .copied()
            .collect();
        for num in structural {
            if self.explained.insert(num)
                && matches!(self.revs.state(self.k - 1, num), State::Defined(_))
            {
                self.problem(format!(
                    "revision {n} redefines object {num} as a cross-reference or object stream"
                ));
            }
        }

        let Ok(Object::Reference(root)) = rev.trailer.get(b"Root") else {
            self.problem(format!("revision {n} has no /Root in its trailer"));
            return;
        };
        let root = *root;
        self.catalog(root);
        self.pages(root);

        // Whatever is left must be an identical rewrite.
        let leftover: Vec<u32> = rev
            .defined
            .keys()
            .copied()
            .filter(|num| !self.explained.contains(num))
            .collect();
        for num in leftover {
            let def = &rev.defined[&num];
            let id = (num, def.generation);
            match self.before(id) {
                Some(old) if same(old, &def.object) => {}
                Some(old) => {
                    let what = format!(
                        "revision {n} redefines object {num} {} ({}): {}",
                        def.generation,
                        describe(old),
                        difference(old, &def.object)
                    );
                    self.problem(what);
                }
                None => {
                    let what = format!(
                        "revision {n} adds object {num} {} ({}), which is not part of a signature",
                        def.generation,
                        describe(&def.object)
                    );
                    self.problem(what);
                }
            }
        }
    }

    /// `id` as of before and after this revision, for an entry that may be
    /// direct or a reference; a redefined referenced object counts as
    /// explained by this rule (provided the old one had no other user).
    fn views(
        &mut self,
        old: Option<&Object>,
        new: Option<&Object>,
        what: &str,
    ) -> (Option<Object>, Option<Object>) {
        let o = old.map(|o| match o {
            Object::Reference(id) => self.before(*id).cloned().unwrap_or(Object::Null),
            o => o.clone(),
        });
        let nv = new.map(|o| match o {
            Object::Reference(id) => {
                let id = *id;
                if self.defines(id) {
                    self.explained.insert(id.0);
                    if !self.is_new(id) && self.references_to(id) > 1 {
                        let n = self.n;
                        self.problem(format!(
                            "revision {n} redefines object {} {} ({what}), which other objects also use",
                            id.0, id.1
                        ));
                    }
                }
                self.after(id).cloned().unwrap_or(Object::Null)
            }
            o => o.clone(),
        });
        (o, nv)
    }

    /// How many references the previous revision's live objects hold to `id`.
    fn references_to(&self, id: ObjectId) -> usize {
        let numbers: BTreeSet<u32> = self.revs.list[..self.k]
            .iter()
            .flat_map(|r| r.defined.keys().copied())
            .collect();
        numbers
            .into_iter()
            .filter_map(|num| match self.revs.state(self.k - 1, num) {
                State::Defined(d) => Some(count_refs(&d.object, id, 0)),
                _ => None,
            })
            .sum::<usize>()
            + self.revs.list[self.k - 1]
                .trailer
                .iter()
                .map(|(_, v)| count_refs(v, id, 0))
                .sum::<usize>()
    }

    fn catalog(&mut self, root: ObjectId) {
        let n = self.n;
        let (Some(Object::Dictionary(old_cat)), Some(Object::Dictionary(new_cat))) =
            (self.before(root), self.after(root))
        else {
            self.problem(format!(
                "revision {n}'s catalog ({} {}) is not a dictionary in both revisions",
                root.0, root.1
            ));
            return;
        };
        if self.defines(root) {
            self.explained.insert(root.0);
            let changed = changed_keys(old_cat, new_cat, &[b"AcroForm"]);
            if !changed.is_empty() {
                self.problem(format!(
                    "revision {n} redefines object {} {} (the catalog): changes {}",
                    root.0,
                    root.1,
                    changed.join(", ")
                ));
            }
        }
        let (old_form, new_form) = self.views(
            old_cat.get(b"AcroForm").ok(),
            new_cat.get(b"AcroForm").ok(),
            "the /AcroForm",
        );
        let empty = Dictionary::new();
        let old_form = match &old_form {
            Some(Object::Dictionary(d)) => d,
            _ => &empty,
        };
        let new_form = match &new_form {
            Some(Object::Dictionary(d)) => d,
            None if old_form.is_empty() => &empty,
            _ => {
                self.problem(format!(
                    "revision {n} removes or breaks the form (/AcroForm)"
                ));
                return;
            }
        };
        let changed = changed_keys(old_form, new_form, &[b"Fields", b"SigFlags"]);
        if !changed.is_empty() {
            self.problem(format!(
                "revision {n} changes the form (/AcroForm): changes {}",
                changed.join(", ")
            ));
        }
        match (
            old_form.get(b"SigFlags").ok(),
            new_form.get(b"SigFlags").ok(),
        ) {
            (a, b) if a == b => {}
            (_, Some(Object::Integer(3))) => {}
            (_, b) => self.problem(format!(
                "revision {n} sets the form's /SigFlags to {}",
                b.map_or("nothing".into(), show)
            )),
        }
        let (old_fields, new_fields) = self.views(
            old_form.get(b"Fields").ok(),
            new_form.get(b"Fields").ok(),
            "the form's /Fields",
        );
        let Some(added) = appended(old_fields.as_ref(), new_fields.as_ref()) else {
            self.problem(format!(
                "revision {n} changes the form's /Fields other than by appending to it"
            ));
            return;
        };
        self.field_names = self.old_field_names(old_fields.as_ref());
        for field in added {
            match field {
                Object::Reference(id) if self.is_new(id) => self.signature_field(id),
                other => self.problem(format!(
                    "revision {n} appends {} to the form's /Fields, which is not a new field of this revision",
                    show(&other)
                )),
            }
        }
    }

    /// The fully qualified names (`parent.child`) of the fields under
    /// `fields` as of before this revision.
    fn old_field_names(&self, fields: Option<&Object>) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let Some(Object::Array(top)) = fields else {
            return names;
        };
        let mut stack: Vec<(Object, String)> = top
            .iter()
            .rev()
            .map(|f| (f.clone(), String::new()))
            .collect();
        let mut seen = BTreeSet::new();
        while let Some((f, prefix)) = stack.pop() {
            if seen.len() > MAX_FIELDS {
                break;
            }
            let node = match &f {
                Object::Reference(id) if seen.insert(*id) => self.before(*id),
                Object::Dictionary(_) => Some(&f),
                _ => None,
            };
            let Some(Object::Dictionary(d)) = node else {
                continue;
            };
            let name = match d.get(b"T").and_then(Object::as_str) {
                Ok(t) if prefix.is_empty() => crate::pdf::decode_text(t),
                Ok(t) => format!("{prefix}.{}", crate::pdf::decode_text(t)),
                Err(_) => prefix.clone(),
            };
            if !name.is_empty() {
                names.insert(name.clone());
            }
            if let Ok(Object::Array(kids)) = d.get(b"Kids") {
                stack.extend(kids.iter().rev().map(|k| (k.clone(), name.clone())));
            }
        }
        names
    }

    fn signature_field(&mut self, id: ObjectId) {
        let n = self.n;
        self.explained.insert(id.0);
        let Some(Object::Dictionary(d)) = self.after(id) else {
            self.problem(format!(
                "revision {n} adds field {} {}, which is not a dictionary",
                id.0, id.1
            ));
            return;
        };
        let label = format!(
            "field {} {}{}",
            id.0,
            id.1,
            d.get(b"T")
                .and_then(Object::as_str)
                .map(|t| format!(" '{}'", crate::pdf::decode_text(t)))
                .unwrap_or_default()
        );
        if d.get(b"FT").and_then(Object::as_name).ok() != Some(b"Sig".as_slice()) {
            self.problem(format!(
                "revision {n} adds {label}, which is not a signature field (/FT {})",
                d.get(b"FT").map_or("none".into(), show)
            ));
            return;
        }
        self.new_fields.insert(id);
        // Fields of the same name are one field to a viewer: a new one
        // named like the signed one could stand in for it.
        match d.get(b"T").and_then(Object::as_str) {
            Ok(t) if !crate::pdf::decode_text(t).is_empty() => {
                let name = crate::pdf::decode_text(t);
                if !self.field_names.insert(name.clone()) {
                    self.problem(format!(
                        "revision {n} adds signature {label}, whose name '{name}' another field of the form already has"
                    ));
                }
            }
            _ => self.problem(format!(
                "revision {n} adds signature {label} without a name (/T)"
            )),
        }
        let extra = extra_keys(d, FIELD_KEYS);
        if !extra.is_empty() {
            self.problem(format!(
                "revision {n} adds signature {label} with {}",
                extra.join(", ")
            ));
        }
        for (key, want) in [(&b"Type"[..], &b"Annot"[..]), (b"Subtype", b"Widget")] {
            if let Ok(v) = d.get(key)
                && v.as_name().ok() != Some(want)
            {
                self.problem(format!(
                    "revision {n} adds signature {label} whose /{} is {}",
                    String::from_utf8_lossy(key),
                    show(v)
                ));
            }
        }
        match d.get(b"V") {
            Ok(Object::Reference(v)) if self.is_new(*v) => {
                let v = *v;
                self.explained.insert(v.0);
                match self.after(v) {
                    Some(Object::Dictionary(sig))
                        if sig.get(b"Type").and_then(Object::as_name).ok()
                            == Some(b"Sig".as_slice()) =>
                    {
                        let extra = extra_keys(sig, SIG_KEYS);
                        if !extra.is_empty() {
                            self.problem(format!(
                                "revision {n} adds a signature (object {} {}) with {}",
                                v.0,
                                v.1,
                                extra.join(", ")
                            ));
                        }
                    }
                    _ => self.problem(format!(
                        "revision {n} adds signature {label} whose value (object {} {}) is not a /Sig dictionary",
                        v.0, v.1
                    )),
                }
            }
            other => self.problem(format!(
                "revision {n} adds signature {label} whose /V ({}) is not a new signature of this revision",
                other.map_or("none".into(), show)
            )),
        }
        if let Ok(ap) = d.get(b"AP") {
            self.appearance(ap, &label);
        }
    }

    /// A new signature field's appearance must draw nothing.
    fn appearance(&mut self, ap: &Object, label: &str) {
        let n = self.n;
        let ap = match ap {
            Object::Reference(id) if self.is_new(*id) => {
                self.explained.insert(id.0);
                self.after(*id).cloned().unwrap_or(Object::Null)
            }
            o => o.clone(),
        };
        let Object::Dictionary(ap) = ap else {
            self.problem(format!(
                "revision {n} gives signature {label} a malformed /AP"
            ));
            return;
        };
        for (key, value) in ap.iter() {
            let empty = match value {
                Object::Reference(id) if self.is_new(*id) => {
                    self.explained.insert(id.0);
                    match self.after(*id) {
                        Some(Object::Stream(s)) => {
                            let name_is = |k: &[u8], want: &[u8]| {
                                s.dict.get(k).is_err()
                                    || s.dict.get(k).and_then(Object::as_name).ok() == Some(want)
                            };
                            extra_keys(&s.dict, APPEARANCE_KEYS).is_empty()
                                && name_is(b"Type", b"XObject")
                                && name_is(b"Subtype", b"Form")
                                && s.content.iter().all(|b| is_pdf_space(*b))
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            if !empty {
                self.problem(format!(
                    "revision {n} gives signature {label} an appearance (/AP /{} {}) that draws on the page",
                    String::from_utf8_lossy(key),
                    show(value)
                ));
            }
        }
    }

    fn pages(&mut self, root: ObjectId) {
        let n = self.n;
        let Some(Object::Dictionary(cat)) = self.before(root) else {
            return;
        };
        let Ok(Object::Reference(top)) = cat.get(b"Pages") else {
            return;
        };
        // The pages as of before this revision (a changed page tree is
        // itself a redefined /Pages object, refused as such).
        let mut pages = Vec::new();
        let mut stack = vec![*top];
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) || seen.len() > MAX_PAGES {
                break;
            }
            let Some(Object::Dictionary(node)) = self.before(id) else {
                continue;
            };
            match node.get(b"Type").and_then(Object::as_name) {
                Ok(b"Page") => pages.push(id),
                _ => {
                    if let Ok(Object::Array(kids)) = node.get(b"Kids") {
                        stack.extend(kids.iter().rev().filter_map(|k| k.as_reference().ok()));
                    }
                }
            }
        }
        let mut claimed = BTreeSet::new();
        for (i, page) in pages.into_iter().enumerate() {
            let Some(Object::Dictionary(old_page)) = self.before(page) else {
                continue;
            };
            let annots_ref = old_page
                .get(b"Annots")
                .ok()
                .and_then(|a| a.as_reference().ok());
            if !self.defines(page) && !annots_ref.is_some_and(|a| self.defines(a)) {
                continue;
            }
            let label = format!("object {} {} (a /Page, page {})", page.0, page.1, i + 1);
            let new_page = match self.after(page) {
                Some(Object::Dictionary(d)) => d,
                other => {
                    self.explained.insert(page.0);
                    self.problem(format!(
                        "revision {n} replaces {label} with {}",
                        other.map_or("nothing".into(), describe)
                    ));
                    continue;
                }
            };
            if self.defines(page) {
                self.explained.insert(page.0);
                let changed = changed_keys(old_page, new_page, &[b"Annots"]);
                if !changed.is_empty() {
                    self.problem(format!(
                        "revision {n} redefines {label}: changes {}",
                        changed.join(", ")
                    ));
                }
            }
            let (old_a, new_a) = self.views(
                old_page.get(b"Annots").ok(),
                new_page.get(b"Annots").ok(),
                "a page's /Annots",
            );
            let Some(added) = appended(old_a.as_ref(), new_a.as_ref()) else {
                self.problem(format!(
                    "revision {n} changes the /Annots of {label} other than by appending to it"
                ));
                continue;
            };
            for a in added {
                match a {
                    Object::Reference(w) if self.new_fields.contains(&w) && claimed.insert(w) => {
                        if let Some(Object::Dictionary(d)) = self.after(w)
                            && let Ok(p) = d.get(b"P")
                            && p.as_reference().ok() != Some(page)
                        {
                            self.problem(format!(
                                "revision {n} puts signature widget {} {} on page {} but its /P says {}",
                                w.0,
                                w.1,
                                i + 1,
                                show(p)
                            ));
                        }
                    }
                    other => self.problem(format!(
                        "revision {n} adds annotation {} to {label}, which is not one of its new signature fields",
                        show(&other)
                    )),
                }
            }
        }
    }
}

/// PDF white space (a NUL byte is one; a form feed is not ASCII white
/// space to Rust but is to PDF).
fn is_pdf_space(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// The items appended to `old` to make `new` (both arrays, missing = empty),
/// or `None` when `new` does not start with `old`.
fn appended(old: Option<&Object>, new: Option<&Object>) -> Option<Vec<Object>> {
    let empty = Vec::new();
    let list = |o: Option<&Object>| -> Option<Vec<Object>> {
        match o {
            None | Some(Object::Null) => Some(empty.clone()),
            Some(Object::Array(a)) => Some(a.clone()),
            Some(_) => None,
        }
    };
    let (old, new) = (list(old)?, list(new)?);
    if new.len() < old.len() || !old.iter().zip(&new).all(|(a, b)| same(a, b)) {
        return None;
    }
    Some(new[old.len()..].to_vec())
}

fn count_refs(o: &Object, id: ObjectId, depth: usize) -> usize {
    if depth > crate::revisions::MAX_DEPTH {
        return 0;
    }
    match o {
        Object::Reference(r) => usize::from(*r == id),
        Object::Array(a) => a.iter().map(|x| count_refs(x, id, depth + 1)).sum(),
        Object::Dictionary(d) => d.iter().map(|(_, x)| count_refs(x, id, depth + 1)).sum(),
        Object::Stream(s) => s
            .dict
            .iter()
            .map(|(_, x)| count_refs(x, id, depth + 1))
            .sum(),
        _ => 0,
    }
}

/// Keys of `d` outside `allowed`, as `/Key` text.
fn extra_keys(d: &Dictionary, allowed: &[&[u8]]) -> Vec<String> {
    d.iter()
        .filter(|(k, _)| !allowed.contains(&k.as_slice()))
        .map(|(k, _)| format!("/{}", String::from_utf8_lossy(k)))
        .collect()
}

/// Keys whose values differ between `a` and `b` (added, removed or
/// changed), other than `except`.
fn changed_keys(a: &Dictionary, b: &Dictionary, except: &[&[u8]]) -> Vec<String> {
    let mut keys: Vec<&Vec<u8>> = a
        .iter()
        .map(|(k, _)| k)
        .chain(b.iter().map(|(k, _)| k))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !except.contains(&k.as_slice()))
        .filter(|k| match (a.get(k).ok(), b.get(k).ok()) {
            (Some(x), Some(y)) => !same(x, y),
            (None, None) => false,
            _ => true,
        })
        .map(|k| format!("/{}", String::from_utf8_lossy(k)))
        .collect()
}

/// Equal as PDF values: strings by their bytes (literal or hex alike),
/// dictionaries by their entries in any order, streams by dictionary
/// (other than `/Length`) and raw data.
pub(crate) fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::String(x, _), Object::String(y, _)) => x == y,
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Object::Dictionary(x), Object::Dictionary(y)) => changed_keys(x, y, &[]).is_empty(),
        (Object::Stream(x), Object::Stream(y)) => {
            x.content == y.content && changed_keys(&x.dict, &y.dict, &[b"Length"]).is_empty()
        }
        (Object::Real(x), Object::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// What changed from `old` to `new`, for a person.
fn difference(old: &Object, new: &Object) -> String {
    match (old, new) {
        (Object::Dictionary(a), Object::Dictionary(b)) => {
            format!("changes {}", changed_keys(a, b, &[]).join(", "))
        }
        (Object::Stream(a), Object::Stream(b)) => {
            let mut what = changed_keys(&a.dict, &b.dict, &[b"Length"]);
            if a.content != b.content {
                what.push("its stream data".into());
            }
            format!("changes {}", what.join(", "))
        }
        _ if std::mem::discriminant(old) == std::mem::discriminant(new) => {
            format!("changes its value from {} to {}", show(old), show(new))
        }
        _ => format!("replaces it with {}", describe(new)),
    }
}

/// "a /Page", "a stream (/XObject)", "an array".
fn describe(o: &Object) -> String {
    let kind = |d: &Dictionary| {
        [&b"Type"[..], b"FT", b"Subtype"]
            .iter()
            .find_map(|k| d.get(k).and_then(Object::as_name).ok())
            .map(|t| format!("/{}", String::from_utf8_lossy(t)))
    };
    match o {
        Object::Dictionary(d) => kind(d).map_or("a dictionary".into(), |t| format!("a {t}")),
        Object::Stream(s) => kind(&s.dict).map_or("a stream".into(), |t| format!("a stream ({t})")),
        Object::Array(_) => "an array".into(),
        Object::Integer(_) | Object::Real(_) => "a number".into(),
        Object::String(..) => "a string".into(),
        Object::Name(_) => "a name".into(),
        Object::Boolean(_) => "a boolean".into(),
        Object::Null => "null".into(),
        Object::Reference(_) => "a reference".into(),
    }
}

/// A short rendering of a value.
fn show(o: &Object) -> String {
    match o {
        Object::Reference((a, b)) => format!("{a} {b} R"),
        Object::Name(n) => format!("/{}", String::from_utf8_lossy(n)),
        Object::Integer(i) => i.to_string(),
        Object::Real(r) => r.to_string(),
        Object::Boolean(b) => b.to_string(),
        Object::Null => "null".into(),
        Object::String(s, _) => format!("({})", crate::pdf::decode_text(&s[..s.len().min(40)])),
        other => describe(other),
    }
}
