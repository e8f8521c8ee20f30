//! Costs and emissions: the cost fields of `[[node]]` and `[[leg]]` (checked with their element
//! by `nodes.rs` and `legs.rs` through [`node_cost`] and [`leg_cost`]), and the `[cost]` section
//! with what needs the whole model ([`attach_costs`]): each leg's emission factor, each route's
//! tariff and CO2 per TEU, and the value of time a logit route choice inherits.
//!
//! Every amount is optional with default 0; see `model::cost` and docs/scenario.md, "Costs and
//! emissions".

use toml::Spanned;

use super::common::span_of;
use super::limits::MAX_HORIZON_DAYS;
use crate::base::number::compact;
use crate::base::time::HOURS_PER_DAY;
use crate::model::cost::{mode_name, route_costs};
use crate::model::{ChoiceRule, Costs, LegCost, Model, NodeCost};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{CostSpec, FlowSpec, LegSpec, NodeSpec};

/// The largest amount of money accepted per TEU, per TEU-day or per TEU-km, and the largest value
/// of time: beyond, the figures are typing mistakes (a TEU of cargo is worth well under 1e7).
pub(super) const MAX_MONEY: f64 = 1e12;
/// The largest emission factor accepted, kg CO2 per TEU-km (published intensities are below
/// 1 kg per TEU-km; a thousand times the worst is still accepted).
pub(super) const MAX_CO2_KG_PER_TEU_KM: f64 = 1e3;
/// The largest tariff or CO2 per TEU a route may sum to: with distances unbounded, a per-km
/// figure could otherwise overflow to infinity.
pub(super) const MAX_ROUTE_SUM: f64 = 1e15;

/// An optional amount at `path`, from 0 to `max` (`unit` names what it is), default 0; `ok` is
/// cleared if it was reported.
fn amount(
    value: Option<&Spanned<f64>>,
    path: &str,
    max: f64,
    unit: &str,
    ok: &mut bool,
    diags: &mut Diagnostics<'_>,
) -> f64 {
    let Some(value) = value else {
        return 0.0;
    };
    let v = *value.get_ref();
    if v.is_finite() && (0.0..=max).contains(&v) {
        return v;
    }
    diags.push(
        span_of(value),
        path,
        format!(
            "must be {unit} from 0 to {}, got {}",
            if max >= 1e9 {
                format!("{max:e}")
            } else {
                compact(max)
            },
            compact(v)
        ),
    );
    *ok = false;
    0.0
}

/// Whether the node declares any cost.
fn node_declares(spec: &NodeSpec) -> bool {
    spec.cost_per_teu.is_some()
        || spec.storage_per_teu_day.is_some()
        || spec.free_storage_days.is_some()
}

/// Whether the leg declares any cost or emission.
fn leg_declares(spec: &LegSpec) -> bool {
    spec.cost_per_teu.is_some()
        || spec.cost_per_teu_km.is_some()
        || spec.co2_kg_per_teu_km.is_some()
        || spec.traction.is_some()
}

