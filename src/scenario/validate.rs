//! Checking a parsed scenario and compiling it into a [`Model`].
//!
//! Checking and compiling are one pass because both need the same id resolution. The pass never
//! stops at the first problem: each section and each array element is deserialized on its own,
//! so one bad `[[node]]` does not hide another, and every semantic check runs on whatever parsed.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use rand::distr::weighted::WeightedIndex;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::error::Diagnostics;
use super::operations;
use super::params;
use super::schema::{
    ArrivalSpec, DisruptionSpec, DistSpec, DistTable, FleetSpec, FlowSpec, LegSpec, NodeSpec,
    RouteSpec, ScenarioSpec, WhenFullSpec,
};
use crate::base::rng::StreamId;
use crate::base::time::{HOURS_PER_DAY, SimTime};
use crate::model::{
    ArrivalKind, Disruption, Dist, Flow, Leg, LegId, MONTH_DAYS, Model, Node, NodeId, Route,
    RouteId, RunSettings, WhenFull,
};

/// Sections this version understands.
const SECTIONS: &[&str] = &[
    "extends",
    "remove",
    "scenario",
    "node",
    "leg",
    "route",
    "flow",
    "disruption",
    "sweep",
    "uncertain",
];
/// Sections the format reserves for features that are planned but not in this version.
const RESERVED: &[&str] = &["experiment"];

/// Default base seed.
pub const DEFAULT_SEED: u64 = 1;
/// Default number of replications.
pub const DEFAULT_REPLICATIONS: u32 = 10;

type Span = Range<usize>;

pub(super) fn span_of<T>(value: &Spanned<T>) -> Option<Span> {
    Some(value.span())
}

