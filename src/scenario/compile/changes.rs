//! `[[change]]`: dated changes of parameters.
//!
//! ```toml
//! [[change]]
//! id = "aktau-third-crane"
//! at = "2027-01-01"                        # or at_day = 730
//! set = { "node.aktau-port.servers" = 3, "node.aktau-port.service" = { dist = "exp", mean = 2 } }
//! scale = { "flow.khorgos-aktau.teu_per_year" = 1.5 }
//! ```
//!
//! Each change is compiled into the whole model from its date on: the merged tree with this
//! change's assignments and those of every earlier change applied (by the same parameter paths
//! as `--set` and `--scale`), compiled by the same pass as the scenario. So every rule of the
//! scenario holds after every change, and a value that breaks one is reported at the file and
//! line of the `[[change]]` that wrote it, prefixed with the change's id. Changes apply in order
//! of time, changes at the same time in file order (a later one sees an earlier one's values).
//!
//! Which parameters may change is [`changeable`]'s list: the run settings cannot (they are not
//! parameters of the corridor). Of a disruption, the start rates and the laws of the duration
//! and shelter may change, not its effect, targets or scheduled start
//! ([`disruption_changeable`] says why).
//! Nor may a node's or a fleet's `breakdown` parameters, the servers of a node with breakdowns
//! or the vehicle counts of a fleet with breakdowns (units under repair need rules of their own). Of a fleet, the counts (`vessels`,
//! `trains`, a class's) and the times (`load_time`, `unload_time`, `return`, `max_wait_h`, a
//! class's `transit` and `speed`) may change; capacities, the departure rule, the return leg and
//! the classes themselves may not ([`fleet_changeable`] says why). Node berths may change. A
//! route's `promise_days` may not (the on-time share is measured against one promise).

use std::collections::HashSet;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::common::Span;
use super::settings::parse_date;
use crate::base::time::SimTime;
use crate::model::{DatedChange, Model};
use crate::scenario::error::Diagnostics;
use crate::scenario::params::{self, Assignment, Change};

/// The compile pass, handed in by `compile/mod.rs` (this file does not import it).
pub(super) type CompileFn =
    for<'a, 'd, 'e> fn(&Spanned<DeTable<'a>>, &'d mut Diagnostics<'e>) -> Option<Model>;

/// The latest day a change may name (the longest horizon accepted).
const MAX_DAY: f64 = 365.0 * 1000.0;

/// The keys a `[[change]]` table may have.
const KEYS: &[&str] = &["id", "at", "at_day", "set", "scale"];

/// One assignment of a change: the path (and its span) and either a value to write or a factor.
struct Item<'a> {
    path: String,
    path_span: Span,
    value: Spanned<DeValue<'a>>,
    scale: bool,
}

/// A checked `[[change]]`.
struct Parsed<'a> {
    id: String,
    at_day: f64,
    items: Vec<Item<'a>>,
}

