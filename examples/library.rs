//! Corridor used as a library: load a scenario, change one parameter, run 20 replications of the
//! base and of the variant, and read two KPIs with their 95% confidence intervals.
//!
//! ```text
//! cargo run --release --example library                       # the built-in Middle Corridor
//! cargo run --release --example library -- my.toml             # any scenario with an aktau-port node
//! ```
//!
//! The variant goes through the same checks as a scenario file (`Document::with` writes the value
//! back into the document and `compile` validates it), so an impossible value is an error here
//! too, never a silently wrong model. Both runs use the same seed and replications, so they share
//! their random numbers (common random numbers) wherever the change does not reach.

use std::path::Path;

use corridor::base::Estimate;
use corridor::experiment::{self, RunConfig};
use corridor::scenario::{Change, Document};
use corridor::stats::kpi::Scope;

fn show(label: &str, estimate: Option<Estimate>) {
    match estimate {
        Some(e) => match e.half_width {
            Some(h) => println!("  {label:<32} {:>9.2} ± {h:.2}", e.mean),
            None => println!("  {label:<32} {:>9.2}", e.mean),
        },
        None => println!("  {label:<32} {:>9}", "no value"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = match std::env::args().nth(1) {
        Some(path) => Document::read(Path::new(&path))?,
        None => Document::builtin(),
    };
    let variant = base.with("node.aktau-port.servers", Change::Set(3.0))?;
    let config = RunConfig {
        replications: 20,
        seed: 2025,
    };
    for (name, document) in [("base", &base), ("aktau-port.servers = 3", &variant)] {
        let loaded = document.compile()?;
        let outcome = experiment::run(&loaded.model, config, |_| {});
        let summary = &outcome.summary;
        println!("{name} ({} replications):", config.replications);
        show(
            "aktau-port wait for a server, h",
            summary.estimate(Scope::Node, "aktau-port", "wait_mean_h"),
        );
        show(
            "khorgos-aktau-alat transit, h",
            summary.estimate(Scope::Route, "khorgos-aktau-alat", "transit_mean_h"),
        );
    }
    Ok(())
}
