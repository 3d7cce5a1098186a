//! The module layering of `src/lib.rs` and docs/architecture.md, checked over the source: a
//! module imports only modules of a lower layer (`crate::x` paths, in code, not comments), the
//! domain below the reader never names ratatui or crossterm, the views and the reader's state
//! never name a network crate, and the views never call the sanitiser (text reaches them as
//! `sanitize::Clean`). Run alone with `cargo test --test layering`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import modules of lower layers only; modules of one
/// layer know nothing of each other.
const LAYERS: &[&[&str]] = &[
    &["error", "sanitize", "metrics"],
    &["net", "secret", "paths", "process"],
    &["auth", "mime"],
    &["sealed"],
    &["detect"],
    &["mail"],
    &["imap", "maildir", "portal", "cache", "submit", "crypto"],
    &["app", "demo"],
    &["ui", "config"],
    &["tui"],
    &["script"],
    &["cli"],
];

/// Below the reader: no terminal crates.
const NO_TERMINAL: &[&str] = &[
    "error", "sanitize", "metrics", "net", "secret", "paths", "process", "auth", "mime", "sealed",
    "detect", "mail", "imap", "maildir", "portal", "cache", "submit", "crypto", "demo", "config",
];
const TERMINAL_CRATES: &[&str] = &["ratatui", "crossterm"];

/// The reader's state and its views: no network or runtime crates.
const NO_NETWORK: &[&str] = &["app", "ui"];
const NETWORK_CRATES: &[&str] = &[
    "tokio",
    "reqwest",
    "rustls",
    "tokio_rustls",
    "async_imap",
    "axum",
    "sqlx",
    "lettre",
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`None` for lib.rs and main.rs).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// Code lines: a line whose first non-blank characters are `//` is a comment.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(i, line)| (i + 1, line))
}

/// The identifiers that follow `prefix` on a line (`crate::` gives `mail` for
/// `crate::mail::Row`).
fn names_after<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        out.push(&rest[..end]);
    }
    out
}

/// Whether a line names an external crate as a path (`ratatui::`) or in a `use`.
fn names_crate(line: &str, krate: &str) -> bool {
    !names_after(line, &format!("{krate}::")).is_empty()
        || line.trim_start().starts_with(&format!("use {krate};"))
}

#[test]
fn every_module_imports_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let Some(own) = layer_of(&module) else {
            wrong.push(format!(
                "{}: module `{module}` is in no layer",
                file.display()
            ));
            continue;
        };
        seen.insert(module.clone());
        let text = std::fs::read_to_string(file).expect("a source file");
        for (number, line) in code_lines(&text) {
            for used in names_after(line, "crate::") {
                if used == module {
                    continue;
                }
                match layer_of(used) {
                    Some(layer) if layer < own => {}
                    Some(_) => wrong.push(format!(
                        "{}:{number}: `{module}` imports `{used}`, which is not below it",
                        file.display()
                    )),
                    None => {}
                }
            }
            if NO_TERMINAL.contains(&module.as_str()) {
                for krate in TERMINAL_CRATES {
                    if names_crate(line, krate) {
                        wrong.push(format!(
                            "{}:{number}: `{module}` names {krate}",
                            file.display()
                        ));
                    }
                }
            }
            // Text reaches the views already clean (`sanitize::Clean`): they never sanitise.
            if module == "ui"
                && names_after(line, "sanitize::")
                    .iter()
                    .any(|name| *name != "Clean")
            {
                wrong.push(format!(
                    "{}:{number}: a view calls the sanitiser",
                    file.display()
                ));
            }
            if NO_NETWORK.contains(&module.as_str()) {
                for krate in NETWORK_CRATES {
                    if names_crate(line, krate) {
                        wrong.push(format!(
                            "{}:{number}: `{module}` names {krate}",
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
    // Every layer's module exists: the table cannot drift from the tree unnoticed.
    for module in LAYERS.iter().flat_map(|l| l.iter()) {
        assert!(
            seen.contains(*module),
            "`{module}` is in the table but not under src/"
        );
    }
}

/// The check itself sees what it must: a path after `crate::`, not a word that ends in it.
#[test]
fn the_check_reads_paths_and_skips_comments() {
    assert_eq!(
        names_after("use crate::mail::{Row, x}; crate::ui::draw", "crate::"),
        ["mail", "ui"]
    );
    assert!(names_after("let s = my_crate::x;", "crate::").is_empty());
    assert!(names_crate("    use ratatui::text::Line;", "ratatui"));
    assert!(!names_crate("fn reqwest_free_host()", "reqwest"));
    let lines: Vec<_> = code_lines("// crate::ui\n  //! crate::ui\nlet x = 1;").collect();
    assert_eq!(lines, [(3, "let x = 1;")]);
}