/// Checks every `[[change]]` of `root` and compiles each into the model from its date on.
/// `None` if anything was reported.
pub(super) fn compile_changes<'a>(
    root: &Spanned<DeTable<'a>>,
    base: &Model,
    diags: &mut Diagnostics<'_>,
    compile: CompileFn,
) -> Option<Vec<DatedChange>> {
    let Some(section) = root.get_ref().get("change") else {
        return Some(Vec::new());
    };
    let Some(array) = section.get_ref().as_array() else {
        diags.push(
            Some(section.span()),
            "change",
            "must be an array of tables, written [[change]]",
        );
        return None;
    };
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    let mut ok = true;
    for element in array.iter() {
        match parse_change(element, base, &mut seen, diags) {
            Some(change) => parsed.push(change),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    // By time, then file order (the sort is stable).
    parsed.sort_by(|a, b| a.at_day.total_cmp(&b.at_day));
    let mut literals: Vec<Vec<Option<String>>> = Vec::new();
    let mut out = Vec::new();
    for k in 0..parsed.len() {
        let start = diags.len();
        let prefix = format!("change \"{}\"", parsed[k].id);
        // The scaled values of change k are computed from the tree with the earlier changes.
        let mut mine = Vec::new();
        {
            let Some(tree) = applied(root, &parsed[..k], &literals, diags) else {
                diags.prefix_since(start, &prefix);
                return None;
            };
            for item in &parsed[k].items {
                if !item.scale {
                    mine.push(None);
                    continue;
                }
                let factor = number(item.value.get_ref()).unwrap_or(f64::NAN);
                let assignment = Assignment {
                    path: item.path.clone(),
                    change: Change::Scale(factor),
                };
                match params::literal(tree.get_ref(), &assignment) {
                    Ok(text) => mine.push(Some(text)),
                    Err(message) => {
                        diags.push(Some(item.path_span.clone()), &item.path, message);
                        mine.push(None);
                    }
                }
            }
        }
        if diags.len() > start {
            diags.prefix_since(start, &prefix);
            return None;
        }
        literals.push(mine);
        let Some(tree) = applied(root, &parsed[..=k], &literals, diags) else {
            diags.prefix_since(start, &prefix);
            return None;
        };
        let model = compile(&tree, diags);
        diags.prefix_since(start, &prefix);
        let model = model?;
        if diags.len() > start {
            return None;
        }
        if !same_fleets(base, &model) {
            diags.push(
                None,
                &prefix,
                "changes the fleets or their vehicle classes; a change may change their counts \
                 and times only",
            );
        }
        for (before, after) in base.nodes.iter().zip(&model.nodes) {
            if before.breakdown.is_some() && before.servers != after.servers {
                let item = parsed[k]
                    .items
                    .iter()
                    .find(|item| item.path.ends_with(".servers"))
                    .or(parsed[k].items.first());
                diags.push(
                    item.map(|item| item.path_span.clone()),
                    format!("{prefix}: node.{}.servers", before.id),
                    "the servers of a node with breakdowns cannot change at a date in this \
                     version: servers under repair need rules of their own (planned)",
                );
            }
        }
        for (before, after) in base.fleets.iter().zip(&model.fleets) {
            let same_counts = before
                .classes
                .iter()
                .zip(&after.classes)
                .all(|(a, b)| a.vehicles == b.vehicles);
            if before.breakdown.is_some() && !same_counts {
                let item = parsed[k]
                    .items
                    .iter()
                    .find(|item| item.path.ends_with(".vessels") || item.path.ends_with(".trains"))
                    .or(parsed[k].items.first());
                diags.push(
                    item.map(|item| item.path_span.clone()),
                    format!("{prefix}: leg.{}.fleet", before.id),
                    "the vehicle counts of a fleet with breakdowns cannot change at a date in this \
                     version: vehicles under repair need rules of their own (planned)",
                );
            }
        }
        if diags.len() > start {
            return None;
        }
        out.push(DatedChange {
            id: parsed[k].id.clone(),
            at: SimTime::from_days(parsed[k].at_day),
            model,
        });
    }
    Some(out)
}

/// `root` without its changes, with the assignments of `changes` applied in order (the scaled
/// values from `literals`, one list per change).
fn applied<'a, 't>(
    root: &Spanned<DeTable<'a>>,
    changes: &[Parsed<'a>],
    literals: &'t [Vec<Option<String>>],
    diags: &mut Diagnostics<'_>,
) -> Option<Spanned<DeTable<'t>>>
where
    'a: 't,
{
    let mut table: DeTable<'t> = root.get_ref().clone();
    table.remove("change");
    let mut ok = true;
    for (change, texts) in changes.iter().zip(literals) {
        for (item, text) in change.items.iter().zip(texts) {
            let value: Spanned<DeValue<'t>> = match text {
                Some(text) => match DeValue::parse(text) {
                    Ok(parsed) => respan(parsed, &item.value.span()),
                    Err(err) => {
                        diags.push(
                            Some(item.path_span.clone()),
                            &item.path,
                            format!("cannot scale: {}", err.message()),
                        );
                        ok = false;
                        continue;
                    }
                },
                None => item.value.clone(),
            };
            if !item.scale
                && let Err(message) = params::check_replacement(&table, &item.path, value.get_ref())
            {
                diags.push(Some(item.path_span.clone()), &item.path, message);
                ok = false;
                continue;
            }
            if let Err(message) = params::set(&mut table, &item.path, value) {
                diags.push(Some(item.path_span.clone()), &item.path, message);
                ok = false;
            }
        }
    }
    ok.then(|| Spanned::new(root.span(), table))
}

/// `value` with every span (its own and its parts') set to `span`, so that a problem with it is
/// reported where the change wrote its factor.
fn respan<'t>(value: Spanned<DeValue<'t>>, span: &Span) -> Spanned<DeValue<'t>> {
    let inner = match value.into_inner() {
        DeValue::Table(table) => {
            let mut out = DeTable::new();
            for (key, v) in table {
                out.insert(
                    Spanned::new(span.clone(), key.into_inner()),
                    respan(v, span),
                );
            }
            DeValue::Table(out)
        }
        DeValue::Array(array) => {
            let mut out = DeArray::new();
            for item in array {
                out.push(respan(item, span));
            }
            DeValue::Array(out)
        }
        other => other,
    };
    Spanned::new(span.clone(), inner)
}

