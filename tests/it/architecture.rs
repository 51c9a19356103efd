//! The layering rule of docs/architecture.md, checked over the source: every `crate::` path in
//! library code (test modules excluded) names a module of the same floor or one below, and no
//! files import each other in a circle. Function lengths are held to the limits there too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floors, bottom first: a file may import its own floor and the floors below.
const FLOORS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "lib", "error", "input", "output", "limits", "progress", "scenario",
        ],
    ),
    ("data", &["data", "spatial"]),
    ("stages", &["supply", "latency", "candidates", "cost"]),
    ("model", &["model", "grid"]),
    ("engine", &["engine", "check"]),
    (
        "pipeline",
        &[
            "pipeline", "outcome", "pricing", "promises", "minerals", "flexload",
        ],
    ),
    ("decide", &["decide", "benchmark"]),
    ("report", &["report"]),
    ("job", &["job"]),
    ("cli", &["cli", "main"]),
];

/// Most lines a function may have, and how many may have more than [`LONG_FN_LINES`].
const MAX_FN_LINES: usize = 150;
const LONG_FN_LINES: usize = 100;
const MAX_LONG_FNS: usize = 10;

fn src_files() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The source with comments, string and char literals blanked (newlines kept).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let keep_newlines = |s: &[char], out: &mut String| {
        out.extend(s.iter().filter(|c| **c == '\n'));
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(&['/', '/']) {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if rest.starts_with(&['/', '*']) {
            let mut j = i + 2;
            while j + 1 < b.len() && !(b[j] == '*' && b[j + 1] == '/') {
                j += 1;
            }
            keep_newlines(&b[i..(j + 2).min(b.len())], &mut out);
            i = j + 2;
        } else if b[i] == 'r'
            && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_'))
            && matches!(b.get(i + 1), Some('"') | Some('#'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(b[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            keep_newlines(&b[i..j.min(b.len())], &mut out);
            i = j;
        } else if b[i] == '"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != '"' {
                j += if b[j] == '\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            keep_newlines(&b[i..(j + 1).min(b.len())], &mut out);
            i = j + 1;
        } else if b[i] == '\'' && char_literal_len(rest).is_some() {
            out.push_str("' '");
            i += char_literal_len(rest).unwrap_or(1);
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Length of a char literal at the start of `s` ('x', '\n', '\u{..}'), if it is one (not a
/// lifetime).
fn char_literal_len(s: &[char]) -> Option<usize> {
    match s {
        ['\'', '\\', 'u', '{', ..] => s.iter().position(|c| *c == '}').map(|k| k + 2),
        ['\'', '\\', _, '\'', ..] => Some(4),
        ['\'', c, '\'', ..] if *c != '\\' => Some(3),
        _ => None,
    }
}

/// Library code: the stripped source up to the first `#[cfg(test)]`.
fn library_code(src: &str) -> String {
    let s = strip(src);
    match s.find("#[cfg(test)]") {
        Some(k) => s[..k].to_string(),
        None => s,
    }
}

/// Module path of a file (`engine/mod.rs` → `["engine"]`).
fn module_path(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) && parts.len() > 1
    {
        parts.pop();
    }
    parts
}

/// Every module path named after `crate::` (or `super::`, resolved from `module`, the file's
/// module path) in `code`, with `{…}` groups expanded.
fn crate_paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (key, is_super) in [("crate::", false), ("super::", true)] {
        let mut rest = code;
        while let Some(k) = rest.find(key) {
            let before = rest[..k].chars().last();
            rest = &rest[k + key.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut prefix: Vec<String> = Vec::new();
            let mut tail = rest;
            if is_super {
                let mut up = 1;
                while let Some(t) = tail.strip_prefix("super::") {
                    up += 1;
                    tail = t;
                }
                prefix = module[..module.len().saturating_sub(up)].to_vec();
            }
            expand(tail, prefix, &mut out);
        }
    }
    out
}

/// Expands the path at the start of `s` under `prefix` into `out`.
fn expand(s: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let s = s.trim_start();
    if let Some(inner) = s.strip_prefix('{') {
        for item in split_group(inner) {
            expand(&item, prefix.clone(), out);
        }
        return;
    }
    let ident: String = s
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        if !prefix.is_empty() {
            out.push(prefix);
        }
        return;
    }
    let mut path = prefix;
    path.push(ident.clone());
    let after = &s[ident.len()..];
    match after.strip_prefix("::") {
        Some(next) => expand(next, path, out),
        None => out.push(path),
    }
}

/// The comma-separated items of a `{…}` group (nested groups kept whole).
fn split_group(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    items.push(cur);
    items
}

/// File → the files it imports (by the longest module prefix that is a file).
fn import_graph(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeMap<Vec<String>, String> =
        files.keys().map(|f| (module_path(f), f.clone())).collect();
    let mut graph = BTreeMap::new();
    for (file, src) in files {
        let mut to = BTreeSet::new();
        let module = module_path(file);
        let module: &[String] = if module == ["lib"] { &[] } else { &module };
        for path in crate_paths(&library_code(src), module) {
            let target = (1..=path.len()).rev().find_map(|k| modules.get(&path[..k]));
            if let Some(t) = target.filter(|t| *t != file) {
                to.insert(t.clone());
            }
        }
        graph.insert(file.clone(), to);
    }
    graph
}

fn floor(file: &str) -> usize {
    let top = file.split('/').next().unwrap_or("").trim_end_matches(".rs");
    FLOORS
        .iter()
        .position(|(_, mods)| mods.contains(&top))
        .unwrap_or_else(|| panic!("{file}: top-level module {top} has no floor in FLOORS (tests/it/architecture.rs) nor in docs/architecture.md"))
}

/// Strongly connected components with more than one file (Tarjan).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn imports_only_run_down_the_floors() {
    let graph = import_graph(&src_files());
    let back: Vec<String> = graph
        .iter()
        .flat_map(|(a, tos)| tos.iter().map(move |b| (a, b)))
        .filter(|(a, b)| floor(b) > floor(a))
        .map(|(a, b)| {
            format!(
                "{a} ({}) imports {b} ({})",
                FLOORS[floor(a)].0,
                FLOORS[floor(b)].0
            )
        })
        .collect();
    assert!(
        back.is_empty(),
        "imports that run up a floor (docs/architecture.md):\n{}",
        back.join("\n")
    );
    let circles = circles(&graph);
    assert!(
        circles.is_empty(),
        "files importing each other in a circle: {circles:?}"
    );
}

#[test]
fn the_checker_sees_real_imports() {
    // The rule is only as good as the parser: a known import must be found, grouped imports
    // expanded, and comments and strings ignored.
    let graph = import_graph(&src_files());
    assert!(
        graph["pipeline.rs"].contains("engine/mod.rs"),
        "{:?}",
        graph["pipeline.rs"]
    );
    assert!(graph["engine/staged.rs"].contains("engine/backend.rs"));
    let paths = crate_paths(
        &library_code(
            "use crate::{a::b, c::{d, e::f}}; // crate::zzz\nlet s = \"crate::yyy\"; use super::g;",
        ),
        &["m".to_string(), "n".to_string()],
    );
    let names: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(names, ["a::b", "c::d", "c::e::f", "m::g"]);
}

/// Functions of library code longer than `min` lines: (lines, file, line, name).
fn long_functions(min: usize) -> Vec<(usize, String, usize, String)> {
    let mut out = Vec::new();
    for (file, src) in src_files() {
        let code = strip(&src);
        let lines: Vec<&str> = code.lines().collect();
        for (k, line) in lines.iter().enumerate() {
            let Some(name) = fn_name(line) else { continue };
            if let Some(n) = body_lines(&lines[k..]) {
                if n > min {
                    out.push((n, file.clone(), k + 1, name));
                }
            }
        }
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    out
}

/// The function's name if `line` starts a `fn` item.
fn fn_name(line: &str) -> Option<String> {
    let t = line.trim_start();
    let t = t
        .strip_prefix("pub ")
        .or_else(|| {
            t.strip_prefix("pub(")
                .and_then(|r| r.split_once(") ").map(|(_, r)| r))
        })
        .unwrap_or(t);
    let t = t.strip_prefix("const ").unwrap_or(t);
    let t = t.strip_prefix("unsafe ").unwrap_or(t);
    let rest = t.strip_prefix("fn ")?;
    Some(
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect(),
    )
}

/// Lines from the `fn` line to its closing brace (`None` for a declaration without a body).
fn body_lines(lines: &[&str]) -> Option<usize> {
    let mut depth = 0usize;
    let mut started = false;
    for (k, line) in lines.iter().enumerate() {
        for c in line.chars() {
            match c {
                ';' if !started => return None,
                '{' => {
                    depth += 1;
                    started = true;
                }
                '}' => {
                    depth = depth.saturating_sub(1);
                    if started && depth == 0 {
                        return Some(k + 1);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

#[test]
fn functions_fit_on_a_screen() {
    let long = long_functions(LONG_FN_LINES);
    let list: Vec<String> = long
        .iter()
        .map(|(n, f, l, name)| format!("{n:4} {f}:{l} {name}"))
        .collect();
    let too_long: Vec<&String> = list
        .iter()
        .zip(&long)
        .filter(|(_, x)| x.0 > MAX_FN_LINES)
        .map(|(s, _)| s)
        .collect();
    assert!(
        too_long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{too_long:#?}"
    );
    assert!(
        long.len() <= MAX_LONG_FNS,
        "{} functions over {LONG_FN_LINES} lines (at most {MAX_LONG_FNS}):\n{}",
        long.len(),
        list.join("\n")
    );
}
