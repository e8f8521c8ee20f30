//! Offered load: for every node with a limited number of servers and every fleet, the mean
//! work that arrives per hour against the mean work it can do per hour, from the model alone
//! (before anything runs).
//!
//! A load at or above 1 means the queue in front of that place grows without bound over a long
//! run: such a scenario has no steady state, and its waiting times grow with the horizon. The
//! CLI warns about every such place before it simulates; the engine's cargo bound
//! (`[scenario] max_in_system`) names the place from this table when a replication piles up.
//!
//! Figures (all yearly means, so seasonal peaks can overload a place whose mean load is below 1):
//! - a node: consignments arriving per hour `λ` (every flow's rate times the share of its routes
//!   through the node) against `servers × availability / mean service time`, where availability
//!   is the share of the day it is open under its operating hours times, for each random
//!   disruption acting on it, `1 − p (1 − capacity_factor)` with `p = min(1, starts per hour ×
//!   mean duration)`;
//! - a fleet: TEU per hour to carry in its busier direction against `vehicles × most TEU per
//!   vehicle / mean round trip` (load, voyage, unload, and the trip back with its own load and
//!   unload when it has a return leg), and for a scheduled fleet also against one vehicle load
//!   per weekly slot.

use super::{DeparturePolicy, Direction, Dist, FleetId, Model, NodeId, Target, Timing};
use crate::base::number::compact;
use crate::base::time::HOURS_PER_DAY;

/// Where a load applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A node with a limited number of servers.
    Node(NodeId),
    /// A fleet.
    Fleet(FleetId),
}

/// The offered load of one place.
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    /// The node or fleet.
    pub place: Place,
    /// What arrives per hour (consignments at a node, TEU for a fleet).
    pub arrivals_per_h: f64,
    /// What it can handle per hour, in the same unit.
    pub capacity_per_h: f64,
}

impl Load {
    /// Arrivals over capacity (infinite when the capacity is 0).
    pub fn load(&self) -> f64 {
        if self.capacity_per_h > 0.0 {
            self.arrivals_per_h / self.capacity_per_h
        } else {
            f64::INFINITY
        }
    }

    /// Whether the queue in front of it grows without bound on average (load at least 1).
    pub fn overloaded(&self) -> bool {
        self.arrivals_per_h > 0.0 && self.load() >= 1.0
    }

    /// `node "x"` or `fleet "y"`.
    pub fn name(&self, model: &Model) -> String {
        match self.place {
            Place::Node(node) => format!("node \"{}\"", model.node(node).id),
            Place::Fleet(fleet) => format!("fleet \"{}\"", model.fleet(fleet).id),
        }
    }

    /// The figures in words, such as `offered load 2.33: 12.3 consignments/h arrive, capacity
    /// 5.28/h`.
    pub fn describe(&self, model: &Model) -> String {
        let unit = match self.place {
            Place::Node(_) => "consignments",
            Place::Fleet(_) => "TEU",
        };
        format!(
            "{} has an offered load of {}: {} {unit}/h arrive, capacity {} {unit}/h",
            self.name(model),
            compact(self.load()),
            compact(self.arrivals_per_h),
            compact(self.capacity_per_h)
        )
    }
}

/// Every node with limited servers and every fleet, with its offered load, in model order
/// (nodes first).
pub fn offered_loads(model: &Model) -> Vec<Load> {
    let mut node_rate = vec![0.0; model.nodes.len()];
    let mut leg_teu = vec![0.0; model.legs.len()];
    for flow in &model.flows {
        let per_h = flow.mean_arrivals_per_hour();
        let teu = f64::from(flow.arrival.teu_per_arrival());
        for (route, share) in &flow.routes {
            let route = model.route(*route);
            for node in &route.nodes {
                node_rate[node.index()] += per_h * share;
            }
            for leg in &route.legs {
                leg_teu[leg.index()] += per_h * share * teu;
            }
        }
    }
    let mut loads = Vec::new();
    for (i, node) in model.nodes.iter().enumerate() {
        let (Some(servers), mean) = (node.servers, node.service.mean()) else {
            continue;
        };
        if mean <= 0.0 {
            continue;
        }
        let availability = availability(model, Target::Node(NodeId(i as u32)));
        loads.push(Load {
            place: Place::Node(NodeId(i as u32)),
            arrivals_per_h: node_rate[i],
            capacity_per_h: f64::from(servers) * availability / mean,
        });
    }
    for (i, fleet) in model.fleets.iter().enumerate() {
        let out = model.leg(fleet.leg);
        let mut teu_per_h = leg_teu[fleet.leg.index()];
        if let Some(back) = fleet.return_leg {
            teu_per_h = teu_per_h.max(leg_teu[back.index()]);
        }
        // Every class counts as in service all the time (a class entering later overstates).
        let mut capacity_per_h = 0.0;
        for class in &fleet.classes {
            let trip_h = |leg_mean_h: f64| {
                class
                    .transit
                    .as_ref()
                    .map_or_else(|| class.trip_h(leg_mean_h), Dist::mean)
            };
            let mut cycle_h =
                class.load_time.mean() + trip_h(out.transit.mean()) + class.unload_time.mean();
            match fleet.return_leg {
                Some(back) => {
                    cycle_h += class.load_time.mean()
                        + trip_h(model.leg(back).transit.mean())
                        + class.unload_time.mean();
                }
                None => cycle_h += trip_h(fleet.return_time.mean()),
            }
            capacity_per_h += if cycle_h > 0.0 {
                f64::from(class.vehicles) * f64::from(class.max_load_teu) / cycle_h
            } else {
                f64::INFINITY
            };
        }
        let per_vehicle = f64::from(fleet.max_load_teu());
        if let DeparturePolicy::Schedule { slots_h } = &fleet.policy {
            let per_week = slots_h.len() as f64 * per_vehicle;
            capacity_per_h = capacity_per_h.min(per_week / (7.0 * HOURS_PER_DAY));
        }
        debug_assert!(matches!(out.fleet, Some((_, Direction::Out))));
        loads.push(Load {
            place: Place::Fleet(FleetId(i as u32)),
            arrivals_per_h: teu_per_h,
            capacity_per_h,
        });
    }
    loads
}

/// Mean share of its capacity a node or leg keeps under its operating hours and random
/// disruptions.
fn availability(model: &Model, target: Target) -> f64 {
    let mut share = 1.0;
    for disruption in model
        .disruptions
        .iter()
        .filter(|d| d.targets.contains(&target))
    {
        let lost = match &disruption.timing {
            Timing::Daily { closed_min, .. } => f64::from(*closed_min) / (24.0 * 60.0),
            Timing::Random { rate_per_h, .. } => {
                let mean_rate = rate_per_h.iter().sum::<f64>() / 12.0;
                (mean_rate * disruption.duration.mean()).min(1.0)
                    * (1.0 - disruption.capacity_factor)
            }
            Timing::Scheduled { .. } => 0.0,
        };
        share *= 1.0 - lost;
    }
    share
}
