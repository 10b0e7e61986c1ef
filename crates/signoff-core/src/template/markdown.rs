//! Markdown import: headings become sections, GitHub task-list lines
//! (`- [ ]`, `* [x]`, `1. [ ]`) become items. Everything nested under a task
//! that is not itself a task (sub-bullets, paragraphs, code) becomes its
//! guidance; links in a task's text are kept in the guidance too.
//!
//! Parsing is pulldown-cmark's (CommonMark + task lists), so code fences,
//! emphasis, nesting and the odd corners of list syntax behave as in any
//! Markdown viewer. Ids are slugs of the text: importing the same text twice
//! gives the same ids.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::{FORMAT, Item, Section, Template, slug};
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

    let mut doc_title: Option<String> = None;
    let mut heading: Option<String> = None; // text of the heading being read
    let mut section_title: Option<String> = None;
    let mut section_desc = String::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut open_section = false; // does `sections.last()` belong to `section_title`?
    let mut frames: Vec<Frame> = Vec::new();
    let mut used_item_ids = std::collections::HashSet::new();
    let mut used_section_ids = std::collections::HashSet::new();

    let parser = Parser::new_ext(&text, Options::ENABLE_TASKLISTS).into_offset_iter();
    for (event, range) in parser {
        if let Some(h) = heading.as_mut() {
            match event {
                Event::End(TagEnd::Heading(level)) => {
                    let title = collapse(h);
                    if level == pulldown_cmark::HeadingLevel::H1 && doc_title.is_none() {
                        doc_title = Some(title.clone());
                    }
                    section_title = Some(title);
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
            Event::Start(Tag::Item) => frames.push(Frame::new(range)),
            Event::TaskListMarker(_) => {
                // Reserve the item's place now, so a parent comes before the
                // tasks nested in it; its text is filled in at its end.
                if !open_section {
                    let title = section_title
                        .clone()
                        .or_else(|| doc_title.clone())
                        .unwrap_or_else(|| "Checklist".to_owned());
                    let id = unique(slug(&title, 48, "section"), &mut used_section_ids);
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
                for parent in frames.iter_mut() {
                    parent.nested_tasks.push(frame.range.clone());
                }
                let title = collapse(&frame.title);
                if title.is_empty() {
                    let line = text[..frame.range.start].matches('\n').count() + 1;
                    return Err(err(format!("line {line}: a task item has no text")));
                }
                if let Some(item) = frame
                    .slot
                    .and_then(|(s, i)| sections.get_mut(s)?.items.get_mut(i))
                {
                    item.guidance = frame.guidance(&text);
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
        item.id = unique(slug(&item.title, 60, "item"), &mut used_item_ids);
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
    let template = Template {
        format: FORMAT,
        id,
        version: 0,
        name,
        description: String::new(),
        source: format!("{origin} (Markdown)"),
        require_maintenance: false,
        sections,
    };
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
                body.push_str(&text[at..r.start]);
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

fn unique(base: String, used: &mut std::collections::HashSet<String>) -> String {
    let mut id = base.clone();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}
