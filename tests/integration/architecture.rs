//! The layering written in docs/ARCHITECTURE.md, checked against the code.
//!
//! The table between the `layering: begin` and `layering: end` markers lists the library's
//! top-level modules from the bottom layer up, each with the modules it may use. These tests read
//! every `.rs` file under `src/<module>/` (and `src/<module>.rs`), find every path that names a
//! top-level module (`crate::stats::…`, or `super::…` climbing to the crate root), skipping
//! comments and `#[cfg(test)]` items, and fail with the file, line and forbidden import when one
//! is not allowed. A last test fails when files of the library import each other, directly or
//! through others (a file cycle), so that every file can be read after the files it uses.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The table: modules in layer order, each with the modules it may use.
fn layering() -> Vec<(String, BTreeSet<String>)> {
    let text = fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let begin = text
        .find("<!-- layering: begin")
        .expect("docs/ARCHITECTURE.md has no `<!-- layering: begin` marker");
    let end = text
        .find("<!-- layering: end")
        .expect("docs/ARCHITECTURE.md has no `<!-- layering: end` marker");
    let names = |cell: &str| -> BTreeSet<String> {
        cell.split(',')
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty() && s != "—")
            .collect()
    };
    text[begin..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 2, "layering row `{l}` must have two cells");
            (
                cells[0].trim().trim_matches('`').to_string(),
                names(cells[1]),
            )
        })
        .collect()
}

/// The library's top-level modules, from `pub mod` / `mod` lines of src/lib.rs.
fn library_modules() -> BTreeSet<String> {
    let lib = fs::read_to_string(root().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("pub(crate) mod "))
                .or_else(|| l.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').trim().to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of top-level module `module`.
fn module_files(module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dir = root().join("src").join(module);
    if dir.is_dir() {
        rust_files(&dir, &mut files);
    }
    let file = root().join("src").join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    files.sort();
    files
}

/// How deep `file` is below the crate root, as a module path (`src/engine/sim/fleet.rs` is
/// `engine::sim::fleet`, depth 3; `src/engine/sim/mod.rs` is `engine::sim`, depth 2).
fn module_depth(file: &Path) -> usize {
    let relative = file.strip_prefix(root().join("src")).unwrap();
    let parts = relative.components().count();
    if relative.file_name().is_some_and(|n| n == "mod.rs") {
        parts - 1
    } else {
        parts
    }
}

/// Lines of code outside comments and `#[cfg(test)]` items, with their 1-based line numbers.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]" {
            // Skip the item: up to the `;` of a one-line item, or until its braces balance.
            let mut depth = 0i64;
            let mut opened = false;
            for (_, item) in lines.by_ref() {
                let code = item.split("//").next().unwrap_or("");
                depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
                opened |= code.contains('{');
                if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let code = line.split("//").next().unwrap_or("");
        out.push((i + 1, code.to_string()));
    }
    out
}

/// Top-level modules a line of code names: `crate::m`, or `super::` climbed to the crate root.
fn named_modules(code: &str, depth: usize) -> Vec<Result<String, String>> {
    let mut found = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        // Skip `$crate::` and identifiers that end in `crate`.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if rest.starts_with('{') {
            found.push(Err(
                "a grouped `crate::{…}` import: write one `use crate::module::…` per module"
                    .to_string(),
            ));
        } else {
            found.push(Ok(ident(rest)));
        }
    }
    for (at, _) in code.match_indices("super::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue; // counted from the first `super`
        }
        let mut rest = &code[at..];
        let mut climbs = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = r;
        }
        if climbs >= depth {
            found.push(Ok(ident(rest)));
        }
    }
    found
}

#[test]
fn the_layering_table_lists_every_library_module_in_an_order_with_no_upward_edge() {
    let table = layering();
    let listed: BTreeSet<String> = table.iter().map(|(m, _)| m.clone()).collect();
    assert_eq!(
        listed.len(),
        table.len(),
        "a module is listed twice in the layering table"
    );
    assert_eq!(
        listed,
        library_modules(),
        "the layering table in docs/ARCHITECTURE.md must list exactly the modules of src/lib.rs"
    );
    let mut below = BTreeSet::new();
    for (module, allowed) in &table {
        for dep in allowed {
            assert!(
                below.contains(dep),
                "docs/ARCHITECTURE.md: `{module}` may use `{dep}`, which is not on an earlier row"
            );
        }
        below.insert(module.clone());
    }
}

