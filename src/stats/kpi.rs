//! Key figures per replication: one declarative table per scope, the flat row of one
//! replication, and their distribution across replications.
//!
//! Every KPI is defined exactly once, in one of the tables `NODE`, `ROUTE`, `COST`, `STAGE`,
//! `FLOW`, `CHOICE`, `FLEET`, `CLASS`, `TARGET`, `DISRUPTION` and `BREAKDOWN`: its name (with its unit
//! suffix) and the function that computes one replication's value. Everything else derives from that entry:
//!
//! - the column `scope/entity/name` of `replications.csv` ([`KpiColumns::new`]),
//! - the per-replication value ([`KpiColumns::row`]),
//! - the estimate across replications (mean, sd, 95% CI, percentiles: `AcrossReplications`),
//!   which is the row of `kpis.csv`, the entry of `summary.json`'s `summary.kpis` (each estimate
//!   once, with its `scope`, `entity` and `kpi`) and the `name`, `name_sd`, `name_ci95_low`,
//!   `name_ci95_high` columns of the per-entity files (`nodes.csv`, ...).
//!
//! # Adding a KPI
//! Add one [`Kpi`] entry to the table of its scope, at the place where its column should appear
//! (the order of a table is the order of the columns). Nothing else: the CSV columns, the summary
//! and `summary.json` pick it up. Readers look a KPI up by name
//! (`Summary::estimate`). If the value needs a statistic the engine
//! does not collect yet, add that field to [`ReplicationStats`] first.

use serde::{Deserialize, Serialize};

use super::replication::{
    BreakdownStats, ClassStats, FleetStats, FlowStats, NodeStats, ReplicationStats, RouteStats,
    StageStats, TargetStats, YearStats,
};
use crate::base::Estimate;
use crate::base::accumulators::Welford;
use crate::base::sketch::QuantileSketch;
use crate::base::time::HOURS_PER_DAY;
use crate::model::choice::{decides, reports_choice};
use crate::model::{Disruption, Fleet, Flow, Model, Node, Route, RouteCost, Target, VehicleClass};

/// What a KPI describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// A node.
    Node,
    /// A route.
    Route,
    /// Money, emissions and time cost per TEU of a route (only in a model that declares costs:
    /// `model::Costs::declared`).
    Cost,
    /// One stage (node visit or leg) of a route.
    Stage,
    /// A flow.
    Flow,
    /// One route of a flow that chooses its route (`flow/route`): where its choice sent it.
    Choice,
    /// One route of a flow with a decision node (`flow/route`): what the decision moved.
    Decision,
    /// A fleet (vessels or trains of a leg).
    Fleet,
    /// A vehicle class of a fleet (`fleet/class`).
    Class,
    /// A node or leg that disruptions close or slow.
    Target,
    /// A logged disruption.
    Disruption,
    /// A node whose servers break down.
    Breakdown,
    /// A fleet whose vehicles break down.
    FleetBreakdown,
}

/// Every scope, in column order.
pub const SCOPES: [Scope; 13] = [
    Scope::Node,
    Scope::Route,
    Scope::Cost,
    Scope::Stage,
    Scope::Flow,
    Scope::Choice,
    Scope::Decision,
    Scope::Fleet,
    Scope::Class,
    Scope::Target,
    Scope::Disruption,
    Scope::Breakdown,
    Scope::FleetBreakdown,
];

impl Scope {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Node => "node",
            Scope::Route => "route",
            Scope::Cost => "cost",
            Scope::Stage => "stage",
            Scope::Flow => "flow",
            Scope::Choice => "choice",
            Scope::Decision => "decision",
            Scope::Fleet => "fleet",
            Scope::Class => "class",
            Scope::Target => "target",
            Scope::Disruption => "disruption",
            Scope::Breakdown => "breakdown",
            Scope::FleetBreakdown => "fleet_breakdown",
        }
    }

    /// The names of the scope's KPIs, in column order (from its table).
    pub fn kpi_names(self) -> Vec<&'static str> {
        fn names<S, E>(table: &[Kpi<S, E>]) -> Vec<&'static str> {
            table.iter().map(|k| k.name).collect()
        }
        match self {
            Scope::Node => names(NODE),
            Scope::Route => names(ROUTE),
            Scope::Cost => names(COST),
            Scope::Stage => names(STAGE),
            Scope::Flow => names(FLOW),
            Scope::Choice => names(CHOICE),
            Scope::Decision => names(DECISION),
            Scope::Fleet => names(FLEET),
            Scope::Class => names(CLASS),
            Scope::Target => names(TARGET),
            Scope::Disruption => names(DISRUPTION),
            Scope::Breakdown => names(BREAKDOWN),
            Scope::FleetBreakdown => names(FLEET_BREAKDOWN),
        }
    }

    /// Whether `kpi` is one of the scope's KPIs.
    pub fn defines(self, kpi: &str) -> bool {
        self.kpi_names().contains(&kpi)
    }
}

