//! Command-line front end (binary only): argument definitions and one module per subcommand.

mod args;
mod compare;
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
        Command::Sweep(sweep_args) => sweep::run(sweep_args),
        Command::Sensitivity(sensitivity_args) => sensitivity::run(sensitivity_args),
        Command::Params(params_args) => params::run(params_args),
    }
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
