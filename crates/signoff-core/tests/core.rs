//! Use cases against a real SQLite database and real files in a temporary
//! directory, with a fixed clock.

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use signoff_core::evidence::EvidenceOptions;
use signoff_core::runs::ResultChange;
use signoff_core::template::{Template, from_markdown};
use signoff_core::{Actor, EvidenceKind, FixedClock, Status, Workspace};

const SEED: &str = include_str!("fixtures/seed-SECURITY.md");

fn workspace(dir: &Path) -> Workspace {
    let clock = FixedClock(
        Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0)
            .single()
            .expect("time"),
    );
    Workspace::open(dir, Box::new(clock)).expect("open workspace")
}

fn alice() -> Actor {
    Actor::new("Alice Ångström").expect("actor")
}

fn set(status: Status) -> ResultChange<'static> {
    ResultChange {
        status: Some(status),
        ..Default::default()
    }
}

// ---- templates ---------------------------------------------------------

#[test]
fn importing_the_seed_gives_exactly_the_fifteen_checklist_items() {
    let t = from_markdown(SEED, "seed-SECURITY.md").expect("seed imports");
    assert_eq!(t.name, "Security Considerations", "the document's # title");
    assert_eq!(
        t.sections.len(),
        1,
        "only 'Security Checklist' has task items"
    );
    assert_eq!(t.sections[0].title, "Security Checklist");
    assert_eq!(t.sections[0].description, "Before deploying to production:");
    let titles: Vec<&str> = t.items().map(|(_, i)| i.title.as_str()).collect();
    let builtin = signoff_core::template::builtin("predeploy").expect("predeploy");
    let builtin_titles: Vec<&str> = builtin.items().map(|(_, i)| i.title.as_str()).collect();
    assert_eq!(
        titles, builtin_titles,
        "the built-in uses the seed's lines verbatim"
    );
}

/// A Markdown case: its name, the text, and the expected (section, title) pairs.
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[test]
fn markdown_edge_cases() {
    let cases: &[Case] = &[
        (
            "dash and checked boxes",
            "# T\n## S\n- [ ] A\n- [x] B\n- [X] C\n",
            &[("S", "A"), ("S", "B"), ("S", "C")],
        ),
        (
            "star and plus bullets",
            "## S\n* [ ] A\n\n+ [ ] B\n",
            &[("S", "A"), ("S", "B")],
        ),
        (
            "numbered lists",
            "## S\n1. [ ] A\n2. [x] B\n3) [ ] C\n",
            &[("S", "A"), ("S", "B"), ("S", "C")],
        ),
        (
            "nested tasks",
            "## S\n- [ ] Parent\n  - [ ] Child\n    - [ ] Grandchild\n- [ ] Next\n",
            &[
                ("S", "Parent"),
                ("S", "Child"),
                ("S", "Grandchild"),
                ("S", "Next"),
            ],
        ),
        (
            "emphasis, code and links",
            "## S\n- [ ] Use **HTTPS** via [Let's *Encrypt*](https://letsencrypt.org) and `certbot`\n",
            &[("S", "Use HTTPS via Let's Encrypt and certbot")],
        ),
        (
            "CRLF line endings",
            "## S\r\n- [ ] A\r\n- [ ] B\r\n",
            &[("S", "A"), ("S", "B")],
        ),
        (
            "byte order mark",
            "\u{feff}# Doc\n## S\n- [ ] A\n",
            &[("S", "A")],
        ),
        (
            "text outside lists",
            "# Doc\nIntro.\n## S\nBefore:\n\n- [ ] A\n\nAfter.\n\n- plain bullet\n",
            &[("S", "A")],
        ),
        (
            "task syntax in code is not a task",
            "## S\n```\n- [ ] no\n```\n    - [ ] indented code\n- [ ] yes\n",
            &[("S", "yes")],
        ),
        (
            "several sections",
            "## A\n- [ ] one\n### B\n- [ ] two\n## C\ntext only\n## D\n- [ ] three\n",
            &[("A", "one"), ("B", "two"), ("D", "three")],
        ),
        (
            "tasks before any heading",
            "- [ ] A\n# Later\n- [ ] B\n",
            &[("Checklist", "A"), ("Later", "B")],
        ),
        (
            "emphasis in headings",
            "## *Deploy* `checks`\n- [ ] A\n",
            &[("Deploy checks", "A")],
        ),
        (
            "soft-wrapped task text",
            "## S\n- [ ] A long\n  task line\n",
            &[("S", "A long task line")],
        ),
        (
            "HTML in a title stays text",
            "## S\n- [ ] <img src=x onerror=alert(1)> check\n",
            &[("S", "<img src=x onerror=alert(1)> check")],
        ),
    ];
    for (name, md, want) in cases {
        let t = from_markdown(md, "case.md").unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Vec<(&str, &str)> = t
            .items()
            .map(|(s, i)| (s.title.as_str(), i.title.as_str()))
            .collect();
        assert_eq!(&got, want, "case '{name}'");
    }
}

#[test]
fn markdown_guidance_ids_and_errors() {
    let md = "## S\n- [ ] Parent with [a link](https://example.org/x)\n  - plain detail\n  - [ ] Child\n\n  More text.\n- [ ] Same\n- [ ] Same\n";
    let t = from_markdown(md, "g.md").expect("parses");
    let parent = t.item("parent-with-a-link").expect("slug id");
    assert!(
        parent.guidance.contains("https://example.org/x"),
        "{}",
        parent.guidance
    );
    assert!(
        parent.guidance.contains("- plain detail"),
        "{}",
        parent.guidance
    );
    assert!(
        parent.guidance.contains("More text."),
        "{}",
        parent.guidance
    );
    assert!(
        !parent.guidance.contains("Child"),
        "nested tasks are items, not guidance"
    );
    assert!(
        t.item("same").is_some() && t.item("same-2").is_some(),
        "duplicates get -2"
    );
    let again = from_markdown(md, "g.md").expect("parses");
    assert_eq!(
        t, again,
        "re-importing the same text gives the same ids and content"
    );

    let err = from_markdown("# Notes\n\n- just a bullet\n\nSome text.\n", "notes.md")
        .expect_err("no tasks");
    assert!(err.to_string().contains("no task items found"), "{err}");
    let err = Template::from_file_bytes(b"## S\n- [ ] ok\n- [ ] caf\xe9\n", "latin1.md")
        .expect_err("bad utf-8");
    assert!(err.to_string().contains("not valid UTF-8 (line 3"), "{err}");
    let err = Template::from_toml("id = \"x\"\nname = \"X\"\n", "x.toml").expect_err("no sections");
    assert!(err.to_string().contains("section"), "{err}");
    let err = Template::from_toml(
        "id = \"x\"\nname = \"X\"\n[[section]]\nid = \"s\"\ntitle = \"S\"\n[[section.item]]\nid = \"Bad Id\"\ntitle = \"t\"\n",
        "x.toml",
    )
    .expect_err("bad id");
    assert!(err.to_string().contains("'Bad Id' must be"), "{err}");
    let err = Template::from_toml("id = \"x\"\nname = \"X\"\nsurprise = 1\n", "x.toml")
        .expect_err("unknown key");
    assert!(err.to_string().contains("surprise"), "{err}");
}

