//! `corridor validate`: check scenario files, print every problem, exit non-zero if any.

use std::process::ExitCode;

use corridor::scenario;
use corridor::study::sections::StudySections;

use super::args::ValidateArgs;

/// Runs the `validate` subcommand.
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for path in &args.files {
        match scenario::Document::read(path).and_then(|doc| {
            let loaded = doc.compile_checked()?;
            let bases: Vec<String> = doc.chain().rev().skip(1).map(str::to_string).collect();
            Ok((loaded, bases))
        }) {
            Ok((loaded, bases)) => {
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
                if !bases.is_empty() {
                    println!("  extends {}", bases.join(", which extends "));
                }
                super::run::warn_overloaded(model);
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
