//! Offered load: for every node with a limited number of servers and every fleet, the mean
//! work that arrives per hour against the mean work it can do per hour, from the model alone
//! (before anything runs).
//!
//! A load at or above 1 means the queue in front of that place grows without bound over a long
//! run: such a scenario has no steady state, and its waiting times grow with the horizon. The
//! CLI warns about every such place before it simulates; the engine's cargo bound
//! (`[scenario] max_in_system`) names the place from this table when a replication piles up.
//!
//! Figures (all means over the period, so seasonal peaks can overload a place whose mean load
//! is below 1; [`offered_loads_by_period`] cuts a run at its dated changes, class entries and,
//! for flows that grow, its calendar years):
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
use crate::base::time::{HOURS_PER_DAY, HOURS_PER_YEAR, SimTime};

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

/// Every node with limited servers and every fleet, with its offered load over the whole run as
/// if `model` held throughout (flows at their mean volume over the run, every fleet class in
/// service), in model order (nodes first). [`offered_loads_by_period`] follows the run's dated
/// changes, class entries and yearly volumes instead.
pub fn offered_loads(model: &Model) -> Vec<Load> {
    loads_between(model, SimTime::ZERO, model.settings.horizon, true)
}

/// One stretch of a run with constant inputs to the offered load.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// Its start.
    pub from: SimTime,
    /// Its end (the next period's start, or the horizon).
    pub to: SimTime,
    /// The offered loads in it, as [`offered_loads`] lists them.
    pub loads: Vec<Load>,
}

/// The offered loads period by period: the run cut at every dated change (each period uses the
/// model in force), every fleet class's entry into service (a class counts from its `from`
/// date), and, when a flow's volume changes with time (growth, `teu_by_year`), every calendar
/// year (each flow at its mean volume within the period). A run with none of these is one period
/// equal to [`offered_loads`].
pub fn offered_loads_by_period(model: &Model) -> Vec<Period> {
    let horizon = model.settings.horizon;
    let mut cuts = vec![SimTime::ZERO];
    let models = std::iter::once(model).chain(model.changes.iter().map(|c| &c.model));
    for m in models {
        for class in m.fleets.iter().flat_map(|f| &f.classes) {
            cuts.push(SimTime::from_hours(class.enters_h));
        }
    }
    cuts.extend(model.changes.iter().map(|c| c.at));
    let varying = std::iter::once(model)
        .chain(model.changes.iter().map(|c| &c.model))
        .flat_map(|m| &m.flows)
        .any(|f| f.growth.is_some() || !f.by_year.is_empty());
    if varying {
        for (_, first_day, _) in model.settings.calendar.years(horizon) {
            cuts.push(SimTime::from_hours(first_day * HOURS_PER_DAY));
        }
    }
    cuts.retain(|t| *t < horizon);
    cuts.sort_by(|a, b| a.hours().total_cmp(&b.hours()));
    cuts.dedup();
    let mut periods = Vec::with_capacity(cuts.len());
    for (k, from) in cuts.iter().enumerate() {
        let to = cuts.get(k + 1).copied().unwrap_or(horizon);
        let in_force = model.in_force_at(*from);
        periods.push(Period {
            from: *from,
            to,
            loads: loads_between(in_force, *from, to, false),
        });
    }
    periods
}

/// The loads of `model` over `[from, to)`: flows at their mean volume there; fleet classes
/// counted if in service at `from` (all of them when `every_class`).
pub fn loads_between(model: &Model, from: SimTime, to: SimTime, every_class: bool) -> Vec<Load> {
    let mut node_rate = vec![0.0; model.nodes.len()];
    let mut leg_teu = vec![0.0; model.legs.len()];
    for flow in &model.flows {
        let teu = f64::from(flow.arrival.teu_per_arrival());
        let per_h = flow.mean_volume(from, to) / teu / HOURS_PER_YEAR;
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
        let mut capacity_per_h = 0.0;
        for class in fleet
            .classes
            .iter()
            .filter(|c| every_class || c.enters_h <= from.hours())
        {
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
pub(super) fn availability(model: &Model, target: Target) -> f64 {
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

/// One warning per stretch of the run in which a node or fleet is overloaded (its offered load at
/// least 1 in consecutive periods of [`offered_loads_by_period`]), with the period of the
/// highest load described: `node "x" has an offered load of ...` for a run of one period, `from
/// 2027-01-01 to the horizon, node "x" has ...` otherwise (days instead of dates without a
/// calendar start).
pub fn overload_warnings(model: &Model) -> Vec<String> {
    let periods = offered_loads_by_period(model);
    let Some(first) = periods.first() else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for (i, place) in first.loads.iter().map(|l| l.place).enumerate() {
        let mut k = 0;
        while k < periods.len() {
            let load_in = |p: &Period| p.loads.get(i).filter(|l| l.place == place).cloned();
            if !load_in(&periods[k]).is_some_and(|l| l.overloaded()) {
                k += 1;
                continue;
            }
            let start = k;
            let mut worst: Option<Load> = None;
            while let Some(load) = periods.get(k).and_then(load_in).filter(Load::overloaded) {
                if worst.as_ref().is_none_or(|w| load.load() > w.load()) {
                    worst = Some(load);
                }
                k += 1;
            }
            let worst = worst.expect("at least one overloaded period");
            let text = worst.describe(model);
            warnings.push(if start == 0 && k == periods.len() {
                text
            } else {
                let until = match periods.get(k) {
                    Some(p) => when(model, p.from),
                    None => "the horizon".to_string(),
                };
                format!(
                    "from {} to {until}, {text}",
                    when(model, periods[start].from)
                )
            });
        }
    }
    warnings
}

/// `t` as a date (`2027-01-01`) with a calendar start, else as `day 730`.
fn when(model: &Model, t: SimTime) -> String {
    let day = t.days();
    match model.settings.calendar.date(day.floor() as usize) {
        Some(date) if day.fract() == 0.0 => date.to_string(),
        Some(date) => format!(
            "{date} ({} h into the day)",
            compact((day.fract() * 24.0 * 100.0).round() / 100.0)
        ),
        None => format!("day {}", compact(day)),
    }
}
