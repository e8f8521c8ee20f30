//! `corridor sensitivity`: read the scenario document and its `[[uncertain]]` entries, build and
//! check every variant of the one-at-a-time and Morris designs, claim the output directory, run
//! every variant with common random numbers, then write the tables, the charts and the JSON
//! files. With `--shard I/K`, only that shard of every variant, for `corridor merge`, which
//! rebuilds the variants from the shards' definition ([`merge`]) and writes the files through
//! the same [`finish`].

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use corridor::experiment::RunConfig;
use corridor::plot::sensitivity::{morris_charts, oat_charts};
use corridor::report::{Provenance, ResultDir};
use corridor::scenario::{Assignment, Document, LoadedScenario};
use corridor::stats::kpi::KpiColumns;
use corridor::study::Sample;
use corridor::study::morris::MorrisDesign;
use corridor::study::sections::StudySections;
use corridor::study::sensitivity::{
    MORRIS_CSV, MORRIS_DESIGN_CSV, MORRIS_JSON, MorrisResults, OAT_CSV, OAT_JSON, OatResults,
    UncertainParameter, oat_points,
};
use corridor::study::shard::{ScenarioFiles, StudyDefinition, StudyShardSet};
use corridor::study::sweep;

use super::args::{ChartArgs, MergeArgs, Method, SensitivityArgs};
use super::study::{self, Definition, Ran, Variants, charts, settings, write_study};
use super::sweep::trim;

/// A sensitivity study: the scenario, its parameters, the designs, and every variant's scenario
/// in the order they run (one-at-a-time points, Morris points, then the scenario itself when
/// only Morris runs and the default KPIs need it).
struct Plan {
    file: String,
    base: LoadedScenario,
    parameters: Vec<UncertainParameter>,
    oat: bool,
    morris: Option<MorrisDesign>,
    /// The KPI columns asked for (empty: the defaults).
    requested: Vec<String>,
    oat_points: Vec<LoadedScenario>,
    morris_points: Vec<LoadedScenario>,
    /// Only Morris and no KPIs asked for: the scenario itself runs too, for the default KPIs.
    base_for_kpis: bool,
}

impl Plan {
    /// Builds (and so checks) every variant of the designs from `doc`, before anything is
    /// written or simulated.
    #[allow(clippy::too_many_arguments)]
    fn new(
        doc: &Document,
        base: LoadedScenario,
        parameters: Vec<UncertainParameter>,
        oat: bool,
        morris: Option<MorrisDesign>,
        requested: Vec<String>,
    ) -> anyhow::Result<Plan> {
        let variant = |values: &[(usize, f64)]| -> anyhow::Result<LoadedScenario> {
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
                .with_context(|| format!("variant with {}", what.join(", ")))
        };
        // The base point is the scenario itself.
        let oat_design = if oat {
            oat_points(parameters.len())
        } else {
            Vec::new()
        };
        let oat_points = sweep::build_models(&oat_design, |point| match point.moved {
            None => Ok(base.clone()),
            Some((i, high)) => {
                let p = &parameters[i];
                variant(&[(i, if high { p.high } else { p.low })])
            }
        })?;
        let unit_points: Vec<&[f64]> = morris.as_ref().map(|d| d.points()).unwrap_or_default();
        let morris_points = sweep::build_models(&unit_points, |unit| {
            let values: Vec<(usize, f64)> = unit
                .iter()
                .enumerate()
                .map(|(i, &u)| (i, parameters[i].at(u)))
                .collect();
            variant(&values)
        })?;
        Ok(Plan {
            file: doc.file().to_string(),
            base_for_kpis: requested.is_empty() && !oat,
            base,
            parameters,
            oat,
            morris,
            requested,
            oat_points,
            morris_points,
        })
    }

    /// Every variant in the order it runs.
    fn variants(&self) -> Variants<'_> {
        let mut variants = Variants::default();
        for (point, loaded) in oat_points(self.parameters.len())
            .iter()
            .zip(&self.oat_points)
        {
            let label = match point.moved {
                None => "one at a time: the scenario".to_string(),
                Some((i, high)) => format!(
                    "one at a time: {} at its {}",
                    self.parameters[i].label(),
                    if high { "high" } else { "low" }
                ),
            };
            variants.push(label, loaded);
        }
        let per_trajectory = self.parameters.len() + 1;
        for (j, loaded) in self.morris_points.iter().enumerate() {
            let label = format!(
                "Morris trajectory {}, point {}",
                j / per_trajectory,
                j % per_trajectory
            );
            variants.push(label, loaded);
        }
        if self.base_for_kpis {
            variants.push(
                "the scenario (for the default KPIs)".to_string(),
                &self.base,
            );
        }
        variants
    }
}

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
    let (config, runner, shard) = settings(&args.study, &base.model)?;
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
    let definition = StudyDefinition::Sensitivity {
        scenario: ScenarioFiles::of(&doc),
        parameters: parameters.clone(),
        oat,
        morris,
        trajectories: args.trajectories,
        levels: args.levels,
        kpis: requested.clone(),
    };
    let plan = Plan::new(&doc, base, parameters, oat, design, requested)?;

    let out = super::claim(&args.study.output.out, args.study.output.force)?;
    let definition = Definition {
        file: &plan.file,
        hash: &plan.base.hash,
        study: definition,
    };
    let variants = plan.variants();
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
            plan,
            config,
            &samples,
            out,
            &args.study.charts,
            args.study.output.quiet,
        ),
        Ran::Shard => Ok(ExitCode::SUCCESS),
    }
}