/// What a KPI's function sees of one replication: the statistics of one entity, the entity in
/// the model, and the length of the statistics window.
#[derive(Clone, Copy, Debug)]
pub struct At<'a, S, E> {
    /// The entity's statistics in this replication.
    pub stats: &'a S,
    /// The entity in the model.
    pub entity: &'a E,
    /// Statistics window, hours.
    pub window_h: f64,
}

impl<S, E> At<'_, S, E> {
    /// Statistics window, days.
    pub fn window_days(&self) -> f64 {
        self.window_h / HOURS_PER_DAY
    }
}

/// The definition of one per-replication KPI: the one place it is written down.
pub struct Kpi<S: 'static, E: 'static> {
    /// Name with its unit suffix (`wait_mean_h`, `throughput_teu_per_day`, ...): the last part of
    /// the column name and the `kpi` of its summary entry.
    pub name: &'static str,
    /// What it measures.
    pub about: &'static str,
    /// One replication's value (`None` where the replication has none, e.g. no wait observed).
    pub value: fn(&At<'_, S, E>) -> Option<f64>,
}

impl<S, E> std::fmt::Debug for Kpi<S, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kpi").field("name", &self.name).finish()
    }
}

/// Node KPIs, in column order.
pub(crate) const NODE: &[Kpi<NodeStats, Node>] = &[
    Kpi {
        name: "arrivals_per_day",
        about: "Consignments arriving per day.",
        value: |x| Some(x.stats.arrivals as f64 / x.window_days()),
    },
    Kpi {
        name: "wait_mean_h",
        about: "Mean queue wait before service, hours.",
        value: |x| x.stats.wait_h.mean(),
    },
    Kpi {
        name: "wait_p50_h",
        about: "Median queue wait of the replication, hours.",
        value: |x| x.stats.wait_hist.quantile(0.5),
    },
    Kpi {
        name: "wait_p95_h",
        about: "95th percentile of the queue wait of the replication, hours.",
        value: |x| x.stats.wait_hist.quantile(0.95),
    },
    Kpi {
        name: "service_mean_h",
        about: "Mean service time, hours.",
        value: |x| x.stats.service_h.mean(),
    },
    Kpi {
        name: "blocked_mean_h",
        about: "Mean time held by a full next node, hours per departure.",
        value: |x| x.stats.blocked_h.mean(),
    },
    Kpi {
        name: "dispatch_mean_h",
        about: "Mean time waiting for a vehicle of the next leg's fleet to leave, hours per \
                departure.",
        value: |x| x.stats.dispatch_h.mean(),
    },
    Kpi {
        name: "sojourn_mean_h",
        about: "Mean time at the node from arrival to departure, hours.",
        value: |x| x.stats.sojourn_h.mean(),
    },
    Kpi {
        name: "utilization",
        about: "Fraction of server capacity spent serving: busy servers over the time average of \
                the servers in force (none for unlimited servers, or if a dated change makes \
                them unlimited for part of the window).",
        value: |x| match &x.stats.servers {
            Some(servers) => {
                let mean = servers.mean();
                (mean.is_finite() && mean > 0.0).then(|| x.stats.busy.mean() / mean)
            }
            None => x
                .entity
                .servers
                .map(|servers| x.stats.busy.mean() / f64::from(servers)),
        },
    },
    Kpi {
        name: "busy_servers_mean",
        about: "Mean number of servers busy serving.",
        value: |x| Some(x.stats.busy.mean()),
    },
    Kpi {
        name: "blocked_servers_mean",
        about: "Mean number of servers held by blocked cargo.",
        value: |x| Some(x.stats.blocked.mean()),
    },
    Kpi {
        name: "queue_mean",
        about: "Time-average number of consignments waiting for a server.",
        value: |x| Some(x.stats.queue.mean()),
    },
    Kpi {
        name: "queue_max",
        about: "Largest queue seen in the window.",
        value: |x| Some(x.stats.queue.max),
    },
    Kpi {
        name: "in_node_mean",
        about: "Time-average number of consignments at the node.",
        value: |x| Some(x.stats.in_node.mean()),
    },
    Kpi {
        name: "yard_mean_teu",
        about: "Time-average TEU at the node.",
        value: |x| Some(x.stats.yard_teu.mean()),
    },
    Kpi {
        name: "yard_max_teu",
        about: "Largest TEU at the node in the window.",
        value: |x| Some(x.stats.yard_teu.max),
    },
    Kpi {
        name: "arrived_teu",
        about: "TEU that arrived at the node in the window.",
        value: |x| Some(x.stats.arrived_teu as f64),
    },
];

