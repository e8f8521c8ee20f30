//! Command-line front end (binary only): argument definitions and one module per subcommand.

mod args;
mod merge;
mod plot;
mod print_default;
mod progress;
mod run;
mod sensitivity;
mod sweep;
mod validate;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Args, Command};

/// Parses the command line and runs the chosen subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    match args.command {
        Command::Run(run_args) => run::run(run_args),
        Command::Merge(merge_args) => merge::run(merge_args),
        Command::Validate(validate_args) => validate::run(validate_args),
        Command::Plot(plot_args) => plot::run(plot_args),
        Command::PrintDefault => print_default::run(),
        Command::Sweep(sweep_args) => sweep::run(sweep_args),
        Command::Sensitivity(sensitivity_args) => sensitivity::run(sensitivity_args),
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
