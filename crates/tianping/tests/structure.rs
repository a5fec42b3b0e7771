//! Architecture invariants of the workspace, checked on its source:
//!
//! - no module of a crate imports, through any chain, a module that imports it back (a capability
//!   depends on the shared layers below it, never on another capability that depends on it);
//! - no source file outside tests is longer than about 1,000 lines.
//!
//! The known exceptions are listed below with what removes them. An exception that no longer
//! holds fails the test, so the lists only shrink; a listed file may not grow past its cap.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a source file may be.
const MAX_LINES: usize = 1_000;

/// Files allowed over [`MAX_LINES`] for now (path from the workspace root, cap in lines): none.
/// A file that must grow past the limit for a while is listed here with its cap and the reason.
const LONG_FILES: &[(&str, usize)] = &[];

/// Import circles between the top-level modules of a crate that are tolerated for now (crate,
/// modules): none.
const KNOWN_CIRCLES: &[(&str, &[&str])] = &[];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Every `.rs` file under `dir`, test files (`tests.rs`, `tests/`) excluded.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                if name != "tests" {
                    dirs.push(p);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn crates() -> Vec<(String, PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("src").is_dir())
        .map(|p| {
            (
                p.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .to_string(),
                p.join("src"),
            )
        })
        .collect();
    out.sort();
    out
}

/// A file's code without comments and without its `#[cfg(test)]` module (written last).
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start() == "#[cfg(test)]" && !line.starts_with(' ') {
            break;
        }
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn ident_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The top-level modules a file refers to: `crate::m`, `crate::{m, n::x}`, and, from a top-level
/// module's own file, `super::m`.
fn references(code: &str, top_level_file: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut prefixes = vec!["crate::"];
    if top_level_file {
        prefixes.push("super::");
    }
    for prefix in prefixes {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let preceded_by_ident = rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            let after = &rest[i + prefix.len()..];
            rest = after;
            if preceded_by_ident {
                continue;
            }
            if let Some(group) = after.strip_prefix('{') {
                // The names at the group's top level.
                let mut depth = 0;
                let mut start = true;
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => start = true,
                        c if c.is_whitespace() => {}
                        _ => {
                            if start && depth == 0 {
                                out.insert(ident_at(&group[j..]));
                            }
                            start = false;
                        }
                    }
                }
            } else {
                out.insert(ident_at(after));
            }
        }
    }
    out
}

/// The graph of a crate's top-level modules (the crate root, which composes them, left out).
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files: BTreeMap<String, Vec<(PathBuf, bool)>> = BTreeMap::new();
    for f in sources(src) {
        let rel = f.strip_prefix(src).expect("under src");
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts == ["lib"] || parts == ["main"] {
            continue;
        }
        let top = parts[0].clone();
        // `super::` names a sibling of the top-level module from `m.rs` and `m/mod.rs` only.
        let top_level_file = parts.len() == 1 || (parts.len() == 2 && parts[1] == "mod");
        files.entry(top).or_default().push((f, top_level_file));
    }
    let names: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(m, fs)| {
            let mut deps = BTreeSet::new();
            for (f, top_level_file) in fs {
                let text = std::fs::read_to_string(f).expect("source");
                for r in references(&code(&text), *top_level_file) {
                    if &r != m && names.contains(&r) {
                        deps.insert(r);
                    }
                }
            }
            (m.clone(), deps)
        })
        .collect()
}

/// Strongly connected components of more than one module (Tarjan).
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        out: vec![],
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v.as_str());
        }
    }
    t.out
}

#[test]
fn the_checker_finds_a_circle_and_reads_grouped_imports() {
    let refs = references(
        &code("use crate::{a, b::{c, d}, e::f};\n// crate::g\nlet x = super::h::y;\n"),
        true,
    );
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        ["a", "b", "e", "h"].map(String::from)
    );
    assert!(references(&code("use my_crate::x;\n"), false).is_empty());
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    let found = circles(&g);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].iter().cloned().collect::<Vec<_>>(),
        ["a", "b", "c"].map(String::from)
    );
}

#[test]
fn no_import_circle_between_the_modules_of_a_crate() {
    let mut problems = vec![];
    for (name, src) in crates() {
        let g = module_graph(&src);
        assert!(!g.is_empty(), "{name}: no modules found under {src:?}");
        let known: Vec<BTreeSet<String>> = KNOWN_CIRCLES
            .iter()
            .filter(|(c, _)| *c == name)
            .map(|(_, ms)| ms.iter().map(|m| m.to_string()).collect())
            .collect();
        let found = circles(&g);
        for c in &found {
            if !known.contains(c) {
                let edges: Vec<String> = c
                    .iter()
                    .map(|m| {
                        let to: Vec<&str> = g[m]
                            .iter()
                            .filter(|d| c.contains(*d))
                            .map(String::as_str)
                            .collect();
                        format!("{m} → {}", to.join(", "))
                    })
                    .collect();
                problems.push(format!(
                    "{name}: modules import each other in a circle: {}",
                    edges.join("; ")
                ));
            }
        }
        for k in &known {
            if !found.contains(k) {
                problems.push(format!(
                    "{name}: the known circle {k:?} no longer exists as listed: update KNOWN_CIRCLES"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_source_file_is_longer_than_a_thousand_lines() {
    let root = workspace();
    let mut problems = vec![];
    let mut seen = BTreeSet::new();
    for (_, src) in crates() {
        for f in sources(&src) {
            let rel = f
                .strip_prefix(&root)
                .expect("in the workspace")
                .to_string_lossy()
                .to_string();
            let lines = std::fs::read_to_string(&f).expect("source").lines().count();
            match LONG_FILES.iter().find(|(p, _)| *p == rel) {
                Some((_, cap)) => {
                    seen.insert(rel.clone());
                    if lines <= MAX_LINES {
                        problems.push(format!(
                            "{rel} has {lines} lines now: remove it from LONG_FILES"
                        ));
                    } else if lines > *cap {
                        problems.push(format!(
                            "{rel} grew to {lines} lines (cap {cap}): split it rather than add to it"
                        ));
                    }
                }
                None if lines > MAX_LINES => problems.push(format!(
                    "{rel} has {lines} lines (at most {MAX_LINES}): split it by what its parts do"
                )),
                None => {}
            }
        }
    }
    for (p, _) in LONG_FILES {
        if !seen.contains(*p) {
            problems.push(format!("{p} is listed in LONG_FILES but does not exist"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