/// Route KPIs, in column order.
pub(crate) const ROUTE: &[Kpi<RouteStats, Route>] = &[
    Kpi {
        name: "delivered_teu",
        about: "TEU delivered in the window.",
        value: |x| Some(x.stats.delivered_teu as f64),
    },
    Kpi {
        name: "throughput_teu_per_day",
        about: "Throughput, TEU per day.",
        value: |x| Some(x.stats.delivered_teu as f64 / x.window_days()),
    },
    Kpi {
        name: "transit_mean_h",
        about: "Mean end-to-end time, hours per TEU.",
        value: |x| x.stats.transit_h.mean(),
    },
    Kpi {
        name: "transit_p50_h",
        about: "Median end-to-end time of the replication, hours.",
        value: |x| x.stats.transit_hist.quantile(0.5),
    },
    Kpi {
        name: "transit_p95_h",
        about: "95th percentile of the end-to-end time of the replication, hours.",
        value: |x| x.stats.transit_hist.quantile(0.95),
    },
    Kpi {
        name: "buffer_index",
        about: "Buffer index: (95th percentile - mean) / mean of the end-to-end time of the \
                replication (transit_p95_h and transit_mean_h): the extra time, as a share of \
                the mean, to allow for arriving on time 19 times in 20.",
        value: buffer_index,
    },
    Kpi {
        name: "on_time_share",
        about: "Share of the TEU delivered in the window whose end-to-end time (generation to \
                delivery) was at most the route's promise_days, counted exactly per TEU (none \
                without a promise or without deliveries).",
        value: |x| {
            x.entity.promise_h?;
            (x.stats.delivered_teu > 0)
                .then(|| x.stats.on_time_teu as f64 / x.stats.delivered_teu as f64)
        },
    },
];

/// `(p95 - mean) / mean` of a route's end-to-end time (`None` without deliveries or with a zero
/// mean).
fn buffer_index(x: &At<'_, RouteStats, Route>) -> Option<f64> {
    let mean = x.stats.transit_h.mean()?;
    let p95 = x.stats.transit_hist.quantile(0.95)?;
    (mean > 0.0).then(|| (p95 - mean) / mean)
}

/// What the cost KPIs see of a route besides its statistics: its tariff and CO2 per TEU and the
/// scenario's value of time.
#[derive(Clone, Copy, Debug)]
pub struct RouteMoney {
    /// The route's tariff and CO2 per TEU (`model::cost::RouteCost`).
    pub cost: RouteCost,
    /// Value of time, money per TEU per day (`[cost] value_of_time_per_teu_day`).
    pub value_of_time_per_teu_day: f64,
}

/// Cost KPIs of each route of a model that declares costs (`model::Costs::declared`), in column
/// order; the entity is the route. Every figure is per TEU delivered in the window; money is in
/// the scenario's currency (the shipped scenarios use USD).
pub(crate) const COST: &[Kpi<RouteStats, RouteMoney>] = &[
    Kpi {
        name: "money_per_teu",
        about: "Money per TEU delivered: the route's tariffs (route, node and leg tariffs) plus the storage its TEU paid beyond free time (storage_per_teu).",
        value: |x| {
            let storage = storage_per_teu(x)?;
            Some(x.entity.cost.tariff_per_teu + storage)
        },
    },
    Kpi {
        name: "storage_per_teu",
        about: "Storage money per TEU delivered: the storage tariffs of the nodes for the time each consignment spent there beyond their free time.",
        value: storage_per_teu,
    },
    Kpi {
        name: "co2_kg_per_teu",
        about: "kg CO2 per TEU delivered: emission factor times distance, summed over the legs (none where the scenario declares no emission factor, or where a leg of the route with a positive factor has no distance_km: unknown, not zero).",
        value: |x| {
            (x.stats.delivered_teu > 0)
                .then_some(x.entity.cost.co2_kg_per_teu)
                .flatten()
        },
    },
    Kpi {
        name: "time_cost_per_teu",
        about: "Value of time times the mean end-to-end time (generation to delivery), money per TEU.",
        value: time_cost_per_teu,
    },
    Kpi {
        name: "generalised_cost_per_teu",
        about: "Generalised cost per TEU: money_per_teu plus time_cost_per_teu.",
        value: |x| {
            let money = x.entity.cost.tariff_per_teu + storage_per_teu(x)?;
            Some(money + time_cost_per_teu(x)?)
        },
    },
];

/// Storage money per TEU delivered (`None` without deliveries).
fn storage_per_teu(x: &At<'_, RouteStats, RouteMoney>) -> Option<f64> {
    (x.stats.delivered_teu > 0).then(|| x.stats.storage_money / x.stats.delivered_teu as f64)
}

/// Value of time × mean transit, per TEU (`None` without deliveries).
fn time_cost_per_teu(x: &At<'_, RouteStats, RouteMoney>) -> Option<f64> {
    let transit_h = x.stats.transit_h.mean()?;
    Some(x.entity.value_of_time_per_teu_day * transit_h / HOURS_PER_DAY)
}

/// Appends the cost KPIs of every route, if the model declares costs.
fn extend_costs(out: &mut Vec<Option<f64>>, model: &Model, routes: &[RouteStats], window_h: f64) {
    if !model.costs.declared {
        return;
    }
    for (i, stats) in routes.iter().enumerate() {
        let money = RouteMoney {
            cost: model.costs.route(crate::model::RouteId(i as u32)),
            value_of_time_per_teu_day: model.costs.value_of_time_per_teu_day,
        };
        extend(out, COST, stats, &money, window_h);
    }
}

