//! Use cases on runs: start one from a template, list and show them, set an
//! item's result, waive a failed item. The rules live here; the store only
//! persists.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;

use crate::error::{Error, Result};
use crate::model::{
    ActivityEntry, Actor, ItemResult, RunDetail, RunItem, RunState, RunSummary, Status, Waiver,
};
use crate::store::Tx;
use crate::workspace::{Workspace, clean_text};

/// Longest note or justification accepted (characters).
pub const MAX_NOTE: usize = 20_000;

/// What `set_result` changes. `None` keeps the stored value.
#[derive(Clone, Debug, Default)]
pub struct ResultChange<'a> {
    pub status: Option<Status>,
    pub note: Option<&'a str>,
    pub reason: Option<&'a str>,
}

impl Workspace {
    /// Starts a run of `template` (`ID` or `ID@VERSION`) for `target` in
    /// `environment`. The run keeps a frozen copy of the template.
    pub fn new_run(
        &mut self,
        actor: &Actor,
        template: &str,
        target: &str,
        environment: &str,
    ) -> Result<RunSummary> {
        let t = self.show_template(template)?;
        let target = clean_text("the target", target, 200, false)?;
        if target.is_empty() {
            return Err(Error::Invalid(
                "name the target of the run (for example a release: v1.4.0)".into(),
            ));
        }
        let environment = clean_text("the environment", environment, 200, false)?;
        let at = self.now();
        let run = self.store.write(|tx| {
            let run = tx.insert_run(&t, &target, &environment, &at, actor)?;
            tx.log(
                &at,
                actor,
                "run.created",
                &format!("run/{run}"),
                json!({
                    "target": target, "environment": environment,
                    "template": format!("{}@{}", t.id, t.version), "templateHash": t.content_hash(),
                    "requireMaintenance": t.require_maintenance,
                }),
            )?;
            Ok(run)
        })?;
        self.store.run_summary(run)
    }

    /// One run with its counts.
    pub fn run_summary(&self, run: i64) -> Result<RunSummary> {
        self.store.run_summary(run)
    }

    /// Every run, newest first, with its counts.
    pub fn list_runs(&self) -> Result<Vec<RunSummary>> {
        self.store.list_runs()
    }

    /// A run with every item's result, waiver and evidence, in template order.
    pub fn show_run(&self, run: i64) -> Result<RunDetail> {
        let summary = self.store.run_summary(run)?;
        let template = self.store.run_template(run)?;
        let mut results: HashMap<String, _> = self
            .store
            .results(run)?
            .into_iter()
            .map(|r| (r.item_id.clone(), r))
            .collect();
        let mut waivers: HashMap<String, Waiver> = self.store.waivers(run)?.into_iter().collect();
        let mut evidence: HashMap<String, Vec<_>> = HashMap::new();
        for (item, ev) in self.store.evidence(run)? {
            evidence.entry(item).or_default().push(ev);
        }
        let items: Vec<RunItem> = template
            .items()
            .map(|(section, item)| {
                let r = results.remove(&item.id);
                RunItem {
                    id: item.id.clone(),
                    section_id: section.id.clone(),
                    title: item.title.clone(),
                    evidence_rule: item.evidence,
                    status: r.as_ref().map(|r| r.status).unwrap_or_default(),
                    note: r.as_ref().map(|r| r.note.clone()).unwrap_or_default(),
                    reason: r.as_ref().map(|r| r.reason.clone()).unwrap_or_default(),
                    updated_at: r.as_ref().and_then(|r| r.updated_at.clone()),
                    updated_by: r.and_then(|r| r.updated_by),
                    waiver: waivers.remove(&item.id),
                    evidence: evidence.remove(&item.id).unwrap_or_default(),
                }
            })
            .collect();
        let mut blockers = crate::signoff::blockers(&items, self.today());
        if summary.require_maintenance {
            for t in self.overdue_tasks()? {
                blockers.push(crate::signoff::Blocker {
                    item_id: format!("maintenance/{}", t.task.id),
                    title: format!("Maintenance: {}", t.task.title),
                    problem: format!(
                        "overdue since {} ({} days); the release gate requires no overdue maintenance",
                        t.next_due.map(|d| d.to_string()).unwrap_or_default(),
                        t.days_late
                    ),
                });
            }
        }
        Ok(RunDetail {
            summary,
            template,
            items,
            blockers,
        })
    }

