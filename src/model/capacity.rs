//! Nominal capacity: for every node with a limited number of servers and every fleet, the TEU a
//! year it can handle, the TEU a year the scenario's flows send through it, and, for every route,
//! the resource that binds first when all demand grows in proportion. From the model alone,
//! before anything runs (`capacity.csv`, `summary.json`'s `capacity`, the table of `run`).
//!
//! The capacities are those of [`load`](super::load) turned into TEU a year, with two further
//! losses that the offered-load warning leaves out:
//! - a node: `servers × open share × up share / mean service time × TEU per consignment`, where
//!   the open share comes from operating hours and random disruptions (as for the offered load),
//!   the up share of a node with breakdowns is `mean up / (mean up + mean repair)`, and the TEU
//!   per consignment is the demand-weighted mean over the flows that visit the node (1 TEU for a
//!   node no flow visits);
//! - a fleet: `Σ vehicles × usable capacity / mean round trip` over its classes (and at most one
//!   load per weekly slot for a scheduled fleet), times the open share of its leg and the up
//!   share of its vehicles with breakdowns.
//!
//! These are approximations from means, mostly in the direction of too much capacity (the
//! closure share errs the other way when episodes overlap): they assume a full vehicle
//! on every departure, no time lost waiting for berths, for a crew or for a closed node at the
//! other end, and (for breakdowns) `resume` with enough repair crews. A yard limit bounds the TEU
//! a node holds, not a rate, so it has no row here; it binds through backpressure, which only
//! the simulation shows. The demand is every flow's mean volume over the period with its route
//! shares. Nodes with unlimited servers and legs without a fleet have no capacity limit and no
//! row.
//!
//! A run with dated changes, fleet classes entering later or yearly volumes is cut into the
//! periods of [`offered_loads_by_period`], one table each.

use serde::{Deserialize, Serialize};

use super::load::{Place, offered_loads_by_period};
use super::{Breakdown, Model, NodeId, Target};
use crate::base::time::HOURS_PER_YEAR;

/// The nominal capacity of one node or fleet in one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceCapacity {
    /// `node` or `fleet`.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// TEU a year it can handle.
    pub capacity_teu_per_year: f64,
    /// TEU a year the flows send through it (mean over the period).
    pub demand_teu_per_year: f64,
    /// Demand over capacity (`None` when the capacity is 0).
    pub utilization: Option<f64>,
    /// Capacity minus demand, TEU a year (negative when overloaded).
    pub headroom_teu_per_year: f64,
    /// The factor by which every flow's volume can grow before this resource saturates
    /// (capacity over demand; `null` in JSON without demand).
    pub saturates_at_demand_x: Option<f64>,
}

/// The resource that binds first on one route.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouteBinding {
    /// The route's id.
    pub route: String,
    /// `node` or `fleet`, and its id: the resource on the route with the lowest
    /// `saturates_at_demand_x` (`None` if the route has no limited resource with demand).
    pub binding: Option<(String, String)>,
    /// That resource's `saturates_at_demand_x`.
    pub saturates_at_demand_x: Option<f64>,
}

/// The capacity table of one period of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapacityPeriod {
    /// Start of the period, days.
    pub from_day: f64,
    /// Its end, days.
    pub to_day: f64,
    /// Nodes with limited servers, then fleets, in model order.
    pub resources: Vec<ResourceCapacity>,
    /// Every route, in model order.
    pub routes: Vec<RouteBinding>,
}

/// The capacity tables of `model`, one per period of the run (one for a run whose inputs do not
/// change with time).
pub fn capacity_by_period(model: &Model) -> Vec<CapacityPeriod> {
    offered_loads_by_period(model)
        .iter()
        .map(|period| {
            let in_force = model.in_force_at(period.from);
            table(
                in_force,
                &period.loads,
                period.from.days(),
                period.to.days(),
                &teu_per_consignment(in_force, period.from, period.to),
            )
        })
        .collect()
}

/// The demand-weighted TEU per consignment at each node over `[from, to)` (1 where no flow
/// goes).
fn teu_per_consignment(
    model: &Model,
    from: crate::base::time::SimTime,
    to: crate::base::time::SimTime,
) -> Vec<f64> {
    let mut consignments = vec![0.0; model.nodes.len()];
    let mut teu = vec![0.0; model.nodes.len()];
    for flow in &model.flows {
        let per_arrival = f64::from(flow.arrival.teu_per_arrival());
        let per_h = flow.mean_volume(from, to) / per_arrival / HOURS_PER_YEAR;
        for (route, share) in &flow.routes {
            for node in &model.route(*route).nodes {
                consignments[node.index()] += per_h * share;
                teu[node.index()] += per_h * share * per_arrival;
            }
        }
    }
    consignments
        .iter()
        .zip(&teu)
        .map(|(&n, &t)| if n > 0.0 { t / n } else { 1.0 })
        .collect()
}

/// Mean up share of a unit with `breakdown` (1 without).
fn up_share(breakdown: Option<&Breakdown>) -> f64 {
    breakdown.map_or(1.0, |b| {
        let (up, repair) = (b.up.mean(), b.repair.mean());
        up / (up + repair)
    })
}

fn table(
    model: &Model,
    loads: &[super::load::Load],
    from_day: f64,
    to_day: f64,
    teu_per_consignment: &[f64],
) -> CapacityPeriod {
    let resources: Vec<ResourceCapacity> = loads
        .iter()
        .map(|load| {
            let (kind, id, capacity_per_h, demand_per_h) = match load.place {
                Place::Node(node) => {
                    let teu = teu_per_consignment[node.index()];
                    let spec = model.node(node);
                    (
                        "node",
                        spec.id.clone(),
                        load.capacity_per_h * up_share(spec.breakdown.as_ref()) * teu,
                        load.arrivals_per_h * teu,
                    )
                }
                Place::Fleet(fleet) => {
                    let spec = model.fleet(fleet);
                    let open = super::load::availability(model, Target::Leg(spec.leg));
                    (
                        "fleet",
                        spec.id.clone(),
                        load.capacity_per_h * open * up_share(spec.breakdown.as_ref()),
                        load.arrivals_per_h,
                    )
                }
            };
            let capacity = capacity_per_h * HOURS_PER_YEAR;
            let demand = demand_per_h * HOURS_PER_YEAR;
            ResourceCapacity {
                kind: kind.to_string(),
                id,
                capacity_teu_per_year: capacity,
                demand_teu_per_year: demand,
                utilization: (capacity > 0.0).then(|| demand / capacity),
                headroom_teu_per_year: capacity - demand,
                saturates_at_demand_x: (demand > 0.0).then(|| capacity / demand),
            }
        })
        .collect();
    let routes = model
        .routes
        .iter()
        .map(|route| {
            let on_route = |r: &&ResourceCapacity| match r.kind.as_str() {
                "node" => route
                    .nodes
                    .iter()
                    .any(|&n: &NodeId| model.node(n).id == r.id),
                _ => route.legs.iter().any(|&leg| {
                    model
                        .leg(leg)
                        .fleet
                        .is_some_and(|(f, _)| model.fleet(f).id == r.id)
                }),
            };
            let binding = resources
                .iter()
                .filter(on_route)
                .filter_map(|r| r.saturates_at_demand_x.map(|x| (r, x)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            RouteBinding {
                route: route.id.clone(),
                binding: binding.map(|(r, _)| (r.kind.clone(), r.id.clone())),
                saturates_at_demand_x: binding.map(|(_, x)| x),
            }
        })
        .collect();
    CapacityPeriod {
        from_day,
        to_day,
        resources,
        routes,
    }
}
