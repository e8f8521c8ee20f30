//! Experiments: running replications of a model and summarising them.
//!
//! Replication `r` of a run seeded `s` is a pure function of `(model, s, r)`: it draws only from
//! the random streams derived from those numbers. The seed and the replication indices are
//! arguments of every run ([`RunConfig`], the `seed` of [`run_aggregated`],
//! [`Simulation::run`]); the model is shared read-only and never copied to change them.
//! Replications are summarised in index order, so a run's summary does not depend on how the
//! replications were scheduled.
//!
//! - [`run`]: the sequential reference, one thread, summary only.
//! - [`run_parallel`]: the same on a [`Runner`]'s threads (the same summary, bit for bit).
//! - [`run_aggregated`]: the real thing: replications on a [`Runner`]'s threads, handed over in
//!   order to an [`Aggregate`], for a fixed count or until a [`PrecisionTarget`] is met.
//! - [`shard`]: which replications a shard runs.

pub mod aggregate;
pub mod parallel;
pub(crate) mod precision;
pub mod shard;

use std::time::Instant;

pub use crate::engine::{SimError, StopKind};
pub use aggregate::{Aggregate, Replication, Results};
pub use parallel::{Replications, Runner};
pub use precision::{PrecisionReport, PrecisionTarget};
pub use shard::ShardSpec;

use crate::engine::Simulation;
use crate::model::Model;
use crate::stats::Summary;
use crate::stats::summary::SummaryBuilder;

/// What to run: the seed and replication count of a run, passed to [`run`] (and the seed to
/// [`run_aggregated`]) rather than stored in the [`Model`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// Number of replications (indices `0..replications`).
    pub replications: u32,
    /// Base seed of the random streams.
    pub seed: u64,
}

impl RunConfig {
    /// The scenario's defaults (`[scenario] seed` and `replications`), which the CLI's
    /// `--seed` and `--replications` override.
    pub fn from_model(model: &Model) -> RunConfig {
        RunConfig {
            replications: model.settings.replications,
            seed: model.settings.seed,
        }
    }
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// Results across replications.
    pub summary: Summary,
    /// The settings used.
    pub config: RunConfig,
    /// Wall-clock time of the simulation, seconds.
    pub wall_s: f64,
}

/// Runs `config.replications` replications of `model` with seed `config.seed` and summarises
/// them.
///
/// `on_replication` is called after each replication with the number done so far (for progress
/// display); pass `|_| {}` when not needed.
///
/// # Panics
/// If a replication stops before its horizon (see [`SimError`]); [`run_aggregated`] returns
/// that as an error instead.
pub fn run(model: &Model, config: RunConfig, mut on_replication: impl FnMut(u32)) -> RunOutcome {
    let started = Instant::now();
    let mut simulation = Simulation::new(model);
    let mut builder = SummaryBuilder::new(model);
    for replication in 0..config.replications {
        let stats = simulation
            .try_run(config.seed, u64::from(replication))
            .unwrap_or_else(|e| panic!("{e}"));
        builder.add(model, &stats);
        on_replication(replication + 1);
    }
    RunOutcome {
        summary: builder.finish(model),
        config,
        wall_s: started.elapsed().as_secs_f64(),
    }
}

/// Runs replications `0..config.replications` of `model` with seed `config.seed` on `runner`'s
/// threads and summarises them: [`run`] in parallel. The summary is the same, bit for bit,
/// whatever the number of threads (replications are summarised in index order); an error says
/// which replication stopped before its horizon, and why.
///
/// ```
/// use corridor::experiment::{self, RunConfig, Runner};
/// use corridor::scenario;
///
/// let model = scenario::builtin().model;
/// let config = RunConfig { replications: 2, seed: 7 };
/// let parallel = experiment::run_parallel(&model, &Runner::new(2)?, config)?;
/// let sequential = experiment::run(&model, config, |_| {});
/// assert_eq!(parallel.summary.kpis, sequential.summary.kpis);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_parallel(
    model: &Model,
    runner: &Runner,
    config: RunConfig,
) -> Result<RunOutcome, SimError> {
    let started = Instant::now();
    let mut aggregate = Aggregate::new(model);
    run_aggregated(
        model,
        runner,
        config.seed,
        Plan::Fixed(config.replications),
        &mut aggregate,
        |_| Ok::<(), SimError>(()),
        |_| {},
    )?;
    Ok(RunOutcome {
        summary: aggregate.summary(model),
        config,
        wall_s: started.elapsed().as_secs_f64(),
    })
}

/// How many replications to run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    /// Exactly this many.
    Fixed(u32),
    /// Batches until the main KPIs reach the target precision.
    Precision(PrecisionTarget),
}

/// Runs replications of `model` seeded with `seed` on `runner` and adds them, in replication
/// order, to `aggregate`, which must be empty or hold replications `0..k` of the same model and
/// seed (they are continued from `k`).
///
/// `each` sees every replication just before it is aggregated (to stream it to files); an error
/// from it stops the run. `planned` is told the total number of replications planned whenever it
/// changes (for a progress display). Returns the precision report in precision mode.
pub fn run_aggregated<E>(
    model: &Model,
    runner: &Runner,
    seed: u64,
    plan: Plan,
    aggregate: &mut Aggregate,
    mut each: impl FnMut(&Replication) -> Result<(), E>,
    mut planned: impl FnMut(u64),
) -> Result<Option<PrecisionReport>, E>
where
    E: From<SimError>,
{
    let columns = aggregate.columns().clone();
    let mut run_to = |aggregate: &mut Aggregate, total: u64| -> Result<(), E> {
        let done = aggregate.replications();
        planned(total);
        runner.run_in_order(
            model,
            seed,
            Replications::range(done, total.saturating_sub(done)),
            |stats| aggregate::prepare(model, &columns, stats),
            |replication| {
                each(&replication)?;
                aggregate.add(&replication);
                Ok::<(), E>(())
            },
        )
    };
    match plan {
        Plan::Fixed(replications) => {
            run_to(aggregate, u64::from(replications))?;
            Ok(None)
        }
        Plan::Precision(target) => {
            let max = u64::from(target.max_replications);
            let mut total = u64::from(target.initial.max(2)).min(max);
            let mut batch_totals = Vec::new();
            loop {
                run_to(aggregate, total)?;
                batch_totals.push(total);
                let kpis = precision::main_kpis(&aggregate.summary(model));
                let achieved = precision::meets(&kpis, target.relative_half_width);
                if achieved || total >= max {
                    return Ok(Some(PrecisionReport {
                        target_relative_half_width: target.relative_half_width,
                        max_replications: target.max_replications,
                        achieved,
                        replications_used: total,
                        batch_totals,
                        kpis,
                    }));
                }
                total = precision::next_total(
                    total,
                    precision::worst(&kpis),
                    target.relative_half_width,
                    max,
                );
            }
        }
    }
}