    /// Turns the run's maintenance release gate on or off.
    pub fn set_maintenance_gate(
        &mut self,
        actor: &Actor,
        run: i64,
        on: bool,
    ) -> Result<RunSummary> {
        let at = self.now();
        self.store.write(|tx| {
            require_open(tx, run)?;
            tx.set_require_maintenance(run, on)?;
            tx.log(
                &at,
                actor,
                "run.gate",
                &format!("run/{run}"),
                json!({ "requireMaintenance": on }),
            )
        })?;
        self.store.run_summary(run)
    }

    /// Sets an item's status, note and N/A reason. An N/A needs a reason; a
    /// status other than `fail` revokes the item's waiver. A change that
    /// changes nothing is not recorded.
    pub fn set_result(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        change: ResultChange<'_>,
    ) -> Result<ItemResult> {
        let note = change
            .note
            .map(|n| clean_text("the note", n, MAX_NOTE, true))
            .transpose()?;
        let reason = change
            .reason
            .map(|r| clean_text("the reason", r, MAX_NOTE, true))
            .transpose()?;
        let current = self.require_item(run, item)?;
        let status = change.status.unwrap_or(current.status);
        // A reason only says why an item does not apply: given with any
        // other status it would be dropped without a word.
        if status != Status::Na && reason.as_deref().is_some_and(|r| !r.trim().is_empty()) {
            return Err(Error::Invalid(format!(
                "item '{item}': a reason is only for N/A, and the status would be {status}; give the reason with --status na, or leave it out. Nothing was changed"
            )));
        }
        let note = note.unwrap_or(current.note.clone());
        let reason = match status {
            Status::Na => reason.unwrap_or(current.reason.clone()),
            _ => String::new(),
        };
        if status == Status::Na && reason.is_empty() {
            return Err(Error::Invalid(format!(
                "item '{item}': N/A needs a reason saying why the item does not apply"
            )));
        }
        if status == current.status && note == current.note && reason == current.reason {
            return Ok(current);
        }
        let at = self.now();
        self.store.write(|tx| {
            require_open(tx, run)?;
            tx.update_result(run, item, status, &note, &reason, &at, actor)?;
            let subject = format!("run/{run}/item/{item}");
            tx.log(
                &at,
                actor,
                "result.set",
                &subject,
                json!({ "status": status, "previous": current.status, "note": note, "reason": reason }),
            )?;
            if status != Status::Fail && tx.delete_waiver(run, item)? {
                tx.log(&at, actor, "waiver.revoked", &subject, json!({ "because": format!("status is now {status}") }))?;
            }
            Ok(())
        })?;
        self.store
            .result(run, item)?
            .ok_or_else(|| self.unknown_item(run, item))
    }

    /// Records accepted risk on a failed item, until `expires_on`.
    /// `accepted_by` defaults to the actor.
    pub fn waive_item(
        &mut self,
        actor: &Actor,
        run: i64,
        item: &str,
        justification: &str,
        accepted_by: Option<&str>,
        expires_on: NaiveDate,
    ) -> Result<Waiver> {
        let justification = clean_text("the justification", justification, MAX_NOTE, true)?;
        if justification.is_empty() {
            return Err(Error::Invalid(
                "a waiver needs a justification: why is this risk acceptable?".into(),
            ));
        }
        let accepted_by = match accepted_by {
            Some(a) => Actor::new(a)?.as_str().to_owned(),
            None => actor.as_str().to_owned(),
        };
        let today = self.today();
        if expires_on <= today {
            return Err(Error::Invalid(format!(
                "the waiver's expiry date {expires_on} is not in the future (today is {today})"
            )));
        }
        let current = self.require_item(run, item)?;
        if current.status != Status::Fail {
            return Err(Error::Invalid(format!(
                "item '{item}' is {}; only a failed item can be waived (set it to fail first)",
                current.status
            )));
        }
        let at = self.now();
        let waiver = Waiver {
            justification,
            accepted_by,
            expires_on,
            granted_at: at.clone(),
            granted_by: actor.as_str().to_owned(),
        };
        self.store.write(|tx| {
            require_open(tx, run)?;
            tx.upsert_waiver(run, item, &waiver)?;
            tx.log(
                &at,
                actor,
                "waiver.granted",
                &format!("run/{run}/item/{item}"),
                json!({ "justification": waiver.justification, "acceptedBy": waiver.accepted_by, "expiresOn": waiver.expires_on }),
            )
        })?;
        Ok(waiver)
    }

