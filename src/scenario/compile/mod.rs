//! Stage 4: checking the merged tree and compiling it into a [`Model`].
//!
//! Checking and compiling are one pass because both need the same id resolution. The pass never
//! stops at the first problem: each section and each array element is deserialized on its own
//! (`parse.rs`), so one bad `[[node]]` does not hide another, and every check runs on whatever
//! parsed. One file per section, in the order the pass runs them (each needs only the ids of the
//! sections before it):
//!
//! | File | Section | Needs |
//! |---|---|---|
//! | `settings.rs` | `[scenario]` | — |
//! | `nodes.rs` | `[[node]]`, and node `hours` (compiled into a daily closure) | — |
//! | `legs.rs` | `[[leg]]` | node ids |
//! | `routes.rs` | `[[route]]` | node ids, legs by endpoints |
//! | `flows.rs` | `[[flow]]`, and whether a consignment fits every yard it visits | route ids |
//! | `disruptions.rs` | `[[disruption]]` | node and leg ids |
//! | `fleets.rs` | `[leg.fleet]`, and which nodes' berths vessels use | compiled legs |
//! | `costs.rs` | `[cost]`, the cost fields of nodes and legs (checked with them), each route's tariff and CO2 | the compiled model |
//! | `distributions.rs` | every distribution value | — |
//! | `changes.rs` | `[[change]]`: each compiled into the whole model from its date on | the compiled model |
//!
//! `common.rs` holds what they share (ids, spans, counts); `limits.rs` the numeric limits every
//! section checks, derived from what the engine can represent. The study sections (`[sweep]`,
//! `[[uncertain]]`) are not part of the model: this pass only accepts their names, and
//! `study::sections` checks them.

mod breakdowns;
mod changes;
mod choice;
mod common;
mod costs;
mod disruptions;
mod distributions;
mod fleets;
mod flows;
mod legs;
pub(crate) mod limits;
mod nodes;
pub(crate) mod parse;
mod routes;
mod settings;

use std::collections::HashMap;

use toml::Spanned;
use toml::de::DeTable;

use self::common::Span;
use self::parse::{add_raw_ids, add_raw_leg_endpoints, parse_array, parse_one};
use crate::model::{Disruption, Flow, Leg, Model, Node, Route};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{
    CostSpec, DisruptionSpec, FleetSpec, FlowSpec, LegSpec, NodeSpec, RouteSpec, ScenarioSpec,
};

/// Sections of the model, in the order the pass checks them.
const MODEL_SECTIONS: &[&str] = &[
    "scenario",
    "node",
    "leg",
    "route",
    "flow",
    "disruption",
    "cost",
];
/// Sections that are not part of the model: `extends` and `remove` are consumed when the
/// document is merged; the study sections are checked by `study::sections`.
const OTHER_SECTIONS: &[&str] = &["extends", "remove", "sweep", "uncertain", "investment"];
/// Sections the format reserves for features that are planned but not in this version.
const RESERVED: &[&str] = &["experiment"];

/// The parsed sections of a document, each element deserialized on its own.
#[derive(Default)]
struct Sections {
    scenario: Option<ScenarioSpec>,
    nodes: Vec<NodeSpec>,
    legs: Vec<LegSpec>,
    routes: Vec<RouteSpec>,
    flows: Vec<FlowSpec>,
    disruptions: Vec<DisruptionSpec>,
    cost: Option<CostSpec>,
}

