//! `[[node]]`: places where cargo queues and is handled, and their operating `hours` (compiled
//! into a daily closure).

use toml::Spanned;

use super::breakdowns::{Unit, compile_breakdown};
use super::common::{Ids, check_text, optional_count, span_of, unique_ids};
use super::distributions::{compile_dist, zero};
use crate::base::rng::StreamId;
use crate::model::{Blocks, Disruption, Dist, Node, NodeId, Place, Target, Timing};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{HoursSpec, NodeSpec};

/// The node ids, reporting invalid and duplicate ones.
pub(super) fn check_node_ids(nodes: &[NodeSpec], diags: &mut Diagnostics<'_>) -> Ids {
    unique_ids(nodes.iter().map(|n| &n.id), "node", diags)
}

/// Checks one node and builds it.
pub(super) fn compile_node(spec: &NodeSpec, diags: &mut Diagnostics<'_>) -> Option<Node> {
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
        None => Some(zero()),
    };
    if let Some(name) = &spec.name {
        ok &= check_text(name, &format!("{path}.name"), false, diags);
    }
    let breakdown = match &spec.breakdown {
        Some(breakdown) => {
            if servers.is_none() {
                diags.push(
                    span_of(breakdown),
                    format!("{path}.breakdown"),
                    "a node with unlimited servers has no servers to break down; give it `servers`",
                );
            }
            let compiled = compile_breakdown(breakdown, Unit::Server, &path, diags)
                .filter(|_| servers.is_some());
            ok &= compiled.is_some();
            compiled
        }
        None => None,
    };
    let place = compile_place(spec, &path, diags, &mut ok);
    let cost = super::costs::node_cost(spec, &path, diags);
    ok &= cost.is_some();
    let service = service?;
    Some(Node {
        id: id.clone(),
        name: spec
            .name
            .as_ref()
            .map_or_else(|| id.clone(), |n| n.get_ref().clone()),
        kind: spec.kind,
        servers,
        pass_through: servers.is_none() && service.mean() == 0.0,
        berths,
        service,
        yard_capacity_teu,
        gauge_change: spec.gauge_change,
        place,
        service_stream: StreamId::from_name(&format!("node/{id}/service")),
        breakdown,
        cost: cost.unwrap_or_default(),
    })
    .filter(|_| ok)
}

/// `lat` and `lon`: both or neither, each a finite angle in its range (degrees). Only the map
/// reads them.
fn compile_place(
    spec: &NodeSpec,
    path: &str,
    diags: &mut Diagnostics<'_>,
    ok: &mut bool,
) -> Option<Place> {
    let mut angle = |value: &Spanned<f64>, key: &str, limit: f64, what: &str| {
        let v = *value.get_ref();
        if v.is_finite() && (-limit..=limit).contains(&v) {
            Some(v)
        } else {
            diags.push(
                span_of(value),
                format!("{path}.{key}"),
                format!(
                    "must be {what} in degrees from -{limit} to {limit}, got {}",
                    crate::base::number::compact(v)
                ),
            );
            *ok = false;
            None
        }
    };
    match (&spec.lat, &spec.lon) {
        (None, None) => None,
        (Some(lat), Some(lon)) => {
            let lat = angle(lat, "lat", 90.0, "a latitude (north positive)");
            let lon = angle(lon, "lon", 180.0, "a longitude (east positive)");
            Some(Place {
                lat: lat?,
                lon: lon?,
            })
        }
        (Some(given), None) | (None, Some(given)) => {
            let (has, lacks) = if spec.lat.is_some() {
                ("lat", "lon")
            } else {
                ("lon", "lat")
            };
            diags.push(
                span_of(given),
                format!("{path}.{has}"),
                format!("{has} without {lacks}: give both lat and lon (degrees), or neither"),
            );
            *ok = false;
            None
        }
    }
}

/// Compiles the operating hours of every node that has them, in node order.
pub(super) fn compile_all_hours(
    nodes: &[NodeSpec],
    diags: &mut Diagnostics<'_>,
) -> Vec<Option<Disruption>> {
    nodes
        .iter()
        .enumerate()
        .filter_map(|(i, spec)| {
            let hours = spec.hours.as_ref()?;
            Some(compile_hours(
                NodeId(i as u32),
                spec.id.get_ref(),
                hours,
                diags,
            ))
        })
        .collect()
}

/// Compiles a node's operating hours into a daily closure.
pub(super) fn compile_hours(
    node: NodeId,
    node_id: &str,
    hours: &Spanned<HoursSpec>,
    diags: &mut Diagnostics<'_>,
) -> Option<Disruption> {
    let path = format!("node \"{node_id}\".hours");
    let spec = hours.get_ref();
    let mut parse = |text: &str, key: &str| match parse_time_of_day(text) {
        Ok(h) => Some(h),
        Err(message) => {
            diags.push(span_of(hours), format!("{path}.{key}"), message);
            None
        }
    };
    let open = parse(&spec.open, "open");
    let close = parse(&spec.close, "close");
    let (open, close) = (open?, close?);
    if open == close {
        diags.push(
            span_of(hours),
            path,
            "open and close are the same time; leave hours out for a node that never closes",
        );
        return None;
    }
    let closed_min = (open + MINUTES_PER_DAY - close) % MINUTES_PER_DAY;
    let closed_h = f64::from(closed_min) / 60.0;
    Some(Disruption {
        id: format!("hours/{node_id}"),
        targets: vec![Target::Node(node)],
        capacity_factor: 0.0,
        blocks: Blocks::All,
        timing: Timing::Daily {
            closes_at_min: close,
            closed_min,
        },
        duration: Dist::constant(closed_h)
            .expect("a closure shorter than a day is a valid constant"),
        shelter: None,
        logged: false,
        stream: StreamId::from_name(&format!("hours/{node_id}")),
    })
}