    /// A counter that grows with every change to the workspace (the newest
    /// activity entry's number): front ends poll it to refresh their view.
    pub fn change_counter(&self) -> Result<i64> {
        self.store.activity_head()
    }

    /// Records a change to the signing identity (which lives outside the
    /// database, in `signoff-signature`'s folder) in the activity log, so
    /// the log shows when each signer's key came to be.
    pub fn log_identity(
        &mut self,
        actor: &Actor,
        action: &str,
        fingerprint: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        if !matches!(action, "identity.created" | "identity.imported") {
            return Err(Error::Invalid(format!(
                "'{action}' is not an identity action"
            )));
        }
        let at = self.now();
        self.store.write(|tx| {
            tx.log(
                &at,
                actor,
                action,
                &format!("identity/{fingerprint}"),
                details,
            )
        })
    }

    /// The whole activity log, oldest first.
    pub fn list_activity(&self) -> Result<Vec<ActivityEntry>> {
        self.store.activity()
    }

    /// The activity entries about one run and its items.
    pub fn run_activity(&self, run: i64) -> Result<Vec<ActivityEntry>> {
        self.store.run_summary(run)?;
        self.store.run_activity(run)
    }

    /// One item of a run, as `show_run` would give it.
    pub fn run_item(&self, run: i64, item: &str) -> Result<RunItem> {
        // Small runs are the norm; for a single item we still read only its rows.
        let template = self.store.run_template(run)?;
        let (section, t_item) = template
            .items()
            .find(|(_, i)| i.id == item)
            .ok_or_else(|| self.unknown_item(run, item))?;
        let r = self
            .store
            .result(run, item)?
            .ok_or_else(|| self.unknown_item(run, item))?;
        let waiver = self
            .store
            .waivers(run)?
            .into_iter()
            .find(|(i, _)| i == item)
            .map(|(_, w)| w);
        let evidence = self
            .store
            .evidence(run)?
            .into_iter()
            .filter(|(i, _)| i == item)
            .map(|(_, e)| e)
            .collect();
        Ok(RunItem {
            id: t_item.id.clone(),
            section_id: section.id.clone(),
            title: t_item.title.clone(),
            evidence_rule: t_item.evidence,
            status: r.status,
            note: r.note,
            reason: r.reason,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
            waiver,
            evidence,
        })
    }

    /// The stored result of an item, or a clear error naming the run/item.
    pub(crate) fn require_item(&self, run: i64, item: &str) -> Result<ItemResult> {
        if self.store.run_state(run)? == RunState::Signed {
            return Err(Error::Frozen { run });
        }
        self.store
            .result(run, item)?
            .ok_or_else(|| self.unknown_item(run, item))
    }

    fn unknown_item(&self, run: i64, item: &str) -> Error {
        let ids: Vec<String> = self
            .store
            .results(run)
            .map(|rows| rows.into_iter().map(|r| r.item_id).collect())
            .unwrap_or_default();
        let shown: Vec<&str> = ids.iter().take(20).map(String::as_str).collect();
        let more = if ids.len() > shown.len() {
            format!(" and {} more", ids.len() - shown.len())
        } else {
            String::new()
        };
        Error::NotFound {
            what: "item",
            id: item.to_owned(),
            hint: format!(" in run {run}; its items are: {}{more}", shown.join(", ")),
        }
    }
}

/// Refuses changes to a signed run, inside the writing transaction (so a
/// sign-off by another process in between is respected).
pub(crate) fn require_open(tx: &Tx<'_>, run: i64) -> Result<()> {
    match tx.run_state(run)? {
        RunState::Open => Ok(()),
        RunState::Signed => Err(Error::Frozen { run }),
    }
}