/// Stage KPIs (where the hours of a route go), in column order.
pub(crate) const STAGE: &[Kpi<StageStats, ()>] = &[
    Kpi {
        name: "wait_h",
        about: "Mean queue wait at the node, hours per TEU.",
        value: |x| x.stats.wait_h.mean(),
    },
    Kpi {
        name: "service_h",
        about: "Mean service (node) or travel (leg) time, hours per TEU.",
        value: |x| x.stats.service_h.mean(),
    },
    Kpi {
        name: "blocked_h",
        about: "Mean time held by a full next node or closed next leg, hours per TEU.",
        value: |x| x.stats.blocked_h.mean(),
    },
    Kpi {
        name: "dispatch_h",
        about: "Mean time waiting for a vehicle of the next leg's fleet to leave, hours per TEU.",
        value: |x| x.stats.dispatch_h.mean(),
    },
];

/// Flow KPIs, in column order.
pub(crate) const FLOW: &[Kpi<FlowStats, Flow>] = &[
    Kpi {
        name: "generated_teu",
        about: "TEU generated in the window.",
        value: |x| Some(x.stats.generated_teu as f64),
    },
    Kpi {
        name: "refused_teu",
        about: "TEU refused at entry in the window.",
        value: |x| Some(x.stats.refused_teu as f64),
    },
    Kpi {
        name: "origin_held_mean_teu",
        about: "Time-average TEU held at the origin because the first node could not admit \
                them (with when_full = \"wait\").",
        value: |x| Some(x.stats.origin_teu.mean()),
    },
];

/// What the route-choice KPIs see of one route of a flow in one replication (or year).
#[derive(Clone, Copy, Debug)]
pub struct RouteShare {
    /// TEU of the flow that took the route.
    pub teu: u64,
    /// TEU the flow generated.
    pub flow_teu: u64,
}

/// What the decision-node KPIs see of one route of a flow in one replication (or year).
#[derive(Clone, Copy, Debug)]
pub struct Rerouted {
    /// TEU of the flow moved onto the route at the decision node.
    pub into: u64,
    /// TEU of the flow moved off the route at the decision node.
    pub out: u64,
}

/// Route-choice KPIs of each route of a flow that chooses (more than one route and a rule other
/// than `fixed`: `model::choice::reports_choice`), in column order; the entity is `flow/route`.
pub(crate) const CHOICE: &[Kpi<RouteShare, ()>] = &[
    Kpi {
        name: "share",
        about: "Share of the flow's TEU generated in the window that took the route at the \
                origin (its choice rule's result; no value when the flow generated nothing).",
        value: |x| (x.stats.flow_teu > 0).then(|| x.stats.teu as f64 / x.stats.flow_teu as f64),
    },
    Kpi {
        name: "teu",
        about: "TEU of the flow generated in the window that took the route.",
        value: |x| Some(x.stats.teu as f64),
    },
];

/// Decision-node KPIs of each route of a flow with a decision node (`decide_at`:
/// `model::choice::decides`), in column order; the entity is `flow/route`.
pub(crate) const DECISION: &[Kpi<Rerouted, ()>] = &[
    Kpi {
        name: "rerouted_in_teu",
        about: "TEU of the flow moved onto the route at the flow's decision node in the window.",
        value: |x| Some(x.stats.into as f64),
    },
    Kpi {
        name: "rerouted_out_teu",
        about: "TEU of the flow moved off the route at the flow's decision node in the window.",
        value: |x| Some(x.stats.out as f64),
    },
    Kpi {
        name: "rerouted_net_teu",
        about: "TEU moved onto the route at the decision node minus TEU moved off it: what the \
                second choice added to the route (negative: took away).",
        value: |x| Some(x.stats.into as f64 - x.stats.out as f64),
    },
];

/// The entity of the route-choice KPIs of `route` in `flow`: `flow/route`.
pub fn choice_entity(flow: &str, route: &str) -> String {
    format!("{flow}/{route}")
}

/// Appends the route-choice KPIs of every flow that reports its choice, then the decision-node
/// KPIs of every flow with a decision node.
fn extend_choices(out: &mut Vec<Option<f64>>, model: &Model, flows: &[FlowStats], window_h: f64) {
    for (i, (stats, flow)) in flows.iter().zip(&model.flows).enumerate() {
        if !reports_choice(model, i) {
            continue;
        }
        for k in 0..flow.routes.len() {
            let share = RouteShare {
                teu: stats.route_teu.get(k).copied().unwrap_or(0),
                flow_teu: stats.generated_teu,
            };
            extend(out, CHOICE, &share, &(), window_h);
        }
    }
    for (i, (stats, flow)) in flows.iter().zip(&model.flows).enumerate() {
        if !decides(model, i) {
            continue;
        }
        for k in 0..flow.routes.len() {
            let moved = Rerouted {
                into: stats.rerouted_in_teu.get(k).copied().unwrap_or(0),
                out: stats.rerouted_out_teu.get(k).copied().unwrap_or(0),
            };
            extend(out, DECISION, &moved, &(), window_h);
        }
    }
}

