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

/// The catalogue of bad input (`docs/bad-input.md`) cannot rot: every row
/// has its six columns and names a test that exists (`path::fn_name` for a
/// Rust test, `path::it name` for an e2e test), there are at least 40 rows
/// with distinct numbers, and every test in `tests/bad_input.rs` (the file
/// written for the catalogue) has its row.
#[test]
fn the_bad_input_catalogue_names_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/bad-input.md")).expect("docs/bad-input.md");
    assert!(
        doc.contains("## Templates, pictures, tokens, passphrases"),
        "the section for template, picture, token and passphrase rows is kept"
    );
    let mut numbers = std::collections::BTreeSet::new();
    let mut named = Vec::new();
    for line in doc.lines() {
        let Some(cells) = line
            .strip_prefix('|')
            .and_then(|l| l.strip_suffix('|'))
            .map(|l| l.split(" | ").map(str::trim).collect::<Vec<_>>())
        else {
            continue;
        };
        let Ok(n) = cells[0].parse::<u32>() else {
            continue;
        };
        assert_eq!(cells.len(), 6, "row {n} has six columns: {line}");
        assert!(numbers.insert(n), "row number {n} is used twice");
        for (i, c) in cells.iter().enumerate() {
            assert!(!c.is_empty(), "row {n}: column {} is empty", i + 1);
        }
        let test = cells[5].trim_matches('`');
        let (file, name) = test
            .split_once("::")
            .unwrap_or_else(|| panic!("row {n}: the test is `path::name`, got {test}"));
        let text = std::fs::read_to_string(root.join(file))
            .unwrap_or_else(|_| panic!("row {n}: {file} does not exist"));
        let found = if file.ends_with(".mjs") {
            text.contains(&format!("it('{name}'"))
        } else {
            text.contains(&format!("fn {name}("))
        };
        assert!(found, "row {n}: no test {name} in {file}");
        named.push(test.to_owned());
    }
    assert!(
        numbers.len() >= 40,
        "the catalogue has at least 40 rows ({})",
        numbers.len()
    );
    let file = "crates/signoff-cli/tests/bad_input.rs";
    let text = std::fs::read_to_string(root.join(file)).expect("bad_input.rs");
    for chunk in text.split("#[test]\nfn ").skip(1) {
        let name = chunk.split('(').next().unwrap_or_default();
        assert!(
            named.contains(&format!("{file}::{name}")),
            "{name} in {file} has no row in docs/bad-input.md"
        );
    }
}

/// Every module of every crate in the workspace (libraries, the CLI, the
/// app, xtask, the fuzz targets) starts with a `//!` line saying what it
/// is for.
#[test]
fn every_module_says_what_it_is() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates")
        .flatten()
        .map(|e| e.path().join("src"))
        .collect();
    dirs.extend(["src-tauri/src", "xtask/src", "fuzz/src"].map(|d| root.join(d)));
    let mut silent = Vec::new();
    let mut seen = 0;
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        for file in sources(dir) {
            seen += 1;
            let text = std::fs::read_to_string(&file).expect("read");
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if !first.starts_with("//!") {
                silent.push(
                    file.strip_prefix(&root)
                        .unwrap_or(&file)
                        .display()
                        .to_string(),
                );
            }
        }
    }
    assert!(seen > 50, "only {seen} modules found: is the walk right?");
    assert!(silent.is_empty(), "modules without a //! line: {silent:?}");
}
