//! Coverage-guided fuzzing on the stable toolchain: `cargo xtask fuzz
//! [TARGET] [--time SECONDS | --runs N] [--dir DIR]`, and the short run
//! inside `cargo xtask test`.
//!
//! The targets live in `fuzz/` (crate `signoff-fuzz`). They link libFuzzer
//! through the `libfuzzer-sys` crate (pinned there); this module builds them
//! with the coverage instrumentation that cargo-fuzz would add, but with
//! only stable `-C` flags and no sanitizer, so no nightly toolchain,
//! `RUSTC_BOOTSTRAP` or extra cargo subcommand is needed (ARCHITECTURE.md,
//! "Fuzzing", says why). Every run uses the limits of issue 11: 1 s per
//! input, no single allocation over 256 MiB (enforced by the targets' own
//! allocator), and an RSS cap.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cargo_bin, step, system, workspace_root};

/// Every target: its name (the binary in `fuzz/src/bin/`), its dictionary
/// under `fuzz/dict/`, the seed directories (relative to the workspace
/// root; `None` stands for the generated report seeds) and the longest
/// input libFuzzer may build.
struct Target {
    name: &'static str,
    dict: &'static str,
    seeds: &'static [Seeds],
    max_len: usize,
}

enum Seeds {
    /// A committed directory.
    Dir(&'static str),
    /// Reports made by the CLI (see [`report_seeds`]).
    Reports,
}

const TARGETS: &[Target] = &[
    Target {
        name: "markdown",
        dict: "markdown.dict",
        seeds: &[Seeds::Dir("fuzz/seeds/markdown")],
        max_len: 64 << 10,
    },
    Target {
        name: "toml",
        dict: "toml.dict",
        seeds: &[
            Seeds::Dir("fuzz/seeds/toml"),
            Seeds::Dir("crates/signoff-core/src/template/builtin"),
        ],
        max_len: 64 << 10,
    },
    Target {
        name: "verify",
        dict: "pdf.dict",
        seeds: &[Seeds::Reports],
        // The largest seed report is well under this.
        max_len: 512 << 10,
    },
    Target {
        name: "picture",
        dict: "picture.dict",
        seeds: &[Seeds::Dir("fuzz/seeds/picture"), Seeds::Dir("icons")],
        max_len: 256 << 10,
    },
];

/// libFuzzer's options every run shares: the per-input time limit, the
/// RSS cap (the 256 MiB single-allocation cap is the targets' allocator's,
/// since `-malloc_limit_mb` needs sanitizer hooks that this build lacks).
const LIMITS: &[&str] = &["-timeout=1", "-rss_limit_mb=1024", "-print_final_stats=1"];

/// The instrumentation cargo-fuzz adds with `--sanitizer none`, all stable
/// `-C` flags: libFuzzer's inline 8-bit edge counters and PC table,
/// comparison tracing (so it learns magic values such as `%PDF-`) and stack
/// depth; branch folding off so that each comparison stays a branch; and
/// `cfg(fuzzing)`, under which some dependencies skip checksums.
const RUSTFLAGS: &[&str] = &[
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "-Cllvm-args=-sanitizer-coverage-stack-depth",
    "-Cllvm-args=-simplifycfg-branch-fold-threshold=0",
    "--cfg",
    "fuzzing",
];

/// How long each target runs.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    Seconds(u64),
    Runs(u64),
}

