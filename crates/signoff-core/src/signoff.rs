//! Sign-off rules: when a run may be signed, and what stands in the way.
//! Pure functions over a run's state and today's date; the signing itself
//! (report, signature, freezing) builds on them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::model::{Actor, RunItem, RunState, RunSummary, SignoffRecord, Status};
use crate::template::EvidenceRule;
use crate::workspace::Workspace;

/// One reason a run cannot be signed yet, naming the item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Blocker {
    pub item_id: String,
    pub title: String,
    pub problem: String,
}

/// Everything that blocks signing, one entry per item, in template order. A run can be signed
/// when every item is *pass*, *N/A* with a reason, or *fail* with a waiver
/// that has not expired by `today`; and every item whose template requires
/// evidence has some (N/A items excepted: nothing applies to show).
pub fn blockers(items: &[RunItem], today: NaiveDate) -> Vec<Blocker> {
    let mut out = Vec::new();
    for item in items {
        let mut problems: Vec<String> = Vec::new();
        match item.status {
            Status::Pending => problems.push("not checked yet".into()),
            Status::Pass => {}
            Status::Na if item.reason.trim().is_empty() => {
                problems.push("N/A without a reason".into())
            }
            Status::Na => {}
            Status::Fail => match &item.waiver {
                None => problems.push("failed, with no waiver".into()),
                Some(w) if w.expires_on < today => problems.push(format!(
                    "failed, and its waiver expired on {}",
                    w.expires_on
                )),
                Some(_) => {}
            },
        }
        if item.evidence_rule == EvidenceRule::Required
            && item.status != Status::Na
            && item.evidence.is_empty()
        {
            problems.push("evidence is required and none is attached".into());
        }
        if !problems.is_empty() {
            out.push(Blocker {
                item_id: item.id.clone(),
                title: item.title.clone(),
                problem: problems.join("; "),
            });
        }
    }
    out
}

impl Workspace {
    /// The manifest a sign-off will attest to. Refuses a signed run, a
    /// run with blockers (naming each), and any run while the history checks
    /// (`doctor`: log chain, checkpoint, log replayed against the tables)
    /// find a problem, naming the first.
    pub fn prepare_signoff(&self, run: i64) -> Result<Manifest> {
        let m = self.run_manifest(run)?;
        if m.run.state == RunState::Signed {
            return Err(Error::Frozen { run });
        }
        self.require_intact_history()?;
        if !m.blockers.is_empty() {
            return Err(Error::Blocked {
                run,
                blockers: m.blockers.clone(),
            });
        }
        Ok(m)
    }

    /// A report id for this manifest: `SO-<run>-r<revision>-<digest>`, or
    /// `DRAFT-…` for a draft.
    pub fn report_id(m: &Manifest, draft: bool) -> String {
        let digest = m.digest();
        format!(
            "{}-{}-r{}-{}",
            if draft { "DRAFT" } else { "SO" },
            m.run.id,
            m.run.revision,
            digest[..12].to_ascii_uppercase()
        )
    }

    /// Freezes the run and records the sign-off, in one transaction, if the
    /// run has not changed since `manifest` was made (otherwise nothing is
    /// recorded and the caller signs again).
    pub fn record_signoff(
        &mut self,
        actor: &Actor,
        run: i64,
        manifest: &Manifest,
        record: &SignoffRecord,
    ) -> Result<()> {
        self.record_signoff_then(actor, run, manifest, record, || Ok(()))
    }

    /// [`Self::record_signoff`], calling `publish` (which puts the signed
    /// report in place) inside the transaction, last before it commits: if
    /// `publish` fails nothing is recorded, and a crash can no longer leave
    /// a signed run whose report never reached its name. (A crash between
    /// `publish` and the commit leaves the report in place and the run
    /// open: signing again replaces it.)
    pub fn record_signoff_then(
        &mut self,
        actor: &Actor,
        run: i64,
        manifest: &Manifest,
        record: &SignoffRecord,
        publish: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        // The run's own newest entry (the manifest also carries those of the
        // revisions it continues).
        let own = format!("run/{run}");
        let seen = manifest
            .activity
            .entries
            .iter()
            .filter(|e| e.subject == own || e.subject.starts_with(&format!("{own}/")))
            .map(|e| e.seq)
            .max()
            .unwrap_or(0);
        let at = self.now();
        self.store.write(|tx| {
            if tx.run_last_seq(run)? != seen {
                return Err(Error::Invalid(format!(
                    "run {run} changed while its report was being made; nothing was signed. Sign again"
                )));
            }
            if !tx.freeze_run(run)? {
                return Err(Error::Frozen { run });
            }
            tx.insert_signoff(run, record)?;
            tx.log(
                &at,
                actor,
                "run.signed",
                &format!("run/{run}"),
                serde_json::json!({
                    "role": record.role, "signer": record.signer_name,
                    "fingerprint": record.fingerprint, "reportId": record.report_id,
                    "runDigest": record.run_digest, "statement": record.statement,
                    "signerEmail": record.signer_email, "organisation": record.organisation,
                    "signedAt": record.signed_at,
                    "logHeadSeq": record.log_head_seq, "logHeadHash": record.log_head_hash,
                }),
            )?;
            publish()
        })
    }