// ---- issue 11: bounded, linear, clean import ------------------------------

/// `levels` tasks each nested in the one before, under `## S`: task `i` on
/// line `i + 3`, with a sub-bullet of guidance when `notes` is set.
fn nested_tasks(levels: usize, notes: bool) -> String {
    let mut md = String::from("# Deep\n## S\n");
    for i in 0..levels {
        let pad = "  ".repeat(i);
        md += &format!("{pad}- [ ] task {i}\n");
        if notes {
            md += &format!("{pad}  - about {i}\n");
        }
    }
    md
}

#[test]
fn issue_11_a_thousand_nested_levels_stop_at_the_depth_limit() {
    let md = nested_tasks(1_000, false);
    assert!(md.len() > 1_000_000, "the issue's 1 MB file");
    let err = from_markdown(&md, "deep.md").expect_err("too deep");
    let want = format!(
        "line {}: lists are nested more than {} deep (MAX_DEPTH)",
        signoff_core::template::MAX_DEPTH + 3,
        signoff_core::template::MAX_DEPTH
    );
    assert!(
        err.to_string().contains(&want),
        "the first task past the limit is named: {err}"
    );
}

#[test]
fn issue_11_nested_tasks_go_only_to_their_direct_parent() {
    // a ⊃ b ⊃ c ⊃ d: each task's guidance is its own sub-bullets, never the
    // tasks nested in it (a's guidance was "- [ ] b\n  - [ ] c").
    let md = "## S\n- [ ] a\n  - about a\n  - [ ] b\n    - about b\n    - [ ] c\n      - [ ] d\n        - about d\n\n  After b, still a's.\n- [ ] e\n";
    let t = from_markdown(md, "abcd.md").expect("parses");
    let got: Vec<(&str, &str)> = t
        .items()
        .map(|(_, i)| (i.id.as_str(), i.guidance.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "- about a\n\nAfter b, still a's."),
            ("b", "- about b"),
            ("c", ""),
            ("d", "- about d"),
            ("e", ""),
        ],
        "nested tasks are items of their own, in document order, and appear in no ancestor's guidance"
    );

    // As deep as allowed: every level imports, each with only its own note.
    let depth = signoff_core::template::MAX_DEPTH / 2; // a task and its note: two list levels each
    let t = from_markdown(&nested_tasks(depth, true), "deep.md").expect("within the limit");
    assert_eq!(t.item_count(), depth);
    for (i, (_, item)) in t.items().enumerate() {
        assert_eq!(
            (item.title.as_str(), item.guidance.as_str()),
            (
                format!("task {i}").as_str(),
                format!("- about {i}").as_str()
            ),
            "level {i} holds only its own guidance"
        );
    }
}

#[test]
fn issue_11_equal_titles_are_numbered_by_one_counter_per_slug() {
    let max = signoff_core::template::MAX_ITEMS;
    let md = format!("## S\n{}", "- [ ] x\n".repeat(max));
    let t = from_markdown(&md, "same.md").expect("at the limit is allowed");
    let ids: Vec<&str> = t.items().map(|(_, i)| i.id.as_str()).collect();
    let want: Vec<String> = std::iter::once("x".to_owned())
        .chain((2..=max).map(|n| format!("x-{n}")))
        .collect();
    assert_eq!(ids, want, "x, x-2, x-3, … in document order");

    // A number already taken by another title is skipped, as before.
    let t = from_markdown(
        "## S\n- [ ] x\n- [ ] x 2\n- [ ] x\n- [ ] x\n- [ ] x 2\n",
        "s.md",
    )
    .expect("parses");
    let ids: Vec<&str> = t.items().map(|(_, i)| i.id.as_str()).collect();
    assert_eq!(ids, ["x", "x-2", "x-3", "x-4", "x-2-2"]);
}

#[test]
fn issue_11_more_items_than_the_limit_are_refused_naming_the_line() {
    let max = signoff_core::template::MAX_ITEMS;
    let md = format!("## S\n{}", "- [ ] x\n".repeat(50_000));
    let err = from_markdown(&md, "same.md").expect_err("50,000 items");
    let want = format!("line {}: more than {max} task items (MAX_ITEMS)", max + 2);
    assert!(err.to_string().contains(&want), "{err}");

    // TOML names the item.
    let mut toml =
        String::from("id = \"big\"\nname = \"Big\"\n[[section]]\nid = \"s\"\ntitle = \"S\"\n");
    for i in 0..=max {
        toml += &format!("[[section.item]]\nid = \"i{i}\"\ntitle = \"Item {i}\"\n");
    }
    let err = Template::from_toml(&toml, "big.toml").expect_err("too many");
    let want = format!(
        "section 1 ('S'), item {} ('Item {max}'): the template has more than {max} items (MAX_ITEMS)",
        max + 1
    );
    assert!(err.to_string().contains(&want), "{err}");
}

