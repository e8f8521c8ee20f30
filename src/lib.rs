//! Corridor: a discrete-event simulator of freight flows through multimodal trade corridors,
//! built first for the Trans-Caspian "Middle Corridor" (China - Kazakhstan - Caspian - Azerbaijan -
//! Georgia - Türkiye/Europe).
//!
//! # How the pieces fit
//! ```text
//! scenario.toml --scenario::load--> LoadedScenario { Model, file, hash }
//!                                       |
//!   experiment::run_aggregated (threads; replication r = pure function of model, seed, r)
//!                                       |
//!            engine::Simulation (event queue + clock + processes) --> stats::ReplicationStats
//!                                       |  (handed over in replication order)
//!    experiment::Aggregate: SummaryBuilder (mean, sd, 95% CI, pooled histograms), KPIs across
//!                           replications (percentiles), daily series
//!                                       |
//!      report: summary.json, tidy CSV files, text tables; shard files and their merge
//! ```
//! - [`base`] is the bottom layer: [`base::SimTime`], random streams, accumulators and
//!   [`base::Estimate`].
//! - [`scenario`] parses and checks scenario files and compiles them into a [`model::Model`].
//! - [`model`] is the checked world: nodes, legs, routes, flows with dense ids and built
//!   distributions.
//! - [`engine`] runs one replication: [`engine::EventQueue`], [`engine::Simulation`].
//! - [`stats`] holds what a replication measures and the summaries across replications.
//! - [`experiment`] runs replications; [`report`] writes results; [`study`] compares, sweeps
//!   and screens scenario variants; [`plot`] draws charts and the HTML report.
//!
//! Modules are layered in that order (`base` at the bottom, `plot` at the top); no module uses
//! one above it, which a test checks against the table in docs/ARCHITECTURE.md.
//!
//! # Example
//! ```
//! use corridor::{experiment, scenario};
//!
//! let loaded = scenario::builtin();
//! let config = experiment::RunConfig { replications: 2, seed: 7 };
//! let outcome = experiment::run(&loaded.model, config, |_| {});
//! assert!(outcome.summary.conservation.holds_in_every_replication);
//! let route = &outcome.summary.routes[0];
//! assert!(route.delivered_teu.unwrap().mean > 0.0);
//! ```

#![warn(missing_docs)]

pub mod base;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod study;
