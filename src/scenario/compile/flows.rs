//! `[[flow]]`: demand on a route (or on several, with shares): volume, arrival process,
//! seasonality, and whether one consignment fits the yards it visits.

use std::collections::HashMap;

use rand::distr::weighted::WeightedIndex;
use toml::Spanned;

use super::common::{Ids, Span, sorted_keys, span_of, unique_ids};
use super::limits::{MAX_SEASONALITY_FACTOR, MAX_TEU_PER_YEAR, MAX_YEARS, MIN_TEU_PER_YEAR};
use crate::base::number::compact;
use crate::base::rng::StreamId;
use crate::model::{ArrivalKind, Flow, Growth, MONTH_DAYS, Model, RouteId, WhenFull};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{ArrivalSpec, FlowSpec, RouteShareSpec, WhenFullSpec};

/// Checks every flow and builds it (`None` for one that failed).
pub(super) fn compile_flows(
    flows: &[FlowSpec],
    route_ids: &Ids,
    node_ids: &Ids,
    diags: &mut Diagnostics<'_>,
) -> Vec<Option<Flow>> {
    unique_ids(flows.iter().map(|f| &f.id), "flow", diags);
    flows
        .iter()
        .map(|spec| compile_flow(spec, route_ids, node_ids, diags))
        .collect()
}

fn compile_flow(
    spec: &FlowSpec,
    route_ids: &Ids,
    node_ids: &Ids,
    diags: &mut Diagnostics<'_>,
) -> Option<Flow> {
    let id = spec.id.get_ref();
    let path = format!("flow \"{id}\"");
    let choice = super::choice::compile_choice(spec.choice.as_ref(), id, &path, node_ids, diags);
    let fixed = choice.is_none_or(|c| c.rule == crate::model::ChoiceRule::Fixed);
    let routes = flow_routes(spec, route_ids, fixed, &path, diags);
    let volume = volume(spec, &path, diags);
    let arrival = arrival_kind(spec, &path, diags);
    let seasonality = seasonality(spec, &path, diags);
    let growth = growth(spec, &path, diags);
    let (routes, volume, arrival, seasonality, growth, choice) =
        (routes?, volume?, arrival?, seasonality?, growth?, choice?);
    // A flow by year starts with its largest volume as `teu_per_year`; `attach_years` sets
    // the shares once the calendar is known.
    let teu_per_year = match &volume {
        Volume::Steady(teu) => *teu,
        Volume::ByYear(list) => list.iter().copied().fold(0.0, f64::max),
    };
    let max_factor = seasonality.iter().copied().fold(0.0, f64::max);
    let route_choice = if routes.len() > 1 {
        WeightedIndex::new(routes.iter().map(|(_, share)| *share)).ok()
    } else {
        None
    };
    Some(Flow {
        id: id.clone(),
        routes,
        route_choice,
        teu_per_year,
        by_year: Vec::new(),
        arrival,
        seasonality,
        max_factor,
        seasonal: seasonality.iter().any(|f| (*f - 1.0).abs() > 1e-12),
        growth,
        when_full: match spec.when_full {
            WhenFullSpec::Wait => WhenFull::Wait,
            WhenFullSpec::Refuse => WhenFull::Refuse,
        },
        arrival_stream: StreamId::from_name(&format!("flow/{id}/arrivals")),
        route_stream: StreamId::from_name(&format!("flow/{id}/route")),
        choice,
    })
}

/// A growing flow's rate stays within the limits at its peak over the run: its volume at the
/// horizon's rate is at most [`MAX_TEU_PER_YEAR`](super::limits::MAX_TEU_PER_YEAR).
pub(super) fn check_growth_within_limits(
    flows: &[Flow],
    specs: &[FlowSpec],
    horizon: crate::base::time::SimTime,
    diags: &mut Diagnostics<'_>,
) {
    let max = super::limits::MAX_TEU_PER_YEAR;
    for (flow, spec) in flows.iter().zip(specs) {
        let (Some(_), Some(value)) = (&flow.growth, &spec.growth_per_year) else {
            continue;
        };
        let peak = flow.teu_per_year * flow.peak_growth_factor(horizon);
        if !(peak.is_finite() && peak <= max) {
            diags.push(
                span_of(value),
                format!("flow \"{}\".growth_per_year", flow.id),
                format!(
                    "grows the volume to {peak:.3e} TEU a year by the horizon, above the limit of \
                     {max:e}; lower the growth or the horizon"
                ),
            );
        }
    }
}

