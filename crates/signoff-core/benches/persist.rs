//! Benchmark (not a test): on a 10,000-item run, the time to persist one
//! result change (validation, the UPDATE, its activity entry, the fsync'd
//! commit, and since issue 10 the checkpoint moved with it), the time to
//! load the whole run, and the time of the history check. Prints medians; run with
//! `cargo bench -p signoff-core --bench persist` or `cargo xtask bench`.

use std::time::{Duration, Instant};

use signoff_core::runs::ResultChange;
use signoff_core::{Actor, Status, SystemClock, Workspace};

const ITEMS: usize = 10_000;
const CHANGES: usize = 300;

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = Workspace::open(&dir.path().join("data"), Box::new(SystemClock)).expect("open");
    let actor = Actor::new("bench").expect("actor");

    let mut toml = String::from("id = \"big\"\nname = \"Ten thousand items\"\n");
    for s in 0..(ITEMS / 500) {
        toml += &format!("[[section]]\nid = \"s{s}\"\ntitle = \"Section {s}\"\n");
        for i in 0..500 {
            toml += &format!(
                "[[section.item]]\nid = \"i{s}-{i}\"\ntitle = \"Item {i} of section {s}\"\nguidance = \"Check the thing numbered {i}.\"\n"
            );
        }
    }
    let file = dir.path().join("big.toml");
    std::fs::write(&file, toml).expect("write template");
    ws.import_template(&actor, &file).expect("import");
    let t0 = Instant::now();
    let run = ws.new_run(&actor, "big", "bench", "").expect("run");
    let create = t0.elapsed();

    let mut rng = fastrand::Rng::with_seed(7);
    let mut times = Vec::with_capacity(CHANGES);
    for n in 0..CHANGES {
        let item = format!("i{}-{}", rng.usize(..ITEMS / 500), rng.usize(..500));
        let status = [Status::Pass, Status::Fail][n % 2];
        let note = format!("change {n}");
        let t = Instant::now();
        ws.set_result(
            &actor,
            run.id,
            &item,
            ResultChange {
                status: Some(status),
                note: Some(&note),
                reason: None,
            },
        )
        .expect("set");
        times.push(t.elapsed());
    }
    let mut loads = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let detail = ws.show_run(run.id).expect("show");
        loads.push(t.elapsed());
        assert_eq!(detail.items.len(), ITEMS);
    }
    // The history check (issue 10) runs in `doctor` and before every
    // signature: the log replayed against every table.
    let mut checks = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let check = ws.check_history().expect("check");
        checks.push(t.elapsed());
        assert!(check.problems.is_empty(), "{:?}", check.problems);
    }

    println!(
        "persist one result change on a {ITEMS}-item run ({CHANGES} changes, fsync'd WAL commits):"
    );
    println!(
        "  median {}   p90 {}   min {}   max {}",
        ms(pct(&mut times, 50)),
        ms(pct(&mut times, 90)),
        ms(pct(&mut times, 0)),
        ms(pct(&mut times, 100))
    );
    println!("  goal: median <= 5 ms");
    println!("start a {ITEMS}-item run: {}", ms(create));
    println!(
        "load the whole {ITEMS}-item run (show_run, 7 loads): median {}",
        ms(pct(&mut loads, 50))
    );
    println!(
        "history check (chain, checkpoint, replay of {} entries against {ITEMS} results; 7 checks): median {}",
        CHANGES + 2,
        ms(pct(&mut checks, 50))
    );
}

fn pct(v: &mut [Duration], p: usize) -> Duration {
    v.sort();
    v[((v.len() - 1) * p) / 100]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
