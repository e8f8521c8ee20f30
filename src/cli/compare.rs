//! `corridor compare BASE VARIANT...`: load every scenario (all before any work, so a bad file
//! writes nothing), run each with the base's seed and replications (common random numbers),
//! compute the paired differences ([`corridor::study::compare`]), write `compare.json`,
//! `compare.csv` and `charts/compare.svg|png`, print the table of the headline KPIs (or of
//! those chosen with `--kpi`, checked against the scenarios' columns before any work). With
//! `--shard I/K`, only that shard of every scenario, for `corridor merge`, which rebuilds the
//! scenarios from the shards ([`merge`]) and writes the files through the same [`finish`].

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use corridor::base::CONFIDENCE;
use corridor::plot::{self};
use corridor::report::{Provenance, ResultDir};
use corridor::scenario::{Document, LoadedScenario};
use corridor::stats::kpi::{KpiColumn, KpiColumns};
use corridor::study::Sample;
use corridor::study::appraisal::{APPRAISAL_CSV, Appraisal, Investment, appraise};
use corridor::study::compare::{
    COMPARE_CSV, COMPARE_JSON, Comparison, KpiDifference, ScenarioRef, VariantComparison, compare,
    headline_columns, selected_columns, setting_notes,
};
use corridor::study::demand::{
    DEFAULT_MAX_SHORTFALL, DEFAULT_YEARS, DEMAND_CSV, DEMAND_JSON, DEMAND_LEVELS_CSV,
    DemandComparison, DemandFlows, DemandSetup, LevelRuns, compare_levels,
};
use corridor::study::sections::StudySections;
use corridor::study::shard::{ScenarioFiles, StudyDefinition, StudyShardSet};

use super::args::{ChartArgs, CompareArgs, MergeArgs};
use super::study::{self, Definition, Ran, Variants, charts, settings, write_study};

/// The scenarios of a comparison and what the command line chose about them: what its files
/// depend on besides the seed and replications.
struct Inputs {
    base: LoadedScenario,
    variants: Vec<LoadedScenario>,
    /// `--kpi`.
    kpi: Vec<String>,
    /// Whether `--seed` was given.
    seed_given: bool,
    /// `--demand`, `--flows`, `--max-shortfall`.
    demand: Demand,
    /// Each variant's `[investment]`, if any.
    investments: Vec<Option<Investment>>,
}

/// The demand levels of a comparison (none: each scenario runs once, as written).
struct Demand {
    /// Increasing levels.
    levels: Vec<f64>,
    /// The flows they scale.
    flows: DemandFlows,
    /// Largest shortfall of a stable level.
    max_shortfall: f64,
    /// Years of statistics window of every run.
    years: u32,
}

/// A `--kpi` selection, or the headline KPIs of the base.
type Selection = Option<Box<dyn Fn(&KpiColumn) -> bool>>;

impl Inputs {
    /// Checks `--kpi` against every scenario's columns (before any work).
    fn selection(&self) -> anyhow::Result<Selection> {
        if self.kpi.is_empty() {
            return Ok(None);
        }
        let mut columns: Vec<KpiColumn> = Vec::new();
        for loaded in std::iter::once(&self.base).chain(&self.variants) {
            for column in KpiColumns::new(&loaded.model).columns() {
                if !columns.contains(column) {
                    columns.push(column.clone());
                }
            }
        }
        let selection = selected_columns(&self.kpi, &columns).context("invalid --kpi")?;
        Ok(Some(Box::new(selection)))
    }

    /// The base, then each variant.
    fn scenarios(&self) -> impl Iterator<Item = &LoadedScenario> {
        std::iter::once(&self.base).chain(&self.variants)
    }

