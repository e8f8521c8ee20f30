//! Parameter paths: naming one number (or list of numbers, or distribution) of a scenario, to
//! set or scale it in a study.
//!
//! A path is `section.id.key[.key...]` for the element sections, and `scenario.key` for the
//! `[scenario]` table:
//!
//! | Path | Value |
//! |---|---|
//! | `node.aktau-port.servers` | a node's servers (also `berths`, `yard_capacity`) |
//! | `node.aktau-port.service` | a node's service time distribution (scale only) |
//! | `node.aktau-port.service.mean` | one number of that distribution |
//! | `leg.aktau-alat.fleet.vessels` | a fleet's size (a leg without `id` is `from->to`) |
//! | `disruption.caspian-storms.rate_per_year` | a disruption's start rate |
//! | `disruption.caspian-storms.monthly_rates` | the twelve monthly rates (scale only) |
//! | `flow.china-europe-middle.teu_per_year` | a flow's annual volume |
//! | `scenario.horizon_days` | a run setting |
//!
//! Ids may contain dots: the longest id that matches wins. [`Change::Set`] writes a number
//! (a whole number is written as an integer, so it also fits count fields); [`Change::Scale`]
//! multiplies a number, every number of a list, or the location and scale numbers of a
//! distribution (its family's scaled keys, [`crate::model::dist::Family::scaled`]: the durations,
//! never `cv`, `shape` or `weights`, so the shape is kept). An unknown path is an error listing the nearest
//! valid ones.
//!
//! This is stage 2 of [`scenario`](super): it works on a span-carrying tree (stage 1) and knows
//! nothing of the document it came from; the merged document (stage 3) uses it for `remove` and
//! for overrides, and the studies use it to check the paths they vary.

use std::borrow::Cow;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, ValueDeserializer};

use super::source::{ELEMENT_SECTIONS, element_id, is_distribution};
use crate::model::dist::{FAMILIES, family};

/// Sections whose numbers are parameters.
const MODEL_SECTIONS: &[&str] = &["scenario", "node", "leg", "route", "flow", "disruption"];

/// Fields that may be set even when the scenario leaves them out: `(section, parent keys, key)`.
const OPTIONAL_FIELDS: &[(&str, &[&str], &str)] = &[
    ("scenario", &[], "warmup_days"),
    ("scenario", &[], "seed"),
    ("scenario", &[], "replications"),
    ("node", &[], "servers"),
    ("node", &[], "berths"),
    ("node", &[], "yard_capacity"),
    ("leg", &[], "distance_km"),
    ("leg", &["fleet"], "load_factor"),
    ("leg", &["fleet"], "depart_at_teu"),
    ("leg", &["fleet"], "max_wait_h"),
    ("route", &[], "promise_days"),
    ("flow", &[], "train_teu"),
    ("flow", &[], "teu_per_year"),
    ("disruption", &[], "capacity_factor"),
    ("disruption", &[], "rate_per_year"),
];

/// How many near matches an unknown-path error lists.
const NEAREST: usize = 5;

/// What to do to the number(s) at a path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// Write this number.
    Set(f64),
    /// Multiply the number(s) by this factor.
    Scale(f64),
}

impl Change {
    /// `Scale(value)` if `scale`, else `Set(value)`.
    pub fn new(value: f64, scale: bool) -> Change {
        if scale {
            Change::Scale(value)
        } else {
            Change::Set(value)
        }
    }
}

/// A change at a parameter path.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The parameter path, such as `node.aktau-port.servers`.
    pub path: String,
    /// The change.
    pub change: Change,
}

/// One step from the root towards a value.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Element(usize),
}