#[test]
fn issue_11_limits_name_the_limit_and_the_line_or_item() {
    use signoff_core::template::{MAX_GUIDANCE_BYTES, MAX_TITLE_CHARS};
    let long_title = "t".repeat(MAX_TITLE_CHARS + 1);
    let big_text = "g".repeat(MAX_GUIDANCE_BYTES + 1);
    let toml_item = |field: &str, value: &str| {
        format!(
            "id = \"x\"\nname = \"X\"\n[[section]]\nid = \"s\"\ntitle = \"S\"\n[[section.item]]\nid = \"a\"\ntitle = \"A\"\n[[section.item]]\nid = \"b\"\ntitle = \"B\"\n{field} = \"{value}\"\n"
        )
    };
    // (case, format, text, what the error must say)
    let cases: Vec<(&str, &str, String, String)> = vec![
        (
            "a long Markdown task",
            "md",
            format!("## S\n- [ ] ok\n- [ ] {long_title}\n"),
            "line 3: the task 'ttt".to_owned(),
        ),
        (
            "a long Markdown heading",
            "md",
            format!("# Doc\n\n## {long_title}\n- [ ] ok\n"),
            "line 3: the heading 'ttt".to_owned(),
        ),
        (
            "long Markdown guidance",
            "md",
            format!("## S\n- [ ] ok\n- [ ] big\n\n  {big_text}\n"),
            format!(
                "line 3: the guidance of the task 'big' is {} bytes, more than {MAX_GUIDANCE_BYTES} (MAX_GUIDANCE_BYTES)",
                MAX_GUIDANCE_BYTES + 1
            ),
        ),
        (
            "a long TOML title",
            "toml",
            toml_item("guidance", "fine")
                .replace("title = \"B\"", &format!("title = \"{long_title}\"")),
            "item 2 ('ttt".to_owned(),
        ),
        (
            "long TOML guidance",
            "toml",
            toml_item("guidance", &big_text),
            format!(
                "section 1 ('S'), item 2 ('B'): the guidance is {} bytes, more than {MAX_GUIDANCE_BYTES} (MAX_GUIDANCE_BYTES)",
                MAX_GUIDANCE_BYTES + 1
            ),
        ),
    ];
    for (case, kind, text, want) in cases {
        let err = Template::from_file_bytes(text.as_bytes(), &format!("case.{kind}"))
            .expect_err(case)
            .to_string();
        assert!(err.contains(&want), "{case}: {err}");
        assert!(
            err.len() < 400,
            "{case}: the message quotes only an excerpt: {err}"
        );
    }
    let err = Template::from_file_bytes(
        toml_item("guidance", "x")
            .replace("title = \"B\"", &format!("title = \"{long_title}\""))
            .as_bytes(),
        "t.toml",
    )
    .expect_err("long title");
    assert!(
        err.to_string().contains(&format!(
            "longer than {MAX_TITLE_CHARS} characters (MAX_TITLE_CHARS)"
        )),
        "{err}"
    );
}

#[test]
fn issue_11_control_characters_are_replaced_in_every_imported_string() {
    let md = "# Doc\u{1b}]0;pwned\u{7}\n## Sec\u{1b}[2J\n- [ ] Red \u{1b}[31mtitle\u{7}\tend\u{9b}\n\n  Guidance\twith tab\u{1b}[0m and \u{7f}del\n";
    let t = from_markdown(md, "ctl.md").expect("parses");
    let item = t.items().next().expect("one item").1;
    assert_eq!(t.name, "Doc\u{fffd}]0;pwned\u{fffd}");
    assert_eq!(t.sections[0].title, "Sec\u{fffd}[2J");
    assert_eq!(
        item.title, "Red \u{fffd}[31mtitle\u{fffd} end\u{fffd}",
        "a tab in a title becomes a space"
    );
    assert_eq!(
        item.guidance, "Guidance\twith tab\u{fffd}[0m and \u{fffd}del",
        "tabs stay in guidance"
    );

    let toml = "id = \"x\"\nname = \"N\\u001b[31m\"\ndescription = \"line\\r\\nnext\\u0000\"\nsource = \"s\\u0007\"\n[[section]]\nid = \"s\"\ntitle = \"S\\tT\\nU\"\ndescription = \"d\\u009b\"\n[[section.item]]\nid = \"a\"\ntitle = \"A\\u001b\"\nguidance = \"g\\tok\\nnext\\r\\u0008\"\ncheck = { kind = \"command\", run = \"echo \\u001b\", expect_output = \"\\u0007\" }\n";
    let t = Template::from_toml(toml, "ctl.toml").expect("parses");
    let item = &t.sections[0].items[0];
    assert_eq!(
        [
            t.name.as_str(),
            t.description.as_str(),
            t.source.as_str(),
            t.sections[0].title.as_str(),
            t.sections[0].description.as_str(),
            item.title.as_str(),
            item.guidance.as_str(),
        ],
        [
            "N\u{fffd}[31m",
            "line\nnext\u{fffd}",
            "s\u{fffd}",
            "S T U",
            "d\u{fffd}",
            "A\u{fffd}",
            "g\tok\nnext\u{fffd}\u{fffd}",
        ]
    );
    let Some(signoff_core::template::Check::Command {
        run, expect_output, ..
    }) = &item.check
    else {
        panic!("the check is kept");
    };
    assert_eq!(
        (run.as_str(), expect_output.as_deref()),
        ("echo \u{fffd}", Some("\u{fffd}"))
    );

    // An id with a control character is refused, and the message escapes it.
    let err = Template::from_toml("id = \"x\\u001b[31m\"\nname = \"X\"\n[[section]]\nid = \"s\"\ntitle = \"S\"\n[[section.item]]\nid = \"a\"\ntitle = \"A\"\n", "id.toml")
        .expect_err("bad id")
        .to_string();
    assert!(err.contains("template id 'x\u{fffd}[31m' must be"), "{err}");
    assert!(!err.chars().any(char::is_control), "{err:?}");
}

#[test]
fn issue_11_toml_errors_quote_no_more_than_an_excerpt() {
    // A 4 MB line: the toml crate's message repeats it whole.
    let text = format!("id = \"x\"\nname = \"{}\n", "A".repeat(4_000_000));
    let err = Template::from_toml(&text, "long.toml")
        .expect_err("unterminated")
        .to_string();
    assert!(
        err.len() <= 300,
        "{} bytes: {}",
        err.len(),
        err.get(..400).unwrap_or(&err)
    );
    assert!(
        err.starts_with("template long.toml: line 2, column "),
        "{err}"
    );

    // An unknown key of 1 MB, deep nesting, a value of the wrong type.
    let cases = [
        format!("{} = 1\n", "k".repeat(1_000_000)),
        format!(
            "id = \"x\"\nsurprise = {}1{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!(
            "id = \"x\"\nname = {{ a = \"{}\" }}\n",
            "\u{1b}".repeat(10_000)
        ),
    ];
    for text in cases {
        let err = Template::from_toml(&text, "bad.toml")
            .expect_err("refused")
            .to_string();
        assert!(
            err.len() <= 300,
            "{} bytes: {}",
            err.len(),
            err.get(..400).unwrap_or(&err)
        );
        assert!(!err.chars().any(char::is_control), "{err:?}");
    }
}

