//! `corridor run`: load, run the replications, write `summary.json`, print the tables.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use corridor::experiment::{self, RunConfig};
use corridor::report::{RunReport, table, write_atomically};
use corridor::scenario;

use super::args::RunArgs;

/// Runs the `run` subcommand.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let loaded = match &args.scenario {
        Some(path) => scenario::load(path)?,
        None => scenario::builtin(),
    };
    let mut config = RunConfig::from_model(&loaded.model);
    if let Some(replications) = args.replication.replications {
        config.replications = replications;
    }
    if let Some(seed) = args.replication.seed {
        config.seed = seed;
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))?;

    let outcome = experiment::run(&loaded.model, config, |_| {});
    let report = RunReport::new(&loaded, &outcome, std::env::args().collect());
    let summary_path = args.out.join("summary.json");
    write_atomically(&summary_path, report.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", summary_path.display()))?;

    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(table::render(&report).as_bytes())?;
        writeln!(stdout, "\nWrote {}", summary_path.display())?;
    }
    if !outcome.summary.conservation.holds_in_every_replication {
        anyhow::bail!("TEU conservation failed; the results are not trustworthy (this is a bug)");
    }
    Ok(ExitCode::SUCCESS)
}
