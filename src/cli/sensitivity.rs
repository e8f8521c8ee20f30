//! `corridor sensitivity`: read the scenario document and its `[[uncertain]]` entries, build and
//! check every variant of the one-at-a-time and Morris designs, claim the output directory, run
//! every variant with common random numbers, then write the tables, the charts and the JSON
//! files.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use corridor::plot::sensitivity::{morris_charts, oat_charts};
use corridor::report::OutputDir;
use corridor::report::Provenance;
use corridor::scenario::{Assignment, Document};
use corridor::stats::kpi::KpiColumns;
use corridor::study::morris::MorrisDesign;
use corridor::study::sections::StudySections;
use corridor::study::sensitivity::{
    MORRIS_CSV, MORRIS_DESIGN_CSV, MORRIS_JSON, MorrisResults, OAT_CSV, OAT_JSON, OatResults,
    UncertainParameter, oat_points,
};
use corridor::study::sweep;

use super::args::{Method, SensitivityArgs};
use super::progress::Progress;
use super::study::{charts, settings, write_study};
use super::sweep::trim;

/// Runs the `sensitivity` subcommand.
pub fn run(args: SensitivityArgs) -> anyhow::Result<ExitCode> {
    let doc = Document::read(&args.scenario)?;
    let parameters: Vec<UncertainParameter> = doc
        .uncertain()?
        .iter()
        .map(UncertainParameter::from_scenario)
        .collect();
    if parameters.is_empty() {
        bail!(
            "{}: no [[uncertain]] entries; sensitivity needs at least one uncertain parameter (path, low, high; see docs/scenario.md)",
            args.scenario.display()
        );
    }
    for p in &parameters {
        sweep::check_variable(&p.path)
            .with_context(|| format!("{}: [[uncertain]]", args.scenario.display()))?;
    }
    let base = doc.compile_checked()?;
    let columns = KpiColumns::new(&base.model);
    let requested = sweep::resolve_kpis(columns.columns(), &args.kpis).context("in --kpi")?;
    let (config, runner) = settings(&args.study, &base.model)?;
    let (oat, morris) = match args.method {
        Method::Oat => (true, false),
        Method::Morris => (false, true),
        Method::Both => (true, true),
    };
    let design = if morris {
        Some(MorrisDesign::new(
            parameters.len(),
            args.trajectories,
            args.levels,
            config.seed,
        )?)
    } else {
        None
    };

    // Every variant is built (and so checked) before anything is written or simulated.
    let variant = |values: &[(usize, f64)]| -> anyhow::Result<corridor::model::Model> {
        let mut d = doc.clone();
        let mut what = Vec::new();
        for &(i, value) in values {
            let p = &parameters[i];
            d.apply(&Assignment {
                path: p.path.clone(),
                change: p.change(value),
            })?;
            what.push(format!(
                "{} {} {value}",
                p.path,
                if p.scale { "×" } else { "=" }
            ));
        }
        d.compile_checked()
            .map(|loaded| loaded.model)
            .with_context(|| format!("variant with {}", what.join(", ")))
    };
    // The base point is the scenario itself, whose model is `base.model`.
    let oat_design = if oat {
        oat_points(parameters.len())
    } else {
        Vec::new()
    };
    let oat_models = sweep::build_models(&oat_design, |point| match point.moved {
        None => Ok(base.model.clone()),
        Some((i, high)) => {
            let p = &parameters[i];
            variant(&[(i, if high { p.high } else { p.low })])
        }
    })?;
    let morris_points: Vec<&[f64]> = design.as_ref().map(|d| d.points()).unwrap_or_default();
    let morris_models = sweep::build_models(&morris_points, |unit| {
        let values: Vec<(usize, f64)> = unit
            .iter()
            .enumerate()
            .map(|(i, &u)| (i, parameters[i].at(u)))
            .collect();
        variant(&values)
    })?;

    let out = OutputDir::claim(&args.study.output.out, args.study.output.force)?;
    let progress = Progress::counting(args.study.output.quiet, "scenario variants");
    progress.set_total((oat_models.len() + morris_models.len()) as u64);
    let oat_samples = sweep::run_models(&oat_models, &runner, config, |_| progress.inc())?;
    let morris_samples = sweep::run_models(&morris_models, &runner, config, |_| progress.inc())?;
    progress.finish();
    let kpis = if !requested.is_empty() {
        requested
    } else if !oat_samples.is_empty() {
        sweep::default_kpis(&oat_samples[..1])
    } else {
        sweep::default_kpis(&sweep::run_models(
            std::slice::from_ref(&base.model),
            &runner,
            config,
            |_| {},
        )?)
    };
    let run = Provenance::new(doc.file(), &base.hash, config, std::env::args().collect());
    let mut written = Vec::new();
    let mut stdout = std::io::stdout().lock();
    if oat {
        let results = OatResults::new(run.clone(), parameters.clone(), kpis.clone(), &oat_samples);
        let charts = charts(&args.study, |options| oat_charts(&results, options))?;
        written.extend(write_study(
            &out,
            &[(OAT_CSV, results.to_csv())],
            &charts,
            (OAT_JSON, results.to_json().into_bytes()),
        )?);
        if !args.study.output.quiet {
            print_oat(&mut stdout, &results)?;
        }
    }
    if let Some(design) = design {
        let results = MorrisResults::new(
            run,
            parameters.clone(),
            design,
            kpis.clone(),
            &morris_samples,
        );
        let charts = charts(&args.study, |options| morris_charts(&results, options))?;
        written.extend(write_study(
            &out,
            &[
                (MORRIS_DESIGN_CSV, results.design_csv()),
                (MORRIS_CSV, results.to_csv()),
            ],
            &charts,
            (MORRIS_JSON, results.to_json().into_bytes()),
        )?);
        if !args.study.output.quiet {
            print_morris(&mut stdout, &results)?;
        }
    }
    if !args.study.output.quiet {
        writeln!(
            stdout,
            "\nWrote {} files to {}",
            written.len(),
            out.path().display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A mean with its 95% interval, or `-`.
fn with_ci(stat: Option<corridor::study::sweep::Stat>) -> String {
    match stat {
        Some(s) => match (s.ci95_low, s.ci95_high) {
            (Some(lo), Some(hi)) => format!(
                "{} ± {}",
                trim(&format!("{:.3}", s.mean)),
                trim(&format!("{:.3}", (hi - lo) / 2.0))
            ),
            _ => trim(&format!("{:.3}", s.mean)),
        },
        None => "-".to_string(),
    }
}

fn print_oat(out: &mut impl Write, results: &OatResults) -> anyhow::Result<()> {
    writeln!(
        out,
        "One at a time: {} parameters at low and high, {} replications each, seed {}; swing = high − low, paired over replications (95% CI)",
        results.parameters.len(),
        results.provenance.replications,
        results.provenance.seed
    )?;
    let width = label_width(&results.parameters);
    for (k, kpi) in results.kpis.iter().enumerate() {
        writeln!(out, "\n{kpi}: base {}", with_ci(results.base[k]))?;
        writeln!(
            out,
            "  {:>4}  {:width$}  {:>18}  {:>18}  {:>18}",
            "rank", "parameter", "low", "high", "swing"
        )?;
        for row in results.ranked(kpi) {
            writeln!(
                out,
                "  {:>4}  {:width$}  {:>18}  {:>18}  {:>18}",
                row.rank,
                results.parameters[row.parameter].label(),
                with_ci(row.low),
                with_ci(row.high),
                with_ci(row.swing)
            )?;
        }
    }
    Ok(())
}

fn print_morris(out: &mut impl Write, results: &MorrisResults) -> anyhow::Result<()> {
    writeln!(
        out,
        "\nMorris: {} trajectories, {} levels (Δ = {}), {} runs of {} replications, seed {}; effects in KPI units per full parameter range",
        results.design.trajectories.len(),
        results.design.levels,
        trim(&format!("{:.4}", results.design.delta)),
        results.design.trajectories.len() * (results.parameters.len() + 1),
        results.provenance.replications,
        results.provenance.seed
    )?;
    let width = label_width(&results.parameters);
    let cell = |v: Option<f64>| v.map_or("-".to_string(), |v| trim(&format!("{v:.3}")));
    for kpi in &results.kpis {
        writeln!(out, "\n{kpi}")?;
        writeln!(
            out,
            "  {:>4}  {:width$}  {:>12}  {:>12}  {:>12}",
            "rank", "parameter", "mu*", "mu", "sigma"
        )?;
        for row in results.ranked(kpi) {
            writeln!(
                out,
                "  {:>4}  {:width$}  {:>12}  {:>12}  {:>12}",
                row.rank,
                results.parameters[row.parameter].label(),
                cell(row.index.mu_star),
                cell(row.index.mu),
                cell(row.index.sigma)
            )?;
        }
    }
    Ok(())
}

/// Width of the parameter column: the longest label, at least the header "parameter".
fn label_width(parameters: &[UncertainParameter]) -> usize {
    parameters
        .iter()
        .map(|p| p.label().chars().count())
        .max()
        .unwrap_or(0)
        .max("parameter".len())
}
