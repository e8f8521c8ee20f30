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

use super::kpi::{
    AcrossReplications, DISRUPTION_KPIS, FLEET_KPIS, FLOW_KPIS, KpiColumns, KpiSummary, NODE_KPIS,
    ROUTE_KPIS, STAGE_KPIS, TARGET_KPIS, stage_ids,
};
use super::replication::ReplicationStats;
use crate::base::accumulators::{Histogram, Welford};
use crate::base::estimate::Estimate;
use crate::base::time::HOURS_PER_DAY;
use crate::model::{Model, NodeKind, Target, VehicleKind};

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

/// Accumulates replications, in order, into a [`Summary`].
///
/// The per-replication figures are the KPI columns of [`KpiColumns`]: they are computed in one
/// place ([`KpiColumns::row`]) and summarised over replications by [`AcrossReplications`]; the
/// builder adds what is not a column (pooled distributions, event counts, conservation) and reads
/// the entity summaries out of the columns. Memory does not grow with the replications.
#[derive(Clone, Debug)]
pub struct SummaryBuilder {
    replications: u64,
    events: u64,
    window_h: f64,
    across: AcrossReplications,
    /// Per node, the queue waits of every replication merged.
    wait_pooled: Vec<Histogram>,
    /// Per route, the end-to-end times of every replication merged.
    transit_pooled: Vec<Histogram>,
    conservation: ConservationSummary,
    row: Vec<Option<f64>>,
}

impl SummaryBuilder {
    /// An empty builder for `model`.
    pub fn new(model: &Model) -> SummaryBuilder {
        SummaryBuilder {
            replications: 0,
            events: 0,
            window_h: model.settings.horizon.since(model.settings.warmup),
            across: AcrossReplications::new(KpiColumns::new(model)),
            wait_pooled: vec![Histogram::new(); model.nodes.len()],
            transit_pooled: vec![Histogram::new(); model.routes.len()],
            conservation: ConservationSummary {
                holds_in_every_replication: true,
                failed_replications: Vec::new(),
                generated_teu: 0,
                delivered_teu: 0,
                in_system_teu: 0,
                aboard_teu: 0,
                refused_teu: 0,
            },
            row: Vec::new(),
        }
    }

    /// The KPI columns.
    pub fn columns(&self) -> &KpiColumns {
        self.across.columns()
    }

    /// Adds one replication's statistics.
    pub fn add(&mut self, model: &Model, rep: &ReplicationStats) {
        let mut row = std::mem::take(&mut self.row);
        self.across.columns().row(model, rep, &mut row);
        self.add_with_row(rep, &row);
        self.row = row;
    }

