//! Checklist templates: the TOML format, validation, content hashing, the
//! built-in templates embedded in the binary, and Markdown import.
//!
//! A template is a pure value. This module never touches the database or the
//! file system; callers hand it text and store what it returns.
//!
//! Every template that comes in (TOML, Markdown) is bounded and clean:
//! parsing takes time and memory linear in the text, the limits below are
//! checked with an error that names the limit and the line (Markdown) or the
//! item (TOML), and control characters are replaced ([`Template::clean`]).

mod builtin;
mod markdown;

pub use builtin::{BUILTIN_IDS, builtin, builtins};
pub use markdown::from_markdown;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The version of the template file format this build reads and writes.
pub const FORMAT: u32 = 1;

/// The largest checklist file read, in bytes; never more than this is read.
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// The most items a template may have (the result-persist benchmark runs a
/// 10,000-item template).
pub const MAX_ITEMS: usize = 10_000;
/// The deepest a Markdown list may be nested (a task in a task in a task…).
pub const MAX_DEPTH: usize = 16;
/// The most bytes of guidance an item may have; also the limit for a
/// section's or the template's description and an item's check.
pub const MAX_GUIDANCE_BYTES: usize = 64 << 10;
/// The most characters in a title: the template's name, a section's or an
/// item's title, and the template's source.
pub const MAX_TITLE_CHARS: usize = 500;
/// The most bytes of text a whole template may hold: what is stored for it
/// (with each run started from it) stays under about twice this.
pub const MAX_TEXT_BYTES: usize = 8 << 20;

/// A checklist definition: sections of items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Format version of the file (see [`FORMAT`]).
    #[serde(default = "format_default")]
    pub format: u32,
    /// Stable identifier: lowercase letters, digits and dashes.
    pub id: String,
    /// Version of this template's content. Built-ins declare it; imports are
    /// numbered by the store (1, 2, ...) each time the content changes.
    #[serde(default)]
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Where the content came from (a document and section, or a file name).
    #[serde(default)]
    pub source: String,
    /// Release gate: sign-off is blocked while a maintenance task is
    /// overdue. Left out of the serialised form when false, so templates
    /// written before it keep their content hash.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_maintenance: bool,
    #[serde(rename = "section", alias = "sections")]
    pub sections: Vec<Section>,
}

fn format_default() -> u32 {
    FORMAT
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// Markdown shown above the section's items.
    #[serde(default)]
    pub description: String,
    #[serde(rename = "item", alias = "items")]
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Unique within the template; results and evidence refer to it.
    pub id: String,
    pub title: String,
    /// Markdown: why the item matters and how to check it.
    #[serde(default)]
    pub guidance: String,
    #[serde(default)]
    pub evidence: EvidenceRule,
    /// An automated check that could establish the result (reserved: stored
    /// and shown, not yet executed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

/// Whether an item needs evidence before its run can be signed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum EvidenceRule {
    Required,
    #[default]
    Optional,
}

/// An automated check attached to an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Check {
    /// Run a command; the item passes when it exits with `expect_exit` and,
    /// if given, its output contains `expect_output`.
    Command {
        run: String,
        #[serde(default)]
        expect_exit: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_output: Option<String>,
    },
}

