//! `corridor capacity [SCENARIO]`: the highest demand the scenario sustains, found by simulation
//! ([`corridor::study::capacity`]); prints the probes and the result, optionally writes them as
//! JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use corridor::experiment::Runner;
use corridor::experiment::parallel::default_threads;
use corridor::model::FlowId;
use corridor::model::capacity::capacity_by_period;
use corridor::report::write_atomically;
use corridor::scenario::Document;
use corridor::study::capacity::{
    CapacityResult, CapacitySearch, Probe, routes_of, scaled_flows, search,
};
use corridor::study::sections::StudySections as _;

use super::args::CapacityArgs;

/// Runs the `capacity` subcommand.
pub fn run(args: CapacityArgs) -> anyhow::Result<ExitCode> {
    let document = match &args.scenario {
        Some(path) => Document::read(path)?,
        None => Document::builtin(),
    };
    let loaded = document.compile_checked()?;
    let model = &loaded.model;
    let flows = corridor::study::demand::flow_ids(model, &args.flows, &loaded.file)?;
    let spec = CapacitySearch {
        flows,
        replications: u64::from(
            args.replications
                .unwrap_or(model.settings.replications.max(2)),
        ),
        seed: args.seed.unwrap_or(model.settings.seed),
        max_shortfall: args.max_shortfall,
        tolerance: args.tolerance,
        max_probes: args.max_probes as usize,
        years: args.years,
    };
    let threads = args.threads.map_or_else(default_threads, |t| t as usize);
    let runner = Runner::new(threads).context("cannot start worker threads")?;
    if !args.quiet {
        println!(
            "Searching the demand {} sustains ({} replications per probe of {} year{} after the warm-up, seed {}; stable: shortfall below {}% at 95% confidence)",
            model.settings.name,
            spec.replications,
            spec.years,
            if spec.years == 1 { "" } else { "s" },
            spec.seed,
            100.0 * spec.max_shortfall
        );
        println!("{}", probe_header());
    }
    let result = search(model, &spec, &runner, |probe| {
        if !args.quiet {
            println!("{}", probe_line(probe));
        }
    })?;
    if let Some(path) = &args.json {
        let json = serde_json::to_vec_pretty(&result).context("cannot encode the results")?;
        write_atomically(path, &json)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !args.quiet {
        super::print_stdout(&verdict(model, &spec.flows, &result))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn probe_header() -> String {
    format!(
        "{:>8}  {:>14}  {:>22}  {:>18}  {:<8}  backlog",
        "scale", "offered TEU/yr", "delivered TEU/yr", "shortfall %", "verdict"
    )
}

fn probe_line(p: &Probe) -> String {
    let pm = |e: Option<corridor::base::Estimate>, k: f64, digits: usize| match e {
        Some(e) => format!(
            "{:.*} ± {:.*}",
            digits,
            e.mean * k,
            digits,
            e.half_width.unwrap_or(0.0) * k
        ),
        None => "-".to_string(),
    };
    format!(
        "{:>8.4}  {:>14.0}  {:>22}  {:>18}  {:<8}  {}",
        p.scale,
        p.offered_teu_per_year,
        pm(p.delivered_teu_per_year, 1.0, 0),
        pm(p.shortfall, 100.0, 2),
        if p.stable { "stable" } else { "unstable" },
        p.stopped
            .as_deref()
            .or(p.backlog_at.as_deref())
            .unwrap_or("-")
    )
}

/// The result in words: the bracket, the TEU a year per route at its stable end, where cargo
/// piles up beyond it, and the resource the nominal capacity table expects to bind.
fn verdict(model: &corridor::model::Model, flows: &[FlowId], result: &CapacityResult) -> String {
    let mut out = String::new();
    match (result.stable_probe(), result.unstable_probe()) {
        (Some(stable), Some(unstable)) => {
            let _ = writeln!(
                out,
                "\nSustainable demand: between {:.3} and {:.3} times the scenario's ({:.0} to {:.0} TEU a year offered).",
                stable.scale,
                unstable.scale,
                stable.offered_teu_per_year,
                unstable.offered_teu_per_year
            );
        }
        (Some(stable), None) => {
            let _ = writeln!(
                out,
                "\nStable at every scale tried, up to {:.3} times the scenario's demand ({:.0} TEU a year): no limit found.",
                stable.scale, stable.offered_teu_per_year
            );
        }
        (None, Some(unstable)) => {
            let _ = writeln!(
                out,
                "\nUnstable at every scale tried, down to {:.4} times the scenario's demand ({:.0} TEU a year).",
                unstable.scale, unstable.offered_teu_per_year
            );
        }
        (None, None) => {
            let _ = writeln!(out, "\nNo probe ran.");
        }
    }
    if let Some(stable) = result.stable_probe()
        && !stable.route_teu_per_year.is_empty()
    {
        let _ = writeln!(
            out,
            "Delivered at the stable end, TEU a year per route of the scaled flows:"
        );
        let routes = routes_of(model, &scaled_flows(model, flows));
        for ((route, teu), _) in model
            .routes
            .iter()
            .zip(&stable.route_teu_per_year)
            .zip(&routes)
            .filter(|(_, scaled)| **scaled)
        {
            let _ = writeln!(out, "  {:<40} {teu:>10.0}", route.id);
        }
        if let Some(delivered) = stable.delivered_teu_per_year {
            let _ = writeln!(out, "  {:<40} {:>10.0}", "all these routes", delivered.mean);
        }
    }
    if let Some(unstable) = result.unstable_probe() {
        let place = unstable
            .stopped
            .as_deref()
            .or(unstable.backlog_at.as_deref())
            .unwrap_or("nowhere in particular");
        let _ = writeln!(out, "Beyond it, cargo piles up at: {place}");
    }
    if let Some(period) = capacity_by_period(model).last()
        && let Some(first) = period
            .resources
            .iter()
            .filter(|r| r.saturates_at_demand_x.is_some())
            .min_by(|a, b| {
                a.saturates_at_demand_x
                    .unwrap()
                    .total_cmp(&b.saturates_at_demand_x.unwrap())
            })
    {
        let _ = writeln!(
            out,
            "The nominal capacity table expects {} ({}) to saturate first, at {:.2} times the demand (an approximation from means: docs/scenario.md, \"Nominal capacity\").",
            first.id,
            first.kind,
            first.saturates_at_demand_x.unwrap()
        );
    }
    out
}
