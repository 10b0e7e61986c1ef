//! The use cases on tasks: seeding the built-ins once, listing, showing,
//! adding, editing, pausing, resuming and archiving, completing with files,
//! the calendar and the iCalendar export. Reads take `&self`: the built-in
//! tasks are seeded by [`Workspace::ensure_builtin_schedule`], which front
//! ends call once (the app when it opens its workspace, the CLI before a
//! schedule command that shows the schedule) and which adding a task calls.

use chrono::NaiveDate;
use serde_json::json;

use super::model::{
    CalendarEntry, CompleteOptions, Completion, History, NewTask, Standing, Task, TaskDetail,
    TaskEdit, TaskState, TaskStatus,
};
use super::plan::{self, Anchor, OccurrenceState};
use super::{Cadence, builtin, ics};
use crate::error::{Error, Result};
use crate::evidence::display_name;
use crate::model::Actor;
use crate::vault::Vault;
use crate::workspace::{Workspace, clean_text};

/// At most this many grace days (a year).
const MAX_GRACE: u32 = 366;

/// A task's standing on `today`.
pub fn status_of(task: &Task, history: &History, today: NaiveDate) -> Result<TaskStatus> {
    let rules = task.rules()?;
    let open = plan::open_occurrence(&rules, &history.done(), &history.pauses, today);
    let standing = match (task.state, open.map(|o| o.state)) {
        (TaskState::Archived, _) => Standing::Archived,
        (TaskState::Paused, _) => Standing::Paused,
        // A day inside a closed pause (a list `--as-of` that day).
        _ if plan::paused_on(&history.pauses, today) => Standing::Paused,
        (_, Some(OccurrenceState::Overdue)) => Standing::Overdue,
        (_, Some(OccurrenceState::Due)) => Standing::Due,
        _ => Standing::Upcoming,
    };
    let active = matches!(standing, Standing::Overdue | Standing::Due);
    Ok(TaskStatus {
        task: task.clone(),
        standing,
        next_due: open.map(|o| o.due_on),
        days_late: if active {
            open.map_or(0, |o| o.days_late)
        } else {
            0
        },
        last_done: history.completions.iter().map(|c| c.done_on).max(),
    })
}

fn standing_order(s: Standing) -> u8 {
    match s {
        Standing::Overdue => 0,
        Standing::Due => 1,
        Standing::Upcoming => 2,
        Standing::Paused => 3,
        Standing::Archived => 4,
    }
}

/// A task id from a title: lowercase ASCII letters, digits and dashes.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out
        .trim_end_matches('-')
        .chars()
        .take(60)
        .collect::<String>();
    if out.is_empty() { "task".into() } else { out }
}

/// A period asked for (calendar, maintenance log) must run forwards and
/// cover at most three years; checked before anything is written (a front
/// end checks it before seeding the schedule), and the error names `what`
/// and both dates.
pub fn check_period(what: &str, from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(Error::Invalid(format!(
            "{what} from {from} to {to} ends before it starts; give the earlier date first"
        )));
    }
    if (to - from).num_days() > 3 * 366 {
        return Err(Error::Invalid(format!(
            "{what} from {from} to {to} covers more than three years; ask for at most three"
        )));
    }
    Ok(())
}

impl Workspace {
    /// Adds the built-in tasks from the security policy the first time the
    /// schedule is used (never again, even if they are archived), with the
    /// `schedule.seeded` activity entry. Once seeded it only reads, so a
    /// front end may call it on every start.
    pub fn ensure_builtin_schedule(&mut self, actor: &Actor) -> Result<()> {
        if self.store.setting("schedule.seeded")?.is_some() {
            return Ok(());
        }
        let today = self.today();
        let at = self.now();
        let tasks = builtin::tasks(today, &at, actor);
        self.store.write(|tx| {
            if tx.setting("schedule.seeded")?.is_some() {
                return Ok(());
            }
            for t in &tasks {
                tx.insert_task(t)?;
            }
            tx.set_setting("schedule.seeded", &at)?;
            tx.log(
                &at,
                actor,
                "schedule.seeded",
                "schedule",
                json!({
                    "tasks": tasks.iter().map(|t| &t.id).collect::<Vec<_>>(),
                    "definitions": tasks.iter().map(|t| json!({
                        "id": t.id, "title": t.title, "cadence": t.cadence, "startOn": t.start_on,
                        "graceDays": t.grace_days, "owner": t.owner, "anchor": t.anchor,
                    })).collect::<Vec<_>>(),
                }),
            )
        })
    }

