//! `cargo xtask bench`: performance figures, measured on this machine in
//! one run and printed (medians and ratios; these machines are noisy).
//!
//! 1. Importing a 1 GiB file into the evidence vault vs. `sha256sum` + `cp`
//!    of the same file (goal: ratio <= 1.3), and the import's peak RSS
//!    (goal: <= 64 MiB), measured by GNU time.
//! 2. The core's `persist` bench: one result change on a 10,000-item run.
//! 3. A signed export of a large run ([`crate::bench_report`]).
//!
//! `cargo xtask bench report` runs only the third.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, step, workspace_root};

const SIZE: u64 = 1 << 30;
const REPEAT: usize = 3;

pub fn all(only: Option<&str>) -> Result<()> {
    crate::system::ensure(crate::system::TEST)?;
    step("building signoff (release)");
    cargo(&["build", "--release", "-p", "signoff-cli"])?;
    let report = || {
        let root = workspace_root();
        crate::bench_report::run(
            &root.join("target/release/signoff"),
            &root.join("target/bench-report"),
        )
    };
    match only {
        Some("report") => return report(),
        Some(other) => bail!("unknown benchmark '{other}' (try: report)"),
        None => {}
    }
    import_vs_coreutils()?;
    step("cargo bench -p signoff-core --bench persist");
    cargo(&["bench", "-p", "signoff-core", "--bench", "persist"])?;
    report()
}

fn import_vs_coreutils() -> Result<()> {
    let root = workspace_root();
    let bin = root.join("target/release/signoff");
    let work = root.join("target/bench-import");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let big = work.join("one-gib.bin");
    step("writing a 1 GiB file of pseudo-random bytes");
    write_random(&big, SIZE, 0)?;

    let (mut import, mut base, mut base_sync, mut rss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut hash_only = Vec::new();
    for round in 0..REPEAT {
        // Baseline: hash the file, then copy it (what an import must at least do).
        let dest = work.join("copy.bin");
        let _ = std::fs::remove_file(&dest);
        let t = Instant::now();
        sh(Command::new("sha256sum").arg(&big))?;
        hash_only.push(t.elapsed());
        sh(Command::new("cp").arg(&big).arg(&dest))?;
        let cp = t.elapsed();
        // The same, with the copy flushed to disk as the vault does.
        sh(Command::new("sync").arg(&dest))?;
        let cp_sync = t.elapsed();
        base.push(cp);
        base_sync.push(cp_sync);
        std::fs::remove_file(&dest)?;

        let data = work.join(format!("data-{round}"));
        let signoff = |args: &[&str]| {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M"])
                .arg(&bin)
                .arg("--data-dir")
                .arg(&data)
                .args(["--actor", "bench"])
                .args(args);
            c
        };
        sh(&mut signoff(&[
            "run",
            "new",
            "--template",
            "predeploy",
            "--target",
            "bench",
        ]))?;
        let t = Instant::now();
        let out = signoff(&[
            "evidence",
            "add",
            "1",
            "backups",
            big.to_str().context("path")?,
        ])
        .output()?;
        import.push(t.elapsed());
        if !out.status.success() {
            bail!("import failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let kib: u64 = String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .context("GNU time's %M output")?;
        rss.push(kib);
        std::fs::remove_dir_all(&data)?;
        eprintln!(
            "    round {}: import {}, sha256sum+cp {}, +sync {}, peak RSS {} MiB",
            round + 1,
            secs(import[round]),
            secs(cp),
            secs(cp_sync),
            kib / 1024
        );
    }
    std::fs::remove_dir_all(&work)?;
    let (imp, b, bs) = (
        median(&mut import),
        median(&mut base),
        median(&mut base_sync),
    );
    rss.sort();
    println!("\nimport of a 1 GiB file ({REPEAT} rounds, medians):");
    println!(
        "  signoff evidence add          {}  ({:.0} MiB/s)",
        secs(imp),
        1024.0 / imp.as_secs_f64()
    );
    println!(
        "  sha256sum + cp                {}  (sha256sum alone {})",
        secs(b),
        secs(median(&mut hash_only))
    );
    println!("  sha256sum + cp + sync         {}", secs(bs));
    println!(
        "  ratio import / (sha256sum+cp)       {:.2}   (goal <= 1.3)",
        imp.as_secs_f64() / b.as_secs_f64()
    );
    println!(
        "  ratio import / (sha256sum+cp+sync)  {:.2}",
        imp.as_secs_f64() / bs.as_secs_f64()
    );
    println!(
        "  peak RSS of the import: max {:.1} MiB over {REPEAT} rounds   (goal <= 64 MiB)",
        rss[rss.len() - 1] as f64 / 1024.0
    );
    Ok(())
}

/// `size` pseudo-random bytes (xorshift; `seed` makes files differ).
pub(crate) fn write_random(path: &Path, size: u64, seed: u64) -> Result<()> {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
    let mut left = size;
    let mut buf = vec![0u8; 1 << 16];
    while left > 0 {
        for chunk in buf.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n])?;
        left -= n as u64;
    }
    f.flush()?;
    Ok(())
}

pub(crate) fn sh(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

pub(crate) fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
