//! Studies: several Monte Carlo runs of scenario variants, compared with common random numbers.
//!
//! Every run of a study uses the same base seed and replication indices `0..n`. Because each
//! stochastic process draws from a stream keyed by `(seed, replication, process name)`
//! ([`crate::base::rng`]), replication `r` of two variants sees the same arrivals, storms and
//! service draws wherever the variants share a process. That is what makes paired differences
//! (variant minus base, replication by replication) far more precise than differences of
//! independent runs.
//!
//! [`sample`] runs one variant and keeps every replication's KPI row: the raw material of every
//! study (paired differences, KPI-versus-parameter curves, sensitivity indices).

pub mod appraisal;
pub mod calibration;
pub mod capacity;
pub mod compare;
pub mod demand;
pub mod morris;
pub mod sections;
pub mod sensitivity;
pub mod shard;
pub mod stat;
pub mod sweep;

use crate::experiment::SimError;
use crate::experiment::{self, Aggregate, Plan, Replication, RunConfig, Runner};
use crate::model::Model;
use crate::stats::kpi::{KpiColumn, KpiColumns, KpiSummary};

/// One variant's Monte Carlo run: every replication's KPI values, and their summary.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Seed and number of replications.
    pub config: RunConfig,
    /// The KPI columns, in [`crate::stats::kpi::KpiColumns`] order.
    pub columns: Vec<KpiColumn>,
    /// `rows[r][c]`: replication `r`'s value of column `c` (`None` where it had none).
    pub rows: Vec<Vec<Option<f64>>>,
    /// Every column summarised across replications.
    pub kpis: Vec<KpiSummary>,
    /// When the window spans more than one calendar year: per year, the same replications'
    /// values of the [`KpiColumns::yearly`](crate::stats::kpi::KpiColumns::yearly) columns over
    /// that year, as a sample of its own (with no `years` and no `kpis`).
    pub years: Vec<(i32, Sample)>,
}

impl Sample {
    /// Index of the column named `name` (`scope/entity/kpi`, as in `replications.csv`).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name() == name)
    }

    /// The per-replication values of column `index`.
    pub fn values(&self, index: usize) -> impl Iterator<Item = Option<f64>> + '_ {
        self.rows.iter().map(move |row| row[index])
    }

    /// The mean of column `name` (`route/khorgos-aktau-alat/transit_mean_h`) over the
    /// replications, with its 95% confidence interval (`None` for an unknown column or one
    /// without values).
    pub fn stat(&self, name: &str) -> Option<sweep::Stat> {
        sweep::Stat::of(self, name)
    }

    /// The paired difference `variant − self` of column `name`, replication by replication, with
    /// its 95% confidence interval: with common random numbers (the same seed and replications,
    /// which [`sample`] gives) far narrower than the two intervals suggest.
    pub fn paired_difference(&self, variant: &Sample, name: &str) -> Option<sweep::Stat> {
        sweep::Stat::paired_difference(self, variant, name)
    }
}

/// Builds a [`Sample`] from replications `0, 1, 2, ...` of one variant, added in that order: the
/// one aggregation of a study, whether the replications are simulated ([`sample`]) or read back
/// from the shards of a study (`study::shard`).
#[derive(Clone, Debug)]
pub struct SampleBuilder {
    config: RunConfig,
    aggregate: Aggregate,
    rows: SampleRows,
}

/// The KPI rows of the replications added so far.
#[derive(Clone, Debug, Default)]
struct SampleRows {
    rows: Vec<Vec<Option<f64>>>,
    years: Vec<Vec<Vec<Option<f64>>>>,
}

impl SampleRows {
    fn push(&mut self, replication: &Replication) {
        self.rows.push(replication.kpi_row.clone());
        self.years.resize(replication.year_rows.len(), Vec::new());
        for (rows, row) in self.years.iter_mut().zip(&replication.year_rows) {
            rows.push(row.clone());
        }
    }
}

impl SampleBuilder {
    /// An empty sample of `model` run with `config`.
    pub fn new(model: &Model, config: RunConfig) -> SampleBuilder {
        SampleBuilder {
            config,
            aggregate: Aggregate::new(model),
            rows: SampleRows {
                // A merge takes `config` from a file: reserve no more than a typical study needs.
                rows: Vec::with_capacity(config.replications.min(1 << 12) as usize),
                years: Vec::new(),
            },
        }
    }

    /// The KPI columns (to [`prepare`](crate::experiment::aggregate::prepare) a replication).
    pub fn columns(&self) -> &KpiColumns {
        self.aggregate.columns()
    }

    /// Replications added so far.
    pub fn replications(&self) -> u64 {
        self.aggregate.replications()
    }

    /// Adds the next replication.
    ///
    /// # Panics
    /// If `replication` is not the next index (see [`Aggregate::add`]).
    pub fn add(&mut self, replication: &Replication) {
        self.rows.push(replication);
        self.aggregate.add(replication);
    }

    /// The sample of the replications added.
    pub fn finish(self, model: &Model) -> Sample {
        let summary = self.aggregate.summary(model);
        let year_columns = KpiColumns::yearly(model).columns().to_vec();
        let config = self.config;
        let years = summary
            .yearly
            .iter()
            .zip(self.rows.years)
            .map(|(year, rows)| {
                let sample = Sample {
                    config,
                    columns: year_columns.clone(),
                    rows,
                    kpis: Vec::new(),
                    years: Vec::new(),
                };
                (year.year, sample)
            })
            .collect();
        Sample {
            config,
            columns: self.aggregate.columns().columns().to_vec(),
            rows: self.rows.rows,
            kpis: summary.kpis,
            years,
        }
    }
}

/// Runs replications `0..config.replications` of `model` with seed `config.seed` on `runner` and
/// keeps every replication's KPI row. The result does not depend on the number of threads; an
/// error says which replication stopped before its horizon, and why.
pub fn sample(model: &Model, runner: &Runner, config: RunConfig) -> Result<Sample, SimError> {
    let mut builder = SampleBuilder::new(model, config);
    let SampleBuilder {
        aggregate, rows, ..
    } = &mut builder;
    // `run_aggregated` adds each replication to the aggregate after `each`: together what
    // `SampleBuilder::add` does.
    experiment::run_aggregated(
        model,
        runner,
        config.seed,
        Plan::Fixed(config.replications),
        aggregate,
        |replication| {
            rows.push(replication);
            Ok::<(), SimError>(())
        },
        |_| {},
    )?;
    Ok(builder.finish(model))
}
