//! Use cases on evidence: attach a file, bytes (a pasted screenshot), a note
//! or a link to an item; remove evidence from an item. The bytes go through
//! the vault; the metadata and the activity entry through the store, in one
//! transaction after the bytes are safely on disk.

use std::path::Path;

use chrono::NaiveDate;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Actor, Evidence, EvidenceKind};
use crate::runs::{MAX_NOTE, require_open};
use crate::template::hex;
use crate::vault::{StoredBlob, Vault};
use crate::workspace::{Workspace, clean_text};

/// Where a batch import stands: file `index` (1-based) of `count`, and
/// the bytes copied of that file.
#[derive(Clone, Copy, Debug)]
pub struct BatchProgress<'a> {
    pub index: usize,
    pub count: usize,
    pub name: &'a str,
    pub done: u64,
    pub total: u64,
}

/// Image evidence larger than this is not previewed.
pub const MAX_PREVIEW_BYTES: u64 = 25 << 20;

/// Options shared by every kind of evidence.
#[derive(Clone, Debug, Default)]
pub struct EvidenceOptions {
    /// When the evidence was observed; defaults to today.
    pub observed_on: Option<NaiveDate>,
    /// Sensitive evidence is listed in reports by name and hash only.
    pub sensitive: bool,
}

impl Workspace {
    /// Streams a file into the vault and attaches it to an item.
    /// `progress(done, total)` reports bytes copied.
    pub fn add_evidence_file(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        file: &Path,
        opts: &EvidenceOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Evidence> {
        self.require_item(run, item)?;
        let observed_on = self.observed_on(opts)?;
        let name = display_name(file);
        let blob = self.vault.store_file(file, progress)?;
        self.record_file(actor, run, item, name, blob, observed_on, opts.sensitive)
    }

    /// Attaches several files to an item. Every file is checked first, so a
    /// bad name in the batch attaches none of it; then each is streamed in.
    pub fn add_evidence_files(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        files: &[std::path::PathBuf],
        opts: &EvidenceOptions,
        progress: &mut dyn FnMut(BatchProgress<'_>),
    ) -> Result<Vec<Evidence>> {
        for f in files {
            Vault::check_source(f)?;
        }
        let mut added = Vec::with_capacity(files.len());
        for (i, file) in files.iter().enumerate() {
            let name = display_name(file);
            let mut report = |done, total| {
                progress(BatchProgress {
                    index: i + 1,
                    count: files.len(),
                    name: &name,
                    done,
                    total,
                })
            };
            added.push(self.add_evidence_file(actor, run, item, file, opts, &mut report)?);
        }
        Ok(added)
    }

    /// Attaches bytes held in memory (a pasted screenshot) under `name`.
    pub fn add_evidence_bytes(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        name: &str,
        bytes: &[u8],
        opts: &EvidenceOptions,
    ) -> Result<Evidence> {
        self.require_item(run, item)?;
        let observed_on = self.observed_on(opts)?;
        let name = clean_text("the file name", name, 255, false)?;
        let blob = self.vault.store_bytes(bytes)?;
        self.record_file(actor, run, item, name, blob, observed_on, opts.sensitive)
    }

    /// Attaches a pasted screenshot, named after the time it was pasted
    /// ("Pasted screenshot 2026-11-28 09.30.00 UTC.png").
    pub fn add_evidence_screenshot(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        bytes: &[u8],
        media_type: &str,
        opts: &EvidenceOptions,
    ) -> Result<Evidence> {
        let name = self.screenshot_name(media_type)?;
        self.add_evidence_bytes(actor, run, item, &name, bytes, opts)
    }

    /// The name a pasted screenshot gets ("Pasted screenshot <time>.png");
    /// refuses what is not a PNG, JPEG, GIF or WebP image.
    pub fn screenshot_name(&self, media_type: &str) -> Result<String> {
        let ext = match media_type {
            "image/jpeg" => "jpg",
            "image/gif" => "gif",
            "image/webp" => "webp",
            "image/png" => "png",
            other => {
                return Err(Error::Invalid(format!(
                    "a pasted screenshot must be PNG, JPEG, GIF or WebP, not {other}"
                )));
            }
        };
        Ok(format!("Pasted screenshot {}.{ext}", self.name_stamp()))
    }

    /// Attaches a free-text note.
    pub fn add_evidence_note(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        text: &str,
        opts: &EvidenceOptions,
    ) -> Result<Evidence> {
        let text = clean_text("the note", text, MAX_NOTE, true)?;
        if text.is_empty() {
            return Err(Error::Invalid("the note is empty".into()));
        }
        let name = text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect();
        self.record_text(
            actor,
            run,
            item,
            EvidenceKind::Note,
            name,
            text,
            "text/plain",
            opts,
        )
    }

    /// Attaches a link (http or https only: other schemes such as
    /// `javascript:` or `file:` are refused).
    pub fn add_evidence_link(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        url: &str,
        label: Option<&str>,
        opts: &EvidenceOptions,
    ) -> Result<Evidence> {
        let url = clean_text("the link", url, 2_000, false)?;
        let lower = url.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
            return Err(Error::Invalid(format!(
                "'{url}' is not a web link; links must start with https:// or http://"
            )));
        }
        let name = match label {
            Some(l) if !l.trim().is_empty() => clean_text("the link label", l, 200, false)?,
            _ => url.clone(),
        };
        self.record_text(
            actor,
            run,
            item,
            EvidenceKind::Link,
            name,
            url,
            "text/uri-list",
            opts,
        )
    }

    /// Removes evidence from its item. The record and the bytes are kept
    /// (history is append-only, and other items may cite the same bytes);
    /// the evidence simply stops being listed.
    pub fn remove_evidence(&mut self, actor: &Actor, evidence: i64) -> Result<()> {
        let (run, item, ev, removed) = self
            .store
            .evidence_by_id(evidence)?
            .ok_or_else(|| Error::not_found("evidence", evidence))?;
        if removed {
            return Err(Error::Invalid(format!(
                "evidence {evidence} was already removed"
            )));
        }
        let at = self.now();
        self.store.write(|tx| {
            require_open(tx, run)?;
            tx.mark_evidence_removed(evidence, &at, actor)?;
            tx.log(
                &at,
                actor,
                "evidence.removed",
                &format!("run/{run}/item/{item}"),
                json!({ "evidence": evidence, "name": ev.name, "sha256": ev.sha256 }),
            )
        })
    }

    /// The bytes of an image evidence for its thumbnail: raster images
    /// only (an SVG could carry script), at most [`MAX_PREVIEW_BYTES`].
    pub fn evidence_preview(&self, evidence: i64) -> Result<(Evidence, Vec<u8>)> {
        let (_, _, ev, _) = self
            .store
            .evidence_by_id(evidence)?
            .ok_or_else(|| Error::not_found("evidence", evidence))?;
        let raster = matches!(
            ev.media_type.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        );
        if ev.kind != EvidenceKind::File || !raster {
            return Err(Error::Invalid(format!(
                "evidence {evidence} ({}) has no preview: only PNG, JPEG, GIF and WebP images are previewed",
                ev.media_type
            )));
        }
        let bytes = self.vault.read(&ev.sha256, MAX_PREVIEW_BYTES)?;
        Ok((ev, bytes))
    }

    fn observed_on(&self, opts: &EvidenceOptions) -> Result<NaiveDate> {
        let today = self.today();
        match opts.observed_on {
            Some(d) if d > today => Err(Error::Invalid(format!(
                "the observed date {d} is in the future (today is {today})"
            ))),
            Some(d) => Ok(d),
            None => Ok(today),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record_file(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        name: String,
        blob: StoredBlob,
        observed_on: NaiveDate,
        sensitive: bool,
    ) -> Result<Evidence> {
        let at = self.now();
        let ev = Evidence {
            id: 0,
            kind: EvidenceKind::File,
            media_type: media_type(&name, &blob.head).to_owned(),
            name,
            sha256: blob.sha256,
            size: blob.size,
            text: String::new(),
            observed_on,
            sensitive,
            added_at: at,
            added_by: actor.as_str().to_owned(),
        };
        self.insert_evidence(actor, run, item, ev)
    }

    #[allow(clippy::too_many_arguments)]
    fn record_text(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        kind: EvidenceKind,
        name: String,
        text: String,
        media_type: &str,
        opts: &EvidenceOptions,
    ) -> Result<Evidence> {
        self.require_item(run, item)?;
        let observed_on = self.observed_on(opts)?;
        let at = self.now();
        let ev = Evidence {
            id: 0,
            kind,
            name,
            sha256: hex(&Sha256::digest(text.as_bytes())),
            size: text.len() as u64,
            media_type: media_type.to_owned(),
            text,
            observed_on,
            sensitive: opts.sensitive,
            added_at: at,
            added_by: actor.as_str().to_owned(),
        };
        self.insert_evidence(actor, run, item, ev)
    }

    /// Records evidence (and, for a file, its blob) with its activity entry,
    /// in one transaction; refuses a run that was signed meanwhile.
    fn insert_evidence(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        mut ev: Evidence,
    ) -> Result<Evidence> {
        ev.id = self.store.write(|tx| {
            require_open(tx, run)?;
            if ev.kind == EvidenceKind::File {
                tx.insert_blob(&ev.sha256, ev.size, &ev.added_at)?;
            }
            let id = tx.insert_evidence(run, item, &ev)?;
            tx.log(
                &ev.added_at,
                actor,
                "evidence.added",
                &format!("run/{run}/item/{item}"),
                details(id, &ev),
            )?;
            Ok(id)
        })?;
        Ok(ev)
    }
}

/// The file's name as recorded: its last component, with characters that
/// are not valid UTF-8, control characters (a newline is legal in a Linux
/// file name) and format controls replaced by U+FFFD, so that lists and
/// reports stay intact and show the name as it really is.
pub(crate) fn display_name(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    name.chars()
        .map(|c| {
            if c.is_control() || is_format_control(c) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Invisible characters that change how the text around them is shown or
/// read: the bidirectional marks, embeddings, overrides and isolates
/// (U+061C, U+200E/F, U+202A–202E, U+2066–2069), zero-width characters,
/// line and paragraph separators, and the byte-order mark. In a file name,
/// U+202E makes `invoice-\u{202e}gpj.exe` look like `invoice-exe.jpg`, so
/// they are replaced wherever a name is shown, embedded or written.
pub fn is_format_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

fn details(id: i64, ev: &Evidence) -> serde_json::Value {
    json!({
        "evidence": id, "kind": ev.kind, "name": ev.name, "sha256": ev.sha256, "size": ev.size,
        "mediaType": ev.media_type, "observedOn": ev.observed_on, "sensitive": ev.sensitive,
    })
}

/// The media type of a file, from its leading bytes, then its extension.
pub fn media_type(name: &str, head: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type();
    }
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => "application/json",
        "md" | "markdown" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        "yaml" | "yml" => "application/yaml",
        "toml" => "application/toml",
        _ if !head.contains(&0) && std::str::from_utf8(head).is_ok() => "text/plain",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::media_type;

    #[test]
    fn media_types() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        for (name, head, want) in [
            ("shot.png", &png[..], "image/png"),
            ("shot.bin", &png[..], "image/png"),
            (
                "out.txt",
                b"pip-audit: no known vulnerabilities\n".as_slice(),
                "text/plain",
            ),
            ("empty.log", b"".as_slice(), "text/plain"),
            ("data.json", b"{}".as_slice(), "application/json"),
            ("blob", b"\0\x01\x02".as_slice(), "application/octet-stream"),
        ] {
            assert_eq!(media_type(name, head), want, "{name}");
        }
    }
}
