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

use super::kpi::{AcrossReplications, KpiColumns, KpiSummary, Scope, stage_entity, stage_ids};
use super::replication::{MONTHS, ReplicationStats};
use crate::base::QuantileSketch;
use crate::base::accumulators::Histogram;
use crate::base::estimate::Estimate;
use crate::base::time::HOURS_PER_DAY;
use crate::model::calendar::YearSpan;
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
    /// Median queue wait over all replications pooled, hours.
    pub wait_p50_pooled_h: Option<f64>,
    /// 95th percentile of the queue wait over all replications pooled, hours.
    pub wait_p95_pooled_h: Option<f64>,
}

/// One stage of a route: where the hours go.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StageSummary {
    /// `node` or `leg`.
    pub kind: String,
    /// Node id, or `from->to` for a leg.
    pub id: String,
}

/// Per-route results across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteSummary {
    /// Route id.
    pub id: String,
    /// Node ids in order.
    pub nodes: Vec<String>,
    /// Throughput, TEU per 365-day year.
    pub throughput_teu_per_year: Option<Estimate>,
    /// Median end-to-end time over all replications pooled, hours.
    pub transit_p50_pooled_h: Option<f64>,
    /// 95th percentile of the end-to-end time over all replications pooled, hours.
    pub transit_p95_pooled_h: Option<f64>,
    /// The promised end-to-end time, hours (`[[route]] promise_days` times 24; absent without
    /// one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise_h: Option<f64>,
    /// The share of all TEU delivered in any replication's window that arrived within the
    /// promise: the pooled transit distribution's share at or under `promise_h`, counted
    /// exactly (absent without a promise or without deliveries). The per-replication share with
    /// its confidence interval is the KPI `on_time_share`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_time_share_pooled: Option<f64>,
    /// Where the hours go, stage by stage.
    pub stages: Vec<StageSummary>,
}

/// Per-flow results across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FlowSummary {
    /// Flow id.
    pub id: String,
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
}

/// Closure time of one disruption target across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetSummary {
    /// `node` or `leg`.
    pub kind: String,
    /// Node or leg id.
    pub id: String,
}

/// Episodes of one logged disruption across replications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DisruptionSummary {
    /// Disruption id.
    pub id: String,
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

/// One calendar year's part of the statistics window across replications (`yearly.csv`,
/// `summary.json`'s `yearly`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct YearSummary {
    /// The calendar year (with `[scenario] start`) or the model year 1, 2, ... (without).
    pub year: i32,
    /// First day of the year's part of the window (`YYYY-MM-DD`, or `day N` without a start).
    pub first_date: String,
    /// Last day (the horizon's day when the window ends inside the year).
    pub last_date: String,
    /// Days of the window in the year.
    pub days: f64,
    /// Whether that is less than the whole year.
    pub partial: bool,
    /// Every [`KpiColumns::yearly`] KPI over the year, across replications, in column order.
    pub kpis: Vec<KpiSummary>,
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
    /// Every KPI of the model (the columns of `replications.csv`, defined in
    /// [`kpi`](super::kpi)) across replications, in column order: mean, sd, 95% CI and
    /// percentiles. The one place a KPI's estimate is kept; look one up with [`Summary::kpi`] or
    /// [`Summary::estimate`].
    pub kpis: Vec<KpiSummary>,
    /// When the window spans more than one calendar year: the node, route, flow and fleet KPIs
    /// of each year's part, in time order (absent within one year).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yearly: Vec<YearSummary>,
    /// The nominal capacity of each node and fleet and the resource that binds first on each
    /// route, from the model alone, per period of the run (`model::capacity`).
    #[serde(default)]
    pub capacity: Vec<crate::model::capacity::CapacityPeriod>,
}

impl Summary {
    /// The KPI `kpi` of `entity` in `scope`, if the summary has it.
    ///
    /// # Panics
    /// If `kpi` is not one of the KPIs defined for `scope` (a misspelt name is a bug, not a
    /// missing value).
    pub fn kpi(&self, scope: Scope, entity: &str, kpi: &str) -> Option<&KpiSummary> {
        assert!(scope.defines(kpi), "{kpi} is not a {} KPI", scope.as_str());
        self.kpis
            .iter()
            .find(|k| k.scope == scope && k.kpi == kpi && k.entity == entity)
    }

