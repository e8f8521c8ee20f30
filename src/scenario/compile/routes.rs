//! `[[route]]`: ordered paths of nodes, each consecutive pair joined by a leg, and the transit
//! the route promises (`promise_days`, optional).

use std::collections::HashSet;

use toml::Spanned;

use super::common::{Ids, UNUSABLE, resolve_node, span_of, unique_ids};
use super::legs::LegIndex;
use super::limits::MAX_HORIZON_DAYS;
use crate::base::number::compact;
use crate::base::time::HOURS_PER_DAY;
use crate::model::{LegId, NodeId, Route};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::RouteSpec;

/// Checks every route and builds it: the route ids and each compiled route (`None` if it failed).
pub(super) fn compile_routes(
    routes: &[RouteSpec],
    node_ids: &Ids,
    leg_index: &LegIndex,
    diags: &mut Diagnostics<'_>,
) -> (Ids, Vec<Option<Route>>) {
    let route_ids = unique_ids(routes.iter().map(|r| &r.id), "route", diags);
    let compiled = routes
        .iter()
        .map(|spec| compile_route(spec, node_ids, leg_index, diags))
        .collect();
    (route_ids, compiled)
}

fn compile_route(
    spec: &RouteSpec,
    node_ids: &Ids,
    leg_index: &LegIndex,
    diags: &mut Diagnostics<'_>,
) -> Option<Route> {
    let path = format!("route \"{}\"", spec.id.get_ref());
    let names = spec.nodes.get_ref();
    if names.is_empty() {
        diags.push(
            span_of(&spec.nodes),
            format!("{path}.nodes"),
            "a route must list at least one node",
        );
        return None;
    }
    let (nodes, each_once) = resolve_nodes(names, node_ids, &path, diags);
    let legs = legs_between(names, &nodes, leg_index, &path, diags);
    let promise_h = promise(spec, &path, diags);
    let cost_per_teu = cost(spec, &path, diags);
    let nodes: Vec<NodeId> = nodes
        .into_iter()
        .map(|n| n.map(NodeId))
        .collect::<Option<_>>()?;
    let legs = legs?;
    let promise_h = promise_h?;
    let cost_per_teu = cost_per_teu?;
    each_once.then(|| Route {
        id: spec.id.get_ref().clone(),
        nodes,
        legs,
        promise_h,
        cost_per_teu,
    })
}