/// Checks the parsed document `root` (from `text`) and compiles it.
pub fn compile(root: &Spanned<DeTable<'_>>, diags: &mut Diagnostics<'_>) -> Option<Model> {
    let mut scenario: Option<ScenarioSpec> = None;
    let mut node_specs: Vec<NodeSpec> = Vec::new();
    let mut leg_specs: Vec<LegSpec> = Vec::new();
    let mut routes: Vec<RouteSpec> = Vec::new();
    let mut flows: Vec<FlowSpec> = Vec::new();
    let mut disruptions: Vec<DisruptionSpec> = Vec::new();

    for (key, value) in root.get_ref().iter() {
        let name = key.get_ref().as_ref();
        match name {
            "scenario" => scenario = parse_one(value, "scenario", diags),
            "node" => node_specs = parse_array(value, "node", diags),
            "leg" => leg_specs = parse_array(value, "leg", diags),
            "route" => routes = parse_array(value, "route", diags),
            "flow" => flows = parse_array(value, "flow", diags),
            "disruption" => disruptions = parse_array(value, "disruption", diags),
            // Study definitions: checked below, not part of the model.
            "sweep" | "uncertain" => {}
            _ if RESERVED.contains(&name) => diags.push(
                Some(key.span()),
                name,
                "is reserved for a later version of Corridor and not supported by this one",
            ),
            _ => diags.push(
                Some(key.span()),
                name,
                format!("unknown section; allowed: {}", SECTIONS.join(", ")),
            ),
        }
    }

    params::study_sections(root, diags);

    let settings = match &scenario {
        Some(spec) => check_settings(spec, diags),
        // A [scenario] table that failed to parse has already been reported.
        None if root.get_ref().contains_key("scenario") => None,
        None => {
            diags.push(
                Some(0..0),
                "scenario",
                "missing [scenario] table (with name and horizon_days)",
            );
            None
        }
    };
    // Elements that failed to parse still declare their ids, so references to them do not
    // cascade into "unknown node" errors.
    let mut node_ids = check_nodes(&node_specs, diags);
    add_raw_ids(root, "node", &mut node_ids);
    let compiled_nodes: Vec<Option<Node>> = node_specs
        .iter()
        .map(|spec| compile_node(spec, diags))
        .collect();
    let (leg_index, mut leg_ids, compiled_legs) = check_legs(&leg_specs, &node_ids, diags);
    add_raw_ids(root, "leg", &mut leg_ids);
    let (mut route_ids, compiled_routes) = check_routes(&routes, &node_ids, &leg_index, diags);
    add_raw_ids(root, "route", &mut route_ids);
    let compiled_flows = check_flows(&flows, &route_ids, diags);
    let mut hours = Vec::new();
    for (i, spec) in node_specs.iter().enumerate() {
        if let Some(spec_hours) = &spec.hours {
            hours.push(operations::compile_hours(
                NodeId(i as u32),
                spec.id.get_ref(),
                spec_hours,
                diags,
            ));
        }
    }
    let compiled_disruptions =
        operations::compile_disruptions(&disruptions, &node_ids, &leg_ids, diags);
    // Fleets need only the legs, so their problems are reported even when something else failed.
    let mut compiled_legs: Option<Vec<Leg>> = compiled_legs.into_iter().collect();
    let fleets = match &mut compiled_legs {
        Some(legs) => {
            let fleet_specs: Vec<(String, Option<&Spanned<FleetSpec>>)> = legs
                .iter()
                .zip(&leg_specs)
                .map(|(leg, spec)| (leg.id.clone(), spec.fleet.as_ref()))
                .collect();
            operations::compile_fleets(&fleet_specs, legs, &leg_ids, diags)
        }
        None => Vec::new(),
    };
    if node_specs.is_empty() && !root.get_ref().contains_key("node") {
        diags.push(Some(0..0), "node", "at least one [[node]] is required");
    }
    if flows.is_empty() && !root.get_ref().contains_key("flow") {
        diags.push(Some(0..0), "flow", "at least one [[flow]] is required");
    }

    let yard_spans: HashMap<String, Span> = node_specs
        .iter()
        .filter_map(|n| {
            n.yard_capacity
                .as_ref()
                .map(|y| (n.id.get_ref().clone(), y.span()))
        })
        .collect();
    let settings = settings?;
    let nodes: Vec<Node> = compiled_nodes.into_iter().collect::<Option<_>>()?;
    let legs: Vec<Leg> = compiled_legs?;
    let routes: Vec<Route> = compiled_routes.into_iter().collect::<Option<_>>()?;
    let flows: Vec<Flow> = compiled_flows.into_iter().collect::<Option<_>>()?;
    let mut all_disruptions: Vec<Disruption> = hours.into_iter().collect::<Option<_>>()?;
    all_disruptions.extend(
        compiled_disruptions
            .into_iter()
            .collect::<Option<Vec<_>>>()?,
    );
    if !diags.is_empty() {
        return None;
    }
    let berth_spans: HashMap<String, Span> = nodes
        .iter()
        .zip(&node_specs)
        .filter_map(|(node, spec)| spec.berths.as_ref().map(|b| (node.id.clone(), b.span())))
        .collect();
    operations::check_berths_used(&nodes, &berth_spans, &legs, &fleets, diags);
    if !diags.is_empty() {
        return None;
    }
    let model = Model {
        settings,
        nodes,
        legs,
        routes,
        flows,
        fleets,
        disruptions: all_disruptions,
    };
    check_yards_fit_consignments(&model, &yard_spans, diags);
    diags.is_empty().then_some(model)
}

/// Adds the ids of every element of array section `section` (parsed or not) as unusable entries.
fn add_raw_ids(root: &Spanned<DeTable<'_>>, section: &str, ids: &mut HashMap<String, u32>) {
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
            ids.entry(id.to_string()).or_insert(u32::MAX);
        }
    }
}

