//! Deserializing the merged tree section by section and element by element into the
//! [`schema`](crate::scenario::schema) types, so that one bad element does not hide another, with
//! serde's messages pointed at the offending key and worded for a scenario author.

use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::common::{Ids, Span, UNUSABLE};
use crate::scenario::error::Diagnostics;

/// Adds the ids of every element of array section `section` (parsed or not) as unusable entries.
pub(super) fn add_raw_ids(root: &Spanned<DeTable<'_>>, section: &str, ids: &mut Ids) {
    let Some(value) = root.get_ref().get(section) else {
        return;
    };
    // A lone table (`[node]` written for `[[node]]`) still declares its id.
    let elements: Vec<&Spanned<DeValue<'_>>> = match value.get_ref().as_array() {
        Some(array) => array.iter().collect(),
        None => vec![value],
    };
    for element in elements {
        if let Some(id) = element
            .get_ref()
            .get("id")
            .and_then(|id| id.get_ref().as_str())
        {
            ids.entry(id.to_string()).or_insert(UNUSABLE);
        }
    }
}

/// Adds the endpoints of every `[[leg]]` element (parsed or not) whose `from` and `to` name
/// known nodes to `index`, as unusable legs: a route through a leg that failed to parse is then
/// not also reported as having no leg there.
pub(super) fn add_raw_leg_endpoints(
    root: &Spanned<DeTable<'_>>,
    node_ids: &Ids,
    index: &mut std::collections::HashMap<(u32, u32), u32>,
) {
    let Some(value) = root.get_ref().get("leg") else {
        return;
    };
    let elements: Vec<&Spanned<DeValue<'_>>> = match value.get_ref().as_array() {
        Some(array) => array.iter().collect(),
        None => vec![value],
    };
    for element in elements {
        let end = |key: &str| {
            let name = element.get_ref().get(key)?.get_ref().as_str()?;
            node_ids.get(name).copied()
        };
        if let (Some(from), Some(to)) = (end("from"), end("to")) {
            index.entry((from, to)).or_insert(UNUSABLE);
        }
    }
}

/// Deserializes a single table section.
pub(crate) fn parse_one<T: serde::de::DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    name: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<T> {
    if !value.get_ref().is_table() {
        diags.push(
            Some(value.span()),
            name,
            format!("must be a table: write [{name}]"),
        );
        return None;
    }
    deserialize(value, name, diags)
}

/// Deserializes an array-of-tables section element by element.
pub(crate) fn parse_array<T: serde::de::DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    name: &str,
    diags: &mut Diagnostics<'_>,
) -> Vec<T> {
    let Some(array) = value.get_ref().as_array() else {
        diags.push(
            Some(value.span()),
            name,
            format!("must be an array of tables: write [[{name}]] for each one"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, element) in array.iter().enumerate() {
        let path = element_path(name, i, element);
        if !element.get_ref().is_table() {
            diags.push(Some(element.span()), path, "must be a table");
            continue;
        }
        if let Some(parsed) = deserialize(element, &path, diags) {
            out.push(parsed);
        }
    }
    out
}

/// `node "aktau"` when the element has a readable id, else `node[3]` (0-based).
fn element_path(section: &str, index: usize, element: &Spanned<DeValue<'_>>) -> String {
    let id = element
        .get_ref()
        .get("id")
        .and_then(|id| id.get_ref().as_str().map(str::to_string));
    let from_to = (
        element
            .get_ref()
            .get("from")
            .and_then(|v| v.get_ref().as_str().map(str::to_string)),
        element
            .get_ref()
            .get("to")
            .and_then(|v| v.get_ref().as_str().map(str::to_string)),
    );
    match (id, from_to) {
        (Some(id), _) => format!("{section} \"{id}\""),
        (None, (Some(from), Some(to))) => format!("{section} \"{from}->{to}\""),
        _ => format!("{section}[{index}]"),
    }
}

fn deserialize<T: serde::de::DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<T> {
    let deserializer = ValueDeserializer::from(value.clone());
    match T::deserialize(deserializer) {
        Ok(parsed) => Some(parsed),
        Err(err) => {
            let span = err.span().unwrap_or_else(|| value.span());
            let path = field_path(path, value, &span);
            diags.push(Some(span), path, plain_types(err.message().trim_end()));
            None
        }
    }
}

/// Replaces Rust type names in serde messages with words a scenario author knows.
fn plain_types(message: &str) -> String {
    message
        .replace("expected i64", "expected a whole number")
        .replace("expected u64", "expected a whole number at least 0")
        .replace("expected f64", "expected a number")
}

/// Extends `path` with the keys of the (possibly nested) field whose key or value contains
/// `span`, so that `node "aktau"` becomes `node "aktau".service` for an error inside `service`.
fn field_path(path: &str, value: &Spanned<DeValue<'_>>, span: &Span) -> String {
    let mut path = path.to_string();
    let mut current = value;
    while let Some(table) = current.get_ref().as_table() {
        let inside = |outer: Span| {
            outer.start <= span.start && span.end <= outer.end && outer != current.span()
        };
        let Some((key, child)) = table
            .iter()
            .find(|(key, child)| inside(key.span()) || inside(child.span()))
        else {
            break;
        };
        path.push('.');
        path.push_str(key.get_ref());
        if inside(key.span()) {
            break;
        }
        current = child;
    }
    path
}