#[test]
fn issue_11_a_template_must_be_a_regular_file_read_with_a_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zero = dir.path().join("zero.md");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let fifo = dir.path().join("fifo.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let socket = dir.path().join("socket.md");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("socket");
    let folder = dir.path().join("folder.md");
    std::fs::create_dir(&folder).expect("mkdir");
    let big = dir.path().join("big.md");
    let cap = signoff_core::template::MAX_FILE_BYTES;
    std::fs::write(&big, format!("## S\n- [ ] x\n{}", " ".repeat(cap as usize))).expect("write");
    let cases = [
        (&zero, "is not a regular file (a device, socket or pipe)"),
        (&fifo, "is not a regular file (a device, socket or pipe)"),
        (&socket, "is not a regular file (a device, socket or pipe)"),
        (&folder, "is a directory, not a file"),
        (
            &big,
            "a checklist file may be at most 4194304 bytes (MAX_FILE_BYTES)",
        ),
    ];
    for (path, want) in cases {
        let err = signoff_core::templates::read_template(path)
            .expect_err("refused")
            .to_string();
        assert!(err.contains(want), "{}: {err}", path.display());
    }
}

#[test]
fn imports_are_versioned_by_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    let file = dir.path().join("list.md");
    std::fs::write(&file, "# My list\n## S\n- [ ] A\n").expect("write");
    let first = ws.import_template(&alice(), &file).expect("import");
    assert_eq!(
        (
            first.template.id.as_str(),
            first.template.version,
            first.created
        ),
        ("my-list", 1, true)
    );
    let same = ws.import_template(&alice(), &file).expect("re-import");
    assert_eq!(
        (same.template.version, same.created),
        (1, false),
        "same text, same version"
    );

    let run = ws.new_run(&alice(), "my-list", "v1", "").expect("run");
    std::fs::write(&file, "# My list\n## S\n- [ ] A\n- [ ] B\n").expect("write");
    let second = ws.import_template(&alice(), &file).expect("import v2");
    assert_eq!(second.template.version, 2);
    assert_eq!(ws.show_template("my-list").expect("latest").item_count(), 2);
    assert_eq!(ws.show_template("my-list@1").expect("v1").item_count(), 1);
    assert_eq!(
        ws.show_run(run.id).expect("run").items.len(),
        1,
        "the run kept its frozen copy"
    );
    let ids: Vec<String> = ws
        .list_templates()
        .expect("list")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["predeploy", "incident-response", "my-list"]);
}

// ---- runs, results, waivers -------------------------------------------

#[test]
fn results_and_waivers_follow_the_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    let a = alice();
    let run = ws
        .new_run(&a, "predeploy", "v1.4.0", "production")
        .expect("run");
    assert_eq!((run.id, run.counts.total, run.counts.pending), (1, 15, 15));

    let r = ws
        .set_result(
            &a,
            1,
            "debug-false",
            ResultChange {
                status: Some(Status::Pass),
                note: Some("checked with diffsettings"),
                reason: None,
            },
        )
        .expect("pass");
    assert_eq!(
        (r.status, r.updated_by.as_deref()),
        (Status::Pass, Some("Alice Ångström"))
    );
    assert_eq!(r.updated_at.as_deref(), Some("2026-11-28T09:30:00.000Z"));

    let err = ws
        .set_result(&a, 1, "https", set(Status::Na))
        .expect_err("na without reason");
    assert!(err.to_string().contains("N/A needs a reason"), "{err}");
    ws.set_result(
        &a,
        1,
        "https",
        ResultChange {
            status: Some(Status::Na),
            reason: Some("internal service"),
            note: None,
        },
    )
    .expect("na with reason");

    let err = ws
        .set_result(&a, 1, "no-such-item", set(Status::Pass))
        .expect_err("unknown item");
    assert!(
        err.to_string()
            .contains("'no-such-item' does not exist in run 1; its items are: django-version"),
        "{err}"
    );
    assert_eq!(
        ws.set_result(&a, 9, "https", set(Status::Pass))
            .expect_err("unknown run")
            .code(),
        "not_found"
    );

    let expires = NaiveDate::from_ymd_opt(2027, 1, 31).expect("date");
    let err = ws
        .waive_item(&a, 1, "firewall", "later", None, expires)
        .expect_err("not failed");
    assert!(
        err.to_string().contains("only a failed item can be waived"),
        "{err}"
    );
    ws.set_result(&a, 1, "firewall", set(Status::Fail))
        .expect("fail");
    let past = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let err = ws
        .waive_item(&a, 1, "firewall", "x", None, past)
        .expect_err("expired");
    assert!(err.to_string().contains("not in the future"), "{err}");
    let err = ws
        .waive_item(&a, 1, "firewall", "  ", None, expires)
        .expect_err("empty");
    assert!(err.to_string().contains("justification"), "{err}");
    let w = ws
        .waive_item(
            &a,
            1,
            "firewall",
            "new rules ship in 1.4.1",
            Some("Bob (CISO)"),
            expires,
        )
        .expect("waive");
    assert_eq!(
        (w.accepted_by.as_str(), w.granted_by.as_str()),
        ("Bob (CISO)", "Alice Ångström")
    );

    let detail = ws.show_run(1).expect("show");
    let fw = detail
        .items
        .iter()
        .find(|i| i.id == "firewall")
        .expect("firewall");
    assert_eq!(fw.waiver.as_ref().map(|w| w.expires_on), Some(expires));
    assert_eq!(
        (
            detail.summary.counts.pass,
            detail.summary.counts.fail,
            detail.summary.counts.na
        ),
        (1, 1, 1)
    );

    ws.set_result(&a, 1, "firewall", set(Status::Pass))
        .expect("fixed");
    let fw = ws.run_item(1, "firewall").expect("item");
    assert!(fw.waiver.is_none(), "a waiver only stands on a failed item");

    let log = ws.list_activity().expect("log");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "run.created",
            "result.set",
            "result.set",
            "result.set",
            "waiver.granted",
            "result.set",
            "waiver.revoked"
        ],
        "every change, and only changes, are logged, in order"
    );
    assert!(ws.run_doctor().expect("doctor").ok);
}

#[test]
fn an_unchanged_result_is_not_logged_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    ws.new_run(&alice(), "predeploy", "v1", "").expect("run");
    for _ in 0..3 {
        ws.set_result(&alice(), 1, "backups", set(Status::Pass))
            .expect("pass");
    }
    assert_eq!(
        ws.list_activity().expect("log").len(),
        2,
        "run.created + one result.set"
    );
}