    /// The estimate of KPI `kpi` of `entity` in `scope` (`None` if no replication had a value).
    ///
    /// # Panics
    /// As [`Summary::kpi`].
    pub fn estimate(&self, scope: Scope, entity: &str, kpi: &str) -> Option<Estimate> {
        self.kpi(scope, entity, kpi).and_then(|k| k.estimate)
    }

    /// The estimate of KPI `kpi` of `entity` in `scope` over calendar year `year` (`None` if the
    /// run has no such year or no replication had a value).
    ///
    /// # Panics
    /// As [`Summary::kpi`].
    pub fn year_estimate(
        &self,
        year: i32,
        scope: Scope,
        entity: &str,
        kpi: &str,
    ) -> Option<Estimate> {
        assert!(scope.defines(kpi), "{kpi} is not a {} KPI", scope.as_str());
        self.yearly
            .iter()
            .find(|y| y.year == year)?
            .kpis
            .iter()
            .find(|k| k.scope == scope && k.kpi == kpi && k.entity == entity)
            .and_then(|k| k.estimate)
    }

    /// The estimate of KPI `kpi` of stage `index` of `route`.
    pub fn stage_estimate(
        &self,
        route: &RouteSummary,
        index: usize,
        kpi: &str,
    ) -> Option<Estimate> {
        let stage = &route.stages[index];
        self.estimate(
            Scope::Stage,
            &stage_entity(&route.id, index, &stage.id),
            kpi,
        )
    }
}