    /// Each scenario at each demand level (level by level, the base first in each), its scaled
    /// flows checked in every scenario (before any work); empty without `--demand`.
    fn at_levels(&self) -> anyhow::Result<Vec<LoadedScenario>> {
        let Some(&max) = self.demand.levels.last() else {
            return Ok(Vec::new());
        };
        for scenario in self.scenarios() {
            self.demand
                .flows
                .check(&scenario.model, &scenario.file, max)?;
        }
        let mut scaled = Vec::new();
        for &level in &self.demand.levels {
            for scenario in self.scenarios() {
                let mut at = scenario.clone();
                at.model = self.demand.flows.scaled_over_years(
                    &scenario.model,
                    &scenario.file,
                    level,
                    self.demand.years,
                )?;
                scaled.push(at);
            }
        }
        Ok(scaled)
    }

    /// The scenarios in the order they are run: the base, then each variant; with demand
    /// levels, `scaled` ([`at_levels`](Self::at_levels)) in its order.
    fn variants<'a>(&'a self, scaled: &'a [LoadedScenario]) -> Variants<'a> {
        let mut variants = Variants::default();
        if self.demand.levels.is_empty() {
            variants.push(format!("base {}", self.base.file), &self.base);
            for variant in &self.variants {
                variants.push(variant.file.clone(), variant);
            }
            return variants;
        }
        let per_level = 1 + self.variants.len();
        for (i, scenario) in scaled.iter().enumerate() {
            let level = self.demand.levels[i / per_level];
            let label = if i % per_level == 0 {
                format!("base {} at demand ×{level}", scenario.file)
            } else {
                format!("{} at demand ×{level}", scenario.file)
            };
            variants.push(label, scenario);
        }
        variants
    }

    /// Per variant, the notes about its settings (`variants`, as run) against the base's (`base`).
    fn variant_notes(
        &self,
        base: &ScenarioRef,
        variants: &[ScenarioRef],
        config: corridor::experiment::RunConfig,
    ) -> Vec<Vec<String>> {
        variants
            .iter()
            .map(|scenario| {
                let mut notes = setting_notes(base, scenario);
                if !self.seed_given && scenario.file_seed != base.file_seed {
                    notes.push(format!(
                        "{} names seed {}; it runs with the base's seed {} so that both share random numbers",
                        scenario.file, scenario.file_seed, config.seed
                    ));
                }
                notes
            })
            .collect()
    }
}

/// Each variant's `[investment]` (from its document), after checking that the base declares
/// none and that every scenario of an appraisal declares costs.
fn investments(
    base_doc: &Document,
    base: &LoadedScenario,
    docs: &[Document],
    variants: &[LoadedScenario],
) -> anyhow::Result<Vec<Option<Investment>>> {
    if base_doc.investment()?.is_some() {
        anyhow::bail!(
            "base scenario {} declares [investment]: an investment is appraised as a variant \
             against a base without it; move [investment] to the variant's file",
            base.file
        );
    }
    let mut out = Vec::with_capacity(docs.len());
    for (doc, variant) in docs.iter().zip(variants) {
        let investment = doc.investment()?;
        if investment.is_some() {
            for scenario in [base, variant] {
                if !scenario.model.costs.declared {
                    anyhow::bail!(
                        "variant {} declares [investment], but {} declares no costs: the \
                         appraisal weighs each route's generalised cost per TEU, so give both \
                         scenarios a [cost] section (value_of_time_per_teu_day) and their tariffs",
                        variant.file,
                        scenario.file
                    );
                }
            }
        }
        out.push(investment);
    }
    Ok(out)
}

/// The appraisal of a variant (index `k`) from its sample and the base's, when it declares an
/// investment or both scenarios declare costs.
fn appraisal_of(inputs: &Inputs, k: usize, base: &Sample, variant: &Sample) -> Option<Appraisal> {
    let investment = inputs.investments[k].as_ref();
    let costed = inputs.base.model.costs.declared && inputs.variants[k].model.costs.declared;
    (investment.is_some() || costed).then(|| appraise(base, variant, investment))
}