/// `cargo xtask fuzz [TARGET] [--time SECONDS | --runs N] [--dir DIR]`.
/// Without a target, every target in turn; without a budget, 10 million
/// executions each (issue 11's bar).
pub fn task(args: &[String]) -> Result<()> {
    let mut budget = Budget::Runs(10_000_000);
    let mut only: Option<&str> = None;
    let mut dir = workspace_root().join("target/fuzz-runs");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .with_context(|| format!("{a} needs {what}"))
                .map(String::as_str)
        };
        match a.as_str() {
            "--time" => budget = Budget::Seconds(number(value("a number of seconds")?)?),
            "--runs" => budget = Budget::Runs(number(value("a number of executions")?)?),
            "--dir" => dir = PathBuf::from(value("a directory")?),
            t if !t.starts_with('-') && only.is_none() => only = Some(t),
            other => bail!(
                "unexpected argument '{other}' (usage: cargo xtask fuzz [TARGET] [--time SECONDS | --runs N] [--dir DIR])"
            ),
        }
    }
    let targets: Vec<&Target> = match only {
        None => TARGETS.iter().collect(),
        Some(name) => vec![TARGETS.iter().find(|t| t.name == name).with_context(|| {
            format!(
                "no fuzz target '{name}' (targets: {})",
                TARGETS
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?],
    };
    run_targets(&targets, budget, &dir)
}

/// The short run of `cargo xtask test`: every target for
/// `SIGNOFF_FUZZ_SECONDS` seconds (60 by default; 0 skips), corpora kept
/// under target/fuzz-runs so that later runs start where this one stopped.
pub fn short() -> Result<()> {
    let seconds = match std::env::var("SIGNOFF_FUZZ_SECONDS") {
        Ok(s) => number(&s).context("SIGNOFF_FUZZ_SECONDS")?,
        Err(_) => 60,
    };
    if seconds == 0 {
        step("fuzzing skipped (SIGNOFF_FUZZ_SECONDS=0)");
        return Ok(());
    }
    let targets: Vec<&Target> = TARGETS.iter().collect();
    run_targets(
        &targets,
        Budget::Seconds(seconds),
        &workspace_root().join("target/fuzz-runs"),
    )
}

fn number(s: &str) -> Result<u64> {
    s.replace(['_', ','], "")
        .parse()
        .with_context(|| format!("'{s}' is not a whole number"))
}

fn run_targets(targets: &[&Target], budget: Budget, dir: &Path) -> Result<()> {
    system::ensure(system::FUZZ)?;
    build()?;
    let mut summary = Vec::new();
    for target in targets {
        summary.push(run(target, budget, &dir.join(target.name))?);
    }
    step("fuzzing: every target ran clean");
    for line in summary {
        eprintln!("    {line}");
    }
    Ok(())
}

fn host_triple() -> Result<String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .context("running rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV names no host")
}

/// Where the instrumented binaries land.
fn bin_dir() -> Result<PathBuf> {
    Ok(workspace_root()
        .join("target")
        .join(host_triple()?)
        .join("fuzz"))
}

/// Builds every target, instrumented, with the `fuzz` profile. `--target`
/// is given explicitly so that the flags reach only the code that runs in
/// the fuzzer, never build scripts or proc macros (which would not link
/// without libFuzzer's runtime); the artifacts go to target/<host>/fuzz.
fn build() -> Result<()> {
    step("building the fuzz targets (libFuzzer, coverage instrumentation, profile fuzz)");
    let mut flags = RUSTFLAGS.join(" ");
    if let Ok(extra) = std::env::var("RUSTFLAGS") {
        flags.push(' ');
        flags.push_str(&extra);
    }
    let status = Command::new(cargo_bin())
        .args(["build", "--profile", "fuzz", "-p", "signoff-fuzz", "--bins"])
        .args(["--target", &host_triple()?])
        .env("RUSTFLAGS", flags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .current_dir(workspace_root())
        .status()
        .context("running cargo build for the fuzz targets")?;
    if !status.success() {
        bail!("building the fuzz targets failed ({status})");
    }
    Ok(())
}

/// Runs one target and returns its summary line; fails naming the saved
/// input if libFuzzer found anything.
fn run(target: &Target, budget: Budget, dir: &Path) -> Result<String> {
    let root = workspace_root();
    let corpus = dir.join("corpus");
    let artifacts = dir.join("artifacts");
    std::fs::create_dir_all(&corpus).with_context(|| format!("creating {}", corpus.display()))?;
    std::fs::create_dir_all(&artifacts)?;
    let mut seeds = Vec::new();
    for s in target.seeds {
        seeds.push(match s {
            Seeds::Dir(d) => root.join(d),
            Seeds::Reports => report_seeds()?,
        });
    }
    let bin = bin_dir()?.join(target.name);
    let mut cmd = Command::new(&bin);
    cmd.args(LIMITS)
        .arg(format!("-max_len={}", target.max_len))
        .arg(format!(
            "-dict={}",
            root.join("fuzz/dict").join(target.dict).display()
        ))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg(match budget {
            Budget::Seconds(s) => format!("-max_total_time={s}"),
            Budget::Runs(n) => format!("-runs={n}"),
        })
        .arg(&corpus)
        .args(&seeds);
    let log = dir.join("fuzz.log");
    step(&format!(
        "fuzzing {} ({}); log {}",
        target.name,
        match budget {
            Budget::Seconds(s) => format!("{s} s"),
            Budget::Runs(n) => format!("{n} executions"),
        },
        log.display()
    ));
    eprintln!("    {}", shown(&cmd));
    let file =
        std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let status = cmd
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("running {}", bin.display()))?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let stat = |name: &str| {
        text.lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    let line = format!(
        "{}: {} executions, {} exec/s, peak RSS {} MB",
        target.name,
        stat("number_of_executed_units"),
        stat("average_exec_per_sec"),
        stat("peak_rss_mb")
    );
    if !status.success() {
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "fuzz target {} found a failing input ({status}); the input is saved under {} (libFuzzer's log: {})\n{}\n\nReplay it: {} {}/<file>",
            target.name,
            artifacts.display(),
            log.display(),
            tail.join("\n"),
            bin.display(),
            artifacts.display()
        );
    }
    eprintln!("    {line}");
    Ok(line)
}

fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A strong passphrase for the throwaway seed identities.
const SEED_PASSPHRASE: &str = "vellum-orchard-stapled-47-quietly";

/// Seeds for the verifier, made by the real CLI once per checkout under
/// target/fuzz-seeds/verify: a draft, a signed report, the same
/// countersigned, damaged copies (truncated, a byte flipped inside the
/// signed range, bytes appended), and the forgery corpus of
/// `tests/forgery/make_corpus.py` (published attacks on PDF signatures).
fn report_seeds() -> Result<PathBuf> {
    let root = workspace_root();
    let out = root.join("target/fuzz-seeds/verify");
    let done = out.join(".complete");
    if done.exists() {
        return Ok(out);
    }
    step("making seed reports for the verify target with the signoff CLI");
    crate::cargo(&["build", "-p", "signoff-cli"])?;
    let bin = root.join("target/debug/signoff");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let work = out.join("work");
    std::fs::create_dir_all(&work)?;
    let author = work.join("author");
    let approver = work.join("approver");
    let signoff = |data: &Path, args: &[&str]| -> Result<String> {
        let o = Command::new(&bin)
            .arg("--data-dir")
            .arg(data)
            .args(["--actor", "Fuzz Seeds"])
            .args(args)
            .env("SIGNOFF_PASSPHRASE", SEED_PASSPHRASE)
            .env_remove("SIGNOFF_PASSPHRASE_FILE")
            .env_remove("SIGNOFF_DATA_DIR")
            .output()
            .context("running signoff")?;
        if !o.status.success() {
            bail!(
                "signoff {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let p = |path: &Path| path.to_string_lossy().into_owned();
    let checklist = work.join("seed.md");
    std::fs::write(
        &checklist,
        "# Fuzz seed\n\n## Checks\n- [ ] First check\n- [ ] Second check\n",
    )?;
    let evidence = work.join("evidence.txt");
    std::fs::write(&evidence, "DEBUG=False\n")?;
    signoff(&author, &["template", "import", &p(&checklist)])?;
    for (data, name) in [(&author, "Seed Author"), (&approver, "Seed Approver")] {
        signoff(
            data,
            &[
                "identity",
                "create",
                "--name",
                name,
                "--email",
                "seed@example.org",
                "--role",
                "Release manager",
            ],
        )?;
    }
    let run = signoff(
        &author,
        &[
            "run",
            "new",
            "--template",
            "fuzz-seed",
            "--target",
            "v1",
            "--env",
            "prod",
        ],
    )?;
    for item in ["first-check", "second-check"] {
        signoff(
            &author,
            &["run", "set", &run, item, "--status", "pass", "--note", "ok"],
        )?;
    }
    signoff(
        &author,
        &["evidence", "add", &run, "first-check", &p(&evidence)],
    )?;
    signoff(&author, &["export", &run, "-o", &p(&out.join("draft.pdf"))])?;
    let signed = out.join("signed.pdf");
    signoff(
        &author,
        &["sign", &run, "-o", &p(&signed), "--statement", "Seed"],
    )?;
    let countersigned = out.join("countersigned.pdf");
    signoff(
        &approver,
        &[
            "countersign",
            &p(&signed),
            "-o",
            &p(&countersigned),
            "--trust",
            &p(&author.join("identity/cert.pem")),
        ],
    )?;

    let bytes = std::fs::read(&countersigned)?;
    std::fs::write(out.join("damaged-truncated.pdf"), &bytes[..bytes.len() / 2])?;
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 3;
    flipped[mid] ^= 0x20;
    std::fs::write(out.join("damaged-flipped.pdf"), &flipped)?;
    let mut appended = bytes;
    appended.extend_from_slice(b"\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n");
    std::fs::write(out.join("damaged-appended.pdf"), &appended)?;

    forgeries(&signed, &out, &work)?;
    std::fs::remove_dir_all(&work)?;
    std::fs::write(&done, b"")?;
    Ok(out)
}

/// The forgery corpus: an attacker's key (OpenSSL), then every published
/// attack `make_corpus.py` crafts over the signed seed (with pyHanko).
fn forgeries(signed: &Path, out: &Path, work: &Path) -> Result<()> {
    let python = system::pyhanko()?.with_file_name("python");
    let key = work.join("mallory.key");
    let cert = work.join("mallory.pem");
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
        .args(["-subj", "/CN=Mallory"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .context("running openssl")?
        .status;
    if !status.success() {
        bail!("openssl req failed ({status})");
    }
    let forged = work.join("forged");
    std::fs::create_dir_all(&forged)?;
    let o = Command::new(&python)
        .arg(workspace_root().join("tests/forgery/make_corpus.py"))
        .arg(signed)
        .arg(&forged)
        .arg(&key)
        .arg(&cert)
        .output()
        .context("running make_corpus.py")?;
    if !o.status.success() {
        bail!(
            "make_corpus.py failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for entry in std::fs::read_dir(&forged)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pdf") {
            let name = format!(
                "forged-{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            std::fs::rename(&path, out.join(name))?;
        }
    }
    Ok(())
}
