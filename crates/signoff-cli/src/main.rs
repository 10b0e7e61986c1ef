//! `signoff`: the command-line front end. Parses arguments, opens the
//! workspace, calls one core function per command and prints the result
//! (text for people, `--json` for scripts). No business rules live here.

#![forbid(unsafe_code)]

mod identity;
mod output;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use signoff_core::evidence::EvidenceOptions;
use signoff_core::runs::ResultChange;
use signoff_core::{Actor, Status, SystemClock, Workspace};

use output::Out;

#[derive(Debug, Parser)]
#[command(
    name = "signoff",
    version,
    about = "Security sign-off and maintenance, offline: checklist runs, evidence, and an activity log you can verify.",
    propagate_version = true
)]
struct Cli {
    /// Where the database and evidence live (default: the platform data dir + "signoff").
    #[arg(long, global = true, env = "SIGNOFF_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Who is acting (default: your OS user name).
    #[arg(long, global = true, value_name = "NAME")]
    actor: Option<String>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checklist templates: list, show, import.
    #[command(subcommand)]
    Template(TemplateCmd),
    /// Checklist runs: start, list, show, record results and waivers.
    #[command(subcommand)]
    Run(RunCmd),
    /// Evidence for an item: files, notes, links.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Check the database, re-hash every evidence file, verify the activity log.
    Doctor,
    /// Your signing identity: a key pair and certificate, the key encrypted with a passphrase.
    #[command(subcommand)]
    Identity(IdentityCmd),
    /// The maintenance schedule: recurring tasks, due dates, history, calendar export.
    #[command(subcommand)]
    Schedule(ScheduleCmd),
    /// Sign off a run: check nothing blocks it, write the signed PDF report,
    /// then freeze the run (asks for the key's passphrase).
    Sign {
        run: RunId,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Export an unsigned draft report (DRAFT on every page) for review.
    Export {
        run: RunId,
        #[arg(short, long, value_name = "DRAFT.pdf")]
        output: PathBuf,
        #[arg(long, value_name = "a4|letter", default_value = "a4")]
        paper: signoff_report::Paper,
    },
    /// Add your signature to a signed report (the earlier ones stay valid).
    /// Needs only the PDF and your identity.
    Countersign {
        input: PathBuf,
        #[arg(short, long, value_name = "OUT.pdf")]
        output: PathBuf,
        #[arg(
            long = "as",
            value_name = "preparer|approver",
            default_value = "approver"
        )]
        role: String,
        #[arg(long, value_name = "TEXT")]
        statement: Option<String>,
        /// Certificates of signers you trust, besides your trust store.
        #[arg(long, value_name = "CERT.pem")]
        trust: Vec<PathBuf>,
        /// Countersign even though an earlier signer is not one you trust
        /// (compare their certificate's fingerprint with them first).
        #[arg(long)]
        accept_untrusted: bool,
    },
    /// Check a report: every signature (integrity, signature, trust, nothing
    /// but signatures after each), the manifest against the embedded files and
    /// SHA256SUMS, and the activity entries. Trusts the certificates in your
    /// trust store (`signoff trust`) and any --trust. Exits 0 when the report
    /// is intact and every signer is trusted, 2 when it is intact but a signer
    /// is not trusted (or nothing is), 1 when it is not valid.
    Verify {
        file: PathBuf,
        /// PEM certificate(s) of signers or CAs you trust, besides your trust store.
        #[arg(long, value_name = "CERT.pem")]
        trust: Vec<PathBuf>,
    },
    /// The certificates you trust when verifying: signers' own certificates,
    /// or CA certificates that trust every signer they issued.
    #[command(subcommand)]
    Trust(TrustCmd),
}

