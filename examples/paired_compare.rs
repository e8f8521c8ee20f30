//! A paired comparison from Rust, with common random numbers: two scenario files (a base and a
//! variant) run with the same seed and replications, so that replication `r` of both sees the
//! same arrivals, storms and service draws wherever the variant does not change them. The
//! differences, replication by replication, then have a much narrower confidence interval than
//! two independent runs would give. This is what `corridor compare` does; the full comparison
//! (every KPI, its relative change, `compare.json`) is `corridor::study::compare::compare`.
//!
//! ```text
//! cargo run --release --example paired_compare -- [BASE VARIANT] [--replications N]
//! ```
//!
//! Defaults: `scenarios/middle_corridor.toml` against `scenarios/aktau_modernization.toml`.

use std::error::Error;
use std::path::PathBuf;

use corridor::experiment::{RunConfig, Runner, parallel::default_threads};
use corridor::scenario;
use corridor::study::{self, compare};

fn main() -> Result<(), Box<dyn Error>> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut replications = 20;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--replications" | "-r" => replications = args.next().ok_or("-r N")?.parse()?,
            _ => files.push(arg.into()),
        }
    }
    if files.is_empty() {
        files = vec![
            "scenarios/middle_corridor.toml".into(),
            "scenarios/aktau_modernization.toml".into(),
        ];
    }
    let [base_file, variant_file] = &files[..] else {
        return Err("give two scenario files, BASE VARIANT".into());
    };
    let base = scenario::load(base_file)?;
    let variant = scenario::load(variant_file)?;
    // The base's seed for both: the same random streams.
    let config = RunConfig {
        replications,
        seed: base.model.settings.seed,
    };
    let runner = Runner::new(default_threads())?;
    let a = study::sample(&base.model, &runner, config)?;
    let b = study::sample(&variant.model, &runner, config)?;

    // One KPI by hand: the paired difference and, for contrast, the two separate intervals.
    let kpi = "route/khorgos-aktau-alat/transit_mean_h";
    let (x, y) = (a.stat(kpi).ok_or(kpi)?, b.stat(kpi).ok_or(kpi)?);
    let d = a.paired_difference(&b, kpi).ok_or(kpi)?;
    let half = |s: &study::sweep::Stat| s.ci95_high.map_or(0.0, |h| h - s.mean);
    println!("{kpi}, {replications} replications, seed {}:", config.seed);
    println!("  base    {:8.2} ± {:.2} h", x.mean, half(&x));
    println!("  variant {:8.2} ± {:.2} h", y.mean, half(&y));
    println!("  paired difference {:+.2} ± {:.2} h", d.mean, half(&d));

    // Every headline KPI at once: what `corridor compare` prints and writes.
    let headline = compare::headline_columns(&a);
    let comparison = compare::compare(&a, &b, compare::ScenarioRef::of(&variant), &headline);
    println!(
        "\nheadline KPIs, variant − base (95% CI), and how many times narrower than unpaired:"
    );
    for k in comparison.kpis.iter().filter(|k| k.headline) {
        let (Some(diff), Some(pct)) = (k.difference, k.change_pct) else {
            continue;
        };
        if diff.mean == 0.0 && diff.half_width == 0.0 {
            continue; // the same in every replication: a process the variant does not touch
        }
        let gain = k
            .half_width_ratio
            .map_or(String::from("-"), |r| format!("{r:.1}x"));
        println!(
            "  {:<45} {:+9.2} ± {:<7.2} ({:+.1}%)  {gain}",
            k.name(),
            diff.mean,
            diff.half_width,
            pct.mean
        );
    }
    Ok(())
}