/// Reads and compiles the scenario at `path` (with its study sections, as `corridor run` does).
fn load(path: &std::path::Path, what: &str) -> anyhow::Result<(Document, LoadedScenario)> {
    let context = || format!("cannot load {what} scenario {}", path.display());
    let doc = Document::read(path).with_context(context)?;
    let loaded = doc.compile_checked().with_context(context)?;
    Ok((doc, loaded))
}

/// Runs the `compare` subcommand.
pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let (base_doc, base) = load(&args.base, "base")?;
    let mut docs = Vec::with_capacity(args.variants.len());
    let mut variants = Vec::with_capacity(args.variants.len());
    for path in &args.variants {
        let (doc, loaded) = load(path, "variant")?;
        docs.push(doc);
        variants.push(loaded);
    }
    let study = &args.study;
    let (config, runner, shard) = settings(study, &base.model)
        .with_context(|| format!("base scenario {}", args.base.display()))?;
    let levels = if args.demand.demand.is_empty() {
        Vec::new()
    } else {
        corridor::study::demand::check_levels(&args.demand.demand).context("invalid --demand")?
    };
    let inputs = Inputs {
        base,
        variants,
        kpi: args.kpi.clone(),
        seed_given: study.seed.is_some(),
        demand: Demand {
            levels,
            flows: DemandFlows(args.demand.flows.clone()),
            max_shortfall: args.max_shortfall,
            years: args.years,
        },
        investments: Vec::new(),
    };
    let selection = inputs.selection()?;
    let scaled = inputs.at_levels()?;
    let mut inputs = inputs;
    inputs.investments = investments(&base_doc, &inputs.base, &docs, &inputs.variants)?;
    // Refuse a non-empty output directory before any simulation.
    let out = super::claim(&study.output.out, study.output.force)?;
    let definition = Definition {
        file: &inputs.base.file,
        hash: &inputs.base.hash,
        study: StudyDefinition::Compare {
            base: ScenarioFiles::of(&base_doc),
            variants: docs.iter().map(ScenarioFiles::of).collect(),
            kpi: inputs.kpi.clone(),
            seed_given: inputs.seed_given,
            demand: inputs.demand.levels.clone(),
            flows: inputs.demand.flows.0.clone(),
            max_shortfall: (!inputs.demand.levels.is_empty())
                .then_some(inputs.demand.max_shortfall),
            years: (!inputs.demand.levels.is_empty()).then_some(inputs.demand.years),
        },
    };
    let variants = inputs.variants(&scaled);
    match study::run(study, shard, definition, &variants, config, &runner, out)? {
        Ran::Samples(samples, out) => finish(
            &inputs,
            &scaled,
            selection,
            config,
            samples,
            out,
            &study.charts,
            study.output.quiet,
        ),
        Ran::Shard => Ok(ExitCode::SUCCESS),
    }
}

/// `corridor merge` of the shards of a comparison: the scenarios rebuilt from the shards, the
/// samples read back from them, and the files written by the same [`finish`] as `compare`.
pub(super) fn merge(set: &StudyShardSet, args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let StudyDefinition::Compare {
        base,
        variants,
        kpi,
        seed_given,
        demand,
        flows,
        max_shortfall,
        years,
    } = set.definition()
    else {
        unreachable!("merge dispatches on the command");
    };
    let (base_doc, base) = study::rebuilt(base)?;
    let (docs, variants): (Vec<Document>, Vec<LoadedScenario>) = variants
        .iter()
        .map(study::rebuilt)
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let investments = investments(&base_doc, &base, &docs, &variants)?;
    let inputs = Inputs {
        base,
        variants,
        investments,
        kpi: kpi.clone(),
        seed_given: *seed_given,
        demand: Demand {
            levels: if demand.is_empty() {
                Vec::new()
            } else {
                corridor::study::demand::check_levels(demand)
                    .context("the shards' demand levels")?
            },
            flows: DemandFlows(flows.clone()),
            max_shortfall: max_shortfall.unwrap_or(DEFAULT_MAX_SHORTFALL),
            years: years.unwrap_or(DEFAULT_YEARS),
        },
    };
    let selection = inputs.selection()?;
    let scaled = inputs.at_levels()?;
    let variants = inputs.variants(&scaled);
    let out = study::claim_merge(set, args, &inputs.base.hash, &variants)?;
    let samples = study::merged_samples(set, args, &variants)?;
    finish(
        &inputs,
        &scaled,
        selection,
        set.config(),
        samples,
        out,
        &args.charts,
        args.output.quiet,
    )
}

