//! Command-line front end (binary only): one module per subcommand, the shared flags in `args`.
//!
//! Adding a subcommand: a module `cli/<name>.rs` with its arguments (a `clap::Args` struct) and
//! its `run`, then in this file its `mod` line, its variant of [`Command`] and its arm in [`run`].

mod args;
mod calibrate;
mod capacity;
mod compare;
mod interrupt;
mod merge;
mod params;
mod plot;
mod print_default;
mod progress;
mod run;
mod sensitivity;
mod study;
mod sweep;
mod validate;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use corridor::report::ResultDir;

use args::{
    CalibrateArgs, CapacityArgs, CompareArgs, MergeArgs, ParamsArgs, PlotArgs, RunArgs,
    SensitivityArgs, SweepArgs, ValidateArgs,
};

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
    /// Combine the partial results of `run --shard` into the results of the whole run, or those of
    /// `compare`, `sweep` or `sensitivity` with `--shard` into the study's files.
    Merge(MergeArgs),
    /// Check scenario files and list every problem found.
    Validate(ValidateArgs),
    /// Redraw the charts and report.html of a result directory from its saved result files.
    Plot(PlotArgs),
    /// Print the built-in default scenario (a starting point for your own).
    PrintDefault,
    /// Compare scenario variants with a base scenario: paired differences of every KPI with
    /// 95% CIs, all runs with the same seed and random streams (common random numbers).
    Compare(CompareArgs),
    /// Run the scenario at each value of one parameter (a curve) or two (a grid), with common
    /// random numbers, and chart the KPIs against them.
    Sweep(SweepArgs),
    /// Rank the scenario's [[uncertain]] parameters by their effect on the KPIs: one at a time
    /// (tornado charts) and Morris elementary effects.
    Sensitivity(SensitivityArgs),
    /// Check a scenario against published figures: run the variants a targets file names and
    /// report each target's model value with its 95% CI and whether it is inside the tolerance.
    Calibrate(CalibrateArgs),
    /// Find the highest demand the corridor sustains by simulation: scale the flows' volumes,
    /// bracket the largest stable scale (common random numbers across probes), and report the
    /// TEU a year it carries per route and where cargo piles up beyond it.
    Capacity(CapacityArgs),
    /// List the parameter paths of a scenario with their current values (for --set, sweeps and
    /// [[uncertain]]).
    Params(ParamsArgs),
}

/// Parses the command line and runs the chosen subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    interrupt::install();
    match args.command {
        Command::Run(run_args) => run::run(run_args),
        Command::Merge(merge_args) => merge::run(merge_args),
        Command::Validate(validate_args) => validate::run(validate_args),
        Command::Plot(plot_args) => plot::run(plot_args),
        Command::PrintDefault => print_default::run(),
        Command::Compare(compare_args) => compare::run(compare_args),
        Command::Sweep(sweep_args) => sweep::run(sweep_args),
        Command::Sensitivity(sensitivity_args) => sensitivity::run(sensitivity_args),
        Command::Calibrate(calibrate_args) => calibrate::run(calibrate_args),
        Command::Capacity(capacity_args) => capacity::run(capacity_args),
        Command::Params(params_args) => params::run(params_args),
    }
}

/// Claims `--out` for a command's results ([`ResultDir::claim`]) and prints what was found
/// beside it (leftovers of interrupted runs, removed or left) on stderr, even with `--quiet`:
/// files were removed.
fn claim(out: &std::path::Path, force: bool) -> anyhow::Result<ResultDir> {
    let dir = ResultDir::claim(out, force)?;
    print_notes(&dir);
    Ok(dir)
}

fn print_notes(dir: &ResultDir) {
    for note in dir.notes() {
        eprintln!("note: {}", terminal_safe(note));
    }
}

/// Puts a command's finished results in place of `--out` at once; returns `--out`.
fn commit(dir: ResultDir) -> anyhow::Result<std::path::PathBuf> {
    let target = dir.target().to_path_buf();
    dir.commit()
        .with_context(|| format!("cannot put the results in place at {}", target.display()))
}

/// The last line of `run` and `merge`: where report.html is (or how to draw it).
fn report_line(out: &std::path::Path, charts: &args::ChartArgs) -> String {
    if charts.no_charts {
        format!(
            "No charts or report.html (--no-charts); `corridor plot {}` draws them.",
            shown(out)
        )
    } else {
        format!(
            "Open {} in a browser: the headline, every table and the charts.",
            shown(&out.join("report.html"))
        )
    }
}

/// A path for a message on the terminal.
fn shown(path: &std::path::Path) -> String {
    terminal_safe(&path.display().to_string()).into_owned()
}

/// `text` with control characters (ESC, NUL, ...) made visible (`\u{1b}`), so that nothing a
/// scenario or a path holds can drive the terminal.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    corridor::report::visible_controls(text)
}

/// Writes `text` to standard output; a reader that stops early (`| head`) is not an error.
fn print_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        super::Args::command().debug_assert();
    }
}