/// Fleet KPIs, in column order.
pub(crate) const FLEET: &[Kpi<FleetStats, Fleet>] = &[
    Kpi {
        name: "departures",
        about: "Departures from home in the window.",
        value: |x| Some(x.stats.departures as f64),
    },
    Kpi {
        name: "teu_per_year",
        about: "TEU carried out from home per 365-day year.",
        value: |x| Some(x.stats.departed_teu as f64 / x.window_days() * 365.0),
    },
    Kpi {
        name: "mean_load_teu",
        about: "Mean TEU per departure.",
        value: |x| x.stats.load_teu.mean(),
    },
    Kpi {
        name: "achieved_load_factor",
        about: "TEU carried / (departures x nominal capacity), each departure with its class's \
                capacity.",
        value: |x| {
            (x.stats.departures > 0).then(|| {
                let capacity_teu = if x.stats.classes.is_empty() {
                    x.stats.departures as f64 * f64::from(x.entity.classes[0].capacity_teu)
                } else {
                    x.stats
                        .classes
                        .iter()
                        .zip(&x.entity.classes)
                        .map(|(s, c)| s.departures as f64 * f64::from(c.capacity_teu))
                        .sum()
                };
                x.stats.departed_teu as f64 / capacity_teu
            })
        },
    },
    Kpi {
        name: "utilization",
        about: "Share of vehicle time away from home (travelling, at the far end, returning), \
                of the vehicles in service.",
        value: |x| {
            let vehicles = x
                .stats
                .in_service
                .map_or(f64::from(x.entity.vehicles()), |level| level.mean());
            (vehicles > 0.0).then(|| x.stats.away.mean() / vehicles)
        },
    },
    Kpi {
        name: "cargo_wait_mean_h",
        about: "Mean wait of cargo for its vehicle to leave, hours per TEU.",
        value: |x| x.stats.cargo_wait_h.mean(),
    },
    Kpi {
        name: "berth_wait_mean_h",
        about: "Mean wait of a loaded vehicle for a berth or an open port before unloading, \
                hours.",
        value: |x| x.stats.berth_wait_h.mean(),
    },
    Kpi {
        name: "left_behind_mean_teu",
        about: "Rolled cargo: mean TEU left waiting for the leg at home when a vehicle sails.",
        value: |x| x.stats.left_behind_teu.mean(),
    },
    Kpi {
        name: "left_behind_share",
        about: "Share of departures from home that leave cargo waiting for the leg.",
        value: |x| {
            (x.stats.departures > 0)
                .then(|| x.stats.departures_leaving_cargo as f64 / x.stats.departures as f64)
        },
    },
    Kpi {
        name: "waited_to_fill_share",
        about: "Share of departures from home whose vehicle waited at the berth for its \
                departure rule to fire (cargo, timer or slot).",
        value: |x| {
            (x.stats.departures > 0)
                .then(|| x.stats.waited_departures as f64 / x.stats.departures as f64)
        },
    },
    Kpi {
        name: "back_teu",
        about: "TEU carried back home on the return leg in the window.",
        value: |x| Some(x.stats.back_teu as f64),
    },
    Kpi {
        name: "missed_slots",
        about: "Weekly slots missed (scheduled fleets).",
        value: |x| Some(x.stats.missed_slots as f64),
    },
];

/// Vehicle-class KPIs (fleets with `[leg.fleet.classes]`), in column order; the entity is
/// `fleet/class`.
pub(crate) const CLASS: &[Kpi<ClassStats, VehicleClass>] = &[
    Kpi {
        name: "departures",
        about: "Departures from home of the class's vehicles in the window.",
        value: |x| Some(x.stats.departures as f64),
    },
    Kpi {
        name: "teu_per_year",
        about: "TEU the class carried out from home per 365-day year.",
        value: |x| Some(x.stats.departed_teu as f64 / x.window_days() * 365.0),
    },
    Kpi {
        name: "mean_load_teu",
        about: "Mean TEU per departure of the class.",
        value: |x| x.stats.load_teu.mean(),
    },
    Kpi {
        name: "achieved_load_factor",
        about: "TEU carried / (departures x the class's nominal capacity).",
        value: |x| {
            (x.stats.departures > 0).then(|| {
                x.stats.departed_teu as f64
                    / (x.stats.departures as f64 * f64::from(x.entity.capacity_teu))
            })
        },
    },
];

/// Disruption-target KPIs, in column order.
pub(crate) const TARGET: &[Kpi<TargetStats, Target>] = &[
    Kpi {
        name: "closed_h",
        about: "Hours closed in the window.",
        value: |x| Some(x.stats.closed.mean() * x.window_h),
    },
    Kpi {
        name: "slowed_h",
        about: "Hours slowed (open below full capacity) in the window.",
        value: |x| Some(x.stats.slowed.mean() * x.window_h),
    },
];

/// Logged-disruption KPIs, in column order. The statistics are the lengths of the episodes that
/// start in the statistics window (hours, in log order), like the window's `closed_h`; an
/// episode that starts in the warm-up is not counted, one that runs past the horizon is counted
/// with its whole length.
pub(crate) const DISRUPTION: &[Kpi<Welford, Disruption>] = &[
    Kpi {
        name: "episodes",
        about: "Episodes started in the statistics window.",
        value: |x| Some(x.stats.weight),
    },
    Kpi {
        name: "duration_mean_h",
        about: "Mean length of the episodes started in the window, hours.",
        value: |x| x.stats.mean(),
    },
];

