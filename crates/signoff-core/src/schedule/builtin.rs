//! The built-in maintenance schedule: the "Regular Security Maintenance"
//! section of the first customer's policy (`seed-SECURITY.md`), one task
//! per line item, each with guidance from the sections behind it.
//!
//! Start dates are chosen so that nothing is due the moment the schedule
//! appears: the weekly task on the coming Monday, monthly tasks on the
//! first of next month, quarterly ones on the first day of the next
//! quarter, annual ones on the first of next month (most teams have not
//! done them yet). Users edit, pause or archive them like any task.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::{Anchor, Cadence, Task, TaskState};
use crate::model::Actor;

const LOGS: &str = "\
Look through the past week's logs (Django, Nginx, Celery, Redis, the \
Tailscale admin log) for:

- bursts of **failed logins** and password resets, and logins from \
unfamiliar places or at odd hours;
- requests probing for admin paths, `.env`, `wp-admin` and the like, and \
4xx/5xx spikes;
- unexpected changes to API usage and cost (Gemini, Claude);
- anything logging what it must not: passwords, API keys, tokens.

Attach the query or a screenshot of what you reviewed, and note anything \
you followed up.";

const DEPENDENCIES: &str = "\
List what is outdated and what is vulnerable, then update:

```bash
pip list --outdated
pip-audit  # install with: pip install pip-audit
pip install -U <package-name>
```

Django stays on the 4.2.x series at **4.2.24 or later** (older 4.2 \
releases have SQL injection CVEs). Run the tests, deploy to staging, then \
attach the `pip-audit` output.";

const KEYS: &str = "\
Rotate the keys whose compromise would be limited (for example per-service \
API keys with narrow scopes), one at a time:

1. create the new key and put it in the production `.env` (never in \
version control);
2. deploy and check the service uses it;
3. revoke the old key.

Development and production keys stay different.";

const AUDIT: &str = "\
Review the security settings against the policy: `DEBUG=False`, \
`ALLOWED_HOSTS`, HTTPS and the security headers, database credentials, \
firewall rules and Tailscale access, backups (restore one), logging and \
alerts. Run the pre-deployment checklist as a run and attach its report.";

const PENTEST: &str = "\
Test the deployed service as an attacker would (OWASP Top 10: injection, \
broken authentication, access control, misconfiguration…), or have it \
tested. Record the findings, their fixes and what was accepted, and attach \
the report.";

const REVIEW: &str = "\
Review the whole security posture: this policy itself, who has access to \
what, the incident-response steps (rehearse them), third-party services and \
their keys, backups and their restore, and what the last four quarterly \
audits found. Update the policy and the checklists with what changed.";

const CREDENTIALS: &str = "\
Rotate every credential: all API keys (Gemini, Claude), `SECRET_KEY`, \
database passwords, Tailscale auth keys (use keys with expiration), \
service accounts. Follow the same order each time (new, deploy, check, \
revoke old) and list what was rotated in the note.";

/// The built-in tasks, dated from `today`.
pub fn tasks(today: NaiveDate, at: &str, actor: &Actor) -> Vec<Task> {
    let monday = today
        .checked_add_days(Days::new(u64::from(
            (7 - today.weekday().num_days_from_monday()) % 7,
        )))
        .unwrap_or(today);
    let next_month = first_of_month(today)
        .checked_add_months(Months::new(1))
        .unwrap_or(today);
    let quarter_month = (today.month0() / 3 + 1) * 3; // 3, 6, 9 or 12 (months since January)
    let next_quarter = first_of_month(today)
        .with_month(1)
        .and_then(|jan| jan.checked_add_months(Months::new(quarter_month)))
        .unwrap_or(next_month);
    let task =
        |id: &str, title: &str, guidance: &str, cadence: Cadence, start: NaiveDate, grace: u32| {
            Task {
                id: id.to_owned(),
                title: title.to_owned(),
                guidance: guidance.to_owned(),
                cadence: cadence.to_string(),
                start_on: start,
                grace_days: grace,
                owner: String::new(),
                anchor: Anchor::Schedule,
                state: TaskState::Active,
                builtin: true,
                created_at: at.to_owned(),
                created_by: actor.as_str().to_owned(),
            }
        };
    debug_assert_eq!(monday.weekday(), Weekday::Mon);
    vec![
        task(
            "review-logs",
            "Review logs for suspicious activity",
            LOGS,
            Cadence::WEEKLY,
            monday,
            2,
        ),
        task(
            "update-dependencies",
            "Update dependencies",
            DEPENDENCIES,
            Cadence::MONTHLY,
            next_month,
            7,
        ),
        task(
            "rotate-non-critical-keys",
            "Rotate non-critical keys",
            KEYS,
            Cadence::MONTHLY,
            next_month,
            7,
        ),
        task(
            "security-audit",
            "Security audit",
            AUDIT,
            Cadence::QUARTERLY,
            next_quarter,
            14,
        ),
        task(
            "penetration-testing",
            "Penetration testing",
            PENTEST,
            Cadence::QUARTERLY,
            next_quarter,
            14,
        ),
        task(
            "security-review",
            "Comprehensive security review",
            REVIEW,
            Cadence::ANNUALLY,
            next_month,
            30,
        ),
        task(
            "rotate-all-credentials",
            "Rotate all credentials",
            CREDENTIALS,
            Cadence::ANNUALLY,
            next_month,
            30,
        ),
    ]
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seven_seed_tasks_start_soon_and_not_today() {
        let actor = Actor::new("t").expect("actor");
        let today: NaiveDate = "2026-11-28".parse().expect("date"); // a Saturday
        let tasks = tasks(today, "now", &actor);
        let got: Vec<(&str, &str, String)> = tasks
            .iter()
            .map(|t| (t.id.as_str(), t.cadence.as_str(), t.start_on.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("review-logs", "weekly", "2026-11-30".to_owned()),
                ("update-dependencies", "monthly", "2026-12-01".to_owned()),
                (
                    "rotate-non-critical-keys",
                    "monthly",
                    "2026-12-01".to_owned()
                ),
                ("security-audit", "quarterly", "2027-01-01".to_owned()),
                ("penetration-testing", "quarterly", "2027-01-01".to_owned()),
                ("security-review", "annually", "2026-12-01".to_owned()),
                (
                    "rotate-all-credentials",
                    "annually",
                    "2026-12-01".to_owned()
                ),
            ]
        );
        assert!(
            tasks[1].guidance.contains("pip list --outdated")
                && tasks[1].guidance.contains("pip-audit")
        );
        assert!(tasks[0].guidance.contains("failed logins"));
        let feb: NaiveDate = "2026-02-16".parse().expect("date"); // a Monday
        let t = super::tasks(feb, "now", &actor);
        assert_eq!(
            t[0].start_on, feb,
            "on a Monday the weekly task starts that day"
        );
        assert_eq!(t[3].start_on.to_string(), "2026-04-01");
    }
}
