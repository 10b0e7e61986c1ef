//! `cargo xtask bench report`: a signed export of a large run (500 items,
//! 1,000 evidence files totalling 1 GiB, 100 of them PNG screenshots)
//! against reading and hashing the same evidence bytes with `sha256sum`
//! (goal: ratio <= 2), and the export's peak RSS by GNU time (goal:
//! <= 200 MiB: embedded files are streamed, never held).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::bench::{median, sh, write_random};
use crate::step;

const ITEMS: usize = 500;
const FILES: usize = 1000;
const SCREENSHOTS: usize = 100;
const TOTAL: u64 = 1 << 30;
const ROUNDS: usize = 3;

pub fn run(bin: &Path, work: &Path) -> Result<()> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work)?;
    let data = work.join("data");
    let files_dir = work.join("evidence");
    std::fs::create_dir_all(&files_dir)?;
    let signoff = |args: &[&str]| -> Command {
        let mut c = Command::new(bin);
        c.arg("--data-dir")
            .arg(&data)
            .args(["--actor", "bench"])
            .env("SIGNOFF_PASSPHRASE", "bench passphrase")
            .args(args);
        c
    };

    step("making a 500-item checklist and 1,000 evidence files (1 GiB, 100 PNG screenshots)");
    let mut toml = String::from(
        "format = 1\nid = \"bench-large\"\nversion = 1\nname = \"Large benchmark checklist\"\n",
    );
    for s in 0..10 {
        toml += &format!("\n[[section]]\nid = \"s{s}\"\ntitle = \"Section {s}\"\n");
        for i in 0..ITEMS / 10 {
            let n = s * (ITEMS / 10) + i;
            toml += &format!(
                "\n[[section.item]]\nid = \"item-{n}\"\ntitle = \"Benchmark item {n}: a check with a realistic title\"\nguidance = \"Check it.\"\n"
            );
        }
    }
    let template = work.join("large.toml");
    std::fs::write(&template, toml)?;
    let shots = make_screenshots(&files_dir)?;
    let shot_bytes: u64 = shots
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let each = (TOTAL - shot_bytes) / (FILES - SCREENSHOTS) as u64;
    let mut files = shots;
    for n in 0..FILES - SCREENSHOTS {
        let p = files_dir.join(format!("log-{n:04}.bin"));
        write_random(&p, each, n as u64 + 1)?;
        files.push(p);
    }
    let total: u64 = files
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();

    sh(&mut signoff(&[
        "identity",
        "create",
        "--name",
        "Bench Signer",
        "--email",
        "bench@example.org",
    ]))?;
    sh(&mut signoff(&[
        "template",
        "import",
        template.to_str().context("path")?,
    ]))?;
    sh(&mut signoff(&[
        "run",
        "new",
        "--template",
        "bench-large",
        "--target",
        "v9.9.9",
        "--env",
        "bench",
    ]))?;
    step("recording 500 results and attaching the files");
    for n in 0..ITEMS {
        let item = format!("item-{n}");
        sh(&mut signoff(&[
            "run", "set", "1", &item, "--status", "pass", "--note", "ok",
        ]))?;
        let a = files[2 * n].to_str().context("path")?;
        let b = files[2 * n + 1].to_str().context("path")?;
        sh(&mut signoff(&["evidence", "add", "1", &item, a, b]))?;
    }

    let vault: Vec<PathBuf> = files.clone();
    let (mut export, mut base, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    let mut run = 1;
    let mut size = 0;
    for round in 0..ROUNDS {
        let t = Instant::now();
        let mut c = Command::new("sha256sum");
        c.args(&vault);
        let out = c.output()?;
        if !out.status.success() {
            bail!("sha256sum failed");
        }
        base.push(t.elapsed());

        let pdf = work.join(format!("report-{round}.pdf"));
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%M"]).arg(bin).arg("--data-dir").arg(&data);
        c.args(["--actor", "bench"])
            .env("SIGNOFF_PASSPHRASE", "bench passphrase")
            .args([
                "sign",
                &run.to_string(),
                "-o",
                pdf.to_str().context("path")?,
            ]);
        let t = Instant::now();
        let out = c.output()?;
        export.push(t.elapsed());
        if !out.status.success() {
            bail!("sign failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let kib: u64 = String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .context("GNU time's %M output")?;
        rss.push(kib);
        size = std::fs::metadata(&pdf)?.len();
        eprintln!(
            "    round {}: signed export {:.2} s, sha256sum of the evidence {:.2} s, peak RSS {:.1} MiB, {:.0} MiB PDF",
            round + 1,
            export[round].as_secs_f64(),
            base[round].as_secs_f64(),
            kib as f64 / 1024.0,
            size as f64 / 1048576.0
        );
        if round + 1 < ROUNDS {
            // The next round signs the reopened revision (same evidence).
            // Run ids are sequential and nothing else creates runs here.
            sh(&mut signoff(&["run", "reopen", &run.to_string()]))?;
            run += 1;
        }
        std::fs::remove_file(&pdf)?;
    }
    let (e, b) = (median(&mut export), median(&mut base));
    rss.sort();
    println!(
        "\nsigned export of a {ITEMS}-item run with {FILES} evidence files ({:.2} GiB, {SCREENSHOTS} screenshots) ({ROUNDS} rounds, medians):",
        total as f64 / f64::from(1u32 << 30)
    );
    println!(
        "  signoff sign (report written, signed, fsync'd)  {:.2} s",
        e.as_secs_f64()
    );
    println!(
        "  sha256sum of the same evidence files           {:.2} s",
        b.as_secs_f64()
    );
    println!(
        "  ratio export / hashing                          {:.2}   (goal <= 2)",
        e.as_secs_f64() / b.as_secs_f64()
    );
    println!(
        "  peak RSS of the export: max {:.1} MiB over {ROUNDS} rounds   (goal <= 200 MiB)",
        rss[rss.len() - 1] as f64 / 1024.0
    );
    println!("  report size {:.0} MiB", size as f64 / 1048576.0);
    std::fs::remove_dir_all(work)?;
    Ok(())
}

/// PNG screenshots (1280x800, UI-like flat areas with a noisy band so they
/// do not compress to nothing), each different, written with Python's zlib
/// (an encoder independent of ours).
fn make_screenshots(dir: &Path) -> Result<Vec<PathBuf>> {
    let script = r#"
import os, struct, sys, zlib
d = sys.argv[1]
w, h = 1280, 800
def chunk(t, b):
    return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
for n in range(int(sys.argv[2])):
    noise = os.urandom(w * 3 * 160)
    rows = []
    for y in range(h):
        if 300 <= y < 460:
            o = (y - 300) * w * 3
            row = noise[o:o + w * 3]
        else:
            c = bytes(((n * 7 + y // 40 * 13) % 256, (y * 3) % 256, 200))
            row = c * w
        rows.append(b'\x00' + row)
    raw = zlib.compress(b''.join(rows), 6)
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', raw) + chunk(b'IEND', b'')
    open(os.path.join(d, 'screenshot-%03d.png' % n), 'wb').write(png)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir)
        .arg(SCREENSHOTS.to_string())
        .output()?;
    if !out.status.success() {
        bail!(
            "making screenshots: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok((0..SCREENSHOTS)
        .map(|n| dir.join(format!("screenshot-{n:03}.png")))
        .collect())
}