fn number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|i| i as f64),
        DeValue::Float(f) => f.as_str().parse().ok(),
        _ => None,
    }
}

/// The cost keys of nodes, legs and routes (`model::cost`), which cannot change at a date.
const COST_KEYS: &[&str] = &[
    "cost_per_teu",
    "storage_per_teu_day",
    "free_storage_days",
    "cost_per_teu_km",
    "co2_kg_per_teu_km",
    "traction",
];

const COSTS_FIXED: &str = "tariffs, emission factors and the value of time hold for the whole \
     run: the cost KPIs price every TEU of the window at them; compare two scenarios with \
     different costs instead";

/// Why a parameter path cannot change at a date, or `None` if it can.
pub(crate) fn changeable(path: &str) -> Option<&'static str> {
    let mut parts = path.split('.');
    let section = parts.next().unwrap_or("");
    let last = path.rsplit('.').next().unwrap_or("");
    match section {
        "scenario" => Some(
            "a run setting (horizon, warm-up, seed, replications) is not a parameter of the \
             corridor and cannot change during a run",
        ),
        "cost" => Some(COSTS_FIXED),
        "node" | "leg" | "route" if COST_KEYS.contains(&last) && !path.contains(".fleet.") => {
            Some(COSTS_FIXED)
        }
        "leg" => match path.split_once(".fleet.") {
            Some((_, rest)) => fleet_changeable(rest),
            None if last == "fleet" => Some(WHOLE_FLEET),
            None => None,
        },
        "node" if path.contains(".breakdown.") || last == "breakdown" => Some(
            "breakdowns cannot change at a date in this version: servers under repair need rules \
             of their own (planned)",
        ),
        "disruption" => disruption_changeable(parts.nth(1).unwrap_or("")),
        "route" if last == "promise_days" => Some(
            "a route's promise is what the on-time share of the whole statistics window is \
             measured against; compare two scenarios with different promises instead",
        ),
        _ => None,
    }
}

/// Why a key of a `[[disruption]]` cannot change at a date. Its start rates can (the pending
/// start is redrawn from the new rates, `engine/sim/disrupt.rs`), and so can the laws of its
/// episodes' duration and of the vessels' shelter, which apply to episodes that start after the
/// change (an episode under way keeps its end).
fn disruption_changeable(key: &str) -> Option<&'static str> {
    match key {
        "rate_per_year" | "monthly_rates" | "duration" | "shelter" => None,
        "capacity_factor" | "blocks" => Some(
            "what an episode does to its targets is fixed (an episode under way would change its \
             effect midway); write a second [[disruption]] for the new effect and set the first \
             one's rates to 0 at the date",
        ),
        "nodes" | "legs" => Some(
            "a disruption's targets are fixed; write a second [[disruption]] for the new targets \
             and set the first one's rates to 0 at the date",
        ),
        "start_day" => Some(
            "a scheduled episode's start is itself a date; write it in the scenario (or add a \
             second scheduled [[disruption]])",
        ),
        _ => Some("this part of a disruption cannot change at a date"),
    }
}

