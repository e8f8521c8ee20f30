//! `corridor print-default`: print the built-in scenario's TOML.

use std::io::Write;
use std::process::ExitCode;

/// Runs the `print-default` subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    std::io::stdout().write_all(corridor::scenario::BUILTIN_TEXT.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