/// Breakdown KPIs of a node whose servers fail (`[node.breakdown]`), in column order.
pub(crate) const BREAKDOWN: &[Kpi<BreakdownStats, Node>] = &[
    Kpi {
        name: "availability",
        about: "Share of server time up (not failed or under repair).",
        value: |x| {
            x.entity
                .servers
                .map(|servers| 1.0 - x.stats.down.mean() / f64::from(servers))
        },
    },
    Kpi {
        name: "failures",
        about: "Server failures in the window.",
        value: |x| Some(x.stats.failures as f64),
    },
    Kpi {
        name: "down_h",
        about: "Server-hours down (under repair or waiting for a crew) in the window.",
        value: |x| Some(x.stats.down.mean() * x.window_h),
    },
    Kpi {
        name: "breakdown_wait_share",
        about: "Share of the waiting (queued or interrupted in service) caused by breakdowns: \
                the time integral of interrupted services plus min(queued, idle down servers) \
                while open, over the time integral of queued plus interrupted.",
        value: |x| {
            let waiting = x.stats.waiting.mean();
            (waiting > 0.0).then(|| x.stats.delay.mean() / waiting)
        },
    },
];

/// Breakdown KPIs of a fleet whose vehicles fail (`[leg.fleet.breakdown]`), in column order.
pub(crate) const FLEET_BREAKDOWN: &[Kpi<BreakdownStats, Fleet>] = &[
    Kpi {
        name: "availability",
        about: "Share of vehicle time up (not failed or under repair).",
        value: |x| Some(1.0 - x.stats.down.mean() / f64::from(x.entity.vehicles())),
    },
    Kpi {
        name: "failures",
        about: "Vehicle failures in the window.",
        value: |x| Some(x.stats.failures as f64),
    },
    Kpi {
        name: "down_h",
        about: "Vehicle-hours down (under repair or waiting for a crew) in the window.",
        value: |x| Some(x.stats.down.mean() * x.window_h),
    },
    Kpi {
        name: "breakdown_aboard_share",
        about: "Share of the TEU-hours cargo spends aboard the fleet's vehicles that it spends \
                aboard a vehicle that is down.",
        value: |x| {
            let aboard = x.stats.waiting.mean();
            (aboard > 0.0).then(|| x.stats.delay.mean() / aboard)
        },
    },
];

/// One per-replication KPI of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KpiColumn {
    /// Entity kind.
    pub scope: Scope,
    /// Entity: node, route or flow id; for a stage `route/index/stage-id` (`stage_entity`).
    pub entity: String,
    /// KPI name with its unit (`wait_mean_h`, `throughput_teu_per_day`, ...).
    pub kpi: String,
}

impl KpiColumn {
    /// Column name in `replications.csv`: `scope/entity/kpi`.
    pub fn name(&self) -> String {
        format!("{}/{}/{}", self.scope.as_str(), self.entity, self.kpi)
    }
}

/// The entity name of stage `index` (with id `stage`) of route `route`: `route/index/stage`.
pub(crate) fn stage_entity(route: &str, index: usize, stage: &str) -> String {
    format!("{route}/{index}/{stage}")
}

/// The per-replication KPIs of a model, in a fixed order: nodes, routes, stages, flows, fleets,
/// disruption targets, logged disruptions, nodes and fleets with breakdowns, each in scenario
/// order, and
/// for each entity the KPIs of its scope's table in table order.
#[derive(Clone, Debug)]
pub struct KpiColumns {
    columns: Vec<KpiColumn>,
}

/// The scopes reported per calendar year (`yearly.csv`): what a year's part of the window has
/// (stages, disruption targets and episodes are reported for the whole window only).
pub const YEARLY_SCOPES: [Scope; 8] = [
    Scope::Node,
    Scope::Route,
    Scope::Cost,
    Scope::Flow,
    Scope::Choice,
    Scope::Fleet,
    Scope::Breakdown,
    Scope::FleetBreakdown,
];

impl KpiColumns {
    /// The columns of `model`.
    pub fn new(model: &Model) -> KpiColumns {
        KpiColumns::of_scopes(model, &SCOPES)
    }

    /// The columns of one calendar year of `model` (the [`YEARLY_SCOPES`]), in the order of
    /// [`KpiColumns::new`].
    pub fn yearly(model: &Model) -> KpiColumns {
        KpiColumns::of_scopes(model, &YEARLY_SCOPES)
    }

    /// Per calendar year of `rep` (none within one year), the values of [`KpiColumns::yearly`].
    pub fn year_rows(model: &Model, rep: &ReplicationStats) -> Vec<Vec<Option<f64>>> {
        rep.years
            .iter()
            .map(|year| {
                let mut row = Vec::new();
                KpiColumns::year_row(model, year, &mut row);
                row
            })
            .collect()
    }

