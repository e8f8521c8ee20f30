//! Summaries across replications.
//!
//! Every key figure (KPI) is first computed per replication, then summarised over replications
//! as an [`Estimate`]: mean, sample standard deviation and a two-sided 95% confidence interval
//! for the mean from Student's t distribution with `n - 1` degrees of freedom (replications are
//! independent and identically distributed, so this is the textbook interval; Law, *Simulation
//! Modeling and Analysis*, 5th ed., section 9.4.1). Distributions of times (waits, transit) are
//! also pooled over replications by merging histograms.
//!
//! [`SummaryBuilder`] takes replications one at a time, in replication order, so memory does not
//! grow with the number of replications.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::accumulators::{Histogram, Welford};
use super::replication::ReplicationStats;
use crate::engine::time::HOURS_PER_DAY;
use crate::model::{Model, NodeKind, Target, VehicleKind};

/// Confidence level of every interval in a summary.
pub const CONFIDENCE: f64 = 0.95;

/// A KPI summarised over replications.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Replications that produced a value.
    pub n: u64,
    /// Mean over replications.
    pub mean: f64,
    /// Sample standard deviation over replications (0 with one replication).
    pub sd: f64,
    /// Half-width of the 95% confidence interval of the mean (`null` with one replication).
    pub half_width: Option<f64>,
}

impl Estimate {
    /// Summarises the per-replication values accumulated in `acc`.
    pub fn from_welford(acc: &Welford) -> Option<Estimate> {
        let mean = acc.mean()?;
        let n = acc.weight.round() as u64;
        let sd = acc.sd().unwrap_or(0.0);
        Some(Estimate {
            n,
            mean,
            sd,
            half_width: (n >= 2).then(|| half_width(sd, n)),
        })
    }

    /// Lower end of the 95% confidence interval, if there is one.
    pub fn low(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean - h)
    }

    /// Upper end of the 95% confidence interval, if there is one.
    pub fn high(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean + h)
    }
}

/// Student-t critical value for a two-sided interval at `confidence` with `df` degrees of freedom.
pub fn t_critical(confidence: f64, df: u64) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    let t = StudentsT::new(0.0, 1.0, df as f64).expect("df > 0 is a valid parameter");
    t.inverse_cdf(0.5 + confidence / 2.0)
}

/// Half-width of the 95% confidence interval of a mean of `n` values with sample sd `sd`.
pub fn half_width(sd: f64, n: u64) -> f64 {
    if n < 2 {
        return f64::INFINITY;
    }
    t_critical(CONFIDENCE, n - 1) * sd / (n as f64).sqrt()
}

/// Per-node results across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeSummary {
    /// Node id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub kind: NodeKind,
    /// Servers (`null` = unlimited).
    pub servers: Option<u32>,
    /// Yard capacity, TEU (`null` = unlimited).
    pub yard_capacity_teu: Option<u64>,
    /// Vessel berths (`null` = unlimited).
    pub berths: Option<u32>,
    /// Consignments arriving per day.
    pub arrivals_per_day: Option<Estimate>,
    /// Mean queue wait before service, hours.
    pub wait_mean_h: Option<Estimate>,
    /// Median queue wait, hours (per replication, then averaged).
    pub wait_p50_h: Option<Estimate>,
    /// 95th percentile of the queue wait, hours (per replication, then averaged).
    pub wait_p95_h: Option<Estimate>,
    /// Median queue wait over all replications pooled, hours.
    pub wait_p50_pooled_h: Option<f64>,
    /// 95th percentile of the queue wait over all replications pooled, hours.
    pub wait_p95_pooled_h: Option<f64>,
    /// Mean service time, hours.
    pub service_mean_h: Option<Estimate>,
    /// Mean time held by a full next node, hours per departure.
    pub blocked_mean_h: Option<Estimate>,
    /// Mean time waiting for a vehicle of the next leg's fleet to leave, hours per departure.
    pub dispatch_mean_h: Option<Estimate>,
    /// Mean time at the node from arrival to departure, hours.
    pub sojourn_mean_h: Option<Estimate>,
    /// Fraction of server capacity spent serving (`null` for unlimited servers).
    pub utilization: Option<Estimate>,
    /// Mean number of servers busy serving.
    pub busy_servers_mean: Option<Estimate>,
    /// Mean number of servers held by blocked cargo.
    pub blocked_servers_mean: Option<Estimate>,
    /// Time-average number of consignments waiting for a server.
    pub queue_mean: Option<Estimate>,
    /// Largest queue seen in the window.
    pub queue_max: Option<Estimate>,
    /// Time-average number of consignments at the node.
    pub in_node_mean: Option<Estimate>,
    /// Time-average TEU at the node.
    pub yard_mean_teu: Option<Estimate>,
    /// Largest TEU at the node in the window.
    pub yard_max_teu: Option<Estimate>,
}

