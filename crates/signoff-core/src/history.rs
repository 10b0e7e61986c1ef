//! Replaying the activity log: what the tables should hold if every change
//! went through Signoff, compared with what they do hold. Pure: a function
//! over the log's entries and a snapshot of the tables ([`Tables`], read by
//! the store), so that `doctor` and the sign-off flow can name each
//! difference, and tests can feed it any history.
//!
//! Each use case logs enough in its entry's `details` to replay it (with the
//! entry's own time and actor for "updated at/by" fields). Entries written
//! by older versions that lack a field are noted as "cannot be replayed"
//! and the fields they would decide are not compared. It covers runs, their
//! results, waivers, evidence (including removals), sign-offs, tasks, their
//! pauses and completions; templates, identities, settings and reminders
//! shown are not compared.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::ActivityEntry;
use crate::template::hex;

/// The rows the log describes, as stored (text as in the database).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tables {
    pub runs: Vec<RunRow>,
    pub results: Vec<ResultRow>,
    pub waivers: Vec<WaiverRow>,
    pub evidence: Vec<EvidenceRow>,
    pub signoffs: Vec<SignoffRow>,
    pub tasks: Vec<TaskRow>,
    pub pauses: Vec<PauseRow>,
    pub completions: Vec<CompletionRow>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub target: String,
    pub environment: String,
    pub state: String,
    pub revision: i64,
    pub revision_of: Option<i64>,
    pub require_maintenance: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultRow {
    pub run: i64,
    pub item: String,
    pub status: String,
    pub note: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WaiverRow {
    pub run: i64,
    pub item: String,
    pub justification: String,
    pub accepted_by: String,
    pub expires_on: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvidenceRow {
    pub id: i64,
    pub run: i64,
    pub item: String,
    pub kind: String,
    pub digest: String,
    pub name: String,
    pub size: i64,
    pub media_type: String,
    /// A note's text or a link's URL (empty for files).
    pub body: String,
    pub observed_on: String,
    pub sensitive: bool,
    pub removed_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignoffRow {
    pub run: i64,
    pub role: String,
    pub fingerprint: String,
    pub report_id: String,
    pub run_digest: String,
    pub statement: String,
    pub signed_at: String,
    pub log_head_seq: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskRow {
    pub id: String,
    pub title: String,
    pub cadence: String,
    pub start_on: String,
    pub grace_days: i64,
    pub owner: String,
    pub anchor: String,
    pub state: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PauseRow {
    pub task: String,
    pub paused_on: String,
    pub resumed_on: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompletionRow {
    pub task: String,
    pub due_on: String,
    pub done_on: String,
    pub note: String,
    /// `(name, sha256)` of each file, in order.
    pub files: Vec<(String, String)>,
}

/// One way the tables differ from the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// `run/3/item/firewall`, `run/3`, `task/backup-restore`…
    pub subject: String,
    pub message: String,
}

/// What replaying found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replay {
    pub differences: Vec<Difference>,
    /// Entries that cannot be replayed (older formats), once per kind.
    pub notes: Vec<String>,
    /// How many entries were replayed.
    pub replayed: usize,
}

/// A value with the entry that set it (`None`: the value a row starts with).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Set<T> {
    value: T,
    seq: Option<i64>,
}

impl<T> Set<T> {
    fn initial(value: T) -> Self {
        Set { value, seq: None }
    }
    fn at(value: T, seq: i64) -> Self {
        Set {
            value,
            seq: Some(seq),
        }
    }
    fn source(&self) -> String {
        match self.seq {
            Some(s) => format!("entry {s}"),
            None => "no entry changed it".into(),
        }
    }
}

#[derive(Clone, Debug)]
struct Run {
    created: i64,
    target: String,
    environment: String,
    state: Set<String>,
    revision: i64,
    revision_of: Option<i64>,
    require_maintenance: Option<Set<bool>>,
    /// Whether copies of its evidence can be followed (an older reopen entry
    /// did not say which ids the copies got).
    evidence_known: bool,
}

#[derive(Clone, Debug)]
struct Res {
    status: Set<String>,
    note: Set<String>,
    reason: Set<String>,
}

impl Res {
    fn pending() -> Self {
        Res {
            status: Set::initial("pending".into()),
            note: Set::initial(String::new()),
            reason: Set::initial(String::new()),
        }
    }
}

#[derive(Clone, Debug)]
struct Waiver {
    seq: i64,
    justification: String,
    accepted_by: String,
    expires_on: String,
}

#[derive(Clone, Debug)]
struct Ev {
    seq: i64,
    run: i64,
    item: String,
    kind: String,
    digest: String,
    name: String,
    size: i64,
    media_type: String,
    observed_on: String,
    sensitive: bool,
    removed: Option<i64>,
}

#[derive(Clone, Debug)]
struct Sig {
    seq: i64,
    role: String,
    fingerprint: String,
    report_id: String,
    run_digest: String,
    statement: String,
    signed_at: Option<String>,
    log_head_seq: Option<i64>,
}

#[derive(Clone, Debug)]
struct Task {
    seq: i64,
    fields: Option<TaskFields>,
    state: Set<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct TaskFields {
    title: String,
    cadence: String,
    start_on: String,
    grace_days: i64,
    owner: String,
    anchor: String,
}

#[derive(Clone, Debug)]
struct Done {
    seq: i64,
    done_on: String,
    note: String,
    files: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct State {
    runs: BTreeMap<i64, Run>,
    results: BTreeMap<(i64, String), Res>,
    waivers: BTreeMap<(i64, String), Waiver>,
    evidence: BTreeMap<i64, Ev>,
    signoffs: BTreeMap<i64, Vec<Sig>>,
    tasks: BTreeMap<String, Task>,
    pauses: BTreeMap<(String, String), (i64, Option<String>)>,
    completions: BTreeMap<(String, String), Done>,
    notes: BTreeSet<String>,
}

fn s(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn i(v: &Value, k: &str) -> Option<i64> {
    v.get(k)?.as_i64()
}

fn b(v: &Value, k: &str) -> Option<bool> {
    v.get(k)?.as_bool()
}

/// `run/3` -> (3, None); `run/3/item/x` -> (3, Some("x")).
fn run_subject(subject: &str) -> Option<(i64, Option<&str>)> {
    let rest = subject.strip_prefix("run/")?;
    match rest.split_once("/item/") {
        Some((run, item)) => Some((run.parse().ok()?, Some(item))),
        None => Some((rest.parse().ok()?, None)),
    }
}

fn task_fields(v: &Value) -> Option<TaskFields> {
    Some(TaskFields {
        title: s(v, "title")?,
        cadence: s(v, "cadence")?,
        start_on: s(v, "startOn")?,
        grace_days: i(v, "graceDays")?,
        owner: s(v, "owner")?,
        anchor: s(v, "anchor")?,
    })
}

impl State {
    fn cannot(&mut self, e: &ActivityEntry, why: &str) {
        self.notes.insert(format!(
            "{} entries written by an older Signoff cannot be replayed in full ({why}; first at entry {}); what they would decide is not compared",
            e.action, e.seq
        ));
    }

    /// Applies one entry. Returns false if it is malformed (named in notes).
    fn apply(&mut self, e: &ActivityEntry) -> bool {
        let Ok(d) = serde_json::from_str::<Value>(&e.details) else {
            self.notes.insert(format!(
                "entry {} ({}) has details that are not JSON; it cannot be replayed",
                e.seq, e.action
            ));
            return false;
        };
        let run = run_subject(&e.subject);
        let task = e.subject.strip_prefix("task/").map(str::to_owned);
        match (e.action.as_str(), run, task) {
            ("run.created", Some((run, None)), _) => {
                let rm = b(&d, "requireMaintenance").map(|v| Set::at(v, e.seq));
                if rm.is_none() {
                    self.cannot(e, "they do not say whether the maintenance gate was on");
                }
                self.runs.insert(
                    run,
                    Run {
                        created: e.seq,
                        target: s(&d, "target").unwrap_or_default(),
                        environment: s(&d, "environment").unwrap_or_default(),
                        state: Set::at("open".into(), e.seq),
                        revision: 1,
                        revision_of: None,
                        require_maintenance: rm,
                        evidence_known: true,
                    },
                );
            }
            ("run.reopened", Some((new, None)), _) => {
                let Some(from) = i(&d, "from") else {
                    return false;
                };
                let Some(old) = self.runs.get(&from).cloned() else {
                    return false;
                };
                let map: Option<Vec<(i64, i64)>> = d.get("evidence").and_then(|m| {
                    m.as_array()?
                        .iter()
                        .map(|p| Some((p.get(0)?.as_i64()?, p.get(1)?.as_i64()?)))
                        .collect()
                });
                if map.is_none() {
                    self.cannot(e, "they do not say which ids the copied evidence got");
                }
                self.runs.insert(
                    new,
                    Run {
                        created: e.seq,
                        state: Set::at("open".into(), e.seq),
                        revision: i(&d, "revision").unwrap_or(old.revision + 1),
                        revision_of: Some(from),
                        evidence_known: map.is_some() && old.evidence_known,
                        ..old
                    },
                );
                let copies: Vec<_> = self
                    .results
                    .range((from, String::new())..(from + 1, String::new()))
                    .map(|((_, item), r)| ((new, item.clone()), r.clone()))
                    .collect();
                self.results.extend(copies);
                let copies: Vec<_> = self
                    .waivers
                    .range((from, String::new())..(from + 1, String::new()))
                    .map(|((_, item), w)| ((new, item.clone()), w.clone()))
                    .collect();
                self.waivers.extend(copies);
                for (old_id, new_id) in map.unwrap_or_default() {
                    if let Some(ev) = self.evidence.get(&old_id).cloned() {
                        self.evidence.insert(
                            new_id,
                            Ev {
                                seq: e.seq,
                                run: new,
                                ..ev
                            },
                        );
                    }
                }
            }
            ("run.gate", Some((run, None)), _) => {
                if let (Some(r), Some(on)) = (self.runs.get_mut(&run), b(&d, "requireMaintenance"))
                {
                    r.require_maintenance = Some(Set::at(on, e.seq));
                }
            }
            ("run.signed", Some((run, None)), _) => {
                if let Some(r) = self.runs.get_mut(&run) {
                    r.state = Set::at("signed".into(), e.seq);
                }
                let signed_at = s(&d, "signedAt");
                if signed_at.is_none() {
                    self.cannot(e, "they do not say when the report was signed");
                }
                self.signoffs.entry(run).or_default().push(Sig {
                    seq: e.seq,
                    role: s(&d, "role").unwrap_or_default(),
                    fingerprint: s(&d, "fingerprint").unwrap_or_default(),
                    report_id: s(&d, "reportId").unwrap_or_default(),
                    run_digest: s(&d, "runDigest").unwrap_or_default(),
                    statement: s(&d, "statement").unwrap_or_default(),
                    log_head_seq: signed_at.as_ref().and(i(&d, "logHeadSeq")),
                    signed_at,
                });
            }
            ("result.set", Some((run, Some(item))), _) => {
                let r = self
                    .results
                    .entry((run, item.to_owned()))
                    .or_insert_with(Res::pending);
                r.status = Set::at(s(&d, "status").unwrap_or_default(), e.seq);
                r.note = Set::at(s(&d, "note").unwrap_or_default(), e.seq);
                r.reason = Set::at(s(&d, "reason").unwrap_or_default(), e.seq);
            }
            ("waiver.granted", Some((run, Some(item))), _) => {
                self.waivers.insert(
                    (run, item.to_owned()),
                    Waiver {
                        seq: e.seq,
                        justification: s(&d, "justification").unwrap_or_default(),
                        accepted_by: s(&d, "acceptedBy").unwrap_or_default(),
                        expires_on: s(&d, "expiresOn").unwrap_or_default(),
                    },
                );
            }
            ("waiver.revoked", Some((run, Some(item))), _) => {
                self.waivers.remove(&(run, item.to_owned()));
            }
            ("evidence.added", Some((run, Some(item))), _) => {
                let Some(id) = i(&d, "evidence") else {
                    return false;
                };
                self.evidence.insert(
                    id,
                    Ev {
                        seq: e.seq,
                        run,
                        item: item.to_owned(),
                        kind: s(&d, "kind").unwrap_or_default(),
                        digest: s(&d, "sha256").unwrap_or_default(),
                        name: s(&d, "name").unwrap_or_default(),
                        size: i(&d, "size").unwrap_or_default(),
                        media_type: s(&d, "mediaType").unwrap_or_default(),
                        observed_on: s(&d, "observedOn").unwrap_or_default(),
                        sensitive: b(&d, "sensitive").unwrap_or_default(),
                        removed: None,
                    },
                );
            }
            ("evidence.removed", Some((_, Some(_))), _) => {
                if let Some(ev) = i(&d, "evidence").and_then(|id| self.evidence.get_mut(&id)) {
                    ev.removed = Some(e.seq);
                }
            }
            ("schedule.seeded", _, _) => match d.get("definitions").and_then(Value::as_array) {
                Some(defs) => {
                    for def in defs {
                        if let Some(id) = s(def, "id") {
                            self.tasks.insert(
                                id,
                                Task {
                                    seq: e.seq,
                                    fields: task_fields(def),
                                    state: Set::at("active".into(), e.seq),
                                },
                            );
                        }
                    }
                }
                None => {
                    self.cannot(e, "they list the built-in tasks' ids only");
                    for id in d
                        .get("tasks")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        self.tasks.insert(
                            id.to_owned(),
                            Task {
                                seq: e.seq,
                                fields: None,
                                state: Set::at("active".into(), e.seq),
                            },
                        );
                    }
                }
            },
            ("task.created", _, Some(id)) => {
                self.tasks.insert(
                    id,
                    Task {
                        seq: e.seq,
                        fields: task_fields(&d),
                        state: Set::at("active".into(), e.seq),
                    },
                );
            }
            ("task.edited", _, Some(id)) => {
                if let (Some(t), Some(after)) = (self.tasks.get_mut(&id), d.get("after")) {
                    let anchor = t.fields.as_ref().map(|f| f.anchor.clone());
                    let mut after = after.clone();
                    if let (Some(obj), Some(a)) = (after.as_object_mut(), anchor) {
                        obj.entry("anchor").or_insert(Value::String(a));
                    }
                    t.fields = task_fields(&after);
                    t.seq = e.seq;
                }
            }
            (action @ ("task.paused" | "task.resumed" | "task.archived"), _, Some(id)) => {
                let Some(on) = s(&d, "on") else {
                    return false;
                };
                let Some(t) = self.tasks.get_mut(&id) else {
                    return false;
                };
                let was_paused = t.state.value == "paused";
                let state = match action {
                    "task.paused" => "paused",
                    "task.resumed" => "active",
                    _ => "archived",
                };
                t.state = Set::at(state.into(), e.seq);
                if state == "paused" {
                    self.pauses.insert((id, on), (e.seq, None));
                } else if was_paused {
                    for ((task, _), (seq, resumed)) in self.pauses.iter_mut() {
                        if *task == id && resumed.is_none() {
                            *resumed = Some(on.clone());
                            *seq = e.seq;
                        }
                    }
                }
            }
            ("task.done", _, Some(id)) => {
                let Some(due) = s(&d, "dueOn") else {
                    return false;
                };
                let files = d
                    .get("files")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        (
                            s(f, "name").unwrap_or_default(),
                            s(f, "sha256").unwrap_or_default(),
                        )
                    })
                    .collect();
                self.completions.insert(
                    (id, due),
                    Done {
                        seq: e.seq,
                        done_on: s(&d, "doneOn").unwrap_or_default(),
                        note: s(&d, "note").unwrap_or_default(),
                        files,
                    },
                );
            }
            _ => {}
        }
        true
    }
}

/// Replays `log` (oldest first) and compares the result with `tables`.
pub fn replay(log: &[ActivityEntry], tables: &Tables) -> Replay {
    let mut st = State::default();
    for e in log {
        st.apply(e);
    }
    let mut out = Replay {
        replayed: log.len(),
        ..Replay::default()
    };
    let mut diff =
        |subject: String, message: String| out.differences.push(Difference { subject, message });
    let says = |what: &str, table: &str, log: &str, src: &str| {
        format!("{what}the table says {table}, the log says {log} ({src})")
    };

    // Runs.
    let table_runs: BTreeMap<i64, &RunRow> = tables.runs.iter().map(|r| (r.id, r)).collect();
    for (id, row) in &table_runs {
        let subject = format!("run/{id}");
        let Some(r) = st.runs.get(id) else {
            diff(
                subject,
                "the table has this run, but the log never created it".into(),
            );
            continue;
        };
        if row.state != r.state.value {
            diff(
                subject.clone(),
                says("", &row.state, &r.state.value, &r.state.source()),
            );
        }
        for (what, t, l) in [
            ("target", &row.target, &r.target),
            ("environment", &row.environment, &r.environment),
        ] {
            if t != l {
                diff(
                    subject.clone(),
                    says(&format!("{what}: "), t, l, &format!("entry {}", r.created)),
                );
            }
        }
        if row.revision != r.revision || row.revision_of != r.revision_of {
            diff(
                subject.clone(),
                format!(
                    "the table says revision {} of {:?}, the log says revision {} of {:?} (entry {})",
                    row.revision, row.revision_of, r.revision, r.revision_of, r.created
                ),
            );
        }
        if let Some(rm) = &r.require_maintenance
            && rm.value != row.require_maintenance
        {
            let word = |on: bool| if on { "on" } else { "off" };
            diff(
                subject.clone(),
                says(
                    "maintenance gate: ",
                    word(row.require_maintenance),
                    word(rm.value),
                    &rm.source(),
                ),
            );
        }
    }
    for (id, r) in &st.runs {
        if !table_runs.contains_key(id) {
            diff(
                format!("run/{id}"),
                format!(
                    "the log created this run (entry {}), but the table has no such run",
                    r.created
                ),
            );
        }
    }

    // Results: every row of a run the log knows.
    let mut seen = BTreeSet::new();
    for row in &tables.results {
        if !st.runs.contains_key(&row.run) {
            continue;
        }
        let key = (row.run, row.item.clone());
        let pending = Res::pending();
        let r = st.results.get(&key).unwrap_or(&pending);
        seen.insert(key);
        let subject = format!("run/{}/item/{}", row.run, row.item);
        if row.status != r.status.value {
            diff(
                subject.clone(),
                says("", &row.status, &r.status.value, &r.status.source()),
            );
        }
        if row.note != r.note.value {
            diff(
                subject.clone(),
                format!(
                    "the table's note differs from the log's ({})",
                    r.note.source()
                ),
            );
        }
        if row.reason != r.reason.value {
            diff(
                subject,
                format!(
                    "the table's N/A reason differs from the log's ({})",
                    r.reason.source()
                ),
            );
        }
    }
    for ((run, item), r) in &st.results {
        if table_runs.contains_key(run) && !seen.contains(&(*run, item.clone())) {
            diff(
                format!("run/{run}/item/{item}"),
                format!(
                    "the log sets this item ({}), but the table has no result for it",
                    r.status.source()
                ),
            );
        }
    }

    // Waivers.
    let mut seen = BTreeSet::new();
    for row in &tables.waivers {
        if !st.runs.contains_key(&row.run) {
            continue;
        }
        let key = (row.run, row.item.clone());
        let subject = format!("run/{}/item/{}", row.run, row.item);
        seen.insert(key.clone());
        match st.waivers.get(&key) {
            None => diff(
                subject,
                "the table has a waiver, but the log never granted one (or revoked it)".into(),
            ),
            Some(w) => {
                for (what, t, l) in [
                    ("justification", &row.justification, &w.justification),
                    ("accepted by", &row.accepted_by, &w.accepted_by),
                    ("expiry", &row.expires_on, &w.expires_on),
                ] {
                    if t != l {
                        diff(
                            subject.clone(),
                            says(
                                &format!("waiver {what}: "),
                                t,
                                l,
                                &format!("entry {}", w.seq),
                            ),
                        );
                    }
                }
            }
        }
    }
    for ((run, item), w) in &st.waivers {
        if table_runs.contains_key(run) && !seen.contains(&(*run, item.clone())) {
            diff(
                format!("run/{run}/item/{item}"),
                format!(
                    "the log granted a waiver (entry {}), but the table has none",
                    w.seq
                ),
            );
        }
    }

    // Evidence, by id.
    let unknown_runs: BTreeSet<i64> = st
        .runs
        .iter()
        .filter(|(_, r)| !r.evidence_known)
        .map(|(id, _)| *id)
        .collect();
    let mut seen = BTreeSet::new();
    for row in &tables.evidence {
        if !st.runs.contains_key(&row.run) || unknown_runs.contains(&row.run) {
            continue;
        }
        seen.insert(row.id);
        let subject = format!("run/{}/item/{}", row.run, row.item);
        let what = format!("evidence {} ('{}'): ", row.id, row.name);
        if matches!(row.kind.as_str(), "note" | "link")
            && hex(&Sha256::digest(row.body.as_bytes())) != row.digest
        {
            diff(
                subject.clone(),
                format!("{what}its text does not match its recorded SHA-256"),
            );
        }
        let Some(ev) = st.evidence.get(&row.id) else {
            diff(
                subject,
                format!("{what}the table has it, but the log never added it"),
            );
            continue;
        };
        let src = format!("entry {}", ev.seq);
        for (field, t, l) in [
            (
                "item",
                format!("run {} item {}", row.run, row.item),
                format!("run {} item {}", ev.run, ev.item),
            ),
            ("kind", row.kind.clone(), ev.kind.clone()),
            ("SHA-256", row.digest.clone(), ev.digest.clone()),
            ("name", row.name.clone(), ev.name.clone()),
            ("size", row.size.to_string(), ev.size.to_string()),
            ("media type", row.media_type.clone(), ev.media_type.clone()),
            (
                "observed on",
                row.observed_on.clone(),
                ev.observed_on.clone(),
            ),
            (
                "sensitive",
                row.sensitive.to_string(),
                ev.sensitive.to_string(),
            ),
        ] {
            if t != l {
                diff(
                    subject.clone(),
                    says(&format!("{what}{field}: "), &t, &l, &src),
                );
            }
        }
        match (&row.removed_at, ev.removed) {
            (None, Some(seq)) => diff(
                subject,
                format!("{what}the log removed it (entry {seq}), but the table still lists it"),
            ),
            (Some(_), None) => diff(
                subject,
                format!("{what}the table marks it removed, but the log never removed it"),
            ),
            _ => {}
        }
    }
    for (id, ev) in &st.evidence {
        if table_runs.contains_key(&ev.run) && !unknown_runs.contains(&ev.run) && !seen.contains(id)
        {
            diff(
                format!("run/{}/item/{}", ev.run, ev.item),
                format!(
                    "evidence {id} ('{}'): the log added it (entry {}), but the table has no such evidence",
                    ev.name, ev.seq
                ),
            );
        }
    }

    // Sign-offs, per run in order.
    let mut by_run: BTreeMap<i64, Vec<&SignoffRow>> = BTreeMap::new();
    for row in &tables.signoffs {
        by_run.entry(row.run).or_default().push(row);
    }
    let runs: BTreeSet<i64> = by_run.keys().chain(st.signoffs.keys()).copied().collect();
    for run in runs {
        if !st.runs.contains_key(&run) || !table_runs.contains_key(&run) {
            continue;
        }
        let rows = by_run.get(&run).map(Vec::as_slice).unwrap_or_default();
        let logged = st.signoffs.get(&run).map(Vec::as_slice).unwrap_or_default();
        let subject = format!("run/{run}");
        if rows.len() != logged.len() {
            diff(
                subject.clone(),
                format!(
                    "the table has {} sign-off(s), the log records {}",
                    rows.len(),
                    logged.len()
                ),
            );
        }
        for (row, sig) in rows.iter().zip(logged) {
            let src = format!("entry {}", sig.seq);
            let mut fields = vec![
                ("role", row.role.clone(), sig.role.clone()),
                (
                    "signer fingerprint",
                    row.fingerprint.clone(),
                    sig.fingerprint.clone(),
                ),
                ("report id", row.report_id.clone(), sig.report_id.clone()),
                ("run digest", row.run_digest.clone(), sig.run_digest.clone()),
                ("statement", row.statement.clone(), sig.statement.clone()),
            ];
            if let Some(at) = &sig.signed_at {
                fields.push(("signed at", row.signed_at.clone(), at.clone()));
                fields.push((
                    "log head",
                    format!("{:?}", row.log_head_seq),
                    format!("{:?}", sig.log_head_seq),
                ));
            }
            for (field, t, l) in fields {
                if t != l {
                    diff(
                        subject.clone(),
                        says(&format!("sign-off {field}: "), &t, &l, &src),
                    );
                }
            }
        }
    }

    // Tasks.
    let table_tasks: BTreeMap<&str, &TaskRow> =
        tables.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    for (id, row) in &table_tasks {
        let subject = format!("task/{id}");
        let Some(t) = st.tasks.get(*id) else {
            diff(
                subject,
                "the table has this task, but the log never created it".into(),
            );
            continue;
        };
        if row.state != t.state.value {
            diff(
                subject.clone(),
                says("", &row.state, &t.state.value, &t.state.source()),
            );
        }
        if let Some(f) = &t.fields {
            let table = TaskFields {
                title: row.title.clone(),
                cadence: row.cadence.clone(),
                start_on: row.start_on.clone(),
                grace_days: row.grace_days,
                owner: row.owner.clone(),
                anchor: row.anchor.clone(),
            };
            for (field, tv, lv) in [
                ("title", table.title, f.title.clone()),
                ("cadence", table.cadence, f.cadence.clone()),
                ("start", table.start_on, f.start_on.clone()),
                (
                    "grace days",
                    table.grace_days.to_string(),
                    f.grace_days.to_string(),
                ),
                ("owner", table.owner, f.owner.clone()),
                ("anchor", table.anchor, f.anchor.clone()),
            ] {
                if tv != lv {
                    diff(
                        subject.clone(),
                        says(&format!("{field}: "), &tv, &lv, &format!("entry {}", t.seq)),
                    );
                }
            }
        }
    }
    for (id, t) in &st.tasks {
        if !table_tasks.contains_key(id.as_str()) {
            diff(
                format!("task/{id}"),
                format!(
                    "the log created this task (entry {}), but the table has no such task",
                    t.seq
                ),
            );
        }
    }

    // Pauses.
    let mut seen = BTreeSet::new();
    for row in &tables.pauses {
        if !st.tasks.contains_key(&row.task) {
            continue;
        }
        let key = (row.task.clone(), row.paused_on.clone());
        let subject = format!("task/{}", row.task);
        seen.insert(key.clone());
        match st.pauses.get(&key) {
            None => diff(
                subject,
                format!(
                    "the table has a pause from {}, but the log never paused it that day",
                    row.paused_on
                ),
            ),
            Some((seq, resumed)) if *resumed != row.resumed_on => diff(
                subject,
                format!(
                    "pause from {}: the table says it ended {}, the log says {} (entry {seq})",
                    row.paused_on,
                    row.resumed_on.as_deref().unwrap_or("never"),
                    resumed.as_deref().unwrap_or("never")
                ),
            ),
            Some(_) => {}
        }
    }
    for ((task, on), (seq, _)) in &st.pauses {
        if table_tasks.contains_key(task.as_str()) && !seen.contains(&(task.clone(), on.clone())) {
            diff(
                format!("task/{task}"),
                format!("the log paused it on {on} (entry {seq}), but the table has no such pause"),
            );
        }
    }

    // Completions.
    let mut seen = BTreeSet::new();
    for row in &tables.completions {
        if !st.tasks.contains_key(&row.task) {
            continue;
        }
        let key = (row.task.clone(), row.due_on.clone());
        let subject = format!("task/{}", row.task);
        let what = format!("occurrence due {}: ", row.due_on);
        seen.insert(key.clone());
        let Some(c) = st.completions.get(&key) else {
            diff(
                subject,
                format!("{what}the table says it was done, but the log never recorded it"),
            );
            continue;
        };
        let src = format!("entry {}", c.seq);
        if row.done_on != c.done_on {
            diff(
                subject.clone(),
                says(&format!("{what}done on: "), &row.done_on, &c.done_on, &src),
            );
        }
        if row.note != c.note {
            diff(
                subject.clone(),
                format!("{what}the table's note differs from the log's ({src})"),
            );
        }
        if row.files != c.files {
            diff(
                subject,
                format!("{what}the table's files differ from the log's ({src})"),
            );
        }
    }
    for ((task, due), c) in &st.completions {
        if table_tasks.contains_key(task.as_str()) && !seen.contains(&(task.clone(), due.clone())) {
            diff(
                format!("task/{task}"),
                format!(
                    "occurrence due {due}: the log recorded it done (entry {}), but the table has no such completion",
                    c.seq
                ),
            );
        }
    }

    out.notes = st.notes.into_iter().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{GENESIS, entry_hash};

    /// A chained log of (action, subject, details).
    fn log(entries: &[(&str, &str, Value)]) -> Vec<ActivityEntry> {
        let mut prev = GENESIS.to_owned();
        entries
            .iter()
            .zip(1..)
            .map(|((action, subject, details), seq)| {
                let details = details.to_string();
                let at = format!("2026-11-28T10:00:{seq:02}Z");
                let hash = entry_hash(&prev, seq, &at, "alice", action, subject, &details);
                ActivityEntry {
                    seq,
                    at,
                    actor: "alice".into(),
                    action: (*action).into(),
                    subject: (*subject).into(),
                    details,
                    prev_hash: std::mem::replace(&mut prev, hash.clone()),
                    hash,
                }
            })
            .collect()
    }

    fn history() -> Vec<ActivityEntry> {
        use serde_json::json;
        log(&[
            (
                "run.created",
                "run/1",
                json!({"target": "v1", "environment": "prod", "requireMaintenance": false}),
            ),
            (
                "result.set",
                "run/1/item/firewall",
                json!({"status": "fail", "previous": "pending", "note": "port 22 open", "reason": ""}),
            ),
            (
                "waiver.granted",
                "run/1/item/firewall",
                json!({"justification": "VPN only", "acceptedBy": "bob", "expiresOn": "2027-01-01"}),
            ),
            (
                "evidence.added",
                "run/1/item/firewall",
                json!({"evidence": 1, "kind": "file", "name": "scan.txt", "sha256": "aa", "size": 3,
                       "mediaType": "text/plain", "observedOn": "2026-11-28", "sensitive": false}),
            ),
            (
                "evidence.added",
                "run/1/item/firewall",
                json!({"evidence": 2, "kind": "file", "name": "old.txt", "sha256": "bb", "size": 4,
                       "mediaType": "text/plain", "observedOn": "2026-11-28", "sensitive": false}),
            ),
            (
                "evidence.removed",
                "run/1/item/firewall",
                json!({"evidence": 2, "name": "old.txt", "sha256": "bb"}),
            ),
            (
                "result.set",
                "run/1/item/backups",
                json!({"status": "na", "previous": "pending", "note": "", "reason": "no data"}),
            ),
            (
                "run.signed",
                "run/1",
                json!({"role": "approver", "fingerprint": "AB", "reportId": "SO-1", "runDigest": "d1",
                       "statement": "ok", "signedAt": "2026-11-28T10:00:07Z", "logHeadSeq": 7}),
            ),
            (
                "run.reopened",
                "run/2",
                json!({"from": 1, "revision": 2, "evidence": [[1, 3]]}),
            ),
            (
                "task.created",
                "task/restore",
                json!({"title": "Restore test", "cadence": "monthly", "startOn": "2026-12-01",
                       "graceDays": 3, "owner": "ops", "anchor": "schedule"}),
            ),
            ("task.paused", "task/restore", json!({"on": "2026-12-02"})),
            ("task.resumed", "task/restore", json!({"on": "2026-12-05"})),
            (
                "task.done",
                "task/restore",
                json!({"dueOn": "2026-12-01", "doneOn": "2026-12-06", "note": "fine",
                       "files": [{"name": "restore.log", "sha256": "cc", "size": 9}]}),
            ),
        ])
    }

    /// The tables exactly as Signoff leaves them after [`history`].
    fn tables() -> Tables {
        let run = |id, state: &str, revision, revision_of| RunRow {
            id,
            target: "v1".into(),
            environment: "prod".into(),
            state: state.into(),
            revision,
            revision_of,
            require_maintenance: false,
        };
        let results = |run| {
            vec![
                ResultRow {
                    run,
                    item: "firewall".into(),
                    status: "fail".into(),
                    note: "port 22 open".into(),
                    reason: String::new(),
                },
                ResultRow {
                    run,
                    item: "backups".into(),
                    status: "na".into(),
                    note: String::new(),
                    reason: "no data".into(),
                },
                ResultRow {
                    run,
                    item: "https".into(),
                    status: "pending".into(),
                    ..ResultRow::default()
                },
            ]
        };
        let waiver = |run| WaiverRow {
            run,
            item: "firewall".into(),
            justification: "VPN only".into(),
            accepted_by: "bob".into(),
            expires_on: "2027-01-01".into(),
        };
        let ev = |id, run, name: &str, digest: &str, size, removed: Option<&str>| EvidenceRow {
            id,
            run,
            item: "firewall".into(),
            kind: "file".into(),
            digest: digest.into(),
            name: name.into(),
            size,
            media_type: "text/plain".into(),
            body: String::new(),
            observed_on: "2026-11-28".into(),
            sensitive: false,
            removed_at: removed.map(str::to_owned),
        };
        Tables {
            runs: vec![run(1, "signed", 1, None), run(2, "open", 2, Some(1))],
            results: [results(1), results(2)].concat(),
            waivers: vec![waiver(1), waiver(2)],
            evidence: vec![
                ev(1, 1, "scan.txt", "aa", 3, None),
                ev(2, 1, "old.txt", "bb", 4, Some("2026-11-28T10:00:06Z")),
                ev(3, 2, "scan.txt", "aa", 3, None),
            ],
            signoffs: vec![SignoffRow {
                run: 1,
                role: "approver".into(),
                fingerprint: "AB".into(),
                report_id: "SO-1".into(),
                run_digest: "d1".into(),
                statement: "ok".into(),
                signed_at: "2026-11-28T10:00:07Z".into(),
                log_head_seq: Some(7),
            }],
            tasks: vec![TaskRow {
                id: "restore".into(),
                title: "Restore test".into(),
                cadence: "monthly".into(),
                start_on: "2026-12-01".into(),
                grace_days: 3,
                owner: "ops".into(),
                anchor: "schedule".into(),
                state: "active".into(),
            }],
            pauses: vec![PauseRow {
                task: "restore".into(),
                paused_on: "2026-12-02".into(),
                resumed_on: Some("2026-12-05".into()),
            }],
            completions: vec![CompletionRow {
                task: "restore".into(),
                due_on: "2026-12-01".into(),
                done_on: "2026-12-06".into(),
                note: "fine".into(),
                files: vec![("restore.log".into(), "cc".into())],
            }],
        }
    }

    #[test]
    fn tables_left_by_signoff_match_their_log() {
        let r = replay(&history(), &tables());
        assert!(r.differences.is_empty(), "{:#?}", r.differences);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        assert_eq!(r.replayed, 13);
    }

    /// Each edit of the tables behind Signoff's back, and what names it.
    #[test]
    fn each_edit_behind_the_logs_back_is_named() {
        type Edit = fn(&mut Tables);
        let cases: &[(&str, Edit, &str)] = &[
            (
                "a failed result flipped to pass",
                |t| t.results[0].status = "pass".into(),
                "run/1/item/firewall: the table says pass, the log says fail (entry 2)",
            ),
            (
                "a pending item set to pass with no entry",
                |t| t.results[2].status = "pass".into(),
                "run/1/item/https: the table says pass, the log says pending (no entry changed it)",
            ),
            (
                "a note edited",
                |t| t.results[3].note = "all fine".into(),
                "run/2/item/firewall: the table's note differs from the log's (entry 2)",
            ),
            (
                "an N/A reason edited",
                |t| t.results[1].reason = "n/a".into(),
                "N/A reason differs from the log's (entry 7)",
            ),
            (
                "a waiver inserted",
                |t| {
                    t.waivers.push(WaiverRow {
                        run: 2,
                        item: "https".into(),
                        ..t.waivers[0].clone()
                    })
                },
                "run/2/item/https: the table has a waiver, but the log never granted one",
            ),
            (
                "a waiver's expiry moved",
                |t| t.waivers[1].expires_on = "2099-01-01".into(),
                "waiver expiry: the table says 2099-01-01, the log says 2027-01-01 (entry 3)",
            ),
            (
                "a waiver deleted",
                |t| {
                    t.waivers.remove(0);
                },
                "run/1/item/firewall: the log granted a waiver (entry 3), but the table has none",
            ),
            (
                "removed evidence brought back",
                |t| t.evidence[1].removed_at = None,
                "evidence 2 ('old.txt'): the log removed it (entry 6), but the table still lists it",
            ),
            (
                "evidence removed without an entry",
                |t| t.evidence[2].removed_at = Some("x".into()),
                "evidence 3 ('scan.txt'): the table marks it removed, but the log never removed it",
            ),
            (
                "evidence pointed at other bytes",
                |t| t.evidence[0].digest = "ff".into(),
                "SHA-256: the table says ff, the log says aa (entry 4)",
            ),
            (
                "evidence inserted",
                |t| {
                    t.evidence.push(EvidenceRow {
                        id: 9,
                        ..t.evidence[0].clone()
                    })
                },
                "evidence 9 ('scan.txt'): the table has it, but the log never added it",
            ),
            (
                "a note's text changed",
                |t| {
                    t.evidence[2].kind = "note".into();
                    t.evidence[2].body = "edited".into();
                },
                "its text does not match its recorded SHA-256",
            ),
            (
                "a signed run reopened in place",
                |t| t.runs[0].state = "open".into(),
                "run/1: the table says open, the log says signed (entry 8)",
            ),
            (
                "a sign-off deleted",
                |t| {
                    t.signoffs.clear();
                },
                "run/1: the table has 0 sign-off(s), the log records 1",
            ),
            (
                "a run inserted",
                |t| {
                    t.runs.push(RunRow {
                        id: 3,
                        ..t.runs[0].clone()
                    })
                },
                "run/3: the table has this run, but the log never created it",
            ),
            (
                "the maintenance gate turned on",
                |t| t.runs[1].require_maintenance = true,
                "run/2: maintenance gate: the table says on, the log says off (entry 1)",
            ),
            (
                "a task's cadence edited",
                |t| t.tasks[0].cadence = "yearly".into(),
                "task/restore: cadence: the table says yearly, the log says monthly (entry 10)",
            ),
            (
                "a task archived",
                |t| t.tasks[0].state = "archived".into(),
                "task/restore: the table says archived, the log says active (entry 12)",
            ),
            (
                "a pause extended",
                |t| t.pauses[0].resumed_on = None,
                "pause from 2026-12-02: the table says it ended never, the log says 2026-12-05 (entry 12)",
            ),
            (
                "a completion inserted",
                |t| {
                    t.completions.push(CompletionRow {
                        due_on: "2027-01-01".into(),
                        ..t.completions[0].clone()
                    })
                },
                "occurrence due 2027-01-01: the table says it was done, but the log never recorded it",
            ),
            (
                "a completion deleted",
                |t| {
                    t.completions.clear();
                },
                "occurrence due 2026-12-01: the log recorded it done (entry 13)",
            ),
        ];
        for (name, edit, want) in cases {
            let mut t = tables();
            edit(&mut t);
            let r = replay(&history(), &t);
            let all: Vec<String> = r
                .differences
                .iter()
                .map(|d| format!("{}: {}", d.subject, d.message))
                .collect();
            assert!(
                all.iter().any(|m| m.contains(want)),
                "{name}: expected a difference containing {want:?}, got {all:#?}"
            );
        }
    }

    #[test]
    fn entries_from_older_versions_are_noted_not_blamed() {
        use serde_json::json;
        let old = log(&[
            (
                "run.created",
                "run/1",
                json!({"target": "v1", "environment": "prod"}),
            ),
            ("schedule.seeded", "schedule", json!({"tasks": ["restore"]})),
        ]);
        let t = Tables {
            runs: vec![RunRow {
                id: 1,
                target: "v1".into(),
                environment: "prod".into(),
                state: "open".into(),
                revision: 1,
                revision_of: None,
                require_maintenance: true,
            }],
            tasks: vec![TaskRow {
                id: "restore".into(),
                title: "anything".into(),
                state: "active".into(),
                ..TaskRow::default()
            }],
            ..Tables::default()
        };
        let r = replay(&old, &t);
        assert!(r.differences.is_empty(), "{:#?}", r.differences);
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
        assert!(
            r.notes.iter().all(|n| n.contains("cannot be replayed")),
            "{:?}",
            r.notes
        );
    }
}
