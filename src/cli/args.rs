//! Command-line arguments. Flags shared by several subcommands are defined once here.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Corridor: discrete-event simulation of freight corridors (Middle Corridor first).
#[derive(Debug, Parser)]
#[command(name = "corridor", version, about, long_about = None)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Monte Carlo replications of a scenario and write the results.
    Run(RunArgs),
    /// Check scenario files and list every problem found.
    Validate(ValidateArgs),
    /// Print the built-in default scenario (a starting point for your own).
    PrintDefault,
}

/// Flags that select how many replications to run and with which seed.
#[derive(Debug, clap::Args)]
pub struct ReplicationArgs {
    /// Number of replications (default: the scenario's `replications`).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..))]
    pub replications: Option<u32>,
    /// Base seed of the random streams (default: the scenario's `seed`).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
}

/// `corridor run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file; without it, the built-in Middle Corridor baseline runs.
    pub scenario: Option<PathBuf>,
    /// Replications and seed.
    #[command(flatten)]
    pub replication: ReplicationArgs,
    /// Directory for the result files.
    #[arg(long, short = 'o', default_value = "corridor-out")]
    pub out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `corridor validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}
