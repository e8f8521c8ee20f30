//! `corridor compare BASE VARIANT...`: load every scenario (all before any work, so a bad file
//! writes nothing), run each with the base's seed and replications (common random numbers),
//! compute the paired differences ([`corridor::study::compare`]), write `compare.json`,
//! `compare.csv` and `charts/compare.svg|png`, print the table of the headline KPIs (or of
//! those chosen with `--kpi`, checked against the scenarios' columns before any work).

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use corridor::base::CONFIDENCE;
use corridor::plot::{self};
use corridor::report::Provenance;
use corridor::scenario::LoadedScenario;
use corridor::stats::kpi::{KpiColumn, KpiColumns};
use corridor::study::sections;
use corridor::study::{
    self,
    compare::{
        COMPARE_CSV, COMPARE_JSON, Comparison, ScenarioRef, VariantComparison, compare,
        headline_columns, selected_columns, setting_notes,
    },
};

use super::args::CompareArgs;
use super::progress::Progress;
use super::study::{charts, settings, write_study};

/// Runs the `compare` subcommand.
pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let base = sections::load(&args.base)
        .with_context(|| format!("cannot load base scenario {}", args.base.display()))?;
    let variants: Vec<LoadedScenario> = args
        .variants
        .iter()
        .map(|path| {
            sections::load(path)
                .with_context(|| format!("cannot load variant scenario {}", path.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let study = &args.study;
    let (config, runner) = settings(study, &base.model)
        .with_context(|| format!("base scenario {}", args.base.display()))?;
    // Check --kpi against every scenario's columns before any work.
    let mut columns: Vec<KpiColumn> = Vec::new();
    for loaded in std::iter::once(&base).chain(&variants) {
        for column in KpiColumns::new(&loaded.model).columns() {
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
    }
    let selection = if args.kpi.is_empty() {
        None
    } else {
        Some(selected_columns(&args.kpi, &columns).context("invalid --kpi")?)
    };
    // Refuse a non-empty output directory before any simulation.
    let out = super::claim(&study.output.out, study.output.force)?;

    let progress = Progress::counting(study.output.quiet, "scenarios");
    progress.set_total(1 + variants.len() as u64);
    let base_ref = ScenarioRef::of(&base);
    let base_sample = study::sample(&base.model, &runner, config)?;
    progress.inc();
    let headline: Box<dyn Fn(&KpiColumn) -> bool> = match selection {
        Some(selection) => Box::new(selection),
        None => Box::new(headline_columns(&base_sample)),
    };
    let mut compared = Vec::with_capacity(variants.len());
    for variant in &variants {
        let sample = study::sample(&variant.model, &runner, config)?;
        progress.inc();
        let scenario = ScenarioRef::of(variant);
        let mut notes = setting_notes(&base_ref, &scenario);
        if study.seed.is_none() && scenario.file_seed != base_ref.file_seed {
            notes.push(format!(
                "{} names seed {}; it runs with the base's seed {} so that both share random numbers",
                scenario.file, scenario.file_seed, config.seed
            ));
        }
        let mut result = compare(&base_sample, &sample, scenario, &headline);
        result.notes = notes;
        compared.push(result);
    }
    progress.finish();
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
    let charts = charts(study, |options| {
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

    if !study.output.quiet {
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