/// Deserializes a single table section.
pub(super) fn parse_one<T: serde::de::DeserializeOwned>(
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
pub(super) fn parse_array<T: serde::de::DeserializeOwned>(
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

// ---------------------------------------------------------------------------- [scenario]

fn check_settings(spec: &ScenarioSpec, diags: &mut Diagnostics<'_>) -> Option<RunSettings> {
    let mut ok = true;
    if spec.name.get_ref().trim().is_empty() {
        diags.push(span_of(&spec.name), "scenario.name", "must not be empty");
        ok = false;
    }
    let horizon_days = *spec.horizon_days.get_ref();
    if !horizon_days.is_finite() || horizon_days <= 0.0 {
        diags.push(
            span_of(&spec.horizon_days),
            "scenario.horizon_days",
            format!("must be a positive number of days, got {horizon_days}"),
        );
        ok = false;
    } else if horizon_days > 365.0 * 1000.0 {
        diags.push(
            span_of(&spec.horizon_days),
            "scenario.horizon_days",
            format!("must be at most 365000 days (1,000 years), got {horizon_days}"),
        );
        ok = false;
    }
    let warmup_days = spec.warmup_days.as_ref().map_or(0.0, |w| *w.get_ref());
    let warmup_span = spec.warmup_days.as_ref().map(|w| w.span());
    if !warmup_days.is_finite() || warmup_days < 0.0 {
        diags.push(
            warmup_span,
            "scenario.warmup_days",
            format!("must be a number of days at least 0, got {warmup_days}"),
        );
        ok = false;
    } else if horizon_days.is_finite() && warmup_days >= horizon_days {
        diags.push(
            warmup_span,
            "scenario.warmup_days",
            format!("must be less than horizon_days ({horizon_days}), got {warmup_days}"),
        );
        ok = false;
    }
    let replications = match &spec.replications {
        None => DEFAULT_REPLICATIONS,
        Some(value) => match u32::try_from(*value.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                diags.push(
                    span_of(value),
                    "scenario.replications",
                    format!(
                        "must be a whole number from 1 to {}, got {}",
                        u32::MAX,
                        value.get_ref()
                    ),
                );
                ok = false;
                1
            }
        },
    };
    ok.then(|| RunSettings {
        name: spec.name.get_ref().clone(),
        description: spec.description.clone(),
        horizon: SimTime::from_days(horizon_days),
        warmup: SimTime::from_days(warmup_days),
        seed: spec.seed.unwrap_or(DEFAULT_SEED),
        replications,
    })
}

// ---------------------------------------------------------------------------- ids

fn check_id(id: &Spanned<String>, section: &str, diags: &mut Diagnostics<'_>) -> bool {
    let text = id.get_ref();
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !valid {
        diags.push(
            span_of(id),
            format!("{section}.id"),
            format!("must be a non-empty id of letters, digits, '-', '_' or '.', got \"{text}\""),
        );
    }
    valid
}

/// Collects unique ids, reporting duplicates.
pub(super) fn unique_ids<'s>(
    ids: impl Iterator<Item = &'s Spanned<String>>,
    section: &str,
    diags: &mut Diagnostics<'_>,
) -> HashMap<String, u32> {
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

// ---------------------------------------------------------------------------- [[node]]

fn check_nodes(nodes: &[NodeSpec], diags: &mut Diagnostics<'_>) -> HashMap<String, u32> {
    unique_ids(nodes.iter().map(|n| &n.id), "node", diags)
}

fn compile_node(spec: &NodeSpec, diags: &mut Diagnostics<'_>) -> Option<Node> {
    let id = spec.id.get_ref();
    let path = format!("node \"{id}\"");
    let mut ok = true;
    let servers = optional_count(
        &spec.servers,
        format!("{path}.servers"),
        "1",
        "leave servers out for unlimited servers",
        diags,
        &mut ok,
    );
    let yard_capacity_teu = optional_count(
        &spec.yard_capacity,
        format!("{path}.yard_capacity"),
        "1 TEU",
        "leave it out for an unlimited yard",
        diags,
        &mut ok,
    );
    let berths = optional_count(
        &spec.berths,
        format!("{path}.berths"),
        "1",
        "leave berths out for unlimited berths",
        diags,
        &mut ok,
    );
    let service = match &spec.service {
        Some(service) => compile_dist(service, &format!("{path}.service"), diags),
        None => Some(Dist::constant(0.0).expect("0 is a valid constant")),
    };
    let service = service?;
    Some(Node {
        id: id.clone(),
        name: spec.name.clone().unwrap_or_else(|| id.clone()),
        kind: spec.kind,
        servers,
        pass_through: servers.is_none() && service.mean() == 0.0,
        berths,
        service,
        yard_capacity_teu,
        gauge_change: spec.gauge_change,
        service_stream: StreamId::from_name(&format!("node/{id}/service")),
    })
    .filter(|_| ok)
}

/// An optional whole number of at least 1 (servers, berths, yard TEU) that fits in `T`; `None`
/// when absent. A bad value is reported (with `hint` on what leaving it out means) and clears
/// `ok`.
fn optional_count<T: TryFrom<i64>>(
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
            diags.push(
                span_of(value),
                path,
                format!("must be at least {minimum}, got {n} ({hint})"),
            );
            *ok = false;
            None
        }
    }
}

// ---------------------------------------------------------------------------- [[leg]]

type LegIndex = HashMap<(u32, u32), u32>;

