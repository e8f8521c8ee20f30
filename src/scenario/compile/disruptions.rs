//! `[[disruption]]`: episodes that close or slow nodes and legs: targets, capacity left, what a
//! closure blocks, when episodes start (random, monthly, or one scheduled), duration and shelter.

use super::common::{Ids, UNUSABLE, sorted_keys, span_of, unique_ids};
use super::distributions::compile_dist;
use super::limits::{
    MAX_MONTHLY_STARTS, MAX_RATE_PER_YEAR, MAX_START_DAY, MIN_CAPACITY_FACTOR, MIN_RATE_PER_YEAR,
};
use crate::base::number::compact;
use crate::base::rng::StreamId;
use crate::base::time::HOURS_PER_DAY;
use crate::model::{Blocks, Disruption, Dist, LegId, MONTH_DAYS, NodeId, Target, Timing};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::DisruptionSpec;

/// Checks every disruption and builds it (`None` for one that failed).
pub(super) fn compile_disruptions(
    specs: &[DisruptionSpec],
    node_ids: &Ids,
    leg_ids: &Ids,
    diags: &mut Diagnostics<'_>,
) -> Vec<Option<Disruption>> {
    unique_ids(specs.iter().map(|d| &d.id), "disruption", diags);
    specs
        .iter()
        .map(|spec| compile_disruption(spec, node_ids, leg_ids, diags))
        .collect()
}

fn compile_disruption(
    spec: &DisruptionSpec,
    node_ids: &Ids,
    leg_ids: &Ids,
    diags: &mut Diagnostics<'_>,
) -> Option<Disruption> {
    let id = spec.id.get_ref();
    let path = format!("disruption \"{id}\"");
    let targets = targets(spec, &path, node_ids, leg_ids, diags);
    let capacity_factor = capacity_factor(spec, &path, diags);
    let blocks = blocks(spec, &path, capacity_factor.unwrap_or(0.0), diags);
    let timing = timing(spec, &path, diags)?;
    let duration = compile_dist(&spec.duration, &format!("{path}.duration"), diags);
    let shelter = shelter(spec, &path, diags);
    let (targets, capacity_factor, blocks, shelter) =
        (targets?, capacity_factor?, blocks?, shelter?);
    Some(Disruption {
        id: id.clone(),
        targets,
        capacity_factor,
        blocks,
        timing,
        duration: duration?,
        shelter,
        logged: true,
        stream: StreamId::from_name(&format!("disruption/{id}")),
    })
}

/// The target nodes and legs: at least one, each known and listed once.
fn targets(
    spec: &DisruptionSpec,
    path: &str,
    node_ids: &Ids,
    leg_ids: &Ids,
    diags: &mut Diagnostics<'_>,
) -> Option<Vec<Target>> {
    let mut ok = true;
    let mut targets = Vec::new();
    for (names, ids, key, wrap) in [
        (
            &spec.nodes,
            node_ids,
            "nodes",
            (|i| Target::Node(NodeId(i))) as fn(u32) -> Target,
        ),
        (&spec.legs, leg_ids, "legs", |i| Target::Leg(LegId(i))),
    ] {
        for name in names {
            match ids.get(name.get_ref()) {
                Some(&i) if i != UNUSABLE => {
                    let target = wrap(i);
                    if targets.contains(&target) {
                        diags.push(
                            span_of(name),
                            format!("{path}.{key}"),
                            format!("\"{}\" is listed twice", name.get_ref()),
                        );
                        ok = false;
                    }
                    targets.push(target);
                }
                Some(_) => ok = false,
                None => {
                    diags.push(
                        span_of(name),
                        format!("{path}.{key}"),
                        format!(
                            "unknown {} \"{}\"; known: {}",
                            &key[..key.len() - 1],
                            name.get_ref(),
                            sorted_keys(ids)
                        ),
                    );
                    ok = false;
                }
            }
        }
    }
    if spec.nodes.is_empty() && spec.legs.is_empty() {
        diags.push(
            span_of(&spec.id),
            path,
            "has no target: list node ids in nodes = [...] and/or leg ids in legs = [...]",
        );
        ok = false;
    }
    ok.then_some(targets)
}

