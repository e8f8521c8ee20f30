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
use corridor::study::compare::{
    COMPARE_CSV, COMPARE_JSON, Comparison, ScenarioRef, VariantComparison, compare,
    headline_columns, selected_columns, setting_notes,
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

    /// The scenarios in the order they are run: the base, then each variant.
    fn variants(&self) -> Variants<'_> {
        let mut variants = Variants::default();
        variants.push(format!("base {}", self.base.file), &self.base);
        for variant in &self.variants {
            variants.push(variant.file.clone(), variant);
        }
        variants
    }
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
    let inputs = Inputs {
        base,
        variants,
        kpi: args.kpi.clone(),
        seed_given: study.seed.is_some(),
    };
    let selection = inputs.selection()?;
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
        },
    };
    let variants = inputs.variants();
    match study::run(study, shard, definition, &variants, config, &runner, out)? {
        Ran::Samples(samples, out) => finish(
            &inputs,
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
    } = set.definition()
    else {
        unreachable!("merge dispatches on the command");
    };
    let inputs = Inputs {
        base: study::rebuilt(base)?.1,
        variants: variants
            .iter()
            .map(|files| Ok(study::rebuilt(files)?.1))
            .collect::<anyhow::Result<_>>()?,
        kpi: kpi.clone(),
        seed_given: *seed_given,
    };
    let selection = inputs.selection()?;
    let variants = inputs.variants();
    let out = study::claim_merge(set, args, &inputs.base.hash, &variants)?;
    let samples = study::merged_samples(set, args, &variants)?;
    finish(
        &inputs,
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
fn finish(
    inputs: &Inputs,
    selection: Selection,
    config: corridor::experiment::RunConfig,
    samples: Vec<Sample>,
    out: ResultDir,
    chart_args: &ChartArgs,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let (base_sample, variant_samples) = samples
        .split_first()
        .expect("a comparison has a base sample");
    let base_ref = ScenarioRef::of(&inputs.base);
    let headline: Box<dyn Fn(&KpiColumn) -> bool> = match selection {
        Some(selection) => selection,
        None => Box::new(headline_columns(base_sample)),
    };
    let mut compared = Vec::with_capacity(inputs.variants.len());
    for (variant, sample) in inputs.variants.iter().zip(variant_samples) {
        let scenario = ScenarioRef::of(variant);
        let mut notes = setting_notes(&base_ref, &scenario);
        if !inputs.seed_given && scenario.file_seed != base_ref.file_seed {
            notes.push(format!(
                "{} names seed {}; it runs with the base's seed {} so that both share random numbers",
                scenario.file, scenario.file_seed, config.seed
            ));
        }
        let mut result = compare(base_sample, sample, scenario, &headline);
        result.notes = notes;
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
    let json = format!("{}\n", comparison.to_json()).into_bytes();
    write_study(
        out.dir(),
        &[(COMPARE_CSV, csv)],
        &charts,
        (COMPARE_JSON, json),
    )?;
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
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Per calendar year, the paired difference (± its 95% CI half-width) of each headline KPI:
/// one row per KPI, one column per year (nothing when the runs are not compared by year).
fn yearly_table(variant: &VariantComparison) -> String {
    let Some(first) = variant.yearly.first() else {
        return String::new();
    };
    let mut header = vec!["difference by year".to_string()];
    header.extend(variant.yearly.iter().map(|y| y.year.to_string()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, k) in first.kpis.iter().enumerate().filter(|(_, k)| k.headline) {
        let mut row = vec![format!("{}/{}", k.entity, k.kpi)];
        for year in &variant.yearly {
            let cell = year
                .kpis
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
