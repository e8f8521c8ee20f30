//! What every section's checks share: spans, ids and their maps, whole-number counts.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use crate::scenario::error::Diagnostics;

/// A byte range in the document's combined span space.
pub(super) type Span = Range<usize>;

/// Ids of one section to their dense index. An element that failed to parse still declares its
/// id, mapped to [`UNUSABLE`], so that references to it do not cascade into "unknown" errors.
pub(super) type Ids = HashMap<String, u32>;

/// The index of an id whose element did not compile.
pub(super) const UNUSABLE: u32 = u32::MAX;

pub(super) fn span_of<T>(value: &Spanned<T>) -> Option<Span> {
    Some(value.span())
}

/// Whether `text` (a name or description at `path`) is free of control characters, reported if
/// not; a description (`multiline`) may hold line breaks and tabs.
pub(super) fn check_text(
    text: &Spanned<String>,
    path: &str,
    multiline: bool,
    diags: &mut Diagnostics<'_>,
) -> bool {
    let allowed = |c: char| multiline && (c == '\n' || c == '\t' || c == '\r');
    match text
        .get_ref()
        .chars()
        .find(|c| c.is_control() && !allowed(*c))
    {
        None => true,
        Some(c) => {
            diags.push(
                span_of(text),
                path,
                format!(
                    "must not contain control characters (such as escape or NUL), got {:?} in {:?}",
                    c,
                    text.get_ref()
                ),
            );
            false
        }
    }
}

/// Whether `id` is a valid id (reported if not).
pub(super) fn check_id(id: &Spanned<String>, section: &str, diags: &mut Diagnostics<'_>) -> bool {
    let text = id.get_ref();
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !valid {
        diags.push(
            span_of(id),
            format!("{section}.id"),
            format!("must be a non-empty id of letters, digits, '-', '_' or '.', got {text:?}"),
        );
    }
    valid
}

/// Collects unique ids, reporting invalid and duplicate ones.
pub(super) fn unique_ids<'s>(
    ids: impl Iterator<Item = &'s Spanned<String>>,
    section: &str,
    diags: &mut Diagnostics<'_>,
) -> Ids {
    let mut map = HashMap::new();
    for (i, id) in ids.enumerate() {
        check_id(id, section, diags);
        if map.contains_key(id.get_ref()) {
            diags.push(
                span_of(id),
                format!("{section} \"{}\"", id.get_ref()),
                "duplicate id: ids must be unique within their section",
            );
        } else {
            map.insert(id.get_ref().clone(), i as u32);
        }
    }
    map
}

/// Most ids an "unknown id" message lists.
const MAX_LISTED_IDS: usize = 20;

/// The ids of `map`, quoted, sorted and comma-separated (`(none)` when empty); only their count
/// when there are more than [`MAX_LISTED_IDS`] (so that many unknown ids cost linear time).
pub(super) fn sorted_keys(map: &Ids) -> String {
    if map.len() > MAX_LISTED_IDS {
        return format!("{} ids (too many to list)", map.len());
    }
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    if keys.is_empty() {
        return "(none)".to_string();
    }
    keys.iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The index of node `name`, reported at `path` if there is no such node.
pub(super) fn resolve_node(
    name: &Spanned<String>,
    node_ids: &Ids,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<u32> {
    let found = node_ids.get(name.get_ref()).copied();
    if found.is_none() {
        diags.push(
            span_of(name),
            path,
            format!(
                "unknown node \"{}\"; known nodes: {}",
                name.get_ref(),
                sorted_keys(node_ids)
            ),
        );
    }
    found
}

/// A whole number from 1 to `max`, reported at `path` otherwise.
pub(super) fn positive_count(
    value: &Spanned<i64>,
    path: &str,
    max: i64,
    diags: &mut Diagnostics<'_>,
) -> Option<u32> {
    count_in(value, path, 1, max, diags)
}

/// A whole number from `min` to `max` (at most `u32::MAX`), reported at `path` otherwise.
pub(super) fn count_in(
    value: &Spanned<i64>,
    path: &str,
    min: i64,
    max: i64,
    diags: &mut Diagnostics<'_>,
) -> Option<u32> {
    let n = *value.get_ref();
    if (min..=max).contains(&n) {
        Some(n as u32)
    } else {
        diags.push(
            span_of(value),
            path,
            format!("must be a whole number from {min} to {max}, got {n}"),
        );
        None
    }
}

/// An optional whole number of at least 1 (servers, berths, yard TEU) that fits in `T`; `None`
/// when absent. A bad value is reported (with `hint` on what leaving it out means) and clears
/// `ok`.
pub(super) fn optional_count<T: TryFrom<i64>>(
    value: &Option<Spanned<i64>>,
    path: String,
    minimum: &str,
    hint: &str,
    diags: &mut Diagnostics<'_>,
    ok: &mut bool,
) -> Option<T> {
    let value = value.as_ref()?;
    let n = *value.get_ref();
    match T::try_from(n) {
        Ok(count) if n >= 1 => Some(count),
        _ => {
            // The largest value of `T` (an unsigned integer: 2^k - 1), found by halving i64::MAX.
            let mut max = i64::MAX;
            while T::try_from(max).is_err() {
                max /= 2;
            }
            diags.push(
                span_of(value),
                path,
                format!("must be a whole number from {minimum} to {max}, got {n} ({hint})"),
            );
            *ok = false;
            None
        }
    }
}

/// Running one section's checks on a snippet of TOML, for the unit tests of each section file.
#[cfg(test)]
pub(super) mod testing {
    use serde::de::DeserializeOwned;

    use crate::scenario::compile::common::Ids;
    use crate::scenario::error::{Diagnostics, ScenarioError};

    /// Deserializes `text` (one table) as `T`, runs `check` on it, and returns its result and
    /// the diagnostics as `line:column: path: message`.
    pub fn run<T: DeserializeOwned, R>(
        text: &str,
        check: impl FnOnce(&T, &mut Diagnostics<'_>) -> R,
    ) -> (R, Vec<String>) {
        let spec: T = toml::from_str(text).expect("the test snippet deserializes");
        let mut diags = Diagnostics::new("t.toml", text);
        let result = check(&spec, &mut diags);
        (result, lines(diags))
    }

    /// The diagnostics as `line:column: path: message`.
    pub fn lines(diags: Diagnostics<'_>) -> Vec<String> {
        match diags.into_error() {
            ScenarioError::Invalid { diagnostics } => diagnostics
                .iter()
                .map(|d| d.to_string().trim_start_matches("t.toml:").to_string())
                .collect(),
            other => panic!("{other}"),
        }
    }

    /// Ids `names[i] -> i`.
    pub fn ids(names: &[&str]) -> Ids {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), i as u32))
            .collect()
    }
}