/// One stage of a route: where the hours go.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StageSummary {
    /// `node` or `leg`.
    pub kind: String,
    /// Node id, or `from->to` for a leg.
    pub id: String,
    /// Mean queue wait at the node, hours per TEU.
    pub wait_h: Option<Estimate>,
    /// Mean service (node) or travel (leg) time, hours per TEU.
    pub service_h: Option<Estimate>,
    /// Mean time held by a full next node or closed next leg, hours per TEU.
    pub blocked_h: Option<Estimate>,
    /// Mean time waiting for a vehicle of the next leg's fleet to leave, hours per TEU.
    pub dispatch_h: Option<Estimate>,
}

/// Per-route results across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteSummary {
    /// Route id.
    pub id: String,
    /// Node ids in order.
    pub nodes: Vec<String>,
    /// TEU delivered in the window.
    pub delivered_teu: Option<Estimate>,
    /// Throughput, TEU per day.
    pub throughput_teu_per_day: Option<Estimate>,
    /// Throughput, TEU per 365-day year.
    pub throughput_teu_per_year: Option<Estimate>,
    /// Mean end-to-end time, hours per TEU.
    pub transit_mean_h: Option<Estimate>,
    /// Median end-to-end time, hours (per replication, then averaged).
    pub transit_p50_h: Option<Estimate>,
    /// 95th percentile of the end-to-end time, hours (per replication, then averaged).
    pub transit_p95_h: Option<Estimate>,
    /// Median end-to-end time over all replications pooled, hours.
    pub transit_p50_pooled_h: Option<f64>,
    /// 95th percentile of the end-to-end time over all replications pooled, hours.
    pub transit_p95_pooled_h: Option<f64>,
    /// Where the hours go, stage by stage.
    pub stages: Vec<StageSummary>,
}

/// Per-flow results across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FlowSummary {
    /// Flow id.
    pub id: String,
    /// TEU generated in the window.
    pub generated_teu: Option<Estimate>,
    /// TEU refused at entry in the window.
    pub refused_teu: Option<Estimate>,
}

/// Per-fleet results across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FleetSummary {
    /// The id of the leg the fleet serves.
    pub id: String,
    /// Vessels or trains.
    pub kind: VehicleKind,
    /// Number of vehicles.
    pub vehicles: u32,
    /// Nominal capacity per vehicle, TEU.
    pub capacity_teu: u32,
    /// Most TEU a vehicle carries (capacity times load factor).
    pub max_load_teu: u32,
    /// Departures from home in the window.
    pub departures: Option<Estimate>,
    /// TEU carried out from home per 365-day year.
    pub teu_per_year: Option<Estimate>,
    /// Mean TEU per departure.
    pub mean_load_teu: Option<Estimate>,
    /// TEU carried / (departures x nominal capacity).
    pub achieved_load_factor: Option<Estimate>,
    /// Share of vehicle time away from home (travelling, at the far end, returning).
    pub utilization: Option<Estimate>,
    /// Mean wait of cargo for its vehicle to leave, hours per TEU.
    pub cargo_wait_mean_h: Option<Estimate>,
    /// Mean wait of a loaded vehicle for a berth or an open port before unloading, hours.
    pub berth_wait_mean_h: Option<Estimate>,
    /// TEU carried back home on the return leg in the window.
    pub back_teu: Option<Estimate>,
    /// Weekly slots missed (scheduled fleets).
    pub missed_slots: Option<Estimate>,
}