// ---- evidence -----------------------------------------------------------

#[test]
fn evidence_is_deduplicated_and_never_deleted_by_removal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut ws = workspace(&data);
    let a = alice();
    ws.new_run(&a, "predeploy", "v1", "prod").expect("run");
    let file = dir.path().join("pip show django.txt");
    std::fs::write(&file, "Name: Django\nVersion: 4.2.24\n").expect("write");
    let copy = dir.path().join("copy.txt");
    std::fs::copy(&file, &copy).expect("copy");
    let opts = EvidenceOptions {
        observed_on: NaiveDate::from_ymd_opt(2026, 11, 27),
        sensitive: false,
    };
    let mut calls = 0;
    let e1 = ws
        .add_evidence_file(&a, 1, "django-version", &file, &opts, &mut |_, _| {
            calls += 1
        })
        .expect("add");
    let e2 = ws
        .add_evidence_file(
            &a,
            1,
            "dependencies-up-to-date",
            &copy,
            &opts,
            &mut |_, _| {},
        )
        .expect("add copy");
    assert!(calls >= 1, "progress is reported");
    assert_eq!(e1.sha256, e2.sha256);
    assert_eq!(e1.name, "pip show django.txt", "the original name is kept");
    assert_eq!((e1.media_type.as_str(), e1.size), ("text/plain", 29));
    let blobs: Vec<_> = walk(&data.join("evidence/sha256"));
    assert_eq!(blobs.len(), 1, "the same bytes are stored once: {blobs:?}");
    let meta = std::fs::metadata(&blobs[0]).expect("meta");
    assert!(
        meta.permissions().readonly(),
        "stored evidence is read-only"
    );

    ws.remove_evidence(&a, e1.id).expect("remove");
    assert!(
        ws.run_item(1, "django-version")
            .expect("item")
            .evidence
            .is_empty()
    );
    assert_eq!(
        ws.run_item(1, "dependencies-up-to-date")
            .expect("item")
            .evidence
            .len(),
        1
    );
    assert!(blobs[0].exists(), "bytes another item cites are kept");
    assert!(
        ws.remove_evidence(&a, e1.id).is_err(),
        "removing twice is an error"
    );

    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, b"").expect("write");
    let e = ws
        .add_evidence_file(&a, 1, "backups", &empty, &opts, &mut |_, _| {})
        .expect("empty file");
    assert_eq!(
        e.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );

    let shot = ws
        .add_evidence_bytes(
            &a,
            1,
            "https",
            "clipboard.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            &EvidenceOptions::default(),
        )
        .expect("bytes");
    assert_eq!(shot.media_type, "image/png");
    assert_eq!(
        shot.observed_on,
        NaiveDate::from_ymd_opt(2026, 11, 28).expect("d"),
        "defaults to today"
    );
    let note = ws
        .add_evidence_note(
            &a,
            1,
            "https",
            "Checked with openssl s_client",
            &EvidenceOptions::default(),
        )
        .expect("note");
    assert_eq!(note.kind, EvidenceKind::Note);
    let err = ws
        .add_evidence_link(
            &a,
            1,
            "https",
            "javascript:alert(1)",
            None,
            &EvidenceOptions::default(),
        )
        .expect_err("js link");
    assert!(err.to_string().contains("https://"), "{err}");
    ws.add_evidence_link(
        &a,
        1,
        "https",
        "https://ssllabs.com/report",
        Some("SSL Labs A+"),
        &EvidenceOptions::default(),
    )
    .expect("link");
    let future = EvidenceOptions {
        observed_on: NaiveDate::from_ymd_opt(2030, 1, 1),
        sensitive: false,
    };
    assert!(
        ws.add_evidence_note(&a, 1, "https", "x", &future)
            .expect_err("future")
            .to_string()
            .contains("in the future")
    );
    assert!(ws.run_doctor().expect("doctor").ok);
    assert!(
        walk(&data.join("evidence/tmp")).is_empty(),
        "no temporary files left"
    );
}

#[test]
fn bad_evidence_files_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(&dir.path().join("data"));
    ws.new_run(&alice(), "predeploy", "v1", "").expect("run");
    let o = EvidenceOptions::default();
    let missing = dir.path().join("nope.txt");
    let err = ws
        .add_evidence_file(&alice(), 1, "backups", &missing, &o, &mut |_, _| {})
        .expect_err("missing");
    assert!(err.to_string().ends_with("nope.txt: no such file"), "{err}");
    let err = ws
        .add_evidence_file(&alice(), 1, "backups", dir.path(), &o, &mut |_, _| {})
        .expect_err("dir");
    assert!(err.to_string().contains("is a directory"), "{err}");
    assert_eq!(
        ws.list_activity().expect("log").len(),
        1,
        "nothing recorded"
    );
}

#[test]
fn the_activity_chain_detects_a_changed_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    ws.new_run(&alice(), "incident-response", "breach 2026-11", "")
        .expect("run");
    ws.set_result(&alice(), 1, "rotate-api-keys", set(Status::Pass))
        .expect("pass");
    let log = ws.list_activity().expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[1].prev_hash, log[0].hash,
        "each entry links to the previous one"
    );
    assert!(signoff_core::activity::verify_chain(&log).is_empty());
    drop(ws);
    let conn = rusqlite_free_edit(dir.path());
    assert!(conn, "edited");
    let ws = workspace(dir.path());
    let report = ws.run_doctor().expect("doctor");
    assert!(!report.ok);
    assert_eq!(report.problems[0].subject, "activity/2");
}