/// Where `path` points: the steps, and whether the value is there (a known optional field may
/// be absent).
fn locate(root: &DeTable<'_>, path: &str) -> Result<(Vec<Step>, bool), String> {
    let unknown = || {
        format!(
            "unknown parameter path \"{path}\"; nearest valid paths: {}",
            nearest(root, path)
        )
    };
    let (section, rest) = path.split_once('.').unwrap_or((path, ""));
    let Some(mut current) = root.get(section) else {
        return Err(unknown());
    };
    let mut steps = vec![Step::Key(section.to_string())];
    let mut keys_text = rest;
    if ELEMENT_SECTIONS.contains(&section) {
        let Some(array) = current.get_ref().as_array() else {
            return Err(unknown());
        };
        let best = array
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((i, element_id(section, e.get_ref())?)))
            .filter(|(_, id)| {
                rest == id || (rest.starts_with(id.as_str()) && rest[id.len()..].starts_with('.'))
            })
            .max_by_key(|(_, id)| id.len());
        let Some((index, id)) = best else {
            return Err(unknown());
        };
        steps.push(Step::Element(index));
        current = &array[index];
        keys_text = rest[id.len()..].trim_start_matches('.');
    }
    if keys_text.is_empty() {
        return Ok((steps, true));
    }
    let keys: Vec<&str> = keys_text.split('.').collect();
    for (j, key) in keys.iter().enumerate() {
        // The last step may pick one number of a list by its index (`seasonality.11`,
        // `teu_by_year.2`, counted from 0).
        if let (Some(array), Ok(index), true) = (
            current.get_ref().as_array(),
            key.parse::<usize>(),
            j + 1 == keys.len(),
        ) {
            let Some(element) = array
                .get(index)
                .filter(|e| as_number(e.get_ref()).is_some())
            else {
                return Err(format!(
                    "\"{path}\": the list has {} entries (indices from 0 to {}), each a number",
                    array.len(),
                    array.len().saturating_sub(1)
                ));
            };
            steps.push(Step::Element(index));
            current = element;
            continue;
        }
        let Some(table) = current.get_ref().as_table() else {
            return Err(unknown());
        };
        match table.get(*key) {
            Some(value) => {
                steps.push(Step::Key(key.to_string()));
                current = value;
            }
            None if j + 1 == keys.len() && optional(section, &keys[..j], key) => {
                steps.push(Step::Key(key.to_string()));
                return Ok((steps, false));
            }
            None => return Err(unknown()),
        }
    }
    Ok((steps, true))
}

fn optional(section: &str, parents: &[&str], key: &str) -> bool {
    OPTIONAL_FIELDS
        .iter()
        .any(|(s, p, k)| *s == section && *p == parents && *k == key)
}

fn get<'t, 'a>(root: &'t DeTable<'a>, steps: &[Step]) -> Option<&'t Spanned<DeValue<'a>>> {
    let (Step::Key(section), rest) = steps.split_first()? else {
        return None;
    };
    let mut current = root.get(section.as_str())?;
    for step in rest {
        current = match step {
            Step::Key(key) => current.get_ref().as_table()?.get(key.as_str())?,
            Step::Element(i) => current.get_ref().as_array()?.get(*i)?,
        };
    }
    Some(current)
}

fn get_mut<'t, 'a>(
    root: &'t mut DeTable<'a>,
    steps: &[Step],
) -> Option<&'t mut Spanned<DeValue<'a>>> {
    let (Step::Key(section), rest) = steps.split_first()? else {
        return None;
    };
    let mut current = root.get_mut(section.as_str())?;
    for step in rest {
        current = match (step, current.get_mut()) {
            (Step::Key(key), DeValue::Table(table)) => table.get_mut(key.as_str())?,
            (Step::Element(i), DeValue::Array(array)) => array.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Writes `value` at `path` (which must name a number, or a known optional field).
pub(crate) fn set<'a>(
    root: &mut DeTable<'a>,
    path: &str,
    value: Spanned<DeValue<'a>>,
) -> Result<(), String> {
    let (steps, _) = locate(root, path)?;
    let Some((Step::Key(key), parent_steps)) = steps.split_last() else {
        // One number of a list of numbers (`locate` accepts only those as a last element).
        if let (Some((Step::Element(index), parent_steps)), true) =
            (steps.split_last(), steps.len() > 2)
            && let Some(DeValue::Array(array)) = get_mut(root, parent_steps).map(|p| p.get_mut())
            && let Some(slot) = array.get_mut(*index)
            && as_number(slot.get_ref()).is_some()
        {
            *slot = value;
            return Ok(());
        }
        return Err(format!("\"{path}\" names a whole element, not a number"));
    };
    let key_span = value.span();
    let parent: &mut DeTable<'a> = if parent_steps.is_empty() {
        root
    } else {
        match get_mut(root, parent_steps).map(|p| p.get_mut()) {
            Some(DeValue::Table(table)) => table,
            _ => return Err(format!("\"{path}\" is not inside a table")),
        }
    };
    parent.remove(key.as_str());
    parent.insert(Spanned::new(key_span, Cow::Owned(key.clone())), value);
    Ok(())
}

/// Removes the element or key at `path`, or a whole section named by a bare section name.
pub(crate) fn remove(root: &mut DeTable<'_>, path: &str) -> Result<(), String> {
    if !path.contains('.') && root.contains_key(path) {
        root.remove(path);
        return Ok(());
    }
    let (steps, exists) = locate(root, path)?;
    if !exists {
        return Err(format!(
            "\"{path}\" is not set in the base, so it cannot be removed"
        ));
    }
    let (last, parent_steps) = steps.split_last().expect("a located path has steps");
    let Some(parent) = get_mut(root, parent_steps) else {
        return Err(format!("cannot remove \"{path}\""));
    };
    match (last, parent.get_mut()) {
        (Step::Key(key), DeValue::Table(table)) => {
            table.remove(key.as_str());
        }
        (Step::Element(index), DeValue::Array(array)) => {
            let old = std::mem::replace(array, DeArray::new());
            for (i, item) in old.into_iter().enumerate() {
                if i != *index {
                    array.push(item);
                }
            }
        }
        _ => return Err(format!("cannot remove \"{path}\"")),
    }
    Ok(())
}

fn as_number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|i| i as f64),
        DeValue::Float(f) => f.as_str().parse().ok(),
        _ => None,
    }
}

