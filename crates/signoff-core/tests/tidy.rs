//! Tidy checks, as ordinary tests: the architecture's ownership rules and
//! the migrations' append-only rule, checked on the source tree.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read src").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rel(p: &Path) -> String {
    p.strip_prefix(src()).unwrap_or(p).display().to_string()
}

/// Only the store talks to SQLite (error.rs only converts its errors).
#[test]
fn sql_lives_in_the_store() {
    for f in sources(&src()) {
        let r = rel(&f);
        if r.starts_with("store/") || r == "error.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        assert!(
            !text.contains("rusqlite"),
            "{r} uses rusqlite; SQL belongs in store/"
        );
        assert!(
            !text.contains("SELECT ") && !text.contains("INSERT INTO"),
            "{r} holds SQL; move it to store/"
        );
    }
}

/// Only the vault writes files under the data directory (the workspace's
/// writability probe excepted, and `logkey.rs`, which owns the log key's
/// folder: a secret must not sit in the content-addressed evidence vault).
#[test]
fn file_writes_live_in_the_vault() {
    let writers = [
        "fs::write",
        "File::create",
        "fs::rename",
        "File::options",
        "OpenOptions",
        "remove_file",
    ];
    for f in sources(&src()) {
        let r = rel(&f);
        if r == "vault.rs" || r == "logkey.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for w in writers {
            let allowed = r == "workspace.rs" && (w == "fs::write" || w == "remove_file");
            assert!(
                allowed || !code.contains(w),
                "{r} uses {w}; files under the data dir are the vault's"
            );
        }
    }
}

/// Released migrations are never edited: their hashes are recorded in
/// `released.sha256`. A new migration is added there when it ships.
#[test]
fn released_migrations_are_unchanged() {
    let dir = src().join("store/migrations");
    let listed = std::fs::read_to_string(dir.join("released.sha256")).expect("released.sha256");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    for line in listed.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, name) = line.split_once("  ").expect("sha256sum format");
        let text = std::fs::read(dir.join(name))
            .unwrap_or_else(|_| panic!("released migration {name} was deleted"));
        let actual = format!("{:x}", Sha256::digest(&text));
        assert_eq!(
            actual, hash,
            "released migration {name} was edited; add a new migration instead"
        );
    }
    for (i, name) in files.iter().enumerate() {
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "migrations are numbered 0001_, 0002_, ... in order: {name}"
        );
        let text = std::fs::read_to_string(dir.join(name)).expect("read");
        assert!(
            text.starts_with("-- "),
            "{name} must open with a comment saying why it exists"
        );
    }
}
