//! The security wiring, checked on the sources: every command registered
//! with the invoke handler is declared in build.rs (so it has its own
//! permission) and granted by name to the main window, nothing else is
//! granted, and the CSP forbids what it should.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .expect(path)
}

fn quoted(block: &str) -> BTreeSet<String> {
    block
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_is_declared_registered_and_granted() {
    let build = read("build.rs");
    let declared = quoted(
        build
            .split("const COMMANDS")
            .nth(1)
            .and_then(|s| s.split("];").next())
            .expect("COMMANDS"),
    );

    let lib = read("src/lib.rs");
    let handler = lib
        .split("generate_handler![")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .expect("handler");
    let registered: BTreeSet<String> = handler
        .split(',')
        .filter_map(|c| c.trim().rsplit_once("::").map(|(_, name)| name))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        declared, registered,
        "build.rs COMMANDS and generate_handler! must list the same commands"
    );

    let cap: serde_json::Value =
        serde_json::from_str(&read("capabilities/main.json")).expect("capability JSON");
    assert_eq!(
        cap["windows"],
        serde_json::json!(["main"]),
        "granted to the main window only"
    );
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .map(str::to_owned)
        .collect();
    let app: BTreeSet<String> = granted
        .iter()
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_eq!(
        app, declared,
        "each declared command is granted by name, and nothing undeclared"
    );
    let core: BTreeSet<&str> = granted
        .iter()
        .map(String::as_str)
        .filter(|p| p.contains(':'))
        .collect();
    assert_eq!(
        core,
        BTreeSet::from(["core:event:allow-listen", "core:event:allow-unlisten"]),
        "no plugin permission (fs, shell, dialog, http, sql…) reaches the webview"
    );
}

#[test]
fn the_csp_is_strict() {
    let conf: toml::Table = toml::from_str(&read("Tauri.toml")).expect("Tauri.toml");
    let app = conf["app"].as_table().expect("[app]");
    assert_eq!(app["withGlobalTauri"].as_bool(), Some(false));
    let csp = app["security"]["csp"]
        .as_table()
        .expect("[app.security.csp]");
    let get = |k: &str| csp.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    assert_eq!(get("default-src"), "'self'");
    assert_eq!(get("script-src"), "'self'", "no inline scripts, no eval");
    assert_eq!(get("object-src"), "'none'");
    assert!(
        !get("connect-src").contains("http://*") && !get("connect-src").contains("https:"),
        "no network"
    );
    for (key, value) in csp {
        let v = value.as_str().unwrap_or_default();
        assert!(
            !v.contains("unsafe-inline") && !v.contains("unsafe-eval") && !v.contains('*'),
            "{key} = {v}"
        );
    }
    let cargo = read("Cargo.toml");
    for plugin in [
        "tauri-plugin-fs",
        "tauri-plugin-shell",
        "tauri-plugin-sql",
        "tauri-plugin-http",
    ] {
        assert!(!cargo.contains(plugin), "{plugin} must not be a dependency");
    }
}

/// Only `ui/src/ipc/` talks to Rust: no component imports the Tauri API.
#[test]
fn only_the_ipc_module_calls_invoke() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "ts" || x == "tsx") {
                out.push(p);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 5, "found the UI sources");
    for f in files {
        if f.starts_with(src.join("ipc")) {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        assert!(
            !text.contains("@tauri-apps/api") && !text.contains("__TAURI"),
            "{} talks to Tauri directly; go through ui/src/ipc",
            f.display()
        );
    }
}

/// The UI calls commands by name, as strings (`call('…')`, `invoke('…')`
/// in `ui/src/ipc/index.ts`): each must be a declared command, or the call
/// fails only when a person clicks; and each declared command is called,
/// or it is granted to the webview for nothing.
#[test]
fn the_ui_calls_exactly_the_declared_commands() {
    let build = read("build.rs");
    let declared = quoted(
        build
            .split("const COMMANDS")
            .nth(1)
            .and_then(|s| s.split("];").next())
            .expect("COMMANDS"),
    );
    let ipc = read("../ui/src/ipc/index.ts");
    let mut called = BTreeSet::new();
    for line in ipc
        .lines()
        .filter(|l| l.contains("call<") || l.contains("call(") || l.contains("invoke<"))
    {
        for part in line.split("('").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if part[name.len()..].starts_with('\'') && !name.is_empty() {
                called.insert(name);
            }
        }
    }
    let undeclared: Vec<_> = called.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "the UI calls undeclared commands: {undeclared:?}"
    );
    let unused: Vec<_> = declared.difference(&called).collect();
    assert!(
        unused.is_empty(),
        "declared commands the UI never calls: {unused:?}"
    );
}