/// The growth of the volume (`growth_per_year`): above -1 (a flow cannot fall below nothing) and
/// at most 10 (elevenfold a year); 0 or absent is none. `Some(None)` for no growth.
fn growth(spec: &FlowSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<Option<Growth>> {
    let Some(value) = &spec.growth_per_year else {
        return Some(None);
    };
    let g = *value.get_ref();
    if !(g.is_finite() && g > -1.0 && g <= 10.0) {
        diags.push(
            span_of(value),
            format!("{path}.growth_per_year"),
            format!(
                "must be a fraction per year greater than -1 and at most 10 (0.2 is 20% a year), \
                 got {g}"
            ),
        );
        return None;
    }
    Some((g != 0.0).then(|| Growth::new(g)))
}

/// The route by id, reported at `path` if unknown.
fn resolve_route(
    name: &Spanned<String>,
    route_ids: &Ids,
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

/// The flow's routes with their shares: exactly one of `route` and `routes`.
fn flow_routes(
    spec: &FlowSpec,
    route_ids: &Ids,
    fixed: bool,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Vec<(RouteId, f64)>> {
    match (&spec.route, &spec.routes) {
        (Some(route), None) => {
            let route = resolve_route(route, route_ids, &format!("{path}.route"), diags)?;
            Some(vec![(route, 1.0)])
        }
        (None, Some(shares)) => route_shares(shares, route_ids, fixed, path, diags),
        (Some(route), Some(_)) => {
            diags.push(
                span_of(route),
                path,
                "give either route or routes, not both",
            );
            None
        }
        (None, None) => {
            diags.push(
                span_of(&spec.id),
                path,
                "missing route: give route = \"<route id>\" or routes = [{ route = \"...\", share = ... }]",
            );
            None
        }
    }
}

/// `routes = [{ route, share }, ...]`: known routes, positive shares summing to 1. With a
/// choice rule other than `fixed` the shares may be left out (all of them: they are then equal),
/// since the rule does not use them.
fn route_shares(
    shares: &Spanned<Vec<RouteShareSpec>>,
    route_ids: &Ids,
    fixed: bool,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Vec<(RouteId, f64)>> {
    let mut ok = true;
    let mut out = Vec::new();
    let list = shares.get_ref();
    let given = list.iter().filter(|s| s.share.is_some()).count();
    let equal = given == 0 && !fixed && !list.is_empty();
    if given != 0 && given != list.len() || given == 0 && fixed && !list.is_empty() {
        diags.push(
            span_of(shares),
            format!("{path}.routes.share"),
            if fixed {
                "every route needs a share with the fixed choice rule (the default), e.g. \
                 routes = [{ route = \"a\", share = 0.6 }, { route = \"b\", share = 0.4 }]; or \
                 choose another rule in [flow.choice]"
            } else {
                "give a share for every route or for none (the choice rule does not use them)"
            },
        );
        ok = false;
    }
    for share in list {
        let route = resolve_route(&share.route, route_ids, &format!("{path}.routes"), diags);
        let value = match &share.share {
            Some(value) => {
                let v = *value.get_ref();
                if !v.is_finite() || v <= 0.0 {
                    diags.push(
                        span_of(value),
                        format!("{path}.routes.share"),
                        format!("must be greater than 0, got {}", compact(v)),
                    );
                    ok = false;
                }
                v
            }
            None => 1.0 / list.len() as f64,
        };
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
    } else if ok && !equal && (total - 1.0).abs() > 1e-6 {
        diags.push(
            span_of(shares),
            format!("{path}.routes"),
            format!("shares must sum to 1, got {}", compact(total)),
        );
        ok = false;
    }
    ok.then_some(out)
}

/// A flow's volume as written: one (`teu_per_year`) or one per calendar year (`teu_by_year`).
enum Volume {
    Steady(f64),
    ByYear(Vec<f64>),
}

/// Exactly one of `teu_per_year` and `teu_by_year`; each volume is 0 (paused) or from
/// [`MIN_TEU_PER_YEAR`] to [`MAX_TEU_PER_YEAR`]; `teu_by_year` is not combined with
/// `growth_per_year` and lists at most [`MAX_YEARS`] volumes.
fn volume(spec: &FlowSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<Volume> {
    let allowed = |teu: f64| teu == 0.0 || (MIN_TEU_PER_YEAR..=MAX_TEU_PER_YEAR).contains(&teu);
    let range = format!(
        "0 (the flow is paused) or from {MIN_TEU_PER_YEAR:e} to {MAX_TEU_PER_YEAR:e} TEU per year"
    );
    match (&spec.teu_per_year, &spec.teu_by_year) {
        (Some(teu), None) => {
            let value = *teu.get_ref();
            if !allowed(value) {
                diags.push(
                    span_of(teu),
                    format!("{path}.teu_per_year"),
                    format!("must be {range}, got {}", compact(value)),
                );
                return None;
            }
            Some(Volume::Steady(value))
        }
        (None, Some(list)) => {
            let values = list.get_ref();
            let field = format!("{path}.teu_by_year");
            if values.is_empty() || values.len() > MAX_YEARS {
                diags.push(
                    span_of(list),
                    field,
                    format!(
                        "must list from 1 to {MAX_YEARS} yearly volumes (the first for the \
                         calendar year the run starts in), got {}",
                        values.len()
                    ),
                );
                return None;
            }
            if let Some((k, bad)) = values.iter().enumerate().find(|(_, v)| !allowed(**v)) {
                diags.push(
                    span_of(list),
                    field,
                    format!(
                        "volume {} (year {}) must be {range}, got {}",
                        k + 1,
                        k + 1,
                        compact(*bad)
                    ),
                );
                return None;
            }
            if let Some(growth) = &spec.growth_per_year {
                diags.push(
                    span_of(growth),
                    format!("{path}.growth_per_year"),
                    "cannot be combined with teu_by_year, which already gives each year's volume",
                );
                return None;
            }
            Some(Volume::ByYear(values.clone()))
        }
        (Some(teu), Some(_)) => {
            diags.push(
                span_of(teu),
                path,
                "gives both teu_per_year and teu_by_year; give one (on a flow with teu_by_year, a \
                 [[change]] or --set changes one year as teu_by_year.K, K from 0, or scales the \
                 whole list)",
            );
            None
        }
        (None, None) => {
            diags.push(
                span_of(&spec.id),
                format!("{path}.teu_per_year"),
                "is required: the annual volume in TEU (or teu_by_year, a list of volumes by \
                 calendar year)",
            );
            None
        }
    }
}

/// Gives each flow by calendar year its yearly shares, from the calendar of the run: the
/// `k`-th volume of `teu_by_year` applies to the `k`-th calendar year the run touches (the first
/// is the year holding `[scenario] start`, or the model's first 365-day year without a start),
/// the last volume to every later year.
pub(super) fn attach_years(
    flows: &mut [Flow],
    specs: &[FlowSpec],
    calendar: &crate::model::Calendar,
    horizon: crate::base::time::SimTime,
) {
    let years = calendar.years(horizon);
    for (flow, spec) in flows.iter_mut().zip(specs) {
        let Some(list) = &spec.teu_by_year else {
            continue;
        };
        let list = list.get_ref();
        let peak = years
            .iter()
            .enumerate()
            .map(|(k, _)| list[k.min(list.len() - 1)])
            .fold(0.0, f64::max);
        flow.teu_per_year = peak;
        flow.by_year = years
            .iter()
            .enumerate()
            .map(|(k, (_, first_day, _))| {
                let teu = list[k.min(list.len() - 1)];
                let share = if peak > 0.0 { teu / peak } else { 0.0 };
                (first_day * crate::base::time::HOURS_PER_DAY, share)
            })
            .collect();
    }
}

/// Containers, or block trains of `train_teu` (which only block trains take).
fn arrival_kind(spec: &FlowSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<ArrivalKind> {
    match (spec.arrivals, &spec.train_teu) {
        (ArrivalSpec::Containers, None) => Some(ArrivalKind::Containers),
        (ArrivalSpec::Containers, Some(train)) => {
            diags.push(
                span_of(train),
                format!("{path}.train_teu"),
                "only applies with arrivals = \"block_trains\"",
            );
            None
        }
        (ArrivalSpec::BlockTrains, Some(train)) => match u32::try_from(*train.get_ref()) {
            Ok(n) if n >= 1 => Some(ArrivalKind::BlockTrains { train_teu: n }),
            _ => {
                diags.push(
                    span_of(train),
                    format!("{path}.train_teu"),
                    format!(
                        "must be a whole number of TEU at least 1, got {}",
                        train.get_ref()
                    ),
                );
                None
            }
        },
        (ArrivalSpec::BlockTrains, None) => {
            diags.push(
                span_of(&spec.id),
                format!("{path}.train_teu"),
                "is required with arrivals = \"block_trains\" (TEU per train, e.g. 105)",
            );
            None
        }
    }
}

/// The normalised monthly factors (all 1 when not given).
fn seasonality(spec: &FlowSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<[f64; 12]> {
    let Some(factors) = &spec.seasonality else {
        return Some([1.0; 12]);
    };
    match normalise_seasonality(factors.get_ref()) {
        Ok(normalised) => Some(normalised),
        Err(message) => {
            diags.push(span_of(factors), format!("{path}.seasonality"), message);
            None
        }
    }
}

/// Scales twelve monthly factors so that their day-weighted mean is 1 (the annual volume is then
/// exactly `teu_per_year`).
pub(crate) fn normalise_seasonality(factors: &[f64]) -> Result<[f64; 12], String> {
    if factors.len() != 12 {
        return Err(format!(
            "must list 12 monthly factors (January to December), got {}",
            factors.len()
        ));
    }
    if let Some(bad) = factors
        .iter()
        .find(|f| !(0.0..=MAX_SEASONALITY_FACTOR).contains(*f))
    {
        return Err(format!(
            "factors must be from 0 to {MAX_SEASONALITY_FACTOR:e} (only their ratios matter), got {}",
            compact(*bad)
        ));
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
pub(super) fn check_yards_fit_consignments(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::{ids, run};

    fn flow(text: &str) -> (Option<Flow>, Vec<String>) {
        let route_ids = ids(&["r1", "r2"]);
        let node_ids = ids(&["a", "b"]);
        let text = format!("id = \"f\"\n{text}");
        let (mut compiled, diags) = run(&text, |spec: &FlowSpec, diags| {
            compile_flows(std::slice::from_ref(spec), &route_ids, &node_ids, diags)
        });
        (compiled.remove(0), diags)
    }

    #[test]
    fn shares_split_a_flow_over_routes() {
        let (got, diags) = flow(
            "teu_per_year = 1000\nroutes = [{ route = \"r1\", share = 0.25 }, { route = \"r2\", share = 0.75 }]",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let got = got.unwrap();
        assert_eq!(got.routes, [(RouteId(0), 0.25), (RouteId(1), 0.75)]);
        assert!(got.route_choice.is_some());
        assert!(!got.seasonal);
    }

    #[test]
    fn shares_must_sum_to_one() {
        let (got, diags) = flow(
            "teu_per_year = 1000\nroutes = [{ route = \"r1\", share = 0.5 }, { route = \"r2\", share = 0.4 }]",
        );
        assert!(got.is_none());
        assert_eq!(
            diags,
            ["3:10: flow \"f\".routes: shares must sum to 1, got 0.9"]
        );
    }

    #[test]
    fn block_trains_need_a_train_size_and_every_problem_is_reported() {
        let (got, diags) = flow(
            "route = \"r3\"\nteu_per_year = -1\narrivals = \"block_trains\"\nseasonality = [1, 2]",
        );
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "1:6: flow \"f\".train_teu: is required with arrivals = \"block_trains\" (TEU per train, e.g. 105)",
                "2:9: flow \"f\".route: unknown route \"r3\"; known routes: \"r1\", \"r2\"",
                "3:16: flow \"f\".teu_per_year: must be 0 (the flow is paused) or from 1e-6 to 1e9 TEU per year, got -1",
                "5:15: flow \"f\".seasonality: must list 12 monthly factors (January to December), got 2",
            ]
        );
    }

    #[test]
    fn seasonality_is_normalised_to_a_day_weighted_mean_of_one() {
        let factors = normalise_seasonality(&[2.0; 12]).unwrap();
        assert!(factors.iter().all(|f| (f - 1.0).abs() < 1e-12));
        assert_eq!(
            normalise_seasonality(&[0.0; 12]).unwrap_err(),
            "factors must not all be 0"
        );
    }
}
