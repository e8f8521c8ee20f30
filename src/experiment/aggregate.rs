//! The one aggregation path: every way of producing results (a run on any number of threads, a
//! run to a target precision, a merge of shards) feeds replications, in replication order, into
//! an [`Aggregate`]. Float accumulators (the KPI columns, the daily node levels) depend on that
//! order in their last bits; integer ones (histograms, daily counts) do not.

use crate::base::Histogram;
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
}

/// Computes the KPI row of `stats`.
pub fn prepare(model: &Model, columns: &KpiColumns, stats: ReplicationStats) -> Replication {
    let mut kpi_row = Vec::with_capacity(columns.len());
    columns.row(model, &stats, &mut kpi_row);
    Replication { stats, kpi_row }
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
        self.builder
            .add_with_row(&replication.stats, &replication.kpi_row);
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
        }
    }
}
