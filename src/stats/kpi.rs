//! Key figures per replication as a flat row, and their distribution across replications.
//!
//! [`KpiColumns`] names every per-replication KPI of a model (the columns of `replications.csv`),
//! [`KpiColumns::row`] computes one replication's values (the only place these formulas live),
//! and [`AcrossReplications`] summarises each column over replications: mean, sd and 95% CI
//! (Welford in replication order) plus percentiles from a [`QuantileSketch`] (integer counts,
//! independent of order). [`SummaryBuilder`](super::summary::SummaryBuilder) reads the
//! [`Summary`](super::Summary)'s per-entity estimates out of these columns.

use serde::{Deserialize, Serialize};

use super::replication::ReplicationStats;
use crate::base::Estimate;
use crate::base::accumulators::Welford;
use crate::base::sketch::QuantileSketch;
use crate::base::time::HOURS_PER_DAY;
use crate::model::Model;

/// What a KPI describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// A node.
    Node,
    /// A route.
    Route,
    /// One stage (node visit or leg) of a route.
    Stage,
    /// A flow.
    Flow,
    /// A fleet (vessels or trains of a leg).
    Fleet,
    /// A node or leg that disruptions close or slow.
    Target,
    /// A logged disruption.
    Disruption,
}

impl Scope {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Node => "node",
            Scope::Route => "route",
            Scope::Stage => "stage",
            Scope::Flow => "flow",
            Scope::Fleet => "fleet",
            Scope::Target => "target",
            Scope::Disruption => "disruption",
        }
    }
}

/// One per-replication KPI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KpiColumn {
    /// Entity kind.
    pub scope: Scope,
    /// Entity: node, route or flow id; for a stage `route/index/stage-id`.
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

/// Node KPIs in column order.
pub const NODE_KPIS: [&str; 17] = [
    "arrivals_per_day",
    "wait_mean_h",
    "wait_p50_h",
    "wait_p95_h",
    "service_mean_h",
    "blocked_mean_h",
    "dispatch_mean_h",
    "sojourn_mean_h",
    "utilization",
    "busy_servers_mean",
    "blocked_servers_mean",
    "queue_mean",
    "queue_max",
    "in_node_mean",
    "yard_mean_teu",
    "yard_max_teu",
    "arrived_teu",
];

/// Route KPIs in column order.
pub const ROUTE_KPIS: [&str; 5] = [
    "delivered_teu",
    "throughput_teu_per_day",
    "transit_mean_h",
    "transit_p50_h",
    "transit_p95_h",
];

/// Stage KPIs in column order.
pub const STAGE_KPIS: [&str; 4] = ["wait_h", "service_h", "blocked_h", "dispatch_h"];

/// Flow KPIs in column order.
pub const FLOW_KPIS: [&str; 2] = ["generated_teu", "refused_teu"];

/// Fleet KPIs in column order.
pub const FLEET_KPIS: [&str; 9] = [
    "departures",
    "teu_per_year",
    "mean_load_teu",
    "achieved_load_factor",
    "utilization",
    "cargo_wait_mean_h",
    "berth_wait_mean_h",
    "back_teu",
    "missed_slots",
];

/// Disruption-target KPIs in column order.
pub const TARGET_KPIS: [&str; 2] = ["closed_h", "slowed_h"];

/// Logged-disruption KPIs in column order.
pub const DISRUPTION_KPIS: [&str; 2] = ["episodes", "duration_mean_h"];

/// The per-replication KPIs of a model, in a fixed order: nodes, routes, stages, flows, fleets,
/// disruption targets, logged disruptions, each in scenario order.
#[derive(Clone, Debug)]
pub struct KpiColumns {
    columns: Vec<KpiColumn>,
}