/// Accumulates replications, in order, into a [`Summary`].
///
/// The per-replication figures are the KPI columns of [`KpiColumns`], defined once in the tables
/// of [`kpi`](super::kpi) and summarised over replications by [`AcrossReplications`] into
/// [`Summary::kpis`]; the builder adds what is not a column (entity descriptions, pooled
/// distributions, event counts, conservation). Memory does not grow with the replications.
#[derive(Clone, Debug)]
pub(crate) struct SummaryBuilder {
    replications: u64,
    events: u64,
    window_h: f64,
    across: AcrossReplications,
    /// Per node, the queue waits of every replication merged.
    wait_pooled: Vec<Histogram>,
    /// Per route, the end-to-end times of every replication merged.
    transit_pooled: Vec<Histogram>,
    /// Per route, TEU delivered in the window and of them on time, summed over replications.
    on_time_pooled: Vec<(u64, u64)>,
    /// Per route and calendar month of departure, the end-to-end times of every replication
    /// merged (integer counts: the same in any order).
    transit_by_month_pooled: Vec<Vec<QuantileSketch>>,
    conservation: ConservationSummary,
    row: Vec<Option<f64>>,
    /// Per calendar year of the window (none within one year): its span and its KPIs.
    years: Vec<(YearSpan, AcrossReplications)>,
    /// First and last dates of each year, as reported.
    year_dates: Vec<(String, String)>,
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
            on_time_pooled: vec![(0, 0); model.routes.len()],
            transit_by_month_pooled: vec![
                vec![QuantileSketch::default(); MONTHS];
                model.routes.len()
            ],
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
            years: {
                let settings = &model.settings;
                let columns = KpiColumns::yearly(model);
                settings
                    .calendar
                    .window_years(settings.warmup, settings.horizon)
                    .into_iter()
                    .map(|span| (span, AcrossReplications::new(columns.clone())))
                    .collect()
            },
            year_dates: {
                let settings = &model.settings;
                settings
                    .calendar
                    .window_years(settings.warmup, settings.horizon)
                    .iter()
                    .map(|span| settings.calendar.span_dates(span))
                    .collect()
            },
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
        let year_rows = KpiColumns::year_rows(model, rep);
        self.add_with_rows(rep, &row, &year_rows);
        self.row = row;
    }

    /// Adds one replication's statistics whose KPI rows (from [`KpiColumns::row`] and, per
    /// year, [`KpiColumns::year_row`]) are already computed.
    ///
    /// # Panics
    /// If the replication's years are not the model's (statistics of another model).
    pub fn add_with_rows(
        &mut self,
        rep: &ReplicationStats,
        row: &[Option<f64>],
        year_rows: &[Vec<Option<f64>>],
    ) {
        assert_eq!(
            year_rows.len(),
            self.years.len(),
            "the replication's years are not the model's"
        );
        self.replications += 1;
        self.events += rep.events;
        self.across.add(row);
        for ((_, across), year_row) in self.years.iter_mut().zip(year_rows) {
            across.add(year_row);
        }
        for (pooled, node) in self.wait_pooled.iter_mut().zip(&rep.nodes) {
            pooled.merge(&node.wait_hist);
        }
        for (pooled, route) in self.transit_pooled.iter_mut().zip(&rep.routes) {
            pooled.merge(&route.transit_hist);
        }
        for ((delivered, on_time), route) in self.on_time_pooled.iter_mut().zip(&rep.routes) {
            *delivered += route.delivered_teu;
            *on_time += route.on_time_teu;
        }
        for (pooled, route) in self.transit_by_month_pooled.iter_mut().zip(&rep.routes) {
            for (month, sketch) in pooled.iter_mut().zip(&route.transit_by_month) {
                month.merge(sketch);
            }
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

    /// Per route, the end-to-end times of every TEU delivered in any replication's window.
    pub fn transit_pooled(&self) -> &[Histogram] {
        &self.transit_pooled
    }

    /// Per route and calendar month of departure (January first), the end-to-end times of
    /// every TEU delivered in any replication's window.
    pub fn transit_by_month_pooled(&self) -> &[Vec<QuantileSketch>] {
        &self.transit_by_month_pooled
    }

    /// The summary of everything added so far.
    pub fn finish(&self, model: &Model) -> Summary {
        let kpis = self.across.finish();
        let nodes = model
            .nodes
            .iter()
            .zip(&self.wait_pooled)
            .map(|(node, wait_pooled)| NodeSummary {
                id: node.id.clone(),
                name: node.name.clone(),
                kind: node.kind,
                servers: node.servers,
                yard_capacity_teu: node.yard_capacity_teu,
                berths: node.berths,
                wait_p50_pooled_h: wait_pooled.quantile(0.5),
                wait_p95_pooled_h: wait_pooled.quantile(0.95),
            })
            .collect();
        let columns = self.across.columns().columns();
        let moments = self.across.moments();
        let routes = model
            .routes
            .iter()
            .zip(&self.transit_pooled)
            .zip(&self.on_time_pooled)
            .map(|((route, transit_pooled), &(delivered, on_time))| {
                let stages = stage_ids(model, route)
                    .into_iter()
                    .enumerate()
                    .map(|(i, id)| StageSummary {
                        kind: if i % 2 == 0 { "node" } else { "leg" }.to_string(),
                        id,
                    })
                    .collect();
                // Derived, not a column: the per-day throughput's estimate scaled to a year.
                let per_day = columns
                    .iter()
                    .position(|c| {
                        c.scope == Scope::Route
                            && c.entity == route.id
                            && c.kpi == "throughput_teu_per_day"
                    })
                    .expect("every route has a throughput column");
                let per_year = {
                    let mut scaled = moments[per_day];
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
                    throughput_teu_per_year: Estimate::from_welford(&per_year),
                    transit_p50_pooled_h: transit_pooled.quantile(0.5),
                    transit_p95_pooled_h: transit_pooled.quantile(0.95),
                    promise_h: route.promise_h,
                    on_time_share_pooled: route
                        .promise_h
                        .and((delivered > 0).then(|| on_time as f64 / delivered as f64)),
                    stages,
                }
            })
            .collect();
        let flows = model
            .flows
            .iter()
            .map(|flow| FlowSummary {
                id: flow.id.clone(),
            })
            .collect();
        let fleets = model
            .fleets
            .iter()
            .map(|fleet| FleetSummary {
                id: fleet.id.clone(),
                kind: fleet.kind,
                vehicles: fleet.vehicles(),
                capacity_teu: fleet.capacity_teu(),
                max_load_teu: fleet.max_load_teu(),
            })
            .collect();
        let targets = model
            .disruption_targets()
            .into_iter()
            .map(|target| TargetSummary {
                kind: match target {
                    Target::Node(_) => "node",
                    Target::Leg(_) => "leg",
                }
                .to_string(),
                id: model.target_name(target).to_string(),
            })
            .collect();
        let disruptions = model
            .disruptions
            .iter()
            .filter(|disruption| disruption.logged)
            .map(|disruption| DisruptionSummary {
                id: disruption.id.clone(),
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
            kpis,
            yearly: self
                .years
                .iter()
                .zip(&self.year_dates)
                .map(|((span, across), (first, last))| YearSummary {
                    year: span.year,
                    first_date: first.clone(),
                    last_date: last.clone(),
                    days: span.days(),
                    partial: span.partial,
                    kpis: across.finish(),
                })
                .collect(),
            capacity: crate::model::capacity::capacity_by_period(model),
        }
    }
}