/// Edits the log behind Signoff's back using the store's own file, through
/// the public schema (the CLI tests do the same with the sqlite3 tool).
fn rusqlite_free_edit(dir: &Path) -> bool {
    std::process::Command::new("sqlite3")
        .arg(dir.join("signoff.db"))
        .arg("UPDATE activity SET actor = 'mallory' WHERE seq = 2;")
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn the_manifest_is_canonical_and_covers_every_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    let a = alice();
    ws.new_run(&a, "predeploy", "v1.4.0", "production")
        .expect("run");
    ws.new_run(&a, "incident-response", "other", "")
        .expect("other run");
    let m1 = ws.run_manifest(1).expect("manifest");
    assert_eq!(m1.schema, "signoff.run-manifest/1");
    assert_eq!(m1.items.len(), 15);
    assert_eq!(m1.activity.entries.len(), 1, "only run 1's own entries");
    assert_eq!(m1.activity.head_seq, 2, "but the whole log's head");
    assert_eq!(
        m1.digest(),
        ws.run_manifest(1).expect("again").digest(),
        "same state, same bytes"
    );
    let parsed: signoff_core::manifest::Manifest =
        serde_json::from_slice(&m1.canonical_json()).expect("parses back");
    assert_eq!(parsed, m1);

    let mut seen = vec![m1.digest()];
    ws.set_result(&a, 1, "backups", set(Status::Pass))
        .expect("pass");
    seen.push(ws.run_manifest(1).expect("m").digest());
    ws.add_evidence_note(
        &a,
        1,
        "backups",
        "restore tested",
        &EvidenceOptions::default(),
    )
    .expect("note");
    seen.push(ws.run_manifest(1).expect("m").digest());
    ws.set_result(&a, 2, "rotate-api-keys", set(Status::Pass))
        .expect("other run");
    seen.push(ws.run_manifest(1).expect("m").digest());
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "every change moves the digest (the log head covers other runs too)"
    );
}

#[test]
fn pasted_screenshots_are_named_by_time_and_must_be_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    ws.new_run(&alice(), "predeploy", "v1", "").expect("run");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let ev = ws
        .add_evidence_screenshot(
            &alice(),
            1,
            "https",
            png,
            "image/png",
            &EvidenceOptions::default(),
        )
        .expect("paste");
    assert_eq!(ev.name, "Pasted screenshot 2026-11-28 09.30.00 UTC.png");
    let err = ws
        .add_evidence_screenshot(
            &alice(),
            1,
            "https",
            b"<svg/>",
            "image/svg+xml",
            &EvidenceOptions::default(),
        )
        .expect_err("svg");
    assert!(
        err.to_string().contains("must be PNG, JPEG, GIF or WebP"),
        "{err}"
    );
}

/// A sign-off freezes the run only if nothing changed since its manifest was
/// made; reopening copies the run as the next revision and leaves the
/// signed one as it was.
#[test]
fn a_signoff_freezes_the_run_unless_it_changed_and_reopening_makes_a_revision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    let t = ws.import_template(&alice(), &{
        let p = dir.path().join("tiny.md");
        std::fs::write(&p, "# Tiny\n\n- [ ] One\n- [ ] Two\n").expect("write");
        p
    });
    let t = t.expect("import");
    let run = ws
        .new_run(&alice(), &t.template.id, "v1", "prod")
        .expect("run")
        .id;
    let blocked = ws.prepare_signoff(run).expect_err("pending items block");
    assert_eq!(blocked.code(), "blocked");
    assert!(
        blocked.to_string().contains("'One' (one): not checked yet"),
        "{blocked}"
    );
    for item in ["one", "two"] {
        ws.set_result(&alice(), run, item, set(Status::Pass))
            .expect("pass");
    }
    let manifest = ws.prepare_signoff(run).expect("ready");
    let record = signoff_core::SignoffRecord {
        role: "preparer".into(),
        signer_name: "Alice".into(),
        signer_email: "alice@example.org".into(),
        organisation: String::new(),
        fingerprint: "AB:CD".into(),
        statement: "ok".into(),
        report_id: Workspace::report_id(&manifest, false),
        run_digest: manifest.digest(),
        signed_at: "2026-11-28T10:00:00.000Z".into(),
        log_head_seq: Some(manifest.activity.head_seq),
        log_head_hash: Some(manifest.activity.head_hash.clone()),
    };
    // A change after the manifest: nothing is signed.
    let note = ResultChange {
        status: None,
        note: Some("late note"),
        reason: None,
    };
    ws.set_result(&alice(), run, "one", note).expect("note");
    let err = ws
        .record_signoff(&alice(), run, &manifest, &record)
        .expect_err("changed meanwhile");
    assert!(
        err.to_string()
            .contains("changed while its report was being made"),
        "{err}"
    );
    assert!(ws.signoffs(run).expect("list").is_empty());

    let manifest = ws.prepare_signoff(run).expect("ready again");
    // The report cannot take its name (the step run inside the sign-off's
    // transaction fails): nothing is recorded, the run stays open.
    let refused = ws
        .record_signoff_then(&alice(), run, &manifest, &record, || {
            Err(signoff_core::Error::Invalid(
                "the report could not take its name".into(),
            ))
        })
        .expect_err("publishing failed");
    assert!(
        refused.to_string().contains("could not take its name"),
        "{refused}"
    );
    assert!(ws.signoffs(run).expect("list").is_empty());
    let manifest = ws.prepare_signoff(run).expect("still open");
    let mut published = false;
    ws.record_signoff_then(&alice(), run, &manifest, &record, || {
        published = true;
        Ok(())
    })
    .expect("signed");
    assert!(published, "the report is put in place before the commit");
    assert_eq!(ws.signoffs(run).expect("list"), vec![record.clone()]);
    let frozen = ws
        .set_result(&alice(), run, "two", set(Status::Fail))
        .expect_err("frozen");
    assert_eq!(frozen.code(), "run_frozen");
    assert_eq!(
        ws.prepare_signoff(run).expect_err("signed").code(),
        "run_frozen"
    );

    let next = ws.reopen_run(&alice(), run).expect("reopen");
    assert_eq!((next.revision, next.revision_of), (2, Some(run)));
    assert_eq!(next.counts.pass, 2);
    let old = ws.show_run(run).expect("old");
    assert_eq!(old.summary.state, signoff_core::RunState::Signed);
    assert_eq!(
        ws.show_run(next.id).expect("new").items[0].note,
        "late note"
    );
    assert!(signoff_core::activity::verify_chain(&ws.list_activity().expect("log")).is_empty());
}