    /// Adds one replication's statistics whose KPI row (from [`KpiColumns::row`]) is already
    /// computed.
    pub fn add_with_row(&mut self, rep: &ReplicationStats, row: &[Option<f64>]) {
        self.replications += 1;
        self.events += rep.events;
        self.across.add(row);
        for (pooled, node) in self.wait_pooled.iter_mut().zip(&rep.nodes) {
            pooled.merge(&node.wait_hist);
        }
        for (pooled, route) in self.transit_pooled.iter_mut().zip(&rep.routes) {
            pooled.merge(&route.transit_hist);
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

    /// Every KPI column summarised across replications.
    pub fn kpis(&self) -> Vec<KpiSummary> {
        self.across.finish()
    }

    /// Per route, the end-to-end times of every TEU delivered in any replication's window.
    pub fn transit_pooled(&self) -> &[Histogram] {
        &self.transit_pooled
    }

    /// The summary of everything added so far.
    pub fn finish(&self, model: &Model) -> Summary {
        // The columns come in the fixed order of `KpiColumns::new`; read them in that order.
        let moments = self.across.moments();
        let mut next = 0;
        let mut take = |count: usize| {
            let group = &moments[next..next + count];
            next += count;
            group
        };
        let est = Estimate::from_welford;
        let nodes = model
            .nodes
            .iter()
            .zip(&self.wait_pooled)
            .map(|(node, wait_pooled)| {
                let k = take(NODE_KPIS.len());
                NodeSummary {
                    id: node.id.clone(),
                    name: node.name.clone(),
                    kind: node.kind,
                    servers: node.servers,
                    yard_capacity_teu: node.yard_capacity_teu,
                    berths: node.berths,
                    arrivals_per_day: est(&k[0]),
                    wait_mean_h: est(&k[1]),
                    wait_p50_h: est(&k[2]),
                    wait_p95_h: est(&k[3]),
                    wait_p50_pooled_h: wait_pooled.quantile(0.5),
                    wait_p95_pooled_h: wait_pooled.quantile(0.95),
                    service_mean_h: est(&k[4]),
                    blocked_mean_h: est(&k[5]),
                    dispatch_mean_h: est(&k[6]),
                    sojourn_mean_h: est(&k[7]),
                    utilization: est(&k[8]),
                    busy_servers_mean: est(&k[9]),
                    blocked_servers_mean: est(&k[10]),
                    queue_mean: est(&k[11]),
                    queue_max: est(&k[12]),
                    in_node_mean: est(&k[13]),
                    yard_mean_teu: est(&k[14]),
                    yard_max_teu: est(&k[15]),
                }
            })
            .collect();
        let route_columns: Vec<&[Welford]> = model
            .routes
            .iter()
            .map(|_| take(ROUTE_KPIS.len()))
            .collect();
        let stage_columns: Vec<Vec<&[Welford]>> = model
            .routes
            .iter()
            .map(|route| {
                (0..2 * route.nodes.len() - 1)
                    .map(|_| take(STAGE_KPIS.len()))
                    .collect()
            })
            .collect();
        let routes = model
            .routes
            .iter()
            .zip(route_columns)
            .zip(stage_columns)
            .zip(&self.transit_pooled)
            .map(|(((route, k), stage_columns), transit_pooled)| {
                let stages = stage_ids(model, route)
                    .into_iter()
                    .zip(stage_columns)
                    .enumerate()
                    .map(|(i, (id, s))| StageSummary {
                        kind: if i % 2 == 0 { "node" } else { "leg" }.to_string(),
                        id,
                        wait_h: est(&s[0]),
                        service_h: est(&s[1]),
                        blocked_h: est(&s[2]),
                        dispatch_h: est(&s[3]),
                    })
                    .collect();
                let per_year = {
                    let mut scaled = k[1];
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
                    delivered_teu: est(&k[0]),
                    throughput_teu_per_day: est(&k[1]),
                    throughput_teu_per_year: est(&per_year),
                    transit_mean_h: est(&k[2]),
                    transit_p50_h: est(&k[3]),
                    transit_p95_h: est(&k[4]),
                    transit_p50_pooled_h: transit_pooled.quantile(0.5),
                    transit_p95_pooled_h: transit_pooled.quantile(0.95),
                    stages,
                }
            })
            .collect();
        let flows = model
            .flows
            .iter()
            .map(|flow| {
                let k = take(FLOW_KPIS.len());
                FlowSummary {
                    id: flow.id.clone(),
                    generated_teu: est(&k[0]),
                    refused_teu: est(&k[1]),
                }
            })
            .collect();
        let fleets = model
            .fleets
            .iter()
            .map(|fleet| {
                let k = take(FLEET_KPIS.len());
                FleetSummary {
                    id: fleet.id.clone(),
                    kind: fleet.kind,
                    vehicles: fleet.vehicles,
                    capacity_teu: fleet.capacity_teu,
                    max_load_teu: fleet.max_load_teu,
                    departures: est(&k[0]),
                    teu_per_year: est(&k[1]),
                    mean_load_teu: est(&k[2]),
                    achieved_load_factor: est(&k[3]),
                    utilization: est(&k[4]),
                    cargo_wait_mean_h: est(&k[5]),
                    berth_wait_mean_h: est(&k[6]),
                    back_teu: est(&k[7]),
                    missed_slots: est(&k[8]),
                }
            })
            .collect();
        let targets = model
            .disruption_targets()
            .into_iter()
            .map(|target| {
                let k = take(TARGET_KPIS.len());
                TargetSummary {
                    kind: match target {
                        Target::Node(_) => "node",
                        Target::Leg(_) => "leg",
                    }
                    .to_string(),
                    id: model.target_name(target).to_string(),
                    closed_h: est(&k[0]),
                    slowed_h: est(&k[1]),
                }
            })
            .collect();
        let disruptions = model
            .disruptions
            .iter()
            .filter(|disruption| disruption.logged)
            .map(|disruption| {
                let k = take(DISRUPTION_KPIS.len());
                DisruptionSummary {
                    id: disruption.id.clone(),
                    episodes: est(&k[0]),
                    duration_mean_h: est(&k[1]),
                }
            })
            .collect();
        debug_assert_eq!(next, moments.len(), "every KPI column is read once");
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
