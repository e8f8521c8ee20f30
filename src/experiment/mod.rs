//! Experiments: running replications of a model and summarising them.
//!
//! Replication `r` of a run seeded `s` is a pure function of `(model, s, r)`: it draws only from
//! the random streams derived from those numbers. Replications are summarised in index order, so
//! a run's summary does not depend on how the replications were scheduled.

use std::time::Instant;

use crate::engine::Simulation;
use crate::model::Model;
use crate::stats::Summary;
use crate::stats::summary::SummaryBuilder;

/// What to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// Number of replications (indices `0..replications`).
    pub replications: u32,
    /// Base seed of the random streams.
    pub seed: u64,
}

impl RunConfig {
    /// The scenario's own settings.
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

/// Runs `config.replications` replications of `model` and summarises them.
///
/// `on_replication` is called after each replication with the number done so far (for progress
/// display); pass `|_| {}` when not needed.
pub fn run(model: &Model, config: RunConfig, mut on_replication: impl FnMut(u32)) -> RunOutcome {
    let started = Instant::now();
    let mut seeded = model.clone();
    seeded.settings.seed = config.seed;
    seeded.settings.replications = config.replications;
    let mut simulation = Simulation::new(&seeded);
    let mut builder = SummaryBuilder::new(&seeded);
    for replication in 0..config.replications {
        let stats = simulation.run(u64::from(replication));
        builder.add(&seeded, &stats);
        on_replication(replication + 1);
    }
    RunOutcome {
        summary: builder.finish(&seeded),
        config,
        wall_s: started.elapsed().as_secs_f64(),
    }
}
