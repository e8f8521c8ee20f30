//! `corridor sweep`: read the scenario document, take the parameters from the flags or its
//! `[sweep]`, check every point and the KPI names, claim the output directory, run every point
//! with common random numbers, then write `sweep.csv`, the charts and `sweep.json` (last).
//! Also the pieces `corridor sensitivity` shares: run settings and writing a study's files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use corridor::experiment::parallel::default_threads;
use corridor::experiment::{RunConfig, Runner};
use corridor::model::Model;
use corridor::plot::PlotOptions;
use corridor::plot::sweep::{Rendered, sweep_charts, write_rendered};
use corridor::report::{OutputDir, write_atomically};
use corridor::scenario::{Assignment, Change, Document};
use corridor::stats::kpi::KpiColumns;
use corridor::study::sweep::{
    self, SWEEP_CSV, SWEEP_JSON, StudyError, SweepDesign, SweepParameter, SweepResults,
};

use super::args::{StudyArgs, SweepArgs};
use super::progress::Progress;

/// Runs the `sweep` subcommand.
pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let doc = match &args.scenario {
        Some(path) => Document::read(path)?,
        None => Document::builtin(),
    };
    let spec = doc.sweep()?;
    let from_flags: Vec<SweepParameter> = args
        .params
        .iter()
        .map(|(path, values)| (path, values, false))
        .chain(
            args.scales
                .iter()
                .map(|(path, values)| (path, values, true)),
        )
        .map(|(path, values, scale)| SweepParameter {
            path: path.clone(),
            scale,
            values: values.clone(),
        })
        .collect();
    let params = if from_flags.is_empty() {
        spec.as_ref()
            .map(|s| {
                s.params
                    .iter()
                    .map(|p| SweepParameter {
                        path: p.path.clone(),
                        scale: p.scale,
                        values: p.values.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        from_flags
    };
    let design = SweepDesign::new(params).map_err(|e| match e {
        StudyError::NoParameters => anyhow::anyhow!(
            "{}: {e}",
            args.scenario
                .as_ref()
                .map_or("the built-in scenario".to_string(), |p| p
                    .display()
                    .to_string())
        ),
        other => other.into(),
    })?;
    let base = doc.compile()?;
    let requested = if args.kpis.is_empty() {
        spec.map(|s| s.kpis).unwrap_or_default()
    } else {
        args.kpis.clone()
    };
    let columns = KpiColumns::new(&base.model);
    let requested = sweep::resolve_kpis(columns.columns(), &requested)
        .with_context(|| kpi_source(&args.kpis, doc.file()))?;
    let (config, runner) = settings(&args.study, &base.model)?;

    // Every point is built (and so checked) before anything is written or simulated.
    let points = design.points();
    let total = points.len();
    let models = sweep::build_models(&points, |point| {
        let mut variant = doc.clone();
        for (p, &value) in design.params.iter().zip(point) {
            variant.apply(&Assignment {
                path: p.path.clone(),
                change: Change::new(value, p.scale),
            })?;
        }
        variant
            .compile()
            .map(|loaded| loaded.model)
            .with_context(|| format!("sweep point {}", describe(&design, point)))
    })?;

    let out = OutputDir::claim(&args.study.output.out, args.study.output.force)?;
    let progress = Progress::counting(args.study.output.quiet, "scenario variants");
    progress.set_total(total as u64);
    let samples = sweep::run_models(&models, &runner, config, |_| progress.inc());
    progress.finish();
    let kpis = if requested.is_empty() {
        sweep::default_kpis(&samples)
    } else {
        requested
    };
    let mut results = SweepResults::new(design, kpis, &samples);
    results.scenario_file = doc.file().to_string();
    results.scenario_sha256 = base.hash.clone();
    results.command_line = std::env::args().collect();
    let routes: Vec<String> = base.model.routes.iter().map(|r| r.id.clone()).collect();
    let charts = charts(&args.study, |options| {
        sweep_charts(&results, &routes, options)
    })?;
    let written = write_study(
        &out,
        &[(SWEEP_CSV, results.to_csv())],
        &charts,
        (SWEEP_JSON, results.to_json().into_bytes()),
    )?;
    if !args.study.output.quiet {
        print_table(&results)?;
        println!(
            "\nWrote {} files to {}",
            written.len(),
            out.path().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the KPI names came from, for error messages.
fn kpi_source(flags: &[String], file: &str) -> String {
    if flags.is_empty() {
        format!("{file}: [sweep] kpis")
    } else {
        "in --kpi".to_string()
    }
}

/// `path = value` of every parameter at `point`.
fn describe(design: &SweepDesign, point: &[f64]) -> String {
    design
        .params
        .iter()
        .zip(point)
        .map(|(p, v)| {
            if p.scale {
                format!("{} × {v}", p.path)
            } else {
                format!("{} = {v}", p.path)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The run settings of a study (seed and replications shared by every variant) and its
/// worker pool.
pub(super) fn settings(study: &StudyArgs, base: &Model) -> anyhow::Result<(RunConfig, Runner)> {
    let mut config = RunConfig::from_model(base);
    if let Some(replications) = study.replications {
        config.replications = replications;
    }
    if let Some(seed) = study.seed {
        config.seed = seed;
    }
    if config.replications < 2 {
        bail!(
            "a study needs at least 2 replications per variant for its confidence intervals; the scenario has replications = {}, pass --replications",
            config.replications
        );
    }
    let threads = study.threads.map_or_else(default_threads, |t| t as usize);
    let runner = Runner::new(threads).context("cannot start worker threads")?;
    Ok((config, runner))
}

/// Draws a study's charts in memory with `draw`, unless `--no-charts`.
pub(super) fn charts(
    study: &StudyArgs,
    draw: impl FnOnce(&PlotOptions) -> Result<Vec<Rendered>, corridor::plot::PlotError>,
) -> anyhow::Result<Vec<Rendered>> {
    if study.charts.no_charts {
        return Ok(Vec::new());
    }
    let (width, height) = study.charts.chart_size;
    draw(&PlotOptions { width, height }).context("cannot draw the charts")
}

/// Writes a study's files into `out`, each atomically: the tables, then the charts, then the
/// JSON file last (its presence means the set is complete). Returns every path written.
pub(super) fn write_study(
    out: &OutputDir,
    tables: &[(&str, Vec<u8>)],
    charts: &[Rendered],
    json: (&str, Vec<u8>),
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut write = |name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let path = out.path().join(name);
        write_atomically(&path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
        Ok(())
    };
    for (name, bytes) in tables {
        write(name, bytes)?;
    }
    let chart_paths = write_rendered(out.path(), charts)?;
    write(json.0, &json.1)?;
    written.extend(chart_paths);
    Ok(written)
}

/// Prints the KPI means at every point: one line per KPI (one parameter) or per KPI and row
/// value (two).
fn print_table(results: &SweepResults) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let params = &results.design.params;
    writeln!(
        stdout,
        "Sweep of {}: {} points, {} replications each, seed {} (common random numbers)",
        params
            .iter()
            .map(SweepParameter::label)
            .collect::<Vec<_>>()
            .join(" and "),
        results.design.points().len(),
        results.replications,
        results.seed
    )?;
    writeln!(stdout, "Means over replications (95% CIs in sweep.csv):\n")?;
    let width = results
        .kpis
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(3)
        .max(3);
    let inner = params.last().map_or(0, |p| p.values.len());
    let mut header = format!("{:width$}", "kpi");
    if params.len() == 2 {
        header.push_str(&format!("  {:>10}", params[0].column()));
    }
    for v in &params[params.len() - 1].values {
        header.push_str(&format!("  {:>10}", v));
    }
    writeln!(stdout, "{header}")?;
    writeln!(stdout, "{}", "-".repeat(header.chars().count()))?;
    for kpi in &results.kpis {
        let rows: Vec<_> = results.series(kpi).collect();
        for chunk in rows.chunks(inner.max(1)) {
            let mut line = format!("{kpi:width$}");
            if params.len() == 2 {
                line.push_str(&format!("  {:>10}", chunk[0].values[0]));
            }
            for row in chunk {
                let cell = row
                    .stat
                    .map_or("-".to_string(), |s| format!("{:.4}", s.mean));
                line.push_str(&format!("  {:>10}", trim(&cell)));
            }
            writeln!(stdout, "{line}")?;
        }
    }
    Ok(())
}

/// A number with at most four decimals and no trailing zeros.
pub(super) fn trim(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}
