//! The one aggregation path: every way of producing results (a run on any number of threads, a
//! run to a target precision, a merge of shards) feeds replications, in replication order, into
//! an [`Aggregate`]. Float accumulators (the KPI columns, the daily node levels) depend on that
//! order in their last bits; integer ones (histograms, daily counts) do not.

use crate::base::{Histogram, QuantileSketch};
use crate::model::Model;
use crate::stats::ReplicationStats;
use crate::stats::Summary;
use crate::stats::daily::DailySeries;
use crate::stats::kpi::KpiColumns;
use crate::stats::summary::SummaryBuilder;

/// One replication ready to aggregate: its statistics and its KPI row (computed on the worker
/// thread, because it involves histogram quantiles).
#[derive(Clone, Debug)]
pub struct Replication {
    /// What the replication measured.
    pub stats: ReplicationStats,
    /// The values of every [`KpiColumns`] column.
    pub kpi_row: Vec<Option<f64>>,
    /// Per calendar year of the window (none within one year), the values of every
    /// [`KpiColumns::yearly`] column.
    pub year_rows: Vec<Vec<Option<f64>>>,
}

/// Computes the KPI rows of `stats`.
pub fn prepare(model: &Model, columns: &KpiColumns, stats: ReplicationStats) -> Replication {
    let mut kpi_row = Vec::with_capacity(columns.len());
    columns.row(model, &stats, &mut kpi_row);
    let year_rows = KpiColumns::year_rows(model, &stats);
    Replication {
        stats,
        kpi_row,
        year_rows,
    }
}

/// Everything a run reports, aggregated over replications.
#[derive(Clone, Debug)]
pub struct Results {
    /// Every KPI across replications (mean, sd, CI and percentiles), the entities and pooled
    /// distributions.
    pub summary: Summary,
    /// The daily series: TEU delivered per route, queue and yard per node, departures per fleet.
    pub daily: DailySeries,
    /// Per route, the end-to-end times of every TEU delivered in any replication's window
    /// (merged histograms: integer counts, exact in any order).
    pub transit_pooled: Vec<Histogram>,
    /// Per route and calendar month of departure (January first), the end-to-end times of
    /// every TEU delivered in any replication's window (merged sketches: integer counts, exact
    /// in any order).
    pub transit_by_month: Vec<Vec<QuantileSketch>>,
}

/// Streaming aggregation of replications `0, 1, 2, ...` in that order.
#[derive(Clone, Debug)]
pub struct Aggregate {
    builder: SummaryBuilder,
    daily: DailySeries,
    added: u64,
}

impl Aggregate {
    /// An empty aggregate for `model`.
    pub fn new(model: &Model) -> Aggregate {
        Aggregate {
            builder: SummaryBuilder::new(model),
            daily: DailySeries::new(model),
            added: 0,
        }
    }

    /// The KPI columns.
    pub fn columns(&self) -> &KpiColumns {
        self.builder.columns()
    }

    /// Replications added so far.
    pub fn replications(&self) -> u64 {
        self.added
    }

    /// Adds the next replication.
    ///
    /// # Panics
    /// If `replication` is not the next index: order is what makes results reproducible, so a
    /// caller that breaks it has a bug.
    pub fn add(&mut self, replication: &Replication) {
        assert_eq!(
            replication.stats.replication, self.added,
            "replications must be aggregated in order"
        );
        self.builder.add_with_rows(
            &replication.stats,
            &replication.kpi_row,
            &replication.year_rows,
        );
        self.daily.add(&replication.stats);
        self.added += 1;
    }

    /// The summary of the replications added so far (cheap enough to call after every batch).
    pub fn summary(&self, model: &Model) -> Summary {
        self.builder.finish(model)
    }

    /// All results of the replications added so far.
    pub fn results(&self, model: &Model) -> Results {
        Results {
            summary: self.builder.finish(model),
            daily: self.daily.clone(),
            transit_pooled: self.builder.transit_pooled().to_vec(),
            transit_by_month: self.builder.transit_by_month_pooled().to_vec(),
        }
    }
}

/// The KPI tables of [`crate::stats::kpi`] against what the aggregation path makes of them (here,
/// where a replication can be simulated: the engine is above `stats` in the layering).
#[cfg(test)]
mod kpi_definitions {
    use crate::model::{Breakdown, Dist, FailureClock, Interrupted, Model};
    use crate::stats::kpi::{KpiColumns, SCOPES};
    use crate::stats::summary::SummaryBuilder;