/// A node's costs (`path` is `node "<id>"`); `None` if something was reported.
pub(super) fn node_cost(
    spec: &NodeSpec,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<NodeCost> {
    let mut ok = true;
    let per_teu = amount(
        spec.cost_per_teu.as_ref(),
        &format!("{path}.cost_per_teu"),
        MAX_MONEY,
        "an amount of money per TEU",
        &mut ok,
        diags,
    );
    let storage = amount(
        spec.storage_per_teu_day.as_ref(),
        &format!("{path}.storage_per_teu_day"),
        MAX_MONEY,
        "an amount of money per TEU per day",
        &mut ok,
        diags,
    );
    let free_days = amount(
        spec.free_storage_days.as_ref(),
        &format!("{path}.free_storage_days"),
        MAX_HORIZON_DAYS,
        "a number of days",
        &mut ok,
        diags,
    );
    ok.then_some(NodeCost {
        per_teu,
        storage_per_teu_day: storage,
        free_storage_h: free_days * HOURS_PER_DAY,
    })
}

/// A leg's costs and its own emission factor (`path` is `leg "<id>"`); the factor from the
/// `[cost]` table is resolved later by [`attach_costs`]. `None` if something was reported.
pub(super) fn leg_cost(spec: &LegSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<LegCost> {
    let mut ok = true;
    let per_teu = amount(
        spec.cost_per_teu.as_ref(),
        &format!("{path}.cost_per_teu"),
        MAX_MONEY,
        "an amount of money per TEU",
        &mut ok,
        diags,
    );
    let per_teu_km = amount(
        spec.cost_per_teu_km.as_ref(),
        &format!("{path}.cost_per_teu_km"),
        MAX_MONEY,
        "an amount of money per TEU-km",
        &mut ok,
        diags,
    );
    let co2 = spec.co2_kg_per_teu_km.as_ref().map(|value| {
        amount(
            Some(value),
            &format!("{path}.co2_kg_per_teu_km"),
            MAX_CO2_KG_PER_TEU_KM,
            "an emission factor in kg CO2 per TEU-km",
            &mut ok,
            diags,
        )
    });
    // Per-km figures need the leg's length.
    if spec.distance_km.is_none() {
        for (value, key) in [
            (&spec.cost_per_teu_km, "cost_per_teu_km"),
            (&spec.co2_kg_per_teu_km, "co2_kg_per_teu_km"),
        ] {
            if let Some(value) = value {
                diags.push(
                    span_of(value),
                    format!("{path}.{key}"),
                    "is per TEU-km and needs the leg's distance_km",
                );
                ok = false;
            }
        }
    }
    ok.then(|| LegCost {
        per_teu,
        per_teu_km,
        co2_kg_per_teu_km: co2,
        traction: spec.traction.as_ref().map(|t| t.get_ref().clone()),
    })
}

/// The `[cost]` section and the sections that declare costs, as the pass parsed them.
pub(super) struct CostInputs<'a> {
    /// `[cost]`, if present and parsed.
    pub section: Option<&'a CostSpec>,
    /// Whether the document has a `[cost]` key at all (even one that failed to parse).
    pub present: bool,
    /// The `[[node]]` specs, in model order.
    pub nodes: &'a [NodeSpec],
    /// The `[[leg]]` specs, in model order.
    pub legs: &'a [LegSpec],
    /// The `[[flow]]` specs, in model order.
    pub flows: &'a [FlowSpec],
}

/// Completes the costs of a compiled `model`: whether any are declared, the value of time, each
/// leg's emission factor from the `[cost]` table, each route's sums, and the value of time of
/// every logit route choice that does not give its own. Returns `false` if something was
/// reported.
pub(super) fn attach_costs(
    model: &mut Model,
    inputs: &CostInputs<'_>,
    diags: &mut Diagnostics<'_>,
) -> bool {
    let declared = inputs.present
        || inputs.nodes.iter().any(node_declares)
        || inputs.legs.iter().any(leg_declares);
    if !declared {
        model.costs = Costs::default();
        return true;
    }
    let mut ok = true;
    let empty = CostSpec {
        value_of_time_per_teu_day: None,
        co2_kg_per_teu_km: None,
    };
    let section = inputs.section.unwrap_or(&empty);
    let value_of_time = amount(
        section.value_of_time_per_teu_day.as_ref(),
        "cost.value_of_time_per_teu_day",
        MAX_MONEY,
        "an amount of money per TEU per day",
        &mut ok,
        diags,
    );
    let table = section.co2_kg_per_teu_km.as_ref();
    if let Some(table) = table {
        for (key, value) in table.get_ref() {
            amount(
                Some(value),
                &format!("cost.co2_kg_per_teu_km.{key}"),
                MAX_CO2_KG_PER_TEU_KM,
                "an emission factor in kg CO2 per TEU-km",
                &mut ok,
                diags,
            );
        }
    }
    let emissions = table.is_some() || inputs.legs.iter().any(|l| l.co2_kg_per_teu_km.is_some());
    for (leg, spec) in model.legs.iter_mut().zip(inputs.legs) {
        ok &= resolve_factor(leg, spec, table, emissions, diags);
    }
    model.costs = Costs {
        declared: true,
        value_of_time_per_teu_day: value_of_time,
        routes: route_costs(model, emissions),
    };
    for (route, cost) in model.routes.iter().zip(&model.costs.routes) {
        let too_large = |v: f64| !(v.is_finite() && v <= MAX_ROUTE_SUM);
        if too_large(cost.tariff_per_teu) || cost.co2_kg_per_teu.is_some_and(too_large) {
            diags.push(
                None,
                format!("route \"{}\"", route.id),
                format!(
                    "its tariffs or emissions sum to more than {MAX_ROUTE_SUM:e} per TEU (tariff {}, \
                     CO2 {} kg); check the distances and per-km figures of its legs",
                    compact(cost.tariff_per_teu),
                    compact(cost.co2_kg_per_teu.unwrap_or(0.0))
                ),
            );
            ok = false;
        }
    }
    ok &= inherit_value_of_time(model, inputs, section, value_of_time, diags);
    ok
}

/// The emission factor of one leg: its own, else the table's entry for its traction (or, without
/// one, its mode). A leg with a length and no factor, or naming a traction the table lacks, is
/// reported; a leg without `distance_km` has no length to multiply, so a
/// route with such a leg and a positive factor has no CO2 figure (`model::cost::route_costs`).
fn resolve_factor(
    leg: &mut crate::model::Leg,
    spec: &LegSpec,
    table: Option<&Spanned<std::collections::BTreeMap<String, Spanned<f64>>>>,
    emissions: bool,
    diags: &mut Diagnostics<'_>,
) -> bool {
    let path = format!("leg \"{}\"", leg.id);
    if leg.cost.co2_kg_per_teu_km.is_some() || !emissions {
        return true;
    }
    let key = leg
        .cost
        .traction
        .clone()
        .unwrap_or_else(|| mode_name(leg.mode).to_string());
    let found = table
        .and_then(|t| t.get_ref().get(&key))
        .map(|v| *v.get_ref());
    match (found, &spec.traction) {
        (Some(factor), _) => {
            leg.cost.co2_kg_per_teu_km = Some(factor);
            true
        }
        (None, Some(traction)) => {
            let keys: Vec<String> = table
                .map(|t| t.get_ref().keys().cloned().collect())
                .unwrap_or_default();
            let nearest = crate::scenario::error::nearest(&key, keys.iter(), 1);
            let hint = nearest
                .first()
                .map_or(String::new(), |n| format!(" (did you mean \"{n}\"?)"));
            diags.push(
                span_of(traction),
                format!("{path}.traction"),
                format!(
                    "\"{key}\" is not a key of [cost.co2_kg_per_teu_km]{hint}; keys: {}",
                    if keys.is_empty() {
                        "none (the scenario has no such table)".to_string()
                    } else {
                        keys.join(", ")
                    }
                ),
            );
            false
        }
        (None, None) if leg.distance_km.is_some_and(|km| km > 0.0) => {
            diags.push(
                span_of(&spec.from),
                path,
                format!(
                    "has no emission factor: the scenario declares emissions, and \
                     [cost.co2_kg_per_teu_km] has no key \"{key}\" (its mode); add that key, name \
                     a `traction` the table has, or give the leg co2_kg_per_teu_km"
                ),
            );
            false
        }
        (None, None) => {
            leg.cost.co2_kg_per_teu_km = Some(0.0);
            true
        }
    }
}

/// A logit route choice without its own `value_of_time_per_teu_day` takes `[cost]`'s; one with
/// its own must agree with it (one value of time per scenario: the choice and the time-cost KPI
/// must weigh time alike).
fn inherit_value_of_time(
    model: &mut Model,
    inputs: &CostInputs<'_>,
    section: &CostSpec,
    value_of_time: f64,
    diags: &mut Diagnostics<'_>,
) -> bool {
    if section.value_of_time_per_teu_day.is_none() {
        return true;
    }
    let mut ok = true;
    for (flow, spec) in model.flows.iter_mut().zip(inputs.flows) {
        let ChoiceRule::Logit {
            value_of_time_per_h,
            ..
        } = &mut flow.choice.rule
        else {
            continue;
        };
        let own = spec
            .choice
            .as_ref()
            .and_then(|c| c.get_ref().value_of_time_per_teu_day.as_ref());
        match own {
            None => *value_of_time_per_h = value_of_time / HOURS_PER_DAY,
            Some(own) if *own.get_ref() == value_of_time => {}
            Some(own) => {
                diags.push(
                    span_of(own),
                    format!("flow \"{}\".choice.value_of_time_per_teu_day", flow.id),
                    format!(
                        "is {} but [cost] value_of_time_per_teu_day is {}: a scenario has one \
                         value of time; leave this one out to use [cost]'s",
                        compact(*own.get_ref()),
                        compact(value_of_time)
                    ),
                );
                ok = false;
            }
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::run;

    #[test]
    fn node_costs_are_amounts_from_zero_with_the_field_named() {
        let (cost, lines) = run(
            "id = \"a\"\nkind = \"port\"\ncost_per_teu = -1\nstorage_per_teu_day = 5\nfree_storage_days = 1e99\n",
            |spec: &NodeSpec, diags| node_cost(spec, "node \"a\"", diags),
        );
        assert!(cost.is_none());
        assert_eq!(
            lines,
            [
                "3:16: node \"a\".cost_per_teu: must be an amount of money per TEU from 0 to 1e12, got -1",
                "5:21: node \"a\".free_storage_days: must be a number of days from 0 to 365000, got 1e99",
            ]
        );
        let (cost, lines) = run(
            "id = \"a\"\nkind = \"port\"\nstorage_per_teu_day = 5\nfree_storage_days = 2\n",
            |spec: &NodeSpec, diags| node_cost(spec, "node \"a\"", diags),
        );
        assert!(lines.is_empty());
        assert_eq!(
            cost,
            Some(NodeCost {
                per_teu: 0.0,
                storage_per_teu_day: 5.0,
                free_storage_h: 48.0
            })
        );
    }

    #[test]
    fn per_km_figures_need_a_distance() {
        let (cost, lines) = run(
            "from = \"a\"\nto = \"b\"\nmode = \"rail\"\ntransit = 1\ncost_per_teu_km = 1\nco2_kg_per_teu_km = 0.02\n",
            |spec: &LegSpec, diags| leg_cost(spec, "leg \"a->b\"", diags),
        );
        assert!(cost.is_none());
        assert_eq!(
            lines,
            [
                "5:19: leg \"a->b\".cost_per_teu_km: is per TEU-km and needs the leg's distance_km",
                "6:21: leg \"a->b\".co2_kg_per_teu_km: is per TEU-km and needs the leg's distance_km",
            ]
        );
    }
}