/// The paired differences of every variant from the samples (the base's first, then each
/// variant's), written as `compare.csv`, the chart and `compare.json` (last); then the table.
/// With demand levels, [`finish_demand`] instead.
#[allow(clippy::too_many_arguments)]
fn finish(
    inputs: &Inputs,
    scaled: &[LoadedScenario],
    selection: Selection,
    config: corridor::experiment::RunConfig,
    samples: Vec<Sample>,
    out: ResultDir,
    chart_args: &ChartArgs,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    if !inputs.demand.levels.is_empty() {
        return finish_demand(
            inputs, scaled, selection, config, samples, out, chart_args, quiet,
        );
    }
    let (base_sample, variant_samples) = samples
        .split_first()
        .expect("a comparison has a base sample");
    let base_ref = ScenarioRef::of(&inputs.base);
    let headline: Box<dyn Fn(&KpiColumn) -> bool> = match selection {
        Some(selection) => selection,
        None => Box::new(headline_columns(base_sample)),
    };
    let mut compared = Vec::with_capacity(inputs.variants.len());
    let refs: Vec<ScenarioRef> = inputs.variants.iter().map(ScenarioRef::of).collect();
    let notes = inputs.variant_notes(&base_ref, &refs, config);
    for (k, ((scenario, sample), notes)) in
        refs.into_iter().zip(variant_samples).zip(notes).enumerate()
    {
        let mut result = compare(base_sample, sample, scenario, &headline);
        result.notes = notes;
        result.appraisal = appraisal_of(inputs, k, base_sample, sample);
        compared.push(result);
    }
    let comparison = Comparison {
        provenance: Provenance::new(
            &base_ref.file,
            &base_ref.sha256,
            config,
            std::env::args().collect(),
        ),
        confidence: CONFIDENCE,
        base: base_ref,
        variants: compared,
    };

    // Everything in memory first, then the files (compare.json last).
    let charts = charts(chart_args, |options| {
        Ok(vec![plot::compare::chart(&comparison, options)?])
    })?;
    let mut csv = Vec::new();
    comparison.write_csv(&mut csv)?;
    let mut tables = vec![(COMPARE_CSV, csv)];
    let appraised: Vec<(String, &Appraisal)> = comparison
        .variants
        .iter()
        .filter_map(|v| Some((v.scenario.file.clone(), v.appraisal.as_ref()?)))
        .collect();
    if !appraised.is_empty() {
        let mut csv = Vec::new();
        corridor::study::appraisal::write_csv(&appraised, &mut csv)?;
        tables.push((APPRAISAL_CSV, csv));
    }
    let json = format!("{}\n", comparison.to_json()).into_bytes();
    write_study(out.dir(), &tables, &charts, (COMPARE_JSON, json))?;
    let out_path = super::commit(out)?;

    if !quiet {
        for variant in &comparison.variants {
            for note in &variant.notes {
                eprintln!("note: {note}");
            }
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(render_table(&comparison).as_bytes())?;
        writeln!(stdout, "\nWrote results to {}", super::shown(&out_path))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The comparison across demand levels: every variant against the base at each level, where
/// each saturates; written as `demand_levels.csv`, `demand.csv`, the chart and `demand.json`
/// (last); then the tables.
#[allow(clippy::too_many_arguments)]
fn finish_demand(
    inputs: &Inputs,
    scaled: &[LoadedScenario],
    selection: Selection,
    config: corridor::experiment::RunConfig,
    samples: Vec<Sample>,
    out: ResultDir,
    chart_args: &ChartArgs,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let per_level = 1 + inputs.variants.len();
    let flows = inputs
        .scenarios()
        .map(|s| inputs.demand.flows.check(&s.model, &s.file, 1.0))
        .collect::<Result<Vec<_>, _>>()?;
    let levels: Vec<LevelRuns<'_>> = inputs
        .demand
        .levels
        .iter()
        .enumerate()
        .map(|(i, &level)| LevelRuns {
            level,
            runs: (0..per_level)
                .map(|k| {
                    let at = i * per_level + k;
                    (&scaled[at].model, flows[k].as_slice(), &samples[at])
                })
                .collect(),
        })
        .collect();
    // The scenarios as run (the horizon of the years run), from the first level.
    let base_ref = ScenarioRef::of(&scaled[0]);
    let variant_refs: Vec<ScenarioRef> = scaled[1..per_level].iter().map(ScenarioRef::of).collect();
    let years = inputs.demand.years;
    let notes = inputs
        .scenarios()
        .filter(|s| {
            s.model.settings.horizon.days() > s.model.settings.warmup.days() + 365.0 * f64::from(years)
        })
        .map(|s| {
            format!(
                "{}: its horizon of {} days is cut to the warm-up and {years} year{} (--years); dated changes after that are not reached",
                s.file,
                s.model.settings.horizon.days(),
                if years == 1 { "" } else { "s" }
            )
        })
        .collect();
    let mut comparison = compare_levels(
        DemandSetup {
            provenance: Provenance::new(
                &base_ref.file,
                &base_ref.sha256,
                config,
                std::env::args().collect(),
            ),
            variant_notes: inputs.variant_notes(&base_ref, &variant_refs, config),
            base: base_ref,
            variants: variant_refs,
            notes,
            max_shortfall: inputs.demand.max_shortfall,
            flows: inputs.demand.flows.clone(),
            years,
            headline: selection.as_deref(),
        },
        &levels,
    );
    // The appraisal of each variant at each level, and the lowest level where its NPV is above
    // 0 with 95% confidence.
    for (i, level) in comparison.levels.iter_mut().enumerate() {
        let base = &samples[i * per_level];
        for (k, difference) in level.differences.iter_mut().enumerate() {
            let variant = &samples[i * per_level + 1 + k];
            difference.comparison.appraisal = appraisal_of(inputs, k, base, variant);
        }
    }
    comparison.find_npv_positive();

    // Everything in memory first, then the files (demand.json last).
    let charts = charts(chart_args, |options| {
        Ok(vec![plot::demand::chart(&comparison, options)?])
    })?;
    let mut levels_csv = Vec::new();
    comparison.write_levels_csv(&mut levels_csv)?;
    let mut csv = Vec::new();
    comparison.write_csv(&mut csv)?;
    let mut tables = vec![(DEMAND_LEVELS_CSV, levels_csv), (DEMAND_CSV, csv)];
    let appraised: Vec<(String, &Appraisal)> = comparison
        .levels
        .iter()
        .flat_map(|level| {
            level.differences.iter().filter_map(move |d| {
                let label = format!("{} at demand ×{}", d.comparison.scenario.file, level.level);
                Some((label, d.comparison.appraisal.as_ref()?))
            })
        })
        .collect();
    if !appraised.is_empty() {
        let mut csv = Vec::new();
        corridor::study::appraisal::write_csv(&appraised, &mut csv)?;
        tables.push((APPRAISAL_CSV, csv));
    }
    let json = format!("{}\n", comparison.to_json()).into_bytes();
    write_study(out.dir(), &tables, &charts, (DEMAND_JSON, json))?;
    let out_path = super::commit(out)?;
    if !quiet {
        for note in comparison.notes.iter().chain(
            comparison
                .levels
                .first()
                .into_iter()
                .flat_map(|l| l.differences.iter().flat_map(|d| &d.comparison.notes)),
        ) {
            eprintln!("note: {note}");
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(render_demand(&comparison).as_bytes())?;
        for (variant, from) in comparison
            .variants
            .iter()
            .zip(&comparison.npv_positive_from)
        {
            match from {
                Some(level) => writeln!(
                    stdout,
                    "{}: NPV above 0 with 95% confidence from demand ×{level} (the lowest level run \
                     where it is; appraisal.csv has every level)",
                    variant.file
                )?,
                None => writeln!(
                    stdout,
                    "{}: NPV above 0 with 95% confidence at none of the levels run (appraisal.csv)",
                    variant.file
                )?,
            }
        }
        writeln!(stdout, "\nWrote results to {}", super::shown(&out_path))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The text printed by `corridor compare --demand`: delivery and shortfall of every scenario at
/// every level, where each saturates, from which level each variant carries more, and per
/// variant the differences of the main routes' KPIs by level.
fn render_demand(comparison: &DemandComparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Demand levels (multipliers of {}), {} paired replications of every scenario at every level over the warm-up and {} year{}, seed {}; \
         stable: shortfall (1 - delivered / generated TEU of the scaled flows) below {}% at 95% confidence",
        comparison.flows.describe(),
        comparison.provenance.replications,
        comparison.years,
        if comparison.years == 1 { "" } else { "s" },
        comparison.provenance.seed,
        comparison.max_shortfall * 100.0
    );
    let header = [
        "level",
        "offered TEU/yr",
        "scenario",
        "delivered TEU/yr",
        "shortfall %",
        "stable",
        "vs base TEU/yr",
    ]
    .map(String::from);
    let names: Vec<&str> = std::iter::once(&comparison.base)
        .chain(&comparison.variants)
        .map(|s| s.name.as_str())
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for level in &comparison.levels {
        for (i, d) in level.delivery.iter().enumerate() {
            let stat = |s: Option<corridor::study::sweep::Stat>, scale: f64| {
                s.map_or(String::new(), |s| {
                    let hw = s.ci95_high.map_or(0.0, |h| h - s.mean);
                    format!("{} ± {}", num(s.mean * scale), num(hw * scale))
                })
            };
            let difference = i
                .checked_sub(1)
                .and_then(|v| level.differences[v].delivered_teu_per_year)
                .map_or(String::new(), |s| {
                    let hw = s.ci95_high.map_or(0.0, |h| h - s.mean);
                    format!("{:+.0} ± {}", s.mean, num(hw))
                });
            rows.push(vec![
                format!("×{}", level.level),
                format!("{:.0}", d.offered_teu_per_year),
                names[i].to_string(),
                stat(d.delivered_teu_per_year, 1.0),
                stat(d.shortfall, 100.0),
                if d.stable { "yes" } else { "NO" }.to_string(),
                difference,
            ]);
        }
    }
    text_table(&header, &rows, &mut out);
    for saturation in &comparison.saturation {
        let _ = writeln!(out, "{}.", saturation.describe());
    }
    for (variant, matters) in comparison.variants.iter().zip(&comparison.matters_from) {
        let _ = match matters {
            Some(m) => writeln!(
                out,
                "{} delivers {} than the base from demand ×{} ({:.0} TEU/yr offered): {:+.0} TEU/yr.",
                variant.name,
                if m.difference_teu_per_year > 0.0 {
                    "more"
                } else {
                    "less"
                },
                m.level,
                m.offered_teu_per_year,
                m.difference_teu_per_year
            ),
            None => writeln!(
                out,
                "{} delivers as much as the base at every level run (no difference beyond {}% of the base's TEU at 95% confidence).",
                variant.name,
                comparison.max_shortfall * 100.0
            ),
        };
    }
    for (v, variant) in comparison.variants.iter().enumerate() {
        let columns: Vec<(String, &[KpiDifference])> = comparison
            .levels
            .iter()
            .map(|l| {
                (
                    format!("×{}", l.level),
                    l.differences[v].comparison.kpis.as_slice(),
                )
            })
            .collect();
        let table = by_column_table(
            &format!("{} − base", variant.name),
            &columns,
            &|k: &KpiDifference| {
                comparison.main_routes.is_empty()
                    || comparison.main_routes.contains(&k.entity)
                    || k.scope != corridor::stats::kpi::Scope::Route
            },
        );
        out.push_str(&table);
    }
    let _ = writeln!(
        out,
        "± is the 95% CI half-width. Every KPI at every level is in {DEMAND_CSV}; delivery by level in {DEMAND_LEVELS_CSV}."
    );
    for note in &comparison.notes {
        let _ = writeln!(out, "Note: {note}");
    }
    out
}

/// A table of the headline KPIs (those `keep` accepts) with one column per comparison in
/// `columns` (a year, a demand level): the paired difference ± its 95% CI half-width.
fn by_column_table(
    first: &str,
    columns: &[(String, &[KpiDifference])],
    keep: &dyn Fn(&KpiDifference) -> bool,
) -> String {
    let Some((_, first_column)) = columns.first() else {
        return String::new();
    };
    let mut header = vec![first.to_string()];
    header.extend(columns.iter().map(|(label, _)| label.clone()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, k) in first_column
        .iter()
        .enumerate()
        .filter(|(_, k)| k.headline && keep(k))
    {
        let mut row = vec![format!("{}/{}", k.entity, k.kpi)];
        for (_, column) in columns {
            let cell = column
                .get(i)
                .filter(|y| y.scope == k.scope && y.entity == k.entity && y.kpi == k.kpi)
                .and_then(|y| y.difference)
                .map_or(String::new(), |d| {
                    format!("{} ± {}", num(d.mean), num(d.half_width))
                });
            row.push(cell);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n");
    text_table(&header, &rows, &mut out);
    out
}

/// A number with about four significant digits.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The text printed by `corridor compare`: per variant, the headline KPIs.
fn render_table(comparison: &Comparison) -> String {
    let mut out = String::new();
    for variant in &comparison.variants {
        let _ = writeln!(
            out,
            "{} ({}) vs {} ({}): {} paired replications, seed {}",
            variant.scenario.name,
            variant.scenario.file,
            comparison.base.name,
            comparison.base.file,
            comparison.provenance.replications,
            comparison.provenance.seed
        );
        out.push_str(&variant_table(variant));
        out.push_str(&yearly_table(variant));
        let _ = writeln!(
            out,
            "{} KPIs compared (all in {COMPARE_CSV} and {COMPARE_JSON}); ± is the 95% CI half-width; \
             'unpaired ±' is what independent seeds would give, 'x' how many times wider that is.",
            variant.kpis.len()
        );
        for (names, which) in [
            (&variant.only_in_base, "only in the base"),
            (&variant.only_in_variant, "only in the variant"),
        ] {
            if !names.is_empty() {
                let shown: Vec<&str> = names.iter().take(6).map(String::as_str).collect();
                let more = names.len() - shown.len();
                let _ = writeln!(
                    out,
                    "{} KPIs {which}: {}{}",
                    names.len(),
                    shown.join(", "),
                    if more > 0 {
                        format!(", ... ({more} more)")
                    } else {
                        String::new()
                    }
                );
            }
        }
        for note in &variant.notes {
            let _ = writeln!(out, "Note: {note}");
        }
        if let Some(appraisal) = &variant.appraisal {
            out.push_str(&render_appraisal(appraisal));
        }
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The appraisal of one variant as printed: each figure with its 95% CI, or why it is undefined,
/// and what is counted and what is not.
fn render_appraisal(a: &Appraisal) -> String {
    let mut out = String::from("Appraisal (money per year unless stated; 95% CI):\n");
    let shown = |v: Option<corridor::study::compare::Interval>| match v {
        Some(v) => format!(
            "{} ± {}  [{}, {}]",
            num(v.mean),
            num(v.half_width),
            num(v.low),
            num(v.high)
        ),
        None => "undefined".to_string(),
    };
    let _ = writeln!(out, "  annual benefit          {}", shown(a.annual_benefit));
    let _ = writeln!(out, "  saving per TEU          {}", shown(a.saving_per_teu));
    let _ = writeln!(
        out,
        "  extra TEU per year      {}",
        shown(a.extra_teu_per_year)
    );
    if let Some(inv) = &a.investment {
        let _ = writeln!(
            out,
            "  investment: capital {}, operating {} a year, from {} for {} years at {}%",
            num(inv.capital_cost),
            num(inv.annual_operating_cost),
            inv.start,
            inv.lifetime_years,
            num(inv.discount_rate * 100.0)
        );
    }
    for (name, value, why) in [
        ("net present value", a.npv, &a.npv_undefined),
        ("benefit-cost ratio", a.bcr, &a.bcr_undefined),
    ] {
        match (value, why) {
            (Some(_), _) => {
                let _ = writeln!(out, "  {name:<23} {}", shown(value));
            }
            (None, Some(why)) => {
                let _ = writeln!(out, "  {name:<23} undefined: {why}");
            }
            (None, None) => {
                let _ = writeln!(out, "  {name:<23} undefined");
            }
        }
    }
    let _ = writeln!(out, "  Counted: {}", a.counted);
    let _ = writeln!(out, "  {}", a.not_counted);
    out
}

/// Per calendar year, the paired difference (± its 95% CI half-width) of each headline KPI:
/// one row per KPI, one column per year (nothing when the runs are not compared by year).
fn yearly_table(variant: &VariantComparison) -> String {
    let columns: Vec<(String, &[KpiDifference])> = variant
        .yearly
        .iter()
        .map(|y| (y.year.to_string(), y.kpis.as_slice()))
        .collect();
    by_column_table("difference by year", &columns, &|_| true)
}

/// Appends a table: the header, a rule, the rows; the first column left-aligned, the others
/// right-aligned, two spaces apart.
fn text_table<R: AsRef<[String]>>(header: &[String], rows: &[R], out: &mut String) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String], out: &mut String| {
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(out, "{cell:<w$}");
            } else {
                let _ = write!(out, "  {cell:>w$}");
            }
        }
        out.push('\n');
    };
    line(header, out);
    let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    out.push_str(&"-".repeat(total));
    out.push('\n');
    for row in rows {
        line(row.as_ref(), out);
    }
}

fn variant_table(variant: &VariantComparison) -> String {
    let header = [
        "KPI",
        "base",
        "variant",
        "difference",
        "change %",
        "unpaired ±",
        "x",
    ];
    let mut rows: Vec<[String; 7]> = Vec::new();
    let mut identical = Vec::new();
    for k in variant.kpis.iter().filter(|k| k.headline) {
        let (Some(base), Some(var), Some(d)) = (k.base, k.variant, k.difference) else {
            continue;
        };
        if d.mean == 0.0 && d.half_width == 0.0 {
            identical.push(format!("{}/{}", k.entity, k.kpi));
            continue;
        }
        rows.push([
            format!("{}/{}", k.entity, k.kpi),
            num(base.mean),
            num(var.mean),
            format!("{} ± {}", num(d.mean), num(d.half_width)),
            k.change_pct.map_or(String::new(), |c| {
                format!("{:+.1} [{:+.1}, {:+.1}]", c.mean, c.low, c.high)
            }),
            k.unpaired_half_width.map_or(String::new(), num),
            k.half_width_ratio
                .map_or(String::new(), |r| format!("{r:.1}")),
        ]);
    }
    let mut out = String::new();
    text_table(&header.map(String::from), &rows, &mut out);
    if rows.is_empty() && identical.is_empty() {
        out.push_str("(nothing to show: no headline KPI, or none of the --kpi selection, has values in both)\n");
    }
    if !identical.is_empty() {
        let _ = writeln!(
            out,
            "Identical in every replication: {}",
            identical.join(", ")
        );
    }
    out
}