fn resolve_node(
    name: &Spanned<String>,
    node_ids: &HashMap<String, u32>,
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

pub(super) fn sorted_keys(map: &HashMap<String, u32>) -> String {
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

fn check_legs(
    legs: &[LegSpec],
    node_ids: &HashMap<String, u32>,
    diags: &mut Diagnostics<'_>,
) -> (LegIndex, HashMap<String, u32>, Vec<Option<Leg>>) {
    let mut index = LegIndex::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut compiled = Vec::new();
    for (i, spec) in legs.iter().enumerate() {
        let id = match &spec.id {
            Some(id) => {
                check_id(id, "leg", diags);
                id.get_ref().clone()
            }
            None => format!("{}->{}", spec.from.get_ref(), spec.to.get_ref()),
        };
        if ids.insert(id.clone(), i as u32).is_some() {
            diags.push(
                spec.id.as_ref().and_then(span_of),
                format!("leg \"{id}\""),
                "duplicate id: ids must be unique within their section",
            );
        }
        let path = format!("leg \"{id}\"");
        let from = resolve_node(&spec.from, node_ids, &format!("{path}.from"), diags);
        let to = resolve_node(&spec.to, node_ids, &format!("{path}.to"), diags);
        let mut ok = from.is_some() && to.is_some();
        if let (Some(from), Some(to)) = (from, to) {
            if from == to {
                diags.push(
                    span_of(&spec.to),
                    format!("{path}.to"),
                    "a leg must join two different nodes",
                );
                ok = false;
            } else {
                match index.entry((from, to)) {
                    Entry::Occupied(_) => {
                        diags.push(
                            span_of(&spec.from),
                            path.clone(),
                            "duplicate leg: only one leg may join the same two nodes in the same direction",
                        );
                        ok = false;
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(compiled.len() as u32);
                    }
                }
            }
        }
        if let Some(distance) = &spec.distance_km {
            let km = *distance.get_ref();
            if !km.is_finite() || km < 0.0 {
                diags.push(
                    span_of(distance),
                    format!("{path}.distance_km"),
                    format!("must be a distance in km at least 0, got {km}"),
                );
                ok = false;
            }
        }
        let transit = compile_dist(&spec.transit, &format!("{path}.transit"), diags);
        compiled.push(match (ok, from, to, transit) {
            (true, Some(from), Some(to), Some(transit)) => Some(Leg {
                id: id.clone(),
                from: NodeId(from),
                to: NodeId(to),
                mode: spec.mode,
                distance_km: spec.distance_km.as_ref().map(|d| *d.get_ref()),
                instant: transit.mean() == 0.0,
                transit,
                transit_stream: StreamId::from_name(&format!("leg/{id}/transit")),
                fleet: None,
            }),
            _ => None,
        });
    }
    (index, ids, compiled)
}

// ---------------------------------------------------------------------------- [[route]]

fn check_routes(
    routes: &[RouteSpec],
    node_ids: &HashMap<String, u32>,
    leg_index: &LegIndex,
    diags: &mut Diagnostics<'_>,
) -> (HashMap<String, u32>, Vec<Option<Route>>) {
    let route_ids = unique_ids(routes.iter().map(|r| &r.id), "route", diags);
    let mut compiled = Vec::new();
    for spec in routes {
        let path = format!("route \"{}\"", spec.id.get_ref());
        let names = spec.nodes.get_ref();
        if names.is_empty() {
            diags.push(
                span_of(&spec.nodes),
                format!("{path}.nodes"),
                "a route must list at least one node",
            );
            compiled.push(None);
            continue;
        }
        let mut ok = true;
        let mut seen = HashSet::new();
        let mut resolved = Vec::new();
        for name in names {
            let node = resolve_node(name, node_ids, &format!("{path}.nodes"), diags);
            if let Some(node) = node
                && !seen.insert(node)
            {
                diags.push(
                    span_of(name),
                    format!("{path}.nodes"),
                    format!(
                        "node \"{}\" appears twice; a route visits each node once",
                        name.get_ref()
                    ),
                );
                ok = false;
            }
            ok &= node.is_some();
            resolved.push(node);
        }
        let mut legs = Vec::new();
        for (pair, names) in resolved.windows(2).zip(names.windows(2)) {
            if let [Some(from), Some(to)] = pair {
                match leg_index.get(&(*from, *to)) {
                    Some(leg) => legs.push(LegId(*leg)),
                    None => {
                        diags.push(
                            span_of(&names[1]),
                            format!("{path}.nodes"),
                            format!(
                                "no leg from \"{}\" to \"{}\"; add a [[leg]] with from = \"{}\" and to = \"{}\"",
                                names[0].get_ref(),
                                names[1].get_ref(),
                                names[0].get_ref(),
                                names[1].get_ref()
                            ),
                        );
                        ok = false;
                    }
                }
            }
        }
        compiled.push(ok.then(|| {
            Route {
                id: spec.id.get_ref().clone(),
                nodes: resolved
                    .into_iter()
                    .map(|n| NodeId(n.expect("checked")))
                    .collect(),
                legs,
            }
        }));
    }
    (route_ids, compiled)
}

// ---------------------------------------------------------------------------- [[flow]]

fn check_flows(
    flows: &[FlowSpec],
    route_ids: &HashMap<String, u32>,
    diags: &mut Diagnostics<'_>,
) -> Vec<Option<Flow>> {
    unique_ids(flows.iter().map(|f| &f.id), "flow", diags);
    flows
        .iter()
        .map(|spec| compile_flow(spec, route_ids, diags))
        .collect()
}

fn resolve_route(
    name: &Spanned<String>,
    route_ids: &HashMap<String, u32>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<RouteId> {
    let found = route_ids.get(name.get_ref()).map(|i| RouteId(*i));
    if found.is_none() {
        diags.push(
            span_of(name),
            path,
            format!(
                "unknown route \"{}\"; known routes: {}",
                name.get_ref(),
                sorted_keys(route_ids)
            ),
        );
    }
    found
}

fn compile_flow(
    spec: &FlowSpec,
    route_ids: &HashMap<String, u32>,
    diags: &mut Diagnostics<'_>,
) -> Option<Flow> {
    let id = spec.id.get_ref();
    let path = format!("flow \"{id}\"");
    let mut ok = true;

    let routes: Vec<(RouteId, f64)> = match (&spec.route, &spec.routes) {
        (Some(route), None) => {
            match resolve_route(route, route_ids, &format!("{path}.route"), diags) {
                Some(route) => vec![(route, 1.0)],
                None => {
                    ok = false;
                    Vec::new()
                }
            }
        }
        (None, Some(shares)) => {
            let mut out = Vec::new();
            for share in shares.get_ref() {
                let route =
                    resolve_route(&share.route, route_ids, &format!("{path}.routes"), diags);
                let value = *share.share.get_ref();
                if !value.is_finite() || value <= 0.0 {
                    diags.push(
                        span_of(&share.share),
                        format!("{path}.routes.share"),
                        format!("must be greater than 0, got {value}"),
                    );
                    ok = false;
                }
                match route {
                    Some(route) => out.push((route, value)),
                    None => ok = false,
                }
            }
            let total: f64 = out.iter().map(|(_, s)| s).sum();
            if out.is_empty() {
                diags.push(
                    span_of(shares),
                    format!("{path}.routes"),
                    "must list at least one route",
                );
                ok = false;
            } else if ok && (total - 1.0).abs() > 1e-6 {
                diags.push(
                    span_of(shares),
                    format!("{path}.routes"),
                    format!("shares must sum to 1, got {total}"),
                );
                ok = false;
            }
            out
        }
        (Some(route), Some(_)) => {
            diags.push(
                span_of(route),
                path.clone(),
                "give either route or routes, not both",
            );
            ok = false;
            Vec::new()
        }
        (None, None) => {
            diags.push(
                span_of(&spec.id),
                path.clone(),
                "missing route: give route = \"<route id>\" or routes = [{ route = \"...\", share = ... }]",
            );
            ok = false;
            Vec::new()
        }
    };

    let teu_per_year = *spec.teu_per_year.get_ref();
    if !teu_per_year.is_finite() || teu_per_year <= 0.0 || teu_per_year > MAX_TEU_PER_YEAR {
        diags.push(
            span_of(&spec.teu_per_year),
            format!("{path}.teu_per_year"),
            format!("must be greater than 0 and at most {MAX_TEU_PER_YEAR:e}, got {teu_per_year}"),
        );
        ok = false;
    }

    let arrival = match (spec.arrivals, &spec.train_teu) {
        (ArrivalSpec::Containers, None) => ArrivalKind::Containers,
        (ArrivalSpec::Containers, Some(train)) => {
            diags.push(
                span_of(train),
                format!("{path}.train_teu"),
                "only applies with arrivals = \"block_trains\"",
            );
            ok = false;
            ArrivalKind::Containers
        }
        (ArrivalSpec::BlockTrains, Some(train)) => match u32::try_from(*train.get_ref()) {
            Ok(n) if n >= 1 => ArrivalKind::BlockTrains { train_teu: n },
            _ => {
                diags.push(
                    span_of(train),
                    format!("{path}.train_teu"),
                    format!(
                        "must be a whole number of TEU at least 1, got {}",
                        train.get_ref()
                    ),
                );
                ok = false;
                ArrivalKind::Containers
            }
        },
        (ArrivalSpec::BlockTrains, None) => {
            diags.push(
                span_of(&spec.id),
                format!("{path}.train_teu"),
                "is required with arrivals = \"block_trains\" (TEU per train, e.g. 105)",
            );
            ok = false;
            ArrivalKind::Containers
        }
    };

    let seasonality = match &spec.seasonality {
        None => [1.0; 12],
        Some(factors) => match normalise_seasonality(factors.get_ref()) {
            Ok(normalised) => normalised,
            Err(message) => {
                diags.push(span_of(factors), format!("{path}.seasonality"), message);
                ok = false;
                [1.0; 12]
            }
        },
    };
    let max_factor = seasonality.iter().copied().fold(0.0, f64::max);

    let route_choice = if routes.len() > 1 {
        WeightedIndex::new(routes.iter().map(|(_, share)| *share)).ok()
    } else {
        None
    };

    ok.then(|| Flow {
        id: id.clone(),
        routes,
        route_choice,
        teu_per_year,
        arrival,
        seasonality,
        max_factor,
        seasonal: seasonality.iter().any(|f| (*f - 1.0).abs() > 1e-12),
        when_full: match spec.when_full {
            WhenFullSpec::Wait => WhenFull::Wait,
            WhenFullSpec::Refuse => WhenFull::Refuse,
        },
        arrival_stream: StreamId::from_name(&format!("flow/{id}/arrivals")),
        route_stream: StreamId::from_name(&format!("flow/{id}/route")),
    })
}

/// Scales twelve monthly factors so that their day-weighted mean is 1 (the annual volume is then
/// exactly `teu_per_year`).
pub fn normalise_seasonality(factors: &[f64]) -> Result<[f64; 12], String> {
    if factors.len() != 12 {
        return Err(format!(
            "must list 12 monthly factors (January to December), got {}",
            factors.len()
        ));
    }
    if let Some(bad) = factors.iter().find(|f| !f.is_finite() || **f < 0.0) {
        return Err(format!("factors must be finite and at least 0, got {bad}"));
    }
    let weighted: f64 = factors
        .iter()
        .zip(MONTH_DAYS)
        .map(|(f, days)| f * f64::from(days))
        .sum::<f64>()
        / 365.0;
    if weighted <= 0.0 {
        return Err("factors must not all be 0".to_string());
    }
    let mut out = [0.0; 12];
    for (slot, factor) in out.iter_mut().zip(factors) {
        *slot = factor / weighted;
    }
    Ok(out)
}

/// A consignment larger than a yard could never enter it: reject such scenarios up front.
fn check_yards_fit_consignments(
    model: &Model,
    yard_spans: &HashMap<String, Span>,
    diags: &mut Diagnostics<'_>,
) {
    for flow in &model.flows {
        let teu = flow.arrival.teu_per_arrival();
        for (route, _) in &flow.routes {
            for node in &model.route(*route).nodes {
                let node = model.node(*node);
                if let Some(capacity) = node.yard_capacity_teu
                    && u64::from(teu) > capacity
                {
                    diags.push(
                        yard_spans.get(&node.id).cloned(),
                        format!("node \"{}\".yard_capacity", node.id),
                        format!(
                            "is {capacity} TEU, smaller than one consignment of flow \"{}\" ({teu} TEU), which could never enter",
                            flow.id
                        ),
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------- distributions

/// Largest mean duration accepted, hours (about 1,140 years).
const MAX_MEAN_H: f64 = 1e7;

/// Largest annual volume accepted for one flow, TEU (about the world's container port throughput).
const MAX_TEU_PER_YEAR: f64 = 1e9;

const FAMILIES: &str = "constant, exponential, uniform, triangular, normal, lognormal, gamma, weibull, pert, empirical";

/// Checks a distribution and builds it, converting to hours.
pub(super) fn compile_dist(
    spec: &Spanned<DistSpec>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Dist> {
    let span = spec.span();
    let result = match spec.get_ref() {
        DistSpec::Number(value) => Dist::constant(*value).map_err(|e| format!("constant {e}")),
        DistSpec::Table(table) => build_table(table),
    };
    let result = result.and_then(|dist| {
        let mean = dist.mean();
        if mean.is_finite() && mean <= MAX_MEAN_H {
            Ok(dist)
        } else {
            Err(format!(
                "has a mean of {mean} h; means above {MAX_MEAN_H} h (over 1,000 years) are not meaningful"
            ))
        }
    });
    match result {
        Ok(dist) => Some(dist),
        Err(message) => {
            diags.push(Some(span), path, message);
            None
        }
    }
}

/// Builds a distribution from a table whose required keys are present, scaling times by a factor.
type DistBuilder = fn(&DistTable, f64) -> Result<Dist, String>;

fn build_table(table: &DistTable) -> Result<Dist, String> {
    let scale = match table.unit.as_deref() {
        None | Some("h") | Some("hours") => 1.0,
        Some("d") | Some("days") => HOURS_PER_DAY,
        Some(other) => {
            return Err(format!(
                "unknown unit \"{other}\"; allowed: \"h\" or \"hours\" (default), \"d\" or \"days\""
            ));
        }
    };
    let family = table.dist.as_str();
    let (required, build): (&[&str], DistBuilder) = match family {
        "constant" => (&["value"], |t, s| Dist::constant(t.value.unwrap() * s)),
        "exponential" => (&["mean"], |t, s| Dist::exponential(t.mean.unwrap() * s)),
        "uniform" => (&["min", "max"], |t, s| {
            Dist::uniform(t.min.unwrap() * s, t.max.unwrap() * s)
        }),
        "triangular" => (&["min", "mode", "max"], |t, s| {
            Dist::triangular(t.min.unwrap() * s, t.mode.unwrap() * s, t.max.unwrap() * s)
        }),
        "normal" => (&["mean", "sd"], |t, s| {
            Dist::truncated_normal(t.mean.unwrap() * s, t.sd.unwrap() * s)
        }),
        "lognormal" => (&["mean", "cv"], |t, s| {
            Dist::lognormal(t.mean.unwrap() * s, t.cv.unwrap())
        }),
        "gamma" => (&["mean", "cv"], |t, s| {
            Dist::gamma(t.mean.unwrap() * s, t.cv.unwrap())
        }),
        "weibull" => (&["shape", "scale"], |t, s| {
            Dist::weibull(t.shape.unwrap(), t.scale.unwrap() * s)
        }),
        "pert" => (&["min", "mode", "max"], |t, s| {
            Dist::pert(t.min.unwrap() * s, t.mode.unwrap() * s, t.max.unwrap() * s)
        }),
        "empirical" => (&["values"], |t, s| {
            Dist::empirical(
                t.values.clone().unwrap().iter().map(|v| v * s).collect(),
                t.weights.clone(),
            )
        }),
        other => {
            return Err(format!(
                "unknown distribution \"{other}\"; allowed: {FAMILIES}"
            ));
        }
    };
    let optional: &[&str] = if family == "empirical" {
        &["weights"]
    } else {
        &[]
    };
    let present = present_keys(table);
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| !present.contains(k))
        .collect();
    let extra: Vec<&str> = present
        .iter()
        .copied()
        .filter(|k| !required.contains(k) && !optional.contains(k))
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut takes = required.join(", ");
        if !optional.is_empty() {
            takes.push_str(&format!(" (optional: {})", optional.join(", ")));
        }
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            problems.push(format!("{} not used", extra.join(", ")));
        }
        return Err(format!("{family} takes {takes}; {}", problems.join("; ")));
    }
    build(table, scale).map_err(|e| format!("{family}: {e}"))
}

fn present_keys(table: &DistTable) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let scalars = [
        ("value", table.value),
        ("mean", table.mean),
        ("cv", table.cv),
        ("sd", table.sd),
        ("min", table.min),
        ("mode", table.mode),
        ("max", table.max),
        ("shape", table.shape),
        ("scale", table.scale),
    ];
    for (name, value) in scalars {
        if value.is_some() {
            keys.push(name);
        }
    }
    if table.values.is_some() {
        keys.push("values");
    }
    if table.weights.is_some() {
        keys.push("weights");
    }
    keys
}