    /// A model with every scope: fleets (the first one split into two vehicle classes),
    /// disruption targets, logged disruptions, a node with breakdowns (the first node with
    /// finitely many servers) and a fleet with breakdowns (the first).
    fn model() -> Model {
        let mut model = crate::scenario::builtin().model;
        let classes = &mut model.fleets[0].classes;
        classes[0].id = "a".to_string();
        let mut second = classes[0].clone();
        second.id = "b".to_string();
        classes.push(second);
        let node = model
            .nodes
            .iter_mut()
            .find(|node| node.servers.is_some())
            .expect("the builtin scenario has a node with servers");
        let breakdown = Breakdown {
            up: Dist::constant(100.0).unwrap(),
            repair: Dist::constant(5.0).unwrap(),
            clock: FailureClock::Always,
            interrupted: Interrupted::Resume,
            crews: None,
        };
        node.breakdown = Some(breakdown.clone());
        model.fleets[0].breakdown = Some(breakdown);
        // A flow that chooses its route, so that the `choice` scope has entities.
        let flow = model
            .flows
            .iter_mut()
            .find(|flow| flow.routes.len() > 1)
            .expect("the builtin scenario has a flow over several routes");
        flow.choice.rule = crate::model::ChoiceRule::ShortestExpected;
        // ... with a decision node, so that the `decision` scope has entities.
        let first_route = flow.routes[0].0;
        let flow_index = model
            .flows
            .iter()
            .position(|f| f.routes.len() > 1)
            .expect("found above");
        let origin = model.route(first_route).nodes[0];
        model.flows[flow_index].choice.decide_at = Some(origin);
        // Declared costs, so that the `cost` scope has entities.
        model.costs = crate::model::Costs {
            declared: true,
            value_of_time_per_teu_day: 100.0,
            routes: crate::model::cost::route_costs(&model, true),
        };
        model
    }

    #[test]
    fn columns_summary_entries_and_summary_json_derive_from_the_same_definitions() {
        let model = model();
        let columns = KpiColumns::new(&model);
        // Every scope has entities in this model, so every defined KPI is exercised.
        for scope in SCOPES {
            assert!(
                columns.columns().iter().any(|c| c.scope == scope),
                "{scope:?} has no column"
            );
        }
        // The columns are, per entity, exactly the names of its scope's table, in table order.
        let mut i = 0;
        while i < columns.len() {
            let first = &columns.columns()[i];
            let names = first.scope.kpi_names();
            let group = &columns.columns()[i..i + names.len()];
            assert!(
                group
                    .iter()
                    .all(|c| c.scope == first.scope && c.entity == first.entity)
            );
            assert_eq!(
                group.iter().map(|c| c.kpi.as_str()).collect::<Vec<_>>(),
                names
            );
            i += names.len();
        }
        // One replication's row has a value slot per column.
        let mut builder = SummaryBuilder::new(&model);
        let mut sim = crate::engine::Simulation::new(&model);
        for replication in 0..2 {
            let stats = sim.run(7, replication);
            let mut row = Vec::new();
            columns.row(&model, &stats, &mut row);
            assert_eq!(row.len(), columns.len());
            builder.add(&model, &stats);
        }
        // summary.json holds every column exactly once, under `summary.kpis`, and nowhere else.
        let summary = builder.finish(&model);
        let json = serde_json::to_value(&summary).unwrap();
        let entries = json["kpis"].as_array().unwrap();
        assert_eq!(entries.len(), columns.len());
        for (entry, column) in entries.iter().zip(columns.columns()) {
            assert_eq!(entry["scope"], column.scope.as_str());
            assert_eq!(entry["entity"], column.entity.as_str());
            assert_eq!(entry["kpi"], column.kpi.as_str());
        }
        let mut estimates = 0;
        count_estimates(&json, &mut estimates);
        let per_year = summary.routes.len();
        assert_eq!(
            estimates,
            entries.iter().filter(|e| !e["estimate"].is_null()).count() + per_year,
            "an estimate is held outside summary.kpis (other than the derived TEU per year)"
        );
    }

    /// Counts the objects that look like an `Estimate` anywhere in `value`.
    fn count_estimates(value: &serde_json::Value, count: &mut usize) {
        match value {
            serde_json::Value::Object(map) => {
                if map.contains_key("half_width") && map.contains_key("sd") {
                    *count += 1;
                }
                map.values().for_each(|v| count_estimates(v, count));
            }
            serde_json::Value::Array(list) => list.iter().for_each(|v| count_estimates(v, count)),
            _ => {}
        }
    }
}