/// The TOML literal of `value`: a whole number as an integer (so it fits count fields too).
pub(crate) fn number_literal(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:?}")
    }
}

fn is_section_of_studies(path: &str) -> bool {
    let section = path.split('.').next().unwrap_or("");
    !MODEL_SECTIONS.contains(&section)
}

/// The TOML literal `assignment` writes at its path, given the current tree.
pub(crate) fn literal(root: &DeTable<'_>, assignment: &Assignment) -> Result<String, String> {
    let path = assignment.path.as_str();
    if is_section_of_studies(path) {
        return Err(format!(
            "unknown parameter path \"{path}\": parameters live in {}; nearest valid paths: {}",
            MODEL_SECTIONS.join(", "),
            nearest(root, path)
        ));
    }
    let (steps, exists) = locate(root, path)?;
    // A whole `[[node]]`, `[[flow]]`... element (a number of a list is deeper than two steps).
    if matches!(steps.last(), Some(Step::Element(_))) && steps.len() <= 2 {
        return Err(format!(
            "\"{path}\" names a whole element; a parameter path ends at one of its numbers, \
             e.g. {}",
            nearest(root, &format!("{path}."))
        ));
    }
    let current = if exists { get(root, &steps) } else { None };
    match assignment.change {
        Change::Set(value) => {
            if !value.is_finite() {
                return Err(format!(
                    "cannot set \"{path}\" to {value}: not a finite number"
                ));
            }
            match current.map(|c| c.get_ref()) {
                None => Ok(number_literal(value)),
                Some(v) if as_number(v).is_some() => Ok(number_literal(value)),
                Some(v) if is_distribution(v) => Err(format!(
                    "\"{path}\" is a distribution: set one of its numbers (such as \
                     \"{path}.mean\") or scale it"
                )),
                Some(v) if v.is_array() => Err(format!(
                    "\"{path}\" is a list of numbers: scale it, or write the whole list in a \
                     variant file"
                )),
                Some(v) => Err(format!("\"{path}\" is a {}, not a number", v.type_str())),
            }
        }
        Change::Scale(factor) => {
            if !factor.is_finite() || factor < 0.0 {
                return Err(format!(
                    "cannot scale \"{path}\" by {factor}: a factor must be a finite number at \
                     least 0"
                ));
            }
            let Some(current) = current else {
                return Err(format!(
                    "\"{path}\" is not set in this scenario, so there is nothing to scale; set \
                     it instead"
                ));
            };
            let value = toml::Value::deserialize(ValueDeserializer::from(current.clone()))
                .map_err(|e| format!("cannot read \"{path}\": {}", e.message()))?;
            scaled(value, factor, true)
                .map(|v| v.to_string())
                .ok_or_else(|| {
                    format!(
                        "\"{path}\" cannot be scaled: only a number, a list of numbers or a \
                         distribution can"
                    )
                })
        }
    }
}

/// `value` times `factor`: a number, a list of numbers, or (if `table_ok`) a distribution's
/// location and scale numbers.
fn scaled(value: toml::Value, factor: f64, table_ok: bool) -> Option<toml::Value> {
    match value {
        toml::Value::Integer(i) => {
            let x = i as f64 * factor;
            Some(if x.fract() == 0.0 && x.abs() < 1e15 {
                toml::Value::Integer(x as i64)
            } else {
                toml::Value::Float(x)
            })
        }
        toml::Value::Float(x) => Some(toml::Value::Float(x * factor)),
        toml::Value::Array(items) => items
            .into_iter()
            .map(|item| scaled(item, factor, false))
            .collect::<Option<Vec<_>>>()
            .map(toml::Value::Array),
        toml::Value::Table(mut table) if table_ok && table.contains_key("dist") => {
            for key in scaled_dist_keys(table.get("dist").and_then(|d| d.as_str())) {
                if let Some(v) = table.remove(key) {
                    table.insert(key.to_string(), scaled(v, factor, false)?);
                }
            }
            Some(toml::Value::Table(table))
        }
        _ => None,
    }
}