/// Closure time of one disruption target across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetSummary {
    /// `node` or `leg`.
    pub kind: String,
    /// Node or leg id.
    pub id: String,
    /// Hours closed in the window.
    pub closed_h: Option<Estimate>,
    /// Hours slowed (open below full capacity) in the window.
    pub slowed_h: Option<Estimate>,
}

/// Episodes of one logged disruption across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DisruptionSummary {
    /// Disruption id.
    pub id: String,
    /// Episodes started per replication (whole run).
    pub episodes: Option<Estimate>,
    /// Mean episode length, hours.
    pub duration_mean_h: Option<Estimate>,
}

/// TEU conservation over all replications (whole runs, warm-up included).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConservationSummary {
    /// Whether generated = delivered + in system + refused held in every replication.
    pub holds_in_every_replication: bool,
    /// Replications where it failed (should be empty).
    pub failed_replications: Vec<u64>,
    /// Sum over replications of TEU generated.
    pub generated_teu: u64,
    /// Sum over replications of TEU delivered.
    pub delivered_teu: u64,
    /// Sum over replications of TEU still in the system at the horizon.
    pub in_system_teu: u64,
    /// Of which aboard vehicles that had left their origin.
    pub aboard_teu: u64,
    /// Sum over replications of TEU refused.
    pub refused_teu: u64,
}

/// Results of a run across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// Replications summarised.
    pub replications: u64,
    /// Events processed, summed over replications.
    pub events: u64,
    /// Statistics window per replication, days.
    pub window_days: f64,
    /// Per node, in scenario order.
    pub nodes: Vec<NodeSummary>,
    /// Per route, in scenario order.
    pub routes: Vec<RouteSummary>,
    /// Per flow, in scenario order.
    pub flows: Vec<FlowSummary>,
    /// Per fleet, in scenario order.
    pub fleets: Vec<FleetSummary>,
    /// Per disruption target (nodes, then legs).
    pub targets: Vec<TargetSummary>,
    /// Per logged disruption, in scenario order.
    pub disruptions: Vec<DisruptionSummary>,
    /// TEU conservation.
    pub conservation: ConservationSummary,
}

#[derive(Clone, Debug, Default)]
struct NodeAcc {
    arrivals_per_day: Welford,
    wait_mean: Welford,
    wait_p50: Welford,
    wait_p95: Welford,
    wait_pooled: Histogram,
    service_mean: Welford,
    blocked_mean: Welford,
    dispatch_mean: Welford,
    sojourn_mean: Welford,
    utilization: Welford,
    busy: Welford,
    blocked_servers: Welford,
    queue_mean: Welford,
    queue_max: Welford,
    in_node_mean: Welford,
    yard_mean: Welford,
    yard_max: Welford,
}

#[derive(Clone, Debug, Default)]
struct StageAcc {
    wait: Welford,
    service: Welford,
    blocked: Welford,
    dispatch: Welford,
}

#[derive(Clone, Debug, Default)]
struct FleetAcc {
    departures: Welford,
    teu_per_year: Welford,
    mean_load: Welford,
    load_factor: Welford,
    utilization: Welford,
    cargo_wait: Welford,
    berth_wait: Welford,
    back_teu: Welford,
    missed_slots: Welford,
}

#[derive(Clone, Debug, Default)]
struct TargetAcc {
    closed_h: Welford,
    slowed_h: Welford,
}

#[derive(Clone, Debug, Default)]
struct DisruptionAcc {
    episodes: Welford,
    duration: Welford,
}

#[derive(Clone, Debug, Default)]
struct RouteAcc {
    delivered_teu: Welford,
    throughput_per_day: Welford,
    transit_mean: Welford,
    transit_p50: Welford,
    transit_p95: Welford,
    transit_pooled: Histogram,
    stages: Vec<StageAcc>,
}

#[derive(Clone, Debug, Default)]
struct FlowAcc {
    generated: Welford,
    refused: Welford,
}

/// Adds `value` to `acc` when it exists.
fn add_opt(acc: &mut Welford, value: Option<f64>) {
    if let Some(value) = value {
        acc.add(value);
    }
}