const WHOLE_FLEET: &str = "a whole fleet cannot be added, removed or replaced at a date; change \
     its count (vessels, trains, or a class's) or give a class a `from` date";

/// Why a path inside a `[leg.fleet]` (`rest`: what follows `.fleet.`) cannot change at a date.
///
/// Counts change with the rules of `engine/sim/fleet.rs` (added vehicles appear empty at home,
/// removed ones retire when they next reach home empty); times drawn after the change use the
/// new distributions. What a vehicle already loading or at sea depends on does not change.
fn fleet_changeable(rest: &str) -> Option<&'static str> {
    let (key, class) = match rest.strip_prefix("classes") {
        Some("") => return Some(WHOLE_FLEET),
        Some(after) => match after.strip_prefix('.').and_then(|a| a.split_once('.')) {
            Some((_, key)) => (key, true),
            None => {
                return Some(
                    "a whole class cannot be added or removed at a date; give it a `from` date \
                     (when it enters service) or change its count",
                );
            }
        },
        None => (rest, false),
    };
    let key = key.split('.').next().unwrap_or("");
    match key {
        "vessels" | "trains" | "load_time" | "unload_time" => None,
        "return" | "max_wait_h" if !class => None,
        "transit" | "speed" if class => None,
        "capacity_teu" | "load_factor" | "depart_at_teu" => Some(
            "a vehicle's capacity and its departure threshold are fixed (vehicles loading or at \
             sea carry cargo under them); add a class with a `from` date and change the counts \
             instead",
        ),
        "departure" | "schedule" => Some(
            "the departure rule cannot change at a date (loaders wait and slots are scheduled \
             under the old rule)",
        ),
        "return_leg" => Some(
            "the return leg ties a second leg to the fleet, whose cargo may be waiting for it; \
             it cannot change at a date",
        ),
        "from" | "from_day" => Some("a class's `from` is itself a date; write it in the scenario"),
        "breakdown" => Some(
            "breakdowns cannot change at a date in this version: vehicles under repair need rules \
             of their own (planned)",
        ),
        _ => Some("this part of a fleet cannot change at a date"),
    }
}

/// Checks that a change's model has the same fleets and vehicle classes as the scenario's (the
/// engine keeps one set of vehicles through every change).
fn same_fleets(base: &Model, changed: &Model) -> bool {
    base.fleets.len() == changed.fleets.len()
        && base.fleets.iter().zip(&changed.fleets).all(|(a, b)| {
            a.kind == b.kind
                && a.classes.len() == b.classes.len()
                && a.classes.iter().zip(&b.classes).all(|(x, y)| x.id == y.id)
        })
}

