//! `corridor validate`: check scenario files, print every problem, exit non-zero if any.

use std::process::ExitCode;

use corridor::scenario;

use super::args::ValidateArgs;

/// Runs the `validate` subcommand.
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for path in &args.files {
        match scenario::load(path) {
            Ok(loaded) => {
                let model = &loaded.model;
                println!(
                    "{}: ok ({} nodes, {} legs, {} routes, {} flows, {} fleets, {} disruptions)",
                    path.display(),
                    model.nodes.len(),
                    model.legs.len(),
                    model.routes.len(),
                    model.flows.len(),
                    model.fleets.len(),
                    model.disruptions.iter().filter(|d| d.logged).count()
                );
            }
            Err(err) => {
                failed = true;
                eprintln!("{err}");
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