/// Reminders are shown once per occurrence and kind, also across restarts;
/// edits keep history and are logged.
#[test]
fn reminders_are_shown_once_and_edits_keep_history() {
    use signoff_core::schedule::{CompleteOptions, NewTask, TaskEdit};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    let today = ws.today();
    // Archive the built-ins so only our task counts.
    ws.ensure_builtin_schedule(&alice()).expect("seed");
    for t in ws.list_tasks(false, None).expect("list") {
        ws.set_task_state(
            &alice(),
            &t.task.id,
            signoff_core::schedule::TaskState::Archived,
        )
        .expect("archive");
    }
    let new = NewTask {
        title: "Check backups".into(),
        cadence: "weekly".into(),
        start_on: Some(today - chrono::Days::new(10)),
        grace_days: 1,
        ..NewTask::default()
    };
    let task = ws.add_task(&alice(), &new).expect("add");
    let notices = ws.pending_notices().expect("notices");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(
        notices[0].kind,
        if task.days_late > 1 { "overdue" } else { "due" }
    );
    ws.mark_notified(&notices[0]).expect("mark");
    assert!(ws.pending_notices().expect("again").is_empty());
    drop(ws);
    let mut ws = workspace(dir.path());
    assert!(
        ws.pending_notices().expect("after a restart").is_empty(),
        "a relaunch does not repeat a notice"
    );

    let done = ws
        .complete_task(
            &alice(),
            &task.task.id,
            &CompleteOptions::default(),
            &mut |_, _, _| {},
        )
        .expect("done");
    let edited = ws
        .edit_task(
            &alice(),
            &task.task.id,
            &TaskEdit {
                cadence: Some("every 2 weeks".into()),
                title: Some("Check backups restore".into()),
                ..TaskEdit::default()
            },
        )
        .expect("edit");
    assert_eq!(edited.task.cadence, "every 2 weeks");
    let detail = ws.show_task(&task.task.id).expect("show");
    assert_eq!(
        detail.completions,
        vec![done],
        "the completion is kept as it was"
    );
    let log = ws.list_activity().expect("log");
    assert!(
        log.iter()
            .any(|e| e.action == "task.edited" && e.details.contains("\"weekly\""))
    );
    assert!(signoff_core::activity::verify_chain(&log).is_empty());
}

// ---- issue 10: edited history goes unnoticed ---------------------------

fn assert_history_clean(ws: &Workspace, when: &str) {
    let check = ws.check_history().expect("history check");
    let problems: Vec<&str> = check.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        problems.is_empty(),
        "{when}: a workspace changed only through Signoff has a clean history: {problems:#?}"
    );
    assert!(
        check.notes.is_empty(),
        "{when}: everything this version logs can be replayed: {:?}",
        check.notes
    );
}

/// Every kind of change, through the use cases only, replays to exactly
/// the tables; and the log key is where it should be.
#[test]
fn issue_10_a_workspace_changed_only_through_signoff_replays_cleanly() {
    use signoff_core::evidence::EvidenceOptions;
    use signoff_core::schedule::{CompleteOptions, NewTask, TaskEdit, TaskState};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    assert_history_clean(&ws, "empty");
    let a = alice();
    let run = ws
        .new_run(&a, "predeploy", "v1.4.0", "production")
        .expect("run")
        .id;
    let items: Vec<String> = ws
        .show_run(run)
        .expect("show")
        .items
        .iter()
        .map(|i| i.id.clone())
        .collect();
    let opts = EvidenceOptions::default();
    let file = dir.path().join("scan.txt");
    std::fs::write(&file, "nothing listening on 22\n").expect("write");
    for item in &items {
        ws.set_result(&a, run, item, set(Status::Pass))
            .expect("pass");
        ws.add_evidence_note(&a, run, item, "checked by hand", &opts)
            .expect("note");
    }
    let first = &items[0];
    let second = &items[1];
    let files = ws
        .add_evidence_files(
            &a,
            run,
            first,
            std::slice::from_ref(&file),
            &opts,
            &mut |_| {},
        )
        .expect("file");
    ws.add_evidence_link(&a, run, first, "https://example.org/scan", None, &opts)
        .expect("link");
    ws.remove_evidence(&a, files[0].id).expect("remove");
    ws.set_result(&a, run, first, set(Status::Fail))
        .expect("fail");
    let expiry = ws.today() + chrono::Days::new(30);
    ws.waive_item(&a, run, first, "accepted for a week", None, expiry)
        .expect("waive");
    ws.set_result(
        &a,
        run,
        second,
        ResultChange {
            status: Some(Status::Na),
            reason: Some("not deployed here"),
            note: Some("see ticket"),
        },
    )
    .expect("na");
    ws.set_result(&a, run, second, set(Status::Pass))
        .expect("pass again");
    ws.set_maintenance_gate(&a, run, true).expect("gate on");
    ws.set_maintenance_gate(&a, run, false).expect("gate off");
    assert_history_clean(&ws, "after results, evidence and waivers");

    let manifest = ws.prepare_signoff(run).expect("ready");
    let record = signoff_core::SignoffRecord {
        role: "approver".into(),
        signer_name: "Alice".into(),
        signer_email: "alice@example.org".into(),
        organisation: String::new(),
        fingerprint: "AB:CD".into(),
        statement: "ok".into(),
        report_id: Workspace::report_id(&manifest, false),
        run_digest: manifest.digest(),
        signed_at: ws.now(),
        log_head_seq: Some(manifest.activity.head_seq),
        log_head_hash: Some(manifest.activity.head_hash.clone()),
    };
    ws.record_signoff(&a, run, &manifest, &record)
        .expect("sign");
    let next = ws.reopen_run(&a, run).expect("reopen").id;
    let copied = ws.show_run(next).expect("next").items[0].evidence[0].id;
    ws.remove_evidence(&a, copied).expect("remove a copy");
    ws.set_result(&a, next, first, set(Status::Pass))
        .expect("fixed");
    assert_history_clean(&ws, "after sign-off and reopen");

    ws.ensure_builtin_schedule(&a).expect("seed");
    for t in ws.list_tasks(false, None).expect("seeds") {
        ws.set_task_state(&a, &t.task.id, TaskState::Archived)
            .expect("archive");
    }
    let task = ws
        .add_task(
            &a,
            &NewTask {
                title: "Restore a backup".into(),
                cadence: "weekly".into(),
                start_on: Some(ws.today() - chrono::Days::new(3)),
                ..NewTask::default()
            },
        )
        .expect("task")
        .task
        .id;
    ws.complete_task(
        &a,
        &task,
        &CompleteOptions {
            note: "restored".into(),
            files: vec![file.clone()],
            ..CompleteOptions::default()
        },
        &mut |_, _, _| {},
    )
    .expect("done");
    ws.edit_task(
        &a,
        &task,
        &TaskEdit {
            cadence: Some("monthly".into()),
            ..TaskEdit::default()
        },
    )
    .expect("edit");
    ws.set_task_state(&a, &task, TaskState::Paused)
        .expect("pause");
    ws.set_task_state(&a, &task, TaskState::Active)
        .expect("resume");
    ws.set_task_state(&a, &task, TaskState::Paused)
        .expect("pause again");
    ws.set_task_state(&a, &task, TaskState::Archived)
        .expect("archive");
    assert_history_clean(&ws, "after the schedule");
    assert_eq!(
        ws.signoffs(run).expect("signoffs")[0].log_head_seq,
        Some(manifest.activity.head_seq),
        "the sign-off records the head its report carries"
    );

    // Reopening the workspace keeps the same key and a clean history.
    drop(ws);
    let ws = workspace(dir.path());
    assert_history_clean(&ws, "after reopening");
    let report = ws.run_doctor().expect("doctor");
    assert!(report.ok, "{:?}", report.problems);
    assert!(
        report
            .checked
            .iter()
            .any(|c| c.contains("checkpoint verified with the log key")),
        "{:?}",
        report.checked
    );
}

