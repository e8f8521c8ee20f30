//! The layering written in docs/ARCHITECTURE.md, checked against the code.
//!
//! The table between the `layering: begin` and `layering: end` markers lists the library's
//! top-level modules from the bottom layer up, each with the modules it may use. These tests read
//! every `.rs` file under `src/<module>/` (and `src/<module>.rs`), find every path that names a
//! top-level module (`crate::stats::…`, or `super::…` climbing to the crate root), skipping
//! comments and `#[cfg(test)]` items, and fail with the file, line and forbidden import when one
//! is not allowed.

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