    /// One year's values, in the order of [`KpiColumns::yearly`].
    pub fn year_row(model: &Model, year: &YearStats, out: &mut Vec<Option<f64>>) {
        out.clear();
        let window_h = year.window_h();
        for (stats, node) in year.nodes.iter().zip(&model.nodes) {
            extend(out, NODE, stats, node, window_h);
        }
        for (stats, route) in year.routes.iter().zip(&model.routes) {
            extend(out, ROUTE, stats, route, window_h);
        }
        extend_costs(out, model, &year.routes, window_h);
        for (stats, flow) in year.flows.iter().zip(&model.flows) {
            extend(out, FLOW, stats, flow, window_h);
        }
        extend_choices(out, model, &year.flows, window_h);
        for (stats, fleet) in year.fleets.iter().zip(&model.fleets) {
            extend(out, FLEET, stats, fleet, window_h);
        }
        extend_breakdowns(out, model, &year.breakdowns, window_h);
    }

    /// The columns of the entities of `scopes`, in the fixed order of [`KpiColumns::new`].
    fn of_scopes(model: &Model, scopes: &[Scope]) -> KpiColumns {
        let mut columns = Vec::new();
        let mut push = |scope: Scope, entity: &str| {
            if !scopes.contains(&scope) {
                return;
            }
            for kpi in scope.kpi_names() {
                columns.push(KpiColumn {
                    scope,
                    entity: entity.to_string(),
                    kpi: kpi.to_string(),
                });
            }
        };
        for node in &model.nodes {
            push(Scope::Node, &node.id);
        }
        for route in &model.routes {
            push(Scope::Route, &route.id);
        }
        if model.costs.declared {
            for route in &model.routes {
                push(Scope::Cost, &route.id);
            }
        }
        for route in &model.routes {
            for (index, id) in stage_ids(model, route).iter().enumerate() {
                push(Scope::Stage, &stage_entity(&route.id, index, id));
            }
        }
        for flow in &model.flows {
            push(Scope::Flow, &flow.id);
        }
        for (_, flow) in model
            .flows
            .iter()
            .enumerate()
            .filter(|(i, _)| reports_choice(model, *i))
        {
            for (route, _) in &flow.routes {
                push(
                    Scope::Choice,
                    &choice_entity(&flow.id, &model.route(*route).id),
                );
            }
        }
        for (_, flow) in model
            .flows
            .iter()
            .enumerate()
            .filter(|(i, _)| decides(model, *i))
        {
            for (route, _) in &flow.routes {
                push(
                    Scope::Decision,
                    &choice_entity(&flow.id, &model.route(*route).id),
                );
            }
        }
        for fleet in &model.fleets {
            push(Scope::Fleet, &fleet.id);
        }
        for fleet in model.fleets.iter().filter(|f| f.has_classes()) {
            for c in 0..fleet.classes.len() {
                push(Scope::Class, &fleet.class_entity(c));
            }
        }
        for target in model.disruption_targets() {
            push(Scope::Target, model.target_name(target));
        }
        for disruption in model.disruptions.iter().filter(|d| d.logged) {
            push(Scope::Disruption, &disruption.id);
        }
        for node in model.breakdown_nodes() {
            push(Scope::Breakdown, &model.node(node).id);
        }
        for fleet in model.breakdown_fleets() {
            push(Scope::FleetBreakdown, &model.fleet(fleet).id);
        }
        KpiColumns { columns }
    }

