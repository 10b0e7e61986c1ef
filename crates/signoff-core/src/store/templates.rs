//! SQL of imported templates (every version kept).

use rusqlite::{OptionalExtension, Row, params};

use super::codec::{collect, to_json};
use super::{Store, Tx};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::template::Template;

impl Store {
    /// The newest stored version of an imported template.
    pub fn latest_template(&self, id: &str) -> Result<Option<Template>> {
        self.conn
            .query_row(
                "SELECT body, version FROM templates WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                [id],
                template_from_row,
            )
            .optional()?
            .transpose()
    }

    pub fn template(&self, id: &str, version: u32) -> Result<Option<Template>> {
        self.conn
            .query_row(
                "SELECT body, version FROM templates WHERE id = ?1 AND version = ?2",
                params![id, version],
                template_from_row,
            )
            .optional()?
            .transpose()
    }

    /// The newest version of every imported template, by id.
    pub fn latest_templates(&self) -> Result<Vec<Template>> {
        let mut stmt = self.conn.prepare(
            "SELECT body, version FROM templates t WHERE version = \
             (SELECT MAX(version) FROM templates WHERE id = t.id) ORDER BY id",
        )?;
        let rows = stmt.query_map([], template_from_row)?;
        collect(rows)
    }
}

impl Tx<'_> {
    /// Stores a new version of an imported template, or returns the version
    /// already stored with the same content.
    pub fn insert_template(&self, t: &Template, at: &str, by: &Actor) -> Result<(u32, bool)> {
        let hash = t.content_hash();
        let latest: Option<(u32, String)> = self
            .tx
            .query_row(
                "SELECT version, hash FROM templates WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                [&t.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((version, h)) = &latest
            && *h == hash
        {
            return Ok((*version, false));
        }
        let version = latest.map_or(1, |(v, _)| v + 1);
        let mut stored = t.clone();
        stored.version = version;
        self.tx.execute(
            "INSERT INTO templates (id, version, name, hash, body, source, imported_at, imported_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                t.id,
                version,
                t.name,
                hash,
                to_json(&stored)?,
                t.source,
                at,
                by.as_str()
            ],
        )?;
        Ok((version, true))
    }
}

fn template_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Template>> {
    let body: String = r.get(0)?;
    let version: u32 = r.get(1)?;
    Ok(serde_json::from_str::<Template>(&body)
        .map(|mut t| {
            t.version = version;
            t
        })
        .map_err(|e| Error::Database(format!("a stored template is unreadable: {e}"))))
}