    /// Reopens a signed run as its next revision: a new open run with the
    /// same results, waivers and evidence. The signed run and its report
    /// stay as they are.
    pub fn reopen_run(&mut self, actor: &Actor, run: i64) -> Result<RunSummary> {
        let old = self.store.run_summary(run)?;
        if old.state != RunState::Signed {
            return Err(Error::Invalid(format!(
                "run {run} is not signed; change it directly"
            )));
        }
        let at = self.now();
        let new = self.store.write(|tx| {
            let (new, evidence) = tx.copy_run_as_revision(run, &at, actor)?;
            tx.log(
                &at,
                actor,
                "run.reopened",
                &format!("run/{new}"),
                // `evidence`: [old id, new id] of each copy, so the log can
                // be replayed (history.rs).
                serde_json::json!({ "from": run, "revision": old.revision + 1, "evidence": evidence }),
            )?;
            Ok(new)
        })?;
        self.store.run_summary(new)
    }

    /// The sign-offs recorded for a run.
    pub fn signoffs(&self, run: i64) -> Result<Vec<SignoffRecord>> {
        self.store.run_summary(run)?;
        self.store.signoffs(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Evidence, EvidenceKind, Waiver};

    fn item(id: &str, status: Status, rule: EvidenceRule) -> RunItem {
        RunItem {
            id: id.into(),
            section_id: "s".into(),
            title: id.to_uppercase(),
            evidence_rule: rule,
            status,
            note: String::new(),
            reason: String::new(),
            updated_at: None,
            updated_by: None,
            waiver: None,
            evidence: Vec::new(),
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn each_rule_blocks_and_is_named() {
        let today = date("2026-11-28");
        let waiver = |until: &str| Waiver {
            justification: "accepted".into(),
            accepted_by: "CISO".into(),
            expires_on: date(until),
            granted_at: String::new(),
            granted_by: String::new(),
        };
        let file = Evidence {
            id: 1,
            kind: EvidenceKind::File,
            name: "proof.txt".into(),
            sha256: "00".into(),
            size: 1,
            media_type: "text/plain".into(),
            text: String::new(),
            observed_on: today,
            sensitive: false,
            added_at: String::new(),
            added_by: String::new(),
        };
        let mut na_ok = item("na-ok", Status::Na, EvidenceRule::Required);
        na_ok.reason = "internal only".into();
        let mut waived = item("waived", Status::Fail, EvidenceRule::Optional);
        waived.waiver = Some(waiver("2026-11-28"));
        let mut expired = item("expired", Status::Fail, EvidenceRule::Optional);
        expired.waiver = Some(waiver("2026-11-27"));
        let mut proven = item("proven", Status::Pass, EvidenceRule::Required);
        proven.evidence.push(file);
        let items = vec![
            item("pending", Status::Pending, EvidenceRule::Required),
            item("pass", Status::Pass, EvidenceRule::Optional),
            item("no-evidence", Status::Pass, EvidenceRule::Required),
            proven,
            na_ok,
            item("na-no-reason", Status::Na, EvidenceRule::Optional),
            item("fail", Status::Fail, EvidenceRule::Optional),
            waived,
            expired,
        ];
        let got: Vec<(String, String)> = blockers(&items, today)
            .into_iter()
            .map(|b| (b.item_id, b.problem))
            .collect();
        let want = [
            (
                "pending",
                "not checked yet; evidence is required and none is attached",
            ),
            ("no-evidence", "evidence is required and none is attached"),
            ("na-no-reason", "N/A without a reason"),
            ("fail", "failed, with no waiver"),
            ("expired", "failed, and its waiver expired on 2026-11-27"),
        ];
        assert_eq!(
            got,
            want.map(|(a, b)| (a.to_owned(), b.to_owned())),
            "a waiver is good through its expiry day; N/A needs no evidence"
        );
        assert!(blockers(&[item("pass", Status::Pass, EvidenceRule::Optional)], today).is_empty());
    }
}
