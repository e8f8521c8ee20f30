//! Stage 1: text with spans. Each source of a document (a scenario file, or a parameter override)
//! is parsed into a span-carrying TOML tree placed in its own range of one combined span space
//! ([`SourceRef::base`](super::error::SourceRef)), so that a value keeps pointing at the file
//! and line that wrote it through every later stage. Also what the later stages need to know
//! about a tree's shape: which sections hold elements matched by id, and which tables are
//! distributions.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::error::Diagnostics;
use super::error::ScenarioError;

/// Array-of-tables sections whose elements are matched by id when a file extends another.
pub(crate) const ELEMENT_SECTIONS: &[&str] = &[
    "node",
    "leg",
    "route",
    "flow",
    "disruption",
    "uncertain",
    "change",
];

#[derive(Clone, Debug)]
pub(crate) enum SourceKind {
    /// A file of the `extends` chain.
    File,
    /// A parameter override: the text is the new value's TOML literal.
    Override {
        /// The parameter path it sets.
        path: String,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Source {
    /// Name in messages: the path as the user (or the extending file) wrote it, or the assignment.
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) kind: SourceKind,
}

/// The merged tree of a document, borrowing from its sources.
pub(crate) type Tree<'a> = Spanned<DeTable<'a>>;

/// `path` with `.` and `dir/..` removed lexically, for messages (`scenarios/x.toml`, not
/// `scenarios/sub/../x.toml`).
pub(crate) fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// The path to compare for cycles: canonical if the file exists.
pub(crate) fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The `extends` value of a file source and its span in that file, if it has one.
pub(crate) fn extends_of(
    source: &Source,
) -> Result<Option<(String, std::ops::Range<usize>)>, ScenarioError> {
    let Ok(root) = DeTable::parse(&source.text) else {
        return Ok(None);
    };
    let Some(value) = root.get_ref().get("extends") else {
        return Ok(None);
    };
    match value.get_ref().as_str() {
        Some(base) if !base.trim().is_empty() => Ok(Some((base.to_string(), value.span()))),
        _ => {
            let mut diags = Diagnostics::new(&source.name, &source.text);
            diags.push(
                Some(value.span()),
                "extends",
                "must be the file name of the base scenario, such as \"middle_corridor.toml\" \
                 (relative to this file's directory)",
            );
            Err(diags.into_error())
        }
    }
}

pub(crate) fn shift(span: std::ops::Range<usize>, by: usize) -> std::ops::Range<usize> {
    span.start + by..span.end + by
}

pub(crate) fn shift_table(table: DeTable<'_>, by: usize) -> DeTable<'_> {
    let mut out = DeTable::new();
    for (key, value) in table {
        let key = Spanned::new(shift(key.span(), by), key.into_inner());
        out.insert(key, shift_value(value, by));
    }
    out
}

pub(crate) fn shift_value(value: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = shift(value.span(), by);
    let inner = match value.into_inner() {
        DeValue::Table(table) => DeValue::Table(shift_table(table, by)),
        DeValue::Array(array) => {
            let mut out = DeArray::new();
            for item in array {
                out.push(shift_value(item, by));
            }
            DeValue::Array(out)
        }
        other => other,
    };
    Spanned::new(span, inner)
}

/// Whether `value` is a distribution table (one with a `dist` key).
pub(crate) fn is_distribution(value: &DeValue<'_>) -> bool {
    value.as_table().is_some_and(|t| t.contains_key("dist"))
}

/// The id an element of `section` is matched by: `id`; for a leg without one `from->to`; for an
/// `[[uncertain]]` entry its `path`.
pub(crate) fn element_id(section: &str, element: &DeValue<'_>) -> Option<String> {
    let table = element.as_table()?;
    let text = |key: &str| table.get(key).and_then(|v| v.get_ref().as_str());
    match section {
        "uncertain" => text("path").map(str::to_string),
        "leg" => text("id")
            .map(str::to_string)
            .or_else(|| Some(format!("{}->{}", text("from")?, text("to")?))),
        _ => text("id").map(str::to_string),
    }
}
