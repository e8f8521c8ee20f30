//! `corridor print-default`: print the built-in scenario's TOML.

use std::process::ExitCode;

/// Runs the `print-default` subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    super::print_stdout(corridor::scenario::BUILTIN_TEXT)?;
    Ok(ExitCode::SUCCESS)
}