/// The capacity left while active, in [0, 1) (default 0, closed).
fn capacity_factor(spec: &DisruptionSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<f64> {
    let Some(value) = &spec.capacity_factor else {
        return Some(0.0);
    };
    let f = *value.get_ref();
    if f == 0.0 || (MIN_CAPACITY_FACTOR..1.0).contains(&f) {
        return Some(f);
    }
    diags.push(
        span_of(value),
        format!("{path}.capacity_factor"),
        format!(
            "must be 0 (closed) or from {MIN_CAPACITY_FACTOR:e} to below 1 (slowed), got {}",
            compact(f)
        ),
    );
    None
}

/// What a closure blocks: `"all"` (default), or, for a closure (capacity factor 0) of nodes
/// only, `"vehicles"` or `"departures"`.
fn blocks(
    spec: &DisruptionSpec,
    path: &str,
    capacity_factor: f64,
    diags: &mut Diagnostics<'_>,
) -> Option<Blocks> {
    let span = spec.blocks.as_ref().and_then(span_of);
    let name = match spec.blocks.as_ref().map(|b| b.get_ref().as_str()) {
        None | Some("all") => return Some(Blocks::All),
        Some(name @ ("departures" | "vehicles")) => name,
        Some(other) => {
            diags.push(
                span,
                format!("{path}.blocks"),
                format!(
                    "unknown value \"{other}\"; allowed: \"all\" (default), \"vehicles\", \"departures\""
                ),
            );
            return None;
        }
    };
    let mut ok = true;
    if capacity_factor > 0.0 {
        diags.push(
            span.clone(),
            format!("{path}.blocks"),
            format!("\"{name}\" is a kind of closure, so capacity_factor must be 0"),
        );
        ok = false;
    }
    if !spec.legs.is_empty() {
        diags.push(
            span,
            format!("{path}.blocks"),
            format!(
                "\"{name}\" applies to nodes only; a closed leg always stops departures onto it"
            ),
        );
        ok = false;
    }
    ok.then_some(if name == "departures" {
        Blocks::Departures
    } else {
        Blocks::Vehicles
    })
}

/// When episodes start: exactly one of `rate_per_year`, `monthly_rates` and `start_day`.
fn timing(spec: &DisruptionSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<Timing> {
    let given: Vec<&str> = [
        ("rate_per_year", spec.rate_per_year.is_some()),
        ("monthly_rates", spec.monthly_rates.is_some()),
        ("start_day", spec.start_day.is_some()),
    ]
    .iter()
    .filter(|(_, present)| *present)
    .map(|(key, _)| *key)
    .collect();
    if given.len() != 1 {
        diags.push(
            span_of(&spec.id),
            path,
            format!(
                "give exactly one of rate_per_year, monthly_rates (random starts) or start_day (one scheduled episode); got {}",
                if given.is_empty() { "none".to_string() } else { given.join(", ") }
            ),
        );
        return None;
    }
    if let Some(rate) = &spec.rate_per_year {
        let r = *rate.get_ref();
        if !(r == 0.0 || (MIN_RATE_PER_YEAR..=MAX_RATE_PER_YEAR).contains(&r)) {
            diags.push(
                span_of(rate),
                format!("{path}.rate_per_year"),
                format!(
                    "must be 0 (the disruption never starts) or from {MIN_RATE_PER_YEAR:e} to {MAX_RATE_PER_YEAR:e} starts per year, got {}",
                    compact(r)
                ),
            );
            return None;
        }
        let per_h = r / (365.0 * HOURS_PER_DAY);
        return Some(Timing::Random {
            rate_per_h: [per_h; 12],
            max_rate_per_h: per_h,
        });
    }
    if let Some(rates) = &spec.monthly_rates {
        let values = rates.get_ref();
        // A nonzero monthly rate of at least MIN_RATE_PER_YEAR starts per year.
        let min_monthly = MIN_RATE_PER_YEAR / 12.0;
        let valid = values.len() == 12
            && values
                .iter()
                .all(|r| *r == 0.0 || (min_monthly..=MAX_MONTHLY_STARTS).contains(r));
        if !valid {
            diags.push(
                span_of(rates),
                format!("{path}.monthly_rates"),
                format!(
                    "must be 12 expected starts per month (January first), each 0 or from {} to {MAX_MONTHLY_STARTS:e} (all 0: the disruption never starts)",
                    compact(min_monthly)
                ),
            );
            return None;
        }
        let mut rate_per_h = [0.0; 12];
        for (slot, (count, days)) in rate_per_h.iter_mut().zip(values.iter().zip(MONTH_DAYS)) {
            *slot = count / (f64::from(days) * HOURS_PER_DAY);
        }
        let max_rate_per_h = rate_per_h.iter().copied().fold(0.0, f64::max);
        return Some(Timing::Random {
            rate_per_h,
            max_rate_per_h,
        });
    }
    let start = spec.start_day.as_ref()?;
    let day = *start.get_ref();
    if !(0.0..=MAX_START_DAY).contains(&day) {
        diags.push(
            span_of(start),
            format!("{path}.start_day"),
            format!(
                "must be a day from 0 to {} (the longest horizon), got {}",
                compact(MAX_START_DAY),
                compact(day)
            ),
        );
        return None;
    }
    Some(Timing::Scheduled {
        start_h: day * HOURS_PER_DAY,
    })
}

/// The extra time for vessels heading to a target node, which needs target nodes: `Some(None)`
/// when not given, `None` when invalid.
fn shelter(spec: &DisruptionSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<Option<Dist>> {
    let Some(d) = &spec.shelter else {
        return Some(None);
    };
    let mut ok = true;
    if spec.nodes.is_empty() {
        diags.push(
            span_of(d),
            format!("{path}.shelter"),
            "delays vessels heading to a target node; list the ports in nodes = [...]",
        );
        ok = false;
    }
    let dist = compile_dist(d, &format!("{path}.shelter"), diags);
    ok.then_some(Some(dist?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::{ids, run};

    fn disruption(text: &str) -> (Option<Disruption>, Vec<String>) {
        let (nodes, legs) = (ids(&["port"]), ids(&["sea"]));
        let text = format!("id = \"d\"\nduration = 24\n{text}");
        let (mut compiled, diags) = run(&text, |spec: &DisruptionSpec, diags| {
            compile_disruptions(std::slice::from_ref(spec), &nodes, &legs, diags)
        });
        (compiled.remove(0), diags)
    }

    #[test]
    fn monthly_rates_become_hourly_rates() {
        let (got, diags) = disruption(
            "nodes = [\"port\"]\nmonthly_rates = [31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\nshelter = 6",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let got = got.unwrap();
        assert_eq!(got.targets, [Target::Node(NodeId(0))]);
        assert!(matches!(
            got.timing,
            Timing::Random { rate_per_h, max_rate_per_h }
                if rate_per_h[0] == 1.0 / 24.0 && max_rate_per_h == 1.0 / 24.0
        ));
        assert!(got.shelter.is_some());
    }

    #[test]
    fn exactly_one_timing_key() {
        let (got, diags) = disruption("legs = [\"sea\"]\nrate_per_year = 2\nstart_day = 3");
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "1:6: disruption \"d\": give exactly one of rate_per_year, monthly_rates (random starts) or start_day (one scheduled episode); got rate_per_year, start_day"
            ]
        );
    }

    #[test]
    fn a_departures_closure_needs_nodes_and_no_capacity() {
        let (got, diags) = disruption(
            "legs = [\"sea\", \"sea\"]\ncapacity_factor = 0.5\nblocks = \"departures\"\nstart_day = 3\nshelter = 6",
        );
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "3:16: disruption \"d\".legs: \"sea\" is listed twice",
                "5:10: disruption \"d\".blocks: \"departures\" is a kind of closure, so capacity_factor must be 0",
                "5:10: disruption \"d\".blocks: \"departures\" applies to nodes only; a closed leg always stops departures onto it",
                "7:11: disruption \"d\".shelter: delays vessels heading to a target node; list the ports in nodes = [...]",
            ]
        );
    }
}