/// Checks the merged tree `root` and compiles it; `None` if anything was reported.
pub(crate) fn compile(root: &Spanned<DeTable<'_>>, diags: &mut Diagnostics<'_>) -> Option<Model> {
    let specs = parse_sections(root, diags);
    let settings = match &specs.scenario {
        Some(spec) => settings::compile_settings(spec, diags),
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
    let mut node_ids = nodes::check_node_ids(&specs.nodes, diags);
    add_raw_ids(root, "node", &mut node_ids);
    let compiled_nodes: Vec<Option<Node>> = specs
        .nodes
        .iter()
        .map(|spec| nodes::compile_node(spec, diags))
        .collect();
    let mut legs = legs::compile_legs(&specs.legs, &node_ids, diags);
    add_raw_ids(root, "leg", &mut legs.ids);
    add_raw_leg_endpoints(root, &node_ids, &mut legs.index);
    let (mut route_ids, compiled_routes) =
        routes::compile_routes(&specs.routes, &node_ids, &legs.index, diags);
    add_raw_ids(root, "route", &mut route_ids);
    let compiled_flows = flows::compile_flows(&specs.flows, &route_ids, &node_ids, diags);
    let hours = nodes::compile_all_hours(&specs.nodes, diags);
    let compiled_disruptions =
        disruptions::compile_disruptions(&specs.disruptions, &node_ids, &legs.ids, diags);
    // Fleets need only the legs, so their problems are reported even when something else failed.
    let mut compiled_legs: Option<Vec<Leg>> = legs.compiled.into_iter().collect();
    let fleets = match &mut compiled_legs {
        Some(compiled) => {
            let fleet_specs: Vec<(String, Option<&Spanned<FleetSpec>>)> = compiled
                .iter()
                .zip(&specs.legs)
                .map(|(leg, spec)| (leg.id.clone(), spec.fleet.as_ref()))
                .collect();
            let context = fleets::Context {
                leg_ids: &legs.ids,
                calendar: settings.as_ref().map(|s| &s.calendar),
            };
            fleets::compile_fleets(&fleet_specs, compiled, &context, diags)
        }
        None => Vec::new(),
    };
    check_required_sections(root, &specs, diags);

    let settings = settings?;
    let nodes: Vec<Node> = compiled_nodes.into_iter().collect::<Option<_>>()?;
    let legs: Vec<Leg> = compiled_legs?;
    let routes: Vec<Route> = compiled_routes.into_iter().collect::<Option<_>>()?;
    let mut flows: Vec<Flow> = compiled_flows.into_iter().collect::<Option<_>>()?;
    flows::attach_years(
        &mut flows,
        &specs.flows,
        &settings.calendar,
        settings.horizon,
    );
    let mut all_disruptions: Vec<Disruption> = hours.into_iter().collect::<Option<_>>()?;
    all_disruptions.extend(
        compiled_disruptions
            .into_iter()
            .collect::<Option<Vec<_>>>()?,
    );
    if !diags.is_empty() {
        return None;
    }
    // Checks across sections, once every section compiled.
    let berth_spans = spans_by_node(&specs.nodes, |n| n.berths.as_ref().map(|b| b.span()));
    fleets::check_berths_used(&nodes, &berth_spans, &legs, &fleets, diags);
    if !diags.is_empty() {
        return None;
    }
    flows::check_growth_within_limits(&flows, &specs.flows, settings.horizon, diags);
    if !diags.is_empty() {
        return None;
    }
    let mut fleets = fleets;
    fleets::shift_slots_to_weekdays(&mut fleets, settings.calendar.week_offset_h());
    let model = Model {
        settings,
        nodes,
        legs,
        routes,
        flows,
        fleets,
        disruptions: all_disruptions,
        changes: Vec::new(),
        costs: Default::default(),
    };
    let yard_spans = spans_by_node(&specs.nodes, |n| n.yard_capacity.as_ref().map(|y| y.span()));
    flows::check_yards_fit_consignments(&model, &yard_spans, diags);
    choice::check_decision_nodes(&model, &specs.flows, diags);
    if !diags.is_empty() {
        return None;
    }
    let mut model = model;
    let cost_inputs = costs::CostInputs {
        section: specs.cost.as_ref(),
        present: root.get_ref().contains_key("cost"),
        nodes: &specs.nodes,
        legs: &specs.legs,
        flows: &specs.flows,
    };
    if !costs::attach_costs(&mut model, &cost_inputs, diags) || !diags.is_empty() {
        return None;
    }
    model.changes = changes::compile_changes(root, &model, diags, compile)?;
    diags.is_empty().then_some(model)
}

/// Deserializes each known section; an unknown or reserved section is reported.
fn parse_sections(root: &Spanned<DeTable<'_>>, diags: &mut Diagnostics<'_>) -> Sections {
    let mut specs = Sections::default();
    for (key, value) in root.get_ref().iter() {
        let name = key.get_ref().as_ref();
        match name {
            "scenario" => specs.scenario = parse_one(value, "scenario", diags),
            "node" => specs.nodes = parse_array(value, "node", diags),
            "leg" => specs.legs = parse_array(value, "leg", diags),
            "route" => specs.routes = parse_array(value, "route", diags),
            "flow" => specs.flows = parse_array(value, "flow", diags),
            "disruption" => specs.disruptions = parse_array(value, "disruption", diags),
            "cost" => specs.cost = parse_one(value, "cost", diags),
            // `[[change]]` is checked and compiled after the model (`changes.rs`).
            "change" => {}
            _ if OTHER_SECTIONS.contains(&name) => {}
            _ if RESERVED.contains(&name) => diags.push(
                Some(key.span()),
                name,
                "is reserved for a later version of Corridor and not supported by this one",
            ),
            _ => diags.push(
                Some(key.span()),
                name,
                format!(
                    "unknown section; allowed: {}",
                    known_sections().collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }
    specs
}

/// Every section name a scenario file may use, in the order error messages list them.
fn known_sections() -> impl Iterator<Item = &'static str> {
    let (merge, studies) = OTHER_SECTIONS.split_at(2);
    merge
        .iter()
        .chain(MODEL_SECTIONS)
        .chain(&["change"])
        .chain(studies)
        .copied()
}

/// At least one `[[node]]` and one `[[flow]]`.
fn check_required_sections(
    root: &Spanned<DeTable<'_>>,
    specs: &Sections,
    diags: &mut Diagnostics<'_>,
) {
    if specs.nodes.is_empty() && !root.get_ref().contains_key("node") {
        diags.push(Some(0..0), "node", "at least one [[node]] is required");
    }
    if specs.flows.is_empty() && !root.get_ref().contains_key("flow") {
        diags.push(Some(0..0), "flow", "at least one [[flow]] is required");
    }
}

/// The span of one field of each node that has it, by node id.
fn spans_by_node(
    nodes: &[NodeSpec],
    field: impl Fn(&NodeSpec) -> Option<Span>,
) -> HashMap<String, Span> {
    nodes
        .iter()
        .filter_map(|n| Some((n.id.get_ref().clone(), field(n)?)))
        .collect()
}
