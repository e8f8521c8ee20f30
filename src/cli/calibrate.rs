//! `corridor calibrate TARGETS`: run the scenario variants a targets file names (common random
//! numbers: one seed and replication count for all) and check each published figure against
//! the model ([`corridor::study::calibration`]); print the table, optionally write the Markdown
//! page (`docs/calibration.md`) and a JSON file, and with `--check` exit non-zero when a target
//! behaves otherwise than the file says.

use std::process::ExitCode;

use anyhow::Context;
use corridor::experiment::Runner;
use corridor::experiment::parallel::default_threads;
use corridor::report::write_atomically;
use corridor::study::calibration::Targets;

use super::args::CalibrateArgs;
use super::progress::Progress;

/// Runs the `calibrate` subcommand.
pub fn run(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    let targets = Targets::load(&args.targets)?;
    let mut config = targets.config;
    if let Some(replications) = args.replications {
        config.replications = replications;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let threads = args.threads.map_or_else(default_threads, |t| t as usize);
    let runner = Runner::new(threads).context("cannot start worker threads")?;
    let progress = Progress::counting(args.quiet, "scenarios");
    progress.set_total(targets.scenarios.len() as u64);
    let calibration = targets.evaluate(&runner, config, || progress.inc())?;
    progress.finish();
    let command = command_line(&args);
    if let Some(path) = &args.markdown {
        write_atomically(path, calibration.markdown(&command).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_vec_pretty(&calibration).context("cannot encode the results")?;
        write_atomically(path, &json)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let unexpected = calibration.unexpected();
    if !args.quiet {
        super::print_stdout(&calibration.table())?;
        let inside = calibration.outcomes.iter().filter(|o| o.inside).count();
        println!(
            "\n{inside} of {} targets inside their tolerance ({} replications per scenario, seed {}).",
            calibration.outcomes.len(),
            config.replications,
            config.seed
        );
    }
    if !unexpected.is_empty() {
        let ids: Vec<&str> = unexpected.iter().map(|o| o.target.id.as_str()).collect();
        eprintln!(
            "{} target{} behave{} otherwise than {} says: {}",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            if ids.len() == 1 { "s" } else { "" },
            args.targets.display(),
            ids.join(", ")
        );
        if args.check {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The command line as the page quotes it (the flags that change results, and the outputs).
fn command_line(args: &CalibrateArgs) -> String {
    let mut parts = vec![
        "corridor calibrate".to_string(),
        args.targets.display().to_string(),
    ];
    if let Some(r) = args.replications {
        parts.push(format!("-r {r}"));
    }
    if let Some(s) = args.seed {
        parts.push(format!("--seed {s}"));
    }
    if let Some(path) = &args.markdown {
        parts.push(format!("--markdown {}", path.display()));
    }
    parts.join(" ")
}
