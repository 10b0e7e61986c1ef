//! Use cases on templates: list, show, read (to preview) and import.

use std::io::Read;
use std::path::Path;

use serde_json::json;

use crate::error::{Error, Result};
use crate::model::{Actor, TemplateSummary};
use crate::template::{self, Template};
use crate::vault;
use crate::workspace::Workspace;

/// The outcome of an import.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    #[serde(flatten)]
    pub template: TemplateSummary,
    /// False when the same content was already stored (same id and version).
    pub created: bool,
}

impl Workspace {
    /// Built-in templates first, then the newest version of each import.
    pub fn list_templates(&self) -> Result<Vec<TemplateSummary>> {
        let mut out: Vec<TemplateSummary> = template::builtins()
            .iter()
            .map(|t| TemplateSummary::of(t, true))
            .collect();
        out.extend(
            self.store
                .latest_templates()?
                .iter()
                .map(|t| TemplateSummary::of(t, false)),
        );
        Ok(out)
    }

    /// A template by reference: `ID` (newest) or `ID@VERSION`.
    pub fn show_template(&self, reference: &str) -> Result<Template> {
        let (id, version) = match reference.split_once('@') {
            Some((id, v)) => {
                let v: u32 = v.parse().map_err(|_| {
                    Error::Invalid(format!(
                        "'{reference}': the version after @ must be a number"
                    ))
                })?;
                (id, Some(v))
            }
            None => (reference, None),
        };
        if let Some(t) = template::builtin(id) {
            return match version {
                Some(v) if v != t.version => Err(Error::not_found("template version", reference)),
                _ => Ok(t),
            };
        }
        let found = match version {
            Some(v) => self.store.template(id, v)?,
            None => self.store.latest_template(id)?,
        };
        found.ok_or_else(|| {
            let known: Vec<String> = self
                .list_templates()
                .map(|ts| ts.into_iter().map(|t| t.id).collect())
                .unwrap_or_default();
            Error::NotFound {
                what: "template",
                id: reference.to_owned(),
                hint: format!("; known templates: {}", known.join(", ")),
            }
        })
    }

    /// Imports a Markdown or TOML checklist file as a template. Importing the
    /// same content again returns the stored version instead of a new one.
    pub fn import_template(&mut self, actor: &Actor, file: &Path) -> Result<Imported> {
        let t = read_template(file)?;
        if template::BUILTIN_IDS.contains(&t.id.as_str()) {
            return Err(Error::Template {
                origin: file.display().to_string(),
                message: format!(
                    "id '{}' belongs to a built-in template; choose another id",
                    t.id
                ),
            });
        }
        let at = self.now();
        let (version, created) = self.store.write(|tx| {
            let (version, created) = tx.insert_template(&t, &at, actor)?;
            if created {
                tx.log(
                    &at,
                    actor,
                    "template.imported",
                    &format!("template/{}@{version}", t.id),
                    json!({ "name": t.name, "hash": t.content_hash(), "items": t.item_count(), "source": t.source }),
                )?;
            }
            Ok((version, created))
        })?;
        let mut stored = t;
        stored.version = version;
        Ok(Imported {
            template: TemplateSummary::of(&stored, false),
            created,
        })
    }
}

/// Reads and parses a Markdown or TOML checklist file, without storing it
/// and without a workspace (the app parses a picked file before it takes
/// the workspace lock). The file must be a regular file
/// ([`vault::open_source`]: no device, FIFO or directory) of at most
/// [`template::MAX_FILE_BYTES`]; never more than that is read, whatever its
/// size claims.
pub fn read_template(file: &Path) -> Result<Template> {
    let bad = |reason: String| Error::Input {
        path: file.to_owned(),
        reason,
    };
    let too_big = |size: u64| {
        bad(format!(
            "is {size} bytes; a checklist file may be at most {} bytes (MAX_FILE_BYTES)",
            template::MAX_FILE_BYTES
        ))
    };
    let (source, size) = vault::open_source(file)?;
    if size > template::MAX_FILE_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    source
        .take(template::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => bad("permission denied".into()),
            _ => bad(format!("cannot be read: {e}")),
        })?;
    if bytes.len() as u64 > template::MAX_FILE_BYTES {
        // It grew while being read.
        return Err(too_big(bytes.len() as u64));
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    Template::from_file_bytes(&bytes, &name)
}
