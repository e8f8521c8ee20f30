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
//! # Examples
//!
//! Run the built-in scenario and read a KPI with its 95% confidence interval:
//! ```
//! use corridor::stats::kpi::Scope;
//! use corridor::{experiment, scenario};
//!
//! let loaded = scenario::builtin();
//! let config = experiment::RunConfig { replications: 2, seed: 7 };
//! let outcome = experiment::run(&loaded.model, config, |_| {});
//! assert!(outcome.summary.conservation.holds_in_every_replication);
//! let route = &outcome.summary.routes[0];
//! let delivered = outcome.summary.estimate(Scope::Route, &route.id, "delivered_teu");
//! assert!(delivered.unwrap().mean > 0.0);
//! ```
//!
//! Load a scenario file, change a parameter by its path (as `corridor run --set` does), run the
//! replications in parallel and read KPIs with their intervals. The KPI names are those of the
//! columns of `replications.csv` and of `summary.json` (`corridor params FILE` lists the paths):
//! ```
//! use corridor::experiment::{self, RunConfig, Runner};
//! use corridor::scenario::{Change, Document};
//! use corridor::stats::kpi::Scope;
//!
//! # let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/middle_corridor.toml");
//! // path: the scenario file, e.g. scenarios/middle_corridor.toml
//! let document = Document::read(&path)?;
//! // Checked like a file: an impossible value is an error naming the parameter.
//! let variant = document.with("node.aktau-port.servers", Change::Set(3.0))?.compile()?;
//! let config = RunConfig { replications: 2, ..RunConfig::from_model(&variant.model) };
//! let runner = Runner::new(2)?; // the summary does not depend on the thread count
//! let outcome = experiment::run_parallel(&variant.model, &runner, config)?;
//! let wait = outcome.summary.estimate(Scope::Node, "aktau-port", "wait_mean_h").unwrap();
//! let transit = outcome
//!     .summary
//!     .estimate(Scope::Route, "khorgos-aktau-alat", "transit_mean_h")
//!     .unwrap();
//! assert!(wait.mean < transit.mean);
//! // `half_width` is `None` below two replications.
//! println!("wait {:.2} ± {:.2} h", wait.mean, wait.half_width.unwrap());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Compare two variants with common random numbers: [`study::sample`] keeps every
//! replication's KPI row, and the same seed and replications make replication `r` of both a pair,
//! so the paired difference is far more precise than the two intervals suggest
//! ([`study::compare::compare`] does this for every KPI, as `corridor compare`):
//! ```
//! use corridor::experiment::{RunConfig, Runner};
//! use corridor::scenario::{self, Change, Document};
//! use corridor::study;
//!
//! # let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/middle_corridor.toml");
//! // path: scenarios/middle_corridor.toml, the Kazakh section with Aktau's two cranes
//! let base = scenario::load(&path)?;
//! let variant = Document::read(&path)?
//!     .with("node.aktau-port.servers", Change::Set(3.0))?
//!     .compile()?;
//! let config = RunConfig { replications: 3, seed: 1 };
//! let runner = Runner::new(2)?;
//! let a = study::sample(&base.model, &runner, config)?;
//! let b = study::sample(&variant.model, &runner, config)?;
//! let kpi = "node/aktau-port/wait_mean_h";
//! let difference = a.paired_difference(&b, kpi).unwrap();
//! assert!(difference.mean < 0.0, "a third crane shortens the wait");
//! assert!(b.stat(kpi).unwrap().mean < a.stat(kpi).unwrap().mean);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Whole programs (a parameter sweep written to CSV, a paired comparison of two files) are in
//! `examples/`: `sweep_servers.rs`, `paired_compare.rs` and `library.rs`.

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
