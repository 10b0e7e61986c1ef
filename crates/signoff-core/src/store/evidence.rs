//! SQL of evidence (removal hides a row, never deletes it) and of the
//! blobs the vault stores, with the evidence that cites each.

use rusqlite::{OptionalExtension, Row, params};

use super::codec::{Stored, decode, parse_date};
use super::{Store, Tx};
use crate::error::Result;
use crate::model::{Actor, Evidence, EvidenceKind};

impl Store {
    /// Evidence of a run that has not been removed, by item id, oldest first.
    pub fn evidence(&self, run: i64) -> Result<Vec<(String, Evidence)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT item_id, {EVIDENCE_COLUMNS} FROM evidence \
             WHERE run_id = ?1 AND removed_at IS NULL ORDER BY id"
        ))?;
        let rows = stmt.query_map([run], |r| {
            Ok((r.get::<_, String>(0)?, evidence_from_row(r, 1)?))
        })?;
        rows.map(|row| {
            let (item, ev) = row?;
            Ok((item, ev?))
        })
        .collect()
    }

    pub fn evidence_by_id(&self, id: i64) -> Result<Option<(i64, String, Evidence, bool)>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT run_id, item_id, removed_at IS NOT NULL, {EVIDENCE_COLUMNS} \
                     FROM evidence WHERE id = ?1"
                ),
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                        evidence_from_row(r, 3)?,
                    ))
                },
            )
            .optional()?
            .map(|(run, item, removed, ev)| Ok((run, item, ev?, removed)))
            .transpose()
    }

    /// Every stored blob with the evidence rows that cite it.
    pub fn blobs(&self) -> Result<Vec<BlobRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.sha256, b.size, e.run_id, e.item_id, e.name FROM blobs b \
             LEFT JOIN evidence e ON e.blob = b.sha256 ORDER BY b.sha256, e.id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out: Vec<BlobRow> = Vec::new();
        while let Some(r) = rows.next()? {
            let sha256: String = r.get(0)?;
            let size: i64 = r.get(1)?;
            let cite = match r.get::<_, Option<i64>>(2)? {
                Some(run) => Some((run, r.get::<_, String>(3)?, r.get::<_, String>(4)?)),
                None => None,
            };
            match out.last_mut() {
                Some(last) if last.sha256 == sha256 => last.cited_by.extend(cite),
                _ => out.push(BlobRow {
                    sha256,
                    size: size as u64,
                    cited_by: cite.into_iter().collect(),
                }),
            }
        }
        Ok(out)
    }
}

impl Tx<'_> {
    /// Records a blob as stored (no-op if the same bytes are already known).
    pub fn insert_blob(&self, sha256: &str, size: u64, at: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO blobs (sha256, size, stored_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![sha256, size as i64, at],
        )?;
        Ok(())
    }

    pub fn insert_evidence(&self, run: i64, item: &str, e: &Evidence) -> Result<i64> {
        let blob = (e.kind == EvidenceKind::File).then_some(e.sha256.as_str());
        self.tx.execute(
            "INSERT INTO evidence (run_id, item_id, kind, blob, digest, name, size, media_type, body, \
             observed_on, sensitive, added_at, added_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                run,
                item,
                e.kind.as_stored(),
                blob,
                e.sha256,
                e.name,
                e.size as i64,
                e.media_type,
                e.text,
                e.observed_on.to_string(),
                e.sensitive,
                e.added_at,
                e.added_by
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn mark_evidence_removed(&self, id: i64, at: &str, by: &Actor) -> Result<()> {
        self.tx.execute(
            "UPDATE evidence SET removed_at = ?2, removed_by = ?3 WHERE id = ?1 AND removed_at IS NULL",
            params![id, at, by.as_str()],
        )?;
        Ok(())
    }
}

/// A stored blob and the evidence (run, item, file name) that cites it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRow {
    pub sha256: String,
    pub size: u64,
    pub cited_by: Vec<(i64, String, String)>,
}

const EVIDENCE_COLUMNS: &str = "id, kind, name, digest, size, media_type, body, observed_on, \
     sensitive, added_at, added_by";

fn evidence_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Result<Evidence>> {
    let (id, kind, name, sha256, size, media_type, text, observed): (
        i64,
        String,
        String,
        String,
        i64,
        String,
        String,
        String,
    ) = (
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
        r.get(at + 5)?,
        r.get(at + 6)?,
        r.get(at + 7)?,
    );
    let (sensitive, added_at, added_by): (bool, String, String) =
        (r.get(at + 8)?, r.get(at + 9)?, r.get(at + 10)?);
    Ok((|| {
        Ok(Evidence {
            id,
            kind: decode(&kind)?,
            name,
            sha256,
            size: size as u64,
            media_type,
            text,
            observed_on: parse_date(&observed)?,
            sensitive,
            added_at,
            added_by,
        })
    })())
}
