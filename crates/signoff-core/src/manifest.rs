//! The manifest: a run's whole state in one canonical, machine-readable
//! document (frozen template, results, notes, waivers, evidence hashes, the
//! run's activity entries and the log's head). Reports embed it as
//! `manifest.json`, and a sign-off signs its digest, so one byte changed
//! anywhere in the run changes what is signed.
//!
//! Canonical form: `serde_json` of these structs, compact, fields in
//! declaration order, no floating point. The same state always gives the
//! same bytes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::model::{ActivityEntry, Counts, RunItem, RunState};
use crate::signoff::Blocker;
use crate::template::{Template, hex};
use crate::workspace::Workspace;

/// Identifies the manifest format; bump when its meaning changes.
pub const MANIFEST_SCHEMA: &str = "signoff.run-manifest/1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema: String,
    pub run: ManifestRun,
    pub template: ManifestTemplate,
    pub counts: Counts,
    pub items: Vec<RunItem>,
    pub blockers: Vec<Blocker>,
    pub activity: ManifestActivity,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestRun {
    pub id: i64,
    pub target: String,
    pub environment: String,
    pub state: RunState,
    pub created_at: String,
    pub created_by: String,
    pub revision: u32,
    pub revision_of: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestTemplate {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub hash: String,
    pub frozen: Template,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestActivity {
    /// The run's own entries and those of the revisions it continues (each
    /// verifiable from its fields and `prevHash`).
    pub entries: Vec<ActivityEntry>,
    /// The whole log's newest entry when the manifest was made.
    pub head_seq: i64,
    pub head_hash: String,
}

impl Manifest {
    /// The canonical bytes.
    pub fn canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// SHA-256 (hex) of the canonical bytes: what a sign-off attests to.
    pub fn digest(&self) -> String {
        hex(&Sha256::digest(self.canonical_json()))
    }
}

impl Workspace {
    /// The manifest of a run as it stands now.
    pub fn run_manifest(&self, run: i64) -> Result<Manifest> {
        let detail = self.show_run(run)?;
        let s = detail.summary;
        // The run's own entries and those of the revisions it continues, so
        // a reopened run's report carries its whole history.
        let mut entries = self.store.run_activity(run)?;
        let mut previous = s.revision_of;
        while let Some(p) = previous {
            entries.extend(self.store.run_activity(p)?);
            previous = self.store.run_summary(p)?.revision_of;
        }
        entries.sort_by_key(|e| e.seq);
        let log = self.store.activity()?;
        let (head_seq, head_hash) = log
            .last()
            .map(|e| (e.seq, e.hash.clone()))
            .unwrap_or((0, crate::activity::GENESIS.to_owned()));
        Ok(Manifest {
            schema: MANIFEST_SCHEMA.to_owned(),
            run: ManifestRun {
                id: s.id,
                target: s.target,
                environment: s.environment,
                state: s.state,
                created_at: s.created_at,
                created_by: s.created_by,
                revision: s.revision,
                revision_of: s.revision_of,
            },
            template: ManifestTemplate {
                id: s.template_id,
                version: s.template_version,
                name: s.template_name,
                hash: s.template_hash,
                frozen: detail.template,
            },
            counts: s.counts,
            items: detail.items,
            blockers: detail.blockers,
            activity: ManifestActivity {
                entries,
                head_seq,
                head_hash,
            },
        })
    }
}
