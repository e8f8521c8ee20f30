//! `[[leg]]`: one-way movements between two nodes (their fleets are in [`super::fleets`]).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::common::{Ids, check_id, resolve_node, span_of};
use super::distributions::compile_dist;
use crate::base::rng::StreamId;
use crate::model::{Leg, NodeId};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::LegSpec;

/// The leg joining two nodes, `(from, to)` to leg index, for routes.
pub(super) type LegIndex = HashMap<(u32, u32), u32>;

/// The legs: their index by endpoints, their ids, and each compiled leg (`None` if it failed).
pub(super) struct Legs {
    pub index: LegIndex,
    pub ids: Ids,
    pub compiled: Vec<Option<Leg>>,
}

/// Checks every leg and builds it.
pub(super) fn compile_legs(legs: &[LegSpec], node_ids: &Ids, diags: &mut Diagnostics<'_>) -> Legs {
    let mut out = Legs {
        index: LegIndex::new(),
        ids: Ids::new(),
        compiled: Vec::new(),
    };
    for (i, spec) in legs.iter().enumerate() {
        let id = leg_id(spec, i, &mut out.ids, diags);
        let path = format!("leg \"{id}\"");
        let from = resolve_node(&spec.from, node_ids, &format!("{path}.from"), diags);
        let to = resolve_node(&spec.to, node_ids, &format!("{path}.to"), diags);
        let mut ok = from.is_some() && to.is_some();
        if let (Some(from), Some(to)) = (from, to) {
            ok &= check_endpoints(
                spec,
                &path,
                from,
                to,
                &mut out.index,
                out.compiled.len(),
                diags,
            );
        }
        ok &= check_distance(spec, &path, diags);
        let transit = compile_dist(&spec.transit, &format!("{path}.transit"), diags);
        let cost = super::costs::leg_cost(spec, &path, diags);
        out.compiled.push(match (ok, from, to, transit, cost) {
            (true, Some(from), Some(to), Some(transit), Some(cost)) => Some(Leg {
                id: id.clone(),
                from: NodeId(from),
                to: NodeId(to),
                mode: spec.mode,
                distance_km: spec.distance_km.as_ref().map(|d| *d.get_ref()),
                instant: transit.mean() == 0.0,
                transit,
                transit_stream: StreamId::from_name(&format!("leg/{id}/transit")),
                fleet: None,
                cost,
            }),
            _ => None,
        });
    }
    out
}

/// The leg's id (`from->to` when it has none), recorded in `ids`; a duplicate is reported.
fn leg_id(spec: &LegSpec, index: usize, ids: &mut Ids, diags: &mut Diagnostics<'_>) -> String {
    let id = match &spec.id {
        Some(id) => {
            check_id(id, "leg", diags);
            id.get_ref().clone()
        }
        None => format!("{}->{}", spec.from.get_ref(), spec.to.get_ref()),
    };
    if ids.insert(id.clone(), index as u32).is_some() {
        diags.push(
            spec.id.as_ref().and_then(span_of),
            format!("leg \"{id}\""),
            "duplicate id: ids must be unique within their section",
        );
    }
    id
}

/// The leg joins two different nodes, and no other leg joins them in the same direction; if so,
/// it is recorded in `index` as leg number `next`.
fn check_endpoints(
    spec: &LegSpec,
    path: &str,
    from: u32,
    to: u32,
    index: &mut LegIndex,
    next: usize,
    diags: &mut Diagnostics<'_>,
) -> bool {
    if from == to {
        diags.push(
            span_of(&spec.to),
            format!("{path}.to"),
            "a leg must join two different nodes",
        );
        return false;
    }
    match index.entry((from, to)) {
        Entry::Occupied(_) => {
            diags.push(
                span_of(&spec.from),
                path,
                "duplicate leg: only one leg may join the same two nodes in the same direction",
            );
            false
        }
        Entry::Vacant(slot) => {
            slot.insert(next as u32);
            true
        }
    }
}

/// `distance_km`, if given, is a finite distance at least 0.
fn check_distance(spec: &LegSpec, path: &str, diags: &mut Diagnostics<'_>) -> bool {
    let Some(distance) = &spec.distance_km else {
        return true;
    };
    let km = *distance.get_ref();
    if !km.is_finite() || km < 0.0 {
        diags.push(
            span_of(distance),
            format!("{path}.distance_km"),
            format!("must be a distance in km at least 0, got {km}"),
        );
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::{ids, run};

    fn legs(text: &str) -> (Legs, Vec<String>) {
        let nodes = ids(&["a", "b"]);
        run(text, |spec: &LegSpec, diags| {
            compile_legs(std::slice::from_ref(spec), &nodes, diags)
        })
    }

    #[test]
    fn a_leg_without_id_is_named_from_to() {
        let (got, diags) = legs("from = \"a\"\nto = \"b\"\nmode = \"rail\"\ntransit = 5");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(got.ids.get("a->b"), Some(&0));
        assert_eq!(got.index.get(&(0, 1)), Some(&0));
        let leg = got.compiled[0].as_ref().unwrap();
        assert_eq!(leg.transit.mean(), 5.0);
        assert!(!leg.instant);
    }

    #[test]
    fn a_leg_joins_two_different_known_nodes() {
        let (got, diags) = legs(
            "id = \"l\"\nfrom = \"a\"\nto = \"a\"\nmode = \"rail\"\ntransit = 5\ndistance_km = -1",
        );
        assert!(got.compiled[0].is_none());
        assert_eq!(
            diags,
            [
                "3:6: leg \"l\".to: a leg must join two different nodes",
                "6:15: leg \"l\".distance_km: must be a distance in km at least 0, got -1",
            ]
        );
        let (got, diags) = legs("from = \"a\"\nto = \"c\"\nmode = \"rail\"\ntransit = 5");
        assert!(got.compiled[0].is_none());
        assert_eq!(
            diags,
            ["2:6: leg \"a->c\".to: unknown node \"c\"; known nodes: \"a\", \"b\""]
        );
    }
}