impl KpiColumns {
    /// The columns of `model`.
    pub fn new(model: &Model) -> KpiColumns {
        let mut columns = Vec::new();
        let mut push = |scope, entity: &str, kpis: &[&str]| {
            for kpi in kpis {
                columns.push(KpiColumn {
                    scope,
                    entity: entity.to_string(),
                    kpi: kpi.to_string(),
                });
            }
        };
        for node in &model.nodes {
            push(Scope::Node, &node.id, &NODE_KPIS);
        }
        for route in &model.routes {
            push(Scope::Route, &route.id, &ROUTE_KPIS);
        }
        for route in &model.routes {
            for (index, id) in stage_ids(model, route).iter().enumerate() {
                push(
                    Scope::Stage,
                    &format!("{}/{index}/{id}", route.id),
                    &STAGE_KPIS,
                );
            }
        }
        for flow in &model.flows {
            push(Scope::Flow, &flow.id, &FLOW_KPIS);
        }
        for fleet in &model.fleets {
            push(Scope::Fleet, &fleet.id, &FLEET_KPIS);
        }
        for target in model.disruption_targets() {
            push(Scope::Target, model.target_name(target), &TARGET_KPIS);
        }
        for disruption in model.disruptions.iter().filter(|d| d.logged) {
            push(Scope::Disruption, &disruption.id, &DISRUPTION_KPIS);
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
        let window_days = rep.window_h / HOURS_PER_DAY;
        for (stats, node) in rep.nodes.iter().zip(&model.nodes) {
            out.extend([
                Some(stats.arrivals as f64 / window_days),
                stats.wait_h.mean(),
                stats.wait_hist.quantile(0.5),
                stats.wait_hist.quantile(0.95),
                stats.service_h.mean(),
                stats.blocked_h.mean(),
                stats.dispatch_h.mean(),
                stats.sojourn_h.mean(),
                node.servers
                    .map(|servers| stats.busy.mean() / f64::from(servers)),
                Some(stats.busy.mean()),
                Some(stats.blocked.mean()),
                Some(stats.queue.mean()),
                Some(stats.queue.max),
                Some(stats.in_node.mean()),
                Some(stats.yard_teu.mean()),
                Some(stats.yard_teu.max),
                Some(stats.arrived_teu as f64),
            ]);
        }
        for stats in &rep.routes {
            out.extend([
                Some(stats.delivered_teu as f64),
                Some(stats.delivered_teu as f64 / window_days),
                stats.transit_h.mean(),
                stats.transit_hist.quantile(0.5),
                stats.transit_hist.quantile(0.95),
            ]);
        }
        for stats in &rep.routes {
            for stage in &stats.stages {
                out.extend([
                    stage.wait_h.mean(),
                    stage.service_h.mean(),
                    stage.blocked_h.mean(),
                    stage.dispatch_h.mean(),
                ]);
            }
        }
        for stats in &rep.flows {
            out.extend([
                Some(stats.generated_teu as f64),
                Some(stats.refused_teu as f64),
            ]);
        }
        for (stats, fleet) in rep.fleets.iter().zip(&model.fleets) {
            out.extend([
                Some(stats.departures as f64),
                Some(stats.departed_teu as f64 / window_days * 365.0),
                stats.load_teu.mean(),
                (stats.departures > 0).then(|| {
                    stats.departed_teu as f64
                        / (stats.departures as f64 * f64::from(fleet.capacity_teu))
                }),
                Some(stats.away.mean() / f64::from(fleet.vehicles)),
                stats.cargo_wait_h.mean(),
                stats.berth_wait_h.mean(),
                Some(stats.back_teu as f64),
                Some(stats.missed_slots as f64),
            ]);
        }
        for stats in &rep.targets {
            out.extend([
                Some(stats.closed.mean() * rep.window_h),
                Some(stats.slowed.mean() * rep.window_h),
            ]);
        }
        // Episode lengths in log order, as the summary builder accumulates them.
        let mut episodes = vec![Welford::default(); model.disruptions.len()];
        for record in &rep.disruption_log {
            episodes[record.disruption as usize].add(record.end_h - record.start_h);
        }
        for (durations, _) in episodes
            .iter()
            .zip(&model.disruptions)
            .filter(|(_, d)| d.logged)
        {
            out.extend([Some(durations.weight), durations.mean()]);
        }
        assert_eq!(
            out.len(),
            self.columns.len(),
            "replication statistics do not match the model's KPI columns"
        );
    }
}

/// Stage ids of a route: node id, leg id, node id, ...
pub fn stage_ids(model: &Model, route: &crate::model::Route) -> Vec<String> {
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
pub const PERCENTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

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
pub struct AcrossReplications {
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