/// Checks one `[[change]]` table.
fn parse_change<'a>(
    element: &Spanned<DeValue<'a>>,
    base: &Model,
    seen: &mut HashSet<String>,
    diags: &mut Diagnostics<'_>,
) -> Option<Parsed<'a>> {
    let Some(table) = element.get_ref().as_table() else {
        diags.push(
            Some(element.span()),
            "change",
            "each [[change]] must be a table",
        );
        return None;
    };
    let mut ok = true;
    for (key, _) in table.iter() {
        if !KEYS.contains(&key.get_ref().as_ref()) {
            diags.push(
                Some(key.span()),
                format!("change.{}", key.get_ref()),
                format!("unknown field; allowed: {}", KEYS.join(", ")),
            );
            ok = false;
        }
    }
    let id = match table.get("id").map(|v| (v.span(), v.get_ref().as_str())) {
        Some((span, Some(id))) if !id.is_empty() => {
            if !seen.insert(id.to_string()) {
                diags.push(
                    Some(span),
                    "change.id",
                    format!("duplicate change id \"{id}\""),
                );
                ok = false;
            }
            id.to_string()
        }
        Some((span, _)) => {
            diags.push(Some(span), "change.id", "must be a non-empty string");
            return None;
        }
        None => {
            diags.push(
                Some(element.span()),
                "change.id",
                "missing: every [[change]] has an id (variants override or remove it by id)",
            );
            return None;
        }
    };
    let path = |key: &str| format!("change \"{id}\".{key}");
    let horizon = base.settings.horizon.days();
    let at_day = match (table.get("at"), table.get("at_day")) {
        (Some(_), Some(at_day)) => {
            diags.push(
                Some(at_day.span()),
                path("at_day"),
                "give either at (a date) or at_day, not both",
            );
            None
        }
        (None, None) => {
            diags.push(
                Some(element.span()),
                path("at"),
                "missing: give at = \"YYYY-MM-DD\" (with [scenario] start) or at_day = days",
            );
            None
        }
        (Some(at), None) => match at.get_ref().as_str().map(parse_date) {
            None => {
                diags.push(
                    Some(at.span()),
                    path("at"),
                    "must be a date string \"YYYY-MM-DD\"",
                );
                None
            }
            Some(Err(message)) => {
                diags.push(Some(at.span()), path("at"), message);
                None
            }
            Some(Ok(date)) => match base.settings.calendar.day_of(date) {
                None => {
                    diags.push(
                        Some(at.span()),
                        path("at"),
                        "a date needs [scenario] start (the date of time 0); without one, \
                         write at_day",
                    );
                    None
                }
                Some(day) => Some((day as f64, at.span())),
            },
        },
        (None, Some(at_day)) => match number(at_day.get_ref()) {
            Some(day) => Some((day, at_day.span())),
            None => {
                diags.push(
                    Some(at_day.span()),
                    path("at_day"),
                    "must be a number of days",
                );
                None
            }
        },
    };
    let at_day = match at_day {
        Some((day, span)) if !(day.is_finite() && day > 0.0 && day <= MAX_DAY) => {
            diags.push(
                Some(span),
                path(if table.contains_key("at") {
                    "at"
                } else {
                    "at_day"
                }),
                format!(
                    "must fall after time 0 (a change at time 0 is the scenario itself) and at \
                     most {MAX_DAY} days after it, got day {day}; a change at or after the \
                     horizon (day {horizon}) is checked but never applies"
                ),
            );
            None
        }
        other => other.map(|(day, _)| day),
    };
    let mut items = Vec::new();
    for (key, scale) in [("set", false), ("scale", true)] {
        let Some(value) = table.get(key) else {
            continue;
        };
        let Some(assignments) = value.get_ref().as_table() else {
            diags.push(
                Some(value.span()),
                path(key),
                format!(
                    "must be a table of parameter paths, e.g. {key} = {{ \"node.x.servers\" = 3 }}"
                ),
            );
            ok = false;
            continue;
        };
        for (p, v) in assignments.iter() {
            let p_text: &str = p.get_ref().as_ref();
            if let Some(why) = changeable(p_text) {
                diags.push(
                    Some(p.span()),
                    format!("{}.{p_text}", path(key)),
                    format!("\"{p_text}\" cannot change at a date: {why}"),
                );
                ok = false;
                continue;
            }
            if scale && number(v.get_ref()).is_none() {
                diags.push(
                    Some(v.span()),
                    format!("{}.{p_text}", path(key)),
                    "a scale factor must be a number",
                );
                ok = false;
                continue;
            }
            items.push(Item {
                path: p_text.to_string(),
                path_span: p.span(),
                value: v.clone(),
                scale,
            });
        }
    }
    if items.is_empty() && ok {
        diags.push(
            Some(element.span()),
            path("set"),
            "a change must set or scale at least one parameter",
        );
        ok = false;
    }
    (ok && at_day.is_some()).then(|| Parsed {
        id,
        at_day: at_day.unwrap_or(0.0),
        items,
    })
}