/// Minutes in a day.
const MINUTES_PER_DAY: u32 = 24 * 60;

/// Parses `"HH:MM"` (00:00 to 23:59) into minutes after midnight.
pub(crate) fn parse_time_of_day(text: &str) -> Result<u32, String> {
    let bad =
        || format!("{text:?} is not a time of day; write \"HH:MM\" from \"00:00\" to \"23:59\"");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 || text.len() != 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FailureClock, Interrupted};
    use crate::scenario::compile::common::testing::run;

    fn node(text: &str) -> (Option<Node>, Vec<String>) {
        let text = format!("id = \"n\"\nkind = \"port\"\n{text}");
        run(&text, |spec: &NodeSpec, diags| compile_node(spec, diags))
    }

    #[test]
    fn a_node_without_servers_or_service_passes_cargo_through() {
        let (got, diags) = node("yard_capacity = 500");
        assert!(diags.is_empty(), "{diags:?}");
        let got = got.unwrap();
        assert!(got.pass_through);
        assert_eq!(got.yard_capacity_teu, Some(500));
        assert_eq!(got.name, "n");
    }

    #[test]
    fn counts_must_be_at_least_one() {
        let (got, diags) = node("servers = 0\nberths = -1");
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "3:11: node \"n\".servers: must be a whole number from 1 to 4294967295, got 0 (leave servers out for unlimited servers)",
                "4:10: node \"n\".berths: must be a whole number from 1 to 4294967295, got -1 (leave berths out for unlimited berths)",
            ]
        );
    }

    #[test]
    fn a_breakdown_is_compiled_with_its_defaults() {
        let (got, diags) = node(
            "servers = 2\nservice = 1\n[breakdown]\nup = { dist = \"exponential\", mean = 20 }\nrepair = 2",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let b = got.unwrap().breakdown.unwrap();
        assert_eq!(b.up.mean(), 20.0);
        assert_eq!(b.repair.mean(), 2.0);
        assert_eq!(b.clock, FailureClock::Always);
        assert_eq!(b.interrupted, Interrupted::Resume);
        assert_eq!(b.crews, None);
    }

    #[test]
    fn bad_breakdowns_are_reported() {
        let (got, diags) = node(
            "service = 1\n[breakdown]\nup = 0\nrepair = 2\nclock = \"idle\"\ninterrupted = \"abort\"\ncrews = 0",
        );
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "4:1: node \"n\".breakdown: a node with unlimited servers has no servers to break down; give it `servers`",
                "5:6: node \"n\".breakdown.up: must have a positive mean (a server that is never up would never work)",
                "7:9: node \"n\".breakdown.clock: unknown value \"idle\"; allowed: \"always\", \"busy\"",
                "8:15: node \"n\".breakdown.interrupted: unknown value \"abort\"; allowed: \"resume\", \"restart\", \"finish\"",
                "9:9: node \"n\".breakdown.crews: must be a whole number from 1 to 4294967295, got 0 (leave crews out to repair every failed server at once)",
            ]
        );
    }

    #[test]
    fn coordinates_are_both_or_neither_and_in_range() {
        let (got, diags) = node("lat = 43.65\nlon = 51.17");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            got.unwrap().place,
            Some(Place {
                lat: 43.65,
                lon: 51.17
            })
        );
        let (got, diags) = node("servers = 1");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(got.unwrap().place, None);
        let (got, diags) = node("lat = 91\nlon = -180.5");
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "3:7: node \"n\".lat: must be a latitude (north positive) in degrees from -90 to 90, got 91",
                "4:7: node \"n\".lon: must be a longitude (east positive) in degrees from -180 to 180, got -180.5",
            ]
        );
        let (got, diags) = node("lon = 51");
        assert!(got.is_none());
        assert_eq!(
            diags,
            ["3:7: node \"n\".lon: lon without lat: give both lat and lon (degrees), or neither"]
        );
        let (_, diags) = node("lat = nan\nlon = 0");
        assert_eq!(
            diags,
            [
                "3:7: node \"n\".lat: must be a latitude (north positive) in degrees from -90 to 90, got NaN"
            ]
        );
    }

    #[test]
    fn hours_become_a_daily_closure() {
        let (got, diags) = node("hours = { open = \"20:00\", close = \"06:30\" }");
        assert!(diags.is_empty(), "{diags:?}");
        assert!(got.is_some());
        let (closure, diags) = run(
            "id = \"n\"\nkind = \"port\"\nhours = { open = \"20:00\", close = \"06:30\" }",
            |spec: &NodeSpec, diags| compile_all_hours(std::slice::from_ref(spec), diags),
        );
        assert!(diags.is_empty(), "{diags:?}");
        let closure = closure[0].as_ref().unwrap();
        assert_eq!(closure.id, "hours/n");
        assert!(matches!(
            closure.timing,
            Timing::Daily { closes_at_min, closed_min } if closes_at_min == 390 && closed_min == 810
        ));
    }

    #[test]
    fn hours_that_open_and_close_together_are_rejected() {
        let (closure, diags) = run(
            "id = \"n\"\nkind = \"port\"\nhours = { open = \"08:00\", close = \"08:00\" }",
            |spec: &NodeSpec, diags| compile_all_hours(std::slice::from_ref(spec), diags),
        );
        assert!(closure[0].is_none());
        assert_eq!(
            diags,
            [
                "3:9: node \"n\".hours: open and close are the same time; leave hours out for a node that never closes"
            ]
        );
        assert_eq!(
            parse_time_of_day("8:00").unwrap_err(),
            "\"8:00\" is not a time of day; write \"HH:MM\" from \"00:00\" to \"23:59\""
        );
    }
}