    /// Every task (archived ones if asked) with its standing on `as_of`
    /// (default today): overdue first, then due, upcoming, paused, archived;
    /// by date within each.
    pub fn list_tasks(
        &self,
        include_archived: bool,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<TaskStatus>> {
        let today = as_of.unwrap_or_else(|| self.today());
        let mut out = Vec::new();
        for task in self.store.tasks()? {
            if task.state == TaskState::Archived && !include_archived {
                continue;
            }
            let history = self.store.task_history(&task.id)?;
            out.push(status_of(&task, &history, today)?);
        }
        out.sort_by_key(|s| (standing_order(s.standing), s.next_due, s.task.title.clone()));
        Ok(out)
    }

    /// Tasks due or overdue on `as_of` (default today).
    pub fn due_tasks(&self, as_of: Option<NaiveDate>) -> Result<Vec<TaskStatus>> {
        Ok(self
            .list_tasks(false, as_of)?
            .into_iter()
            .filter(|s| matches!(s.standing, Standing::Overdue | Standing::Due))
            .collect())
    }

    /// Overdue tasks today, archived ones included (none is overdue), for
    /// the release gate.
    pub fn overdue_tasks(&self) -> Result<Vec<TaskStatus>> {
        let today = self.today();
        let mut out = Vec::new();
        for task in self.store.tasks()? {
            let history = self.store.task_history(&task.id)?;
            let s = status_of(&task, &history, today)?;
            if s.standing == Standing::Overdue {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn show_task(&self, id: &str) -> Result<TaskDetail> {
        let task = self.require_task(id)?;
        let history = self.store.task_history(id)?;
        let today = self.today();
        let rules = task.rules()?;
        let from = today - chrono::Days::new(366);
        let to = today + chrono::Days::new(200);
        let mut occurrences = history.occurrences(&rules, from, to, today, 500);
        // Keep the past year and the next three.
        let mut future = 0;
        occurrences.retain(|o| {
            if o.due_on > today {
                future += 1;
                future <= 3
            } else {
                true
            }
        });
        Ok(TaskDetail {
            status: status_of(&task, &history, today)?,
            occurrences,
            completions: history.completions,
            pauses: history.pauses,
        })
    }

    fn require_task(&self, id: &str) -> Result<Task> {
        self.store.task(id)?.ok_or_else(|| {
            let ids: Vec<String> = self
                .store
                .tasks()
                .map(|t| t.into_iter().map(|t| t.id).collect())
                .unwrap_or_default();
            Error::NotFound {
                what: "task",
                id: id.to_owned(),
                hint: format!("; the tasks are: {}", ids.join(", ")),
            }
        })
    }

    pub fn add_task(&mut self, actor: &Actor, new: &NewTask) -> Result<TaskStatus> {
        self.ensure_builtin_schedule(actor)?;
        let title = clean_text("the title", &new.title, 200, false)?;
        if title.is_empty() {
            return Err(Error::Invalid("give the task a title".into()));
        }
        let guidance = clean_text("the guidance", &new.guidance, 20_000, true)?;
        let owner = clean_text("the owner", &new.owner, 200, false)?;
        let cadence: Cadence = new.cadence.parse()?;
        if new.grace_days > MAX_GRACE {
            return Err(Error::Invalid(format!(
                "the grace period is at most {MAX_GRACE} days"
            )));
        }
        let id = match new.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => {
                if slug(id) != id {
                    return Err(Error::Invalid(format!(
                        "'{id}' is not a task id: use lowercase letters, digits and dashes (e.g. {})",
                        slug(id)
                    )));
                }
                id.to_owned()
            }
            None => {
                let base = slug(&title);
                let mut id = base.clone();
                let mut n = 2;
                while self.store.task(&id)?.is_some() {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                id
            }
        };
        if self.store.task(&id)?.is_some() {
            return Err(Error::Invalid(format!("a task '{id}' already exists")));
        }
        let at = self.now();
        let task = Task {
            id: id.clone(),
            title,
            guidance,
            cadence: cadence.to_string(),
            start_on: new.start_on.unwrap_or_else(|| self.today()),
            grace_days: new.grace_days,
            owner,
            anchor: if new.from_completion {
                Anchor::Completion
            } else {
                Anchor::Schedule
            },
            state: TaskState::Active,
            builtin: false,
            created_at: at.clone(),
            created_by: actor.as_str().to_owned(),
        };
        self.store.write(|tx| {
            tx.insert_task(&task)?;
            tx.log(
                &at,
                actor,
                "task.created",
                &format!("task/{id}"),
                json!({
                    "title": task.title, "cadence": task.cadence, "startOn": task.start_on,
                    "graceDays": task.grace_days, "owner": task.owner, "anchor": task.anchor,
                }),
            )
        })?;
        let history = self.store.task_history(&id)?;
        status_of(&task, &history, self.today())
    }

    /// Edits a task. Completions keep the occurrence they closed; a new
    /// cadence or start date applies to the occurrences it computes from
    /// now on (the activity log keeps the old values).
    pub fn edit_task(&mut self, actor: &Actor, id: &str, change: &TaskEdit) -> Result<TaskStatus> {
        let mut task = self.require_task(id)?;
        if task.state == TaskState::Archived {
            return Err(Error::Invalid(format!(
                "task '{id}' is archived; archived tasks stay as they are"
            )));
        }
        let before = task.clone();
        if let Some(t) = &change.title {
            task.title = clean_text("the title", t, 200, false)?;
            if task.title.is_empty() {
                return Err(Error::Invalid("give the task a title".into()));
            }
        }
        if let Some(g) = &change.guidance {
            task.guidance = clean_text("the guidance", g, 20_000, true)?;
        }
        if let Some(c) = &change.cadence {
            task.cadence = c.parse::<Cadence>()?.to_string();
        }
        if let Some(s) = change.start_on {
            task.start_on = s;
        }
        if let Some(g) = change.grace_days {
            if g > MAX_GRACE {
                return Err(Error::Invalid(format!(
                    "the grace period is at most {MAX_GRACE} days"
                )));
            }
            task.grace_days = g;
        }
        if let Some(o) = &change.owner {
            task.owner = clean_text("the owner", o, 200, false)?;
        }
        if task == before {
            return status_of(&task, &self.store.task_history(id)?, self.today());
        }
        let at = self.now();
        self.store.write(|tx| {
            tx.update_task(&task)?;
            tx.log(
                &at,
                actor,
                "task.edited",
                &format!("task/{id}"),
                json!({
                    "before": { "title": before.title, "cadence": before.cadence, "startOn": before.start_on,
                                "graceDays": before.grace_days, "owner": before.owner },
                    "after": { "title": task.title, "cadence": task.cadence, "startOn": task.start_on,
                               "graceDays": task.grace_days, "owner": task.owner },
                    "guidanceChanged": before.guidance != task.guidance,
                }),
            )
        })?;
        status_of(&task, &self.store.task_history(id)?, self.today())
    }

    /// Pauses, resumes or archives a task. History is kept as it is.
    pub fn set_task_state(
        &mut self,
        actor: &Actor,
        id: &str,
        state: TaskState,
    ) -> Result<TaskStatus> {
        let task = self.require_task(id)?;
        if task.state == state {
            return Err(Error::Invalid(format!(
                "task '{id}' is already {}",
                state.as_str()
            )));
        }
        if task.state == TaskState::Archived {
            return Err(Error::Invalid(format!(
                "task '{id}' is archived; archived tasks stay as they are"
            )));
        }
        let today = self.today();
        let at = self.now();
        self.store.write(|tx| {
            match state {
                TaskState::Paused => tx.start_pause(id, today)?,
                _ if task.state == TaskState::Paused => tx.end_pause(id, today)?,
                _ => {}
            }
            tx.set_task_state(id, state)?;
            let action = match state {
                TaskState::Paused => "task.paused",
                TaskState::Active => "task.resumed",
                TaskState::Archived => "task.archived",
            };
            tx.log(
                &at,
                actor,
                action,
                &format!("task/{id}"),
                json!({ "on": today }),
            )
        })?;
        let task = self.require_task(id)?;
        status_of(&task, &self.store.task_history(id)?, today)
    }

    /// Records that the open occurrence of a task was done (early, on time
    /// or late), with a note and evidence files stored in the vault.
    pub fn complete_task(
        &mut self,
        actor: &Actor,
        id: &str,
        opts: &CompleteOptions,
        progress: &mut dyn FnMut(&str, u64, u64),
    ) -> Result<Completion> {
        let task = self.require_task(id)?;
        match task.state {
            TaskState::Active => {}
            other => {
                return Err(Error::Invalid(format!(
                    "task '{id}' is {}; resume it before marking it done",
                    other.as_str()
                )));
            }
        }
        let today = self.today();
        let done_on = opts.on.unwrap_or(today);
        if done_on > today {
            return Err(Error::Invalid(format!(
                "{done_on} is in the future; give the day it was done"
            )));
        }
        let note = clean_text("the note", &opts.note, 20_000, true)?;
        let history = self.store.task_history(id)?;
        let rules = task.rules()?;
        let open = plan::open_occurrence(&rules, &history.done(), &history.pauses, done_on)
            .ok_or_else(|| {
                Error::Invalid(if plan::paused_on(&history.pauses, done_on) {
                    format!("task '{id}' was paused on {done_on}; give a day it was active")
                } else {
                    format!("task '{id}' has no occurrence left")
                })
            })?;
        for f in &opts.files {
            Vault::check_source(f)?;
        }
        let mut blobs = Vec::new();
        for f in &opts.files {
            let name = display_name(f);
            let blob = self
                .vault
                .store_file(f, &mut |done, total| progress(&name, done, total))?;
            blobs.push((name, blob));
        }
        let at = self.now();
        let completion_id = self.store.write(|tx| {
            let cid = tx.insert_completion(id, open.due_on, done_on, &note, &at, actor)?;
            let mut files = Vec::new();
            for (name, blob) in &blobs {
                tx.insert_blob(&blob.sha256, blob.size, &at)?;
                let media = crate::evidence::media_type(name, &blob.head);
                tx.insert_completion_file(
                    cid,
                    name,
                    blob,
                    media,
                    done_on,
                    opts.sensitive,
                    &at,
                    actor,
                )?;
                files.push(json!({ "name": name, "sha256": blob.sha256, "size": blob.size }));
            }
            tx.log(
                &at,
                actor,
                "task.done",
                &format!("task/{id}"),
                json!({ "dueOn": open.due_on, "doneOn": done_on, "note": note, "files": files }),
            )?;
            Ok(cid)
        })?;
        self.store
            .task_history(id)?
            .completions
            .into_iter()
            .find(|c| c.id == completion_id)
            .ok_or_else(|| Error::Invalid("the completion was not recorded".into()))
    }

    /// Every occurrence of every active or paused task in `from..=to`.
    /// The period is checked first ([`check_period`]).
    pub fn calendar(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<CalendarEntry>> {
        check_period("the calendar", from, to)?;
        let today = self.today();
        let mut out = Vec::new();
        for task in self.store.tasks()? {
            if task.state == TaskState::Archived {
                continue;
            }
            let history = self.store.task_history(&task.id)?;
            let rules = task.rules()?;
            for o in history.occurrences(&rules, from, to, today, 2000) {
                out.push(CalendarEntry {
                    task_id: task.id.clone(),
                    title: task.title.clone(),
                    due_on: o.due_on,
                    state: o.state,
                    done_on: o.done_on,
                });
            }
        }
        out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.title.cmp(&b.title)));
        Ok(out)
    }

    /// The schedule as an iCalendar file (see [`ics`]).
    pub fn schedule_ics(&self) -> Result<String> {
        let today = self.today();
        let mut items = Vec::new();
        for task in self.store.tasks()? {
            if task.state != TaskState::Active {
                continue;
            }
            let history = self.store.task_history(&task.id)?;
            let status = status_of(&task, &history, today)?;
            items.push(status);
        }
        Ok(ics::calendar(&items, self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn task_ids_from_titles() {
        assert_eq!(
            slug("Review logs for suspicious activity"),
            "review-logs-for-suspicious-activity"
        );
        assert_eq!(
            slug("  Rotate *all* credentials!! "),
            "rotate-all-credentials"
        );
        assert_eq!(slug("日本"), "task");
    }
}
