//! Markdown import: headings become sections, GitHub task-list lines
//! (`- [ ]`, `* [x]`, `1. [ ]`) become items. Everything nested under a task
//! that is not itself a task (sub-bullets, paragraphs, code) becomes its
//! guidance; links in a task's text are kept in the guidance too. A task
//! nested in another is an item of its own, and its text (with everything
//! nested under it) is left out of the outer task's guidance entirely.
//!
//! One pass, linear in the text: each byte of the source goes into the
//! guidance of at most one task (its nearest enclosing task), duplicate ids
//! are numbered with one counter per slug, and the limits of the module
//! above (items, nesting depth, guidance, titles) stop the import at the
//! line that exceeds them.
//!
//! Parsing is pulldown-cmark's (CommonMark + task lists), so code fences,
//! emphasis, nesting and the odd corners of list syntax behave as in any
//! Markdown viewer. Ids are slugs of the text: importing the same text twice
//! gives the same ids.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::{
    FORMAT, Item, MAX_DEPTH, MAX_GUIDANCE_BYTES, MAX_ITEMS, MAX_TITLE_CHARS, Section, Template,
    quote, slug,
};
use crate::error::{Error, Result};

/// Builds a template from Markdown text. `origin` is the file name, used for
/// the template's id when the document has no `# Title`, and in errors.
pub fn from_markdown(text: &str, origin: &str) -> Result<Template> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let err = |message: String| Error::Template {
        origin: origin.to_owned(),
        message,
    };
    // The line of a byte offset, counted only when an error is reported.
    let line_at = |offset: usize| text.get(..offset).unwrap_or(&text).matches('\n').count() + 1;
    let too_long = |what: &str, offset: usize, title: &str| {
        err(format!(
            "line {}: {what} '{}' is longer than {MAX_TITLE_CHARS} characters (MAX_TITLE_CHARS)",
            line_at(offset),
            quote(title)
        ))
    };

    let mut doc_title: Option<String> = None;
    let mut heading: Option<String> = None; // text of the heading being read
    let mut heading_at = 0; // where the heading being read starts
    let mut doc_title_at = 0;
    let mut section_title: Option<String> = None;
    let mut section_title_at = 0;
    let mut section_desc = String::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut open_section = false; // does `sections.last()` belong to `section_title`?
    let mut frames: Vec<Frame> = Vec::new();
    let mut item_ids = Ids::default();
    let mut section_ids = Ids::default();
    let mut items = 0usize;

    let parser = Parser::new_ext(&text, Options::ENABLE_TASKLISTS).into_offset_iter();
    for (event, range) in parser {
        if let Some(h) = heading.as_mut() {
            match event {
                Event::End(TagEnd::Heading(level)) => {
                    let title = collapse(h);
                    if level == pulldown_cmark::HeadingLevel::H1 && doc_title.is_none() {
                        doc_title = Some(title.clone());
                        doc_title_at = heading_at;
                    }
                    section_title = Some(title);
                    section_title_at = heading_at;
                    section_desc.clear();
                    open_section = false;
                    heading = None;
                }
                Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => h.push_str(&t),
                Event::SoftBreak | Event::HardBreak => h.push(' '),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading { .. }) if frames.is_empty() => {
                heading = Some(String::new());
                heading_at = range.start;
            }
            // A paragraph outside any list, under the current heading: the
            // section's description if the section turns out to have tasks.
            Event::Start(Tag::Paragraph) if frames.is_empty() && !open_section => {
                if !section_desc.is_empty() {
                    section_desc.push_str("\n\n");
                }
                section_desc.push_str(text[range.clone()].trim());
            }
            Event::Start(Tag::Paragraph) if frames.is_empty() => {}
            Event::Start(Tag::Item) => {
                if frames.len() == MAX_DEPTH {
                    return Err(err(format!(
                        "line {}: lists are nested more than {MAX_DEPTH} deep (MAX_DEPTH)",
                        line_at(range.start)
                    )));
                }
                frames.push(Frame::new(range))
            }
            Event::TaskListMarker(_) => {
                let Some(at) = frames.last().map(|f| f.range.start) else {
                    continue;
                };
                items += 1;
                if items > MAX_ITEMS {
                    return Err(err(format!(
                        "line {}: more than {MAX_ITEMS} task items (MAX_ITEMS); split the checklist into several files",
                        line_at(at)
                    )));
                }
                // Reserve the item's place now, so a parent comes before the
                // tasks nested in it; its text is filled in at its end.
                if !open_section {
                    let (title, title_at) = match (&section_title, &doc_title) {
                        (Some(t), _) => (t.clone(), section_title_at),
                        (None, Some(t)) => (t.clone(), doc_title_at),
                        (None, None) => ("Checklist".to_owned(), at),
                    };
                    if title.chars().nth(MAX_TITLE_CHARS).is_some() {
                        return Err(too_long("the heading", title_at, &title));
                    }
                    if section_desc.len() > MAX_GUIDANCE_BYTES {
                        return Err(err(format!(
                            "line {}: the text under the heading '{}' is {} bytes, more than {MAX_GUIDANCE_BYTES} (MAX_GUIDANCE_BYTES)",
                            line_at(title_at),
                            quote(&title),
                            section_desc.len()
                        )));
                    }
                    let id = section_ids.unique(slug(&title, 48, "section"));
                    sections.push(Section {
                        id,
                        title,
                        description: std::mem::take(&mut section_desc),
                        items: Vec::new(),
                    });
                    open_section = true;
                }
                let section_index = sections.len() - 1;
                if let (Some(f), Some(section)) = (frames.last_mut(), sections.last_mut()) {
                    f.is_task = true;
                    f.collecting = true;
                    f.title_end = range.end;
                    f.slot = Some((section_index, section.items.len()));
                    section.items.push(Item {
                        id: String::new(),
                        title: String::new(),
                        guidance: String::new(),
                        evidence: Default::default(),
                        check: None,
                    });
                }
            }
            Event::Start(tag) => {
                if let Some(f) = frames.last_mut().filter(|f| f.collecting) {
                    match tag {
                        Tag::Paragraph if f.title.is_empty() => {}
                        Tag::Link { dest_url, .. } => {
                            f.link = Some((dest_url.to_string(), String::new()))
                        }
                        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Image { .. } => {}
                        _ => f.collecting = false,
                    }
                }
            }
            Event::End(TagEnd::Item) => {
                let Some(frame) = frames.pop() else { continue };
                if !frame.is_task {
                    continue;
                }
                // Only the nearest enclosing task leaves this one (and all
                // nested in it) out of its guidance: each byte is looked at
                // for one task, never for every ancestor.
                if let Some(parent) = frames.iter_mut().rev().find(|f| f.is_task) {
                    parent.nested_tasks.push(frame.range.clone());
                }
                let title = collapse(&frame.title);
                if title.is_empty() {
                    return Err(err(format!(
                        "line {}: a task item has no text",
                        line_at(frame.range.start)
                    )));
                }
                if title.chars().nth(MAX_TITLE_CHARS).is_some() {
                    return Err(too_long("the task", frame.range.start, &title));
                }
                let guidance = frame.guidance(&text);
                if guidance.len() > MAX_GUIDANCE_BYTES {
                    return Err(err(format!(
                        "line {}: the guidance of the task '{}' is {} bytes, more than {MAX_GUIDANCE_BYTES} (MAX_GUIDANCE_BYTES)",
                        line_at(frame.range.start),
                        quote(&title),
                        guidance.len()
                    )));
                }
                if let Some(item) = frame
                    .slot
                    .and_then(|(s, i)| sections.get_mut(s)?.items.get_mut(i))
                {
                    item.guidance = guidance;
                    item.title = title;
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(f) = frames.last_mut().filter(|f| f.collecting) {
                    f.collecting = false;
                }
            }
            Event::End(TagEnd::Link) => {
                if let Some(f) = frames.last_mut()
                    && let Some((url, label)) = f.link.take()
                {
                    f.links.push((label, url));
                }
            }
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => {
                if let Some(f) = frames.last_mut().filter(|f| f.collecting) {
                    f.title.push_str(&t);
                    if let Some((_, label)) = f.link.as_mut() {
                        label.push_str(&t);
                    }
                    f.title_end = range.end;
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(f) = frames.last_mut().filter(|f| f.collecting) {
                    f.title.push(' ');
                }
            }
            _ => {}
        }
    }

    // Ids in document order, so duplicates are numbered top to bottom.
    for item in sections.iter_mut().flat_map(|s| s.items.iter_mut()) {
        item.id = item_ids.unique(slug(&item.title, 60, "item"));
    }
    if sections.is_empty() {
        return Err(err(
            "no task items found: a checklist needs task lines such as `- [ ] Backups configured` under a heading"
                .to_owned(),
        ));
    }
    let stem = std::path::Path::new(origin)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(title) = &doc_title
        && title.chars().nth(MAX_TITLE_CHARS).is_some()
    {
        return Err(too_long("the title", doc_title_at, title));
    }
    let name = doc_title.unwrap_or_else(|| {
        if stem.is_empty() {
            "Imported checklist".to_owned()
        } else {
            stem.clone()
        }
    });
    let mut id = slug(&name, 40, "imported");
    if super::BUILTIN_IDS.contains(&id.as_str()) {
        id.push_str("-imported");
    }
    let mut template = Template {
        format: FORMAT,
        id,
        version: 0,
        name,
        description: String::new(),
        source: format!("{origin} (Markdown)"),
        require_maintenance: false,
        sections,
    };
    template.clean();
    template.validate().map_err(err)?;
    Ok(template)
}

/// A list item being read.
struct Frame {
    range: Range<usize>,
    is_task: bool,
    collecting: bool,
    title: String,
    title_end: usize,
    link: Option<(String, String)>,
    links: Vec<(String, String)>,
    nested_tasks: Vec<Range<usize>>,
    /// (section, item) index reserved for this task.
    slot: Option<(usize, usize)>,
}

impl Frame {
    fn new(range: Range<usize>) -> Self {
        Frame {
            title_end: range.start,
            range,
            is_task: false,
            collecting: false,
            title: String::new(),
            link: None,
            links: Vec::new(),
            nested_tasks: Vec::new(),
            slot: None,
        }
    }

    /// The item's source after its title, without nested task items,
    /// dedented; preceded by the links its title carried.
    fn guidance(&self, text: &str) -> String {
        let mut body = String::new();
        let mut at = self.title_end.min(self.range.end);
        for r in &self.nested_tasks {
            if r.start >= at {
                // The text before the nested task, without the indentation
                // of the task's own line; then the blank lines the task
                // ended with, so that what follows it stays a paragraph of
                // its own instead of running into the line before.
                body.push_str(text[at..r.start].trim_end_matches([' ', '\t']));
                let nested = &text[r.clone()];
                let tail = &nested[nested.trim_end().len()..];
                let blank_lines = tail.matches('\n').count().saturating_sub(1);
                body.extend(std::iter::repeat_n('\n', blank_lines));
                at = r.end;
            }
        }
        body.push_str(&text[at..self.range.end]);
        let body = dedent(&body);
        let mut out = String::new();
        for (label, url) in &self.links {
            let label = collapse(label);
            out.push_str(&format!("- [{label}]({url})\n"));
        }
        if !body.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&body);
        }
        out.trim().to_owned()
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn dedent(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_owned()
}

/// Unique ids from slugs: the first use of a slug keeps it, later ones get
/// `-2`, `-3`, … from one counter per slug, so numbering never re-probes
/// the numbers already given (20,000 equal titles took 14 s that way).
/// Gives the same ids as taking the lowest free number each time: a number
/// is passed only once its id is taken, and taken ids stay taken.
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
    next: HashMap<String, u32>,
}

impl Ids {
    fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.next.entry(base.clone()).or_insert(2);
        loop {
            // Each id tried here and found taken is a different taken id
            // (only this slug's counter makes ids ending in this number), so
            // all the tries of an import together are at most its ids.
            let id = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}