#[test]
fn imports_follow_the_layering_in_architecture_md() {
    let table = layering();
    let modules: BTreeSet<String> = table.iter().map(|(m, _)| m.clone()).collect();
    let allowed: BTreeMap<&str, &BTreeSet<String>> =
        table.iter().map(|(m, a)| (m.as_str(), a)).collect();
    let mut violations = Vec::new();
    let mut checked = 0;
    for module in &modules {
        for file in module_files(module) {
            let text = fs::read_to_string(&file).unwrap();
            let depth = module_depth(&file);
            let shown = file.strip_prefix(root()).unwrap().display().to_string();
            for (line, code) in code_lines(&text) {
                for named in named_modules(&code, depth) {
                    checked += 1;
                    match named {
                        Err(problem) => violations.push(format!("{shown}:{line}: {problem}")),
                        Ok(dep) if &dep == module => {}
                        Ok(dep) if !modules.contains(&dep) => {}
                        Ok(dep) if allowed[module.as_str()].contains(&dep) => {}
                        Ok(dep) => violations.push(format!(
                            "{shown}:{line}: `{module}` uses `{dep}`; it may use only {:?} \
                             (docs/ARCHITECTURE.md, layering table)",
                            allowed[module.as_str()]
                        )),
                    }
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} module paths found: is the scan broken?"
    );
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_scan_sees_paths_and_skips_comments_and_test_items() {
    let text = "use crate::model::Model;\n\
                // crate::plot::x in a comment\n\
                let x = crate::stats::f(); // crate::study::y\n\
                #[cfg(test)]\n\
                mod tests {\n    use crate::plot::Chart;\n    fn f() { }\n}\n\
                use super::super::engine::Simulation;\n";
    let named: Vec<String> = code_lines(text)
        .iter()
        .flat_map(|(_, code)| named_modules(code, 2))
        .map(|n| n.unwrap())
        .collect();
    assert_eq!(named, ["model", "stats", "engine"]);
    // One `super::` from a file two levels deep stays inside its own module.
    assert!(named_modules("use super::queue::EventQueue;", 2).is_empty());
    assert!(named_modules("use crate::{model, stats};", 1)[0].is_err());
}

/// The module path of a file under src/ (`src/a/b.rs` → `a::b`, `src/a/mod.rs` → `a`).
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root().join("src")).unwrap();
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The module paths a file's code names (`crate::…`, `super::…`, `self::…`, grouped imports
/// included), comments removed. Test modules count: a cycle through a test is still a cycle a
/// reader must untangle.
fn named_paths(text: &str, own: &[String]) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let anchor = ["crate::", "self::", "super::"]
            .into_iter()
            .find(|a| rest.starts_with(a));
        let preceded = i > 0 && (is_ident(bytes[i - 1] as char) || bytes[i - 1] == b':');
        let Some(anchor) = anchor.filter(|_| !preceded) else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let mut base: Vec<String> = match anchor {
            "crate::" => Vec::new(),
            "self::" => own.to_vec(),
            _ => own[..own.len().saturating_sub(1)].to_vec(),
        };
        let mut j = i + anchor.len();
        while code[j..].starts_with("super::") {
            base.pop();
            j += "super::".len();
        }
        // The path's segments up to a `{` group or the end of the path.
        let mut segments = Vec::new();
        loop {
            let ident: String = code[j..].chars().take_while(|c| is_ident(*c)).collect();
            if ident.is_empty() {
                break;
            }
            j += ident.len();
            segments.push(ident);
            if code[j..].starts_with("::") {
                j += 2;
            } else {
                break;
            }
        }
        if code[j..].starts_with('{') {
            let close = code[j..].find('}').map_or(code.len(), |k| j + k);
            for item in code[j + 1..close].split(',') {
                let first: String = item.trim().chars().take_while(|c| is_ident(*c)).collect();
                if !first.is_empty() && first != "self" {
                    let mut path = base.clone();
                    path.extend(segments.iter().cloned());
                    path.push(first);
                    paths.push(path);
                }
            }
            j = close;
        }
        let mut path = base;
        path.extend(segments);
        paths.push(path);
        i = j.max(i + 1);
    }
    paths
}

/// Strongly connected components with more than one member (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn no_two_files_of_the_library_import_each_other_even_through_others() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.retain(|f| !f.starts_with(root().join("src/cli")) && !f.ends_with("main.rs"));
    let by_module: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| {
            let shown = f.strip_prefix(root()).unwrap().display().to_string();
            (module_path(f), shown)
        })
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let own = module_path(file);
        let shown = &by_module[&own];
        let text = fs::read_to_string(file).unwrap();
        for path in named_paths(&text, &own) {
            // The longest prefix of the path that is a file of its own.
            let target = (1..=path.len())
                .rev()
                .find_map(|k| by_module.get(&path[..k]));
            if let Some(target) = target.filter(|t| *t != shown) {
                graph
                    .entry(shown.clone())
                    .or_default()
                    .insert(target.clone());
            }
        }
    }
    assert!(
        graph.values().map(BTreeSet::len).sum::<usize>() > 100,
        "too few file imports found: is the scan broken?"
    );
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "files that import each other (directly or through others), so none reads alone: {found:?}"
    );
}

#[test]
fn the_cycle_scan_resolves_relative_paths_and_groups() {
    let own: Vec<String> = vec!["scenario".into(), "compile".into(), "nodes".into()];
    let paths = named_paths(
        "use super::common::{Span, at};\nuse crate::model::{Node, dist::Dist};\n// crate::plot\nlet x = self::inner::f();",
        &own,
    );
    let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert!(
        shown.contains(&"scenario::compile::common::Span".to_string()),
        "{shown:?}"
    );
    assert!(shown.contains(&"model::dist".to_string()), "{shown:?}");
    assert!(
        shown.contains(&"scenario::compile::nodes::inner::f".to_string()),
        "{shown:?}"
    );
    assert!(!shown.iter().any(|p| p.starts_with("plot")), "{shown:?}");
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    graph.insert("d".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
}