#[derive(Debug, Subcommand)]
enum TrustCmd {
    /// Trust a certificate (PEM or DER); compare its fingerprint with its owner first.
    Add {
        file: PathBuf,
        /// A name to list it by (default: its subject).
        #[arg(long)]
        name: Option<String>,
    },
    /// The certificates you trust, with their fingerprints.
    List,
    /// Stop trusting a certificate (by name, or by at least 8 hex digits of its fingerprint).
    Remove { certificate: String },
}

#[derive(Debug, Subcommand)]
enum ScheduleCmd {
    /// List tasks: overdue first, then due, upcoming, paused.
    List {
        /// Include archived tasks.
        #[arg(long)]
        all: bool,
        /// Compute standings as of this day (YYYY-MM-DD; default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
    },
    /// Show a task: guidance, occurrences of the past year and next ones, completions.
    Show { task: String },
    /// Add a recurring task.
    Add {
        #[arg(long)]
        title: String,
        /// weekly, monthly, quarterly, annually, or "every N days|weeks|months|years".
        #[arg(long, value_name = "CADENCE")]
        every: String,
        /// The first due date (YYYY-MM-DD; default today).
        #[arg(long, value_name = "DATE")]
        start: Option<NaiveDate>,
        /// Days after the due date before the task is overdue.
        #[arg(long, value_name = "DAYS", default_value_t = 0)]
        grace: u32,
        #[arg(long, default_value = "")]
        owner: String,
        /// Markdown shown with the task.
        #[arg(long, default_value = "")]
        guidance: String,
        /// Schedule the next occurrence from each completion instead of from the start date.
        #[arg(long)]
        from_completion: bool,
        /// The task id (default: made from the title).
        #[arg(long)]
        id: Option<String>,
    },
    /// Mark the task's open occurrence done, with a note and evidence files.
    Done {
        task: String,
        #[arg(long, value_name = "TEXT", default_value = "")]
        note: String,
        #[arg(long = "evidence", value_name = "FILE", num_args = 1..)]
        evidence: Vec<PathBuf>,
        /// The day it was done (YYYY-MM-DD; default today).
        #[arg(long, value_name = "DATE")]
        on: Option<NaiveDate>,
        /// List the evidence in reports by name and hash only.
        #[arg(long)]
        sensitive: bool,
    },
    /// Due and overdue tasks, for scripts and cron: exits 1 if any is overdue.
    Due {
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
    },
    /// Change a task (completions keep the occurrence they closed).
    Edit {
        task: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long, value_name = "CADENCE")]
        every: Option<String>,
        #[arg(long, value_name = "DATE")]
        start: Option<NaiveDate>,
        #[arg(long, value_name = "DAYS")]
        grace: Option<u32>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        guidance: Option<String>,
    },
    /// Pause a task: occurrences while paused are skipped, not missed.
    Pause { task: String },
    /// Resume a paused task.
    Resume { task: String },
    /// Archive a task (kept with its history, no longer scheduled).
    Archive { task: String },
    /// Every occurrence between two dates: done on time, late, missed, due, upcoming.
    Calendar {
        #[arg(long, value_name = "DATE")]
        from: Option<NaiveDate>,
        #[arg(long, value_name = "DATE")]
        to: Option<NaiveDate>,
    },
    /// Export the schedule as an iCalendar file (re-importing updates, never duplicates).
    Ics {
        #[arg(short, long, value_name = "FILE.ics")]
        output: PathBuf,
    },
    /// A signed PDF maintenance log of a period: every occurrence, who did it,
    /// when, notes and evidence (embedded and hashed). Checked by `signoff verify`.
    Report {
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
        #[command(flatten)]
        sign: SignArgs,
    },
}

/// Where a signed document goes and how it is signed.
#[derive(Debug, Args)]
struct SignArgs {
    /// Where to write the signed PDF.
    #[arg(short, long, value_name = "FILE.pdf")]
    output: PathBuf,
    /// Sign as the preparer (default) or the approver.
    #[arg(
        long = "as",
        value_name = "preparer|approver",
        default_value = "preparer"
    )]
    role: String,
    /// What you attest to (a default sentence otherwise).
    #[arg(long, value_name = "TEXT")]
    statement: Option<String>,
    #[arg(long, value_name = "a4|letter", default_value = "a4")]
    paper: signoff_report::Paper,
}