/// `corridor merge` of the shards of a sensitivity study: the variants rebuilt from the shards'
/// scenario and settings, the samples read back from them, and the files written by the same
/// [`finish`] as `sensitivity`.
pub(super) fn merge(set: &StudyShardSet, args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let StudyDefinition::Sensitivity {
        scenario,
        parameters,
        oat,
        morris,
        trajectories,
        levels,
        kpis,
    } = set.definition()
    else {
        unreachable!("merge dispatches on the command");
    };
    let (doc, base) = study::rebuilt(scenario)?;
    let context = || format!("the shards' sensitivity study of {}", doc.file());
    let columns = KpiColumns::new(&base.model);
    let requested = sweep::resolve_kpis(columns.columns(), kpis).with_context(context)?;
    let config = set.config();
    // The design's size comes from a file: no larger than the variants the shards list (whose
    // number is bounded by the manifest's size), checked before it is drawn.
    let listed = set.manifest().variants.len() as u64;
    if *morris && u64::from(*trajectories) * (parameters.len() as u64 + 1) > listed {
        bail!(
            "cannot merge: the shards' Morris design ({trajectories} trajectories of {} points) has more runs than the {listed} variants they list",
            parameters.len() + 1
        );
    }
    let design = if *morris {
        Some(
            MorrisDesign::new(parameters.len(), *trajectories, *levels, config.seed)
                .with_context(context)?,
        )
    } else {
        None
    };
    let plan = Plan::new(&doc, base, parameters.clone(), *oat, design, requested)?;
    let variants = plan.variants();
    let out = study::claim_merge(set, args, &plan.base.hash, &variants)?;
    let samples = study::merged_samples(set, args, &variants)?;
    finish(plan, config, &samples, out, &args.charts, args.output.quiet)
}

/// The one-at-a-time and Morris results from the samples of the variants (in the order of
/// [`Plan::variants`]), written as their tables, charts and JSON files; then the tables.
fn finish(
    plan: Plan,
    config: RunConfig,
    samples: &[Sample],
    out: ResultDir,
    chart_args: &ChartArgs,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let (oat_samples, rest) = samples.split_at(plan.oat_points.len());
    let (morris_samples, base_sample) = rest.split_at(plan.morris_points.len());
    let kpis = if !plan.requested.is_empty() {
        plan.requested.clone()
    } else if !oat_samples.is_empty() {
        sweep::default_kpis(&oat_samples[..1])
    } else {
        sweep::default_kpis(base_sample)
    };
    let run = Provenance::new(
        &plan.file,
        &plan.base.hash,
        config,
        std::env::args().collect(),
    );
    let mut written = Vec::new();
    let mut stdout = std::io::stdout().lock();
    if plan.oat {
        let results = OatResults::new(
            run.clone(),
            plan.parameters.clone(),
            kpis.clone(),
            oat_samples,
        );
        let charts = charts(chart_args, |options| oat_charts(&results, options))?;
        written.extend(write_study(
            out.dir(),
            &[(OAT_CSV, results.to_csv())],
            &charts,
            (OAT_JSON, results.to_json().into_bytes()),
        )?);
        if !quiet {
            print_oat(&mut stdout, &results)?;
        }
    }
    if let Some(design) = plan.morris {
        let results = MorrisResults::new(
            run,
            plan.parameters.clone(),
            design,
            kpis.clone(),
            morris_samples,
        );
        let charts = charts(chart_args, |options| morris_charts(&results, options))?;
        written.extend(write_study(
            out.dir(),
            &[
                (MORRIS_DESIGN_CSV, results.design_csv()),
                (MORRIS_CSV, results.to_csv()),
            ],
            &charts,
            (MORRIS_JSON, results.to_json().into_bytes()),
        )?);
        if !quiet {
            print_morris(&mut stdout, &results)?;
        }
    }
    let out_path = super::commit(out)?;
    if !quiet {
        writeln!(
            stdout,
            "\nWrote {} files to {}",
            written.len(),
            super::shown(&out_path)
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