/// Accumulates replications, in order, into a [`Summary`].
#[derive(Clone, Debug)]
pub struct SummaryBuilder {
    replications: u64,
    events: u64,
    window_h: f64,
    nodes: Vec<NodeAcc>,
    routes: Vec<RouteAcc>,
    flows: Vec<FlowAcc>,
    fleets: Vec<FleetAcc>,
    targets: Vec<TargetAcc>,
    disruptions: Vec<DisruptionAcc>,
    conservation: ConservationSummary,
}

impl SummaryBuilder {
    /// An empty builder for `model`.
    pub fn new(model: &Model) -> SummaryBuilder {
        SummaryBuilder {
            replications: 0,
            events: 0,
            window_h: model.settings.horizon.since(model.settings.warmup),
            nodes: vec![NodeAcc::default(); model.nodes.len()],
            routes: model
                .routes
                .iter()
                .map(|route| RouteAcc {
                    stages: vec![StageAcc::default(); 2 * route.nodes.len() - 1],
                    ..RouteAcc::default()
                })
                .collect(),
            flows: vec![FlowAcc::default(); model.flows.len()],
            fleets: vec![FleetAcc::default(); model.fleets.len()],
            targets: vec![TargetAcc::default(); model.disruption_targets().len()],
            disruptions: vec![DisruptionAcc::default(); model.disruptions.len()],
            conservation: ConservationSummary {
                holds_in_every_replication: true,
                failed_replications: Vec::new(),
                generated_teu: 0,
                delivered_teu: 0,
                in_system_teu: 0,
                aboard_teu: 0,
                refused_teu: 0,
            },
        }
    }

    /// Adds one replication's statistics.
    pub fn add(&mut self, model: &Model, rep: &ReplicationStats) {
        self.replications += 1;
        self.events += rep.events;
        let window_days = rep.window_h / HOURS_PER_DAY;
        for ((acc, stats), node) in self.nodes.iter_mut().zip(&rep.nodes).zip(&model.nodes) {
            acc.arrivals_per_day
                .add(stats.arrivals as f64 / window_days);
            add_opt(&mut acc.wait_mean, stats.wait_h.mean());
            add_opt(&mut acc.wait_p50, stats.wait_hist.quantile(0.5));
            add_opt(&mut acc.wait_p95, stats.wait_hist.quantile(0.95));
            acc.wait_pooled.merge(&stats.wait_hist);
            add_opt(&mut acc.service_mean, stats.service_h.mean());
            add_opt(&mut acc.blocked_mean, stats.blocked_h.mean());
            add_opt(&mut acc.dispatch_mean, stats.dispatch_h.mean());
            add_opt(&mut acc.sojourn_mean, stats.sojourn_h.mean());
            if let Some(servers) = node.servers {
                acc.utilization.add(stats.busy.mean() / f64::from(servers));
            }
            acc.busy.add(stats.busy.mean());
            acc.blocked_servers.add(stats.blocked.mean());
            acc.queue_mean.add(stats.queue.mean());
            acc.queue_max.add(stats.queue.max);
            acc.in_node_mean.add(stats.in_node.mean());
            acc.yard_mean.add(stats.yard_teu.mean());
            acc.yard_max.add(stats.yard_teu.max);
        }
        for (acc, stats) in self.routes.iter_mut().zip(&rep.routes) {
            acc.delivered_teu.add(stats.delivered_teu as f64);
            acc.throughput_per_day
                .add(stats.delivered_teu as f64 / window_days);
            add_opt(&mut acc.transit_mean, stats.transit_h.mean());
            add_opt(&mut acc.transit_p50, stats.transit_hist.quantile(0.5));
            add_opt(&mut acc.transit_p95, stats.transit_hist.quantile(0.95));
            acc.transit_pooled.merge(&stats.transit_hist);
            for (stage_acc, stage) in acc.stages.iter_mut().zip(&stats.stages) {
                add_opt(&mut stage_acc.wait, stage.wait_h.mean());
                add_opt(&mut stage_acc.service, stage.service_h.mean());
                add_opt(&mut stage_acc.blocked, stage.blocked_h.mean());
                add_opt(&mut stage_acc.dispatch, stage.dispatch_h.mean());
            }
        }
        for (acc, stats) in self.flows.iter_mut().zip(&rep.flows) {
            acc.generated.add(stats.generated_teu as f64);
            acc.refused.add(stats.refused_teu as f64);
        }
        for ((acc, stats), fleet) in self.fleets.iter_mut().zip(&rep.fleets).zip(&model.fleets) {
            acc.departures.add(stats.departures as f64);
            acc.teu_per_year
                .add(stats.departed_teu as f64 / window_days * 365.0);
            add_opt(&mut acc.mean_load, stats.load_teu.mean());
            if stats.departures > 0 {
                acc.load_factor.add(
                    stats.departed_teu as f64
                        / (stats.departures as f64 * f64::from(fleet.capacity_teu)),
                );
            }
            acc.utilization
                .add(stats.away.mean() / f64::from(fleet.vehicles));
            add_opt(&mut acc.cargo_wait, stats.cargo_wait_h.mean());
            add_opt(&mut acc.berth_wait, stats.berth_wait_h.mean());
            acc.back_teu.add(stats.back_teu as f64);
            acc.missed_slots.add(stats.missed_slots as f64);
        }
        for (acc, stats) in self.targets.iter_mut().zip(&rep.targets) {
            acc.closed_h.add(stats.closed.mean() * rep.window_h);
            acc.slowed_h.add(stats.slowed.mean() * rep.window_h);
        }
        let mut episodes = vec![Welford::default(); self.disruptions.len()];
        for record in &rep.disruption_log {
            episodes[record.disruption as usize].add(record.end_h - record.start_h);
        }
        for (acc, durations) in self.disruptions.iter_mut().zip(episodes) {
            acc.episodes.add(durations.weight);
            add_opt(&mut acc.duration, durations.mean());
        }
        let conservation = &rep.conservation;
        if !conservation.holds() {
            self.conservation.holds_in_every_replication = false;
            self.conservation.failed_replications.push(rep.replication);
        }
        self.conservation.generated_teu += conservation.generated_teu;
        self.conservation.delivered_teu += conservation.delivered_teu;
        self.conservation.in_system_teu += conservation.in_system_teu();
        self.conservation.aboard_teu += conservation.aboard_teu;
        self.conservation.refused_teu += conservation.refused_teu;
    }