#[derive(Debug, Subcommand)]
enum IdentityCmd {
    /// Create a P-256 key and a self-signed certificate (asks for a passphrase;
    /// or set SIGNOFF_PASSPHRASE_FILE / SIGNOFF_PASSPHRASE).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Your role, e.g. "Release manager".
        #[arg(long, default_value = "")]
        role: String,
        #[arg(long = "org", default_value = "")]
        organisation: String,
    },
    /// Import an organisation-issued PKCS#12 file (.p12/.pfx); its password is
    /// asked for (or SIGNOFF_P12_PASSWORD), then the key is re-encrypted with your passphrase.
    Import {
        file: PathBuf,
        #[arg(long, default_value = "")]
        role: String,
    },
    /// Show the identity and its certificate's SHA-256 fingerprint.
    Show,
}

#[derive(Debug, Subcommand)]
enum TemplateCmd {
    /// List built-in and imported templates.
    List,
    /// Show a template's sections and items (ID or ID@VERSION).
    Show { id: String },
    /// Import a Markdown (task lists under headings) or TOML checklist; prints the template id.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum RunCmd {
    /// Start a run of a template; prints the run id.
    New {
        #[arg(long, value_name = "ID")]
        template: String,
        /// What is being assessed, e.g. v1.4.0.
        #[arg(long, value_name = "NAME")]
        target: String,
        /// The environment, e.g. production.
        #[arg(long = "env", value_name = "ENV", default_value = "")]
        environment: String,
        /// Release gate: block the sign-off while a maintenance task is overdue.
        #[arg(long)]
        require_maintenance: bool,
    },
    /// Turn a run's maintenance release gate on or off.
    Gate {
        run: RunId,
        #[arg(value_name = "on|off")]
        state: String,
    },
    /// List runs, newest first.
    List,
    /// Show a run's items, results, waivers and evidence.
    Show { run: RunId },
    /// Set an item's status, note or N/A reason.
    Set {
        run: RunId,
        item: String,
        #[arg(long, value_name = "pass|fail|na|pending")]
        status: Option<String>,
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Why the item does not apply (required with --status na).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Reopen a signed run as a new revision (the signed one and its report stay valid).
    Reopen { run: RunId },
    /// Accept the risk of a failed item until a date.
    Waive {
        run: RunId,
        item: String,
        #[arg(long, value_name = "TEXT")]
        justification: String,
        /// Last day the waiver holds (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        expires: NaiveDate,
        /// Who accepted the risk (default: the actor).
        #[arg(long, value_name = "NAME")]
        accepted_by: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum EvidenceCmd {
    /// Attach files to an item (streamed into the evidence vault).
    Add {
        run: RunId,
        item: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        opts: EvidenceArgs,
    },
    /// Attach a note to an item.
    Note {
        run: RunId,
        item: String,
        text: String,
        #[command(flatten)]
        opts: EvidenceArgs,
    },
    /// Attach a web link to an item.
    Link {
        run: RunId,
        item: String,
        url: String,
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        opts: EvidenceArgs,
    },
    /// Remove evidence from its item (the record and bytes are kept in history).
    Remove { evidence: i64 },
}

#[derive(Debug, Args)]
struct EvidenceArgs {
    /// When the evidence was observed (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE")]
    observed: Option<NaiveDate>,
    /// List it in reports by name and hash only, never embed it.
    #[arg(long)]
    sensitive: bool,
}

impl EvidenceArgs {
    fn options(&self) -> EvidenceOptions {
        EvidenceOptions {
            observed_on: self.observed,
            sensitive: self.sensitive,
        }
    }
}

/// A run id as typed: `3` or `#3`.
#[derive(Debug, Clone, Copy)]
struct RunId(i64);

impl std::str::FromStr for RunId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim_start_matches('#')
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(RunId)
            .ok_or_else(|| {
                format!("'{s}' is not a run id (run ids are numbers, see `signoff run list`)")
            })
    }
}

fn schedule(
    ws: &mut Workspace,
    actor: &Actor,
    cmd: &ScheduleCmd,
    out: &Out,
    identities: &signoff_signature::IdentityStore,
) -> Result<ExitCode> {
    use signoff_core::schedule::{CompleteOptions, NewTask, Standing, TaskState};
    match cmd {
        // Showing the schedule seeds the built-in tasks the first time.
        ScheduleCmd::List { all, as_of } => {
            ws.ensure_builtin_schedule(actor)?;
            out.tasks(&ws.list_tasks(*all, *as_of)?)?
        }
        ScheduleCmd::Show { task } => {
            ws.ensure_builtin_schedule(actor)?;
            out.task(&ws.show_task(task)?)?
        }
        ScheduleCmd::Add {
            title,
            every,
            start,
            grace,
            owner,
            guidance,
            from_completion,
            id,
        } => {
            let new = NewTask {
                id: id.clone(),
                title: title.clone(),
                guidance: guidance.clone(),
                cadence: every.clone(),
                start_on: *start,
                grace_days: *grace,
                owner: owner.clone(),
                from_completion: *from_completion,
            };
            let s = ws.add_task(actor, &new)?;
            out.task_changed(&s, "added")?;
        }
        ScheduleCmd::Done {
            task,
            note,
            evidence,
            on,
            sensitive,
        } => {
            let show = std::io::stderr().is_terminal() && !out.json;
            let mut bar: Option<(String, output::Progress)> = None;
            let opts = CompleteOptions {
                note: note.clone(),
                on: *on,
                files: evidence.clone(),
                sensitive: *sensitive,
            };
            let done = ws.complete_task(actor, task, &opts, &mut |name, d, t| {
                if bar.as_ref().is_none_or(|(n, _)| n != name) {
                    if let Some((_, mut old)) = bar.take() {
                        old.finish();
                    }
                    bar = Some((name.to_owned(), output::Progress::new(name, show)));
                }
                if let Some((_, b)) = bar.as_mut() {
                    b.update(d, t);
                }
            });
            if let Some((_, mut b)) = bar.take() {
                b.finish();
            }
            let done = done?;
            let detail = ws.show_task(task)?;
            out.completed(&done, &detail.status)?;
        }
        ScheduleCmd::Due { as_of } => {
            ws.ensure_builtin_schedule(actor)?;
            let due = ws.due_tasks(*as_of)?;
            out.due(&due)?;
            if due.iter().any(|s| s.standing == Standing::Overdue) {
                return Ok(ExitCode::FAILURE);
            }
        }
        ScheduleCmd::Edit {
            task,
            title,
            every,
            start,
            grace,
            owner,
            guidance,
        } => {
            let change = signoff_core::schedule::TaskEdit {
                title: title.clone(),
                guidance: guidance.clone(),
                cadence: every.clone(),
                start_on: *start,
                grace_days: *grace,
                owner: owner.clone(),
            };
            out.task_changed(&ws.edit_task(actor, task, &change)?, "edited")?
        }
        ScheduleCmd::Pause { task } => out.task_changed(
            &ws.set_task_state(actor, task, TaskState::Paused)?,
            "paused",
        )?,
        ScheduleCmd::Resume { task } => out.task_changed(
            &ws.set_task_state(actor, task, TaskState::Active)?,
            "resumed",
        )?,
        ScheduleCmd::Archive { task } => out.task_changed(
            &ws.set_task_state(actor, task, TaskState::Archived)?,
            "archived",
        )?,
        ScheduleCmd::Calendar { from, to } => {
            let today = ws.today();
            let from = from.unwrap_or(today - chrono::Days::new(365));
            let to = to.unwrap_or(today + chrono::Days::new(92));
            // A period refused writes nothing, not even the built-in tasks.
            signoff_core::schedule::check_period("the calendar", from, to)?;
            ws.ensure_builtin_schedule(actor)?;
            out.calendar(&ws.calendar(from, to)?)?;
        }
        ScheduleCmd::Report {
            from,
            to,
            sign:
                SignArgs {
                    output,
                    role,
                    statement,
                    paper,
                },
        } => {
            let how = signoff_report::SignAs::for_log(role, statement.as_deref())?;
            let signer = identities.unlock(&identity::passphrase()?)?;
            let show = std::io::stderr().is_terminal() && !out.json;
            let mut bar = output::Progress::new("embedding evidence", show);
            let written = signoff_report::sign_maintenance_log(
                ws,
                actor,
                *from,
                *to,
                &signer,
                &how,
                *paper,
                output,
                &mut |d, t| bar.update(d, t),
            );
            bar.finish();
            out.report_written(&written?, output)?;
        }
        ScheduleCmd::Ics { output } => {
            ws.ensure_builtin_schedule(actor)?;
            let text = ws.schedule_ics()?;
            signoff_report::flow::save_file(output, text.as_bytes())?;
            out.message(
                &format!("wrote the schedule to {}", output.display()),
                &serde_json::json!({ "output": output, "bytes": text.len() }),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    match execute(&cli, &out) {
        Ok(code) => code,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

fn execute(cli: &Cli, out: &Out) -> Result<ExitCode> {
    let data_dir = match &cli.data_dir {
        Some(d) => d.clone(),
        None => Workspace::default_data_dir()?,
    };
    let trust_store = signoff_signature::trust::TrustStore::in_data_dir(&data_dir);
    // The trust store and any --trust files (read only; nothing is created).
    let trusted =
        |files: &[PathBuf]| signoff_report::signer::trusted_certificates(&data_dir, files);
    // Verifying needs no workspace: an auditor runs it on a PDF alone.
    if let Command::Verify { file, trust } = &cli.command {
        let report = signoff_report::signer::check_report_file(file, &trusted(trust)?)?;
        out.verification(&report)?;
        return Ok(ExitCode::from(report.verdict.exit_code()));
    }
    if let Command::Trust(cmd) = &cli.command {
        match cmd {
            TrustCmd::List => out.trusted(&trust_store.list()?)?,
            TrustCmd::Add { file, name } => {
                out.trust_changed(&trust_store.add_file(file, name.as_deref())?, "now trusted")?
            }
            TrustCmd::Remove { certificate } => {
                out.trust_changed(&[trust_store.remove(certificate)?], "no longer trusted")?
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let identities = || signoff_signature::IdentityStore::in_data_dir(&data_dir);
    // Countersigning needs the PDF and the identity, not the database.
    if let Command::Countersign {
        input,
        output,
        role,
        statement,
        trust,
        accept_untrusted,
    } = &cli.command
    {
        let how = signoff_report::SignAs::new(role, statement.as_deref())?;
        let trust = signoff_report::Countersigning {
            trusted: trusted(trust)?,
            accept_untrusted: *accept_untrusted,
        };
        let signer = identities().unlock(&identity::passphrase()?)?;
        let n = signoff_report::countersign(
            input,
            &signer,
            &how,
            &trust,
            &SystemClock,
            output,
        )
        .map_err(|e| match e {
            signoff_report::ReportError::UntrustedSigner(m) => anyhow::Error::new(
                signoff_report::ReportError::UntrustedSigner(format!(
                    "{m} (trust their certificate with `signoff trust add CERT.pem`, or pass --accept-untrusted)"
                )),
            ),
            e => e.into(),
        })?;
        out.message(
            &format!(
                "countersigned as {} by {}: {} now carries {n} signatures",
                how.role,
                signer.info.name,
                output.display()
            ),
            &serde_json::json!({ "output": output, "signatures": n, "signer": signer.info.name, "role": how.role }),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut ws = Workspace::open(&data_dir, Box::new(SystemClock))?;
    let actor = || -> Result<Actor> {
        let name = match &cli.actor {
            Some(a) => a.clone(),
            None => whoami::username()
                .ok()
                .filter(|s| !s.trim().is_empty())
                .context("cannot tell who you are (no OS user name); pass --actor NAME")?,
        };
        Ok(Actor::new(&name)?)
    };

    match &cli.command {
        Command::Template(cmd) => match cmd {
            TemplateCmd::List => out.templates(&ws.list_templates()?),
            TemplateCmd::Show { id } => out.template(&ws.show_template(id)?),
            TemplateCmd::Import { file } => out.imported(&ws.import_template(&actor()?, file)?),
        },
        Command::Run(cmd) => match cmd {
            RunCmd::New {
                template,
                target,
                environment,
                require_maintenance,
            } => {
                let actor = actor()?;
                let mut run = ws.new_run(&actor, template, target, environment)?;
                if *require_maintenance && !run.require_maintenance {
                    run = ws.set_maintenance_gate(&actor, run.id, true)?;
                }
                out.run_created(&run)
            }
            RunCmd::Gate { run, state } => {
                let on = match state.as_str() {
                    "on" => true,
                    "off" => false,
                    other => bail!("'{other}': say on or off"),
                };
                let r = ws.set_maintenance_gate(&actor()?, run.0, on)?;
                out.message(
                    &format!(
                        "run {}: the maintenance release gate is {}",
                        r.id,
                        if r.require_maintenance { "on" } else { "off" }
                    ),
                    &serde_json::to_value(&r)?,
                )
            }
            RunCmd::List => out.runs(&ws.list_runs()?),
            RunCmd::Show { run } => out.run(&ws.show_run(run.0)?),
            RunCmd::Set {
                run,
                item,
                status,
                note,
                reason,
            } => {
                if status.is_none() && note.is_none() && reason.is_none() {
                    bail!("nothing to change: give --status, --note or --reason");
                }
                let status = status.as_deref().map(str::parse::<Status>).transpose()?;
                let change = ResultChange {
                    status,
                    note: note.as_deref(),
                    reason: reason.as_deref(),
                };
                out.result(run.0, &ws.set_result(&actor()?, run.0, item, change)?)
            }
            RunCmd::Reopen { run } => out.run_created(&ws.reopen_run(&actor()?, run.0)?),
            RunCmd::Waive {
                run,
                item,
                justification,
                expires,
                accepted_by,
            } => {
                let w = ws.waive_item(
                    &actor()?,
                    run.0,
                    item,
                    justification,
                    accepted_by.as_deref(),
                    *expires,
                )?;
                out.waiver(run.0, item, &w)
            }
        },
        Command::Evidence(cmd) => match cmd {
            EvidenceCmd::Add {
                run,
                item,
                files,
                opts,
            } => {
                let actor = actor()?;
                // Check every file before storing any, so a typo in the third
                // name does not leave the first two attached alone.
                let show = std::io::stderr().is_terminal() && !cli.json;
                let mut bar: Option<(usize, output::Progress)> = None;
                let added =
                    ws.add_evidence_files(&actor, run.0, item, files, &opts.options(), &mut |p| {
                        if bar.as_ref().is_none_or(|(i, _)| *i != p.index) {
                            if let Some((_, mut old)) = bar.take() {
                                old.finish();
                            }
                            bar = Some((p.index, output::Progress::new(p.name, show)));
                        }
                        if let Some((_, b)) = bar.as_mut() {
                            b.update(p.done, p.total);
                        }
                    });
                if let Some((_, mut b)) = bar.take() {
                    b.finish();
                }
                let added = added?;
                out.evidence_added(run.0, item, &added)
            }
            EvidenceCmd::Note {
                run,
                item,
                text,
                opts,
            } => {
                let ev = ws.add_evidence_note(&actor()?, run.0, item, text, &opts.options())?;
                out.evidence_added(run.0, item, &[ev])
            }
            EvidenceCmd::Link {
                run,
                item,
                url,
                label,
                opts,
            } => {
                let ev = ws.add_evidence_link(
                    &actor()?,
                    run.0,
                    item,
                    url,
                    label.as_deref(),
                    &opts.options(),
                )?;
                out.evidence_added(run.0, item, &[ev])
            }
            EvidenceCmd::Remove { evidence } => {
                ws.remove_evidence(&actor()?, *evidence)?;
                out.message(
                    &format!("removed evidence {evidence}"),
                    &serde_json::json!({ "removed": evidence }),
                )
            }
        },
        Command::Sign {
            run,
            sign:
                SignArgs {
                    output,
                    role,
                    statement,
                    paper,
                },
        } => {
            let how = signoff_report::SignAs::new(role, statement.as_deref())?;
            let actor = actor()?;
            // Refuse early, before asking for a passphrase.
            ws.prepare_signoff(run.0)?;
            let signer = identities().unlock(&identity::passphrase()?)?;
            let show = std::io::stderr().is_terminal() && !cli.json;
            let mut bar = output::Progress::new("embedding evidence", show);
            let written = signoff_report::sign_run(
                &mut ws,
                &actor,
                run.0,
                &signer,
                &how,
                *paper,
                output,
                &mut |d, t| bar.update(d, t),
            );
            bar.finish();
            out.report_written(&written?, output)
        }
        Command::Export { run, output, paper } => {
            let show = std::io::stderr().is_terminal() && !cli.json;
            let mut bar = output::Progress::new("embedding evidence", show);
            let written = signoff_report::export_draft(&ws, run.0, *paper, output, &mut |d, t| {
                bar.update(d, t)
            });
            bar.finish();
            out.report_written(&written?, output)
        }
        Command::Countersign { .. } => unreachable!("handled before opening the workspace"),
        Command::Schedule(cmd) => return schedule(&mut ws, &actor()?, cmd, out, &identities()),
        Command::Identity(cmd) => {
            let store = identities();
            match cmd {
                IdentityCmd::Show => match store.show()? {
                    Some(info) => out.identity(&info),
                    None => Err(signoff_signature::IdentityError::Missing.into()),
                },
                IdentityCmd::Create {
                    name,
                    email,
                    role,
                    organisation,
                } => {
                    let who = signoff_signature::NewIdentity {
                        name: name.clone(),
                        email: email.clone(),
                        role: role.clone(),
                        organisation: organisation.clone(),
                    };
                    let passphrase = identity::new_passphrase(&[
                        name.as_str(),
                        email.as_str(),
                        role.as_str(),
                        organisation.as_str(),
                    ])?;
                    let info = signoff_report::signer::create_identity(
                        &mut ws,
                        &actor()?,
                        &who,
                        &passphrase,
                    )?;
                    out.identity(&info)
                }
                IdentityCmd::Import { file, role } => {
                    let p12 = signoff_report::signer::read_p12(file)?;
                    let p12_password = identity::p12_password(&p12.name)?;
                    let passphrase = identity::new_passphrase(&[role.as_str(), p12.name.as_str()])?;
                    let info = signoff_report::signer::import_identity(
                        &mut ws,
                        &actor()?,
                        &p12,
                        &p12_password,
                        &passphrase,
                        role,
                    )?;
                    out.identity(&info)
                }
            }
        }
        Command::Verify { .. } | Command::Trust(_) => {
            unreachable!("handled before opening the workspace")
        }
        Command::Doctor => {
            let report = ws.run_doctor()?;
            out.doctor(&report)?;
            return Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
    }?;
    Ok(ExitCode::SUCCESS)
}
