//! The domain's values as front ends see them: runs, results, waivers,
//! evidence, activity entries. Plain data, serialised in camelCase for the
//! IPC boundary and `--json`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::template::{EvidenceRule, Template};

/// Who does something. Never empty; recorded on every change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Actor(String);

impl Actor {
    pub fn new(name: &str) -> Result<Self, Error> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(Error::Invalid(
                "the actor name must be non-empty text without control characters".into(),
            ));
        }
        Ok(Actor(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The result of one item in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Pending,
    Pass,
    Fail,
    Na,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Pending, Status::Pass, Status::Fail, Status::Na];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Na => "na",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "'{s}' is not a status; use one of: pending, pass, fail, na"
                ))
            })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Open,
    Signed,
}

/// Counts of item results in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub total: u32,
    pub pending: u32,
    pub pass: u32,
    pub fail: u32,
    pub na: u32,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        self.add_n(status, 1);
    }

    /// Counts `n` items with `status`.
    pub fn add_n(&mut self, status: Status, n: u32) {
        self.total += n;
        match status {
            Status::Pending => self.pending += n,
            Status::Pass => self.pass += n,
            Status::Fail => self.fail += n,
            Status::Na => self.na += n,
        }
    }
}

/// A run as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub id: i64,
    pub target: String,
    pub environment: String,
    pub template_id: String,
    pub template_version: u32,
    pub template_name: String,
    pub template_hash: String,
    pub state: RunState,
    pub created_at: String,
    pub created_by: String,
    /// 1 for a first run; n+1 for a run reopened from revision n.
    pub revision: u32,
    /// The signed run this one continues, if it is a reopened revision.
    pub revision_of: Option<i64>,
    /// Release gate: no maintenance task may be overdue at sign-off.
    pub require_maintenance: bool,
    pub counts: Counts,
}

/// One recorded sign-off of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SignoffRecord {
    /// "preparer" or "approver".
    pub role: String,
    pub signer_name: String,
    pub signer_email: String,
    pub organisation: String,
    /// SHA-256 of the signer certificate, `AB:CD:…`.
    pub fingerprint: String,
    pub statement: String,
    pub report_id: String,
    /// The manifest digest that was signed.
    pub run_digest: String,
    pub signed_at: String,
    /// The activity log's newest entry that the signed report carries (its
    /// manifest's `activity.headSeq`/`headHash`); `None` for sign-offs
    /// recorded before Signoff kept it.
    #[serde(default)]
    pub log_head_seq: Option<i64>,
    #[serde(default)]
    pub log_head_hash: Option<String>,
}

/// A run with its frozen template and every item's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RunDetail {
    #[serde(flatten)]
    pub summary: RunSummary,
    /// The template as it was when the run started.
    pub template: Template,
    pub items: Vec<RunItem>,
    /// What stands between this run and a sign-off (empty: ready to sign).
    pub blockers: Vec<crate::signoff::Blocker>,
}

/// One item of a run: what the template says, and what was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RunItem {
    pub id: String,
    pub section_id: String,
    pub title: String,
    pub evidence_rule: EvidenceRule,
    pub status: Status,
    pub note: String,
    /// Why the item is not applicable (set when status is `na`).
    pub reason: String,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    pub waiver: Option<Waiver>,
    pub evidence: Vec<Evidence>,
}

/// An item's recorded result, without the template's text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    pub item_id: String,
    pub status: Status,
    pub note: String,
    pub reason: String,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

/// Accepted risk on a failed item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Waiver {
    pub justification: String,
    pub accepted_by: String,
    pub expires_on: NaiveDate,
    pub granted_at: String,
    pub granted_by: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    File,
    Note,
    Link,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::File => "file",
            EvidenceKind::Note => "note",
            EvidenceKind::Link => "link",
        }
    }
}

/// One piece of evidence attached to an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub id: i64,
    pub kind: EvidenceKind,
    /// Original file name, or a short label for notes and links.
    pub name: String,
    /// SHA-256 (hex) of the file's bytes, or of the note's or link's text.
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    /// The note's text or the link's URL (empty for files).
    pub text: String,
    pub observed_on: NaiveDate,
    pub sensitive: bool,
    pub added_at: String,
    pub added_by: String,
}

/// One entry of the hash-chained activity log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// JSON object with the change's details.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A template as listed: built in, or imported (with its stored version).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TemplateSummary {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub builtin: bool,
    pub sections: u32,
    pub items: u32,
    pub hash: String,
    pub source: String,
}

impl TemplateSummary {
    pub fn of(t: &Template, builtin: bool) -> Self {
        TemplateSummary {
            id: t.id.clone(),
            version: t.version,
            name: t.name.clone(),
            builtin,
            sections: t.sections.len() as u32,
            items: t.item_count() as u32,
            hash: t.content_hash(),
            source: t.source.clone(),
        }
    }
}
