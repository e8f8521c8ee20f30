//! `corridor params`: every parameter path of a scenario with its current value.

use std::process::ExitCode;

use corridor::scenario::Document;
use corridor::study::sections::StudySections;

use super::args::ParamsArgs;

/// Runs the `params` subcommand.
pub fn run(args: ParamsArgs) -> anyhow::Result<ExitCode> {
    let document = match &args.scenario {
        Some(path) => Document::read(path)?,
        None => Document::builtin(),
    };
    // Check the scenario first, so the list is never shown for a file `run` would reject.
    document.compile_checked()?;
    let paths = document.parameter_paths()?;
    let width = paths.iter().map(String::len).max().unwrap_or(0);
    let mut text = String::new();
    for path in &paths {
        let value = document
            .value_text(path)?
            .unwrap_or_else(|| "(not set)".to_string());
        text.push_str(&format!("{path:width$}  {value}\n"));
    }
    super::print_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
