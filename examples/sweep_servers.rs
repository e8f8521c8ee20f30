//! A researcher's sweep from Rust: load a scenario file, vary one parameter by its path (as
//! `corridor run --set` and `corridor sweep` do), run each variant's replications in parallel,
//! read KPIs with their 95% confidence intervals, and write the results as a CSV file.
//!
//! ```text
//! cargo run --release --example sweep_servers -- [SCENARIO] [--replications N] [--out FILE]
//! ```
//!
//! Defaults: `scenarios/middle_corridor.toml`, the scenario's own replications, `sweep_servers.csv`.
//! The parameter is the number of cranes (servers) at Aktau port, from 1 to 4. Every variant runs
//! with the same seed and replications, so they share their random numbers (common random
//! numbers): the differences between the rows are the effect of the cranes, not of luck.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

use corridor::experiment::{RunConfig, Runner, parallel::default_threads};
use corridor::scenario::{Change, Document};
use corridor::study;

/// The parameter swept (any path `corridor params` lists) and its values.
const PARAMETER: &str = "node.aktau-port.servers";
const VALUES: [f64; 4] = [1.0, 2.0, 3.0, 4.0];

/// The KPIs written, as columns of `replications.csv` (`scope/entity/kpi`).
const KPIS: [&str; 3] = [
    "node/aktau-port/wait_mean_h",
    "route/khorgos-aktau-alat/transit_mean_h",
    "route/khorgos-aktau-alat/throughput_teu_per_day",
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut scenario = PathBuf::from("scenarios/middle_corridor.toml");
    let mut replications = None;
    let mut out = PathBuf::from("sweep_servers.csv");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--replications" | "-r" => replications = Some(args.next().ok_or("-r N")?.parse()?),
            "--out" | "-o" => out = args.next().ok_or("--out FILE")?.into(),
            _ => scenario = arg.into(),
        }
    }

    // A scenario file as a document: the text with its `extends` chain, which parameters can be
    // changed in by path and then compiled (checked) into a model.
    let base = Document::read(&scenario)?;
    let mut config = RunConfig::from_model(&base.compile()?.model);
    if let Some(r) = replications {
        config.replications = r;
    }
    // One pool of worker threads for every run; the results do not depend on its size.
    let runner = Runner::new(default_threads())?;

    let mut csv = PARAMETER.to_string();
    for kpi in KPIS {
        write!(csv, ",{kpi},{kpi}_ci95_low,{kpi}_ci95_high")?;
    }
    csv.push('\n');
    println!(
        "{} with {PARAMETER} = {VALUES:?}: {} replications each, seed {}",
        scenario.display(),
        config.replications,
        config.seed
    );
    for value in VALUES {
        // `with` changes the value in the document; `compile` checks it as it checks a file, so
        // an impossible value is an error naming the parameter, not a wrong model.
        let variant = base.with(PARAMETER, Change::Set(value))?.compile()?;
        // Every replication's KPI row, run in parallel and kept in replication order.
        let sample = study::sample(&variant.model, &runner, config)?;
        write!(csv, "{value}")?;
        print!("  {value}:");
        for kpi in KPIS {
            match sample.stat(kpi) {
                Some(s) => {
                    let (low, high) = (s.ci95_low.unwrap_or(s.mean), s.ci95_high.unwrap_or(s.mean));
                    write!(csv, ",{},{low},{high}", s.mean)?;
                    print!("  {kpi} {:.2} [{low:.2}, {high:.2}]", s.mean);
                }
                None => csv.push_str(",,,"),
            }
        }
        csv.push('\n');
        println!();
    }
    std::fs::write(&out, csv)?;
    println!("wrote {}", out.display());
    Ok(())
}