    /// The summary of everything added so far.
    pub fn finish(&self, model: &Model) -> Summary {
        let est = Estimate::from_welford;
        let nodes = self
            .nodes
            .iter()
            .zip(&model.nodes)
            .map(|(acc, node)| NodeSummary {
                id: node.id.clone(),
                name: node.name.clone(),
                kind: node.kind,
                servers: node.servers,
                yard_capacity_teu: node.yard_capacity_teu,
                berths: node.berths,
                arrivals_per_day: est(&acc.arrivals_per_day),
                wait_mean_h: est(&acc.wait_mean),
                wait_p50_h: est(&acc.wait_p50),
                wait_p95_h: est(&acc.wait_p95),
                wait_p50_pooled_h: acc.wait_pooled.quantile(0.5),
                wait_p95_pooled_h: acc.wait_pooled.quantile(0.95),
                service_mean_h: est(&acc.service_mean),
                blocked_mean_h: est(&acc.blocked_mean),
                dispatch_mean_h: est(&acc.dispatch_mean),
                sojourn_mean_h: est(&acc.sojourn_mean),
                utilization: est(&acc.utilization),
                busy_servers_mean: est(&acc.busy),
                blocked_servers_mean: est(&acc.blocked_servers),
                queue_mean: est(&acc.queue_mean),
                queue_max: est(&acc.queue_max),
                in_node_mean: est(&acc.in_node_mean),
                yard_mean_teu: est(&acc.yard_mean),
                yard_max_teu: est(&acc.yard_max),
            })
            .collect();
        let routes = self
            .routes
            .iter()
            .zip(&model.routes)
            .map(|(acc, route)| {
                let stages = acc
                    .stages
                    .iter()
                    .enumerate()
                    .map(|(i, stage)| {
                        let (kind, id) = if i % 2 == 0 {
                            ("node", model.node(route.nodes[i / 2]).id.clone())
                        } else {
                            ("leg", model.leg(route.legs[i / 2]).id.clone())
                        };
                        StageSummary {
                            kind: kind.to_string(),
                            id,
                            wait_h: est(&stage.wait),
                            service_h: est(&stage.service),
                            blocked_h: est(&stage.blocked),
                            dispatch_h: est(&stage.dispatch),
                        }
                    })
                    .collect();
                let per_year = {
                    let mut scaled = acc.throughput_per_day;
                    scaled.mean *= 365.0;
                    scaled.m2 *= 365.0 * 365.0;
                    scaled
                };
                RouteSummary {
                    id: route.id.clone(),
                    nodes: route
                        .nodes
                        .iter()
                        .map(|n| model.node(*n).id.clone())
                        .collect(),
                    delivered_teu: est(&acc.delivered_teu),
                    throughput_teu_per_day: est(&acc.throughput_per_day),
                    throughput_teu_per_year: est(&per_year),
                    transit_mean_h: est(&acc.transit_mean),
                    transit_p50_h: est(&acc.transit_p50),
                    transit_p95_h: est(&acc.transit_p95),
                    transit_p50_pooled_h: acc.transit_pooled.quantile(0.5),
                    transit_p95_pooled_h: acc.transit_pooled.quantile(0.95),
                    stages,
                }
            })
            .collect();
        let flows = self
            .flows
            .iter()
            .zip(&model.flows)
            .map(|(acc, flow)| FlowSummary {
                id: flow.id.clone(),
                generated_teu: est(&acc.generated),
                refused_teu: est(&acc.refused),
            })
            .collect();
        let fleets = self
            .fleets
            .iter()
            .zip(&model.fleets)
            .map(|(acc, fleet)| FleetSummary {
                id: fleet.id.clone(),
                kind: fleet.kind,
                vehicles: fleet.vehicles,
                capacity_teu: fleet.capacity_teu,
                max_load_teu: fleet.max_load_teu,
                departures: est(&acc.departures),
                teu_per_year: est(&acc.teu_per_year),
                mean_load_teu: est(&acc.mean_load),
                achieved_load_factor: est(&acc.load_factor),
                utilization: est(&acc.utilization),
                cargo_wait_mean_h: est(&acc.cargo_wait),
                berth_wait_mean_h: est(&acc.berth_wait),
                back_teu: est(&acc.back_teu),
                missed_slots: est(&acc.missed_slots),
            })
            .collect();
        let targets = self
            .targets
            .iter()
            .zip(model.disruption_targets())
            .map(|(acc, target)| TargetSummary {
                kind: match target {
                    Target::Node(_) => "node",
                    Target::Leg(_) => "leg",
                }
                .to_string(),
                id: model.target_name(target).to_string(),
                closed_h: est(&acc.closed_h),
                slowed_h: est(&acc.slowed_h),
            })
            .collect();
        let disruptions = self
            .disruptions
            .iter()
            .zip(&model.disruptions)
            .filter(|(_, disruption)| disruption.logged)
            .map(|(acc, disruption)| DisruptionSummary {
                id: disruption.id.clone(),
                episodes: est(&acc.episodes),
                duration_mean_h: est(&acc.duration),
            })
            .collect();
        Summary {
            replications: self.replications,
            events: self.events,
            window_days: self.window_h / HOURS_PER_DAY,
            nodes,
            routes,
            flows,
            fleets,
            targets,
            disruptions,
            conservation: self.conservation.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_critical_matches_tables() {
        // Two-sided 95%: t(0.975; 1) = 12.706, t(0.975; 9) = 2.262, t(0.975; 29) = 2.045.
        assert!((t_critical(0.95, 1) - 12.706).abs() < 1e-3);
        assert!((t_critical(0.95, 9) - 2.262).abs() < 1e-3);
        assert!((t_critical(0.95, 29) - 2.045).abs() < 1e-3);
        assert!(half_width(1.0, 1).is_infinite());
    }
}
