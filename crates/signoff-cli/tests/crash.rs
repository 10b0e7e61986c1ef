//! Crash test: `signoff evidence add` of large files and bursts of
//! `signoff run set` are killed with SIGKILL at random moments, round after
//! round. After each round `signoff doctor` must pass, every result a
//! process reported as committed must still be there, and every evidence
//! record must cite a whole file (no partial file is ever referenced).
//!
//! Rounds: 50 by default (`SIGNOFF_CRASH_ROUNDS` to change); the seed is
//! printed so a failure can be replayed with `SIGNOFF_CRASH_SEED`.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Sandbox, sha256sum};

const ITEMS: [&str; 6] = [
    "django-version",
    "debug-false",
    "https",
    "firewall",
    "backups",
    "logging-monitoring",
];
const FILE_MB: usize = 64;

/// What we know about an item's result: the last value a process confirmed,
/// and values of later attempts that were killed (which may or may not
/// have committed).
#[derive(Default, Clone)]
struct Expect {
    confirmed: Option<(String, String)>,
    maybe: Vec<(String, String)>,
}

#[test]
fn killed_writers_never_corrupt_or_lose_committed_work() {
    let rounds: usize = std::env::var("SIGNOFF_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("SIGNOFF_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("crash test: {rounds} rounds, SIGNOFF_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);

    let sb = Sandbox::new();
    sb.predeploy_run();
    // Three large files with different content, so imports both add new
    // blobs and deduplicate against stored ones.
    let files: Vec<_> = (0..3)
        .map(|k| {
            let path = sb.path(&format!("large-{k}.bin"));
            let mut bytes = vec![0u8; FILE_MB << 20];
            let mut r = fastrand::Rng::with_seed(seed ^ k);
            r.fill(&mut bytes);
            std::fs::write(&path, &bytes).expect("write large file");
            let sha = sha256sum(&path);
            (path, sha)
        })
        .collect();
    let whole: HashSet<&str> = files.iter().map(|(_, s)| s.as_str()).collect();

    // How long one import takes here, so kills land before, during and after.
    let t0 = Instant::now();
    sb.ok(&[
        "evidence",
        "add",
        "1",
        "backups",
        files[0].0.to_str().expect("path"),
    ]);
    let import_ms = (t0.elapsed().as_millis() as u64).max(10);
    eprintln!("crash test: one {FILE_MB} MiB import takes {import_ms} ms");

    let mut expect: HashMap<&str, Expect> = HashMap::new();
    let mut confirmed_adds: Vec<(String, String)> = vec![("backups".into(), files[0].1.clone())];
    let (mut killed_adds, mut finished_adds, mut killed_sets, mut confirmed_sets) = (0, 0, 0, 0);

    for round in 0..rounds {
        let deadline = Instant::now() + Duration::from_millis(rng.u64(20..600));
        let (file, sha) = &files[rng.usize(..files.len())];
        let add_item = ITEMS[rng.usize(..ITEMS.len())];
        let add = sb
            .cmd(&[
                "evidence",
                "add",
                "1",
                add_item,
                file.to_str().expect("path"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn evidence add");
        // A killer thread SIGKILLs the import at a random moment in
        // [0, 1.5 x its usual duration], independent of the burst below.
        let add_deadline = Instant::now() + Duration::from_millis(rng.u64(0..import_ms * 3 / 2));
        let add = std::thread::spawn(move || {
            let mut add = add;
            wait_until(&mut add, add_deadline)
        });
        let mut k = 0;
        while Instant::now() < deadline {
            let item = ITEMS[rng.usize(..ITEMS.len())];
            let status = ["pass", "fail", "pending"][rng.usize(..3)].to_owned();
            let note = format!("round {round} write {k}");
            k += 1;
            let mut set = sb
                .cmd(&[
                    "run", "set", "1", item, "--status", &status, "--note", &note,
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn run set");
            let e = expect.entry(item).or_default();
            match wait_until(&mut set, deadline) {
                Some(true) => {
                    confirmed_sets += 1;
                    *e = Expect {
                        confirmed: Some((status, note)),
                        maybe: Vec::new(),
                    };
                }
                Some(false) => {
                    panic!("run set failed without being killed (round {round}, seed {seed})")
                }
                None => {
                    killed_sets += 1;
                    e.maybe.push((status, note));
                }
            }
        }
        match add.join().expect("killer thread") {
            Some(true) => {
                finished_adds += 1;
                confirmed_adds.push((add_item.to_owned(), sha.clone()));
            }
            Some(false) => panic!("evidence add failed without being killed (seed {seed})"),
            None => killed_adds += 1,
        }

        // After the crash: the workspace is whole...
        let doctor = sb.run(&["doctor"]);
        assert!(
            doctor.status.success(),
            "round {round} (seed {seed}): doctor found problems:\n{}",
            String::from_utf8_lossy(&doctor.stdout)
        );
        // ...every confirmed result is there...
        let run = sb.json(&["run", "show", "1"]);
        let items = run["items"].as_array().expect("items");
        let mut now_there = HashMap::new();
        for (item, e) in &expect {
            let got = items.iter().find(|i| i["id"] == *item).expect("item");
            let got = (
                got["status"].as_str().unwrap_or("").to_owned(),
                got["note"].as_str().unwrap_or("").to_owned(),
            );
            let ok = e.confirmed.as_ref() == Some(&got)
                || e.maybe.contains(&got)
                || (e.confirmed.is_none() && got.1.is_empty());
            assert!(
                ok,
                "round {round} (seed {seed}): {item} is {got:?}, expected {:?} or one of {:?}",
                e.confirmed, e.maybe
            );
            // Whatever is there now is what later rounds build on.
            now_there.insert(
                *item,
                Expect {
                    confirmed: Some(got),
                    maybe: Vec::new(),
                },
            );
        }
        expect = now_there;
        // ...every confirmed evidence record exists, and every record cites whole bytes.
        let mut cited: HashMap<(String, String), usize> = HashMap::new();
        for i in items {
            for ev in i["evidence"].as_array().expect("evidence") {
                let sha = ev["sha256"].as_str().expect("sha").to_owned();
                assert!(
                    whole.contains(sha.as_str()),
                    "round {round}: evidence cites unknown bytes {sha}"
                );
                assert_eq!(
                    ev["size"].as_u64(),
                    Some((FILE_MB << 20) as u64),
                    "whole file size"
                );
                *cited
                    .entry((i["id"].as_str().unwrap_or("").to_owned(), sha))
                    .or_default() += 1;
            }
        }
        let mut want: HashMap<(String, String), usize> = HashMap::new();
        for a in &confirmed_adds {
            *want.entry(a.clone()).or_default() += 1;
        }
        for (key, n) in want {
            assert!(
                cited.get(&key).copied().unwrap_or(0) >= n,
                "round {round}: confirmed evidence {key:?} missing"
            );
        }
    }
    eprintln!(
        "crash test: {confirmed_sets} results confirmed, {killed_sets} writers killed mid-way; \
         {finished_adds} imports finished, {killed_adds} killed"
    );
    assert!(
        killed_sets + killed_adds >= rounds / 2,
        "the test must really interrupt writers"
    );
    assert!(
        finished_adds >= 1 && killed_adds >= 1,
        "both outcomes must occur: {finished_adds} finished, {killed_adds} killed"
    );
}

/// Waits for a child until `deadline`; kills it with SIGKILL then.
/// Some(success) if it finished, None if it was killed.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<bool> {
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status.success());
        }
        if Instant::now() >= deadline {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
