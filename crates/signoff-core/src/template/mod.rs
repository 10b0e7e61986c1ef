//! Checklist templates: the TOML format, validation, content hashing, the
//! built-in templates embedded in the binary, and Markdown import.
//!
//! A template is a pure value. This module never touches the database or the
//! file system; callers hand it text and store what it returns.

mod builtin;
mod markdown;

pub use builtin::{BUILTIN_IDS, builtin, builtins};
pub use markdown::from_markdown;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The version of the template file format this build reads and writes.
pub const FORMAT: u32 = 1;

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
        let template: Template = toml::from_str(text).map_err(|e| Error::Template {
            origin: origin.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
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

    /// Checks the rules a template must meet; returns the first problem.
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
        if self.sections.is_empty() {
            return Err("the template has no sections".into());
        }
        let mut section_ids = std::collections::HashSet::new();
        let mut item_ids = std::collections::HashSet::new();
        for (si, section) in self.sections.iter().enumerate() {
            let at = format!("section {} ('{}')", si + 1, section.title);
            check_id(&format!("{at}: id"), &section.id)?;
            if !section_ids.insert(section.id.as_str()) {
                return Err(format!("{at}: section id '{}' is used twice", section.id));
            }
            if section.title.trim().is_empty() {
                return Err(format!("section {}: the title is empty", si + 1));
            }
            if section.items.is_empty() {
                return Err(format!("{at}: the section has no items"));
            }
            for (ii, item) in section.items.iter().enumerate() {
                let at = format!("{at}, item {} ('{}')", ii + 1, item.title);
                check_id(&format!("{at}: id"), &item.id)?;
                if item.title.trim().is_empty() {
                    return Err(format!("{at}: the title is empty"));
                }
                if !item_ids.insert(item.id.as_str()) {
                    return Err(format!("{at}: item id '{}' is used twice", item.id));
                }
            }
        }
        Ok(())
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
        let json = serde_json::to_vec(&Content {
            format: self.format,
            id: &self.id,
            name: &self.name,
            description: &self.description,
            sections: &self.sections,
        })
        .unwrap_or_default();
        hex(&Sha256::digest(json))
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
            "{what} '{id}' must be 1-80 lowercase letters, digits and dashes, not starting or ending with a dash"
        ))
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
    fn ids_are_checked() {
        for good in ["a", "predeploy", "item-2", "x1"] {
            assert!(check_id("id", good).is_ok(), "{good} should be accepted");
        }
        for bad in ["", "A", "-a", "a-", "a b", "é"] {
            assert!(check_id("id", bad).is_err(), "{bad:?} should be refused");
        }
    }
}