    /// The columns.
    pub fn columns(&self) -> &[KpiColumn] {
        &self.columns
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// One replication's values, in column order (`None` where the replication has no value,
    /// e.g. no wait observed).
    pub fn row(&self, model: &Model, rep: &ReplicationStats, out: &mut Vec<Option<f64>>) {
        out.clear();
        let window_h = rep.window_h;
        for (stats, node) in rep.nodes.iter().zip(&model.nodes) {
            extend(out, NODE, stats, node, window_h);
        }
        for (stats, route) in rep.routes.iter().zip(&model.routes) {
            extend(out, ROUTE, stats, route, window_h);
        }
        extend_costs(out, model, &rep.routes, window_h);
        for stats in &rep.routes {
            for stage in &stats.stages {
                extend(out, STAGE, stage, &(), window_h);
            }
        }
        for (stats, flow) in rep.flows.iter().zip(&model.flows) {
            extend(out, FLOW, stats, flow, window_h);
        }
        extend_choices(out, model, &rep.flows, window_h);
        for (stats, fleet) in rep.fleets.iter().zip(&model.fleets) {
            extend(out, FLEET, stats, fleet, window_h);
        }
        for (stats, fleet) in rep.fleets.iter().zip(&model.fleets) {
            for (class_stats, class) in stats.classes.iter().zip(&fleet.classes) {
                extend(out, CLASS, class_stats, class, window_h);
            }
        }
        for (stats, target) in rep.targets.iter().zip(model.disruption_targets()) {
            extend(out, TARGET, stats, &target, window_h);
        }
        // Lengths of the episodes that start in the window, in log order.
        let mut episodes = vec![Welford::default(); model.disruptions.len()];
        let warmup_h = model.settings.warmup.hours();
        for record in rep.disruption_log.iter().filter(|r| r.start_h >= warmup_h) {
            episodes[record.disruption as usize].add(record.end_h - record.start_h);
        }
        for (durations, disruption) in episodes
            .iter()
            .zip(&model.disruptions)
            .filter(|(_, d)| d.logged)
        {
            extend(out, DISRUPTION, durations, disruption, window_h);
        }
        extend_breakdowns(out, model, &rep.breakdowns, window_h);
        assert_eq!(
            out.len(),
            self.columns.len(),
            "replication statistics do not match the model's KPI columns"
        );
    }
}

/// Appends the breakdown KPIs: the nodes' (the first entries of `stats`), then the fleets'.
fn extend_breakdowns(
    out: &mut Vec<Option<f64>>,
    model: &Model,
    stats: &[BreakdownStats],
    window_h: f64,
) {
    let nodes = model.breakdown_nodes();
    for (stats, &node) in stats.iter().zip(&nodes) {
        extend(out, BREAKDOWN, stats, model.node(node), window_h);
    }
    for (stats, fleet) in stats[nodes.len().min(stats.len())..]
        .iter()
        .zip(model.breakdown_fleets())
    {
        extend(out, FLEET_BREAKDOWN, stats, model.fleet(fleet), window_h);
    }
}

/// Appends the values of every KPI of `table` for one entity.
fn extend<S, E>(
    out: &mut Vec<Option<f64>>,
    table: &[Kpi<S, E>],
    stats: &S,
    entity: &E,
    window_h: f64,
) {
    let at = At {
        stats,
        entity,
        window_h,
    };
    out.extend(table.iter().map(|kpi| (kpi.value)(&at)));
}

/// Stage ids of a route: node id, leg id, node id, ...
pub(crate) fn stage_ids(model: &Model, route: &crate::model::Route) -> Vec<String> {
    (0..2 * route.nodes.len() - 1)
        .map(|i| {
            if i % 2 == 0 {
                model.node(route.nodes[i / 2]).id.clone()
            } else {
                model.leg(route.legs[i / 2]).id.clone()
            }
        })
        .collect()
}

/// Percentiles reported across replications.
pub(crate) const PERCENTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// One KPI summarised across replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KpiSummary {
    /// Entity kind.
    pub scope: Scope,
    /// Entity id (see [`KpiColumn::entity`]).
    pub entity: String,
    /// KPI name with unit.
    pub kpi: String,
    /// Mean, sd and 95% CI half-width over the replications that had a value (`null` if none).
    pub estimate: Option<Estimate>,
    /// 5th, 25th, 50th, 75th and 95th percentiles of the per-replication values (within 0.5%).
    pub percentiles: Option<[f64; 5]>,
    /// Smallest per-replication value.
    pub min: Option<f64>,
    /// Largest per-replication value.
    pub max: Option<f64>,
}

/// Streaming summary of every KPI column over replications.
#[derive(Clone, Debug)]
pub(crate) struct AcrossReplications {
    columns: KpiColumns,
    moments: Vec<Welford>,
    sketches: Vec<QuantileSketch>,
}

impl AcrossReplications {
    /// An empty accumulator for `columns`.
    pub fn new(columns: KpiColumns) -> AcrossReplications {
        let n = columns.len();
        AcrossReplications {
            columns,
            moments: vec![Welford::default(); n],
            sketches: vec![QuantileSketch::default(); n],
        }
    }

    /// The columns.
    pub fn columns(&self) -> &KpiColumns {
        &self.columns
    }

    /// Mean and variance of each column so far, in column order.
    pub fn moments(&self) -> &[Welford] {
        &self.moments
    }

    /// Adds one replication's row; rows must come in replication order.
    pub fn add(&mut self, row: &[Option<f64>]) {
        for ((value, moments), sketch) in row.iter().zip(&mut self.moments).zip(&mut self.sketches)
        {
            if let Some(value) = *value {
                moments.add(value);
                sketch.add(value);
            }
        }
    }

    /// The summaries, in column order.
    pub fn finish(&self) -> Vec<KpiSummary> {
        self.columns
            .columns()
            .iter()
            .zip(&self.moments)
            .zip(&self.sketches)
            .map(|((column, moments), sketch)| KpiSummary {
                scope: column.scope,
                entity: column.entity.clone(),
                kpi: column.kpi.clone(),
                estimate: Estimate::from_welford(moments),
                percentiles: (sketch.count() > 0)
                    .then(|| PERCENTILES.map(|q| sketch.quantile(q).unwrap_or(f64::NAN))),
                min: sketch.min(),
                max: sketch.max(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_names_are_unique_within_a_scope_and_carry_no_separator() {
        for scope in SCOPES {
            let names = scope.kpi_names();
            assert!(!names.is_empty(), "{scope:?}");
            for (i, name) in names.iter().enumerate() {
                assert!(!names[..i].contains(name), "{scope:?}: {name} twice");
                assert!(!name.contains('/') && !name.contains(','), "{name}");
            }
        }
    }
}