impl Template {
    /// Parses and validates a TOML template. `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let mut template: Template = toml::from_str(text).map_err(|e| Error::Template {
            origin: origin.to_owned(),
            message: toml_error(text, &e),
        })?;
        template.clean();
        template.validate().map_err(|message| Error::Template {
            origin: origin.to_owned(),
            message,
        })?;
        Ok(template)
    }

    /// Parses a template file's bytes: TOML if the name ends in `.toml`,
    /// Markdown otherwise. Rejects bytes that are not UTF-8, naming the line.
    pub fn from_file_bytes(bytes: &[u8], file_name: &str) -> Result<Self> {
        let text = decode_utf8(bytes, file_name)?;
        if file_name.to_ascii_lowercase().ends_with(".toml") {
            Template::from_toml(text, file_name)
        } else {
            from_markdown(text, file_name)
        }
    }

    /// Checks the rules a template must meet, the limits included; returns
    /// the first problem, naming the section and item.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "format {} is not supported (this build reads format {FORMAT})",
                self.format
            ));
        }
        check_id("template id", &self.id)?;
        if self.name.trim().is_empty() {
            return Err("the template has no name".into());
        }
        check_title("the template's name", &self.name)?;
        check_title("the template's source", &self.source)?;
        check_text("the template's description", &self.description)?;
        if self.sections.is_empty() {
            return Err("the template has no sections".into());
        }
        let mut section_ids = std::collections::HashSet::new();
        let mut item_ids = std::collections::HashSet::new();
        let mut items = 0usize;
        let mut text = self.id.len() + self.name.len() + self.source.len() + self.description.len();
        for (si, section) in self.sections.iter().enumerate() {
            let at = format!("section {} ('{}')", si + 1, quote(&section.title));
            check_id(&format!("{at}: id"), &section.id)?;
            if !section_ids.insert(section.id.as_str()) {
                return Err(format!("{at}: section id '{}' is used twice", section.id));
            }
            if section.title.trim().is_empty() {
                return Err(format!("section {}: the title is empty", si + 1));
            }
            check_title(&format!("{at}: the title"), &section.title)?;
            check_text(&format!("{at}: the description"), &section.description)?;
            if section.items.is_empty() {
                return Err(format!("{at}: the section has no items"));
            }
            text += section.id.len() + section.title.len() + section.description.len();
            for (ii, item) in section.items.iter().enumerate() {
                let at = format!("{at}, item {} ('{}')", ii + 1, quote(&item.title));
                items += 1;
                if items > MAX_ITEMS {
                    return Err(format!(
                        "{at}: the template has more than {MAX_ITEMS} items (MAX_ITEMS); split it into several templates"
                    ));
                }
                check_id(&format!("{at}: id"), &item.id)?;
                if item.title.trim().is_empty() {
                    return Err(format!("{at}: the title is empty"));
                }
                check_title(&format!("{at}: the title"), &item.title)?;
                if !item_ids.insert(item.id.as_str()) {
                    return Err(format!("{at}: item id '{}' is used twice", item.id));
                }
                check_guidance(&format!("{at}: the guidance"), &item.guidance)?;
                if let Some(Check::Command {
                    run, expect_output, ..
                }) = &item.check
                {
                    check_text(&format!("{at}: the check's command"), run)?;
                    let expected = expect_output.as_deref().unwrap_or_default();
                    check_text(&format!("{at}: the check's expected output"), expected)?;
                    text += run.len() + expected.len();
                }
                text += item.id.len() + item.title.len() + item.guidance.len();
                if text > MAX_TEXT_BYTES {
                    return Err(format!(
                        "{at}: the template holds more than {MAX_TEXT_BYTES} bytes of text (MAX_TEXT_BYTES)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Replaces control characters in every string, so that nothing
    /// imported can drive a terminal or hide text: in one-line fields (ids,
    /// the name, the source, titles) tabs and line breaks become spaces; in
    /// multi-line fields (descriptions, guidance, checks) `\r\n` becomes
    /// `\n` and newlines and tabs stay. Every other control character (C0,
    /// DEL, C1) becomes U+FFFD, which shows that something was there. Ids
    /// are then refused by [`Template::validate`], which allows only
    /// letters, digits and dashes.
    pub fn clean(&mut self) {
        clean_line(&mut self.id);
        clean_line(&mut self.name);
        clean_line(&mut self.source);
        clean_block(&mut self.description);
        for section in &mut self.sections {
            clean_line(&mut section.id);
            clean_line(&mut section.title);
            clean_block(&mut section.description);
            for item in &mut section.items {
                clean_line(&mut item.id);
                clean_line(&mut item.title);
                clean_block(&mut item.guidance);
                if let Some(Check::Command {
                    run, expect_output, ..
                }) = &mut item.check
                {
                    clean_block(run);
                    if let Some(expected) = expect_output {
                        clean_block(expected);
                    }
                }
            }
        }
    }

    /// All items in order, with the section each belongs to.
    pub fn items(&self) -> impl Iterator<Item = (&Section, &Item)> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().map(|(_, i)| i).find(|i| i.id == id)
    }

    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    /// SHA-256 (hex) of the content: name, description and sections. The
    /// version and source are labels and do not take part, so re-importing
    /// the same text yields the same hash.
    pub fn content_hash(&self) -> String {
        #[derive(Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        struct Content<'a> {
            format: u32,
            id: &'a str,
            name: &'a str,
            description: &'a str,
            sections: &'a [Section],
        }
        // The JSON is written straight into the hasher: the same bytes as
        // before, so stored hashes still match, but never held whole.
        let mut hasher = HashWriter(Sha256::new());
        let content = Content {
            format: self.format,
            id: &self.id,
            name: &self.name,
            description: &self.description,
            sections: &self.sections,
        };
        // Serialising these types cannot fail, and the hasher never does.
        let _ = serde_json::to_writer(&mut hasher, &content);
        hex(&hasher.0.finalize())
    }
}

/// Feeds what is written into a SHA-256.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Ids are what people type on the command line and what reports cite.
pub(crate) fn check_id(what: &str, id: &str) -> std::result::Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 80
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} '{}' must be 1-80 lowercase letters, digits and dashes, not starting or ending with a dash",
            quote(id)
        ))
    }
}

/// A title or id as an error message quotes it: short, control characters
/// escaped.
pub(crate) fn quote(text: &str) -> String {
    crate::error::excerpt(text, 60)
}

