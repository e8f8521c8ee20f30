//! Money and emissions: tariffs at nodes and on legs, storage beyond free time, emission
//! factors, and the value of time (`[[node]]` and `[[leg]]` cost fields, the `[cost]` section).
//!
//! The model holds the inputs and the per-route sums that do not depend on the run
//! ([`RouteCost`]: the route's tariff and CO2 per TEU); what does depend on the run, the storage a
//! consignment pays for the time it spends at a node beyond the free time, is charged by the
//! engine when the consignment leaves the node ([`NodeCost::storage_money`]) and summed per
//! route (`RouteStats::storage_money`). The KPIs of `stats::kpi::COST` read both.
//!
//! A scenario that declares none of these ([`Costs::declared`] false) has every figure 0 and
//! reports no cost KPIs, so its results are those it had before costs existed.

use super::{Mode, Model, RouteId};
use crate::base::time::HOURS_PER_DAY;

/// Money charged at a node (`[[node]]` `cost_per_teu`, `storage_per_teu_day`,
/// `free_storage_days`; all 0 when not given).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeCost {
    /// Handling or border fee, money per TEU passing through the node.
    pub per_teu: f64,
    /// Storage, money per TEU per day spent at the node beyond the free time.
    pub storage_per_teu_day: f64,
    /// Free time at the node before storage is charged, hours.
    pub free_storage_h: f64,
}

impl NodeCost {
    /// The storage money of `teu` TEU that spent `sojourn_h` hours at the node (from arrival to
    /// departure): `storage_per_teu_day × teu × max(0, sojourn_h − free_storage_h) / 24`. Exactly
    /// 0 for a node without a storage tariff.
    #[inline]
    pub fn storage_money(&self, teu: u32, sojourn_h: f64) -> f64 {
        if self.storage_per_teu_day == 0.0 {
            return 0.0;
        }
        let charged_h = (sojourn_h - self.free_storage_h).max(0.0);
        self.storage_per_teu_day * f64::from(teu) * charged_h / HOURS_PER_DAY
    }
}

/// Money and emissions of a leg (`[[leg]]` `cost_per_teu`, `cost_per_teu_km`,
/// `co2_kg_per_teu_km`, `traction`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LegCost {
    /// Money per TEU carried on the leg.
    pub per_teu: f64,
    /// Money per TEU-km (times the leg's `distance_km`).
    pub per_teu_km: f64,
    /// The emission factor in force, kg CO2 per TEU-km: the leg's own, else the `[cost]` table's
    /// for its traction or mode; `None` when the scenario declares no emissions.
    pub co2_kg_per_teu_km: Option<f64>,
    /// The traction named by the leg (a key of `[cost.co2_kg_per_teu_km]`), if any.
    pub traction: Option<String>,
}

/// What a route costs per TEU apart from storage, summed over its nodes and legs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RouteCost {
    /// Tariff money per TEU: the route's `cost_per_teu`, plus `cost_per_teu` of every node it
    /// visits (origin and destination included), plus `cost_per_teu + cost_per_teu_km ×
    /// distance_km` of every leg.
    pub tariff_per_teu: f64,
    /// kg CO2 per TEU: `co2_kg_per_teu_km × distance_km` summed over the legs (`None` when the
    /// scenario declares no emissions, or when a leg of the route has a positive emission factor
    /// but no `distance_km`: its emissions are unknown, not zero).
    pub co2_kg_per_teu: Option<f64>,
}

/// The scenario's cost settings (`[cost]`) and each route's sums.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Costs {
    /// Whether the scenario declares any cost, emission or value of time (a `[cost]` section or
    /// a cost field on a node or leg): only then are the cost KPIs reported.
    pub declared: bool,
    /// Value of time, money per TEU per day (`[cost] value_of_time_per_teu_day`, default 0).
    pub value_of_time_per_teu_day: f64,
    /// Per route, indexed by [`RouteId`] (empty when nothing is declared).
    pub routes: Vec<RouteCost>,
}

impl Costs {
    /// The sums of `route` (zero when nothing is declared).
    pub fn route(&self, route: RouteId) -> RouteCost {
        self.routes.get(route.index()).copied().unwrap_or_default()
    }
}

/// The name of a mode as the emission-factor table writes it (`rail`, `road`, `sea`).
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Rail => "rail",
        Mode::Road => "road",
        Mode::Sea => "sea",
    }
}

/// The per-route sums of `model` (tariffs and CO2 from its nodes and legs).
pub fn route_costs(model: &Model, emissions: bool) -> Vec<RouteCost> {
    model
        .routes
        .iter()
        .map(|route| {
            let nodes: f64 = route
                .nodes
                .iter()
                .map(|&n| model.node(n).cost.per_teu)
                .sum();
            let mut legs = 0.0;
            let mut co2 = Some(0.0);
            for &l in &route.legs {
                let leg = model.leg(l);
                let km = leg.distance_km.unwrap_or(0.0);
                legs += leg.cost.per_teu + leg.cost.per_teu_km * km;
                let factor = leg.cost.co2_kg_per_teu_km.unwrap_or(0.0);
                co2 = match leg.distance_km {
                    None if factor > 0.0 => None,
                    _ => co2.map(|kg| kg + factor * km),
                };
            }
            RouteCost {
                tariff_per_teu: route.cost_per_teu + nodes + legs,
                co2_kg_per_teu: co2.filter(|_| emissions),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_is_charged_per_teu_day_beyond_the_free_time_only() {
        let cost = NodeCost {
            per_teu: 0.0,
            storage_per_teu_day: 10.0,
            free_storage_h: 48.0,
        };
        assert_eq!(cost.storage_money(2, 24.0), 0.0);
        assert_eq!(cost.storage_money(2, 48.0), 0.0);
        assert_eq!(cost.storage_money(2, 60.0), 10.0);
        assert_eq!(NodeCost::default().storage_money(5, 1e9), 0.0);
    }
}