/// The key lives outside the database, owner-only; losing it, or a
/// database replaced by an older copy of itself, is a history problem, and
/// nothing can be signed until it is resolved.
#[test]
fn issue_10_a_lost_key_or_an_older_copy_of_the_database_is_a_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    let key_dir = dir.path().join(signoff_core::logkey::DIR);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&key_dir), 0o700, "the key's folder is owner-only");
        assert_eq!(
            mode(&key_dir.join(signoff_core::logkey::KEY_FILE)),
            0o600,
            "the key is owner-only"
        );
    }
    let run = ws
        .new_run(&alice(), "predeploy", "v1", "prod")
        .expect("run")
        .id;
    ws.set_result(&alice(), run, "backups", set(Status::Pass))
        .expect("pass");
    drop(ws);

    // An older copy: keep the database as it is now, change more, restore it.
    let db = dir.path().join("signoff.db");
    let old = std::fs::read(&db).expect("copy");
    let mut ws = workspace(dir.path());
    ws.set_result(&alice(), run, "https", set(Status::Pass))
        .expect("pass");
    drop(ws);
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("signoff.db{ext}")));
    }
    std::fs::write(&db, old).expect("restore");
    let ws = workspace(dir.path());
    let problems: Vec<String> = ws
        .check_history()
        .expect("check")
        .problems
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("the database was replaced by an older copy")),
        "{problems:#?}"
    );
    let err = ws.prepare_signoff(run).expect_err("refused");
    assert_eq!(err.code(), "history_damaged", "{err}");
    drop(ws);

    std::fs::remove_dir_all(&key_dir).expect("lose the key");
    let ws = workspace(dir.path());
    assert!(
        !key_dir.exists(),
        "a missing key is not silently replaced while history depends on it"
    );
    let problems: Vec<String> = ws
        .check_history()
        .expect("check")
        .problems
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert!(
        problems.iter().any(|p| p.contains("is missing")),
        "{problems:#?}"
    );
}

/// A process killed mid-import leaves its temporary file in the vault's
/// staging folder, one killed while probing the data folder leaves its
/// probe: the next start removes both. A live writer's (locked) file stays.
#[test]
fn the_next_start_removes_what_killed_processes_left() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(workspace(dir.path()));
    let staging = dir.path().join("evidence/tmp");
    let stale = staging.join("4242-0-17.part");
    std::fs::write(&stale, vec![7u8; 4096]).expect("write");
    let live = staging.join("4343-0-18.part");
    let held = std::fs::File::create(&live).expect("create");
    held.lock().expect("lock");
    let probe = dir.path().join(".write-probe-4242");
    std::fs::write(&probe, b"").expect("probe");

    let ws = workspace(dir.path());
    assert!(!stale.exists(), "the killed import's file is removed");
    assert!(live.exists(), "a live writer's file stays");
    assert!(!probe.exists(), "the killed probe is removed");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".write-probe"))
        .collect();
    assert!(names.is_empty(), "no probe is left: {names:?}");
    let report = ws.run_doctor().expect("doctor");
    assert!(report.ok, "{report:?}");
    drop(held);
}

/// Found by the kill rounds: a sign beside another process's writes was
/// refused with "the log once reached entry N+1 (recorded beside the key)",
/// because the history check read the database, then the copy of the log
/// head that a writer had updated meanwhile. Checked while another
/// workspace on the same folder writes, the history is always intact.
#[test]
fn the_history_check_holds_while_another_process_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workspace(dir.path());
    let run = ws.new_run(&alice(), "predeploy", "v1", "").expect("run").id;
    // A log long enough that checking it takes a while.
    for k in 0..150 {
        let note = format!("note {k}");
        let change = ResultChange {
            status: None,
            note: Some(&note),
            reason: None,
        };
        ws.set_result(&alice(), run, "https", change).expect("note");
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let path = dir.path().to_owned();
        std::thread::spawn(move || {
            let mut other = workspace(&path);
            let mut k = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let status = if k.is_multiple_of(2) {
                    Status::Pass
                } else {
                    Status::Fail
                };
                other
                    .set_result(&alice(), run, "firewall", set(status))
                    .expect("write beside the check");
                k += 1;
            }
            k
        })
    };
    let mut checks = 0;
    let result = (0..60).try_for_each(|_| {
        checks += 1;
        ws.require_intact_history()
    });
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let writes = writer.join().expect("writer");
    assert!(writes > 0, "the writer wrote during the checks");
    assert!(
        result.is_ok(),
        "check {checks} of 60, beside {writes} writes: {}",
        result.map_or_else(|e| e.to_string(), |_| String::new())
    );
}

/// Found by the kill rounds: since every start removes the staging files of
/// killed imports, a start could remove a live import's file between its
/// creation and its lock ("could not be stored: No such file or
/// directory"). Imports beside a stream of starts all succeed.
#[test]
fn imports_succeed_while_other_processes_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("evidence");
    let vault = signoff_core::vault::Vault::open(&root).expect("vault");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let starters: Vec<_> = (0..3)
        .map(|_| {
            let stop = stop.clone();
            let root = root.clone();
            std::thread::spawn(move || {
                let mut starts = 0u64;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    signoff_core::vault::Vault::open(&root).expect("start");
                    starts += 1;
                }
                starts
            })
        })
        .collect();
    let mut failures = Vec::new();
    for k in 0..600u32 {
        if let Err(e) = vault.store_bytes(&k.to_le_bytes()) {
            failures.push(e.to_string());
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let starts: u64 = starters
        .into_iter()
        .map(|t| t.join().expect("starter"))
        .sum();
    assert!(starts > 0, "starts ran beside the imports");
    assert!(
        failures.is_empty(),
        "{} of 600 imports failed beside {starts} starts: {:?}",
        failures.len(),
        failures.first()
    );
}