/// The keys of a distribution of family `name` that scale with it (its durations, not its
/// shape); for an unknown family (an error when compiled), every family's.
fn scaled_dist_keys(name: Option<&str>) -> Vec<&'static str> {
    match name.map(family) {
        Some(Ok(family)) => family.scaled.to_vec(),
        _ => {
            let mut keys: Vec<&str> = FAMILIES.iter().flat_map(|f| f.scaled).copied().collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        }
    }
}

/// Checks that `value` may replace what is at `path`: a number where a number is (or a known
/// optional field may be), a distribution (a table with `dist`) where a distribution is, a list
/// of numbers where one is.
pub(crate) fn check_replacement(
    root: &DeTable<'_>,
    path: &str,
    value: &DeValue<'_>,
) -> Result<(), String> {
    if let Some(x) = as_number(value) {
        return literal(
            root,
            &Assignment {
                path: path.to_string(),
                change: Change::Set(x),
            },
        )
        .map(|_| ());
    }
    if is_section_of_studies(path) {
        return Err(format!(
            "unknown parameter path \"{path}\": parameters live in {}",
            MODEL_SECTIONS.join(", ")
        ));
    }
    let (steps, exists) = locate(root, path)?;
    let current = if exists { get(root, &steps) } else { None };
    let current = current.map(|c| c.get_ref());
    match current {
        Some(c) if is_distribution(c) && is_distribution(value) => Ok(()),
        Some(c) if c.is_array() && value.is_array() => Ok(()),
        Some(c) if is_distribution(c) => Err(format!(
            "\"{path}\" is a distribution: write a distribution table (with `dist`) or a number"
        )),
        Some(c) if c.is_array() => Err(format!("\"{path}\" is a list: write a whole list")),
        _ => Err(format!(
            "\"{path}\" is a number: write a number, not a {}",
            value.type_str()
        )),
    }
}

/// The number at `path` now (`None` for a list, a distribution, or an unset optional field).
pub(crate) fn number(root: &DeTable<'_>, path: &str) -> Result<Option<f64>, String> {
    let (steps, exists) = locate(root, path)?;
    if !exists {
        return Ok(None);
    }
    Ok(get(root, &steps).and_then(|v| as_number(v.get_ref())))
}

/// The value at `path` as TOML text (`None` for an unset optional field).
pub(crate) fn value_text(root: &DeTable<'_>, path: &str) -> Result<Option<String>, String> {
    let (steps, exists) = locate(root, path)?;
    if !exists {
        return Ok(None);
    }
    let Some(value) = get(root, &steps) else {
        return Ok(None);
    };
    toml::Value::deserialize(ValueDeserializer::from(value.clone()))
        .map(|v| Some(v.to_string()))
        .map_err(|e| format!("cannot read \"{path}\": {}", e.message()))
}

/// Every parameter path of the tree, sorted: numbers, lists of numbers and distributions that
/// are set, and the optional fields that are not.
pub(crate) fn paths(root: &DeTable<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for (key, value) in root {
        let section = key.get_ref().as_ref();
        if !MODEL_SECTIONS.contains(&section) {
            continue;
        }
        if ELEMENT_SECTIONS.contains(&section) {
            for element in value.get_ref().as_array().into_iter().flatten() {
                if let Some(id) = element_id(section, element.get_ref()) {
                    walk(
                        section,
                        &[],
                        &format!("{section}.{id}"),
                        element.get_ref(),
                        &mut out,
                    );
                }
            }
        } else {
            walk(section, &[], section, value.get_ref(), &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn walk(section: &str, parents: &[&str], prefix: &str, value: &DeValue<'_>, out: &mut Vec<String>) {
    let Some(table) = value.as_table() else {
        return;
    };
    for (key, value) in table {
        let key = key.get_ref().as_ref();
        let path = format!("{prefix}.{key}");
        let v = value.get_ref();
        let numeric_list = v
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|x| as_number(x.get_ref()).is_some()));
        if as_number(v).is_some() || numeric_list {
            out.push(path);
        } else if is_distribution(v) {
            out.push(path.clone());
            let mut nested = parents.to_vec();
            nested.push(key);
            walk(section, &nested, &path, v, out);
        } else if v.is_table() {
            let mut nested = parents.to_vec();
            nested.push(key);
            walk(section, &nested, &path, v, out);
        }
    }
    for (s, p, k) in OPTIONAL_FIELDS {
        if *s == section && *p == parents && !table.contains_key(*k) {
            out.push(format!("{prefix}.{k}"));
        }
    }
}

/// The valid paths nearest to `path` (edit distance), as a quoted list.
fn nearest(root: &DeTable<'_>, path: &str) -> String {
    let near = super::error::nearest(path, paths(root), NEAREST);
    if near.is_empty() {
        return "(none: the scenario has no numbers)".to_string();
    }
    near.iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