/// A one-line field may hold at most [`MAX_TITLE_CHARS`] characters.
fn check_title(what: &str, text: &str) -> std::result::Result<(), String> {
    // Counting stops at the limit: a 4 MiB title is not walked twice.
    if text.chars().nth(MAX_TITLE_CHARS).is_some() {
        return Err(format!(
            "{what} is longer than {MAX_TITLE_CHARS} characters (MAX_TITLE_CHARS); put the detail in the guidance"
        ));
    }
    Ok(())
}

/// Guidance may hold at most [`MAX_GUIDANCE_BYTES`] bytes.
pub(crate) fn check_guidance(what: &str, text: &str) -> std::result::Result<(), String> {
    if text.len() > MAX_GUIDANCE_BYTES {
        return Err(format!(
            "{what} is {} bytes, more than {MAX_GUIDANCE_BYTES} (MAX_GUIDANCE_BYTES)",
            text.len()
        ));
    }
    Ok(())
}

/// Descriptions and checks have the guidance's limit.
fn check_text(what: &str, text: &str) -> std::result::Result<(), String> {
    check_guidance(what, text)
}

/// A one-line field: tabs and line breaks become spaces, other control
/// characters U+FFFD (see [`Template::clean`]).
pub(crate) fn clean_line(text: &mut String) {
    if text.chars().any(char::is_control) {
        *text = text
            .chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' | '\u{b}' | '\u{c}' => ' ',
                c if c.is_control() => '\u{fffd}',
                c => c,
            })
            .collect();
    }
}

/// A multi-line field: `\r\n` becomes `\n`, newlines and tabs stay, other
/// control characters become U+FFFD (see [`Template::clean`]).
pub(crate) fn clean_block(text: &mut String) {
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        *text = text
            .replace("\r\n", "\n")
            .chars()
            .map(|c| match c {
                '\n' | '\t' => c,
                c if c.is_control() => '\u{fffd}',
                c => c,
            })
            .collect();
    }
}

/// A TOML error as one short line: where (line and column, counted from
/// the error's span) and what, never the offending line itself, which the
/// `toml` crate quotes whole (a 4 MB line made a 4 MB message).
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let what = crate::error::excerpt(e.message().trim(), crate::error::EXCERPT_CHARS);
    match e.span() {
        Some(span) => {
            let mut start = span.start.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what,
    }
}

/// Makes an id from free text: "Django version is 4.2.24 or later" becomes
/// "django-version-is-4-2-24-or-later". Non-ASCII letters are dropped; an
/// empty result becomes `fallback`. Deterministic, so re-imports are stable.
pub(crate) fn slug(text: &str, max_len: usize, fallback: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() >= max_len {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// Lowercase hex of `bytes` (how every SHA-256 is written).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn decode_utf8<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::Template {
            origin: origin.to_owned(),
            message: format!(
                "the file is not valid UTF-8 (line {line}, byte {at}); save it as UTF-8 and import again"
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_stable_and_ascii() {
        assert_eq!(
            slug("Django version is 4.2.24 or later", 60, "x"),
            "django-version-is-4-2-24-or-later"
        );
        assert_eq!(
            slug("  **DEBUG=False** in prod ", 60, "x"),
            "debug-false-in-prod"
        );
        assert_eq!(slug("✓✓✓", 60, "item"), "item");
        assert_eq!(slug("a-b", 1, "x"), "a");
    }

    #[test]
    fn the_streamed_content_hash_is_the_hash_of_the_same_json() {
        // Stored templates and runs carry hashes computed from the whole JSON
        // held in memory; streaming it into the hasher must not change them.
        for t in builtins() {
            #[derive(Serialize)]
            struct Content<'a> {
                format: u32,
                id: &'a str,
                name: &'a str,
                description: &'a str,
                sections: &'a [Section],
            }
            let json = serde_json::to_vec(&Content {
                format: t.format,
                id: &t.id,
                name: &t.name,
                description: &t.description,
                sections: &t.sections,
            })
            .expect("json");
            assert_eq!(t.content_hash(), hex(&Sha256::digest(json)), "{}", t.id);
        }
    }

    #[test]
    fn excerpts_are_short_and_escape_control_characters() {
        let e = crate::error::excerpt(&format!("a\u{1b}[31m\n{}", "x".repeat(500)), 10);
        assert_eq!(e, "a\\u{1b}[31m\\nxxx…");
    }

    #[test]
    fn ids_are_checked() {
        for good in ["a", "predeploy", "item-2", "x1"] {
            assert!(check_id("id", good).is_ok(), "{good} should be accepted");
        }
        for bad in ["", "A", "-a", "a-", "a b", "é"] {
            assert!(check_id("id", bad).is_err(), "{bad:?} should be refused");
        }
    }
}
