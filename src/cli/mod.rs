//! Command-line front end (binary only): argument definitions and one module per subcommand.

mod args;
mod compare;
mod merge;
mod plot;
mod print_default;
mod progress;
mod run;
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
        Command::Compare(compare_args) => compare::run(compare_args),
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
