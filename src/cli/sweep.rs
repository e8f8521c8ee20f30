//! `corridor sweep`: read the scenario document, take the parameters from the flags or its
//! `[sweep]`, check every point and the KPI names, claim the output directory, run every point
//! with common random numbers, then write `sweep.csv`, the charts and `sweep.json` (last).
//! With `--shard I/K`, only that shard of every point, for `corridor merge`, which rebuilds the
//! points from the shards' definition ([`merge`]) and writes the files through the same
//! [`finish`]. The run settings and the shard handling every study shares are in `cli::study`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use corridor::experiment::RunConfig;
use corridor::plot::sweep::sweep_charts;
use corridor::report::{Provenance, ResultDir};
use corridor::scenario::{Assignment, Change, Document, LoadedScenario};
use corridor::stats::kpi::KpiColumns;
use corridor::study::Sample;
use corridor::study::demand::{DEMAND_PATH, DemandFlows};
use corridor::study::sections::StudySections;
use corridor::study::shard::{ScenarioFiles, StudyDefinition, StudyShardSet};
use corridor::study::sweep::{
    self, SWEEP_CSV, SWEEP_JSON, StudyError, SweepDesign, SweepParameter, SweepResults,
};

use super::args::{ChartArgs, MergeArgs, SweepArgs};
use super::study::{self, Definition, Ran, Variants, charts, settings, write_study};

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
            flows: Vec::new(),
        })
        .chain((!args.demand.demand.is_empty()).then(|| SweepParameter {
            path: DEMAND_PATH.to_string(),
            scale: true,
            values: args.demand.demand.clone(),
            flows: args.demand.flows.clone(),
        }))
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
                        flows: Vec::new(),
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
    let base = doc.compile_checked()?;
    let requested = if args.kpis.is_empty() {
        spec.map(|s| s.kpis).unwrap_or_default()
    } else {
        args.kpis.clone()
    };
    let columns = KpiColumns::new(&base.model);
    let requested = sweep::resolve_kpis(columns.columns(), &requested)
        .with_context(|| kpi_source(&args.kpis, doc.file()))?;
    let (config, runner, shard) = settings(&args.study, &base.model)?;
    let points = points(&doc, &design)?;

    let out = super::claim(&args.study.output.out, args.study.output.force)?;
    let definition = Definition {
        file: doc.file(),
        hash: &base.hash,
        study: StudyDefinition::Sweep {
            scenario: ScenarioFiles::of(&doc),
            params: design.params.clone(),
            kpis: requested.clone(),
        },
    };
    let variants = variants(&design, &points);
    match study::run(
        &args.study,
        shard,
        definition,
        &variants,
        config,
        &runner,
        out,
    )? {
        Ran::Samples(samples, out) => finish(
            doc.file(),
            &base,
            design,
            requested,
            config,
            &samples,
            out,
            &args.study.charts,
            args.study.output.quiet,
        ),
        Ran::Shard => Ok(ExitCode::SUCCESS),
    }
}

/// Every point's scenario: `doc` with the parameters of `design` set to the point's values.
/// All are built (and so checked) before anything is written or simulated.
fn points(doc: &Document, design: &SweepDesign) -> anyhow::Result<Vec<LoadedScenario>> {
    sweep::build_models(&design.points(), |point| {
        let mut variant = doc.clone();
        for (p, &value) in design.params.iter().zip(point) {
            if !p.is_demand() {
                variant.apply(&Assignment {
                    path: p.path.clone(),
                    change: Change::new(value, p.scale),
                })?;
            }
        }
        let mut loaded = variant
            .compile_checked()
            .with_context(|| format!("sweep point {}", describe(design, point)))?;
        for (p, &value) in design.params.iter().zip(point) {
            if p.is_demand() {
                loaded.model = DemandFlows(p.flows.clone())
                    .scaled(&loaded.model, &loaded.file, value)
                    .with_context(|| format!("sweep point {}", describe(design, point)))?;
            }
        }
        Ok(loaded)
    })
}

/// The points as the variants of the study.
fn variants<'a>(design: &SweepDesign, points: &'a [LoadedScenario]) -> Variants<'a> {
    let mut variants = Variants::default();
    for (point, loaded) in design.points().iter().zip(points) {
        variants.push(describe(design, point), loaded);
    }
    variants
}

/// `corridor merge` of the shards of a sweep: the points rebuilt from the shards' scenario and
/// parameters, the samples read back from them, and the files written by the same [`finish`] as
/// `sweep`.
pub(super) fn merge(set: &StudyShardSet, args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let StudyDefinition::Sweep {
        scenario,
        params,
        kpis,
    } = set.definition()
    else {
        unreachable!("merge dispatches on the command");
    };
    let (doc, base) = study::rebuilt(scenario)?;
    let design = SweepDesign::new(params.clone())
        .with_context(|| format!("the shards' sweep of {}", doc.file()))?;
    // The grid's size comes from a file: no larger than the variants the shards list (whose
    // number is bounded by the manifest's size), checked before the points are made.
    let listed = set.manifest().variants.len() as u64;
    let grid = design
        .params
        .iter()
        .fold(1_u64, |n, p| n.saturating_mul(p.values.len() as u64));
    if grid > listed {
        anyhow::bail!(
            "cannot merge: the shards' sweep has {grid} points, but they list {listed} variants"
        );
    }
    let columns = KpiColumns::new(&base.model);
    let requested = sweep::resolve_kpis(columns.columns(), kpis)
        .with_context(|| format!("the shards' sweep of {}", doc.file()))?;
    let points = points(&doc, &design)?;
    let variants = variants(&design, &points);
    let out = study::claim_merge(set, args, &base.hash, &variants)?;
    let samples = study::merged_samples(set, args, &variants)?;
    finish(
        doc.file(),
        &base,
        design,
        requested,
        set.config(),
        &samples,
        out,
        &args.charts,
        args.output.quiet,
    )
}

/// The sweep's results from the samples of its points, written as `sweep.csv`, the charts and
/// `sweep.json` (last); then the table.
#[allow(clippy::too_many_arguments)]
fn finish(
    file: &str,
    base: &LoadedScenario,
    design: SweepDesign,
    requested: Vec<String>,
    config: RunConfig,
    samples: &[Sample],
    out: ResultDir,
    chart_args: &ChartArgs,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let kpis = if requested.is_empty() {
        sweep::default_kpis(samples)
    } else {
        requested
    };
    let run = Provenance::new(file, &base.hash, config, std::env::args().collect());
    let results = SweepResults::new(run, design, kpis, samples);
    let routes: Vec<String> = base.model.routes.iter().map(|r| r.id.clone()).collect();
    let charts = charts(chart_args, |options| {
        sweep_charts(&results, &routes, options)
    })?;
    let written = write_study(
        out.dir(),
        &[(SWEEP_CSV, results.to_csv())],
        &charts,
        (SWEEP_JSON, results.to_json().into_bytes()),
    )?;
    let out_path = super::commit(out)?;
    if !quiet {
        print_table(&results)?;
        println!(
            "\nWrote {} files to {}",
            written.len(),
            super::shown(&out_path)
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
        results.provenance.replications,
        results.provenance.seed
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