/// `cost_per_teu`: money per TEU of taking the route, from 0 to 1e12 (default 0).
fn cost(spec: &RouteSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<f64> {
    let Some(value) = &spec.cost_per_teu else {
        return Some(0.0);
    };
    let cost = *value.get_ref();
    if cost.is_finite() && (0.0..=1e12).contains(&cost) {
        return Some(cost);
    }
    diags.push(
        span_of(value),
        format!("{path}.cost_per_teu"),
        format!(
            "must be an amount of money per TEU from 0 to 1e12, got {}",
            compact(cost)
        ),
    );
    None
}

/// `promise_days`, if given, in hours: a positive, finite number of days, at most the longest
/// horizon. `Some(None)` without a promise; `None` if it was reported.
fn promise(spec: &RouteSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<Option<f64>> {
    let Some(value) = &spec.promise_days else {
        return Some(None);
    };
    let days = *value.get_ref();
    if days.is_finite() && days > 0.0 && days <= MAX_HORIZON_DAYS {
        return Some(Some(days * HOURS_PER_DAY));
    }
    diags.push(
        span_of(value),
        format!("{path}.promise_days"),
        format!(
            "the promised transit must be a positive number of days, at most {} (the longest \
             horizon), got {}",
            compact(MAX_HORIZON_DAYS),
            compact(days)
        ),
    );
    None
}

/// Each node of the route by index (`None` for an unknown one), and whether each is listed once
/// (a node listed twice is reported).
fn resolve_nodes(
    names: &[Spanned<String>],
    node_ids: &Ids,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> (Vec<Option<u32>>, bool) {
    let mut seen = HashSet::new();
    let mut resolved = Vec::new();
    let mut twice = false;
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
            twice = true;
        }
        resolved.push(node);
    }
    (resolved, !twice)
}

/// The leg joining each consecutive pair of resolved nodes; a missing leg is reported. `None`
/// if any is missing.
fn legs_between(
    names: &[Spanned<String>],
    nodes: &[Option<u32>],
    leg_index: &LegIndex,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Vec<LegId>> {
    let mut legs = Vec::new();
    let mut ok = true;
    for (pair, names) in nodes.windows(2).zip(names.windows(2)) {
        let [Some(from), Some(to)] = pair else {
            continue;
        };
        if *from == UNUSABLE || *to == UNUSABLE {
            // A node that failed to compile: already reported.
            ok = false;
            continue;
        }
        match leg_index.get(&(*from, *to)) {
            // A leg that failed to compile: already reported.
            Some(&UNUSABLE) => ok = false,
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
    ok.then_some(legs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::{ids, run};

    fn route(nodes: &str) -> (Option<Route>, Vec<String>) {
        route_text(&format!("id = \"r\"\nnodes = {nodes}"))
    }

    fn route_text(text: &str) -> (Option<Route>, Vec<String>) {
        let node_ids = ids(&["a", "b", "c"]);
        let leg_index: LegIndex = [((0, 1), 0), ((1, 2), 1)].into_iter().collect();
        let ((_, mut compiled), diags) = run(text, |spec: &RouteSpec, diags| {
            compile_routes(std::slice::from_ref(spec), &node_ids, &leg_index, diags)
        });
        (compiled.remove(0), diags)
    }

    #[test]
    fn a_route_follows_its_legs() {
        let (got, diags) = route("[\"a\", \"b\", \"c\"]");
        assert!(diags.is_empty(), "{diags:?}");
        let got = got.unwrap();
        assert_eq!(got.nodes, [NodeId(0), NodeId(1), NodeId(2)]);
        assert_eq!(got.legs, [LegId(0), LegId(1)]);
        assert_eq!(got.promise_h, None);
    }

    #[test]
    fn a_promise_is_kept_in_hours() {
        for (written, hours) in [("9", 216.0), ("20.5", 492.0), ("365000", 365000.0 * 24.0)] {
            let (got, diags) = route_text(&format!(
                "id = \"r\"\nnodes = [\"a\", \"b\"]\npromise_days = {written}"
            ));
            assert!(diags.is_empty(), "{diags:?}");
            assert_eq!(got.unwrap().promise_h, Some(hours), "{written}");
        }
    }

    #[test]
    fn a_promise_that_is_not_a_positive_finite_number_of_days_is_reported() {
        for (written, got_text) in [
            ("0", "0"),
            ("-3", "-3"),
            ("0.0", "0"),
            ("nan", "NaN"),
            ("inf", "inf"),
            ("-inf", "-inf"),
            ("365001", "365001"),
        ] {
            let (got, diags) = route_text(&format!(
                "id = \"r\"\nnodes = [\"a\", \"b\"]\npromise_days = {written}"
            ));
            assert!(got.is_none(), "{written}");
            assert_eq!(
                diags,
                [format!(
                    "3:16: route \"r\".promise_days: the promised transit must be a positive \
                     number of days, at most 365000 (the longest horizon), got {got_text}"
                )],
                "{written}"
            );
        }
    }

    #[test]
    fn a_missing_leg_and_a_repeated_node_are_reported() {
        let (got, diags) = route("[\"a\", \"c\", \"a\"]");
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "2:15: route \"r\".nodes: no leg from \"a\" to \"c\"; add a [[leg]] with from = \"a\" and to = \"c\"",
                "2:20: route \"r\".nodes: node \"a\" appears twice; a route visits each node once",
                "2:20: route \"r\".nodes: no leg from \"c\" to \"a\"; add a [[leg]] with from = \"c\" and to = \"a\"",
            ]
        );
        let (got, diags) = route("[]");
        assert!(got.is_none());
        assert_eq!(
            diags,
            ["2:9: route \"r\".nodes: a route must list at least one node"]
        );
    }
}
